/* virtcaps.core, the tools the Lua layer builds on: XPath, domain
 * definitions, cpusets and what the host itself runs under. Expected
 * failures return nil, message; misuse raises. */
#include "base/idset.h"
#include "base/options.h"
#include "host/host.h"
#include "xml/xml.h"
#include "vc_lua.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Evaluates an XPath 1.0 expression over an XML document (parsed like
 * capabilities documents: no DTD, no network). Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_xpath(lua_State *L)
{
    size_t len;
    const char *xml = luaL_checklstring(L, 1, &len);
    const char *expr = vc_lua_check_text(L, 2, NULL);
    vc_lua_check_nargs(L, 2);
    vc_arena *a = vc_lua_arena(L);
    vc_xpath_result r;
    vc_error err;
    if (vc_xpath(xml, len, expr, a, &r, &err) < 0) {
        vc_lua_release(L, -1);
        return vc_lua_fail(L, &err);
    }
    switch (r.kind) {
    case VC_XPATH_NODES:
        push_strings(L, r.strings, r.nstrings);
        break;
    case VC_XPATH_STRING:
        lua_pushstring(L, r.strings[0]);
        break;
    case VC_XPATH_NUMBER: {
        /* count() and friends read better as integers. */
        lua_Integer i;
        if (isfinite(r.number) && floor(r.number) == r.number && lua_numbertointeger(r.number, &i))
            lua_pushinteger(L, i);
        else
            lua_pushnumber(L, r.number);
        break;
    }
    case VC_XPATH_BOOLEAN:
        lua_pushboolean(L, r.boolean);
        break;
    }
    vc_lua_release(L, -2);
    return 1;
}

static void push_cells(lua_State *L, const vc_domain_def *d)
{
    lua_createtable(L, (int)d->ncells, 0);
    for (size_t i = 0; i < d->ncells; i++) {
        lua_createtable(L, 0, 3);
        set_int(L, "id", d->cells[i].id);
        set_str(L, "cpus", d->cells[i].cpus);
        set_int(L, "memory", d->cells[i].memory);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "numa");
}

static void push_numatune(lua_State *L, const vc_domain_def *d)
{
    lua_createtable(L, 0, 4);
    set_str(L, "mode", d->numa_mode);
    set_str(L, "nodeset", d->numa_nodeset);
    set_str(L, "placement", d->numa_placement);
    lua_createtable(L, (int)d->nmemnodes, 0);
    for (size_t i = 0; i < d->nmemnodes; i++) {
        lua_createtable(L, 0, 3);
        set_int(L, "cellid", d->memnodes[i].cellid);
        set_str(L, "mode", d->memnodes[i].mode);
        set_str(L, "nodeset", d->memnodes[i].nodeset);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "memnodes");
    lua_setfield(L, -2, "numatune");
}

static void push_domain(lua_State *L, const vc_domain_def *d)
{
    lua_createtable(L, 0, 12);
    set_str(L, "type", d->type);
    set_str(L, "name", d->name);
    if (d->os_type) {
        lua_createtable(L, 0, 3);
        set_str(L, "type", d->os_type);
        set_str(L, "arch", d->arch);
        set_str(L, "machine", d->machine);
        lua_setfield(L, -2, "os");
    }
    set_str(L, "emulator", d->emulator);
    if (d->vcpus != VC_UNSET) {
        lua_createtable(L, 0, 4);
        set_int(L, "count", d->vcpus);
        set_int(L, "current", d->current_vcpus);
        set_str(L, "placement", d->vcpu_placement);
        set_str(L, "cpuset", d->vcpu_cpuset);
        lua_setfield(L, -2, "vcpu");
    }
    set_int(L, "memory", d->memory);
    set_int(L, "current_memory", d->current_memory);
    set_int(L, "max_memory", d->max_memory);
    if (d->ncells)
        push_cells(L, d);
    if (d->hugepages) {
        lua_createtable(L, (int)d->npages, 0);
        for (size_t i = 0; i < d->npages; i++) {
            lua_createtable(L, 0, 2);
            set_int(L, "size", d->pages[i].size);
            set_str(L, "nodeset", d->pages[i].nodeset);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "hugepages");
    }
    if (d->has_numatune)
        push_numatune(L, d);
    if (d->cpu_xml) {
        lua_createtable(L, 0, 2);
        set_str(L, "mode", d->cpu_mode);
        set_str(L, "xml", d->cpu_xml);
        lua_setfield(L, -2, "cpu");
    }
}

