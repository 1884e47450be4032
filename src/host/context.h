/* One probe's context, built once by whoever starts a probe and handed to
 * the host probe, the CPU model and the drivers: the options as the caller
 * gave them, and what every part would otherwise compute again. */
#ifndef VC_CONTEXT_H
#define VC_CONTEXT_H

#include "base/base.h"
#include "base/options.h"
#include "host/cachedir.h"

struct vc_cpu_db;

typedef struct vc_probe_ctx {
    const vc_probe_opts *opts;  /* the caller's, unchanged; NULL: the defaults */
    char arch[64];              /* the host architecture, computed once */
    int arch_index;             /* its vc_arch_index, -1 when the reference does not know it */
    vc_cachedir *cache;         /* NULL: no cache (the probe's own, opened on first use) */
    vc_cachedir cachedir;
    /* /proc/cpuinfo, read once on first use (vc_probe_cpuinfo) */
    bool cpuinfo_read;
    int cpuinfo_rc;             /* 0, or -errno as vc_file_read reports it */
    bool cpuinfo_truncated;     /* longer than VC_CPUINFO_MAX: the first bytes are kept */
    char *cpuinfo;              /* heap, NUL-terminated */
    size_t cpuinfo_len;
    /* The CPU model database: opts->cpu_db, or one the CPU layer loaded and
     * left here with the function that frees it. */
    struct vc_cpu_db *cpu_db;
    void (*cpu_db_free)(struct vc_cpu_db *db);
} vc_probe_ctx;

/* How much of /proc/cpuinfo is read (the rest is ignored). */
#define VC_CPUINFO_MAX ((size_t)16 * 1024 * 1024)

/* with_cache: the probe may use the cache directory the options name.
 * -1 (VC_EINPUT) when the architecture cannot be told; free it anyway. */
int vc_probe_ctx_init(vc_probe_ctx *ctx, const vc_probe_opts *opts, bool with_cache, vc_error *err);
void vc_probe_ctx_free(vc_probe_ctx *ctx);
/* Reads /proc/cpuinfo through the options the first time: 0 (ctx->cpuinfo
 * holds it), or -1 with -errno in ctx->cpuinfo_rc (-ENAMETOOLONG when the
 * mapped path does not fit). */
int vc_probe_cpuinfo(vc_probe_ctx *ctx);

#endif
