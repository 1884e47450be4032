/* The XML layer: the capabilities model read from and written as libvirt's
 * XML, XPath over any document, and the parts of a libvirt domain definition
 * that placement checks need. No libxml2 type shows here (internal.h). */
#ifndef VC_XML_H
#define VC_XML_H

#include "model/model.h"

/* read.c: untrusted bytes in, a validated model out (NULL + err). */
#define VC_XML_MAX_BYTES ((size_t)64 * 1024 * 1024)
vc_caps *vc_xml_read(const char *data, size_t len, vc_error *err);
vc_caps *vc_xml_read_file(const char *path, vc_error *err);
/* A <cpu> document, a root holding <cpu> children, or a <capabilities>
 * document (its host <cpu>); the CPUs live in a. */
vc_cpu **vc_xml_read_cpus(const char *data, size_t len, vc_arena *a, size_t *ncpus, vc_error *err);
/* write.c: the reference's byte layout. */
int vc_xml_write(const vc_caps *caps, vc_buf *out, vc_error *err);
/* A standalone <cpu> element at the given indent (as in virsh output). */
void vc_xml_write_cpu(vc_buf *out, const vc_cpu *cpu, int indent);
/* Escapes text for element content or single-quoted attributes. */
void vc_xml_escape(vc_buf *out, const char *s);


/* ---- xpath.c ---- */
typedef enum vc_xpath_kind {
    VC_XPATH_NODES,     /* strings: one per node, in document order */
    VC_XPATH_STRING,    /* strings[0] */
    VC_XPATH_NUMBER,
    VC_XPATH_BOOLEAN,
} vc_xpath_kind;

typedef struct vc_xpath_result {
    vc_xpath_kind kind;
    char **strings;     /* in the arena */
    size_t nstrings;
    double number;
    bool boolean;
} vc_xpath_result;

/* Evaluates expr over the document. Nodes become strings: attributes and
 * text their value, elements their markup (as xmllint --xpath prints them).
 * Bad documents and expressions are VC_EINPUT; results or work beyond the
 * limits are VC_ELIMIT. */
#define VC_XPATH_MAX_OPS 10000000ul
int vc_xpath(const char *xml, size_t len, const char *expr, vc_arena *a, vc_xpath_result *out, vc_error *err);

/* ---- domain.c: a libvirt domain definition, the parts placement
 * checks need. Sizes are in KiB (rounded up); absent integers VC_UNSET. ---- */
typedef struct vc_dom_cell {
    int64_t id, memory;
    char *cpus;
} vc_dom_cell;

typedef struct vc_dom_page {
    int64_t size;
    char *nodeset;
} vc_dom_page;

typedef struct vc_dom_memnode {
    int64_t cellid;
    char *mode, *nodeset;
} vc_dom_memnode;

typedef struct vc_domain_def {
    char *type, *name;
    char *os_type, *arch, *machine;
    char *emulator;
    int64_t vcpus, current_vcpus;
    char *vcpu_placement, *vcpu_cpuset;
    int64_t memory, current_memory, max_memory;
    vc_dom_cell *cells;
    size_t ncells;
    bool hugepages;
    vc_dom_page *pages;
    size_t npages;
    bool has_numatune;
    char *numa_mode, *numa_nodeset, *numa_placement;
    vc_dom_memnode *memnodes;
    size_t nmemnodes;
    char *cpu_mode;
    char *cpu_xml;      /* the <cpu> element as written, for CPU comparison */
} vc_domain_def;

vc_domain_def *vc_domain_read(const char *xml, size_t len, vc_arena *a, vc_error *err);

#endif
