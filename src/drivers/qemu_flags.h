/* libvirt's QEMU capability flags (QEMU_CAPS_*, the cache file's
 * <flag name=...>) from one binary's QMP replies, by the reference's tables
 * and rules (libvirt 9.0.0's virQEMUCapsInitQMPMonitor and what follows it). */
#ifndef VC_QEMU_FLAGS_H
#define VC_QEMU_FLAGS_H

#include "drivers/qemu_replies.h"
#include "model/qemucaps.h"

/* Bounds on hostile replies: longer lists, a larger schema or a schema
 * query that wanders further fail with VC_ELIMIT. */
#define VC_QEMU_FLAGS_MAX_LIST 65536
#define VC_QEMU_FLAGS_MAX_SCHEMA 262144
#define VC_QEMU_FLAGS_MAX_STEPS 100000

/* Sets qc->flags/qc->nflags (sorted, unique, in qc->arena). Reads qc->arch
 * and qc->version, and, when filled, qc->accel[].machines (name, alias: the
 * machine types whose QOM properties count) and qc->accel[].cpus (a "max"
 * model gives cpu-max). Replies of the wrong shape are ignored; a malformed
 * schema, too long lists: VC_EINPUT / VC_ELIMIT. */
int vc_qemu_caps_flags(vc_qemucaps *qc, const qc_replies *r, vc_error *err);

/* What the conversation must ask, in the reference's order, after
 * qom-list-types: device-list-properties of each device type and then
 * qom-list-properties of each object type for which
 * vc_qemu_flags_wants_props(qom-list-types' return, type) holds (NULL-terminated). */
const char *const *vc_qemu_flags_device_types(void);
const char *const *vc_qemu_flags_object_types(void);
bool vc_qemu_flags_wants_props(json_object *qom_types, const char *type);
/* After query-machines: qom-list-properties of the QOM type of each of
 * these machine types (NULL-terminated) for which
 * vc_qemu_flags_machine_qom_type gives one, stored in object_props under it. */
const char *const *vc_qemu_flags_machine_types(void);
/* "<canonical name>-machine" into buf for machine when QEMU lists it (by
 * name or alias) in qc->accel[accel].machines (accel: the round's, QC_KVM
 * when query-kvm said enabled), always for "none"; false when the
 * reference does not ask (or it does not fit in size). */
bool vc_qemu_flags_machine_qom_type(const vc_qemucaps *qc, int accel, const char *machine, char *buf, size_t size);

#endif
