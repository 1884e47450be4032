/* Id sets (CPU and node lists) as sorted, merged ranges: the reference's
 * cpuset grammar, the lists and masks sysfs writes, and the "0-3,8" format.
 * Work is proportional to the text or the number of ranges, never to the
 * ids a range spans. */
#include "base/idset.h"

#include <stdlib.h>
#include <string.h>

static int cmp_range(const void *a, const void *b)
{
    const vc_range *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

/* Sorts and merges overlapping or adjacent ranges in place. */
static void normalize(vc_idset *s)
{
    if (s->n > 1)
        qsort(s->ranges, s->n, sizeof *s->ranges, cmp_range);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (k && s->ranges[i].first <= s->ranges[k - 1].last + 1) {
            if (s->ranges[i].last > s->ranges[k - 1].last)
                s->ranges[k - 1].last = s->ranges[i].last;
        } else {
            s->ranges[k++] = s->ranges[i];
        }
    }
    s->n = k;
    s->count = 0;
    for (size_t i = 0; i < k; i++)
        s->count += s->ranges[i].last - s->ranges[i].first + 1;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Reads a decimal id at *p. Past the limit the value stops growing, and
 * messages quote it: sysfs lists keep the value reached, cpusets say
 * VC_CPUSET_MAX + 1 (cap). */
static bool read_id(const char **p, const char *end, bool cap, int64_t *out)
{
    const char *q = *p;
    if (q == end || *q < '0' || *q > '9')
        return false;
    int64_t v = 0;
    while (q < end && *q >= '0' && *q <= '9') {
        if (v <= VC_CPUSET_MAX)
            v = v * 10 + (*q - '0');
        else if (cap)
            v = VC_CPUSET_MAX + 1;
        q++;
    }
    *p = q;
    *out = v;
    return true;
}

/* ---- the reference's cpusets: N, N-M, ^N, comma separated ---- */

static const char *skip_blanks(const char *p)
{
    while (blank(*p))
        p++;
    return p;
}

typedef struct item {
    int64_t first, last;
    bool neg;
} item;

/* One pass over the grammar into items (at most one per comma, plus one). */
static int cpuset_items(const char *s, item *items, size_t *nitems, vc_error *err)
{
    const char *p = skip_blanks(s), *end = s + strlen(s);
    size_t n = 0;
    if (*p == '\0')
        return vc_fail(err, VC_EINPUT, "empty cpuset");
    while (*p) {
        bool neg = false;
        int64_t first, last;
        if (*p == '^') {
            neg = true;
            p++;
        }
        if (!read_id(&p, end, true, &first))
            return vc_fail(err, VC_EINPUT, "invalid cpuset '%s': expected a CPU number at '%s'", s, p);
        last = first;
        p = skip_blanks(p);
        if (*p == '-') {
            if (neg)
                return vc_fail(err, VC_EINPUT, "invalid cpuset '%s': '^' takes a single CPU", s);
            p = skip_blanks(p + 1);
            if (!read_id(&p, end, true, &last))
                return vc_fail(err, VC_EINPUT, "invalid cpuset '%s': range without an end", s);
            if (last < first)
                return vc_fail(err, VC_EINPUT, "invalid cpuset '%s': range %lld-%lld goes backwards", s,
                               (long long)first, (long long)last);
            p = skip_blanks(p);
        }
        if (last > VC_CPUSET_MAX - 1)
            return vc_fail(err, VC_ELIMIT, "cpuset '%s' names CPU %s%lld, over the limit of %d", s,
                           last > VC_CPUSET_MAX ? "beyond " : "",
                           (long long)(last > VC_CPUSET_MAX ? VC_CPUSET_MAX : last), VC_CPUSET_MAX - 1);
        items[n++] = (item){first, last, neg};
        if (*p == ',') {
            p = skip_blanks(p + 1);
            if (*p == '\0')
                return vc_fail(err, VC_EINPUT, "invalid cpuset '%s': trailing ','", s);
        } else if (*p != '\0') {
            return vc_fail(err, VC_EINPUT, "invalid cpuset '%s': unexpected '%c'", s, *p);
        }
    }
    *nitems = n;
    return 0;
}

typedef struct removal {
    int64_t id;
    size_t pos;         /* the item that removes it */
    size_t added;       /* the last item that adds it, + 1 (0: none) */
} removal;

static int cmp_removal(const void *a, const void *b)
{
    const removal *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The next removal at or after i that no later item has claimed yet. */
static size_t unclaimed(size_t *next, size_t i)
{
    size_t root = i;
    while (next[root] != root)
        root = next[root];
    while (next[i] != root) {
        size_t up = next[i];
        next[i] = root;
        i = up;
    }
    return root;
}

/* Items apply in order, so '^N' removes N unless a later item adds it
 * back: each removal learns the last item adding its id (items walked
 * backwards, each removal claimed once), and stays when that is earlier. */
static int apply_removals(vc_arena *a, const item *items, size_t n, vc_idset *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += items[i].neg;
    removal *rm = malloc(m * sizeof *rm);
    size_t *next = malloc((m + 1) * sizeof *next);
    int rc = -1;
    if (!rm || !next)
        goto out;
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].neg)
            rm[m++] = (removal){items[i].first, i, 0};
    qsort(rm, m, sizeof *rm, cmp_removal);
    /* Of several removals of one id, the last counts. */
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (k && rm[k - 1].id == rm[i].id)
            k--;
        rm[k++] = rm[i];
    }
    m = k;
    for (size_t i = 0; i <= m; i++)
        next[i] = i;
    for (size_t i = n; i-- > 0;) {
        if (items[i].neg)
            continue;
        size_t lo = 0, hi = m;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (rm[mid].id < items[i].first)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t j = unclaimed(next, lo); j < m && rm[j].id <= items[i].last; j = unclaimed(next, j + 1)) {
            rm[j].added = i + 1;
            next[j] = j + 1;
        }
    }
    /* What the additions cover, less the removals that stay. */
    vc_range *ranges = vc_alloc(a, (out->n + m + 1) * sizeof *ranges);
    if (!ranges)
        goto out;
    size_t nr = 0, j = 0;
    for (size_t i = 0; i < out->n; i++) {
        int64_t first = out->ranges[i].first, last = out->ranges[i].last;
        for (; j < m && rm[j].id <= last; j++) {
            if (rm[j].id < first || rm[j].added > rm[j].pos)
                continue;
            if (rm[j].id > first)
                ranges[nr++] = (vc_range){first, rm[j].id - 1};
            first = rm[j].id + 1;
        }
        if (first <= last)
            ranges[nr++] = (vc_range){first, last};
    }
    out->ranges = ranges;
    out->n = nr;
    normalize(out);
    rc = 0;
