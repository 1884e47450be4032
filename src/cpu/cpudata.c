/* Raw x86 CPU data: the reference's <cpudata arch='x86'> documents (CPUID
 * leaves and MSRs), read with libxml2 and written in the reference's layout. */
#include "cpu/cpu.h"
#include "xml/internal.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_cpuid(const void *a, const void *b)
{
    const vc_cpuid *x = a, *y = b;
    if (x->eax_in != y->eax_in)
        return x->eax_in < y->eax_in ? -1 : 1;
    if (x->ecx_in != y->ecx_in)
        return x->ecx_in < y->ecx_in ? -1 : 1;
    return 0;
}

static int cmp_msr(const void *a, const void *b)
{
    const vc_msr *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

void vc_cpudata_normalize(vc_cpudata *d)
{
    if (d->ncpuid) {
        /* ORing is order-free, so an unstable sort is enough. */
        qsort(d->cpuid, d->ncpuid, sizeof *d->cpuid, cmp_cpuid);
        size_t k = 0;
        for (size_t i = 1; i < d->ncpuid; i++) {
            vc_cpuid *last = &d->cpuid[k];
            const vc_cpuid *c = &d->cpuid[i];
            if (cmp_cpuid(last, c) == 0) {
                last->eax |= c->eax;
                last->ebx |= c->ebx;
                last->ecx |= c->ecx;
                last->edx |= c->edx;
            } else {
                d->cpuid[++k] = *c;
            }
        }
        d->ncpuid = k + 1;
    }
    if (d->nmsr) {
        qsort(d->msr, d->nmsr, sizeof *d->msr, cmp_msr);
        size_t k = 0;
        for (size_t i = 1; i < d->nmsr; i++) {
            if (d->msr[k].index == d->msr[i].index) {
                d->msr[k].eax |= d->msr[i].eax;
                d->msr[k].edx |= d->msr[i].edx;
            } else {
                d->msr[++k] = d->msr[i];
            }
        }
        d->nmsr = k + 1;
    }
}

const vc_cpuid *vc_cpudata_cpuid(const vc_cpudata *d, uint32_t eax_in, uint32_t ecx_in)
{
    vc_cpuid key = {.eax_in = eax_in, .ecx_in = ecx_in};
    return d->ncpuid ? bsearch(&key, d->cpuid, d->ncpuid, sizeof key, cmp_cpuid) : NULL;
}

/* ---- reading ---- */

/* An unsigned 32-bit number the way the reference reads it (strtoul, base
 * 0: decimal, 0x hex or 0 octal), the whole value and nothing else. */
static int get_u32(const xmlNode *n, const char *name, bool required, uint32_t *out, vc_error *err)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v) {
        if (required)
            return vc_fail(err, VC_EINPUT, "line %d: <%s> needs a %s attribute", vc_xml_line(n), n->name, name);
        *out = 0;
        return 0;
    }
    const char *s = (const char *)v;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    bool ok = *s && end != s && *end == '\0' && errno == 0 && !strchr(s, '-') && x <= UINT32_MAX;
    if (!ok) {
        vc_fail(err, VC_EINPUT, "line %d: <%s> attribute %s: expected an unsigned 32-bit number, got '%.40s'",
                vc_xml_line(n), n->name, name, s);
        xmlFree(v);
        return -1;
    }
    xmlFree(v);
    *out = (uint32_t)x;
    return 0;
}

static void *grow(vc_arena *a, void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *fresh = vc_alloc(a, ncap * elem);
    if (fresh && n)
        memcpy(fresh, arr, n * elem);
    *cap = ncap;
    return fresh;
}

