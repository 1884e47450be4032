/* The cache of QEMU answers. Everything is reached through one directory
 * descriptor opened with the rules below, and files are never followed
 * through symbolic links:
 * - as root, every component of the directory's path is opened with
 *   O_NOFOLLOW and must be owned by root and writable by nobody else
 *   (sticky directories such as /tmp pass: what lies in them must then be
 *   root's own), so no other user can plant or swap a part of the path;
 * - for anybody, the directory itself must be owned by the user, not be a
 *   symbolic link and not be writable by group or others;
 * - cache files must be regular files owned by the user, at most
 *   VC_QCACHE_MAX_BYTES; anything else is ignored and rewritten. */
#include "qemu_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int set_why(char *why, size_t n, const char *fmt, ...) VC_PRINTF(3, 4);
static int set_why(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

static int cache_dir(const vc_probe_opts *opts, char *out, size_t size, char *why, size_t why_size)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int w;
    if (opts && opts->cache_dir) {
        if (opts->cache_dir[0] != '/')
            return set_why(why, why_size, "cache_dir '%s' is not an absolute path", opts->cache_dir);
        w = snprintf(out, size, "%s", opts->cache_dir);
    } else if (xdg && xdg[0] == '/') {
        w = snprintf(out, size, "%s/virtcaps", xdg);
    } else {
        if (!home || home[0] != '/') {
            char pwbuf[4096];
            struct passwd pw, *res = NULL;
            if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &res) != 0 || !res || !res->pw_dir ||
                res->pw_dir[0] != '/')
                return set_why(why, why_size, "no home directory to keep a cache in");
            home = res->pw_dir;
        }
        w = snprintf(out, size, "%s/.cache/virtcaps", home);
    }
    if (w < 0 || (size_t)w >= size)
        return set_why(why, why_size, "the cache directory's path is too long");
    return 0;
}

/* Opens path one component at a time, creating missing ones (0700).
 * strict: no symbolic links anywhere and only root-owned, not
 * others-writable directories on the way (for root). */
static int open_dir(const char *path, bool strict, char *why, size_t why_size)
{
    enum { MAX_DEPTH = 256 };
    char copy[4096], *comps[MAX_DEPTH], *save = NULL;
    size_t n = 0;
    snprintf(copy, sizeof copy, "%s", path);
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0 || n == MAX_DEPTH)
            return set_why(why, why_size, "the cache directory '%s' has a '..' component or is too deep", path);
        comps[n++] = c;
    }
    uid_t me = geteuid();
    int fd = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return set_why(why, why_size, "cannot open /: %s", strerror(errno));
    struct stat st;
    for (size_t i = 0; i < n; i++) {
        int flags = O_DIRECTORY | O_RDONLY | O_CLOEXEC | (strict || i == n - 1 ? O_NOFOLLOW : 0);
        int next = openat(fd, comps[i], flags);
        if (next < 0 && errno == ENOENT && (mkdirat(fd, comps[i], 0700) == 0 || errno == EEXIST))
            next = openat(fd, comps[i], flags);
        int e = errno;
        close(fd);
        fd = next;
        if (fd < 0)
            return set_why(why, why_size, "cannot use the cache directory '%s': %s", path,
                           e == ELOOP || e == ENOTDIR ? "a symbolic link or not a directory on the way" : strerror(e));
        if (fstat(fd, &st) < 0)
            break;
        bool others_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0, sticky = (st.st_mode & S_ISVTX) != 0;
        /* The directory itself gets the stricter check below. */
        if (strict && i + 1 < n && ((st.st_uid != 0 && st.st_uid != me) || (others_write && !sticky))) {
            close(fd);
            return set_why(why, why_size, "not using the cache directory '%s': %s", path,
                           "a directory on its path belongs to another user or is writable by others");
        }
    }
    if (fstat(fd, &st) < 0 || st.st_uid != me || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        close(fd);
        return set_why(why, why_size, "not using the cache directory '%s': %s", path,
                       "it must belong to this user and be writable by nobody else");
    }
    return fd;
}

int vc_qcache_open(vc_qcache *c, const vc_probe_opts *opts, char *why, size_t why_size)
{
    char path[4096];
    c->dirfd = -1;
    if (cache_dir(opts, path, sizeof path, why, why_size) < 0)
        return -1;
    c->dirfd = open_dir(path, geteuid() == 0, why, why_size);
    return c->dirfd < 0 ? -1 : 0;
}

void vc_qcache_close(vc_qcache *c)
{
    if (c->dirfd >= 0)
        close(c->dirfd);
    c->dirfd = -1;
}

/* "qemu-system-x86_64-<FNV-1a of the path>.json": readable, and distinct
 * paths with the same base name do not share a file. */
static void entry_name(const char *emulator, char *out, size_t size)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)emulator; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    const char *base = strrchr(emulator, '/');
    base = base ? base + 1 : emulator;
    char clean[65];
    size_t n = 0;
    for (; n < sizeof clean - 1 && base[n]; n++) {
        char ch = base[n];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                  ch == '_' || (ch == '.' && n > 0);
        clean[n] = ok ? ch : '_';
    }
    clean[n] = '\0';
    snprintf(out, size, "%s-%016llx.json", clean, (unsigned long long)h);
}

