/* The virtcaps cache. Everything is reached through one directory
 * descriptor opened with the rules below, and files are never followed
 * through symbolic links:
 * - as root, every component of the directory's path is opened with
 *   O_NOFOLLOW and must be owned by root and writable by nobody else
 *   (sticky directories such as /tmp pass: what lies in them must then be
 *   root's own), so no other user can plant or swap a part of the path;
 * - for anybody, the directory itself must be owned by the user, not be a
 *   symbolic link and not be writable by group or others;
 * - entries must be regular files owned by the user, at most
 *   VC_CACHEDIR_MAX_BYTES; anything else is ignored and rewritten. */
#ifndef _GNU_SOURCE
// NOLINTNEXTLINE(cert-dcl51-cpp): glibc's feature macro
#define _GNU_SOURCE /* dladdr, dl_iterate_phdr */
#endif
#include "host/cachedir.h"

#include "base/hostfs.h"
#include "base/options.h"
#include "base/safepath.h"
#include "base/syscalls.h"


#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static int cache_path(const vc_probe_opts *opts, char *out, size_t size, char *why, size_t why_size)
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
    int fd = vc_sys_open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return set_why(why, why_size, "cannot open /: %s", strerror(errno));
    struct stat st;
    for (size_t i = 0; i < n; i++) {
        int flags = O_DIRECTORY | O_RDONLY | O_CLOEXEC | (strict || i == n - 1 ? O_NOFOLLOW : 0);
        int next = vc_sys_openat(fd, comps[i], flags, 0);
        if (next < 0 && errno == ENOENT && (mkdirat(fd, comps[i], 0700) == 0 || errno == EEXIST))
            next = vc_sys_openat(fd, comps[i], flags, 0);
        int e = errno;
        close(fd);
        fd = next;
        if (fd < 0)
            return set_why(why, why_size, "cannot use the cache directory '%s': %s", path,
                           e == ELOOP || e == ENOTDIR ? "a symbolic link or not a directory on the way" : strerror(e));
        if (fstat(fd, &st) < 0)
            break;
        /* The directory itself gets the stricter check below. */
        if (strict && i + 1 < n && !vc_path_trusted(&st, me, true)) {
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

void vc_cachedir_init(vc_cachedir *c, const vc_probe_opts *opts)
{
    c->opts = opts;
    c->tried = opts && opts->no_cache;
    c->dirfd = -1;
    c->why[0] = '\0';
}

void vc_cachedir_close(vc_cachedir *c)
{
    if (c->dirfd >= 0)
        close(c->dirfd);
    c->dirfd = -1;
    c->tried = true;
}

int vc_cachedir_fd(vc_cachedir *c)
{
    if (!c)
        return -1;
    if (!c->tried) {
        char path[4096];
        c->tried = true;
        if (cache_path(c->opts, path, sizeof path, c->why, sizeof c->why) == 0)
            c->dirfd = open_dir(path, geteuid() == 0, c->why, sizeof c->why);
    }
    return c->dirfd;
}

void vc_cachedir_entry_name(char *out, size_t size, const char *prefix, const char *id)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    snprintf(out, size, "%s-%016llx.json", prefix, (unsigned long long)h);
}

static char *read_entry(int dirfd, const char *name, size_t *len)
{
    int fd = vc_sys_openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && vc_fd_read(fd, VC_CACHEDIR_MAX_BYTES, &buf, len, NULL) < 0)
        buf = NULL;
    close(fd);
    return buf;
}

json_object *vc_cachedir_load(vc_cachedir *c, const char *name, json_object *key)
{
    int dirfd = vc_cachedir_fd(c);
    size_t len = 0;
    char *data = dirfd >= 0 && key ? read_entry(dirfd, name, &len) : NULL;
    if (!data)
        return NULL;
    json_tokener *tok = json_tokener_new_ex(8);
    json_object *doc = tok && len < INT32_MAX ? json_tokener_parse_ex(tok, data, (int)len) : NULL;
    if (tok)
        json_tokener_free(tok);
    free(data);
    bool same = doc && json_object_is_type(doc, json_type_object);
    json_object *v;
    json_object_object_foreach(key, k, want)
    {
        same = same && json_object_object_get_ex(doc, k, &v) && json_object_equal(v, want);
    }
    if (!same) {
        json_object_put(doc);
        return NULL;
    }
    return doc;
}

