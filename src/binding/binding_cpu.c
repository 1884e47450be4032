/* The Lua face of the CPU model code: decode, format, compare, baseline,
 * and raw CPUID data. The model database is loaded once per Lua state and
 * directory, on first use, and kept in the registry. */
#include "cpu/cpu.h"
#include "model/model.h"
#include "xml/xml.h"
#include "vc_lua.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define VC_CPU_DBS_KEY "virtcaps.cpu_models"
/* CPUs converted into one scratch arena before it is dropped (baselines) */
#define BATCH 512

/* ---- the database, per directory ---- */

static void free_db(void *db)
{
    vc_cpu_db_free(db);
}

/* The hypervisor's models for a baseline: the names, each with the
 * blockers given as "MODEL:FEATURE" for it. NULL with err on OOM. */
static vc_hv_model *hv_models(vc_arena *a, const vc_optval *names, const vc_optval *blockers, vc_error *err)
{
    vc_hv_model *models = vc_alloc(a, (names->n + 1) * sizeof *models);
    if (!models) {
        vc_oom(err);
        return NULL;
    }
    for (size_t i = 0; i < names->n; i++) {
        vc_hv_model *m = &models[i];
        *m = (vc_hv_model){.name = names->list[i]};
        size_t len = strlen(m->name);
        for (size_t j = 0; j < blockers->n; j++) {
            const char *b = blockers->list[j];
            if (strncmp(b, m->name, len) != 0 || b[len] != ':')
                continue;
            if (!m->blockers && !(m->blockers = vc_alloc(a, (blockers->n + 1) * sizeof *m->blockers))) {
                vc_oom(err);
                return NULL;
            }
            m->blockers[m->nblockers++] = b + len + 1;
        }
    }
    return models;
}

/* The options at arg (cpu_map; for baseline also expand, migratable and
 * the hypervisor's models, blockers and features), read into an arena it
 * pushes, which the call then uses for its work. */
static vc_arena *cpu_options(lua_State *L, int arg, const char **dir, vc_baseline_opts *bopts)
{
    static const vc_opt known[] = {{"cpu_map", VC_OPT_STRING}, {"expand", VC_OPT_BOOLEAN},
                                   {"migratable", VC_OPT_BOOLEAN}, {"models", VC_OPT_LIST},
                                   {"blockers", VC_OPT_LIST}, {"features", VC_OPT_LIST},
                                   {NULL, VC_OPT_STRING}};
    static const vc_opt map_only[] = {{"cpu_map", VC_OPT_STRING}, {NULL, VC_OPT_STRING}};
    vc_optval v[6];
    vc_arena *a = vc_lua_options(L, arg, bopts ? known : map_only, v);
    *dir = v[0].str;
    if (!bopts)
        return a;
    if (v[4].given && !v[3].given)
        luaL_argerror(L, arg, "option 'blockers' needs option 'models'");
    *bopts = (vc_baseline_opts){.expand = v[1].boolean, .migratable = v[2].boolean,
                                .features = v[5].list, .nfeatures = v[5].n, .has_features = v[5].given};
    if (v[3].given) {
        vc_error err;
        if (!(bopts->models = hv_models(a, &v[3], &v[4], &err)))
            luaL_error(L, "%s", err.msg);
        bopts->nmodels = v[3].n;
    }
    return a;
}

static vc_cpu_db *get_db(lua_State *L, const char *dir)
{
    if (!dir)
        dir = VC_CPU_MAP_DIR;
    if (lua_getfield(L, LUA_REGISTRYINDEX, VC_CPU_DBS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, VC_CPU_DBS_KEY);
    }
    if (lua_getfield(L, -1, dir) == LUA_TUSERDATA) {
        vc_cpu_db *db = *(void **)luaL_checkudata(L, -1, VC_CPU_DB_TYPE); /* an owner: its pointer first */
        lua_pop(L, 2);
        return db;
    }
    lua_pop(L, 1);
    void **slot = vc_lua_owner(L, VC_CPU_DB_TYPE, free_db);
    if (!(*slot = vc_cpu_db_new(dir)))
        luaL_error(L, "out of memory");
    lua_setfield(L, -2, dir);
    lua_pop(L, 1);
    return *slot;
}

vc_cpu_db *vc_lua_cpu_db(lua_State *L, const char *dir)
{
    return get_db(L, dir);
}

