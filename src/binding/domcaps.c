/* Domain capabilities as Lua tables, and back: both directions walk the
 * schema descriptions of model/domcaps.c. Tables: element and attribute
 * names as keys, integers as integers, yes/no as booleans, usable='unknown'
 * as the string "unknown", enums as lists of strings under their name,
 * repeated elements as arrays, unknown elements as
 * unknown = {{after=, xml=}}, unknown attributes as unknown_attrs. */
#include "base/options.h"
#include "drivers/qemu_dcprobe.h"
#include "drivers/qemu_domcaps.h"
#include "drivers/xen_domcaps.h"
#include "model/domcaps.h"
#include "xml/xml.h"
#include "vc_lua.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys for what a probe knows that the document has no place for: the
 * formatter leaves them out. */
#define UNAVAILABLE_KEY "unavailable_features"
#define HV_CPU_KEY "hypervisor_cpu"

/* ---- model -> tables ---- */

static void push_value(lua_State *L, enum dc_type t, const char *s)
{
    switch (t) {
    case DC_UINT:
    case DC_ULONG:
        lua_pushinteger(L, (lua_Integer)strtoll(s, NULL, 10));
        break;
    case DC_YESNO:
        lua_pushboolean(L, s[0] == 'y');
        break;
    case DC_USABLE:
        if (s[0] == 'u')
            lua_pushstring(L, s);
        else
            lua_pushboolean(L, s[0] == 'y');
        break;
    case DC_NONE:
    case DC_STR:
        lua_pushstring(L, s);
        break;
    }
}

static void push_attrs(lua_State *L, const dc_node *n)
{
    for (size_t i = 0; n->desc->attrs[i].name; i++) {
        if (n->attrs[i]) {
            push_value(L, n->desc->attrs[i].type, n->attrs[i]);
            lua_setfield(L, -2, n->desc->attrs[i].name);
        }
    }
}

static void push_unknown(lua_State *L, const dc_node *n)
{
    if (n->nxattrs) {
        lua_createtable(L, (int)n->nxattrs, 0);
        for (size_t i = 0; i < n->nxattrs; i++) {
            lua_createtable(L, 0, 2);
            lua_pushstring(L, n->xattrs[i].name);
            lua_setfield(L, -2, "name");
            lua_pushstring(L, n->xattrs[i].value);
            lua_setfield(L, -2, "value");
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "unknown_attrs");
    }
    if (n->nextra) {
        lua_createtable(L, (int)n->nextra, 0);
        for (size_t i = 0; i < n->nextra; i++) {
            lua_createtable(L, 0, 2);
            if (n->extra[i].after >= 0) {
                lua_pushstring(L, dc_slot_key(n->desc, n->extra[i].after));
                lua_setfield(L, -2, "after");
            }
            vc_buf *b = vc_lua_buffer(L);
            vc_domcaps_write_node(b, n->extra[i].node);
            vc_lua_push_buffer(L, b);
            lua_remove(L, -2);
            lua_setfield(L, -2, "xml");
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "unknown");
    }
}

static void push_table(lua_State *L, const dc_node *n);

