/* A Lua state whose allocator refuses to grow past a budget, swept from no
 * spare memory up to enough: every call of the script must either succeed
 * or raise, never crash, and (under make asan-test, whose leak checker runs
 * at exit) never leak what the C core had made when Lua's memory ran out. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct budget {
    size_t used, limit;
} budget;

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    budget *b = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        b->used -= old;
        return NULL;
    }
    /* Lua expects shrinking to succeed: only growth is refused. */
    if (nsize > old && nsize - old > b->limit - b->used)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        b->used = b->used - old + nsize;
    return p;
}

static const char *const setup = "virtcaps = require 'virtcaps'\ncore = require 'virtcaps.core'\n";

/* Runs the script with arg as its argument under a budget of extra bytes
 * beyond what the state holds; 1 when it ran through, 0 when it raised. */
static int attempt(const char *script, const char *arg, size_t extra, int *failed)
{
    budget b = {0, (size_t)-1};
    lua_State *L = lua_newstate(limited_alloc, &b);
    if (!L)
        return -1;
    luaL_openlibs(L);
    if (luaL_dostring(L, setup) != LUA_OK || luaL_loadstring(L, script) != LUA_OK) {
        fprintf(stderr, "setup: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return -1;
    }
    lua_pushstring(L, arg);
    lua_gc(L, LUA_GCCOLLECT);
    b.limit = b.used + extra;
    int rc = lua_pcall(L, 1, 0, 0);
    b.limit = (size_t)-1;
    if (rc != LUA_OK) {
        (*failed)++;
        if (rc != LUA_ERRMEM && !(lua_type(L, -1) == LUA_TSTRING && strstr(lua_tostring(L, -1), "memory"))) {
            fprintf(stderr, "with %zu spare bytes: %s\n", extra, luaL_tolstring(L, -1, NULL));
            lua_close(L);
            return -1;
        }
    }
    lua_close(L);
    return rc == LUA_OK;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: failalloc SCRIPT ARG\n");
        return 2;
    }
    size_t extra = 0;
    int failed = 0, rc;
    while ((rc = attempt(argv[1], argv[2], extra, &failed)) == 0)
        extra += 8 + extra / 64;
    if (rc < 0)
        return 1;
    printf("ok: %d failures before %zu spare bytes sufficed\n", failed, extra);
    return 0;
}
