/* Any text as a cpuset of the reference's grammar. An accepted set must be
 * sorted, disjoint and within the limit, read back the same from its own
 * format, and hold what applying its items one by one to a bitmap gives
 * (each item parsed alone: the removals' order is what is checked). */
#include <stdlib.h>
#include <string.h>

#include "vc.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define SMALL 4096

static void check_ranges(const vc_idset *s)
{
    int64_t count = 0;
    for (size_t i = 0; i < s->n; i++) {
        const vc_range *r = &s->ranges[i];
        if (r->first < 0 || r->last < r->first || r->last >= VC_CPUSET_MAX)
            abort();
        if (i && r->first <= s->ranges[i - 1].last + 1)
            abort();
        count += r->last - r->first + 1;
    }
    if (count != s->count)
        abort();
}

static bool same(const vc_idset *x, const vc_idset *y)
{
    return x->n == y->n && x->count == y->count && (!x->n || memcmp(x->ranges, y->ranges, x->n * sizeof *x->ranges) == 0);
}

/* The items applied in order to a bitmap; false when an id is too large for it. */
static bool by_items(vc_arena *a, char *text, unsigned char *bits)
{
    char *save = NULL;
    for (char *tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok += strspn(tok, " \t\n\r");
        bool remove = *tok == '^';
        vc_idset one;
        vc_error err;
        if (vc_cpuset_parse(a, remove ? tok + 1 : tok, &one, &err) < 0 || vc_idset_max(&one) >= SMALL)
            return false;
        for (size_t i = 0; i < one.n; i++)
            for (int64_t id = one.ranges[i].first; id <= one.ranges[i].last; id++)
                bits[id] = !remove;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1), *copy = malloc(size + 1);
    unsigned char *bits = calloc(SMALL, 1);
    vc_arena *a = vc_arena_new();
    if (!text || !copy || !bits || !a)
        goto out;
    memcpy(text, data, size);
    text[size] = '\0';
    memcpy(copy, text, size + 1);
    vc_idset s, again;
    vc_error err;
    if (vc_cpuset_parse(a, text, &s, &err) < 0)
        goto out;
    check_ranges(&s);
    char *formatted = vc_idset_format(a, &s);
    if (!formatted)
        goto out;
    if (s.n && (vc_cpuset_parse(a, formatted, &again, &err) < 0 || !same(&s, &again)))
        abort();
    if (vc_idset_parse_list(a, formatted, strlen(formatted), &again, &err) < 0 || !same(&s, &again))
        abort();
    if (by_items(a, copy, bits))
        for (int64_t id = 0; id < SMALL; id++)
            if (bits[id] != vc_idset_has(&s, id))
                abort();
out:
    free(text);
    free(copy);
    free(bits);
    vc_arena_free(a);
    return 0;
}
