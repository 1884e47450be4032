/* Reads what placement checks need from a libvirt domain definition: its
 * type, OS type, arch and machine, emulator, vCPUs, memory, guest NUMA cells,
 * huge pages and NUMA tuning. Everything else in the document is ignored;
 * what is read is checked as libvirt checks it. */
#include "base/idset.h"
#include "xml/internal.h"
#include "xml/xml.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct dctx {
    vc_arena *a;
    vc_error *err;
} dctx;

static xmlNode *child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (vc_xml_is(c, name))
            return c;
    return NULL;
}

/* An attribute or the element's text, trimmed, in the arena; NULL when absent. */
static int copy_trimmed(dctx *d, xmlChar *v, char **out)
{
    if (!v)
        return 0;
    const char *s = (const char *)v;
    s += strspn(s, " \t\r\n");
    size_t n = strlen(s);
    while (n && strchr(" \t\r\n", s[n - 1]))
        n--;
    *out = vc_strndup(d->a, s, n);
    xmlFree(v);
    return *out ? 0 : vc_oom(d->err);
}

static int attr(dctx *d, const xmlNode *n, const char *name, char **out)
{
    *out = NULL;
    return n ? copy_trimmed(d, xmlGetNoNsProp(n, (const xmlChar *)name), out) : 0;
}

static int text(dctx *d, const xmlNode *n, char **out)
{
    *out = NULL;
    return n ? copy_trimmed(d, xmlNodeGetContent(n), out) : 0;
}

static int parse_int(dctx *d, const xmlNode *n, const char *what, const char *s, int64_t *out)
{
    const char *p = s;
    int64_t v = 0;
    if (*p < '0' || *p > '9')
        return vc_xml_fail(d->err, n, "%s: expected a non-negative integer, got '%s'", what, s);
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (INT64_MAX - (*p - '0')) / 10)
            return vc_xml_fail(d->err, n, "%s: %s is out of range", what, s);
        v = v * 10 + (*p - '0');
    }
    if (*p)
        return vc_xml_fail(d->err, n, "%s: expected a non-negative integer, got '%s'", what, s);
    *out = v;
    return 0;
}

static int int_attr(dctx *d, const xmlNode *n, const char *name, int64_t *out)
{
    char *v;
    *out = VC_UNSET;
    if (attr(d, n, name, &v) < 0)
        return -1;
    if (!v)
        return 0;
    char what[96];
    snprintf(what, sizeof what, "<%s> attribute %s", n->name, name);
    return parse_int(d, n, what, v, out);
}

/* libvirt's units: b/bytes, then k m g t p e alone or with iB (powers of
 * 1024) or with B (powers of 1000), case-insensitive. */
static int unit_scale(const char *unit, int64_t dflt, int64_t *scale)
{
    if (!unit || !*unit) {
        *scale = dflt;
        return 0;
    }
    if (strcasecmp(unit, "b") == 0 || strcasecmp(unit, "byte") == 0 || strcasecmp(unit, "bytes") == 0) {
        *scale = 1;
        return 0;
    }
    const char *powers = "kmgtpe";
    const char *at = strchr(powers, unit[0] | 0x20);
    if (!at || !unit[0])
        return -1;
    int64_t base;
    if (unit[1] == '\0' || strcasecmp(unit + 1, "iB") == 0)
        base = 1024;
    else if (strcasecmp(unit + 1, "B") == 0)
        base = 1000;
    else
        return -1;
    *scale = 1;
    for (const char *p = powers; p <= at; p++)
        *scale *= base;
    return 0;
}

/* A size in KiB, rounded up, from a value and its unit (KiB by default). */
static int scaled_kib(dctx *d, const xmlNode *n, const char *what, const char *value, const char *unit, int64_t *kib)
{
    int64_t v = 0, scale = 1;
    if (parse_int(d, n, what, value, &v) < 0)
        return -1;
    if (unit_scale(unit, 1024, &scale) < 0)
        return vc_xml_fail(d->err, n, "%s: unknown unit '%s'", what, unit);
    if (v > INT64_MAX / scale)
        return vc_xml_fail(d->err, n, "%s: %s %s is out of range", what, value, unit);
    int64_t bytes = v * scale;
    *kib = bytes / 1024 + (bytes % 1024 != 0);
    return 0;
}

