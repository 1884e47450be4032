/* Firmware descriptors (QEMU's docs/interop/firmware.json) as the
 * reference reads them: /etc/qemu/firmware, /usr/share/qemu/firmware and
 * $XDG_CONFIG_HOME/qemu/firmware (or $HOME/.config), a user's file
 * overriding a same-named system one and an empty file hiding it; and what
 * they offer one architecture and machine type in domain capabilities
 * (libvirt 9.0.0's qemuFirmwareGetSupported). */
#ifndef VC_FIRMWARE_H
#define VC_FIRMWARE_H

#include "base/base.h"

/* What the descriptors offer one arch + machine. */
typedef struct vc_firmware_offer {
    bool bios, efi;   /* the values of <os><enum name='firmware'> */
    bool secure;      /* a matching firmware does secure boot: 'yes' in the loader's <enum name='secure'> */
    char **loaders;   /* executables of the matching flash firmware, in precedence order */
    size_t nloaders;
} vc_firmware_offer;

#endif
