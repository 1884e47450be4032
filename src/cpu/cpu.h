/* CPU models: the reference's CPU model database (cpu_map), raw x86 CPUID
 * data, naming a host CPU from it, and comparing and baselining CPUs the way
 * libvirt 9.0.0 does. Nothing here knows about Lua. */
#ifndef VC_CPU_H
#define VC_CPU_H

#include "host/context.h"
#include "model/model.h"

#define VC_CPU_MAP_DIR "/usr/share/libvirt/cpu_map"

/* ---- raw x86 data: CPUID leaves and MSRs (cpudata.c) ---- */

typedef struct vc_cpuid {
    uint32_t eax_in, ecx_in, eax, ebx, ecx, edx;
} vc_cpuid;

typedef struct vc_msr {
    uint32_t index, eax, edx;
} vc_msr;

/* Sorted by (eax_in, ecx_in) and by index, one entry each: items given
 * twice are merged (their bits ORed), as the reference does. */
typedef struct vc_cpudata {
    vc_cpuid *cpuid;
    size_t ncpuid;
    vc_msr *msr;
    size_t nmsr;
} vc_cpudata;

#define VC_CPUDATA_MAX_ITEMS 4096

/* Sorts and merges items pushed in any order. */
void vc_cpudata_normalize(vc_cpudata *d);
const vc_cpuid *vc_cpudata_cpuid(const vc_cpudata *d, uint32_t eax_in, uint32_t ecx_in);
/* A <cpudata arch='x86'> document (the reference's cputest dumps). */
int vc_cpudata_read(const char *xml, size_t len, vc_arena *a, vc_cpudata *out, vc_error *err);
/* The reference's layout of the same (virCPUx86DataFormat), all-zero items left out. */
void vc_cpudata_write(vc_buf *out, const vc_cpudata *d);

/* ---- this machine's CPUID and MSRs (cpuid.c) ---- */

/* Every leaf and sub-leaf the reference reads. 0, or -1 when this is not an
 * x86 machine. */
int vc_cpuid_read_host(vc_arena *a, vc_cpudata *out, vc_error *err);
/* The same for the leaves in the sorted list only, each with the
 * sub-leaves the reference reads of it: exactly the items of the full
 * read whose leaf is listed, provided leaf 7 is listed with 0x12. */
int vc_cpuid_read_host_leaves(vc_arena *a, const uint32_t *leaves, size_t nleaves, vc_cpudata *out, vc_error *err);
/* IA32_ARCH_CAPABILITIES and friends: /dev/cpu/0/msr, else KVM's feature
 * MSRs. 0 with *value, -1 with a reason in err. */
int vc_msr_read_host(uint32_t index, uint64_t *value, vc_error *err);

/* ---- the CPU model database (map.c) ---- */

/* One 32-bit register word the database refers to. */
typedef struct vc_x86_word {
    uint8_t msr;        /* 0: CPUID leaf, 1: MSR */
    uint8_t reg;        /* CPUID: 0 eax, 1 ebx, 2 ecx, 3 edx; MSR: 0 eax, 1 edx */
    uint32_t in, sub;   /* eax_in and ecx_in, or the MSR index */
} vc_x86_word;

typedef struct vc_x86_bits {
    uint32_t word;      /* index into vc_x86_map.words */
    uint32_t mask;
} vc_x86_bits;

typedef struct vc_x86_vendor {
    const char *name;
    vc_x86_bits bits[3]; /* leaf 0 ebx, edx, ecx: the vendor string */
} vc_x86_vendor;

typedef struct vc_x86_feature {
    const char *name;
    bool migratable;
    vc_x86_bits *bits;
    size_t nbits;
} vc_x86_feature;

typedef struct vc_x86_signature {
    uint32_t family, model;
    uint16_t steppings;  /* bit n: stepping n matches; 0: any stepping */
} vc_x86_signature;

typedef struct vc_x86_model {
    const char *name;
    bool decode_host, decode_guest;
    const vc_x86_vendor *vendor;
    vc_x86_signature *sigs;
    size_t nsigs;
    uint32_t *data;      /* nwords words: the union of its features */
    const vc_x86_feature **removed; /* features QEMU dropped from it: disabled in guest CPUs */
    size_t nremoved;
} vc_x86_model;

