/* The LXC driver: container guests for the host architecture (and its
 * 32-bit personality), as lxc_conf.c's virLXCDriverCapsInit lists them,
 * when the kernel offers what the reference's LXC driver needs to start a
 * container: mount, PID, UTS and IPC namespaces (lxcStateInitialize) and
 * the cpuacct, memory and devices cgroup controllers (virLXCProcessStart). */
#ifndef _GNU_SOURCE
// NOLINTNEXTLINE(cert-dcl51-cpp): glibc's feature macro
#define _GNU_SOURCE /* unshare, clone */
#endif
#include "base/arch.h"
#include "base/hostfs.h"
#include "base/options.h"
#include "drivers/drivers.h"
#include "host/context.h"
#include "model/model.h"
#include "base/syscalls.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Debian's LIBEXECDIR "/libvirt_lxc" */
#define LXC_EMULATOR "/usr/lib/libvirt/libvirt_lxc"

/* lxcContainerGetAlt32bitArch */
static int alt_32bit(int host)
{
    static const char *const pairs[][2] = {
        {"x86_64", "i686"},     {"s390x", "s390"},     {"ppc64", "ppc"},       {"parisc64", "parisc"},
        {"sparc64", "sparc"},   {"mips64", "mips"},    {"mips64el", "mipsel"}, {"aarch64", "armv7l"},
    };
    for (size_t i = 0; host >= 0 && i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(vc_arch_at((size_t)host)->name, pairs[i][0]) == 0)
            return vc_arch_index(pairs[i][1]);
    return -1;
}

/* The child: creates the namespaces, and says whether it could. It returns
 * rather than calling _exit, so nothing runs on its stack but this. */
static int try_unshare(void *unused)
{
    (void)unused;
    return unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC) == 0 ? 0 : 1;
}

/* virProcessNamespaceAvailable creates them: a child tries, and says. The
 * child shares our memory and we sleep until it exits (as posix_spawn
 * does): copying a large process's page tables for fork() cost more than
 * the rest of the driver. Its stack is ours, unused while we wait. Every
 * signal stays blocked in the child, so that no handler of the host
 * program runs on our memory there; its errno is ours, so ours is kept.
 * It has no exit signal, so whatever the host does with SIGCHLD (ignore
 * it, which reaps children at once, or reap every child in a handler)
 * leaves its status to us: only a __WCLONE wait collects it. */
static bool can_unshare(void)
{
    _Alignas(16) char stack[32 * 1024];
    sigset_t all, old;
    sigfillset(&all);
    int saved = errno;
    bool blocked = pthread_sigmask(SIG_SETMASK, &all, &old) == 0;
    pid_t pid = blocked ? clone(try_unshare, stack + sizeof stack, CLONE_VM | CLONE_VFORK, NULL) : -1;
    if (blocked)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    if (pid < 0)
        return false;
    int status;
    pid_t got = vc_sys_waitpid(pid, &status, __WCLONE);
    errno = saved;
    return got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static const char *missing_namespace(const vc_probe_opts *opts)
{
    static const char *const ns[] = {"mnt", "pid", "uts", "ipc"};
    char path[64], real[4096];
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
        if (vc_host_exists(opts, path) <= 0)
            return ns[i];
    }
    /* On the real /proc, also ask the kernel whether it lets us create them. */
    if (vc_host_path(opts, "/proc/self/ns", real, sizeof real) == 0 && strcmp(real, "/proc/self/ns") == 0 &&
        !can_unshare())
        return "mnt, pid, uts and ipc (unshare refused)";
    return NULL;
}

static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

/* A line of /proc/cgroups, "name hierarchy num_cgroups enabled", for
 * controller want: mounted in a hierarchy and enabled. */
static bool controller_on(const char *line, const char *want)
{
    static const char blanks[] = " \t\r\v\f";
    line += strspn(line, blanks);
    size_t n = strcspn(line, blanks);
    if (n != strlen(want) || strncmp(line, want, n) != 0)
        return false;
    long v[3];
    const char *p = line + n;
    for (int i = 0; i < 3; i++) {
        char *end;
        errno = 0;
        v[i] = strtol(p, &end, 10);
        if (end == p || errno || v[i] < INT_MIN || v[i] > INT_MAX)
            return false;
        p = end;
    }
    return v[0] > 0 && v[2] == 1;
}

/* cgroup v2 (cgroup.controllers at the root: "cpu" stands for cpuacct,
 * devices is a BPF program) or v1 (/proc/cgroups: mounted and enabled). */
static const char *missing_controller(const vc_probe_opts *opts)
{
    char *v2 = vc_host_read(opts, "/sys/fs/cgroup/cgroup.controllers", 4096, NULL);
    if (v2) {
        const char *miss = !has_word(v2, "cpu") ? "cpuacct (cpu)" : !has_word(v2, "memory") ? "memory" : NULL;
        free(v2);
        return miss;
    }
    char *v1 = vc_host_read(opts, "/proc/cgroups", 16384, NULL);
    if (!v1)
        return "cpuacct, memory and devices (no /proc/cgroups)";
    static const char *const needed[] = {"cpuacct", "memory", "devices"};
    const char *miss = NULL;
    for (size_t i = 0; i < 3 && !miss; i++) {
        bool ok = false;
        char *save = NULL, *copy = strdup(v1);
        for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line && !ok; line = strtok_r(NULL, "\n", &save))
            ok = controller_on(line, needed[i]);
        free(copy);
        if (!ok)
            miss = needed[i];
    }
    free(v1);
    return miss;
}

int vc_drv_lxc(vc_probe_ctx *ctx, bool explicit, vc_caps *caps, vc_error *err)
{
    const vc_probe_opts *opts = ctx->opts;
    int host = ctx->arch_index;
    const char *ns = missing_namespace(opts), *cg = ns ? NULL : missing_controller(opts);
    if (ns || cg || host < 0) {
        int rc = 0;
        if (explicit && host < 0)
            rc = vc_caps_warn(caps, "lxc: the host architecture is unknown to the reference");
        else if (explicit && ns)
            rc = vc_caps_warn(caps, "lxc: the kernel offers no %s namespace", ns);
        else if (explicit)
            rc = vc_caps_warn(caps, "lxc: no %s cgroup controller", cg);
        return rc < 0 ? vc_oom(err) : 0;
    }
    int archs[2] = {host, alt_32bit(host)};
    for (size_t i = 0; i < 2; i++) {
        if (archs[i] < 0)
            continue;
        vc_guest *g = vc_guest_add(caps, "exe", archs[i], LXC_EMULATOR, err);
        if (!g || vc_guest_domain(caps, g, "lxc", err) < 0)
            return -1;
    }
    /* Its security manager: "none" unless SELinux or AppArmor drive it. */
    return vc_host_secmodel(caps, "none", "0", err) ? 0 : -1;
}
