/* CPUs that are not x86, with libvirt 9.0.0's rules (cpu_ppc64.c,
 * cpu_arm.c, cpu_s390.c): ppc64 hosts are named from the PVR, aarch64 hosts
 * from MIDR's implementer and part number with the hwcaps as features, s390
 * hosts are not named at all. The reference reads the registers; here they
 * come from /proc/cpuinfo, which prints the same values. */
#include "cpu/cpu.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- /proc/cpuinfo ---- */

/* The value of the first "key : value" line whose key is `key`, copied into
 * the arena without surrounding blanks; NULL when there is none. */
static char *cpuinfo_value(const char *text, const char *key, vc_arena *a)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        if (colon) {
            size_t k = (size_t)(colon - line);
            while (k && (line[k - 1] == ' ' || line[k - 1] == '\t'))
                k--;
            if (k == klen && memcmp(line, key, klen) == 0) {
                const char *v = colon + 1;
                const char *stop = line + len;
                while (v < stop && (*v == ' ' || *v == '\t'))
                    v++;
                while (stop > v && (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\r'))
                    stop--;
                return vc_strndup(a, v, (size_t)(stop - v));
            }
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

static bool parse_hex(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s)
        return false;
    unsigned long long v = strtoull(s, &end, 16);
    if (end == s || *end)
        return false;
    *out = v;
    return true;
}

/* ---- ppc64 ---- */

int vc_ppc64_host_from_cpuinfo(const vc_ppc64_map *map, const char *cpuinfo, vc_arena *a, vc_cpu *cpu,
                               vc_error *err)
{
    char *rev = cpuinfo_value(cpuinfo, "revision", a);
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

static bool is_ppc64(const char *arch)
{
    return strcmp(arch, "ppc64") == 0 || strcmp(arch, "ppc64le") == 0;
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
    if (guest->arch && !is_ppc64(guest->arch)) {
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

/* ---- aarch64 ---- */

/* AT_HWCAP's bits in order: the names the reference gives them, which are
 * also the names /proc/cpuinfo prints. */
static const char *const hwcap_names[32] = {
    "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp",
    "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4", "asimddp", "sha512",
    "sve", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg",
};

static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ' || p[-1] == '\t') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
            return true;
    return false;
}

int vc_arm_features_from_cpuinfo(const char *cpuinfo, vc_arena *a, vc_cpu *cpu, vc_error *err)
{
    char *flags = cpuinfo_value(cpuinfo, "Features", a);
    cpu->features = NULL;
    cpu->nfeatures = 0;
    if (!flags)
        return 0;
    if (!(cpu->features = vc_alloc(a, 32 * sizeof *cpu->features)))
        return vc_oom(err);
    for (int i = 0; i < 32; i++)
        if (has_word(flags, hwcap_names[i]))
            cpu->features[cpu->nfeatures++].name = (char *)hwcap_names[i];
    return 0;
}

int vc_arm_host_from_cpuinfo(const vc_arm_map *map, const char *cpuinfo, vc_arena *a, vc_cpu *cpu, vc_error *err)
{
    char *flags = cpuinfo_value(cpuinfo, "Features", a);
    if (!flags || !has_word(flags, "cpuid"))
        return vc_fail(err, VC_EINPUT, "CPUID registers unavailable");
    uint64_t part, implementer;
    if (!parse_hex(cpuinfo_value(cpuinfo, "CPU part", a), &part) ||
        !parse_hex(cpuinfo_value(cpuinfo, "CPU implementer", a), &implementer))
        return vc_fail(err, VC_EINPUT, "cannot read the CPU implementer and part from /proc/cpuinfo");
    const vc_arm_model *m = NULL;
    for (size_t i = 0; i < map->nmodels && !m; i++)
        if (map->models[i].pvr == part)
            m = &map->models[i];
    if (!m)
        return vc_fail(err, VC_EINPUT, "Cannot find CPU model with PVR 0x%03llx", (unsigned long long)part);
    if (!(cpu->model = vc_strdup(a, m->name)))
        return vc_oom(err);
    const vc_arm_vendor *v = NULL;
    for (size_t i = 0; implementer && i < map->nvendors && !v; i++)
        if (map->vendors[i].value == implementer)
            v = &map->vendors[i];
    /* The reference has set the model by now and keeps it. */
    if (implementer && !v)
        return vc_fail(err, VC_EINPUT, "Cannot find CPU vendor with vendor id 0x%02llx",
                       (unsigned long long)implementer);
    if (v && !(cpu->vendor = vc_strdup(a, v->name)))
        return vc_oom(err);
    return vc_arm_features_from_cpuinfo(cpuinfo, a, cpu, err);
}

int vc_arm_compare(const vc_cpu *host, const vc_cpu *guest, vc_arena *a, vc_compare_result *res, vc_error *err)
{
    memset(res, 0, sizeof *res);
    /* The reference compares host CPUs only; guests always fit. */
    res->result = VC_CMP_IDENTICAL;
    if (!vc_cpu_is_host(guest))
        return 0;
    res->result = VC_CMP_INCOMPATIBLE;
    if (!host->model) {
        res->message = "unknown host CPU";
        return 0;
    }
    bool same_vendor = (!host->vendor && !guest->vendor) ||
                       (host->vendor && guest->vendor && strcmp(host->vendor, guest->vendor) == 0);
    bool same_model = guest->model && strcmp(host->model, guest->model) == 0;
    if (!same_vendor || !same_model) {
        res->message = vc_sprintf(a, "Host CPU model does not match required CPU vendor %s or(and) model %s",
                                  guest->vendor ? guest->vendor : "<null>", guest->model ? guest->model : "<null>");
        return res->message ? 0 : vc_oom(err);
    }
    res->result = VC_CMP_IDENTICAL;
    return 0;
}
