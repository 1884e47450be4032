/* Writes the model in the reference's exact layout (libvirt's
 * virCapabilitiesFormatXML): two-space indent, single-quoted attributes, a
 * blank line after <capabilities> and after each top-level section. */
#include "model/model.h"
#include "xml/xml.h"

#include <libxml/chvalid.h>
#include <libxml/entities.h>
#include <libxml/xmlmemory.h>
#include <stdlib.h>
#include <string.h>

/* Every value reaches the document through vc_xml_escape, which makes it
 * well-formed whatever it holds: C0 controls other than tab, newline and CR
 * are dropped (as the reference's virBufferEscapeString drops them), each
 * byte that starts no well-formed UTF-8 sequence (stray, overlong,
 * surrogate, above U+10FFFF) becomes U+FFFD, and so does each character
 * XML forbids (U+FFFE, U+FFFF). */
static bool dropped(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

static bool needs_work(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '<' || *p == '>' || *p == '&' || *p == '"' || *p == '\'' || *p == '\r' || *p >= 0x80 ||
            dropped(*p))
            return true;
    return false;
}

#define REPLACEMENT "\xEF\xBF\xBD"

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) with its code
 * point in *cp, or 0. libxml2's xmlGetUTF8Char accepts stray continuation
 * bytes as lead bytes, so it cannot judge this. */
static size_t utf8_char(const unsigned char *p, size_t left, unsigned *cp)
{
    unsigned char c = p[0];
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    unsigned lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (c < 0xC2 || c > 0xF4 || left < n)
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (p[1] < lo || p[1] > hi)
        return 0;
    unsigned v = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    *cp = v;
    return n;
}

/* s without what the document may not hold; NULL on OOM (caller frees). */
static char *xml_clean(const char *s)
{
    size_t n = strlen(s);
    /* A replaced byte grows to three. */
    char *clean = n < SIZE_MAX / 3 ? malloc(3 * n + 1) : NULL;
    if (!clean)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0, i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            if (!dropped(p[i]))
                clean[k++] = (char)p[i];
            i++;
            continue;
        }
        unsigned cp = 0;
        size_t len = utf8_char(p + i, n - i, &cp);
        if (len && xmlIsCharQ(cp)) {
            memcpy(clean + k, p + i, len);
            k += len;
        } else {
            memcpy(clean + k, REPLACEMENT, 3);
            k += 3;
        }
        /* a whole character XML forbids (U+FFFE), or one bad byte */
        i += len ? len : 1;
    }
    clean[k] = '\0';
    return clean;
}

void vc_xml_escape(vc_buf *out, const char *s)
{
    if (!needs_work(s)) {
        vc_buf_puts(out, s);
        return;
    }
    /* libxml2 escapes < > & " and CR; the apostrophe is ours to do because
     * the reference quotes attributes with it. */
    char *clean = xml_clean(s);
    xmlChar *enc = clean ? xmlEncodeSpecialChars(NULL, (const xmlChar *)clean) : NULL;
    free(clean);
    if (!enc) {
        out->oom = true;
        return;
    }
    const char *p = (const char *)enc;
    const char *q;
    while ((q = strchr(p, '\'')) != NULL) {
        vc_buf_add(out, p, (size_t)(q - p));
        vc_buf_puts(out, "&apos;");
        p = q + 1;
    }
    vc_buf_puts(out, p);
    xmlFree(enc);
}

/* ---- small emitters ---- */

static void open_tag(vc_buf *b, int ind, const char *name)
{
    vc_buf_spaces(b, ind);
    vc_buf_add(b, "<", 1);
    vc_buf_puts(b, name);
}

static void attr_str(vc_buf *b, const char *name, const char *v)
{
    if (!v)
        return;
    vc_buf_add(b, " ", 1);
    vc_buf_puts(b, name);
    vc_buf_add(b, "='", 2);
    vc_xml_escape(b, v);
    vc_buf_add(b, "'", 1);
}

static void attr_int(vc_buf *b, const char *name, int64_t v)
{
    if (v != VC_UNSET)
        vc_buf_printf(b, " %s='%lld'", name, (long long)v);
}

static void attr_bool(vc_buf *b, const char *name, int8_t v, const char *yes, const char *no)
{
    if (v != VC_UNSET_B)
        vc_buf_printf(b, " %s='%s'", name, v ? yes : no);
}

static void line(vc_buf *b, int ind, const char *text)
{
    vc_buf_spaces(b, ind);
    vc_buf_puts(b, text);
    vc_buf_add(b, "\n", 1);
}

