/* Domain capabilities of one QEMU binary on this host, as the reference's
 * qemuConnectGetDomainCapabilities answers: the emulator, architecture,
 * virt type and machine settled as virQEMUCapsCacheLookupDefault does, the
 * binary's QMP conversation (qemu_caps.c, with its flags), the host's
 * facts (firmware descriptors, swtpm, VFIO, KVM's vCPU limit), the fill
 * (qemu_domcaps.c). */
#ifndef VC_QEMU_DCPROBE_H
#define VC_QEMU_DCPROBE_H

#include "base/options.h"
#include "cpu/cpu.h"
#include "drivers/qemu_domcaps.h"
#include "model/domcaps.h"

/* What was asked (NULL: the reference's default). */
typedef struct vc_qemu_dc_request {
    const char *emulatorbin, *arch, *machine, *virttype;
} vc_qemu_dc_request;

/* Host facts a test fixes instead of reading them (test hooks); each
 * *_given false: read from the host through opts' root and paths. */
typedef struct vc_qemu_dc_fixed {
    const vc_cpu *host_cpu;                 /* NULL: none (QEMU's expansion is the host-model) */
    bool loaders_given;                     /* the loader's <value> list replaced by loaders */
    const char *const *loaders;
    size_t nloaders;
    bool tpm_given;                         /* swtpm's TPM versions (none: no swtpm) */
    bool tpm_1_2, tpm_2_0;
    bool vfio_given, vfio;                  /* <hostdev>'s vfio pciBackend */
    bool kvm_max_vcpus_given;
    unsigned kvm_max_vcpus;                 /* 0: unbounded */
    bool s390_secure_guest_given, s390_secure_guest;
    bool sev_asids_given;                   /* CPUID 0x8000001F ecx and edx */
    uint32_t sev_max_asid, sev_min_asid;
    int8_t firmware_privileged;             /* VC_UNSET_B: privileged when root (the user's directory left out) */
    const char *firmware_config_home;       /* stands for $XDG_CONFIG_HOME (NULL: it, else $HOME/.config) */
} vc_qemu_dc_fixed;

/* The domain capabilities, or NULL with err: VC_EINPUT with the
 * reference's message for what the request names wrongly or the host
 * lacks, VC_EIO when the emulator cannot run, ... db names CPU models. */
vc_domcaps *vc_qemu_dc_probe(const vc_probe_opts *opts, const vc_qemu_dc_request *req, const vc_qemu_dc_fixed *fixed,
                             vc_cpu_db *db, vc_error *err);

/* Keeps in dc->hv_cpu (dc's arena) what the document has no place for:
 * the target's unusable CPU models with their blockers and QEMU's host CPU
 * expansion, libvirt's feature names. -1 + err on OOM. */
int vc_qemu_dc_keep_cpu(vc_domcaps *dc, const vc_qemucaps *qc, const vc_qemu_target *t, vc_error *err);

#endif
