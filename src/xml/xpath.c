/* XPath over any document with libxml2, for scripts that used to pipe
 * `virsh capabilities` into `xmllint --xpath`. The document is parsed the
 * safe way (read.c); evaluation is bounded in work and in output. */
#include "xml/internal.h"
#include "xml/xml.h"

#include <libxml/xmlIO.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <string.h>

/* libxml2 only fills in the message when it prints the error itself, so the
 * handler keeps the code and the message comes from here. */
static const char *xpath_message(int code)
{
    switch (code - XML_XPATH_EXPRESSION_OK) {
    case XPATH_NUMBER_ERROR: return "bad number";
    case XPATH_UNFINISHED_LITERAL_ERROR: return "unfinished literal";
    case XPATH_START_LITERAL_ERROR: return "literal expected";
    case XPATH_VARIABLE_REF_ERROR: return "bad variable reference";
    case XPATH_UNDEF_VARIABLE_ERROR: return "undefined variable";
    case XPATH_INVALID_PREDICATE_ERROR: return "invalid predicate";
    case XPATH_EXPR_ERROR: return "invalid expression";
    case XPATH_UNCLOSED_ERROR: return "missing closing bracket or parenthesis";
    case XPATH_UNKNOWN_FUNC_ERROR: return "unknown function";
    case XPATH_INVALID_OPERAND: return "invalid operand";
    case XPATH_INVALID_TYPE: return "invalid type";
    case XPATH_INVALID_ARITY: return "wrong number of arguments";
    case XPATH_INVALID_CTXT_SIZE: return "invalid context size";
    case XPATH_INVALID_CTXT_POSITION: return "invalid context position";
    case XPATH_UNDEF_PREFIX_ERROR: return "undefined namespace prefix";
    case XPATH_ENCODING_ERROR: return "encoding error";
    case XPATH_INVALID_CHAR_ERROR: return "invalid character";
    case XPATH_INVALID_CTXT: return "invalid context";
    case XPATH_STACK_ERROR: return "stack usage error";
    case XPATH_FORBID_VARIABLE_ERROR: return "variables are not allowed";
    default: return "cannot evaluate";
    }
}

typedef struct xerr {
    int code;
    int position;
    bool too_long; /* a string grew over VC_XML_MAX_BYTES */
} xerr;

static void keep_error(void *data, xmlError *e)
{
    xerr *x = data;
    if (x->code == 0) {
        x->code = e->code;
        x->position = e->int1;
    }
}

/* Some evaluation errors are also printed through the generic handler;
 * they are reported through keep_error already. */
static void silent(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

/* concat() is the one XPath 1.0 function whose result outgrows its
 * arguments (the others give at most what they were given, and a node's
 * string value is at most the document): this one checks the length
 * before it builds the string, and stops the evaluation past the limit. */
static void bounded_concat(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs < 2 || ctxt->valueNr < nargs) {
        xmlXPathErr(ctxt, XPATH_INVALID_ARITY);
        return;
    }
    xmlXPathObjectPtr *args = ctxt->valueTab + ctxt->valueNr - nargs;
    xmlChar **parts = xmlMalloc((size_t)nargs * sizeof *parts);
    int nparts = 0;
    size_t total = 0;
    int error = parts ? 0 : XPATH_MEMORY_ERROR;
    for (; !error && nparts < nargs; nparts++) {
        parts[nparts] = xmlXPathCastToString(args[nparts]);
        size_t n = parts[nparts] ? (size_t)xmlStrlen(parts[nparts]) : 0;
        if (!parts[nparts]) {
            error = XPATH_MEMORY_ERROR;
        } else if (n > VC_XML_MAX_BYTES - total) {
            ((xerr *)ctxt->context->userData)->too_long = true;
            error = XPATH_MEMORY_ERROR;
        }
        total += n;
    }
    xmlChar *out = error ? NULL : xmlMallocAtomic(total + 1);
    if (out) {
        size_t k = 0;
        for (int i = 0; i < nparts; i++) {
            size_t n = (size_t)xmlStrlen(parts[i]);
            memcpy(out + k, parts[i], n);
            k += n;
        }
        out[k] = '\0';
    }
    for (int i = 0; i < nparts; i++)
        xmlFree(parts[i]);
    xmlFree(parts);
    for (int i = 0; i < nargs; i++)
        xmlXPathFreeObject(valuePop(ctxt));
    xmlXPathObjectPtr res = out ? xmlXPathWrapString(out) : NULL;
    if (!res) {
        xmlFree(out);
        xmlXPathErr(ctxt, error ? error : XPATH_MEMORY_ERROR);
        return;
    }
    valuePush(ctxt, res);
}

static xmlXPathFunction lookup(void *data, const xmlChar *name, const xmlChar *ns_uri)
{
    (void)data;
    return !ns_uri && xmlStrEqual(name, (const xmlChar *)"concat") ? bounded_concat : NULL;
}

static int fail_expr(vc_error *err, const char *expr, const xerr *x, bool compiling)
{
    if (x->too_long)
        return vc_fail(err, VC_ELIMIT, "XPath expression '%.200s': a string over the limit of %zu bytes", expr,
                       VC_XML_MAX_BYTES);
    int op_limit = XPATH_OP_LIMIT_EXCEEDED + XML_XPATH_EXPRESSION_OK;
    int depth_limit = XPATH_RECURSION_LIMIT_EXCEEDED + XML_XPATH_EXPRESSION_OK;
    if (x->code == op_limit)
        return vc_fail(err, VC_ELIMIT, "XPath expression '%.200s': more than %lu steps", expr, VC_XPATH_MAX_OPS);
    if (x->code == depth_limit)
        return vc_fail(err, VC_ELIMIT, "XPath expression '%.200s': nested too deep", expr);
    if (x->code == XML_XPATH_MEMORY_ERROR)
        return vc_oom(err);
    if (x->code == 0)
        return vc_fail(err, VC_EINPUT, "bad XPath expression '%.200s'", expr);
    if (!compiling)
        return vc_fail(err, VC_EINPUT, "bad XPath expression '%.200s': %s", expr, xpath_message(x->code));
    return vc_fail(err, VC_EINPUT, "bad XPath expression '%.200s': %s at character %d", expr,
                   xpath_message(x->code), x->position + 1);
}