static int element_kib(dctx *d, const xmlNode *n, int64_t *kib)
{
    char *value, *unit;
    *kib = VC_UNSET;
    if (!n)
        return 0;
    if (text(d, n, &value) < 0 || attr(d, n, "unit", &unit) < 0)
        return -1;
    char what[64];
    snprintf(what, sizeof what, "<%s>", n->name);
    return scaled_kib(d, n, what, value ? value : "", unit, kib);
}

static int check_set(dctx *d, const xmlNode *n, const char *name, const char *set)
{
    if (!set)
        return 0;
    vc_idset ids;
    vc_error e;
    if (vc_cpuset_parse(d->a, set, &ids, &e) < 0) {
        if (e.code == VC_ENOMEM)
            return vc_oom(d->err);
        return vc_xml_fail(d->err, n, "<%s> attribute %s: %s", n->name, name, e.msg);
    }
    return 0;
}

static int set_attr(dctx *d, const xmlNode *n, const char *name, char **out)
{
    return attr(d, n, name, out) < 0 ? -1 : check_set(d, n, name, *out);
}

static int read_os(dctx *d, const xmlNode *os, vc_domain_def *def)
{
    const xmlNode *type = child(os, "type");
    if (!type)
        return 0;
    if (text(d, type, &def->os_type) < 0 || attr(d, type, "arch", &def->arch) < 0 ||
        attr(d, type, "machine", &def->machine) < 0)
        return -1;
    if (!def->os_type || !*def->os_type)
        return vc_xml_fail(d->err, type, "<type> in <os> is empty");
    return 0;
}

static int read_vcpu(dctx *d, const xmlNode *n, vc_domain_def *def)
{
    char *count;
    if (!n)
        return 0;
    if (text(d, n, &count) < 0 || parse_int(d, n, "<vcpu>", count ? count : "", &def->vcpus) < 0 ||
        int_attr(d, n, "current", &def->current_vcpus) < 0 || attr(d, n, "placement", &def->vcpu_placement) < 0 ||
        set_attr(d, n, "cpuset", &def->vcpu_cpuset) < 0)
        return -1;
    if (def->vcpus == 0)
        return vc_xml_fail(d->err, n, "<vcpu>: a domain needs at least one vCPU");
    if (def->current_vcpus != VC_UNSET && def->current_vcpus > def->vcpus)
        return vc_xml_fail(d->err, n, "<vcpu> attribute current: %lld is more than the %lld vCPUs", (long long)def->current_vcpus,
                           (long long)def->vcpus);
    return 0;
}

static int read_cpu(dctx *d, xmlNode *cpu, vc_domain_def *def)
{
    if (!cpu)
        return 0;
    if (attr(d, cpu, "mode", &def->cpu_mode) < 0)
        return -1;
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf || xmlNodeDump(buf, cpu->doc, cpu, 0, 0) < 0) {
        xmlBufferFree(buf);
        return vc_oom(d->err);
    }
    def->cpu_xml = vc_strndup(d->a, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
    xmlBufferFree(buf);
    if (!def->cpu_xml)
        return vc_oom(d->err);
    const xmlNode *numa = child(cpu, "numa");
    for (const xmlNode *c = numa ? numa->children : NULL; c; c = c->next) {
        if (!vc_xml_is(c, "cell"))
            continue;
        vc_dom_cell *cell = VC_PUSH(d->a, def->cells, def->ncells);
        if (!cell)
            return vc_oom(d->err);
        char *mem, *unit;
        if (int_attr(d, c, "id", &cell->id) < 0 || set_attr(d, c, "cpus", &cell->cpus) < 0 ||
            attr(d, c, "memory", &mem) < 0 || attr(d, c, "unit", &unit) < 0)
            return -1;
        if (cell->id == VC_UNSET)
            cell->id = (int64_t)def->ncells - 1;
        if (!mem)
            return vc_xml_fail(d->err, c, "<cell> in <numa> needs a memory attribute");
        if (scaled_kib(d, c, "<cell> attribute memory", mem, unit, &cell->memory) < 0)
            return -1;
        for (size_t i = 0; i + 1 < def->ncells; i++)
            if (def->cells[i].id == cell->id)
                return vc_xml_fail(d->err, c, "<cell> id %lld appears twice in <numa>", (long long)cell->id);
    }
    return 0;
}

