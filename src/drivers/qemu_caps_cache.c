/* The cache of one binary's QEMU capabilities: one JSON entry per emulator
 * in the virtcaps cache (cachedir.c keeps the directory safe), written at
 * once, keyed by the emulator's path, size, mtime, ctime and inode, whether
 * /dev/kvm could be used, and the virtcaps build that computed it. Lists
 * are kept as rows; every value read back is checked as QEMU's answers are. */
#include "drivers/qemu_caps_cache.h"

#include "drivers/qemu_cache.h"
#include "drivers/qemu_caps.h"
#include "drivers/qmp.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define QCCACHE_FORMAT 2

static json_object *key_object(const char *emulator, const struct stat *st, bool kvm_dev)
{
    json_object *k = vc_qcache_key(QCCACHE_FORMAT, emulator, st), *build = vc_cachedir_build_id();
    if (!k || !build) {
        json_object_put(k);
        json_object_put(build);
        return NULL;
    }
    json_object_object_add(k, "kvm_dev", json_object_new_boolean(kvm_dev));
    json_object_object_add(k, "build", build);
    return k;
}

static void entry_name(const char *emulator, char *out, size_t size)
{
    vc_cachedir_entry_name(out, size, "qemu-caps", emulator);
}

/* ---- writing ---- */

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *strings(char *const *v, size_t n)
{
    json_object *a = json_object_new_array_ext((int)n);
    for (size_t i = 0; a && i < n; i++)
        json_object_array_add(a, json_object_new_string(v[i]));
    return a;
}

static json_object *row(size_t n, json_object *const *cols)
{
    json_object *a = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++) {
        if (a)
            json_object_array_add(a, cols[i]);
        else
            json_object_put(cols[i]);
    }
    return a;
}

/* {"models": [[in_db, vendor], ...] (one per CPU model), "host": null or
 * [model, vendor, [[feature, policy], ...]]} */
static json_object *named_object(const qc_accel_caps *acc)
{
    const qc_named *nm = &acc->named;
    json_object *o = json_object_new_object(), *models = json_object_new_array_ext((int)acc->ncpus), *host = NULL;
    for (size_t i = 0; models && i < acc->ncpus; i++) {
        json_object *cols[] = {json_object_new_boolean(acc->cpus[i].in_db), str_or_null(acc->cpus[i].vendor)};
        json_object_array_add(models, row(2, cols));
    }
    if (nm->host) {
        json_object *features = json_object_new_array_ext((int)nm->nfeatures);
        for (size_t i = 0; features && i < nm->nfeatures; i++) {
            json_object *cols[] = {json_object_new_string(nm->features[i].name),
                                   json_object_new_string(nm->features[i].policy)};
            json_object_array_add(features, row(2, cols));
        }
        json_object *cols[] = {json_object_new_string(nm->model), str_or_null(nm->vendor), features};
        host = row(3, cols);
    }
    if (!o) {
        json_object_put(models);
        json_object_put(host);
        return NULL;
    }
    json_object_object_add(o, "models", models);
    json_object_object_add(o, "host", host);
    return o;
}

