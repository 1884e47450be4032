/* Host files: mapping host paths through the probe options, and bounded
 * reads that never block on what stands where a file should be. */
#include "base/hostfs.h"

#include "base/options.h"
#include "base/syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Appends component c (n bytes) to the resolved path done (len *dlen). */
static int push_component(char *done, size_t *dlen, const char *c, size_t n)
{
    if (*dlen + 1 + n >= PATH_MAX)
        return -1;
    done[(*dlen)++] = '/';
    memcpy(done + *dlen, c, n);
    *dlen += n;
    done[*dlen] = '\0';
    return 0;
}

/* Drops the last component of done; false when there is none (at root). */
static bool pop_component(char *done, size_t *dlen)
{
    if (*dlen == 0)
        return false;
    while (*dlen > 0 && done[*dlen - 1] != '/')
        (*dlen)--;
    if (*dlen > 0)
        (*dlen)--;
    done[*dlen] = '\0';
    return true;
}

/* Resolves the host path under root as the kernel would if root were '/':
 * symbolic links are followed one component at a time, absolute targets
 * start again at root, and '..' never climbs above it. Writes root + the
 * path as given when nothing had to be re-rooted or stopped at root (the
 * kernel then finds the same file), else root + the resolved path, so no
 * link in the tree leads out of it. Components from the first one that
 * does not exist on are taken as written. */
static int resolve_in_root(const char *root, const char *path, char *out, size_t size)
{
    char rest[PATH_MAX], done[PATH_MAX], probe[PATH_MAX], target[PATH_MAX];
    size_t dlen = 0;
    int links = 0;
    bool moved = false, missing = false;
    done[0] = '\0';
    if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
        return -1;
    const char *r = rest;
    while (*r) {
        while (*r == '/')
            r++;
        size_t n = strcspn(r, "/");
        const char *c = r;
        r += n;
        if (n == 0 || (n == 1 && c[0] == '.'))
            continue;
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            if (!pop_component(done, &dlen))
                moved = true;
            continue;
        }
        if (push_component(done, &dlen, c, n) < 0)
            return -1;
        if (missing)
            continue;
        struct stat st;
        if (snprintf(probe, sizeof probe, "%s%s", root, done) >= (int)sizeof probe)
            return -1;
        if (lstat(probe, &st) < 0) {
            missing = true;
            continue;
        }
        if (!S_ISLNK(st.st_mode))
            continue;
        if (++links > 40) {
            errno = ELOOP; /* as the kernel's own limit says it */
            return -1;
        }
        ssize_t tl = readlink(probe, target, sizeof target - 1);
        if (tl < 0) {
            missing = true;
            continue;
        }
        target[tl] = '\0';
        pop_component(done, &dlen);
        if (target[0] == '/') {
            dlen = 0;
            done[0] = '\0';
            moved = true;
        }
        /* The link's target, then what followed the link. */
        char next[PATH_MAX];
        if (snprintf(next, sizeof next, "%s/%s", target, r) >= (int)sizeof next)
            return -1;
        memcpy(rest, next, strlen(next) + 1);
        r = rest;
    }
    int w = moved ? snprintf(out, size, "%s%s", root, dlen ? done : "/") : snprintf(out, size, "%s%s", root, path);
    return w < 0 || (size_t)w >= size ? -1 : 0;
}

int vc_host_path(const vc_probe_opts *opts, const char *path, char *out, size_t size)
{
    const vc_path_map *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; opts && i < opts->npaths; i++) {
        const vc_path_map *m = &opts->paths[i];
        size_t n = strlen(m->prefix);
        /* A prefix matches whole path components only. */
        if (n > best_len && strncmp(path, m->prefix, n) == 0 && (path[n] == '\0' || path[n] == '/' ||
                                                                 (n && m->prefix[n - 1] == '/'))) {
            best = m;
            best_len = n;
        }
    }
    int w;
    if (best)
        w = snprintf(out, size, "%s%s", best->replacement, path + best_len);
    else if (opts && opts->root)
        return resolve_in_root(opts->root, path, out, size);
    else
        w = snprintf(out, size, "%s", path);
    return w < 0 || (size_t)w >= size ? -1 : 0;
}

int vc_host_exists(const vc_probe_opts *opts, const char *path)
{
    char mapped[PATH_MAX];
    struct stat st;
    if (vc_host_path(opts, path, mapped, sizeof mapped) < 0)
        return -1;
    return stat(mapped, &st) == 0;
}

int vc_fd_read(int fd, size_t limit, char **out, size_t *len, bool *truncated)
{
    *out = NULL;
    *len = 0;
    if (truncated)
        *truncated = false;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
    /* One byte beyond the limit tells an overlong file. The size is a hint
     * only: /proc and sysfs say 0 or a page. */
    size_t cap = st.st_size > 0 && (uint64_t)st.st_size <= limit ? (size_t)st.st_size + 1
                 : limit < 4096                                  ? limit + 1
                                                                 : 4096;
    size_t n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap > limit)
                break;
            size_t ncap = cap > limit / 2 ? limit + 1 : cap * 2;
            char *grown = realloc(buf, ncap + 1);
            if (!grown) {
                free(buf);
                return -ENOMEM;
            }
            buf = grown;
            cap = ncap;
        }
        ssize_t r = vc_sys_read(fd, buf + n, cap - n);
        if (r < 0) {
            int e = errno;
            free(buf);
            return -e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > limit) {
        if (!truncated) {
            free(buf);
            return -EFBIG;
        }
        n = limit;
        *truncated = true;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int vc_file_read(const char *path, size_t limit, char **out, size_t *len, bool *truncated)
{
    *out = NULL;
    *len = 0;
    /* O_NONBLOCK: a FIFO where a file should be must not block the reader. */
    int fd = vc_sys_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
    if (fd < 0)
        return -errno;
    int rc = vc_fd_read(fd, limit, out, len, truncated);
    close(fd);
    return rc;
}

char *vc_host_read(const vc_probe_opts *opts, const char *path, size_t limit, size_t *len)
{
    char mapped[PATH_MAX], *text;
    size_t n;
    bool truncated;
    if (vc_host_path(opts, path, mapped, sizeof mapped) < 0 || vc_file_read(mapped, limit, &text, &n, &truncated) < 0)
        return NULL;
    if (len)
        *len = n;
    return text;
}

int vc_read_fail(vc_error *err, const char *path, size_t limit, int rc)
{
    if (rc == -ENOMEM)
        return vc_oom(err);
    if (rc == -EFBIG)
        return vc_fail(err, VC_ELIMIT, "%s: larger than the limit of %zu bytes", path, limit);
    if (rc == -EISDIR || rc == -EINVAL)
        return vc_fail(err, VC_EIO, "%s: not a regular file", path);
    return vc_fail(err, VC_EIO, "%s: %s", path, strerror(-rc));
}

char *vc_read_file(const char *path, size_t limit, size_t *len, vc_error *err)
{
    char *text;
    int rc = vc_file_read(path, limit, &text, len, NULL);
    if (rc < 0)
        vc_read_fail(err, path, limit, rc);
    return rc < 0 ? NULL : text;
}