static void push_elem(lua_State *L, const dc_node *n)
{
    const dc_desc *d = n->desc;
    if (dc_is_leaf(d)) {
        push_value(L, d->text, n->text);
    } else if (d->flags & DC_WRAP) {
        const dc_list *l = &n->kids[0];
        lua_createtable(L, (int)l->n, 0);
        for (size_t i = 0; i < l->n; i++) {
            push_table(L, l->v[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    } else {
        push_table(L, n);
    }
}

/* models[i].blockers = {feature names}: the model is there (the reader checked). */
static void push_blockers(lua_State *L, const dc_node *mode, const dc_list *blockers)
{
    lua_getfield(L, -1, mode->desc->children[0]->key);
    for (size_t i = 0; i < blockers->n; i++) {
        const dc_node *b = blockers->v[i];
        for (size_t j = 0; j < mode->kids[0].n; j++) {
            if (strcmp(mode->kids[0].v[j]->text, b->attrs[0]) != 0)
                continue;
            lua_rawgeti(L, -1, (lua_Integer)j + 1);
            const dc_list *f = &b->kids[0];
            lua_createtable(L, (int)f->n, 0);
            for (size_t k = 0; k < f->n; k++) {
                lua_pushstring(L, f->v[k]->attrs[0]);
                lua_rawseti(L, -2, (lua_Integer)k + 1);
            }
            lua_setfield(L, -2, "blockers");
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static void push_table(lua_State *L, const dc_node *n)
{
    const dc_desc *d = n->desc;
    luaL_checkstack(L, 8, "domain capabilities nest too deep");
    lua_createtable(L, 0, (int)(dc_nattrs(d) + dc_nchildren(d) + n->nenums + 1));
    push_attrs(L, n);
    if (d->text_key && n->text) {
        push_value(L, d->text, n->text);
        lua_setfield(L, -2, d->text_key);
    }
    for (size_t i = 0; d->children && d->children[i]; i++) {
        const dc_desc *k = d->children[i];
        const dc_list *l = &n->kids[i];
        if (!l->n)
            continue;
        if (k->flags & DC_BLOCKERS) {
            push_blockers(L, n, l);
        } else if (k->flags & DC_HOIST) {
            push_value(L, k->text, l->v[0]->text);
            lua_setfield(L, -2, k->key);
            push_attrs(L, l->v[0]);
        } else if (k->flags & DC_REPEAT) {
            lua_createtable(L, (int)l->n, 0);
            for (size_t j = 0; j < l->n; j++) {
                push_elem(L, l->v[j]);
                lua_rawseti(L, -2, (lua_Integer)j + 1);
            }
            lua_setfield(L, -2, k->key);
        } else if (k->match) {
            if (lua_getfield(L, -1, k->key) != LUA_TTABLE) {
                lua_pop(L, 1);
                lua_createtable(L, 0, 4);
                lua_pushvalue(L, -1);
                lua_setfield(L, -3, k->key);
            }
            push_elem(L, l->v[0]);
            lua_setfield(L, -2, k->match);
            lua_pop(L, 1);
        } else {
            push_elem(L, l->v[0]);
            lua_setfield(L, -2, k->key);
        }
    }
    for (size_t i = 0; i < n->nenums; i++) {
        const dc_enum *e = &n->enums[i];
        push_strings(L, e->values, e->n);
        lua_setfield(L, -2, e->name);
    }
    push_unknown(L, n);
}

/* ---- tables -> model ---- */

typedef struct cctx {
    lua_State *L;
    vc_arena *a;
    vc_lua_path path;
} cctx;

static size_t path_push(cctx *c, const char *key)
{
    return vc_lua_path_add(&c->path, "%s%s", c->path.len ? "." : "", key);
}

static size_t path_index(cctx *c, size_t i)
{
    return vc_lua_path_add(&c->path, "[%zu]", i);
}

static void path_pop(cctx *c, size_t old)
{
    vc_lua_path_back(&c->path, old);
}

/* Raises "path.key: what" (it never returns). */
static void cfail(cctx *c, const char *key, const char *fmt, ...) VC_PRINTF(3, 4) __attribute__((noreturn));
static void cfail(cctx *c, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = vc_lua_path_vmessage(c->L, &c->path, key, "domain capabilities", fmt, ap);
    va_end(ap);
    luaL_error(c->L, "%s", msg);
}

static void *cnew(cctx *c, void *p)
{
    if (!p)
        luaL_error(c->L, "out of memory");
    return p;
}

/* The value at the top as the model's text for type t (popped). */
static char *to_text(cctx *c, const char *key, enum dc_type t, const char *fixed)
{
    lua_State *L = c->L;
    char num[32];
    const char *s = NULL;
    int lt = lua_type(L, -1);
    switch (t) {
    case DC_UINT:
    case DC_ULONG:
        if (!lua_isinteger(L, -1))
            cfail(c, key, "expected a non-negative integer, got %s", lua_typename(L, lt));
        if (lua_tointeger(L, -1) < 0)
            cfail(c, key, "expected a non-negative integer, got %lld", (long long)lua_tointeger(L, -1));
        snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, -1));
        s = num;
        break;
    case DC_YESNO:
        if (lt != LUA_TBOOLEAN)
            cfail(c, key, "expected a boolean, got %s", lua_typename(L, lt));
        s = lua_toboolean(L, -1) ? "yes" : "no";
        break;
    case DC_USABLE:
        if (lt == LUA_TBOOLEAN)
            s = lua_toboolean(L, -1) ? "yes" : "no";
        else if (lt == LUA_TSTRING && strcmp(lua_tostring(L, -1), "unknown") == 0)
            s = "unknown";
        else
            cfail(c, key, "expected a boolean or \"unknown\", got %s", lua_typename(L, lt));
        break;
    case DC_NONE:
    case DC_STR: {
        if (lt != LUA_TSTRING)
            cfail(c, key, "expected a string, got %s", lua_typename(L, lt));
        size_t len;
        s = lua_tolstring(L, -1, &len);
        if (strlen(s) != len)
            cfail(c, key, "the string contains a NUL byte");
        break;
    }
    }
    char *out;
    const char *why;
    if (dc_value_check(c->a, t, fixed, (char *)s, false, &out, &why) < 0) {
        if (!why)
            luaL_error(L, "out of memory");
        cfail(c, key, "%s", why);
    }
    lua_pop(L, 1);
    return out;
}

/* Pushes t[key] when it is a table (true), nothing when nil (false). */
static bool get_table(cctx *c, int idx, const char *key)
{
    int lt = lua_getfield(c->L, idx, key);
    if (lt == LUA_TTABLE)
        return true;
    lua_pop(c->L, 1);
    if (lt != LUA_TNIL)
        cfail(c, key, "expected a table, got %s", lua_typename(c->L, lt));
    return false;
}

static void check_attrs(cctx *c, int idx, const dc_desc *d, dc_node *n)
{
    for (size_t i = 0; d->attrs[i].name; i++) {
        if (lua_getfield(c->L, idx, d->attrs[i].name) == LUA_TNIL) {
            lua_pop(c->L, 1);
            if (d->attrs[i].required)
                cfail(c, d->attrs[i].name, "missing");
            continue;
        }
        n->attrs[i] = to_text(c, d->attrs[i].name, d->attrs[i].type, d->attrs[i].fixed);
    }
}

static bool is_attr(const dc_desc *d, const char *key)
{
    return dc_attr_slot(d, key) >= 0;
}

static bool known_key(const dc_desc *d, const char *key)
{
    if (is_attr(d, key) || (d->text_key && strcmp(d->text_key, key) == 0) || strcmp(key, "unknown") == 0 ||
        strcmp(key, "unknown_attrs") == 0 || ((d->flags & DC_BLOCKED) && strcmp(key, "blockers") == 0))
        return true;
    /* a probe's, not the document's */
    if (((d->flags & DC_BLOCKED) && strcmp(key, UNAVAILABLE_KEY) == 0) ||
        (d == &dc_schema && strcmp(key, HV_CPU_KEY) == 0))
        return true;
    for (size_t i = 0; d->children && d->children[i]; i++) {
        const dc_desc *k = d->children[i];
        if (k->flags & DC_BLOCKERS)
            continue;
        if (strcmp(k->key, key) == 0 || ((k->flags & DC_HOIST) && is_attr(k, key)))
            return true;
    }
    return false;
}

static void check_enum(cctx *c, const char *name, dc_node *n)
{
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE)
        cfail(c, name, "unknown field (an enum is a list of strings, got %s)", luaL_typename(L, -1));
    dc_enum *e = cnew(c, dc_enum_push(c->a, n));
    e->name = cnew(c, vc_strdup(c->a, name));
    size_t len = lua_rawlen(L, -1), old = path_push(c, name);
    for (size_t i = 1; i <= len; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i);
        size_t o = path_index(c, i);
        char **v = cnew(c, VC_PUSH(c->a, e->values, e->n));
        *v = to_text(c, NULL, DC_STR, NULL);
        path_pop(c, o);
    }
    path_pop(c, old);
}

/* Every key of the table is the schema's, or (where enums are) an enum. */
static void check_keys(cctx *c, int idx, const dc_desc *d, dc_node *n)
{
    lua_State *L = c->L;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            cfail(c, NULL, "unexpected non-string key");
        const char *key = lua_tostring(L, -2);
        if (!known_key(d, key)) {
            if (!(d->flags & DC_ENUMS))
                cfail(c, key, "unknown field");
            check_enum(c, key, n);
        }
        lua_pop(L, 1);
    }
    dc_sort_enums(n);
}

static dc_node *check_table(cctx *c, const dc_desc *d, dc_list *into);

/* The element of slot k from the value on the top (popped). */
static void check_elem(cctx *c, const dc_desc *k, dc_list *into)
{
    lua_State *L = c->L;
    if (dc_is_leaf(k)) {
        dc_node *n = cnew(c, dc_node_push(c->a, into, k));
        n->text = to_text(c, NULL, k->text, NULL);
        return;
    }
    if (lua_type(L, -1) != LUA_TTABLE)
        cfail(c, NULL, "expected a table, got %s", luaL_typename(L, -1));
    if (k->flags & DC_WRAP) {
        dc_node *w = cnew(c, dc_node_push(c->a, into, k));
        size_t len = lua_rawlen(L, -1);
        for (size_t i = 1; i <= len; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i);
            size_t o = path_index(c, i);
            check_elem(c, k->children[0], &w->kids[0]);
            path_pop(c, o);
        }
    } else {
        check_table(c, k, into);
    }
    lua_pop(L, 1);
}