/* Reads the parts of a libvirt domain definition that placement checks use.
 * Sizes are KiB integers. Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_domain(lua_State *L)
{
    size_t len;
    const char *xml = luaL_checklstring(L, 1, &len);
    vc_lua_check_nargs(L, 1);
    vc_arena *a = vc_lua_arena(L);
    vc_error err;
    vc_domain_def *d = vc_domain_read(xml, len, a, &err);
    if (!d) {
        vc_lua_release(L, -1);
        return vc_lua_fail(L, &err);
    }
    push_domain(L, d);
    vc_lua_release(L, -2);
    return 1;
}

/* Parses a cpuset ("0-3,8,^2") into a sorted list of CPU numbers.
 * Documented (LDoc) in lua/virtcaps/units.lua. */
static int l_cpuset(lua_State *L)
{
    const char *s = vc_lua_check_text(L, 1, NULL);
    vc_lua_check_nargs(L, 1);
    vc_arena *a = vc_lua_arena(L);
    vc_idset set;
    vc_error err;
    if (vc_cpuset_parse(a, s, &set, &err) < 0) {
        vc_lua_release(L, -1);
        return vc_lua_fail(L, &err);
    }
    lua_createtable(L, (int)set.count, 0);
    lua_Integer k = 0;
    for (size_t i = 0; i < set.n; i++) {
        for (int64_t id = set.ranges[i].first; id <= set.ranges[i].last; id++) {
            lua_pushinteger(L, (lua_Integer)id);
            lua_rawseti(L, -2, ++k);
        }
    }
    vc_lua_release(L, -2);
    return 1;
}

/* Formats CPU numbers as the reference writes cpusets ("0-3,8"); the list
 * may be in any order and have duplicates. Raises for anything but CPU numbers.
 * Documented (LDoc) in lua/virtcaps/units.lua. */
static int l_cpuset_format(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    vc_lua_check_nargs(L, 1);
    size_t n = (size_t)lua_rawlen(L, 1);
    vc_arena *a = vc_lua_arena(L);
    int64_t *ids = vc_array(a, n ? n : 1, sizeof *ids);
    if (!ids)
        return luaL_error(L, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int isint = 0;
        lua_Integer v = 0;
        if (lua_rawgeti(L, 1, (lua_Integer)i + 1) == LUA_TNUMBER)
            v = lua_tointegerx(L, -1, &isint);
        if (!isint || v < 0 || v >= VC_CPUSET_MAX)
            return luaL_argerror(L, 1, lua_pushfstring(L, "CPU numbers from 0 to %d expected, got %s at [%d]",
                                                       VC_CPUSET_MAX - 1, luaL_tolstring(L, -1, NULL), (int)i + 1));
        ids[i] = (int64_t)v;
        lua_pop(L, 1);
    }
    vc_idset set;
    if (vc_idset_from_ids(a, ids, n, &set) < 0)
        return luaL_error(L, "out of memory");
    vc_buf *out = vc_lua_buffer(L);
    vc_idset_write(out, &set);
    vc_lua_push_buffer(L, out);
    lua_remove(L, -2);
    vc_lua_release(L, -2);
    return 1;
}

/* What this host itself runs under, with the names systemd-detect-virt
 * prints for --vm and --container. Documented (LDoc) in lua/virtcaps/init.lua. */
static int l_detect_virt(lua_State *L)
{
    static const vc_opt known[] = {{"root", VC_OPT_STRING}, {"paths", VC_OPT_MAP}, {"cpuid", VC_OPT_STRING},
                                   {NULL, VC_OPT_STRING}};
    vc_lua_check_nargs(L, 1);
    vc_optval o[3];
    vc_lua_options(L, 1, known, o);
    const char *cpuid = o[2].str;
    if (cpuid && strlen(cpuid) > 12)
        return luaL_argerror(L, 1, "option 'cpuid': at most 12 characters expected");
    vc_probe_opts opts = {.root = o[0].str, .paths = o[1].map, .npaths = o[1].n};
    vc_virt v;
    vc_error err;
    if (vc_detect_virt(&opts, cpuid, &v, &err) < 0)
        return vc_lua_fail(L, &err);
    lua_createtable(L, 0, 2);
    set_str(L, "vm", v.vm);
    set_str(L, "container", v.container);
    return 1;
}

void vc_lua_open_tools(lua_State *L)
{
    static const luaL_Reg tools[] = {
        {"xpath", l_xpath},   {"domain", l_domain}, {"cpuset", l_cpuset}, {"cpuset_format", l_cpuset_format},
        {"detect_virt", l_detect_virt}, {NULL, NULL},
    };
    luaL_setfuncs(L, tools, 0);
}