static json_object *accel_object(const qc_accel_caps *acc)
{
    json_object *o = json_object_new_object(), *ms = json_object_new_array(), *cs = json_object_new_array();
    for (size_t i = 0; ms && i < acc->nmachines; i++) {
        const qc_machine *m = &acc->machines[i];
        json_object *cols[] = {json_object_new_string(m->name), str_or_null(m->alias), json_object_new_int64(m->max_cpus),
                               json_object_new_boolean(m->hotplug_cpus), json_object_new_boolean(m->is_default),
                               json_object_new_boolean(m->numa_mem_supported), json_object_new_boolean(m->deprecated),
                               str_or_null(m->default_cpu), str_or_null(m->default_ram_id),
                               m->acpi_set ? json_object_new_boolean(m->acpi) : NULL};
        json_object_array_add(ms, row(10, cols));
    }
    for (size_t i = 0; cs && i < acc->ncpus; i++) {
        const qc_cpu_model *c = &acc->cpus[i];
        json_object *cols[] = {json_object_new_string(c->name), str_or_null(c->type_name), json_object_new_int(c->usable),
                               json_object_new_boolean(c->deprecated), strings(c->blockers, c->nblockers)};
        json_object_array_add(cs, row(5, cols));
    }
    json_object *host = NULL;
    const qc_host_cpu *h = &acc->host_cpu;
    if (h->model) {
        json_object *props = json_object_new_array_ext((int)h->nprops);
        for (size_t i = 0; props && i < h->nprops; i++) {
            const qc_prop *p = &h->props[i];
            json_object *v = p->type == QC_PROP_BOOL     ? json_object_new_boolean(p->b)
                             : p->type == QC_PROP_STRING ? json_object_new_string(p->s)
                                                         : json_object_new_int64(p->n);
            json_object *cols[] = {json_object_new_string(p->name), json_object_new_int((int)p->type), v,
                                   json_object_new_int(p->migratable)};
            json_object_array_add(props, row(4, cols));
        }
        json_object *cols[] = {json_object_new_string(h->model), json_object_new_boolean(h->migratability), props};
        host = row(3, cols);
    }
    if (o && acc->named.drawn)
        json_object_object_add(o, "named", named_object(acc));
    if (o) {
        json_object_object_add(o, "machines", ms);
        json_object_object_add(o, "cpus", cs);
        json_object_object_add(o, "host", host);
    } else {
        json_object_put(ms);
        json_object_put(cs);
        json_object_put(host);
    }
    return o;
}

int vc_qccache_store(vc_cachedir *c, const char *emulator, const struct stat *st, bool kvm_dev, const vc_qemucaps *qc)
{
    char name[128];
    entry_name(emulator, name, sizeof name);
    json_object *doc = key_object(emulator, st, kvm_dev), *accel = json_object_new_array(), *gic = json_object_new_array();
    if (!doc || !accel || !gic) {
        json_object_put(doc);
        json_object_put(accel);
        json_object_put(gic);
        errno = ENOMEM;
        return -1;
    }
    json_object_object_add(doc, "version", json_object_new_int64(qc->version));
    json_object_object_add(doc, "package", str_or_null(qc->package));
    json_object_object_add(doc, "arch", json_object_new_string(qc->arch));
    json_object_object_add(doc, "kvm", json_object_new_boolean(qc->kvm_supported));
    json_object_object_add(doc, "tcg", json_object_new_boolean(qc->tcg_supported));
    json_object_object_add(doc, "flags", strings(qc->flags, qc->nflags));
    json_object_object_add(doc, "hyperv", strings(qc->hyperv.features, qc->hyperv.nfeatures));
    for (int i = 0; i < QC_NACCEL; i++)
        json_object_array_add(accel, accel_object(&qc->accel[i]));
    json_object_object_add(doc, "accel", accel);
    for (size_t i = 0; i < qc->ngic; i++) {
        json_object *cols[] = {json_object_new_int64(qc->gic[i].version), json_object_new_boolean(qc->gic[i].kernel),
                               json_object_new_boolean(qc->gic[i].emulated)};
        json_object_array_add(gic, row(3, cols));
    }
    json_object_object_add(doc, "gic", gic);
    if (qc->sev.present) {
        json_object *cols[] = {json_object_new_int64(qc->sev.cbitpos), json_object_new_int64(qc->sev.reduced_phys_bits),
                               json_object_new_string(qc->sev.pdh), json_object_new_string(qc->sev.cert_chain)};
        json_object_object_add(doc, "sev", row(4, cols));
    }
    if (qc->sgx.present) {
        json_object *sections = json_object_new_array();
        for (size_t i = 0; sections && i < qc->sgx.nsections; i++) {
            json_object *cols[] = {json_object_new_int64((int64_t)qc->sgx.sections[i].node),
                                   json_object_new_int64((int64_t)qc->sgx.sections[i].size_kib)};
            json_object_array_add(sections, row(2, cols));
        }
        json_object *cols[] = {json_object_new_boolean(qc->sgx.flc), json_object_new_boolean(qc->sgx.sgx1),
                               json_object_new_boolean(qc->sgx.sgx2),
                               json_object_new_int64((int64_t)qc->sgx.section_size_kib), sections};
        json_object_object_add(doc, "sgx", row(5, cols));
    }
    if (qc->named_db) {
        char hex[2 * sizeof qc->named_digest + 1];
        for (size_t i = 0; i < sizeof qc->named_digest; i++)
            snprintf(hex + 2 * i, 3, "%02x", qc->named_digest[i]);
        json_object *cols[] = {json_object_new_string(qc->named_db), json_object_new_string(hex)};
        json_object_object_add(doc, "named_db", row(2, cols));
    }
    int rc = vc_cachedir_store(c, name, doc);
    json_object_put(doc);
    return rc;
}

