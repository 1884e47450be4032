/* The host probe's CPU model: names the host CPU the way the reference's
 * virCPUGetHost does and replaces model, vendor, signature and features of
 * the host <cpu> with what it finds. x86 from CPUID (this CPU, or a dump
 * given in opts.cpuid), ppc64 and aarch64 from /proc/cpuinfo; the reference
 * names no other CPU. */
#include "base/arch.h"
#include "base/hostfs.h"
#include "base/options.h"
#include "cpu/cpu.h"
#include "host/cachedir.h"
#include "host/context.h"
#include "model/model.h"
#include "xml/xml.h"

#include <dirent.h>
#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Whether the CPU announces IA32_ARCH_CAPABILITIES (CPUID, as the
 * database's arch-capabilities feature reads it). -1 on OOM. */
static int announces_arch_caps(const vc_x86_map *map, const vc_cpudata *d, vc_arena *a)
{
    uint32_t sig;
    uint32_t *data = vc_x86_data_from_cpudata(map, d, a, &sig);
    const vc_x86_feature *f = vc_x86_feature_find(map, "arch-capabilities");
    if (!data)
        return -1;
    bool has = f != NULL;
    for (size_t i = 0; f && i < f->nbits; i++)
        has = has && (data[f->bits[i].word] & f->bits[i].mask) == f->bits[i].mask;
    return has;
}

/* Reads IA32_ARCH_CAPABILITIES into d as best it can (msr_err says why
 * not); -1 only on OOM. */
static int add_arch_caps(vc_arena *a, vc_cpudata *d, vc_error *msr_err, vc_error *err)
{
    uint64_t value;
    if (vc_msr_read_host(0x10a, &value, msr_err) < 0)
        return 0;
    vc_msr *m = vc_alloc(a, (d->nmsr + 1) * sizeof *m);
    if (!m)
        return vc_oom(err);
    if (d->nmsr)
        memcpy(m, d->msr, d->nmsr * sizeof *m);
    m[d->nmsr++] = (vc_msr){.index = 0x10a, .eax = (uint32_t)value, .edx = (uint32_t)(value >> 32)};
    d->msr = m;
    vc_cpudata_normalize(d);
    return 0;
}

/* vc_cpu_host_cpudata, also saying whether the MSR was wanted. */
static int host_cpudata(const vc_x86_map *map, vc_arena *a, vc_cpudata *out, bool *msr_wanted, vc_error *msr_err,
                        vc_error *err)
{
    msr_err->code = VC_OK;
    msr_err->msg[0] = '\0';
    *msr_wanted = false;
    if (vc_cpuid_read_host(a, out, err) < 0)
        return -1;
    /* The reference reads it when CPUID says it exists. */
    int has = announces_arch_caps(map, out, a);
    if (has < 0)
        return vc_oom(err);
    *msr_wanted = has;
    return has ? add_arch_caps(a, out, msr_err, err) : 0;
}

int vc_cpu_host_cpudata(const vc_x86_map *map, vc_arena *a, vc_cpudata *out, vc_error *msr_err, vc_error *err)
{
    bool wanted;
    return host_cpudata(map, a, out, &wanted, msr_err, err);
}

/* ---- the host CPU's name, cached ----
 * Naming the CPU reads the whole database (about a hundred XML files, some
 * 3 ms), yet the name depends on nothing but:
 * - the database: every file of its directory by name, device, inode,
 *   size, mode, mtime and ctime, so that any edit, replacement, new or
 *   removed file changes the key;
 * - the CPUID leaves the database's features and vendors read, plus leaf 1
 *   (the signature; its APIC ID, which differs from CPU to CPU, left out), 7 (which 0x12 depends on) and the two ranges' first
 *   leaves (their ends), each as the full read reads it: the entry lists
 *   them, and its key covers the list;
 * - IA32_ARCH_CAPABILITIES, read afresh when the CPU announces it;
 * - the code that names it: virtcaps' version and build id.
 * An entry holds the SHA-256 of all of it; one whose key differs is
 * computed afresh and replaced. Failures are not cached. */

