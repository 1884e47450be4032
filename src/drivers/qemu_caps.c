/* One QEMU binary's capabilities over QMP, as the reference asks for them
 * (libvirt 9.0.0's virQEMUCapsInitQMPMonitor and ...TCG) and reads them
 * (qemu_monitor_json.c). A round is one emulator process: its requests go
 * out in two batches on its standard input, the second (what depends on
 * the first's answers: machine properties by canonical name, the host CPU
 * expansion by architecture and accelerator, GIC/SEV/SGX) once the first
 * is answered; its output is parsed as it arrives. Where /dev/kvm opens,
 * the TCG round runs alongside round 1, its second batch waiting for
 * round 1's answers (run_rounds). */
#include "drivers/qemu_caps.h"

#include "base/arch.h"
#include "base/hostfs.h"
#include "base/safepath.h"
#include "cpu/cpu.h"
#include "drivers/qemu_caps_cache.h"
#include "drivers/qemu_domcaps.h"
#include "drivers/qmp.h"
#include "drivers/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQS 128
#define MAX_EVENTS 10000
#define QMP_MAX_DEPTH 64

/* The devices and objects whose properties the reference asks for
 * (virQEMUCapsDeviceProps, virQEMUCapsObjectProps), and the machine types
 * (virQEMUCapsMachineProps, by the canonical name of these aliases). */
static const char *const device_types[] = {
    "virtio-blk-pci", "virtio-net-pci", "virtio-scsi-pci", "virtio-blk-ccw", "virtio-net-ccw", "virtio-scsi-ccw",
    "vfio-pci", "scsi-hd", "ide-hd", "PIIX4_PM", "usb-redir", "usb-storage", "kvm-pit", "VGA", "vmware-svga", "qxl",
    "virtio-gpu-pci", "virtio-gpu-device", "ICH9-LPC", "virtio-balloon-pci", "virtio-balloon-ccw",
    "virtio-balloon-device", "intel-iommu", "spapr-pci-host-bridge", "virtio-gpu-ccw", "mch", "nvdimm",
    "pcie-root-port", "usb-host", "vhost-user-fs-device", "virtio-mem-pci", "virtio-iommu-pci",
};
static const char *const object_types[] = {"memory-backend-file", "memory-backend-memfd", "max-x86_64-cpu",
                                           "max-arm-cpu"};
static const char *const machine_prop_types[] = {"pseries", "virt", "none"};

/* libvirt's virDomainHyperv names, in its order. */
static const char *const hyperv_names[] = {"relaxed",     "vapic",      "spinlocks", "vpindex", "runtime",
                                           "synic",       "stimer",     "reset",     "vendor_id", "frequencies",
                                           "reenlightenment", "tlbflush", "ipi",     "evmcs",   "avic"};

enum req_kind {
    RQ_CAPS, RQ_VERSION, RQ_TARGET, RQ_SCHEMA, RQ_COMMANDS, RQ_KVM, RQ_TYPES, RQ_DEVPROPS, RQ_OBJPROPS,
    RQ_MACHINES, RQ_CPUDEFS, RQ_TPM_MODELS, RQ_TPM_TYPES, RQ_CMDLINE, RQ_MIGRATE, RQ_GIC, RQ_SEV, RQ_SGX,
    RQ_EXPAND, RQ_EXPAND_NONMIG, RQ_EXPAND_HV, RQ_QUIT,
};

typedef struct qc_req {
    int kind;
    const char *name;   /* typename of a properties request (in the session's arena) */
    const char *cmd;
} qc_req;

/* One emulator process and its conversation. */
typedef struct qc_session {
    bool tcg_round;             /* the second process, -accel tcg */
    bool released;              /* the TCG round: round 1 wants it and gave its arch */
    const char *arch;           /* libvirt's name: from query-target, or given to the TCG round */
    bool accelerated;           /* round 1 found KVM present and enabled */
    vc_arena *a;
    qc_req reqs[MAX_REQS];
    json_object *msgs[MAX_REQS];    /* each request's reply, whole */
    size_t nreqs, nphase1, nreplies;
    vc_buf in1, in2;
    json_tokener *tok;
    size_t off, nevents;
    bool greeted, phase2_built, failed;
    vc_error err;               /* what went wrong in the conversation */
    double parse_ms;            /* spent parsing the output while it arrived */
    vc_qmp_machine *machines;   /* round 1's, for the canonical names */
    size_t nmachines;
    /* while it runs */
    struct qc_session *tcg;     /* round 1: the TCG round started alongside, waiting for its word */
    vc_run *run;
    const char *shown;          /* the emulator as messages name it */
    int timeout;
    /* how it went: 0, or -1 with result */
    int rc;
    vc_error result;
} qc_session;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int fail_session(qc_session *s, int code, const char *fmt, ...) VC_PRINTF(3, 4);
static int fail_session(qc_session *s, int code, const char *fmt, ...)
{
    if (!s->failed) {
        va_list ap;
        va_start(ap, fmt);
        vc_vfail(&s->err, code, fmt, ap);
        va_end(ap);
        s->failed = true;
    }
    return -1;
}

