/* What every function of the binding shares: owners (userdata that free C
 * memory when Lua drops them, pushed before the resource exists), argument
 * checks that raise luaL_argerror-style messages, the one options reader,
 * and turning C errors into Lua results. */
#include "base/options.h"
#include "vc_lua.h"

#include <stdio.h>
#include <string.h>

#define VC_BUFFER_TYPE "virtcaps.Buffer"

/* ---- owners ---- */

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

void **vc_lua_arena_owner(lua_State *L)
{
    return vc_lua_owner(L, VC_ARENA_TYPE, free_arena);
}

vc_arena *vc_lua_arena(lua_State *L)
{
    void **slot = vc_lua_arena_owner(L);
    if (!(*slot = vc_arena_new()))
        luaL_error(L, "out of memory");
    return *slot;
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

vc_buf *vc_lua_buffer(lua_State *L)
{
    vc_buf *b = lua_newuserdatauv(L, sizeof *b, 0);
    vc_buf_init(b);
    luaL_setmetatable(L, VC_BUFFER_TYPE);
    return b;
}

void vc_lua_push_buffer(lua_State *L, vc_buf *b)
{
    if (b->oom)
        luaL_error(L, "out of memory");
    lua_pushlstring(L, b->data ? b->data : "", b->len);
    vc_buf_free(b);
}

void vc_lua_register_owners(lua_State *L)
{
    static const luaL_Reg bmeta[] = {{"__gc", buffer_gc}, {"__close", buffer_gc}, {NULL, NULL}};
    vc_lua_register_owner(L, VC_ARENA_TYPE);
    if (luaL_newmetatable(L, VC_BUFFER_TYPE))
        luaL_setfuncs(L, bmeta, 0);
    lua_pop(L, 1);
}

/* ---- results and argument checks ---- */

int vc_lua_fail(lua_State *L, const vc_error *err)
{
    if (err->code == VC_ENOMEM)
        return luaL_error(L, "%s", err->msg);
    if (err->code == VC_EMISUSE)
        return luaL_argerror(L, 1, err->msg);
    luaL_pushfail(L);
    lua_pushstring(L, err->msg);
    return 2;
}

int vc_lua_push_read(lua_State *L, void **slot, const void *model, vc_arena *arena, vc_lua_pusher *push,
                     const vc_error *err)
{
    if (!model)
        return vc_lua_fail(L, err);
    *slot = arena;
    push(L, model);
    vc_lua_release(L, -2);
    return 1;
}

/* ---- paths in tables ---- */

size_t vc_lua_path_add(vc_lua_path *p, const char *fmt, ...)
{
    size_t saved = p->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->text + p->len, sizeof p->text - p->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        p->len += (size_t)n < sizeof p->text - p->len ? (size_t)n : sizeof p->text - p->len - 1;
    return saved;
}

void vc_lua_path_back(vc_lua_path *p, size_t len)
{
    p->len = len;
    p->text[len] = '\0';
}

const char *vc_lua_path_vmessage(lua_State *L, const vc_lua_path *p, const char *key, const char *top,
                                 const char *fmt, va_list ap)
{
    char what[300];
    vsnprintf(what, sizeof what, fmt, ap);
    if (key)
        return lua_pushfstring(L, "%s%s%s: %s", p->text, p->len ? "." : "", key, what);
    return lua_pushfstring(L, "%s: %s", p->len ? p->text : top, what);
}

void vc_lua_need_stack(lua_State *L, int n)
{
    /* A few hundred slots fail only when memory does. */
    if (!lua_checkstack(L, n))
        luaL_error(L, "out of memory");
}

void vc_lua_check_nargs(lua_State *L, int max)
{
    int n = lua_gettop(L);
    if (n > max)
        luaL_argerror(L, max + 1,
                      lua_pushfstring(L, "no more than %d argument%s expected, got %d", max, max == 1 ? "" : "s", n));
}

const char *vc_lua_check_text(lua_State *L, int arg, size_t *len)
{
    size_t n;
    const char *s = luaL_checklstring(L, arg, &n);
    luaL_argcheck(L, memchr(s, '\0', n) == NULL, arg, "string contains a NUL byte");
    if (len)
        *len = n;
    return s;
}

bool vc_lua_unknown_key(lua_State *L, int idx, const char *const *known)
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

/* A key for a message, without calling its metamethods. */
static const char *key_text(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    if (t == LUA_TSTRING || t == LUA_TNUMBER)
        return lua_pushfstring(L, "'%s'", lua_tostring(L, idx));
    return lua_pushfstring(L, "(a %s key)", lua_typename(L, t));
}

/* ---- the options reader ---- */

static void *need(lua_State *L, void *p)
{
    if (!p)
        luaL_error(L, "out of memory");
    return p;
}

/* The string at idx copied into a; raises for any other type and NUL bytes. */
static const char *copy_string(lua_State *L, int arg, vc_arena *a, int idx, const char *name, const char *where)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': string%s expected, got %s", name, where,
                                               luaL_typename(L, idx)));
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    if (memchr(s, '\0', n))
        luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': string contains a NUL byte", name));
    return need(L, vc_strndup(a, s, n));
}