static void text_elem(vc_buf *b, int ind, const char *name, const char *v)
{
    if (!v)
        return;
    open_tag(b, ind, name);
    vc_buf_add(b, ">", 1);
    vc_xml_escape(b, v);
    vc_buf_printf(b, "</%s>\n", name);
}

static void close_tag(vc_buf *b, int ind, const char *name)
{
    vc_buf_spaces(b, ind);
    vc_buf_printf(b, "</%s>\n", name);
}

/* ---- cpu ---- */

static void write_cpu_children(vc_buf *b, const vc_cpu *c, int ind)
{
    text_elem(b, ind, "arch", c->arch);
    if (c->nlegacy_features) {
        line(b, ind, "<features>");
        for (size_t i = 0; i < c->nlegacy_features; i++) {
            open_tag(b, ind + 2, c->legacy_features[i]);
            vc_buf_add(b, "/>\n", 3);
        }
        line(b, ind, "</features>");
    }
    if (c->model || c->vendor_id) {
        open_tag(b, ind, "model");
        attr_str(b, "fallback", c->fallback);
        attr_str(b, "vendor_id", c->vendor_id);
        if (c->model) {
            vc_buf_add(b, ">", 1);
            vc_xml_escape(b, c->model);
            vc_buf_puts(b, "</model>\n");
        } else {
            vc_buf_add(b, "/>\n", 3);
        }
    }
    text_elem(b, ind, "vendor", c->vendor);
    if (c->microcode != VC_UNSET) {
        open_tag(b, ind, "microcode");
        attr_int(b, "version", c->microcode);
        vc_buf_add(b, "/>\n", 3);
    }
    if (c->has_signature) {
        open_tag(b, ind, "signature");
        attr_int(b, "family", c->sig_family);
        attr_int(b, "model", c->sig_model);
        attr_int(b, "stepping", c->sig_stepping);
        vc_buf_add(b, "/>\n", 3);
    }
    if (c->has_counter) {
        open_tag(b, ind, "counter");
        attr_str(b, "name", c->counter_name);
        attr_int(b, "frequency", c->counter_frequency);
        attr_bool(b, "scaling", c->counter_scaling, "yes", "no");
        vc_buf_add(b, "/>\n", 3);
    }
    if (c->has_topology) {
        open_tag(b, ind, "topology");
        attr_int(b, "sockets", c->sockets);
        attr_int(b, "dies", c->dies);
        attr_int(b, "clusters", c->clusters);
        attr_int(b, "cores", c->cores);
        attr_int(b, "threads", c->threads);
        vc_buf_add(b, "/>\n", 3);
    }
    if (c->has_maxphysaddr) {
        open_tag(b, ind, "maxphysaddr");
        attr_str(b, "mode", c->addr_mode);
        attr_int(b, "bits", c->addr_bits);
        attr_int(b, "limit", c->addr_limit);
        vc_buf_add(b, "/>\n", 3);
    }
    for (size_t i = 0; i < c->nfeatures; i++) {
        open_tag(b, ind, "feature");
        attr_str(b, "policy", c->features[i].policy);
        attr_str(b, "name", c->features[i].name);
        vc_buf_add(b, "/>\n", 3);
    }
    for (size_t i = 0; i < c->npages; i++) {
        open_tag(b, ind, "pages");
        attr_str(b, "unit", c->pages[i].unit);
        attr_int(b, "size", c->pages[i].size);
        vc_buf_add(b, "/>\n", 3);
    }
}

void vc_xml_write_cpu(vc_buf *out, const vc_cpu *cpu, int indent)
{
    vc_buf children;
    vc_buf_init(&children);
    write_cpu_children(&children, cpu, indent + 2);
    open_tag(out, indent, "cpu");
    attr_str(out, "mode", cpu->mode);
    attr_str(out, "match", cpu->match);
    attr_str(out, "check", cpu->check);
    attr_str(out, "migratable", cpu->migratable);
    if (children.oom)
        out->oom = true;
    if (children.len == 0) {
        vc_buf_add(out, "/>\n", 3);
    } else {
        vc_buf_add(out, ">\n", 2);
        vc_buf_add(out, children.data, children.len);
        close_tag(out, indent, "cpu");
    }
    vc_buf_free(&children);
}

/* ---- host ---- */