/* Appends a request (args: owned, may be NULL) to buf. */
static int add_req(qc_session *s, vc_buf *buf, int kind, const char *cmd, json_object *args, const char *name)
{
    if (s->nreqs >= MAX_REQS) {
        json_object_put(args);
        return fail_session(s, VC_ELIMIT, "QMP: more than %d requests", MAX_REQS);
    }
    json_object *o = json_object_new_object();
    char id[32];
    snprintf(id, sizeof id, "vc-%zu", s->nreqs);
    if (!o || json_object_object_add(o, "execute", json_object_new_string(cmd)) < 0 ||
        (args && json_object_object_add(o, "arguments", args) < 0) ||
        json_object_object_add(o, "id", json_object_new_string(id)) < 0) {
        json_object_put(o);
        return fail_session(s, VC_ENOMEM, "out of memory");
    }
    vc_buf_puts(buf, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    vc_buf_puts(buf, "\n");
    json_object_put(o);
    s->reqs[s->nreqs++] = (qc_req){.kind = kind, .name = name, .cmd = cmd};
    return buf->oom ? fail_session(s, VC_ENOMEM, "out of memory") : 0;
}

static json_object *typename_args(const char *name)
{
    json_object *o = json_object_new_object();
    if (o)
        json_object_object_add(o, "typename", json_object_new_string(name));
    return o;
}

/* {"type": type, "model": {"name": model[, "props": {...}]}} as
 * qemuMonitorJSONMakeCPUModel builds it. */
static json_object *expand_args(const char *type, const char *model, bool migratable, bool hv)
{
    json_object *o = json_object_new_object(), *m = json_object_new_object();
    if (!o || !m) {
        json_object_put(o);
        json_object_put(m);
        return NULL;
    }
    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(m, "name", json_object_new_string(model));
    if (!migratable || hv) {
        json_object *p = json_object_new_object();
        if (!migratable)
            json_object_object_add(p, "migratable", json_object_new_boolean(0));
        if (hv)
            json_object_object_add(p, "hv-passthrough", json_object_new_boolean(1));
        json_object_object_add(m, "props", p);
    }
    json_object_object_add(o, "model", m);
    return o;
}

static int phase1(qc_session *s)
{
    vc_buf *b = &s->in1;
    if (add_req(s, b, RQ_CAPS, "qmp_capabilities", NULL, NULL) < 0)
        return -1;
    if (s->tcg_round)
        return 0; /* the TCG round's requests all depend on round 1: phase2 adds them */
    static const struct { int kind; const char *cmd; } head[] = {
        {RQ_VERSION, "query-version"}, {RQ_TARGET, "query-target"}, {RQ_SCHEMA, "query-qmp-schema"},
        {RQ_COMMANDS, "query-commands"}, {RQ_KVM, "query-kvm"}, {RQ_TYPES, "qom-list-types"},
    };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        if (add_req(s, b, head[i].kind, head[i].cmd, NULL, NULL) < 0)
            return -1;
    for (size_t i = 0; i < sizeof device_types / sizeof *device_types; i++)
        if (add_req(s, b, RQ_DEVPROPS, "device-list-properties", typename_args(device_types[i]), device_types[i]) < 0)
            return -1;
    for (size_t i = 0; i < sizeof object_types / sizeof *object_types; i++)
        if (add_req(s, b, RQ_OBJPROPS, "qom-list-properties", typename_args(object_types[i]), object_types[i]) < 0)
            return -1;
    static const struct { int kind; const char *cmd; } tail[] = {
        {RQ_MACHINES, "query-machines"}, {RQ_CPUDEFS, "query-cpu-definitions"},
        {RQ_TPM_MODELS, "query-tpm-models"}, {RQ_TPM_TYPES, "query-tpm-types"},
        {RQ_CMDLINE, "query-command-line-options"}, {RQ_MIGRATE, "query-migrate-capabilities"},
    };
    for (size_t i = 0; i < sizeof tail / sizeof *tail; i++)
        if (add_req(s, b, tail[i].kind, tail[i].cmd, NULL, NULL) < 0)
            return -1;
    return 0;
}

/* The reply ("return" member) to the first request of kind (and name), or
 * NULL when it was not asked or QEMU answered an error. */
static json_object *reply_of(const qc_session *s, int kind, const char *name)
{
    for (size_t i = 0; i < s->nreqs && i < s->nreplies; i++) {
        json_object *ret;
        if (s->reqs[i].kind == kind && (!name || (s->reqs[i].name && strcmp(s->reqs[i].name, name) == 0)))
            return json_object_object_get_ex(s->msgs[i], "return", &ret) ? ret : NULL;
    }
    return NULL;
}

/* The error reply to the first request of kind: its class, or NULL. */
static const char *error_class(const qc_session *s, int kind, const char **desc)
{
    for (size_t i = 0; i < s->nreqs && i < s->nreplies; i++) {
        json_object *e, *c, *d;
        if (s->reqs[i].kind != kind || !json_object_object_get_ex(s->msgs[i], "error", &e))
            continue;
        *desc = json_object_object_get_ex(e, "desc", &d) && json_object_is_type(d, json_type_string)
                    ? json_object_get_string(d)
                    : "no reason given";
        return json_object_object_get_ex(e, "class", &c) && json_object_is_type(c, json_type_string)
                   ? json_object_get_string(c)
                   : "";
    }
    return NULL;
}

/* Whether a list of {"name": ...} objects names name. */
static bool names_in(json_object *list, const char *name)
{
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *v;
        if (json_object_object_get_ex(json_object_array_get_idx(list, i), "name", &v) &&
            json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), name) == 0)
            return true;
    }
    return false;
}

static bool get_bool(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

/* virQEMUCapsGetCanonicalMachine over round 1's machines. */
static const char *canonical(const qc_session *s, const char *name)
{
    for (size_t i = 0; i < s->nmachines; i++)
        if (s->machines[i].alias && strcmp(s->machines[i].alias, name) == 0)
            return s->machines[i].name;
    return name;
}

static bool machine_known(const qc_session *s, const char *name)
{
    for (size_t i = 0; i < s->nmachines; i++)
        if (strcmp(s->machines[i].name, name) == 0)
            return true;
    return false;
}

static int arch_of(qc_session *s)
{
    json_object *t = reply_of(s, RQ_TARGET, NULL), *v;
    if (!t || !json_object_object_get_ex(t, "arch", &v) || !json_object_is_type(v, json_type_string))
        return fail_session(s, VC_EINPUT, "query-target: no architecture in the reply");
    int a = vc_arch_from_qemu(json_object_get_string(v));
    if (a < 0)
        return fail_session(s, VC_EINPUT, "query-target: unknown QEMU arch '%.64s'", json_object_get_string(v));
    s->arch = vc_arch_at((size_t)a)->name;
    return 0;
}

/* The host CPU expansions (virQEMUCapsProbeQMPHostCPU). */
static int add_expansions(qc_session *s, vc_buf *b)
{
    const char *model = s->accelerated && !s->tcg_round ? "host" : "max";
    bool x86 = vc_arch_is_x86(s->arch), arm = vc_arch_is_arm(s->arch) || vc_arch_is_aarch64(s->arch);
    const char *type = arm ? "full" : "static";
    if (add_req(s, b, RQ_EXPAND, "query-cpu-model-expansion", expand_args(type, model, true, false), NULL) < 0)
        return -1;
    /* asked whatever the first answer is: ignored when that one failed */
    if (x86 &&
        add_req(s, b, RQ_EXPAND_NONMIG, "query-cpu-model-expansion", expand_args(type, model, false, false), NULL) < 0)
        return -1;
    /* round 1's only, KVM's or (without KVM) TCG's: virsh on a host without
     * /dev/kvm reports x86 TCG's enlightenments */
    if (!s->tcg_round && (x86 || arm) &&
        add_req(s, b, RQ_EXPAND_HV, "query-cpu-model-expansion", expand_args("full", model, false, true), NULL) < 0)
        return -1;
    return 0;
}

/* The requests that depend on the first batch's answers; then quit. */
static int phase2(qc_session *s)
{
    vc_buf *b = &s->in2;
    if (s->tcg_round) {
        if (add_req(s, b, RQ_CPUDEFS, "query-cpu-definitions", NULL, NULL) < 0 || add_expansions(s, b) < 0 ||
            add_req(s, b, RQ_MACHINES, "query-machines", NULL, NULL) < 0)
            return -1;
        return add_req(s, b, RQ_QUIT, "quit", NULL, NULL);
    }
    if (arch_of(s) < 0)
        return -1;
    json_object *kvm = reply_of(s, RQ_KVM, NULL), *types = reply_of(s, RQ_TYPES, NULL);
    json_object *commands = reply_of(s, RQ_COMMANDS, NULL);
    s->accelerated = get_bool(kvm, "present") && get_bool(kvm, "enabled");
    json_object *machines = reply_of(s, RQ_MACHINES, NULL);
    if (machines) {
        vc_qmp_info info;
        memset(&info, 0, sizeof info);
        if (vc_qmp_read_machines(s->a, machines, &info, &s->err) < 0) {
            s->failed = true;
            return -1;
        }
        s->machines = info.machines;
        s->nmachines = info.nmachines;
    }
    for (size_t i = 0; i < sizeof machine_prop_types / sizeof *machine_prop_types; i++) {
        const char *canon = canonical(s, machine_prop_types[i]);
        if (strcmp(canon, "none") != 0 && !machine_known(s, canon))
            continue;
        char *type = vc_sprintf(s->a, "%s-machine", canon);
        if (!type)
            return fail_session(s, VC_ENOMEM, "out of memory");
        if (add_req(s, b, RQ_OBJPROPS, "qom-list-properties", typename_args(type), type) < 0)
            return -1;
    }
    if ((vc_arch_is_aarch64(s->arch) || strcmp(s->arch, "armv6l") == 0 || strcmp(s->arch, "armv7l") == 0) &&
        add_req(s, b, RQ_GIC, "query-gic-capabilities", NULL, NULL) < 0)
        return -1;
    if (names_in(types, "sev-guest") && add_req(s, b, RQ_SEV, "query-sev-capabilities", NULL, NULL) < 0)
        return -1;
    if (names_in(types, "sgx-epc") && add_req(s, b, RQ_SGX, "query-sgx-capabilities", NULL, NULL) < 0)
        return -1;
    if (names_in(commands, "query-cpu-model-expansion") && add_expansions(s, b) < 0)
        return -1;
    return add_req(s, b, RQ_QUIT, "quit", NULL, NULL);
}

/* One message of the output: the greeting, an event, or the next reply. */
static int take_message(qc_session *s, json_object *o)
{
    json_object *v;
    if (!s->greeted) {
        if (!json_object_object_get_ex(o, "QMP", &v) || !json_object_is_type(v, json_type_object))
            return fail_session(s, VC_EINPUT, "not a QMP monitor: no {\"QMP\": ...} greeting");
        s->greeted = true;
        return 0;
    }
    if (json_object_object_get_ex(o, "event", NULL)) {
        if (++s->nevents > MAX_EVENTS)
            return fail_session(s, VC_ELIMIT, "QMP: more than %d events", MAX_EVENTS);
        return 0;
    }
    if (s->nreplies >= s->nreqs)
        return fail_session(s, VC_EINPUT, "QMP: a reply to no request");
    char id[32];
    snprintf(id, sizeof id, "vc-%zu", s->nreplies);
    const char *cmd = s->reqs[s->nreplies].cmd;
    if (!json_object_object_get_ex(o, "id", &v) || !json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), id) != 0)
        return fail_session(s, VC_EINPUT, "QMP: a reply with id %.64s where the answer to %s was due",
                            v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "(none)", cmd);
    if (!json_object_object_get_ex(o, "return", NULL) && !json_object_object_get_ex(o, "error", NULL))
        return fail_session(s, VC_EINPUT, "QMP: the answer to %s is neither a return nor an error", cmd);
    s->msgs[s->nreplies++] = json_object_get(o);
    return 0;
}

