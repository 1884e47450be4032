/* virtcaps.core: the Lua face of the C core. Expected failures return
 * nil, message; misuse raises with the argument number. */
#include "base/options.h"
#include "host/host.h"
#include "model/model.h"
#include "probe.h"
#include "xml/xml.h"
#include "vc_lua.h"

#include <libxml/parser.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VC_BUFFER_TYPE "virtcaps.Buffer"

/* ---- owners: userdata that free C memory when Lua drops them ---- */

typedef struct owner {
    void *p;
    void (*release)(void *);
} owner;

static void release(owner *o)
{
    if (o->p)
        o->release(o->p);
    o->p = NULL;
}

/* __gc and __close; the type's name is the upvalue. */
static int owner_gc(lua_State *L)
{
    release(luaL_checkudata(L, 1, lua_tostring(L, lua_upvalueindex(1))));
    return 0;
}

void vc_lua_register_owner(lua_State *L, const char *type)
{
    static const luaL_Reg meta[] = {{"__gc", owner_gc}, {"__close", owner_gc}, {NULL, NULL}};
    if (luaL_newmetatable(L, type)) {
        lua_pushstring(L, type);
        luaL_setfuncs(L, meta, 1);
    }
    lua_pop(L, 1);
}

void **vc_lua_owner(lua_State *L, const char *type, void (*release_fn)(void *))
{
    owner *o = lua_newuserdatauv(L, sizeof *o, 0);
    o->p = NULL;
    o->release = release_fn;
    luaL_setmetatable(L, type);
    return &o->p;
}

static void free_arena(void *a)
{
    vc_arena_free(a);
}

vc_arena *vc_lua_arena(lua_State *L)
{
    void **slot = vc_lua_owner(L, VC_ARENA_TYPE, free_arena);
    if (!(*slot = vc_arena_new()))
        luaL_error(L, "out of memory");
    return *slot;
}

void vc_lua_own_caps(lua_State *L, vc_caps *caps)
{
    /* lua_newuserdatauv may raise; free caps rather than leak them then. */
    if (!lua_checkstack(L, 2)) {
        vc_caps_free(caps);
        luaL_error(L, "out of memory");
    }
    *vc_lua_owner(L, VC_ARENA_TYPE, free_arena) = caps->arena;
}

void vc_lua_release(lua_State *L, int idx)
{
    release(luaL_checkudata(L, idx, VC_ARENA_TYPE));
}

static int buffer_gc(lua_State *L)
{
    vc_buf_free(luaL_checkudata(L, 1, VC_BUFFER_TYPE));
    return 0;
}

vc_buf *new_buffer(lua_State *L)
{
    vc_buf *b = lua_newuserdatauv(L, sizeof *b, 0);
    vc_buf_init(b);
    luaL_setmetatable(L, VC_BUFFER_TYPE);
    return b;
}

void push_buffer(lua_State *L, vc_buf *b)
{
    if (b->oom)
        luaL_error(L, "out of memory");
    lua_pushlstring(L, b->data ? b->data : "", b->len);
    vc_buf_free(b);
}

void vc_lua_register_arena(lua_State *L)
{
    static const luaL_Reg bmeta[] = {{"__gc", buffer_gc}, {"__close", buffer_gc}, {NULL, NULL}};
    vc_lua_register_owner(L, VC_ARENA_TYPE);
    if (luaL_newmetatable(L, VC_BUFFER_TYPE))
        luaL_setfuncs(L, bmeta, 0);
    lua_pop(L, 1);
}

int vc_lua_fail(lua_State *L, const vc_error *err)
{
    if (err->code == VC_ENOMEM)
        return luaL_error(L, "%s", err->msg);
    if (err->code == VC_EMISUSE)
        return luaL_error(L, "bad argument #1 (%s)", err->msg);
    luaL_pushfail(L);
    lua_pushstring(L, err->msg);
    return 2;
}

void check_nargs(lua_State *L, int max)
{
    int n = lua_gettop(L);
    if (n > max)
        luaL_argerror(L, max + 1,
                      lua_pushfstring(L, "no more than %d argument%s expected, got %d", max, max == 1 ? "" : "s", n));
}

/* ---- documents ---- */

static int push_caps_result(lua_State *L, vc_caps *caps, const vc_error *err)
{
    if (!caps)
        return vc_lua_fail(L, err);
    vc_lua_own_caps(L, caps);
    vc_push_caps(L, caps);
    vc_lua_release(L, -2);
    return 1;
}

