/* virtcaps.core: the Lua face of the C core. Expected failures return
 * nil, message; misuse raises with the argument number. */
#include "base/hostfs.h"
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

/* ---- documents ---- */

static void push_caps(lua_State *L, const void *caps)
{
    vc_push_caps(L, caps);
}

/* The tables of caps just read, or nil, message (vc_lua_push_read). */
static int push_caps_result(lua_State *L, void **slot, const vc_caps *caps, const vc_error *err)
{
    return vc_lua_push_read(L, slot, caps, caps ? caps->arena : NULL, push_caps, err);
}

/* Parses a capabilities document. Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_parse(lua_State *L)
{
    size_t len;
    const char *xml = luaL_checklstring(L, 1, &len);
    vc_lua_check_nargs(L, 1);
    vc_error err;
    void **slot = vc_lua_arena_owner(L);
    return push_caps_result(L, slot, vc_xml_read(xml, len, &err), &err);
}

/* Reads and parses a capabilities document from a file.
 * Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_load(lua_State *L)
{
    const char *path = vc_lua_check_text(L, 1, NULL);
    vc_lua_check_nargs(L, 1);
    vc_error err;
    void **slot = vc_lua_arena_owner(L);
    return push_caps_result(L, slot, vc_xml_read_file(path, &err), &err);
}

/* Formats a capabilities table in the reference's exact layout.
 * Raises "path: what is wrong" for a table that is not capabilities.
 * Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_format(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    vc_lua_check_nargs(L, 1);
    vc_caps *caps = vc_check_caps(L, 1);
    vc_error err;
    if (vc_caps_validate(caps, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    vc_buf *out = vc_lua_buffer(L);
    if (vc_xml_write(caps, out, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    vc_lua_push_buffer(L, out);
    vc_lua_release(L, 2);
    return 1;
}

/* ---- probe ---- */

static const vc_opt probe_options[] = {
    {"root", VC_OPT_STRING},     {"paths", VC_OPT_MAP},        {"arch", VC_OPT_STRING},
    {"clusters", VC_OPT_BOOLEAN}, {"drivers", VC_OPT_LIST},    {"qemu_dirs", VC_OPT_LIST},
    {"cache_dir", VC_OPT_STRING}, {"cache", VC_OPT_BOOLEAN},   {"timeout", VC_OPT_NUMBER},
    {"cpu_map", VC_OPT_STRING},  {"cpuid", VC_OPT_STRING},     {"threads_per_subcore", VC_OPT_NUMBER},
    {NULL, VC_OPT_STRING},
};
enum { O_ROOT, O_PATHS, O_ARCH, O_CLUSTERS, O_DRIVERS, O_QEMU_DIRS, O_CACHE_DIR, O_CACHE, O_TIMEOUT, O_CPU_MAP,
       O_CPUID, O_THREADS_PER_SUBCORE, N_PROBE_OPTIONS };

/* Reads the probe options of argument 1 (absent or nil: defaults) into
 * an arena it pushes, which holds them for the rest of the call. */
static vc_arena *read_probe_options(lua_State *L, vc_probe_opts *opts)
{
    vc_optval v[N_PROBE_OPTIONS];
    memset(opts, 0, sizeof *opts);
    vc_arena *a = vc_lua_options(L, 1, probe_options, v);
    const vc_optval *timeout = &v[O_TIMEOUT], *tps = &v[O_THREADS_PER_SUBCORE];
    if (timeout->given && (!timeout->is_number || !(timeout->number > 0) || timeout->number > 3600))
        luaL_argerror(L, 1, "option 'timeout': seconds between 0 and 3600 expected");
    if (tps->given && (!tps->is_integer || tps->integer < 0 || tps->integer > 64))
        luaL_argerror(L, 1, "option 'threads_per_subcore': an integer from 0 to 64 expected");
    opts->root = v[O_ROOT].str;
    opts->paths = v[O_PATHS].map;
    opts->npaths = v[O_PATHS].n;
    opts->arch = v[O_ARCH].str;
    opts->clusters = v[O_CLUSTERS].boolean;
    opts->drivers_given = v[O_DRIVERS].given;
    opts->drivers = v[O_DRIVERS].list;
    opts->ndrivers = v[O_DRIVERS].n;
    opts->qemu_dirs = v[O_QEMU_DIRS].list;
    opts->nqemu_dirs = v[O_QEMU_DIRS].n;
    opts->cache_dir = v[O_CACHE_DIR].str;
    opts->no_cache = v[O_CACHE].given && !v[O_CACHE].boolean;
    if (timeout->given) {
        int ms = (int)(timeout->number * 1000);
        opts->timeout_ms = ms < 1 ? 1 : ms;
    }
    opts->cpu_map = v[O_CPU_MAP].str;
    opts->cpuid = v[O_CPUID].str;
    opts->threads_per_subcore_given = tps->given;
    opts->threads_per_subcore = (int)tps->integer;
    return a;
}