static const vc_x86_map *get_x86(lua_State *L, const char *dir, vc_error *err)
{
    return vc_cpu_db_x86(get_db(L, dir), err);
}

/* ---- raw CPU data as tables ---- */

static void push_cpudata(lua_State *L, const vc_cpudata *d)
{
    lua_createtable(L, 0, 3);
    lua_pushliteral(L, "x86");
    lua_setfield(L, -2, "arch");
    lua_createtable(L, (int)d->ncpuid, 0);
    for (size_t i = 0; i < d->ncpuid; i++) {
        const vc_cpuid *c = &d->cpuid[i];
        lua_createtable(L, 0, 6);
        set_int(L, "eax_in", c->eax_in);
        set_int(L, "ecx_in", c->ecx_in);
        set_int(L, "eax", c->eax);
        set_int(L, "ebx", c->ebx);
        set_int(L, "ecx", c->ecx);
        set_int(L, "edx", c->edx);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "cpuid");
    lua_createtable(L, (int)d->nmsr, 0);
    for (size_t i = 0; i < d->nmsr; i++) {
        lua_createtable(L, 0, 3);
        set_int(L, "index", d->msr[i].index);
        set_int(L, "eax", d->msr[i].eax);
        set_int(L, "edx", d->msr[i].edx);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "msr");
}

/* A malformed cpudata table (always the first argument): raises
 * "bad argument #1 to 'f' (cpudata.x: what is wrong)", as other misuse. */
__attribute__((noreturn, format(printf, 2, 3))) static void bad_cpudata(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    luaL_argerror(L, 1, msg);
}

static uint32_t get_u32(lua_State *L, int tbl, const char *path, size_t i, const char *key, bool required)
{
    int ty = lua_getfield(L, tbl, key);
    lua_Integer v = 0;
    if (ty == LUA_TNIL && !required) {
        lua_pop(L, 1);
        return 0;
    }
    int ok = 0;
    if (ty == LUA_TNUMBER)
        v = lua_tointegerx(L, -1, &ok);
    if (!ok || v < 0 || v > (lua_Integer)UINT32_MAX)
        bad_cpudata(L, "cpudata.%s[%d].%s: expected an integer from 0 to 4294967295, got %s", path, (int)i, key,
                   ty == LUA_TNIL ? "nothing" : luaL_tolstring(L, -1, NULL));
    lua_pop(L, 1);
    return (uint32_t)v;
}

static size_t list_len(lua_State *L, int tbl, const char *key, bool *present)
{
    int ty = lua_getfield(L, tbl, key);
    *present = ty != LUA_TNIL;
    if (ty != LUA_TNIL && ty != LUA_TTABLE)
        bad_cpudata(L, "cpudata.%s: expected a table, got %s", key, luaL_typename(L, -1));
    size_t n = ty == LUA_TTABLE ? (size_t)lua_rawlen(L, -1) : 0;
    if (n > VC_CPUDATA_MAX_ITEMS)
        bad_cpudata(L, "cpudata.%s: more than %d items", key, VC_CPUDATA_MAX_ITEMS);
    return n;
}

/* A cpudata table into d (arena a); raises through bad_cpudata. */
static void check_cpudata(lua_State *L, int idx, vc_arena *a, vc_cpudata *d)
{
    static const char *const known[] = {"arch", "cpuid", "msr", NULL};
    memset(d, 0, sizeof *d);
    if (vc_lua_unknown_key(L, idx, known))
        bad_cpudata(L, "cpudata.%s: unknown field", luaL_tolstring(L, -1, NULL));
    lua_getfield(L, idx, "arch");
    if (!lua_isnil(L, -1) && !(lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "x86") == 0))
        bad_cpudata(L, "cpudata.arch: only 'x86' data can be decoded");
    lua_pop(L, 1);
    bool present;
    size_t n = list_len(L, idx, "cpuid", &present);
    if (n && !(d->cpuid = vc_alloc(a, n * sizeof *d->cpuid)))
        luaL_error(L, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TTABLE)
            bad_cpudata(L, "cpudata.cpuid[%d]: expected a table, got %s", (int)i + 1, luaL_typename(L, -1));
        int t = lua_gettop(L);
        vc_cpuid *c = &d->cpuid[i];
        c->eax_in = get_u32(L, t, "cpuid", i + 1, "eax_in", true);
        c->ecx_in = get_u32(L, t, "cpuid", i + 1, "ecx_in", false);
        c->eax = get_u32(L, t, "cpuid", i + 1, "eax", false);
        c->ebx = get_u32(L, t, "cpuid", i + 1, "ebx", false);
        c->ecx = get_u32(L, t, "cpuid", i + 1, "ecx", false);
        c->edx = get_u32(L, t, "cpuid", i + 1, "edx", false);
        lua_pop(L, 1);
    }
    d->ncpuid = n;
    lua_pop(L, 1);
    bool have_msr;
    n = list_len(L, idx, "msr", &have_msr);
    if (n && !(d->msr = vc_alloc(a, n * sizeof *d->msr)))
        luaL_error(L, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TTABLE)
            bad_cpudata(L, "cpudata.msr[%d]: expected a table, got %s", (int)i + 1, luaL_typename(L, -1));
        int t = lua_gettop(L);
        d->msr[i].index = get_u32(L, t, "msr", i + 1, "index", true);
        d->msr[i].eax = get_u32(L, t, "msr", i + 1, "eax", true);
        d->msr[i].edx = get_u32(L, t, "msr", i + 1, "edx", true);
        lua_pop(L, 1);
    }
    d->nmsr = n;
    lua_pop(L, 1);
    if (d->ncpuid + d->nmsr == 0)
        bad_cpudata(L, "cpudata: no x86 CPU data found");
    vc_cpudata_normalize(d);
}

