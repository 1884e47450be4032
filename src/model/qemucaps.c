/* The QEMU capabilities model: one arena per binary's facts. */
#include "model/qemucaps.h"

#include <stdlib.h>
#include <string.h>

vc_qemucaps *vc_qemucaps_new(void)
{
    vc_arena *a = vc_arena_new();
    if (!a)
        return NULL;
    vc_qemucaps *qc = vc_alloc(a, sizeof *qc);
    if (!qc) {
        vc_arena_free(a);
        return NULL;
    }
    qc->arena = a;
    return qc;
}

void vc_qemucaps_free(vc_qemucaps *qc)
{
    if (qc)
        vc_arena_free(qc->arena);
}

static int compare_flag(const void *key, const void *elem)
{
    return strcmp(key, *(char *const *)elem);
}

bool vc_qemucaps_has(const vc_qemucaps *qc, const char *flag)
{
    return qc->nflags && bsearch(flag, qc->flags, qc->nflags, sizeof *qc->flags, compare_flag);
}