/* Parses what arrived since last time (json-c keeps a value cut off by the
 * end of the data and goes on with the next bytes). */
static void parse_output(qc_session *s, const char *data, size_t len)
{
    while (!s->failed && s->off < len) {
        if (len - s->off > INT_MAX) {
            fail_session(s, VC_ELIMIT, "QMP: more than %d bytes at once", INT_MAX);
            return;
        }
        json_object *o = json_tokener_parse_ex(s->tok, data + s->off, (int)(len - s->off));
        enum json_tokener_error e = json_tokener_get_error(s->tok);
        if (e == json_tokener_continue) {
            s->off = len;
            return;
        }
        if (e != json_tokener_success) {
            fail_session(s, VC_EINPUT, "QMP: %s near byte %zu", json_tokener_error_desc(e),
                         s->off + json_tokener_get_parse_end(s->tok));
            return;
        }
        s->off += json_tokener_get_parse_end(s->tok);
        json_tokener_reset(s->tok);
        if (!json_object_is_type(o, json_type_object))
            fail_session(s, VC_EINPUT, "QMP: a message that is not a JSON object");
        else
            take_message(s, o);
        json_object_put(o);
    }
}

/* virQEMUCapsInitQMP: the TCG round only after a round 1 under KVM, when
 * QEMU has TCG. */
static bool wants_tcg_round(const qc_session *s)
{
    return s->accelerated && names_in(reply_of(s, RQ_TYPES, NULL), "tcg-accel");
}

/* The second batch is due once the first is answered and, in the TCG
 * round, once round 1 gave its word. */
static bool phase2_due(const qc_session *s)
{
    return !s->phase2_built && !s->failed && s->nreplies >= s->nphase1 && (!s->tcg_round || s->released);
}

/* Builds the second batch and gives it to the process while it runs. */
static int make_phase2(qc_session *s, vc_run *r)
{
    s->phase2_built = true;
    if (phase2(s) < 0)
        return -1;
    if (r && !r->finished) {
        r->input = s->in2.data;
        r->input_len = s->in2.len;
        r->written = 0;
    }
    return 0;
}

/* Round 1's word to the TCG round running alongside: its second batch
 * when round 1 runs under KVM and QEMU has TCG; otherwise its end (its
 * answers are not used: the sequential conversation never asks them). */
static void tell_tcg_round(const qc_session *s1)
{
    qc_session *s2 = s1->tcg;
    if (!wants_tcg_round(s1)) {
        s2->run->stop = true;
        return;
    }
    s2->arch = s1->arch;
    s2->released = true;
    if (!s2->run->finished && phase2_due(s2) && make_phase2(s2, s2->run) < 0)
        s2->run->stop = true;
}

static void parse_run_output(qc_session *s, const vc_run *r)
{
    double t0 = now_ms();
    parse_output(s, r->out.data ? r->out.data : "", r->out.len);
    s->parse_ms += now_ms() - t0;
}

/* vc_run's more: parse, and once the first batch is answered, send the
 * rest; a conversation gone wrong ends there. */
static bool on_output(vc_run *r)
{
    qc_session *s = r->ctx;
    parse_run_output(s, r);
    if (s->failed)
        return false;
    if (!phase2_due(s))
        return true;
    if (make_phase2(s, r) < 0)
        return false;
    if (s->tcg)
        tell_tcg_round(s);
    return true;
}

/* How a round went: 0 when every request was answered, else -1 with err. */
static int verdict(qc_session *s, const vc_run *r, vc_error *err)
{
    /* a second batch that came due with the last output is unanswered:
     * it names what is missing */
    if (phase2_due(s))
        (void)make_phase2(s, NULL);
    char detail[64];
    const char *shown = s->shown;
    vc_run_describe_exit(r, detail, sizeof detail);
    if (r->outcome == VC_RUN_NOSTART)
        return vc_fail(err, VC_EIO, "qemu: cannot run %s: %s", shown, strerror(r->error));
    if (r->outcome == VC_RUN_FLOOD)
        return vc_fail(err, VC_ELIMIT, "qemu: %s printed more than %zu bytes", shown, VC_QC_MAX_OUTPUT);
    if (s->failed)
        return vc_fail(err, s->err.code, "qemu: %s: %s%s", shown, s->err.msg, detail);
    if (r->outcome == VC_RUN_TIMEOUT)
        return vc_fail(err, VC_EIO, "qemu: %s did not answer within %d ms", shown, s->timeout);
    if (!s->greeted)
        return vc_fail(err, VC_EINPUT, "qemu: %s: not a QMP monitor: it printed %s%s", shown,
                       r->out.len ? "no complete message" : "nothing", detail);
    if (s->nreplies < s->nreqs && s->reqs[s->nreplies].kind != RQ_QUIT)
        return vc_fail(err, VC_EINPUT, "qemu: %s stopped before answering %s%s", shown, s->reqs[s->nreplies].cmd,
                       detail);
    return 0;
}

/* vc_run's ended: the rest of the output; round 1 ending before it gave
 * its word, or failing, ends the TCG round waiting on it. */
