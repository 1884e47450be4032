/* The reference's CPU model database (Debian's libvirt0 installs it under
 * /usr/share/libvirt/cpu_map): index.xml names, per architecture, the files
 * that define vendors, features and models. Read with libxml2 the way
 * libvirt's cpuMapLoad walks it: an <arch> section's own vendors, features
 * and models, then its includes in order, each file's vendors, then
 * features, then models. x86 data is turned into bit masks over the
 * register words the database refers to, so that decoding is bit arithmetic. */
#include "base/hostfs.h"
#include "base/idset.h"
#include "cpu/cpu.h"
#include "xml/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAP_FILE_MAX ((size_t)16 * 1024 * 1024)
#define MAP_MAX_ITEMS 100000
/* Real databases use 1 or 2 items per feature and about 40 words. */
#define MAP_MAX_FEATURE_ITEMS 64
#define MAP_MAX_WORDS 4096

struct vc_cpu_db {
    char *dir;
    vc_arena *x86_arena, *ppc64_arena, *arm_arena;
    vc_x86_map *x86;
    vc_ppc64_map *ppc64;
    vc_arm_map *arm;
    uint8_t x86_digest[VC_CPU_DB_DIGEST];
    bool x86_digest_known;
};

vc_cpu_db *vc_cpu_db_new(const char *dir)
{
    vc_cpu_db *db = calloc(1, sizeof *db);
    if (db && !(db->dir = strdup(dir ? dir : VC_CPU_MAP_DIR))) {
        free(db);
        db = NULL;
    }
    return db;
}

void vc_cpu_db_free(vc_cpu_db *db)
{
    if (!db)
        return;
    vc_arena_free(db->x86_arena);
    vc_arena_free(db->ppc64_arena);
    vc_arena_free(db->arm_arena);
    free(db->dir);
    free(db);
}

const char *vc_cpu_db_dir(const vc_cpu_db *db)
{
    return db->dir;
}

/* ---- names: a small open-addressing index used while loading ---- */

typedef struct name_index {
    const char **keys;
    size_t *vals;
    size_t cap, n;
} name_index;

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static bool index_get(const name_index *ix, const char *name, size_t *val)
{
    if (!ix->cap)
        return false;
    for (size_t i = hash(name) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
        if (!ix->keys[i])
            return false;
        if (strcmp(ix->keys[i], name) == 0) {
            *val = ix->vals[i];
            return true;
        }
    }
}

static int index_put(vc_arena *a, name_index *ix, const char *name, size_t val)
{
    if ((ix->n + 1) * 2 > ix->cap) {
        size_t ncap = ix->cap ? ix->cap * 2 : 256;
        const char **keys = vc_alloc(a, ncap * sizeof *keys);
        size_t *vals = vc_alloc(a, ncap * sizeof *vals);
        if (!keys || !vals)
            return -1;
        for (size_t i = 0; i < ix->cap; i++) {
            if (!ix->keys[i])
                continue;
            size_t j = hash(ix->keys[i]) & (ncap - 1);
            while (keys[j])
                j = (j + 1) & (ncap - 1);
            keys[j] = ix->keys[i];
            vals[j] = ix->vals[i];
        }
        ix->keys = keys;
        ix->vals = vals;
        ix->cap = ncap;
    }
    size_t j = hash(name) & (ix->cap - 1);
    while (ix->keys[j])
        j = (j + 1) & (ix->cap - 1);
    ix->keys[j] = name;
    ix->vals[j] = val;
    ix->n++;
    return 0;
}

/* ---- walking the files ---- */

typedef struct loader loader;
typedef int (*item_fn)(loader *L, const xmlNode *n, const char *name);

struct loader {
    vc_arena *a;
    vc_error *err;
    const char *dir;
    char file[1024];     /* the file being read, for messages */
    item_fn vendor, feature, model;
    void *state;
    size_t items;
};

static int loom(loader *L)
{
    return vc_oom(L->err);
}

/* An attribute copied into the arena; NULL when absent (or on OOM, with
 * *oom set). */
static char *attr(loader *L, const xmlNode *n, const char *name, bool *oom)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = vc_strdup(L->a, (const char *)v);
    xmlFree(v);
    if (!s)
        *oom = true;
    return s;
}

static int need_attr(loader *L, const xmlNode *n, const char *name, char **out)
{
    bool oom = false;
    *out = attr(L, n, name, &oom);
    if (oom)
        return loom(L);
    if (!*out)
        return vc_xml_file_fail(L->err, L->file, n, "<%s> needs a %s attribute", n->name, name);
    return 0;
}

