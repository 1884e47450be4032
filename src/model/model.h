/* virtcaps C core: the capabilities model and the helpers every concern shares.
 * Nothing here knows about Lua; the binding (binding.c, table.c) does. */
#ifndef VC_H
#define VC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VC_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* virtcaps' version (virtcaps._VERSION, the rockspec's) */
#define VC_VERSION "0.1.0"

/* Integers of the model are non-negative; VC_UNSET marks an absent one. */
#define VC_UNSET INT64_C(-1)
/* Tri-state booleans: VC_UNSET_B absent, 0 false, 1 true. */
#define VC_UNSET_B ((int8_t)-1)

/* ---- errors: return codes travel up to the binding ---- */
enum vc_code {
    VC_OK = 0,
    VC_EINPUT,  /* the input is wrong: nil, message */
    VC_ELIMIT,  /* the input exceeds a documented limit: nil, message */
    VC_EIO,     /* a file could not be read: nil, message */
    VC_ENOMEM,  /* out of memory: raised */
    VC_EMISUSE, /* the caller asked for something impossible (unknown driver): raised */
};

typedef struct vc_error {
    int code;
    char msg[512];
} vc_error;

/* Records the error and returns -1 so callers can `return vc_fail(...)`. */
int vc_fail(vc_error *err, int code, const char *fmt, ...) VC_PRINTF(3, 4);
int vc_vfail(vc_error *err, int code, const char *fmt, va_list ap);
int vc_oom(vc_error *err);

/* ---- arena: one owner for every allocation of a model ---- */
typedef struct vc_arena vc_arena;

vc_arena *vc_arena_new(void);
void vc_arena_free(vc_arena *a);
size_t vc_arena_size(const vc_arena *a);
void *vc_alloc(vc_arena *a, size_t size);               /* zeroed, NULL on OOM */
char *vc_strdup(vc_arena *a, const char *s);
char *vc_strndup(vc_arena *a, const char *s, size_t n);
char *vc_sprintf(vc_arena *a, const char *fmt, ...) VC_PRINTF(2, 3);
/* Arrays grow by doubling; vc_array reserves a power-of-two capacity so
 * vc_push may be used on its result too. Both return NULL on OOM. */
void *vc_array(vc_arena *a, size_t n, size_t elem);
void *vc_push(vc_arena *a, void *arrayp, size_t *n, size_t elem);
#define VC_PUSH(a, arr, n) vc_push((a), &(arr), &(n), sizeof *(arr))

/* ---- growable text buffer (heap, owned by whoever initialised it) ---- */
typedef struct vc_buf {
    char *data;
    size_t len, cap;
    bool oom;
} vc_buf;

void vc_buf_init(vc_buf *b);
void vc_buf_free(vc_buf *b);
void vc_buf_add(vc_buf *b, const char *s, size_t n);
void vc_buf_puts(vc_buf *b, const char *s);
void vc_buf_printf(vc_buf *b, const char *fmt, ...) VC_PRINTF(2, 3);
void vc_buf_spaces(vc_buf *b, int n);

/* qsort/bsearch order of int64_t values */
int vc_cmp_i64(const void *a, const void *b);

/* ---- id sets: CPU and node lists as sorted, merged ranges (idset.c) ---- */
typedef struct vc_range {
    int64_t first, last;
} vc_range;

typedef struct vc_idset {
    vc_range *ranges;   /* sorted, neither overlapping nor adjacent */
    size_t n;
    int64_t count;      /* ids in the set */
} vc_idset;

/* Ids are below VC_CPUSET_MAX. The parsers put the ranges in a and return
 * 0, or -1 with err (VC_EINPUT, VC_ELIMIT past the limit, VC_ENOMEM). */
#define VC_CPUSET_MAX 1048576
/* The reference's cpusets ("0-3,8,^2"; blanks between items): items apply
 * in order, '^N' removes N unless a later item adds it back. */
int vc_cpuset_parse(vc_arena *a, const char *s, vc_idset *out, vc_error *err);
/* "0-3,8\n" as sysfs writes CPU and node lists; empty text is the empty set. */
int vc_idset_parse_list(vc_arena *a, const char *s, size_t len, vc_idset *out, vc_error *err);
/* "ff,ffffffff\n": a hexadecimal mask, comma-separated 32-bit groups allowed. */
int vc_idset_parse_mask(vc_arena *a, const char *s, size_t len, vc_idset *out, vc_error *err);
/* Builds a set from ids in any order (duplicates allowed); -1 on OOM. */
int vc_idset_from_ids(vc_arena *a, const int64_t *ids, size_t n, vc_idset *out);
int vc_idset_intersect(vc_arena *a, const vc_idset *x, const vc_idset *y, vc_idset *out);
bool vc_idset_has(const vc_idset *s, int64_t id);
int64_t vc_idset_max(const vc_idset *s); /* -1 when empty */
/* The smallest id of sub that super lacks; -1 when super has them all. */
int64_t vc_idset_missing(const vc_idset *sub, const vc_idset *super);
/* The reference's format: "0-3,8" (runs of two or more joined by '-'). */
void vc_idset_write(vc_buf *b, const vc_idset *s);
char *vc_idset_format(vc_arena *a, const vc_idset *s); /* NULL on OOM */

