/* The cache of QEMU answers: one entry per emulator in the virtcaps cache
 * (cachedir.c keeps the directory safe), keyed by the emulator's path, size,
 * mtime, ctime and inode. */
#include "drivers/qemu_cache.h"

#include "drivers/qmp.h"
#include "host/cachedir.h"


#include <errno.h>
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
    return vc_qcache_key(VC_QCACHE_FORMAT, emulator, st);
}

json_object *vc_qcache_key(int format, const char *emulator, const struct stat *st)
{
    json_object *k = json_object_new_object();
    if (!k)
        return NULL;
    json_object_object_add(k, "format", json_object_new_int(format));
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
