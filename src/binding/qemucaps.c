/* virtcaps.core.qemu_caps: the QEMU capabilities of one binary (its QMP
 * conversation, drivers/qemu_caps.c) as plain tables. Documented (LDoc)
 * in lua/virtcaps/init.lua. */
#include "binding/vc_lua.h"
#include "drivers/qemu_caps.h"
#include "drivers/qemu_flags.h"

#include <string.h>

static void set_list(lua_State *L, const char *k, char *const *v, size_t n)
{
    push_strings(L, v, n);
    lua_setfield(L, -2, k);
}

static void push_machine(lua_State *L, const qc_machine *m)
{
    lua_createtable(L, 0, 10);
    set_str(L, "name", m->name);
    set_str(L, "alias", m->alias);
    lua_pushinteger(L, m->max_cpus);
    lua_setfield(L, -2, "max_cpus");
    set_bool(L, "hotplug_cpus", m->hotplug_cpus);
    set_bool(L, "default", m->is_default);
    set_bool(L, "numa_mem_supported", m->numa_mem_supported);
    set_bool(L, "deprecated", m->deprecated);
    set_str(L, "default_cpu", m->default_cpu);
    set_str(L, "default_ram_id", m->default_ram_id);
    if (m->acpi_set)
        set_bool(L, "acpi", m->acpi);
}

static void push_cpu(lua_State *L, const qc_cpu_model *c)
{
    lua_createtable(L, 0, 5);
    set_str(L, "name", c->name);
    set_str(L, "typename", c->type_name);
    if (c->usable >= 0)
        set_bool(L, "usable", c->usable == 1);
    set_list(L, "blockers", c->blockers, c->nblockers);
    set_bool(L, "deprecated", c->deprecated);
}

