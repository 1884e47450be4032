/* What the caller of a probe asked for: where host files are read from,
 * the architecture, the drivers, the cache. Every layer below the probe
 * reads these; none changes them. */
#ifndef VC_OPTIONS_H
#define VC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vc_path_map {
    const char *prefix;         /* absolute host path prefix, e.g. /sys/devices/system */
    const char *replacement;    /* where to read it instead */
} vc_path_map;

typedef struct vc_probe_opts {
    const char *root;           /* stands in for / (NULL: the real root) */
    const vc_path_map *paths;   /* longest matching prefix wins over root */
    size_t npaths;
    const char *arch;           /* NULL: from uname, normalised */
    bool clusters;              /* also report CPU clusters (libvirt 9.0.0 does not) */
    bool threads_per_subcore_given; /* POWER subcores: else asked from /dev/kvm on ppc64 hosts */
    int threads_per_subcore;
    /* guest drivers */
    bool drivers_given;         /* false: every driver whose hypervisor is present */
    const char *const *drivers;
    size_t ndrivers;
    const char *const *qemu_dirs; /* NULL: $PATH */
    size_t nqemu_dirs;
    const char *cache_dir;      /* NULL: $XDG_CACHE_HOME/virtcaps */
    bool no_cache;
    int timeout_ms;             /* per emulator; 0: the default */
    /* CPU model */
    const char *cpu_map;        /* NULL: /usr/share/libvirt/cpu_map */
    const char *cpuid;          /* a <cpudata arch='x86'> dump to decode instead of this CPU's CPUID */
    struct vc_cpu_db *cpu_db;   /* the database already loaded for cpu_map (NULL: load it) */
} vc_probe_opts;

/* The host architecture: opts->arch, else uname's, normalised. 0, or -1
 * when it does not fit in out or uname fails. */
int vc_probe_arch(const vc_probe_opts *opts, char *out, size_t size);

#endif
