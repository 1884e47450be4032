/* Domain capabilities from what one QEMU binary can do (libvirt 9.0.0's
 * virQEMUCapsFillDomainCaps): the QEMU capabilities model, a machine type
 * and virt type, and the host facts the reference combines with them. */
#ifndef VC_QEMU_DOMCAPS_H
#define VC_QEMU_DOMCAPS_H

#include "cpu/cpu.h"
#include "host/firmware.h"
#include "model/domcaps.h"
#include "model/qemucaps.h"

/* What the host contributes. Zeroed means: no host CPU, no firmware
 * descriptors, no swtpm, no VFIO, KVM without a vCPU limit, no SEV ASIDs,
 * no s390 secure guests. */
typedef struct vc_qemu_host {
    const char *arch;             /* the host's architecture; NULL: the emulator's */
    /* The host CPU, where the reference consults it: host-model when QEMU
     * gives no expansion (ppc64, old x86). NULL: read_cpu's, else none. */
    const vc_cpu *cpu;
    /* Reads the host CPU the first time it is consulted: 0 with *out (NULL
     * when the host's cannot be told), -1 + err on OOM. NULL: none. */
    int (*read_cpu)(void *ctx, const vc_cpu **out, vc_error *err);
    void *read_cpu_ctx;
    const vc_firmware_offer *firmware; /* what the descriptors offer this arch and machine; NULL: none */
    /* Replaces the loader's <value> list (the reference's test harness
     * does); NULL: the firmware offer's loaders. */
    const char *const *loaders;
    size_t nloaders;
    bool swtpm;                   /* swtpm is installed: TPM emulator backends */
    bool tpm_1_2, tpm_2_0;        /* the TPM versions swtpm_setup offers */
    bool vfio;                    /* VFIO PCI passthrough works here */
    unsigned kvm_max_vcpus;       /* KVM_CAP_MAX_VCPUS; 0: unbounded */
    uint32_t sev_max_asid, sev_min_asid; /* CPUID 0x8000001F ecx and edx */
    bool s390_secure_guest;       /* KVM runs s390 protected guests */
} vc_qemu_host;

/* What a request asks for, as the reference settles it
 * (virQEMUCapsCacheLookupDefault): the guest architecture, virt type and
 * canonical machine. Strings point into qc or the arguments. */
typedef struct vc_qemu_target {
    const char *arch;      /* the guest architecture */
    const char *virttype;  /* "kvm" or "qemu" */
    const char *machine;   /* canonical; NULL when the binary lists none */
} vc_qemu_target;

/* arch: NULL for the emulator's (i686 of x86_64 and the like allowed);
 * machine: NULL for the preferred one, an alias gives its canonical name;
 * virttype: NULL for kvm when the binary has it, else qemu. -1 + err
 * (VC_EINPUT, the reference's messages) for an architecture, virt type or
 * machine the binary does not offer. The firmware offer is computed for
 * the target's arch and machine before filling. */
int vc_qemu_domcaps_target(const vc_qemucaps *qc, const char *arch, const char *machine, const char *virttype,
                           vc_qemu_target *out, vc_error *err);

/* libvirt's name of a CPU feature QEMU names for arch (virQEMUCapsCPUFeatureFromQEMU). */
const char *vc_qemu_feature_name(const char *arch, const char *name);

/* Fills the domain capabilities of a target (from vc_qemu_domcaps_target)
 * with the host's facts (NULL: none); db names CPU models. NULL + err only
 * on OOM (or an unreadable CPU model database where a host-model needs it). */
vc_domcaps *vc_qemu_domcaps(const vc_qemucaps *qc, vc_cpu_db *db, const vc_qemu_target *t, const vc_qemu_host *host,
                            vc_error *err);

/* Draws what the x86 CPU model database concludes from qc's answers
 * (qc_named) so that filling needs no database, with the database's
 * identity (qc->named_db) when its files are still those it was read from:
 * only then may it be kept. Nothing for other architectures or when the
 * database cannot be read. -1 + err only on OOM. */
int vc_qemu_caps_draw(vc_qemucaps *qc, vc_cpu_db *db, vc_error *err);

#endif