static void on_end(vc_run *r)
{
    qc_session *s = r->ctx;
    parse_run_output(s, r);
    vc_error e;
    if (s->tcg && !s->tcg->run->finished && (!s->tcg->released || verdict(s, r, &e) < 0))
        s->tcg->run->stop = true;
}

static void session_free(qc_session *s)
{
    for (size_t i = 0; i < s->nreplies; i++)
        json_object_put(s->msgs[i]);
    s->nreplies = 0;
    vc_buf_free(&s->in1);
    vc_buf_free(&s->in2);
    if (s->tok)
        json_tokener_free(s->tok);
    s->tok = NULL;
}

/* A session and its first batch (a failure is kept in it: the round then
 * does not run). */
static void session_init(qc_session *s, vc_arena *a, bool tcg_round)
{
    memset(s, 0, sizeof *s);
    s->a = a;
    s->tcg_round = tcg_round;
    vc_buf_init(&s->in1);
    vc_buf_init(&s->in2);
    s->tok = json_tokener_new_ex(QMP_MAX_DEPTH);
    if (!s->tok) {
        fail_session(s, VC_ENOMEM, "out of memory");
        return;
    }
    json_tokener_set_flags(s->tok, JSON_TOKENER_VALIDATE_UTF8);
    if (phase1(s) == 0)
        s->nphase1 = s->nreqs;
}

/* Runs rounds (round 1 and the TCG round, or one of them) at once, each
 * to its end; each session's rc and result say how it went. */
static void run_rounds(qc_session *const *ss, size_t n, int fd, const char *file, const char *shown, int timeout,
                       vc_qc_timing *t)
{
    enum { MAX_ROUNDS = 2 };
    char *argv[MAX_ROUNDS][10];
    vc_run runs[MAX_ROUNDS];
    for (size_t i = 0; i < n && i < MAX_ROUNDS; i++) {
        qc_session *s = ss[i];
        char *args[] = {(char *)file, "-S", "-no-user-config", "-nodefaults", "-nographic", "-machine",
                        s->tcg_round ? "none,accel=tcg" : "none,accel=kvm:tcg", "-qmp", "stdio", NULL};
        memcpy(argv[i], args, sizeof args);
        s->shown = shown;
        s->timeout = timeout;
        s->run = &runs[i];
        /* a session that failed before it could ask is not run */
        runs[i] = (vc_run){.exe_fd = fd, .argv = argv[i], .input = s->in1.data, .input_len = s->in1.len,
                           .more = on_output, .ended = on_end, .ctx = s, .stop = s->failed};
    }
    double t0 = now_ms();
    vc_run_all(runs, n, timeout, VC_QC_MAX_OUTPUT);
    double t1 = now_ms();
    for (size_t i = 0; i < n && i < MAX_ROUNDS; i++) {
        qc_session *s = ss[i];
        s->rc = verdict(s, &runs[i], &s->result);
        if (t) {
            t->parse_ms += s->parse_ms;
            t->bytes += runs[i].out.len;
        }
        vc_run_release(&runs[i]);
        s->run = NULL;
    }
    if (t)
        t->run_ms += t1 - t0;
}

/* ---- reading the answers into the model ---- */

static int want_string(json_object *o, const char *key, bool required, char **out, vc_arena *a, const char *what,
                       vc_error *err)
{
    const char *s;
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    if (vc_qmp_name(v, key, required, &s, what, err) < 0)
        return -1;
    *out = NULL;
    if (s && !(*out = vc_strdup(a, s)))
        return vc_oom(err);
    return 0;
}

/* A member that must be a boolean when present. */
static int want_bool(json_object *o, const char *key, bool *out, bool dflt, const char *what, vc_error *err)
{
    if (json_object_object_get_ex(o, key, NULL))
        return vc_qmp_bool(o, key, out, what, err);
    *out = dflt;
    return 0;
}

static int want_uint(json_object *o, const char *key, bool required, unsigned long long max, unsigned long long *out,
                     const char *what, vc_error *err)
{
    json_object *v;
    *out = 0;
    if (!json_object_object_get_ex(o, key, &v)) {
        if (required)
            return vc_fail(err, VC_EINPUT, "%s: '%s' is missing", what, key);
        return 0;
    }
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
        json_object_get_uint64(v) > max)
        return vc_fail(err, VC_EINPUT, "%s: '%s' is not an integer from 0 to %llu", what, key, max);
    *out = json_object_get_uint64(v);
    return 0;
}

static int check_list(json_object *list, const char *cmd, size_t *n, vc_error *err)
{
    *n = 0;
    if (!json_object_is_type(list, json_type_array))
        return vc_fail(err, VC_EINPUT, "%s: the reply is not a list", cmd);
    *n = json_object_array_length(list);
    if (*n > VC_QC_MAX_ITEMS)
        return vc_fail(err, VC_ELIMIT, "%s: %zu entries, over the limit of %d", cmd, *n, VC_QC_MAX_ITEMS);
    return 0;
}

/* qemuMonitorJSONGetMachines; "none" is left out, the preferred machine
 * (else QEMU's default) moved to the front (virQEMUCapsProbeQMPMachineTypes). */
static int read_machine_list(vc_arena *a, json_object *list, qc_machine **out, size_t *n, vc_error *err)
{
    size_t len;
    *out = NULL;
    *n = 0;
    if (check_list(list, "query-machines", &len, err) < 0)
        return -1;
    qc_machine *m = len ? vc_array(a, len, sizeof *m) : NULL;
    if (len && !m)
        return vc_oom(err);
    for (size_t i = 0; i < len; i++) {
        json_object *o = json_object_array_get_idx(list, i), *v;
        char what[64];
        snprintf(what, sizeof what, "query-machines: machine %zu", i + 1);
        if (!json_object_is_type(o, json_type_object))
            return vc_fail(err, VC_EINPUT, "%s is not an object", what);
        qc_machine *x = &m[*n];
        memset(x, 0, sizeof *x);
        unsigned long long cpus;
        bool numa;
        if (want_string(o, "name", true, &x->name, a, what, err) < 0 ||
            want_string(o, "alias", false, &x->alias, a, what, err) < 0 ||
            want_string(o, "default-cpu-type", false, &x->default_cpu, a, what, err) < 0 ||
            want_string(o, "default-ram-id", false, &x->default_ram_id, a, what, err) < 0 ||
            want_uint(o, "cpu-max", false, INT_MAX, &cpus, what, err) < 0 ||
            want_bool(o, "is-default", &x->is_default, false, what, err) < 0 ||
            want_bool(o, "numa-mem-supported", &numa, true, what, err) < 0 ||
            want_bool(o, "deprecated", &x->deprecated, false, what, err) < 0)
            return -1;
        x->numa_mem_supported = numa;
        x->max_cpus = (unsigned)cpus;
        x->hotplug_cpus = get_bool(o, "hotpluggable-cpus");
        if (json_object_object_get_ex(o, "acpi", &v)) {
            if (!json_object_is_type(v, json_type_boolean))
                return vc_fail(err, VC_EINPUT, "%s: 'acpi' is not a boolean", what);
            x->acpi_set = true;
            x->acpi = json_object_get_boolean(v);
        }
        if (x->name && strcmp(x->name, "none") != 0)
            (*n)++;
    }
    *out = m;
    return 0;
}