/***
 * Parses a capabilities document.
 * @function parse
 * @tparam string xml the document
 * @treturn[1] table the capabilities
 * @treturn[2] nil
 * @treturn[2] string "line N: what is wrong"
 */
static int l_parse(lua_State *L)
{
    size_t len;
    const char *xml = luaL_checklstring(L, 1, &len);
    check_nargs(L, 1);
    vc_error err;
    return push_caps_result(L, vc_xml_read(xml, len, &err), &err);
}

/***
 * Reads and parses a capabilities document from a file.
 * @function load
 * @tparam string path
 * @treturn[1] table the capabilities
 * @treturn[2] nil
 * @treturn[2] string "PATH: line N: what is wrong"
 */
static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    check_nargs(L, 1);
    vc_error err;
    return push_caps_result(L, vc_xml_read_file(path, &err), &err);
}

/***
 * Formats a capabilities table in the reference's exact layout.
 * Raises "path: what is wrong" for a table that is not capabilities.
 * @function format
 * @tparam table caps
 * @treturn string the document
 */
static int l_format(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    check_nargs(L, 1);
    vc_caps *caps = vc_check_caps(L, 1);
    vc_error err;
    if (vc_caps_validate(caps, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    vc_buf *out = new_buffer(L);
    if (vc_xml_write(caps, out, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    push_buffer(L, out);
    vc_lua_release(L, 2);
    return 1;
}

/***
 * Formats a cpu table as a standalone <cpu> element.
 * @function format_cpu
 * @tparam table cpu
 * @treturn string
 */
static int l_format_cpu(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    check_nargs(L, 1);
    vc_arena *a = vc_lua_arena(L);
    vc_cpu *cpu = vc_check_cpu(L, 1, a, "cpu");
    vc_error err;
    if (vc_cpu_validate(cpu, "cpu", &err) < 0)
        return luaL_error(L, "%s", err.msg);
    vc_buf *out = new_buffer(L);
    vc_xml_write_cpu(out, cpu, 0);
    push_buffer(L, out);
    vc_lua_release(L, 2);
    return 1;
}

/* ---- probe ---- */

const char *opt_string(lua_State *L, int opts, const char *key)
{
    lua_getfield(L, opts, key);
    const char *v = NULL;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "bad argument #1 (option '%s': string expected, got %s)", key, luaL_typename(L, -1));
        v = lua_tostring(L, -1);
    }
    lua_pop(L, 1); /* the string stays alive: the options table holds it */
    return v;
}

bool unknown_key(lua_State *L, int idx, const char *const *known)
{
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        bool ok = false;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (const char *const *k = known; *k && !ok; k++)
                ok = strcmp(*k, lua_tostring(L, -1)) == 0;
        if (!ok)
            return true;
    }
    return false;
}

void check_options(lua_State *L, int opts, const char *const *known)
{
    if (unknown_key(L, opts, known))
        luaL_error(L, "bad argument #1 (unknown option '%s')", luaL_tolstring(L, -1, NULL));
}

vc_path_map *read_path_maps(lua_State *L, int opts, size_t *n)
{
    *n = 0;
    lua_getfield(L, opts, "paths");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "bad argument #1 (option 'paths': table expected, got %s)", luaL_typename(L, -1));
    int tbl = lua_gettop(L);
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, tbl)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "bad argument #1 (option 'paths': string keys and values expected)");
        if (lua_tostring(L, -2)[0] != '/')
            luaL_error(L, "bad argument #1 (option 'paths': '%s' is not an absolute path)", lua_tostring(L, -2));
        count++;
        lua_pop(L, 1);
    }
    vc_path_map *maps = lua_newuserdatauv(L, (count ? count : 1) * sizeof *maps, 0);
    lua_replace(L, tbl); /* keeps the maps alive; the strings live in opts.paths */
    lua_getfield(L, opts, "paths");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        maps[*n].prefix = lua_tostring(L, -2);
        maps[*n].replacement = lua_tostring(L, -1);
        (*n)++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return maps;
}

