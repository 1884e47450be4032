/* Domain capabilities of one QEMU binary on this host (libvirt 9.0.0's
 * qemuConnectGetDomainCapabilities): the target as
 * virQEMUCapsCacheLookupDefault settles it, the conversation, the host's
 * facts, the fill. Every host path goes through opts' root and paths. */
#include "drivers/qemu_dcprobe.h"

#include "base/arch.h"
#include "base/hostfs.h"
#include "base/safepath.h"
#include "base/syscalls.h"
#include "drivers/drivers.h"
#include "drivers/qemu_cache.h"
#include "drivers/qemu_caps.h"
#include "drivers/qemu_domcaps.h"
#include "drivers/qemu_flags.h"
#include "drivers/subprocess.h"
#include "host/context.h"
#include "host/firmware.h"
#include "host/host.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <limits.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#define SWTPM_TIMEOUT_MS 10000
#define SWTPM_OUTPUT_LIMIT ((size_t)64 * 1024)

/* virFindFileInPath through root/paths: the host path of the first
 * executable regular file of that name in $PATH, into real. */
static bool find_in_path(const vc_probe_opts *opts, const char *name, char *real, size_t size)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char shown[PATH_MAX];
        struct stat st;
        if (n > 0 && path[0] == '/' && n + strlen(name) + 2 <= sizeof shown) {
            snprintf(shown, sizeof shown, "%.*s/%s", (int)n, path, name);
            if (vc_host_path(opts, shown, real, size) == 0 && stat(real, &st) == 0 && S_ISREG(st.st_mode) &&
                (st.st_mode & 0111))
                return true;
        }
        path += n + (path[n] == ':');
    }
    return false;
}

/* virTPMEmulatorInit and virTPMSwtpmSetupCapsGet: swtpm, swtpm_setup and
 * swtpm_ioctl installed, and the TPM versions `swtpm_setup
 * --print-capabilities` lists. A swtpm_setup that does not answer offers
 * no version, as the reference. */
static void read_swtpm(const vc_probe_opts *opts, vc_cachedir *cache, vc_qemu_host *h)
{
    char swtpm[PATH_MAX], setup[PATH_MAX], ioctl_bin[PATH_MAX], canon[PATH_MAX], bad[PATH_MAX];
    if (!find_in_path(opts, "swtpm", swtpm, sizeof swtpm) || !find_in_path(opts, "swtpm_setup", setup, sizeof setup) ||
        !find_in_path(opts, "swtpm_ioctl", ioctl_bin, sizeof ioctl_bin))
        return;
    h->swtpm = true;
    int fd = vc_path_open_file(setup, geteuid() == 0, canon, sizeof canon, bad, sizeof bad);
    if (fd < 0)
        return;
    /* its answer is cached like an emulator's: running it costs more than the rest */
    struct stat st;
    bool keyed = fstat(fd, &st) == 0;
    if (keyed && vc_qcache_load_tpm(cache, canon, &st, &h->tpm_1_2, &h->tpm_2_0) == 1) {
        close(fd);
        return;
    }
    char *argv[] = {canon, "--print-capabilities", NULL};
    vc_run r = {.exe_fd = fd, .argv = argv};
    vc_run_all(&r, 1, SWTPM_TIMEOUT_MS, SWTPM_OUTPUT_LIMIT);
    close(fd);
    json_object *o = NULL, *feats;
    if (r.outcome == VC_RUN_DONE && r.out.data) {
        json_tokener *tok = json_tokener_new_ex(16);
        if (tok) {
            o = json_tokener_parse_ex(tok, r.out.data, (int)r.out.len);
            json_tokener_free(tok);
        }
    }
    if (o && json_object_object_get_ex(o, "features", &feats) && json_object_is_type(feats, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(feats); i++) {
            const char *f = json_object_get_string(json_object_array_get_idx(feats, i));
            if (f && strcmp(f, "tpm-1.2") == 0)
                h->tpm_1_2 = true;
            else if (f && strcmp(f, "tpm-2.0") == 0)
                h->tpm_2_0 = true;
        }
    }
    json_object_put(o);
    if (keyed && r.outcome == VC_RUN_DONE)
        (void)vc_qcache_store_tpm(cache, canon, &st, h->tpm_1_2, h->tpm_2_0);
    vc_run_release(&r);
}