#define CPU_CACHE_FORMAT 1
#define CPU_CACHE_MAX_LEAVES 256

typedef struct cpu_cache {
    vc_cachedir *dir;
    char name[128];
    json_object *coarse;    /* members an entry must have as they are: format, build, cpu_map */
    uint8_t files[VC_CPU_DB_DIGEST];
} cpu_cache;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void hash_i64(struct sha256_ctx *h, int64_t v)
{
    sha256_update(h, sizeof v, (const uint8_t *)&v);
}

/* A cache for the database in dir; false when there is none to use. */
static bool cpu_cache_open(cpu_cache *c, vc_cachedir *cache, const char *dir)
{
    memset(c, 0, sizeof *c);
    c->dir = cache;
    json_object *build;
    if (vc_cachedir_fd(c->dir) < 0 || vc_cpu_db_files_digest(dir, c->files) < 0 || !(build = vc_cachedir_build_id()))
        return false;
    if (!(c->coarse = json_object_new_object())) {
        json_object_put(build);
        return false;
    }
    json_object_object_add(c->coarse, "format", json_object_new_int(CPU_CACHE_FORMAT));
    json_object_object_add(c->coarse, "build", build);
    json_object_object_add(c->coarse, "cpu_map", json_object_new_string(dir));
    vc_cachedir_entry_name(c->name, sizeof c->name, "host-cpu", dir);
    return true;
}

static void cpu_cache_close(cpu_cache *c)
{
    json_object_put(c->coarse);
    c->coarse = NULL;
}

static bool listed(const uint32_t *leaves, size_t n, uint32_t leaf)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (leaves[mid] == leaf)
            return true;
        if (leaves[mid] < leaf)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The key: the database's files, the leaves and their items, the MSR. */
static void cpu_key(const cpu_cache *c, const uint32_t *leaves, size_t nleaves, const vc_cpudata *d, bool msr_wanted,
                    char hex[2 * SHA256_DIGEST_SIZE + 1])
{
    struct sha256_ctx h;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&h);
    sha256_update(&h, sizeof c->files, c->files);
    hash_i64(&h, (int64_t)nleaves);
    for (size_t i = 0; i < nleaves; i++)
        hash_i64(&h, leaves[i]);
    for (size_t i = 0; i < d->ncpuid; i++) {
        const vc_cpuid *it = &d->cpuid[i];
        if (!listed(leaves, nleaves, it->eax_in))
            continue;
        /* leaf 1 EBX[31:24] is the APIC ID of whichever CPU ran the read;
         * no feature or vendor reads it */
        uint32_t ebx = it->eax_in == 1 ? it->ebx & 0x00ffffffu : it->ebx;
        const int64_t v[] = {it->eax_in, it->ecx_in, it->eax, ebx, it->ecx, it->edx};
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
            hash_i64(&h, v[j]);
    }
    /* wanted, then read (or not) and its value */
    hash_i64(&h, msr_wanted);
    for (size_t i = 0; msr_wanted && i < d->nmsr; i++)
        if (d->msr[i].index == 0x10a) {
            hash_i64(&h, d->msr[i].eax);
            hash_i64(&h, d->msr[i].edx);
        }
    sha256_digest(&h, SHA256_DIGEST_SIZE, digest);
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* The leaves naming a CPU with this database reads (sorted); NULL on OOM. */
static uint32_t *map_leaves(const vc_x86_map *map, vc_arena *a, size_t *n)
{
    uint32_t *l = vc_alloc(a, (map->nwords + 4) * sizeof *l);
    if (!l)
        return NULL;
    size_t k = 0;
    l[k++] = 0;
    l[k++] = 1;
    l[k++] = 7;
    l[k++] = 0x80000000u;
    for (size_t i = 0; i < map->nwords; i++)
        if (!map->words[i].msr)
            l[k++] = map->words[i].in;
    qsort(l, k, sizeof *l, cmp_u32);
    *n = 0;
    for (size_t i = 0; i < k; i++)
        if (*n == 0 || l[*n - 1] != l[i])
            l[(*n)++] = l[i];
    return l;
}