/* strtoull in the given base, the whole string, at most max. */
static int parse_num(loader *L, const xmlNode *n, const char *name, const char *s, int base, uint64_t max,
                     uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (!*s || end == s || *end || errno || strchr(s, '-') || v > max)
        return vc_xml_file_fail(L->err, L->file, n, "<%s> attribute %s: invalid number '%.40s'", n->name, name, s);
    *out = v;
    return 0;
}

static int num_attr(loader *L, const xmlNode *n, const char *name, int base, bool required, uint64_t max,
                    uint64_t *out)
{
    bool oom = false;
    char *s = attr(L, n, name, &oom);
    if (oom)
        return loom(L);
    if (!s) {
        *out = 0;
        return required ? vc_xml_file_fail(L->err, L->file, n, "<%s> needs a %s attribute", n->name, name) : 0;
    }
    return parse_num(L, n, name, s, base, max, out);
}

static int load_items(loader *L, const xmlNode *parent, const char *what, item_fn fn)
{
    for (const xmlNode *c = parent->children; c; c = c->next) {
        if (!vc_xml_is(c, what))
            continue;
        if (!fn)
            return vc_xml_file_fail(L->err, L->file, c, "unexpected element <%s> in the CPU map", what);
        if (++L->items > MAP_MAX_ITEMS)
            return vc_fail(L->err, VC_ELIMIT, "%s: more than %d CPU map items", L->file, MAP_MAX_ITEMS);
        char *name;
        if (need_attr(L, c, "name", &name) < 0 || fn(L, c, name) < 0)
            return -1;
    }
    return 0;
}

static int load_section(loader *L, const xmlNode *n)
{
    return load_items(L, n, "vendor", L->vendor) < 0 || load_items(L, n, "feature", L->feature) < 0 ||
                   load_items(L, n, "model", L->model) < 0
               ? -1
               : 0;
}

