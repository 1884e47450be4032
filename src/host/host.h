/* The host probe (host/): the context of one host probe, reading host
 * files through the options, and the parsers for what sysfs writes. */
#ifndef VC_PROBE_HOST_H
#define VC_PROBE_HOST_H

#include "base/idset.h"
#include "base/options.h"
#include "host/context.h"
#include "model/model.h"

#include <dirent.h>

/* detect_virt.c: the virtual machine and the container the host runs in,
 * with systemd-detect-virt's names ("none", "kvm", "docker", ...; static
 * strings). cpuid: the CPUID hypervisor signature to use instead of the
 * instruction's ("" for no hypervisor bit), or NULL. */
typedef struct vc_virt {
    const char *vm, *container;
} vc_virt;
int vc_detect_virt(const vc_probe_opts *opts, const char *cpuid, vc_virt *out, vc_error *err);
/* The reference's `virsh nodeinfo` numbers (memory in KiB, VC_UNSET when
 * /proc/meminfo says nothing) and CPU signature line (NULL where the
 * reference computes none; in a). Both read what the options map. */
typedef struct vc_node_summary {
    int64_t cpus, maxcpus, mhz, nodes, sockets, cores, threads, memory;
} vc_node_summary;
int vc_probe_nodeinfo(const vc_probe_opts *opts, vc_node_summary *out, vc_error *err);
int vc_probe_signature(const vc_probe_opts *opts, vc_arena *a, char **signature, vc_error *err);


/* One number as sysfs writes it: optional leading blanks, digits, at most
 * one trailing newline. 0, or -1 when it is not such a number or above max. */
int vc_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out);
/* The same, signed, within int32 (physical_package_id may be -1). */
int vc_parse_int(const char *s, size_t len, int64_t *out);
/* A size with an optional unit suffix ("8192K", "1M", "512"), in bytes. */
int vc_parse_scaled(const char *s, size_t len, uint64_t *bytes);

/* ---- the probe's context ---- */

typedef struct vc_topo vc_topo;

typedef struct vc_hostctx {
    vc_probe_ctx *ctx;      /* the probe's: architecture, cpuinfo, cache */
    const vc_probe_opts *opts; /* ctx->opts */
    vc_caps *caps;          /* warnings go to caps->warnings; NULL drops them */
    vc_arena *scratch;      /* lives while the probe runs */
    const char *arch;       /* ctx->arch */
    bool real_host;         /* neither root nor paths: devices are this machine's */
    /* what the last failed read was, for warnings */
    char last[4096];        /* the host path */
    char why[512];
    /* /proc/cpuinfo (ctx's), once vc_host_cpuinfo has loaded it */
    bool cpuinfo_seen;
    const char *cpuinfo;
    size_t cpuinfo_len;
    /* per-CPU topology, read once per CPU (topology.c) */
    vc_topo *topo;
} vc_hostctx;

int vc_hostctx_init(vc_hostctx *h, vc_probe_ctx *ctx, vc_caps *caps, vc_error *err);
void vc_hostctx_free(vc_hostctx *h);
/* Adds a warning (a no-op without caps); -1 only on OOM. */
int vc_hwarn(vc_hostctx *h, const char *fmt, ...) VC_PRINTF(2, 3);

/* Limits on what one file may hold. */
#define VC_VALUE_MAX ((size_t)4096)          /* single values */
#define VC_LIST_MAX ((size_t)1024 * 1024)    /* CPU lists and masks, meminfo */

/* Host path from a format, mapped through the options into out (PATH_MAX).
 * Records the host path in h->last. -1 when it does not fit. */
int vc_hpath(vc_hostctx *h, char *out, const char *fmt, ...) VC_PRINTF(3, 4);

/* A "KEY: N kB" line of /proc/meminfo or a node's meminfo; 0, or -1. */
int vc_meminfo_kib(const char *text, size_t len, const char *key, uint64_t *kib);

/* libvirt's virFileReadValue*: 0 read, -2 the file does not exist, -1 it
 * could not be read or holds garbage (h->last and h->why say which). */