static bool opt_boolean(lua_State *L, int opts, const char *key, bool dflt)
{
    lua_getfield(L, opts, key);
    bool v = dflt;
    if (!lua_isnil(L, -1)) {
        if (!lua_isboolean(L, -1))
            luaL_error(L, "bad argument #1 (option '%s': boolean expected, got %s)", key, luaL_typename(L, -1));
        v = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

/* A list of strings; the array lives in a userdata left on the stack. */
static const char *const *opt_strings(lua_State *L, int opts, const char *key, size_t *n, bool *given)
{
    *n = 0;
    lua_getfield(L, opts, key);
    if (given)
        *given = !lua_isnil(L, -1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "bad argument #1 (option '%s': table expected, got %s)", key, luaL_typename(L, -1));
    int tbl = lua_gettop(L);
    size_t len = (size_t)lua_rawlen(L, tbl);
    const char **list = lua_newuserdatauv(L, (len ? len : 1) * sizeof *list, 1);
    lua_pushvalue(L, tbl);
    lua_setiuservalue(L, -2, 1); /* keeps the strings alive with the array */
    for (size_t i = 0; i < len; i++) {
        if (lua_rawgeti(L, tbl, (lua_Integer)i + 1) != LUA_TSTRING)
            luaL_error(L, "bad argument #1 (option '%s': strings expected, got %s at [%d])", key,
                       luaL_typename(L, -1), (int)i + 1);
        list[i] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    lua_replace(L, tbl);
    *n = len;
    return list;
}

static int opt_timeout_ms(lua_State *L, int opts)
{
    lua_getfield(L, opts, "timeout");
    int ms = 0;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TNUMBER || !(lua_tonumber(L, -1) > 0) || lua_tonumber(L, -1) > 3600)
            luaL_error(L, "bad argument #1 (option 'timeout': seconds between 0 and 3600 expected)");
        ms = (int)(lua_tonumber(L, -1) * 1000);
        if (ms < 1)
            ms = 1;
    }
    lua_pop(L, 1);
    return ms;
}

/* Reads the probe options of argument 1 (absent or nil: defaults). Values
 * stay anchored on the stack for the duration of the call. */
static void read_probe_options(lua_State *L, vc_probe_opts *opts)
{
    static const char *const known[] = {"root", "paths", "arch", "clusters", "drivers", "qemu_dirs",
                                        "cache_dir", "cache", "timeout", "cpu_map", "cpuid", "threads_per_subcore",
                                        NULL};
    memset(opts, 0, sizeof *opts);
    if (lua_isnoneornil(L, 1))
        return;
    luaL_checktype(L, 1, LUA_TTABLE);
    check_options(L, 1, known);
    opts->root = opt_string(L, 1, "root");
    opts->arch = opt_string(L, 1, "arch");
    opts->paths = read_path_maps(L, 1, &opts->npaths);
    opts->clusters = opt_boolean(L, 1, "clusters", false);
    opts->drivers = opt_strings(L, 1, "drivers", &opts->ndrivers, &opts->drivers_given);
    opts->qemu_dirs = opt_strings(L, 1, "qemu_dirs", &opts->nqemu_dirs, NULL);
    opts->cache_dir = opt_string(L, 1, "cache_dir");
    opts->no_cache = !opt_boolean(L, 1, "cache", true);
    opts->timeout_ms = opt_timeout_ms(L, 1);
    opts->cpu_map = opt_string(L, 1, "cpu_map");
    opts->cpuid = opt_string(L, 1, "cpuid");
    lua_getfield(L, 1, "threads_per_subcore");
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 64)
            luaL_error(L, "bad argument #1 (option 'threads_per_subcore': an integer from 0 to 64 expected)");
        opts->threads_per_subcore_given = true;
        opts->threads_per_subcore = (int)lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
}

/***
 * Probes this host.
 * @function probe
 * @tparam[opt] table opts root, paths, arch, clusters, drivers, qemu_dirs, cache_dir, cache, timeout, cpu_map
 * @treturn[1] table capabilities (with warnings)
 * @treturn[2] nil
 * @treturn[2] string
 */
/* The probe asked for by probe's and probe_xml's arguments. */
static vc_caps *probe_from_args(lua_State *L, vc_error *err)
{
    vc_probe_opts opts;
    check_nargs(L, 1);
    read_probe_options(L, &opts);
    opts.cpu_db = vc_lua_cpu_db(L, opts.cpu_map);
    return vc_probe(&opts, err);
}

static int l_probe(lua_State *L)
{
    vc_error err;
    vc_caps *caps = probe_from_args(L, &err);
    return push_caps_result(L, caps, &err);
}

/***
 * Probes this host and formats the document at once, without building the
 * tables (what `virtcaps` with no arguments prints); the warnings are left
 * out, as `virsh capabilities` has none.
 * @function probe_xml
 * @tparam[opt] table opts as for probe
 * @treturn[1] string
 * @treturn[2] nil
 * @treturn[2] string
 */