/* The probe probe's and probe_xml's argument asks for, the owner of its
 * result in *slot (on the top of the stack). */
static vc_caps *probe_from_args(lua_State *L, void ***slot, vc_error *err)
{
    vc_probe_opts opts;
    vc_lua_check_nargs(L, 1);
    read_probe_options(L, &opts);
    opts.cpu_db = vc_lua_cpu_db(L, opts.cpu_map);
    *slot = vc_lua_arena_owner(L);
    return vc_probe(&opts, err);
}

/* Probes this host. Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_probe(lua_State *L)
{
    void **slot;
    vc_error err;
    vc_caps *caps = probe_from_args(L, &slot, &err);
    return push_caps_result(L, slot, caps, &err);
}

/* Probes this host and formats the document at once, without building the
 * tables (what `virtcaps` with no arguments prints); the warnings are left
 * out, as `virsh capabilities` has none. Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_probe_xml(lua_State *L)
{
    void **slot;
    vc_error err;
    vc_caps *caps = probe_from_args(L, &slot, &err);
    if (!caps)
        return vc_lua_fail(L, &err);
    *slot = caps->arena;
    if (vc_caps_validate(caps, &err) < 0)
        return vc_lua_fail(L, &err);
    vc_buf *out = vc_lua_buffer(L);
    if (vc_xml_write(caps, out, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    vc_lua_push_buffer(L, out);
    vc_lua_release(L, -3);
    return 1;
}

/* The reference's `virsh nodeinfo` numbers for this host.
 * Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_nodeinfo(lua_State *L)
{
    vc_probe_opts opts;
    vc_lua_check_nargs(L, 1);
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

/* The host CPU's signature line, as the reference computes it (x86,
 * ppc64 and s390 only). Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_signature(lua_State *L)
{
    vc_probe_opts opts;
    vc_lua_check_nargs(L, 1);
    vc_arena *a = read_probe_options(L, &opts);
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

/* Whether a file descriptor is a terminal (the command line's progress line). */
static int l_isatty(lua_State *L)
{
    lua_Integer fd = luaL_checkinteger(L, 1);
    vc_lua_check_nargs(L, 1);
    lua_pushboolean(L, fd >= 0 && fd <= INT_MAX && isatty((int)fd));
    return 1;
}

/* The metatables parse, load and probe give their tables from now on in
 * this Lua state (virtcaps registers its own once; it sets them while the
 * tables are built). */
static int l_set_metatables(lua_State *L)
{
    vc_lua_check_nargs(L, 1);
    vc_lua_set_metatables(L, 1);
    return 0;
}

/* read_file(path, limit): a regular file's bytes, at most limit; nil,
 * "PATH: what" otherwise. The type is checked on the descriptor opened
 * without blocking, so a FIFO or device swapped in after any check is
 * refused, never waited on. */
static int l_read_file(lua_State *L)
{
    vc_lua_check_nargs(L, 2);
    const char *path = vc_lua_check_text(L, 1, NULL);
    lua_Integer limit = luaL_checkinteger(L, 2);
    luaL_argcheck(L, limit >= 0, 2, "a size in bytes expected");
    vc_buf *b = vc_lua_buffer(L);
    vc_error err;
    if (!(b->data = vc_read_file(path, (size_t)limit, &b->len, &err)))
        return vc_lua_fail(L, &err);
    b->cap = b->len + 1;
    vc_lua_push_buffer(L, b);
    return 1;
}

static const luaL_Reg functions[] = {
    {"parse", l_parse},   {"load", l_load},   {"format", l_format},
    {"probe", l_probe}, {"probe_xml", l_probe_xml}, {"nodeinfo", l_nodeinfo},
    {"signature", l_signature}, {"isatty", l_isatty}, {"read_file", l_read_file},
    {"set_metatables", l_set_metatables}, {NULL, NULL},
};

int luaopen_virtcaps_core(lua_State *L)
{
    xmlCheckVersion(LIBXML_VERSION);
    vc_lua_register_owners(L);
    luaL_newlib(L, functions);
    vc_lua_open_tools(L);
    vc_lua_open_cpu(L);
    vc_lua_open_domcaps(L);
    vc_lua_open_qemucaps(L);
    vc_lua_open_firmware(L);
    lua_pushliteral(L, "virtcaps.core " VC_VERSION);
    lua_setfield(L, -2, "_VERSION");
    return 1;
}
