/* The plumbing: errors, the arena that owns a model, text buffers. */
#include "base/base.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ---- */

int vc_vfail(vc_error *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return -1;
}

int vc_fail(vc_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vc_vfail(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

int vc_oom(vc_error *err)
{
    return vc_fail(err, VC_ENOMEM, "out of memory");
}

/* ---- arena ---- */

#define ARENA_CHUNK ((size_t)64 * 1024)
#define ARENA_ALIGN ((size_t)16)

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} chunk;

struct vc_arena {
    chunk *head;
    size_t total;
};

vc_arena *vc_arena_new(void)
{
    return calloc(1, sizeof(vc_arena));
}

void vc_arena_free(vc_arena *a)
{
    if (!a)
        return;
    chunk *c = a->head;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

size_t vc_arena_size(const vc_arena *a)
{
    return a ? a->total : 0;
}

void *vc_alloc(vc_arena *a, size_t size)
{
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < size)
        return NULL;
    chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t csize = need > ARENA_CHUNK ? need : ARENA_CHUNK;
        if (csize > SIZE_MAX - sizeof(chunk))
            return NULL;
        chunk *fresh = calloc(1, sizeof(chunk) + csize);
        if (!fresh)
            return NULL;
        fresh->size = csize;
        a->total += csize;
        /* A big block goes behind the current chunk so its free tail stays usable. */
        if (c && need > ARENA_CHUNK / 4) {
            fresh->next = c->next;
            c->next = fresh;
            fresh->used = need;
            return fresh->data;
        }
        fresh->next = c;
        a->head = c = fresh;
    }
    void *p = c->data + c->used;
    c->used += need;
    return p;
}

char *vc_strndup(vc_arena *a, const char *s, size_t n)
{
    char *d = vc_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *vc_strdup(vc_arena *a, const char *s)
{
    return s ? vc_strndup(a, s, strlen(s)) : NULL;
}

char *vc_sprintf(vc_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *d = vc_alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

static size_t pow2_at_least(size_t n)
{
    size_t c = 1;
    while (c < n) {
        if (c > SIZE_MAX / 2)
            return 0;
        c <<= 1;
    }
    return c;
}

void *vc_array(vc_arena *a, size_t n, size_t elem)
{
    size_t cap = n ? pow2_at_least(n) : 0;
    if (n && (!cap || cap > SIZE_MAX / elem))
        return NULL;
    return vc_alloc(a, cap * elem);
}

void *vc_push(vc_arena *a, void *arrayp, size_t *n, size_t elem)
{
    unsigned char **arr = arrayp;
    size_t cur = *n;
    /* Capacity is the smallest power of two >= n: full when n is 0 or a power of two. */
    if ((cur & (cur - 1)) == 0) {
        size_t cap = cur ? cur * 2 : 1;
        if (cap < cur || cap > SIZE_MAX / elem)
            return NULL;
        unsigned char *grown = vc_alloc(a, cap * elem);
        if (!grown)
            return NULL;
        if (cur)
            memcpy(grown, *arr, cur * elem);
        *arr = grown;
    }
    (*n)++;
    return *arr + cur * elem;
}

/* ---- text buffer ---- */

void vc_buf_init(vc_buf *b)
{
    memset(b, 0, sizeof *b);
}

void vc_buf_free(vc_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool buf_reserve(vc_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->cap - b->len > extra)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len <= extra) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void vc_buf_add(vc_buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vc_buf_puts(vc_buf *b, const char *s)
{
    vc_buf_add(b, s, strlen(s));
}

void vc_buf_printf(vc_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        vc_buf_add(b, small, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void vc_buf_spaces(vc_buf *b, int n)
{
    static const char spaces[] = "                                                                ";
    while (n > 0) {
        int k = n < (int)sizeof spaces - 1 ? n : (int)sizeof spaces - 1;
        vc_buf_add(b, spaces, (size_t)k);
        n -= k;
    }
}

int vc_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}
