/* CPU definitions the way the reference reads and writes them
 * (src/conf/cpu_conf.c): host or guest, the checks its parser makes, the
 * defaults it fills in and what its formatter writes for each type. */
#include "base/arch.h"
#include "cpu/cpu.h"
#include "model/model.h"
#include "xml/xml.h"

#include <stdlib.h>
#include <string.h>

static const char *const policies[] = {"force", "require", "optional", "disable", "forbid", NULL};

bool vc_cpu_is_host(const vc_cpu *cpu)
{
    return cpu->arch != NULL;
}

int vc_cpu_feature_policy(const vc_cpu *cpu, size_t i)
{
    if (vc_cpu_is_host(cpu))
        return VC_POLICY_NONE;
    const char *p = cpu->features[i].policy;
    for (int k = 0; p && policies[k]; k++)
        if (strcmp(policies[k], p) == 0)
            return k;
    return VC_POLICY_REQUIRE;
}

static int cmp_by_name(const void *x, const void *y)
{
    const vc_feature *const *a = x, *const *b = y;
    int c = strcmp((*a)->name, (*b)->name);
    return c ? c : (*a < *b ? -1 : *a > *b);
}

/* The reference names the first feature found again while reading in
 * order; sorting finds the same one without reading the list n times. */
static int check_duplicates(const vc_cpu *cpu, vc_error *err)
{
    if (cpu->nfeatures < 2)
        return 0;
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    const vc_feature **sorted = malloc(cpu->nfeatures * sizeof *sorted);
    if (!sorted)
        return vc_oom(err);
    for (size_t i = 0; i < cpu->nfeatures; i++)
        sorted[i] = &cpu->features[i];
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    qsort(sorted, cpu->nfeatures, sizeof *sorted, cmp_by_name);
    /* Each name's second place in the list is where it is found again. */
    const vc_feature *first_again = NULL;
    for (size_t i = 1; i < cpu->nfeatures; i++) {
        bool second = strcmp(sorted[i]->name, sorted[i - 1]->name) == 0 &&
                      (i == 1 || strcmp(sorted[i - 1]->name, sorted[i - 2]->name) != 0);
        if (second && (!first_again || sorted[i] < first_again))
            first_again = sorted[i];
    }
    free(sorted);
    if (first_again)
        return vc_fail(err, VC_EINPUT, "CPU feature '%s' specified more than once", first_again->name);
    return 0;
}

static bool mode_is(const vc_cpu *cpu, const char *mode)
{
    return strcmp(cpu->mode ? cpu->mode : "custom", mode) == 0;
}

int vc_cpu_check_def(const vc_cpu *cpu, bool need_model, vc_error *err)
{
    if (vc_cpu_validate(cpu, "cpu", err) < 0)
        return -1;
    bool host = vc_cpu_is_host(cpu);
    if (host) {
        if (cpu->mode)
            return vc_fail(err, VC_EINPUT, "Attribute mode is only allowed for guest CPU");
        if (cpu->match)
            return vc_fail(err, VC_EINPUT,
                           "'arch' element cannot be used inside 'cpu' element with 'match' attribute");
        if (!vc_arch_is_known(cpu->arch))
            return vc_fail(err, VC_EINPUT, "Unknown architecture %s", cpu->arch);
        if (need_model && !cpu->model)
            return vc_fail(err, VC_EINPUT, "Missing CPU model name");
    }
    if (cpu->migratable && !mode_is(cpu, "host-passthrough") && !mode_is(cpu, "maximum"))
        return vc_fail(err, VC_EINPUT,
                       "Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode");
    if (cpu->vendor_id && strlen(cpu->vendor_id) != 12)
        return vc_fail(err, VC_EINPUT, "vendor_id must be exactly 12 characters long");
    if (cpu->vendor_id && strchr(cpu->vendor_id, ','))
        return vc_fail(err, VC_EINPUT, "vendor id is invalid");
    if (cpu->vendor && !cpu->model)
        return vc_fail(err, VC_EINPUT, "CPU vendor specified without CPU model");
    if (cpu->has_topology && (cpu->sockets == 0 || cpu->cores == 0 || cpu->threads == 0 || cpu->dies == 0))
        return vc_fail(err, VC_EINPUT, "Invalid CPU topology");
    if (cpu->nfeatures && !cpu->model && !host && mode_is(cpu, "custom"))
        return vc_fail(err, VC_EINPUT, "Non-empty feature list specified without CPU model");
    for (size_t i = 0; i < cpu->nfeatures; i++)
        if (!cpu->features[i].name || !*cpu->features[i].name)
            return vc_fail(err, VC_EINPUT, "Invalid CPU feature name");
    return check_duplicates(cpu, err);
}

int vc_cpu_format(vc_buf *out, const vc_cpu *cpu, vc_error *err)
{
    if (vc_cpu_check_def(cpu, false, err) < 0)
        return -1;
    vc_arena *a = vc_arena_new();
    vc_cpu *c = a ? vc_cpu_new(a) : NULL;
    if (!c) {
        vc_arena_free(a);
        return vc_oom(err);
    }
    bool host = vc_cpu_is_host(cpu);
    if (host) {
        c->arch = cpu->arch;
        c->microcode = cpu->microcode;
        c->has_signature = cpu->has_signature;
        c->sig_family = cpu->sig_family;
        c->sig_model = cpu->sig_model;
        c->sig_stepping = cpu->sig_stepping;
        c->has_counter = cpu->has_counter;
        c->counter_name = cpu->counter_name;
        c->counter_frequency = cpu->counter_frequency;
        c->counter_scaling = cpu->counter_scaling;
        c->model = cpu->model;
        c->vendor = cpu->vendor;
    } else {
        bool custom = mode_is(cpu, "custom");
        if (!custom || cpu->model) {
            c->mode = cpu->mode ? cpu->mode : "custom";
            c->match = custom ? (cpu->match ? cpu->match : "exact") : NULL;
            c->check = cpu->check;
            if (mode_is(cpu, "host-passthrough") || mode_is(cpu, "maximum"))
                c->migratable = cpu->migratable;
        }
        if (custom || mode_is(cpu, "host-model")) {
            c->model = cpu->model;
            c->fallback = cpu->model ? (cpu->fallback ? cpu->fallback : "allow") : NULL;
            c->vendor_id = cpu->vendor_id;
            c->vendor = cpu->vendor;
        }
    }
    /* 9.0.0 has no clusters in a CPU definition; dies default to 1. */
    c->has_topology = cpu->has_topology;
    c->sockets = cpu->sockets;
    c->dies = cpu->has_topology && cpu->dies == VC_UNSET ? 1 : cpu->dies;
    c->cores = cpu->cores;
    c->threads = cpu->threads;
    c->has_maxphysaddr = cpu->has_maxphysaddr;
    c->addr_mode = cpu->addr_mode;
    c->addr_bits = cpu->addr_bits;
    c->addr_limit = cpu->addr_limit;
    if (cpu->nfeatures && !(c->features = vc_alloc(a, cpu->nfeatures * sizeof *c->features))) {
        vc_arena_free(a);
        return vc_oom(err);
    }
    for (size_t i = 0; i < cpu->nfeatures; i++) {
        c->features[i].name = cpu->features[i].name;
        c->features[i].policy = host ? NULL : (char *)policies[vc_cpu_feature_policy(cpu, i)];
    }
    c->nfeatures = cpu->nfeatures;
    vc_xml_write_cpu(out, c, 0);
    vc_arena_free(a);
    return out->oom ? vc_oom(err) : 0;
}
