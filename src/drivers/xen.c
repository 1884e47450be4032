/* The Xen driver, as the reference's libxl driver (libxl_capabilities.c)
 * describes guests from the hypervisor's capabilities string, e.g.
 * "xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64". */
#include "base/arch.h"
#include "base/hostfs.h"
#include "base/options.h"
#include "drivers/drivers.h"
#include "drivers/xen_domcaps.h"
#include "host/context.h"
#include "model/model.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* Debian's libvirt-daemon-driver-xen: LIBXL_EXECBIN_DIR, LIBXL_FIRMWARE_DIR */
#define XEN_EMULATOR "/usr/lib/xen/bin/qemu-system-i386"
#define XEN_LOADER "/usr/lib/xen/boot/hvmloader"
#define XEN_CAP_REGEX "(xen|hvm)-[[:digit:]]+\\.[[:digit:]]+-(aarch64|armv7l|x86_32|x86_64|ia64|powerpc64)(p|be)?"
#define MAX_GUEST_ARCHS 32
#define CAPS_LIMIT 4096

typedef struct xen_arch {
    int arch;
    bool hvm, pvh, pae, nonpae, ia64_be;
} xen_arch;

static bool starts(const char *s, regmatch_t m, const char *prefix)
{
    return m.rm_so >= 0 && strncmp(s + m.rm_so, prefix, strlen(prefix)) == 0;
}

/* libxlCapsInitGuests's reading of the string, quirks included: tokens
 * merge per (arch, hvm), and every new HVM entry gets a PVH entry after it
 * (Xen 4.10+); a PV token finding that PVH entry merges into it. */
static size_t parse_caps(char *str, xen_arch *out, regex_t *re)
{
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(str, " \t\n", &save); tok && n < MAX_GUEST_ARCHS; tok = strtok_r(NULL, " \t\n", &save)) {
        regmatch_t m[4];
        if (regexec(re, tok, 4, m, 0) != 0)
            continue;
        bool hvm = starts(tok, m[1], "hvm"), pae = false, nonpae = false, be = false;
        const char *name;
        if (starts(tok, m[2], "x86_32")) {
            name = "i686";
            pae = starts(tok, m[3], "p");
            nonpae = !pae;
        } else if (starts(tok, m[2], "x86_64")) {
            name = "x86_64";
        } else if (starts(tok, m[2], "ia64")) {
            name = "ia64";
            be = starts(tok, m[3], "be");
        } else if (starts(tok, m[2], "powerpc64")) {
            name = "ppc64";
        } else if (starts(tok, m[2], "armv7l")) {
            name = "armv7l";
        } else {
            name = "aarch64";
        }
        int arch = vc_arch_index(name);
        size_t i = 0;
        while (i < n && !(out[i].arch == arch && out[i].hvm == hvm))
            i++;
        if (i == n)
            out[n++] = (xen_arch){.arch = arch};
        out[i].hvm = hvm;
        out[i].pae |= pae;
        out[i].nonpae |= nonpae;
        out[i].ia64_be |= be;
        if (hvm && i == n - 1 && n < MAX_GUEST_ARCHS)
            out[n++] = (xen_arch){.arch = arch, .pvh = true};
    }
    return n;
}

static int add_guest(vc_caps *caps, const xen_arch *x, vc_error *err)
{
    vc_guest *g = vc_guest_add(caps, x->hvm ? "hvm" : x->pvh ? "xenpvh" : "xen", x->arch, XEN_EMULATOR, err);
    if (!g)
        return -1;
    const char *machine = x->hvm ? "xenfv" : x->pvh ? "xenpvh" : "xenpv";
    g->machines = vc_alloc(caps->arena, sizeof *g->machines);
    if (!g->machines || !(g->machines[0].name = vc_strdup(caps->arena, machine)) ||
        (x->hvm && !(g->loader = vc_strdup(caps->arena, XEN_LOADER))))
        return vc_oom(err);
    g->machines[0].max_cpus = VC_UNSET;
    g->machines[0].deprecated = VC_UNSET_B;
    g->nmachines = 1;
    if (vc_guest_domain(caps, g, "xen", err) < 0)
        return -1;
    if (x->pae)
        vc_guest_feature_set(g, VC_GF_PAE, VC_UNSET_B, VC_UNSET_B);
    if (x->nonpae)
        vc_guest_feature_set(g, VC_GF_NONPAE, VC_UNSET_B, VC_UNSET_B);
    if (x->ia64_be)
        vc_guest_feature_set(g, VC_GF_IA64_BE, VC_UNSET_B, VC_UNSET_B);
    if (x->hvm) {
        vc_guest_feature_set(g, VC_GF_ACPI, 1, 1);
        vc_guest_feature_set(g, VC_GF_APIC, 1, 0);
    }
    if (x->hvm || x->pvh)
        vc_guest_feature_set(g, VC_GF_HAP, 1, 1);
    return 0;
}

