/* Running emulators: each in a child of our own, started as posix_spawn
 * starts one (a vfork-style clone sharing our memory while it sets up)
 * and executing the very descriptor the caller checked. Whatever the host
 * process does with SIGCHLD, its disposition is left alone and the answer
 * stays the same: exits are seen through pidfds (or waitid), a child the
 * host reaped first counts as exited, and its status comes from its pidfd.
 * Standard input is a socket (send() with MSG_NOSIGNAL: no SIGPIPE in the
 * host process), standard output a pipe, one poll() loop for all of them. */
#ifndef _GNU_SOURCE
// NOLINTNEXTLINE(cert-dcl51-cpp): glibc's feature macro
#define _GNU_SOURCE /* pipe2, clone, execveat, closefrom */
#endif
#include "drivers/subprocess.h"
#include "base/syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long output may stay open once the emulator itself has exited. */
#define EXIT_GRACE_MS 200
/* The descriptor the emulator is executed from, left open for it: a
 * script's interpreter reads the script from /dev/fd/3. */
#define EXE_FD 3

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

typedef struct child_args {
    int in, out, exe;
    char *const *argv;
    char *const *envp;
    int error;              /* set by the child when it cannot execute */
} child_args;

/* The child, on our memory until it executes: every signal is blocked
 * when it starts, so no host handler runs here; it puts every signal
 * back to its default (as POSIX_SPAWN_SETSIGDEF) before unblocking. */
static int child(void *p)
{
    child_args *a = p;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    /* Out of 0-3 first: the host may have left its standard fds closed. */
    int in = fcntl(a->in, F_DUPFD, EXE_FD + 1), out = fcntl(a->out, F_DUPFD, EXE_FD + 1);
    int exe = fcntl(a->exe, F_DUPFD, EXE_FD + 1), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    null = null < 0 ? -1 : fcntl(null, F_DUPFD, EXE_FD + 1);
    sigset_t none;
    sigemptyset(&none);
    if (in < 0 || out < 0 || exe < 0 || null < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(null, 2) < 0 ||
        dup2(exe, EXE_FD) < 0 || setpgid(0, 0) < 0) {
        a->error = errno;
        _exit(127);
    }
    /* Descriptors the host process left without O_CLOEXEC stay ours. */
    closefrom(EXE_FD + 1);
    sigprocmask(SIG_SETMASK, &none, NULL);
    syscall(SYS_execveat, EXE_FD, "", a->argv, a->envp, AT_EMPTY_PATH);
    a->error = errno;
    _exit(127);
}

/* Starts the child with a pidfd when the kernel gives one (5.2 and later).
 * Its stack is on the heap: what the child leaves in it (sanitizers mark
 * its frames) must not be found later in one of ours. */
static pid_t spawn(child_args *a, int *pid_fd)
{
    enum { STACK_SIZE = 32 * 1024 };
    char *stack = malloc(STACK_SIZE);
    sigset_t all, old;
    sigfillset(&all);
    if (!stack || pthread_sigmask(SIG_SETMASK, &all, &old) != 0) {
        free(stack);
        errno = ENOMEM;
        return -1;
    }
    a->error = 0;
    *pid_fd = -1;
    /* No exit signal until it executes: a child that could not is ours to reap. */
    int flags = CLONE_VM | CLONE_VFORK;
    pid_t pid = clone(child, stack + STACK_SIZE, flags | CLONE_PIDFD, a, pid_fd);
    if (pid < 0 && errno == EINVAL) {
        *pid_fd = -1;
        pid = clone(child, stack + STACK_SIZE, flags, a);
    }
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    free(stack);
    errno = e;
    return pid;
}

static int start(vc_run *r, char *const envp[])
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 || pipe2(out, O_CLOEXEC) < 0) {
        int rc = errno;
        close_fd(&in[0]);
        close_fd(&in[1]);
        return rc;
    }
    /* The child shares our errno until it executes. */
    int saved = errno;
    child_args a = {.in = in[1], .out = out[1], .exe = r->exe_fd, .argv = r->argv, .envp = envp};
    r->pid = spawn(&a, &r->pid_fd);
    int rc = r->pid < 0 ? errno : a.error;
    errno = saved;
    close(in[1]);
    close(out[1]);
    if (rc != 0) {
        if (r->pid > 0)
            vc_sys_waitpid(r->pid, NULL, __WALL);
        close_fd(&r->pid_fd);
        close(in[0]);
        close(out[0]);
        r->pid = -1;
        return rc;
    }
    r->in_fd = in[0];
    r->out_fd = out[0];
    fcntl(r->in_fd, F_SETFL, O_NONBLOCK);
    fcntl(r->out_fd, F_SETFL, O_NONBLOCK);
    return 0;
}

