/* CPU caches: the banks of level 3 and up from cpuN/cache, with the
 * allocation controls and monitors resctrl offers (/sys/fs/resctrl), and
 * memory bandwidth allocation per last-level cache, as the reference
 * (virCapabilitiesInitCaches, virresctrl.c) reports them. */
#include "base/idset.h"
#include "host/host.h"
#include "model/model.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* The reference shows caches from this level up. */
#define MIN_LEVEL 3
/* resctrl names its cache resources L<level>[CODE|DATA]; levels above this are ignored. */
#define MAX_LEVEL 16

enum { BOTH, CODE, DATA, NTYPES };
static const char *const type_names[NTYPES] = {"both", "code", "data"};

typedef struct rc_type {
    bool present;
    uint64_t max_alloc, bits, min_cbm_bits;
    uint64_t size; /* of the first bank seen: resctrl assumes one size per level */
    uint64_t granularity, min;
} rc_type;

typedef struct resctrl {
    bool any;
    rc_type types[MAX_LEVEL + 1][NTYPES];
    bool membw;
    uint64_t bw_gran, bw_min, bw_max_alloc;
    uint64_t last_level;
    bool monitor;
    uint64_t max_monitor, reuse;
    char **features;
    size_t nfeatures;
} resctrl;

static const char *const RC = "/sys/fs/resctrl/info";
/* Out of memory, apart from the -1 (unreadable) and -2 (missing) of reads. */
#define OOM (-3)

static int read_membw(vc_hostctx *h, resctrl *r)
{
    int rc = vc_hread_uint(h, UINT32_MAX, &r->bw_gran, "%s/MB/bandwidth_gran", RC);
    if (rc == -2)
        return 0;
    if (rc == 0)
        rc = vc_hread_uint(h, UINT32_MAX, &r->bw_min, "%s/MB/min_bandwidth", RC);
    if (rc == 0)
        rc = vc_hread_uint(h, UINT32_MAX, &r->bw_max_alloc, "%s/MB/num_closids", RC);
    if (rc == -2)
        snprintf(h->why, sizeof h->why, "No such file or directory");
    if (rc < 0)
        return -1;
    r->membw = true;
    r->any = true;
    return 0;
}

static int read_cache_info(vc_hostctx *h, resctrl *r, const char *name)
{
    const char *rest;
    int64_t level = vc_name_number(name, "L", &rest);
    int type = strcmp(rest, "") == 0 ? BOTH : strcmp(rest, "CODE") == 0 ? CODE : strcmp(rest, "DATA") == 0 ? DATA : -1;
    if (level < 0 || type < 0)
        return 0; /* L3_MON and the like */
    if (level > MAX_LEVEL)
        return vc_hwarn(h, "%s/%s: cache level %lld is beyond %d; ignored", RC, name, (long long)level, MAX_LEVEL) < 0
                   ? OOM
                   : 0;
    rc_type *t = &r->types[level][type];
    if (t->present) {
        snprintf(h->last, sizeof h->last, "%s/%s", RC, name);
        snprintf(h->why, sizeof h->why, "duplicate cache type for level %lld", (long long)level);
        return -1;
    }
    int rc = vc_hread_uint(h, UINT32_MAX, &t->max_alloc, "%s/%s/num_closids", RC, name);
    if (rc == -2)
        t->max_alloc = 0;
    else if (rc < 0)
        return -1;
    vc_idset mask;
    if ((rc = vc_hread_mask(h, &mask, "%s/%s/cbm_mask", RC, name)) == 0)
        rc = vc_hread_uint(h, UINT32_MAX, &t->min_cbm_bits, "%s/%s/min_cbm_bits", RC, name);
    if (rc == -2)
        snprintf(h->why, sizeof h->why, "No such file or directory");
    if (rc < 0)
        return -1;
    if (mask.count == 0) {
        snprintf(h->last, sizeof h->last, "%s/%s/cbm_mask", RC, name);
        snprintf(h->why, sizeof h->why, "an empty mask");
        return -1;
    }
    t->bits = (uint64_t)mask.count;
    t->present = true;
    r->any = true;
    return 0;
}

