/* NUMA topology: cells from /sys/devices/system/node with memory, pages,
 * distances, memory-side caches and interconnects (HMAT), and each CPU's
 * place (topology.c); one fake cell when the host has no node directories,
 * as the reference makes it (from nodeinfo, cpu.c). */
#include "base/idset.h"
#include "host/host.h"
#include "model/model.h"

#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- cells ---- */

static int fill_cell_cpu(vc_hostctx *h, vc_cell_cpu *out, int64_t cpu)
{
    const vc_cpu_topo *t = vc_host_topo(h, cpu);
    if (!t)
        return -1;
    out->id = cpu;
    out->socket_id = out->die_id = out->cluster_id = out->core_id = VC_UNSET;
    /* A CPU whose topology files are garbage is listed by id only. */
    if (t->why)
        return 0;
    if (!(out->siblings = vc_strdup(h->caps->arena, t->siblings)))
        return -1;
    out->socket_id = t->socket;
    out->die_id = t->die;
    if (h->opts && h->opts->clusters)
        out->cluster_id = t->cluster;
    out->core_id = t->core;
    return 0;
}

/* nodeN/distance: the k-th number is the distance to the k-th node. */
static int read_distances(vc_hostctx *h, vc_cell *cell, const int64_t *nodes, size_t nnodes)
{
    char *text;
    int rc = vc_hread_text(h, VC_VALUE_MAX, &text, "/sys/devices/system/node/node%lld/distance", (long long)cell->id);
    if (rc == -2)
        return 0;
    if (rc < 0)
        return vc_hwarn(h, "%s: %s; no distances for cell %lld", h->last, h->why, (long long)cell->id);
    vc_distance *d = vc_array(h->caps->arena, nnodes ? nnodes : 1, sizeof *d);
    if (!d)
        return -1;
    size_t k = 0, n = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        uint64_t v;
        if (vc_parse_uint(p, (size_t)(e - p), 255, &v) < 0)
            return vc_hwarn(h, "%s: not a list of distances; no distances for cell %lld", h->last,
                            (long long)cell->id);
        if (k < nnodes && v) {
            d[n].id = nodes[k];
            d[n].value = (int64_t)v;
            n++;
        }
        k++;
        p = e;
    }
    cell->distances = d;
    cell->ndistances = n;
    cell->has_distances = n > 0;
    return 0;
}

static int cmp_cell_pages(const void *a, const void *b)
{
    int64_t x = ((const vc_cell_pages *)a)->size, y = ((const vc_cell_pages *)b)->size;
    return (x > y) - (x < y);
}

/* Memory and page counts. Huge pages come out of MemTotal; the system
 * page count is what is left, as the reference counts it. */