/* qemuHostdevHostSupportsPassthroughVFIO: an IOMMU group exists and
 * /dev/vfio/vfio is there. */
static bool read_vfio(const vc_probe_opts *opts)
{
    char groups[PATH_MAX], dev[PATH_MAX];
    if (vc_host_path(opts, "/sys/kernel/iommu_groups", groups, sizeof groups) < 0 ||
        vc_host_path(opts, "/dev/vfio/vfio", dev, sizeof dev) < 0)
        return false;
    DIR *d = opendir(groups);
    bool any = false;
    if (d) {
        const struct dirent *e;
        while (!any && (e = readdir(d)))
            any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
        closedir(d);
    }
    return any && access(dev, F_OK) == 0;
}

/* virHostCPUGetKVMMaxVCPUs: KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS, else 4. */
static int read_kvm_max_vcpus(const vc_probe_opts *opts, unsigned *out, vc_error *err)
{
    char dev[PATH_MAX];
    if (vc_host_path(opts, "/dev/kvm", dev, sizeof dev) < 0)
        return vc_fail(err, VC_EINPUT, "Unable to open /dev/kvm: %s", strerror(ENAMETOOLONG));
    int fd = vc_sys_open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
    if (fd < 0)
        return vc_fail(err, VC_EINPUT, "Unable to open /dev/kvm: %s", strerror(errno));
    int n = vc_sys_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (n <= 0)
        n = vc_sys_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    close(fd);
    *out = n > 0 ? (unsigned)n : 4;
    return 0;
}

/* The SEV ASIDs of this CPU (CPUID 0x8000001F ecx, edx), where the
 * reference reads them: under KVM with QEMU's SEV capabilities. */
static void read_sev_asids(vc_qemu_host *h)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(0x80000000U, &a, &b, &c, &d) && a >= 0x8000001FU &&
        __get_cpuid(0x8000001FU, &a, &b, &c, &d)) {
        h->sev_max_asid = c;
        h->sev_min_asid = d;
    }
#else
    (void)h;
#endif
}

/* virQEMUCapsKVMSupportsSecureGuestS390: the ultravisor is there and KVM
 * was loaded with prot_virt. */
static bool read_s390_secure_guest(const vc_probe_opts *opts)
{
    char uv[PATH_MAX];
    struct stat st;
    if (vc_host_path(opts, "/sys/firmware/uv", uv, sizeof uv) < 0 || stat(uv, &st) < 0 || !S_ISDIR(st.st_mode))
        return false;
    char *v = vc_host_read(opts, "/sys/module/kvm/parameters/prot_virt", 64, NULL);
    bool on = v && (v[0] == '1' || v[0] == 'Y' || v[0] == 'y');
    free(v);
    return on;
}

/* virCPUGetHost for the host-model: the host CPU as the probe reads it
 * (through root and paths, named with the database), read on first use. */
typedef struct host_cpu_reader {
    const vc_probe_opts *opts;
    vc_cpu_db *db;
    vc_caps *owner;            /* owns the CPU read; NULL: not read yet */
    const vc_cpu *cpu;         /* NULL: the host's cannot be told */
} host_cpu_reader;

