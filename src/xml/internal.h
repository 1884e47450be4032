/* Private to the XML layer (and the CPU map readers, which parse libvirt's
 * XML data files through it): the one place libxml2's types appear. */
#ifndef VC_XML_INTERNAL_H
#define VC_XML_INTERNAL_H

#include <libxml/tree.h>

#include "base/base.h"

/* libxml2's parser as the reader uses it (no DTD, no entities, no network,
 * the size limit), for other documents, keeping blank text so that markup
 * prints as written; the caller frees with xmlFreeDoc. */
xmlDoc *vc_xml_parse_doc(const char *data, size_t len, vc_error *err);
/* Where a node of a parsed document starts (0 for none), and errors there:
 * "line N: what" (VC_EINPUT); in a named file, "FILE: line N: what", or
 * "FILE: what" for no node. */
bool vc_xml_is(const xmlNode *n, const char *name); /* an element of that name */
int vc_xml_line(const xmlNode *n);
int vc_xml_fail(vc_error *err, const xmlNode *n, const char *fmt, ...) VC_PRINTF(3, 4);
int vc_xml_file_fail(vc_error *err, const char *file, const xmlNode *n, const char *fmt, ...)
    VC_PRINTF(4, 5);

/* A reader of documents held in memory: a model in its own arena, or NULL
 * and err. */
typedef void *vc_xml_reader(const char *data, size_t len, vc_error *err);
/* Reads the file at path (up to the byte limit) with read; a failure's
 * message, but for running out of memory, starts "PATH: ". */
void *vc_xml_read_path(const char *path, vc_xml_reader *read, vc_error *err);

#endif