static void push_host_cpu(lua_State *L, const qc_host_cpu *h)
{
    static const char *const types[] = {"boolean", "string", "number"};
    lua_createtable(L, 0, 3);
    set_str(L, "model", h->model);
    set_bool(L, "migratability", h->migratability);
    lua_createtable(L, (int)h->nprops, 0);
    for (size_t i = 0; i < h->nprops; i++) {
        const qc_prop *p = &h->props[i];
        lua_createtable(L, 0, 4);
        set_str(L, "name", p->name);
        set_str(L, "type", types[p->type]);
        if (p->type == QC_PROP_BOOL)
            lua_pushboolean(L, p->b);
        else if (p->type == QC_PROP_STRING)
            lua_pushstring(L, p->s);
        else
            lua_pushinteger(L, (lua_Integer)p->n);
        lua_setfield(L, -2, "value");
        if (p->migratable >= 0)
            set_bool(L, "migratable", p->migratable == 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "props");
}

/* The accelerator's facts, or nothing when this round was not asked. */
static void push_accel(lua_State *L, const char *k, const qc_accel_caps *a)
{
    if (!a->nmachines && !a->ncpus && !a->host_cpu.model)
        return;
    vc_lua_need_stack(L, 8);
    lua_createtable(L, 0, 3);
    lua_createtable(L, (int)a->nmachines, 0);
    for (size_t i = 0; i < a->nmachines; i++) {
        push_machine(L, &a->machines[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "machines");
    lua_createtable(L, (int)a->ncpus, 0);
    for (size_t i = 0; i < a->ncpus; i++) {
        push_cpu(L, &a->cpus[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "cpus");
    if (a->host_cpu.model) {
        push_host_cpu(L, &a->host_cpu);
        lua_setfield(L, -2, "host_cpu");
    }
    lua_setfield(L, -2, k);
}

static void push_qemucaps(lua_State *L, const void *model)
{
    const vc_qemucaps *qc = model;
    vc_lua_need_stack(L, 8);
    lua_createtable(L, 0, 14);
    set_str(L, "emulator", qc->emulator);
    set_str(L, "arch", qc->arch);
    lua_pushinteger(L, qc->version);
    lua_setfield(L, -2, "version");
    set_str(L, "package", qc->package);
    set_bool(L, "kvm_supported", qc->kvm_supported);
    set_bool(L, "tcg_supported", qc->tcg_supported);
    set_list(L, "flags", qc->flags, qc->nflags);
    push_accel(L, "kvm", &qc->accel[QC_KVM]);
    push_accel(L, "tcg", &qc->accel[QC_TCG]);
    lua_createtable(L, (int)qc->ngic, 0);
    for (size_t i = 0; i < qc->ngic; i++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, qc->gic[i].version);
        lua_setfield(L, -2, "version");
        set_bool(L, "kernel", qc->gic[i].kernel);
        set_bool(L, "emulated", qc->gic[i].emulated);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "gic");
    if (qc->sev.present) {
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, qc->sev.cbitpos);
        lua_setfield(L, -2, "cbitpos");
        lua_pushinteger(L, qc->sev.reduced_phys_bits);
        lua_setfield(L, -2, "reduced_phys_bits");
        set_str(L, "pdh", qc->sev.pdh);
        set_str(L, "cert_chain", qc->sev.cert_chain);
        lua_setfield(L, -2, "sev");
    }
    if (qc->sgx.present) {
        lua_createtable(L, 0, 5);
        set_bool(L, "flc", qc->sgx.flc);
        set_bool(L, "sgx1", qc->sgx.sgx1);
        set_bool(L, "sgx2", qc->sgx.sgx2);
        lua_pushinteger(L, (lua_Integer)qc->sgx.section_size_kib);
        lua_setfield(L, -2, "section_size");
        lua_createtable(L, (int)qc->sgx.nsections, 0);
        for (size_t i = 0; i < qc->sgx.nsections; i++) {
            lua_createtable(L, 0, 2);
            lua_pushinteger(L, (lua_Integer)qc->sgx.sections[i].node);
            lua_setfield(L, -2, "node");
            lua_pushinteger(L, (lua_Integer)qc->sgx.sections[i].size_kib);
            lua_setfield(L, -2, "size");
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "sections");
        lua_setfield(L, -2, "sgx");
    }
    if (qc->hyperv.nfeatures)
        set_list(L, "hyperv", qc->hyperv.features, qc->hyperv.nfeatures);
}

static const vc_opt qemu_caps_options[] = {
    {"emulator", VC_OPT_STRING}, {"root", VC_OPT_STRING},    {"paths", VC_OPT_MAP},
    {"timeout", VC_OPT_NUMBER},  {"cpu_map", VC_OPT_STRING}, {"timing", VC_OPT_BOOLEAN},
    {"cache_dir", VC_OPT_STRING}, {"cache", VC_OPT_BOOLEAN}, {NULL, VC_OPT_STRING},
};
enum { Q_EMULATOR, Q_ROOT, Q_PATHS, Q_TIMEOUT, Q_CPU_MAP, Q_TIMING, Q_CACHE_DIR, Q_CACHE, N_QEMU_CAPS_OPTIONS };

/* qemu_caps{emulator = PATH, root =, paths =, timeout =, cpu_map =, timing =, cache_dir =, cache =} */
static int l_qemu_caps(lua_State *L)
{
    vc_optval v[N_QEMU_CAPS_OPTIONS];
    vc_probe_opts opts;
    vc_lua_check_nargs(L, 1);
    luaL_checktype(L, 1, LUA_TTABLE);
    vc_lua_options(L, 1, qemu_caps_options, v);
    if (!v[Q_EMULATOR].given)
        luaL_argerror(L, 1, "option 'emulator': a path expected");
    const vc_optval *timeout = &v[Q_TIMEOUT];
    if (timeout->given && (!timeout->is_number || !(timeout->number > 0) || timeout->number > 3600))
        luaL_argerror(L, 1, "option 'timeout': seconds between 0 and 3600 expected");
    memset(&opts, 0, sizeof opts);
    opts.root = v[Q_ROOT].str;
    opts.paths = v[Q_PATHS].map;
    opts.npaths = v[Q_PATHS].n;
    opts.cache_dir = v[Q_CACHE_DIR].str;
    opts.no_cache = v[Q_CACHE].given && !v[Q_CACHE].boolean;
    if (timeout->given) {
        int ms = (int)(timeout->number * 1000);
        opts.timeout_ms = ms < 1 ? 1 : ms;
    }
    struct vc_cpu_db *db = vc_lua_cpu_db(L, v[Q_CPU_MAP].str);
    void **slot = vc_lua_arena_owner(L);
    vc_error err;
    vc_qc_timing t;
    vc_qemucaps *qc = vc_qemu_caps_probe(&opts, v[Q_EMULATOR].str, db, vc_qemu_caps_flags, &t, &err);
    int n = vc_lua_push_read(L, slot, qc, qc ? qc->arena : NULL, push_qemucaps, &err);
    if (!qc || !v[Q_TIMING].boolean)
        return n;
    lua_createtable(L, 0, 3);
    lua_pushnumber(L, t.run_ms);
    lua_setfield(L, -2, "run_ms");
    lua_pushnumber(L, t.parse_ms);
    lua_setfield(L, -2, "parse_ms");
    lua_pushinteger(L, (lua_Integer)t.bytes);
    lua_setfield(L, -2, "bytes");
    return n + 1;
}

void vc_lua_open_qemucaps(lua_State *L)
{
    lua_pushcfunction(L, l_qemu_caps);
    lua_setfield(L, -2, "qemu_caps");
}