static void check_list(cctx *c, const dc_desc *k, dc_list *into)
{
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE)
        cfail(c, NULL, "expected a list, got %s", luaL_typename(L, -1));
    size_t len = lua_rawlen(L, -1);
    for (size_t i = 1; i <= len; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i);
        size_t o = path_index(c, i);
        check_elem(c, k, into);
        path_pop(c, o);
    }
    lua_pop(L, 1);
}

/* models[i].blockers -> <blockers model=> elements, in the models' order. */
static void check_blockers(cctx *c, const dc_node *mode, const dc_desc *k, dc_list *into)
{
    lua_State *L = c->L;
    const dc_list *models = &mode->kids[0];
    lua_getfield(L, -1, mode->desc->children[0]->key);
    for (size_t j = 0; j < models->n; j++) {
        lua_rawgeti(L, -1, (lua_Integer)j + 1);
        if (lua_getfield(L, -1, "blockers") != LUA_TNIL) {
            size_t o = path_push(c, mode->desc->children[0]->key);
            path_index(c, j + 1);
            path_push(c, "blockers");
            if (lua_type(L, -1) != LUA_TTABLE)
                cfail(c, NULL, "expected a list of feature names, got %s", luaL_typename(L, -1));
            dc_node *b = cnew(c, dc_node_push(c->a, into, k));
            b->attrs[0] = models->v[j]->text;
            size_t len = lua_rawlen(L, -1);
            for (size_t i = 1; i <= len; i++) {
                lua_rawgeti(L, -1, (lua_Integer)i);
                size_t oi = path_index(c, i);
                dc_node *f = cnew(c, dc_node_push(c->a, &b->kids[0], k->children[0]));
                f->attrs[0] = to_text(c, NULL, DC_STR, NULL);
                path_pop(c, oi);
            }
            path_pop(c, o);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
}

static void check_hoisted(cctx *c, int idx, const dc_desc *k, dc_list *into)
{
    lua_State *L = c->L;
    if (lua_getfield(L, idx, k->key) == LUA_TNIL) {
        lua_pop(L, 1);
        for (size_t i = 0; k->attrs[i].name; i++)
            if (lua_getfield(L, idx, k->attrs[i].name) != LUA_TNIL)
                cfail(c, k->key, "missing (%s is given)", k->attrs[i].name);
            else
                lua_pop(L, 1);
        return;
    }
    dc_node *n = cnew(c, dc_node_push(c->a, into, k));
    n->text = to_text(c, k->key, k->text, NULL);
    check_attrs(c, idx, k, n);
}

/* Whether the schema has a place for element e in an element of d: then it
 * must be given there, not as unknown content (it would read back there). */
static bool schema_knows(const dc_desc *d, const dc_node *e)
{
    if ((d->flags & DC_ENUMS) && strcmp(e->name, "enum") == 0)
        return true;
    for (size_t i = 0; d->children && d->children[i]; i++) {
        const dc_desc *k = d->children[i];
        if (strcmp(k->name, e->name) != 0)
            continue;
        if (!k->match)
            return true;
        for (size_t j = 0; j < e->nxattrs; j++)
            if (strcmp(e->xattrs[j].name, "name") == 0 && strcmp(e->xattrs[j].value, k->match) == 0)
                return true;
    }
    return false;
}

static void check_unknown(cctx *c, int idx, dc_node *n)
{
    lua_State *L = c->L;
    if (get_table(c, idx, "unknown_attrs")) {
        size_t len = lua_rawlen(L, -1), old = path_push(c, "unknown_attrs");
        for (size_t i = 1; i <= len; i++) {
            size_t o = path_index(c, i);
            if (lua_rawgeti(L, -1, (lua_Integer)i) != LUA_TTABLE)
                cfail(c, NULL, "expected {name=, value=}, got %s", luaL_typename(L, -1));
            dc_xattr *xa = cnew(c, VC_PUSH(c->a, n->xattrs, n->nxattrs));
            lua_getfield(L, -1, "name");
            xa->name = to_text(c, "name", DC_STR, NULL);
            const char *p = xa->name;
            bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_';
            for (p++; ok && *p; p++)
                ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                     *p == '_' || *p == '-' || *p == '.';
            if (!ok || is_attr(n->desc, xa->name) || (n->desc->match && strcmp(xa->name, "name") == 0))
                cfail(c, "name", "not an attribute name this element can take: '%s'", xa->name);
            lua_getfield(L, -1, "value");
            xa->value = to_text(c, "value", DC_STR, NULL);
            lua_pop(L, 1);
            path_pop(c, o);
        }
        path_pop(c, old);
        lua_pop(L, 1);
    }
    if (get_table(c, idx, "unknown")) {
        size_t len = lua_rawlen(L, -1), old = path_push(c, "unknown");
        for (size_t i = 1; i <= len; i++) {
            size_t o = path_index(c, i);
            if (lua_rawgeti(L, -1, (lua_Integer)i) != LUA_TTABLE)
                cfail(c, NULL, "expected {after=, xml=}, got %s", luaL_typename(L, -1));
            dc_extra *e = cnew(c, dc_extra_push(c->a, n));
            e->after = -1;
            if (lua_getfield(L, -1, "after") != LUA_TNIL) {
                const char *after = to_text(c, "after", DC_STR, NULL);
                if ((e->after = dc_child_slot(n->desc, after)) < 0)
                    cfail(c, "after", "'%s' is not a child of <%s>", after, n->desc->name);
            } else {
                lua_pop(L, 1);
            }
            if (lua_getfield(L, -1, "xml") != LUA_TSTRING)
                cfail(c, "xml", "expected a string, got %s", luaL_typename(L, -1));
            size_t xlen;
            const char *xml = lua_tolstring(L, -1, &xlen);
            vc_error err;
            if (!(e->node = vc_domcaps_read_fragment(c->a, xml, xlen, &err)))
                cfail(c, "xml", "%s", err.msg);
            if (schema_knows(n->desc, e->node))
                cfail(c, "xml", "<%s> has its own place in <%s>", e->node->name, n->desc->name);
            lua_pop(L, 2);
            path_pop(c, o);
        }
        path_pop(c, old);
        lua_pop(L, 1);
    }
}

/* The table on the top, as an element of d pushed into `into`. */
static dc_node *check_table(cctx *c, const dc_desc *d, dc_list *into)
{
    lua_State *L = c->L;
    int idx = lua_gettop(L);
    luaL_checkstack(L, 8, "domain capabilities nest too deep");
    dc_node *n = cnew(c, into ? dc_node_push(c->a, into, d) : dc_node_new(c->a, d));
    check_keys(c, idx, d, n);
    check_attrs(c, idx, d, n);
    if (d->text_key) {
        if (lua_getfield(L, idx, d->text_key) == LUA_TNIL)
            cfail(c, d->text_key, "missing");
        n->text = to_text(c, d->text_key, d->text, NULL);
    }
    for (size_t i = 0; d->children && d->children[i]; i++) {
        const dc_desc *k = d->children[i];
        if (k->flags & DC_BLOCKERS) {
            check_blockers(c, n, k, &n->kids[i]);
            continue;
        }
        if (k->flags & DC_HOIST) {
            check_hoisted(c, idx, k, &n->kids[i]);
            continue;
        }
        size_t old = path_push(c, k->key);
        int lt = lua_getfield(L, idx, k->key);
        if (lt != LUA_TNIL && k->match) {
            if (lt != LUA_TTABLE)
                cfail(c, NULL, "expected a table of modes, got %s", lua_typename(L, lt));
            lt = lua_getfield(L, -1, k->match);
            lua_remove(L, -2);
            path_push(c, k->match);
        }
        if (lt == LUA_TNIL) {
            if (k->flags & DC_REQUIRED)
                cfail(c, NULL, "missing");
            lua_pop(L, 1);
        } else if ((k->flags & DC_REPEAT)) {
            check_list(c, k, &n->kids[i]);
        } else {
            check_elem(c, k, &n->kids[i]);
        }
        path_pop(c, old);
    }
    /* a table of modes holds only the schema's modes */
    for (size_t i = 0; d->children && d->children[i]; i++) {
        const dc_desc *k = d->children[i];
        if (!k->match || (i > 0 && d->children[i - 1]->match) || !get_table(c, idx, k->key))
            continue;
        size_t old = path_push(c, k->key);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) != LUA_TSTRING || dc_child_slot(d, lua_tostring(L, -1)) < 0)
                cfail(c, NULL, "unknown mode '%s'", luaL_tolstring(L, -1, NULL));
        }
        path_pop(c, old);
        lua_pop(L, 1);
    }
    check_unknown(c, idx, n);
    return n;
}

