/* QEMU's machine types over QMP: reading what a QEMU printed on its monitor
 * (json-c), and the reference's rules for turning them into <machine>s. */
#ifndef VC_QMP_H
#define VC_QMP_H

#include "model/model.h"

/* Bounds on what an emulator may answer. */
#define VC_QMP_MAX_MACHINES 4096
#define VC_QMP_MAX_NAME 256

/* What the probe writes to QEMU's monitor: the replies come in this order. */
#define VC_QMP_COMMANDS                                                          \
    "{\"execute\":\"qmp_capabilities\",\"id\":\"caps\"}\n"                       \
    "{\"execute\":\"query-machines\",\"id\":\"machines\"}\n"                    \
    "{\"execute\":\"qom-list-types\",\"arguments\":{\"implements\":\"accel\"},"   \
    "\"id\":\"accels\"}\n"                                                       \
    "{\"execute\":\"quit\",\"id\":\"quit\"}\n"

typedef struct vc_qmp_machine {
    char *name, *alias;
    int64_t cpu_max;        /* 0 when QEMU does not say */
    bool deprecated, is_default;
} vc_qmp_machine;

typedef struct vc_qmp_info {
    int major, minor, micro;    /* QEMU's version from the greeting */
    vc_qmp_machine *machines;   /* in the arena given to the parser */
    size_t nmachines;
    bool tcg, kvm;              /* accelerators the binary was built with */
} vc_qmp_info;

/* A whole monitor session as VC_QMP_COMMANDS produces it: greeting, then
 * one reply per command (events in between are skipped). Fails with a
 * message saying what was wrong when it is not QEMU or QEMU refused. */
int vc_qmp_parse_session(vc_arena *a, const char *data, size_t len, vc_qmp_info *out, vc_error *err);
/* One query-machines reply document, {"return": [...]}. */
int vc_qmp_parse_machines(vc_arena *a, const char *data, size_t len, vc_qmp_info *out, vc_error *err);

/* A query-machines list already parsed as JSON. */
struct json_object;
int vc_qmp_read_machines(vc_arena *a, struct json_object *list, vc_qmp_info *out, vc_error *err);
/* A machine's name or alias (v, NULL when absent) as QEMU may give it: a
 * string of 1 to VC_QMP_MAX_NAME bytes without control characters; *out
 * NULL when absent and not required. what and key name it in messages. */
int vc_qmp_name(struct json_object *v, const char *key, bool required, const char **out, const char *what,
                vc_error *err);

/* A member that must be a boolean when present (*out false when absent). */
int vc_qmp_bool(struct json_object *o, const char *key, bool *out, const char *what, vc_error *err);

/* The reference's order (virQEMUCapsProbeQMPMachineTypes): "none" dropped,
 * then the preferred machine (by name or alias; the last match), or else
 * QEMU's default, moved to the front. */
void vc_qmp_order_machines(vc_qmp_machine *m, size_t *n, const char *preferred);
/* The <machine> list the reference writes for them: an aliased machine
 * becomes its alias with canonical=name, preceded by the canonical name
 * when the list lacks it (virQEMUCapsGetMachineTypesCaps). */
vc_machine *vc_qmp_caps_machines(vc_arena *a, const vc_qmp_machine *m, size_t n, size_t *out_n);

#endif
