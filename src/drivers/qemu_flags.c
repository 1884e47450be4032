/* libvirt 9.0.0's QEMU capability flags from QMP replies: its tables
 * (virQEMUCapsCommands, ...ObjectTypes, ...DeviceProps, ...ObjectProps,
 * ...MachineProps, ...QMPSchemaQueries, ...CommandLine), its QAPI schema
 * query language (qemu_qapi.c) and the rules that follow the probe. */
#include "drivers/qemu_flags.h"

#include "base/arch.h"
#include "drivers/qmp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a set of flag names (the tables' static strings) ---- */
#define MAX_FLAGS 512

typedef struct flagset {
    const char *v[MAX_FLAGS];
    size_t n;
} flagset;

static bool has(const flagset *s, const char *f)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], f) == 0)
            return true;
    return false;
}

static void set(flagset *s, const char *f)
{
    if (!has(s, f) && s->n < MAX_FLAGS)
        s->v[s->n++] = f;
}

static void clear(flagset *s, const char *f)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], f) == 0) {
            s->v[i] = s->v[--s->n];
            return;
        }
}

typedef struct str_flag {
    const char *value, *flag;
} str_flag;

/* query-commands */
static const str_flag commands[] = {
    { "query-vnc", "vnc" },
    { "rtc-reset-reinjection", "rtc-reset-reinjection" },
    { "query-hotpluggable-cpus", "query-hotpluggable-cpus" },
    { "query-cpu-model-expansion", "query-cpu-model-expansion" },
    { "query-cpu-definitions", "query-cpu-definitions" },
    { "query-cpu-model-baseline", "query-cpu-model-baseline" },
    { "query-cpu-model-comparison", "query-cpu-model-comparison" },
    { "block-export-add", "block-export-add" },
    { "blockdev-reopen", "blockdev-reopen" },
    { "set-action", "set-action" },
    { "query-dirty-rate", "query-dirty-rate" },
    { "sev-inject-launch-secret", "sev-inject-launch-secret" },
    { "calc-dirty-rate", "calc-dirty-rate" },
    { "query-stats", "query-stats" },
    { "query-stats-schemas", "query-stats-schemas" },
};

/* query-migrate-capabilities */
static const str_flag migration[] = {
    { "rdma-pin-all", "migrate-rdma" },
};

