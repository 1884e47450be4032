/* The cache of QEMU answers: one entry per emulator in the virtcaps cache
 * (cachedir.c keeps the directory safe), keyed by the emulator's path, size,
 * mtime, ctime and inode. */
#include "drivers/qemu_cache.h"

#include "drivers/qmp.h"
#include "host/cachedir.h"


#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* "qemu-system-x86_64-<hash of the path>.json": readable, and distinct
 * paths with the same base name do not share a file. */
static void entry_name(const char *emulator, char *out, size_t size)
{
    const char *base = strrchr(emulator, '/');
    base = base ? base + 1 : emulator;
    char clean[65];
    size_t n = 0;
    for (; n < sizeof clean - 1 && base[n]; n++) {
        char ch = base[n];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                  ch == '_' || (ch == '.' && n > 0);
        clean[n] = ok ? ch : '_';
    }
    clean[n] = '\0';
    vc_cachedir_entry_name(out, size, clean, emulator);
}

static json_object *key_object(const char *emulator, const struct stat *st)
{
    json_object *k = json_object_new_object();
    if (!k)
        return NULL;
    json_object_object_add(k, "format", json_object_new_int(VC_QCACHE_FORMAT));
    json_object_object_add(k, "emulator", json_object_new_string(emulator));
    json_object_object_add(k, "size", json_object_new_int64((int64_t)st->st_size));
    json_object_object_add(k, "mtime", json_object_new_int64((int64_t)st->st_mtim.tv_sec));
    json_object_object_add(k, "mtime_ns", json_object_new_int64((int64_t)st->st_mtim.tv_nsec));
    json_object_object_add(k, "ctime", json_object_new_int64((int64_t)st->st_ctim.tv_sec));
    json_object_object_add(k, "ctime_ns", json_object_new_int64((int64_t)st->st_ctim.tv_nsec));
    json_object_object_add(k, "inode", json_object_new_int64((int64_t)st->st_ino));
    return k;
}

/* A version part as stored: QEMU's number, or -1 when it did not say. */
static bool version_part(json_object *ver, size_t i, int *out)
{
    json_object *v = json_object_array_get_idx(ver, i);
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < -1 ||
        json_object_get_int64(v) > 100000)
        return false;
    *out = (int)json_object_get_int64(v);
    return true;
}

/* A machine is kept as a row, [name, alias or null, cpu-max, is-default,
 * deprecated]: rows parse in a third of the time objects take. */
static bool read_machines(vc_arena *a, json_object *rows, vc_qmp_info *out)
{
    size_t n = json_object_is_type(rows, json_type_array) ? json_object_array_length(rows) : SIZE_MAX;
    if (n > VC_QMP_MAX_MACHINES || (n && !(out->machines = vc_array(a, n, sizeof *out->machines))))
        return false;
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        if (!json_object_is_type(row, json_type_array) || json_object_array_length(row) != 5)
            return false;
        json_object *name = json_object_array_get_idx(row, 0), *alias = json_object_array_get_idx(row, 1),
                    *cpus = json_object_array_get_idx(row, 2), *is_default = json_object_array_get_idx(row, 3),
                    *deprecated = json_object_array_get_idx(row, 4);
        vc_qmp_machine *m = &out->machines[i];
        const char *name_s, *alias_s;
        vc_error e;
        if (vc_qmp_name(name, "name", true, &name_s, "cache", &e) < 0 ||
            vc_qmp_name(alias, "alias", false, &alias_s, "cache", &e) < 0 || !json_object_is_type(cpus, json_type_int) ||
            json_object_get_int64(cpus) < 0 || json_object_get_int64(cpus) > INT32_MAX ||
            !json_object_is_type(is_default, json_type_boolean) || !json_object_is_type(deprecated, json_type_boolean) ||
            !(m->name = vc_strdup(a, name_s)) || (alias_s && !(m->alias = vc_strdup(a, alias_s))))
            return false;
        m->cpu_max = json_object_get_int64(cpus);
        m->is_default = json_object_get_boolean(is_default);
        m->deprecated = json_object_get_boolean(deprecated);
        out->nmachines++;
    }
    return true;
}