/* ---- reading: anything unexpected is a miss ---- */

typedef struct reader {
    vc_arena *a;
    bool ok;
} reader;

static json_object *col(reader *r, json_object *rowv, size_t i, size_t n)
{
    if (!json_object_is_type(rowv, json_type_array) || json_object_array_length(rowv) != n) {
        r->ok = false;
        return NULL;
    }
    return json_object_array_get_idx(rowv, i);
}

static bool boolean(reader *r, json_object *v)
{
    r->ok &= json_object_is_type(v, json_type_boolean);
    return r->ok && json_object_get_boolean(v);
}

static long long integer(reader *r, json_object *v, long long lo, long long hi)
{
    r->ok &= json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= lo && json_object_get_int64(v) <= hi;
    return r->ok ? json_object_get_int64(v) : 0;
}

/* A string of at most max bytes (a name: vc_qmp_name's rules); NULL for
 * null when nullable. */
static char *string(reader *r, json_object *v, bool nullable, bool name, size_t max)
{
    if (!r->ok || (nullable && !v))
        return NULL;
    const char *s = NULL;
    vc_error e;
    if (name) {
        r->ok = vc_qmp_name(v, "cache", true, &s, "cache", &e) == 0;
    } else {
        r->ok = json_object_is_type(v, json_type_string) && (size_t)json_object_get_string_len(v) <= max &&
                strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v);
        s = r->ok ? json_object_get_string(v) : NULL;
    }
    char *out = s ? vc_strdup(r->a, s) : NULL;
    r->ok &= out != NULL;
    return out;
}

static size_t list(reader *r, json_object *v, void **out, size_t elem, size_t max)
{
    size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : SIZE_MAX;
    r->ok &= n <= max;
    *out = r->ok && n ? vc_array(r->a, n, elem) : NULL;
    r->ok &= !n || *out;
    return r->ok ? n : 0;
}

static char **names(reader *r, json_object *v, size_t max, size_t *n)
{
    char **out;
    *n = list(r, v, (void **)&out, sizeof *out, max);
    for (size_t i = 0; i < *n; i++)
        out[i] = string(r, json_object_array_get_idx(v, i), false, true, 0);
    return r->ok ? out : NULL;
}

