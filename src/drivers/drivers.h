/* What the guest drivers (qemu.c, xen.c, lxc.c) share: helpers that add guests and host
 * parts to a caps model. */
#ifndef VC_DRIVERS_H
#define VC_DRIVERS_H

#include "host/context.h"
#include "model/model.h"

/* The guests, with what their drivers add to the host (drivers.c). */
int vc_probe_guests(vc_probe_ctx *ctx, vc_caps *caps, vc_error *err);

/* A new guest in caps (os_type, arch, wordsize from the table, emulator). */
vc_guest *vc_guest_add(vc_caps *caps, const char *os_type, int arch, const char *emulator, vc_error *err);
int vc_guest_domain(vc_caps *caps, vc_guest *g, const char *type, vc_error *err);
void vc_guest_feature_set(vc_guest *g, int feature, int8_t default_on, int8_t toggle);

/* Host parts drivers contribute; merged when several drivers run. */
int vc_host_migration(vc_caps *caps, bool live, const char *const *transports, size_t n, vc_error *err);
vc_secmodel *vc_host_secmodel(vc_caps *caps, const char *model, const char *doi, vc_error *err);
int vc_secmodel_label(vc_caps *caps, vc_secmodel *m, const char *type, const char *label, vc_error *err);


/* The drivers, for the host architecture ctx->arch_index. `explicit`: named in opts.drivers, so a missing hypervisor
 * is worth a warning; otherwise the driver stays silent when it finds none. */
int vc_drv_qemu(vc_probe_ctx *ctx, bool explicit, vc_caps *caps, vc_error *err);
int vc_drv_xen(vc_probe_ctx *ctx, bool explicit, vc_caps *caps, vc_error *err);
int vc_drv_lxc(vc_probe_ctx *ctx, bool explicit, vc_caps *caps, vc_error *err);

/* The emulator the reference picks for a guest architecture on a host one
 * (virQEMUCapsGetDefaultEmulator, arch indexes), searched in opts' qemu_dirs
 * or $PATH as the QEMU driver does: 0 and *out (the path as the host names
 * it; free it), 1 when there is none, -1 with err. */
int vc_qemu_default_emulator(const vc_probe_opts *opts, int host, int guest, char **out, vc_error *err);

#endif
