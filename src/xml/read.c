/* Reads a capabilities document (any libvirt version's layout, or a
 * hand-written one) into the model. The bytes are untrusted: no network, no
 * DTDs, no entity expansion, libxml2's default depth and size limits, and
 * every value checked before it is kept. */
#include "base/hostfs.h"
#include "model/model.h"
#include "xml/internal.h"
#include "xml/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WARNINGS 50

typedef struct rctx {
    vc_caps *caps;      /* for warnings */
    vc_arena *a;
    vc_error *err;
    int nwarned;
} rctx;

bool vc_xml_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

int vc_xml_line(const xmlNode *n)
{
    return n ? (int)xmlGetLineNo(n) : 0;
}

static int vfail_at(vc_error *err, const char *file, const xmlNode *n, const char *fmt, va_list ap)
{
    char what[400];
    vsnprintf(what, sizeof what, fmt, ap);
    if (!file)
        return vc_fail(err, VC_EINPUT, "line %d: %s", vc_xml_line(n), what);
    if (!n)
        return vc_fail(err, VC_EINPUT, "%s: %s", file, what);
    return vc_fail(err, VC_EINPUT, "%s: line %d: %s", file, vc_xml_line(n), what);
}

int vc_xml_fail(vc_error *err, const xmlNode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(err, NULL, n, fmt, ap);
    va_end(ap);
    return -1;
}

int vc_xml_file_fail(vc_error *err, const char *file, const xmlNode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(err, file, n, fmt, ap);
    va_end(ap);
    return -1;
}

static int oom(rctx *r)
{
    return vc_oom(r->err);
}

static const char *name_of(const xmlNode *n)
{
    return (const char *)n->name;
}

static int warn(rctx *r, const xmlNode *n, const char *fmt, ...) VC_PRINTF(3, 4);
static int warn(rctx *r, const xmlNode *n, const char *fmt, ...)
{
    if (!r->caps || r->nwarned >= MAX_WARNINGS)
        return 0;
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    r->nwarned++;
    const char *more = r->nwarned == MAX_WARNINGS ? " (further warnings dropped)" : "";
    if (vc_caps_warn(r->caps, "line %d: %s%s", vc_xml_line(n), what, more) < 0)
        return oom(r);
    return 0;
}

static int unknown_child(rctx *r, const xmlNode *child, const xmlNode *parent)
{
    return warn(r, child, "ignored unknown element <%s> in <%s>", name_of(child), name_of(parent));
}

/* ---- values ---- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies s without surrounding whitespace into the arena. */
static char *trimmed(rctx *r, const char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n && is_space(s[n - 1]))
        n--;
    return vc_strndup(r->a, s, n);
}

/* Parses a non-negative decimal; attr names the attribute, NULL for the
 * element's text (messages are built only on failure). */
static int parse_int(rctx *r, const xmlNode *n, const char *attr, const char *s, int64_t *out)
{
    const char *p = s;
    while (is_space(*p))
        p++;
    if (*p == '+')
        p++;
    int64_t v = 0;
    bool digits = *p >= '0' && *p <= '9';
    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        if (v > (INT64_MAX - d) / 10) {
            v = -1;
            break;
        }
        v = v * 10 + d;
    }
    while (v >= 0 && is_space(*p))
        p++;
    if (digits && v >= 0 && !*p) {
        *out = v;
        return 0;
    }
    char what[96];
    if (attr)
        snprintf(what, sizeof what, "<%s> attribute %s", name_of(n), attr);
    else
        snprintf(what, sizeof what, "<%s>", name_of(n));
    if (v < 0)
        return vc_xml_fail(r->err, n, "%s: %s is out of range (at most %lld)", what, s, (long long)INT64_MAX);
    p = s;
    while (is_space(*p))
        p++;
    if (*p == '-')
        return vc_xml_fail(r->err, n, "%s: expected a non-negative integer, got '%s'", what, s);
    return vc_xml_fail(r->err, n, "%s: expected an integer, got '%s'", what, s);
}

/* Attribute value, or NULL when absent. The string is libxml2's; copy it. */
static const char *raw_attr(const xmlNode *n, const char *name, xmlChar **to_free)
{
    *to_free = NULL;
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, name) != 0)
            continue;
        if (!a->children)
            return "";
        if (!a->children->next && a->children->type == XML_TEXT_NODE && a->children->content)
            return (const char *)a->children->content;
        *to_free = xmlNodeListGetString(n->doc, a->children, 1);
        return *to_free ? (const char *)*to_free : "";
    }
    return NULL;
}

static int get_str(rctx *r, const xmlNode *n, const char *name, char **out)
{
    xmlChar *tf;
    const char *v = raw_attr(n, name, &tf);
    if (!v)
        return 0;
    *out = trimmed(r, v);
    xmlFree(tf);
    return *out ? 0 : oom(r);
}

static int get_int(rctx *r, const xmlNode *n, const char *name, int64_t *out)
{
    xmlChar *tf;
    const char *v = raw_attr(n, name, &tf);
    if (!v)
        return 0;
    int rc = parse_int(r, n, name, v, out);
    xmlFree(tf);
    return rc;
}

static int get_bool(rctx *r, const xmlNode *n, const char *name, const char *yes, const char *no, int8_t *out)
{
    xmlChar *tf;
    const char *v = raw_attr(n, name, &tf);
    if (!v)
        return 0;
    char *t = trimmed(r, v);
    xmlFree(tf);
    if (!t)
        return oom(r);
    if (strcmp(t, yes) == 0)
        *out = 1;
    else if (strcmp(t, no) == 0)
        *out = 0;
    else
        return vc_xml_fail(r->err, n, "<%s> attribute %s: expected '%s' or '%s', got '%s'",
                           name_of(n), name, yes, no, t);
    return 0;
}