/* qom-list-types ("esp" is left out on purpose: arch decides ncr53c90) */
static const str_flag object_types[] = {
    { "hda-duplex", "hda-duplex" },
    { "hda-micro", "hda-micro" },
    { "ccid-card-emulated", "ccid-emulated" },
    { "ccid-card-passthru", "ccid-passthru" },
    { "piix3-usb-uhci", "piix3-usb-uhci" },
    { "piix4-usb-uhci", "piix4-usb-uhci" },
    { "usb-ehci", "usb-ehci" },
    { "ich9-usb-ehci1", "ich9-usb-ehci1" },
    { "vt82c686b-usb-uhci", "vt82c686b-usb-uhci" },
    { "pci-ohci", "pci-ohci" },
    { "nec-usb-xhci", "nec-usb-xhci" },
    { "usb-redir", "usb-redir" },
    { "usb-hub", "usb-hub" },
    { "ich9-ahci", "ich9-ahci" },
    { "virtio-blk-ccw", "virtio-ccw" },
    { "sclpconsole", "s390-sclp" },
    { "lsi53c895a", "lsi" },
    { "virtio-scsi-pci", "virtio-scsi-pci" },
    { "virtio-scsi-ccw", "virtio-scsi-pci" },
    { "virtio-scsi-device", "virtio-scsi-pci" },
    { "megasas", "megasas" },
    { "qxl", "qxl" },
    { "scsi-block", "scsi-block" },
    { "VGA", "VGA" },
    { "cirrus-vga", "cirrus-vga" },
    { "vmware-svga", "vmware-svga" },
    { "usb-serial", "usb-serial" },
    { "virtio-rng-pci", "virtio-rng" },
    { "virtio-rng-ccw", "virtio-rng" },
    { "virtio-rng-device", "virtio-rng" },
    { "rng-random", "rng-random" },
    { "rng-egd", "rng-egd" },
    { "spapr-nvram", "nvram" },
    { "pci-bridge", "pci-bridge" },
    { "vfio-pci", "vfio-pci" },
    { "i82801b11-bridge", "dmi-to-pci-bridge" },
    { "usb-storage", "usb-storage" },
    { "virtio-mmio", "virtio-mmio" },
    { "ich9-intel-hda", "ich9-intel-hda" },
    { "pvpanic", "pvpanic" },
    { "usb-kbd", "usb-kbd" },
    { "usb-audio", "usb-audio" },
    { "iothread", "iothread" },
    { "pc-dimm", "pc-dimm" },
    { "pci-serial", "pci-serial" },
    { "gpex-pcihost", "gpex-pcihost" },
    { "ioh3420", "ioh3420" },
    { "x3130-upstream", "x3130-upstream" },
    { "xio3130-downstream", "xio3130-downstream" },
    { "rtl8139", "rtl8139" },
    { "e1000", "e1000" },
    { "virtio-net-pci", "virtio-net" },
    { "virtio-net-ccw", "virtio-net" },
    { "virtio-net-device", "virtio-net" },
    { "virtio-gpu-pci", "virtio-gpu" },
    { "virtio-gpu-device", "virtio-gpu" },
    { "virtio-vga", "virtio-vga" },
    { "virtio-keyboard-device", "virtio-keyboard" },
    { "virtio-keyboard-pci", "virtio-keyboard" },
    { "virtio-mouse-device", "virtio-mouse" },
    { "virtio-mouse-pci", "virtio-mouse" },
    { "virtio-tablet-device", "virtio-tablet" },
    { "virtio-tablet-pci", "virtio-tablet" },
    { "virtio-input-host-device", "virtio-input-host" },
    { "virtio-input-host-pci", "virtio-input-host" },
    { "mptsas1068", "mptsas1068" },
    { "pxb", "pxb" },
    { "pxb-pcie", "pxb-pcie" },
    { "intel-iommu", "intel-iommu" },
    { "ivshmem-plain", "ivshmem-plain" },
    { "ivshmem-doorbell", "ivshmem-doorbell" },
    { "vhost-scsi", "vhost-scsi" },
    { "nvdimm", "nvdimm" },
    { "pcie-root-port", "pcie-root-port" },
    { "qemu-xhci", "qemu-xhci" },
    { "spapr-pci-host-bridge", "spapr-pci-host-bridge" },
    { "vmcoreinfo", "vmcoreinfo" },
    { "spapr-vty", "spapr-vty" },
    { "sclplmconsole", "sclplmconsole" },
    { "isa-serial", "isa-serial" },
    { "pl011", "pl011" },
    { "virtio-gpu-ccw", "virtio-gpu-ccw" },
    { "virtio-keyboard-ccw", "virtio-keyboard-ccw" },
    { "virtio-mouse-ccw", "virtio-mouse-ccw" },
    { "virtio-tablet-ccw", "virtio-tablet-ccw" },
    { "pcie-pci-bridge", "pcie-pci-bridge" },
    { "pr-manager-helper", "pr-manager-helper" },
    { "vfio-ccw", "vfio-ccw" },
    { "hda-output", "hda-output" },
    { "vmgenid", "vmgenid" },
    { "vhost-vsock-device", "vhost-vsock" },
    { "mch", "mch" },
    { "sev-guest", "sev-guest" },
    { "vfio-ap", "vfio-ap" },
    { "zpci", "zpci" },
    { "memory-backend-memfd", "memory-backend-memfd" },
    { "virtio-blk-pci-transitional", "virtio-pci-non-transitional" },
    { "virtio-blk-pci-non-transitional", "virtio-pci-non-transitional" },
    { "virtio-net-pci-transitional", "virtio-pci-non-transitional" },
    { "virtio-net-pci-non-transitional", "virtio-pci-non-transitional" },
    { "vhost-scsi-pci-transitional", "virtio-pci-non-transitional" },
    { "vhost-scsi-pci-non-transitional", "virtio-pci-non-transitional" },
    { "virtio-rng-pci-transitional", "virtio-pci-non-transitional" },
    { "virtio-rng-pci-non-transitional", "virtio-pci-non-transitional" },
    { "virtio-9p-pci-transitional", "virtio-pci-non-transitional" },
    { "virtio-9p-pci-non-transitional", "virtio-pci-non-transitional" },
    { "virtio-balloon-pci-transitional", "virtio-pci-non-transitional" },
    { "virtio-balloon-pci-non-transitional", "virtio-pci-non-transitional" },
    { "vhost-vsock-pci-transitional", "virtio-pci-non-transitional" },
    { "vhost-vsock-pci-non-transitional", "virtio-pci-non-transitional" },
    { "virtio-scsi-pci-transitional", "virtio-pci-non-transitional" },
    { "virtio-scsi-pci-non-transitional", "virtio-pci-non-transitional" },
    { "virtio-serial-pci-transitional", "virtio-pci-non-transitional" },
    { "virtio-serial-pci-non-transitional", "virtio-pci-non-transitional" },
    { "max-x86_64-cpu", "x86-max-cpu" },
    { "bochs-display", "bochs-display" },
    { "dbus-vmstate", "dbus-vmstate" },
    { "vhost-user-gpu", "vhost-user-gpu" },
    { "vhost-user-vga", "vhost-user-vga" },
    { "ramfb", "ramfb" },
    { "max-arm-cpu", "arm-max-cpu" },
    { "i8042", "i8042" },
    { "rng-builtin", "rng-builtin" },
    { "tpm-spapr", "tpm-spapr" },
    { "vhost-user-fs-device", "vhost-user-fs" },
    { "tcg-accel", "tcg" },
    { "pvscsi", "pvscsi" },
    { "spapr-tpm-proxy", "spapr-tpm-proxy" },
    { "vmport", "machine-vmport-opt" },
    { "dc390", "dc390" },
    { "am53c974", "am53c974" },
    { "virtio-pmem-pci", "virtio-pmem-pci" },
    { "vhost-user-blk", "vhost-user-blk" },
    { "input-linux", "input-linux" },
    { "virtio-gpu-gl-pci", "virtio-gpu-gl-pci" },
    { "virtio-vga-gl", "virtio-vga-gl" },
    { "s390-pv-guest", "s390-pv-guest" },
    { "virtio-mem-pci", "virtio-mem-pci" },
    { "virtio-iommu-pci", "virtio-iommu-pci" },
    { "sgx-epc", "sgx-epc" },
    { "thread-context", "thread-context" },
};

/* A property that sets flag; the virtio-blk "scsi" one also tells its default. */
typedef struct prop_flag {
    const char *value, *flag;
    bool scsi_default;
} prop_flag;

#define PROPS(t) (t), sizeof(t) / sizeof *(t)