static json_object *string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* Keeps what naming the CPU found, for the data it was found from. */
/* Adds v (false when it was wanted and could not be made). */
static bool put(json_object *o, const char *key, json_object *v, bool wanted)
{
    json_object_object_add(o, key, v);
    return v || !wanted;
}

static bool append(json_object *array, json_object *v)
{
    json_object_array_add(array, v);
    return v != NULL;
}

/* Whether the state's database was read from the files the cache is open for. */
static bool same_files(const vc_cpu_db *db, const cpu_cache *c)
{
    uint8_t loaded[VC_CPU_DB_DIGEST];
    return c->coarse && vc_cpu_db_x86_digest(db, loaded) && memcmp(loaded, c->files, sizeof loaded) == 0;
}

static void cpu_cache_store(cpu_cache *c, const vc_cpu_db *db, const vc_x86_map *map, const vc_cpudata *d,
                            bool msr_wanted, const vc_cpu *cpu, vc_arena *a)
{
    size_t nleaves;
    /* A map loaded before its files changed (a long-lived Lua state) named
     * the CPU by the old files: that name is not kept under the new ones. */
    if (!same_files(db, c))
        return;
    uint32_t *leaves = map_leaves(map, a, &nleaves);
    if (!leaves || nleaves > CPU_CACHE_MAX_LEAVES)
        return;
    char key[2 * SHA256_DIGEST_SIZE + 1];
    cpu_key(c, leaves, nleaves, d, msr_wanted, key);
    json_object *doc = json_object_new_object(), *list = json_object_new_array(), *features = json_object_new_array(),
                *sig = cpu->has_signature ? json_object_new_array() : NULL;
    if (!doc || !list || !features || (cpu->has_signature && !sig)) {
        json_object_put(doc);
        json_object_put(list);
        json_object_put(features);
        json_object_put(sig);
        return;
    }
    json_object_object_foreach(c->coarse, k, v)
    {
        json_object_object_add(doc, k, json_object_get(v));
    }
    /* Every value must have been made: a null would be read back as an answer. */
    bool ok = put(doc, "key", json_object_new_string(key), true);
    for (size_t i = 0; i < nleaves; i++)
        ok = append(list, json_object_new_int64(leaves[i])) && ok;
    json_object_object_add(doc, "leaves", list);
    ok = put(doc, "msr", json_object_new_boolean(msr_wanted), true) && ok;
    ok = put(doc, "model", string_or_null(cpu->model), cpu->model != NULL) && ok;
    ok = put(doc, "vendor", string_or_null(cpu->vendor), cpu->vendor != NULL) && ok;
    if (sig) {
        ok = append(sig, json_object_new_int64(cpu->sig_family)) && ok;
        ok = append(sig, json_object_new_int64(cpu->sig_model)) && ok;
        ok = append(sig, json_object_new_int64(cpu->sig_stepping)) && ok;
        json_object_object_add(doc, "signature", sig);
    }
    for (size_t i = 0; i < cpu->nfeatures; i++)
        ok = append(features, json_object_new_string(cpu->features[i].name)) && ok;
    json_object_object_add(doc, "features", features);
    if (ok)
        vc_cachedir_store(c->dir, c->name, doc); /* a cache that cannot be written is no error */
    json_object_put(doc);
}

static const char *entry_string(json_object *doc, const char *key, bool optional, bool *ok)
{
    json_object *v;
    if (!json_object_object_get_ex(doc, key, &v) || (optional && json_object_is_type(v, json_type_null)))
        return *ok = *ok && optional, NULL;
    if (!json_object_is_type(v, json_type_string))
        return *ok = false, NULL;
    return json_object_get_string(v);
}