/* ---- CPUs given as XML, cpu tables or capabilities tables ---- */

/* The CPUs of the value at idx (part of argument arg, which a value of
 * another type is blamed on), into arena a. For a string, every CPU
 * of the document (nil, message returned by the caller on failure); with
 * several, also of documents one after the other, as virsh cpu-baseline
 * reads its file: what does not read as one document is read again inside
 * a wrapper element, and the first reading's error stands if that fails
 * too. For a table, its host.cpu when it has a host, else the table. */
static vc_cpu **cpus_of(lua_State *L, int idx, int arg, vc_arena *a, const char *path, bool several, size_t *n,
                        vc_error *err)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t len;
        const char *xml = lua_tolstring(L, idx, &len);
        vc_cpu **cpus = vc_xml_read_cpus(xml, len, a, n, err);
        if (cpus || !several || err->code != VC_EINPUT || len >= VC_XML_MAX_BYTES || memchr(xml, '\0', len))
            return cpus;
        char *wrapped = vc_sprintf(a, "<cpus>%s</cpus>", xml);
        vc_error again;
        cpus = wrapped ? vc_xml_read_cpus(wrapped, len + 13, a, n, &again) : NULL;
        if (!wrapped)
            vc_oom(err);
        else if (!cpus && again.code == VC_ENOMEM)
            *err = again;
        return cpus;
    }
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_argerror(L, arg,
                      lua_pushfstring(L, "%s: expected a <cpu> document, a cpu table or a capabilities table, got %s",
                                      path, luaL_typename(L, idx)));
    // NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers
    vc_cpu **out = vc_alloc(a, sizeof *out);
    if (!out)
        luaL_error(L, "out of memory");
    if (lua_getfield(L, idx, "host") == LUA_TTABLE) {
        if (lua_getfield(L, -1, "cpu") != LUA_TTABLE)
            luaL_error(L, "%s.host.cpu: expected a table, got %s", path, luaL_typename(L, -1));
        char sub[128];
        snprintf(sub, sizeof sub, "%s.host.cpu", path);
        out[0] = vc_check_cpu(L, -1, a, sub);
        lua_pop(L, 2);
    } else {
        lua_pop(L, 1);
        out[0] = vc_check_cpu(L, idx, a, path);
    }
    *n = 1;
    return out;
}

/* Exactly one CPU from the argument at idx; NULL with err for a document
 * that does not hold one. */
static vc_cpu *one_cpu(lua_State *L, int idx, vc_arena *a, const char *path, vc_error *err)
{
    size_t n;
    vc_cpu **cpus = cpus_of(L, idx, idx, a, path, false, &n, err);
    if (!cpus)
        return NULL;
    if (n != 1) {
        vc_fail(err, VC_EINPUT, "%s: expected one <cpu>, the document has %zu", path, n);
        return NULL;
    }
    return cpus[0];
}

/* Names a host CPU from raw x86 CPUID data, as the reference does.
 * Documented (LDoc) in lua/virtcaps/cpu.lua. */
