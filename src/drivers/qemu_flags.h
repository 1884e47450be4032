/* The reference's capability flags of one QEMU binary (libvirt's
 * virQEMUCapsFlags names), derived from the raw replies of its
 * conversation (qemu_replies.h) and the facts already in qc. */
#ifndef VC_QEMU_FLAGS_H
#define VC_QEMU_FLAGS_H

#include "base/base.h"
#include "drivers/qemu_replies.h"
#include "model/qemucaps.h"

/* Fills qc->flags (sorted, unique, in qc->arena). */
int vc_qemu_caps_flags(vc_qemucaps *qc, const qc_replies *r, vc_error *err);

#endif
