/* Guest drivers: picks the drivers to run, and the model helpers they share. */
#include "drivers/drivers.h"

#include "base/arch.h"
#include "base/options.h"
#include "host/context.h"
#include "model/model.h"



#include <stdlib.h>
#include <string.h>

/* ---- model helpers ---- */

vc_guest *vc_guest_add(vc_caps *caps, const char *os_type, int arch, const char *emulator, vc_error *err)
{
    vc_guest *g = VC_PUSH(caps->arena, caps->guests, caps->nguests);
    if (!g) {
        vc_oom(err);
        return NULL;
    }
    memset(g, 0, sizeof *g);
    g->os_type = vc_strdup(caps->arena, os_type);
    g->arch = vc_strdup(caps->arena, vc_arch_at((size_t)arch)->name);
    g->wordsize = vc_arch_at((size_t)arch)->wordsize;
    g->emulator = emulator ? vc_strdup(caps->arena, emulator) : NULL;
    for (int i = 0; i < VC_GF_COUNT; i++)
        g->features[i] = (vc_guest_feature){false, VC_UNSET_B, VC_UNSET_B};
    if (!g->os_type || !g->arch || (emulator && !g->emulator)) {
        vc_oom(err);
        return NULL;
    }
    return g;
}

int vc_guest_domain(vc_caps *caps, vc_guest *g, const char *type, vc_error *err)
{
    vc_domain *d = VC_PUSH(caps->arena, g->domains, g->ndomains);
    if (!d)
        return vc_oom(err);
    memset(d, 0, sizeof *d);
    if (!(d->type = vc_strdup(caps->arena, type)))
        return vc_oom(err);
    return 0;
}

void vc_guest_feature_set(vc_guest *g, int feature, int8_t default_on, int8_t toggle)
{
    g->features[feature] = (vc_guest_feature){true, default_on, toggle};
    g->has_features = true;
}

int vc_host_migration(vc_caps *caps, bool live, const char *const *transports, size_t n, vc_error *err)
{
    vc_host *h = &caps->host;
    h->has_migration = true;
    h->live_migration |= live;
    for (size_t i = 0; i < n; i++) {
        bool have = false;
        for (size_t j = 0; j < h->nuri_transports && !have; j++)
            have = strcmp(h->uri_transports[j], transports[i]) == 0;
        if (have)
            continue;
        char **slot = VC_PUSH(caps->arena, h->uri_transports, h->nuri_transports);
        if (!slot || !(*slot = vc_strdup(caps->arena, transports[i])))
            return vc_oom(err);
    }
    return 0;
}

vc_secmodel *vc_host_secmodel(vc_caps *caps, const char *model, const char *doi, vc_error *err)
{
    vc_host *h = &caps->host;
    for (size_t i = 0; i < h->nsecmodels; i++)
        if (strcmp(h->secmodels[i].model, model) == 0)
            return &h->secmodels[i];
    vc_secmodel *m = VC_PUSH(caps->arena, h->secmodels, h->nsecmodels);
    if (!m) {
        vc_oom(err);
        return NULL;
    }
    memset(m, 0, sizeof *m);
    m->model = vc_strdup(caps->arena, model);
    m->doi = vc_strdup(caps->arena, doi);
    if (!m->model || !m->doi) {
        vc_oom(err);
        return NULL;
    }
    return m;
}

int vc_secmodel_label(vc_caps *caps, vc_secmodel *m, const char *type, const char *label, vc_error *err)
{
    for (size_t i = 0; i < m->nlabels; i++)
        if (strcmp(m->labels[i].type, type) == 0)
            return 0;
    vc_baselabel *l = VC_PUSH(caps->arena, m->labels, m->nlabels);
    if (!l || !(l->type = vc_strdup(caps->arena, type)) || !(l->label = vc_strdup(caps->arena, label)))
        return vc_oom(err);
    return 0;
}

/* ---- dispatch ---- */

typedef int (*driver_fn)(vc_probe_ctx *, bool, vc_caps *, vc_error *);

static const struct {
    const char *name;
    driver_fn run;
} drivers[] = {
    {"qemu", vc_drv_qemu},
    {"xen", vc_drv_xen},
    {"lxc", vc_drv_lxc},
};
#define NDRIVERS (sizeof drivers / sizeof drivers[0])

static int driver_named(const char *name)
{
    for (size_t i = 0; i < NDRIVERS; i++)
        if (strcmp(drivers[i].name, name) == 0)
            return (int)i;
    return -1;
}

int vc_probe_guests(vc_probe_ctx *ctx, vc_caps *caps, vc_error *err)
{
    const vc_probe_opts *opts = ctx->opts;
    int order[NDRIVERS];
    size_t n = 0;
    if (opts && opts->drivers_given) {
        for (size_t i = 0; i < opts->ndrivers; i++) {
            int d = driver_named(opts->drivers[i]);
            if (d < 0)
                return vc_fail(err, VC_EMISUSE, "option 'drivers': unknown driver '%s' (known: qemu, xen, lxc)",
                               opts->drivers[i]);
            for (size_t j = 0; j < n; j++)
                if (order[j] == d)
                    return vc_fail(err, VC_EMISUSE, "option 'drivers': '%s' is named twice", opts->drivers[i]);
            order[n++] = d;
        }
    } else {
        for (size_t i = 0; i < NDRIVERS; i++)
            order[n++] = (int)i;
    }
    for (size_t i = 0; i < n; i++)
        if (drivers[order[i]].run(ctx, opts && opts->drivers_given, caps, err) < 0)
            return -1;
    return 0;
}