/* The leaves an entry lists: sorted, distinct, 32-bit; NULL when not so. */
static uint32_t *entry_leaves(json_object *doc, vc_arena *a, size_t *n)
{
    json_object *list;
    if (!json_object_object_get_ex(doc, "leaves", &list) || !json_object_is_type(list, json_type_array))
        return NULL;
    *n = json_object_array_length(list);
    uint32_t *l = *n && *n <= CPU_CACHE_MAX_LEAVES ? vc_alloc(a, *n * sizeof *l) : NULL;
    for (size_t i = 0; l && i < *n; i++) {
        json_object *v = json_object_array_get_idx(list, i);
        int64_t x = json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_int) || x < 0 || x > UINT32_MAX || (i && x <= l[i - 1]))
            return NULL;
        l[i] = (uint32_t)x;
    }
    /* 0x12 is read only after 7, as the full read does */
    return l && (!listed(l, *n, 0x12) || listed(l, *n, 7)) ? l : NULL;
}

/* The result an entry holds, into cpu (strings in a); false when it is
 * not what cpu_cache_store writes. */
static bool entry_cpu(json_object *doc, vc_arena *a, vc_cpu *cpu)
{
    bool ok = true;
    const char *model = entry_string(doc, "model", false, &ok), *vendor = entry_string(doc, "vendor", true, &ok);
    json_object *sig = NULL, *features;
    if (!ok || !json_object_object_get_ex(doc, "features", &features) ||
        !json_object_is_type(features, json_type_array) ||
        (json_object_object_get_ex(doc, "signature", &sig) &&
         (!json_object_is_type(sig, json_type_array) || json_object_array_length(sig) != 3)))
        return false;
    int64_t s[3] = {VC_UNSET, VC_UNSET, VC_UNSET};
    for (size_t i = 0; sig && i < 3; i++) {
        json_object *v = json_object_array_get_idx(sig, i);
        if (!json_object_is_type(v, json_type_int) || (s[i] = json_object_get_int64(v)) < 0)
            return false;
    }
    size_t n = json_object_array_length(features);
    vc_feature *list = vc_alloc(a, (n + 1) * sizeof *list);
    if (!list || !(cpu->model = vc_strdup(a, model)) || (vendor && !(cpu->vendor = vc_strdup(a, vendor))))
        return false;
    if (!vendor)
        cpu->vendor = NULL;
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(features, i);
        if (!json_object_is_type(v, json_type_string) || !(list[i].name = vc_strdup(a, json_object_get_string(v))))
            return false;
    }
    cpu->features = list;
    cpu->nfeatures = n;
    cpu->has_signature = sig != NULL;
    cpu->sig_family = s[0];
    cpu->sig_model = s[1];
    cpu->sig_stepping = s[2];
    return true;
}

/* 1 and cpu named (msr_err saying why the MSR could not be read, when it
 * could not) on a hit; 0 on a miss. */
static int cpu_cache_load(cpu_cache *c, vc_cpu *cpu, vc_arena *a, vc_error *msr_err)
{
    json_object *doc = c->coarse ? vc_cachedir_load(c->dir, c->name, c->coarse) : NULL, *v;
    vc_arena *tmp = doc ? vc_arena_new() : NULL;
    size_t nleaves = 0;
    uint32_t *leaves = tmp ? entry_leaves(doc, tmp, &nleaves) : NULL;
    const char *want = leaves && json_object_object_get_ex(doc, "key", &v) && json_object_is_type(v, json_type_string)
                           ? json_object_get_string(v)
                           : NULL;
    bool msr_wanted = json_object_object_get_ex(doc, "msr", &v) && json_object_get_boolean(v);
    int hit = 0;
    vc_cpudata d;
    vc_error e;
    msr_err->code = VC_OK;
    msr_err->msg[0] = '\0';
    if (want && json_object_is_type(v, json_type_boolean) && vc_cpuid_read_host_leaves(tmp, leaves, nleaves, &d, &e) == 0 &&
        (!msr_wanted || add_arch_caps(tmp, &d, msr_err, &e) == 0)) {
        char key[2 * SHA256_DIGEST_SIZE + 1];
        cpu_key(c, leaves, nleaves, &d, msr_wanted, key);
        vc_cpu found = *cpu;
        if (strcmp(key, want) == 0 && entry_cpu(doc, a, &found)) {
            *cpu = found;
            hit = 1;
        }
    }
    vc_arena_free(tmp);
    json_object_put(doc);
    return hit;
}