static void write_monitor(vc_buf *b, const vc_monitor *m, int ind)
{
    if (!m || m->nfeatures == 0)
        return;
    open_tag(b, ind, "monitor");
    attr_int(b, "level", m->level);
    attr_int(b, "reuseThreshold", m->reuse_threshold);
    attr_int(b, "maxMonitors", m->max_monitors);
    vc_buf_add(b, ">\n", 2);
    for (size_t i = 0; i < m->nfeatures; i++) {
        open_tag(b, ind + 2, "feature");
        attr_str(b, "name", m->features[i]);
        vc_buf_add(b, "/>\n", 3);
    }
    close_tag(b, ind, "monitor");
}

static void write_control(vc_buf *b, const vc_control *c, int ind)
{
    open_tag(b, ind, "control");
    attr_int(b, "granularity", c->granularity);
    attr_int(b, "min", c->min);
    attr_str(b, "unit", c->unit);
    attr_str(b, "type", c->type);
    attr_int(b, "maxAllocs", c->max_allocs);
    vc_buf_add(b, "/>\n", 3);
}

static void write_controls_then_close(vc_buf *b, const char *name, const vc_control *c, size_t n, int ind)
{
    if (n == 0) {
        vc_buf_add(b, "/>\n", 3);
        return;
    }
    vc_buf_add(b, ">\n", 2);
    for (size_t i = 0; i < n; i++)
        write_control(b, &c[i], ind + 2);
    close_tag(b, ind, name);
}

static void write_cell_cpus(vc_buf *b, const vc_cell *c, int ind)
{
    open_tag(b, ind, "cpus");
    vc_buf_printf(b, " num='%zu'", c->ncpus);
    if (c->ncpus == 0) {
        vc_buf_add(b, "/>\n", 3);
        return;
    }
    vc_buf_add(b, ">\n", 2);
    for (size_t i = 0; i < c->ncpus; i++) {
        const vc_cell_cpu *p = &c->cpus[i];
        open_tag(b, ind + 2, "cpu");
        attr_int(b, "id", p->id);
        attr_int(b, "socket_id", p->socket_id);
        attr_int(b, "die_id", p->die_id);
        attr_int(b, "cluster_id", p->cluster_id);
        attr_int(b, "core_id", p->core_id);
        attr_str(b, "siblings", p->siblings);
        vc_buf_add(b, "/>\n", 3);
    }
    close_tag(b, ind, "cpus");
}

static void write_cell(vc_buf *b, const vc_cell *c, int ind)
{
    open_tag(b, ind, "cell");
    attr_int(b, "id", c->id);
    vc_buf_add(b, ">\n", 2);
    int in = ind + 2;
    if (c->has_memory) {
        open_tag(b, in, "memory");
        attr_str(b, "unit", c->memory.unit);
        vc_buf_printf(b, ">%lld</memory>\n", (long long)c->memory.value);
    }
    for (size_t i = 0; i < c->npages; i++) {
        open_tag(b, in, "pages");
        attr_str(b, "unit", c->pages[i].unit);
        attr_int(b, "size", c->pages[i].size);
        vc_buf_printf(b, ">%lld</pages>\n", (long long)c->pages[i].count);
    }
    bool any_distance = false;
    for (size_t i = 0; i < c->ndistances; i++)
        any_distance |= c->distances[i].value != 0;
    if (any_distance) {
        line(b, in, "<distances>");
        for (size_t i = 0; i < c->ndistances; i++) {
            if (c->distances[i].value == 0)
                continue;
            open_tag(b, in + 2, "sibling");
            attr_int(b, "id", c->distances[i].id);
            attr_int(b, "value", c->distances[i].value);
            vc_buf_add(b, "/>\n", 3);
        }
        line(b, in, "</distances>");
    }
    for (size_t i = 0; i < c->ncaches; i++) {
        const vc_numa_cache *k = &c->caches[i];
        open_tag(b, in, "cache");
        attr_int(b, "level", k->level);
        attr_str(b, "associativity", k->associativity);
        attr_str(b, "policy", k->policy);
        vc_buf_add(b, ">\n", 2);
        open_tag(b, in + 2, "size");
        attr_int(b, "value", k->size.value);
        attr_str(b, "unit", k->size.unit);
        vc_buf_add(b, "/>\n", 3);
        if (k->has_line) {
            open_tag(b, in + 2, "line");
            attr_int(b, "value", k->linesize.value);
            attr_str(b, "unit", k->linesize.unit);
            vc_buf_add(b, "/>\n", 3);
        }
        close_tag(b, in, "cache");
    }
    if (c->has_cpus)
        write_cell_cpus(b, c, in);
    close_tag(b, ind, "cell");
}