int vc_hread_uint(vc_hostctx *h, uint64_t max, uint64_t *out, const char *fmt, ...) VC_PRINTF(4, 5);
int vc_hread_int(vc_hostctx *h, int64_t *out, const char *fmt, ...) VC_PRINTF(3, 4);
int vc_hread_list(vc_hostctx *h, vc_idset *out, const char *fmt, ...) VC_PRINTF(3, 4);
int vc_hread_mask(vc_hostctx *h, vc_idset *out, const char *fmt, ...) VC_PRINTF(3, 4);
int vc_hread_scaled(vc_hostctx *h, uint64_t *out, const char *fmt, ...) VC_PRINTF(3, 4);
/* The text with one trailing newline removed (scratch arena). */
int vc_hread_text(vc_hostctx *h, size_t limit, char **out, const char *fmt, ...) VC_PRINTF(4, 5);
/* Opens a directory: 1 opened, 0 missing, -1 unreadable (h->why). */
int vc_hopendir(vc_hostctx *h, DIR **d, const char *fmt, ...) VC_PRINTF(3, 4);
/* The next entry other than . and ..; NULL at the end. */
const char *vc_hreaddir(DIR *d);
/* True when the path exists (stat through the options). */
bool vc_hexists(vc_hostctx *h, const char *fmt, ...) VC_PRINTF(2, 3);

/* "hugepages-2048kB": the page size in KiB; -1 when the name is not that. */
int vc_hugepage_kib(const char *name, uint64_t *kib);
/* A name of the form PREFIX<digits>[rest]; the number, or -1. */
int64_t vc_name_number(const char *name, const char *prefix, const char **rest);

/* ---- cpuinfo (cpu.c); pure functions of the text, for the fuzzer ---- */

/* libvirt reads /proc/cpuinfo with fgets into 1024 bytes: lines longer than
 * 1023 bytes reach its parsers in pieces. These do the same. */
/* The clock in MHz (0 when the architecture reports none). -1 when a
 * matching line is malformed (*mhz keeps the value seen before it). */
int vc_cpuinfo_mhz(const char *text, size_t len, const char *arch, unsigned *mhz);
/* The signature line, or NULL where the reference computes none; -1 on OOM. */
int vc_cpuinfo_signature(vc_arena *a, const char *text, size_t len, const char *arch, char **out);
/* The microcode revision from the first 4096 bytes (x86); 0 when unknown. */
unsigned vc_cpuinfo_microcode(const char *text, size_t len);
/* The physical address bits; -1 when there is no valid "address sizes" line. */
int vc_cpuinfo_physaddr(const char *text, size_t len, unsigned *bits);

/* Vendor, signature and features of an x86 cpuinfo, the reference's names. */
typedef struct vc_x86_info {
    const char *vendor;         /* Intel, AMD, Hygon or NULL */
    bool has_signature;
    int64_t family, model, stepping;
    const char **features;      /* in the reference's order */
    size_t nfeatures;
    bool invtsc;
} vc_x86_info;
int vc_cpuinfo_x86(vc_arena *a, const char *text, size_t len, vc_x86_info *out);

/* ---- nodeinfo: the reference's virsh nodeinfo numbers ---- */
typedef vc_node_summary vc_nodeinfo;

int vc_host_cpuinfo(vc_hostctx *h);          /* loads it; -1: h->why */
int vc_host_nodeinfo(vc_hostctx *h, vc_nodeinfo *ni, vc_error *err);
int vc_host_cpu(vc_hostctx *h, vc_cpu *cpu); /* fills the host <cpu>; -1 on OOM */
int64_t vc_host_meminfo_total(vc_hostctx *h); /* /proc/meminfo MemTotal in KiB, VC_UNSET */

/* ---- per-CPU topology (topology.c) ---- */
typedef struct vc_cpu_topo {
    bool read;
    int32_t socket, die, cluster, core; /* -1: that file was garbage or unreadable */
    int64_t nsiblings;                  /* 0: thread_siblings_list was bad */
    const char *siblings;               /* formatted; NULL when bad */
    const char *why;                    /* what was bad, for messages */
} vc_cpu_topo;

void vc_topo_free(vc_topo *t);
/* Reads cpu/cpuN/topology once; NULL on OOM. The pointer is valid until
 * the next call (the table grows). */
const vc_cpu_topo *vc_host_topo(vc_hostctx *h, int64_t cpu);
/* cpu/online (or cpu/present): 0, or -1 (h->last, h->why). */
int vc_host_cpu_list(vc_hostctx *h, bool online, const vc_idset **out);
/* A CPU's thread siblings as a set, once vc_host_topo has read that CPU;
 * NULL for a CPU it has not. */
const vc_idset *vc_host_topo_siblings(vc_hostctx *h, int64_t cpu);

/* Each fills its part; what cannot be read or makes no sense becomes a
 * warning in caps, so -1 is out of memory alone. */
int vc_host_numa(vc_hostctx *h, vc_host *host);      /* topology */
int vc_host_caches(vc_hostctx *h, vc_host *host);    /* cache, memory_bandwidth */
int vc_host_secmodels(vc_hostctx *h, vc_host *host); /* secmodels */

#endif
