/* The probe's context: host files read at formatted paths (through
 * hostfs.c) with what went wrong kept for warnings, and parsers for the
 * numbers sysfs writes (its lists and masks are id sets, idset.c). */
#include "base/hostfs.h"
#include "base/idset.h"
#include "base/options.h"
#include "host/context.h"
#include "host/host.h"
#include "model/model.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- numbers ---- */

/* The value's text without leading blanks and one trailing newline. */
static bool trim_value(const char **s, size_t *len)
{
    const char *p = *s, *end = *s + *len;
    if (end > p && end[-1] == '\n')
        end--;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (memchr(p, '\0', (size_t)(end - p)))
        return false;
    *s = p;
    *len = (size_t)(end - p);
    return *len > 0;
}

int vc_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (!trim_value(&s, &len))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (d > max || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int vc_parse_int(const char *s, size_t len, int64_t *out)
{
    if (!trim_value(&s, &len))
        return -1;
    bool neg = false;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
        len--;
        if (!len || *s < '0' || *s > '9')
            return -1;
    }
    uint64_t v;
    if (vc_parse_uint(s, len, neg ? (uint64_t)INT32_MAX + 1 : INT32_MAX, &v) < 0)
        return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

int vc_parse_scaled(const char *s, size_t len, uint64_t *bytes)
{
    if (!trim_value(&s, &len))
        return -1;
    size_t digits = 0;
    while (digits < len && s[digits] >= '0' && s[digits] <= '9')
        digits++;
    uint64_t v;
    if (!digits || vc_parse_uint(s, digits, UINT64_MAX, &v) < 0)
        return -1;
    const char *u = s + digits;
    size_t ulen = len - digits;
    uint64_t scale = 1;
    /* The reference's units (virScaleInteger): b, byte(s); k or KiB (1024),
     * KB (1000), and so on up to E. */
    if (ulen) {
        static const char powers[] = "kmgtpe";
        char c0 = (char)(u[0] | 0x20);
        if ((ulen == 1 && c0 == 'b') || (ulen == 4 && strncasecmp(u, "byte", 4) == 0) ||
            (ulen == 5 && strncasecmp(u, "bytes", 5) == 0)) {
            scale = 1;
        } else {
            const char *pos = c0 ? strchr(powers, c0) : NULL;
            uint64_t base;
            if (!pos)
                return -1;
            if (ulen == 1 || (ulen == 3 && strncasecmp(u + 1, "ib", 2) == 0))
                base = 1024;
            else if (ulen == 2 && (u[1] | 0x20) == 'b')
                base = 1000;
            else
                return -1;
            for (long i = 0; i <= pos - powers; i++)
                scale *= base;
        }
    }
    if (v && scale > UINT64_MAX / v)
        return -1;
    *bytes = v * scale;
    return 0;
}

/* ---- the context ---- */

int vc_hostctx_init(vc_hostctx *h, vc_probe_ctx *ctx, vc_caps *caps, vc_error *err)
{
    const vc_probe_opts *opts = ctx->opts;
    memset(h, 0, sizeof *h);
    h->ctx = ctx;
    h->opts = opts;
    h->arch = ctx->arch;
    h->caps = caps;
    h->real_host = !opts || (!opts->root && opts->npaths == 0);
    if (!(h->scratch = vc_arena_new()))
        return vc_oom(err);
    return 0;
}

void vc_hostctx_free(vc_hostctx *h)
{
    vc_topo_free(h->topo);
    h->topo = NULL;
    vc_arena_free(h->scratch);
    h->scratch = NULL;
}

int vc_hwarn(vc_hostctx *h, const char *fmt, ...)
{
    if (!h->caps)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int rc = vc_caps_vwarn(h->caps, fmt, ap);
    va_end(ap);
    return rc;
}

/* The host path from a format, recorded in h->last. */
static int vhost(vc_hostctx *h, const char *fmt, va_list ap)
{
    char host[PATH_MAX];
    int w = vsnprintf(host, sizeof host, fmt, ap);
    if (w < 0 || (size_t)w >= sizeof host) {
        snprintf(h->why, sizeof h->why, "the path is too long");
        return -1;
    }
    snprintf(h->last, sizeof h->last, "%s", host);
    return 0;
}

static int vpath(vc_hostctx *h, char *out, const char *fmt, va_list ap)
{
    if (vhost(h, fmt, ap) < 0)
        return -1;
    if (vc_host_path(h->opts, h->last, out, PATH_MAX) < 0) {
        snprintf(h->why, sizeof h->why, "%s", errno == ELOOP ? strerror(ELOOP) : "the mapped path is too long");
        return -1;
    }
    return 0;
}

int vc_hpath(vc_hostctx *h, char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vpath(h, out, fmt, ap);
    va_end(ap);
    return rc;
}

/* The first byte from p on (before end) that is not one of set. */
static const char *skip_any(const char *p, const char *end, const char *set)
{
    while (p < end && *p && strchr(set, *p))
        p++;
    return p;
}

int vc_meminfo_kib(const char *text, size_t len, const char *key, uint64_t *kib)
{
    size_t klen = strlen(key);
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        /* "MemTotal:  123 kB", or per node "Node 0 MemTotal:  123 kB" */
        const char *k = p;
        if (le - p > 5 && strncmp(p, "Node ", 5) == 0)
            k = skip_any(skip_any(p + 5, le, "0123456789"), le, " ");
        if ((size_t)(le - k) > klen && strncmp(k, key, klen) == 0 && k[klen] == ':') {
            const char *v = skip_any(k + klen + 1, le, " \t");
            const char *d = skip_any(v, le, "0123456789");
            const char *u = skip_any(d, le, " ");
            if (d == v || vc_parse_uint(v, (size_t)(d - v), UINT64_MAX / 1024, kib) < 0)
                return -1;
            if (le - u == 2 && strncmp(u, "kB", 2) == 0)
                return 0;
            return -1;
        }
        p = nl ? nl + 1 : end;
    }
    return -1;
}

