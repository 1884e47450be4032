/* The virtcaps cache: one directory ($XDG_CACHE_HOME/virtcaps) of JSON
 * entries, each holding the key it was computed for. Every user (the QEMU
 * answers, the host CPU model, the TSC frequency) goes through here, so the
 * rules that keep the directory from being planted or swapped are in one
 * place; see README.md "The cache". */
#ifndef VC_CACHEDIR_H
#define VC_CACHEDIR_H

#include "base/options.h"

#include <json.h>

#define VC_CACHEDIR_MAX_BYTES ((size_t)4 * 1024 * 1024)

/* One probe's handle on the directory, opened on first use (vc_probe makes
 * one and hands it to the host probe and the drivers in opts->cache). */
typedef struct vc_cachedir {
    const vc_probe_opts *opts;
    bool tried;
    int dirfd;          /* -1: no cache */
    char why[512];      /* why not, when it was wanted */
} vc_cachedir;

/* A handle for opts (nothing is opened yet); opts->no_cache makes it empty. */
void vc_cachedir_init(vc_cachedir *c, const vc_probe_opts *opts);
void vc_cachedir_close(vc_cachedir *c);
/* Opens the directory, creating it (0700) when missing: the descriptor, or
 * -1 when there is no cache (opts.cache = false, or no safe directory: then
 * c->why says why). NULL c: -1. */
int vc_cachedir_fd(vc_cachedir *c);

/* "<prefix>-<FNV-1a of id, 16 hex digits>.json": entries for different
 * ids (emulator paths, database directories) do not share a file. */
void vc_cachedir_entry_name(char *out, size_t size, const char *prefix, const char *id);

/* The entry `name` when it is a JSON object whose members include every
 * member of key with an equal value; NULL when it is absent, unreadable,
 * not ours, or was computed for another key. The caller puts it. */
json_object *vc_cachedir_load(vc_cachedir *c, const char *name, json_object *key);
/* Writes doc as the entry `name` atomically (temporary file + rename);
 * 0 also when there is no cache, -1 with errno on failure. */
int vc_cachedir_store(vc_cachedir *c, const char *name, json_object *doc);

/* The identity of the virtcaps build that runs, for entries its code
 * computes: the version and the linker's build id (a hash of the binary;
 * without one, the file's path, size, mtime and inode), so that a rebuilt
 * or reinstalled virtcaps computes them afresh. NULL when it cannot tell. */
json_object *vc_cachedir_build_id(void);

#endif
