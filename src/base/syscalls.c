/* EINTR retries in one place (see syscalls.h). */
#include "base/syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The body of each wrapper: the call again while a signal interrupted it. */
#define RETRY(type, call)                                                                                              \
    type rc;                                                                                                           \
    do                                                                                                                 \
        rc = (call);                                                                                                   \
    while (rc < 0 && errno == EINTR);                                                                                  \
    return rc

int vc_sys_open(const char *path, int flags, mode_t mode)
{
    RETRY(int, open(path, flags, mode));
}

int vc_sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    RETRY(int, openat(dirfd, path, flags, mode));
}

ssize_t vc_sys_read(int fd, void *buf, size_t n)
{
    RETRY(ssize_t, read(fd, buf, n));
}

ssize_t vc_sys_pread(int fd, void *buf, size_t n, off_t at)
{
    RETRY(ssize_t, pread(fd, buf, n, at));
}

ssize_t vc_sys_write(int fd, const void *buf, size_t n)
{
    RETRY(ssize_t, write(fd, buf, n));
}

ssize_t vc_sys_send(int fd, const void *buf, size_t n, int flags)
{
    RETRY(ssize_t, send(fd, buf, n, flags));
}

int vc_sys_ioctl(int fd, unsigned long request, unsigned long arg)
{
    RETRY(int, ioctl(fd, request, arg));
}

pid_t vc_sys_waitpid(pid_t pid, int *status, int options)
{
    RETRY(pid_t, waitpid(pid, status, options));
}

int vc_sys_waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
    RETRY(int, waitid(type, id, info, options));
}
