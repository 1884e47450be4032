/* Any bytes -> a QMP session or a query-machines reply, or an error. What
 * parses must order and list as the reference does without losing a
 * machine, and the list must hold up as part of a capabilities document. */
#include <stdlib.h>
#include <string.h>

#include "drivers/qmp.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check(vc_arena *a, vc_qmp_info *info, const char *preferred)
{
    size_t n = info->nmachines, named = 0, listed;
    for (size_t i = 0; i < info->nmachines; i++)
        named += strcmp(info->machines[i].name, "none") != 0;
    vc_qmp_order_machines(info->machines, &n, preferred);
    if (n != named)
        abort(); /* ordering lost or kept the wrong machines */
    vc_machine *list = vc_qmp_caps_machines(a, info->machines, n, &listed);
    if (n && !list)
        return; /* out of memory */
    if (listed < n || listed > 2 * n)
        abort();
    for (size_t i = 0; i < listed; i++) {
        if (!list[i].name || !*list[i].name)
            abort();
        if (!list[i].canonical)
            continue;
        bool found = false;
        for (size_t j = 0; j < listed && !found; j++)
            found = strcmp(list[j].name, list[i].canonical) == 0;
        if (!found)
            abort(); /* an alias whose machine is not listed */
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    vc_arena *a = vc_arena_new();
    vc_qmp_info info;
    vc_error err;
    if (!a)
        return 0;
    if (vc_qmp_parse_session(a, (const char *)data, size, &info, &err) == 0)
        check(a, &info, "pc");
    if (vc_qmp_parse_machines(a, (const char *)data, size, &info, &err) == 0)
        check(a, &info, size % 2 ? "integratorcp" : NULL);
    vc_arena_free(a);
    return 0;
}
