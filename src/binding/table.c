/* The model as plain Lua tables, both ways. Element and attribute names are
 * keys, repeated elements are arrays under the plural key, integers are Lua
 * integers, yes/no and on/off are booleans, presence-only elements are true. */
#include "model/model.h"
#include "vc_lua.h"

#include <string.h>

/* ==== model -> tables ==== */

/* Every key the pushers set. They are interned once per push and kept on
 * the stack: lua_setfield would look each one up again for every table. */
#define KEYS(X)                                                                                                        \
    X(arch) X(associativity) X(bandwidths) X(banks) X(baselabels) X(bits) X(cache) X(caches) X(canonical) X(cells)     \
    X(check) X(cluster_id) X(clusters) X(controls) X(core_id) X(cores) X(count) X(counter) X(cpu) X(cpus)              \
    X(deprecated) X(die_id) X(dies) X(distances) X(doi) X(domains) X(emulator) X(fallback) X(family) X(features)       \
    X(frequency) X(granularity) X(guests) X(host) X(id) X(initiator) X(interconnects) X(iommu) X(label) X(latencies)   \
    X(legacy_features) X(level) X(limit) X(line) X(live) X(loader) X(machines) X(match) X(maxAllocs) X(maxCpus)        \
    X(maxMonitors) X(maxphysaddr) X(memory) X(memory_bandwidth) X(microcode) X(migratable) X(migration_features)       \
    X(min) X(mode) X(model) X(monitor) X(name) X(netprefix) X(nodes) X(os_type) X(pages) X(policy)                     \
    X(power_management) X(reuseThreshold) X(scaling) X(secmodels) X(siblings) X(signature) X(size) X(socket_id)        \
    X(sockets) X(stepping) X(support) X(suspend_disk) X(suspend_hybrid) X(suspend_mem) X(target) X(threads)            \
    X(topology) X(trailer) X(type) X(unit) X(uri_transports) X(uuid) X(value) X(vendor) X(vendor_id) X(version)        \
    X(warnings) X(wordsize) X(default) X(toggle)

enum key {
#define KEY_ID(k) K_##k,
    KEYS(KEY_ID)
#undef KEY_ID
    NKEYS
};

static const char *const key_names[NKEYS] = {
#define KEY_NAME(k) #k,
    KEYS(KEY_NAME)
#undef KEY_NAME
};

/* The metatables virtcaps registers (vc_lua_set_metatables), in this order. */
static const char *const meta_names[] = {"caps", "host", "cpu", "cell", "cell_cpu", "guests", "guest", "machine",
                                         "domain", NULL};
enum meta { M_CAPS, M_HOST, M_CPU, M_CELL, M_CELL_CPU, M_GUESTS, M_GUEST, M_MACHINE, M_DOMAIN, NMETAS };

#define VC_METATABLES_KEY "virtcaps.metatables"

typedef struct pusher {
    lua_State *L;
    int base;       /* the keys start here, the metatables follow */
    bool metas;     /* metatables registered */
} pusher;

/* Pushes the keys (and the metatables, when wanted and registered). */
static void pusher_open(pusher *p, lua_State *L, bool metas)
{
    p->L = L;
    vc_lua_need_stack(L, NKEYS + NMETAS + 40);
    p->base = lua_gettop(L) + 1;
    for (int k = 0; k < NKEYS; k++)
        lua_pushstring(L, key_names[k]);
    p->metas = false;
    if (!metas)
        return;
    if (lua_getfield(L, LUA_REGISTRYINDEX, VC_METATABLES_KEY) == LUA_TTABLE) {
        int t = lua_gettop(L);
        for (int m = 0; m < NMETAS; m++)
            lua_getfield(L, t, meta_names[m]);
        lua_remove(L, t);
        p->metas = true;
    } else {
        lua_pop(L, 1);
    }
}

/* Leaves only the table on the top where the keys began. */
static void pusher_close(const pusher *p)
{
    lua_replace(p->L, p->base);
    lua_settop(p->L, p->base);
}

static void key(const pusher *p, enum key k)
{
    lua_pushvalue(p->L, p->base + k);
}

/* t[k] = the value on the top, t the table below the key and the value. */
#define SET(p) lua_rawset((p)->L, -3)

static void meta(const pusher *p, enum meta m)
{
    int idx = p->base + NKEYS + m;
    if (p->metas && lua_istable(p->L, idx)) {
        lua_pushvalue(p->L, idx);
        lua_setmetatable(p->L, -2);
    }
}

/* Setters into the table on the top; absent values (NULL, VC_UNSET,
 * VC_UNSET_B, false) are left out. */
/* lua_pushstring would first look the pointer up in Lua's cache of C
 * strings (keyed by address), which these never hit. */
static void pushs(lua_State *L, const char *s)
{
    lua_pushlstring(L, s, strlen(s));
}

static void pstr(const pusher *p, enum key k, const char *v)
{
    if (v) {
        key(p, k);
        pushs(p->L, v);
        SET(p);
    }
}

static void pint(const pusher *p, enum key k, int64_t v)
{
    if (v != VC_UNSET) {
        key(p, k);
        lua_pushinteger(p->L, (lua_Integer)v);
        SET(p);
    }
}

static void pbool(const pusher *p, enum key k, int8_t v)
{
    if (v != VC_UNSET_B) {
        key(p, k);
        lua_pushboolean(p->L, v);
        SET(p);
    }
}

static void ptrue(const pusher *p, enum key k, bool v)
{
    if (v) {
        key(p, k);
        lua_pushboolean(p->L, 1);
        SET(p);
    }
}

static void pstrings(const pusher *p, enum key k, char *const *list, size_t n, bool always)
{
    if (n || always) {
        key(p, k);
        lua_createtable(p->L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
            pushs(p->L, list[i]);
            lua_rawseti(p->L, -2, (lua_Integer)i + 1);
        }
        SET(p);
    }
}