typedef struct vc_x86_map {
    vc_x86_word *words;  /* sorted */
    size_t nwords;
    vc_x86_vendor *vendors;
    size_t nvendors;
    vc_x86_feature *features; /* the database's order */
    size_t nfeatures;
    vc_x86_model *models;     /* the database's order */
    size_t nmodels;
    const vc_x86_feature **features_by_name;
    const vc_x86_model **models_by_name;
} vc_x86_map;

typedef struct vc_pvr {
    uint32_t value, mask;
} vc_pvr;

typedef struct vc_ppc64_model {
    const char *name, *vendor;
    vc_pvr *pvrs;
    size_t npvrs;
} vc_ppc64_model;

typedef struct vc_ppc64_map {
    const char **vendors;
    size_t nvendors;
    vc_ppc64_model *models;
    size_t nmodels;
} vc_ppc64_map;

typedef struct vc_arm_vendor {
    const char *name;
    uint64_t value;
} vc_arm_vendor;

typedef struct vc_arm_model {
    const char *name;
    const vc_arm_vendor *vendor;
    uint64_t pvr;
} vc_arm_model;

typedef struct vc_arm_map {
    vc_arm_vendor *vendors;
    size_t nvendors;
    const char **features;
    size_t nfeatures;
    vc_arm_model *models;
    size_t nmodels;
} vc_arm_map;

/* The database in one directory, each architecture loaded on first use and
 * kept until vc_cpu_db_free. */
typedef struct vc_cpu_db vc_cpu_db;

vc_cpu_db *vc_cpu_db_new(const char *dir); /* NULL: VC_CPU_MAP_DIR; NULL on OOM */
void vc_cpu_db_free(vc_cpu_db *db);
const char *vc_cpu_db_dir(const vc_cpu_db *db);
const vc_x86_map *vc_cpu_db_x86(vc_cpu_db *db, vc_error *err);
/* A digest of the files of a database directory as they are now: every
 * file by name, device, inode, size, mode, mtime and ctime; -1 when the
 * directory cannot be listed. */
#define VC_CPU_DB_DIGEST 32
int vc_cpu_db_files_digest(const char *dir, uint8_t out[VC_CPU_DB_DIGEST]);
bool vc_cpu_db_x86_loaded(const vc_cpu_db *db);
/* The digest of the files the loaded x86 map was read from (unchanged
 * while they were read); false when not loaded or not known. */
bool vc_cpu_db_x86_digest(const vc_cpu_db *db, uint8_t out[VC_CPU_DB_DIGEST]);
const vc_ppc64_map *vc_cpu_db_ppc64(vc_cpu_db *db, vc_error *err);
const vc_arm_map *vc_cpu_db_arm(vc_cpu_db *db, vc_error *err);

const vc_x86_feature *vc_x86_feature_find(const vc_x86_map *map, const char *name);
const vc_x86_model *vc_x86_model_find(const vc_x86_map *map, const char *name);
const vc_x86_vendor *vc_x86_vendor_find(const vc_x86_map *map, const char *name);

/* ---- CPU definitions as the reference reads and writes them (def.c) ---- */

/* The reference's feature policies; VC_POLICY_NONE is a host CPU's feature. */
enum vc_policy { VC_POLICY_NONE = -1, VC_POLICY_FORCE, VC_POLICY_REQUIRE, VC_POLICY_OPTIONAL,
                 VC_POLICY_DISABLE, VC_POLICY_FORBID };

/* A <cpu> with <arch> is a host CPU, one without a guest CPU (the
 * reference's rule for documents that do not say). */
bool vc_cpu_is_host(const vc_cpu *cpu);
/* A feature's policy: NONE for host CPUs, require when a guest CPU's
 * feature gives none. */
int vc_cpu_feature_policy(const vc_cpu *cpu, size_t i);
/* What the reference's parser refuses (virCPUDefParseXML), beyond
 * vc_cpu_validate: a host CPU with mode or match, features or a vendor
 * without a model, a feature named twice, an unknown architecture. With
 * need_model, a host CPU must name its model. */
int vc_cpu_check_def(const vc_cpu *cpu, bool need_model, vc_error *err);
/* The reference's standalone <cpu> (virCPUDefFormatBufFull): defaults
 * written out, what the type does not carry left out. */