static int read_memory(vc_hostctx *h, vc_cell *cell)
{
    vc_arena *a = h->caps->arena;
    long long node = (long long)cell->id;
    char *text;
    uint64_t total;
    int rc = vc_hread_text(h, VC_LIST_MAX, &text, "/sys/devices/system/node/node%lld/meminfo", node);
    if (rc < 0)
        return vc_hwarn(h, "%s: %s; no memory or pages for cell %lld", h->last,
                        rc == -2 ? "No such file or directory" : h->why, node);
    if (vc_meminfo_kib(text, strlen(text), "MemTotal", &total) < 0 || total > (uint64_t)INT64_MAX / 1024)
        return vc_hwarn(h, "%s: no valid MemTotal line; no memory or pages for cell %lld", h->last, node);
    if (total > 0) {
        cell->has_memory = true;
        cell->memory.value = (int64_t)total;
        if (!(cell->memory.unit = vc_strdup(a, "KiB")))
            return -1;
    }
    vc_cell_pages *pages = NULL;
    size_t npages = 0;
    uint64_t huge_kib = 0;
    DIR *d;
    rc = vc_hopendir(h, &d, "/sys/devices/system/node/node%lld/hugepages", node);
    if (rc < 0)
        return vc_hwarn(h, "%s: %s; no pages for cell %lld", h->last, h->why, node);
    const char *name;
    while (rc > 0 && (name = vc_hreaddir(d)) != NULL) {
        uint64_t kib, count;
        if (strncmp(name, "hugepages-", 10) != 0)
            continue;
        if (vc_hugepage_kib(name, &kib) < 0) {
            closedir(d);
            return vc_hwarn(h, "/sys/devices/system/node/node%lld/hugepages/%s: not a page size; no pages for cell %lld",
                            node, name, node);
        }
        int r = vc_hread_uint(h, INT64_MAX, &count, "/sys/devices/system/node/node%lld/hugepages/%s/nr_hugepages",
                              node, name);
        if (r < 0) {
            closedir(d);
            return vc_hwarn(h, "%s: %s; no pages for cell %lld", h->last,
                            r == -2 ? "No such file or directory" : h->why, node);
        }
        vc_cell_pages *p = VC_PUSH(a, pages, npages);
        if (!p || !(p->unit = vc_strdup(a, "KiB"))) {
            closedir(d);
            return -1;
        }
        p->size = (int64_t)kib;
        p->count = (int64_t)count;
        if (count && kib > (UINT64_MAX - huge_kib) / count)
            huge_kib = UINT64_MAX;
        else
            huge_kib += kib * count;
    }
    if (rc > 0)
        closedir(d);
    long sys = sysconf(_SC_PAGESIZE);
    uint64_t page_kib = sys >= 1024 ? (uint64_t)sys / 1024 : 4;
    vc_cell_pages *p = VC_PUSH(a, pages, npages);
    if (!p || !(p->unit = vc_strdup(a, "KiB")))
        return -1;
    p->size = (int64_t)page_kib;
    p->count = (int64_t)((total > huge_kib ? total - huge_kib : 0) / page_kib);
    qsort(pages, npages, sizeof *pages, cmp_cell_pages);
    cell->pages = pages;
    cell->npages = npages;
    return 0;
}

static int cmp_numa_cache(const void *a, const void *b)
{
    int64_t x = ((const vc_numa_cache *)a)->level, y = ((const vc_numa_cache *)b)->level;
    return (x > y) - (x < y);
}

#define SIDE_CACHE_FILE "/sys/devices/system/node/node%lld/memory_side_cache/%s/%s"

/* nodeN/memory_side_cache/indexL: the HMAT memory-side caches. */
static int read_node_caches(vc_hostctx *h, vc_cell *cell)
{
    static const char *const indexing[] = {"direct", "full", "none"};
    static const char *const policy[] = {"writeback", "writethrough", "none"};
    vc_arena *a = h->caps->arena;
    long long node = (long long)cell->id;
    DIR *d;
    int rc = vc_hopendir(h, &d, "/sys/devices/system/node/node%lld/memory_side_cache", node);
    if (rc < 0)
        return vc_hwarn(h, "%s: %s; no memory-side caches for cell %lld", h->last, h->why, node);
    if (rc == 0)
        return 0;
    const char *name;
    while ((name = vc_hreaddir(d)) != NULL) {
        const char *rest;
        int64_t level = vc_name_number(name, "index", &rest);
        if (strncmp(name, "index", 5) != 0)
            continue;
        uint64_t size = 0, line = 0, idx = 0, pol = 0;
        int r = level < 0 || *rest ? -3 : 0;
        if (r == 0)
            r = vc_hread_uint(h, UINT64_MAX, &size, SIDE_CACHE_FILE, node, name, "size");
        if (r == 0)
            r = vc_hread_uint(h, UINT32_MAX, &line, SIDE_CACHE_FILE, node, name, "line_size");
        if (r == 0)
            r = vc_hread_uint(h, UINT32_MAX, &idx, SIDE_CACHE_FILE, node, name, "indexing");
        if (r == 0)
            r = vc_hread_uint(h, UINT32_MAX, &pol, SIDE_CACHE_FILE, node, name, "write_policy");
        if (r == 0 && (idx > 2 || pol > 2)) {
            snprintf(h->why, sizeof h->why, "unknown %s value %llu", idx > 2 ? "indexing" : "write_policy",
                     (unsigned long long)(idx > 2 ? idx : pol));
            r = -1;
        }
        if (r < 0) {
            int w = vc_hwarn(h, "%s: %s; cache left out of cell %lld", r == -3 ? name : h->last,
                             r == -3 ? "unable to parse" : r == -2 ? "No such file or directory" : h->why, node);
            if (w < 0) {
                closedir(d);
                return -1;
            }
            continue;
        }
        vc_numa_cache *c = VC_PUSH(a, cell->caches, cell->ncaches);
        if (!c) {
            closedir(d);
            return -1;
        }
        c->level = level;
        c->associativity = (char *)indexing[idx];
        c->policy = (char *)policy[pol];
        c->has_size = true;
        c->size.value = (int64_t)(size >> 10);
        c->size.unit = (char *)"KiB";
        if (line) {
            c->has_line = true;
            c->linesize.value = (int64_t)line;
            c->linesize.unit = (char *)"B";
        }
    }
    closedir(d);
    if (cell->ncaches > 1)
        qsort(cell->caches, cell->ncaches, sizeof *cell->caches, cmp_numa_cache);
    return 0;
}