/* The k = {} table the next setters fill; SET(p) stores it. */
static void ptable(const pusher *p, enum key k, int narr, int nrec)
{
    key(p, k);
    lua_createtable(p->L, narr, nrec);
}

static void push_scaled(const pusher *p, enum key k, const vc_scaled *s)
{
    ptable(p, k, 0, 2);
    pint(p, K_value, s->value);
    pstr(p, K_unit, s->unit);
    SET(p);
}

static void push_cpu(const pusher *p, const vc_cpu *c)
{
    lua_State *L = p->L;
    lua_createtable(L, 0, 12);
    pstr(p, K_mode, c->mode);
    pstr(p, K_match, c->match);
    pstr(p, K_check, c->check);
    pstr(p, K_migratable, c->migratable);
    pstr(p, K_arch, c->arch);
    pstrings(p, K_legacy_features, c->legacy_features, c->nlegacy_features, false);
    pstr(p, K_model, c->model);
    pstr(p, K_fallback, c->fallback);
    pstr(p, K_vendor_id, c->vendor_id);
    pstr(p, K_vendor, c->vendor);
    if (c->microcode != VC_UNSET) {
        ptable(p, K_microcode, 0, 1);
        pint(p, K_version, c->microcode);
        SET(p);
    }
    if (c->has_signature) {
        ptable(p, K_signature, 0, 3);
        pint(p, K_family, c->sig_family);
        pint(p, K_model, c->sig_model);
        pint(p, K_stepping, c->sig_stepping);
        SET(p);
    }
    if (c->has_counter) {
        ptable(p, K_counter, 0, 3);
        pstr(p, K_name, c->counter_name);
        pint(p, K_frequency, c->counter_frequency);
        pbool(p, K_scaling, c->counter_scaling);
        SET(p);
    }
    if (c->has_topology) {
        ptable(p, K_topology, 0, 5);
        pint(p, K_sockets, c->sockets);
        pint(p, K_dies, c->dies);
        pint(p, K_clusters, c->clusters);
        pint(p, K_cores, c->cores);
        pint(p, K_threads, c->threads);
        SET(p);
    }
    if (c->has_maxphysaddr) {
        ptable(p, K_maxphysaddr, 0, 3);
        pstr(p, K_mode, c->addr_mode);
        pint(p, K_bits, c->addr_bits);
        pint(p, K_limit, c->addr_limit);
        SET(p);
    }
    ptable(p, K_features, (int)c->nfeatures, 0);
    for (size_t i = 0; i < c->nfeatures; i++) {
        if (c->features[i].policy) {
            lua_createtable(L, 0, 2);
            pstr(p, K_name, c->features[i].name);
            pstr(p, K_policy, c->features[i].policy);
        } else {
            pushs(L, c->features[i].name);
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    SET(p);
    if (c->npages) {
        ptable(p, K_pages, (int)c->npages, 0);
        for (size_t i = 0; i < c->npages; i++) {
            lua_createtable(L, 0, 2);
            pstr(p, K_unit, c->pages[i].unit);
            pint(p, K_size, c->pages[i].size);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        SET(p);
    }
}

void vc_push_cpu(lua_State *L, const vc_cpu *c)
{
    pusher p;
    pusher_open(&p, L, false);
    push_cpu(&p, c);
    pusher_close(&p);
}

static void push_cell(const pusher *p, const vc_cell *c)
{
    lua_State *L = p->L;
    lua_createtable(L, 0, 6);
    pint(p, K_id, c->id);
    if (c->has_memory)
        push_scaled(p, K_memory, &c->memory);
    if (c->npages) {
        ptable(p, K_pages, (int)c->npages, 0);
        for (size_t i = 0; i < c->npages; i++) {
            lua_createtable(L, 0, 3);
            pstr(p, K_unit, c->pages[i].unit);
            pint(p, K_size, c->pages[i].size);
            pint(p, K_count, c->pages[i].count);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        SET(p);
    }
    if (c->has_distances) {
        ptable(p, K_distances, (int)c->ndistances, 0);
        for (size_t i = 0; i < c->ndistances; i++) {
            lua_createtable(L, 0, 2);
            pint(p, K_id, c->distances[i].id);
            pint(p, K_value, c->distances[i].value);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        SET(p);
    }
    if (c->ncaches) {
        ptable(p, K_caches, (int)c->ncaches, 0);
        for (size_t i = 0; i < c->ncaches; i++) {
            const vc_numa_cache *k = &c->caches[i];
            lua_createtable(L, 0, 5);
            pint(p, K_level, k->level);
            pstr(p, K_associativity, k->associativity);
            pstr(p, K_policy, k->policy);
            if (k->has_size)
                push_scaled(p, K_size, &k->size);
            if (k->has_line)
                push_scaled(p, K_line, &k->linesize);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        SET(p);
    }
    if (c->has_cpus) {
        ptable(p, K_cpus, (int)c->ncpus, 0);
        for (size_t i = 0; i < c->ncpus; i++) {
            const vc_cell_cpu *u = &c->cpus[i];
            lua_createtable(L, 0, 6);
            pint(p, K_id, u->id);
            pint(p, K_socket_id, u->socket_id);
            pint(p, K_die_id, u->die_id);
            pint(p, K_cluster_id, u->cluster_id);
            pint(p, K_core_id, u->core_id);
            pstr(p, K_siblings, u->siblings);
            meta(p, M_CELL_CPU);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        SET(p);
    }
    meta(p, M_CELL);
}

static void push_interconnects(const pusher *p, enum key k, const vc_interconnect *list, size_t n)
{
    lua_State *L = p->L;
    ptable(p, k, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 6);
        pint(p, K_initiator, list[i].initiator);
        pint(p, K_target, list[i].target);
        pint(p, K_cache, list[i].cache);
        pstr(p, K_type, list[i].type);
        pint(p, K_value, list[i].value);
        pstr(p, K_unit, list[i].unit);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    SET(p);
}

static void push_topology(const pusher *p, const vc_topology *t)
{
    lua_State *L = p->L;
    ptable(p, K_topology, 0, 2);
    ptable(p, K_cells, (int)t->ncells, 0);
    for (size_t i = 0; i < t->ncells; i++) {
        push_cell(p, &t->cells[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    SET(p);
    if (t->has_interconnects) {
        ptable(p, K_interconnects, 0, 2);
        if (t->nlatencies)
            push_interconnects(p, K_latencies, t->latencies, t->nlatencies);
        if (t->nbandwidths)
            push_interconnects(p, K_bandwidths, t->bandwidths, t->nbandwidths);
        SET(p);
    }
    SET(p);
}

static void push_controls(const pusher *p, const vc_control *c, size_t n)
{
    if (!n)
        return;
    lua_State *L = p->L;
    ptable(p, K_controls, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 5);
        pint(p, K_granularity, c[i].granularity);
        pint(p, K_min, c[i].min);
        pstr(p, K_unit, c[i].unit);
        pstr(p, K_type, c[i].type);
        pint(p, K_maxAllocs, c[i].max_allocs);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    SET(p);
}

static void push_monitor(const pusher *p, const vc_monitor *m)
{
    if (!m)
        return;
    ptable(p, K_monitor, 0, 4);
    pint(p, K_level, m->level);
    pint(p, K_reuseThreshold, m->reuse_threshold);
    pint(p, K_maxMonitors, m->max_monitors);
    pstrings(p, K_features, m->features, m->nfeatures, true);
    SET(p);
}

static void push_host(const pusher *p, const vc_host *h)
{
    lua_State *L = p->L;
    ptable(p, K_host, 0, 10);
    pstr(p, K_uuid, h->uuid);
    if (h->cpu) {
        key(p, K_cpu);
        push_cpu(p, h->cpu);
        meta(p, M_CPU);
        SET(p);
    }
    if (h->has_power_management) {
        ptable(p, K_power_management, 0, 3);
        ptrue(p, K_suspend_mem, h->suspend_mem);
        ptrue(p, K_suspend_disk, h->suspend_disk);
        ptrue(p, K_suspend_hybrid, h->suspend_hybrid);
        SET(p);
    }
    if (h->iommu != VC_UNSET_B) {
        ptable(p, K_iommu, 0, 1);
        pbool(p, K_support, h->iommu);
        SET(p);
    }
    if (h->has_migration) {
        ptable(p, K_migration_features, 0, 2);
        ptrue(p, K_live, h->live_migration);
        pstrings(p, K_uri_transports, h->uri_transports, h->nuri_transports, false);
        SET(p);
    }
    pstr(p, K_netprefix, h->netprefix);
    if (h->topology)
        push_topology(p, h->topology);
    if (h->cache) {
        ptable(p, K_cache, 0, 2);
        if (h->cache->nbanks) {
            ptable(p, K_banks, (int)h->cache->nbanks, 0);
            for (size_t i = 0; i < h->cache->nbanks; i++) {
                const vc_bank *b = &h->cache->banks[i];
                lua_createtable(L, 0, 7);
                pint(p, K_id, b->id);
                pint(p, K_level, b->level);
                pstr(p, K_type, b->type);
                pint(p, K_size, b->size);
                pstr(p, K_unit, b->unit);
                pstr(p, K_cpus, b->cpus);
                push_controls(p, b->controls, b->ncontrols);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
            }
            SET(p);
        }
        push_monitor(p, h->cache->monitor);
        SET(p);
    }
    if (h->memory_bandwidth) {
        const vc_membw *m = h->memory_bandwidth;
        ptable(p, K_memory_bandwidth, 0, 2);
        if (m->nnodes) {
            ptable(p, K_nodes, (int)m->nnodes, 0);
            for (size_t i = 0; i < m->nnodes; i++) {
                lua_createtable(L, 0, 3);
                pint(p, K_id, m->nodes[i].id);
                pstr(p, K_cpus, m->nodes[i].cpus);
                push_controls(p, m->nodes[i].controls, m->nodes[i].ncontrols);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
            }
            SET(p);
        }
        push_monitor(p, m->monitor);
        SET(p);
    }
    ptable(p, K_secmodels, (int)h->nsecmodels, 0);
    for (size_t i = 0; i < h->nsecmodels; i++) {
        const vc_secmodel *m = &h->secmodels[i];
        lua_createtable(L, 0, 3);
        pstr(p, K_model, m->model);
        pstr(p, K_doi, m->doi);
        if (m->nlabels) {
            ptable(p, K_baselabels, (int)m->nlabels, 0);
            for (size_t j = 0; j < m->nlabels; j++) {
                lua_createtable(L, 0, 2);
                pstr(p, K_type, m->labels[j].type);
                pstr(p, K_label, m->labels[j].label);
                lua_rawseti(L, -2, (lua_Integer)j + 1);
            }
            SET(p);
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    SET(p);
    meta(p, M_HOST);
    SET(p);
}

static void push_machines(const pusher *p, const vc_machine *m, size_t n)
{
    lua_State *L = p->L;
    ptable(p, K_machines, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 4);
        pstr(p, K_name, m[i].name);
        pstr(p, K_canonical, m[i].canonical);
        pint(p, K_maxCpus, m[i].max_cpus);
        pbool(p, K_deprecated, m[i].deprecated);
        meta(p, M_MACHINE);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    SET(p);
}

static void push_guest(const pusher *p, const vc_guest *g)
{
    lua_State *L = p->L;
    lua_createtable(L, 0, 3);
    pstr(p, K_os_type, g->os_type);
    ptable(p, K_arch, 0, 6);
    pstr(p, K_name, g->arch);
    pint(p, K_wordsize, g->wordsize);
    pstr(p, K_emulator, g->emulator);
    pstr(p, K_loader, g->loader);
    push_machines(p, g->machines, g->nmachines);
    ptable(p, K_domains, (int)g->ndomains, 0);
    for (size_t i = 0; i < g->ndomains; i++) {
        const vc_domain *d = &g->domains[i];
        lua_createtable(L, 0, 4);
        pstr(p, K_type, d->type);
        pstr(p, K_emulator, d->emulator);
        pstr(p, K_loader, d->loader);
        if (d->nmachines)
            push_machines(p, d->machines, d->nmachines);
        meta(p, M_DOMAIN);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    SET(p);
    SET(p);
    if (g->has_features) {
        ptable(p, K_features, 0, VC_GF_COUNT);
        for (int i = 0; i < VC_GF_COUNT; i++) {
            const vc_guest_feature *f = &g->features[i];
            if (!f->present)
                continue;
            if (f->default_on == VC_UNSET_B && f->toggle == VC_UNSET_B) {
                lua_pushboolean(L, 1);
            } else {
                lua_createtable(L, 0, 2);
                pbool(p, K_default, f->default_on);
                pbool(p, K_toggle, f->toggle);
            }
            lua_setfield(L, -2, vc_guest_feature_names[i]);
        }
        SET(p);
    }
    meta(p, M_GUEST);
}

void vc_push_caps(lua_State *L, const vc_caps *caps)
{
    pusher p;
    pusher_open(&p, L, true);
    lua_createtable(L, 0, 3);
    push_host(&p, &caps->host);
    ptable(&p, K_guests, (int)caps->nguests, 0);
    for (size_t i = 0; i < caps->nguests; i++) {
        push_guest(&p, &caps->guests[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    meta(&p, M_GUESTS);
    SET(&p);
    pstrings(&p, K_warnings, caps->warnings, caps->nwarnings, true);
    pstr(&p, K_trailer, caps->trailer);
    meta(&p, M_CAPS);
    pusher_close(&p);
}

void vc_lua_set_metatables(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    luaL_checktype(L, idx, LUA_TTABLE);
    if (vc_lua_unknown_key(L, idx, meta_names))
        luaL_argerror(L, idx, lua_pushfstring(L, "unknown metatable '%s'", luaL_tolstring(L, -1, NULL)));
    lua_createtable(L, 0, NMETAS);
    for (int m = 0; m < NMETAS; m++) {
        int t = lua_getfield(L, idx, meta_names[m]);
        if (t != LUA_TNIL && t != LUA_TTABLE)
            luaL_argerror(L, idx, lua_pushfstring(L, "metatable '%s': table expected, got %s", meta_names[m],
                                                  lua_typename(L, t)));
        lua_setfield(L, -2, meta_names[m]);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, VC_METATABLES_KEY);
}

/* ==== tables -> model ==== */

typedef struct tctx {
    lua_State *L;
    vc_arena *a;
    vc_lua_path path;
} tctx;

static void leave(tctx *t, size_t saved)
{
    vc_lua_path_back(&t->path, saved);
}

static const char *sep(const tctx *t)
{
    return t->path.len ? "." : "";
}

static int tfail(tctx *t, const char *key, const char *fmt, ...) VC_PRINTF(3, 4);
static int tfail(tctx *t, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = vc_lua_path_vmessage(t->L, &t->path, key, "value", fmt, ap);
    va_end(ap);
    return luaL_error(t->L, "%s", msg);
}

static void *need(tctx *t, void *p)
{
    if (!p)
        luaL_error(t->L, "out of memory");
    return p;
}

/* Pushes t[key] without metamethods and returns its type. */
static int field(tctx *t, int tbl, const char *key)
{
    lua_pushstring(t->L, key);
    return lua_rawget(t->L, tbl);
}

static int type_error(tctx *t, const char *key, const char *expected, int idx)
{
    return tfail(t, key, "expected %s, got %s", expected, luaL_typename(t->L, idx));
}

static char *to_str(tctx *t, const char *key, int idx)
{
    if (lua_type(t->L, idx) != LUA_TSTRING)
        type_error(t, key, "string", idx);
    size_t n;
    const char *s = lua_tolstring(t->L, idx, &n);
    if (strlen(s) != n)
        tfail(t, key, "string contains a NUL byte");
    return need(t, vc_strndup(t->a, s, n));
}

static char *opt_str(tctx *t, int tbl, const char *key)
{
    char *out = NULL;
    if (field(t, tbl, key) != LUA_TNIL)
        out = to_str(t, key, -1);
    lua_pop(t->L, 1);
    return out;
}

static int64_t to_int(tctx *t, const char *key, int idx)
{
    int ok;
    lua_Integer v = lua_tointegerx(t->L, idx, &ok);
    if (!ok || lua_type(t->L, idx) != LUA_TNUMBER) {
        if (lua_type(t->L, idx) == LUA_TNUMBER)
            tfail(t, key, "expected an integer, got %s", lua_tostring(t->L, idx));
        type_error(t, key, "integer", idx);
    }
    if (v < 0)
        tfail(t, key, "expected a non-negative integer, got %lld", (long long)v);
    return v;
}

static int64_t opt_int(tctx *t, int tbl, const char *key)
{
    int64_t out = VC_UNSET;
    if (field(t, tbl, key) != LUA_TNIL)
        out = to_int(t, key, -1);
    lua_pop(t->L, 1);
    return out;
}

static int8_t opt_bool(tctx *t, int tbl, const char *key)
{
    int8_t out = VC_UNSET_B;
    int ty = field(t, tbl, key);
    if (ty == LUA_TBOOLEAN)
        out = (int8_t)lua_toboolean(t->L, -1);
    else if (ty != LUA_TNIL)
        type_error(t, key, "boolean", -1);
    lua_pop(t->L, 1);
    return out;
}

/* Presence-only elements: true present, nil or false absent. */
static bool opt_flag(tctx *t, int tbl, const char *key)
{
    return opt_bool(t, tbl, key) == 1;
}

/* Pushes t[key] when it is a table and returns its index, 0 (nothing pushed) when nil. */
static int opt_table(tctx *t, int tbl, const char *key)
{
    int ty = field(t, tbl, key);
    if (ty == LUA_TNIL) {
        lua_pop(t->L, 1);
        return 0;
    }
    if (ty != LUA_TTABLE)
        type_error(t, key, "table", -1);
    return lua_gettop(t->L);
}

static void check_keys(tctx *t, int tbl, const char *const *known)
{
    if (!vc_lua_unknown_key(t->L, tbl, known))
        return;
    if (lua_type(t->L, -1) != LUA_TSTRING) {
        lua_pop(t->L, 1);
        tfail(t, NULL, "unexpected non-string key in a record");
    }
    tfail(t, lua_tostring(t->L, -1), "unknown field");
}

/* Fills a fresh array from t[key][1..n] with fn (each item's path is
 * path.key[i]); returns it, NULL with *count 0 when the field is nil. */
typedef void (*each_fn)(tctx *t, int idx, size_t i, void *array);

static void *check_array(tctx *t, int tbl, const char *key, size_t elem, bool need_tables, each_fn fn,
                         size_t *count)
{
    *count = 0;
    int arr = opt_table(t, tbl, key);
    if (!arr)
        return NULL;
    size_t n = (size_t)lua_rawlen(t->L, arr);
    void *array = n ? need(t, vc_array(t->a, n, elem)) : NULL;
    for (size_t i = 0; i < n; i++) {
        size_t saved = vc_lua_path_add(&t->path, "%s%s[%zu]", sep(t), key, i + 1);
        int ty = lua_rawgeti(t->L, arr, (lua_Integer)i + 1);
        if (need_tables && ty != LUA_TTABLE)
            type_error(t, NULL, "table", -1);
        fn(t, lua_gettop(t->L), i, array);
        lua_pop(t->L, 1);
        leave(t, saved);
    }
    lua_pop(t->L, 1);
    *count = n;
    return array;
}

#define ARRAY(t, tbl, key, arr, count, need_tables, fn) \
    ((arr) = check_array((t), (tbl), (key), sizeof *(arr), (need_tables), (fn), &(count)))

static void str_item(tctx *t, int idx, size_t i, void *ud)
{
    ((char **)ud)[i] = to_str(t, NULL, idx);
}

static void strings(tctx *t, int tbl, const char *key, char ***arr, size_t *n)
{
    ARRAY(t, tbl, key, *arr, *n, false, str_item);
}

/* ---- cpu ---- */

static void feature_item(tctx *t, int idx, size_t i, void *ud)
{
    vc_feature *f = &((vc_feature *)ud)[i];
    if (lua_type(t->L, idx) == LUA_TSTRING) {
        f->name = to_str(t, NULL, idx);
        return;
    }
    if (lua_type(t->L, idx) != LUA_TTABLE)
        type_error(t, NULL, "string or table", idx);
    static const char *const known[] = {"name", "policy", NULL};
    check_keys(t, idx, known);
    f->name = opt_str(t, idx, "name");
    f->policy = opt_str(t, idx, "policy");
}

static void pagesize_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"unit", "size", NULL};
    vc_pagesize *p = &((vc_pagesize *)ud)[i];
    check_keys(t, idx, known);
    p->unit = opt_str(t, idx, "unit");
    p->size = opt_int(t, idx, "size");
}

static void check_cpu(tctx *t, int tbl, vc_cpu *c)
{
    static const char *const known[] = {"mode", "match", "check", "migratable", "arch", "legacy_features",
                                        "model", "fallback", "vendor_id", "vendor", "microcode", "signature",
                                        "counter", "topology", "maxphysaddr", "features", "pages", NULL};
    check_keys(t, tbl, known);
    c->mode = opt_str(t, tbl, "mode");
    c->match = opt_str(t, tbl, "match");
    c->check = opt_str(t, tbl, "check");
    c->migratable = opt_str(t, tbl, "migratable");
    c->arch = opt_str(t, tbl, "arch");
    strings(t, tbl, "legacy_features", &c->legacy_features, &c->nlegacy_features);
    c->model = opt_str(t, tbl, "model");
    c->fallback = opt_str(t, tbl, "fallback");
    c->vendor_id = opt_str(t, tbl, "vendor_id");
    c->vendor = opt_str(t, tbl, "vendor");
    int sub;
    size_t s;
    if ((sub = opt_table(t, tbl, "microcode"))) {
        static const char *const k[] = {"version", NULL};
        s = vc_lua_path_add(&t->path, "%smicrocode", sep(t));
        check_keys(t, sub, k);
        c->microcode = opt_int(t, sub, "version");
        if (c->microcode == VC_UNSET)
            tfail(t, "version", "missing");
        leave(t, s);
        lua_pop(t->L, 1);
    }
    if ((sub = opt_table(t, tbl, "signature"))) {
        static const char *const k[] = {"family", "model", "stepping", NULL};
        s = vc_lua_path_add(&t->path, "%ssignature", sep(t));
        check_keys(t, sub, k);
        c->has_signature = true;
        c->sig_family = opt_int(t, sub, "family");
        c->sig_model = opt_int(t, sub, "model");
        c->sig_stepping = opt_int(t, sub, "stepping");
        leave(t, s);
        lua_pop(t->L, 1);
    }
    if ((sub = opt_table(t, tbl, "counter"))) {
        static const char *const k[] = {"name", "frequency", "scaling", NULL};
        s = vc_lua_path_add(&t->path, "%scounter", sep(t));
        check_keys(t, sub, k);
        c->has_counter = true;
        c->counter_name = opt_str(t, sub, "name");
        c->counter_frequency = opt_int(t, sub, "frequency");
        c->counter_scaling = opt_bool(t, sub, "scaling");
        leave(t, s);
        lua_pop(t->L, 1);
    }
    if ((sub = opt_table(t, tbl, "topology"))) {
        static const char *const k[] = {"sockets", "dies", "clusters", "cores", "threads", NULL};
        s = vc_lua_path_add(&t->path, "%stopology", sep(t));
        check_keys(t, sub, k);
        c->has_topology = true;
        c->sockets = opt_int(t, sub, "sockets");
        c->dies = opt_int(t, sub, "dies");
        c->clusters = opt_int(t, sub, "clusters");
        c->cores = opt_int(t, sub, "cores");
        c->threads = opt_int(t, sub, "threads");
        leave(t, s);
        lua_pop(t->L, 1);
    }
    if ((sub = opt_table(t, tbl, "maxphysaddr"))) {
        static const char *const k[] = {"mode", "bits", "limit", NULL};
        s = vc_lua_path_add(&t->path, "%smaxphysaddr", sep(t));
        check_keys(t, sub, k);
        c->has_maxphysaddr = true;
        c->addr_mode = opt_str(t, sub, "mode");
        c->addr_bits = opt_int(t, sub, "bits");
        c->addr_limit = opt_int(t, sub, "limit");
        leave(t, s);
        lua_pop(t->L, 1);
    }
    ARRAY(t, tbl, "features", c->features, c->nfeatures, false, feature_item);
    ARRAY(t, tbl, "pages", c->pages, c->npages, true, pagesize_item);
}

vc_cpu *vc_check_cpu(lua_State *L, int idx, vc_arena *a, const char *path)
{
    idx = lua_absindex(L, idx);
    tctx t = {.L = L, .a = a};
    vc_lua_path_add(&t.path, "%s", path);
    if (lua_type(L, idx) != LUA_TTABLE)
        type_error(&t, NULL, "table", idx);
    vc_cpu *cpu = need(&t, vc_cpu_new(a));
    check_cpu(&t, idx, cpu);
    return cpu;
}

/* ---- topology ---- */

static void scaled(tctx *t, int tbl, const char *key, bool *has, vc_scaled *out, const char *const *known)
{
    int sub = opt_table(t, tbl, key);
    out->value = VC_UNSET;
    if (!sub)
        return;
    size_t s = vc_lua_path_add(&t->path, "%s%s", sep(t), key);
    check_keys(t, sub, known);
    *has = true;
    out->value = opt_int(t, sub, "value");
    out->unit = opt_str(t, sub, "unit");
    if (out->value == VC_UNSET)
        tfail(t, "value", "missing");
    leave(t, s);
    lua_pop(t->L, 1);
}

static void cell_pages_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"unit", "size", "count", NULL};
    vc_cell_pages *p = &((vc_cell_pages *)ud)[i];
    check_keys(t, idx, known);
    p->unit = opt_str(t, idx, "unit");
    p->size = opt_int(t, idx, "size");
    p->count = opt_int(t, idx, "count");
}

static void distance_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"id", "value", NULL};
    vc_distance *d = &((vc_distance *)ud)[i];
    check_keys(t, idx, known);
    d->id = opt_int(t, idx, "id");
    d->value = opt_int(t, idx, "value");
}

static void numa_cache_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"level", "associativity", "policy", "size", "line", NULL};
    static const char *const sknown[] = {"value", "unit", NULL};
    vc_numa_cache *k = &((vc_numa_cache *)ud)[i];
    check_keys(t, idx, known);
    k->level = opt_int(t, idx, "level");
    k->associativity = opt_str(t, idx, "associativity");
    k->policy = opt_str(t, idx, "policy");
    scaled(t, idx, "size", &k->has_size, &k->size, sknown);
    scaled(t, idx, "line", &k->has_line, &k->linesize, sknown);
}

static void cell_cpu_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"id", "socket_id", "die_id", "cluster_id", "core_id", "siblings", NULL};
    vc_cell_cpu *p = &((vc_cell_cpu *)ud)[i];
    check_keys(t, idx, known);
    p->id = opt_int(t, idx, "id");
    p->socket_id = opt_int(t, idx, "socket_id");
    p->die_id = opt_int(t, idx, "die_id");
    p->cluster_id = opt_int(t, idx, "cluster_id");
    p->core_id = opt_int(t, idx, "core_id");
    p->siblings = opt_str(t, idx, "siblings");
}

static bool has_field(tctx *t, int tbl, const char *key)
{
    bool has = field(t, tbl, key) != LUA_TNIL;
    lua_pop(t->L, 1);
    return has;
}

static void cell_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"id", "memory", "pages", "distances", "caches", "cpus", NULL};
    static const char *const mknown[] = {"value", "unit", NULL};
    vc_cell *c = &((vc_cell *)ud)[i];
    check_keys(t, idx, known);
    c->id = opt_int(t, idx, "id");
    scaled(t, idx, "memory", &c->has_memory, &c->memory, mknown);
    ARRAY(t, idx, "pages", c->pages, c->npages, true, cell_pages_item);
    c->has_distances = has_field(t, idx, "distances");
    ARRAY(t, idx, "distances", c->distances, c->ndistances, true, distance_item);
    ARRAY(t, idx, "caches", c->caches, c->ncaches, true, numa_cache_item);
    c->has_cpus = has_field(t, idx, "cpus");
    ARRAY(t, idx, "cpus", c->cpus, c->ncpus, true, cell_cpu_item);
}

static void interconnect_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"initiator", "target", "cache", "type", "value", "unit", NULL};
    vc_interconnect *ic = &((vc_interconnect *)ud)[i];
    check_keys(t, idx, known);
    ic->initiator = opt_int(t, idx, "initiator");
    ic->target = opt_int(t, idx, "target");
    ic->cache = opt_int(t, idx, "cache");
    ic->type = opt_str(t, idx, "type");
    ic->value = opt_int(t, idx, "value");
    ic->unit = opt_str(t, idx, "unit");
}

static vc_topology *check_topology(tctx *t, int tbl)
{
    static const char *const known[] = {"cells", "interconnects", NULL};
    static const char *const iknown[] = {"latencies", "bandwidths", NULL};
    vc_topology *top = need(t, vc_alloc(t->a, sizeof *top));
    check_keys(t, tbl, known);
    ARRAY(t, tbl, "cells", top->cells, top->ncells, true, cell_item);
    int ic = opt_table(t, tbl, "interconnects");
    if (ic) {
        size_t s = vc_lua_path_add(&t->path, ".interconnects");
        check_keys(t, ic, iknown);
        top->has_interconnects = true;
        ARRAY(t, ic, "latencies", top->latencies, top->nlatencies, true, interconnect_item);
        ARRAY(t, ic, "bandwidths", top->bandwidths, top->nbandwidths, true, interconnect_item);
        leave(t, s);
        lua_pop(t->L, 1);
    }
    return top;
}

/* ---- resource control ---- */

static void control_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"granularity", "min", "unit", "type", "maxAllocs", NULL};
    vc_control *c = &((vc_control *)ud)[i];
    check_keys(t, idx, known);
    c->granularity = opt_int(t, idx, "granularity");
    c->min = opt_int(t, idx, "min");
    c->unit = opt_str(t, idx, "unit");
    c->type = opt_str(t, idx, "type");
    c->max_allocs = opt_int(t, idx, "maxAllocs");
}