/* ---- the model: libvirt's virCaps, as the capabilities XML shows it ---- */

/* line: where the element started in a parsed document, 0 when built in memory */

typedef struct vc_feature {
    char *name;
    char *policy;       /* guest CPUs only */
} vc_feature;

typedef struct vc_pagesize {
    char *unit;
    int64_t size;
} vc_pagesize;

typedef struct vc_cpu {
    int line;
    /* guest CPU definitions only (cpu compare / baseline) */
    char *mode, *match, *check, *migratable;
    char *fallback, *vendor_id;
    char *arch;
    char **legacy_features;         /* early <features><vmx/></features> block */
    size_t nlegacy_features;
    char *model;
    char *vendor;
    int64_t microcode;              /* <microcode version=> */
    bool has_signature;
    int64_t sig_family, sig_model, sig_stepping;
    bool has_counter;
    char *counter_name;
    int64_t counter_frequency;
    int8_t counter_scaling;
    bool has_topology;
    int64_t sockets, dies, clusters, cores, threads;
    bool has_maxphysaddr;
    char *addr_mode;
    int64_t addr_bits, addr_limit;
    vc_feature *features;
    size_t nfeatures;
    vc_pagesize *pages;
    size_t npages;
} vc_cpu;

typedef struct vc_scaled {
    int64_t value;
    char *unit;
} vc_scaled;

typedef struct vc_cell_pages {
    char *unit;
    int64_t size;
    int64_t count;
} vc_cell_pages;

typedef struct vc_distance {
    int64_t id, value;
} vc_distance;

typedef struct vc_numa_cache {
    int line;
    int64_t level;
    char *associativity, *policy;
    bool has_size, has_line;
    vc_scaled size, linesize;
} vc_numa_cache;

typedef struct vc_cell_cpu {
    int line;
    int64_t id, socket_id, die_id, cluster_id, core_id;
    char *siblings;
} vc_cell_cpu;

typedef struct vc_cell {
    int line;
    int64_t id;
    bool has_memory;
    vc_scaled memory;
    vc_cell_pages *pages;
    size_t npages;
    bool has_distances;
    vc_distance *distances;
    size_t ndistances;
    vc_numa_cache *caches;
    size_t ncaches;
    bool has_cpus;
    vc_cell_cpu *cpus;
    size_t ncpus;
} vc_cell;

typedef struct vc_interconnect {
    int line;
    int64_t initiator, target, cache, value;
    char *type, *unit;
} vc_interconnect;

typedef struct vc_topology {
    int line;
    vc_cell *cells;
    size_t ncells;
    bool has_interconnects;
    vc_interconnect *latencies;
    size_t nlatencies;
    vc_interconnect *bandwidths;
    size_t nbandwidths;
} vc_topology;

typedef struct vc_control {
    int line;
    int64_t granularity, min, max_allocs;
    char *unit, *type;
} vc_control;

typedef struct vc_monitor {
    int line;
    int64_t level, reuse_threshold, max_monitors;
    char **features;
    size_t nfeatures;
} vc_monitor;

typedef struct vc_bank {
    int line;
    int64_t id, level, size;
    char *type, *unit, *cpus;
    vc_control *controls;
    size_t ncontrols;
} vc_bank;

typedef struct vc_cache {
    vc_bank *banks;
    size_t nbanks;
    vc_monitor *monitor;
} vc_cache;

typedef struct vc_membw_node {
    int line;
    int64_t id;
    char *cpus;
    vc_control *controls;
    size_t ncontrols;
} vc_membw_node;

typedef struct vc_membw {
    vc_membw_node *nodes;
    size_t nnodes;
    vc_monitor *monitor;
} vc_membw;

typedef struct vc_baselabel {
    char *type, *label;
} vc_baselabel;

typedef struct vc_secmodel {
    int line;
    char *model, *doi;
    vc_baselabel *labels;
    size_t nlabels;
} vc_secmodel;

typedef struct vc_host {
    int line;
    char *uuid;
    vc_cpu *cpu;
    bool has_power_management;
    bool suspend_mem, suspend_disk, suspend_hybrid;
    int8_t iommu;
    bool has_migration;
    bool live_migration;
    char **uri_transports;
    size_t nuri_transports;
    char *netprefix;
    vc_topology *topology;
    vc_cache *cache;
    vc_membw *memory_bandwidth;
    vc_secmodel *secmodels;
    size_t nsecmodels;
} vc_host;

