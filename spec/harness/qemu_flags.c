/* Prints the QEMU capability flags virtcaps derives from a probing record
 * (conformance data domcaps/replies/caps_V.ARCH.replies: requests and replies paired
 * by id), one per line, from the record's first round (the one under KVM)
 * as the reference does. spec/conformance/qemu_flags_spec.lua compares them
 * with the reference's own conclusions. With --asks: the property queries
 * virtcaps would send (vc_qemu_flags_wants_props, ..._machine_qom_type);
 * with --asked: those the record holds. Usage: qemu_flags [--asks|--asked] FILE */
#include "base/arch.h"
#include "drivers/qemu_flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMED 256

typedef struct record {
    qc_replies r;
    qc_named_reply dev[MAX_NAMED], obj[MAX_NAMED];
    json_object *machines;
    json_object *cpus[QC_NACCEL];
    json_object *asked[2 * MAX_NAMED]; /* the first round's property requests, answered or not */
    size_t nasked;
} record;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static const char *str_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* The reply's "return" for the request, into its place in rec. */
static void file_reply(record *rec, int round, json_object *req, json_object *ret)
{
    const char *cmd = str_of(req, "execute");
    json_object *args = NULL;
    json_object_object_get_ex(req, "arguments", &args);
    if (!cmd)
        return;
    if (strcmp(cmd, "query-cpu-definitions") == 0) {
        rec->cpus[round] = ret;
        return;
    }
    if (round != QC_KVM)
        return;
    struct {
        const char *cmd;
        json_object **slot;
    } plain[] = {
        { "query-version", &rec->r.version },         { "query-target", &rec->r.target },
        { "query-kvm", &rec->r.kvm },                 { "query-commands", &rec->r.commands },
        { "qom-list-types", &rec->r.qom_types },      { "query-qmp-schema", &rec->r.qmp_schema },
        { "query-command-line-options", &rec->r.cmdline_options },
        { "query-migrate-capabilities", &rec->r.migrate_caps },
        { "query-tpm-models", &rec->r.tpm_models },   { "query-tpm-types", &rec->r.tpm_types },
        { "query-sev-capabilities", &rec->r.sev },    { "query-sgx-capabilities", &rec->r.sgx },
        { "query-gic-capabilities", &rec->r.gic },    { "query-machines", &rec->machines },
    };
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        if (strcmp(cmd, plain[i].cmd) == 0)
            *plain[i].slot = ret;
    bool dev = strcmp(cmd, "device-list-properties") == 0, obj = strcmp(cmd, "qom-list-properties") == 0;
    const char *type = args ? str_of(args, "typename") : NULL;
    size_t *n = dev ? &rec->r.ndevice_props : &rec->r.nobject_props;
    if ((dev || obj) && type && *n < MAX_NAMED)
        (dev ? rec->dev : rec->obj)[(*n)++] = (qc_named_reply){ type, ret };
}

/* Pairs each request with the reply of the same id; rounds start at qmp_capabilities. */
static int read_record(json_object *all, record *rec)
{
    int round = -1;
    size_t n = json_object_array_length(all);
    rec->r.device_props = rec->dev;
    rec->r.object_props = rec->obj;
    for (size_t i = 0; i < n; i++) {
        json_object *req = json_object_array_get_idx(all, i);
        const char *cmd = str_of(req, "execute"), *id = str_of(req, "id");
        if (!cmd || !id)
            continue;
        if (strcmp(cmd, "qmp_capabilities") == 0 && ++round >= QC_NACCEL)
            break;
        if (round == 0 && rec->nasked < 2 * MAX_NAMED &&
            (strcmp(cmd, "device-list-properties") == 0 || strcmp(cmd, "qom-list-properties") == 0))
            rec->asked[rec->nasked++] = req;
        for (size_t j = i + 1; j < n; j++) {
            json_object *rep = json_object_array_get_idx(all, j), *ret;
            const char *rid = str_of(rep, "id");
            if (!str_of(rep, "execute") && rid && strcmp(rid, id) == 0) {
                if (json_object_object_get_ex(rep, "return", &ret) && round >= 0)
                    file_reply(rec, round, req, ret);
                break;
            }
        }
    }
    return round >= 0 ? 0 : -1;
}

static json_object *parse_all(const char *data, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *all = json_object_new_array();
    size_t off = 0;
    while (tok && all) {
        while (off < len && strchr(" \t\r\n", data[off]))
            off++;
        if (off >= len)
            break;
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, data + off, (int)(len - off));
        if (json_tokener_get_error(tok) != json_tokener_success) {
            json_object_put(all);
            all = NULL;
            break;
        }
        off += json_tokener_get_parse_end(tok);
        json_object_array_add(all, o);
    }
    json_tokener_free(tok);
    return all;
}

/* The accelerator of the first round: KVM when query-kvm said so. */
static int first_accel(const record *rec)
{
    json_object *v;
    bool on = true;
    for (size_t i = 0; i < 2; i++)
        on = on && rec->r.kvm && json_object_object_get_ex(rec->r.kvm, i ? "enabled" : "present", &v) &&
             json_object_get_boolean(v);
    return on ? QC_KVM : QC_TCG;
}

