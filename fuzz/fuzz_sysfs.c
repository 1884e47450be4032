/* Any bytes as a sysfs value: CPU lists, masks, numbers, sizes, meminfo.
 * Parsed sets must be sorted, disjoint and within the id limit, and read
 * back the same from their own format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_host.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

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