out:
    free(rm);
    free(next);
    return rc;
}

int vc_cpuset_parse(vc_arena *a, const char *s, vc_idset *out, vc_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 1;
    for (const char *q = s; *q; q++)
        cap += *q == ',';
    item *items = malloc(cap * sizeof *items);
    if (!items)
        return vc_oom(err);
    size_t n = 0;
    int rc = cpuset_items(s, items, &n, err);
    if (rc == 0 && !(out->ranges = vc_alloc(a, n * sizeof *out->ranges))) {
        vc_oom(err);
        rc = -1;
    }
    if (rc == 0) {
        bool removals = false;
        for (size_t i = 0; i < n; i++) {
            if (items[i].neg)
                removals = true;
            else
                out->ranges[out->n++] = (vc_range){items[i].first, items[i].last};
        }
        normalize(out);
        if (removals && apply_removals(a, items, n, out) < 0)
            rc = vc_oom(err);
    }
    free(items);
    if (rc < 0)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- what sysfs writes ---- */

static void trim(const char **p, const char **end)
{
    while (*p < *end && blank(**p))
        (*p)++;
    while (*end > *p && blank((*end)[-1]))
        (*end)--;
}

int vc_idset_parse_list(vc_arena *a, const char *s, size_t len, vc_idset *out, vc_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = s, *end = s + len;
    trim(&p, &end);
    if (p == end)
        return 0;
    size_t cap = 1;
    for (const char *q = p; q < end; q++)
        cap += *q == ',';
    if (!(out->ranges = vc_alloc(a, cap * sizeof *out->ranges)))
        return vc_oom(err);
    while (p < end) {
        int64_t first, last;
        if (!read_id(&p, end, false, &first)) {
            /* Host files end up here: quote a short piece, printable
             * characters only (the text need not be NUL-terminated). */
            char q[24];
            size_t n = 0;
            while (n < 16 && p + n < end && p[n] != '\n' && p[n] != '\0') {
                q[n] = p[n] >= 0x20 && p[n] < 0x7f && p[n] != '\'' ? p[n] : '?';
                n++;
            }
            bool more = p + n < end && p[n] != '\n' && p[n] != '\0';
            memcpy(q + n, more ? "..." : "", more ? 4 : 1);
            return vc_fail(err, VC_EINPUT, "expected a number at '%s'", q);
        }
        last = first;
        if (p < end && *p == '-') {
            p++;
            if (!read_id(&p, end, false, &last))
                return vc_fail(err, VC_EINPUT, "a range without an end");
            if (last < first)
                return vc_fail(err, VC_EINPUT, "the range %lld-%lld goes backwards", (long long)first,
                               (long long)last);
        }
        if (last >= VC_CPUSET_MAX)
            return vc_fail(err, VC_ELIMIT, "an id above %lld", (long long)VC_CPUSET_MAX - 1);
        out->ranges[out->n].first = first;
        out->ranges[out->n].last = last;
        out->n++;
        if (p < end) {
            if (*p != ',')
                return vc_fail(err, VC_EINPUT, "unexpected '%c'", *p);
            p++;
            if (p == end)
                return vc_fail(err, VC_EINPUT, "a trailing ','");
        }
    }
    normalize(out);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int vc_idset_parse_mask(vc_arena *a, const char *s, size_t len, vc_idset *out, vc_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = s, *end = s + len;
    trim(&p, &end);
    if (p == end)
        return vc_fail(err, VC_EINPUT, "an empty mask");
    size_t digits = 0;
    for (const char *q = p; q < end; q++) {
        if (*q == ',') {
            if (q == p || q + 1 == end || q[-1] == ',')
                return vc_fail(err, VC_EINPUT, "a misplaced ','");
            continue;
        }
        if (hexval(*q) < 0)
            return vc_fail(err, VC_EINPUT, "unexpected '%c' in a mask", *q);
        digits++;
    }
    /* Leading zero digits name no ids; only the rest counts against the limit. */
    size_t significant = digits;
    for (const char *q = p; q < end && (*q == '0' || *q == ','); q++)
        significant -= *q == '0';
    if (significant > (size_t)VC_CPUSET_MAX / 4)
        return vc_fail(err, VC_ELIMIT, "an id above %lld", (long long)VC_CPUSET_MAX - 1);
    /* At most one range per two digits' worth of alternating bits. */
    if (!(out->ranges = vc_alloc(a, (significant * 2 + 1) * sizeof *out->ranges)))
        return vc_oom(err);
    int64_t bit = 0;
    bool open = false;
    for (const char *q = end; q > p; q--) {
        int v = q[-1] == ',' ? -1 : hexval(q[-1]);
        if (v < 0)
            continue;
        for (int b = 0; b < 4; b++, bit++) {
            bool set = (v >> b) & 1;
            if (set && !open) {
                out->ranges[out->n].first = bit;
                open = true;
            } else if (!set && open) {
                out->ranges[out->n++].last = bit - 1;
                open = false;
            }
        }
    }
    if (open)
        out->ranges[out->n++].last = bit - 1;
    normalize(out);
    return 0;
}

/* ---- building, asking, writing ---- */

int vc_idset_from_ids(vc_arena *a, const int64_t *ids, size_t n, vc_idset *out)
{
    memset(out, 0, sizeof *out);
    if (!n)
        return 0;
    if (!(out->ranges = vc_alloc(a, n * sizeof *out->ranges)))
        return -1;
    for (size_t i = 0; i < n; i++)
        out->ranges[i] = (vc_range){ids[i], ids[i]};
    out->n = n;
    normalize(out);
    return 0;
}

/* The index of the range holding id, or of the first range after it. */
static size_t find_range(const vc_idset *s, int64_t id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (id > s->ranges[mid].last)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool vc_idset_has(const vc_idset *s, int64_t id)
{
    size_t i = find_range(s, id);
    return i < s->n && s->ranges[i].first <= id;
}

int64_t vc_idset_max(const vc_idset *s)
{
    return s->n ? s->ranges[s->n - 1].last : -1;
}

int64_t vc_idset_missing(const vc_idset *sub, const vc_idset *super)
{
    for (size_t i = 0; i < sub->n; i++) {
        const vc_range *r = &sub->ranges[i];
        size_t k = find_range(super, r->first);
        if (k == super->n || super->ranges[k].first > r->first)
            return r->first;
        if (super->ranges[k].last < r->last)
            return super->ranges[k].last + 1;
    }
    return -1;
}

int vc_idset_intersect(vc_arena *a, const vc_idset *x, const vc_idset *y, vc_idset *out)
{
    memset(out, 0, sizeof *out);
    if (!(out->ranges = vc_alloc(a, (x->n + y->n + 1) * sizeof *out->ranges)))
        return -1;
    for (size_t i = 0, j = 0; i < x->n && j < y->n;) {
        int64_t first = x->ranges[i].first > y->ranges[j].first ? x->ranges[i].first : y->ranges[j].first;
        int64_t last = x->ranges[i].last < y->ranges[j].last ? x->ranges[i].last : y->ranges[j].last;
        if (first <= last)
            out->ranges[out->n++] = (vc_range){first, last};
        if (x->ranges[i].last < y->ranges[j].last)
            i++;
        else
            j++;
    }
    normalize(out);
    return 0;
}

void vc_idset_write(vc_buf *b, const vc_idset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const vc_range *r = &s->ranges[i];
        if (r->first == r->last)
            vc_buf_printf(b, "%s%lld", i ? "," : "", (long long)r->first);
        else
            vc_buf_printf(b, "%s%lld-%lld", i ? "," : "", (long long)r->first, (long long)r->last);
    }
}

char *vc_idset_format(vc_arena *a, const vc_idset *s)
{
    vc_buf b;
    vc_buf_init(&b);
    vc_idset_write(&b, s);
    char *out = b.oom ? NULL : vc_strndup(a, b.data ? b.data : "", b.len);
    vc_buf_free(&b);
    return out;
}