static const prop_flag props_virtio_balloon[] = {
    { "deflate-on-oom", "virtio-balloon-pci.deflate-on-oom", false },
    { "free-page-reporting", "virtio-balloon.free-page-reporting", false },
    { "acpi-index", "acpi-index", false },
};
static const prop_flag props_virtio_blk[] = {
    { "scsi", "virtio-blk-pci.scsi", true },
    { "queue-size", "virtio-blk.queue-size", false },
    { "acpi-index", "acpi-index", false },
};
static const prop_flag props_virtio_net[] = {
    { "acpi-index", "acpi-index", false },
    { "rss", "virtio-net.rss", false },
};
static const prop_flag props_acpi_index[] = {
    { "acpi-index", "acpi-index", false },
};
static const prop_flag props_pcie_root_port[] = {
    { "hotplug", "pcie-root-port.hotplug", false },
};
static const prop_flag props_usb_host[] = {
    { "hostdevice", "usb-host.hostdevice", false },
    { "guest-resets-all", "usb-host.guest-resets-all", false },
};
static const prop_flag props_spapr_phb[] = {
    { "numa_node", "spapr-pci-host-bridge.numa_node", false },
};
static const prop_flag props_vfio_pci[] = {
    { "display", "vfio-pci.display", false },
};
static const prop_flag props_scsi_disk[] = {
    { "channel", "scsi-disk.channel", false },
    { "wwn", "scsi-disk.wwn", false },
    { "rotation_rate", "rotation-rate", false },
};
static const prop_flag props_ide_drive[] = {
    { "wwn", "ide-drive.wwn", false },
};
static const prop_flag props_piix4_pm[] = {
    { "disable_s3", "disable-s3", false },
    { "disable_s4", "disable-s4", false },
    { "acpi-root-pci-hotplug", "piix4.acpi-root-pci-hotplug", false },
};
static const prop_flag props_usb_redir[] = {
    { "filter", "usb-redir.filter", false },
};
static const prop_flag props_usb_storage[] = {
    { "removable", "usb-storage.removable", false },
};
static const prop_flag props_kvm_pit[] = {
    { "lost_tick_policy", "kvm-pit-lost-tick-policy", false },
};
static const prop_flag props_vga[] = {
    { "vgamem_mb", "VGA.vgamem_mb", false },
};
static const prop_flag props_vmware_svga[] = {
    { "vgamem_mb", "vmware-svga.vgamem_mb", false },
};
static const prop_flag props_qxl[] = {
    { "vgamem_mb", "qxl.vgamem_mb", false },
    { "vram64_size_mb", "qxl.vram64_size_mb", false },
};
static const prop_flag props_virtio_gpu[] = {
    { "virgl", "virtio-gpu.virgl", false },
    { "acpi-index", "acpi-index", false },
};
static const prop_flag props_ich9[] = {
    { "disable_s3", "ich9-disable-s3", false },
    { "disable_s4", "ich9-disable-s4", false },
};
static const prop_flag props_intel_iommu[] = {
    { "intremap", "intel-iommu.intremap", false },
    { "caching-mode", "intel-iommu.caching-mode", false },
    { "eim", "intel-iommu.eim", false },
    { "device-iotlb", "intel-iommu.device-iotlb", false },
    { "aw-bits", "intel-iommu.aw-bits", false },
};
static const prop_flag props_mch[] = {
    { "extended-tseg-mbytes", "mch.extended-tseg-mbytes", false },
};
static const prop_flag props_nvdimm[] = {
    { "unarmed", "nvdimm.unarmed", false },
};
static const prop_flag props_vhost_user_fs[] = {
    { "bootindex", "vhost-user-fs.bootindex", false },
};
static const prop_flag props_virtio_mem[] = {
    { "prealloc", "virtio-mem-pci.prealloc", false },
};
static const prop_flag props_virtio_iommu[] = {
    { "boot-bypass", "virtio-iommu.boot-bypass", false },
};
static const prop_flag props_memory_file[] = {
    { "pmem", "memory-backend-file.pmem", false },
    { "x-use-canonical-path-for-ramblock-id", "memory-backend-file.x-use-canonical-path-for-ramblock-id", false },
    { "reserve", "memory-backend-file.reserve", false },
    { "prealloc-threads", "memory-backend-file.prealloc-threads", false },
};
static const prop_flag props_memory_memfd[] = {
    { "hugetlb", "memory-backend-memfd.hugetlb", false },
};
static const prop_flag props_max_cpu[] = {
    { "unavailable-features", "cpu-unavailable-features", false },
    { "kvm-no-adjvtime", "cpu.kvm-no-adjvtime", false },
    { "migratable", "cpu.migratable", false },
};
static const prop_flag props_pseries[] = {
    { "cap-hpt-max-page-size", "machine.pseries.cap-hpt-max-page-size", false },
    { "cap-htm", "machine.pseries.cap-htm", false },
    { "cap-nested-hv", "machine.pseries.cap-nested-hv", false },
    { "cap-ccf-assist", "machine.pseries.cap-ccf-assist", false },
    { "cap-cfpc", "machine.pseries.cap-cfpc", false },
    { "cap-sbbc", "machine.pseries.cap-sbbc", false },
    { "cap-ibs", "machine.pseries.cap-ibs", false },
};
static const prop_flag props_virt[] = {
    { "iommu", "machine.virt.iommu", false },
};
static const prop_flag props_none_machine[] = {
    { "confidential-guest-support", "confidential-guest-support", false },
};

/* A QOM type whose properties are asked when condition (a flag) is set
 * (NULL: always). */
typedef struct type_props {
    const char *type;
    const prop_flag *props;
    size_t nprops;
    const char *condition;
} type_props;

/* device-list-properties, in the reference's order: type, its flags, the
 * flag without which it is not asked (NULL: always) */
