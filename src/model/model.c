/* The model: new models, their warnings, and the validation every model
 * passes before it is used. */
#include "model/model.h"

#include "base/idset.h"



#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- model ---- */

const char *const vc_guest_feature_names[VC_GF_COUNT + 1] = {
    "pae", "nonpae", "ia64_be", "acpi", "apic",
    "cpuselection", "deviceboot", "disksnapshot", "hap", "externalSnapshot", NULL,
};

static void cpu_init(vc_cpu *cpu)
{
    cpu->microcode = VC_UNSET;
    cpu->sig_family = cpu->sig_model = cpu->sig_stepping = VC_UNSET;
    cpu->counter_frequency = VC_UNSET;
    cpu->counter_scaling = VC_UNSET_B;
    cpu->sockets = cpu->dies = cpu->clusters = cpu->cores = cpu->threads = VC_UNSET;
    cpu->addr_bits = cpu->addr_limit = VC_UNSET;
}

vc_cpu *vc_cpu_new(vc_arena *a)
{
    vc_cpu *cpu = vc_alloc(a, sizeof *cpu);
    if (cpu)
        cpu_init(cpu);
    return cpu;
}

vc_caps *vc_caps_new(void)
{
    vc_arena *a = vc_arena_new();
    if (!a)
        return NULL;
    vc_caps *caps = vc_alloc(a, sizeof *caps);
    if (!caps) {
        vc_arena_free(a);
        return NULL;
    }
    caps->arena = a;
    caps->host.iommu = VC_UNSET_B;
    return caps;
}

void vc_caps_free(vc_caps *caps)
{
    if (caps)
        vc_arena_free(caps->arena);
}

int vc_caps_vwarn(vc_caps *caps, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char **slot = VC_PUSH(caps->arena, caps->warnings, caps->nwarnings);
    if (!slot || !(*slot = vc_strdup(caps->arena, msg)))
        return -1;
    return 0;
}