static void forget_model(vc_cpu *cpu, bool features)
{
    cpu->model = NULL;
    cpu->vendor = NULL;
    cpu->has_signature = false;
    cpu->sig_family = cpu->sig_model = cpu->sig_stepping = VC_UNSET;
    if (features) {
        cpu->features = NULL;
        cpu->nfeatures = 0;
    }
}

/* Someone else's machine: a root or a remapped /proc stands for it. */
static bool other_host(const vc_probe_opts *opts)
{
    char path[4096];
    return vc_host_path(opts, "/proc/cpuinfo", path, sizeof path) < 0 || strcmp(path, "/proc/cpuinfo") != 0;
}

static int warn(vc_caps *caps, vc_error *err, const char *what, const char *why)
{
    if (vc_caps_warn(caps, "%s: %s", what, why) < 0)
        return vc_oom(err);
    return 0;
}

/* The model cannot be named: out of memory is an error, anything else a
 * warning, and the CPU keeps only what does not come from the model. */
static int not_named(vc_caps *caps, vc_cpu *cpu, bool features, const vc_error *e, vc_error *err)
{
    if (e->code == VC_ENOMEM)
        return vc_oom(err);
    forget_model(cpu, features);
    return warn(caps, err, "host CPU model not named", e->msg);
}

static int probe_x86(vc_probe_ctx *ctx, vc_cpu_db *db, vc_cpu *cpu, vc_caps *caps, vc_error *err)
{
    const vc_probe_opts *opts = ctx->opts;
    vc_arena *a = caps->arena;
    const char *dump = opts ? opts->cpuid : NULL;
    if (!dump && other_host(opts))
        return warn(caps, err, "host CPU model not named",
                    "CPUID is read on this machine only, and the probe looks at another (give opts.cpuid)");
    vc_error e, msr_err = {0};
    cpu_cache cache = {0};
    bool cached = !dump && cpu_cache_open(&cache, ctx->cache, vc_cpu_db_dir(db));
    bool loaded = vc_cpu_db_x86_loaded(db);
    /* A Lua state keeps the database it loaded: only entries made from the
     * same files are its answers. */
    if (cached && loaded && !same_files(db, &cache)) {
        cpu_cache_close(&cache);
        cached = false;
    }
    /* This CPU's name as last found, when nothing it depends on changed. */
    if (cached && cpu_cache_load(&cache, cpu, a, &msr_err)) {
        cpu_cache_close(&cache);
        if (msr_err.code != VC_OK)
            return warn(caps, err, "IA32_ARCH_CAPABILITIES not read, its features are not listed", msr_err.msg);
        return 0;
    }
    int rc = -1;
    const vc_x86_map *map = vc_cpu_db_x86(db, &e);
    vc_cpudata data;
    bool msr_wanted = false;
    vc_cpu found = *cpu;
    if (!map) {
        /* Never a guess: the features stay the kernel's, under its names. */
        rc = not_named(caps, cpu, false, &e, err);
        goto out;
    }
    if (dump) {
        size_t len;
        char *text = vc_read_file(dump, VC_XML_MAX_BYTES, &len, err);
        if (!text)
            goto out;
        int read = vc_cpudata_read(text, len, a, &data, err);
        free(text);
        if (read < 0) {
            if (err->code != VC_ENOMEM) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err->msg);
                vc_fail(err, err->code, "%s: %s", dump, msg);
            }
            goto out;
        }
    } else if (host_cpudata(map, a, &data, &msr_wanted, &msr_err, &e) < 0) {
        rc = not_named(caps, cpu, false, &e, err);
        goto out;
    }
    if (vc_x86_decode_host(map, &data, a, &found, &e) < 0) {
        rc = not_named(caps, cpu, true, &e, err);
        goto out;
    }
    *cpu = found;
    if (!dump)
        cpu_cache_store(&cache, db, map, &data, msr_wanted, cpu, a);
    rc = msr_err.code != VC_OK
             ? warn(caps, err, "IA32_ARCH_CAPABILITIES not read, its features are not listed", msr_err.msg)
             : 0;