int vc_qcache_load(vc_cachedir *c, const char *emulator, const struct stat *st, vc_arena *a, vc_qmp_info *out)
{
    char name[128];
    entry_name(emulator, name, sizeof name);
    json_object *key = key_object(emulator, st), *doc = vc_cachedir_load(c, name, key), *v, *ver, *machines;
    int hit = 0;
    memset(out, 0, sizeof *out);
    bool version = doc && json_object_object_get_ex(doc, "qemu", &ver) && json_object_is_type(ver, json_type_array) &&
                   json_object_array_length(ver) == 3 && version_part(ver, 0, &out->major) &&
                   version_part(ver, 1, &out->minor) && version_part(ver, 2, &out->micro);
    if (version && json_object_object_get_ex(doc, "tcg", &v) && json_object_is_type(v, json_type_boolean) &&
        (out->tcg = json_object_get_boolean(v), true) && json_object_object_get_ex(doc, "kvm", &v) &&
        json_object_is_type(v, json_type_boolean) && (out->kvm = json_object_get_boolean(v), true) &&
        json_object_object_get_ex(doc, "machines", &machines) && read_machines(a, machines, out))
        hit = 1;
    json_object_put(key);
    json_object_put(doc);
    return hit;
}

int vc_qcache_store(vc_cachedir *c, const char *emulator, const struct stat *st, const vc_qmp_info *info)
{
    char name[128];
    entry_name(emulator, name, sizeof name);
    json_object *doc = key_object(emulator, st), *ver = json_object_new_array(), *list = json_object_new_array();
    if (!doc || !ver || !list) {
        json_object_put(doc);
        json_object_put(ver);
        json_object_put(list);
        errno = ENOMEM;
        return -1;
    }
    json_object_array_add(ver, json_object_new_int(info->major));
    json_object_array_add(ver, json_object_new_int(info->minor));
    json_object_array_add(ver, json_object_new_int(info->micro));
    json_object_object_add(doc, "qemu", ver);
    json_object_object_add(doc, "tcg", json_object_new_boolean(info->tcg));
    json_object_object_add(doc, "kvm", json_object_new_boolean(info->kvm));
    for (size_t i = 0; i < info->nmachines; i++) {
        const vc_qmp_machine *m = &info->machines[i];
        json_object *row = json_object_new_array_ext(5);
        if (!row) {
            json_object_put(doc);
            json_object_put(list);
            errno = ENOMEM;
            return -1;
        }
        json_object_array_add(row, json_object_new_string(m->name));
        json_object_array_add(row, m->alias ? json_object_new_string(m->alias) : NULL);
        json_object_array_add(row, json_object_new_int64(m->cpu_max));
        json_object_array_add(row, json_object_new_boolean(m->is_default));
        json_object_array_add(row, json_object_new_boolean(m->deprecated));
        json_object_array_add(list, row);
    }
    json_object_object_add(doc, "machines", list);
    int rc = vc_cachedir_store(c, name, doc);
    json_object_put(doc);
    return rc;
}

/* ---- one binary's QEMU capabilities (the long conversation) ----
 * Rows again: a machine is [name, alias, max_cpus, hotplug_cpus, default,
 * numa_mem_supported, deprecated, acpi (null: not said), default_cpu,
 * default_ram_id], a CPU model [name, type_name, usable (-1 not said),
 * [blockers], deprecated], a property [name, type, value, migratable]. */

#define QC_MAX_STRING 65536

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *string_list(char *const *list, size_t n)
{
    json_object *a = json_object_new_array_ext((int)n);
    for (size_t i = 0; a && i < n; i++)
        json_object_array_add(a, json_object_new_string(list[i]));
    return a;
}

