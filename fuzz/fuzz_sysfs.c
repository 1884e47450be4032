/* Any bytes as a sysfs value (CPU lists, masks, numbers, sizes, meminfo)
 * and as a cpuset of the reference's grammar. Parsed sets must be sorted,
 * disjoint and within the id limit, and read back the same from their own
 * format; a cpuset must hold what applying its items one by one to a
 * bitmap gives (each item parsed alone: the removals' order is checked). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/idset.h"
#include "host/host.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define SMALL 4096

static void check_set(vc_arena *a, const vc_idset *s)
{
    int64_t count = 0;
    for (size_t i = 0; i < s->n; i++) {
        const vc_range *r = &s->ranges[i];
        if (r->first < 0 || r->last < r->first || r->last >= VC_CPUSET_MAX)
            abort();
        if (i && r->first <= s->ranges[i - 1].last + 1)
            abort(); /* overlapping or adjacent ranges not merged */
        count += r->last - r->first + 1;
    }
    if (count != s->count)
        abort();
    char *text = vc_idset_format(a, s);
    vc_idset again;
    vc_error err;
    if (!text || vc_idset_parse_list(a, text, strlen(text), &again, &err) < 0 || again.n != s->n ||
        again.count != s->count || (s->n && memcmp(again.ranges, s->ranges, s->n * sizeof *s->ranges) != 0))
        abort();
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

static void check_cpuset(vc_arena *a, const char *text)
{
    vc_idset s;
    vc_error err;
    if (vc_cpuset_parse(a, text, &s, &err) < 0)
        return;
    check_set(a, &s);
    char *copy = strdup(text);
    unsigned char *bits = calloc(SMALL, 1);
    if (copy && bits && by_items(a, copy, bits))
        for (int64_t id = 0; id < SMALL; id++)
            if (bits[id] != vc_idset_has(&s, id))
                abort();
    free(copy);
    free(bits);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *text = (const char *)data;
    vc_arena *a = vc_arena_new();
    char *copy = malloc(size + 1);
    if (!a || !copy) {
        vc_arena_free(a);
        free(copy);
        return 0;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';
    vc_idset s;
    vc_error err;
    if (vc_idset_parse_list(a, text, size, &s, &err) == 0)
        check_set(a, &s);
    if (vc_idset_parse_mask(a, text, size, &s, &err) == 0)
        check_set(a, &s);
    check_cpuset(a, copy);
    uint64_t u;
    if (vc_parse_uint(text, size, UINT64_MAX, &u) == 0) {
        char back[32];
        snprintf(back, sizeof back, "%llu", (unsigned long long)u);
        uint64_t v;
        if (vc_parse_uint(back, strlen(back), UINT64_MAX, &v) < 0 || v != u)
            abort();
    }
    int64_t i;
    if (vc_parse_int(text, size, &i) == 0 && (i < INT32_MIN || i > INT32_MAX))
        abort();
    vc_parse_scaled(text, size, &u);
    vc_meminfo_kib(text, size, "MemTotal", &u);
    if (vc_hugepage_kib(copy, &u) == 0 && u > UINT32_MAX)
        abort();
    free(copy);
    vc_arena_free(a);
    return 0;
}