static int cmp_interconnect(const void *a, const void *b)
{
    const vc_interconnect *x = a, *y = b;
    if (x->initiator != y->initiator)
        return (x->initiator > y->initiator) - (x->initiator < y->initiator);
    if (x->target != y->target)
        return (x->target > y->target) - (x->target < y->target);
    int tx = strcmp(x->type, "read") == 0 ? 0 : 1, ty = strcmp(y->type, "read") == 0 ? 0 : 1;
    if (tx != ty)
        return tx - ty;
    return (x->value > y->value) - (x->value < y->value);
}

static int push_ic(vc_arena *a, vc_topology *t, bool bandwidth, int64_t init, int64_t target, const char *type,
                   uint32_t value)
{
    vc_interconnect *ic = bandwidth ? VC_PUSH(a, t->bandwidths, t->nbandwidths) : VC_PUSH(a, t->latencies, t->nlatencies);
    if (!ic)
        return -1;
    ic->initiator = init;
    ic->target = target;
    ic->cache = VC_UNSET;
    ic->type = (char *)type;
    ic->value = value;
    ic->unit = bandwidth ? (char *)"KiB" : NULL;
    return 0;
}

/* nodeN/access1/initiators: the best path from CPUs to this node's memory. */
static int read_interconnects(vc_hostctx *h, vc_topology *t, int64_t node)
{
    if (!vc_hexists(h, "/sys/devices/system/node/node%lld/access1", (long long)node))
        return 0;
    static const char *const files[] = {"read_bandwidth", "write_bandwidth", "read_latency", "write_latency"};
    uint64_t v[4];
    for (int i = 0; i < 4; i++) {
        int r = vc_hread_uint(h, UINT32_MAX, &v[i], "/sys/devices/system/node/node%lld/access1/initiators/%s",
                              (long long)node, files[i]);
        if (r < 0)
            return vc_hwarn(h, "%s: %s; no interconnects to node %lld", h->last,
                            r == -2 ? "No such file or directory" : h->why, (long long)node);
    }
    DIR *d;
    int rc = vc_hopendir(h, &d, "/sys/devices/system/node/node%lld/access1/initiators", (long long)node);
    if (rc <= 0)
        return vc_hwarn(h, "%s: %s; no interconnects to node %lld", h->last, rc == 0 ? "No such file or directory" : h->why,
                        (long long)node);
    /* Bandwidths are in MiB/s; the reference shifts them into KiB in 32 bits. */
    uint32_t rbw = (uint32_t)(v[0] << 10), wbw = (uint32_t)(v[1] << 10);
    const char *name;
    while ((name = vc_hreaddir(d)) != NULL) {
        const char *rest;
        int64_t init = vc_name_number(name, "node", &rest);
        if (init < 0 || *rest)
            continue;
        if (push_ic(h->caps->arena, t, true, init, node, "read", rbw) < 0 ||
            push_ic(h->caps->arena, t, true, init, node, "write", wbw) < 0 ||
            push_ic(h->caps->arena, t, false, init, node, "read", (uint32_t)v[2]) < 0 ||
            push_ic(h->caps->arena, t, false, init, node, "write", (uint32_t)v[3]) < 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

/* The node's CPUs: cpulist, or the cpumap mask where there is no list. */
static int node_cpus(vc_hostctx *h, int64_t node, vc_idset *cpus)
{
    int rc = vc_hread_list(h, cpus, "/sys/devices/system/node/node%lld/cpulist", (long long)node);
    if (rc == -2)
        rc = vc_hread_mask(h, cpus, "/sys/devices/system/node/node%lld/cpumap", (long long)node);
    if (rc == -2) {
        snprintf(h->last, sizeof h->last, "/sys/devices/system/node/node%lld/cpulist", (long long)node);
        snprintf(h->why, sizeof h->why, "No such file or directory");
    }
    return rc;
}

/* A probe of a hostile tree must still give a valid document: a CPU in two
 * cells stays in the first, and siblings name only CPUs the cells have. */
static int make_consistent(vc_hostctx *h, vc_topology *t)
{
    size_t total = 0;
    for (size_t i = 0; i < t->ncells; i++)
        total += t->cells[i].ncpus;
    unsigned char *seen = calloc((size_t)VC_CPUSET_MAX / 8, 1);
    int64_t *ids = vc_alloc(h->scratch, (total + 1) * sizeof *ids);
    size_t nids = 0;
    int rc = -1;
    if (!seen || !ids)
        goto out;
    for (size_t i = 0; i < t->ncells; i++) {
        vc_cell *c = &t->cells[i];
        size_t kept = 0;
        for (size_t j = 0; j < c->ncpus; j++) {
            int64_t id = c->cpus[j].id;
            if ((seen[id >> 3] >> (id & 7)) & 1) {
                if (vc_hwarn(h, "CPU %lld is in more than one node; left out of cell %lld", (long long)id,
                             (long long)c->id) < 0)
                    goto out;
                continue;
            }
            seen[id >> 3] |= (unsigned char)(1u << (id & 7));
            ids[nids++] = id;
            c->cpus[kept++] = c->cpus[j];
        }
        c->ncpus = kept;
    }
    vc_idset cells;
    if (vc_idset_from_ids(h->scratch, ids, nids, &cells) < 0)
        goto out;
    for (size_t i = 0; i < t->ncells; i++) {
        vc_cell *c = &t->cells[i];
        for (size_t j = 0; j < c->ncpus; j++) {
            vc_cell_cpu *cpu = &c->cpus[j];
            const vc_idset *sib = cpu->siblings ? vc_host_topo_siblings(h, cpu->id) : NULL;
            if (!sib || vc_idset_missing(sib, &cells) < 0)
                continue;
            vc_idset s;
            if (vc_idset_intersect(h->scratch, sib, &cells, &s) < 0)
                goto out;
            int64_t self = cpu->id;
            if (s.n == 0 && vc_idset_from_ids(h->scratch, &self, 1, &s) < 0)
                goto out;
            if (vc_hwarn(h, "CPU %lld: siblings %s name CPUs in no cell; kept those in a cell", (long long)cpu->id,
                         cpu->siblings) < 0 ||
                !(cpu->siblings = vc_idset_format(h->caps->arena, &s)))
                goto out;
        }
    }
    rc = 0;
out:
    free(seen);
    return rc;
}

/* The reference's cells when there is no NUMA information: from nodeinfo,
 * CPUs numbered in order, online ones only. */
static int fake_cells(vc_hostctx *h, vc_topology *t)
{
    vc_nodeinfo ni;
    vc_error err;
    if (vc_host_nodeinfo(h, &ni, &err) < 0) {
        if (err.code == VC_ENOMEM)
            return -1;
        t->ncells = 0;
        return vc_hwarn(h, "no NUMA topology: %s", err.msg);
    }
    vc_arena *a = h->caps->arena;
    int64_t id = 0;
    bool clusters = h->opts && h->opts->clusters;
    for (int64_t n = 0; n < ni.nodes; n++) {
        vc_cell *cell = VC_PUSH(a, t->cells, t->ncells);
        if (!cell)
            return -1;
        cell->id = n;
        cell->has_cpus = true;
        if (ni.memory > 0) {
            cell->has_memory = true;
            cell->memory.value = ni.memory;
            if (!(cell->memory.unit = vc_strdup(a, "KiB")))
                return -1;
        }
        for (int64_t s = 0; s < ni.sockets; s++) {
            for (int64_t c = 0; c < ni.cores; c++) {
                vc_idset sib;
                int64_t *ids = vc_alloc(h->scratch, (size_t)ni.threads * sizeof *ids);
                if (!ids)
                    return -1;
                for (int64_t k = 0; k < ni.threads; k++)
                    ids[k] = id + k;
                char *sibs;
                if (vc_idset_from_ids(h->scratch, ids, (size_t)ni.threads, &sib) < 0 ||
                    !(sibs = vc_idset_format(a, &sib)))
                    return -1;
                for (int64_t k = 0; k < ni.threads; k++, id++) {
                    uint64_t online = 1;
                    int rc = vc_hread_uint(h, UINT32_MAX, &online, "/sys/devices/system/cpu/cpu%lld/online",
                                           (long long)id);
                    if (rc == -1 && vc_hwarn(h, "%s: %s; taken as online", h->last, h->why) < 0)
                        return -1;
                    if (rc == 0 && !online)
                        continue;
                    vc_cell_cpu *cpu = VC_PUSH(a, cell->cpus, cell->ncpus);
                    if (!cpu)
                        return -1;
                    cpu->id = id;
                    cpu->socket_id = s;
                    cpu->die_id = 0;
                    cpu->cluster_id = clusters ? 0 : VC_UNSET;
                    cpu->core_id = c;
                    cpu->siblings = sibs;
                }
            }
        }
    }
    return 0;
}

int vc_host_numa(vc_hostctx *h, vc_host *host)
{
    vc_arena *a = h->caps->arena;
    vc_topology *t = vc_alloc(a, sizeof *t);
    if (!t)
        return -1;
    int64_t *nodes = NULL;
    size_t nnodes = 0;
    DIR *d;
    int rc = vc_hopendir(h, &d, "/sys/devices/system/node");
    if (rc < 0 && vc_hwarn(h, "%s: %s; one cell with every CPU instead", h->last, h->why) < 0)
        return -1;
    if (rc > 0) {
        const char *name;
        while ((name = vc_hreaddir(d)) != NULL) {
            const char *rest;
            int64_t node = vc_name_number(name, "node", &rest);
            if (node < 0 && strncmp(name, "node", 4) == 0 && name[4] >= '0' && name[4] <= '9' &&
                vc_hwarn(h, "/sys/devices/system/node/%.40s: a node id above %lld; ignored", name,
                         (long long)VC_CPUSET_MAX - 1) < 0) {
                closedir(d);
                return -1;
            }
            if (node < 0 || *rest)
                continue;
            int64_t *slot = VC_PUSH(h->scratch, nodes, nnodes);
            if (!slot) {
                closedir(d);
                return -1;
            }
            *slot = node;
        }
        closedir(d);
    }
    if (nnodes > 1)
        qsort(nodes, nnodes, sizeof *nodes, vc_cmp_i64);
    for (size_t i = 0; i < nnodes; i++) {
        vc_idset cpus;
        int r = node_cpus(h, nodes[i], &cpus);
        if (r < 0) {
            if (vc_hwarn(h, "%s: %s; node %lld left out", h->last, h->why, (long long)nodes[i]) < 0)
                return -1;
            continue;
        }
        vc_cell *cell = VC_PUSH(a, t->cells, t->ncells);
        if (!cell)
            return -1;
        cell->id = nodes[i];
        cell->has_cpus = true;
        if (cpus.count && !(cell->cpus = vc_array(a, (size_t)cpus.count, sizeof *cell->cpus)))
            return -1;
        for (size_t r2 = 0; r2 < cpus.n; r2++)
            for (int64_t cpu = cpus.ranges[r2].first; cpu <= cpus.ranges[r2].last; cpu++)
                if (fill_cell_cpu(h, &cell->cpus[cell->ncpus++], cpu) < 0)
                    return -1;
        if (read_distances(h, cell, nodes, nnodes) < 0 || read_memory(h, cell) < 0 ||
            read_node_caches(h, cell) < 0)
            return -1;
    }
    if (t->ncells == 0) {
        if (fake_cells(h, t) < 0)
            return -1;
    } else {
        for (size_t i = 0; i < nnodes; i++)
            if (read_interconnects(h, t, nodes[i]) < 0)
                return -1;
        if (t->nlatencies > 1)
            qsort(t->latencies, t->nlatencies, sizeof *t->latencies, cmp_interconnect);
        if (t->nbandwidths > 1)
            qsort(t->bandwidths, t->nbandwidths, sizeof *t->bandwidths, cmp_interconnect);
        t->has_interconnects = t->nlatencies + t->nbandwidths > 0;
        if (make_consistent(h, t) < 0)
            return -1;
    }
    if (t->ncells)
        host->topology = t;
    return 0;
}
