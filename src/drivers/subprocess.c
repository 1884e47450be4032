/* Running emulators: posix_spawn into a fresh process group, a socket as
 * standard input (send() with MSG_NOSIGNAL: no SIGPIPE in the host process),
 * a pipe as standard output, one poll() loop for all of them. */
#ifndef _GNU_SOURCE
// NOLINTNEXTLINE(cert-dcl51-cpp): glibc's feature macro
#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addclosefrom_np */
#endif
#include "drivers/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long output may stay open once the emulator itself has exited. */
#define EXIT_GRACE_MS 200

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

static int start(vc_run *r, char *const envp[])
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    int rc;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 || pipe2(out, O_CLOEXEC) < 0) {
        rc = errno;
        close_fd(&in[0]);
        close_fd(&in[1]);
        return rc;
    }
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, in[1], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    /* Descriptors the host process left without O_CLOEXEC stay ours. */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    rc = posix_spawn(&r->pid, r->path, &fa, &attr, r->argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(in[1]);
    close(out[1]);
    if (rc != 0) {
        close(in[0]);
        close(out[0]);
        r->pid = -1;
        return rc;
    }
    r->in_fd = in[0];
    r->out_fd = out[0];
    fcntl(r->in_fd, F_SETFL, O_NONBLOCK);
    fcntl(r->out_fd, F_SETFL, O_NONBLOCK);
#ifdef SYS_pidfd_open
    r->pid_fd = (int)syscall(SYS_pidfd_open, r->pid, 0);
    if (r->pid_fd >= 0)
        fcntl(r->pid_fd, F_SETFD, FD_CLOEXEC);
#endif
    return 0;
}

/* Ends a run: its group dies while the leader is still unreaped, so the
 * group id cannot name anybody else yet; then the leader is reaped. */
static void finish(vc_run *r, int outcome)
{
    r->outcome = outcome;
    r->finished = true;
    close_fd(&r->in_fd);
    close_fd(&r->out_fd);
    close_fd(&r->pid_fd);
    if (r->pid <= 0)
        return;
    kill(-r->pid, SIGKILL);
    kill(r->pid, SIGKILL);
    int status;
    pid_t got;
    do
        got = waitpid(r->pid, &status, 0);
    while (got < 0 && errno == EINTR);
    r->status = got == r->pid ? status : -1;
    r->pid = -1;
}

static void feed(vc_run *r)
{
    while (r->written < r->input_len) {
        ssize_t w = send(r->in_fd, r->input + r->written, r->input_len - r->written, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
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
        ssize_t got = read(r->out_fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
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

static bool leader_exited(vc_run *r)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    return waitid(P_PID, (id_t)r->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == r->pid;
}

void vc_run_all(vc_run *runs, size_t n, int timeout_ms, size_t out_limit, char *const envp[])
{
    long deadline = now_ms() + timeout_ms;
    size_t active = 0;
    for (size_t i = 0; i < n; i++) {
        vc_run *r = &runs[i];
        vc_buf_init(&r->out);
        r->in_fd = r->out_fd = r->pid_fd = -1;
        r->pid = -1;
        r->status = -1;
        r->written = 0;
        r->exited = r->finished = false;
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
        for (size_t i = 0; i < n; i++)
            if (!runs[i].finished && runs[i].exited && runs[i].grace_until < until)
                until = runs[i].grace_until;
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
            feed(r);
            if (!r->exited && leader_exited(r)) {
                /* Its children may hold the output open: end them, keep reading. */
                r->exited = true;
                r->grace_until = t + EXIT_GRACE_MS;
                kill(-r->pid, SIGKILL);
            }
            int outcome = drain(r, out_limit);
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