static vc_monitor *check_monitor(tctx *t, int tbl)
{
    static const char *const known[] = {"level", "reuseThreshold", "maxMonitors", "features", NULL};
    int sub = opt_table(t, tbl, "monitor");
    if (!sub)
        return NULL;
    size_t s = vc_lua_path_add(&t->path, ".monitor");
    vc_monitor *m = need(t, vc_alloc(t->a, sizeof *m));
    check_keys(t, sub, known);
    m->level = opt_int(t, sub, "level");
    m->reuse_threshold = opt_int(t, sub, "reuseThreshold");
    m->max_monitors = opt_int(t, sub, "maxMonitors");
    strings(t, sub, "features", &m->features, &m->nfeatures);
    leave(t, s);
    lua_pop(t->L, 1);
    return m;
}

static void bank_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"id", "level", "type", "size", "unit", "cpus", "controls", NULL};
    vc_bank *b = &((vc_bank *)ud)[i];
    check_keys(t, idx, known);
    b->id = opt_int(t, idx, "id");
    b->level = opt_int(t, idx, "level");
    b->type = opt_str(t, idx, "type");
    b->size = opt_int(t, idx, "size");
    b->unit = opt_str(t, idx, "unit");
    b->cpus = opt_str(t, idx, "cpus");
    ARRAY(t, idx, "controls", b->controls, b->ncontrols, true, control_item);
}