static json_object *accel_json(const qc_accel_caps *ac)
{
    json_object *o = json_object_new_object(), *ms = json_object_new_array_ext((int)ac->nmachines),
                *cs = json_object_new_array_ext((int)ac->ncpus);
    for (size_t i = 0; ms && i < ac->nmachines; i++) {
        const qc_machine *m = &ac->machines[i];
        json_object *r = json_object_new_array_ext(10);
        json_object_array_add(r, json_object_new_string(m->name));
        json_object_array_add(r, str_or_null(m->alias));
        json_object_array_add(r, json_object_new_int64(m->max_cpus));
        json_object_array_add(r, json_object_new_boolean(m->hotplug_cpus));
        json_object_array_add(r, json_object_new_boolean(m->is_default));
        json_object_array_add(r, json_object_new_boolean(m->numa_mem_supported));
        json_object_array_add(r, json_object_new_boolean(m->deprecated));
        json_object_array_add(r, m->acpi_set ? json_object_new_boolean(m->acpi) : NULL);
        json_object_array_add(r, str_or_null(m->default_cpu));
        json_object_array_add(r, str_or_null(m->default_ram_id));
        json_object_array_add(ms, r);
    }
    for (size_t i = 0; cs && i < ac->ncpus; i++) {
        const qc_cpu_model *c = &ac->cpus[i];
        json_object *r = json_object_new_array_ext(5);
        json_object_array_add(r, json_object_new_string(c->name));
        json_object_array_add(r, str_or_null(c->type_name));
        json_object_array_add(r, json_object_new_int(c->usable));
        json_object_array_add(r, string_list(c->blockers, c->nblockers));
        json_object_array_add(r, json_object_new_boolean(c->deprecated));
        json_object_array_add(cs, r);
    }
    json_object_object_add(o, "machines", ms);
    json_object_object_add(o, "cpus", cs);
    const qc_host_cpu *h = &ac->host_cpu;
    if (h->model) {
        json_object *hc = json_object_new_array_ext(3), *ps = json_object_new_array_ext((int)h->nprops);
        for (size_t i = 0; ps && i < h->nprops; i++) {
            const qc_prop *p = &h->props[i];
            json_object *r = json_object_new_array_ext(4);
            json_object_array_add(r, json_object_new_string(p->name));
            json_object_array_add(r, json_object_new_int(p->type));
            json_object_array_add(r, p->type == QC_PROP_BOOL     ? json_object_new_boolean(p->b)
                                     : p->type == QC_PROP_STRING ? json_object_new_string(p->s ? p->s : "")
                                                                 : json_object_new_int64(p->n));
            json_object_array_add(r, json_object_new_int(p->migratable));
            json_object_array_add(ps, r);
        }
        json_object_array_add(hc, json_object_new_string(h->model));
        json_object_array_add(hc, json_object_new_boolean(h->migratability));
        json_object_array_add(hc, ps);
        json_object_object_add(o, "host", hc);
    }
    return o;
}

int vc_qcache_store_caps(vc_cachedir *c, const char *emulator, const struct stat *st, json_object *build,
                         const vc_qemucaps *qc)
{
    char name[160], prefixed[200];
    entry_name(emulator, name, sizeof name);
    snprintf(prefixed, sizeof prefixed, "caps-%s", name);
    json_object *doc = key_object(emulator, st), *accels = json_object_new_array_ext(QC_NACCEL),
                *gic = json_object_new_array_ext((int)qc->ngic);
    if (!doc || !accels || !gic) {
        json_object_put(doc);
        json_object_put(accels);
        json_object_put(gic);
        errno = ENOMEM;
        return -1;
    }
    json_object_object_add(doc, "build", json_object_get(build));
    json_object_object_add(doc, "arch", json_object_new_string(qc->arch ? qc->arch : ""));
    json_object_object_add(doc, "version", json_object_new_int64(qc->version));
    json_object_object_add(doc, "package", str_or_null(qc->package));
    json_object_object_add(doc, "kvm", json_object_new_boolean(qc->kvm_supported));
    json_object_object_add(doc, "tcg", json_object_new_boolean(qc->tcg_supported));
    json_object_object_add(doc, "flags", string_list(qc->flags, qc->nflags));
    for (size_t i = 0; i < QC_NACCEL; i++)
        json_object_array_add(accels, accel_json(&qc->accel[i]));
    json_object_object_add(doc, "accel", accels);
    for (size_t i = 0; i < qc->ngic; i++) {
        json_object *r = json_object_new_array_ext(3);
        json_object_array_add(r, json_object_new_int64(qc->gic[i].version));
        json_object_array_add(r, json_object_new_boolean(qc->gic[i].kernel));
        json_object_array_add(r, json_object_new_boolean(qc->gic[i].emulated));
        json_object_array_add(gic, r);
    }
    json_object_object_add(doc, "gic", gic);
    if (qc->sev.present) {
        json_object *r = json_object_new_array_ext(6);
        json_object_array_add(r, json_object_new_int64(qc->sev.cbitpos));
        json_object_array_add(r, json_object_new_int64(qc->sev.reduced_phys_bits));
        json_object_array_add(r, json_object_new_int64(qc->sev.max_guests));
        json_object_array_add(r, json_object_new_int64(qc->sev.max_es_guests));
        json_object_array_add(r, str_or_null(qc->sev.pdh));
        json_object_array_add(r, str_or_null(qc->sev.cert_chain));
        json_object_object_add(doc, "sev", r);
    }
    if (qc->sgx.present) {
        json_object *r = json_object_new_array_ext(5), *secs = json_object_new_array_ext((int)qc->sgx.nsections);
        for (size_t i = 0; secs && i < qc->sgx.nsections; i++) {
            json_object *s = json_object_new_array_ext(2);
            json_object_array_add(s, json_object_new_int64((int64_t)qc->sgx.sections[i].node));
            json_object_array_add(s, json_object_new_int64((int64_t)qc->sgx.sections[i].size_kib));
            json_object_array_add(secs, s);
        }
        json_object_array_add(r, json_object_new_boolean(qc->sgx.flc));
        json_object_array_add(r, json_object_new_boolean(qc->sgx.sgx1));
        json_object_array_add(r, json_object_new_boolean(qc->sgx.sgx2));
        json_object_array_add(r, json_object_new_int64((int64_t)qc->sgx.section_size_kib));
        json_object_array_add(r, secs);
        json_object_object_add(doc, "sgx", r);
    }
    if (qc->hyperv.present)
        json_object_object_add(doc, "hyperv", string_list(qc->hyperv.features, qc->hyperv.nfeatures));
    int rc = vc_cachedir_store(c, prefixed, doc);
    json_object_put(doc);
    return rc;
}

