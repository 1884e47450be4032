/* The host probe's options and shared helpers. */
#ifndef VC_PROBE_H
#define VC_PROBE_H

#include "base/arch.h"
#include "base/hostfs.h"
#include "model/model.h"

typedef struct vc_path_map {
    const char *prefix;         /* absolute host path prefix, e.g. /sys/devices/system */
    const char *replacement;    /* where to read it instead */
} vc_path_map;

/* How much of /proc/cpuinfo is read (the rest is ignored). */
#define VC_CPUINFO_MAX ((size_t)16 * 1024 * 1024)

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
    struct vc_cachedir *cache;  /* set by vc_probe: the cache directory, opened on first use (cachedir.h) */
} vc_probe_opts;

int vc_probe_arch(const vc_probe_opts *opts, char *out, size_t size);

/* The host section (probe*.c) and the guests with what their drivers add
 * to the host (drivers.c). */
int vc_probe_host(const vc_probe_opts *opts, vc_caps *caps, vc_error *err);
int vc_probe_guests(const vc_probe_opts *opts, vc_caps *caps, vc_error *err);
vc_caps *vc_probe(const vc_probe_opts *opts, vc_error *err);

/* detect_virt.c: the virtual machine and the container the host runs in,
 * with systemd-detect-virt's names ("none", "kvm", "docker", ...; static
 * strings). cpuid: the CPUID hypervisor signature to use instead of the
 * instruction's ("" for no hypervisor bit), or NULL. */
typedef struct vc_virt {
    const char *vm, *container;
} vc_virt;
int vc_detect_virt(const vc_probe_opts *opts, const char *cpuid, vc_virt *out, vc_error *err);
/* The reference's `virsh nodeinfo` numbers (memory in KiB, VC_UNSET when
 * /proc/meminfo says nothing) and CPU signature line (NULL where the
 * reference computes none; in a). Both read what the options map. */
typedef struct vc_node_summary {
    int64_t cpus, maxcpus, mhz, nodes, sockets, cores, threads, memory;
} vc_node_summary;
int vc_probe_nodeinfo(const vc_probe_opts *opts, vc_node_summary *out, vc_error *err);
int vc_probe_signature(const vc_probe_opts *opts, vc_arena *a, char **signature, vc_error *err);

#endif
