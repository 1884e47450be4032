/* Writes domain capabilities byte for byte as the reference's formatter
 * (virDomainCapsFormat) does: two-space indent, single-quoted attributes,
 * empty elements self-closed (<devices> excepted), elements, attributes and
 * enums in its order; unknown elements where they were found, unknown
 * attributes after the known ones. */
#include "model/domcaps.h"
#include "xml/xml.h"

#include <string.h>

static void write_node(vc_buf *out, const dc_node *n, int indent);

static void write_extras(vc_buf *out, const dc_node *n, int after, int indent)
{
    for (size_t i = 0; i < n->nextra; i++)
        if (n->extra[i].after == after)
            write_node(out, n->extra[i].node, indent);
}

static void write_enums(vc_buf *out, const dc_node *n, int indent)
{
    for (size_t i = 0; i < n->nenums; i++) {
        const dc_enum *e = &n->enums[i];
        vc_buf_spaces(out, indent);
        vc_buf_puts(out, "<enum name='");
        vc_xml_escape(out, e->name);
        if (!e->n) {
            vc_buf_puts(out, "'/>\n");
            continue;
        }
        vc_buf_puts(out, "'>\n");
        for (size_t j = 0; j < e->n; j++) {
            vc_buf_spaces(out, indent + 2);
            vc_buf_puts(out, "<value>");
            vc_xml_escape(out, e->values[j]);
            vc_buf_puts(out, "</value>\n");
        }
        vc_buf_spaces(out, indent);
        vc_buf_puts(out, "</enum>\n");
    }
}

static bool has_content(const dc_node *n)
{
    if (n->nenums || n->nextra)
        return true;
    for (size_t i = 0; n->desc && n->desc->children && n->desc->children[i]; i++)
        if (n->kids[i].n)
            return true;
    return false;
}

static void write_content(vc_buf *out, const dc_node *n, int indent)
{
    write_extras(out, n, -1, indent);
    if (!n->desc)
        return;
    int nc = (int)dc_nchildren(n->desc);
    int enums_at = n->desc->enum_at < 0 ? nc : n->desc->enum_at;
    for (int i = 0; i <= nc; i++) {
        if (i == enums_at) {
            write_enums(out, n, indent);
            write_extras(out, n, DC_ENUM_SLOT(n->desc), indent);
        }
        if (i == nc)
            break;
        for (size_t j = 0; j < n->kids[i].n; j++)
            write_node(out, n->kids[i].v[j], indent);
        write_extras(out, n, i, indent);
    }
}

static void write_attr(vc_buf *out, const char *name, const char *value)
{
    vc_buf_puts(out, " ");
    vc_buf_puts(out, name);
    vc_buf_puts(out, "='");
    vc_xml_escape(out, value);
    vc_buf_puts(out, "'");
}

static void write_node(vc_buf *out, const dc_node *n, int indent)
{
    const dc_desc *d = n->desc;
    const char *name = d ? d->name : n->name;
    vc_buf_spaces(out, indent);
    vc_buf_puts(out, "<");
    vc_buf_puts(out, name);
    if (d && d->match)
        write_attr(out, "name", d->match);
    for (size_t i = 0; d && d->attrs[i].name; i++)
        if (n->attrs[i])
            write_attr(out, d->attrs[i].name, n->attrs[i]);
    for (size_t i = 0; i < n->nxattrs; i++)
        write_attr(out, n->xattrs[i].name, n->xattrs[i].value);
    if (n->text) {
        vc_buf_puts(out, ">");
        vc_xml_escape(out, n->text);
    } else if (has_content(n) || (d && (d->flags & DC_OPEN))) {
        vc_buf_puts(out, ">\n");
        write_content(out, n, indent + 2);
        vc_buf_spaces(out, indent);
    } else {
        vc_buf_puts(out, "/>\n");
        return;
    }
    vc_buf_puts(out, "</");
    vc_buf_puts(out, name);
    vc_buf_puts(out, ">\n");
}

int vc_domcaps_write(const vc_domcaps *dc, vc_buf *out, vc_error *err)
{
    write_node(out, dc->root, 0);
    if (out->oom)
        return vc_oom(err);
    return 0;
}

void vc_domcaps_write_node(vc_buf *out, const dc_node *n)
{
    write_node(out, n, 0);
    if (!out->oom && out->len && out->data[out->len - 1] == '\n')
        out->data[--out->len] = '\0';
}
