/* The replies of one QMP conversation with a QEMU binary, as the reference
 * asks them (first round: KVM, or TCG when KVM is missing). Shared by the
 * conversation (drivers/qemu_caps.c) and what derives facts from it. */
#ifndef VC_QEMU_REPLIES_H
#define VC_QEMU_REPLIES_H

#include <json.h>
#include <stddef.h>

typedef struct qc_named_reply { const char *name; json_object *reply; } qc_named_reply;
typedef struct qc_replies {
    json_object *version, *target, *kvm, *commands, *qom_types, *qmp_schema, *cmdline_options,
                *migrate_caps, *tpm_models, *tpm_types, *sev, *sgx, *gic;
    qc_named_reply *device_props; size_t ndevice_props;   /* device-list-properties, by typename */
    qc_named_reply *object_props; size_t nobject_props;   /* qom-list-properties, by typename */
} qc_replies;  /* each is the "return" member of the reply, NULL when not asked or an error reply */

#endif