/* ---- functions ---- */

/* models[i].unavailable_features of the blocked models, and
 * hypervisor_cpu = {features=, migratable=}, on the table on the top. */
static void push_hv_cpu(lua_State *L, const dc_hv_cpu *hv)
{
    static const char *const path[] = {"cpu", "modes", "custom", "models"};
    vc_lua_need_stack(L, 10);
    int depth = 0;
    while (depth < 4 && lua_getfield(L, -1, path[depth]) == LUA_TTABLE)
        depth++;
    for (size_t j = 1; depth == 4 && j <= lua_rawlen(L, -1); j++) {
        lua_rawgeti(L, -1, (lua_Integer)j);
        lua_getfield(L, -1, "name");
        const char *name = lua_tostring(L, -1);
        for (size_t i = 0; name && i < hv->nblocked; i++) {
            if (strcmp(hv->blocked[i].model, name) == 0) {
                push_strings(L, hv->blocked[i].features, hv->blocked[i].nfeatures);
                lua_setfield(L, -3, UNAVAILABLE_KEY);
                break;
            }
        }
        lua_pop(L, 2);
    }
    lua_pop(L, depth == 4 ? 4 : depth + 1);
    if (!hv->expansion)
        return;
    lua_createtable(L, 0, 2);
    push_strings(L, hv->features, hv->nfeatures);
    lua_setfield(L, -2, "features");
    if (hv->migratability) {
        push_strings(L, hv->migratable, hv->nmigratable);
        lua_setfield(L, -2, "migratable");
    }
    lua_setfield(L, -2, HV_CPU_KEY);
}

