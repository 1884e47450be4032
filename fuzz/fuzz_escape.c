/* Any bytes as values of a model -> a well-formed document: the one
 * escaper (xml/write.c) makes whatever a value holds well-formed. */
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "xml/xml.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    vc_caps *caps = vc_caps_new();
    if (!caps)
        return 0;
    /* The bytes up to the first NUL are the model, the rest the vendor. */
    size_t cut = strnlen((const char *)data, size);
    vc_cpu *cpu = vc_cpu_new(caps->arena);
    char *model = vc_strndup(caps->arena, (const char *)data, cut);
    char *vendor = cut < size ? vc_strndup(caps->arena, (const char *)data + cut + 1, size - cut - 1) : NULL;
    if (!cpu || !model || (cut < size && !vendor)) {
        vc_caps_free(caps);
        return 0;
    }
    if (!(cpu->arch = vc_strdup(caps->arena, "x86_64"))) {
        vc_caps_free(caps);
        return 0;
    }
    cpu->model = model;
    cpu->vendor = vendor ? vendor : model;
    caps->host.cpu = cpu;
    vc_error err;
    vc_buf out;
    vc_buf_init(&out);
    if (vc_xml_write(caps, &out, &err) < 0 || out.oom)
        abort();
    /* Well-formed XML (vc_xml_read would also judge the values: an empty
     * model is refused there, rightly). */
    xmlDocPtr doc = xmlReadMemory(out.data, (int)out.len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                                      XML_PARSE_NOWARNING);
    if (!doc)
        abort(); /* a value made the document ill-formed */
    xmlFreeDoc(doc);
    vc_buf_free(&out);
    vc_caps_free(caps);
    return 0;
}
