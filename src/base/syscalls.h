/* System calls that a signal can interrupt, retried on EINTR: a host
 * process may run interval timers or handlers without SA_RESTART, and a
 * probe must give the same answer under them. Every caller of these calls
 * in the core goes through here. (close() is never retried: on Linux the
 * descriptor is gone even when it reports EINTR.) */
#ifndef VC_SYSCALLS_H
#define VC_SYSCALLS_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/wait.h>

int vc_sys_open(const char *path, int flags, mode_t mode);
int vc_sys_openat(int dirfd, const char *path, int flags, mode_t mode);
ssize_t vc_sys_read(int fd, void *buf, size_t n);
ssize_t vc_sys_pread(int fd, void *buf, size_t n, off_t at);
ssize_t vc_sys_write(int fd, const void *buf, size_t n);
ssize_t vc_sys_send(int fd, const void *buf, size_t n, int flags);
/* ioctl with a pointer or integer argument (KVM's are both kinds) */
int vc_sys_ioctl(int fd, unsigned long request, unsigned long arg);
pid_t vc_sys_waitpid(pid_t pid, int *status, int options);
int vc_sys_waitid(idtype_t type, id_t id, siginfo_t *info, int options);

#endif
