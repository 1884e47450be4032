/* The cache of QEMU answers: one JSON entry per emulator in the virtcaps
 * cache (cachedir.h), keyed by the emulator's path, size, mtime, ctime (and
 * inode). See README.md "The cache". */
#ifndef VC_QEMU_CACHE_H
#define VC_QEMU_CACHE_H

#include "drivers/qmp.h"
#include "host/cachedir.h"

#include <sys/stat.h>

#define VC_QCACHE_FORMAT 2

/* 1 and *out (machines in the arena, in the reference's order) on a hit for
 * this emulator as it is now; 0 when absent, stale or unreadable. */
int vc_qcache_load(vc_cachedir *c, const char *emulator, const struct stat *st, vc_arena *a, vc_qmp_info *out);
/* Writes atomically; 0 also without a cache, -1 with errno on failure. */
int vc_qcache_store(vc_cachedir *c, const char *emulator, const struct stat *st, const vc_qmp_info *info);

/* The key of an emulator's entries: this format, the emulator's path,
 * size, mtime, ctime and inode (NULL on OOM). */
json_object *vc_qcache_key(int format, const char *emulator, const struct stat *st);
/* swtpm_setup's TPM versions (its --print-capabilities), keyed by its
 * file like an emulator: 1 and the versions on a hit, else 0. */
int vc_qcache_load_tpm(vc_cachedir *c, const char *file, const struct stat *st, bool *v12, bool *v20);
int vc_qcache_store_tpm(vc_cachedir *c, const char *file, const struct stat *st, bool v12, bool v20);

#endif