static xmlDocPtr read_map_file(loader *L, const char *name)
{
    if (snprintf(L->file, sizeof L->file, "%s/%s", L->dir, name) >= (int)sizeof L->file) {
        vc_fail(L->err, VC_EINPUT, "CPU map path too long: %s/%s", L->dir, name);
        return NULL;
    }
    size_t len;
    char *data = vc_read_file(L->file, MAP_FILE_MAX, &len, L->err);
    if (!data)
        return NULL;
    xmlDocPtr doc = vc_xml_parse_doc(data, len, L->err);
    free(data);
    if (!doc && L->err->code != VC_ENOMEM) {
        char msg[sizeof L->err->msg];
        snprintf(msg, sizeof msg, "%s", L->err->msg);
        vc_fail(L->err, VC_EINPUT, "%s: %s", L->file, msg);
    }
    if (doc && !xmlDocGetRootElement(doc)) {
        vc_fail(L->err, VC_EINPUT, "%s: no root element", L->file);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

static int load_arch(loader *L, const char *arch)
{
    xmlDocPtr index = read_map_file(L, "index.xml");
    if (!index) {
        if (L->err->code == VC_EIO) {
            char msg[sizeof L->err->msg];
            snprintf(msg, sizeof msg, "%s", L->err->msg);
            vc_fail(L->err, VC_EIO, "CPU model database not found: %s", msg);
        }
        return -1;
    }
    const xmlNode *section = NULL;
    for (const xmlNode *c = xmlDocGetRootElement(index)->children; c && !section; c = c->next) {
        if (!vc_xml_is(c, "arch"))
            continue;
        xmlChar *name = xmlGetNoNsProp(c, (const xmlChar *)"name");
        if (name && strcmp((const char *)name, arch) == 0)
            section = c;
        xmlFree(name);
    }
    int rc = 0;
    if (!section)
        rc = vc_xml_file_fail(L->err, L->file, NULL, "cannot find CPU map for %s architecture", arch);
    else
        rc = load_section(L, section);
    for (const xmlNode *c = section ? section->children : NULL; c && rc == 0; c = c->next) {
        if (!vc_xml_is(c, "include"))
            continue;
        char *file;
        if (need_attr(L, c, "filename", &file) < 0) {
            rc = -1;
            break;
        }
        if (!*file || strchr(file, '/')) {
            rc = vc_xml_file_fail(L->err, L->file, c, "include '%.100s' is not a file name in the map directory", file);
            break;
        }
        xmlDocPtr doc = read_map_file(L, file);
        rc = doc ? load_section(L, xmlDocGetRootElement(doc)) : -1;
        xmlFreeDoc(doc);
    }
    xmlFreeDoc(index);
    return rc;
}

/* ---- x86 ---- */

typedef struct raw_bit {
    vc_x86_word key;
    uint32_t mask;
} raw_bit;

typedef struct x86_feat {
    const char *name;
    bool migratable;
    raw_bit *bits;
    size_t nbits;
} x86_feat;

typedef struct x86_model {
    const char *name;
    bool decode_host, decode_guest;
    long vendor;            /* index, -1: none */
    vc_x86_signature *sigs;
    size_t nsigs;
    size_t *feats;
    size_t nfeats;
    size_t *removed;
    size_t nremoved;
} x86_model;

typedef struct x86_state {
    vc_x86_vendor *vendors;
    size_t nvendors;
    x86_feat *feats;
    size_t nfeats;
    x86_model *models;
    size_t nmodels;
    name_index feat_ix, model_ix;
} x86_state;

static int cmp_word(const vc_x86_word *x, const vc_x86_word *y)
{
    if (x->msr != y->msr)
        return x->msr < y->msr ? -1 : 1;
    if (x->in != y->in)
        return x->in < y->in ? -1 : 1;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    return x->reg < y->reg ? -1 : x->reg > y->reg;
}

static int cmp_word_v(const void *a, const void *b)
{
    return cmp_word(a, b);
}

static uint32_t le32(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static int x86_vendor(loader *L, const xmlNode *n, const char *name)
{
    x86_state *S = L->state;
    for (size_t i = 0; i < S->nvendors; i++)
        if (strcmp(S->vendors[i].name, name) == 0)
            return vc_xml_file_fail(L->err, L->file, n, "CPU vendor %s already defined", name);
    bool oom = false;
    char *string = attr(L, n, "string", &oom);
    if (oom)
        return loom(L);
    if (!string)
        return vc_xml_file_fail(L->err, L->file, n, "Missing vendor string for CPU vendor %s", name);
    if (strlen(string) != 12)
        return vc_xml_file_fail(L->err, L->file, n, "Invalid CPU vendor string '%s'", string);
    vc_x86_vendor *v = VC_PUSH(L->a, S->vendors, S->nvendors);
    if (!v)
        return loom(L);
    v->name = name;
    /* Leaf 0 spells the vendor in ebx, edx, ecx; word indexes come later. */
    v->bits[0].mask = le32(string);
    v->bits[1].mask = le32(string + 4);
    v->bits[2].mask = le32(string + 8);
    return 0;
}

static int add_raw(loader *L, x86_feat *f, uint8_t msr, uint8_t reg, uint32_t in, uint32_t sub, uint32_t mask)
{
    if (!mask)
        return 0;
    raw_bit *b = VC_PUSH(L->a, f->bits, f->nbits);
    if (!b)
        return loom(L);
    b->key = (vc_x86_word){.msr = msr, .reg = reg, .in = in, .sub = sub};
    b->mask = mask;
    return 0;
}

static int x86_feature(loader *L, const xmlNode *n, const char *name)
{
    x86_state *S = L->state;
    size_t dummy;
    if (index_get(&S->feat_ix, name, &dummy))
        return vc_xml_file_fail(L->err, L->file, n, "CPU feature %s already defined", name);
    x86_feat *f = VC_PUSH(L->a, S->feats, S->nfeats);
    if (!f)
        return loom(L);
    f->name = name;
    bool oom = false;
    const char *mig = attr(L, n, "migratable", &oom);
    if (oom)
        return loom(L);
    f->migratable = !(mig && strcmp(mig, "no") == 0);
    size_t items = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || vc_xml_is(c, "alias"))
            continue;
        if (++items > MAP_MAX_FEATURE_ITEMS)
            return vc_xml_file_fail(L->err, L->file, c, "feature %s has more than %d CPUID and MSR items",
                                    name, MAP_MAX_FEATURE_ITEMS);
        uint64_t v[6] = {0};
        if (vc_xml_is(c, "cpuid")) {
            static const char *const regs[] = {"eax_in", "ecx_in", "eax", "ebx", "ecx", "edx"};
            for (int i = 0; i < 6; i++)
                if (num_attr(L, c, regs[i], 0, i == 0, UINT32_MAX, &v[i]) < 0)
                    return -1;
            for (uint8_t r = 0; r < 4; r++)
                if (add_raw(L, f, 0, r, (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2 + r]) < 0)
                    return -1;
        } else {
            /* The reference reads anything else as an MSR. */
            if (num_attr(L, c, "index", 0, true, UINT32_MAX, &v[0]) < 0 ||
                num_attr(L, c, "eax", 0, true, UINT32_MAX, &v[1]) < 0 ||
                num_attr(L, c, "edx", 0, true, UINT32_MAX, &v[2]) < 0 ||
                add_raw(L, f, 1, 0, (uint32_t)v[0], 0, (uint32_t)v[1]) < 0 ||
                add_raw(L, f, 1, 1, (uint32_t)v[0], 0, (uint32_t)v[2]) < 0)
                return -1;
        }
    }
    if (!items)
        return vc_xml_file_fail(L->err, L->file, n, "no x86 CPU data found in feature %s", name);
    return index_put(L->a, &S->feat_ix, name, S->nfeats - 1) < 0 ? loom(L) : 0;
}

static int on_off(loader *L, const xmlNode *n, const char *name, bool *out)
{
    char *v;
    if (need_attr(L, n, name, &v) < 0)
        return -1;
    if (strcmp(v, "on") == 0)
        *out = true;
    else if (strcmp(v, "off") == 0)
        *out = false;
    else
        return vc_xml_file_fail(L->err, L->file, n, "<%s> attribute %s: expected 'on' or 'off', got '%.40s'",
                                n->name, name, v);
    return 0;
}

static int x86_signature(loader *L, const xmlNode *n, const char *model, vc_x86_signature *sig)
{
    uint64_t v = 0;
    if (num_attr(L, n, "family", 10, false, UINT32_MAX, &v) < 0)
        return -1;
    if (v == 0)
        return vc_xml_file_fail(L->err, L->file, n, "Invalid CPU signature family in model %s", model);
    sig->family = (uint32_t)v;
    bool oom = false;
    if (!attr(L, n, "model", &oom))
        return oom ? loom(L) : vc_xml_file_fail(L->err, L->file, n, "Invalid CPU signature model in model %s", model);
    if (num_attr(L, n, "model", 10, true, UINT32_MAX, &v) < 0)
        return -1;
    sig->model = (uint32_t)v;
    sig->steppings = 0;
    char *stepping = attr(L, n, "stepping", &oom);
    if (oom)
        return loom(L);
    if (stepping && *stepping) {
        /* The reference's bitmap syntax over 0-15, as cpusets are written. */
        vc_idset ids;
        vc_error e;
        if (vc_cpuset_parse(L->a, stepping, &ids, &e) < 0)
            return e.code == VC_ENOMEM ? loom(L)
                                       : vc_xml_file_fail(L->err, L->file, n, "invalid stepping '%.40s' in model %s",
                                                          stepping, model);
        for (size_t i = 0; i < ids.n; i++) {
            const vc_range *r = &ids.ranges[i];
            if (r->last > 15)
                return vc_xml_file_fail(L->err, L->file, n, "stepping %lld out of range 0-15 in model %s",
                                        (long long)(r->first > 16 ? r->first : 16), model);
            for (int64_t st = r->first; st <= r->last; st++)
                sig->steppings |= (uint16_t)(1u << st);
        }
        if (!sig->steppings)
            return vc_xml_file_fail(L->err, L->file, n, "invalid stepping '%.40s' in model %s", stepping, model);
    }
    return 0;
}

static int x86_model_fn(loader *L, const xmlNode *n, const char *name)
{
    x86_state *S = L->state;
    size_t idx;
    if (index_get(&S->model_ix, name, &idx))
        return vc_xml_file_fail(L->err, L->file, n, "Multiple definitions of CPU model '%s'", name);
    x86_model m = {.name = name, .vendor = -1};
    const xmlNode *decode = NULL, *ancestor = NULL, *vendor = NULL;
    size_t nsigs = 0, nfeats = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (vc_xml_is(c, "decode") && !decode)
            decode = c;
        else if (vc_xml_is(c, "model") && !ancestor)
            ancestor = c;
        else if (vc_xml_is(c, "vendor") && !vendor)
            vendor = c;
        nsigs += vc_xml_is(c, "signature");
        nfeats += vc_xml_is(c, "feature");
    }
    if (!decode)
        return vc_xml_file_fail(L->err, L->file, n, "missing decode element in CPU model %s", name);
    if (on_off(L, decode, "host", &m.decode_host) < 0 || on_off(L, decode, "guest", &m.decode_guest) < 0)
        return -1;
    const x86_model *parent = NULL;
    if (ancestor) {
        bool oom = false;
        char *pname = attr(L, ancestor, "name", &oom);
        if (oom)
            return loom(L);
        if (!pname)
            return vc_xml_file_fail(L->err, L->file, ancestor, "Missing ancestor's name in CPU model %s", name);
        if (!index_get(&S->model_ix, pname, &idx))
            return vc_xml_file_fail(L->err, L->file, ancestor, "Ancestor model %s not found for CPU model %s",
                                    pname, name);
        parent = &S->models[idx];
        m.vendor = parent->vendor;
        m.sigs = parent->sigs;
        m.nsigs = parent->nsigs;
    }
    if (nsigs) {
        if (!(m.sigs = vc_alloc(L->a, nsigs * sizeof *m.sigs)))
            return loom(L);
        m.nsigs = 0;
        for (const xmlNode *c = n->children; c; c = c->next)
            if (vc_xml_is(c, "signature") && x86_signature(L, c, name, &m.sigs[m.nsigs++]) < 0)
                return -1;
    }
    if (vendor) {
        bool oom = false;
        char *vname = attr(L, vendor, "name", &oom);
        if (oom)
            return loom(L);
        if (!vname)
            return vc_xml_file_fail(L->err, L->file, vendor, "Invalid vendor element in CPU model %s", name);
        m.vendor = -1;
        for (size_t i = 0; i < S->nvendors; i++)
            if (strcmp(S->vendors[i].name, vname) == 0)
                m.vendor = (long)i;
        if (m.vendor < 0)
            return vc_xml_file_fail(L->err, L->file, vendor, "Unknown vendor %s referenced by CPU model %s",
                                    vname, name);
    }
    size_t total = nfeats + (parent ? parent->nfeats : 0);
    if (!(m.feats = vc_alloc(L->a, (total + 1) * sizeof *m.feats)) ||
        !(m.removed = vc_alloc(L->a, (nfeats + 1) * sizeof *m.removed)))
        return loom(L);
    if (parent) {
        memcpy(m.feats, parent->feats, parent->nfeats * sizeof *m.feats);
        m.nfeats = parent->nfeats;
    }
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!vc_xml_is(c, "feature"))
            continue;
        char *fname;
        if (need_attr(L, c, "name", &fname) < 0)
            return -1;
        if (!index_get(&S->feat_ix, fname, &idx))
            return vc_xml_file_fail(L->err, L->file, c, "Feature %s required by CPU model %s not found", fname, name);
        bool oom = false;
        char *removed = attr(L, c, "removed", &oom);
        if (oom)
            return loom(L);
        if (removed && strcmp(removed, "yes") != 0 && strcmp(removed, "no") != 0)
            return vc_xml_file_fail(L->err, L->file, c,
                                    "<feature> attribute removed: expected 'yes' or 'no', got '%.40s'", removed);
        /* Features QEMU dropped from the model stay out of its data; they
         * are named only to be disabled in guest CPUs. */
        if (removed && strcmp(removed, "yes") == 0)
            m.removed[m.nremoved++] = idx;
        else
            m.feats[m.nfeats++] = idx;
    }
    x86_model *slot = VC_PUSH(L->a, S->models, S->nmodels);
    if (!slot)
        return loom(L);
    *slot = m;
    return index_put(L->a, &S->model_ix, name, S->nmodels - 1) < 0 ? loom(L) : 0;
}