/* Linux 6.15's PIDFD_GET_INFO (linux/pidfd.h, first version): a child's
 * wait status even after someone else reaped it. */
struct vc_pidfd_info {
    uint64_t mask, cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
};
#define VC_PIDFD_INFO_EXIT (UINT64_C(1) << 3)
#define VC_PIDFD_GET_INFO _IOWR(0xFF, 11, struct vc_pidfd_info)

/* How long a reaped leader may take to have its exit recorded. */
#define EXIT_RECORD_MS 1000

/* The status of a leader the host process reaped (SIGCHLD ignored, or a
 * handler that waits for every child), when the kernel still tells it.
 * The reaper marks the task dead before the kernel records its exit: while
 * the pidfd still answers without the exit, it is being released, so ask
 * again (an old kernel without the record answers ESRCH once it is gone). */
static int reaped_status(int pid_fd)
{
    long deadline = now_ms() + EXIT_RECORD_MS;
    while (pid_fd >= 0) {
        struct vc_pidfd_info info;
        memset(&info, 0, sizeof info);
        info.mask = VC_PIDFD_INFO_EXIT;
        if (vc_sys_ioctl(pid_fd, VC_PIDFD_GET_INFO, (unsigned long)(uintptr_t)&info) < 0)
            return -1;
        if (info.mask & VC_PIDFD_INFO_EXIT)
            return info.exit_code;
        if (now_ms() >= deadline)
            return -1;
        sched_yield();
    }
    return -1;
}

/* Ends a run: its group dies while the leader is still unreaped, so the
 * group id cannot name anybody else yet; then the leader is reaped. (Once
 * it executed, the leader signals its exit as any child does, so a host
 * that ignores SIGCHLD or reaps every child can take it first: the status
 * then comes from its pidfd, and the group is still killed, as any of its
 * members still running keeps its id from being reused.) */
static void finish(vc_run *r, int outcome)
{
    r->outcome = outcome;
    r->finished = true;
    close_fd(&r->in_fd);
    close_fd(&r->out_fd);
    if (r->pid > 0) {
        kill(-r->pid, SIGKILL);
        kill(r->pid, SIGKILL);
        int status;
        pid_t got = vc_sys_waitpid(r->pid, &status, __WALL);
        r->status = got == r->pid ? status : reaped_status(r->pid_fd);
        r->pid = -1;
    }
    close_fd(&r->pid_fd);
    if (r->ended)
        r->ended(r);
}

static void feed(vc_run *r)
{
    while (r->written < r->input_len) {
        ssize_t w = vc_sys_send(r->in_fd, r->input + r->written, r->input_len - r->written, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w < 0) {
            /* It closed its input: nothing more to say; its output tells the rest. */
            r->written = r->input_len;
            return;
        }
        r->written += (size_t)w;
    }
}

/* Reads what is there; returns the outcome when the run is over, -1 otherwise. */
static int drain(vc_run *r, size_t limit)
{
    char chunk[65536];
    for (;;) {
        ssize_t got = vc_sys_read(r->out_fd, chunk, sizeof chunk);
        if (got < 0)
            return errno == EAGAIN ? -1 : VC_RUN_DONE;
        if (got == 0)
            return VC_RUN_DONE;
        if (r->out.len + (size_t)got > limit)
            return VC_RUN_FLOOD;
        vc_buf_add(&r->out, chunk, (size_t)got);
        if (r->out.oom)
            return VC_RUN_FLOOD;
    }
}

/* Exited: a zombie of ours, or no child of ours any more (reaped by the host). */
static bool leader_exited(vc_run *r)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int rc = vc_sys_waitid(P_PID, (id_t)r->pid, &info, WEXITED | WNOHANG | WNOWAIT | __WALL);
    return rc == 0 ? info.si_pid == r->pid : errno == ECHILD;
}