static void set_errno_why(vc_hostctx *h, int e)
{
    const char *msg = e == EFBIG ? "the file is too large" : e == EINVAL ? "not a regular file" : strerror(e);
    snprintf(h->why, sizeof h->why, "%s", msg);
}

/* Reads the file at a formatted host path: 0, -2 missing, -1 otherwise. */
static int vread(vc_hostctx *h, size_t limit, char **text, size_t *len, const char *fmt, va_list ap)
{
    char mapped[PATH_MAX];
    if (vpath(h, mapped, fmt, ap) < 0)
        return -1;
    int rc = vc_file_read(mapped, limit, text, len, NULL);
    if (rc == -ENOENT || rc == -ENOTDIR)
        return -2;
    if (rc < 0) {
        set_errno_why(h, -rc);
        return -1;
    }
    return 0;
}

/* A short quote of garbage for messages. */
static void garbage(vc_hostctx *h, const char *what, const char *text, size_t len)
{
    char q[40];
    size_t k = 0;
    for (size_t i = 0; i < len && k + 5 < sizeof q; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' && i + 1 == len)
            break;
        q[k++] = (c >= 0x20 && c < 0x7f && c != '\'') ? (char)c : '?';
    }
    if (k + 5 >= sizeof q || len > sizeof q) {
        memcpy(q + k, "...", 3);
        k += 3;
    }
    q[k] = '\0';
    snprintf(h->why, sizeof h->why, "%s, got '%s'", what, q);
}

/* What a file holds and where it goes. */
typedef enum value_kind { UINT, INT, SCALED, LIST, MASK } value_kind;

/* Reads a value at a formatted path: 0, -2 missing, -1 unreadable or
 * garbage (h->why). */