/* Warns once per element about attributes the format does not have. */
static int check_attrs(rctx *r, const xmlNode *n, const char *const *known)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, (const char *)a->name) == 0;
        if (!ok && warn(r, n, "ignored unknown attribute %s of <%s>", a->name, name_of(n)) < 0)
            return -1;
    }
    return 0;
}

/* Text of an element that holds only text. */
static int get_text(rctx *r, const xmlNode *n, char **out)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return vc_xml_fail(r->err, c, "<%s> holds text, not <%s>", name_of(n), name_of(c));
    if (!n->children) {
        *out = trimmed(r, "");
        return *out ? 0 : oom(r);
    }
    if (!n->children->next && n->children->type == XML_TEXT_NODE && n->children->content) {
        *out = trimmed(r, (const char *)n->children->content);
        return *out ? 0 : oom(r);
    }
    xmlChar *content = xmlNodeGetContent(n);
    if (!content)
        return oom(r);
    *out = trimmed(r, (const char *)content);
    xmlFree(content);
    return *out ? 0 : oom(r);
}

static int get_text_int(rctx *r, const xmlNode *n, int64_t *out)
{
    char *s;
    if (get_text(r, n, &s) < 0)
        return -1;
    return parse_int(r, n, NULL, s, out);
}

/* Elements that may appear once. */
static int once(rctx *r, const xmlNode *n, const void *already)
{
    if (already)
        return vc_xml_fail(r->err, n, "<%s> appears twice in <%s>", name_of(n), name_of(n->parent));
    return 0;
}

static int once_flag(rctx *r, const xmlNode *n, bool *seen)
{
    if (*seen)
        return vc_xml_fail(r->err, n, "<%s> appears twice in <%s>", name_of(n), name_of(n->parent));
    *seen = true;
    return 0;
}

/* Non-blank text between child elements is a mistake worth reporting. */
static int stray_text(rctx *r, const xmlNode *c)
{
    if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
        return 0;
    for (const xmlChar *p = c->content; p && *p; p++)
        if (!is_space((char)*p))
            return vc_xml_fail(r->err, c, "unexpected text in <%s>", name_of(c->parent));
    return 0;
}

/* Loops over the element children of n as c; stray text fails the caller.
 * (c names a variable, so it cannot be parenthesised.) */
#define FOR_CHILDREN(c, n) \
    for (xmlNode *c = (n)->children; (c); (c) = (c)->next) /* NOLINT(bugprone-macro-parentheses) */ \
        if (stray_text(r, (c)) < 0) return -1; \
        else if ((c)->type == XML_ELEMENT_NODE)

static size_t count_children(const xmlNode *n, const char *name)
{
    size_t k = 0;
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && vc_xml_is(c, name))
            k++;
    return k;
}

/* Appends a zeroed element to an arena array, or fails with OOM. */
#define APPEND(r, arr, n) ({ __typeof__(arr) e_ = VC_PUSH((r)->a, arr, n); if (!e_) return oom(r); e_; })

/* ---- cpu ---- */

static const char *const cpu_attrs[] = {"mode", "match", "check", "migratable", NULL};