static int l_decode(lua_State *L)
{
    vc_lua_check_nargs(L, 2);
    const char *dir;
    vc_arena *a = cpu_options(L, 2, &dir, NULL);
    vc_error err;
    vc_cpudata data;
    if (lua_type(L, 1) == LUA_TSTRING) {
        size_t len;
        const char *xml = lua_tolstring(L, 1, &len);
        if (vc_cpudata_read(xml, len, a, &data, &err) < 0)
            return vc_lua_fail(L, &err);
    } else {
        luaL_argexpected(L, lua_type(L, 1) == LUA_TTABLE, 1, "string or table");
        check_cpudata(L, 1, a, &data);
    }
    const vc_x86_map *map = get_x86(L, dir, &err);
    vc_cpu *cpu = vc_cpu_new(a);
    if (!cpu)
        return luaL_error(L, "out of memory");
    if (!map || vc_x86_decode_host(map, &data, a, cpu, &err) < 0)
        return vc_lua_fail(L, &err);
    vc_push_cpu(L, cpu);
    return 1;
}

/* Reads a `<cpudata arch='x86'>` document into its table.
 * Documented (LDoc) in lua/virtcaps/cpu.lua. */
static int l_parse_cpudata(lua_State *L)
{
    size_t len;
    const char *xml = luaL_checklstring(L, 1, &len);
    vc_lua_check_nargs(L, 1);
    vc_arena *a = vc_lua_arena(L);
    vc_error err;
    vc_cpudata data;
    if (vc_cpudata_read(xml, len, a, &data, &err) < 0)
        return vc_lua_fail(L, &err);
    push_cpudata(L, &data);
    return 1;
}

/* Formats a cpudata table in the reference's layout. Documented (LDoc) in lua/virtcaps/cpu.lua. */
static int l_format_cpudata(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    vc_lua_check_nargs(L, 1);
    vc_arena *a = vc_lua_arena(L);
    vc_cpudata data;
    check_cpudata(L, 1, a, &data);
    vc_buf *out = vc_lua_buffer(L);
    vc_cpudata_write(out, &data);
    vc_lua_push_buffer(L, out);
    return 1;
}

/* This machine's raw CPU data: every CPUID leaf the reference reads, and
 * IA32_ARCH_CAPABILITIES when it can be read. Documented (LDoc) in lua/virtcaps/cpu.lua. */
static int l_host_cpudata(lua_State *L)
{
    vc_lua_check_nargs(L, 1);
    const char *dir;
    vc_arena *a = cpu_options(L, 1, &dir, NULL);
    vc_error err, msr_err;
    vc_cpudata data;
    const vc_x86_map *map = get_x86(L, dir, &err);
    if (!map)
        return vc_lua_fail(L, &err);
    if (vc_cpu_host_cpudata(map, a, &data, &msr_err, &err) < 0)
        return vc_lua_fail(L, &err);
    push_cpudata(L, &data);
    if (msr_err.code == VC_OK)
        return 1;
    lua_pushstring(L, msr_err.msg);
    return 2;
}

/* The reference's standalone `<cpu>` element for a CPU: a host CPU (one with
 * an arch) as in virsh capabilities, a guest CPU with its defaults written.
 * Documented (LDoc) in lua/virtcaps/cpu.lua. */
static int l_format(lua_State *L)
{
    luaL_checkany(L, 1);
    vc_lua_check_nargs(L, 1);
    vc_arena *a = vc_lua_arena(L);
    vc_error err;
    vc_cpu *cpu = one_cpu(L, 1, a, "cpu", &err);
    if (!cpu)
        return vc_lua_fail(L, &err);
    vc_buf *out = vc_lua_buffer(L);
    if (vc_cpu_format(out, cpu, &err) < 0) {
        vc_buf_free(out);
        if (lua_type(L, 1) == LUA_TSTRING)
            return vc_lua_fail(L, &err);
        return luaL_error(L, "%s", err.msg);
    }
    vc_lua_push_buffer(L, out);
    return 1;
}

static const char *const results[] = {"incompatible", "identical", "superset"};

/* Whether a host CPU can run a guest CPU (virsh cpu-compare).
 * Documented (LDoc) in lua/virtcaps/cpu.lua. */
