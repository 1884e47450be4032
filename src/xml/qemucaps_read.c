/* Reads the reference's QEMU capabilities cache file (libvirt 9.0.0's
 * virQEMUCapsLoadCache format, <qemuCaps>) into the QEMU capabilities
 * model. The bytes are untrusted: the capabilities reader's parser settings
 * and size limit, a bound on the number of items, every number and yes/no
 * checked, errors naming the line. Elements the model has no place for
 * (timestamps, kvmVersion, ...) are passed over, as a newer cache may add
 * some. */
#include "model/qemucaps.h"
#include "xml/internal.h"
#include "xml/xml.h"

#include <errno.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

typedef struct rctx {
    vc_qemucaps *qc;
    vc_arena *a;
    vc_error *err;
    size_t items;
} rctx;

static const char *name_of(const xmlNode *n)
{
    return (const char *)n->name;
}

static int count_item(rctx *r, const xmlNode *x)
{
    if (++r->items > VC_QEMUCAPS_MAX_ITEMS) {
        vc_xml_fail(r->err, x, "more than %d items in <qemuCaps>", VC_QEMUCAPS_MAX_ITEMS);
        r->err->code = VC_ELIMIT;
        return -1;
    }
    return 0;
}

/* The value of attribute name (no namespace) in the arena, NULL in *out
 * when absent; -1 on OOM. */
static int attr(rctx *r, const xmlNode *x, const char *name, char **out)
{
    *out = NULL;
    for (const xmlAttr *at = x->properties; at; at = at->next) {
        if (at->ns || strcmp((const char *)at->name, name) != 0)
            continue;
        xmlChar *s = xmlNodeListGetString(at->doc, at->children, 1);
        *out = vc_strdup(r->a, s ? (const char *)s : "");
        xmlFree(s);
        return *out ? 0 : vc_oom(r->err);
    }
    return 0;
}

static int need_attr(rctx *r, const xmlNode *x, const char *name, char **out)
{
    if (attr(r, x, name, out) < 0)
        return -1;
    if (!*out)
        return vc_xml_fail(r->err, x, "<%s> lacks its %s attribute", name_of(x), name);
    return 0;
}

