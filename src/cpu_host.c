/* The host probe's CPU model: names the host CPU the way the reference's
 * virCPUGetHost does and replaces model, vendor, signature and features of
 * the host <cpu> with what it finds. x86 from CPUID (this CPU, or a dump
 * given in opts.cpuid), ppc64 and aarch64 from /proc/cpuinfo; the reference
 * names no other CPU. */
#include "cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vc_cpu_host_cpudata(const vc_x86_map *map, vc_arena *a, vc_cpudata *out, vc_error *msr_err, vc_error *err)
{
    msr_err->code = VC_OK;
    msr_err->msg[0] = '\0';
    if (vc_cpuid_read_host(a, out, err) < 0)
        return -1;
    /* IA32_ARCH_CAPABILITIES exists when CPUID says so; the reference reads
     * it as best it can. */
    uint32_t sig;
    uint32_t *data = vc_x86_data_from_cpudata(map, out, a, &sig);
    const vc_x86_feature *f = vc_x86_feature_find(map, "arch-capabilities");
    if (!data)
        return vc_oom(err);
    bool has = f != NULL;
    for (size_t i = 0; f && i < f->nbits; i++)
        has = has && (data[f->bits[i].word] & f->bits[i].mask) == f->bits[i].mask;
    if (!has)
        return 0;
    uint64_t value;
    if (vc_msr_read_host(0x10a, &value, msr_err) < 0)
        return 0;
    vc_msr *m = vc_alloc(a, (out->nmsr + 1) * sizeof *m);
    if (!m)
        return vc_oom(err);
    if (out->nmsr)
        memcpy(m, out->msr, out->nmsr * sizeof *m);
    m[out->nmsr++] = (vc_msr){.index = 0x10a, .eax = (uint32_t)value, .edx = (uint32_t)(value >> 32)};
    out->msr = m;
    vc_cpudata_normalize(out);
    return 0;
}

static void forget_model(vc_cpu *cpu, bool features)
{
    cpu->model = NULL;
    cpu->vendor = NULL;
    cpu->has_signature = false;
    cpu->sig_family = cpu->sig_model = cpu->sig_stepping = VC_UNSET;
    if (features) {
        cpu->features = NULL;
        cpu->nfeatures = 0;
    }
}

/* Someone else's machine: a root or a remapped /proc stands for it. */
static bool other_host(const vc_probe_opts *opts)
{
    char path[4096];
    return vc_host_path(opts, "/proc/cpuinfo", path, sizeof path) < 0 || strcmp(path, "/proc/cpuinfo") != 0;
}

static int warn(vc_caps *caps, vc_error *err, const char *what, const char *why)
{
    if (vc_caps_warn(caps, "%s: %s", what, why) < 0)
        return vc_oom(err);
    return 0;
}

static int probe_x86(const vc_probe_opts *opts, vc_cpu_db *db, vc_cpu *cpu, vc_caps *caps, vc_error *err)
{
    vc_arena *a = caps->arena;
    const char *dump = opts ? opts->cpuid : NULL;
    if (!dump && other_host(opts))
        return warn(caps, err, "host CPU model not named",
                    "CPUID is read on this machine only, and the probe looks at another (give opts.cpuid)");
    vc_error e;
    const vc_x86_map *map = vc_cpu_db_x86(db, &e);
    if (!map) {
        if (e.code == VC_ENOMEM)
            return vc_oom(err);
        /* Never a guess: the features stay the kernel's, under its names. */
        forget_model(cpu, false);
        return warn(caps, err, "host CPU model not named", e.msg);
    }
    vc_cpudata data;
    vc_error msr_err = {0};
    if (dump) {
        size_t len;
        char *text = vc_read_file(dump, VC_XML_MAX_BYTES, &len, err);
        if (!text)
            return -1;
        int rc = vc_cpudata_read(text, len, a, &data, err);
        free(text);
        if (rc < 0) {
            if (err->code != VC_ENOMEM) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err->msg);
                vc_fail(err, err->code, "%s: %s", dump, msg);
            }
            return -1;
        }
    } else if (vc_cpu_host_cpudata(map, a, &data, &msr_err, &e) < 0) {
        if (e.code == VC_ENOMEM)
            return vc_oom(err);
        forget_model(cpu, false);
        return warn(caps, err, "host CPU model not named", e.msg);
    }
    vc_cpu found = *cpu;
    if (vc_x86_decode_host(map, &data, a, &found, &e) < 0) {
        if (e.code == VC_ENOMEM)
            return vc_oom(err);
        forget_model(cpu, true);
        return warn(caps, err, "host CPU model not named", e.msg);
    }
    *cpu = found;
    if (msr_err.code != VC_OK)
        return warn(caps, err, "IA32_ARCH_CAPABILITIES not read, its features are not listed", msr_err.msg);
    return 0;
}

