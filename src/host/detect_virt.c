/* What the host itself runs under: a virtual machine and a container, named
 * as systemd-detect-virt --vm / --container name them, found the way it finds
 * them (same sources, same order). Every file is read through vc_host_path so
 * that fixture trees stand in for a host; CPUID is an instruction, so callers
 * may give its hypervisor signature instead. */
#include "base/hostfs.h"
#include "base/options.h"
#include "host/host.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__i386__) || defined(__x86_64__)
#include <cpuid.h>
#endif

/* A first line is enough for every file looked at here. */
#define LINE_MAX_BYTES 4096

typedef struct dctx {
    const vc_probe_opts *opts;
    vc_error *err;
    bool failed;
} dctx;

/* A path too long to map is bad input, not "no evidence". */
static int too_long(dctx *d, const char *path)
{
    d->failed = true;
    return vc_fail(d->err, VC_EINPUT, "%s: the mapped path is too long", path);
}

static int map(dctx *d, const char *path, char *out, size_t size)
{
    return vc_host_path(d->opts, path, out, size) < 0 ? too_long(d, path) : 0;
}

static bool exists(dctx *d, const char *path)
{
    int rc = vc_host_exists(d->opts, path);
    if (rc < 0)
        too_long(d, path);
    return rc > 0;
}

/* Reads up to size-1 bytes of a regular file; returns the count, or -1 when
 * it cannot be read (absent, unreadable: both mean "no evidence" to the
 * callers; running out of memory fails the whole answer instead). */
static ssize_t read_bytes(dctx *d, const char *path, char *buf, size_t size)
{
    char p[PATH_MAX], *text;
    size_t n;
    bool truncated;
    if (map(d, path, p, sizeof p) < 0)
        return -1;
    int rc = vc_file_read(p, size - 1, &text, &n, &truncated);
    if (rc == -ENOMEM && !d->failed) {
        d->failed = true;
        vc_oom(d->err);
    }
    if (rc < 0)
        return -1;
    memcpy(buf, text, n + 1);
    free(text);
    return (ssize_t)n;
}

/* The first line without its newline and trailing spaces; false when absent
 * or empty. */
static bool read_line(dctx *d, const char *path, char *buf, size_t size)
{
    ssize_t n = read_bytes(d, path, buf, size);
    if (n < 0)
        return false;
    buf[strcspn(buf, "\n")] = '\0';
    size_t len = strlen(buf);
    while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    return len > 0;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The line after this one, or NULL at the end of the text. */
static const char *next_line(const char *line)
{
    const char *nl = strchr(line, '\n');
    return nl && nl[1] ? nl + 1 : NULL;
}

/* ---- virtual machines ---- */

static const char *vm_from_cpuid(const char *given)
{
    static const struct {
        const char *sig, *name;
    } table[] = {
        {"XenVMMXenVMM", "xen"},     {"KVMKVMKVM", "kvm"},       {"Linux KVM Hv", "kvm"},
        {"TCGTCGTCGTCG", "qemu"},    {"VMwareVMware", "vmware"}, {"Microsoft Hv", "microsoft"},
        {"bhyve bhyve ", "bhyve"},   {"QNXQVMBSQG", "qnx"},      {"ACRNACRNACRN", "acrn"},
        {"SRESRESRESRE", "sre"},     {"Apple VZ", "apple"},
    };
    char sig[13] = {0};
    if (given) {
        if (!*given)
            return "none";
        snprintf(sig, sizeof sig, "%s", given);
    } else {
#if defined(__i386__) || defined(__x86_64__)
        unsigned eax, ebx, ecx, edx;
        if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & 0x80000000u))
            return "none";
        __cpuid(0x40000000u, eax, ebx, ecx, edx);
        memcpy(sig, &ebx, 4);
        memcpy(sig + 4, &ecx, 4);
        memcpy(sig + 8, &edx, 4);
#else
        return "none";
#endif
    }
    /* The signature is 12 bytes, NUL-padded when shorter. */
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(sig, table[i].sig) == 0)
            return table[i].name;
    return "vm-other";
}