out:
    cpu_cache_close(&cache);
    return rc;
}

/* The probe's /proc/cpuinfo, whole: NULL with err when it is missing,
 * unreadable, over VC_CPUINFO_MAX or holds a NUL byte. */
static const char *read_cpuinfo(vc_probe_ctx *ctx, vc_error *err)
{
    char path[4096];
    if (vc_host_path(ctx->opts, "/proc/cpuinfo", path, sizeof path) < 0) {
        vc_fail(err, VC_EINPUT, "path too long for /proc/cpuinfo");
        return NULL;
    }
    if (vc_probe_cpuinfo(ctx) < 0 || ctx->cpuinfo_truncated) {
        vc_read_fail(err, path, VC_CPUINFO_MAX, ctx->cpuinfo_truncated ? -EFBIG : ctx->cpuinfo_rc);
        return NULL;
    }
    if (memchr(ctx->cpuinfo, '\0', ctx->cpuinfo_len)) {
        vc_fail(err, VC_EINPUT, "%s: NUL byte in the text", path);
        return NULL;
    }
    return ctx->cpuinfo;
}

static int probe_cpuinfo(vc_probe_ctx *ctx, vc_cpu_db *db, bool arm, vc_cpu *cpu, vc_caps *caps, vc_error *err)
{
    vc_error e;
    const char *text = read_cpuinfo(ctx, &e);
    if (!text) {
        forget_model(cpu, true);
        return e.code == VC_ENOMEM ? vc_oom(err) : warn(caps, err, "host CPU model not named", e.msg);
    }
    vc_cpu found = *cpu;
    forget_model(&found, true);
    int rc = -1;
    if (arm) {
        const vc_arm_map *map = vc_cpu_db_arm(db, &e);
        if (map) {
            rc = vc_arm_host_from_cpuinfo(map, text, caps->arena, &found, &e);
        } else if (e.code != VC_ENOMEM) {
            /* hwcap names need no database */
            vc_error ignored;
            if (vc_arm_features_from_cpuinfo(text, caps->arena, &found, &ignored) < 0)
                e = ignored;
        }
    } else {
        const vc_ppc64_map *map = vc_cpu_db_ppc64(db, &e);
        if (map)
            rc = vc_ppc64_host_from_cpuinfo(map, text, caps->arena, &found, &e);
    }
    if (rc < 0 && e.code == VC_ENOMEM)
        return vc_oom(err);
    if (rc < 0 && arm && found.model) {
        /* The reference stops at an unknown vendor with the model set. */
        found.vendor = NULL;
        found.features = NULL;
        found.nfeatures = 0;
    }
    *cpu = found;
    return rc < 0 ? warn(caps, err, "host CPU model not named", e.msg) : 0;
}

int vc_cpu_probe_host(vc_probe_ctx *ctx, vc_cpu *cpu, vc_caps *caps, vc_error *err)
{
    bool x86 = vc_arch_is_x86(ctx->arch);
    bool arm = vc_arch_is_aarch64(ctx->arch);
    if (!x86 && !arm && !vc_arch_is_ppc64(ctx->arch)) {
        /* The reference names no other host CPU. */
        forget_model(cpu, true);
        return 0;
    }
    /* The caller's database, else one the context owns from now on. */
    if (!ctx->cpu_db) {
        if (!(ctx->cpu_db = vc_cpu_db_new(ctx->opts ? ctx->opts->cpu_map : NULL)))
            return vc_oom(err);
        ctx->cpu_db_free = vc_cpu_db_free;
    }
    return x86 ? probe_x86(ctx, ctx->cpu_db, cpu, caps, err) : probe_cpuinfo(ctx, ctx->cpu_db, arm, cpu, caps, err);
}