static int read_monitor(vc_hostctx *h, resctrl *r)
{
    int rc = vc_hread_uint(h, UINT32_MAX, &r->max_monitor, "%s/L3_MON/num_rmids", RC);
    if (rc == -2)
        return 0;
    if (rc < 0)
        return -1;
    rc = vc_hread_uint(h, UINT32_MAX, &r->reuse, "%s/L3_MON/max_threshold_occupancy", RC);
    if (rc == -2)
        r->reuse = 0;
    else if (rc < 0)
        return -1;
    char *text;
    rc = vc_hread_text(h, VC_VALUE_MAX, &text, "%s/L3_MON/mon_features", RC);
    if (rc == -2)
        snprintf(h->why, sizeof h->why, "No such file or directory");
    if (rc < 0)
        return -1;
    if (!*text) {
        snprintf(h->why, sizeof h->why, "an empty feature list");
        return -1;
    }
    for (char *p = text; p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        bool token = *p != '\0';
        for (const char *q = p; *q && token; q++)
            token = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_' ||
                    *q == '-' || *q == '.';
        if (token) {
            char **slot = VC_PUSH(h->scratch, r->features, r->nfeatures);
            if (!slot)
                return OOM;
            *slot = p;
        } else if (*p && vc_hwarn(h, "%s/L3_MON/mon_features: an odd feature name; ignored", RC) < 0) {
            return OOM;
        }
        p = nl ? nl + 1 : NULL;
    }
    r->monitor = true;
    r->any = true;
    return 0;
}

/* virResctrlGetInfo. 0 with what was found (nothing when resctrl is not
 * mounted); -1 on OOM. A broken resctrl is warned about and ignored. */
static int read_resctrl(vc_hostctx *h, resctrl *r)
{
    memset(r, 0, sizeof *r);
    DIR *d;
    int rc = vc_hopendir(h, &d, "%s", RC);
    if (rc == 0)
        return 0;
    if (rc > 0) {
        rc = read_membw(h, r);
        const char *name;
        while (rc == 0 && (name = vc_hreaddir(d)) != NULL)
            if (name[0] == 'L')
                rc = read_cache_info(h, r, name);
        closedir(d);
        if (rc == 0)
            rc = read_monitor(h, r);
    }
    if (rc == OOM)
        return -1;
    if (rc < 0) {
        memset(r, 0, sizeof *r);
        return vc_hwarn(h, "%s: %s; resource control left out", h->last, h->why);
    }
    return 0;
}

/* ---- formatting sizes as the reference does ---- */

/* v in its largest whole unit; *scale (when given) is that unit in bytes. */
static uint64_t pretty(uint64_t v, const char **unit, uint64_t *scale)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t i = 0;
    uint64_t s = 1;
    while (v && i + 1 < sizeof units / sizeof units[0] && v % 1024 == 0) {
        v /= 1024;
        s *= 1024;
        i++;
    }
    *unit = units[i];
    if (scale)
        *scale = s;
    return v;
}

static int add_control(vc_hostctx *h, vc_bank *bank, const rc_type *t, int type)
{
    vc_control *c = VC_PUSH(h->caps->arena, bank->controls, bank->ncontrols);
    if (!c)
        return -1;
    const char *unit, *min_unit;
    uint64_t gran_div, min_div;
    uint64_t gran = pretty(t->granularity, &unit, &gran_div), min = pretty(t->min, &min_unit, &min_div);
    /* Granularity and minimum share the smaller of their units. */
    if (min) {
        if (min_div > gran_div) {
            min *= min_div / gran_div;
        } else if (min_div < gran_div) {
            unit = min_unit;
            gran *= gran_div / min_div;
        }
    }
    c->granularity = (int64_t)gran;
    c->min = min ? (int64_t)min : VC_UNSET;
    c->unit = (char *)unit;
    c->type = (char *)type_names[type];
    c->max_allocs = (int64_t)t->max_alloc;
    return 0;
}

