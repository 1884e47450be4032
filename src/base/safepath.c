/* Trusted paths: see safepath.h and README.md "Safety". */
#ifndef _GNU_SOURCE
// NOLINTNEXTLINE(cert-dcl51-cpp): glibc's feature macro
#define _GNU_SOURCE /* O_PATH */
#endif
#include "base/safepath.h"
#include "base/syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool vc_path_trusted(const struct stat *st, uid_t user, bool ancestor)
{
    if (st->st_uid != 0 && st->st_uid != user)
        return false;
    if (S_ISLNK(st->st_mode))
        return true;
    bool others_write = (st->st_mode & (S_IWGRP | S_IWOTH)) != 0;
    return !others_write || (ancestor && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX));
}

enum { MAX_DEPTH = 256, MAX_LINKS = 40 };

/* The directories opened so far, "/" first, and their path. */
typedef struct walk {
    int fds[MAX_DEPTH + 1];
    size_t depth;
    char path[PATH_MAX];
    size_t len;
} walk;

static void walk_pop(walk *w)
{
    close(w->fds[w->depth--]);
    while (w->len > 0 && w->path[w->len - 1] != '/')
        w->len--;
    if (w->len > 0)
        w->len--;
    w->path[w->len] = '\0';
}

static int walk_push(walk *w, int fd, const char *name)
{
    size_t n = strlen(name);
    if (w->depth == MAX_DEPTH || w->len + 1 + n >= sizeof w->path) {
        close(fd);
        errno = ENAMETOOLONG;
        return -1;
    }
    w->fds[++w->depth] = fd;
    w->path[w->len++] = '/';
    memcpy(w->path + w->len, name, n + 1);
    w->len += n;
    return 0;
}

/* The path of name in the current directory (NULL: of the directory). */
static int refuse(const walk *w, const char *name, char *bad, size_t bad_size)
{
    if (name)
        snprintf(bad, bad_size, "%s/%s", w->path, name);
    else
        snprintf(bad, bad_size, "%s", w->len ? w->path : "/");
    return -2;
}

/* Splices a link's target in front of what is left to resolve. */
static int splice_link(walk *w, int fd, char *todo, size_t todo_size, const char *rest)
{
    char target[PATH_MAX], left[PATH_MAX * 2];
    ssize_t n = readlinkat(fd, "", target, sizeof target);
    if (n < 0 || (size_t)n >= sizeof target) {
        if (n >= 0)
            errno = ENAMETOOLONG;
        return -1;
    }
    target[n] = '\0';
    int wr = snprintf(left, sizeof left, "%s/%s", target, rest);
    if (wr < 0 || (size_t)wr >= todo_size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(todo, left, (size_t)wr + 1);
    if (target[0] == '/')
        while (w->depth > 0)
            walk_pop(w);
    return 0;
}

static int resolve(walk *w, const char *path, bool strict, char *bad, size_t bad_size)
{
    char todo[PATH_MAX * 2], name[NAME_MAX + 1];
    struct stat st;
    int links = 0;
    if (snprintf(todo, sizeof todo, "%s", path) >= (int)sizeof todo) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (strict && (fstat(w->fds[0], &st) < 0 || !vc_path_trusted(&st, 0, true)))
        return refuse(w, NULL, bad, bad_size);
    const char *p = todo;
    for (;;) {
        p += strspn(p, "/");
        size_t n = strcspn(p, "/");
        if (n == 0) {
            errno = EISDIR;
            return -1;
        }
        if (n > NAME_MAX) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        p += n;
        bool last = p[strspn(p, "/")] == '\0';
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            if (name[1] && w->depth > 0)
                walk_pop(w);
            if (last) {
                errno = EISDIR;
                return -1;
            }
            continue;
        }
        int fd = vc_sys_openat(w->fds[w->depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (fstat(fd, &st) < 0) {
            close(fd);
            return -1;
        }
        if (strict && !vc_path_trusted(&st, 0, true)) {
            close(fd);
            return refuse(w, name, bad, bad_size);
        }
        if (S_ISLNK(st.st_mode)) {
            char rest[PATH_MAX * 2];
            snprintf(rest, sizeof rest, "%s", p);
            int rc = ++links > MAX_LINKS ? (errno = ELOOP, -1) : splice_link(w, fd, todo, sizeof todo, rest);
            close(fd);
            if (rc < 0)
                return -1;
            p = todo;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (last) {
                close(fd);
                errno = EISDIR;
                return -1;
            }
            if (walk_push(w, fd, name) < 0)
                return -1;
            continue;
        }
        if (!last || !S_ISREG(st.st_mode)) {
            close(fd);
            errno = last ? EACCES : ENOTDIR;
            return -1;
        }
        struct stat dir;
        if (strict && (!vc_path_trusted(&st, 0, false) || fstat(w->fds[w->depth], &dir) < 0 ||
                       !vc_path_trusted(&dir, 0, false))) {
            close(fd);
            return refuse(w, vc_path_trusted(&st, 0, false) ? NULL : name, bad, bad_size);
        }
        if (walk_push(w, fd, name) < 0)
            return -1;
        return fd;
    }
}

int vc_path_open_file(const char *path, bool strict, char *canon, size_t canon_size, char *bad, size_t bad_size)
{
    walk w = {.depth = 0, .len = 0};
    w.path[0] = '\0';
    if (bad_size)
        bad[0] = '\0';
    if (path[0] != '/') {
        errno = EINVAL;
        return -1;
    }
    w.fds[0] = vc_sys_open("/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (w.fds[0] < 0)
        return -1;
    int fd = resolve(&w, path, strict, bad, bad_size);
    int e = errno;
    if (fd >= 0) {
        if (snprintf(canon, canon_size, "%s", w.path) >= (int)canon_size) {
            e = ENAMETOOLONG;
            fd = -1;
        } else {
            w.depth--; /* the file's descriptor is the caller's */
        }
    }
    while (w.depth > 0)
        walk_pop(&w);
    close(w.fds[0]);
    errno = e;
    return fd;
}
