/* Shared by the binding's C files: the model as Lua tables, and arenas owned
 * by Lua userdata so that a raised error frees them. */
#ifndef VC_LUA_H
#define VC_LUA_H

#include <lauxlib.h>
#include <lua.h>
#include <stdarg.h>

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

/* helpers.c. Owners: userdata of a registered type holding one pointer,
 * released with its release function when Lua drops them or vc_lua_release
 * is called. Each is pushed before what it will own is acquired. */
void vc_lua_register_owner(lua_State *L, const char *type);
/* Registers the arena and buffer types. */
void vc_lua_register_owners(lua_State *L);
/* Pushes an owner of type holding nothing yet: set *slot after acquiring. */
void **vc_lua_owner(lua_State *L, const char *type, void (*release)(void *));
/* Pushes an empty owner of an arena (a caps model: its caps->arena). */
void **vc_lua_arena_owner(lua_State *L);
/* Pushes a userdata owning a fresh arena; raises on OOM. */
vc_arena *vc_lua_arena(lua_State *L);
/* Frees the arena owned by the userdata at idx now (idempotent). */
void vc_lua_release(lua_State *L, int idx);
/* Pushes a userdata owning an empty vc_buf, freed when Lua drops it. */
vc_buf *vc_lua_buffer(lua_State *L);
/* Pushes the text of a buffer from vc_lua_buffer and frees it now; raises
 * when it ran out of memory. */
void vc_lua_push_buffer(lua_State *L, vc_buf *b);

/* helpers.c: n more stack slots, or an "out of memory" error. */
void vc_lua_need_stack(lua_State *L, int n);
/* helpers.c: argument checks; they raise "bad argument #N to 'f' (...)". */
void vc_lua_check_nargs(lua_State *L, int max);
/* A string argument without NUL bytes (libxml2 and C strings stop at one). */
const char *vc_lua_check_text(lua_State *L, int arg, size_t *len);
/* Whether the table at idx has a key (read raw) that is not a string of
 * known; the key is then left on the top of the stack. */
bool vc_lua_unknown_key(lua_State *L, int idx, const char *const *known);

/* helpers.c: where a check of tables is, for its messages ("guests[2].arch");
 * a longer path is cut short. */
typedef struct vc_lua_path {
    char text[1024];
    size_t len;
} vc_lua_path;
/* Appends fmt's text; returns the length to go back to. */
size_t vc_lua_path_add(vc_lua_path *p, const char *fmt, ...) VC_PRINTF(2, 3);
void vc_lua_path_back(vc_lua_path *p, size_t len);
/* Pushes and returns "path.key: what" (what from fmt): no key, "path: what",
 * or "top: what" at the top. */
const char *vc_lua_path_vmessage(lua_State *L, const vc_lua_path *p, const char *key, const char *top,
                                 const char *fmt, va_list ap) VC_PRINTF(5, 0);

/* helpers.c: the one reader of options tables. Keys are read raw to reject
 * unknown ones; then each known option is read exactly once (through the
 * table's __index, if any), nested lists and maps raw (their metamethods
 * are never called), and every string is copied into the call's arena, so
 * nothing points into Lua strings that only a metamethod held. */
typedef enum vc_opt_kind {
    VC_OPT_STRING,  /* str */
    VC_OPT_BOOLEAN, /* boolean */
    VC_OPT_NUMBER,  /* any value: is_number, number, is_integer, integer (the caller checks the range) */
    VC_OPT_LIST,    /* strings 1..n: list, n */
    VC_OPT_MAP,     /* absolute path -> string: map, n */
} vc_opt_kind;

typedef struct vc_opt {
    const char *name; /* NULL ends the list */
    vc_opt_kind kind;
} vc_opt;

typedef struct vc_optval {
    bool given;
    const char *str;
    bool boolean;
    bool is_number, is_integer;
    lua_Number number;
    lua_Integer integer;
    const char **list;
    struct vc_path_map *map;
    size_t n;
} vc_optval;

/* Reads the options table argument arg (none or nil: nothing given) into
 * vals (one per known entry). Pushes and returns the arena their strings
 * live in, which the call may use for its own work. Raises on misuse. */
vc_arena *vc_lua_options(lua_State *L, int arg, const vc_opt *known, vc_optval *vals);

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

/* binding_lua.c: XPath, domain definitions, cpusets, detect_virt; adds them
 * to the module table on the top of the stack. */
void vc_lua_open_tools(lua_State *L);
/* binding_cpu.c: adds the cpu_* functions to the table on top; the CPU
 * model database of a directory (NULL: the default), loaded once per state */
void vc_lua_open_cpu(lua_State *L);
struct vc_cpu_db *vc_lua_cpu_db(lua_State *L, const char *dir);
/* binding/domcaps.c: adds domcaps_parse, domcaps_load, domcaps_format */
void vc_lua_open_domcaps(lua_State *L);
/* binding/qemucaps.c: adds qemu_caps */
void vc_lua_open_qemucaps(lua_State *L);
/* binding/firmware.c: adds firmware */
void vc_lua_open_firmware(lua_State *L);

/* Raises a Lua error carrying err, or returns luaL_pushfail + message. */
int vc_lua_fail(lua_State *L, const vc_error *err);
/* Pushes the tables of a model just read into its own arena, which is handed
 * first to its owner (slot, pushed before the read, on the top of the stack)
 * so that a raised error frees it, and freed once the tables are made. A
 * NULL model: the read failed with err (vc_lua_fail). */
typedef void vc_lua_pusher(lua_State *L, const void *model);
int vc_lua_push_read(lua_State *L, void **slot, const void *model, vc_arena *arena, vc_lua_pusher *push,
                     const vc_error *err);

__attribute__((visibility("default"))) int luaopen_virtcaps_core(lua_State *L);

#endif