int vc_cpu_format(vc_buf *out, const vc_cpu *cpu, vc_error *err);

/* ---- x86: naming, comparing, baselines (x86.c) ---- */

/* A hypervisor's CPU models (domain capabilities' custom mode): the only
 * candidates of a baseline, each with the features that block it there. */
typedef struct vc_hv_model {
    const char *name;
    const char **blockers;
    size_t nblockers;
} vc_hv_model;

typedef struct vc_x86_decode_opts {
    bool guest;              /* decode as a guest CPU (baselines) rather than a host CPU */
    const char *const *preferred; /* models to favour; a single one is taken when it fits */
    size_t npreferred;
    bool migratable;         /* leave out features that block migration */
    const vc_hv_model *models; /* NULL: every model of the database */
    size_t nmodels;
} vc_x86_decode_opts;

/* Raw CPUID/MSR data to the database's words; *signature is leaf 1's eax
 * without reserved bits. */
uint32_t *vc_x86_data_from_cpudata(const vc_x86_map *map, const vc_cpudata *d, vc_arena *a, uint32_t *signature);
/* x86Decode: the closest model, the vendor, the features it adds (host:
 * no policy; guest: require, then disable), into cpu (strings in a). */
int vc_x86_decode(const vc_x86_map *map, const uint32_t *data, uint32_t signature, const vc_x86_decode_opts *opts,
                  vc_arena *a, vc_cpu *cpu, vc_error *err);
/* The vendor whose CPUID string (leaf 0: "GenuineIntel") is given; NULL. */
const vc_x86_vendor *vc_x86_vendor_by_string(const vc_x86_map *map, const char *s);
/* Sets a feature's bits (false: unknown name) and a vendor's in data. */
bool vc_x86_data_add_feature(const vc_x86_map *map, uint32_t *data, const char *name);
void vc_x86_data_add_vendor(uint32_t *data, const vc_x86_vendor *v);
/* Whether a feature lives in an MSR (virCPUx86FeatureFilterDropMSR). */
bool vc_x86_feature_is_msr(const vc_x86_map *map, const vc_x86_feature *f);
/* Leaf 1 eax for a family, model and stepping (x86MakeSignature). */
uint32_t vc_x86_make_signature(uint32_t family, uint32_t model, uint32_t stepping);
/* A zeroed data vector for the map's words. */
uint32_t *vc_x86_data_new(const vc_x86_map *map, vc_arena *a);
/* Decodes a host's raw data into a host CPU (arch x86_64). */
int vc_x86_decode_host(const vc_x86_map *map, const vc_cpudata *d, vc_arena *a, vc_cpu *cpu, vc_error *err);

enum vc_compare { VC_CMP_ERROR = -1, VC_CMP_INCOMPATIBLE, VC_CMP_IDENTICAL, VC_CMP_SUPERSET };

typedef struct vc_compare_result {
    int result;          /* enum vc_compare */
    char *message;       /* why incompatible (NULL otherwise) */
    char **features;     /* the features that make it incompatible */
    size_t nfeatures;
} vc_compare_result;

/* x86Compute: can host run guest? VC_CMP_ERROR (with err) for an unknown
 * model or feature. */
int vc_x86_compare(const vc_x86_map *map, const vc_cpu *host, const vc_cpu *guest, vc_arena *a,
                   vc_compare_result *res, vc_error *err);

/* A baseline computed one host at a time, so fleets need no memory per host. */
typedef struct vc_x86_baseline vc_x86_baseline;
vc_x86_baseline *vc_x86_baseline_new(const vc_x86_map *map, vc_arena *a);
int vc_x86_baseline_add(vc_x86_baseline *b, const vc_cpu *cpu, vc_error *err);
typedef struct vc_baseline_opts {
    bool expand;         /* list every feature of the model (--features) */
    bool migratable;     /* leave out features that block migration (--migratable) */
    /* virsh hypervisor-cpu-baseline: the hypervisor's models (NULL: any),
     * the features it knows (has_features: only those are kept; names the
     * database lacks are skipped, as the reference skips them) */
    const vc_hv_model *models;
    size_t nmodels;
    const char *const *features;
    size_t nfeatures;
    bool has_features;
} vc_baseline_opts;
int vc_x86_baseline_finish(vc_x86_baseline *b, const vc_baseline_opts *opts, vc_cpu *out, vc_error *err);
/* virCPUExpandFeatures for x86 CPUs (sorted by name afterwards). */
int vc_x86_expand(const vc_x86_map *map, vc_arena *a, vc_cpu *cpu, vc_error *err);