static void order_machines(qc_machine *m, size_t n, const char *preferred)
{
    long pref = -1, dflt = -1;
    for (size_t i = 0; i < n; i++) {
        if (preferred && (strcmp(m[i].name, preferred) == 0 || (m[i].alias && strcmp(m[i].alias, preferred) == 0)))
            pref = (long)i;
        if (m[i].is_default)
            dflt = (long)i;
    }
    if (pref < 0)
        pref = dflt;
    if (pref > 0) {
        qc_machine t = m[pref];
        memmove(m + 1, m, (size_t)pref * sizeof *m);
        m[0] = t;
    }
}

/* qemuMonitorJSONGetCPUDefinitions; ppc64 names as the CPU model database
 * spells them (virQEMUCapsFetchCPUDefinitions). */
static int read_cpu_defs(vc_arena *a, json_object *list, const char *arch, vc_cpu_db *db, qc_accel_caps *acc,
                         vc_error *err)
{
    size_t len;
    if (check_list(list, "query-cpu-definitions", &len, err) < 0)
        return -1;
    const vc_ppc64_map *ppc = NULL;
    if (vc_arch_is_ppc64(arch) && !(ppc = vc_cpu_db_ppc64(db, err)))
        return -1;
    acc->cpus = len ? vc_array(a, len, sizeof *acc->cpus) : NULL;
    if (len && !acc->cpus)
        return vc_oom(err);
    for (size_t i = 0; i < len; i++) {
        json_object *o = json_object_array_get_idx(list, i), *v;
        char what[64];
        snprintf(what, sizeof what, "query-cpu-definitions: model %zu", i + 1);
        if (!json_object_is_type(o, json_type_object))
            return vc_fail(err, VC_EINPUT, "%s is not an object", what);
        qc_cpu_model *c = &acc->cpus[i];
        c->usable = -1;
        /* QEMU's aliases have an empty typename: none */
        bool no_type = json_object_object_get_ex(o, "typename", &v) && json_object_is_type(v, json_type_string) &&
                       json_object_get_string_len(v) == 0;
        if (want_string(o, "name", true, &c->name, a, what, err) < 0 ||
            (!no_type && want_string(o, "typename", false, &c->type_name, a, what, err) < 0) ||
            want_bool(o, "deprecated", &c->deprecated, false, what, err) < 0)
            return -1;
        for (size_t k = 0; ppc && k < ppc->nmodels; k++)
            if (strcasecmp(c->name, ppc->models[k].name) == 0 && !(c->name = vc_strdup(a, ppc->models[k].name)))
                return vc_oom(err);
        if (json_object_object_get_ex(o, "unavailable-features", &v)) {
            if (!json_object_is_type(v, json_type_array))
                return vc_fail(err, VC_EINPUT, "%s: 'unavailable-features' is not a list", what);
            size_t nb = json_object_array_length(v);
            if (nb > VC_QC_MAX_BLOCKERS)
                return vc_fail(err, VC_ELIMIT, "%s: %zu unavailable features, over the limit of %d", what, nb,
                               VC_QC_MAX_BLOCKERS);
            c->usable = nb == 0;
            c->blockers = nb ? vc_array(a, nb, sizeof *c->blockers) : NULL;
            if (nb && !c->blockers)
                return vc_oom(err);
            for (size_t k = 0; k < nb; k++) {
                const char *f;
                if (vc_qmp_name(json_object_array_get_idx(v, k), "unavailable-features", true, &f, what, err) < 0)
                    return -1;
                if (!(c->blockers[k] = vc_strdup(a, f)))
                    return vc_oom(err);
            }
            c->nblockers = nb;
        }
        acc->ncpus++;
    }
    return 0;
}

/* One property of an expansion (qemuMonitorJSONParseCPUModelProperty):
 * 1 read, 0 of a type the reference skips. */
static int read_prop(vc_arena *a, const char *name, json_object *v, qc_prop *p, vc_error *err)
{
    memset(p, 0, sizeof *p);
    p->migratable = -1;
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        p->type = QC_PROP_BOOL;
        p->b = json_object_get_boolean(v);
        break;
    case json_type_string:
        p->type = QC_PROP_STRING;
        if (json_object_get_string_len(v) > 4096)
            return vc_fail(err, VC_ELIMIT, "query-cpu-model-expansion: property '%.64s' is over 4096 bytes", name);
        if (!(p->s = vc_strdup(a, json_object_get_string(v))))
            return vc_oom(err);
        break;
    case json_type_int:
        if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX)
            return 0;
        p->type = QC_PROP_NUMBER;
        p->n = json_object_get_int64(v);
        break;
    default:
        return 0;
    }
    const char *nm = NULL;
    json_object *key = json_object_new_string(name);
    int rc = key ? vc_qmp_name(key, "props", true, &nm, "query-cpu-model-expansion", err) : vc_oom(err);
    if (rc == 0 && (!nm || !(p->name = vc_strdup(a, nm))))
        rc = vc_oom(err);
    json_object_put(key);
    return rc < 0 ? -1 : 1;
}

/* An expansion's model and props; *model NULL when QEMU could not expand
 * (a GenericError), as qemuMonitorJSONGetCPUModelExpansion. */
static int read_expansion(const qc_session *s, int kind, bool need_props, vc_arena *a, qc_host_cpu *out,
                          vc_error *err)
{
    const char *desc, *cls = error_class(s, kind, &desc);
    memset(out, 0, sizeof *out);
    if (cls) {
        if (strcmp(cls, "GenericError") == 0)
            return 0;
        return vc_fail(err, VC_EINPUT, "QEMU refused query-cpu-model-expansion: %.200s", desc);
    }
    json_object *r = reply_of(s, kind, NULL), *m, *props;
    if (!r)
        return 0;
    if (!json_object_object_get_ex(r, "model", &m) || !json_object_is_type(m, json_type_object))
        return vc_fail(err, VC_EINPUT, "query-cpu-model-expansion: the reply has no 'model'");
    char *name;
    if (want_string(m, "name", true, &name, a, "query-cpu-model-expansion", err) < 0)
        return -1;
    if (!json_object_object_get_ex(m, "props", &props)) {
        if (need_props)
            return vc_fail(err, VC_EINPUT, "query-cpu-model-expansion: the reply has no 'props'");
        out->model = name;
        return 0;
    }
    if (!json_object_is_type(props, json_type_object))
        return vc_fail(err, VC_EINPUT, "query-cpu-model-expansion: 'props' is not an object");
    size_t n = (size_t)json_object_object_length(props);
    out->model = name;
    if (n == 0)
        return 0;
    if (n > VC_QC_MAX_ITEMS)
        return vc_fail(err, VC_ELIMIT, "query-cpu-model-expansion: %zu properties, over the limit of %d", n,
                       VC_QC_MAX_ITEMS);
    if (!(out->props = vc_array(a, n, sizeof *out->props)))
        return vc_oom(err);
    json_object_object_foreach(props, key, val) {
        int rc = out->nprops < n ? read_prop(a, key, val, &out->props[out->nprops], err) : 0;
        if (rc < 0)
            return -1;
        out->nprops += (size_t)rc;
    }
    return 0;
}

/* virQEMUCapsProbeQMPHostCPU: the expansion, with each feature's
 * migratability from the non-migratable one. */