/* The element's text (element children refused). */
static int text(rctx *r, const xmlNode *x, char **out)
{
    for (const xmlNode *c = x->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return vc_xml_fail(r->err, c, "<%s> holds text only, found <%s>", name_of(x), name_of(c));
    xmlChar *s = xmlNodeGetContent(x);
    *out = vc_strdup(r->a, s ? (const char *)s : "");
    xmlFree(s);
    return *out ? 0 : vc_oom(r->err);
}

/* A decimal number 0..max, the whole string. */
static int number(rctx *r, const xmlNode *x, const char *what, const char *s, unsigned long long max,
                  unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = (s[0] >= '0' && s[0] <= '9') ? strtoull(s, &end, 10) : 0;
    if (!(s[0] >= '0' && s[0] <= '9') || *end || errno || v > max)
        return vc_xml_fail(r->err, x, "<%s> %s '%.64s' is not a whole number from 0 to %llu", name_of(x), what, s,
                           max);
    *out = v;
    return 0;
}

static int num_attr(rctx *r, const xmlNode *x, const char *name, bool required, unsigned long long max,
                    unsigned long long *out)
{
    char *s;
    if ((required ? need_attr(r, x, name, &s) : attr(r, x, name, &s)) < 0)
        return -1;
    *out = 0;
    return s ? number(r, x, name, s, max, out) : 0;
}

static int num_text(rctx *r, const xmlNode *x, unsigned long long max, unsigned long long *out)
{
    char *s;
    if (text(r, x, &s) < 0)
        return -1;
    return number(r, x, "text", s, max, out);
}

/* yes/no; absent gives dflt. */
static int yesno_attr(rctx *r, const xmlNode *x, const char *name, int dflt, int *out)
{
    char *s;
    if (attr(r, x, name, &s) < 0)
        return -1;
    *out = dflt;
    if (!s)
        return 0;
    if (strcmp(s, "yes") == 0)
        *out = 1;
    else if (strcmp(s, "no") == 0)
        *out = 0;
    else
        return vc_xml_fail(r->err, x, "<%s> %s='%.64s' is neither yes nor no", name_of(x), name, s);
    return 0;
}

static int yesno_text(rctx *r, const xmlNode *x, bool *out)
{
    char *s;
    if (text(r, x, &s) < 0)
        return -1;
    if (strcmp(s, "yes") != 0 && strcmp(s, "no") != 0)
        return vc_xml_fail(r->err, x, "<%s> '%.64s' is neither yes nor no", name_of(x), s);
    *out = s[0] == 'y';
    return 0;
}

/* The accelerator an entry belongs to; -2 for one the model does not keep
 * (hvf), -1 on error. */
static int accel_of(rctx *r, const xmlNode *x)
{
    char *t;
    if (need_attr(r, x, "type", &t) < 0)
        return -1;
    if (strcmp(t, "kvm") == 0)
        return QC_KVM;
    if (strcmp(t, "tcg") == 0)
        return QC_TCG;
    if (strcmp(t, "hvf") == 0)
        return -2;
    return vc_xml_fail(r->err, x, "<%s> type='%.64s' is not kvm, tcg or hvf", name_of(x), t);
}

static int read_machine(rctx *r, const xmlNode *x, qc_accel_caps *ac)
{
    qc_machine *m = VC_PUSH(r->a, ac->machines, ac->nmachines);
    if (!m)
        return vc_oom(r->err);
    unsigned long long max;
    int hotplug, dflt, numa, depr, acpi;
    if (need_attr(r, x, "name", &m->name) < 0 || attr(r, x, "alias", &m->alias) < 0 ||
        num_attr(r, x, "maxCpus", false, UINT32_MAX, &max) < 0 || yesno_attr(r, x, "hotplugCpus", 0, &hotplug) < 0 ||
        yesno_attr(r, x, "default", 0, &dflt) < 0 || yesno_attr(r, x, "numaMemSupported", 0, &numa) < 0 ||
        yesno_attr(r, x, "deprecated", 0, &depr) < 0 || yesno_attr(r, x, "acpi", -1, &acpi) < 0 ||
        attr(r, x, "defaultCPU", &m->default_cpu) < 0 || attr(r, x, "defaultRAMid", &m->default_ram_id) < 0)
        return -1;
    m->max_cpus = (unsigned)max;
    m->hotplug_cpus = hotplug;
    m->is_default = dflt;
    m->numa_mem_supported = numa;
    m->deprecated = depr;
    m->acpi_set = acpi >= 0;
    m->acpi = acpi == 1;
    return 0;
}

static int read_cpu(rctx *r, const xmlNode *x, qc_accel_caps *ac)
{
    qc_cpu_model *c = VC_PUSH(r->a, ac->cpus, ac->ncpus);
    if (!c)
        return vc_oom(r->err);
    int depr;
    char *usable;
    if (need_attr(r, x, "name", &c->name) < 0 || attr(r, x, "typename", &c->type_name) < 0 ||
        attr(r, x, "usable", &usable) < 0 || yesno_attr(r, x, "deprecated", 0, &depr) < 0)
        return -1;
    c->deprecated = depr;
    c->usable = -1;
    if (usable && strcmp(usable, "yes") == 0)
        c->usable = 1;
    else if (usable && strcmp(usable, "no") == 0)
        c->usable = 0;
    else if (usable)
        return vc_xml_fail(r->err, x, "<cpu> usable='%.64s' is neither yes nor no", usable);
    for (const xmlNode *b = x->children; b; b = b->next) {
        if (b->type != XML_ELEMENT_NODE)
            continue;
        if (!vc_xml_is(b, "blocker"))
            return vc_xml_fail(r->err, b, "<cpu> holds <blocker> elements only, found <%s>", name_of(b));
        char **slot = VC_PUSH(r->a, c->blockers, c->nblockers);
        if (!slot)
            return vc_oom(r->err);
        if (count_item(r, b) < 0 || need_attr(r, b, "name", slot) < 0)
            return -1;
    }
    return 0;
}

static int read_property(rctx *r, const xmlNode *x, qc_host_cpu *h)
{
    qc_prop *p = VC_PUSH(r->a, h->props, h->nprops);
    if (!p)
        return vc_oom(r->err);
    char *type, *value;
    if (need_attr(r, x, "name", &p->name) < 0 || need_attr(r, x, "type", &type) < 0 ||
        need_attr(r, x, "value", &value) < 0 || yesno_attr(r, x, "migratable", -1, &p->migratable) < 0)
        return -1;
    if (strcmp(type, "boolean") == 0) {
        p->type = QC_PROP_BOOL;
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            return vc_xml_fail(r->err, x, "<property> value='%.64s' is neither true nor false", value);
        p->b = value[0] == 't';
    } else if (strcmp(type, "string") == 0) {
        p->type = QC_PROP_STRING;
        p->s = value;
    } else if (strcmp(type, "number") == 0) {
        p->type = QC_PROP_NUMBER;
        char *end;
        errno = 0;
        p->n = strtoll(value, &end, 10);
        if (!*value || *end || errno)
            return vc_xml_fail(r->err, x, "<property> value='%.64s' is not a number", value);
    } else {
        return vc_xml_fail(r->err, x, "<property> type='%.64s' is not boolean, string or number", type);
    }
    return 0;
}

static int read_host_cpu(rctx *r, const xmlNode *x, qc_host_cpu *h)
{
    if (h->model)
        return vc_xml_fail(r->err, x, "a second <hostCPU> for the same accelerator");
    int mig;
    if (need_attr(r, x, "model", &h->model) < 0 || yesno_attr(r, x, "migratability", 0, &mig) < 0)
        return -1;
    h->migratability = mig;
    for (const xmlNode *p = x->children; p; p = p->next) {
        if (p->type != XML_ELEMENT_NODE)
            continue;
        if (!vc_xml_is(p, "property"))
            return vc_xml_fail(r->err, p, "<hostCPU> holds <property> elements only, found <%s>", name_of(p));
        if (count_item(r, p) < 0 || read_property(r, p, h) < 0)
            return -1;
    }
    return 0;
}

static int read_gic(rctx *r, const xmlNode *x)
{
    qc_gic *g = VC_PUSH(r->a, r->qc->gic, r->qc->ngic);
    if (!g)
        return vc_oom(r->err);
    unsigned long long v;
    int kernel, emulated;
    if (num_attr(r, x, "version", true, UINT32_MAX, &v) < 0 || yesno_attr(r, x, "kernel", 0, &kernel) < 0 ||
        yesno_attr(r, x, "emulated", 0, &emulated) < 0)
        return -1;
    g->version = (unsigned)v;
    g->kernel = kernel;
    g->emulated = emulated;
    return 0;
}

static int read_sev(rctx *r, const xmlNode *x)
{
    qc_sev *s = &r->qc->sev;
    s->present = true;
    bool cbit = false, reduced = false;
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        unsigned long long v;
        if (vc_xml_is(c, "cbitpos")) {
            if (num_text(r, c, UINT32_MAX, &v) < 0)
                return -1;
            s->cbitpos = (unsigned)v;
            cbit = true;
        } else if (vc_xml_is(c, "reducedPhysBits")) {
            if (num_text(r, c, UINT32_MAX, &v) < 0)
                return -1;
            s->reduced_phys_bits = (unsigned)v;
            reduced = true;
        } else if (vc_xml_is(c, "pdh")) {
            if (text(r, c, &s->pdh) < 0)
                return -1;
        } else if (vc_xml_is(c, "certChain")) {
            if (text(r, c, &s->cert_chain) < 0)
                return -1;
        }
    }
    if (!cbit || !reduced)
        return vc_xml_fail(r->err, x, "<sev> lacks <cbitpos> or <reducedPhysBits>");
    return 0;
}

