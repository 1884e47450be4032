/* Reads a domain capabilities document into the model. The bytes are
 * untrusted: the capabilities reader's parser settings (no DTD, no entity
 * expansion, no network, its size limit, libxml2's depth limit), every value
 * checked against the schema before it is kept, and elements or attributes
 * the schema does not know kept where they were. */
#include "model/domcaps.h"
#include "xml/internal.h"
#include "xml/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

typedef struct rctx {
    vc_arena *a;
    vc_error *err;
} rctx;

static int oom(rctx *r)
{
    return vc_oom(r->err);
}

static const char *name_of(const xmlNode *n)
{
    return (const char *)n->name;
}

static bool is_text(const xmlNode *c)
{
    return c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* An attribute's value (an allocated copy only when libxml2 split it). */
static char *attr_value(rctx *r, const xmlAttr *at)
{
    const xmlNode *c = at->children;
    if (!c)
        return vc_strdup(r->a, "");
    if (!c->next && c->type == XML_TEXT_NODE)
        return vc_strdup(r->a, (const char *)c->content);
    xmlChar *s = xmlNodeListGetString(at->doc, c, 1);
    char *v = s ? vc_strdup(r->a, (const char *)s) : NULL;
    xmlFree(s);
    return v;
}

static int no_namespace(rctx *r, const xmlNode *x)
{
    if (x->ns)
        return vc_xml_fail(r->err, x, "<%s> is in a namespace; domain capabilities use none", name_of(x));
    for (const xmlAttr *at = x->properties; at; at = at->next)
        if (at->ns)
            return vc_xml_fail(r->err, x, "attribute '%s' of <%s> is in a namespace; domain capabilities use none",
                               (const char *)at->name, name_of(x));
    return 0;
}

/* The element's text, or NULL (r->err set) when an element is mixed in. */
static char *text_of(rctx *r, const xmlNode *x)
{
    size_t len = 0;
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            vc_xml_fail(r->err, c, "<%s> holds text only, found <%s>", name_of(x), name_of(c));
            return NULL;
        }
        if (is_text(c))
            len += strlen((const char *)c->content);
    }
    char *s = vc_alloc(r->a, len + 1);
    if (!s) {
        oom(r);
        return NULL;
    }
    size_t k = 0;
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (is_text(c)) {
            size_t n = strlen((const char *)c->content);
            memcpy(s + k, c->content, n);
            k += n;
        }
    }
    return s;
}

/* s is in the model's arena: kept as it is when it is canonical. */
static int check_value(rctx *r, const xmlNode *x, const char *attr, enum dc_type t, const char *fixed, char *s,
                       char **out)
{
    const char *why;
    if (dc_value_check(r->a, t, fixed, s, true, out, &why) == 0)
        return 0;
    if (!why)
        return oom(r);
    if (attr)
        return vc_xml_fail(r->err, x, "<%s %s='%.80s'>: %s", name_of(x), attr, s, why);
    return vc_xml_fail(r->err, x, "<%s>%.80s</%s>: %s", name_of(x), s, name_of(x), why);
}

/* ---- elements the schema does not know ---- */

static dc_node *read_unknown(rctx *r, const xmlNode *x)
{
    if (no_namespace(r, x) < 0)
        return NULL;
    dc_node *n = dc_node_new(r->a, NULL);
    if (!n || !(n->name = vc_strdup(r->a, name_of(x)))) {
        oom(r);
        return NULL;
    }
    n->line = vc_xml_line(x);
    for (const xmlAttr *at = x->properties; at; at = at->next) {
        dc_xattr *xa = VC_PUSH(r->a, n->xattrs, n->nxattrs);
        if (!xa || !(xa->name = vc_strdup(r->a, (const char *)at->name)) || !(xa->value = attr_value(r, at))) {
            oom(r);
            return NULL;
        }
    }
    bool elements = false;
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        elements = true;
        dc_extra *e = dc_extra_push(r->a, n);
        if (!e) {
            oom(r);
            return NULL;
        }
        e->after = -1;
        if (!(e->node = read_unknown(r, c)))
            return NULL;
    }
    if (!elements) {
        if (x->children && !(n->text = text_of(r, x)))
            return NULL;
        return n;
    }
    for (const xmlNode *c = x->children; c; c = c->next)
        if (is_text(c) && !blank((const char *)c->content)) {
            vc_xml_fail(r->err, c, "<%s> mixes text and elements; virtcaps keeps unknown elements only without",
                        name_of(x));
            return NULL;
        }
    return n;
}