static int l_compare(lua_State *L)
{
    luaL_checkany(L, 1);
    luaL_checkany(L, 2);
    vc_lua_check_nargs(L, 3);
    const char *dir;
    vc_arena *a = cpu_options(L, 3, &dir, NULL);
    vc_error err;
    vc_cpu *host = one_cpu(L, 1, a, "host", &err);
    if (!host)
        return vc_lua_fail(L, &err);
    vc_cpu *guest = one_cpu(L, 2, a, "guest", &err);
    if (!guest)
        return vc_lua_fail(L, &err);
    vc_compare_result res;
    if (vc_cpu_compare(get_db(L, dir), host, guest, a, &res, &err) < 0)
        return vc_lua_fail(L, &err);
    lua_pushstring(L, results[res.result]);
    if (res.result != VC_CMP_INCOMPATIBLE)
        return 1;
    push_strings(L, res.features, res.nfeatures);
    if (res.message)
        lua_pushstring(L, res.message);
    else
        lua_pushnil(L);
    return 3;
}

/* Adds the CPUs of the value at idx, converted into the scratch arena. */
static int add_cpus(lua_State *L, vc_baseline *b, int idx, vc_arena *scratch, const char *path, vc_error *err)
{
    size_t n;
    vc_cpu **cpus = cpus_of(L, idx, 1, scratch, path, true, &n, err);
    if (!cpus)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (vc_baseline_add(b, cpus[i], err) < 0)
            return -1;
    return 0;
}

static int prefixed(lua_State *L, const char *path, vc_error *err)
{
    if (err->code != VC_ENOMEM) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        if (strncmp(msg, path, strlen(path)) != 0)
            snprintf(err->msg, sizeof err->msg, "%s: %.*s", path, (int)(sizeof msg - 64), msg);
    }
    return vc_lua_fail(L, err);
}

/* The largest CPU every given host CPU can run (virsh cpu-baseline).
 * Documented (LDoc) in lua/virtcaps/cpu.lua. */
static int l_baseline(lua_State *L)
{
    luaL_argexpected(L, lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TTABLE, 1, "string or table");
    vc_lua_check_nargs(L, 2);
    const char *dir;
    vc_baseline_opts opts;
    vc_arena *a = cpu_options(L, 2, &dir, &opts);
    vc_cpu_db *db = get_db(L, dir);
    int top = lua_gettop(L);
    vc_baseline *b = vc_baseline_new(db, a);
    if (!b)
        return luaL_error(L, "out of memory");
    vc_error err;
    if (lua_type(L, 1) == LUA_TSTRING) {
        vc_arena *scratch = vc_lua_arena(L);
        if (add_cpus(L, b, 1, scratch, "cpus", &err) < 0)
            return vc_lua_fail(L, &err);
        vc_lua_release(L, -1);
        lua_pop(L, 1);
    } else {
        size_t n = (size_t)lua_rawlen(L, 1);
        lua_pushnil(L);
        if (n == 0 && lua_next(L, 1))
            return luaL_argerror(L, 1, "a list of CPUs expected");
        lua_settop(L, top);
        vc_arena *scratch = NULL;
        for (size_t i = 0; i < n; i++) {
            if (i % BATCH == 0) {
                if (scratch) {
                    vc_lua_release(L, -1);
                    lua_pop(L, 1);
                }
                scratch = vc_lua_arena(L);
            }
            char path[48];
            snprintf(path, sizeof path, "cpus[%zu]", i + 1);
            lua_rawgeti(L, 1, (lua_Integer)i + 1);
            int rc = add_cpus(L, b, lua_gettop(L), scratch, path, &err);
            lua_pop(L, 1);
            if (rc < 0)
                return prefixed(L, path, &err);
        }
        if (scratch) {
            vc_lua_release(L, -1);
            lua_pop(L, 1);
        }
    }
    vc_cpu *out = vc_cpu_new(a);
    if (!out)
        return luaL_error(L, "out of memory");
    if (vc_baseline_finish(b, &opts, out, &err) < 0)
        return vc_lua_fail(L, &err);
    vc_push_cpu(L, out);
    return 1;
}

void vc_lua_open_cpu(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"cpu_decode", l_decode},   {"cpu_parse_cpudata", l_parse_cpudata}, {"cpu_format_cpudata", l_format_cpudata},
        {"cpu_host_cpudata", l_host_cpudata}, {"cpu_format", l_format}, {"cpu_compare", l_compare},
        {"cpu_baseline", l_baseline}, {NULL, NULL},
    };
    vc_lua_register_owner(L, VC_CPU_DB_TYPE);
    luaL_setfuncs(L, functions, 0);
}