/* The text a node stands for; NULL on OOM. */
static char *node_text(vc_arena *a, xmlNodePtr n, size_t *total, vc_error *err)
{
    char *s = NULL;
    if (n->type == XML_NAMESPACE_DECL) {
        const xmlNs *ns = (const xmlNs *)n;
        s = vc_strdup(a, ns->href ? (const char *)ns->href : "");
    } else if (n->type == XML_ELEMENT_NODE || n->type == XML_DOCUMENT_NODE) {
        xmlNodePtr what = n->type == XML_DOCUMENT_NODE ? xmlDocGetRootElement((xmlDocPtr)n) : n;
        /* An output buffer, not xmlNodeDump: that frees its buffer's
         * content itself when it runs out of memory. */
        xmlOutputBufferPtr buf = xmlAllocOutputBuffer(NULL);
        if (!buf) {
            vc_oom(err);
            return NULL;
        }
        if (what)
            xmlNodeDumpOutput(buf, n->doc, what, 0, 0, NULL);
        const xmlChar *dump = buf->error ? NULL : xmlOutputBufferGetContent(buf);
        if (dump)
            s = vc_strndup(a, (const char *)dump, xmlOutputBufferGetSize(buf));
        xmlOutputBufferClose(buf);
    } else {
        xmlChar *c = xmlNodeGetContent(n);
        s = vc_strdup(a, c ? (const char *)c : "");
        xmlFree(c);
    }
    if (!s) {
        vc_oom(err);
        return NULL;
    }
    *total += strlen(s);
    if (*total > VC_XML_MAX_BYTES) {
        vc_fail(err, VC_ELIMIT, "the XPath result is over the limit of %zu bytes", VC_XML_MAX_BYTES);
        return NULL;
    }
    return s;
}

static int take_result(vc_arena *a, xmlXPathObjectPtr obj, vc_xpath_result *out, vc_error *err)
{
    switch (obj->type) {
    case XPATH_NODESET: {
        xmlNodeSetPtr set = obj->nodesetval;
        size_t n = set ? (size_t)set->nodeNr : 0, total = 0;
        out->kind = VC_XPATH_NODES;
        if (!(out->strings = vc_array(a, n ? n : 1, sizeof *out->strings)))
            return vc_oom(err);
        for (size_t i = 0; i < n; i++)
            if (!(out->strings[i] = node_text(a, set->nodeTab[i], &total, err)))
                return -1;
        out->nstrings = n;
        return 0;
    }
    case XPATH_BOOLEAN:
        out->kind = VC_XPATH_BOOLEAN;
        out->boolean = obj->boolval != 0;
        return 0;
    case XPATH_NUMBER:
        out->kind = VC_XPATH_NUMBER;
        out->number = obj->floatval;
        return 0;
    case XPATH_STRING:
        out->kind = VC_XPATH_STRING;
        if (obj->stringval && (size_t)xmlStrlen(obj->stringval) > VC_XML_MAX_BYTES)
            return vc_fail(err, VC_ELIMIT, "the XPath result is over the limit of %zu bytes", VC_XML_MAX_BYTES);
        if (!(out->strings = vc_array(a, 1, sizeof *out->strings)) ||
            !(out->strings[0] = vc_strdup(a, obj->stringval ? (const char *)obj->stringval : "")))
            return vc_oom(err);
        out->nstrings = 1;
        return 0;
    default:
        return vc_fail(err, VC_EINPUT, "the XPath result is of a type XPath 1.0 does not have");
    }
}

int vc_xpath(const char *xml, size_t len, const char *expr, vc_arena *a, vc_xpath_result *out, vc_error *err)
{
    memset(out, 0, sizeof *out);
    xmlDocPtr doc = vc_xml_parse_doc(xml, len, err);
    if (!doc)
        return -1;
    int rc = -1;
    xerr x = {0, 0, false};
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    if (!ctx) {
        vc_oom(err);
        goto done;
    }
    ctx->error = keep_error;
    ctx->userData = &x;
    ctx->opLimit = VC_XPATH_MAX_OPS;
    ctx->flags |= XML_XPATH_NOVAR;
    xmlXPathRegisterFuncLookup(ctx, lookup, NULL);
    xmlGenericErrorFunc printer = xmlGenericError;
    void *printer_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, silent);
    xmlXPathCompExprPtr comp = xmlXPathCtxtCompile(ctx, (const xmlChar *)expr);
    xmlXPathObjectPtr obj = NULL;
    if (!comp) {
        fail_expr(err, expr, &x, true);
    } else {
        obj = xmlXPathCompiledEval(comp, ctx);
        xmlXPathFreeCompExpr(comp);
        if (!obj || x.code)
            fail_expr(err, expr, &x, false);
    }
    xmlSetGenericErrorFunc(printer_ctx, printer);
    if (!obj || x.code) {
        xmlXPathFreeObject(obj);
        goto done;
    }
    rc = take_result(a, obj, out, err);
    xmlXPathFreeObject(obj);
done:
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return rc;
}