static int word_of(const vc_x86_map *map, const vc_x86_word *key, uint32_t *out)
{
    const vc_x86_word *w = bsearch(key, map->words, map->nwords, sizeof *key, cmp_word_v);
    if (!w)
        return -1;
    *out = (uint32_t)(w - map->words);
    return 0;
}

static int cmp_feature_name(const void *a, const void *b)
{
    return strcmp((*(const vc_x86_feature *const *)a)->name, (*(const vc_x86_feature *const *)b)->name);
}

static int cmp_model_name(const void *a, const void *b)
{
    return strcmp((*(const vc_x86_model *const *)a)->name, (*(const vc_x86_model *const *)b)->name);
}

/* Indexes every register word the vendors and features use and turns
 * features and models into masks over them. */
static vc_x86_map *x86_finish(loader *L, x86_state *S)
{
    vc_arena *a = L->a;
    vc_x86_map *map = vc_alloc(a, sizeof *map);
    if (!map)
        return NULL;
    size_t nkeys = 4;
    for (size_t i = 0; i < S->nfeats; i++)
        nkeys += S->feats[i].nbits;
    vc_x86_word *keys = vc_alloc(a, nkeys * sizeof *keys);
    if (!keys)
        return NULL;
    size_t k = 0;
    /* leaf 0 ebx, edx, ecx (the vendor) and leaf 1 eax (the signature) */
    keys[k++] = (vc_x86_word){.reg = 1};
    keys[k++] = (vc_x86_word){.reg = 3};
    keys[k++] = (vc_x86_word){.reg = 2};
    keys[k++] = (vc_x86_word){.in = 1, .reg = 0};
    for (size_t i = 0; i < S->nfeats; i++)
        for (size_t j = 0; j < S->feats[i].nbits; j++)
            keys[k++] = S->feats[i].bits[j].key;
    qsort(keys, k, sizeof *keys, cmp_word_v);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || cmp_word(&keys[u - 1], &keys[i]) != 0)
            keys[u++] = keys[i];
    if (u > MAP_MAX_WORDS) {
        vc_fail(L->err, VC_ELIMIT, "%s: the CPU map uses more than %d register words", L->dir, MAP_MAX_WORDS);
        return NULL;
    }
    map->words = keys;
    map->nwords = u;

    map->vendors = S->vendors;
    map->nvendors = S->nvendors;
    static const vc_x86_word vendor_keys[3] = {{.reg = 1}, {.reg = 3}, {.reg = 2}};
    for (size_t i = 0; i < map->nvendors; i++)
        for (int r = 0; r < 3; r++)
            word_of(map, &vendor_keys[r], &map->vendors[i].bits[r].word);

    map->nfeatures = S->nfeats;
    map->features = vc_alloc(a, (S->nfeats ? S->nfeats : 1) * sizeof *map->features);
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    map->features_by_name = vc_alloc(a, (S->nfeats ? S->nfeats : 1) * sizeof *map->features_by_name);
    if (!map->features || !map->features_by_name)
        return NULL;
    for (size_t i = 0; i < S->nfeats; i++) {
        const x86_feat *t = &S->feats[i];
        vc_x86_feature *f = &map->features[i];
        f->name = t->name;
        f->migratable = t->migratable;
        if (t->nbits && !(f->bits = vc_alloc(a, t->nbits * sizeof *f->bits)))
            return NULL;
        for (size_t j = 0; j < t->nbits; j++) {
            uint32_t w;
            word_of(map, &t->bits[j].key, &w);
            size_t q = 0;
            while (q < f->nbits && f->bits[q].word != w)
                q++;
            if (q == f->nbits)
                f->bits[f->nbits++] = (vc_x86_bits){.word = w};
            f->bits[q].mask |= t->bits[j].mask;
        }
        map->features_by_name[i] = f;
    }
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    qsort(map->features_by_name, map->nfeatures, sizeof *map->features_by_name, cmp_feature_name);

    map->nmodels = S->nmodels;
    map->models = vc_alloc(a, (S->nmodels ? S->nmodels : 1) * sizeof *map->models);
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    map->models_by_name = vc_alloc(a, (S->nmodels ? S->nmodels : 1) * sizeof *map->models_by_name);
    if (!map->models || !map->models_by_name)
        return NULL;
    for (size_t i = 0; i < S->nmodels; i++) {
        const x86_model *t = &S->models[i];
        vc_x86_model *m = &map->models[i];
        m->name = t->name;
        m->decode_host = t->decode_host;
        m->decode_guest = t->decode_guest;
        m->vendor = t->vendor >= 0 ? &map->vendors[t->vendor] : NULL;
        m->sigs = t->sigs;
        m->nsigs = t->nsigs;
        if (!(m->data = vc_alloc(a, map->nwords * sizeof *m->data)) ||
            // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
            !(m->removed = vc_alloc(a, (t->nremoved + 1) * sizeof *m->removed)))
            return NULL;
        for (size_t j = 0; j < t->nremoved; j++)
            m->removed[m->nremoved++] = &map->features[t->removed[j]];
        for (size_t j = 0; j < t->nfeats; j++) {
            const vc_x86_feature *f = &map->features[t->feats[j]];
            for (size_t q = 0; q < f->nbits; q++)
                m->data[f->bits[q].word] |= f->bits[q].mask;
        }
        map->models_by_name[i] = m;
    }
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    qsort(map->models_by_name, map->nmodels, sizeof *map->models_by_name, cmp_model_name);
    return map;
}

