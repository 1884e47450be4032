/* What one QEMU binary can do, as the reference concludes it from its QMP
 * conversation (libvirt's virQEMUCaps; its cache file, the qemucaps XML,
 * holds the same facts): capability flags, and per accelerator the machine
 * types, CPU models and the host CPU expansion; GIC, SEV and SGX data.
 * drivers/qemu_caps.c fills it from a conversation, xml/qemucaps_read.c
 * from the reference's cache file; drivers/qemu_domcaps.c turns it into
 * domain capabilities. Nothing here knows about Lua, QMP or XML. */
#ifndef VC_QEMUCAPS_H
#define VC_QEMUCAPS_H

#include "base/base.h"
#include "model/model.h"

enum qc_accel { QC_KVM, QC_TCG, QC_NACCEL };

typedef struct qc_machine {
    char *name, *alias;        /* alias: NULL when none */
    unsigned max_cpus;
    bool hotplug_cpus, is_default, numa_mem_supported, deprecated, acpi_set, acpi;
    char *default_cpu;         /* QOM type name, NULL when none */
    char *default_ram_id;      /* NULL when none */
} qc_machine;

typedef struct qc_cpu_model {
    char *name, *type_name;    /* type_name: NULL when QEMU did not say */
    int usable;                /* 1 yes, 0 no, -1 QEMU did not say */
    char **blockers;           /* QEMU's feature names, in its order */
    size_t nblockers;
    bool deprecated;
    /* drawn with the CPU model database (qc_named): */
    bool in_db;                /* the database has the model */
    char *vendor;              /* the database's vendor for it; NULL: none */
} qc_cpu_model;

enum qc_prop_type { QC_PROP_BOOL, QC_PROP_STRING, QC_PROP_NUMBER };

typedef struct qc_prop {
    char *name;
    enum qc_prop_type type;
    bool b;
    char *s;
    long long n;
    int migratable;            /* 1 yes, 0 no, -1 not said */
} qc_prop;

/* query-cpu-model-expansion of the host's CPU under one accelerator. */
typedef struct qc_host_cpu {
    char *model;               /* NULL: no expansion */
    bool migratability;        /* props carry migratable= */
    qc_prop *props;
    size_t nprops;
} qc_host_cpu;

/* What the x86 CPU model database concludes from one accelerator's
 * answers (drivers/qemu_domcaps.c draws it): the CPU models' in_db and
 * vendor, and the host-model CPU QEMU's expansion names. The cache keeps
 * it with the database's identity, so that a hit needs no database. */
typedef struct qc_named {
    bool drawn;
    bool host;                 /* there is a host-model: the fields below */
    char *model, *vendor;      /* vendor: NULL when none */
    vc_feature *features;     /* name and policy */
    size_t nfeatures;
} qc_named;

typedef struct qc_accel_caps {
    qc_machine *machines;      /* QEMU's order */
    size_t nmachines;
    qc_cpu_model *cpus;        /* QEMU's order */
    size_t ncpus;
    qc_host_cpu host_cpu;
    qc_named named;
} qc_accel_caps;

typedef struct qc_gic {
    unsigned version;
    bool kernel, emulated;
} qc_gic;

typedef struct qc_sev {
    bool present;
    unsigned cbitpos, reduced_phys_bits, max_guests, max_es_guests;
    char *pdh, *cert_chain;
} qc_sev;

typedef struct qc_sgx_section {
    unsigned long long node, size_kib;
} qc_sgx_section;

typedef struct qc_sgx {
    bool present, flc, sgx1, sgx2;
    unsigned long long section_size_kib;
    qc_sgx_section *sections;
    size_t nsections;
} qc_sgx;

/* Hyper-V enlightenments QEMU offers (the reference's names, its order). */
typedef struct qc_hyperv {
    bool present;
    char **features;
    size_t nfeatures;
} qc_hyperv;

typedef struct vc_qemucaps {
    vc_arena *arena;           /* owns everything below */
    char *emulator;
    char *arch;                /* libvirt's name (x86_64, aarch64, ppc64, s390x, ...) */
    unsigned version;          /* major * 1000000 + minor * 1000 + micro */
    char *package;
    bool kvm_supported;        /* KVM was present and enabled: the first round was KVM's */
    bool tcg_supported;        /* the binary has the TCG accelerator */
    /* libvirt's capability flag names (qemucaps <flag name=>), sorted, unique */
    char **flags;
    size_t nflags;
    qc_accel_caps accel[QC_NACCEL];
    qc_gic *gic;
    size_t ngic;
    qc_sev sev;
    qc_sgx sgx;
    qc_hyperv hyperv;
    /* the database the named conclusions were drawn with: its directory
     * and the digest of its files (cpu/cpu.h); NULL when none were */
    char *named_db;
    uint8_t named_digest[32];
} vc_qemucaps;

vc_qemucaps *vc_qemucaps_new(void);
void vc_qemucaps_free(vc_qemucaps *qc);
/* Whether flag (a libvirt flag name) is set. */
bool vc_qemucaps_has(const vc_qemucaps *qc, const char *flag);

/* xml/qemucaps_read.c: the reference's QEMU capabilities cache file
 * (the files in /var/cache/libvirt/qemu/capabilities), untrusted bytes in (the
 * capabilities reader's parser settings and size limit), a checked model
 * out; NULL + err. Elements it does not use are passed over. */
#define VC_QEMUCAPS_MAX_ITEMS 200000
vc_qemucaps *vc_qemucaps_read(const char *data, size_t len, vc_error *err);
vc_qemucaps *vc_qemucaps_read_file(const char *path, vc_error *err);

#endif
