/* Host files: where a host path is read from (opts.root, opts.paths), and
 * reading files with a bound. Every reader of files goes through here. */
#ifndef VC_HOSTFS_H
#define VC_HOSTFS_H

#include "base/base.h"
#include "base/options.h"

/* Maps a host path through opts (the longest matching paths prefix, else
 * root, resolved as if root were '/': no link leads out of it; NULL opts:
 * the path itself); -1 when it does not fit in out, or with errno ELOOP
 * for too many links under root. */
int vc_host_path(const vc_probe_opts *opts, const char *path, char *out, size_t size);
/* 1 when the host path exists (links followed), 0 when it does not, -1
 * when its mapping does not fit in PATH_MAX. */
int vc_host_exists(const vc_probe_opts *opts, const char *path);

/* Reads a regular file into a heap buffer of at most limit bytes, NUL
 * terminated (the caller frees). With truncated NULL a longer file fails
 * (EFBIG); else its first limit bytes are kept and *truncated says so.
 * 0, or -errno: ENOENT/ENOTDIR missing, EISDIR or EINVAL no regular file,
 * ENOMEM, others as open and read report them. A FIFO never blocks it. */
int vc_file_read(const char *path, size_t limit, char **out, size_t *len, bool *truncated);
/* The same for a file already open (left open). */
int vc_fd_read(int fd, size_t limit, char **out, size_t *len, bool *truncated);
/* A host file's first limit bytes; NULL when it is missing or unreadable. */
char *vc_host_read(const vc_probe_opts *opts, const char *path, size_t limit, size_t *len);
/* A whole regular file of at most limit bytes, with "PATH: what" messages
 * (VC_EIO, VC_ELIMIT over the limit); NULL with err. */
char *vc_read_file(const char *path, size_t limit, size_t *len, vc_error *err);
/* Its message for what vc_file_read returned (rc < 0; -EFBIG: over the
 * limit); returns -1. */
int vc_read_fail(vc_error *err, const char *path, size_t limit, int rc);

#endif