static int read_host_cpu(const qc_session *s, vc_arena *a, qc_host_cpu *out, vc_error *err)
{
    bool s390 = vc_arch_is_s390(s->arch);
    if (read_expansion(s, RQ_EXPAND, !s390, a, out, err) < 0)
        return -1;
    if (!out->model || !vc_arch_is_x86(s->arch))
        return 0;
    vc_arena *tmp = vc_arena_new();
    qc_host_cpu nm;
    if (!tmp)
        return vc_oom(err);
    int rc = read_expansion(s, RQ_EXPAND_NONMIG, !s390, tmp, &nm, err);
    if (rc == 0 && nm.model) {
        for (size_t i = 0; i < nm.nprops; i++) {
            qc_prop *p = NULL;
            for (size_t k = 0; k < out->nprops && !p; k++)
                if (strcmp(out->props[k].name, nm.props[i].name) == 0)
                    p = &out->props[k];
            if (!p || p->type != QC_PROP_BOOL || nm.props[i].type != QC_PROP_BOOL)
                continue;
            if (p->b) {
                p->migratable = 1;
            } else if (nm.props[i].b) {
                p->b = true;
                p->migratable = 0;
            }
        }
        out->migratability = true;
    }
    vc_arena_free(tmp);
    return rc;
}

/* virQEMUCapsProbeHypervCapabilities */
static int read_hyperv(const qc_session *s, vc_qemucaps *qc, vc_error *err)
{
    qc_host_cpu full;
    vc_arena *tmp = vc_arena_new();
    if (!tmp)
        return vc_oom(err);
    bool set[sizeof hyperv_names / sizeof *hyperv_names] = {false};
    int rc = read_expansion(s, RQ_EXPAND_HV, true, tmp, &full, err);
    for (size_t i = 0; rc == 0 && i < full.nprops; i++) {
        const qc_prop *p = &full.props[i];
        if (strncmp(p->name, "hv-", 3) != 0)
            continue;
        bool on = (p->type == QC_PROP_BOOL && p->b) || (p->type == QC_PROP_NUMBER && p->n > 0) ||
                  p->type == QC_PROP_STRING;
        for (size_t k = 0; k < sizeof hyperv_names / sizeof *hyperv_names; k++) {
            const char *x = p->name + 3, *y = hyperv_names[k];
            while (*x && (*x == *y || (*x == '-' && *y == '_'))) {
                x++;
                y++;
            }
            if (!*x && !*y)
                set[k] |= on;
        }
    }
    for (size_t k = 0; rc == 0 && k < sizeof hyperv_names / sizeof *hyperv_names; k++)
        if (set[k]) {
            char **slot = VC_PUSH(qc->arena, qc->hyperv.features, qc->hyperv.nfeatures);
            if (!slot || !(*slot = vc_strdup(qc->arena, hyperv_names[k])))
                rc = vc_oom(err);
        }
    /* the reference reports Hyper-V only when the expansion offers an enlightenment */
    qc->hyperv.present = qc->hyperv.nfeatures > 0;
    vc_arena_free(tmp);
    return rc;
}

static int read_gic(json_object *list, vc_qemucaps *qc, vc_error *err)
{
    size_t n;
    if (check_list(list, "query-gic-capabilities", &n, err) < 0)
        return -1;
    qc->gic = n ? vc_array(qc->arena, n, sizeof *qc->gic) : NULL;
    if (n && !qc->gic)
        return vc_oom(err);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(list, i);
        unsigned long long v;
        bool present;
        if (want_uint(o, "version", true, UINT_MAX, &v, "query-gic-capabilities", err) < 0)
            return -1;
        qc->gic[i].version = (unsigned)v;
        if (!json_object_object_get_ex(o, "kernel", NULL) || !json_object_object_get_ex(o, "emulated", NULL))
            return vc_fail(err, VC_EINPUT, "query-gic-capabilities: 'kernel' or 'emulated' is missing");
        if (want_bool(o, "kernel", &present, false, "query-gic-capabilities", err) < 0)
            return -1;
        qc->gic[i].kernel = present;
        if (want_bool(o, "emulated", &present, false, "query-gic-capabilities", err) < 0)
            return -1;
        qc->gic[i].emulated = present;
    }
    qc->ngic = n;
    return 0;
}

static int read_sev(json_object *o, vc_qemucaps *qc, vc_error *err)
{
    static const char *const what = "query-sev-capabilities";
    unsigned long long cbit, reduced;
    if (!json_object_is_type(o, json_type_object))
        return vc_fail(err, VC_EINPUT, "%s: the reply is not an object", what);
    if (want_uint(o, "cbitpos", true, UINT_MAX, &cbit, what, err) < 0 ||
        want_uint(o, "reduced-phys-bits", true, UINT_MAX, &reduced, what, err) < 0)
        return -1;
    json_object *pdh, *chain;
    if (!json_object_object_get_ex(o, "pdh", &pdh) || !json_object_is_type(pdh, json_type_string) ||
        !json_object_object_get_ex(o, "cert-chain", &chain) || !json_object_is_type(chain, json_type_string))
        return vc_fail(err, VC_EINPUT, "%s: 'pdh' or 'cert-chain' is missing", what);
    if (json_object_get_string_len(pdh) > 65536 || json_object_get_string_len(chain) > 65536)
        return vc_fail(err, VC_ELIMIT, "%s: 'pdh' or 'cert-chain' is over 65536 bytes", what);
    qc->sev.present = true;
    qc->sev.cbitpos = (unsigned)cbit;
    qc->sev.reduced_phys_bits = (unsigned)reduced;
    if (!(qc->sev.pdh = vc_strdup(qc->arena, json_object_get_string(pdh))) ||
        !(qc->sev.cert_chain = vc_strdup(qc->arena, json_object_get_string(chain))))
        return vc_oom(err);
    return 0;
}

/* qemuMonitorJSONGetSGXCapabilities: sizes in KiB; QEMU before 7.0 gave
 * no sections and counts as without SGX. */
static int read_sgx(json_object *o, vc_qemucaps *qc, vc_error *err)
{
    static const char *const what = "query-sgx-capabilities";
    bool sgx, b;
    json_object *sections;
    if (!json_object_is_type(o, json_type_object))
        return vc_fail(err, VC_EINPUT, "%s: the reply is not an object", what);
    if (!json_object_object_get_ex(o, "sgx", NULL) || want_bool(o, "sgx", &sgx, false, what, err) < 0)
        return json_object_object_get_ex(o, "sgx", NULL) ? -1 : vc_fail(err, VC_EINPUT, "%s: 'sgx' is missing", what);
    if (!sgx)
        return 0;
    static const char *const keys[] = {"sgx1", "sgx2", "flc"};
    bool *dst[] = {&qc->sgx.sgx1, &qc->sgx.sgx2, &qc->sgx.flc};
    for (size_t i = 0; i < 3; i++) {
        if (!json_object_object_get_ex(o, keys[i], NULL))
            return vc_fail(err, VC_EINPUT, "%s: '%s' is missing", what, keys[i]);
        if (want_bool(o, keys[i], &b, false, what, err) < 0)
            return -1;
        *dst[i] = b;
    }
    if (!json_object_object_get_ex(o, "sections", &sections))
        return 0;
    unsigned long long total;
    size_t n;
    if (want_uint(o, "section-size", true, UINT64_MAX, &total, what, err) < 0 ||
        check_list(sections, what, &n, err) < 0)
        return -1;
    qc->sgx.sections = n ? vc_array(qc->arena, n, sizeof *qc->sgx.sections) : NULL;
    if (n && !qc->sgx.sections)
        return vc_oom(err);
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(sections, i);
        unsigned long long node, size;
        if (want_uint(x, "node", true, UINT64_MAX, &node, what, err) < 0 ||
            want_uint(x, "size", true, UINT64_MAX, &size, what, err) < 0)
            return -1;
        qc->sgx.sections[i] = (qc_sgx_section){.node = node, .size_kib = size / 1024};
    }
    qc->sgx.nsections = n;
    qc->sgx.section_size_kib = total / 1024;
    qc->sgx.present = true;
    return 0;
}

