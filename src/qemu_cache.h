/* The cache of QEMU answers: one JSON file per emulator, keyed by the
 * emulator's path, size, mtime, ctime (and inode), in a directory only its
 * owner can write. See README.md "QEMU answers cache" for the rules. */
#ifndef VC_QEMU_CACHE_H
#define VC_QEMU_CACHE_H

#include "probe.h"
#include "qmp.h"

#include <sys/stat.h>

#define VC_QCACHE_FORMAT 1
#define VC_QCACHE_MAX_BYTES ((size_t)4 * 1024 * 1024)

typedef struct vc_qcache {
    int dirfd;              /* -1: no cache */
} vc_qcache;

/* Opens the cache directory, creating it (0700) when missing. Returns -1
 * and says why in `why` when there is no safe directory to use. */
int vc_qcache_open(vc_qcache *c, const vc_probe_opts *opts, char *why, size_t why_size);
void vc_qcache_close(vc_qcache *c);

/* 1 and *out (machines in the arena, in the reference's order) on a hit for
 * this emulator as it is now; 0 when absent, stale or unreadable. */
int vc_qcache_load(const vc_qcache *c, const char *emulator, const struct stat *st, vc_arena *a, vc_qmp_info *out);
/* Writes atomically (temporary file + rename); -1 with errno on failure. */
int vc_qcache_store(const vc_qcache *c, const char *emulator, const struct stat *st, const vc_qmp_info *info);

#endif