void vc_run_all(vc_run *runs, size_t n, int timeout_ms, size_t out_limit)
{
    char path_env[4096];
    const char *path = getenv("PATH");
    snprintf(path_env, sizeof path_env, "PATH=%s", path ? path : "/usr/bin:/bin");
    /* QEMU builds large trees to answer: malloc on transparent huge pages
     * spares it about a quarter of its time in page faults */
    char *const envp[] = {"LC_ALL=C", path_env, "GLIBC_TUNABLES=glibc.malloc.hugetlb=1", NULL};
    long deadline = now_ms() + timeout_ms;
    size_t active = 0;
    /* every run is set up before any callback can look at another */
    for (size_t i = 0; i < n; i++) {
        vc_run *r = &runs[i];
        vc_buf_init(&r->out);
        r->in_fd = r->out_fd = r->pid_fd = -1;
        r->pid = -1;
        r->status = -1;
        r->error = 0;
        r->written = r->seen = 0;
        r->exited = r->finished = false;
    }
    for (size_t i = 0; i < n; i++) {
        vc_run *r = &runs[i];
        if (r->stop) {
            finish(r, VC_RUN_STOPPED);
            continue;
        }
        r->error = start(r, envp);
        if (r->error) {
            finish(r, VC_RUN_NOSTART);
            continue;
        }
        feed(r);
        active++;
    }
    struct pollfd *pfd = calloc(n * 3 + 1, sizeof *pfd);
    while (active > 0) {
        size_t np = 0;
        bool need_wait_poll = false;
        for (size_t i = 0; i < n && pfd; i++) {
            vc_run *r = &runs[i];
            if (r->finished)
                continue;
            pfd[np++] = (struct pollfd){.fd = r->out_fd, .events = POLLIN};
            if (r->written < r->input_len)
                pfd[np++] = (struct pollfd){.fd = r->in_fd, .events = POLLOUT};
            if (!r->exited && r->pid_fd >= 0)
                pfd[np++] = (struct pollfd){.fd = r->pid_fd, .events = POLLIN};
            need_wait_poll |= !r->exited && r->pid_fd < 0;
        }
        long t = now_ms(), until = deadline;
        for (size_t i = 0; i < n; i++) {
            if (!runs[i].finished && runs[i].exited && runs[i].grace_until < until)
                until = runs[i].grace_until;
            /* stopped by a callback of a run after it: no waiting */
            if (!runs[i].finished && runs[i].stop)
                until = t;
        }
        long left = until - t;
        if (left < 0)
            left = 0;
        /* Without pidfds an exit is noticed by looking every few milliseconds. */
        int wait_ms = need_wait_poll && left > 5 ? 5 : (int)left;
        /* Without a way to wait, every run ends now rather than spin. */
        bool can_wait = pfd && (poll(pfd, np, wait_ms) >= 0 || errno == EINTR);
        t = now_ms();
        bool late = t >= deadline;
        for (size_t i = 0; i < n; i++) {
            vc_run *r = &runs[i];
            if (r->finished)
                continue;
            if (r->stop) {
                finish(r, VC_RUN_STOPPED);
                active--;
                continue;
            }
            feed(r);
            if (!r->exited && leader_exited(r)) {
                /* Its children may hold the output open: end them, keep reading. */
                r->exited = true;
                r->grace_until = t + EXIT_GRACE_MS;
                kill(-r->pid, SIGKILL);
            }
            int outcome = drain(r, out_limit);
            if (outcome < 0 && r->more && r->out.len != r->seen) {
                r->seen = r->out.len;
                if (r->more(r))
                    feed(r);
                else
                    outcome = VC_RUN_DONE;
            }
            if (outcome < 0 && r->exited && t >= r->grace_until)
                outcome = VC_RUN_DONE;
            if (outcome < 0 && (late || !can_wait))
                outcome = VC_RUN_TIMEOUT;
            if (outcome >= 0) {
                finish(r, outcome);
                active--;
            }
        }
    }
    free(pfd);
}

void vc_run_release(vc_run *r)
{
    vc_buf_free(&r->out);
}

void vc_run_describe_exit(const vc_run *r, char *out, size_t size)
{
    if (r->status != -1 && WIFSIGNALED(r->status) && WTERMSIG(r->status) != SIGKILL)
        snprintf(out, size, " (it died of signal %d)", WTERMSIG(r->status));
    else if (r->status != -1 && WIFEXITED(r->status) && WEXITSTATUS(r->status) != 0)
        snprintf(out, size, " (it exited with status %d)", WEXITSTATUS(r->status));
    else
        out[0] = '\0';
}