static void membw_node_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"id", "cpus", "controls", NULL};
    vc_membw_node *n = &((vc_membw_node *)ud)[i];
    check_keys(t, idx, known);
    n->id = opt_int(t, idx, "id");
    n->cpus = opt_str(t, idx, "cpus");
    ARRAY(t, idx, "controls", n->controls, n->ncontrols, true, control_item);
}

/* ---- host ---- */

static void baselabel_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"type", "label", NULL};
    vc_baselabel *l = &((vc_baselabel *)ud)[i];
    check_keys(t, idx, known);
    l->type = opt_str(t, idx, "type");
    l->label = opt_str(t, idx, "label");
}

static void secmodel_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"model", "doi", "baselabels", NULL};
    vc_secmodel *m = &((vc_secmodel *)ud)[i];
    check_keys(t, idx, known);
    m->model = opt_str(t, idx, "model");
    m->doi = opt_str(t, idx, "doi");
    ARRAY(t, idx, "baselabels", m->labels, m->nlabels, true, baselabel_item);
}

static void check_host(tctx *t, int tbl, vc_host *h)
{
    static const char *const known[] = {"uuid", "cpu", "power_management", "iommu", "migration_features",
                                        "netprefix", "topology", "cache", "memory_bandwidth", "secmodels", NULL};
    check_keys(t, tbl, known);
    h->uuid = opt_str(t, tbl, "uuid");
    int sub;
    size_t s;
    if ((sub = opt_table(t, tbl, "cpu"))) {
        s = vc_lua_path_add(&t->path, ".cpu");
        h->cpu = need(t, vc_cpu_new(t->a));
        check_cpu(t, sub, h->cpu);
        leave(t, s);
        lua_pop(t->L, 1);
    }
    if ((sub = opt_table(t, tbl, "power_management"))) {
        static const char *const k[] = {"suspend_mem", "suspend_disk", "suspend_hybrid", NULL};
        s = vc_lua_path_add(&t->path, ".power_management");
        check_keys(t, sub, k);
        h->has_power_management = true;
        h->suspend_mem = opt_flag(t, sub, "suspend_mem");
        h->suspend_disk = opt_flag(t, sub, "suspend_disk");
        h->suspend_hybrid = opt_flag(t, sub, "suspend_hybrid");
        leave(t, s);
        lua_pop(t->L, 1);
    }
    if ((sub = opt_table(t, tbl, "iommu"))) {
        static const char *const k[] = {"support", NULL};
        s = vc_lua_path_add(&t->path, ".iommu");
        check_keys(t, sub, k);
        h->iommu = opt_bool(t, sub, "support");
        if (h->iommu == VC_UNSET_B)
            tfail(t, "support", "missing");
        leave(t, s);
        lua_pop(t->L, 1);
    }
    if ((sub = opt_table(t, tbl, "migration_features"))) {
        static const char *const k[] = {"live", "uri_transports", NULL};
        s = vc_lua_path_add(&t->path, ".migration_features");
        check_keys(t, sub, k);
        h->has_migration = true;
        h->live_migration = opt_flag(t, sub, "live");
        strings(t, sub, "uri_transports", &h->uri_transports, &h->nuri_transports);
        leave(t, s);
        lua_pop(t->L, 1);
    }
    h->netprefix = opt_str(t, tbl, "netprefix");
    if ((sub = opt_table(t, tbl, "topology"))) {
        s = vc_lua_path_add(&t->path, ".topology");
        h->topology = check_topology(t, sub);
        leave(t, s);
        lua_pop(t->L, 1);
    }
    if ((sub = opt_table(t, tbl, "cache"))) {
        static const char *const k[] = {"banks", "monitor", NULL};
        s = vc_lua_path_add(&t->path, ".cache");
        check_keys(t, sub, k);
        h->cache = need(t, vc_alloc(t->a, sizeof *h->cache));
        ARRAY(t, sub, "banks", h->cache->banks, h->cache->nbanks, true, bank_item);
        h->cache->monitor = check_monitor(t, sub);
        leave(t, s);
        lua_pop(t->L, 1);
    }
    if ((sub = opt_table(t, tbl, "memory_bandwidth"))) {
        static const char *const k[] = {"nodes", "monitor", NULL};
        s = vc_lua_path_add(&t->path, ".memory_bandwidth");
        check_keys(t, sub, k);
        vc_membw *m = need(t, vc_alloc(t->a, sizeof *m));
        h->memory_bandwidth = m;
        ARRAY(t, sub, "nodes", m->nodes, m->nnodes, true, membw_node_item);
        m->monitor = check_monitor(t, sub);
        leave(t, s);
        lua_pop(t->L, 1);
    }
    ARRAY(t, tbl, "secmodels", h->secmodels, h->nsecmodels, true, secmodel_item);
}