static int read_version(json_object *r, vc_qemucaps *qc, vc_error *err)
{
    json_object *q, *pkg;
    unsigned long long major, minor, micro;
    if (!json_object_object_get_ex(r, "qemu", &q) || !json_object_is_type(q, json_type_object))
        return vc_fail(err, VC_EINPUT, "query-version: no version");
    if (want_uint(q, "major", true, 1000, &major, "query-version", err) < 0 ||
        want_uint(q, "minor", true, 999, &minor, "query-version", err) < 0 ||
        want_uint(q, "micro", true, 999, &micro, "query-version", err) < 0)
        return -1;
    if (major < 4 || (major == 4 && minor < 2))
        return vc_fail(err, VC_EINPUT, "QEMU version >= 4.2.0 is required, but %llu.%llu.%llu found", major, minor,
                       micro);
    qc->version = (unsigned)(major * 1000000 + minor * 1000 + micro);
    if (json_object_object_get_ex(r, "package", &pkg)) {
        if (!json_object_is_type(pkg, json_type_string) || json_object_get_string_len(pkg) > 4096)
            return vc_fail(err, VC_EINPUT, "query-version: 'package' is not a string of at most 4096 bytes");
        if (!(qc->package = vc_strdup(qc->arena, json_object_get_string(pkg))))
            return vc_oom(err);
    }
    return 0;
}

/* One accelerator's machines, CPU models and host CPU from a round. */
static int read_accel(const qc_session *s, vc_qemucaps *qc, int accel, vc_cpu_db *db, vc_error *err)
{
    qc_accel_caps *acc = &qc->accel[accel];
    json_object *machines = reply_of(s, RQ_MACHINES, NULL), *defs = reply_of(s, RQ_CPUDEFS, NULL);
    if (!machines) {
        const char *desc, *cls = error_class(s, RQ_MACHINES, &desc);
        return vc_fail(err, VC_EINPUT, "QEMU refused query-machines: %.200s", cls ? desc : "no answer");
    }
    if (read_machine_list(qc->arena, machines, &acc->machines, &acc->nmachines, err) < 0)
        return -1;
    order_machines(acc->machines, acc->nmachines, vc_arch_at((size_t)vc_arch_index(qc->arch))->preferred);
    if (defs && read_cpu_defs(qc->arena, defs, qc->arch, db, acc, err) < 0)
        return -1;
    return read_host_cpu(s, qc->arena, &acc->host_cpu, err);
}

static int read_round1(const qc_session *s, vc_qemucaps *qc, vc_cpu_db *db, vc_error *err)
{
    json_object *version = reply_of(s, RQ_VERSION, NULL), *types = reply_of(s, RQ_TYPES, NULL), *r;
    if (!version)
        return vc_fail(err, VC_EINPUT, "QEMU refused query-version");
    if (read_version(version, qc, err) < 0)
        return -1;
    if (!(qc->arch = vc_strdup(qc->arena, s->arch)))
        return vc_oom(err);
    qc->kvm_supported = s->accelerated;
    qc->tcg_supported = names_in(types, "tcg-accel");
    if (read_accel(s, qc, s->accelerated ? QC_KVM : QC_TCG, db, err) < 0)
        return -1;
    if (read_hyperv(s, qc, err) < 0)
        return -1;
    if ((r = reply_of(s, RQ_GIC, NULL)) && read_gic(r, qc, err) < 0)
        return -1;
    const char *desc;
    if ((r = reply_of(s, RQ_SEV, NULL)) && read_sev(r, qc, err) < 0)
        return -1;
    const char *cls = error_class(s, RQ_SEV, &desc);
    if (cls && strcmp(cls, "GenericError") != 0)
        return vc_fail(err, VC_EINPUT, "QEMU refused query-sev-capabilities: %.200s", desc);
    if ((r = reply_of(s, RQ_SGX, NULL)) && read_sgx(r, qc, err) < 0)
        return -1;
    cls = error_class(s, RQ_SGX, &desc);
    if (cls && strcmp(cls, "GenericError") != 0)
        return vc_fail(err, VC_EINPUT, "QEMU refused query-sgx-capabilities: %.200s", desc);
    return 0;
}

/* The raw replies of round 1 for the flags (pointers into its messages). */
static int collect_replies(const qc_session *s, vc_arena *a, qc_replies *r, vc_error *err)
{
    memset(r, 0, sizeof *r);
    r->version = reply_of(s, RQ_VERSION, NULL);
    r->target = reply_of(s, RQ_TARGET, NULL);
    r->kvm = reply_of(s, RQ_KVM, NULL);
    r->commands = reply_of(s, RQ_COMMANDS, NULL);
    r->qom_types = reply_of(s, RQ_TYPES, NULL);
    r->qmp_schema = reply_of(s, RQ_SCHEMA, NULL);
    r->cmdline_options = reply_of(s, RQ_CMDLINE, NULL);
    r->migrate_caps = reply_of(s, RQ_MIGRATE, NULL);
    r->tpm_models = reply_of(s, RQ_TPM_MODELS, NULL);
    r->tpm_types = reply_of(s, RQ_TPM_TYPES, NULL);
    r->sev = reply_of(s, RQ_SEV, NULL);
    r->sgx = reply_of(s, RQ_SGX, NULL);
    r->gic = reply_of(s, RQ_GIC, NULL);
    for (size_t i = 0; i < s->nreqs && i < s->nreplies; i++) {
        int k = s->reqs[i].kind;
        if (k != RQ_DEVPROPS && k != RQ_OBJPROPS)
            continue;
        qc_named_reply *n = k == RQ_DEVPROPS ? VC_PUSH(a, r->device_props, r->ndevice_props)
                                             : VC_PUSH(a, r->object_props, r->nobject_props);
        json_object *ret;
        if (!n)
            return vc_oom(err);
        n->name = s->reqs[i].name;
        n->reply = json_object_object_get_ex(s->msgs[i], "return", &ret) ? ret : NULL;
    }
    return 0;
}

/* Opens the emulator as it will run (as root, only when no other user can
 * change any part of its path); -1 with err when it cannot. */
static int open_emulator(const vc_probe_opts *opts, const char *emulator, char canon[PATH_MAX], vc_error *err)
{
    char real[PATH_MAX], bad[PATH_MAX];
    if (!emulator || emulator[0] != '/')
        return vc_fail(err, VC_EINPUT, "qemu: the emulator must be an absolute path");
    if (vc_host_path(opts, emulator, real, sizeof real) < 0)
        return vc_fail(err, VC_EINPUT, "qemu: %s: the path is too long", emulator);
    int fd = vc_path_open_file(real, geteuid() == 0, canon, PATH_MAX, bad, sizeof bad);
    if (fd == -2)
        return vc_fail(err, VC_EIO, "qemu: not running %s: users other than root can change %s", emulator, bad);
    if (fd < 0)
        return vc_fail(err, VC_EIO, "qemu: cannot open %s: %s", emulator, strerror(errno));
    return fd;
}