typedef struct vc_machine {
    int line;
    char *name, *canonical;
    int64_t max_cpus;
    int8_t deprecated;
} vc_machine;

typedef struct vc_domain {
    int line;
    char *type, *emulator, *loader;
    vc_machine *machines;
    size_t nmachines;
} vc_domain;

/* Guest features in the order the reference writes them. */
enum vc_guest_feature_id {
    VC_GF_PAE, VC_GF_NONPAE, VC_GF_IA64_BE, VC_GF_ACPI, VC_GF_APIC,
    VC_GF_CPUSELECTION, VC_GF_DEVICEBOOT, VC_GF_DISKSNAPSHOT, VC_GF_HAP,
    VC_GF_EXTERNALSNAPSHOT, VC_GF_COUNT
};
extern const char *const vc_guest_feature_names[VC_GF_COUNT + 1]; /* NULL-terminated */

typedef struct vc_guest_feature {
    bool present;
    int8_t default_on, toggle;
} vc_guest_feature;

typedef struct vc_guest {
    int line;
    char *os_type;
    char *arch;
    int64_t wordsize;
    char *emulator, *loader;
    vc_machine *machines;
    size_t nmachines;
    vc_domain *domains;
    size_t ndomains;
    bool has_features;
    vc_guest_feature features[VC_GF_COUNT];
} vc_guest;

typedef struct vc_caps {
    vc_arena *arena;        /* owns the caps and everything it points to */
    vc_host host;
    vc_guest *guests;
    size_t nguests;
    char **warnings;        /* what a reader or probe skipped, and why */
    size_t nwarnings;
    char *trailer;          /* blank lines a document had after its last line (virsh prints two) */
} vc_caps;

/* model.c */
vc_caps *vc_caps_new(void);
void vc_caps_free(vc_caps *caps);
vc_cpu *vc_cpu_new(vc_arena *a);
/* Adds a warning; -1 only on OOM. */
int vc_caps_warn(vc_caps *caps, const char *fmt, ...) VC_PRINTF(2, 3);
int vc_caps_vwarn(vc_caps *caps, const char *fmt, va_list ap);
/* Checks what the schema and the reference require beyond types: required
 * values, enumerations, ranges, cpusets, unique ids. Messages name the path
 * (host.topology.cells[1].id) and, for parsed documents, the line. */
int vc_caps_validate(const vc_caps *caps, vc_error *err);
int vc_cpu_validate(const vc_cpu *cpu, const char *path, vc_error *err);

/* xml_read.c: untrusted bytes in, a validated model out (NULL + err). */
#define VC_XML_MAX_BYTES ((size_t)64 * 1024 * 1024)
vc_caps *vc_xml_read(const char *data, size_t len, vc_error *err);
vc_caps *vc_xml_read_file(const char *path, vc_error *err);
/* A <cpu> document, a root holding <cpu> children, or a <capabilities>
 * document (its host <cpu>); the CPUs live in a. */
vc_cpu **vc_xml_read_cpus(const char *data, size_t len, vc_arena *a, size_t *ncpus, vc_error *err);
/* libxml2's parser as the reader uses it (no DTD, no entities, no network,
 * the size limit), for other documents, keeping blank text so that markup
 * prints as written; the caller frees with xmlFreeDoc. */
struct _xmlDoc;
struct _xmlDoc *vc_xml_parse_doc(const char *data, size_t len, vc_error *err);
/* Where a node of a parsed document starts (0 for none), and errors there:
 * "line N: what" (VC_EINPUT); in a named file, "FILE: line N: what", or
 * "FILE: what" for no node. */
struct _xmlNode;
bool vc_xml_is(const struct _xmlNode *n, const char *name); /* an element of that name */
int vc_xml_line(const struct _xmlNode *n);
int vc_xml_fail(vc_error *err, const struct _xmlNode *n, const char *fmt, ...) VC_PRINTF(3, 4);
int vc_xml_file_fail(vc_error *err, const char *file, const struct _xmlNode *n, const char *fmt, ...)
    VC_PRINTF(4, 5);

/* xml_write.c: the reference's byte layout. */
int vc_xml_write(const vc_caps *caps, vc_buf *out, vc_error *err);
/* A standalone <cpu> element at the given indent (as in virsh output). */
void vc_xml_write_cpu(vc_buf *out, const vc_cpu *cpu, int indent);
/* Escapes text for element content or single-quoted attributes. */
void vc_xml_escape(vc_buf *out, const char *s);

#endif