/* ---- guests ---- */

static void machine_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"name", "canonical", "maxCpus", "deprecated", NULL};
    vc_machine *m = &((vc_machine *)ud)[i];
    check_keys(t, idx, known);
    m->name = opt_str(t, idx, "name");
    m->canonical = opt_str(t, idx, "canonical");
    m->max_cpus = opt_int(t, idx, "maxCpus");
    m->deprecated = opt_bool(t, idx, "deprecated");
}

static void domain_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"type", "emulator", "loader", "machines", NULL};
    vc_domain *d = &((vc_domain *)ud)[i];
    check_keys(t, idx, known);
    d->type = opt_str(t, idx, "type");
    d->emulator = opt_str(t, idx, "emulator");
    d->loader = opt_str(t, idx, "loader");
    ARRAY(t, idx, "machines", d->machines, d->nmachines, true, machine_item);
}

static void guest_features(tctx *t, int tbl, vc_guest *g)
{
    static const char *const toggles[] = {"default", "toggle", NULL};
    check_keys(t, tbl, vc_guest_feature_names);
    g->has_features = true;
    for (int i = 0; i < VC_GF_COUNT; i++) {
        vc_guest_feature *f = &g->features[i];
        const char *name = vc_guest_feature_names[i];
        int ty = field(t, tbl, name);
        if (ty == LUA_TBOOLEAN) {
            f->present = lua_toboolean(t->L, -1);
        } else if (ty == LUA_TTABLE) {
            int sub = lua_gettop(t->L);
            size_t s = vc_lua_path_add(&t->path, ".%s", name);
            check_keys(t, sub, toggles);
            f->present = true;
            f->default_on = opt_bool(t, sub, "default");
            f->toggle = opt_bool(t, sub, "toggle");
            leave(t, s);
        } else if (ty != LUA_TNIL) {
            type_error(t, name, "boolean or table", -1);
        }
        lua_pop(t->L, 1);
    }
}

