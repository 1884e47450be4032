/* Domain capabilities from a QEMU binary's capabilities, with libvirt
 * 9.0.0's rules (qemu_capabilities.c: virQEMUCapsFillDomainCaps and the
 * virQEMUCapsFillDomain*Caps functions; the host-model CPU as
 * virQEMUCapsInitHostCPUModel computes it). Enum values are written in the
 * order of the reference's C enums, whatever order they are set in. */
#include "drivers/qemu_domcaps.h"
#include "base/arch.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

typedef struct fctx {
    vc_arena *a;
    vc_error *err;
    dc_builder b;         /* the tree's, over the same arena and error */
    const vc_qemucaps *qc;
    const vc_qemu_host *h;
    vc_cpu_db *db;
    const char *arch;     /* the domain capabilities' architecture */
    const char *machine;
    int accel;
} fctx;

#define HAS(f, flag) vc_qemucaps_has((f)->qc, flag)
#define BIT(i) (1u << (i))

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* A binary that lists no machine types leaves the machine unknown (NULL). */
static bool prefix(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

static bool guest_is_native(const char *host, const char *guest)
{
    return vc_arch_native(vc_arch_index(host), vc_arch_index(guest));
}

/* ---- building nodes ---- */

/* An enum holding the names whose bit is set in mask, in names' order. */
static int add_enum(fctx *f, dc_node *n, const char *name, const char *const *names, unsigned mask)
{
    dc_enum *e = dc_enum_new(&f->b, n, name);
    if (!e)
        return -1;
    for (size_t i = 0; names[i]; i++)
        if ((mask & BIT(i)) && dc_enum_value(&f->b, e, names[i]) < 0)
            return -1;
    return 0;
}

/* v in decimal, in buf */
static const char *decimal(char buf[static 24], unsigned long long v)
{
    snprintf(buf, 24, "%llu", v);
    return buf;
}

/* ---- machines ---- */

static const qc_accel_caps *accel(const fctx *f)
{
    return &f->qc->accel[f->accel];
}

/* virQEMUCapsGetCanonicalMachine */
static const char *canonical_machine(const fctx *f, const char *name)
{
    const qc_accel_caps *ac = accel(f);
    for (size_t i = 0; i < ac->nmachines; i++)
        if (streq(ac->machines[i].alias, name))
            return ac->machines[i].name;
    return name;
}

static bool machine_known(const fctx *f, const char *name)
{
    const qc_accel_caps *ac = accel(f);
    for (size_t i = 0; i < ac->nmachines; i++)
        if (streq(ac->machines[i].name, name) || streq(ac->machines[i].alias, name))
            return true;
    return false;
}

/* virQEMUCapsGetMachineMaxCpus */
static unsigned machine_max_cpus(const fctx *f)
{
    const qc_accel_caps *ac = accel(f);
    for (size_t i = 0; i < ac->nmachines; i++)
        if (ac->machines[i].max_cpus && streq(ac->machines[i].name, f->machine))
            return ac->machines[i].max_cpus;
    return 0;
}

/* ---- os ---- */

static int fill_os(fctx *f, dc_node *root)
{
    static const char *const fw_names[] = {"bios", "efi", NULL};
    static const char *const type_names[] = {"rom", "pflash", NULL};
    static const char *const yes_no[] = {"yes", "no", NULL};
    const vc_firmware_offer *fw = f->h->firmware;
    dc_node *os = dc_supported(&f->b, root, "os", true);
    if (!os || add_enum(f, os, "firmware", fw_names, (fw && fw->bios ? BIT(0) : 0) | (fw && fw->efi ? BIT(1) : 0)) < 0)
        return -1;
    dc_node *loader = dc_supported(&f->b, os, "loader", true);
    if (!loader)
        return -1;
    const char *const *paths = f->h->loaders ? f->h->loaders : fw ? (const char *const *)fw->loaders : NULL;
    size_t npaths = f->h->loaders ? f->h->nloaders : fw ? fw->nloaders : 0;
    for (size_t i = 0; i < npaths; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = streq(paths[i], paths[j]);
        if (!seen && !dc_leaf(&f->b, loader, "values", paths[i]))
            return -1;
    }
    if (add_enum(f, loader, "type", type_names, BIT(0) | BIT(1)) < 0 ||
        add_enum(f, loader, "readonly", yes_no, BIT(0) | BIT(1)) < 0 ||
        add_enum(f, loader, "secure", yes_no, BIT(1) | (fw && fw->secure ? BIT(0) : 0)) < 0)
        return -1;
    return 0;
}

/* ---- the host-model CPU ---- */

/* virQEMUCapsCPUFeaturesX86: libvirt's names for QEMU's */
static const char *const feature_names_x86[][2] = {
    {"cmp_legacy", "cmp-legacy"},       {"ds_cpl", "ds-cpl"},
    {"fxsr_opt", "fxsr-opt"},           {"kvm_pv_eoi", "kvm-pv-eoi"},
    {"kvm_pv_unhalt", "kvm-pv-unhalt"}, {"lahf_lm", "lahf-lm"},
    {"nodeid_msr", "nodeid-msr"},       {"pclmuldq", "pclmulqdq"},
    {"perfctr_core", "perfctr-core"},   {"perfctr_nb", "perfctr-nb"},
    {"tsc_adjust", "tsc-adjust"},
};

const char *vc_qemu_feature_name(const char *arch, const char *name)
{
    if (!vc_arch_is_x86(arch))
        return name;
    for (size_t i = 0; i < sizeof feature_names_x86 / sizeof *feature_names_x86; i++)
        if (strcmp(feature_names_x86[i][1], name) == 0)
            return feature_names_x86[i][0];
    return name;
}

static const char *from_qemu(const fctx *f, const char *name)
{
    return vc_qemu_feature_name(f->qc->arch, name);
}

typedef struct host_model {
    const char *model, *vendor;
    bool forbid;              /* fallback='forbid': QEMU named it */
    vc_feature *features;
    size_t nfeatures;
} host_model;

static int hm_feature(fctx *f, host_model *hm, const char *name, const char *policy)
{
    vc_feature *ft = VC_PUSH(f->a, hm->features, hm->nfeatures);
    if (!ft || !(ft->name = vc_strdup(f->a, name)))
        return vc_oom(f->err);
    ft->policy = (char *)policy;
    return 0;
}

/* virQEMUCapsInitCPUModelS390 */
static int host_model_s390(fctx *f, const qc_host_cpu *hc, host_model *hm)
{
    hm->model = hc->model;
    hm->forbid = true;
    for (size_t i = 0; i < hc->nprops; i++)
        if (hc->props[i].type == QC_PROP_BOOL &&
            hm_feature(f, hm, from_qemu(f, hc->props[i].name), hc->props[i].b ? "require" : "disable") < 0)
            return -1;
    return 0;
}

/* The x86 CPU model database; NULL with 1 in *rc when it cannot be read
 * (the reference then offers no host-model), -1 on OOM. */
static const vc_x86_map *x86_map(fctx *f, int *rc)
{
    vc_error e = {0};
    const vc_x86_map *map = vc_cpu_db_x86(f->db, &e);
    *rc = map ? 0 : e.code == VC_ENOMEM ? vc_oom(f->err) : 1;
    return map;
}

/* virQEMUCapsInitCPUModelX86: the expansion's properties as CPUID data,
 * named with the CPU model database among the models QEMU offers. 1 when
 * no model fits (the reference then offers no host-model). */
static int host_model_x86(fctx *f, const qc_host_cpu *hc, host_model *hm)
{
    int rc;
    const vc_x86_map *map = x86_map(f, &rc);
    if (!map)
        return rc;
    uint32_t *data = vc_x86_data_new(map, f->a);
    if (!data)
        return vc_oom(f->err);
    uint32_t family = 0, model = 0, stepping = 0;
    for (size_t i = 0; i < hc->nprops; i++) {
        const qc_prop *p = &hc->props[i];
        const char *name = from_qemu(f, p->name);
        if (p->type == QC_PROP_BOOL && p->b) {
            vc_x86_data_add_feature(map, data, name);
        } else if (p->type == QC_PROP_STRING && strcmp(name, "vendor") == 0) {
            const vc_x86_vendor *v = vc_x86_vendor_by_string(map, p->s);
            if (v)
                vc_x86_data_add_vendor(data, v);
        } else if (p->type == QC_PROP_NUMBER) {
            uint32_t n = (uint32_t)p->n;
            if (strcmp(name, "family") == 0)
                family = n;
            else if (strcmp(name, "model") == 0)
                model = n;
            else if (strcmp(name, "stepping") == 0)
                stepping = n;
        }
    }
    const qc_accel_caps *ac = accel(f);
    vc_hv_model *hv = ac->ncpus ? vc_alloc(f->a, ac->ncpus * sizeof *hv) : NULL;
    if (ac->ncpus && !hv)
        return vc_oom(f->err);
    for (size_t i = 0; i < ac->ncpus; i++) {
        const qc_cpu_model *c = &ac->cpus[i];
        hv[i].name = c->name;
        hv[i].nblockers = c->nblockers;
        if (c->nblockers && !(hv[i].blockers = vc_alloc(f->a, c->nblockers * sizeof *hv[i].blockers)))
            return vc_oom(f->err);
        for (size_t j = 0; j < c->nblockers; j++)
            hv[i].blockers[j] = from_qemu(f, c->blockers[j]);
    }
    vc_x86_decode_opts opts = {.guest = true, .models = hv, .nmodels = ac->ncpus};
    vc_cpu cpu = {0};
    vc_error derr = {0};
    if (vc_x86_decode(map, data, vc_x86_make_signature(family, model, stepping), &opts, f->a, &cpu, &derr) < 0) {
        if (derr.code == VC_ENOMEM)
            return vc_oom(f->err);
        return 1;
    }
    hm->model = cpu.model;
    hm->vendor = cpu.vendor;
    hm->forbid = true;
    hm->features = cpu.features;
    hm->nfeatures = cpu.nfeatures;
    return 0;
}

static bool qemu_offers(const fctx *f, const char *model)
{
    const qc_accel_caps *ac = accel(f);
    for (size_t i = 0; i < ac->ncpus; i++)
        if (streq(ac->cpus[i].name, model))
            return true;
    return false;
}

/* No expansion from QEMU: the host's CPU, as virCPUDefCopyModelFilter
 * copies it into a guest CPU. 1 when there is none. */
static int host_model_from_host(fctx *f, host_model *hm)
{
    const vc_cpu *cpu = f->h->cpu;
    /* x86 decodes the host's CPUID among QEMU's models there (virCPUGetHost
     * as a guest CPU), which the probe's host CPU is not: left out */
    bool read = !cpu && f->h->read_cpu && !vc_arch_is_x86(f->qc->arch);
    if (read && f->h->read_cpu(f->h->read_cpu_ctx, &cpu, f->err) < 0)
        return -1;
    if (!cpu || !cpu->model)
        return 1;
    /* virCPUGetHost decodes a POWER host among QEMU's models (a hook stands
     * for its result) */
    if (read && vc_arch_is_ppc64(f->qc->arch) && !qemu_offers(f, cpu->model))
        return 1;
    hm->model = cpu->model;
    hm->vendor = cpu->vendor;
    for (size_t i = 0; i < cpu->nfeatures; i++) {
        const char *name = cpu->features[i].name;
        /* virQEMUCapsCPUFilterFeatures */
        if (vc_arch_is_x86(f->qc->arch) && (streq(name, "cmt") || streq(name, "mbm_total") || streq(name, "mbm_local") ||
                                    streq(name, "osxsave") || streq(name, "ospke")))
            continue;
        if (hm_feature(f, hm, name, cpu->features[i].policy ? cpu->features[i].policy : "require") < 0)
            return -1;
    }
    return 0;
}

/* Old QEMU cannot tell which MSR features it offers. */
static int drop_msr_features(fctx *f, host_model *hm)
{
    int rc;
    const vc_x86_map *map = x86_map(f, &rc);
    if (!map)
        return rc;
    size_t n = 0;
    for (size_t i = 0; i < hm->nfeatures; i++) {
        const vc_x86_feature *ft = vc_x86_feature_find(map, hm->features[i].name);
        if (!ft || !vc_x86_feature_is_msr(map, ft))
            hm->features[n++] = hm->features[i];
    }
    hm->nfeatures = n;
    return 0;
}

/* The host-model the database named when the answers came (qc_named). */
static int named_host(const fctx *f, host_model *hm)
{
    const qc_named *nm = &accel(f)->named;
    if (!nm->host)
        return 1;
    hm->model = nm->model;
    hm->vendor = nm->vendor;
    hm->forbid = true;
    hm->features = nm->features;
    hm->nfeatures = nm->nfeatures;
    return 0;
}

/* virQEMUCapsInitHostCPUModel's reported CPU: 0 with hm, 1 for none. */
static int host_model_get(fctx *f, const char *host_arch, host_model *hm)
{
    const char *arch = f->qc->arch;
    const qc_host_cpu *hc = &accel(f)->host_cpu;
    if (!guest_is_native(host_arch, arch))
        return 1;
    int rc;
    if (vc_arch_is_s390(arch))
        rc = hc->model ? host_model_s390(f, hc, hm) : 1;
    else if (vc_arch_is_arm(arch))
        rc = 1;
    else if (vc_arch_is_x86(arch) && hc->model && accel(f)->named.drawn)
        return named_host(f, hm);
    else if (vc_arch_is_x86(arch) && hc->model)
        rc = host_model_x86(f, hc, hm);
    else
        rc = host_model_from_host(f, hm);
    if (rc == 0 && vc_arch_is_x86(arch) && !HAS(f, "cpu-unavailable-features"))
        rc = drop_msr_features(f, hm);
    return rc;
}

static int fill_host_model(fctx *f, dc_node *mode, const host_model *hm)
{
    dc_node *m = dc_leaf(&f->b, mode, "model", hm->model);
    if (dc_set_attr(&f->b, m, "fallback", hm->forbid ? "forbid" : "allow") < 0)
        return -1;
    if (hm->vendor && !dc_leaf(&f->b, mode, "vendor", hm->vendor))
        return -1;
    for (size_t i = 0; i < hm->nfeatures; i++) {
        dc_node *ft = dc_kid(&f->b, mode, "features");
        if (dc_set_attr(&f->b, ft, "policy", hm->features[i].policy) < 0 ||
            dc_set_attr(&f->b, ft, "name", hm->features[i].name) < 0)
            return -1;
    }
    return 0;
}

/* ---- custom models ---- */

/* virCPUGetModels and virCPUGetVendorForModel: the database's models of
 * this architecture (-1 when it names none: every model passes), and a
 * model's vendor. */
static int db_models(fctx *f, const vc_x86_map **x86, const vc_ppc64_map **ppc)
{
    vc_error e = {0};
    *x86 = NULL;
    *ppc = NULL;
    if (vc_arch_is_x86(f->arch))
        *x86 = vc_cpu_db_x86(f->db, &e);
    else if (vc_arch_is_ppc64(f->arch))
        *ppc = vc_cpu_db_ppc64(f->db, &e);
    else
        return 0;
    if (e.code == VC_ENOMEM)
        return vc_oom(f->err);
    return *x86 || *ppc ? 1 : -2;
}

static bool model_vendor(const vc_x86_map *x86, const vc_ppc64_map *ppc, const char *name, const char **vendor)
{
    *vendor = NULL;
    if (x86) {
        const vc_x86_model *m = vc_x86_model_find(x86, name);
        if (m && m->vendor)
            *vendor = m->vendor->name;
        return m != NULL;
    }
    if (ppc) {
        for (size_t i = 0; i < ppc->nmodels; i++)
            if (strcmp(ppc->models[i].name, name) == 0) {
                *vendor = ppc->models[i].vendor;
                return true;
            }
        return false;
    }
    return true;
}

/* Whether the model is offered, with its vendor: from what was drawn
 * when the answers came, else from the database. */
static bool offered(const fctx *f, const vc_x86_map *x86, const vc_ppc64_map *ppc, const qc_cpu_model *c,
                    const char **vendor)
{
    bool known;
    if (accel(f)->named.drawn) {
        *vendor = c->vendor;
        known = c->in_db;
    } else {
        known = model_vendor(x86, ppc, c->name, vendor);
    }
    return known && strcmp(c->name, "host") != 0;
}

static int fill_custom(fctx *f, dc_node *cpu)
{
    const qc_accel_caps *ac = accel(f);
    const vc_x86_map *x86 = NULL;
    const vc_ppc64_map *ppc = NULL;
    int rc = !ac->ncpus ? -2 : ac->named.drawn ? 1 : db_models(f, &x86, &ppc);
    if (rc == -1)
        return -1;
    size_t n = 0;
    for (size_t i = 0; rc != -2 && i < ac->ncpus; i++) {
        const char *vendor;
        n += offered(f, x86, ppc, &ac->cpus[i], &vendor);
    }
    dc_node *mode = dc_supported(&f->b, cpu, "custom", n > 0);
    if (!mode)
        return -1;
    for (size_t i = 0; n && i < ac->ncpus; i++) {
        const qc_cpu_model *c = &ac->cpus[i];
        const char *vendor;
        if (!offered(f, x86, ppc, c, &vendor))
            continue;
        dc_node *m = dc_leaf(&f->b, mode, "models", c->name);
        if (dc_set_attr(&f->b, m, "usable", c->usable == 1 ? "yes" : c->usable == 0 ? "no" : "unknown") < 0 ||
            (c->deprecated && dc_set_attr(&f->b, m, "deprecated", "yes") < 0) ||
            dc_set_attr(&f->b, m, "vendor", vendor ? vendor : "unknown") < 0)
            return -1;
    }
    return 0;
}

static int fill_cpu(fctx *f, dc_node *root)
{
    static const char *const on_off[] = {"on", "off", NULL};
    const char *host_arch = f->h->arch ? f->h->arch : f->qc->arch;
    dc_node *cpu = dc_kid(&f->b, root, "cpu");
    if (!cpu)
        return -1;
    bool passthrough = f->accel == QC_KVM && guest_is_native(host_arch, f->qc->arch);
    dc_node *mode = dc_supported(&f->b, cpu, "host-passthrough", passthrough);
    if (!mode || (passthrough && add_enum(f, mode, "hostPassthroughMigratable", on_off,
                                          (HAS(f, "cpu.migratable") ? BIT(0) : 0) | BIT(1)) < 0))
        return -1;
    bool maximum = HAS(f, "cpu-max");
    if (!(mode = dc_supported(&f->b, cpu, "maximum", maximum)) ||
        (maximum && add_enum(f, mode, "maximumMigratable", on_off, BIT(0) | BIT(1)) < 0))
        return -1;
    host_model hm = {0};
    int rc = host_model_get(f, host_arch, &hm);
    if (rc < 0 || !(mode = dc_supported(&f->b, cpu, "host-model", rc == 0)) ||
        (rc == 0 && fill_host_model(f, mode, &hm) < 0))
        return -1;
    return fill_custom(f, cpu);
}

/* ---- devices ---- */

static int fill_disk(fctx *f, dc_node *devs)
{
    static const char *const devices[] = {"disk", "cdrom", "floppy", "lun", NULL};
    static const char *const buses[] = {"ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd", NULL};
    static const char *const models[] = {"virtio", "virtio-transitional", "virtio-non-transitional", NULL};
    const char *arch = f->qc->arch, *m = f->machine;
    bool pseries = vc_arch_is_ppc64(arch) && (streq(m, "pseries") || prefix(m, "pseries-"));
    bool i440fx = vc_arch_is_x86(arch) && (streq(m, "pc") || prefix(m, "pc-0.") || prefix(m, "pc-1.") ||
                                   prefix(m, "pc-i440fx-") || prefix(m, "rhel"));
    bool ide = i440fx || streq(m, "malta") || streq(m, "sun4u") || streq(m, "g3beige");
    unsigned dev = BIT(0) | BIT(1) | BIT(3) | (pseries ? 0 : BIT(2));
    unsigned bus = BIT(2) | BIT(3) | (pseries ? 0 : BIT(1)) | (ide ? BIT(0) : 0) |
                   (HAS(f, "usb-storage") ? BIT(5) : 0) | (HAS(f, "ich9-ahci") ? BIT(7) : 0);
    unsigned model = BIT(0) | (HAS(f, "virtio-pci-non-transitional") ? BIT(1) | BIT(2) : 0);
    dc_node *d = dc_supported(&f->b, devs, "disk", true);
    if (!d || add_enum(f, d, "diskDevice", devices, dev) < 0 || add_enum(f, d, "bus", buses, bus) < 0 ||
        add_enum(f, d, "model", models, model) < 0)
        return -1;
    return 0;
}

/* An enum of the names whose flag the binary has (NULL flag: always; "-":
 * never, values QEMU does not offer). */
typedef struct flagged {
    const char *name, *flag;
} flagged;

static int add_flagged(fctx *f, dc_node *n, const char *name, const flagged *list, const char **names)
{
    unsigned mask = 0;
    size_t i = 0;
    for (; list[i].name; i++) {
        names[i] = list[i].name;
        if (!list[i].flag || HAS(f, list[i].flag))
            mask |= BIT(i);
    }
    names[i] = NULL;
    return add_enum(f, n, name, names, mask);
}

static int fill_graphics_video(fctx *f, dc_node *devs)
{
    static const flagged graphics[] = {{"sdl", "sdl"}, {"vnc", "vnc"}, {"rdp", "-"}, {"desktop", "-"},
                                       {"spice", "spice"}, {"egl-headless", "egl-headless"},
                                       {"dbus", "display-dbus"}, {NULL, NULL}};
    static const flagged video[] = {{"default", "-"},   {"vga", "VGA"},     {"cirrus", "cirrus-vga"},
                                    {"vmvga", "vmware-svga"}, {"xen", "-"}, {"vbox", "-"},
                                    {"qxl", "qxl"},     {"parallels", "-"}, {"virtio", "virtio-gpu"},
                                    {"gop", "-"},       {"none", NULL},     {"bochs", "bochs-display"},
                                    {"ramfb", "ramfb"}, {NULL, NULL}};
    const char *names[16];
    dc_node *g = dc_supported(&f->b, devs, "graphics", true);
    if (!g || add_flagged(f, g, "type", graphics, names) < 0)
        return -1;
    dc_node *v = dc_supported(&f->b, devs, "video", true);
    return v ? add_flagged(f, v, "modelType", video, names) : -1;
}

static int fill_hostdev(fctx *f, dc_node *devs)
{
    static const char *const modes[] = {"subsystem", "capabilities", NULL};
    static const char *const policies[] = {"default", "mandatory", "requisite", "optional", NULL};
    static const char *const subsys[] = {"usb", "pci", "scsi", "scsi_host", "mdev", NULL};
    static const char *const caps[] = {"storage", "misc", "net", NULL};
    static const char *const backends[] = {"default", "kvm", "vfio", "xen", NULL};
    static const char *const usb_flags[] = {"piix3-usb-uhci", "piix4-usb-uhci", "usb-ehci", "ich9-usb-ehci1",
                                            "vt82c686b-usb-uhci", "pci-ohci", "nec-usb-xhci", "qemu-xhci", NULL};
    bool usb = false;
    for (size_t i = 0; usb_flags[i]; i++)
        usb = usb || HAS(f, usb_flags[i]);
    dc_node *h = dc_supported(&f->b, devs, "hostdev", true);
    if (!h || add_enum(f, h, "mode", modes, BIT(0)) < 0 ||
        add_enum(f, h, "startupPolicy", policies, BIT(0) | BIT(1) | BIT(2) | BIT(3)) < 0 ||
        add_enum(f, h, "subsysType", subsys, BIT(1) | BIT(2) | (usb ? BIT(0) : 0)) < 0 ||
        add_enum(f, h, "capsType", caps, 0) < 0 ||
        add_enum(f, h, "pciBackend", backends, f->h->vfio && HAS(f, "vfio-pci") ? BIT(0) | BIT(2) : 0) < 0)
        return -1;
    return 0;
}

static int fill_rng_fs(fctx *f, dc_node *devs)
{
    static const char *const models[] = {"virtio", "virtio-transitional", "virtio-non-transitional", NULL};
    static const flagged backends[] = {{"random", "rng-random"}, {"egd", "rng-egd"}, {"builtin", "rng-builtin"},
                                       {NULL, NULL}};
    static const flagged drivers[] = {{"default", "-"}, {"path", NULL},   {"handle", NULL},
                                      {"loop", "-"},    {"nbd", "-"},     {"ploop", "-"},
                                      {"virtiofs", "vhost-user-fs"},      {NULL, NULL}};
    const char *names[16];
    unsigned model = 0;
    if (HAS(f, "virtio-rng"))
        model = BIT(0) | (HAS(f, "virtio-pci-non-transitional") ? BIT(1) | BIT(2) : 0);
    dc_node *r = dc_supported(&f->b, devs, "rng", true);
    if (!r || add_enum(f, r, "model", models, model) < 0 || add_flagged(f, r, "backendModel", backends, names) < 0)
        return -1;
    dc_node *fs = dc_supported(&f->b, devs, "filesystem", true);
    return fs ? add_flagged(f, fs, "driverType", drivers, names) : -1;
}

static int fill_tpm(fctx *f, dc_node *devs)
{
    static const flagged models[] = {{"tpm-tis", "tpm-tis"}, {"tpm-crb", "tpm-crb"}, {"tpm-spapr", "tpm-spapr"},
                                     {"spapr-tpm-proxy", "spapr-tpm-proxy"}, {NULL, NULL}};
    static const char *const backends[] = {"passthrough", "emulator", "external", NULL};
    static const char *const versions[] = {"default", "1.2", "2.0", NULL};
    const char *names[8];
    bool any_model = false;
    for (size_t i = 0; models[i].name; i++)
        any_model = any_model || HAS(f, models[i].flag);
    unsigned backend = HAS(f, "tpm-passthrough") ? BIT(0) : 0;
    unsigned version = 0;
    if (f->h->swtpm) {
        if (HAS(f, "tpm-emulator"))
            backend |= BIT(1) | BIT(2);
        version = (f->h->tpm_1_2 ? BIT(1) : 0) | (f->h->tpm_2_0 ? BIT(2) : 0);
    }
    /* Without a frontend it is of no use to applications (and an
     * unsupported device is written without its enums). */
    dc_node *t = dc_supported(&f->b, devs, "tpm", any_model);
    if (!t)
        return -1;
    if (!any_model)
        return 0;
    if (add_flagged(f, t, "model", models, names) < 0 || add_enum(f, t, "backendModel", backends, backend) < 0 ||
        (version && add_enum(f, t, "backendVersion", versions, version) < 0))
        return -1;
    return 0;
}

static int fill_redirdev_channel(fctx *f, dc_node *devs)
{
    static const char *const buses[] = {"usb", NULL};
    static const flagged channels[] = {
        {"null", "-"}, {"vc", "-"},     {"pty", NULL},   {"dev", "-"},      {"file", "-"},
        {"pipe", "-"}, {"stdio", "-"},  {"udp", "-"},    {"tcp", "-"},      {"unix", NULL},
        {"spicevmc", "spice"}, {"spiceport", "-"}, {"nmdm", "-"}, {"qemu-vdagent", "-"}, {"dbus", "-"},
        {NULL, NULL}};
    const char *names[20];
    bool redir = HAS(f, "usb-redir");
    dc_node *r = dc_supported(&f->b, devs, "redirdev", redir);
    if (!r || (redir && add_enum(f, r, "bus", buses, BIT(0)) < 0))
        return -1;
    dc_node *c = dc_supported(&f->b, devs, "channel", true);
    return c ? add_flagged(f, c, "type", channels, names) : -1;
}

static int fill_devices(fctx *f, dc_node *root)
{
    dc_node *devs = dc_kid(&f->b, root, "devices");
    if (!devs || fill_disk(f, devs) < 0 || fill_graphics_video(f, devs) < 0 || fill_hostdev(f, devs) < 0 ||
        fill_rng_fs(f, devs) < 0 || fill_tpm(f, devs) < 0 || fill_redirdev_channel(f, devs) < 0)
        return -1;
    for (size_t i = 0; i < dc_nchildren(devs->desc); i++)
        for (size_t j = 0; j < devs->kids[i].n; j++)
            dc_sort_enums(devs->kids[i].v[j]);
    return 0;
}

/* ---- features ---- */

static int fill_gic(fctx *f, dc_node *feats)
{
    static const char *const versions[] = {"host", "2", "3", NULL};
    unsigned mask = 0;
    bool virt = vc_arch_is_arm(f->arch) && (streq(f->machine, "virt") || prefix(f->machine, "virt-"));
    for (size_t i = 0; virt && i < f->qc->ngic; i++) {
        const qc_gic *g = &f->qc->gic[i];
        bool ok = f->accel == QC_KVM ? g->kernel : g->emulated;
        if (ok && (g->version == 2 || g->version == 3))
            mask |= BIT(g->version - 1);
    }
    dc_node *gic = dc_supported(&f->b, feats, "gic", mask != 0);
    return gic && (!mask || add_enum(f, gic, "version", versions, mask) == 0) ? 0 : -1;
}

static int fill_sev(fctx *f, dc_node *feats)
{
    const qc_sev *s = &f->qc->sev;
    dc_node *sev = dc_supported(&f->b, feats, "sev", s->present);
    if (!sev || !s->present)
        return sev ? 0 : -1;
    /* SEV API 0.24, 6.19.1: ES guests take ASIDs below the minimum */
    uint32_t max = f->h->sev_max_asid, min = f->h->sev_min_asid;
    bool asids = max && min;
    char num[24];
    if (!dc_leaf(&f->b, sev, "cbitpos", decimal(num, s->cbitpos)) ||
        !dc_leaf(&f->b, sev, "reducedPhysBits", decimal(num, s->reduced_phys_bits)) ||
        !dc_leaf(&f->b, sev, "maxGuests", decimal(num, asids ? max - min + 1 : 0)) ||
        !dc_leaf(&f->b, sev, "maxESGuests", decimal(num, asids ? min - 1 : 0)))
        return -1;
    return 0;
}

static int fill_sgx(fctx *f, dc_node *feats)
{
    const qc_sgx *s = &f->qc->sgx;
    dc_node *sgx = dc_supported(&f->b, feats, "sgx", s->present);
    if (!sgx || !s->present)
        return sgx ? 0 : -1;
    char num[24];
    if (!dc_leaf(&f->b, sgx, "flc", s->flc ? "yes" : "no") || !dc_leaf(&f->b, sgx, "sgx1", s->sgx1 ? "yes" : "no") ||
        !dc_leaf(&f->b, sgx, "sgx2", s->sgx2 ? "yes" : "no") ||
        dc_set_attr(&f->b, dc_leaf(&f->b, sgx, "section_size", decimal(num, s->section_size_kib)), "unit", "KiB") < 0)
        return -1;
    dc_node *secs = s->nsections ? dc_kid(&f->b, sgx, "sections") : NULL;
    for (size_t i = 0; i < s->nsections; i++) {
        dc_node *sec = dc_kid(&f->b, secs, "section");
        if (dc_set_attr(&f->b, sec, "node", decimal(num, s->sections[i].node)) < 0 ||
            dc_set_attr(&f->b, sec, "size", decimal(num, s->sections[i].size_kib)) < 0 ||
            dc_set_attr(&f->b, sec, "unit", "KiB") < 0)
            return -1;
    }
    return 0;
}

static int fill_hyperv(fctx *f, dc_node *feats)
{
    const qc_hyperv *hv = &f->qc->hyperv;
    if (!hv->present && !hv->nfeatures)
        return 0;
    dc_enum *e = dc_enum_new(&f->b, dc_supported(&f->b, feats, "hyperv", hv->present), "features");
    if (!e)
        return -1;
    for (size_t i = 0; i < hv->nfeatures; i++)
        if (dc_enum_value(&f->b, e, hv->features[i]) < 0)
            return -1;
    return 0;
}

static int fill_features(fctx *f, dc_node *root)
{
    dc_node *feats = dc_kid(&f->b, root, "features");
    if (!feats || fill_gic(f, feats) < 0 || !dc_supported(&f->b, feats, "vmcoreinfo", HAS(f, "vmcoreinfo")) ||
        !dc_supported(&f->b, feats, "genid", HAS(f, "vmgenid")) ||
        !dc_supported(&f->b, feats, "backingStoreInput", true) ||
        !dc_supported(&f->b, feats, "backup", HAS(f, "incremental-backup")))
        return -1;
    if (vc_arch_is_s390(f->qc->arch) &&
        !dc_supported(&f->b, feats, "s390-pv",
                      HAS(f, "confidential-guest-support") && HAS(f, "s390-pv-guest") && f->h->s390_secure_guest))
        return -1;
    if (fill_sev(f, feats) < 0 || fill_sgx(f, feats) < 0 || fill_hyperv(f, feats) < 0)
        return -1;
    return 0;
}

/* ---- the whole ---- */

static int fill(fctx *f, dc_node *root)
{
    unsigned max = machine_max_cpus(f);
    if (f->accel == QC_KVM) {
        unsigned host_max = f->h->kvm_max_vcpus ? f->h->kvm_max_vcpus : INT_MAX;
        max = max < host_max ? max : host_max;
    }
    if (!dc_leaf(&f->b, root, "path", f->qc->emulator ? f->qc->emulator : "") ||
        !dc_leaf(&f->b, root, "domain", f->accel == QC_KVM ? "kvm" : "qemu") ||
        (f->machine && !dc_leaf(&f->b, root, "machine", f->machine)) || !dc_leaf(&f->b, root, "arch", f->arch))
        return -1;
    char num[24];
    if (max && dc_set_attr(&f->b, dc_kid(&f->b, root, "vcpu"), "max", decimal(num, max)) < 0)
        return -1;
    if (!dc_supported(&f->b, root, "iothreads", HAS(f, "iothread")) || fill_os(f, root) < 0 || fill_cpu(f, root) < 0)
        return -1;
    static const char *const sources[] = {"file", "anonymous", "memfd", NULL};
    dc_node *mb = dc_supported(&f->b, root, "memoryBacking", true);
    if (!mb || add_enum(f, mb, "sourceType", sources, BIT(0) | BIT(1) | (HAS(f, "memory-backend-memfd") ? BIT(2) : 0)) < 0)
        return -1;
    return fill_devices(f, root) < 0 || fill_features(f, root) < 0 ? -1 : 0;
}

/* The same family of architectures (virQEMUCapsCacheLookupDefault). */
static bool same_family(const char *a, const char *b)
{
    return strcmp(a, b) == 0 || (vc_arch_is_x86(a) && vc_arch_is_x86(b)) || (vc_arch_is_ppc(a) && vc_arch_is_ppc(b)) ||
           (vc_arch_is_arm(a) && vc_arch_is_arm(b)) || (vc_arch_is_s390(a) && vc_arch_is_s390(b));
}

/* The accelerator for virttype, with the reference's errors
 * (virQEMUCapsCacheLookupDefault): KVM only where the binary has it. */
static int choose_accel(const vc_qemucaps *qc, const char *virttype, vc_qemu_target *t, vc_error *err)
{
    static const char *const accelerated[] = {"kvm", "hvf", NULL};
    static const char *const plain[] = {"qemu", "kqemu", "xen", "lxc", "uml", "openvz", "test", "vmware", "hyperv",
                                        "vbox", "phyp", "parallels", "bhyve", "vz", "none", NULL};
    bool kvm = vc_qemucaps_has(qc, "kvm");
    if (!virttype) {
        t->virttype = kvm ? "kvm" : "qemu";
        return 0;
    }
    for (size_t i = 0; accelerated[i]; i++)
        if (strcmp(virttype, accelerated[i]) == 0) {
            if (i != 0 || !kvm)
                return vc_fail(err, VC_EINPUT, "the accel '%s' is not supported by '%.256s' on this host",
                               accelerated[i], qc->emulator ? qc->emulator : "?");
            t->virttype = "kvm";
            return 0;
        }
    for (size_t i = 0; plain[i]; i++)
        if (strcmp(virttype, plain[i]) == 0) {
            if (i != 0)
                return vc_fail(err, VC_EINPUT, "virttype '%s' is not one QEMU serves", virttype);
            t->virttype = "qemu";
            return 0;
        }
    return vc_fail(err, VC_EINPUT, "unknown virttype: %.64s", virttype);
}

int vc_qemu_domcaps_target(const vc_qemucaps *qc, const char *arch, const char *machine, const char *virttype,
                           vc_qemu_target *out, vc_error *err)
{
    out->arch = arch ? arch : qc->arch;
    if (!vc_arch_is_known(out->arch))
        return vc_fail(err, VC_EINPUT, "unknown architecture: %.64s", out->arch);
    if (!same_family(out->arch, qc->arch))
        return vc_fail(err, VC_EINPUT, "architecture from emulator '%.64s' doesn't match given architecture '%s'",
                       qc->arch, out->arch);
    if (choose_accel(qc, virttype, out, err) < 0)
        return -1;
    fctx f = {.qc = qc, .accel = strcmp(out->virttype, "kvm") == 0 ? QC_KVM : QC_TCG};
    if (machine) {
        machine = canonical_machine(&f, machine);
        if (!machine_known(&f, machine))
            return vc_fail(err, VC_EINPUT, "the machine '%.128s' is not supported by emulator '%.256s'", machine,
                           qc->emulator ? qc->emulator : "?");
    }
    const qc_accel_caps *ac = accel(&f);
    out->machine = machine ? machine : ac->nmachines ? ac->machines[0].name : NULL;
    return 0;
}

vc_domcaps *vc_qemu_domcaps(const vc_qemucaps *qc, vc_cpu_db *db, const vc_qemu_target *t, const vc_qemu_host *host,
                            vc_error *err)
{
    static const vc_qemu_host no_host = {0};
    fctx f = {.err = err, .qc = qc, .h = host ? host : &no_host, .db = db, .arch = t->arch, .machine = t->machine,
              .accel = strcmp(t->virttype, "kvm") == 0 ? QC_KVM : QC_TCG};
    vc_domcaps *dc = vc_domcaps_new();
    if (!dc) {
        vc_oom(err);
        return NULL;
    }
    f.a = dc->arena;
    f.b = (dc_builder){.a = dc->arena, .err = err};
    if (fill(&f, dc->root) < 0) {
        vc_domcaps_free(dc);
        return NULL;
    }
    dc_sort_enums(dc->root);
    return dc;
}

/* ---- drawing the database's conclusions once, for the cache ---- */

/* Decodes in f's scratch arena, keeps the results in keep (qc's). */
static int draw_accel(fctx *f, vc_arena *keep, const vc_x86_map *map, qc_accel_caps *ac)
{
    qc_named *nm = &ac->named;
    *nm = (qc_named){0};
    for (size_t i = 0; i < ac->ncpus; i++) {
        qc_cpu_model *c = &ac->cpus[i];
        const char *vendor;
        c->in_db = model_vendor(map, NULL, c->name, &vendor);
        c->vendor = NULL;
        if (vendor && !(c->vendor = vc_strdup(keep, vendor)))
            return vc_oom(f->err);
    }
    if (ac->host_cpu.model) {
        host_model hm = {0};
        int rc = host_model_x86(f, &ac->host_cpu, &hm);
        if (rc == 0 && !HAS(f, "cpu-unavailable-features"))
            rc = drop_msr_features(f, &hm);
        if (rc < 0)
            return -1;
        nm->host = rc == 0;
        if (nm->host) {
            if (!(nm->model = vc_strdup(keep, hm.model)) || (hm.vendor && !(nm->vendor = vc_strdup(keep, hm.vendor))) ||
                (hm.nfeatures && !(nm->features = vc_alloc(keep, hm.nfeatures * sizeof *nm->features))))
                return vc_oom(f->err);
            for (size_t i = 0; i < hm.nfeatures; i++)
                if (!(nm->features[i].name = vc_strdup(keep, hm.features[i].name)) ||
                    !(nm->features[i].policy = vc_strdup(keep, hm.features[i].policy)))
                    return vc_oom(f->err);
            nm->nfeatures = hm.nfeatures;
        }
    }
    nm->drawn = true;
    return 0;
}

int vc_qemu_caps_draw(vc_qemucaps *qc, vc_cpu_db *db, vc_error *err)
{
    uint8_t digest[VC_CPU_DB_DIGEST];
    if (!vc_arch_is_x86(qc->arch))
        return 0;
    for (int i = 0; i < QC_NACCEL; i++) {
        vc_arena *scratch = vc_arena_new();
        fctx f = {.a = scratch, .err = err, .qc = qc, .db = db, .arch = qc->arch, .accel = i};
        int rc = scratch ? 0 : vc_oom(err);
        const vc_x86_map *map = rc == 0 ? x86_map(&f, &rc) : NULL;
        if (map)
            rc = draw_accel(&f, qc->arena, map, &qc->accel[i]);
        vc_arena_free(scratch);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    /* kept only under the identity of the files the map was read from, and
     * only while they are still those (a long-lived Lua state may hold a map
     * read before they changed: its names are for this call alone) */
    uint8_t now[VC_CPU_DB_DIGEST];
    if (!vc_cpu_db_x86_digest(db, digest) || vc_cpu_db_files_digest(vc_cpu_db_dir(db), now) < 0 ||
        memcmp(now, digest, sizeof now) != 0)
        return 0;
    if (!(qc->named_db = vc_strdup(qc->arena, vc_cpu_db_dir(db))))
        return vc_oom(err);
    memcpy(qc->named_digest, digest, sizeof digest);
    return 0;
}