/* ---- known elements ---- */

static int read_enum(rctx *r, const xmlNode *x, dc_node *n)
{
    const dc_desc *d = n->desc;
    if (no_namespace(r, x) < 0)
        return -1;
    const xmlAttr *at = x->properties;
    if (!at || strcmp((const char *)at->name, "name") != 0 || at->next)
        return vc_xml_fail(r->err, x, "<enum> in <%s> takes one attribute, name", d->name);
    char *name = attr_value(r, at);
    if (!name)
        return oom(r);
    /* The enum becomes a key of the element's table: it must not take one
     * the schema gives something else. */
    if (dc_child_slot(d, name) >= 0 || dc_attr_slot(d, name) >= 0 || strcmp(name, "unknown") == 0 ||
        strcmp(name, "unknown_attrs") == 0)
        return vc_xml_fail(r->err, x, "<enum name='%.80s'> in <%s> would replace the key '%.80s'", name, d->name, name);
    for (size_t i = 0; i < n->nenums; i++)
        if (strcmp(n->enums[i].name, name) == 0)
            return vc_xml_fail(r->err, x, "<%s> has two enums named '%.80s'", d->name, name);
    dc_enum *e = dc_enum_push(r->a, n);
    if (!e)
        return oom(r);
    e->name = name;
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (is_text(c) && !blank((const char *)c->content))
            return vc_xml_fail(r->err, c, "unexpected text in <enum name='%.80s'>", name);
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp(name_of(c), "value") != 0 || c->properties || c->ns)
            return vc_xml_fail(r->err, c, "<enum name='%.80s'> holds only <value> elements without attributes", name);
        char **v = VC_PUSH(r->a, e->values, e->n);
        if (!v)
            return oom(r);
        if (!(*v = text_of(r, c)))
            return -1;
    }
    return 0;
}

/* The child slot an element goes to, -1 for one the schema does not know. */
static int slot_of(const dc_desc *d, const xmlNode *c)
{
    for (size_t i = 0; d->children && d->children[i]; i++) {
        const dc_desc *k = d->children[i];
        if (strcmp(k->name, name_of(c)) != 0)
            continue;
        if (!k->match)
            return (int)i;
        xmlChar *v = xmlGetNoNsProp(c, (const xmlChar *)"name");
        bool same = v && strcmp((const char *)v, k->match) == 0;
        xmlFree(v);
        if (same)
            return (int)i;
    }
    return -1;
}

static int read_node(rctx *r, const xmlNode *x, dc_node *n);

static int read_attrs(rctx *r, const xmlNode *x, dc_node *n)
{
    const dc_desc *d = n->desc;
    for (const xmlAttr *at = x->properties; at; at = at->next) {
        const char *an = (const char *)at->name;
        if (d->match && strcmp(an, "name") == 0)
            continue;
        int i = dc_attr_slot(d, an);
        char *v = attr_value(r, at);
        if (!v)
            return oom(r);
        if (i >= 0) {
            if (check_value(r, x, an, d->attrs[i].type, d->attrs[i].fixed, v, &n->attrs[i]) < 0)
                return -1;
            continue;
        }
        if (dc_is_leaf(d) || (d->flags & (DC_HOIST | DC_CLOSED)))
            return vc_xml_fail(r->err, x, "<%s> has an attribute '%s' that has no place in the model", d->name, an);
        dc_xattr *xa = VC_PUSH(r->a, n->xattrs, n->nxattrs);
        if (!xa || !(xa->name = vc_strdup(r->a, an)))
            return oom(r);
        xa->value = v;
    }
    for (size_t i = 0; d->attrs[i].name; i++)
        if (d->attrs[i].required && !n->attrs[i])
            return vc_xml_fail(r->err, x, "<%s> needs a '%s' attribute", d->name, d->attrs[i].name);
    return 0;
}