static const char *vm_dmi_vendor(dctx *d)
{
    static const char *const files[] = {
        "/sys/class/dmi/id/product_name", /* before sys_vendor: KVM over QEMU */
        "/sys/class/dmi/id/sys_vendor",
        "/sys/class/dmi/id/board_vendor",
        "/sys/class/dmi/id/bios_vendor",
        "/sys/class/dmi/id/product_version", /* Hyper-V */
    };
    static const struct {
        const char *vendor, *name;
    } table[] = {
        {"KVM", "kvm"},          {"OpenStack", "kvm"},        {"KubeVirt", "kvm"},
        {"Amazon EC2", "amazon"}, {"QEMU", "qemu"},           {"VMware", "vmware"},
        {"VMW", "vmware"},       {"innotek GmbH", "oracle"},  {"VirtualBox", "oracle"},
        {"Oracle Corporation", "oracle"}, {"Xen", "xen"},     {"Bochs", "bochs"},
        {"Parallels", "parallels"}, {"BHYVE", "bhyve"},       {"Hyper-V", "microsoft"},
        {"Apple Virtualization", "apple"}, {"Google Compute Engine", "google"},
    };
    char line[LINE_MAX_BYTES];
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        if (!read_line(d, files[f], line, sizeof line))
            continue;
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
            if (starts(line, table[i].vendor))
                return table[i].name;
    }
    return "none";
}

enum smbios_vm { SMBIOS_SET, SMBIOS_UNSET, SMBIOS_UNKNOWN };

/* SMBIOS BIOS characteristics extension byte 2, bit 4: "this is a VM". */
static enum smbios_vm vm_smbios(dctx *d)
{
    char raw[64];
    ssize_t n = read_bytes(d, "/sys/firmware/dmi/entries/0-0/raw", raw, sizeof raw);
    if (n < 20 || (unsigned char)raw[1] < 20)
        return SMBIOS_UNKNOWN;
    return ((unsigned char)raw[19] & (1u << 4)) ? SMBIOS_SET : SMBIOS_UNSET;
}

static const char *vm_dmi(dctx *d)
{
    const char *v = vm_dmi_vendor(d);
    /* DMI alone does not tell EC2 instances from EC2 bare metal. */
    if (strcmp(v, "amazon") == 0) {
        switch (vm_smbios(d)) {
        case SMBIOS_SET:
            return "amazon";
        case SMBIOS_UNSET:
            return "none";
        case SMBIOS_UNKNOWN: {
            char name[LINE_MAX_BYTES];
            if (!read_line(d, "/sys/class/dmi/id/product_name", name, sizeof name))
                return "amazon";
            const char *m = strstr(name, ".metal");
            return m && (m[6] == '\0' || m[6] == '-') ? "none" : "amazon";
        }
        }
    }
    if (strcmp(v, "none") == 0 && vm_smbios(d) == SMBIOS_SET)
        return "vm-other";
    return v;
}

static const char *vm_uml(dctx *d)
{
    char buf[LINE_MAX_BYTES * 4];
    if (read_bytes(d, "/proc/cpuinfo", buf, sizeof buf) < 0)
        return "none";
    for (const char *line = buf; line; line = next_line(line)) {
        if (starts(line, "vendor_id\t: "))
            return starts(line + strlen("vendor_id\t: "), "User Mode Linux") ? "uml" : "none";
    }
    return "none";
}