static void push_domcaps(lua_State *L, const void *model)
{
    const vc_domcaps *dc = model;
    push_table(L, dc->root);
    if (dc->hv_cpu)
        push_hv_cpu(L, dc->hv_cpu);
}

/* The tables of a model just read, or nil, message (vc_lua_push_read). */
static int push_result(lua_State *L, void **owner, const vc_domcaps *dc, const vc_error *err)
{
    return vc_lua_push_read(L, owner, dc, dc ? dc->arena : NULL, push_domcaps, err);
}

/* Parses a domain capabilities document.
 * Documented (LDoc) in lua/virtcaps/domcaps.lua. */
static int l_domcaps_parse(lua_State *L)
{
    size_t len;
    const char *xml = luaL_checklstring(L, 1, &len);
    vc_lua_check_nargs(L, 1);
    void **owner = vc_lua_arena_owner(L);
    vc_error err;
    return push_result(L, owner, vc_domcaps_read(xml, len, &err), &err);
}

/* Reads and parses a domain capabilities document from a file.
 * Documented (LDoc) in lua/virtcaps/domcaps.lua. */
static int l_domcaps_load(lua_State *L)
{
    const char *path = vc_lua_check_text(L, 1, NULL);
    vc_lua_check_nargs(L, 1);
    void **owner = vc_lua_arena_owner(L);
    vc_error err;
    return push_result(L, owner, vc_domcaps_read_file(path, &err), &err);
}