static int read_sgx_sections(rctx *r, const xmlNode *x, qc_sgx *s)
{
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!vc_xml_is(c, "section"))
            return vc_xml_fail(r->err, c, "<sections> holds <section> elements only, found <%s>", name_of(c));
        qc_sgx_section *sec = VC_PUSH(r->a, s->sections, s->nsections);
        if (!sec)
            return vc_oom(r->err);
        if (count_item(r, c) < 0 || num_attr(r, c, "node", true, UINT32_MAX, &sec->node) < 0 ||
            num_attr(r, c, "size", true, INT64_MAX, &sec->size_kib) < 0)
            return -1;
    }
    return 0;
}

/* supported='yes' of <sgx> and <hypervCapabilities> */
static int supported_attr(rctx *r, const xmlNode *x, bool *present)
{
    int supported;
    if (yesno_attr(r, x, "supported", 0, &supported) < 0)
        return -1;
    *present = supported;
    return 0;
}

static int read_sgx(rctx *r, const xmlNode *x)
{
    qc_sgx *s = &r->qc->sgx;
    if (supported_attr(r, x, &s->present) < 0)
        return -1;
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int rc = 0;
        if (vc_xml_is(c, "flc"))
            rc = yesno_text(r, c, &s->flc);
        else if (vc_xml_is(c, "sgx1"))
            rc = yesno_text(r, c, &s->sgx1);
        else if (vc_xml_is(c, "sgx2"))
            rc = yesno_text(r, c, &s->sgx2);
        else if (vc_xml_is(c, "section_size"))
            rc = num_text(r, c, INT64_MAX, &s->section_size_kib);
        else if (vc_xml_is(c, "sections"))
            rc = read_sgx_sections(r, c, s);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int read_hyperv(rctx *r, const xmlNode *x)
{
    qc_hyperv *h = &r->qc->hyperv;
    if (supported_attr(r, x, &h->present) < 0)
        return -1;
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!vc_xml_is(c, "cap"))
            return vc_xml_fail(r->err, c, "<hypervCapabilities> holds <cap> elements only, found <%s>", name_of(c));
        char **slot = VC_PUSH(r->a, h->features, h->nfeatures);
        if (!slot)
            return vc_oom(r->err);
        if (count_item(r, c) < 0 || need_attr(r, c, "name", slot) < 0)
            return -1;
    }
    return 0;
}