int vc_caps_warn(vc_caps *caps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vc_caps_vwarn(caps, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- validation ---- */

/* The path of what is being checked, rendered only when something is wrong. */
typedef struct vctx {
    vc_error *err;
    vc_arena *scratch;      /* parsed cpusets, while a document is checked */
    struct {
        const char *name;   /* ".cells", "host", or a whole prefix given by a caller */
        size_t index;       /* 1-based array position, 0 for none */
    } seg[32];
    size_t depth;
} vctx;

static size_t path_push(vctx *v, const char *name, size_t index)
{
    size_t saved = v->depth;
    if (v->depth < sizeof v->seg / sizeof v->seg[0]) {
        v->seg[v->depth].name = name;
        v->seg[v->depth].index = index;
    }
    v->depth++;
    return saved;
}

static void path_pop(vctx *v, size_t saved)
{
    v->depth = saved;
}

static void path_render(const vctx *v, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->depth && i < sizeof v->seg / sizeof v->seg[0] && len < size; i++) {
        int n = v->seg[i].index ? snprintf(out + len, size - len, "%s[%zu]", v->seg[i].name, v->seg[i].index)
                                : snprintf(out + len, size - len, "%s", v->seg[i].name);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

static int vfail(vctx *v, int line, const char *field, const char *fmt, ...) VC_PRINTF(4, 5);
static int vfail(vctx *v, int line, const char *field, const char *fmt, ...)
{
    char what[384], path[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    path_render(v, path, sizeof path);
    const char *sep = field && path[0] ? "." : "";
    if (line > 0)
        return vc_fail(v->err, VC_EINPUT, "line %d: %s%s%s: %s", line, path, sep, field ? field : "", what);
    return vc_fail(v->err, VC_EINPUT, "%s%s%s: %s", path, sep, field ? field : "", what);
}

static int need_str(vctx *v, int line, const char *field, const char *s)
{
    if (!s)
        return vfail(v, line, field, "missing");
    return 0;
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '+'))
            return false;
    }
    return true;
}

static int check_token(vctx *v, int line, const char *field, const char *s, bool required)
{
    if (!s)
        return required ? vfail(v, line, field, "missing") : 0;
    if (!is_token(s))
        return vfail(v, line, field, "invalid name '%s'", s);
    return 0;
}

static int check_enum(vctx *v, int line, const char *field, const char *s, bool required,
                      const char *const *allowed)
{
    if (!s)
        return required ? vfail(v, line, field, "missing") : 0;
    char list[256] = "";
    size_t used = 0;
    for (const char *const *a = allowed; *a; a++) {
        if (strcmp(s, *a) == 0)
            return 0;
        int n = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", *a);
        if (n > 0 && (size_t)n < sizeof list - used)
            used += (size_t)n;
    }
    return vfail(v, line, field, "expected one of %s, got '%s'", list, s);
}

static int check_uint(vctx *v, int line, const char *field, int64_t x, bool required, int64_t max)
{
    if (x == VC_UNSET)
        return required ? vfail(v, line, field, "missing") : 0;
    if (x < 0 || x > max)
        return vfail(v, line, field, "%lld is out of range (0 to %lld)", (long long)x, (long long)max);
    return 0;
}

#define U32 ((int64_t)UINT32_MAX)
#define I32 ((int64_t)INT32_MAX)
#define I64 INT64_MAX

static bool is_unit(const char *s)
{
    /* The schema's unit: b, bytes, k, KiB, KB, M, ... (case-insensitive) */
    size_t n = strlen(s);
    char c0 = (char)(s[0] | 0x20);
    if (c0 == 'b') {
        if (n == 1)
            return true;
        const char *rest = "ytes";
        for (size_t i = 1; i < n; i++)
            if (i - 1 >= 4 || (char)(s[i] | 0x20) != rest[i - 1])
                return false;
        return n == 4 || n == 5;
    }
    if (!strchr("kmgtpe", c0) || n > 3)
        return false;
    if (n == 1)
        return true;
    if (n == 2)
        return (s[1] | 0x20) == 'b';
    return (s[1] | 0x20) == 'i' && (s[2] | 0x20) == 'b';
}

static int check_unit(vctx *v, int line, const char *field, const char *s, bool required)
{
    if (!s)
        return required ? vfail(v, line, field, "missing") : 0;
    if (!*s || !is_unit(s))
        return vfail(v, line, field, "invalid unit '%s'", s);
    return 0;
}

/* The set is kept in out when it is given. */
static int check_cpuset(vctx *v, int line, const char *field, const char *s, bool required, vc_idset *out)
{
    if (!s)
        return required ? vfail(v, line, field, "missing") : 0;
    vc_idset set;
    vc_error e;
    if (vc_cpuset_parse(v->scratch, s, out ? out : &set, &e) < 0)
        return e.code == VC_ENOMEM ? vc_oom(v->err) : vfail(v, line, field, "%s", e.msg);
    return 0;
}

static bool is_uuid(const char *s)
{
    /* 32 hex digits, dashes allowed between groups as the schema allows */
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if ((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f'))
            digits++;
        else if (*p != '-' || p == s || p[1] == '\0')
            return false;
    }
    return digits == 32;
}

static const char *const phys_modes[] = {"passthrough", "emulate", NULL};
static const char *const policies[] = {"force", "require", "optional", "disable", "forbid", NULL};
static const char *const cpu_modes[] = {"custom", "host-model", "host-passthrough", "maximum", NULL};
static const char *const cpu_matches[] = {"minimum", "exact", "strict", NULL};
static const char *const cpu_checks[] = {"none", "partial", "full", NULL};
static const char *const fallbacks[] = {"allow", "forbid", NULL};
static const char *const on_off[] = {"on", "off", NULL};

static int validate_cpu(vctx *v, const vc_cpu *c, bool host)
{
    int ln = c->line;
    if (host && need_str(v, ln, "arch", c->arch) < 0)
        return -1;
    if (check_token(v, ln, "arch", c->arch, false) < 0 ||
        check_enum(v, ln, "mode", c->mode, false, cpu_modes) < 0 ||
        check_enum(v, ln, "match", c->match, false, cpu_matches) < 0 ||
        check_enum(v, ln, "check", c->check, false, cpu_checks) < 0 ||
        check_enum(v, ln, "migratable", c->migratable, false, on_off) < 0 ||
        check_enum(v, ln, "fallback", c->fallback, false, fallbacks) < 0)
        return -1;
    for (size_t i = 0; i < c->nlegacy_features; i++) {
        size_t s = path_push(v, ".legacy_features", i + 1);
        if (check_token(v, ln, NULL, c->legacy_features[i], true) < 0)
            return -1;
        path_pop(v, s);
    }
    if (c->model && !*c->model)
        return vfail(v, ln, "model", "empty");
    if (c->vendor && !*c->vendor)
        return vfail(v, ln, "vendor", "empty");
    if (check_uint(v, ln, "microcode.version", c->microcode, false, U32) < 0)
        return -1;
    if (c->has_signature &&
        (check_uint(v, ln, "signature.family", c->sig_family, true, U32) < 0 ||
         check_uint(v, ln, "signature.model", c->sig_model, true, U32) < 0 ||
         check_uint(v, ln, "signature.stepping", c->sig_stepping, true, U32) < 0))
        return -1;
    if (c->has_counter &&
        (check_token(v, ln, "counter.name", c->counter_name, true) < 0 ||
         check_uint(v, ln, "counter.frequency", c->counter_frequency, true, I64) < 0))
        return -1;
    if (c->has_topology &&
        (check_uint(v, ln, "topology.sockets", c->sockets, true, U32) < 0 ||
         check_uint(v, ln, "topology.dies", c->dies, false, U32) < 0 ||
         check_uint(v, ln, "topology.clusters", c->clusters, false, U32) < 0 ||
         check_uint(v, ln, "topology.cores", c->cores, true, U32) < 0 ||
         check_uint(v, ln, "topology.threads", c->threads, true, U32) < 0))
        return -1;
    if (c->has_maxphysaddr &&
        (check_enum(v, ln, "maxphysaddr.mode", c->addr_mode, true, phys_modes) < 0 ||
         check_uint(v, ln, "maxphysaddr.bits", c->addr_bits, false, 255) < 0 ||
         check_uint(v, ln, "maxphysaddr.limit", c->addr_limit, false, 255) < 0))
        return -1;
    for (size_t i = 0; i < c->nfeatures; i++) {
        size_t s = path_push(v, ".features", i + 1);
        if (check_token(v, ln, NULL, c->features[i].name, true) < 0 ||
            check_enum(v, ln, "policy", c->features[i].policy, false, policies) < 0)
            return -1;
        path_pop(v, s);
    }
    for (size_t i = 0; i < c->npages; i++) {
        size_t s = path_push(v, ".pages", i + 1);
        if (check_uint(v, ln, "size", c->pages[i].size, true, U32) < 0 ||
            check_unit(v, ln, "unit", c->pages[i].unit, false) < 0)
            return -1;
        path_pop(v, s);
    }
    return 0;
}

int vc_cpu_validate(const vc_cpu *cpu, const char *path, vc_error *err)
{
    vctx v = {.err = err};
    path_push(&v, path, 0);
    return validate_cpu(&v, cpu, false);
}

/* The siblings' set goes to siblings (empty without them). */
static int validate_cell_cpu(vctx *v, const vc_cell_cpu *c, vc_idset *siblings)
{
    int ln = c->line;
    memset(siblings, 0, sizeof *siblings);
    if (check_uint(v, ln, "id", c->id, true, I32) < 0 ||
        check_uint(v, ln, "socket_id", c->socket_id, false, I32) < 0 ||
        check_uint(v, ln, "die_id", c->die_id, false, I32) < 0 ||
        check_uint(v, ln, "cluster_id", c->cluster_id, false, I32) < 0 ||
        check_uint(v, ln, "core_id", c->core_id, false, I32) < 0 ||
        check_cpuset(v, ln, "siblings", c->siblings, false, siblings) < 0)
        return -1;
    bool any = c->socket_id != VC_UNSET || c->core_id != VC_UNSET || c->siblings ||
               c->die_id != VC_UNSET || c->cluster_id != VC_UNSET;
    if (any && (c->socket_id == VC_UNSET || c->core_id == VC_UNSET || !c->siblings))
        return vfail(v, ln, NULL, "socket_id, core_id and siblings go together");
    return 0;
}

static const char *const associativities[] = {"none", "direct", "full", NULL};
static const char *const cache_policies[] = {"none", "writeback", "writethrough", NULL};
static const char *const access_types[] = {"access", "read", "write", NULL};
static const char *const cache_types[] = {"both", "code", "data", NULL};

static int validate_numa_cache(vctx *v, const vc_numa_cache *c)
{
    int ln = c->line;
    if (check_uint(v, ln, "level", c->level, true, U32) < 0 ||
        check_enum(v, ln, "associativity", c->associativity, true, associativities) < 0 ||
        check_enum(v, ln, "policy", c->policy, true, cache_policies) < 0)
        return -1;
    if (!c->has_size)
        return vfail(v, ln, "size", "missing");
    if (check_uint(v, ln, "size.value", c->size.value, true, I64) < 0 ||
        check_unit(v, ln, "size.unit", c->size.unit, true) < 0)
        return -1;
    if (c->has_line && (check_uint(v, ln, "line.value", c->linesize.value, true, U32) < 0 ||
                        check_unit(v, ln, "line.unit", c->linesize.unit, true) < 0))
        return -1;
    return 0;
}

static int validate_interconnect(vctx *v, const vc_interconnect *ic, bool bandwidth)
{
    int ln = ic->line;
    if (check_uint(v, ln, "initiator", ic->initiator, true, U32) < 0 ||
        check_uint(v, ln, "target", ic->target, true, U32) < 0 ||
        check_uint(v, ln, "cache", ic->cache, false, U32) < 0 ||
        check_enum(v, ln, "type", ic->type, true, access_types) < 0 ||
        check_uint(v, ln, "value", ic->value, true, I64) < 0 ||
        check_unit(v, ln, "unit", ic->unit, bandwidth) < 0)
        return -1;
    if (!bandwidth && ic->unit)
        return vfail(v, ln, "unit", "latencies have no unit");
    return 0;
}

/* Sorted copy of ids; reports the first duplicate through *dup. */
static int find_duplicate(const int64_t *ids, size_t n, int64_t *dup, vc_error *err)
{
    if (n < 2)
        return 0;
    int64_t *s = malloc(n * sizeof *s);
    if (!s)
        return vc_oom(err);
    memcpy(s, ids, n * sizeof *s);
    qsort(s, n, sizeof *s, vc_cmp_i64);
    int found = 0;
    for (size_t i = 1; i < n && !found; i++)
        if (s[i] == s[i - 1]) {
            *dup = s[i];
            found = 1;
        }
    free(s);
    return found;
}

static bool sorted_has(const int64_t *ids, size_t n, int64_t x)
{
    return bsearch(&x, ids, n, sizeof *ids, vc_cmp_i64) != NULL;
}

static int validate_topology(vctx *v, const vc_topology *t)
{
    int rc = -1;
    size_t ncpus = 0;
    for (size_t i = 0; i < t->ncells; i++)
        ncpus += t->cells[i].ncpus;
    int64_t *cell_ids = malloc((t->ncells ? t->ncells : 1) * sizeof *cell_ids);
    int64_t *cpu_ids = malloc((ncpus ? ncpus : 1) * sizeof *cpu_ids);
    vc_idset *siblings = malloc((ncpus ? ncpus : 1) * sizeof *siblings);
    if (!cell_ids || !cpu_ids || !siblings) {
        vc_oom(v->err);
        goto out;
    }
    if (t->ncells == 0) {
        vfail(v, t->line, "cells", "at least one cell is required");
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        const vc_cell *c = &t->cells[i];
        size_t s = path_push(v, ".cells", i + 1);
        int ln = c->line;
        if (check_uint(v, ln, "id", c->id, true, I32) < 0)
            goto out;
        cell_ids[i] = c->id;
        if (c->has_memory && (check_uint(v, ln, "memory.value", c->memory.value, true, I64) < 0 ||
                              check_unit(v, ln, "memory.unit", c->memory.unit, false) < 0))
            goto out;
        for (size_t j = 0; j < c->npages; j++) {
            size_t s2 = path_push(v, ".pages", j + 1);
            if (check_uint(v, ln, "size", c->pages[j].size, true, U32) < 0 ||
                check_unit(v, ln, "unit", c->pages[j].unit, false) < 0 ||
                check_uint(v, ln, "count", c->pages[j].count, true, I64) < 0)
                goto out;
            path_pop(v, s2);
        }
        for (size_t j = 0; j < c->ndistances; j++) {
            size_t s2 = path_push(v, ".distances", j + 1);
            if (check_uint(v, ln, "id", c->distances[j].id, true, I32) < 0 ||
                check_uint(v, ln, "value", c->distances[j].value, true, 255) < 0)
                goto out;
            path_pop(v, s2);
        }
        for (size_t j = 0; j < c->ncaches; j++) {
            size_t s2 = path_push(v, ".caches", j + 1);
            if (validate_numa_cache(v, &c->caches[j]) < 0)
                goto out;
            path_pop(v, s2);
        }
        for (size_t j = 0; j < c->ncpus; j++) {
            size_t s2 = path_push(v, ".cpus", j + 1);
            if (validate_cell_cpu(v, &c->cpus[j], &siblings[k]) < 0)
                goto out;
            cpu_ids[k++] = c->cpus[j].id;
            path_pop(v, s2);
        }
        path_pop(v, s);
    }
    int64_t dup = 0;
    int d = find_duplicate(cell_ids, t->ncells, &dup, v->err);
    if (d < 0)
        goto out;
    if (d) {
        vfail(v, t->line, "cells", "cell id %lld appears twice", (long long)dup);
        goto out;
    }
    d = find_duplicate(cpu_ids, k, &dup, v->err);
    if (d < 0)
        goto out;
    if (d) {
        vfail(v, t->line, "cells", "cpu id %lld appears twice", (long long)dup);
        goto out;
    }
    qsort(cell_ids, t->ncells, sizeof *cell_ids, vc_cmp_i64);
    vc_idset cpus;
    if (vc_idset_from_ids(v->scratch, cpu_ids, k, &cpus) < 0) {
        vc_oom(v->err);
        goto out;
    }
    /* References must point at cells and CPUs the document has. */
    k = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        const vc_cell *c = &t->cells[i];
        for (size_t j = 0; j < c->ndistances; j++) {
            if (!sorted_has(cell_ids, t->ncells, c->distances[j].id)) {
                size_t s = path_push(v, ".cells", i + 1);
                path_push(v, ".distances", j + 1);
                vfail(v, c->line, "id", "no cell has id %lld", (long long)c->distances[j].id);
                path_pop(v, s);
                goto out;
            }
        }
        for (size_t j = 0; j < c->ncpus; j++, k++) {
            int64_t missing = vc_idset_missing(&siblings[k], &cpus);
            if (missing >= 0) {
                path_push(v, ".cells", i + 1);
                path_push(v, ".cpus", j + 1);
                vfail(v, c->cpus[j].line, "siblings", "CPU %lld is in no cell", (long long)missing);
                goto out;
            }
        }
    }
    for (size_t i = 0; i < t->nlatencies; i++) {
        size_t s = path_push(v, ".interconnects.latencies", i + 1);
        if (validate_interconnect(v, &t->latencies[i], false) < 0)
            goto out;
        path_pop(v, s);
    }
    for (size_t i = 0; i < t->nbandwidths; i++) {
        size_t s = path_push(v, ".interconnects.bandwidths", i + 1);
        if (validate_interconnect(v, &t->bandwidths[i], true) < 0)
            goto out;
        path_pop(v, s);
    }
    rc = 0;
out:
    free(cell_ids);
    free(cpu_ids);
    free(siblings);
    return rc;
}

static int validate_controls(vctx *v, const vc_control *ctl, size_t n, bool cache)
{
    for (size_t i = 0; i < n; i++) {
        size_t s = path_push(v, ".controls", i + 1);
        int ln = ctl[i].line;
        if (check_uint(v, ln, "granularity", ctl[i].granularity, true, I64) < 0 ||
            check_uint(v, ln, "min", ctl[i].min, false, I64) < 0 ||
            check_uint(v, ln, "maxAllocs", ctl[i].max_allocs, true, U32) < 0 ||
            check_unit(v, ln, "unit", ctl[i].unit, cache) < 0 ||
            check_enum(v, ln, "type", ctl[i].type, cache, cache_types) < 0)
            return -1;
        if (!cache && (ctl[i].unit || ctl[i].type))
            return vfail(v, ln, ctl[i].unit ? "unit" : "type", "memory bandwidth controls have none");
        path_pop(v, s);
    }
    return 0;
}

static int validate_monitor(vctx *v, const vc_monitor *m)
{
    if (!m)
        return 0;
    size_t s = path_push(v, ".monitor", 0);
    int ln = m->line;
    if (check_uint(v, ln, "maxMonitors", m->max_monitors, true, U32) < 0 ||
        check_uint(v, ln, "level", m->level, false, U32) < 0 ||
        check_uint(v, ln, "reuseThreshold", m->reuse_threshold, false, U32) < 0)
        return -1;
    if ((m->level == VC_UNSET) != (m->reuse_threshold == VC_UNSET))
        return vfail(v, ln, NULL, "level and reuseThreshold go together");
    for (size_t i = 0; i < m->nfeatures; i++) {
        size_t s2 = path_push(v, ".features", i + 1);
        if (check_token(v, ln, NULL, m->features[i], true) < 0)
            return -1;
        path_pop(v, s2);
    }
    path_pop(v, s);
    return 0;
}

static int validate_host(vctx *v, const vc_host *h)
{
    int ln = h->line;
    size_t s = path_push(v, "host", 0);
    if (h->uuid && !is_uuid(h->uuid))
        return vfail(v, ln, "uuid", "invalid UUID '%s'", h->uuid);
    if (!h->cpu)
        return vfail(v, ln, "cpu", "missing");
    size_t s2 = path_push(v, ".cpu", 0);
    if (validate_cpu(v, h->cpu, true) < 0)
        return -1;
    path_pop(v, s2);
    for (size_t i = 0; i < h->nuri_transports; i++) {
        s2 = path_push(v, ".migration_features.uri_transports", i + 1);
        if (check_token(v, ln, NULL, h->uri_transports[i], true) < 0)
            return -1;
        path_pop(v, s2);
    }
    if (h->netprefix && !*h->netprefix)
        return vfail(v, ln, "netprefix", "empty");
    if (h->topology) {
        s2 = path_push(v, ".topology", 0);
        if (validate_topology(v, h->topology) < 0)
            return -1;
        path_pop(v, s2);
    }
    if (h->cache) {
        for (size_t i = 0; i < h->cache->nbanks; i++) {
            const vc_bank *b = &h->cache->banks[i];
            s2 = path_push(v, ".cache.banks", i + 1);
            if (check_uint(v, b->line, "id", b->id, true, U32) < 0 ||
                check_uint(v, b->line, "level", b->level, true, U32) < 0 ||
                check_enum(v, b->line, "type", b->type, true, cache_types) < 0 ||
                check_uint(v, b->line, "size", b->size, true, I64) < 0 ||
                check_unit(v, b->line, "unit", b->unit, true) < 0 ||
                check_cpuset(v, b->line, "cpus", b->cpus, true, NULL) < 0 ||
                validate_controls(v, b->controls, b->ncontrols, true) < 0)
                return -1;
            path_pop(v, s2);
        }
        s2 = path_push(v, ".cache", 0);
        if (validate_monitor(v, h->cache->monitor) < 0)
            return -1;
        path_pop(v, s2);
    }
    if (h->memory_bandwidth) {
        for (size_t i = 0; i < h->memory_bandwidth->nnodes; i++) {
            const vc_membw_node *n = &h->memory_bandwidth->nodes[i];
            s2 = path_push(v, ".memory_bandwidth.nodes", i + 1);
            if (check_uint(v, n->line, "id", n->id, true, U32) < 0 ||
                check_cpuset(v, n->line, "cpus", n->cpus, true, NULL) < 0 ||
                validate_controls(v, n->controls, n->ncontrols, false) < 0)
                return -1;
            path_pop(v, s2);
        }
        s2 = path_push(v, ".memory_bandwidth", 0);
        if (validate_monitor(v, h->memory_bandwidth->monitor) < 0)
            return -1;
        path_pop(v, s2);
    }
    for (size_t i = 0; i < h->nsecmodels; i++) {
        const vc_secmodel *m = &h->secmodels[i];
        s2 = path_push(v, ".secmodels", i + 1);
        if (need_str(v, m->line, "model", m->model) < 0 || need_str(v, m->line, "doi", m->doi) < 0)
            return -1;
        for (size_t j = 0; j < m->nlabels; j++) {
            size_t s3 = path_push(v, ".baselabels", j + 1);
            if (need_str(v, m->line, "type", m->labels[j].type) < 0 ||
                need_str(v, m->line, "label", m->labels[j].label) < 0)
                return -1;
            path_pop(v, s3);
        }
        path_pop(v, s2);
    }
    path_pop(v, s);
    return 0;
}

static int check_path(vctx *v, int line, const char *field, const char *s)
{
    if (s && s[0] != '/')
        return vfail(v, line, field, "expected an absolute path, got '%s'", s);
    return 0;
}

static int validate_machines(vctx *v, const vc_machine *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t s = path_push(v, ".machines", i + 1);
        if (need_str(v, m[i].line, "name", m[i].name) < 0 ||
            (m[i].name && !*m[i].name && vfail(v, m[i].line, "name", "empty") < 0) ||
            check_uint(v, m[i].line, "maxCpus", m[i].max_cpus, false, I32) < 0 ||
            (m[i].canonical && !*m[i].canonical && vfail(v, m[i].line, "canonical", "empty") < 0))
            return -1;
        path_pop(v, s);
    }
    return 0;
}

