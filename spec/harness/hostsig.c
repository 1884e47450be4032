/* LD_PRELOAD shim: makes a child lua5.4 a host process with hostile signal
 * settings before the script runs, as VIRTCAPS_HOSTSIG says:
 *   ign     SIGCHLD ignored (the kernel reaps children at once)
 *   reap    a SIGCHLD handler that reaps every child with waitpid(-1)
 *   itimer  a 50 us interval timer whose handler lacks SA_RESTART
 * At exit it reports on stderr how many signals its handler took, and
 * exits with 97 when SIGCHLD's disposition is no longer the one it set. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t taken;
static void (*chld_set)(int) = SIG_DFL;

static void reap(int sig)
{
    (void)sig;
    int saved = errno;
    taken++;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved;
}

static void tick(int sig)
{
    (void)sig;
    taken++;
}

__attribute__((constructor)) static void hostile(void)
{
    const char *mode = getenv("VIRTCAPS_HOSTSIG");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (!mode)
        return;
    if (strcmp(mode, "ign") == 0) {
        sa.sa_handler = chld_set = SIG_IGN;
        sigaction(SIGCHLD, &sa, NULL);
    } else if (strcmp(mode, "reap") == 0) {
        sa.sa_handler = chld_set = reap;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGCHLD, &sa, NULL);
    } else if (strcmp(mode, "itimer") == 0) {
        sa.sa_handler = tick; /* no SA_RESTART: slow calls fail with EINTR */
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval it = {.it_interval = {0, 50}, .it_value = {0, 50}};
        setitimer(ITIMER_REAL, &it, NULL);
    }
}

__attribute__((destructor)) static void report(void)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    struct sigaction now;
    setitimer(ITIMER_REAL, &off, NULL);
    if (!getenv("VIRTCAPS_HOSTSIG"))
        return;
    fprintf(stderr, "hostsig: %d signals taken\n", (int)taken);
    if (sigaction(SIGCHLD, NULL, &now) == 0 && now.sa_handler != chld_set) {
        fprintf(stderr, "hostsig: SIGCHLD's disposition changed\n");
        _exit(97);
    }
}