/* Xen's control domain is a host, not a guest. */
static bool xen_dom0(dctx *d)
{
    char line[LINE_MAX_BYTES];
    if (read_line(d, "/sys/hypervisor/properties/features", line, sizeof line)) {
        char *end;
        errno = 0;
        unsigned long features = strtoul(line, &end, 16);
        if (errno == 0 && end != line)
            return (features & (1ul << 11)) != 0; /* XENFEAT_dom0 */
    }
    if (!read_line(d, "/proc/xen/capabilities", line, sizeof line))
        return false;
    char *save = NULL;
    for (char *tok = strtok_r(line, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (strcmp(tok, "control_d") == 0)
            return true;
    return false;
}

static const char *vm_hypervisor_type(dctx *d)
{
    char line[LINE_MAX_BYTES];
    if (read_bytes(d, "/sys/hypervisor/type", line, sizeof line) < 0)
        return "none";
    line[strcspn(line, "\n")] = '\0';
    return strcmp(line, "xen") == 0 ? "xen" : "vm-other";
}

static const char *vm_device_tree(dctx *d)
{
    char line[LINE_MAX_BYTES];
    if (read_bytes(d, "/proc/device-tree/hypervisor/compatible", line, sizeof line) >= 0) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "linux,kvm") == 0)
            return "kvm";
        if (strstr(line, "xen"))
            return "xen";
        if (strstr(line, "vmware"))
            return "vmware";
        return "vm-other";
    }
    if (exists(d, "/proc/device-tree/ibm,partition-name") && exists(d, "/proc/device-tree/hmc-managed?") &&
        !exists(d, "/proc/device-tree/chosen/qemu,graphic-width"))
        return "powervm";
    char dir[PATH_MAX];
    if (map(d, "/proc/device-tree", dir, sizeof dir) < 0)
        return "none";
    DIR *dt = opendir(dir);
    if (!dt)
        return "none";
    const char *found = "none";
    for (struct dirent *e; (e = readdir(dt));)
        if (strstr(e->d_name, "fw-cfg")) /* QEMU's firmware configuration device */
            found = "qemu";
    closedir(dt);
    if (strcmp(found, "none") == 0 && read_line(d, "/proc/device-tree/compatible", line, sizeof line) &&
        strcmp(line, "qemu,pseries") == 0)
        found = "qemu";
    return found;
}

static const char *vm_zvm(dctx *d)
{
    char buf[LINE_MAX_BYTES * 4];
    if (read_bytes(d, "/proc/sysinfo", buf, sizeof buf) < 0)
        return "none";
    for (const char *line = buf; line; line = next_line(line)) {
        if (!starts(line, "VM00 Control Program:"))
            continue;
        const char *v = line + strlen("VM00 Control Program:");
        v += strspn(v, " \t");
        return strncmp(v, "z/VM", 4) == 0 && strchr(" \t\n", v[4]) ? "zvm" : "kvm";
    }
    return "none";
}

static bool is(const char *v, const char *name)
{
    return strcmp(v, name) == 0;
}

/* The order matters: DMI first for hypervisors that also show KVM's CPUID
 * signature, then CPUID, which sees through rewritten DMI strings, then DMI
 * again and the hypervisor files. */
static const char *detect_vm(dctx *d, const char *cpuid)
{
    bool other = false, hyperv = false, dom0 = false;
    const char *v;
    const char *dmi = vm_dmi(d);
    if (is(dmi, "oracle") || is(dmi, "xen") || is(dmi, "amazon") || is(dmi, "parallels") || is(dmi, "google"))
        return dmi;
    if (!is(v = vm_uml(d), "none"))
        return v;
    if (exists(d, "/proc/xen")) {
        /* A Xen control domain may itself be a guest of another hypervisor. */
        if (!(dom0 = xen_dom0(d)))
            return "xen";
    }
    v = vm_from_cpuid(cpuid);
    if (is(v, "microsoft"))
        hyperv = true; /* QEMU shows it too when it offers Hyper-V enlightenments */
    else if (is(v, "vm-other"))
        other = true;
    else if (!is(v, "none"))
        return v;
    if (dom0)
        goto finish;
    if (is(dmi, "vm-other"))
        other = true;
    else if (!is(dmi, "none"))
        return dmi;
    static const char *(*const rest[])(dctx *) = {vm_hypervisor_type, vm_device_tree, vm_zvm};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        v = rest[i](d);
        if (is(v, "vm-other"))
            other = true;
        else if (!is(v, "none"))
            return v;
    }
finish:
    return hyperv ? "microsoft" : other ? "vm-other" : "none";
}

/* ---- containers ---- */

static const char *container_files(dctx *d)
{
    if (exists(d, "/run/.containerenv"))
        return "podman";
    /* Last: an image may carry a stray /.dockerenv. */
    if (exists(d, "/.dockerenv"))
        return "docker";
    return "none";
}

