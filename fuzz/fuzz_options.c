/* Random options tables, metamethods included, through every function that
 * takes one (the binding's one options reader). The bytes drive a small Lua
 * program that builds the table: keys known and unknown, values of every
 * type, nested lists and maps, and __index, __len and __pairs functions
 * that collect garbage and answer differently on each call. Misuse raises
 * and is caught; the sanitizers catch the rest. Links Lua and the binding. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>

int luaopen_virtcaps_core(lua_State *L);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *const program =
    "local core = require 'virtcaps.core'\n"
    "local bytes = ...\n"
    "local pos = 0\n"
    "local function byte() pos = pos + 1; return bytes:byte(pos) or 0 end\n"
    "local KEYS = { 'root', 'paths', 'arch', 'clusters', 'drivers', 'qemu_dirs', 'cache_dir', 'cache',\n"
    "  'timeout', 'cpu_map', 'cpuid', 'threads_per_subcore', 'expand', 'migratable', 'bogus', 1 }\n"
    "local STRINGS = { '/nonexistent', 'spec/fixtures/probe/vm-x86_64', 'x86_64', 'aarch64', '', 'qemu', 'xen',\n"
    "  'lxc', '/', 'a\\0b', '/etc', 'KVMKVMKVM', ('/x'):rep(40) }\n"
    "local value\n"
    "local function str() local n = byte() % (#STRINGS + 1)\n"
    "  if n == 0 then local k = byte() % 8; return bytes:sub(pos + 1, pos + k) end\n"
    "  return STRINGS[n] end\n"
    "local function tbl(depth)\n"
    "  local t = {}\n"
    "  for _ = 1, byte() % 4 do\n"
    "    if byte() % 2 == 0 then t[#t + 1] = value(depth + 1) else t[str()] = value(depth + 1) end\n"
    "  end\n"
    "  local m = byte()\n"
    "  if m % 5 == 0 then\n"
    "    local calls = 0\n"
    "    setmetatable(t, {\n"
    "      __index = function(_, k) calls = calls + 1; collectgarbage()\n"
    "        if calls % 3 == 0 then return nil end\n"
    "        if type(k) == 'string' then return m % 2 == 0 and str() .. ('/'):rep(calls) or tbl(depth + 1) end\n"
    "        return str() end,\n"
    "      __len = function() collectgarbage(); return byte() * 1000 end,\n"
    "      __pairs = function() collectgarbage(); return next, { x = str() }, nil end,\n"
    "    })\n"
    "  elseif m % 7 == 0 then setmetatable(t, { __mode = 'kv' })\n"
    "  end\n"
    "  return t\n"
    "end\n"
    "value = function(depth)\n"
    "  local k = byte() % 7\n"
    "  if k == 0 or depth > 3 then return str() elseif k == 1 then return byte() - 128\n"
    "  elseif k == 2 then return byte() / 7 elseif k == 3 then return byte() % 2 == 0\n"
    "  elseif k == 4 then return tbl(depth) elseif k == 5 then return nil end\n"
    "  return function() end\n"
    "end\n"
    "local FUNCS = {\n"
    "  function(o) return core.detect_virt(o) end,\n"
    "  function(o) return core.nodeinfo(o) end,\n"
    "  function(o) return core.signature(o) end,\n"
    "  function(o) rawset(o, 'drivers', {}); rawset(o, 'cache', false); rawset(o, 'root', '/nonexistent');\n"
    "    rawset(o, 'cpuid', nil); return core.probe_xml(o) end,\n"
    "  function(o) return core.cpu_host_cpudata(o) end,\n"
    "  function(o) return core.cpu_baseline({}, o) end,\n"
    "}\n"
    "while pos < #bytes do\n"
    "  local o = tbl(0)\n"
    "  for _ = 1, byte() % 6 do o[KEYS[byte() % #KEYS + 1]] = value(1) end\n"
    "  pcall(FUNCS[byte() % #FUNCS + 1], o)\n"
    "end\n";

static lua_State *state(void)
{
    static lua_State *L; /* one per fuzzing process */
    if (!L) {
        L = luaL_newstate();
        luaL_openlibs(L);
        luaL_requiref(L, "virtcaps.core", luaopen_virtcaps_core, 0);
        lua_pop(L, 1);
    }
    return L;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    lua_State *L = state();
    if (luaL_loadstring(L, program) != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        abort();
    }
    lua_pushlstring(L, (const char *)data, size);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        abort(); /* the driver program itself failed */
    }
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}
