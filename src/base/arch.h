/* Architectures as the reference names and groups them (libvirt's virArch). */
#ifndef VC_ARCH_H
#define VC_ARCH_H

#include <stdbool.h>
#include <stddef.h>

/* libvirt's virArch, in its enum order (the order guests are listed in). */
typedef struct vc_arch_info {
    const char *name;       /* virArchToString */
    const char *qemu;       /* the qemu-system-* suffix (virQEMUCapsArchToString) */
    int wordsize;
    const char *preferred;  /* the machine the reference lists first (NULL: QEMU's default) */
} vc_arch_info;

size_t vc_arch_count(void);
const vc_arch_info *vc_arch_at(size_t i);
/* Index of an architecture name, -1 when the reference does not know it. */
int vc_arch_index(const char *name);
bool vc_arch_is_known(const char *name);
/* Index from a qemu-system-* suffix ("i386" is i686, "arm" armv7l). */
int vc_arch_from_qemu(const char *suffix);
/* Whether a guest of arch g runs natively on host h (virQEMUCapsGuestIsNative). */
bool vc_arch_native(int h, int g);
/* uname machine names to the reference's architecture names. */
const char *vc_arch_normalize(const char *machine);

bool vc_arch_is_x86(const char *arch);
bool vc_arch_is_arm(const char *arch);
bool vc_arch_is_ppc(const char *arch);
bool vc_arch_is_ppc64(const char *arch);
bool vc_arch_is_s390(const char *arch);
bool vc_arch_is_aarch64(const char *arch);
bool vc_arch_is_loongarch(const char *arch);
/* Architectures the reference has a host CPU driver for (x86, ppc64, s390, arm). */
bool vc_arch_has_cpu_driver(const char *arch);

#endif
