/* ARM CPUs with libvirt 9.0.0's rules (cpu_arm.c): aarch64 hosts are named
 * from MIDR's implementer and part number, which /proc/cpuinfo prints, with
 * the hwcaps as features. */
#include "cpu/cpu.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    char *flags = vc_cpuinfo_field(cpuinfo, "Features", a);
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
    char *flags = vc_cpuinfo_field(cpuinfo, "Features", a);
    if (!flags || !has_word(flags, "cpuid"))
        return vc_fail(err, VC_EINPUT, "CPUID registers unavailable");
    uint64_t part, implementer;
    if (!vc_hex_parse(vc_cpuinfo_field(cpuinfo, "CPU part", a), &part) ||
        !vc_hex_parse(vc_cpuinfo_field(cpuinfo, "CPU implementer", a), &implementer))
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