#define DEVICE_PROPS(X) \
    X("virtio-blk-pci", props_virtio_blk, NULL) \
    X("virtio-net-pci", props_virtio_net, "virtio-net") \
    X("virtio-scsi-pci", props_acpi_index, "virtio-scsi-pci") \
    X("virtio-blk-ccw", props_virtio_blk, "virtio-ccw") \
    X("virtio-net-ccw", props_virtio_net, "virtio-net") \
    X("virtio-scsi-ccw", props_acpi_index, "virtio-scsi-pci") \
    X("vfio-pci", props_vfio_pci, "vfio-pci") \
    X("scsi-hd", props_scsi_disk, NULL) \
    X("ide-hd", props_ide_drive, NULL) \
    X("PIIX4_PM", props_piix4_pm, NULL) \
    X("usb-redir", props_usb_redir, "usb-redir") \
    X("usb-storage", props_usb_storage, "usb-storage") \
    X("kvm-pit", props_kvm_pit, NULL) \
    X("VGA", props_vga, "VGA") \
    X("vmware-svga", props_vmware_svga, "vmware-svga") \
    X("qxl", props_qxl, "qxl") \
    X("virtio-gpu-pci", props_virtio_gpu, "virtio-gpu") \
    X("virtio-gpu-device", props_virtio_gpu, "virtio-gpu") \
    X("ICH9-LPC", props_ich9, NULL) \
    X("virtio-balloon-pci", props_virtio_balloon, NULL) \
    X("virtio-balloon-ccw", props_virtio_balloon, NULL) \
    X("virtio-balloon-device", props_virtio_balloon, NULL) \
    X("intel-iommu", props_intel_iommu, "intel-iommu") \
    X("spapr-pci-host-bridge", props_spapr_phb, "spapr-pci-host-bridge") \
    X("virtio-gpu-ccw", props_virtio_gpu, "virtio-gpu-ccw") \
    X("mch", props_mch, "mch") \
    X("nvdimm", props_nvdimm, "nvdimm") \
    X("pcie-root-port", props_pcie_root_port, "pcie-root-port") \
    X("usb-host", props_usb_host, NULL) \
    X("vhost-user-fs-device", props_vhost_user_fs, "vhost-user-fs") \
    X("virtio-mem-pci", props_virtio_mem, "virtio-mem-pci") \
    X("virtio-iommu-pci", props_virtio_iommu, "virtio-iommu-pci")

#define TYPE_ROW(type, props, cond) { (type), PROPS(props), (cond) },
#define TYPE_NAME(type, props, cond) (type),

static const type_props device_props[] = { DEVICE_PROPS(TYPE_ROW) };

/* qom-list-properties */
#define OBJECT_PROPS(X) \
    X("memory-backend-file", props_memory_file, NULL) \
    X("memory-backend-memfd", props_memory_memfd, "memory-backend-memfd") \
    X("max-x86_64-cpu", props_max_cpu, "x86-max-cpu") \
    X("max-arm-cpu", props_max_cpu, "arm-max-cpu")

static const type_props object_props[] = { OBJECT_PROPS(TYPE_ROW) };

/* Machine types by the name the reference gives (canonicalised through
 * query-machines' aliases). */
#define MACHINE_PROPS(X) \
    X("pseries", props_pseries, NULL) \
    X("virt", props_virt, NULL) \
    X("none", props_none_machine, NULL)

static const type_props machine_props[] = { MACHINE_PROPS(TYPE_ROW) };

/* QAPI schema queries (see schema_path_exists for the language) */
static const str_flag schema_queries[] = {
    { "blockdev-add/arg-type/+vxhs", "vxhs" },
    { "blockdev-add/arg-type/+file/drop-cache", "migration-file-drop-cache" },
    { "blockdev-add/arg-type/+nvme", "drive-nvme" },
    { "blockdev-add/arg-type/+file/aio/^io_uring", "aio.io_uring" },
    { "blockdev-add/arg-type/+rbd/encrypt", "rbd-encryption" },
    { "blockdev-add/arg-type/+nbd/tls-hostname", "blockdev.nbd.tls-hostname" },
    { "blockdev-snapshot/$allow-write-only-overlay", "blockdev-snapshot.allow-write-only-overlay" },
    { "chardev-add/arg-type/backend/+socket/data/reconnect", "chardev-reconnect" },
    { "device_add/$json-cli-hotplug", "device.json+hotplug" },
    { "migrate-set-parameters/arg-type/block-bitmap-mapping/bitmaps/transform",
      "migration-param.block-bitmap-mapping" },
    { "nbd-server-start/arg-type/tls-creds", "nbd-tls" },
    { "nbd-server-add/arg-type/bitmap", "nbd-bitmap" },
    { "netdev_add/arg-type/+stream", "netdev.stream" },
    { "netdev_add/arg-type/+vhost-vdpa", "netdev.vhost-vdpa" },
    /* JSON -netdev came with the 'dgram' netdev type */
    { "netdev_add/arg-type/type/^dgram", "netdev.json" },
    { "object-add/arg-type/qom-type/^secret", "object.qapified" },
    { "query-display-options/ret-type/+egl-headless/rendernode", "egl-headless.rendernode" },
    { "query-display-options/ret-type/+sdl", "sdl" },
    { "query-display-options/ret-type/+egl-headless", "egl-headless" },
    { "query-hotpluggable-cpus/ret-type/props/die-id", "smp-dies" },
    { "query-iothreads/ret-type/poll-max-ns", "iothread.poll-max-ns" },
    { "query-named-block-nodes/arg-type/flat", "query-named-block-nodes.flat" },
    { "screendump/arg-type/device", "screendump_device" },
    { "set-numa-node/arg-type/+hmat-lb", "numa.hmat" },
    { "object-add/arg-type/+sev-guest/kernel-hashes", "sev-guest-kernel-hashes" },
    { "calc-dirty-rate/arg-type/mode", "dirtyrate-param.mode" },
    { "chardev-add/arg-type/backend/+qemu-vdagent", "chardev.qemu-vdagent" },
    { "query-display-options/ret-type/+dbus", "display-dbus" },
    { "object-add/arg-type/+iothread/thread-pool-max", "iothread.thread-pool-max" },
    { "query-migrate/ret-type/blocked-reasons", "migration.blocked-reasons" },
    { "screendump/arg-type/format/^png", "screenshot-format-png" },
};