/* virResctrlInfoGetCache: the controls of a newly seen bank. */
static int bank_controls(vc_hostctx *h, resctrl *r, vc_bank *bank, uint64_t size)
{
    if (!r->any)
        return 0;
    if (r->membw && (uint64_t)bank->level > r->last_level)
        r->last_level = (uint64_t)bank->level;
    if (bank->level > MAX_LEVEL)
        return 0;
    for (int type = 0; type < NTYPES; type++) {
        rc_type *t = &r->types[bank->level][type];
        if (!t->present)
            continue;
        if (!t->size) {
            t->size = size;
            t->granularity = size / t->bits;
            t->min = t->min_cbm_bits != 1 ? t->min_cbm_bits * t->granularity : 0;
        } else if (t->size != size) {
            bank->ncontrols = 0;
            return vc_hwarn(h, "level %lld cache size %llu does not match expected size %llu; bank %lld has no "
                               "controls",
                            (long long)bank->level, (unsigned long long)size, (unsigned long long)t->size,
                            (long long)bank->id);
        }
        if (add_control(h, bank, t, type) < 0)
            return -1;
    }
    return 0;
}

static int monitor(vc_hostctx *h, const resctrl *r, const char *prefix, bool cache, vc_monitor **out)
{
    *out = NULL;
    if (!r->monitor)
        return 0;
    vc_arena *a = h->caps->arena;
    vc_monitor *m = vc_alloc(a, sizeof *m);
    if (!m)
        return -1;
    m->level = cache ? MIN_LEVEL : VC_UNSET;
    m->reuse_threshold = cache ? (int64_t)r->reuse : VC_UNSET;
    m->max_monitors = (int64_t)r->max_monitor;
    for (size_t i = 0; i < r->nfeatures; i++) {
        if (strncmp(r->features[i], prefix, strlen(prefix)) != 0)
            continue;
        char **slot = VC_PUSH(a, m->features, m->nfeatures);
        if (!slot || !(*slot = vc_strdup(a, r->features[i])))
            return -1;
    }
    if (m->nfeatures)
        *out = m;
    return 0;
}

static int cmp_bank(const void *a, const void *b)
{
    const vc_bank *x = a, *y = b;
    if (x->level != y->level)
        return (x->level > y->level) - (x->level < y->level);
    return (x->id > y->id) - (x->id < y->id);
}

typedef struct bank_key {
    int64_t id, level;
    int type;
    uint64_t size;
    const char *cpus;
} bank_key;

/* One cache/indexN of one CPU: 1 a bank of interest, 0 not, -1 OOM. */
#define INDEX_FILE "/sys/devices/system/cpu/cpu%lld/cache/%s/%s"

static int read_index(vc_hostctx *h, int64_t cpu, const char *index, bank_key *k)
{
    static const char *const kernel_types[NTYPES] = {"Unified", "Instruction", "Data"};
    uint64_t level = 0, id = 0;
    char *type;
    vc_idset cpus;
    int rc = vc_hread_uint(h, UINT32_MAX, &level, INDEX_FILE, (long long)cpu, index, "level");
    if (rc == 0 && level < MIN_LEVEL)
        return 0;
    if (rc == 0)
        rc = vc_hread_uint(h, UINT32_MAX, &id, INDEX_FILE, (long long)cpu, index, "id");
    if (rc == 0)
        rc = vc_hread_text(h, VC_VALUE_MAX, &type, INDEX_FILE, (long long)cpu, index, "type");
    k->type = -1;
    for (int i = 0; rc == 0 && i < NTYPES; i++)
        if (strcmp(type, kernel_types[i]) == 0)
            k->type = i;
    if (rc == 0 && k->type < 0) {
        snprintf(h->why, sizeof h->why, "unknown cache type '%.40s'", type);
        rc = -1;
    }
    if (rc == 0)
        rc = vc_hread_scaled(h, &k->size, INDEX_FILE, (long long)cpu, index, "size");
    if (rc == 0)
        rc = vc_hread_list(h, &cpus, INDEX_FILE, (long long)cpu, index, "shared_cpu_list");
    if (rc == 0 && cpus.count == 0) {
        snprintf(h->why, sizeof h->why, "an empty list");
        rc = -1;
    }
    if (rc != 0)
        return vc_hwarn(h, "%s: %s; that cache is left out", h->last,
                        rc == -2 ? "No such file or directory" : h->why) < 0 ? -1 : 0;
    k->id = (int64_t)id;
    k->level = (int64_t)level;
    if (!(k->cpus = vc_idset_format(h->caps->arena, &cpus)))
        return -1;
    return 1;
}