static int read_cpu(rctx *r, xmlNode *n, vc_cpu *cpu)
{
    cpu->line = vc_xml_line(n);
    if (get_str(r, n, "mode", &cpu->mode) < 0 || get_str(r, n, "match", &cpu->match) < 0 ||
        get_str(r, n, "check", &cpu->check) < 0 || get_str(r, n, "migratable", &cpu->migratable) < 0 ||
        check_attrs(r, n, cpu_attrs) < 0)
        return -1;
    bool seen_features = false;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "arch")) {
            if (once(r, c, cpu->arch) < 0 || get_text(r, c, &cpu->arch) < 0)
                return -1;
        } else if (vc_xml_is(c, "features")) {
            if (once_flag(r, c, &seen_features) < 0)
                return -1;
            FOR_CHILDREN(f, c) {
                char **slot = APPEND(r, cpu->legacy_features, cpu->nlegacy_features);
                if (!(*slot = vc_strdup(r->a, name_of(f))))
                    return oom(r);
            }
        } else if (vc_xml_is(c, "model")) {
            static const char *const known[] = {"fallback", "vendor_id", NULL};
            if (once(r, c, cpu->model) < 0 || get_text(r, c, &cpu->model) < 0 ||
                get_str(r, c, "fallback", &cpu->fallback) < 0 ||
                get_str(r, c, "vendor_id", &cpu->vendor_id) < 0 || check_attrs(r, c, known) < 0)
                return -1;
        } else if (vc_xml_is(c, "vendor")) {
            if (once(r, c, cpu->vendor) < 0 || get_text(r, c, &cpu->vendor) < 0)
                return -1;
        } else if (vc_xml_is(c, "microcode")) {
            static const char *const known[] = {"version", NULL};
            if (cpu->microcode != VC_UNSET)
                return once(r, c, c);
            if (get_int(r, c, "version", &cpu->microcode) < 0 || check_attrs(r, c, known) < 0)
                return -1;
            if (cpu->microcode == VC_UNSET)
                return vc_xml_fail(r->err, c, "<microcode> needs a version attribute");
        } else if (vc_xml_is(c, "signature")) {
            static const char *const known[] = {"family", "model", "stepping", NULL};
            if (once_flag(r, c, &cpu->has_signature) < 0 || get_int(r, c, "family", &cpu->sig_family) < 0 ||
                get_int(r, c, "model", &cpu->sig_model) < 0 || get_int(r, c, "stepping", &cpu->sig_stepping) < 0 ||
                check_attrs(r, c, known) < 0)
                return -1;
        } else if (vc_xml_is(c, "counter")) {
            static const char *const known[] = {"name", "frequency", "scaling", NULL};
            if (once_flag(r, c, &cpu->has_counter) < 0 || get_str(r, c, "name", &cpu->counter_name) < 0 ||
                get_int(r, c, "frequency", &cpu->counter_frequency) < 0 ||
                get_bool(r, c, "scaling", "yes", "no", &cpu->counter_scaling) < 0 || check_attrs(r, c, known) < 0)
                return -1;
        } else if (vc_xml_is(c, "topology")) {
            static const char *const known[] = {"sockets", "dies", "clusters", "cores", "threads", NULL};
            if (once_flag(r, c, &cpu->has_topology) < 0 || get_int(r, c, "sockets", &cpu->sockets) < 0 ||
                get_int(r, c, "dies", &cpu->dies) < 0 || get_int(r, c, "clusters", &cpu->clusters) < 0 ||
                get_int(r, c, "cores", &cpu->cores) < 0 || get_int(r, c, "threads", &cpu->threads) < 0 ||
                check_attrs(r, c, known) < 0)
                return -1;
        } else if (vc_xml_is(c, "maxphysaddr")) {
            static const char *const known[] = {"mode", "bits", "limit", NULL};
            if (once_flag(r, c, &cpu->has_maxphysaddr) < 0 || get_str(r, c, "mode", &cpu->addr_mode) < 0 ||
                get_int(r, c, "bits", &cpu->addr_bits) < 0 || get_int(r, c, "limit", &cpu->addr_limit) < 0 ||
                check_attrs(r, c, known) < 0)
                return -1;
        } else if (vc_xml_is(c, "feature")) {
            static const char *const known[] = {"name", "policy", NULL};
            vc_feature *f = APPEND(r, cpu->features, cpu->nfeatures);
            if (get_str(r, c, "name", &f->name) < 0 || get_str(r, c, "policy", &f->policy) < 0 ||
                check_attrs(r, c, known) < 0)
                return -1;
            if (!f->name)
                return vc_xml_fail(r->err, c, "<feature> needs a name attribute");
        } else if (vc_xml_is(c, "pages")) {
            static const char *const known[] = {"unit", "size", NULL};
            vc_pagesize *p = APPEND(r, cpu->pages, cpu->npages);
            p->size = VC_UNSET;
            if (get_str(r, c, "unit", &p->unit) < 0 || get_int(r, c, "size", &p->size) < 0 ||
                check_attrs(r, c, known) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- host topology ---- */

static int read_cell_cpus(rctx *r, xmlNode *n, vc_cell *cell)
{
    static const char *const known[] = {"num", NULL};
    static const char *const cpu_known[] = {"id", "socket_id", "die_id", "cluster_id", "core_id", "siblings", NULL};
    int64_t num = VC_UNSET;
    if (once_flag(r, n, &cell->has_cpus) < 0 || get_int(r, n, "num", &num) < 0 || check_attrs(r, n, known) < 0)
        return -1;
    size_t total = count_children(n, "cpu");
    if (num != VC_UNSET && (uint64_t)num != total)
        return vc_xml_fail(r->err, n, "<cpus num='%lld'> lists %zu <cpu> elements", (long long)num, total);
    if (total && !(cell->cpus = vc_array(r->a, total, sizeof *cell->cpus)))
        return oom(r);
    FOR_CHILDREN(c, n) {
        if (!vc_xml_is(c, "cpu")) {
            if (unknown_child(r, c, n) < 0)
                return -1;
            continue;
        }
        vc_cell_cpu *p = &cell->cpus[cell->ncpus++];
        p->line = vc_xml_line(c);
        p->id = p->socket_id = p->die_id = p->cluster_id = p->core_id = VC_UNSET;
        if (get_int(r, c, "id", &p->id) < 0 || get_int(r, c, "socket_id", &p->socket_id) < 0 ||
            get_int(r, c, "die_id", &p->die_id) < 0 || get_int(r, c, "cluster_id", &p->cluster_id) < 0 ||
            get_int(r, c, "core_id", &p->core_id) < 0 || get_str(r, c, "siblings", &p->siblings) < 0 ||
            check_attrs(r, c, cpu_known) < 0)
            return -1;
    }
    return 0;
}

static int read_scaled(rctx *r, xmlNode *n, vc_scaled *s)
{
    static const char *const known[] = {"value", "unit", NULL};
    s->value = VC_UNSET;
    return get_int(r, n, "value", &s->value) < 0 || get_str(r, n, "unit", &s->unit) < 0 ||
                   check_attrs(r, n, known) < 0
               ? -1
               : 0;
}

static int read_numa_cache(rctx *r, xmlNode *n, vc_cell *cell)
{
    static const char *const known[] = {"level", "associativity", "policy", NULL};
    vc_numa_cache *k = APPEND(r, cell->caches, cell->ncaches);
    k->line = vc_xml_line(n);
    k->level = VC_UNSET;
    if (get_int(r, n, "level", &k->level) < 0 || get_str(r, n, "associativity", &k->associativity) < 0 ||
        get_str(r, n, "policy", &k->policy) < 0 || check_attrs(r, n, known) < 0)
        return -1;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "size")) {
            if (once_flag(r, c, &k->has_size) < 0 || read_scaled(r, c, &k->size) < 0)
                return -1;
        } else if (vc_xml_is(c, "line")) {
            if (once_flag(r, c, &k->has_line) < 0 || read_scaled(r, c, &k->linesize) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_cell(rctx *r, xmlNode *n, vc_cell *cell)
{
    static const char *const known[] = {"id", NULL};
    cell->line = vc_xml_line(n);
    cell->id = VC_UNSET;
    if (get_int(r, n, "id", &cell->id) < 0 || check_attrs(r, n, known) < 0)
        return -1;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "memory")) {
            static const char *const mknown[] = {"unit", NULL};
            if (once_flag(r, c, &cell->has_memory) < 0 || get_str(r, c, "unit", &cell->memory.unit) < 0 ||
                get_text_int(r, c, &cell->memory.value) < 0 || check_attrs(r, c, mknown) < 0)
                return -1;
        } else if (vc_xml_is(c, "pages")) {
            static const char *const pknown[] = {"unit", "size", NULL};
            vc_cell_pages *p = APPEND(r, cell->pages, cell->npages);
            p->size = VC_UNSET;
            if (get_str(r, c, "unit", &p->unit) < 0 || get_int(r, c, "size", &p->size) < 0 ||
                get_text_int(r, c, &p->count) < 0 || check_attrs(r, c, pknown) < 0)
                return -1;
        } else if (vc_xml_is(c, "distances")) {
            if (once_flag(r, c, &cell->has_distances) < 0)
                return -1;
            FOR_CHILDREN(s, c) {
                static const char *const sknown[] = {"id", "value", NULL};
                if (!vc_xml_is(s, "sibling")) {
                    if (unknown_child(r, s, c) < 0)
                        return -1;
                    continue;
                }
                vc_distance *d = APPEND(r, cell->distances, cell->ndistances);
                d->id = d->value = VC_UNSET;
                if (get_int(r, s, "id", &d->id) < 0 || get_int(r, s, "value", &d->value) < 0 ||
                    check_attrs(r, s, sknown) < 0)
                    return -1;
            }
        } else if (vc_xml_is(c, "cache")) {
            if (read_numa_cache(r, c, cell) < 0)
                return -1;
        } else if (vc_xml_is(c, "cpus")) {
            if (read_cell_cpus(r, c, cell) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_interconnects(rctx *r, xmlNode *n, vc_topology *t)
{
    static const char *const known[] = {"initiator", "target", "cache", "type", "value", "unit", NULL};
    if (once_flag(r, n, &t->has_interconnects) < 0)
        return -1;
    FOR_CHILDREN(c, n) {
        vc_interconnect *ic;
        if (vc_xml_is(c, "latency"))
            ic = APPEND(r, t->latencies, t->nlatencies);
        else if (vc_xml_is(c, "bandwidth"))
            ic = APPEND(r, t->bandwidths, t->nbandwidths);
        else if (unknown_child(r, c, n) < 0)
            return -1;
        else
            continue;
        ic->line = vc_xml_line(c);
        ic->initiator = ic->target = ic->cache = ic->value = VC_UNSET;
        if (get_int(r, c, "initiator", &ic->initiator) < 0 || get_int(r, c, "target", &ic->target) < 0 ||
            get_int(r, c, "cache", &ic->cache) < 0 || get_str(r, c, "type", &ic->type) < 0 ||
            get_int(r, c, "value", &ic->value) < 0 || get_str(r, c, "unit", &ic->unit) < 0 ||
            check_attrs(r, c, known) < 0)
            return -1;
    }
    return 0;
}

static int read_topology(rctx *r, xmlNode *n, vc_host *h)
{
    if (once(r, n, h->topology) < 0)
        return -1;
    vc_topology *t = vc_alloc(r->a, sizeof *t);
    if (!t)
        return oom(r);
    h->topology = t;
    t->line = vc_xml_line(n);
    bool seen_cells = false;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "cells")) {
            static const char *const known[] = {"num", NULL};
            int64_t num = VC_UNSET;
            if (once_flag(r, c, &seen_cells) < 0 || get_int(r, c, "num", &num) < 0 || check_attrs(r, c, known) < 0)
                return -1;
            size_t total = count_children(c, "cell");
            if (num != VC_UNSET && (uint64_t)num != total)
                return vc_xml_fail(r->err, c, "<cells num='%lld'> lists %zu <cell> elements", (long long)num, total);
            if (total && !(t->cells = vc_array(r->a, total, sizeof *t->cells)))
                return oom(r);
            FOR_CHILDREN(cell, c) {
                if (!vc_xml_is(cell, "cell")) {
                    if (unknown_child(r, cell, c) < 0)
                        return -1;
                    continue;
                }
                if (read_cell(r, cell, &t->cells[t->ncells++]) < 0)
                    return -1;
            }
        } else if (vc_xml_is(c, "interconnects")) {
            if (read_interconnects(r, c, t) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    if (!seen_cells)
        return vc_xml_fail(r->err, n, "<topology> needs a <cells> element");
    return 0;
}

/* ---- resource control ---- */

static int read_control(rctx *r, xmlNode *n, vc_control **arr, size_t *count, bool cache)
{
    static const char *const cache_known[] = {"granularity", "min", "unit", "type", "maxAllocs", NULL};
    static const char *const bw_known[] = {"granularity", "min", "maxAllocs", NULL};
    vc_control *c = VC_PUSH(r->a, *arr, *count);
    if (!c)
        return oom(r);
    c->line = vc_xml_line(n);
    c->granularity = c->min = c->max_allocs = VC_UNSET;
    if (get_int(r, n, "granularity", &c->granularity) < 0 || get_int(r, n, "min", &c->min) < 0 ||
        get_int(r, n, "maxAllocs", &c->max_allocs) < 0 || get_str(r, n, "unit", &c->unit) < 0 ||
        get_str(r, n, "type", &c->type) < 0 || check_attrs(r, n, cache ? cache_known : bw_known) < 0)
        return -1;
    return 0;
}

/* The <control> children of a cache bank or a memory bandwidth node. */
static int read_controls(rctx *r, xmlNode *n, vc_control **arr, size_t *count, bool cache)
{
    FOR_CHILDREN(c, n) {
        if (!vc_xml_is(c, "control")) {
            if (unknown_child(r, c, n) < 0)
                return -1;
        } else if (read_control(r, c, arr, count, cache) < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_monitor(rctx *r, xmlNode *n, vc_monitor **out)
{
    static const char *const known[] = {"level", "reuseThreshold", "maxMonitors", NULL};
    if (once(r, n, *out) < 0)
        return -1;
    vc_monitor *m = vc_alloc(r->a, sizeof *m);
    if (!m)
        return oom(r);
    *out = m;
    m->line = vc_xml_line(n);
    m->level = m->reuse_threshold = m->max_monitors = VC_UNSET;
    if (get_int(r, n, "level", &m->level) < 0 || get_int(r, n, "reuseThreshold", &m->reuse_threshold) < 0 ||
        get_int(r, n, "maxMonitors", &m->max_monitors) < 0 || check_attrs(r, n, known) < 0)
        return -1;
    FOR_CHILDREN(c, n) {
        static const char *const fknown[] = {"name", NULL};
        if (!vc_xml_is(c, "feature")) {
            if (unknown_child(r, c, n) < 0)
                return -1;
            continue;
        }
        char **slot = APPEND(r, m->features, m->nfeatures);
        if (get_str(r, c, "name", slot) < 0 || check_attrs(r, c, fknown) < 0)
            return -1;
        if (!*slot)
            return vc_xml_fail(r->err, c, "<feature> needs a name attribute");
    }
    return 0;
}

static int read_cache(rctx *r, xmlNode *n, vc_host *h)
{
    static const char *const known[] = {"id", "level", "type", "size", "unit", "cpus", NULL};
    if (once(r, n, h->cache) < 0)
        return -1;
    vc_cache *k = vc_alloc(r->a, sizeof *k);
    if (!k)
        return oom(r);
    h->cache = k;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "bank")) {
            vc_bank *b = APPEND(r, k->banks, k->nbanks);
            b->line = vc_xml_line(c);
            b->id = b->level = b->size = VC_UNSET;
            if (get_int(r, c, "id", &b->id) < 0 || get_int(r, c, "level", &b->level) < 0 ||
                get_str(r, c, "type", &b->type) < 0 || get_int(r, c, "size", &b->size) < 0 ||
                get_str(r, c, "unit", &b->unit) < 0 || get_str(r, c, "cpus", &b->cpus) < 0 ||
                check_attrs(r, c, known) < 0)
                return -1;
            if (read_controls(r, c, &b->controls, &b->ncontrols, true) < 0)
                return -1;
        } else if (vc_xml_is(c, "monitor")) {
            if (read_monitor(r, c, &k->monitor) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_membw(rctx *r, xmlNode *n, vc_host *h)
{
    static const char *const known[] = {"id", "cpus", NULL};
    if (once(r, n, h->memory_bandwidth) < 0)
        return -1;
    vc_membw *m = vc_alloc(r->a, sizeof *m);
    if (!m)
        return oom(r);
    h->memory_bandwidth = m;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "node")) {
            vc_membw_node *nd = APPEND(r, m->nodes, m->nnodes);
            nd->line = vc_xml_line(c);
            nd->id = VC_UNSET;
            if (get_int(r, c, "id", &nd->id) < 0 || get_str(r, c, "cpus", &nd->cpus) < 0 ||
                check_attrs(r, c, known) < 0)
                return -1;
            if (read_controls(r, c, &nd->controls, &nd->ncontrols, false) < 0)
                return -1;
        } else if (vc_xml_is(c, "monitor")) {
            if (read_monitor(r, c, &m->monitor) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- host ---- */

static int read_secmodel(rctx *r, xmlNode *n, vc_host *h)
{
    vc_secmodel *m = APPEND(r, h->secmodels, h->nsecmodels);
    m->line = vc_xml_line(n);
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "model")) {
            if (once(r, c, m->model) < 0 || get_text(r, c, &m->model) < 0)
                return -1;
        } else if (vc_xml_is(c, "doi")) {
            if (once(r, c, m->doi) < 0 || get_text(r, c, &m->doi) < 0)
                return -1;
        } else if (vc_xml_is(c, "baselabel")) {
            static const char *const known[] = {"type", NULL};
            vc_baselabel *l = APPEND(r, m->labels, m->nlabels);
            if (get_str(r, c, "type", &l->type) < 0 || get_text(r, c, &l->label) < 0 ||
                check_attrs(r, c, known) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_migration(rctx *r, xmlNode *n, vc_host *h)
{
    if (once_flag(r, n, &h->has_migration) < 0)
        return -1;
    bool seen_live = false, seen_transports = false;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "live")) {
            if (once_flag(r, c, &seen_live) < 0)
                return -1;
            h->live_migration = true;
        } else if (vc_xml_is(c, "uri_transports")) {
            if (once_flag(r, c, &seen_transports) < 0)
                return -1;
            FOR_CHILDREN(t, c) {
                if (!vc_xml_is(t, "uri_transport")) {
                    if (unknown_child(r, t, c) < 0)
                        return -1;
                    continue;
                }
                char **slot = APPEND(r, h->uri_transports, h->nuri_transports);
                if (get_text(r, t, slot) < 0)
                    return -1;
            }
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_power(rctx *r, xmlNode *n, vc_host *h)
{
    if (once_flag(r, n, &h->has_power_management) < 0)
        return -1;
    FOR_CHILDREN(c, n) {
        bool *flag = vc_xml_is(c, "suspend_mem") ? &h->suspend_mem
                     : vc_xml_is(c, "suspend_disk") ? &h->suspend_disk
                     : vc_xml_is(c, "suspend_hybrid") ? &h->suspend_hybrid
                     : NULL;
        if (!flag) {
            if (unknown_child(r, c, n) < 0)
                return -1;
        } else if (once_flag(r, c, flag) < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_host(rctx *r, xmlNode *n, vc_host *h)
{
    h->line = vc_xml_line(n);
    bool seen_iommu = false;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "uuid")) {
            if (once(r, c, h->uuid) < 0 || get_text(r, c, &h->uuid) < 0)
                return -1;
        } else if (vc_xml_is(c, "cpu")) {
            if (once(r, c, h->cpu) < 0)
                return -1;
            if (!(h->cpu = vc_cpu_new(r->a)))
                return oom(r);
            if (read_cpu(r, c, h->cpu) < 0)
                return -1;
        } else if (vc_xml_is(c, "power_management")) {
            if (read_power(r, c, h) < 0)
                return -1;
        } else if (vc_xml_is(c, "iommu")) {
            static const char *const known[] = {"support", NULL};
            if (once_flag(r, c, &seen_iommu) < 0)
                return -1;
            h->iommu = 0;
            if (get_bool(r, c, "support", "yes", "no", &h->iommu) < 0 || check_attrs(r, c, known) < 0)
                return -1;
        } else if (vc_xml_is(c, "migration_features")) {
            if (read_migration(r, c, h) < 0)
                return -1;
        } else if (vc_xml_is(c, "netprefix")) {
            if (once(r, c, h->netprefix) < 0 || get_text(r, c, &h->netprefix) < 0)
                return -1;
        } else if (vc_xml_is(c, "topology")) {
            if (read_topology(r, c, h) < 0)
                return -1;
        } else if (vc_xml_is(c, "cache")) {
            if (read_cache(r, c, h) < 0)
                return -1;
        } else if (vc_xml_is(c, "memory_bandwidth")) {
            if (read_membw(r, c, h) < 0)
                return -1;
        } else if (vc_xml_is(c, "secmodel")) {
            if (read_secmodel(r, c, h) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    if (!h->cpu)
        return vc_xml_fail(r->err, n, "<host> needs a <cpu> element");
    return 0;
}

/* ---- guests ---- */

static int read_machine(rctx *r, xmlNode *n, vc_machine **arr, size_t *count)
{
    static const char *const known[] = {"canonical", "maxCpus", "deprecated", NULL};
    vc_machine *m = VC_PUSH(r->a, *arr, *count);
    if (!m)
        return oom(r);
    m->line = vc_xml_line(n);
    m->max_cpus = VC_UNSET;
    m->deprecated = VC_UNSET_B;
    if (get_text(r, n, &m->name) < 0 || get_str(r, n, "canonical", &m->canonical) < 0 ||
        get_int(r, n, "maxCpus", &m->max_cpus) < 0 ||
        get_bool(r, n, "deprecated", "yes", "no", &m->deprecated) < 0 || check_attrs(r, n, known) < 0)
        return -1;
    return 0;
}

static int read_domain(rctx *r, xmlNode *n, vc_guest *g)
{
    static const char *const known[] = {"type", NULL};
    vc_domain *d = APPEND(r, g->domains, g->ndomains);
    d->line = vc_xml_line(n);
    if (get_str(r, n, "type", &d->type) < 0 || check_attrs(r, n, known) < 0)
        return -1;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "emulator")) {
            if (once(r, c, d->emulator) < 0 || get_text(r, c, &d->emulator) < 0)
                return -1;
        } else if (vc_xml_is(c, "loader")) {
            if (once(r, c, d->loader) < 0 || get_text(r, c, &d->loader) < 0)
                return -1;
        } else if (vc_xml_is(c, "machine")) {
            if (read_machine(r, c, &d->machines, &d->nmachines) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_arch(rctx *r, xmlNode *n, vc_guest *g)
{
    static const char *const known[] = {"name", NULL};
    if (once(r, n, g->arch) < 0 || get_str(r, n, "name", &g->arch) < 0 || check_attrs(r, n, known) < 0)
        return -1;
    if (!g->arch)
        return vc_xml_fail(r->err, n, "<arch> needs a name attribute");
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "wordsize")) {
            if (g->wordsize != VC_UNSET)
                return once(r, c, c);
            if (get_text_int(r, c, &g->wordsize) < 0)
                return -1;
        } else if (vc_xml_is(c, "emulator")) {
            if (once(r, c, g->emulator) < 0 || get_text(r, c, &g->emulator) < 0)
                return -1;
        } else if (vc_xml_is(c, "loader")) {
            if (once(r, c, g->loader) < 0 || get_text(r, c, &g->loader) < 0)
                return -1;
        } else if (vc_xml_is(c, "machine")) {
            if (read_machine(r, c, &g->machines, &g->nmachines) < 0)
                return -1;
        } else if (vc_xml_is(c, "domain")) {
            if (read_domain(r, c, g) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_guest_features(rctx *r, xmlNode *n, vc_guest *g)
{
    static const char *const known[] = {"default", "toggle", NULL};
    if (once_flag(r, n, &g->has_features) < 0)
        return -1;
    FOR_CHILDREN(c, n) {
        int id = -1;
        for (int i = 0; i < VC_GF_COUNT && id < 0; i++)
            if (vc_xml_is(c, vc_guest_feature_names[i]))
                id = i;
        if (id < 0) {
            if (unknown_child(r, c, n) < 0)
                return -1;
            continue;
        }
        vc_guest_feature *f = &g->features[id];
        if (once_flag(r, c, &f->present) < 0 ||
            get_bool(r, c, "default", "on", "off", &f->default_on) < 0 ||
            get_bool(r, c, "toggle", "yes", "no", &f->toggle) < 0 || check_attrs(r, c, known) < 0)
            return -1;
    }
    return 0;
}

static int read_guest(rctx *r, xmlNode *n, vc_caps *caps)
{
    vc_guest *g = APPEND(r, caps->guests, caps->nguests);
    g->line = vc_xml_line(n);
    g->wordsize = VC_UNSET;
    for (int i = 0; i < VC_GF_COUNT; i++)
        g->features[i].default_on = g->features[i].toggle = VC_UNSET_B;
    bool seen_arch = false;
    FOR_CHILDREN(c, n) {
        if (vc_xml_is(c, "os_type")) {
            if (once(r, c, g->os_type) < 0 || get_text(r, c, &g->os_type) < 0)
                return -1;
        } else if (vc_xml_is(c, "arch")) {
            if (once_flag(r, c, &seen_arch) < 0 || read_arch(r, c, g) < 0)
                return -1;
        } else if (vc_xml_is(c, "features")) {
            if (read_guest_features(r, c, g) < 0)
                return -1;
        } else if (unknown_child(r, c, n) < 0) {
            return -1;
        }
    }
    if (!g->os_type)
        return vc_xml_fail(r->err, n, "<guest> needs an <os_type> element");
    if (!seen_arch)
        return vc_xml_fail(r->err, n, "<guest> needs an <arch> element");
    return 0;
}

/* ---- documents ---- */

/* A DOCTYPE is where entity tricks live; no capabilities document has one. */
/* What the parser's callbacks saw. */
typedef struct parse_state {
    bool had_dtd;
    bool oom; /* memory ran out at some point: a later error may hide it */
} parse_state;

static void note_error(void *ctx, xmlError *e)
{
    xmlParserCtxtPtr p = ctx;
    if (e && e->code == XML_ERR_NO_MEMORY && p && p->_private)
        ((parse_state *)p->_private)->oom = true;
}

static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name;
    (void)ext;
    (void)sys;
    xmlParserCtxtPtr p = ctx;
    ((parse_state *)p->_private)->had_dtd = true;
    xmlStopParser(p);
}

static xmlDocPtr parse_doc(const char *data, size_t len, bool keep_blanks, vc_error *err)
{
    if (len > VC_XML_MAX_BYTES) {
        vc_fail(err, VC_ELIMIT, "document is %zu bytes, over the limit of %zu", len, VC_XML_MAX_BYTES);
        return NULL;
    }
    const char *nul = memchr(data, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *p = data; p < nul; p++)
            line += *p == '\n';
        vc_fail(err, VC_EINPUT, "line %d: the document contains a NUL byte", line);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        vc_oom(err);
        return NULL;
    }
    parse_state st = {false, false};
    ctxt->_private = &st;
    ctxt->sax->serror = note_error;
    ctxt->sax->internalSubset = refuse_dtd;
    ctxt->sax->externalSubset = refuse_dtd;
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_COMPACT |
               (keep_blanks ? 0 : XML_PARSE_NOBLANKS);
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL, opts);
    if (st.had_dtd) {
        vc_fail(err, VC_EINPUT, "line %d: DOCTYPE declarations are not accepted", ctxt->input ? ctxt->input->line : 0);
        xmlFreeDoc(doc);
        doc = NULL;
    } else if (!doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        if (st.oom || ctxt->errNo == XML_ERR_NO_MEMORY || (e && e->code == XML_ERR_NO_MEMORY) ||
            (!doc && !(e && e->message))) {
            /* libxml2 records no message when memory ran out early */
            vc_oom(err);
        } else if (e && e->message) {
            char msg[300];
            snprintf(msg, sizeof msg, "%s", e->message);
            msg[strcspn(msg, "\n")] = '\0';
            size_t n = strlen(msg);
            while (n && msg[n - 1] == ' ')
                msg[--n] = '\0';
            vc_fail(err, e->code == XML_ERR_NO_MEMORY ? VC_ENOMEM : VC_EINPUT, "line %d: %s", e->line, msg);
        } else {
            vc_fail(err, VC_EINPUT, "line 1: not an XML document");
        }
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* Blank lines after the closing tag's own newline are kept so that a
 * document virsh printed formats back to the same bytes. */
static int keep_trailer(rctx *r, const char *data, size_t len)
{
    size_t end = len;
    while (end > 0 && is_space(data[end - 1]))
        end--;
    if (end == 0 || data[end - 1] != '>' || end >= len || data[end] != '\n' || end + 1 == len)
        return 0;
    for (size_t i = end + 1; i < len; i++)
        if (data[i] != '\n')
            return 0;
    if (!(r->caps->trailer = vc_strndup(r->a, data + end + 1, len - end - 1)))
        return oom(r);
    return 0;
}

vc_caps *vc_xml_read(const char *data, size_t len, vc_error *err)
{
    if (len > (size_t)INT_MAX)
        len = (size_t)INT_MAX; /* parse_doc refuses it: over the byte limit */
    xmlDocPtr doc = parse_doc(data, len, false, err);
    if (!doc)
        return NULL;
    vc_caps *caps = vc_caps_new();
    if (!caps) {
        xmlFreeDoc(doc);
        vc_oom(err);
        return NULL;
    }
    rctx r = {.caps = caps, .a = caps->arena, .err = err};
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc = -1;
    if (!root) {
        vc_fail(err, VC_EINPUT, "line 1: the document has no root element");
    } else if (!vc_xml_is(root, "capabilities")) {
        vc_xml_fail(r.err, root, "the root element is <%s>, expected <capabilities>", name_of(root));
    } else {
        bool seen_host = false;
        rc = 0;
        for (xmlNode *c = root->children; c && rc == 0; c = c->next) {
            if (stray_text(&r, c) < 0)
                rc = -1;
            else if (c->type != XML_ELEMENT_NODE)
                continue;
            else if (vc_xml_is(c, "host"))
                rc = once_flag(&r, c, &seen_host) < 0 || read_host(&r, c, &caps->host) < 0 ? -1 : 0;
            else if (vc_xml_is(c, "guest"))
                rc = read_guest(&r, c, caps);
            else
                rc = unknown_child(&r, c, root);
        }
        if (rc == 0 && !seen_host)
            rc = vc_xml_fail(r.err, root, "<capabilities> needs a <host> element");
        if (rc == 0)
            rc = keep_trailer(&r, data, len);
        if (rc == 0)
            rc = vc_caps_validate(caps, err);
    }
    xmlFreeDoc(doc);
    if (rc < 0) {
        vc_caps_free(caps);
        return NULL;
    }
    return caps;
}

void *vc_xml_read_path(const char *path, vc_xml_reader *read, vc_error *err)
{
    size_t len;
    char *data = vc_read_file(path, VC_XML_MAX_BYTES, &len, err);
    if (!data)
        return NULL;
    void *model = read(data, len, err);
    free(data);
    if (!model && err->code != VC_ENOMEM) {
        char msg[sizeof err->msg + 512];
        snprintf(msg, sizeof msg, "%s: %s", path, err->msg);
        snprintf(err->msg, sizeof err->msg, "%.*s", (int)sizeof err->msg - 1, msg);
    }
    return model;
}

static void *read_caps(const char *data, size_t len, vc_error *err)
{
    return vc_xml_read(data, len, err);
}

vc_caps *vc_xml_read_file(const char *path, vc_error *err)
{
    return vc_xml_read_path(path, read_caps, err);
}

static int read_cpu_into(rctx *r, xmlNode *n, vc_cpu ***out, size_t *count)
{
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    vc_cpu **slot = VC_PUSH(r->a, *out, *count);
    if (!slot || !(*slot = vc_cpu_new(r->a)))
        return oom(r);
    return read_cpu(r, n, *slot);
}

/* A capabilities document stands for its host's CPU. */
static int read_host_cpu(rctx *r, xmlNode *caps, vc_cpu ***out, size_t *count)
{
    for (xmlNode *h = caps->children; h; h = h->next) {
        if (h->type != XML_ELEMENT_NODE || !vc_xml_is(h, "host"))
            continue;
        for (xmlNode *c = h->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && vc_xml_is(c, "cpu"))
                return read_cpu_into(r, c, out, count);
    }
    return vc_xml_fail(r->err, caps, "no <host><cpu> element in <capabilities>");
}

/* Standalone CPU documents: a <cpu> root, a root holding <cpu> children
 * (the reference's cpu test files wrap several in <cpuTest>) or
 * capabilities documents, or a capabilities document (its host's <cpu>). */
vc_cpu **vc_xml_read_cpus(const char *data, size_t len, vc_arena *a, size_t *ncpus, vc_error *err)
{
    *ncpus = 0;
    xmlDocPtr doc = parse_doc(data, len > (size_t)INT_MAX ? (size_t)INT_MAX : len, false, err);
    if (!doc)
        return NULL;
    rctx r = {.a = a, .err = err};
    xmlNode *root = xmlDocGetRootElement(doc);
    vc_cpu **out = NULL;
    size_t n = 0;
    int rc = 0;
    if (!root) {
        rc = vc_fail(err, VC_EINPUT, "line 1: the document has no root element");
    } else if (vc_xml_is(root, "cpu")) {
        rc = read_cpu_into(&r, root, &out, &n);
    } else if (vc_xml_is(root, "capabilities")) {
        rc = read_host_cpu(&r, root, &out, &n);
    } else {
        /* <cpuTest> and the like, and several documents wrapped in one */
        for (xmlNode *c = root->children; c && rc == 0; c = c->next) {
            if (c->type != XML_ELEMENT_NODE)
                continue;
            if (vc_xml_is(c, "cpu"))
                rc = read_cpu_into(&r, c, &out, &n);
            else if (vc_xml_is(c, "capabilities"))
                rc = read_host_cpu(&r, c, &out, &n);
        }
        if (rc == 0 && n == 0)
            rc = vc_xml_fail(r.err, root, "no <cpu> element in <%s>", name_of(root));
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[32];
        snprintf(path, sizeof path, "cpu[%zu]", i + 1);
        rc = vc_cpu_validate(out[i], n > 1 ? path : "cpu", err);
    }
    xmlFreeDoc(doc);
    if (rc < 0)
        return NULL;
    *ncpus = n;
    return out;
}

xmlDocPtr vc_xml_parse_doc(const char *data, size_t len, vc_error *err)
{
    return parse_doc(data, len > (size_t)INT_MAX ? (size_t)INT_MAX : len, true, err);
}