/* The property queries virtcaps would send after this record's
 * qom-list-types and query-machines. */
static void print_asks(const vc_qemucaps *qc, const record *rec)
{
    for (const char *const *t = vc_qemu_flags_device_types(); *t; t++)
        if (vc_qemu_flags_wants_props(rec->r.qom_types, *t))
            printf("device-list-properties %s\n", *t);
    for (const char *const *t = vc_qemu_flags_object_types(); *t; t++)
        if (vc_qemu_flags_wants_props(rec->r.qom_types, *t))
            printf("qom-list-properties %s\n", *t);
    for (const char *const *t = vc_qemu_flags_machine_types(); *t; t++) {
        char qom[512];
        if (vc_qemu_flags_machine_qom_type(qc, first_accel(rec), *t, qom, sizeof qom))
            printf("qom-list-properties %s\n", qom);
    }
}

static void print_asked(const record *rec)
{
    for (size_t i = 0; i < rec->nasked; i++) {
        json_object *args = NULL;
        json_object_object_get_ex(rec->asked[i], "arguments", &args);
        const char *type = args ? str_of(args, "typename") : NULL;
        printf("%s %s\n", str_of(rec->asked[i], "execute"), type ? type : "");
    }
}

/* What the caller of vc_qemu_caps_flags fills first: arch, version, machine
 * types and CPU model names. */
static int fill_caller_facts(vc_qemucaps *qc, const record *rec)
{
    const char *arch = rec->r.target ? str_of(rec->r.target, "arch") : NULL;
    int ai = arch ? vc_arch_from_qemu(arch) : -1;
    json_object *q = NULL, *v;
    if (ai < 0 || !rec->r.version || !json_object_object_get_ex(rec->r.version, "qemu", &q))
        return -1;
    qc->arch = vc_strdup(qc->arena, vc_arch_at((size_t)ai)->name);
    const char *parts[] = { "major", "minor", "micro" };
    for (size_t i = 0; i < 3; i++)
        qc->version = qc->version * 1000 + (json_object_object_get_ex(q, parts[i], &v) ? (unsigned)json_object_get_int(v) : 0);
    size_t nm = rec->machines ? json_object_array_length(rec->machines) : 0;
    qc_accel_caps *first = &qc->accel[first_accel(rec)];
    first->machines = vc_array(qc->arena, nm + 1, sizeof(qc_machine));
    for (size_t i = 0; first->machines && i < nm; i++) {
        json_object *m = json_object_array_get_idx(rec->machines, i);
        const char *name = str_of(m, "name"), *alias = str_of(m, "alias");
        qc_machine *out = &first->machines[first->nmachines++];
        out->name = name ? vc_strdup(qc->arena, name) : NULL;
        out->alias = alias ? vc_strdup(qc->arena, alias) : NULL;
    }
    for (int round = 0; round < QC_NACCEL; round++) {
        size_t nc = rec->cpus[round] ? json_object_array_length(rec->cpus[round]) : 0;
        qc_accel_caps *ac = &qc->accel[round ? QC_TCG : first_accel(rec)];
        ac->cpus = vc_array(qc->arena, nc + 1, sizeof(qc_cpu_model));
        for (size_t i = 0; ac->cpus && i < nc; i++) {
            const char *name = str_of(json_object_array_get_idx(rec->cpus[round], i), "name");
            ac->cpus[ac->ncpus++].name = name ? vc_strdup(qc->arena, name) : NULL;
        }
    }
    return qc->arch && first->machines ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *mode = argc == 3 ? argv[1] : "";
    const char *path = argc == 2 || argc == 3 ? argv[argc - 1] : NULL;
    size_t len = 0;
    char *data = path ? slurp(path, &len) : NULL;
    json_object *all = data ? parse_all(data, len) : NULL;
    record rec;
    vc_qemucaps *qc = vc_qemucaps_new();
    vc_error err = { 0 };
    int status = 1;

    memset(&rec, 0, sizeof rec);
    if (!path || (argc == 3 && strcmp(mode, "--asks") != 0 && strcmp(mode, "--asked") != 0))
        fprintf(stderr, "usage: qemu_flags [--asks|--asked] FILE.replies\n");
    else if (!all || read_record(all, &rec) < 0)
        fprintf(stderr, "%s: not a probing record\n", path);
    else if (!qc || fill_caller_facts(qc, &rec) < 0)
        fprintf(stderr, "%s: no query-target or query-version reply\n", path);
    else if (strcmp(mode, "--asks") == 0 || strcmp(mode, "--asked") == 0) {
        if (strcmp(mode, "--asks") == 0)
            print_asks(qc, &rec);
        else
            print_asked(&rec);
        status = 0;
    } else if (vc_qemu_caps_flags(qc, &rec.r, &err) < 0)
        fprintf(stderr, "%s: %s\n", path, err.msg);
    else {
        for (size_t i = 0; i < qc->nflags; i++)
            printf("%s\n", qc->flags[i]);
        status = 0;
    }
    vc_qemucaps_free(qc);
    json_object_put(all);
    free(data);
    return status;
}
