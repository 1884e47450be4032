/* POWER CPUs with libvirt 9.0.0's rules (cpu_ppc64.c): ppc64 hosts are
 * named from the PVR, which the reference reads from the register and
 * /proc/cpuinfo prints as "revision". */
#include "base/arch.h"
#include "cpu/cpu.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ppc64 ---- */

int vc_ppc64_host_from_cpuinfo(const vc_ppc64_map *map, const char *cpuinfo, vc_arena *a, vc_cpu *cpu,
                               vc_error *err)
{
    char *rev = vc_cpuinfo_field(cpuinfo, "revision", a);
    const char *p = rev ? strstr(rev, "(pvr ") : NULL;
    unsigned hi, lo;
    if (!p || sscanf(p, "(pvr %4x %4x)", &hi, &lo) != 2) // NOLINT(cert-err34-c): 4 digits cannot overflow
        return vc_fail(err, VC_EINPUT, "cannot read the PVR from /proc/cpuinfo");
    uint32_t pvr = (uint32_t)hi << 16 | (uint32_t)lo;
    for (size_t i = 0; i < map->nmodels; i++) {
        const vc_ppc64_model *m = &map->models[i];
        for (size_t j = 0; j < m->npvrs; j++) {
            if ((pvr & m->pvrs[j].mask) != m->pvrs[j].value)
                continue;
            if (!(cpu->model = vc_strdup(a, m->name)) || (m->vendor && !(cpu->vendor = vc_strdup(a, m->vendor))))
                return vc_oom(err);
            return 0;
        }
    }
    return vc_fail(err, VC_EINPUT, "Cannot find CPU model with PVR 0x%08x", pvr);
}

static const vc_ppc64_model *ppc64_find(const vc_ppc64_map *map, const char *name)
{
    for (size_t i = 0; i < map->nmodels; i++)
        if (strcmp(map->models[i].name, name) == 0)
            return &map->models[i];
    return NULL;
}

/* Old libvirt named POWER models by revision; the reference maps them to
 * the generation. */
static const char *ppc64_legacy(const char *model, char *buf, size_t size)
{
    static const char *const legacy[] = {"POWER7_v2.1", "POWER7_v2.3", "POWER7+_v2.1", "POWER8_v1.0", NULL};
    for (const char *const *l = legacy; *l; l++)
        if (strcmp(model, *l) == 0) {
            snprintf(buf, size, "%.6s", model);
            return buf;
        }
    return model;
}

/* POWERn hosts run powerm guests for m <= n (6 to 10). */
static int ppc64_compat(const char *host, const char *compat, vc_error *err)
{
    char *end;
    long h = strncmp(host, "POWER", 5) == 0 ? strtol(host + 5, &end, 10) : -1;
    if (h < 6 || h > 10 || *end)
        return vc_fail(err, VC_EINPUT, "Host CPU does not support compatibility modes");
    long c = compat && strncmp(compat, "power", 5) == 0 ? strtol(compat + 5, &end, 10) : -1;
    if (!compat)
        return VC_CMP_IDENTICAL;
    if (c < 6 || c > 10 || *end)
        return vc_fail(err, VC_EINPUT, "Unknown compatibility mode %s", compat);
    return c > h ? VC_CMP_INCOMPATIBLE : VC_CMP_IDENTICAL;
}

int vc_ppc64_compare(const vc_ppc64_map *map, const vc_cpu *host, const vc_cpu *guest, vc_arena *a,
                     vc_compare_result *res, vc_error *err)
{
    memset(res, 0, sizeof *res);
    res->result = VC_CMP_INCOMPATIBLE;
    if (!host->model) {
        res->message = "unknown host CPU";
        return 0;
    }
    char buf[16];
    const char *gmodel = guest->model ? ppc64_legacy(guest->model, buf, sizeof buf) : NULL;
    if (guest->arch && !vc_arch_is_ppc64(guest->arch)) {
        res->message = vc_sprintf(a, "CPU arch %s does not match host arch", guest->arch);
        return res->message ? 0 : vc_oom(err);
    }
    if (guest->vendor && (!host->vendor || strcmp(guest->vendor, host->vendor) != 0)) {
        res->message = vc_sprintf(a, "host CPU vendor does not match required CPU vendor %s", guest->vendor);
        return res->message ? 0 : vc_oom(err);
    }
    res->result = VC_CMP_ERROR;
    const vc_ppc64_model *hm = ppc64_find(map, host->model);
    if (!hm)
        return vc_fail(err, VC_EINPUT, "Unknown CPU model %s", host->model);
    const vc_ppc64_model *gm = hm;
    const char *mode = guest->mode ? guest->mode : "custom";
    if (vc_cpu_is_host(guest) || strcmp(mode, "custom") == 0) {
        if (!gmodel)
            return vc_fail(err, VC_EINPUT, "no CPU model specified");
        if (!(gm = ppc64_find(map, gmodel)))
            return vc_fail(err, VC_EINPUT, "Unknown CPU model %s", gmodel);
    } else if (strcmp(mode, "host-model") == 0) {
        int rc = ppc64_compat(host->model, gmodel, err);
        if (rc < 0)
            return -1;
        if (rc != VC_CMP_IDENTICAL) {
            res->result = rc;
            return 0;
        }
    }
    res->result = VC_CMP_IDENTICAL;
    if (strcmp(gm->name, hm->name) != 0) {
        res->result = VC_CMP_INCOMPATIBLE;
        res->message = vc_sprintf(a, "host CPU model does not match required CPU model %s", gm->name);
        return res->message ? 0 : vc_oom(err);
    }
    return 0;
}

int vc_ppc64_baseline_add(vc_ppc64_baseline *b, const vc_ppc64_map *map, const vc_cpu *cpu, vc_error *err)
{
    if (!b->model && !(b->model = ppc64_find(map, cpu->model)))
        return vc_fail(err, VC_EINPUT, "Unknown CPU model %s", cpu->model);
    const vc_ppc64_model *m = b->model;
    if (strcmp(cpu->model, m->name) != 0)
        return vc_fail(err, VC_EINPUT, "CPUs are incompatible");
    if (!cpu->vendor)
        return 0;
    const char *vnd = NULL;
    for (size_t i = 0; i < map->nvendors && !vnd; i++)
        if (strcmp(map->vendors[i], cpu->vendor) == 0)
            vnd = map->vendors[i];
    if (!vnd)
        return vc_fail(err, VC_EINPUT, "Unknown CPU vendor %s", cpu->vendor);
    if (m->vendor) {
        if (strcmp(m->vendor, vnd) != 0)
            return vc_fail(err, VC_EINPUT, "CPU vendor %s of model %s differs from vendor %s", m->vendor, m->name,
                           vnd);
    } else if (b->vendor) {
        if (strcmp(b->vendor, vnd) != 0)
            return vc_fail(err, VC_EINPUT, "CPU vendors do not match");
    } else {
        b->vendor = vnd;
    }
    return 0;
}

int vc_ppc64_baseline_finish(const vc_ppc64_baseline *b, vc_arena *a, vc_cpu *out, vc_error *err)
{
    if (!(out->model = vc_strdup(a, b->model->name)) || (b->vendor && !(out->vendor = vc_strdup(a, b->vendor))))
        return vc_oom(err);
    out->mode = "custom";
    out->match = "exact";
    out->fallback = "forbid";
    return 0;
}