static json_object *key_object(const char *emulator, const struct stat *st)
{
    json_object *k = json_object_new_object();
    json_object_object_add(k, "format", json_object_new_int(VC_QCACHE_FORMAT));
    json_object_object_add(k, "emulator", json_object_new_string(emulator));
    json_object_object_add(k, "size", json_object_new_int64((int64_t)st->st_size));
    json_object_object_add(k, "mtime", json_object_new_int64((int64_t)st->st_mtim.tv_sec));
    json_object_object_add(k, "mtime_ns", json_object_new_int64((int64_t)st->st_mtim.tv_nsec));
    json_object_object_add(k, "ctime", json_object_new_int64((int64_t)st->st_ctim.tv_sec));
    json_object_object_add(k, "ctime_ns", json_object_new_int64((int64_t)st->st_ctim.tv_nsec));
    json_object_object_add(k, "inode", json_object_new_int64((int64_t)st->st_ino));
    return k;
}

static char *read_entry(int dirfd, const char *name, size_t *len)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && vc_fd_read(fd, VC_QCACHE_MAX_BYTES, &buf, len, NULL) < 0)
        buf = NULL;
    close(fd);
    return buf;
}

/* A version part as stored: QEMU's number, or -1 when it did not say. */
static bool version_part(json_object *ver, size_t i, int *out)
{
    json_object *v = json_object_array_get_idx(ver, i);
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < -1 ||
        json_object_get_int64(v) > 100000)
        return false;
    *out = (int)json_object_get_int64(v);
    return true;
}

int vc_qcache_load(const vc_qcache *c, const char *emulator, const struct stat *st, vc_arena *a, vc_qmp_info *out)
{
    char name[128];
    size_t len = 0;
    if (c->dirfd < 0)
        return 0;
    entry_name(emulator, name, sizeof name);
    char *data = read_entry(c->dirfd, name, &len);
    if (!data)
        return 0;
    json_tokener *tok = json_tokener_new_ex(8);
    json_object *doc = tok && len < INT32_MAX ? json_tokener_parse_ex(tok, data, (int)len) : NULL;
    if (tok)
        json_tokener_free(tok);
    free(data);
    json_object *key = key_object(emulator, st), *v, *ver, *machines;
    int hit = 0;
    bool same = doc && json_object_is_type(doc, json_type_object);
    json_object_object_foreach(key, k, want)
    {
        same = same && json_object_object_get_ex(doc, k, &v) && json_object_equal(v, want);
    }
    vc_error err;
    memset(out, 0, sizeof *out);
    bool version = same && json_object_object_get_ex(doc, "qemu", &ver) &&
                   json_object_is_type(ver, json_type_array) && json_object_array_length(ver) == 3 &&
                   version_part(ver, 0, &out->major) && version_part(ver, 1, &out->minor) &&
                   version_part(ver, 2, &out->micro);
    if (version && json_object_object_get_ex(doc, "tcg", &v) && json_object_is_type(v, json_type_boolean) &&
        (out->tcg = json_object_get_boolean(v), true) && json_object_object_get_ex(doc, "kvm", &v) &&
        json_object_is_type(v, json_type_boolean) && (out->kvm = json_object_get_boolean(v), true) &&
        json_object_object_get_ex(doc, "machines", &machines) && vc_qmp_read_machines(a, machines, out, &err) == 0)
        hit = 1;
    json_object_put(key);
    json_object_put(doc);
    return hit;
}

int vc_qcache_store(const vc_qcache *c, const char *emulator, const struct stat *st, const vc_qmp_info *info)
{
    char name[128], tmp[192];
    if (c->dirfd < 0)
        return 0;
    entry_name(emulator, name, sizeof name);
    json_object *doc = key_object(emulator, st), *ver = json_object_new_array(), *list = json_object_new_array();
    json_object_array_add(ver, json_object_new_int(info->major));
    json_object_array_add(ver, json_object_new_int(info->minor));
    json_object_array_add(ver, json_object_new_int(info->micro));
    json_object_object_add(doc, "qemu", ver);
    json_object_object_add(doc, "tcg", json_object_new_boolean(info->tcg));
    json_object_object_add(doc, "kvm", json_object_new_boolean(info->kvm));
    for (size_t i = 0; i < info->nmachines; i++) {
        const vc_qmp_machine *m = &info->machines[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(m->name));
        if (m->alias)
            json_object_object_add(o, "alias", json_object_new_string(m->alias));
        json_object_object_add(o, "cpu-max", json_object_new_int64(m->cpu_max));
        json_object_object_add(o, "is-default", json_object_new_boolean(m->is_default));
        json_object_object_add(o, "deprecated", json_object_new_boolean(m->deprecated));
        json_object_array_add(list, o);
    }
    json_object_object_add(doc, "machines", list);
    size_t len;
    const char *text =
        json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    int rc = -1, e = ENOMEM, fd = -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(tmp, sizeof tmp, ".%s.%ld.%ld.tmp", name, (long)getpid(), (long)ts.tv_nsec);
    if (text && (fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0) {
        size_t done = 0;
        while (done < len) {
            ssize_t w = write(fd, text + done, len - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            done += (size_t)w;
        }
        e = errno;
        if (close(fd) == 0 && done == len && renameat(c->dirfd, tmp, c->dirfd, name) == 0)
            rc = 0;
        else
            e = done == len ? errno : e;
        if (rc < 0)
            unlinkat(c->dirfd, tmp, 0);
    } else if (text) {
        e = errno;
    }
    json_object_put(doc);
    errno = e;
    return rc;
}
