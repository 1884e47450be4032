/* Domain capabilities of the Xen (libxl) driver, as libvirt 9.0.0's
 * libxlConnectGetDomainCapabilities answers `virsh -c xen:///system
 * domcapabilities`: xenpv, xenpvh and xenfv guests. */
#ifndef VC_XEN_DOMCAPS_H
#define VC_XEN_DOMCAPS_H

#include "base/options.h"
#include "model/domcaps.h"

/* What virsh domcapabilities asks (NULL: the reference's default). */
typedef struct vc_xen_dc_args {
    const char *emulatorbin; /* NULL: /usr/bin/qemu-system-x86_64 */
    const char *arch;        /* NULL: the host's */
    const char *machine;     /* NULL: xenpv */
    const char *virttype;    /* NULL: xen, the only one */
    /* Test hook: the firmware list instead of the driver's own (the
     * reference's test harness gives hvmloader and ovmf.bin). */
    bool loaders_given;
    const char *const *loaders;
    size_t nloaders;
} vc_xen_dc_args;

/* xen.c: 0 when opts' host is a Xen control domain the reference's driver
 * loads in; else -1 with "no connection driver available for
 * xen:///system: why" (VC_EINPUT) or OOM. */
int vc_xen_host_check(const vc_probe_opts *opts, vc_error *err);

/* The document for args on opts' host; NULL with err: the host check's
 * message, or the reference's for an unknown virt type, architecture or
 * machine (VC_EINPUT). */
vc_domcaps *vc_xen_domcaps(const vc_probe_opts *opts, const vc_xen_dc_args *args, vc_error *err);

#endif
