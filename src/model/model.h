/* The capabilities model: libvirt's virCaps as the capabilities XML shows
 * it, and its validation (model.c). Nothing here knows about XML or Lua. */
#ifndef VC_MODEL_H
#define VC_MODEL_H

#include "base/base.h"

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

#endif
