/* The cache of one binary's QEMU capabilities (qemu_caps_cache.c): one
 * atomic entry per emulator in the virtcaps cache. See README.md "QEMU
 * capabilities of one binary". */
#ifndef VC_QEMU_CAPS_CACHE_H
#define VC_QEMU_CAPS_CACHE_H

#include "host/cachedir.h"
#include "model/qemucaps.h"

#include <sys/stat.h>

/* 1 and qc filled (in qc->arena) on a hit for this emulator (its canonical
 * path) as it is now; 0 when absent, stale or unreadable: qc may then hold
 * part of an entry and is to be dropped. */
int vc_qccache_load(vc_cachedir *c, const char *emulator, const struct stat *st, bool kvm_dev, vc_qemucaps *qc);
/* Writes atomically; 0 also without a cache, -1 with errno on failure. */
int vc_qccache_store(vc_cachedir *c, const char *emulator, const struct stat *st, bool kvm_dev, const vc_qemucaps *qc);

#endif
