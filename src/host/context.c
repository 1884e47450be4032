/* The probe's context: the architecture once, /proc/cpuinfo once, the
 * cache directory, the CPU model database. */
#include "host/context.h"

#include "base/arch.h"
#include "base/hostfs.h"
#include "base/options.h"
#include "host/cachedir.h"


#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int vc_probe_ctx_init(vc_probe_ctx *ctx, const vc_probe_opts *opts, bool with_cache, vc_error *err)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->opts = opts;
    ctx->cpu_db = opts ? opts->cpu_db : NULL;
    vc_cachedir_init(&ctx->cachedir, opts);
    if (with_cache)
        ctx->cache = &ctx->cachedir;
    if (vc_probe_arch(opts, ctx->arch, sizeof ctx->arch) < 0)
        return vc_fail(err, VC_EINPUT, "cannot tell the host architecture");
    ctx->arch_index = vc_arch_index(ctx->arch);
    return 0;
}

void vc_probe_ctx_free(vc_probe_ctx *ctx)
{
    free(ctx->cpuinfo);
    ctx->cpuinfo = NULL;
    if (ctx->cpu_db_free)
        ctx->cpu_db_free(ctx->cpu_db);
    ctx->cpu_db = NULL;
    ctx->cpu_db_free = NULL;
    vc_cachedir_close(&ctx->cachedir);
}

int vc_probe_cpuinfo(vc_probe_ctx *ctx)
{
    if (!ctx->cpuinfo_read) {
        ctx->cpuinfo_read = true;
        char mapped[PATH_MAX];
        if (vc_host_path(ctx->opts, "/proc/cpuinfo", mapped, sizeof mapped) < 0)
            ctx->cpuinfo_rc = -ENAMETOOLONG;
        else
            ctx->cpuinfo_rc = vc_file_read(mapped, VC_CPUINFO_MAX, &ctx->cpuinfo, &ctx->cpuinfo_len,
                                           &ctx->cpuinfo_truncated);
    }
    return ctx->cpuinfo_rc < 0 ? -1 : 0;
}