/* ---- /proc/cpuinfo fields (cpuinfo.c) ---- */

/* The value of the first "key : value" line whose key is `key`, without
 * surrounding blanks, in a; NULL when there is none (or on OOM). */
char *vc_cpuinfo_field(const char *text, const char *key, vc_arena *a);
/* A whole hexadecimal number (an optional 0x allowed, as strtoull takes it). */
bool vc_hex_parse(const char *s, uint64_t *out);

/* ---- POWER (power.c) and ARM (arm.c) ---- */

/* The host CPU model the reference reports for ppc64 (from the PVR) and
 * aarch64 (from MIDR's implementer and part, and the hwcaps), here from
 * /proc/cpuinfo text. Sets model, vendor, features as the reference would
 * (nothing when it would report nothing); -1 with err when it reports no
 * model, and why. */
int vc_ppc64_host_from_cpuinfo(const vc_ppc64_map *map, const char *cpuinfo, vc_arena *a, vc_cpu *cpu,
                               vc_error *err);
int vc_arm_host_from_cpuinfo(const vc_arm_map *map, const char *cpuinfo, vc_arena *a, vc_cpu *cpu, vc_error *err);
/* Lists aarch64 features alone (no database needed). */
int vc_arm_features_from_cpuinfo(const char *cpuinfo, vc_arena *a, vc_cpu *cpu, vc_error *err);
int vc_ppc64_compare(const vc_ppc64_map *map, const vc_cpu *host, const vc_cpu *guest, vc_arena *a,
                     vc_compare_result *res, vc_error *err);
int vc_arm_compare(const vc_cpu *host, const vc_cpu *guest, vc_arena *a, vc_compare_result *res, vc_error *err);
/* ppc64 baselines need every CPU to be the same model. */
typedef struct vc_ppc64_baseline {
    const vc_ppc64_model *model;
    const char *vendor;
} vc_ppc64_baseline;
int vc_ppc64_baseline_add(vc_ppc64_baseline *b, const vc_ppc64_map *map, const vc_cpu *cpu, vc_error *err);
int vc_ppc64_baseline_finish(const vc_ppc64_baseline *b, vc_arena *a, vc_cpu *out, vc_error *err);

/* ---- any architecture (driver.c) ---- */

/* virCPUCompare: the host's architecture (x86_64 when it names none)
 * picks the rules. VC_CMP_ERROR with err for an invalid CPU. */
int vc_cpu_compare(vc_cpu_db *db, const vc_cpu *host, const vc_cpu *guest, vc_arena *a, vc_compare_result *res,
                   vc_error *err);

/* virCPUBaseline over CPUs given one at a time; the first CPU's
 * architecture (x86_64 when it names none) picks the rules. */
typedef struct vc_baseline vc_baseline;
vc_baseline *vc_baseline_new(vc_cpu_db *db, vc_arena *a);
int vc_baseline_add(vc_baseline *b, const vc_cpu *cpu, vc_error *err);
int vc_baseline_finish(vc_baseline *b, const vc_baseline_opts *opts, vc_cpu *out, vc_error *err);

/* ---- the host probe (host_model.c) ---- */

/* This machine's CPUID, and IA32_ARCH_CAPABILITIES when CPUID announces it
 * and it can be read (else msr_err says why). */
int vc_cpu_host_cpudata(const vc_x86_map *map, vc_arena *a, vc_cpudata *out, vc_error *msr_err, vc_error *err);

/* Names the host CPU the way the reference does: on x86 from CPUID (model,
 * vendor, signature, features), on ppc64 and aarch64 from /proc/cpuinfo and
 * the database. What cannot be named is left out with a warning in caps. */
int vc_cpu_probe_host(vc_probe_ctx *ctx, vc_cpu *cpu, vc_caps *caps, vc_error *err);

#endif
