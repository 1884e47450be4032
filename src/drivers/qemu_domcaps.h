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
     * gives no expansion (ppc64, old x86). NULL: none. */
    const vc_cpu *cpu;
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

/* Fills domain capabilities for the guest architecture arch (NULL: the
 * emulator's; i686 for x86_64 and the like), machine (NULL: the preferred
 * one; an alias is written as its canonical name) and virttype ("kvm" or
 * "qemu"; NULL: kvm when the binary has it). db names CPU models. NULL +
 * err (VC_EINPUT, the reference's messages) for an architecture, virt type
 * or machine the binary does not offer. */
vc_domcaps *vc_qemu_domcaps(const vc_qemucaps *qc, vc_cpu_db *db, const char *arch, const char *machine,
                            const char *virttype, const vc_qemu_host *host, vc_error *err);

#endif
