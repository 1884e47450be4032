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

/* Building the tree: every step takes a NULL parent (an earlier step ran
 * out of memory) and gives NULL, so the build reads straight through and
 * checks once. */
typedef struct builder {
    vc_arena *a;
    bool oom;
} builder;

static void *note(builder *b, void *p)
{
    if (!p)
        b->oom = true;
    return p;
}

static dc_node *add(builder *b, dc_node *parent, const char *key)
{
    if (!parent)
        return NULL;
    int slot = dc_child_slot(parent->desc, key);
    return note(b, dc_node_push(b->a, &parent->kids[slot], parent->desc->children[slot]));
}

static void set_attr(builder *b, dc_node *n, const char *name, const char *value)
{
    if (!n)
        return;
    for (size_t i = 0; n->desc->attrs[i].name; i++)
        if (strcmp(n->desc->attrs[i].name, name) == 0)
            n->attrs[i] = note(b, vc_strdup(b->a, value));
}

static void add_text(builder *b, dc_node *parent, const char *key, const char *text)
{
    dc_node *n = add(b, parent, key);
    if (n)
        n->text = note(b, vc_strdup(b->a, text));
}

static dc_node *add_supported(builder *b, dc_node *parent, const char *key, bool yes)
{
    dc_node *n = add(b, parent, key);
    set_attr(b, n, "supported", yes ? "yes" : "no");
    return n;
}

/* <enum name=list[0]> with the values that follow (NULL-terminated; none:
 * an empty enum). */
static void add_enum(builder *b, dc_node *n, const char *const *list)
{
    dc_enum *e = n ? note(b, dc_enum_push(b->a, n)) : NULL;
    if (!e)
        return;
    e->name = note(b, vc_strdup(b->a, list[0]));
    size_t count = 0;
    while (list[count + 1])
        count++;
    if (count && !(e->values = note(b, vc_alloc(b->a, count * sizeof *e->values))))
        return;
    for (size_t i = 0; i < count; i++)
        e->values[i] = note(b, vc_strdup(b->a, list[i + 1]));
    e->n = count;
}

/* ENUM(b, node, name, values...) */
#define ENUM(b, n, ...) add_enum((b), (n), (const char *const[]){__VA_ARGS__, NULL})

/* libxlMakeDomainOSCaps: a loader for HVM only, from the firmware list */
static void os_caps(builder *b, dc_node *root, const char *machine, const vc_xen_dc_args *args)
{
    dc_node *os = add_supported(b, root, "os", true);
    bool hvm = strcmp(machine, "xenfv") == 0;
    dc_node *loader = add_supported(b, os, "loader", hvm);
    if (!hvm)
        return;
    const char *const *list = args->loaders_given ? args->loaders : default_loaders;
    size_t n = args->loaders_given ? args->nloaders : sizeof default_loaders / sizeof *default_loaders;
    for (size_t i = 0; i < n; i++)
        add_text(b, loader, "values", list[i]);
    ENUM(b, loader, "type", "rom", "pflash");
    ENUM(b, loader, "readonly", "yes");
}

/* the libxlMakeDomainDevice*Caps; no host devices for PVH guests */
static void device_caps(builder *b, dc_node *root, const char *machine)
{
    dc_node *devices = add(b, root, "devices");
    dc_node *disk = add_supported(b, devices, "disk", true);
    ENUM(b, disk, "diskDevice", "disk", "cdrom");
    ENUM(b, disk, "bus", "ide", "scsi", "xen");
    ENUM(b, disk, "model");
    ENUM(b, add_supported(b, devices, "graphics", true), "type", "sdl", "vnc", "spice");
    ENUM(b, add_supported(b, devices, "video", true), "modelType", "vga", "cirrus", "xen");
    if (strcmp(machine, "xenpvh") == 0)
        return;
    dc_node *hostdev = add_supported(b, devices, "hostdev", true);
    ENUM(b, hostdev, "mode", "subsystem");
    ENUM(b, hostdev, "startupPolicy", "default", "mandatory", "requisite", "optional");
    ENUM(b, hostdev, "subsysType", "usb", "pci");
    ENUM(b, hostdev, "capsType");
    ENUM(b, hostdev, "pciBackend", "xen");
}

/* What the reference's formatter writes for what the driver leaves unset:
 * no CPU mode, no SEV, no SGX; the features the driver sets to 'no'. */
static void cpu_and_features(builder *b, dc_node *root)
{
    static const char *const modes[] = {"host-passthrough", "maximum", "host-model", "custom"};
    static const char *const features[] = {"gic", "vmcoreinfo", "genid", "sev", "sgx"};
    dc_node *cpu = add(b, root, "cpu");
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        add_supported(b, cpu, modes[i], false);
    dc_node *f = add(b, root, "features");
    for (size_t i = 0; i < sizeof features / sizeof *features; i++)
        add_supported(b, f, features[i], false);
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
    builder b = {.a = dc->arena};
    dc_node *root = dc->root;
    add_text(&b, root, "path", args->emulatorbin ? args->emulatorbin : XEN_DEFAULT_EMULATOR);
    add_text(&b, root, "domain", "xen");
    add_text(&b, root, "machine", machine);
    add_text(&b, root, "arch", arch);
    set_attr(&b, add(&b, root, "vcpu"), "max", strcmp(machine, "xenfv") == 0 ? HVM_MAX_VCPUS : PV_MAX_VCPUS);
    add_supported(&b, root, "iothreads", false);
    os_caps(&b, root, machine, args);
    device_caps(&b, root, machine);
    cpu_and_features(&b, root);
    if (b.oom) {
        vc_domcaps_free(dc);
        vc_oom(err);
        return NULL;
    }
    return dc;
}
