/* The plumbing every layer shares: errors that travel as return codes, the
 * arena that owns a model's allocations, growable text buffers. libc only. */
#ifndef VC_BASE_H
#define VC_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VC_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* virtcaps' version (virtcaps._VERSION, the rockspec's) */
#define VC_VERSION "0.1.0"

/* Integers of the model are non-negative; VC_UNSET marks an absent one. */
#define VC_UNSET INT64_C(-1)
/* Tri-state booleans: VC_UNSET_B absent, 0 false, 1 true. */
#define VC_UNSET_B ((int8_t)-1)

/* ---- errors: return codes travel up to the binding ---- */
enum vc_code {
    VC_OK = 0,
    VC_EINPUT,  /* the input is wrong: nil, message */
    VC_ELIMIT,  /* the input exceeds a documented limit: nil, message */
    VC_EIO,     /* a file could not be read: nil, message */
    VC_ENOMEM,  /* out of memory: raised */
    VC_EMISUSE, /* the caller asked for something impossible (unknown driver): raised */
};

typedef struct vc_error {
    int code;
    char msg[512];
} vc_error;

/* Records the error and returns -1 so callers can `return vc_fail(...)`. */
int vc_fail(vc_error *err, int code, const char *fmt, ...) VC_PRINTF(3, 4);
int vc_vfail(vc_error *err, int code, const char *fmt, va_list ap);
int vc_oom(vc_error *err);

/* ---- arena: one owner for every allocation of a model ---- */
typedef struct vc_arena vc_arena;

vc_arena *vc_arena_new(void);
void vc_arena_free(vc_arena *a);
size_t vc_arena_size(const vc_arena *a);
void *vc_alloc(vc_arena *a, size_t size);               /* zeroed, NULL on OOM */
char *vc_strdup(vc_arena *a, const char *s);
char *vc_strndup(vc_arena *a, const char *s, size_t n);
char *vc_sprintf(vc_arena *a, const char *fmt, ...) VC_PRINTF(2, 3);
/* Arrays grow by doubling; vc_array reserves a power-of-two capacity so
 * vc_push may be used on its result too. Both return NULL on OOM. */
void *vc_array(vc_arena *a, size_t n, size_t elem);
void *vc_push(vc_arena *a, void *arrayp, size_t *n, size_t elem);
#define VC_PUSH(a, arr, n) vc_push((a), &(arr), &(n), sizeof *(arr))

/* ---- growable text buffer (heap, owned by whoever initialised it) ---- */
typedef struct vc_buf {
    char *data;
    size_t len, cap;
    bool oom;
} vc_buf;

void vc_buf_init(vc_buf *b);
void vc_buf_free(vc_buf *b);
void vc_buf_add(vc_buf *b, const char *s, size_t n);
void vc_buf_puts(vc_buf *b, const char *s);
void vc_buf_printf(vc_buf *b, const char *fmt, ...) VC_PRINTF(2, 3);
void vc_buf_spaces(vc_buf *b, int n);

/* qsort/bsearch order of int64_t values */
int vc_cmp_i64(const void *a, const void *b);

#endif