/* Whether /dev/kvm (as the probed host has it) opens: part of the cache
 * key, as the first round's accelerator depends on it. */
static bool kvm_device(const vc_probe_opts *opts)
{
    char dev[PATH_MAX];
    if (vc_host_path(opts, "/dev/kvm", dev, sizeof dev) < 0)
        return false;
    int fd = open(dev, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

_Static_assert(sizeof ((vc_qemucaps *)0)->named_digest == VC_CPU_DB_DIGEST, "a CPU model database digest");

/* What was drawn with the CPU model database holds while its files are
 * the ones it was drawn from; else x86 answers are drawn again with the
 * database given (NULL: the default one) and the entry rewritten, without
 * asking QEMU. */
static int check_named(vc_cachedir *cache, const char *canon, const struct stat *st, bool kvm_dev, vc_qemucaps *qc,
                       vc_cpu_db *db, vc_error *err)
{
    uint8_t now[VC_CPU_DB_DIGEST];
    const char *dir = db ? vc_cpu_db_dir(db) : VC_CPU_MAP_DIR;
    if (qc->named_db && strcmp(qc->named_db, dir) == 0 && vc_cpu_db_files_digest(dir, now) == 0 &&
        memcmp(now, qc->named_digest, sizeof now) == 0)
        return 0;
    for (int i = 0; i < QC_NACCEL; i++)
        qc->accel[i].named.drawn = false;
    qc->named_db = NULL;
    if (!vc_arch_is_x86(qc->arch))
        return 0;
    vc_cpu_db *own = db ? NULL : vc_cpu_db_new(NULL);
    if (!db && !own)
        return vc_oom(err);
    int rc = vc_qemu_caps_draw(qc, db ? db : own, err);
    vc_cpu_db_free(own);
    /* a cache that cannot be written only costs the next call its time */
    if (rc == 0 && qc->named_db)
        (void)vc_qccache_store(cache, canon, st, kvm_dev, qc);
    return rc;
}

/* The cached answer for the emulator as it is now, or NULL (with err set
 * only on OOM). */
static vc_qemucaps *cached(vc_cachedir *cache, const char *canon, const struct stat *st, bool kvm_dev,
                           const char *emulator, vc_cpu_db *db, vc_error *err)
{
    vc_qemucaps *qc = vc_qemucaps_new();
    if (qc && vc_qccache_load(cache, canon, st, kvm_dev, qc) == 1 && (qc->emulator = vc_strdup(qc->arena, emulator)) &&
        check_named(cache, canon, st, kvm_dev, qc, db, err) == 0)
        return qc;
    vc_qemucaps_free(qc);
    return NULL;
}

vc_qemucaps *vc_qemu_caps_probe(const vc_probe_opts *opts, const char *emulator, vc_cpu_db *cpu_db,
                                vc_qc_flags_fn flags, vc_qc_timing *timing, vc_error *err)
{
    char canon[PATH_MAX];
    if (timing)
        memset(timing, 0, sizeof *timing);
    int fd = open_emulator(opts, emulator, canon, err);
    if (fd < 0)
        return NULL;
    int timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms : VC_QC_DEFAULT_TIMEOUT_MS;
    static const vc_probe_opts no_opts;
    vc_cachedir cache;
    struct stat st;
    /* an entry holds the whole conclusion, flags included: only asked for with them */
    bool kvm_dev = kvm_device(opts), st_ok = flags && fstat(fd, &st) == 0;
    vc_cachedir_init(&cache, opts ? opts : &no_opts);
    if (st_ok) {
        double t0 = now_ms();
        vc_error herr = {0};
        vc_qemucaps *hit = cached(&cache, canon, &st, kvm_dev, emulator, cpu_db, &herr);
        if (!hit && herr.code == VC_ENOMEM) {
            *err = herr;
            vc_cachedir_close(&cache);
            close(fd);
            return NULL;
        }
        if (hit) {
            if (timing)
                timing->parse_ms = now_ms() - t0;
            vc_cachedir_close(&cache);
            close(fd);
            return hit;
        }
    }
    vc_cpu_db *own_db = NULL;
    vc_qemucaps *qc = vc_qemucaps_new();
    qc_session s1, s2;
    bool have2 = false;
    int rc = -1;
    if (!qc || !(qc->emulator = vc_strdup(qc->arena, emulator))) {
        vc_oom(err);
        vc_cachedir_close(&cache);
        close(fd);
        vc_qemucaps_free(qc);
        return NULL;
    }
    session_init(&s1, qc->arena, false);
    /* With /dev/kvm round 1 will most likely run under KVM: the TCG round
     * starts with it and waits for its word (when round 1 needs no TCG
     * round after all, it is ended unheard). */
    qc_session *rounds[] = {&s1, &s2};
    if (kvm_dev) {
        have2 = true;
        session_init(&s2, qc->arena, true);
        s1.tcg = &s2;
    }
    run_rounds(rounds, have2 ? 2 : 1, fd, canon, emulator, timeout, timing);
    if (s1.rc < 0) {
        *err = s1.result;
        goto out;
    }
    bool tcg = wants_tcg_round(&s1);
    /* Without /dev/kvm, a round 1 under KVM all the same is followed by the TCG round. */
    if (tcg && !have2) {
        have2 = true;
        session_init(&s2, qc->arena, true);
        s2.arch = s1.arch;
        s2.released = true;
        run_rounds(rounds + 1, 1, fd, canon, emulator, timeout, timing);
    }
    if (tcg && s2.rc < 0) {
        *err = s2.result;
        goto out;
    }
    double t0 = now_ms();
    /* ppc64 models are named with the database; x86 answers that are kept
     * carry what the database concludes from them (vc_qemu_caps_draw) */
    bool keep = st_ok && vc_cachedir_fd(&cache) >= 0;
    bool need_db = vc_arch_is_ppc64(s1.arch) || (keep && vc_arch_is_x86(s1.arch));
    if (!cpu_db && need_db && !(cpu_db = own_db = vc_cpu_db_new(NULL))) {
        vc_oom(err);
        goto out;
    }
    if (read_round1(&s1, qc, cpu_db, err) < 0 || (tcg && read_accel(&s2, qc, QC_TCG, cpu_db, err) < 0))
        goto out;
    if (flags) {
        qc_replies r;
        if (collect_replies(&s1, qc->arena, &r, err) < 0 || flags(qc, &r, err) < 0)
            goto out;
    }
    if (keep && vc_qemu_caps_draw(qc, cpu_db, err) < 0)
        goto out;
    if (timing)
        timing->parse_ms += now_ms() - t0;
    /* a cache that cannot be written only costs the next call its time */
    if (st_ok)
        (void)vc_qccache_store(&cache, canon, &st, kvm_dev, qc);
    rc = 0;
out:
    vc_cachedir_close(&cache);
    session_free(&s1);
    if (have2)
        session_free(&s2);
    vc_cpu_db_free(own_db);
    close(fd);
    if (rc < 0) {
        if (err->code == VC_OK)
            vc_fail(err, VC_EINPUT, "qemu: %s: unreadable answers", emulator);
        vc_qemucaps_free(qc);
        return NULL;
    }
    return qc;
}
