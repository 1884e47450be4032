/* Any bytes -> a domain definition or an error, and XPath over them: with
 * fixed expressions, and with the first line as the expression over the
 * rest. Nothing may crash, leak or run away. */
#include <stdlib.h>
#include <string.h>

#include "xml/xml.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void query(const char *xml, size_t len, const char *expr)
{
    vc_arena *a = vc_arena_new();
    if (!a)
        abort();
    vc_xpath_result r;
    vc_error err;
    if (vc_xpath(xml, len, expr, a, &r, &err) == 0 && r.kind == VC_XPATH_NODES)
        for (size_t i = 0; i < r.nstrings; i++)
            if (!r.strings[i])
                abort();
    vc_arena_free(a);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *text = (const char *)data;
    vc_arena *a = vc_arena_new();
    if (!a)
        abort();
    vc_error err;
    vc_domain_read(text, size, a, &err);
    vc_arena_free(a);
    static const char *const fixed[] = {"//*", "count(//@*)", "string(/)", "//text()", NULL};
    for (const char *const *e = fixed; *e; e++)
        query(text, size, *e);
    const char *nl = memchr(text, '\n', size);
    if (nl && nl - text < 512) {
        char expr[512];
        memcpy(expr, text, (size_t)(nl - text));
        expr[nl - text] = '\0';
        query(nl + 1, size - (size_t)(nl - text) - 1, expr);
    }
    return 0;
}