/* query-command-line-options: an option, or one of its parameters */
typedef struct cmdline_flag {
    const char *option, *param, *flag;
} cmdline_flag;

static const cmdline_flag cmdline[] = {
    { "fsdev", "multidevs", "fsdev.multidevs" },
    { "machine", "hpet", "machine-hpet" },
    { "sandbox", NULL, "seccomp-sandbox" },
    { "spice", NULL, "spice" },
    { "spice", "gl", "spice-gl" },
    { "spice", "rendernode", "spice-rendernode" },
    { "vnc", "power-control", "vnc-power-control" },
};

/* query-tpm-models, query-tpm-types */
static const str_flag tpm_models[] = {
    { "tpm-tis", "tpm-tis" },
    { "tpm-crb", "tpm-crb" },
    { "tpm-spapr", "tpm-spapr" },
};
static const str_flag tpm_types[] = {
    { "passthrough", "tpm-passthrough" },
    { "emulator", "tpm-emulator" },
};

/* ---- reading replies: anything of the wrong shape is skipped ---- */

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

static const char *member_str(json_object *o, const char *key)
{
    json_object *v = member(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool member_true(json_object *o, const char *key)
{
    json_object *v = member(o, key);
    return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* The reply as a list (NULL when it is none); fails when it is too long. */
static int list_of(json_object *reply, const char *what, json_object **out, vc_error *err)
{
    *out = NULL;
    if (!reply || !json_object_is_type(reply, json_type_array))
        return 0;
    if (json_object_array_length(reply) > VC_QEMU_FLAGS_MAX_LIST)
        return vc_fail(err, VC_ELIMIT, "QMP: %s lists more than %d entries", what, VC_QEMU_FLAGS_MAX_LIST);
    *out = reply;
    return 0;
}

/* Whether list (of strings, or of objects with key) names name. */
static bool list_names(json_object *list, const char *key, const char *name)
{
    size_t n = list ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(list, i);
        const char *s = key ? member_str(e, key)
                            : (json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL);
        if (s && strcmp(s, name) == 0)
            return true;
    }
    return false;
}

/* The entry of list whose key is name. */
static json_object *list_find(json_object *list, const char *key, const char *name)
{
    size_t n = list ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(list, i);
        const char *s = member_str(e, key);
        if (s && strcmp(s, name) == 0)
            return e;
    }
    return NULL;
}

static int string_flags(flagset *fs, json_object *reply, const char *key, const str_flag *t, size_t n,
                        const char *what, vc_error *err)
{
    json_object *list;
    if (list_of(reply, what, &list, err) < 0)
        return -1;
    for (size_t i = 0; list && i < n; i++)
        if (list_names(list, key, t[i].value))
            set(fs, t[i].flag);
    return 0;
}

static json_object *named_reply(const qc_named_reply *r, size_t n, const char *name)
{
    for (size_t i = 0; r && i < n; i++)
        if (r[i].name && strcmp(r[i].name, name) == 0)
            return r[i].reply;
    return NULL;
}

static int props_flags(flagset *fs, json_object *reply, const type_props *tp, vc_error *err)
{
    json_object *list;
    if (list_of(reply, tp->type, &list, err) < 0)
        return -1;
    for (size_t i = 0; list && i < tp->nprops; i++) {
        json_object *p = list_find(list, "name", tp->props[i].value);
        if (!p)
            continue;
        set(fs, tp->props[i].flag);
        json_object *def = member(p, "default-value");
        if (tp->props[i].scsi_default && def && json_object_is_type(def, json_type_boolean) &&
            !json_object_get_boolean(def))
            set(fs, "virtio-blk-pci.scsi.default.disabled");
    }
    return 0;
}

/* ---- the QAPI schema and its query language (qemu_qapi.c) ----
 * QUERY = NAME { "/" STEP }: NAME a command, event or type; STEP on a
 * command or event: "arg-type", "ret-type", "$FEATURE"; on an object: a
 * member ("*NAME": it must be optional), "+CASE" a variant, "$FEATURE";
 * on an enum "^VALUE"; on a builtin "!JSONTYPE"; arrays are looked through
 * and alternates try each of their members. "$", "^", "!" end a query. */

typedef struct schema_entry {
    const char *name;
    json_object *obj;
} schema_entry;

typedef struct schema {
    schema_entry *e;
    size_t n;
    char **steps;          /* the query being traversed */
    size_t nsteps, at;
    size_t budget, depth;
} schema;

enum { Q_NO = 0, Q_YES = 1, Q_MALFORMED = -2, Q_TERMINAL = -3, Q_LIMIT = -4 };

static int compare_entry(const void *a, const void *b)
{
    return strcmp(((const schema_entry *)a)->name, ((const schema_entry *)b)->name);
}

static json_object *schema_lookup(const schema *s, const char *name)
{
    if (!name)
        return NULL;
    schema_entry key = { name, NULL };
    const schema_entry *e = bsearch(&key, s->e, s->n, sizeof *s->e, compare_entry);
    return e ? e->obj : NULL;
}

static int schema_build(vc_arena *a, json_object *reply, schema *s, vc_error *err)
{
    json_object *list;
    memset(s, 0, sizeof *s);
    if (!reply || !json_object_is_type(reply, json_type_array))
        return 0;
    if (json_object_array_length(reply) > VC_QEMU_FLAGS_MAX_SCHEMA)
        return vc_fail(err, VC_ELIMIT, "QMP: the schema has more than %d entries", VC_QEMU_FLAGS_MAX_SCHEMA);
    list = reply;
    size_t n = json_object_array_length(list);
    s->e = vc_array(a, n ? n : 1, sizeof *s->e);
    if (!s->e)
        return vc_oom(err);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(list, i);
        const char *name = member_str(o, "name");
        if (!name)
            return vc_fail(err, VC_EINPUT, "QMP: malformed schema: entry %zu has no name", i);
        s->e[i] = (schema_entry){ name, o };
    }
    s->n = n;
    qsort(s->e, n, sizeof *s->e, compare_entry);
    for (size_t i = 1; i < n; i++)
        if (strcmp(s->e[i - 1].name, s->e[i].name) == 0)
            return vc_fail(err, VC_EINPUT, "QMP: malformed schema: '%s' is there twice", s->e[i].name);
    return 0;
}