static int read_memory_backing(dctx *d, const xmlNode *mb, vc_domain_def *def)
{
    const xmlNode *hp = child(mb, "hugepages");
    if (!hp)
        return 0;
    def->hugepages = true;
    for (const xmlNode *c = hp->children; c; c = c->next) {
        if (!vc_xml_is(c, "page"))
            continue;
        vc_dom_page *page = VC_PUSH(d->a, def->pages, def->npages);
        if (!page)
            return vc_oom(d->err);
        char *size, *unit;
        if (attr(d, c, "size", &size) < 0 || attr(d, c, "unit", &unit) < 0 ||
            set_attr(d, c, "nodeset", &page->nodeset) < 0)
            return -1;
        if (!size)
            return vc_xml_fail(d->err, c, "<page> in <hugepages> needs a size attribute");
        if (scaled_kib(d, c, "<page> attribute size", size, unit, &page->size) < 0)
            return -1;
        if (page->size == 0)
            return vc_xml_fail(d->err, c, "<page> attribute size: a page size cannot be 0");
    }
    return 0;
}

static int read_numatune(dctx *d, const xmlNode *nt, vc_domain_def *def)
{
    if (!nt)
        return 0;
    def->has_numatune = true;
    const xmlNode *mem = child(nt, "memory");
    if (mem && (attr(d, mem, "mode", &def->numa_mode) < 0 || attr(d, mem, "placement", &def->numa_placement) < 0 ||
                set_attr(d, mem, "nodeset", &def->numa_nodeset) < 0))
        return -1;
    for (const xmlNode *c = nt->children; c; c = c->next) {
        if (!vc_xml_is(c, "memnode"))
            continue;
        vc_dom_memnode *m = VC_PUSH(d->a, def->memnodes, def->nmemnodes);
        if (!m)
            return vc_oom(d->err);
        if (int_attr(d, c, "cellid", &m->cellid) < 0 || attr(d, c, "mode", &m->mode) < 0 ||
            set_attr(d, c, "nodeset", &m->nodeset) < 0)
            return -1;
        if (m->cellid == VC_UNSET)
            return vc_xml_fail(d->err, c, "<memnode> needs a cellid attribute");
    }
    return 0;
}

vc_domain_def *vc_domain_read(const char *xml, size_t len, vc_arena *a, vc_error *err)
{
    xmlDocPtr doc = vc_xml_parse_doc(xml, len, err);
    if (!doc)
        return NULL;
    dctx d = {.a = a, .err = err};
    vc_domain_def *def = vc_alloc(a, sizeof *def);
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc = -1;
    if (!def) {
        vc_oom(err);
    } else if (!root) {
        vc_fail(err, VC_EINPUT, "line 1: the document has no root element");
    } else if (!vc_xml_is(root, "domain")) {
        vc_xml_fail(d.err, root, "the root element is <%s>, expected <domain>", root->name);
    } else {
        def->vcpus = def->current_vcpus = VC_UNSET;
        xmlNode *devices = child(root, "devices");
        rc = attr(&d, root, "type", &def->type) < 0 || text(&d, child(root, "name"), &def->name) < 0 ||
                     read_os(&d, child(root, "os"), def) < 0 || read_vcpu(&d, child(root, "vcpu"), def) < 0 ||
                     element_kib(&d, child(root, "memory"), &def->memory) < 0 ||
                     element_kib(&d, child(root, "currentMemory"), &def->current_memory) < 0 ||
                     element_kib(&d, child(root, "maxMemory"), &def->max_memory) < 0 ||
                     read_cpu(&d, child(root, "cpu"), def) < 0 ||
                     read_memory_backing(&d, child(root, "memoryBacking"), def) < 0 ||
                     read_numatune(&d, child(root, "numatune"), def) < 0 ||
                     text(&d, child(devices, "emulator"), &def->emulator) < 0
                 ? -1
                 : 0;
        if (rc == 0 && (!def->type || !*def->type))
            rc = vc_xml_fail(d.err, root, "<domain> needs a type attribute");
    }
    xmlFreeDoc(doc);
    return rc == 0 ? def : NULL;
}