/* Formats a domain capabilities table in the reference's layout; raises
 * "path: what is wrong" for a table that is not one.
 * Documented (LDoc) in lua/virtcaps/domcaps.lua. */
static int l_domcaps_format(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    vc_lua_check_nargs(L, 1);
    cctx c = {.L = L, .a = vc_lua_arena(L)};
    lua_pushvalue(L, 1);
    vc_domcaps dc = {.arena = c.a, .root = check_table(&c, &dc_schema, NULL)};
    lua_pop(L, 1);
    vc_buf *out = vc_lua_buffer(L);
    vc_error err;
    if (vc_domcaps_write(&dc, out, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    vc_lua_push_buffer(L, out);
    vc_lua_release(L, 2);
    return 1;
}

/* option 'tpm_versions': {"1.2", "2.0"} */
static void tpm_versions(lua_State *L, const vc_optval *v, bool *v12, bool *v20)
{
    for (size_t i = 0; i < v->n; i++) {
        const char *t = v->list[i];
        if (strcmp(t, "1.2") == 0)
            *v12 = true;
        else if (strcmp(t, "2.0") == 0)
            *v20 = true;
        else
            luaL_error(L, "option 'tpm_versions': '1.2' or '2.0' expected, got '%s'", t);
    }
}

/* option 'host_cpu': one <cpu> document, read into a; NULL + err when it is not one */
static vc_cpu *host_cpu_option(const vc_optval *v, vc_arena *a, vc_error *err)
{
    size_t ncpus = 0;
    vc_cpu **cpus = vc_xml_read_cpus(v->str, strlen(v->str), a, &ncpus, err);
    if (cpus && ncpus != 1) {
        vc_fail(err, VC_EINPUT, "option 'host_cpu': one <cpu> expected, found %zu", ncpus);
        return NULL;
    }
    return cpus ? cpus[0] : NULL;
}

static unsigned u32_option(lua_State *L, const vc_optval *v, const char *name)
{
    if (!v->given)
        return 0;
    if (!v->is_integer || v->integer < 0 || v->integer > UINT32_MAX)
        luaL_error(L, "option '%s': an integer from 0 to 4294967295 expected", name);
    return (unsigned)v->integer;
}

/* What one driver offers a guest on this host (root, paths stand in for
 * it): the Xen (libxl) driver's when opts.driver or opts.virttype says xen,
 * else QEMU's, probed. Documented (LDoc) in lua/virtcaps/domcaps.lua. */
static int l_domcapabilities(lua_State *L)
{
    static const vc_opt known[] = {
        {"root", VC_OPT_STRING},        {"paths", VC_OPT_MAP},          {"driver", VC_OPT_STRING},
        {"emulatorbin", VC_OPT_STRING}, {"arch", VC_OPT_STRING},        {"machine", VC_OPT_STRING},
        {"virttype", VC_OPT_STRING},    {"loaders", VC_OPT_LIST},       {"qemu_dirs", VC_OPT_LIST},
        {"timeout", VC_OPT_NUMBER},     {"cpu_map", VC_OPT_STRING},     {"host_cpu", VC_OPT_STRING},
        {"tpm_versions", VC_OPT_LIST},  {"vfio", VC_OPT_BOOLEAN},       {"kvm_max_vcpus", VC_OPT_NUMBER},
        {"firmware_privileged", VC_OPT_BOOLEAN}, {"firmware_config_home", VC_OPT_STRING}, {"host_arch", VC_OPT_STRING},
        {"sev_max_asid", VC_OPT_NUMBER}, {"sev_min_asid", VC_OPT_NUMBER}, {"s390_secure_guest", VC_OPT_BOOLEAN},
        {"cache_dir", VC_OPT_STRING},   {"cache", VC_OPT_BOOLEAN},      {NULL, VC_OPT_STRING},
    };
    enum {
        O_ROOT, O_PATHS, O_DRIVER, O_EMULATORBIN, O_ARCH, O_MACHINE, O_VIRTTYPE, O_LOADERS, O_QEMU_DIRS, O_TIMEOUT,
        O_CPU_MAP, O_HOST_CPU, O_TPM_VERSIONS, O_VFIO, O_KVM_MAX_VCPUS, O_FW_PRIVILEGED, O_FW_CONFIG_HOME, O_HOST_ARCH,
        O_SEV_MAX_ASID, O_SEV_MIN_ASID, O_S390_SECURE_GUEST, O_CACHE_DIR, O_CACHE, N_OPTS
    };
    vc_lua_check_nargs(L, 1);
    vc_optval o[N_OPTS];
    vc_arena *a = vc_lua_options(L, 1, known, o);
    const char *driver = o[O_DRIVER].str, *virttype = o[O_VIRTTYPE].str;
    if (driver && strcmp(driver, "xen") != 0 && strcmp(driver, "qemu") != 0)
        return luaL_argerror(L, 1, lua_pushfstring(L, "option 'driver': 'qemu' or 'xen' expected, got '%s'", driver));
    if (!driver)
        driver = virttype && strcmp(virttype, "xen") == 0 ? "xen" : "qemu";
    const vc_optval *timeout = &o[O_TIMEOUT];
    if (timeout->given && (!timeout->is_number || !(timeout->number > 0) || timeout->number > 3600))
        return luaL_argerror(L, 1, "option 'timeout': seconds between 0 and 3600 expected");
    vc_probe_opts opts = {.root = o[O_ROOT].str, .paths = o[O_PATHS].map, .npaths = o[O_PATHS].n,
                          .qemu_dirs = o[O_QEMU_DIRS].list, .nqemu_dirs = o[O_QEMU_DIRS].n, .arch = o[O_HOST_ARCH].str,
                          .timeout_ms = timeout->given ? (int)(timeout->number * 1000) + 1 : 0,
                          .cache_dir = o[O_CACHE_DIR].str, .no_cache = o[O_CACHE].given && !o[O_CACHE].boolean};
    vc_error err;
    if (strcmp(driver, "xen") == 0) {
        vc_xen_dc_args args = {
            .emulatorbin = o[O_EMULATORBIN].str,
            .arch = o[O_ARCH].str,
            .machine = o[O_MACHINE].str,
            .virttype = virttype,
            .loaders_given = o[O_LOADERS].given,
            .loaders = o[O_LOADERS].list,
            .nloaders = o[O_LOADERS].n,
        };
        void **owner = vc_lua_arena_owner(L);
        return push_result(L, owner, vc_xen_domcaps(&opts, &args, &err), &err);
    }
    vc_qemu_dc_fixed fx = {
        .loaders_given = o[O_LOADERS].given, .loaders = o[O_LOADERS].list, .nloaders = o[O_LOADERS].n,
        .tpm_given = o[O_TPM_VERSIONS].given, .vfio_given = o[O_VFIO].given, .vfio = o[O_VFIO].boolean,
        .kvm_max_vcpus_given = o[O_KVM_MAX_VCPUS].given,
        .firmware_privileged = o[O_FW_PRIVILEGED].given ? (int8_t)o[O_FW_PRIVILEGED].boolean : VC_UNSET_B,
        .firmware_config_home = o[O_FW_CONFIG_HOME].str,
    };
    tpm_versions(L, &o[O_TPM_VERSIONS], &fx.tpm_1_2, &fx.tpm_2_0);
    fx.kvm_max_vcpus = u32_option(L, &o[O_KVM_MAX_VCPUS], "kvm_max_vcpus");
    fx.s390_secure_guest_given = o[O_S390_SECURE_GUEST].given;
    fx.s390_secure_guest = o[O_S390_SECURE_GUEST].boolean;
    fx.sev_asids_given = o[O_SEV_MAX_ASID].given || o[O_SEV_MIN_ASID].given;
    fx.sev_max_asid = u32_option(L, &o[O_SEV_MAX_ASID], "sev_max_asid");
    fx.sev_min_asid = u32_option(L, &o[O_SEV_MIN_ASID], "sev_min_asid");
    if (o[O_HOST_CPU].given && !(fx.host_cpu = host_cpu_option(&o[O_HOST_CPU], a, &err)))
        return vc_lua_fail(L, &err);
    vc_cpu_db *db = vc_lua_cpu_db(L, o[O_CPU_MAP].str);
    vc_qemu_dc_request req = {.emulatorbin = o[O_EMULATORBIN].str, .arch = o[O_ARCH].str,
                              .machine = o[O_MACHINE].str, .virttype = virttype};
    void **owner = vc_lua_arena_owner(L);
    return push_result(L, owner, vc_qemu_dc_probe(&opts, &req, &fx, db, &err), &err);
}

enum {
    Q_QEMUCAPS, Q_ARCH, Q_MACHINE, Q_VIRTTYPE, Q_CPU_MAP, Q_HOST_ARCH, Q_HOST_CPU, Q_FW_BIOS, Q_FW_EFI, Q_FW_SECURE,
    Q_FW_LOADERS, Q_LOADERS, Q_SWTPM, Q_TPM_VERSIONS, Q_VFIO, Q_KVM_MAX_VCPUS, Q_SEV_MAX_ASID, Q_SEV_MIN_ASID,
    Q_S390_SECURE_GUEST, N_QEMU_OPTIONS
};

static const vc_opt qemu_options[] = {
    {"qemucaps", VC_OPT_STRING},        {"arch", VC_OPT_STRING},           {"machine", VC_OPT_STRING},        {"virttype", VC_OPT_STRING},
    {"cpu_map", VC_OPT_STRING},         {"host_arch", VC_OPT_STRING},      {"host_cpu", VC_OPT_STRING},
    {"firmware_bios", VC_OPT_BOOLEAN},  {"firmware_efi", VC_OPT_BOOLEAN},  {"firmware_secure", VC_OPT_BOOLEAN},
    {"firmware_loaders", VC_OPT_LIST},  {"loaders", VC_OPT_LIST},          {"swtpm", VC_OPT_BOOLEAN},
    {"tpm_versions", VC_OPT_LIST},      {"vfio", VC_OPT_BOOLEAN},          {"kvm_max_vcpus", VC_OPT_NUMBER},
    {"sev_max_asid", VC_OPT_NUMBER},    {"sev_min_asid", VC_OPT_NUMBER},   {"s390_secure_guest", VC_OPT_BOOLEAN},
    {NULL, VC_OPT_STRING},
};


/* The domain capabilities a QEMU capabilities cache file gives, with the
 * host facts given as options.
 * Documented (LDoc) in lua/virtcaps/domcaps.lua. */
static int l_domcaps_qemu(lua_State *L)
{
    vc_lua_check_nargs(L, 1);
    vc_optval v[N_QEMU_OPTIONS];
    vc_arena *a = vc_lua_options(L, 1, qemu_options, v);
    if (!v[Q_QEMUCAPS].given)
        return luaL_error(L, "option 'qemucaps': the path of a QEMU capabilities cache file expected");
    vc_firmware_offer fw = {.bios = v[Q_FW_BIOS].boolean, .efi = v[Q_FW_EFI].boolean,
                            .secure = v[Q_FW_SECURE].boolean, .loaders = (char **)v[Q_FW_LOADERS].list,
                            .nloaders = v[Q_FW_LOADERS].n};
    char host_arch[32];
    if (!v[Q_HOST_ARCH].given && vc_probe_arch(NULL, host_arch, sizeof host_arch) < 0)
        return luaL_error(L, "cannot tell this machine's architecture");
    vc_qemu_host host = {.arch = v[Q_HOST_ARCH].given ? v[Q_HOST_ARCH].str : host_arch, .firmware = &fw, .swtpm = v[Q_SWTPM].boolean,
                         .vfio = v[Q_VFIO].boolean, .s390_secure_guest = v[Q_S390_SECURE_GUEST].boolean};
    if (v[Q_LOADERS].given) {
        host.loaders = v[Q_LOADERS].list;
        host.nloaders = v[Q_LOADERS].n;
    }
    tpm_versions(L, &v[Q_TPM_VERSIONS], &host.tpm_1_2, &host.tpm_2_0);
    host.kvm_max_vcpus = u32_option(L, &v[Q_KVM_MAX_VCPUS], "kvm_max_vcpus");
    host.sev_max_asid = u32_option(L, &v[Q_SEV_MAX_ASID], "sev_max_asid");
    host.sev_min_asid = u32_option(L, &v[Q_SEV_MIN_ASID], "sev_min_asid");
    vc_error err;
    if (v[Q_HOST_CPU].given && !(host.cpu = host_cpu_option(&v[Q_HOST_CPU], a, &err)))
        return vc_lua_fail(L, &err);
    vc_cpu_db *db = vc_lua_cpu_db(L, v[Q_CPU_MAP].str);
    void **qslot = vc_lua_arena_owner(L); /* the QEMU capabilities' arena owns them */
    vc_qemucaps *qc = vc_qemucaps_read_file(v[Q_QEMUCAPS].str, &err);
    if (!qc)
        return vc_lua_fail(L, &err);
    *qslot = qc->arena;
    vc_qemu_target target;
    if (vc_qemu_domcaps_target(qc, v[Q_ARCH].str, v[Q_MACHINE].str, v[Q_VIRTTYPE].str, &target, &err) < 0)
        return vc_lua_fail(L, &err);
    void **owner = vc_lua_arena_owner(L);
    vc_domcaps *dc = vc_qemu_domcaps(qc, db, &target, &host, &err);
    if (dc && vc_qemu_dc_keep_cpu(dc, qc, &target, &err) < 0) {
        vc_domcaps_free(dc);
        dc = NULL;
    }
    return push_result(L, owner, dc, &err);
}

void vc_lua_open_domcaps(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"domcaps_parse", l_domcaps_parse},
        {"domcaps_load", l_domcaps_load},
        {"domcaps_format", l_domcaps_format},
        {"domcapabilities", l_domcapabilities},
        {"domcaps_qemu", l_domcaps_qemu},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