/* A list of strings read raw (its metamethods are never called): items
 * 1, 2, ... up to its raw length, each checked before the next is read. */
static void read_list(lua_State *L, int arg, vc_arena *a, const char *name, vc_optval *v)
{
    int tbl = lua_gettop(L);
    size_t len = (size_t)lua_rawlen(L, tbl);
    /* Given, even empty: not NULL (for qemu_dirs, NULL means $PATH). */
    v->list = need(L, vc_alloc(a, sizeof *v->list));
    for (size_t i = 0; i < len; i++) {
        lua_rawgeti(L, tbl, (lua_Integer)i + 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': strings expected, got %s at [%d]", name,
                                                   luaL_typename(L, -1), (int)i + 1));
        const char *s = copy_string(L, arg, a, -1, name, "s");
        const char **slot = need(L, vc_push(a, &v->list, &v->n, sizeof *v->list));
        *slot = s;
        lua_pop(L, 1);
    }
}

/* A map of absolute paths to strings, read raw in one pass. */
static void read_map(lua_State *L, int arg, vc_arena *a, const char *name, vc_optval *v)
{
    int tbl = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, tbl)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': string keys and values expected", name));
        vc_path_map m = {.prefix = copy_string(L, arg, a, -2, name, ""), .replacement = copy_string(L, arg, a, -1,
                                                                                                      name, "")};
        if (m.prefix[0] != '/')
            luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': '%s' is not an absolute path", name, m.prefix));
        vc_path_map *slot = need(L, vc_push(a, &v->map, &v->n, sizeof *v->map));
        *slot = m;
        lua_pop(L, 1);
    }
}

vc_arena *vc_lua_options(lua_State *L, int arg, const vc_opt *known, vc_optval *vals)
{
    size_t count = 0;
    while (known[count].name)
        count++;
    memset(vals, 0, count * sizeof *vals);
    if (!lua_isnoneornil(L, arg))
        luaL_checktype(L, arg, LUA_TTABLE);
    else if (lua_gettop(L) < arg)
        lua_settop(L, arg); /* the arena goes above it */
    vc_arena *a = vc_lua_arena(L);
    if (lua_isnil(L, arg))
        return a;
    arg = lua_absindex(L, arg);
    vc_lua_need_stack(L, 8);
    /* Unknown keys: the table's own keys, raw. */
    const char **names = need(L, vc_alloc(a, (count + 1) * sizeof *names));
    for (size_t i = 0; i <= count; i++)
        names[i] = known[i].name;
    if (vc_lua_unknown_key(L, arg, names))
        luaL_argerror(L, arg, lua_pushfstring(L, "unknown option %s", key_text(L, -1)));
    /* Each known option once (through __index when the table has one);
     * what it held is copied before anything else runs. */
    for (size_t i = 0; i < count; i++) {
        const char *name = known[i].name;
        vc_optval *v = &vals[i];
        int t = lua_getfield(L, arg, name);
        v->given = t != LUA_TNIL;
        if (!v->given) {
            lua_pop(L, 1);
            continue;
        }
        switch (known[i].kind) {
        case VC_OPT_STRING:
            v->str = copy_string(L, arg, a, -1, name, "");
            break;
        case VC_OPT_BOOLEAN:
            if (t != LUA_TBOOLEAN)
                luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': boolean expected, got %s", name,
                                                       luaL_typename(L, -1)));
            v->boolean = lua_toboolean(L, -1);
            break;
        case VC_OPT_NUMBER:
            v->is_number = t == LUA_TNUMBER;
            v->is_integer = lua_isinteger(L, -1);
            v->number = v->is_number ? lua_tonumber(L, -1) : 0;
            v->integer = v->is_integer ? lua_tointeger(L, -1) : 0;
            break;
        case VC_OPT_LIST:
        case VC_OPT_MAP:
            if (t != LUA_TTABLE)
                luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': table expected, got %s", name,
                                                       luaL_typename(L, -1)));
            if (known[i].kind == VC_OPT_LIST)
                read_list(L, arg, a, name, v);
            else
                read_map(L, arg, a, name, v);
            break;
        }
        lua_pop(L, 1);
    }
    return a;
}