const vc_x86_map *vc_cpu_db_x86(vc_cpu_db *db, vc_error *err)
{
    if (db->x86)
        return db->x86;
    vc_arena *a = vc_arena_new();
    if (!a) {
        vc_oom(err);
        return NULL;
    }
    x86_state S = {0};
    loader L = {.a = a, .err = err, .dir = db->dir, .vendor = x86_vendor, .feature = x86_feature,
                .model = x86_model_fn, .state = &S};
    vc_x86_map *map = NULL;
    /* The files as they were before and after reading them, so that what
     * was found with this map can be kept for exactly those files. */
    uint8_t before[VC_CPU_DB_DIGEST];
    bool known = vc_cpu_db_files_digest(db->dir, before) == 0;
    err->code = VC_OK;
    if (load_arch(&L, "x86") == 0 && !(map = x86_finish(&L, &S)) && err->code == VC_OK)
        vc_oom(err);
    if (!map) {
        vc_arena_free(a);
        return NULL;
    }
    db->x86_arena = a;
    db->x86 = map;
    db->x86_digest_known = known && vc_cpu_db_files_digest(db->dir, db->x86_digest) == 0 &&
                           memcmp(before, db->x86_digest, sizeof before) == 0;
    return map;
}

bool vc_cpu_db_x86_loaded(const vc_cpu_db *db)
{
    return db->x86 != NULL;
}