int vc_host_caches(vc_hostctx *h, vc_host *host)
{
    vc_arena *a = h->caps->arena;
    resctrl r;
    if (read_resctrl(h, &r) < 0)
        return -1;
    const vc_idset *online;
    /* Offline CPUs have no cache information. */
    if (vc_host_cpu_list(h, true, &online) < 0)
        return vc_hwarn(h, "%s: %s; no caches", h->last, h->why);
    vc_bank *banks = NULL;
    size_t nbanks = 0;
    uint64_t *sizes = NULL; /* in bytes, parallel to banks */
    size_t nsizes = 0;
    for (size_t ri = 0; ri < online->n; ri++) {
        for (int64_t cpu = online->ranges[ri].first; cpu <= online->ranges[ri].last; cpu++) {
            DIR *d;
            int rc = vc_hopendir(h, &d, "/sys/devices/system/cpu/cpu%lld/cache", (long long)cpu);
            if (rc < 0 && vc_hwarn(h, "%s: %s; caches of CPU %lld left out", h->last, h->why, (long long)cpu) < 0)
                return -1;
            if (rc <= 0)
                continue;
            const char *name;
            while ((name = vc_hreaddir(d)) != NULL) {
                bank_key k;
                if (strncmp(name, "index", 5) != 0)
                    continue;
                int got = read_index(h, cpu, name, &k);
                if (got < 0) {
                    closedir(d);
                    return -1;
                }
                if (got == 0)
                    continue;
                bool seen = false;
                for (size_t i = 0; i < nbanks && !seen; i++)
                    seen = banks[i].id == k.id && banks[i].level == k.level && strcmp(banks[i].type, type_names[k.type]) == 0 &&
                           sizes[i] == k.size && strcmp(banks[i].cpus, k.cpus) == 0;
                if (seen)
                    continue;
                vc_bank *b = VC_PUSH(a, banks, nbanks);
                uint64_t *sz = VC_PUSH(h->scratch, sizes, nsizes);
                if (!b || !sz) {
                    closedir(d);
                    return -1;
                }
                *sz = k.size;
                b->id = k.id;
                b->level = k.level;
                b->type = (char *)type_names[k.type];
                const char *unit;
                b->size = (int64_t)pretty(k.size, &unit, NULL);
                b->unit = (char *)unit;
                b->cpus = (char *)k.cpus;
                if (bank_controls(h, &r, b, k.size) < 0) {
                    closedir(d);
                    return -1;
                }
            }
            closedir(d);
        }
    }
    if (nbanks > 1)
        qsort(banks, nbanks, sizeof *banks, cmp_bank);
    vc_monitor *cache_mon, *bw_mon;
    if (monitor(h, &r, "llc_", true, &cache_mon) < 0 || monitor(h, &r, "mbm_", false, &bw_mon) < 0)
        return -1;
    if (nbanks || cache_mon) {
        if (!(host->cache = vc_alloc(a, sizeof *host->cache)))
            return -1;
        host->cache->banks = banks;
        host->cache->nbanks = nbanks;
        host->cache->monitor = cache_mon;
    }
    vc_membw *bw = vc_alloc(a, sizeof *bw);
    if (!bw)
        return -1;
    for (size_t i = 0; r.membw && i < nbanks; i++) {
        if ((uint64_t)banks[i].level != r.last_level)
            continue;
        vc_membw_node *n = VC_PUSH(a, bw->nodes, bw->nnodes);
        if (!n || !(n->controls = vc_alloc(a, sizeof *n->controls)))
            return -1;
        n->id = banks[i].id;
        n->cpus = banks[i].cpus;
        n->ncontrols = 1;
        n->controls->granularity = (int64_t)r.bw_gran;
        n->controls->min = (int64_t)r.bw_min;
        n->controls->max_allocs = (int64_t)r.bw_max_alloc;
    }
    bw->monitor = bw_mon;
    if (bw->nnodes || bw_mon)
        host->memory_bandwidth = bw;
    return 0;
}