/* Readers of stored values: false when the entry is not what we wrote. */
typedef struct qc_reader {
    vc_arena *a;
    bool ok;
} qc_reader;

static json_object *at(json_object *row, size_t i)
{
    return json_object_array_get_idx(row, i);
}

static size_t row_len(qc_reader *r, json_object *row, size_t want)
{
    size_t n = json_object_is_type(row, json_type_array) ? json_object_array_length(row) : 0;
    if (!json_object_is_type(row, json_type_array) || (want && n != want) || n > VC_QC_CACHE_MAX_ITEMS)
        r->ok = false;
    return r->ok ? n : 0;
}

static char *get_str(qc_reader *r, json_object *v, bool nullable)
{
    if (!v && nullable)
        return NULL;
    if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) > QC_MAX_STRING) {
        r->ok = false;
        return NULL;
    }
    char *s = vc_strdup(r->a, json_object_get_string(v));
    if (!s)
        r->ok = false;
    return s;
}

static long long get_int(qc_reader *r, json_object *v, long long lo, long long hi)
{
    long long n = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : lo - 1;
    if (n < lo || n > hi) {
        r->ok = false;
        return lo;
    }
    return n;
}

static bool get_bool(qc_reader *r, json_object *v)
{
    if (!json_object_is_type(v, json_type_boolean))
        r->ok = false;
    return r->ok && json_object_get_boolean(v);
}

static char **get_strings(qc_reader *r, json_object *list, size_t *n)
{
    *n = row_len(r, list, 0);
    char **out = *n ? vc_array(r->a, *n, sizeof *out) : NULL;
    if (*n && !out)
        r->ok = false;
    for (size_t i = 0; r->ok && i < *n; i++)
        out[i] = get_str(r, at(list, i), false);
    return out;
}