static int traverse(schema *s, const char *type);

static bool has_feature(json_object *cur, const char *feature)
{
    json_object *f = member(cur, "features");
    return f && json_object_is_type(f, json_type_array) && list_names(f, NULL, feature);
}

static int traverse_object(schema *s, json_object *cur)
{
    const char *q = s->steps[s->at++];
    char mod = *q;
    if (mod == '^' || mod == '!')
        return Q_NO;
    if (mod == '$') {
        if (s->at < s->nsteps)
            return Q_TERMINAL;
        return has_feature(cur, q + 1) ? Q_YES : Q_NO;
    }
    json_object *next;
    if (mod == '+') {
        json_object *v = member(cur, "variants");
        next = v && json_object_is_type(v, json_type_array) ? list_find(v, "case", q + 1) : NULL;
    } else {
        json_object *m = member(cur, "members");
        next = m && json_object_is_type(m, json_type_array) ? list_find(m, "name", mod == '*' ? q + 1 : q) : NULL;
        if (next && mod == '*' && !member(next, "default"))
            return Q_NO;
    }
    if (!next)
        return Q_NO;
    return traverse(s, member_str(next, "type"));
}

static int traverse_command(schema *s, json_object *cur)
{
    const char *q = s->steps[s->at++];
    char mod = *q;
    if (mod == '^' || mod == '!' || mod == '+' || mod == '*')
        return Q_NO;
    if (mod == '$') {
        if (s->at < s->nsteps)
            return Q_TERMINAL;
        return has_feature(cur, q + 1) ? Q_YES : Q_NO;
    }
    const char *type = member_str(cur, q);
    return type ? traverse(s, type) : Q_NO;
}

static int traverse_alternate(schema *s, json_object *cur)
{
    json_object *m = member(cur, "members");
    size_t at = s->at;
    if (!m || !json_object_is_type(m, json_type_array))
        return Q_MALFORMED;
    for (size_t i = 0; i < json_object_array_length(m); i++) {
        const char *type = member_str(json_object_array_get_idx(m, i), "type");
        if (!type)
            continue;
        s->at = at;
        int rc = traverse(s, type);
        if (rc != Q_NO)
            return rc;
    }
    return Q_NO;
}

static int traverse_enum(schema *s, json_object *cur)
{
    const char *q = s->steps[s->at++];
    if (q[0] != '^')
        return Q_NO;
    if (s->at < s->nsteps)
        return Q_TERMINAL;
    json_object *v = member(cur, "values");
    if (!v || !json_object_is_type(v, json_type_array))
        return Q_MALFORMED;
    return list_names(v, NULL, q + 1) ? Q_YES : Q_NO;
}

static int traverse_builtin(schema *s, json_object *cur)
{
    const char *q = s->steps[s->at++];
    if (q[0] != '!')
        return Q_NO;
    if (s->at < s->nsteps)
        return Q_TERMINAL;
    const char *t = member_str(cur, "json-type");
    if (!t)
        return Q_MALFORMED;
    return strcmp(t, q + 1) == 0 ? Q_YES : Q_NO;
}

static int traverse_type(schema *s, json_object *cur);

/* Types refer to types: a path deeper than the reference's 1000 steps is a
 * malformed schema, more steps in all (alternates branch) too many. */
static int traverse(schema *s, const char *type)
{
    json_object *cur = schema_lookup(s, type);
    if (s->budget-- == 0)
        return Q_LIMIT;
    if (!cur || s->depth >= 1000)
        return Q_MALFORMED;
    s->depth++;
    int rc = traverse_type(s, cur);
    s->depth--;
    return rc;
}

static int traverse_type(schema *s, json_object *cur)
{
    if (s->at >= s->nsteps)
        return Q_YES;
    const char *meta = member_str(cur, "meta-type");
    if (!meta)
        return Q_MALFORMED;
    if (strcmp(meta, "object") == 0)
        return traverse_object(s, cur);
    if (strcmp(meta, "array") == 0) {
        /* arrays are looked through: the query goes on in the element type */
        const char *elem = member_str(cur, "element-type");
        return elem ? traverse(s, elem) : Q_NO;
    }
    if (strcmp(meta, "command") == 0 || strcmp(meta, "event") == 0)
        return traverse_command(s, cur);
    if (strcmp(meta, "alternate") == 0)
        return traverse_alternate(s, cur);
    if (strcmp(meta, "enum") == 0)
        return traverse_enum(s, cur);
    if (strcmp(meta, "builtin") == 0)
        return traverse_builtin(s, cur);
    return Q_NO;
}

