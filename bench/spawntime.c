/* Times a command the way a user runs it, without a shell in the time:
 *   spawntime [-w] [-i FILE] RUNS PROG [ARG...]
 * runs PROG RUNS times (after one untimed run with -w), each with standard
 * input from FILE (default /dev/null) and its output thrown away, and
 * prints the median wall time of one run in seconds. Exits 1 when a run
 * fails, 2 on bad usage. */
#include "timing.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* One run: its wall time, or a negative number when it failed. */
static double run(char **argv, const char *input)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, input, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    double t0 = now();
    pid_t pid;
    int status = -1;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    if (rc == 0 && waitpid(pid, &status, 0) < 0)
        status = -1;
    double t = now() - t0;
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t : -1;
}

int main(int argc, char **argv)
{
    int opt;
    int warm = 0;
    const char *input = "/dev/null";
    while ((opt = getopt(argc, argv, "+wi:")) != -1) {
        if (opt == 'w')
            warm = 1;
        else if (opt == 'i')
            input = optarg;
        else
            return 2;
    }
    if (argc - optind < 2) {
        fprintf(stderr, "usage: spawntime [-w] [-i FILE] RUNS PROG [ARG...]\n");
        return 2;
    }
    char *end;
    long runs = strtol(argv[optind], &end, 10);
    char **cmd = argv + optind + 1;
    if (*end || runs < 1 || runs > 100000) {
        fprintf(stderr, "spawntime: RUNS must be a number from 1 to 100000\n");
        return 2;
    }
    double *t = malloc((size_t)runs * sizeof *t);
    if (!t)
        return 2;
    if (warm && run(cmd, input) < 0) {
        fprintf(stderr, "spawntime: %s failed\n", cmd[0]);
        free(t);
        return 1;
    }
    for (long i = 0; i < runs; i++) {
        if ((t[i] = run(cmd, input)) < 0) {
            fprintf(stderr, "spawntime: %s failed\n", cmd[0]);
            free(t);
            return 1;
        }
    }
    printf("%.9f\n", median(t, (size_t)runs));
    free(t);
    return 0;
}
