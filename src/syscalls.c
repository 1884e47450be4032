/* EINTR retries in one place (see syscalls.h). */
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int vc_sys_open(const char *path, int flags, mode_t mode)
{
    int fd;
    do
        fd = open(path, flags, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

int vc_sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    int fd;
    do
        fd = openat(dirfd, path, flags, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

ssize_t vc_sys_read(int fd, void *buf, size_t n)
{
    ssize_t got;
    do
        got = read(fd, buf, n);
    while (got < 0 && errno == EINTR);
    return got;
}

ssize_t vc_sys_pread(int fd, void *buf, size_t n, off_t at)
{
    ssize_t got;
    do
        got = pread(fd, buf, n, at);
    while (got < 0 && errno == EINTR);
    return got;
}

ssize_t vc_sys_write(int fd, const void *buf, size_t n)
{
    ssize_t put;
    do
        put = write(fd, buf, n);
    while (put < 0 && errno == EINTR);
    return put;
}

ssize_t vc_sys_send(int fd, const void *buf, size_t n, int flags)
{
    ssize_t put;
    do
        put = send(fd, buf, n, flags);
    while (put < 0 && errno == EINTR);
    return put;
}

int vc_sys_ioctl(int fd, unsigned long request, unsigned long arg)
{
    int rc;
    do
        rc = ioctl(fd, request, arg);
    while (rc < 0 && errno == EINTR);
    return rc;
}

pid_t vc_sys_waitpid(pid_t pid, int *status, int options)
{
    pid_t got;
    do
        got = waitpid(pid, status, options);
    while (got < 0 && errno == EINTR);
    return got;
}

int vc_sys_waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
    int rc;
    do
        rc = waitid(type, id, info, options);
    while (rc < 0 && errno == EINTR);
    return rc;
}