bool vc_cpu_db_x86_digest(const vc_cpu_db *db, uint8_t out[VC_CPU_DB_DIGEST])
{
    if (!db->x86 || !db->x86_digest_known)
        return false;
    memcpy(out, db->x86_digest, VC_CPU_DB_DIGEST);
    return true;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void digest_i64(struct sha256_ctx *h, int64_t v)
{
    sha256_update(h, sizeof v, (const uint8_t *)&v);
}

int vc_cpu_db_files_digest(const char *dir, uint8_t out[VC_CPU_DB_DIGEST])
{
    DIR *d = opendir(dir);
    vc_arena *a = vc_arena_new();
    char **names = NULL;
    size_t n = 0;
    int rc = d && a ? 0 : -1;
    const struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char **slot = VC_PUSH(a, names, n);
        if (!slot || !(*slot = vc_strdup(a, e->d_name)))
            rc = -1;
    }
    if (rc == 0) {
        if (n > 0)
            qsort(names, n, sizeof *names, cmp_name);
        struct sha256_ctx h;
        sha256_init(&h);
        for (size_t i = 0; i < n; i++) {
            struct stat st;
            sha256_update(&h, strlen(names[i]) + 1, (const uint8_t *)names[i]);
            if (fstatat(dirfd(d), names[i], &st, 0) < 0) {
                digest_i64(&h, -errno);
                continue;
            }
            const int64_t v[] = {(int64_t)st.st_dev,         (int64_t)st.st_ino,         (int64_t)st.st_size,
                                 (int64_t)st.st_mode,        (int64_t)st.st_mtim.tv_sec, (int64_t)st.st_mtim.tv_nsec,
                                 (int64_t)st.st_ctim.tv_sec, (int64_t)st.st_ctim.tv_nsec};
            for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
                digest_i64(&h, v[j]);
        }
        sha256_digest(&h, VC_CPU_DB_DIGEST, out);
    }
    if (d)
        closedir(d);
    vc_arena_free(a);
    return rc;
}