static int hread_value(vc_hostctx *h, value_kind kind, uint64_t max, void *out, const char *fmt, va_list ap)
{
    char *text;
    size_t len;
    int rc = vread(h, kind == LIST || kind == MASK ? VC_LIST_MAX : VC_VALUE_MAX, &text, &len, fmt, ap);
    if (rc < 0)
        return rc;
    char what[64] = "";
    vc_error e = {0};
    switch (kind) {
    case UINT:
        if (vc_parse_uint(text, len, max, out) < 0)
            snprintf(what, sizeof what, "expected a number from 0 to %llu", (unsigned long long)max);
        break;
    case INT:
        if (vc_parse_int(text, len, out) < 0)
            snprintf(what, sizeof what, "expected a number from -2147483648 to 2147483647");
        break;
    case SCALED:
        if (vc_parse_scaled(text, len, out) < 0)
            snprintf(what, sizeof what, "expected a size");
        break;
    case LIST:
    case MASK:
        if ((kind == MASK ? vc_idset_parse_mask : vc_idset_parse_list)(h->scratch, text, len, out, &e) < 0) {
            snprintf(h->why, sizeof h->why, "%s", e.code == VC_ENOMEM ? "out of memory" : e.msg);
            rc = -1;
        }
        break;
    }
    if (what[0]) {
        garbage(h, what, text, len);
        rc = -1;
    }
    free(text);
    return rc;
}

int vc_hread_uint(vc_hostctx *h, uint64_t max, uint64_t *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hread_value(h, UINT, max, out, fmt, ap);
    va_end(ap);
    return rc;
}

int vc_hread_int(vc_hostctx *h, int64_t *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hread_value(h, INT, 0, out, fmt, ap);
    va_end(ap);
    return rc;
}

int vc_hread_scaled(vc_hostctx *h, uint64_t *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hread_value(h, SCALED, 0, out, fmt, ap);
    va_end(ap);
    return rc;
}

int vc_hread_list(vc_hostctx *h, vc_idset *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hread_value(h, LIST, 0, out, fmt, ap);
    va_end(ap);
    return rc;
}

int vc_hread_mask(vc_hostctx *h, vc_idset *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hread_value(h, MASK, 0, out, fmt, ap);
    va_end(ap);
    return rc;
}

int vc_hread_text(vc_hostctx *h, size_t limit, char **out, const char *fmt, ...)
{
    char *text;
    size_t len;
    va_list ap;
    va_start(ap, fmt);
    int rc = vread(h, limit, &text, &len, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    if (len && text[len - 1] == '\n')
        len--;
    *out = vc_strndup(h->scratch, text, len);
    free(text);
    if (!*out) {
        snprintf(h->why, sizeof h->why, "out of memory");
        return -1;
    }
    return 0;
}

int vc_hopendir(vc_hostctx *h, DIR **d, const char *fmt, ...)
{
    char mapped[PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    int rc = vpath(h, mapped, fmt, ap);
    va_end(ap);
    *d = NULL;
    if (rc < 0)
        return -1;
    if (!(*d = opendir(mapped))) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        set_errno_why(h, errno);
        return -1;
    }
    return 1;
}

const char *vc_hreaddir(DIR *d)
{
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            return e->d_name;
    return NULL;
}

bool vc_hexists(vc_hostctx *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vhost(h, fmt, ap);
    va_end(ap);
    return rc == 0 && vc_host_exists(h->opts, h->last) > 0;
}

int64_t vc_name_number(const char *name, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0)
        return -1;
    const char *p = name + n;
    size_t digits = strspn(p, "0123456789");
    uint64_t v;
    if (vc_parse_uint(p, digits, VC_CPUSET_MAX - 1, &v) < 0)
        return -1;
    if (rest)
        *rest = p + digits;
    return (int64_t)v;
}

int vc_hugepage_kib(const char *name, uint64_t *kib)
{
    if (strncmp(name, "hugepages-", 10) != 0)
        return -1;
    const char *p = name + 10, *d = p;
    while (*d >= '0' && *d <= '9')
        d++;
    if (d == p || strcasecmp(d, "kB") != 0 || vc_parse_uint(p, (size_t)(d - p), UINT32_MAX, kib) < 0)
        return -1;
    return 0;
}
