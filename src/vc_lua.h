/* Shared by the binding's C files: the model as Lua tables, and arenas owned
 * by Lua userdata so that a raised error frees them. */
#ifndef VC_LUA_H
#define VC_LUA_H

#include <lauxlib.h>
#include <lua.h>

#include "model/model.h"

#if LUA_VERSION_NUM < 504
#error "virtcaps needs Lua 5.4"
#endif

/* These raise (they long-jump) and never return: saying so lets the
 * compiler and the analyzers follow the binding's code. */
LUALIB_API int luaL_error(lua_State *L, const char *fmt, ...) __attribute__((noreturn));
LUALIB_API int luaL_argerror(lua_State *L, int arg, const char *extramsg) __attribute__((noreturn));
LUA_API int lua_error(lua_State *L) __attribute__((noreturn));

#define VC_ARENA_TYPE "virtcaps.Arena"
#define VC_CPU_DB_TYPE "virtcaps.CpuModels"

/* Owners: userdata of a registered type holding one pointer, released with
 * its release function when Lua drops them or vc_lua_release is called. */
void vc_lua_register_owner(lua_State *L, const char *type);
/* Pushes an owner of type holding nothing yet: set *slot after acquiring. */
void **vc_lua_owner(lua_State *L, const char *type, void (*release)(void *));
/* Pushes a userdata owning a fresh arena; raises on OOM. */
vc_arena *vc_lua_arena(lua_State *L);
/* Pushes a userdata owning caps (takes ownership, frees on error paths). */
void vc_lua_own_caps(lua_State *L, vc_caps *caps);
/* Frees the arena owned by the userdata at idx now (idempotent). */
void vc_lua_release(lua_State *L, int idx);
void vc_lua_register_arena(lua_State *L);

/* Pushers into the table on top of the stack; absent values (NULL,
 * VC_UNSET, VC_UNSET_B, false) are left out. */
static inline void set_str(lua_State *L, const char *k, const char *v)
{
    if (v) {
        lua_pushstring(L, v);
        lua_setfield(L, -2, k);
    }
}

static inline void set_int(lua_State *L, const char *k, int64_t v)
{
    if (v != VC_UNSET) {
        lua_pushinteger(L, (lua_Integer)v);
        lua_setfield(L, -2, k);
    }
}

static inline void set_bool(lua_State *L, const char *k, int8_t v)
{
    if (v != VC_UNSET_B) {
        lua_pushboolean(L, v);
        lua_setfield(L, -2, k);
    }
}

static inline void set_true(lua_State *L, const char *k, bool v)
{
    if (v) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, k);
    }
}

/* Pushes a list of strings. */
static inline void push_strings(lua_State *L, char *const *list, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, list[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* table.c: model -> tables */
void vc_push_caps(lua_State *L, const vc_caps *caps);
void vc_push_cpu(lua_State *L, const vc_cpu *cpu);
/* table.c: tables -> model; raise "path: what is wrong" on misuse. The caps
 * are owned by a userdata left on the stack. */
vc_caps *vc_check_caps(lua_State *L, int idx);
/* table.c: the metatables vc_push_caps gives its tables from now on in this
 * state (the table at idx: caps, host, cpu, cell, cell_cpu, guests, guest,
 * machine, domain); raises on misuse. */
void vc_lua_set_metatables(lua_State *L, int idx);
vc_cpu *vc_check_cpu(lua_State *L, int idx, vc_arena *a, const char *path);

/* binding.c: argument checks shared by the binding's files. Option readers
 * raise "bad argument #1 (...)"; read_path_maps leaves its array on the stack. */
void check_nargs(lua_State *L, int max);
void check_options(lua_State *L, int opts, const char *const *known);
/* Whether the table at idx has a key that is not a string of known; the
 * key is then left on the top of the stack. */
bool unknown_key(lua_State *L, int idx, const char *const *known);
const char *opt_string(lua_State *L, int opts, const char *key);
struct vc_path_map *read_path_maps(lua_State *L, int opts, size_t *n);
/* Pushes a userdata owning an empty vc_buf, freed when Lua drops it. */
vc_buf *new_buffer(lua_State *L);
/* Pushes the text of a buffer from new_buffer and frees it now; raises
 * when it ran out of memory. */
void push_buffer(lua_State *L, vc_buf *b);

/* binding_lua.c: XPath, domain definitions, cpusets, detect_virt; adds them
 * to the module table on the top of the stack. */
void vc_lua_open_tools(lua_State *L);
/* binding_cpu.c: adds the cpu_* functions to the table on top; the CPU
 * model database of a directory (NULL: the default), loaded once per state */
void vc_lua_open_cpu(lua_State *L);
struct vc_cpu_db *vc_lua_cpu_db(lua_State *L, const char *dir);

/* Raises a Lua error carrying err, or returns luaL_pushfail + message. */
int vc_lua_fail(lua_State *L, const vc_error *err);

__attribute__((visibility("default"))) int luaopen_virtcaps_core(lua_State *L);

#endif
