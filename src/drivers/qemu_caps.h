/* The QMP conversation the reference has with one QEMU binary to learn its
 * capabilities (libvirt's virQEMUCapsInitQMPMonitor, then ...TCG in a
 * second process when KVM was enabled; where /dev/kvm opens both processes
 * run at once), and what it concludes from it:
 * a vc_qemucaps with everything but the flag set, plus the raw replies the
 * flags are derived from (qemu_replies.h, qemu_flags.h). */
#ifndef VC_QEMU_CAPS_H
#define VC_QEMU_CAPS_H

#include "base/options.h"
#include "drivers/qemu_replies.h"
#include "model/qemucaps.h"

struct vc_cpu_db;

/* Bounds on what an emulator may answer. */
#define VC_QC_MAX_OUTPUT ((size_t)64 * 1024 * 1024)
#define VC_QC_MAX_ITEMS 8192     /* machines, CPU models, properties, GIC entries, SGX sections */
#define VC_QC_MAX_BLOCKERS 1024  /* per CPU model */
#define VC_QC_DEFAULT_TIMEOUT_MS 10000

/* Called with the raw replies while they live (vc_qemu_caps_flags). */
typedef int (*vc_qc_flags_fn)(vc_qemucaps *qc, const qc_replies *r, vc_error *err);

/* What one conversation cost (the caller's measurements). */
typedef struct vc_qc_timing {
    double run_ms;      /* the emulator processes, start to end (rounds run together count once) */
    double parse_ms;    /* parsing the replies (also while they arrive: part of run_ms) and reading them into the model */
    size_t bytes;       /* what the emulator printed */
} vc_qc_timing;

/* Asks emulator (a path as the probed host names it; opts->root and
 * opts->paths say where it is, opts->timeout_ms bounds each process) and
 * returns its capabilities (free with vc_qemucaps_free), or NULL with err
 * (rounds run together share the timeout's deadline):
 * VC_EIO when it cannot run, VC_EINPUT / VC_ELIMIT when its answers are
 * not what QEMU answers. cpu_db names ppc64 CPU models as the reference
 * does (NULL: the default database); flags (may be NULL) fills qc->flags;
 * timing (may be NULL) receives the costs. */
vc_qemucaps *vc_qemu_caps_probe(const vc_probe_opts *opts, const char *emulator, struct vc_cpu_db *cpu_db,
                                vc_qc_flags_fn flags, vc_qc_timing *timing, vc_error *err);

#endif