static void read_accel(qc_reader *r, json_object *o, qc_accel_caps *ac)
{
    json_object *ms, *cs, *hc;
    if (!json_object_object_get_ex(o, "machines", &ms) || !json_object_object_get_ex(o, "cpus", &cs)) {
        r->ok = false;
        return;
    }
    ac->nmachines = row_len(r, ms, 0);
    if (ac->nmachines && !(ac->machines = vc_array(r->a, ac->nmachines, sizeof *ac->machines)))
        r->ok = false;
    for (size_t i = 0; r->ok && i < ac->nmachines; i++) {
        json_object *row = at(ms, i);
        qc_machine *m = &ac->machines[i];
        if (!row_len(r, row, 10))
            return;
        m->name = get_str(r, at(row, 0), false);
        m->alias = get_str(r, at(row, 1), true);
        m->max_cpus = (unsigned)get_int(r, at(row, 2), 0, UINT32_MAX);
        m->hotplug_cpus = get_bool(r, at(row, 3));
        m->is_default = get_bool(r, at(row, 4));
        m->numa_mem_supported = get_bool(r, at(row, 5));
        m->deprecated = get_bool(r, at(row, 6));
        if ((m->acpi_set = at(row, 7) != NULL))
            m->acpi = get_bool(r, at(row, 7));
        m->default_cpu = get_str(r, at(row, 8), true);
        m->default_ram_id = get_str(r, at(row, 9), true);
    }
    ac->ncpus = row_len(r, cs, 0);
    if (ac->ncpus && !(ac->cpus = vc_array(r->a, ac->ncpus, sizeof *ac->cpus)))
        r->ok = false;
    for (size_t i = 0; r->ok && i < ac->ncpus; i++) {
        json_object *row = at(cs, i);
        qc_cpu_model *c = &ac->cpus[i];
        if (!row_len(r, row, 5))
            return;
        c->name = get_str(r, at(row, 0), false);
        c->type_name = get_str(r, at(row, 1), true);
        c->usable = (int)get_int(r, at(row, 2), -1, 1);
        c->blockers = get_strings(r, at(row, 3), &c->nblockers);
        c->deprecated = get_bool(r, at(row, 4));
    }
    if (!r->ok || !json_object_object_get_ex(o, "host", &hc))
        return;
    qc_host_cpu *h = &ac->host_cpu;
    json_object *ps = at(hc, 2);
    if (!row_len(r, hc, 3))
        return;
    h->model = get_str(r, at(hc, 0), false);
    h->migratability = get_bool(r, at(hc, 1));
    h->nprops = row_len(r, ps, 0);
    if (h->nprops && !(h->props = vc_array(r->a, h->nprops, sizeof *h->props)))
        r->ok = false;
    for (size_t i = 0; r->ok && i < h->nprops; i++) {
        json_object *row = at(ps, i);
        qc_prop *p = &h->props[i];
        if (!row_len(r, row, 4))
            return;
        p->name = get_str(r, at(row, 0), false);
        p->type = (enum qc_prop_type)get_int(r, at(row, 1), QC_PROP_BOOL, QC_PROP_NUMBER);
        if (p->type == QC_PROP_BOOL)
            p->b = get_bool(r, at(row, 2));
        else if (p->type == QC_PROP_STRING)
            p->s = get_str(r, at(row, 2), false);
        else
            p->n = get_int(r, at(row, 2), INT64_MIN, INT64_MAX);
        p->migratable = (int)get_int(r, at(row, 3), -1, 1);
    }
}

static void read_extras(qc_reader *r, json_object *doc, vc_qemucaps *qc)
{
    json_object *gic, *v;
    if (!json_object_object_get_ex(doc, "gic", &gic)) {
        r->ok = false;
        return;
    }
    qc->ngic = row_len(r, gic, 0);
    if (qc->ngic && !(qc->gic = vc_array(r->a, qc->ngic, sizeof *qc->gic)))
        r->ok = false;
    for (size_t i = 0; r->ok && i < qc->ngic; i++) {
        json_object *row = at(gic, i);
        if (!row_len(r, row, 3))
            return;
        qc->gic[i].version = (unsigned)get_int(r, at(row, 0), 0, UINT32_MAX);
        qc->gic[i].kernel = get_bool(r, at(row, 1));
        qc->gic[i].emulated = get_bool(r, at(row, 2));
    }
    if (r->ok && json_object_object_get_ex(doc, "sev", &v) && row_len(r, v, 6)) {
        qc->sev.present = true;
        qc->sev.cbitpos = (unsigned)get_int(r, at(v, 0), 0, UINT32_MAX);
        qc->sev.reduced_phys_bits = (unsigned)get_int(r, at(v, 1), 0, UINT32_MAX);
        qc->sev.max_guests = (unsigned)get_int(r, at(v, 2), 0, UINT32_MAX);
        qc->sev.max_es_guests = (unsigned)get_int(r, at(v, 3), 0, UINT32_MAX);
        qc->sev.pdh = get_str(r, at(v, 4), true);
        qc->sev.cert_chain = get_str(r, at(v, 5), true);
    }
    if (r->ok && json_object_object_get_ex(doc, "sgx", &v) && row_len(r, v, 5)) {
        json_object *secs = at(v, 4);
        qc->sgx.present = true;
        qc->sgx.flc = get_bool(r, at(v, 0));
        qc->sgx.sgx1 = get_bool(r, at(v, 1));
        qc->sgx.sgx2 = get_bool(r, at(v, 2));
        qc->sgx.section_size_kib = (unsigned long long)get_int(r, at(v, 3), 0, INT64_MAX);
        qc->sgx.nsections = row_len(r, secs, 0);
        if (qc->sgx.nsections && !(qc->sgx.sections = vc_array(r->a, qc->sgx.nsections, sizeof *qc->sgx.sections)))
            r->ok = false;
        for (size_t i = 0; r->ok && i < qc->sgx.nsections; i++) {
            json_object *s = at(secs, i);
            if (!row_len(r, s, 2))
                return;
            qc->sgx.sections[i].node = (unsigned long long)get_int(r, at(s, 0), 0, INT64_MAX);
            qc->sgx.sections[i].size_kib = (unsigned long long)get_int(r, at(s, 1), 0, INT64_MAX);
        }
    }
    if (r->ok && json_object_object_get_ex(doc, "hyperv", &v)) {
        qc->hyperv.present = true;
        qc->hyperv.features = get_strings(r, v, &qc->hyperv.nfeatures);
    }
}