const vc_x86_feature *vc_x86_feature_find(const vc_x86_map *map, const char *name)
{
    vc_x86_feature key = {.name = name};
    const vc_x86_feature *kp = &key;
    const vc_x86_feature *const *hit =
        // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
        bsearch(&kp, map->features_by_name, map->nfeatures, sizeof kp, cmp_feature_name);
    return hit ? *hit : NULL;
}

const vc_x86_model *vc_x86_model_find(const vc_x86_map *map, const char *name)
{
    vc_x86_model key = {.name = name};
    const vc_x86_model *kp = &key;
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    const vc_x86_model *const *hit = bsearch(&kp, map->models_by_name, map->nmodels, sizeof kp, cmp_model_name);
    return hit ? *hit : NULL;
}

const vc_x86_vendor *vc_x86_vendor_find(const vc_x86_map *map, const char *name)
{
    for (size_t i = 0; i < map->nvendors; i++)
        if (strcmp(map->vendors[i].name, name) == 0)
            return &map->vendors[i];
    return NULL;
}

/* ---- ppc64 ---- */

static int ppc64_vendor(loader *L, const xmlNode *n, const char *name)
{
    vc_ppc64_map *map = L->state;
    for (size_t i = 0; i < map->nvendors; i++)
        if (strcmp(map->vendors[i], name) == 0)
            return vc_xml_file_fail(L->err, L->file, n, "CPU vendor %s already defined", name);
    const char **v = VC_PUSH(L->a, map->vendors, map->nvendors);
    if (!v)
        return loom(L);
    *v = name;
    return 0;
}

static int ppc64_model(loader *L, const xmlNode *n, const char *name)
{
    vc_ppc64_map *map = L->state;
    for (size_t i = 0; i < map->nmodels; i++)
        if (strcmp(map->models[i].name, name) == 0)
            return vc_xml_file_fail(L->err, L->file, n, "CPU model %s already defined", name);
    vc_ppc64_model m = {.name = name};
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (vc_xml_is(c, "vendor") && !m.vendor) {
            bool oom = false;
            char *v = attr(L, c, "name", &oom);
            if (oom)
                return loom(L);
            if (!v)
                return vc_xml_file_fail(L->err, L->file, c, "Invalid vendor element in CPU model %s", name);
            for (size_t i = 0; i < map->nvendors && !m.vendor; i++)
                if (strcmp(map->vendors[i], v) == 0)
                    m.vendor = map->vendors[i];
            if (!m.vendor)
                return vc_xml_file_fail(L->err, L->file, c, "Unknown vendor %s referenced by CPU model %s", v, name);
        } else if (vc_xml_is(c, "pvr")) {
            uint64_t value, mask;
            if (num_attr(L, c, "value", 16, true, UINT32_MAX, &value) < 0 ||
                num_attr(L, c, "mask", 16, true, UINT32_MAX, &mask) < 0)
                return -1;
            vc_pvr *p = VC_PUSH(L->a, m.pvrs, m.npvrs);
            if (!p)
                return loom(L);
            *p = (vc_pvr){.value = (uint32_t)value, .mask = (uint32_t)mask};
        }
    }
    if (!m.npvrs)
        return vc_xml_file_fail(L->err, L->file, n, "Missing PVR information for CPU model %s", name);
    vc_ppc64_model *slot = VC_PUSH(L->a, map->models, map->nmodels);
    if (!slot)
        return loom(L);
    *slot = m;
    return 0;
}