#define MAX_STEPS 16

/* Whether query holds: 1 yes, 0 no, -1 with err (a malformed schema). */
static int schema_path_exists(schema *s, const char *query, vc_error *err)
{
    char buf[256];
    char *steps[MAX_STEPS];
    size_t n = 0;
    if (!s->n)
        return 0;
    if (strlen(query) >= sizeof buf)
        return vc_fail(err, VC_EMISUSE, "schema query too long: %s", query);
    memcpy(buf, query, strlen(query) + 1);
    for (char *p = buf, *slash; n < MAX_STEPS; p = slash + 1) {
        steps[n++] = p;
        if (!(slash = strchr(p, '/')))
            break;
        *slash = '\0';
    }
    if (!schema_lookup(s, steps[0]))
        return 0;
    s->steps = steps;
    s->nsteps = n;
    s->at = 1;
    s->budget = VC_QEMU_FLAGS_MAX_STEPS;
    s->depth = 0;
    int rc = traverse(s, steps[0]);
    s->steps = NULL;
    s->nsteps = 0;
    switch (rc) {
    case Q_YES:
        return 1;
    case Q_NO:
        return 0;
    case Q_TERMINAL:
        return vc_fail(err, VC_EMISUSE, "schema query %s: a terminal step has followers", query);
    case Q_LIMIT:
        return vc_fail(err, VC_ELIMIT, "QMP: schema query %s takes more than %d steps", query,
                       VC_QEMU_FLAGS_MAX_STEPS);
    default:
        return vc_fail(err, VC_EINPUT, "QMP: malformed schema when querying %s", query);
    }
}

/* ---- the probe's order and the rules after it ---- */

static void object_type_flags(flagset *fs, json_object *types)
{
    for (size_t i = 0; i < sizeof object_types / sizeof *object_types; i++)
        if (list_names(types, "name", object_types[i].value))
            set(fs, object_types[i].flag);
}

/* The canonical name of machine (its alias resolved) when QEMU lists it
 * under the first accelerator that has machine types; NULL when it does not. */
static const char *canonical_machine(const vc_qemucaps *qc, int accel, const char *machine)
{
    if (accel < 0 || accel >= QC_NACCEL)
        return NULL;
    const qc_accel_caps *ac = &qc->accel[accel];
    for (size_t i = 0; i < ac->nmachines; i++)
        if (ac->machines[i].alias && strcmp(ac->machines[i].alias, machine) == 0)
            return ac->machines[i].name;
    for (size_t i = 0; i < ac->nmachines; i++)
        if (ac->machines[i].name && strcmp(ac->machines[i].name, machine) == 0)
            return ac->machines[i].name;
    return NULL;
}

bool vc_qemu_flags_machine_qom_type(const vc_qemucaps *qc, int accel, const char *machine, char *buf, size_t size)
{
    const char *canon = strcmp(machine, "none") == 0 ? "none" : canonical_machine(qc, accel, machine);
    int len = canon && size ? snprintf(buf, size, "%s-machine", canon) : -1;
    return len >= 0 && (size_t)len < size;
}

static int machine_props_flags(flagset *fs, const vc_qemucaps *qc, const qc_replies *r, vc_error *err)
{
    int accel = has(fs, "kvm") ? QC_KVM : QC_TCG;
    for (size_t i = 0; i < sizeof machine_props / sizeof *machine_props; i++) {
        char qom[VC_QMP_MAX_NAME + sizeof "-machine"];
        if (vc_qemu_flags_machine_qom_type(qc, accel, machine_props[i].type, qom, sizeof qom) &&
            props_flags(fs, named_reply(r->object_props, r->nobject_props, qom), &machine_props[i], err) < 0)
            return -1;
    }
    return 0;
}

static int cmdline_flags(flagset *fs, json_object *reply, vc_error *err)
{
    json_object *list;
    if (list_of(reply, "query-command-line-options", &list, err) < 0)
        return -1;
    for (size_t i = 0; list && i < sizeof cmdline / sizeof *cmdline; i++) {
        json_object *opt = list_find(list, "option", cmdline[i].option);
        if (!opt)
            continue;
        json_object *params = member(opt, "parameters");
        if (!cmdline[i].param ||
            (params && json_object_is_type(params, json_type_array) && list_names(params, "name", cmdline[i].param)))
            set(fs, cmdline[i].flag);
    }
    return 0;
}

static bool has_cpu_model(const vc_qemucaps *qc, const char *name)
{
    for (int a = 0; a < QC_NACCEL; a++)
        for (size_t i = 0; i < qc->accel[a].ncpus; i++)
            if (qc->accel[a].cpus[i].name && strcmp(qc->accel[a].cpus[i].name, name) == 0)
                return true;
    return false;
}

/* Flags the reference sets from the architecture, the version and other
 * flags (virQEMUCapsInitQMPBasicArch, ...VersionCaps, ...ProcessCaps). */