static int read_items(const xmlNode *root, vc_arena *a, vc_cpudata *out, vc_error *err)
{
    size_t cap_c = 0, cap_m = 0, items = 0;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "alias") == 0)
            continue;
        if (++items > VC_CPUDATA_MAX_ITEMS)
            return vc_fail(err, VC_ELIMIT, "line %d: more than %d CPU data items",
                           vc_xml_line(c), VC_CPUDATA_MAX_ITEMS);
        if (strcmp((const char *)c->name, "cpuid") == 0) {
            if (!(out->cpuid = grow(a, out->cpuid, out->ncpuid, &cap_c, sizeof *out->cpuid)))
                return vc_oom(err);
            vc_cpuid *l = &out->cpuid[out->ncpuid];
            if (get_u32(c, "eax_in", true, &l->eax_in, err) < 0 || get_u32(c, "ecx_in", false, &l->ecx_in, err) < 0 ||
                get_u32(c, "eax", false, &l->eax, err) < 0 || get_u32(c, "ebx", false, &l->ebx, err) < 0 ||
                get_u32(c, "ecx", false, &l->ecx, err) < 0 || get_u32(c, "edx", false, &l->edx, err) < 0)
                return -1;
            out->ncpuid++;
        } else if (strcmp((const char *)c->name, "msr") == 0) {
            if (!(out->msr = grow(a, out->msr, out->nmsr, &cap_m, sizeof *out->msr)))
                return vc_oom(err);
            vc_msr *m = &out->msr[out->nmsr];
            if (get_u32(c, "index", true, &m->index, err) < 0 || get_u32(c, "eax", true, &m->eax, err) < 0 ||
                get_u32(c, "edx", true, &m->edx, err) < 0)
                return -1;
            out->nmsr++;
        } else {
            return vc_fail(err, VC_EINPUT, "line %d: unexpected <%s> in <cpudata>: expected <cpuid> or <msr>",
                           vc_xml_line(c), c->name);
        }
    }
    if (items == 0)
        return vc_fail(err, VC_EINPUT, "line %d: no x86 CPU data found", vc_xml_line(root));
    vc_cpudata_normalize(out);
    return 0;
}

int vc_cpudata_read(const char *xml, size_t len, vc_arena *a, vc_cpudata *out, vc_error *err)
{
    memset(out, 0, sizeof *out);
    xmlDocPtr doc = vc_xml_parse_doc(xml, len, err);
    if (!doc)
        return -1;
    int rc = -1;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlChar *arch = root ? xmlGetNoNsProp(root, (const xmlChar *)"arch") : NULL;
    if (!root)
        vc_fail(err, VC_EINPUT, "line 1: the document has no root element");
    else if (strcmp((const char *)root->name, "cpudata") != 0)
        vc_fail(err, VC_EINPUT, "line %d: the root element is <%s>, expected <cpudata>", vc_xml_line(root), root->name);
    else if (!arch)
        vc_fail(err, VC_EINPUT, "line %d: missing CPU data architecture", vc_xml_line(root));
    else if (strcmp((const char *)arch, "x86") != 0)
        vc_fail(err, VC_EINPUT, "line %d: CPU data of architecture '%.40s' is not supported (only x86)",
                vc_xml_line(root), arch);
    else
        rc = read_items(root, a, out, err);
    xmlFree(arch);
    xmlFreeDoc(doc);
    if (rc < 0)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- writing ---- */

void vc_cpudata_write(vc_buf *out, const vc_cpudata *d)
{
    vc_buf_puts(out, "<cpudata arch='x86'>\n");
    for (size_t i = 0; i < d->ncpuid; i++) {
        const vc_cpuid *c = &d->cpuid[i];
        if (!(c->eax | c->ebx | c->ecx | c->edx))
            continue;
        vc_buf_printf(out,
                      "  <cpuid eax_in='0x%08x' ecx_in='0x%08x' eax='0x%08x' ebx='0x%08x' ecx='0x%08x' edx='0x%08x'/>\n",
                      c->eax_in, c->ecx_in, c->eax, c->ebx, c->ecx, c->edx);
    }
    for (size_t i = 0; i < d->nmsr; i++) {
        const vc_msr *m = &d->msr[i];
        if (!(m->eax | m->edx))
            continue;
        vc_buf_printf(out, "  <msr index='0x%x' eax='0x%08x' edx='0x%08x'/>\n", m->index, m->eax, m->edx);
    }
    vc_buf_puts(out, "</cpudata>\n");
}