static void guest_item(tctx *t, int idx, size_t i, void *ud)
{
    static const char *const known[] = {"os_type", "arch", "features", NULL};
    static const char *const aknown[] = {"name", "wordsize", "emulator", "loader", "machines", "domains", NULL};
    vc_guest *g = &((vc_guest *)ud)[i];
    g->wordsize = VC_UNSET;
    for (int k = 0; k < VC_GF_COUNT; k++)
        g->features[k].default_on = g->features[k].toggle = VC_UNSET_B;
    check_keys(t, idx, known);
    g->os_type = opt_str(t, idx, "os_type");
    int arch = opt_table(t, idx, "arch");
    if (!arch)
        tfail(t, "arch", "missing");
    size_t s = vc_lua_path_add(&t->path, ".arch");
    check_keys(t, arch, aknown);
    g->arch = opt_str(t, arch, "name");
    g->wordsize = opt_int(t, arch, "wordsize");
    g->emulator = opt_str(t, arch, "emulator");
    g->loader = opt_str(t, arch, "loader");
    ARRAY(t, arch, "machines", g->machines, g->nmachines, true, machine_item);
    ARRAY(t, arch, "domains", g->domains, g->ndomains, true, domain_item);
    leave(t, s);
    lua_pop(t->L, 1);
    int feats = opt_table(t, idx, "features");
    if (feats) {
        s = vc_lua_path_add(&t->path, ".features");
        guest_features(t, feats, g);
        leave(t, s);
        lua_pop(t->L, 1);
    }
}

vc_caps *vc_check_caps(lua_State *L, int idx)
{
    static const char *const known[] = {"host", "guests", "warnings", "trailer", NULL};
    idx = lua_absindex(L, idx);
    luaL_checktype(L, idx, LUA_TTABLE);
    void **slot = vc_lua_arena_owner(L);
    vc_caps *caps = vc_caps_new();
    if (!caps) {
        luaL_error(L, "out of memory");
        return NULL;
    }
    *slot = caps->arena;
    tctx t = {.L = L, .a = caps->arena};
    check_keys(&t, idx, known);
    int host = opt_table(&t, idx, "host");
    if (!host)
        tfail(&t, "host", "missing");
    size_t s = vc_lua_path_add(&t.path, "host");
    check_host(&t, host, &caps->host);
    leave(&t, s);
    lua_pop(L, 1);
    ARRAY(&t, idx, "guests", caps->guests, caps->nguests, true, guest_item);
    caps->trailer = opt_str(&t, idx, "trailer");
    return caps;
}