static int read_host_cpu(void *ctx, const vc_cpu **out, vc_error *err)
{
    host_cpu_reader *r = ctx;
    vc_cpu *cpu;
    if (!r->owner) {
        if (!(r->owner = vc_caps_new()) || !(cpu = vc_cpu_new(r->owner->arena)))
            return vc_oom(err);
        vc_probe_ctx pc;
        vc_hostctx h = {0};
        vc_error why = {0};
        bool oom = false;
        if (vc_probe_ctx_init(&pc, r->opts, true, &why) == 0) {
            if (!pc.cpu_db)
                pc.cpu_db = r->db;
            if (vc_hostctx_init(&h, &pc, r->owner, &why) == 0) {
                oom = vc_host_cpu(&h, cpu) < 0; /* it fails only so */
                if (!oom && vc_cpu_probe_host(&pc, cpu, r->owner, &why) == 0)
                    r->cpu = cpu;
            }
            vc_hostctx_free(&h);
        }
        vc_probe_ctx_free(&pc);
        /* a host CPU that cannot be told offers no host-model, as the reference */
        if (oom || why.code == VC_ENOMEM)
            return vc_oom(err);
    }
    *out = r->cpu;
    return 0;
}

static int firmware_offer(const vc_probe_opts *opts, const vc_qemu_dc_fixed *fx, const vc_qemu_target *t, vc_arena *a,
                          vc_firmware_offer *offer, vc_error *err)
{
    memset(offer, 0, sizeof *offer);
    if (!t->machine)
        return 0;
    vc_firmware_opts fo = {.probe = opts, .privileged = fx->firmware_privileged,
                           .config_home = fx->firmware_config_home};
    vc_firmware_set set;
    if (vc_firmware_read(&fo, a, &set, err) < 0)
        return -1;
    return vc_firmware_offer_of(&set, opts, t->arch, t->machine, a, offer, err);
}

static vc_domcaps *fill(const vc_probe_opts *opts, const vc_qemucaps *qc, const vc_qemu_target *t,
                        const vc_qemu_dc_fixed *fx, vc_cpu_db *db, vc_arena *a, vc_error *err)
{
    vc_firmware_offer offer;
    if (firmware_offer(opts, fx, t, a, &offer, err) < 0)
        return NULL;
    host_cpu_reader reader = {.opts = opts, .db = db};
    vc_qemu_host h = {.arch = NULL, .cpu = fx->host_cpu, .firmware = &offer, .read_cpu = read_host_cpu,
                      .read_cpu_ctx = &reader};
    char host_arch[32];
    if (vc_probe_arch(opts, host_arch, sizeof host_arch) == 0)
        h.arch = host_arch;
    if (fx->loaders_given) {
        h.loaders = fx->loaders;
        h.nloaders = fx->nloaders;
    }
    if (fx->tpm_given) {
        h.swtpm = fx->tpm_1_2 || fx->tpm_2_0;
        h.tpm_1_2 = fx->tpm_1_2;
        h.tpm_2_0 = fx->tpm_2_0;
    } else {
        vc_cachedir cache;
        vc_cachedir_init(&cache, opts);
        read_swtpm(opts, &cache, &h);
        vc_cachedir_close(&cache);
    }
    h.vfio = fx->vfio_given ? fx->vfio : read_vfio(opts);
    if (vc_arch_is_s390(t->arch))
        h.s390_secure_guest = fx->s390_secure_guest_given ? fx->s390_secure_guest : read_s390_secure_guest(opts);
    if (fx->sev_asids_given) {
        h.sev_max_asid = fx->sev_max_asid;
        h.sev_min_asid = fx->sev_min_asid;
    } else if (qc->sev.present) {
        read_sev_asids(&h);
    }
    if (strcmp(t->virttype, "kvm") == 0) {
        if (fx->kvm_max_vcpus_given)
            h.kvm_max_vcpus = fx->kvm_max_vcpus;
        else if (read_kvm_max_vcpus(opts, &h.kvm_max_vcpus, err) < 0)
            return NULL;
    }
    vc_domcaps *dc = vc_qemu_domcaps(qc, db, t, &h, err);
    vc_caps_free(reader.owner);
    return dc;
}

/* Names QEMU gave, in libvirt's names, copied into a; -1 on OOM. */
static int feature_names(vc_arena *a, const char *arch, char *const *names, size_t n, char ***out)
{
    *out = n ? vc_array(a, n, sizeof **out) : NULL;
    if (n && !*out)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!((*out)[i] = vc_strdup(a, vc_qemu_feature_name(arch, names[i]))))
            return -1;
    return 0;
}