static int l_probe_xml(lua_State *L)
{
    vc_error err;
    vc_caps *caps = probe_from_args(L, &err);
    if (!caps)
        return vc_lua_fail(L, &err);
    vc_lua_own_caps(L, caps);
    if (vc_caps_validate(caps, &err) < 0)
        return vc_lua_fail(L, &err);
    vc_buf *out = new_buffer(L);
    if (vc_xml_write(caps, out, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    push_buffer(L, out);
    vc_lua_release(L, -3);
    return 1;
}

/***
 * The reference's `virsh nodeinfo` numbers for this host.
 * @function nodeinfo
 * @tparam[opt] table opts root, paths, arch, threads_per_subcore
 * @treturn[1] table {model=, cpus=, maxcpus=, mhz=, nodes=, sockets=, cores=, threads=, memory=} (memory in KiB,
 * absent when /proc/meminfo says nothing)
 * @treturn[2] nil
 * @treturn[2] string what could not be read
 */
static int l_nodeinfo(lua_State *L)
{
    vc_probe_opts opts;
    check_nargs(L, 1);
    read_probe_options(L, &opts);
    vc_node_summary ni;
    vc_error err;
    if (vc_probe_nodeinfo(&opts, &ni, &err) < 0)
        return vc_lua_fail(L, &err);
    lua_createtable(L, 0, 9);
    char arch[64];
    if (vc_probe_arch(&opts, arch, sizeof arch) == 0)
        set_str(L, "model", arch); /* virNodeInfo's model: the architecture */
    set_int(L, "cpus", ni.cpus);
    set_int(L, "maxcpus", ni.maxcpus);
    set_int(L, "mhz", ni.mhz);
    set_int(L, "nodes", ni.nodes);
    set_int(L, "sockets", ni.sockets);
    set_int(L, "cores", ni.cores);
    set_int(L, "threads", ni.threads);
    set_int(L, "memory", ni.memory);
    return 1;
}

/***
 * The host CPU's signature line, as the reference computes it (x86,
 * ppc64 and s390 only).
 * @function signature
 * @tparam[opt] table opts root, paths, arch
 * @treturn[1] string|nil the signature, nil where the reference computes none
 * @treturn[2] nil
 * @treturn[2] string what could not be read
 */
static int l_signature(lua_State *L)
{
    vc_probe_opts opts;
    check_nargs(L, 1);
    read_probe_options(L, &opts);
    vc_arena *a = vc_lua_arena(L);
    char *sig;
    vc_error err;
    if (vc_probe_signature(&opts, a, &sig, &err) < 0)
        return vc_lua_fail(L, &err);
    if (sig)
        lua_pushstring(L, sig);
    else
        lua_pushnil(L);
    return 1;
}

/***
 * Whether a file descriptor is a terminal (the command line's progress line).
 * @function isatty
 * @tparam integer fd
 * @treturn boolean
 */
static int l_isatty(lua_State *L)
{
    lua_Integer fd = luaL_checkinteger(L, 1);
    check_nargs(L, 1);
    lua_pushboolean(L, fd >= 0 && fd <= INT_MAX && isatty((int)fd));
    return 1;
}

/***
 * The metatables parse, load and probe give their tables from now on in
 * this Lua state (virtcaps registers its own once; it sets them while the
 * tables are built).
 * @function set_metatables
 * @tparam table metatables caps, host, cpu (the host CPU), cell, cell_cpu,
 * guests (the list), guest, machine, domain
 */
static int l_set_metatables(lua_State *L)
{
    check_nargs(L, 1);
    vc_lua_set_metatables(L, 1);
    return 0;
}

static const luaL_Reg functions[] = {
    {"parse", l_parse},   {"load", l_load},   {"format", l_format},
    {"format_cpu", l_format_cpu}, {"probe", l_probe}, {"probe_xml", l_probe_xml}, {"nodeinfo", l_nodeinfo},
    {"signature", l_signature}, {"isatty", l_isatty},
    {"set_metatables", l_set_metatables}, {NULL, NULL},
};

int luaopen_virtcaps_core(lua_State *L)
{
    xmlCheckVersion(LIBXML_VERSION);
    vc_lua_register_arena(L);
    luaL_newlib(L, functions);
    vc_lua_open_tools(L);
    vc_lua_open_cpu(L);
    lua_pushliteral(L, "virtcaps.core " VC_VERSION);
    lua_setfield(L, -2, "_VERSION");
    return 1;
}
