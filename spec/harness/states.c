/* Many Lua states in one process, each using virtcaps, closed in an order
 * that differs from the order they were opened in: the C core keeps no
 * global state, so every state works alone and closing one disturbs none. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>

#define NSTATES 16

static const char *const script =
    "local virtcaps = require 'virtcaps'\n"
    "local doc = ...\n"
    "local caps = assert(virtcaps.parse(doc))\n"
    "assert(virtcaps.format(caps) == doc, 'round trip')\n"
    "assert(not virtcaps.parse('<capabilities/>'))\n"
    "assert(not pcall(virtcaps.format, {host = {cpu = {arch = 1}}}))\n"
    "return #caps.guests\n";

static int run(lua_State *L, const char *doc)
{
    if (luaL_loadstring(L, script) != LUA_OK) {
        fprintf(stderr, "load: %s\n", lua_tostring(L, -1));
        return -1;
    }
    lua_pushstring(L, doc);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        fprintf(stderr, "run: %s\n", lua_tostring(L, -1));
        return -1;
    }
    lua_pop(L, 1);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: states DOCUMENT\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 2;
    static char doc[1 << 20];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';

    lua_State *states[NSTATES];
    for (int i = 0; i < NSTATES; i++) {
        states[i] = luaL_newstate();
        luaL_openlibs(states[i]);
        if (run(states[i], doc) < 0)
            return 1;
    }
    /* Close every third, then use the rest again, then close them backwards. */
    for (int i = 0; i < NSTATES; i += 3) {
        lua_close(states[i]);
        states[i] = NULL;
    }
    for (int i = 0; i < NSTATES; i++)
        if (states[i] && run(states[i], doc) < 0)
            return 1;
    for (int i = NSTATES - 1; i >= 0; i--)
        if (states[i])
            lua_close(states[i]);
    puts("ok");
    return 0;
}