/* a lower-case hexadecimal digit's value */
static int nibble(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

static bool is_policy(const char *s)
{
    static const char *const policies[] = {"force", "require", "optional", "disable", "forbid"};
    for (size_t i = 0; s && i < sizeof policies / sizeof *policies; i++)
        if (strcmp(s, policies[i]) == 0)
            return true;
    return false;
}

static void read_named(reader *r, json_object *o, qc_accel_caps *acc)
{
    json_object *models = NULL, *host = NULL;
    qc_named *nm = &acc->named;
    r->ok &= json_object_object_get_ex(o, "models", &models) && json_object_object_get_ex(o, "host", &host) &&
             json_object_is_type(models, json_type_array) && json_object_array_length(models) == acc->ncpus;
    for (size_t i = 0; r->ok && i < acc->ncpus; i++) {
        json_object *x = json_object_array_get_idx(models, i);
        acc->cpus[i].in_db = boolean(r, col(r, x, 0, 2));
        acc->cpus[i].vendor = string(r, col(r, x, 1, 2), true, true, 0);
    }
    nm->host = r->ok && host;
    if (nm->host) {
        nm->model = string(r, col(r, host, 0, 3), false, true, 0);
        nm->vendor = string(r, col(r, host, 1, 3), true, true, 0);
        json_object *features = col(r, host, 2, 3);
        nm->nfeatures = list(r, features, (void **)&nm->features, sizeof *nm->features, VC_QC_MAX_ITEMS);
        for (size_t i = 0; r->ok && i < nm->nfeatures; i++) {
            json_object *x = json_object_array_get_idx(features, i);
            nm->features[i].name = string(r, col(r, x, 0, 2), false, true, 0);
            nm->features[i].policy = string(r, col(r, x, 1, 2), false, true, 0);
            r->ok &= is_policy(nm->features[i].policy);
        }
    }
    nm->drawn = r->ok;
}

static void read_accel(reader *r, json_object *o, qc_accel_caps *acc)
{
    json_object *ms = NULL, *cs = NULL, *host = NULL;
    r->ok &= json_object_object_get_ex(o, "machines", &ms) && json_object_object_get_ex(o, "cpus", &cs) &&
             json_object_object_get_ex(o, "host", &host);
    acc->nmachines = list(r, ms, (void **)&acc->machines, sizeof *acc->machines, VC_QC_MAX_ITEMS);
    for (size_t i = 0; r->ok && i < acc->nmachines; i++) {
        json_object *x = json_object_array_get_idx(ms, i);
        qc_machine *m = &acc->machines[i];
        m->name = string(r, col(r, x, 0, 10), false, true, 0);
        m->alias = string(r, col(r, x, 1, 10), true, true, 0);
        m->max_cpus = (unsigned)integer(r, col(r, x, 2, 10), 0, INT32_MAX);
        m->hotplug_cpus = boolean(r, col(r, x, 3, 10));
        m->is_default = boolean(r, col(r, x, 4, 10));
        m->numa_mem_supported = boolean(r, col(r, x, 5, 10));
        m->deprecated = boolean(r, col(r, x, 6, 10));
        m->default_cpu = string(r, col(r, x, 7, 10), true, true, 0);
        m->default_ram_id = string(r, col(r, x, 8, 10), true, true, 0);
        json_object *acpi = col(r, x, 9, 10);
        m->acpi_set = acpi != NULL;
        m->acpi = acpi && boolean(r, acpi);
    }
    acc->ncpus = list(r, cs, (void **)&acc->cpus, sizeof *acc->cpus, VC_QC_MAX_ITEMS);
    for (size_t i = 0; r->ok && i < acc->ncpus; i++) {
        json_object *x = json_object_array_get_idx(cs, i);
        qc_cpu_model *c = &acc->cpus[i];
        c->name = string(r, col(r, x, 0, 5), false, true, 0);
        c->type_name = string(r, col(r, x, 1, 5), true, true, 0);
        c->usable = (int)integer(r, col(r, x, 2, 5), -1, 1);
        c->deprecated = boolean(r, col(r, x, 3, 5));
        c->blockers = names(r, col(r, x, 4, 5), VC_QC_MAX_BLOCKERS, &c->nblockers);
    }
    json_object *named = NULL;
    if (r->ok && json_object_object_get_ex(o, "named", &named))
        read_named(r, named, acc);
    if (!r->ok || !host)
        return;
    qc_host_cpu *h = &acc->host_cpu;
    h->model = string(r, col(r, host, 0, 3), false, true, 0);
    h->migratability = boolean(r, col(r, host, 1, 3));
    json_object *props = col(r, host, 2, 3);
    h->nprops = list(r, props, (void **)&h->props, sizeof *h->props, VC_QC_MAX_ITEMS);
    for (size_t i = 0; r->ok && i < h->nprops; i++) {
        json_object *x = json_object_array_get_idx(props, i), *v = col(r, x, 2, 4);
        qc_prop *p = &h->props[i];
        p->name = string(r, col(r, x, 0, 4), false, true, 0);
        p->type = (enum qc_prop_type)integer(r, col(r, x, 1, 4), QC_PROP_BOOL, QC_PROP_NUMBER);
        if (p->type == QC_PROP_BOOL)
            p->b = boolean(r, v);
        else if (p->type == QC_PROP_STRING)
            p->s = string(r, v, false, false, 4096);
        else
            p->n = integer(r, v, INT64_MIN, INT64_MAX);
        p->migratable = (int)integer(r, col(r, x, 3, 4), -1, 1);
    }
}

int vc_qccache_load(vc_cachedir *c, const char *emulator, const struct stat *st, bool kvm_dev, vc_qemucaps *qc)
{
    char name[128];
    entry_name(emulator, name, sizeof name);
    json_object *key = key_object(emulator, st, kvm_dev), *doc = key ? vc_cachedir_load(c, name, key) : NULL, *v;
    reader r = {.a = qc->arena, .ok = doc != NULL};
    json_object *get[8] = {NULL};
    static const char *const members[] = {"version", "package", "arch", "kvm", "tcg", "flags", "hyperv", "accel"};
    for (size_t i = 0; r.ok && i < 8; i++)
        r.ok = json_object_object_get_ex(doc, members[i], &get[i]);
    qc->version = (unsigned)integer(&r, get[0], 4002000, 1000999999);
    qc->package = string(&r, get[1], true, false, 4096);
    qc->arch = string(&r, get[2], false, true, 0);
    qc->kvm_supported = boolean(&r, get[3]);
    qc->tcg_supported = boolean(&r, get[4]);
    qc->flags = names(&r, get[5], VC_QC_MAX_ITEMS, &qc->nflags);
    qc->hyperv.features = names(&r, get[6], 64, &qc->hyperv.nfeatures);
    qc->hyperv.present = qc->hyperv.nfeatures > 0; /* as the conversation sets it */
    r.ok &= json_object_is_type(get[7], json_type_array) && json_object_array_length(get[7]) == QC_NACCEL;
    for (int i = 0; r.ok && i < QC_NACCEL; i++)
        read_accel(&r, json_object_array_get_idx(get[7], (size_t)i), &qc->accel[i]);
    json_object *gic = NULL;
    r.ok &= json_object_object_get_ex(doc, "gic", &gic);
    qc->ngic = list(&r, gic, (void **)&qc->gic, sizeof *qc->gic, VC_QC_MAX_ITEMS);
    for (size_t i = 0; r.ok && i < qc->ngic; i++) {
        json_object *x = json_object_array_get_idx(gic, i);
        qc->gic[i].version = (unsigned)integer(&r, col(&r, x, 0, 3), 0, UINT32_MAX);
        qc->gic[i].kernel = boolean(&r, col(&r, x, 1, 3));
        qc->gic[i].emulated = boolean(&r, col(&r, x, 2, 3));
    }
    if (r.ok && json_object_object_get_ex(doc, "sev", &v)) {
        qc->sev.present = true;
        qc->sev.cbitpos = (unsigned)integer(&r, col(&r, v, 0, 4), 0, UINT32_MAX);
        qc->sev.reduced_phys_bits = (unsigned)integer(&r, col(&r, v, 1, 4), 0, UINT32_MAX);
        qc->sev.pdh = string(&r, col(&r, v, 2, 4), false, false, 65536);
        qc->sev.cert_chain = string(&r, col(&r, v, 3, 4), false, false, 65536);
    }
    if (r.ok && json_object_object_get_ex(doc, "sgx", &v)) {
        qc->sgx.present = true;
        qc->sgx.flc = boolean(&r, col(&r, v, 0, 5));
        qc->sgx.sgx1 = boolean(&r, col(&r, v, 1, 5));
        qc->sgx.sgx2 = boolean(&r, col(&r, v, 2, 5));
        qc->sgx.section_size_kib = (unsigned long long)integer(&r, col(&r, v, 3, 5), 0, INT64_MAX);
        json_object *sections = col(&r, v, 4, 5);
        qc->sgx.nsections = list(&r, sections, (void **)&qc->sgx.sections, sizeof *qc->sgx.sections, VC_QC_MAX_ITEMS);
        for (size_t i = 0; r.ok && i < qc->sgx.nsections; i++) {
            json_object *x = json_object_array_get_idx(sections, i);
            qc->sgx.sections[i].node = (unsigned long long)integer(&r, col(&r, x, 0, 2), 0, INT64_MAX);
            qc->sgx.sections[i].size_kib = (unsigned long long)integer(&r, col(&r, x, 1, 2), 0, INT64_MAX);
        }
    }
    if (r.ok && json_object_object_get_ex(doc, "named_db", &v)) {
        qc->named_db = string(&r, col(&r, v, 0, 2), false, false, 4096);
        const char *hex = string(&r, col(&r, v, 1, 2), false, false, 2 * sizeof qc->named_digest);
        r.ok &= hex && strlen(hex) == 2 * sizeof qc->named_digest && strspn(hex, "0123456789abcdef") == strlen(hex);
        for (size_t i = 0; r.ok && i < sizeof qc->named_digest; i++)
            qc->named_digest[i] = (uint8_t)(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    }
    json_object_put(key);
    json_object_put(doc);
    return r.ok ? 1 : 0;
}
