/* Runs untrusted programs in parallel, each with a deadline and an output
 * limit, and leaves no process, zombie or descriptor of theirs behind. */
#ifndef VC_SUBPROCESS_H
#define VC_SUBPROCESS_H

#include "base/base.h"

#include <sys/types.h>

enum vc_run_outcome {
    VC_RUN_DONE,      /* closed its output (the exit status is in status) */
    VC_RUN_NOSTART,   /* could not be started: error holds the errno */
    VC_RUN_TIMEOUT,   /* still running, or its output still open, at the deadline */
    VC_RUN_FLOOD,     /* printed more than the limit */
    VC_RUN_STOPPED,   /* ended because stop was set */
};

typedef struct vc_run {
    /* what to run: a descriptor of the file (O_PATH will do; the caller
     * keeps it) and its arguments, argv[0] included */
    int exe_fd;
    char *const *argv;
    const char *input;      /* written to its standard input, which stays open */
    size_t input_len;
    /* optional: called when more output arrived; it may give more to write,
     * to this run or another of the same vc_run_all, by pointing
     * input/input_len at it and setting written to 0; false ends the run
     * now (its output is already useless) */
    bool (*more)(struct vc_run *r);
    /* optional: called once the run is over and reaped (outcome, status
     * and out are final) */
    void (*ended)(struct vc_run *r);
    void *ctx;              /* for more and ended */
    /* set by the caller or by a callback of any run: this run ends at
     * once, or is never started */
    bool stop;
    /* what happened */
    int outcome;
    int error;
    int status;             /* wait status; -1 when it could not be collected */
    vc_buf out;             /* standard output (heap: vc_run_release) */
    /* bookkeeping */
    pid_t pid;
    int in_fd, out_fd, pid_fd;
    size_t written;
    size_t seen;            /* output length more last saw */
    long grace_until;       /* after the leader's exit: how long its output may stay open */
    bool exited, finished;
} vc_run;

/* Starts runs[0..n) at once, each in its own process group with stderr on
 * /dev/null, only fds 0-3 open (3: its own file, for a script's
 * interpreter), every signal at its default, not blocked, and the
 * environment LC_ALL=C, the caller's PATH and glibc's malloc on transparent
 * huge pages; then collects them, whatever the host process does with
 * SIGCHLD (see subprocess.c): a run ends at the end of its output, when it
 * floods, at its deadline, shortly after its leader exited (what still
 * writes then escaped its process group), or when stopped; then its whole
 * process group is killed and it is reaped. Never fails as a whole. */
void vc_run_all(vc_run *runs, size_t n, int timeout_ms, size_t out_limit);
void vc_run_release(vc_run *r);
/* " (it died of signal N)", " (it exited with status N)" or "": how a
 * finished run's emulator ended, for messages. */
void vc_run_describe_exit(const vc_run *r, char *out, size_t size);

#endif