static int validate_guest(vctx *v, const vc_guest *g)
{
    int ln = g->line;
    if (check_token(v, ln, "os_type", g->os_type, true) < 0)
        return -1;
    size_t s = path_push(v, ".arch", 0);
    if (check_token(v, ln, "name", g->arch, true) < 0)
        return -1;
    if (g->wordsize == VC_UNSET)
        return vfail(v, ln, "wordsize", "missing");
    if (g->wordsize != 31 && g->wordsize != 32 && g->wordsize != 64)
        return vfail(v, ln, "wordsize", "expected 31, 32 or 64, got %lld", (long long)g->wordsize);
    if (check_path(v, ln, "emulator", g->emulator) < 0 || check_path(v, ln, "loader", g->loader) < 0 ||
        validate_machines(v, g->machines, g->nmachines) < 0)
        return -1;
    if (g->ndomains == 0)
        return vfail(v, ln, "domains", "at least one domain is required");
    for (size_t i = 0; i < g->ndomains; i++) {
        const vc_domain *d = &g->domains[i];
        size_t s2 = path_push(v, ".domains", i + 1);
        if (check_token(v, d->line, "type", d->type, true) < 0 ||
            check_path(v, d->line, "emulator", d->emulator) < 0 ||
            check_path(v, d->line, "loader", d->loader) < 0 ||
            validate_machines(v, d->machines, d->nmachines) < 0)
            return -1;
        path_pop(v, s2);
    }
    path_pop(v, s);
    return 0;
}

static int validate_caps(vctx *v, const vc_caps *caps)
{
    if (caps->trailer && strspn(caps->trailer, "\n") != strlen(caps->trailer))
        return vfail(v, 0, "trailer", "only newlines may follow the document");
    if (validate_host(v, &caps->host) < 0)
        return -1;
    for (size_t i = 0; i < caps->nguests; i++) {
        size_t s = path_push(v, "guests", i + 1);
        if (validate_guest(v, &caps->guests[i]) < 0)
            return -1;
        path_pop(v, s);
    }
    return 0;
}

int vc_caps_validate(const vc_caps *caps, vc_error *err)
{
    vctx v = {.err = err, .scratch = vc_arena_new()};
    if (!v.scratch)
        return vc_oom(err);
    int rc = validate_caps(&v, caps);
    vc_arena_free(v.scratch);
    return rc;
}