static void write_interconnects(vc_buf *b, const vc_topology *t, int ind)
{
    if (t->nlatencies + t->nbandwidths == 0)
        return;
    line(b, ind, "<interconnects>");
    for (int pass = 0; pass < 2; pass++) {
        const vc_interconnect *list = pass ? t->bandwidths : t->latencies;
        size_t n = pass ? t->nbandwidths : t->nlatencies;
        for (size_t i = 0; i < n; i++) {
            open_tag(b, ind + 2, pass ? "bandwidth" : "latency");
            attr_int(b, "initiator", list[i].initiator);
            attr_int(b, "target", list[i].target);
            if (list[i].cache > 0)
                attr_int(b, "cache", list[i].cache);
            attr_str(b, "type", list[i].type);
            attr_int(b, "value", list[i].value);
            attr_str(b, "unit", list[i].unit);
            vc_buf_add(b, "/>\n", 3);
        }
    }
    line(b, ind, "</interconnects>");
}

static void write_topology(vc_buf *b, const vc_topology *t, int ind)
{
    line(b, ind, "<topology>");
    open_tag(b, ind + 2, "cells");
    vc_buf_printf(b, " num='%zu'>\n", t->ncells);
    for (size_t i = 0; i < t->ncells; i++)
        write_cell(b, &t->cells[i], ind + 4);
    close_tag(b, ind + 2, "cells");
    write_interconnects(b, t, ind + 2);
    line(b, ind, "</topology>");
}

static void write_cache(vc_buf *b, const vc_cache *c, int ind)
{
    bool monitor = c->monitor && c->monitor->nfeatures;
    if (!c->nbanks && !monitor)
        return;
    line(b, ind, "<cache>");
    for (size_t i = 0; i < c->nbanks; i++) {
        const vc_bank *k = &c->banks[i];
        open_tag(b, ind + 2, "bank");
        attr_int(b, "id", k->id);
        attr_int(b, "level", k->level);
        attr_str(b, "type", k->type);
        attr_int(b, "size", k->size);
        attr_str(b, "unit", k->unit);
        attr_str(b, "cpus", k->cpus);
        write_controls_then_close(b, "bank", k->controls, k->ncontrols, ind + 2);
    }
    write_monitor(b, c->monitor, ind + 2);
    line(b, ind, "</cache>");
}

static void write_membw(vc_buf *b, const vc_membw *m, int ind)
{
    bool monitor = m->monitor && m->monitor->nfeatures;
    if (!m->nnodes && !monitor)
        return;
    line(b, ind, "<memory_bandwidth>");
    for (size_t i = 0; i < m->nnodes; i++) {
        const vc_membw_node *n = &m->nodes[i];
        open_tag(b, ind + 2, "node");
        attr_int(b, "id", n->id);
        attr_str(b, "cpus", n->cpus);
        write_controls_then_close(b, "node", n->controls, n->ncontrols, ind + 2);
    }
    write_monitor(b, m->monitor, ind + 2);
    line(b, ind, "</memory_bandwidth>");
}