static int read_children(rctx *r, const xmlNode *x, dc_node *n)
{
    const dc_desc *d = n->desc;
    int last = -1;
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (is_text(c) && !blank((const char *)c->content))
            return vc_xml_fail(r->err, c, "unexpected text in <%s>", d->name);
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if ((d->flags & DC_ENUMS) && strcmp(name_of(c), "enum") == 0) {
            if (read_enum(r, c, n) < 0)
                return -1;
            last = DC_ENUM_SLOT(d);
            continue;
        }
        int slot = slot_of(d, c);
        if (slot < 0) {
            if (d->flags & DC_CLOSED)
                return vc_xml_fail(r->err, c, "<%s> has an element <%s> that has no place in the model", d->name,
                                   name_of(c));
            dc_extra *e = dc_extra_push(r->a, n);
            if (!e)
                return oom(r);
            e->after = last;
            if (!(e->node = read_unknown(r, c)))
                return -1;
            continue;
        }
        const dc_desc *k = d->children[slot];
        if (!(k->flags & DC_REPEAT) && n->kids[slot].n)
            return vc_xml_fail(r->err, c, "<%s> has a second <%s>", d->name, k->name);
        dc_node *kid = dc_node_push(r->a, &n->kids[slot], k);
        if (!kid)
            return oom(r);
        if (read_node(r, c, kid) < 0)
            return -1;
        last = slot;
    }
    for (size_t i = 0; d->children && d->children[i]; i++) {
        const dc_desc *k = d->children[i];
        if ((k->flags & DC_REQUIRED) && !n->kids[i].n) {
            if (k->match)
                return vc_xml_fail(r->err, x, "<%s> needs a <%s name='%s'> element", d->name, k->name, k->match);
            return vc_xml_fail(r->err, x, "<%s> needs a <%s> element", d->name, k->name);
        }
    }
    return 0;
}

/* Blockers are kept with the model they name, once per model. */
static int check_blockers(rctx *r, const xmlNode *x, const dc_node *mode, size_t slot)
{
    const dc_list *models = &mode->kids[0], *blockers = &mode->kids[slot];
    for (size_t i = 0; i < blockers->n; i++) {
        const char *name = blockers->v[i]->attrs[0];
        size_t found = 0;
        for (size_t j = 0; j < models->n; j++)
            found += strcmp(models->v[j]->text, name) == 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(blockers->v[j]->attrs[0], name) == 0)
                found = 2;
        if (found != 1)
            return vc_xml_fail(r->err, x, "<blockers model='%.80s'> must name one listed model, once", name);
    }
    return 0;
}

static int read_node(rctx *r, const xmlNode *x, dc_node *n)
{
    const dc_desc *d = n->desc;
    n->line = vc_xml_line(x);
    if (no_namespace(r, x) < 0 || read_attrs(r, x, n) < 0)
        return -1;
    if (d->text != DC_NONE) {
        char *s = text_of(r, x);
        if (!s || check_value(r, x, NULL, d->text, NULL, s, &n->text) < 0)
            return -1;
        return 0;
    }
    if (read_children(r, x, n) < 0)
        return -1;
    for (size_t i = 0; d->children && d->children[i]; i++)
        if ((d->children[i]->flags & DC_BLOCKERS) && check_blockers(r, x, n, i) < 0)
            return -1;
    dc_sort_enums(n);
    return 0;
}

static vc_domcaps *read_doc(const char *data, size_t len, vc_error *err)
{
    xmlDocPtr doc = vc_xml_parse_doc(data, len, err);
    if (!doc)
        return NULL;
    vc_domcaps *dc = vc_domcaps_new();
    if (!dc) {
        xmlFreeDoc(doc);
        vc_oom(err);
        return NULL;
    }
    rctx r = {.a = dc->arena, .err = err};
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc = -1;
    if (!root)
        vc_fail(err, VC_EINPUT, "line 1: the document has no root element");
    else if (!vc_xml_is(root, dc_schema.name))
        vc_xml_fail(err, root, "the root element is <%s>, expected <%s>", name_of(root), dc_schema.name);
    else
        rc = read_node(&r, root, dc->root);
    xmlFreeDoc(doc);
    if (rc < 0) {
        vc_domcaps_free(dc);
        return NULL;
    }
    return dc;
}

vc_domcaps *vc_domcaps_read(const char *data, size_t len, vc_error *err)
{
    return read_doc(data, len, err);
}

static void *read_domcaps(const char *data, size_t len, vc_error *err)
{
    return read_doc(data, len, err);
}

vc_domcaps *vc_domcaps_read_file(const char *path, vc_error *err)
{
    return vc_xml_read_path(path, read_domcaps, err);
}

dc_node *vc_domcaps_read_fragment(vc_arena *a, const char *xml, size_t len, vc_error *err)
{
    xmlDocPtr doc = vc_xml_parse_doc(xml, len, err);
    if (!doc)
        return NULL;
    rctx r = {.a = a, .err = err};
    xmlNode *root = xmlDocGetRootElement(doc);
    dc_node *n = root ? read_unknown(&r, root) : NULL;
    if (!root)
        vc_fail(err, VC_EINPUT, "line 1: no element");
    xmlFreeDoc(doc);
    return n;
}