static int compare_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_version(rctx *r, const xmlNode *x)
{
    unsigned long long v;
    if (num_text(r, x, UINT32_MAX, &v) < 0)
        return -1;
    r->qc->version = (unsigned)v;
    return 0;
}

static int read_child(rctx *r, const xmlNode *c)
{
    vc_qemucaps *qc = r->qc;
    if (vc_xml_is(c, "flag")) {
        char **slot = VC_PUSH(r->a, qc->flags, qc->nflags);
        return slot ? need_attr(r, c, "name", slot) : vc_oom(r->err);
    }
    if (vc_xml_is(c, "machine") || vc_xml_is(c, "cpu") || vc_xml_is(c, "hostCPU")) {
        int acc = accel_of(r, c);
        if (acc < 0)
            return acc == -2 ? 0 : -1;
        qc_accel_caps *ac = &qc->accel[acc];
        if (vc_xml_is(c, "machine"))
            return read_machine(r, c, ac);
        return vc_xml_is(c, "cpu") ? read_cpu(r, c, ac) : read_host_cpu(r, c, &ac->host_cpu);
    }
    if (vc_xml_is(c, "emulator"))
        return text(r, c, &qc->emulator);
    if (vc_xml_is(c, "arch"))
        return text(r, c, &qc->arch);
    if (vc_xml_is(c, "package"))
        return text(r, c, &qc->package);
    if (vc_xml_is(c, "version"))
        return read_version(r, c);
    if (vc_xml_is(c, "gic"))
        return read_gic(r, c);
    if (vc_xml_is(c, "sev"))
        return read_sev(r, c);
    if (vc_xml_is(c, "sgx"))
        return read_sgx(r, c);
    if (vc_xml_is(c, "hypervCapabilities"))
        return read_hyperv(r, c);
    return 0;
}

static int read_root(rctx *r, const xmlNode *root)
{
    bool have_arch = false;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (count_item(r, c) < 0 || read_child(r, c) < 0)
            return -1;
        have_arch = have_arch || vc_xml_is(c, "arch");
    }
    if (!have_arch || !r->qc->arch[0])
        return vc_xml_fail(r->err, root, "<qemuCaps> names no <arch>");
    vc_qemucaps *qc = r->qc;
    if (qc->nflags) {
        qsort(qc->flags, qc->nflags, sizeof *qc->flags, compare_str);
        size_t n = 1;
        for (size_t i = 1; i < qc->nflags; i++)
            if (strcmp(qc->flags[i], qc->flags[n - 1]) != 0)
                qc->flags[n++] = qc->flags[i];
        qc->nflags = n;
    }
    qc->kvm_supported = vc_qemucaps_has(qc, "kvm");
    return 0;
}

vc_qemucaps *vc_qemucaps_read(const char *data, size_t len, vc_error *err)
{
    xmlDocPtr doc = vc_xml_parse_doc(data, len, err);
    if (!doc)
        return NULL;
    vc_qemucaps *qc = vc_qemucaps_new();
    if (!qc) {
        xmlFreeDoc(doc);
        vc_oom(err);
        return NULL;
    }
    rctx r = {.qc = qc, .a = qc->arena, .err = err};
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc = -1;
    if (!root)
        vc_fail(err, VC_EINPUT, "line 1: the document has no root element");
    else if (!vc_xml_is(root, "qemuCaps") || root->ns)
        vc_xml_fail(err, root, "the root element is <%s>, expected <qemuCaps>", name_of(root));
    else
        rc = read_root(&r, root);
    xmlFreeDoc(doc);
    if (rc < 0) {
        vc_qemucaps_free(qc);
        return NULL;
    }
    return qc;
}

static void *read_qemucaps(const char *data, size_t len, vc_error *err)
{
    return vc_qemucaps_read(data, len, err);
}

vc_qemucaps *vc_qemucaps_read_file(const char *path, vc_error *err)
{
    return vc_xml_read_path(path, read_qemucaps, err);
}