int vc_cachedir_store(vc_cachedir *c, const char *name, json_object *doc)
{
    int dirfd = vc_cachedir_fd(c);
    char tmp[256];
    if (dirfd < 0)
        return 0;
    size_t len;
    const char *text =
        json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    int rc = -1, e = ENOMEM, fd = -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(tmp, sizeof tmp, ".%s.%ld.%ld.tmp", name, (long)getpid(), (long)ts.tv_nsec);
    if (text && (fd = vc_sys_openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0) {
        size_t done = 0;
        while (done < len) {
            ssize_t w = vc_sys_write(fd, text + done, len - done);
            if (w <= 0)
                break;
            done += (size_t)w;
        }
        e = errno;
        if (close(fd) == 0 && done == len && renameat(dirfd, tmp, dirfd, name) == 0)
            rc = 0;
        else
            e = done == len ? errno : e;
        if (rc < 0)
            unlinkat(dirfd, tmp, 0);
    } else if (text) {
        e = errno;
    }
    errno = e;
    return rc;
}

/* Our object's GNU build id (a hash of its contents the linker writes),
 * found among the loaded objects by an address inside it. */
typedef struct build_note {
    const void *addr;
    char hex[2 * 64 + 1];
} build_note;

static int find_note(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    build_note *b = data;
    uintptr_t addr = (uintptr_t)b->addr;
    bool ours = false;
    for (int i = 0; i < info->dlpi_phnum && !ours; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        ours = ph->p_type == PT_LOAD && addr >= start && addr - start < ph->p_memsz;
    }
    for (int i = 0; ours && i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the loader gives segment addresses as integers
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
        while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
            size_t name = (nh->n_namesz + 3) & ~(size_t)3, desc = (nh->n_descsz + 3) & ~(size_t)3;
            const unsigned char *d = p + sizeof *nh + name;
            if (name > (size_t)(end - p) || desc > (size_t)(end - d))
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(p + sizeof *nh, "GNU", 4) == 0 &&
                nh->n_descsz > 0 && nh->n_descsz <= 64) {
                for (size_t j = 0; j < nh->n_descsz; j++)
                    snprintf(b->hex + 2 * j, 3, "%02x", d[j]);
                return 1;
            }
            p = d + desc;
        }
    }
    return ours ? 1 : 0;
}

json_object *vc_cachedir_build_id(void)
{
    build_note b = {.addr = (const void *)vc_cachedir_build_id};
    json_object *id = json_object_new_object();
    if (!id)
        return NULL;
    json_object_object_add(id, "version", json_object_new_string(VC_VERSION));
    dl_iterate_phdr(find_note, &b);
    if (b.hex[0]) {
        json_object_object_add(id, "build_id", json_object_new_string(b.hex));
        return id;
    }
    /* Linked without a build id: the file we were loaded from. */
    Dl_info info;
    struct stat st;
    if (dladdr(b.addr, &info) == 0 || !info.dli_fname || stat(info.dli_fname, &st) < 0) {
        json_object_put(id);
        return NULL;
    }
    json_object_object_add(id, "file", json_object_new_string(info.dli_fname));
    json_object_object_add(id, "size", json_object_new_int64((int64_t)st.st_size));
    json_object_object_add(id, "mtime", json_object_new_int64((int64_t)st.st_mtim.tv_sec));
    json_object_object_add(id, "mtime_ns", json_object_new_int64((int64_t)st.st_mtim.tv_nsec));
    json_object_object_add(id, "inode", json_object_new_int64((int64_t)st.st_ino));
    return id;
}