static void write_host(vc_buf *b, const vc_host *h)
{
    line(b, 2, "<host>");
    text_elem(b, 4, "uuid", h->uuid);
    line(b, 4, "<cpu>");
    if (h->cpu)
        write_cpu_children(b, h->cpu, 6);
    line(b, 4, "</cpu>");
    if (h->has_power_management) {
        if (h->suspend_mem || h->suspend_disk || h->suspend_hybrid) {
            line(b, 4, "<power_management>");
            if (h->suspend_mem)
                line(b, 6, "<suspend_mem/>");
            if (h->suspend_disk)
                line(b, 6, "<suspend_disk/>");
            if (h->suspend_hybrid)
                line(b, 6, "<suspend_hybrid/>");
            line(b, 4, "</power_management>");
        } else {
            line(b, 4, "<power_management/>");
        }
    }
    if (h->iommu != VC_UNSET_B)
        line(b, 4, h->iommu ? "<iommu support='yes'/>" : "<iommu support='no'/>");
    if (h->has_migration) {
        line(b, 4, "<migration_features>");
        if (h->live_migration)
            line(b, 6, "<live/>");
        if (h->nuri_transports) {
            line(b, 6, "<uri_transports>");
            for (size_t i = 0; i < h->nuri_transports; i++)
                text_elem(b, 8, "uri_transport", h->uri_transports[i]);
            line(b, 6, "</uri_transports>");
        }
        line(b, 4, "</migration_features>");
    }
    text_elem(b, 4, "netprefix", h->netprefix);
    if (h->topology)
        write_topology(b, h->topology, 4);
    if (h->cache)
        write_cache(b, h->cache, 4);
    if (h->memory_bandwidth)
        write_membw(b, h->memory_bandwidth, 4);
    for (size_t i = 0; i < h->nsecmodels; i++) {
        const vc_secmodel *m = &h->secmodels[i];
        line(b, 4, "<secmodel>");
        text_elem(b, 6, "model", m->model);
        text_elem(b, 6, "doi", m->doi);
        for (size_t j = 0; j < m->nlabels; j++) {
            open_tag(b, 6, "baselabel");
            attr_str(b, "type", m->labels[j].type);
            vc_buf_add(b, ">", 1);
            vc_xml_escape(b, m->labels[j].label);
            vc_buf_puts(b, "</baselabel>\n");
        }
        line(b, 4, "</secmodel>");
    }
    line(b, 2, "</host>");
    vc_buf_add(b, "\n", 1);
}

/* ---- guests ---- */

static void write_machines(vc_buf *b, const vc_machine *m, size_t n, int ind, bool with_deprecated)
{
    for (size_t i = 0; i < n; i++) {
        open_tag(b, ind, "machine");
        attr_str(b, "canonical", m[i].canonical);
        if (m[i].max_cpus > 0)
            attr_int(b, "maxCpus", m[i].max_cpus);
        /* The reference marks deprecation on the arch's list only, never 'no'. */
        if (with_deprecated && m[i].deprecated == 1)
            vc_buf_puts(b, " deprecated='yes'");
        vc_buf_add(b, ">", 1);
        vc_xml_escape(b, m[i].name);
        vc_buf_puts(b, "</machine>\n");
    }
}

static void write_guest(vc_buf *b, const vc_guest *g)
{
    line(b, 2, "<guest>");
    text_elem(b, 4, "os_type", g->os_type);
    open_tag(b, 4, "arch");
    attr_str(b, "name", g->arch);
    vc_buf_add(b, ">\n", 2);
    vc_buf_printf(b, "      <wordsize>%lld</wordsize>\n", (long long)g->wordsize);
    text_elem(b, 6, "emulator", g->emulator);
    text_elem(b, 6, "loader", g->loader);
    write_machines(b, g->machines, g->nmachines, 6, true);
    for (size_t i = 0; i < g->ndomains; i++) {
        const vc_domain *d = &g->domains[i];
        open_tag(b, 6, "domain");
        attr_str(b, "type", d->type);
        if (!d->emulator && !d->loader && !d->nmachines) {
            vc_buf_add(b, "/>\n", 3);
            continue;
        }
        vc_buf_add(b, ">\n", 2);
        text_elem(b, 8, "emulator", d->emulator);
        text_elem(b, 8, "loader", d->loader);
        write_machines(b, d->machines, d->nmachines, 8, false);
        line(b, 6, "</domain>");
    }
    line(b, 4, "</arch>");
    bool any = false;
    for (int i = 0; i < VC_GF_COUNT; i++)
        any |= g->features[i].present;
    if (any) {
        line(b, 4, "<features>");
        for (int i = 0; i < VC_GF_COUNT; i++) {
            const vc_guest_feature *f = &g->features[i];
            if (!f->present)
                continue;
            open_tag(b, 6, vc_guest_feature_names[i]);
            attr_bool(b, "default", f->default_on, "on", "off");
            attr_bool(b, "toggle", f->toggle, "yes", "no");
            vc_buf_add(b, "/>\n", 3);
        }
        line(b, 4, "</features>");
    }
    line(b, 2, "</guest>");
    vc_buf_add(b, "\n", 1);
}

int vc_xml_write(const vc_caps *caps, vc_buf *out, vc_error *err)
{
    vc_buf_puts(out, "<capabilities>\n\n");
    write_host(out, &caps->host);
    for (size_t i = 0; i < caps->nguests; i++)
        write_guest(out, &caps->guests[i]);
    vc_buf_puts(out, "</capabilities>\n");
    if (caps->trailer)
        vc_buf_puts(out, caps->trailer);
    if (out->oom)
        return vc_oom(err);
    return 0;
}