/* The reference loads its driver in a Xen control domain only: Dom0's
 * /proc/xen/capabilities says "control_d"; or xenstored runs here. */
static bool control_domain(const vc_probe_opts *opts)
{
    char *proc = vc_host_read(opts, "/proc/xen/capabilities", 64, NULL);
    bool dom0 = proc && strncmp(proc, "control_d", 9) == 0;
    free(proc);
    return dom0 || vc_host_exists(opts, "/dev/xen/xenstored") > 0;
}

/* The guest architectures the hypervisor reports: how many (0: no Xen
 * hypervisor here), -1 on OOM. */
static int read_archs(const vc_probe_opts *opts, xen_arch *archs)
{
    char *str = vc_host_read(opts, "/sys/hypervisor/properties/capabilities", CAPS_LIMIT, NULL);
    if (!str)
        str = vc_host_read(opts, "/proc/xen/capabilities", CAPS_LIMIT, NULL);
    regex_t re;
    if (regcomp(&re, XEN_CAP_REGEX, REG_EXTENDED) != 0) {
        free(str);
        return -1;
    }
    size_t n = str ? parse_caps(str, archs, &re) : 0;
    regfree(&re);
    free(str);
    return (int)n;
}

#define NO_XEN "no Xen hypervisor capabilities in /sys/hypervisor/properties/capabilities or /proc/xen/capabilities"
#define NOT_DOM0 "not a Xen control domain (dom0): the reference's driver would not load"

int vc_xen_host_check(const vc_probe_opts *opts, vc_error *err)
{
    xen_arch archs[MAX_GUEST_ARCHS];
    int n = read_archs(opts, archs);
    if (n < 0)
        return vc_oom(err);
    if (n == 0 || !control_domain(opts))
        return vc_fail(err, VC_EINPUT, "no connection driver available for xen:///system: %s",
                       n == 0 ? NO_XEN : NOT_DOM0);
    return 0;
}

int vc_drv_xen(vc_probe_ctx *ctx, bool explicit, vc_caps *caps, vc_error *err)
{
    const vc_probe_opts *opts = ctx->opts;
    int host = ctx->arch_index;
    xen_arch archs[MAX_GUEST_ARCHS];
    int got = read_archs(opts, archs);
    if (got < 0)
        return vc_oom(err);
    size_t n = (size_t)got;
    bool dom0 = control_domain(opts);
    if (n == 0 || !dom0) {
        int rc = 0;
        if (explicit && n == 0)
            rc = vc_caps_warn(caps, "xen: " NO_XEN);
        else if (explicit)
            rc = vc_caps_warn(caps, "xen: " NOT_DOM0);
        if (rc < 0 || n == 0 || !explicit)
            return rc < 0 ? vc_oom(err) : 0;
    }
    for (size_t i = 0; i < n; i++)
        if (add_guest(caps, &archs[i], err) < 0)
            return -1;
    /* libxl suspends and migrates everywhere but on ARM */
    bool arm = host >= 0 && (strcmp(vc_arch_at((size_t)host)->name, "aarch64") == 0 ||
                             strcmp(vc_arch_at((size_t)host)->name, "armv7l") == 0);
    if (!arm && vc_host_migration(caps, true, NULL, 0, err) < 0)
        return -1;
    if (!caps->host.netprefix && !(caps->host.netprefix = vc_strdup(caps->arena, "vif")))
        return vc_oom(err);
    return 0;
}