vc_qemucaps *vc_qcache_load_caps(vc_cachedir *c, const char *emulator, const struct stat *st, json_object *build)
{
    char name[160], prefixed[200];
    entry_name(emulator, name, sizeof name);
    snprintf(prefixed, sizeof prefixed, "caps-%s", name);
    json_object *key = key_object(emulator, st);
    if (!key)
        return NULL;
    json_object_object_add(key, "build", json_object_get(build));
    json_object *doc = vc_cachedir_load(c, prefixed, key), *v, *accels;
    json_object_put(key);
    vc_qemucaps *qc = doc ? vc_qemucaps_new() : NULL;
    qc_reader r = {.a = qc ? qc->arena : NULL, .ok = qc != NULL};
    if (r.ok) {
        qc->emulator = vc_strdup(r.a, emulator);
        r.ok = qc->emulator && json_object_object_get_ex(doc, "arch", &v);
        qc->arch = r.ok ? get_str(&r, v, false) : NULL;
        r.ok = r.ok && json_object_object_get_ex(doc, "version", &v);
        qc->version = r.ok ? (unsigned)get_int(&r, v, 0, UINT32_MAX) : 0;
        r.ok = r.ok && json_object_object_get_ex(doc, "package", &v);
        qc->package = r.ok ? get_str(&r, v, true) : NULL;
        r.ok = r.ok && json_object_object_get_ex(doc, "kvm", &v);
        qc->kvm_supported = r.ok && get_bool(&r, v);
        r.ok = r.ok && json_object_object_get_ex(doc, "tcg", &v);
        qc->tcg_supported = r.ok && get_bool(&r, v);
        r.ok = r.ok && json_object_object_get_ex(doc, "flags", &v);
        if (r.ok)
            qc->flags = get_strings(&r, v, &qc->nflags);
        r.ok = r.ok && json_object_object_get_ex(doc, "accel", &accels) && row_len(&r, accels, QC_NACCEL);
        for (size_t i = 0; r.ok && i < QC_NACCEL; i++)
            read_accel(&r, at(accels, i), &qc->accel[i]);
        if (r.ok)
            read_extras(&r, doc, qc);
    }
    json_object_put(doc);
    if (!r.ok) {
        vc_qemucaps_free(qc);
        return NULL;
    }
    return qc;
}

int vc_qcache_load_tpm(vc_cachedir *c, const char *file, const struct stat *st, bool *v12, bool *v20)
{
    char name[160];
    entry_name(file, name, sizeof name);
    json_object *key = key_object(file, st), *doc = key ? vc_cachedir_load(c, name, key) : NULL, *a, *b;
    int hit = doc && json_object_object_get_ex(doc, "tpm-1.2", &a) && json_object_is_type(a, json_type_boolean) &&
              json_object_object_get_ex(doc, "tpm-2.0", &b) && json_object_is_type(b, json_type_boolean);
    if (hit) {
        *v12 = json_object_get_boolean(a);
        *v20 = json_object_get_boolean(b);
    }
    json_object_put(key);
    json_object_put(doc);
    return hit;
}

int vc_qcache_store_tpm(vc_cachedir *c, const char *file, const struct stat *st, bool v12, bool v20)
{
    char name[160];
    entry_name(file, name, sizeof name);
    json_object *doc = key_object(file, st);
    if (!doc) {
        errno = ENOMEM;
        return -1;
    }
    json_object_object_add(doc, "tpm-1.2", json_object_new_boolean(v12));
    json_object_object_add(doc, "tpm-2.0", json_object_new_boolean(v20));
    int rc = vc_cachedir_store(c, name, doc);
    json_object_put(doc);
    return rc;
}