static const char *container_name(dctx *d, const char *manager)
{
    static const char *const known[] = {"lxc", "lxc-libvirt", "systemd-nspawn", "docker", "podman",
                                        "rkt", "wsl", "proot", "pouch"};
    if (is(manager, "oci")) {
        /* Not a manager: some images set it; the files may say which. */
        const char *f = container_files(d);
        return is(f, "none") ? "container-other" : f;
    }
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (is(manager, known[i]))
            return known[i];
    return "container-other";
}

/* The value of container= in PID 1's environment; false when unset or
 * unreadable (reading it takes privileges). */
static bool pid1_container(dctx *d, char *out, size_t size)
{
    char env[65536];
    ssize_t n = read_bytes(d, "/proc/1/environ", env, sizeof env);
    for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(env + i) + 1) {
        if (starts(env + i, "container=")) {
            snprintf(out, size, "%s", env + i + strlen("container="));
            return out[0] != '\0';
        }
    }
    return false;
}

/* In a cgroup namespace other than the host's: the root of the hierarchy we
 * see has the files only nested cgroups have. */
static bool in_cgroup_namespace(dctx *d)
{
    if (!exists(d, "/proc/self/ns/cgroup"))
        return false;
    if (exists(d, "/sys/fs/cgroup/cgroup.controllers")) {
        /* cgroup v2: cgroup.events exists in nested cgroups only, and so does
         * cgroup.type on kernels that have it (they list it in features). */
        if (!exists(d, "/sys/fs/cgroup/cgroup.events"))
            return false;
        if (exists(d, "/sys/fs/cgroup/cgroup.type"))
            return true;
        return !exists(d, "/sys/kernel/cgroup/features");
    }
    /* cgroup v1: release_agent exists in the root of the systemd hierarchy only. */
    if (!exists(d, "/sys/fs/cgroup/systemd"))
        return false;
    return !exists(d, "/sys/fs/cgroup/systemd/release_agent");
}

static const char *detect_container(dctx *d)
{
    char line[LINE_MAX_BYTES];
    /* /proc/vz is in OpenVZ containers and on their host, /proc/bc on the host only. */
    if (exists(d, "/proc/vz") && !exists(d, "/proc/bc"))
        return "openvz";
    if (read_line(d, "/proc/sys/kernel/osrelease", line, sizeof line) &&
        (strstr(line, "Microsoft") || strstr(line, "WSL")))
        return "wsl";
    /* proot traces the processes it runs instead of using namespaces. */
    char status[LINE_MAX_BYTES * 4];
    if (read_bytes(d, "/proc/self/status", status, sizeof status) >= 0) {
        char *t = strstr(status, "TracerPid:");
        long tracer = t ? strtol(t + strlen("TracerPid:"), NULL, 10) : 0;
        char comm[64];
        snprintf(comm, sizeof comm, "/proc/%ld/comm", tracer);
        if (tracer > 0 && read_line(d, comm, line, sizeof line) && starts(line, "proot"))
            return "proot";
    }
    if (read_line(d, "/run/host/container-manager", line, sizeof line))
        return container_name(d, line);
    if (!d->opts->root && !d->opts->npaths && getpid() == 1) {
        /* As PID 1 our own environment is authoritative; empty means none. */
        const char *e = getenv("container");
        if (e)
            return *e ? container_name(d, e) : "none";
    } else {
        if (read_line(d, "/run/systemd/container", line, sizeof line))
            return container_name(d, line);
        if (pid1_container(d, line, sizeof line))
            return container_name(d, line);
    }
    const char *f = container_files(d);
    if (!is(f, "none"))
        return f;
    return in_cgroup_namespace(d) ? "container-other" : "none";
}

int vc_detect_virt(const vc_probe_opts *opts, const char *cpuid, vc_virt *out, vc_error *err)
{
    static const vc_probe_opts none;
    dctx d = {.opts = opts ? opts : &none, .err = err};
    out->vm = detect_vm(&d, cpuid);
    out->container = detect_container(&d);
    return d.failed ? -1 : 0;
}
