/* The libxl driver's domain capabilities (libvirt 9.0.0's
 * libxlConnectGetDomainCapabilities and libxlMakeDomainCapabilities):
 * fixed answers per machine type, nothing asked of QEMU. */
#include "drivers/xen_domcaps.h"
#include "base/arch.h"

#include <string.h>

/* LIBXL_FIRMWARE_DIR; Debian builds the driver without DEFAULT_LOADER_NVRAM,
 * so its firmware list is ovmf.bin, then hvmloader (libxlDriverConfigNew). */
#define XEN_FIRMWARE_DIR "/usr/lib/xen/boot"
#define XEN_DEFAULT_EMULATOR "/usr/bin/qemu-system-x86_64"
/* Xen cannot say; the reference's constants (hvm_info_table.h's for HVM) */
#define HVM_MAX_VCPUS "128"
#define PV_MAX_VCPUS "512"

static const char *const default_loaders[] = {XEN_FIRMWARE_DIR "/ovmf.bin", XEN_FIRMWARE_DIR "/hvmloader"};

/* <enum name=list[0]> with the values that follow (NULL-terminated; none:
 * an empty enum). */
static void add_enum(dc_builder *b, dc_node *n, const char *const *list)
{
    dc_enum *e = dc_enum_new(b, n, list[0]);
    for (size_t i = 1; list[i]; i++)
        dc_enum_value(b, e, list[i]);
}

/* ENUM(b, node, name, values...) */
#define ENUM(b, n, ...) add_enum((b), (n), (const char *const[]){__VA_ARGS__, NULL})

/* libxlMakeDomainOSCaps: a loader for HVM only, from the firmware list */
static void os_caps(dc_builder *b, dc_node *root, const char *machine, const vc_xen_dc_args *args)
{
    dc_node *os = dc_supported(b, root, "os", true);
    bool hvm = strcmp(machine, "xenfv") == 0;
    dc_node *loader = dc_supported(b, os, "loader", hvm);
    if (!hvm)
        return;
    const char *const *list = args->loaders_given ? args->loaders : default_loaders;
    size_t n = args->loaders_given ? args->nloaders : sizeof default_loaders / sizeof *default_loaders;
    for (size_t i = 0; i < n; i++)
        dc_leaf(b, loader, "values", list[i]);
    ENUM(b, loader, "type", "rom", "pflash");
    ENUM(b, loader, "readonly", "yes");
}

/* the libxlMakeDomainDevice*Caps; no host devices for PVH guests */
static void device_caps(dc_builder *b, dc_node *root, const char *machine)
{
    dc_node *devices = dc_kid(b, root, "devices");
    dc_node *disk = dc_supported(b, devices, "disk", true);
    ENUM(b, disk, "diskDevice", "disk", "cdrom");
    ENUM(b, disk, "bus", "ide", "scsi", "xen");
    ENUM(b, disk, "model");
    ENUM(b, dc_supported(b, devices, "graphics", true), "type", "sdl", "vnc", "spice");
    ENUM(b, dc_supported(b, devices, "video", true), "modelType", "vga", "cirrus", "xen");
    if (strcmp(machine, "xenpvh") == 0)
        return;
    dc_node *hostdev = dc_supported(b, devices, "hostdev", true);
    ENUM(b, hostdev, "mode", "subsystem");
    ENUM(b, hostdev, "startupPolicy", "default", "mandatory", "requisite", "optional");
    ENUM(b, hostdev, "subsysType", "usb", "pci");
    ENUM(b, hostdev, "capsType");
    ENUM(b, hostdev, "pciBackend", "xen");
}

/* What the reference's formatter writes for what the driver leaves unset:
 * no CPU mode, no SEV, no SGX; the features the driver sets to 'no'. */
static void cpu_and_features(dc_builder *b, dc_node *root)
{
    static const char *const modes[] = {"host-passthrough", "maximum", "host-model", "custom"};
    static const char *const features[] = {"gic", "vmcoreinfo", "genid", "sev", "sgx"};
    dc_node *cpu = dc_kid(b, root, "cpu");
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        dc_supported(b, cpu, modes[i], false);
    dc_node *f = dc_kid(b, root, "features");
    for (size_t i = 0; i < sizeof features / sizeof *features; i++)
        dc_supported(b, f, features[i], false);
}

/* libxlConnectGetDomainCapabilities' checks, in its order, with its words;
 * *arch: the architecture asked, else the host's (in buf). */
static int check_args(const vc_probe_opts *opts, const vc_xen_dc_args *args, const char **arch, char *buf,
                      size_t size, vc_error *err)
{
    if (vc_xen_host_check(opts, err) < 0)
        return -1;
    if (args->virttype && strcmp(args->virttype, "xen") != 0)
        return vc_fail(err, VC_EINPUT, "unknown virttype: %s", args->virttype);
    if (args->arch && vc_arch_index(args->arch) < 0)
        return vc_fail(err, VC_EINPUT, "unknown architecture: %s", args->arch);
    *arch = args->arch ? args->arch : buf;
    if (!args->arch && vc_probe_arch(opts, buf, size) < 0)
        return vc_fail(err, VC_EIO, "cannot tell this host's architecture");
    const char *m = args->machine;
    if (m && strcmp(m, "xenpv") != 0 && strcmp(m, "xenpvh") != 0 && strcmp(m, "xenfv") != 0)
        return vc_fail(err, VC_EINPUT, "Xen only supports 'xenpv', 'xenpvh' and 'xenfv' machines");
    return 0;
}

vc_domcaps *vc_xen_domcaps(const vc_probe_opts *opts, const vc_xen_dc_args *args, vc_error *err)
{
    char host_arch[64];
    const char *arch = NULL;
    if (check_args(opts, args, &arch, host_arch, sizeof host_arch, err) < 0)
        return NULL;
    const char *machine = args->machine ? args->machine : "xenpv";
    vc_domcaps *dc = vc_domcaps_new();
    if (!dc) {
        vc_oom(err);
        return NULL;
    }
    dc_builder b = {.a = dc->arena, .err = err};
    dc_node *root = dc->root;
    dc_leaf(&b, root, "path", args->emulatorbin ? args->emulatorbin : XEN_DEFAULT_EMULATOR);
    dc_leaf(&b, root, "domain", "xen");
    dc_leaf(&b, root, "machine", machine);
    dc_leaf(&b, root, "arch", arch);
    dc_set_attr(&b, dc_kid(&b, root, "vcpu"), "max", strcmp(machine, "xenfv") == 0 ? HVM_MAX_VCPUS : PV_MAX_VCPUS);
    dc_supported(&b, root, "iothreads", false);
    os_caps(&b, root, machine, args);
    device_caps(&b, root, machine);
    cpu_and_features(&b, root);
    if (b.failed) {
        vc_domcaps_free(dc);
        return NULL;
    }
    return dc;
}