const vc_ppc64_map *vc_cpu_db_ppc64(vc_cpu_db *db, vc_error *err)
{
    if (db->ppc64)
        return db->ppc64;
    vc_arena *a = vc_arena_new();
    vc_ppc64_map *map = a ? vc_alloc(a, sizeof *map) : NULL;
    if (!map) {
        vc_arena_free(a);
        vc_oom(err);
        return NULL;
    }
    loader L = {.a = a, .err = err, .dir = db->dir, .vendor = ppc64_vendor, .model = ppc64_model, .state = map};
    if (load_arch(&L, "ppc64") < 0) {
        vc_arena_free(a);
        return NULL;
    }
    db->ppc64_arena = a;
    db->ppc64 = map;
    return map;
}

/* ---- arm ---- */

static int arm_vendor(loader *L, const xmlNode *n, const char *name)
{
    vc_arm_map *map = L->state;
    uint64_t value = 0;
    if (num_attr(L, n, "value", 16, true, UINT64_MAX, &value) < 0)
        return -1;
    for (size_t i = 0; i < map->nvendors; i++) {
        if (strcmp(map->vendors[i].name, name) == 0)
            return vc_xml_file_fail(L->err, L->file, n, "CPU vendor %s already defined", name);
        if (map->vendors[i].value == value)
            return vc_xml_file_fail(L->err, L->file, n, "CPU vendor value 0x%02llx already defined",
                                    (unsigned long long)value);
    }
    vc_arm_vendor *v = VC_PUSH(L->a, map->vendors, map->nvendors);
    if (!v)
        return loom(L);
    *v = (vc_arm_vendor){.name = name, .value = value};
    return 0;
}

static int arm_feature(loader *L, const xmlNode *n, const char *name)
{
    vc_arm_map *map = L->state;
    for (size_t i = 0; i < map->nfeatures; i++)
        if (strcmp(map->features[i], name) == 0)
            return vc_xml_file_fail(L->err, L->file, n, "CPU feature %s already defined", name);
    const char **f = VC_PUSH(L->a, map->features, map->nfeatures);
    if (!f)
        return loom(L);
    *f = name;
    return 0;
}

static int arm_model(loader *L, const xmlNode *n, const char *name)
{
    vc_arm_map *map = L->state;
    for (size_t i = 0; i < map->nmodels; i++)
        if (strcmp(map->models[i].name, name) == 0)
            return vc_xml_file_fail(L->err, L->file, n, "CPU model %s already defined", name);
    vc_arm_model m = {.name = name};
    const xmlNode *pvr = NULL;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (vc_xml_is(c, "vendor") && !m.vendor) {
            char *v;
            if (need_attr(L, c, "name", &v) < 0)
                return -1;
            for (size_t i = 0; i < map->nvendors && !m.vendor; i++)
                if (strcmp(map->vendors[i].name, v) == 0)
                    m.vendor = &map->vendors[i];
            if (!m.vendor)
                return vc_xml_file_fail(L->err, L->file, c, "Unknown vendor %s referenced by CPU model %s", v, name);
        } else if (vc_xml_is(c, "pvr") && !pvr) {
            pvr = c;
        }
    }
    if (!pvr)
        return vc_xml_file_fail(L->err, L->file, n, "Missing PVR information for CPU model %s", name);
    if (num_attr(L, pvr, "value", 16, true, UINT64_MAX, &m.pvr) < 0)
        return -1;
    vc_arm_model *slot = VC_PUSH(L->a, map->models, map->nmodels);
    if (!slot)
        return loom(L);
    *slot = m;
    return 0;
}

const vc_arm_map *vc_cpu_db_arm(vc_cpu_db *db, vc_error *err)
{
    if (db->arm)
        return db->arm;
    vc_arena *a = vc_arena_new();
    vc_arm_map *map = a ? vc_alloc(a, sizeof *map) : NULL;
    if (!map) {
        vc_arena_free(a);
        vc_oom(err);
        return NULL;
    }
    loader L = {.a = a, .err = err, .dir = db->dir, .vendor = arm_vendor, .feature = arm_feature,
                .model = arm_model, .state = map};
    if (load_arch(&L, "arm") < 0) {
        vc_arena_free(a);
        return NULL;
    }
    db->arm_arena = a;
    db->arm = map;
    return map;
}