int vc_qemu_dc_keep_cpu(vc_domcaps *dc, const vc_qemucaps *qc, const vc_qemu_target *t, vc_error *err)
{
    const qc_accel_caps *ac = &qc->accel[strcmp(t->virttype, "kvm") == 0 ? QC_KVM : QC_TCG];
    vc_arena *a = dc->arena;
    dc_hv_cpu *hv = vc_alloc(a, sizeof *hv);
    if (!hv)
        return vc_oom(err);
    for (size_t i = 0; i < ac->ncpus; i++) {
        const qc_cpu_model *c = &ac->cpus[i];
        if (c->usable != 0)
            continue;
        dc_blocked_model *b = VC_PUSH(a, hv->blocked, hv->nblocked);
        if (!b || !(b->model = vc_strdup(a, c->name)) ||
            feature_names(a, qc->arch, c->blockers, c->nblockers, &b->features) < 0)
            return vc_oom(err);
        b->nfeatures = c->nblockers;
    }
    const qc_host_cpu *h = &ac->host_cpu;
    hv->expansion = h->model != NULL;
    hv->migratability = hv->expansion && h->migratability;
    for (size_t i = 0; hv->expansion && i < h->nprops; i++) {
        const char *name = vc_qemu_feature_name(qc->arch, h->props[i].name);
        char **f = VC_PUSH(a, hv->features, hv->nfeatures);
        if (!f || !(*f = vc_strdup(a, name)))
            return vc_oom(err);
        /* virQEMUCapsGetCPUFeatures: all but those marked not migratable */
        if (hv->migratability && h->props[i].migratable != 0) {
            char **m = VC_PUSH(a, hv->migratable, hv->nmigratable);
            if (!m)
                return vc_oom(err);
            *m = *f;
        }
    }
    dc->hv_cpu = hv;
    return 0;
}

vc_domcaps *vc_qemu_dc_probe(const vc_probe_opts *opts, const vc_qemu_dc_request *req, const vc_qemu_dc_fixed *fixed,
                             vc_cpu_db *db, vc_error *err)
{
    static const vc_qemu_dc_fixed none = {.firmware_privileged = VC_UNSET_B};
    const vc_qemu_dc_fixed *fx = fixed ? fixed : &none;
    char host_arch[32];
    if (vc_probe_arch(opts, host_arch, sizeof host_arch) < 0) {
        vc_fail(err, VC_EIO, "cannot tell this host's architecture");
        return NULL;
    }
    const char *arch = req->arch ? req->arch : host_arch;
    if (!vc_arch_is_known(arch)) {
        vc_fail(err, VC_EINPUT, "unknown architecture: %.64s", arch);
        return NULL;
    }
    char *found = NULL;
    const char *bin = req->emulatorbin;
    if (!bin) {
        int rc = vc_qemu_default_emulator(opts, vc_arch_index(host_arch), vc_arch_index(arch), &found, err);
        if (rc < 0)
            return NULL;
        if (rc == 1) {
            vc_fail(err, VC_EINPUT, "unable to find any emulator to serve '%.64s' architecture", arch);
            return NULL;
        }
        bin = found;
    }
    /* cached with the machine types' rules (qemu_caps_cache.c) */
    vc_qemucaps *qc = vc_qemu_caps_probe(opts, bin, db, vc_qemu_caps_flags, NULL, err);
    free(found);
    if (!qc)
        return NULL;
    vc_domcaps *dc = NULL;
    vc_qemu_target t;
    vc_arena *a = vc_arena_new();
    if (!a)
        vc_oom(err);
    else if (vc_qemu_domcaps_target(qc, arch, req->machine, req->virttype, &t, err) == 0 &&
             (dc = fill(opts, qc, &t, fx, db, a, err)) && vc_qemu_dc_keep_cpu(dc, qc, &t, err) < 0) {
        vc_domcaps_free(dc);
        dc = NULL;
    }
    vc_arena_free(a);
    vc_qemucaps_free(qc);
    return dc;
}
