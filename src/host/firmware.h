/* Firmware descriptors (QEMU's docs/interop/firmware.json) as the
 * reference reads them: /etc/qemu/firmware, /usr/share/qemu/firmware and
 * $XDG_CONFIG_HOME/qemu/firmware (or $HOME/.config), a user's file
 * overriding a same-named system one and an empty file hiding it; and what
 * they offer one architecture and machine type in domain capabilities
 * (libvirt 9.0.0's qemuFirmwareGetSupported). */
#ifndef VC_FIRMWARE_H
#define VC_FIRMWARE_H

#include "base/base.h"
#include "base/options.h"

/* What the descriptors offer one arch + machine. */
typedef struct vc_firmware_offer {
    bool bios, efi;   /* the values of <os><enum name='firmware'> */
    bool secure;      /* a matching firmware does secure boot: 'yes' in the loader's <enum name='secure'> */
    char **loaders;   /* the loader's <value>s: executables of the matching firmware, in precedence order */
    size_t nloaders;
} vc_firmware_offer;

/* Bounds on what is read (beyond them the read fails, naming the bound). */
#define VC_FIRMWARE_MAX_FILE ((size_t)1024 * 1024)       /* one descriptor, as the reference's */
#define VC_FIRMWARE_MAX_TOTAL ((size_t)16 * 1024 * 1024) /* all descriptors together */
#define VC_FIRMWARE_MAX_ENTRIES 1024                      /* entries of one directory */
#define VC_FIRMWARE_MAX_DEPTH 64                          /* JSON nesting of one descriptor */
#define VC_FIRMWARE_MAX_WARNINGS 64                       /* then one saying more were left out */
#define VC_FIRMWARE_MAX_MACHINE 1024                      /* a machine type's length */

typedef struct vc_firmware_opts {
    const vc_probe_opts *probe; /* root and paths every host path goes through (NULL: none) */
    /* The reference's privileged driver (root's) leaves the user's
     * directory out. VC_UNSET_B: privileged when the effective user is root. */
    int8_t privileged;
    const char *config_home;    /* stands for $XDG_CONFIG_HOME (NULL: it, else $HOME/.config) */
} vc_firmware_opts;

typedef struct vc_firmware_target {
    const char *arch;           /* the reference's name ("i386" in a descriptor is i686) */
    char **machines;            /* glob patterns; NULL for an entry that is no string (matches nothing) */
    size_t nmachines;
} vc_firmware_target;

/* One descriptor as the reference keeps it. */
typedef struct vc_firmware_desc {
    char *path;                 /* the host path it was read from */
    const char **interfaces;    /* "bios", "openfirmware", "uboot", "uefi" */
    size_t ninterfaces;
    const char *device;         /* "flash", "kernel" or "memory" */
    const char *mode;           /* flash: "split", "combined" or "stateless" */
    char *executable, *executable_format;         /* flash */
    char *nvram_template, *nvram_template_format; /* flash, split mode */
    char *filename;             /* kernel and memory; NULL when missing */
    vc_firmware_target *targets;
    size_t ntargets;
    const char **features;      /* the ones the reference knows, in order */
    size_t nfeatures;
} vc_firmware_desc;

typedef struct vc_firmware_set {
    vc_firmware_desc *descs;    /* in precedence order: sorted by file name */
    size_t ndescs;
    char **warnings;            /* what the reference ignores ("PATH: what") */
    size_t nwarnings;
} vc_firmware_set;

/* Reads every descriptor into a (allocations of set live there). -1 with
 * err where the reference fails too (a file it cannot access or parse,
 * "PATH: what"), or past a bound (VC_ELIMIT). */
int vc_firmware_read(const vc_firmware_opts *opts, vc_arena *a, vc_firmware_set *set, vc_error *err);

/* The offer of set for arch (the reference's name) and machine (the
 * canonical machine type, at most VC_FIRMWARE_MAX_MACHINE bytes: matching
 * takes the product of its length and a pattern's). Loaders come from the matching descriptors or,
 * when they name none, from the reference's built-in list; each only if it
 * exists on the host (through probe's root and paths). -1 with err for an
 * unknown arch or no memory. */
int vc_firmware_offer_of(const vc_firmware_set *set, const vc_probe_opts *probe, const char *arch,
                         const char *machine, vc_arena *a, vc_firmware_offer *offer, vc_error *err);

/* Whether machine matches a descriptor's pattern as GLib's
 * g_pattern_match_simple does ('*' any run, '?' one UTF-8 character,
 * nothing else special). */
bool vc_firmware_glob(const char *pattern, const char *machine);

#endif
