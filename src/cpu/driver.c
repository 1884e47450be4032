/* Comparing and baselining CPUs of any architecture: the entry points of
 * libvirt's cpu.c, which pick the architecture's rules. */
#include "base/arch.h"
#include "cpu/cpu.h"
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

enum arch_kind { KIND_X86, KIND_PPC64, KIND_ARM, KIND_S390, KIND_OTHER };

/* Each architecture's CPU driver, by arch.c's groups. */
static const struct {
    bool (*is)(const char *arch);
    enum arch_kind kind;
} kinds[] = {
    {vc_arch_is_x86, KIND_X86},
    {vc_arch_is_ppc64, KIND_PPC64},
    {vc_arch_is_arm, KIND_ARM},
    {vc_arch_is_s390, KIND_S390},
};

static enum arch_kind kind_of(const char *arch)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].is(arch))
            return kinds[i].kind;
    return KIND_OTHER;
}

int vc_cpu_compare(vc_cpu_db *db, const vc_cpu *host, const vc_cpu *guest, vc_arena *a, vc_compare_result *res,
                   vc_error *err)
{
    memset(res, 0, sizeof *res);
    res->result = VC_CMP_ERROR;
    if (vc_cpu_check_def(host, false, err) < 0 || vc_cpu_check_def(guest, false, err) < 0)
        return -1;
    const char *arch = host->arch ? host->arch : "x86_64";
    switch (kind_of(arch)) {
    case KIND_X86: {
        const vc_x86_map *map = vc_cpu_db_x86(db, err);
        return map ? vc_x86_compare(map, host, guest, a, res, err) : -1;
    }
    case KIND_PPC64: {
        const vc_ppc64_map *map = vc_cpu_db_ppc64(db, err);
        return map ? vc_ppc64_compare(map, host, guest, a, res, err) : -1;
    }
    case KIND_ARM:
        return vc_arm_compare(host, guest, a, res, err);
    case KIND_S390:
        /* The reference leaves s390 checks to QEMU. */
        res->result = VC_CMP_IDENTICAL;
        return 0;
    default:
        return vc_fail(err, VC_EINPUT, "'%s' architecture is not supported by CPU driver", arch);
    }
}

struct vc_baseline {
    vc_cpu_db *db;
    vc_arena *a;
    size_t n;
    enum arch_kind kind;
    const char *arch;
    vc_x86_baseline *x86;
    const vc_ppc64_map *ppc64_map;
    vc_ppc64_baseline ppc64;
    char *first_model;
};

vc_baseline *vc_baseline_new(vc_cpu_db *db, vc_arena *a)
{
    vc_baseline *b = vc_alloc(a, sizeof *b);
    if (b) {
        b->db = db;
        b->a = a;
    }
    return b;
}

int vc_baseline_add(vc_baseline *b, const vc_cpu *cpu, vc_error *err)
{
    if (vc_cpu_check_def(cpu, false, err) < 0)
        return -1;
    if (!cpu->model)
        return vc_fail(err, VC_EINPUT, "no CPU model specified at index %zu", b->n);
    if (b->n == 0) {
        if (!(b->arch = vc_strdup(b->a, cpu->arch ? cpu->arch : "x86_64")) ||
            !(b->first_model = vc_strdup(b->a, cpu->model)))
            return vc_oom(err);
        b->kind = kind_of(b->arch);
        if (b->kind == KIND_X86) {
            const vc_x86_map *map = vc_cpu_db_x86(b->db, err);
            if (!map)
                return -1;
            if (!(b->x86 = vc_x86_baseline_new(map, b->a)))
                return vc_oom(err);
        } else if (b->kind == KIND_PPC64) {
            if (!(b->ppc64_map = vc_cpu_db_ppc64(b->db, err)))
                return -1;
        } else if (b->kind == KIND_S390) {
            return vc_fail(err, VC_EINPUT, "cannot compute baseline CPU of %s architecture", b->arch);
        } else if (b->kind == KIND_OTHER) {
            return vc_fail(err, VC_EINPUT, "'%s' architecture is not supported by CPU driver", b->arch);
        }
    }
    int rc = 0;
    if (b->kind == KIND_X86)
        rc = vc_x86_baseline_add(b->x86, cpu, err);
    else if (b->kind == KIND_PPC64)
        rc = vc_ppc64_baseline_add(&b->ppc64, b->ppc64_map, cpu, err);
    if (rc == 0)
        b->n++;
    return rc;
}

static int cmp_feature(const void *x, const void *y)
{
    return strcmp(((const vc_feature *)x)->name, ((const vc_feature *)y)->name);
}

int vc_baseline_finish(vc_baseline *b, const vc_baseline_opts *opts, vc_cpu *out, vc_error *err)
{
    if (b->n == 0)
        return vc_fail(err, VC_EINPUT, "no CPUs given");
    switch (b->kind) {
    case KIND_X86:
        return vc_x86_baseline_finish(b->x86, opts, out, err);
    case KIND_PPC64:
        if (vc_ppc64_baseline_finish(&b->ppc64, b->a, out, err) < 0)
            return -1;
        break;
    default:
        /* arm: the first CPU's model, nothing else */
        out->model = b->first_model;
        out->mode = "custom";
        out->match = "exact";
        out->fallback = "allow";
        break;
    }
    /* Expanding has nothing to add outside x86 but the sort. */
    if (opts->expand && out->nfeatures)
        qsort(out->features, out->nfeatures, sizeof *out->features, cmp_feature);
    return 0;
}