static char *read_cpuinfo(const vc_probe_opts *opts, vc_error *err)
{
    char path[4096];
    if (vc_host_path(opts, "/proc/cpuinfo", path, sizeof path) < 0) {
        vc_fail(err, VC_EINPUT, "path too long for /proc/cpuinfo");
        return NULL;
    }
    size_t len;
    char *text = vc_read_file(path, VC_CPUINFO_MAX, &len, err);
    if (text && memchr(text, '\0', len)) {
        vc_fail(err, VC_EINPUT, "%s: NUL byte in the text", path);
        free(text);
        return NULL;
    }
    return text;
}

static int probe_cpuinfo(const vc_probe_opts *opts, vc_cpu_db *db, bool arm, vc_cpu *cpu, vc_caps *caps,
                         vc_error *err)
{
    vc_error e;
    char *text = read_cpuinfo(opts, &e);
    if (!text) {
        forget_model(cpu, true);
        return e.code == VC_ENOMEM ? vc_oom(err) : warn(caps, err, "host CPU model not named", e.msg);
    }
    vc_cpu found = *cpu;
    forget_model(&found, true);
    int rc = -1;
    if (arm) {
        const vc_arm_map *map = vc_cpu_db_arm(db, &e);
        if (map) {
            rc = vc_arm_host_from_cpuinfo(map, text, caps->arena, &found, &e);
        } else if (e.code != VC_ENOMEM) {
            /* hwcap names need no database */
            vc_error ignored;
            if (vc_arm_features_from_cpuinfo(text, caps->arena, &found, &ignored) < 0)
                e = ignored;
        }
    } else {
        const vc_ppc64_map *map = vc_cpu_db_ppc64(db, &e);
        if (map)
            rc = vc_ppc64_host_from_cpuinfo(map, text, caps->arena, &found, &e);
    }
    free(text);
    if (rc < 0 && e.code == VC_ENOMEM)
        return vc_oom(err);
    if (rc < 0 && arm && found.model) {
        /* The reference stops at an unknown vendor with the model set. */
        found.vendor = NULL;
        found.features = NULL;
        found.nfeatures = 0;
    }
    *cpu = found;
    return rc < 0 ? warn(caps, err, "host CPU model not named", e.msg) : 0;
}

int vc_cpu_probe_host(const vc_probe_opts *opts, vc_cpu *cpu, vc_caps *caps, vc_error *err)
{
    char arch[64];
    if (vc_probe_arch(opts, arch, sizeof arch) < 0)
        return vc_fail(err, VC_EINPUT, "cannot tell the host architecture");
    bool x86 = vc_arch_is_x86(arch);
    bool ppc64 = strcmp(arch, "ppc64") == 0 || strcmp(arch, "ppc64le") == 0;
    bool arm = strcmp(arch, "aarch64") == 0;
    if (!x86 && !ppc64 && !arm) {
        /* The reference names no other host CPU. */
        forget_model(cpu, true);
        return 0;
    }
    vc_cpu_db *own = NULL, *db = opts ? opts->cpu_db : NULL;
    if (!db && !(db = own = vc_cpu_db_new(opts ? opts->cpu_map : NULL)))
        return vc_oom(err);
    int rc = x86 ? probe_x86(opts, db, cpu, caps, err) : probe_cpuinfo(opts, db, arm, cpu, caps, err);
    vc_cpu_db_free(own);
    return rc;
}
