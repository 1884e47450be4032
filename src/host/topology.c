/* Each CPU's place (socket, die, cluster, core, thread siblings) and the
 * present and online CPU lists, read once per probe: the host CPU (cpu.c)
 * and the NUMA cells (numa.c) both use them. */
#include "base/idset.h"
#include "host/host.h"

#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

typedef struct cpu_list cpu_list;
struct cpu_list {
    bool read;
    int rc;
    char last[4096], why[512];
    vc_idset set;
};

struct vc_topo {
    vc_cpu_topo *slots; /* heap, indexed by CPU id */
    size_t nslots;
    vc_idset *sibling_sets; /* parallel to slots: the siblings as a set */
    cpu_list present, online;
};

static struct vc_topo *topo_of(vc_hostctx *h)
{
    if (!h->topo)
        h->topo = vc_alloc(h->scratch, sizeof *h->topo);
    return h->topo;
}

void vc_topo_free(vc_topo *t)
{
    if (t) {
        free(t->slots);
        free(t->sibling_sets);
        t->slots = NULL;
        t->sibling_sets = NULL;
    }
}

static bool grow(struct vc_topo *t, int64_t cpu)
{
    if ((size_t)cpu < t->nslots)
        return true;
    size_t n = t->nslots ? t->nslots : 64;
    while (n <= (size_t)cpu)
        n *= 2;
    if (n > (size_t)VC_CPUSET_MAX)
        n = (size_t)VC_CPUSET_MAX;
    vc_cpu_topo *s = realloc(t->slots, n * sizeof *s);
    if (!s)
        return false;
    t->slots = s;
    vc_idset *ss = realloc(t->sibling_sets, n * sizeof *ss);
    if (!ss)
        return false;
    t->sibling_sets = ss;
    memset(s + t->nslots, 0, (n - t->nslots) * sizeof *s);
    memset(ss + t->nslots, 0, (n - t->nslots) * sizeof *ss);
    t->nslots = n;
    return true;
}

/* What went wrong with one file of a CPU's topology, for messages. */
static void note_bad(vc_hostctx *h, vc_cpu_topo *c)
{
    if (!c->why)
        c->why = vc_sprintf(h->scratch, "%s: %s", h->last, h->why);
}

/* A topology id: missing or negative (no such level) is 0, as for the reference. */
static int32_t read_topo_id(vc_hostctx *h, vc_cpu_topo *c, int64_t cpu, const char *file)
{
    int64_t v;
    int rc = vc_hread_int(h, &v, "/sys/devices/system/cpu/cpu%lld/topology/%s", (long long)cpu, file);
    if (rc == -2)
        return 0;
    if (rc < 0) {
        note_bad(h, c);
        return -1;
    }
    return v < 0 ? 0 : (int32_t)v;
}

const vc_cpu_topo *vc_host_topo(vc_hostctx *h, int64_t cpu)
{
    struct vc_topo *t = topo_of(h);
    if (!t || cpu < 0 || cpu >= VC_CPUSET_MAX || !grow(t, cpu))
        return NULL;
    vc_cpu_topo *c = &t->slots[cpu];
    if (c->read)
        return c;
    c->read = true;
    c->socket = read_topo_id(h, c, cpu, "physical_package_id");
    c->die = read_topo_id(h, c, cpu, "die_id");
    c->cluster = h->opts && h->opts->clusters ? read_topo_id(h, c, cpu, "cluster_id") : 0;
    uint64_t core;
    int rc = vc_hread_uint(h, INT32_MAX, &core, "/sys/devices/system/cpu/cpu%lld/topology/core_id", (long long)cpu);
    if (rc == -2) {
        c->core = 0;
    } else if (rc < 0) {
        c->core = -1;
        note_bad(h, c);
    } else {
        c->core = (int32_t)core;
    }
    vc_idset *sib = &t->sibling_sets[cpu];
    rc = vc_hread_list(h, sib, "/sys/devices/system/cpu/cpu%lld/topology/thread_siblings_list", (long long)cpu);
    if (rc == -2) {
        /* A thread is its own only sibling. */
        int64_t self = cpu;
        if (vc_idset_from_ids(h->scratch, &self, 1, sib) < 0)
            return NULL;
    } else if (rc < 0) {
        memset(sib, 0, sizeof *sib);
        note_bad(h, c);
    } else if (sib->count == 0) {
        snprintf(h->why, sizeof h->why, "an empty list");
        note_bad(h, c);
    }
    if (sib->count > 0) {
        c->nsiblings = sib->count;
        if (!(c->siblings = vc_idset_format(h->scratch, sib)))
            return NULL;
    }
    if (c->why && vc_hwarn(h, "CPU %lld: %s; its topology is left out", (long long)cpu, c->why) < 0)
        return NULL;
    return c;
}

const vc_idset *vc_host_topo_siblings(vc_hostctx *h, int64_t cpu)
{
    if (!h->topo || cpu < 0 || (size_t)cpu >= h->topo->nslots)
        return NULL;
    return &h->topo->sibling_sets[cpu];
}

/* cpu/present or cpu/online, read once; the outcome is kept for messages. */
int vc_host_cpu_list(vc_hostctx *h, bool online, const vc_idset **out)
{
    struct vc_topo *t = topo_of(h);
    if (!t) {
        snprintf(h->why, sizeof h->why, "out of memory");
        return -1;
    }
    cpu_list *l = online ? &t->online : &t->present;
    if (!l->read) {
        l->read = true;
        l->rc = vc_hread_list(h, &l->set, "/sys/devices/system/cpu/%s", online ? "online" : "present");
        if (l->rc == -2)
            snprintf(h->why, sizeof h->why, "No such file or directory");
        snprintf(l->last, sizeof l->last, "%s", h->last);
        snprintf(l->why, sizeof l->why, "%s", h->why);
    }
    if (l->rc < 0) {
        snprintf(h->last, sizeof h->last, "%s", l->last);
        snprintf(h->why, sizeof h->why, "%s", l->why);
        return -1;
    }
    *out = &l->set;
    return 0;
}