static void derived_flags(flagset *fs, const vc_qemucaps *qc)
{
    const char *arch = qc->arch ? qc->arch : "";
    if (vc_arch_is_x86(arch)) {
        set(fs, "no-acpi");
        if (has(fs, "query-cpu-model-expansion"))
            set(fs, "cpu-cache");
        if (!has(fs, "machine-hpet"))
            set(fs, "no-hpet");
    } else if (strcmp(arch, "aarch64") == 0) {
        set(fs, "no-acpi");
        set(fs, "aarch64-off");
        set(fs, "gic-version");
    } else if (strcmp(arch, "armv6l") == 0 || strcmp(arch, "armv7l") == 0) {
        set(fs, "gic-version");
    } else if (vc_arch_is_s390(arch)) {
        set(fs, "aes-key-wrap");
        set(fs, "dea-key-wrap");
        set(fs, "loadparm");
    } else if (strcmp(arch, "sparc") == 0 || strcmp(arch, "m68k") == 0 || strcmp(arch, "mips") == 0) {
        /* "esp" is built into these machines only */
        set(fs, "ncr53c90");
    }
    /* -enable-fips is deprecated from QEMU 5.2.0 on */
    if (qc->version < 5002000)
        set(fs, "enable-fips");
    if (has_cpu_model(qc, "max"))
        set(fs, "cpu-max");
    if (has(fs, "cpu-unavailable-features"))
        set(fs, "canonical-cpu-features");
    if (has(fs, "blockdev-reopen") && has(fs, "migration-param.block-bitmap-mapping"))
        set(fs, "incremental-backup");
    if (has(fs, "object.qapified"))
        set(fs, "compat-deprecated");
}

static bool wants(const flagset *fs, const type_props *tp)
{
    return !tp->condition || has(fs, tp->condition);
}

static int props_by_table(flagset *fs, const type_props *t, size_t n, const qc_named_reply *replies,
                          size_t nreplies, vc_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (wants(fs, &t[i]) && props_flags(fs, named_reply(replies, nreplies, t[i].type), &t[i], err) < 0)
            return -1;
    return 0;
}

static int compare_flag_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vc_qemu_caps_flags(vc_qemucaps *qc, const qc_replies *r, vc_error *err)
{
    flagset fs = { .n = 0 };
    schema sc;
    json_object *types;

    if (schema_build(qc->arena, r->qmp_schema, &sc, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof schema_queries / sizeof *schema_queries; i++) {
        int rc = schema_path_exists(&sc, schema_queries[i].value, err);
        if (rc < 0)
            return -1;
        if (rc)
            set(&fs, schema_queries[i].flag);
    }
    if (string_flags(&fs, r->commands, "name", commands, sizeof commands / sizeof *commands, "query-commands",
                     err) < 0)
        return -1;
    if (member_true(r->kvm, "present") && member_true(r->kvm, "enabled"))
        set(&fs, "kvm");
    if (list_of(r->qom_types, "qom-list-types", &types, err) < 0)
        return -1;
    object_type_flags(&fs, types);
    if (props_by_table(&fs, device_props, sizeof device_props / sizeof *device_props, r->device_props,
                       r->ndevice_props, err) < 0 ||
        props_by_table(&fs, object_props, sizeof object_props / sizeof *object_props, r->object_props,
                       r->nobject_props, err) < 0 ||
        machine_props_flags(&fs, qc, r, err) < 0)
        return -1;
    if (string_flags(&fs, r->tpm_models, NULL, tpm_models, sizeof tpm_models / sizeof *tpm_models,
                     "query-tpm-models", err) < 0)
        return -1;
    if (r->tpm_models && string_flags(&fs, r->tpm_types, NULL, tpm_types, sizeof tpm_types / sizeof *tpm_types,
                                      "query-tpm-types", err) < 0)
        return -1;
    if (cmdline_flags(&fs, r->cmdline_options, err) < 0)
        return -1;
    if (string_flags(&fs, r->migrate_caps, "capability", migration, sizeof migration / sizeof *migration,
                     "query-migrate-capabilities", err) < 0)
        return -1;
    /* without an answer QEMU has no SEV or SGX after all */
    if (!r->sev || !json_object_is_type(r->sev, json_type_object))
        clear(&fs, "sev-guest");
    if (!r->sgx || !json_object_is_type(r->sgx, json_type_object))
        clear(&fs, "sgx-epc");
    derived_flags(&fs, qc);

    char **flags = vc_array(qc->arena, fs.n ? fs.n : 1, sizeof *flags);
    if (!flags)
        return vc_oom(err);
    for (size_t i = 0; i < fs.n; i++)
        if (!(flags[i] = vc_strdup(qc->arena, fs.v[i])))
            return vc_oom(err);
    qsort(flags, fs.n, sizeof *flags, compare_flag_name);
    qc->flags = flags;
    qc->nflags = fs.n;
    return 0;
}

/* ---- what the conversation asks ---- */

const char *const *vc_qemu_flags_device_types(void)
{
    static const char *const names[] = { DEVICE_PROPS(TYPE_NAME) NULL };
    return names;
}

const char *const *vc_qemu_flags_object_types(void)
{
    static const char *const names[] = { OBJECT_PROPS(TYPE_NAME) NULL };
    return names;
}

const char *const *vc_qemu_flags_machine_types(void)
{
    static const char *const names[] = { MACHINE_PROPS(TYPE_NAME) NULL };
    return names;
}

bool vc_qemu_flags_wants_props(json_object *qom_types, const char *type)
{
    flagset fs = { .n = 0 };
    const type_props *tables[] = { device_props, object_props };
    const size_t sizes[] = { sizeof device_props / sizeof *device_props, sizeof object_props / sizeof *object_props };
    if (qom_types && json_object_is_type(qom_types, json_type_array) &&
        json_object_array_length(qom_types) <= VC_QEMU_FLAGS_MAX_LIST)
        object_type_flags(&fs, qom_types);
    for (size_t t = 0; t < 2; t++)
        for (size_t i = 0; i < sizes[t]; i++)
            if (strcmp(tables[t][i].type, type) == 0)
                return wants(&fs, &tables[t][i]);
    return false;
}
