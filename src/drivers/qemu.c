/* The QEMU/KVM driver: the qemu-system-* emulators the reference would use
 * for each architecture, their machine types over QMP (cached), KVM, and
 * the host parts the reference's QEMU driver reports. */
#ifndef _GNU_SOURCE
// NOLINTNEXTLINE(cert-dcl51-cpp): glibc's feature macro
#define _GNU_SOURCE /* fgetpwent_r, fgetgrent_r */
#endif
#include "base/arch.h"
#include "base/hostfs.h"
#include "base/options.h"
#include "drivers/drivers.h"
#include "drivers/qemu_cache.h"
#include "drivers/qmp.h"
#include "drivers/subprocess.h"
#include "host/cachedir.h"
#include "host/context.h"
#include "model/model.h"
#include "base/safepath.h"
#include "base/syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/kvm.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 5000
#define OUTPUT_LIMIT ((size_t)1024 * 1024)
/* What of a mapped /etc/passwd or /etc/group is read */
#define DB_MAX ((size_t)16 * 1024 * 1024)
#define QEMU_KVM "/usr/libexec/qemu-kvm"
/* The user and group Debian's libvirt runs QEMU as (--with-qemu-user/group). */
#define QEMU_USER "libvirt-qemu"
#define QEMU_GROUP "libvirt-qemu"

typedef struct emulator {
    char *path;             /* as the reference writes it: canonical, and as the probed host sees it */
    char *file;             /* what runs: path, or where opts.root/opts.paths put it */
    int arch;               /* what the binary emulates: picks the preferred machine */
    struct stat st;
    bool ok;
    vc_qmp_info info;
} emulator;

/* A directory to look for emulators in: as the host sees it, and where it
 * is read (they differ under opts.root/opts.paths). */
typedef struct search_dir {
    char *shown, *real;
    bool mapped;
} search_dir;

typedef struct qemu_probe {
    const vc_probe_opts *opts;
    vc_cachedir *cache;     /* the probe's, NULL: none */
    vc_caps *caps;
    search_dir *dirs;
    size_t ndirs;
    emulator *emus;
    size_t nemus;
    int *guest_emu;         /* per architecture: index into emus, -1 for none */
} qemu_probe;

/* virFileIsExecutable */
static bool executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

static int add_dir(qemu_probe *p, const char *dir, size_t len, bool map, vc_error *err)
{
    vc_arena *a = p->caps->arena;
    char shown[PATH_MAX], real[PATH_MAX];
    struct stat s1, s2;
    /* Relative and empty entries are skipped: the reference would resolve
     * them against the current directory. */
    if (len == 0 || dir[0] != '/' || len >= sizeof shown)
        return 0;
    memcpy(shown, dir, len);
    shown[len] = '\0';
    if (!map)
        snprintf(real, sizeof real, "%s", shown);
    else if (vc_host_path(p->opts, shown, real, sizeof real) < 0)
        return 0;
    search_dir *d = VC_PUSH(a, p->dirs, p->ndirs);
    if (!d || !(d->shown = vc_strdup(a, shown)) || !(d->real = vc_strdup(a, real)))
        return vc_oom(err);
    d->mapped = strcmp(shown, real) != 0 &&
                !(stat(shown, &s1) == 0 && stat(real, &s2) == 0 && s1.st_dev == s2.st_dev && s1.st_ino == s2.st_ino);
    return 0;
}

/* opts.qemu_dirs as they are, else $PATH as the probed host sees it. */
static int search_dirs(qemu_probe *p, vc_error *err)
{
    const vc_probe_opts *opts = p->opts;
    if (opts && opts->qemu_dirs) {
        for (size_t i = 0; i < opts->nqemu_dirs; i++)
            if (add_dir(p, opts->qemu_dirs[i], strlen(opts->qemu_dirs[i]), false, err) < 0)
                return -1;
        return 0;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        if (add_dir(p, path, n, true, err) < 0)
            return -1;
        path += n + (path[n] == ':');
    }
    return 0;
}

/* Says, once per emulator, why root does not run it. */
static void refuse(const qemu_probe *p, const char *file, const char *bad)
{
    char msg[2 * PATH_MAX + 128];
    snprintf(msg, sizeof msg, "qemu: not running %s: users other than root can change %s", file, bad);
    for (size_t i = 0; i < p->caps->nwarnings; i++)
        if (strcmp(p->caps->warnings[i], msg) == 0)
            return;
    vc_caps_warn(p->caps, "%s", msg);
}

/* Opens an emulator as it will run (see vc_path_open_file: as root, only
 * when no other user can change any part of its path, and then what runs
 * is the file checked); its canonical path in canon. -1 when it is not
 * there, or refused with a warning. */
static int open_emulator(const qemu_probe *p, const char *file, char canon[PATH_MAX])
{
    char bad[PATH_MAX];
    int fd = vc_path_open_file(file, geteuid() == 0, canon, PATH_MAX, bad, sizeof bad);
    if (fd == -2)
        refuse(p, file, bad);
    return fd < 0 ? -1 : fd;
}

/* A found emulator: the reference canonicalises what it finds on this
 * host; on a mapped host the path stays as that host names it. */
static char *found(const qemu_probe *p, const search_dir *d, const char *name, char **file)
{
    char shown[PATH_MAX], real[PATH_MAX], canon[PATH_MAX];
    int w1 = snprintf(shown, sizeof shown, "%s/%s", d->shown, name);
    int w2 = snprintf(real, sizeof real, "%s/%s", d->real, name);
    *file = NULL;
    if (w1 < 0 || (size_t)w1 >= sizeof shown || w2 < 0 || (size_t)w2 >= sizeof real || !executable(real))
        return NULL;
    int fd = open_emulator(p, real, canon);
    if (fd < 0)
        return NULL;
    close(fd);
    char *path = strdup(d->mapped ? shown : canon);
    if (path && !(*file = strdup(canon))) {
        free(path);
        path = NULL;
    }
    return path;
}

/* virFindFileInPath: the first executable of that name. */
static char *find_qemu(const qemu_probe *p, int arch, char **file)
{
    char name[64];
    snprintf(name, sizeof name, "qemu-system-%s", vc_arch_at((size_t)arch)->qemu);
    for (size_t i = 0; i < p->ndirs; i++) {
        char *path = found(p, &p->dirs[i], name, file);
        if (path)
            return path;
    }
    return NULL;
}

static bool is_arch(int a, const char *name)
{
    return a >= 0 && strcmp(vc_arch_at((size_t)a)->name, name) == 0;
}

/* virQEMUCapsFindTarget */
static int find_target(int host, int guest)
{
    if (vc_arch_native(host, guest))
        guest = host;
    if (guest >= 0 && vc_arch_is_ppc64(vc_arch_at((size_t)guest)->name))
        guest = vc_arch_index("ppc64");
    return guest;
}

/* virQEMUCapsGetDefaultEmulator: the emulator the reference picks for a guest architecture. */
static char *emulator_for(const qemu_probe *p, int host, int guest, char **file)
{
    char *bin = NULL;
    /* armv7l guests get KVM on aarch64 hosts only through qemu-system-aarch64 */
    if (is_arch(host, "aarch64") && is_arch(guest, "armv7l") && (bin = find_qemu(p, host, file)))
        return bin;
    if ((bin = find_qemu(p, guest, file)))
        return bin;
    int target = find_target(host, guest);
    if (target != guest && (bin = find_qemu(p, target, file)))
        return bin;
    /* RHEL's single binary outside $PATH */
    if (vc_arch_native(host, guest) && !(p->opts && p->opts->qemu_dirs)) {
        char real[PATH_MAX];
        if (vc_host_path(p->opts, "/usr/libexec", real, sizeof real) == 0) {
            search_dir d = {.shown = "/usr/libexec", .real = real, .mapped = strcmp(real, "/usr/libexec") != 0};
            return found(p, &d, "qemu-kvm", file);
        }
    }
    return NULL;
}

/* What a binary emulates, from its name; qemu-kvm emulates the host. */
static int emulator_arch(const char *path, int host)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncmp(base, "qemu-system-", 12) == 0 && vc_arch_from_qemu(base + 12) >= 0)
        return vc_arch_from_qemu(base + 12);
    return host;
}

static int find_emulators(qemu_probe *p, int host, vc_error *err)
{
    size_t narch = vc_arch_count();
    p->emus = vc_array(p->caps->arena, narch, sizeof *p->emus);
    p->guest_emu = vc_array(p->caps->arena, narch, sizeof *p->guest_emu);
    if (!p->emus || !p->guest_emu || search_dirs(p, err) < 0)
        return p->emus && p->guest_emu ? -1 : vc_oom(err);
    for (size_t g = 0; g < narch; g++) {
        p->guest_emu[g] = -1;
        char *file, *bin = emulator_for(p, host, (int)g, &file);
        if (!bin)
            continue;
        size_t e = 0;
        while (e < p->nemus && strcmp(p->emus[e].file, file) != 0)
            e++;
        if (e == p->nemus) {
            emulator *em = &p->emus[p->nemus];
            memset(em, 0, sizeof *em);
            em->path = vc_strdup(p->caps->arena, bin);
            em->file = vc_strdup(p->caps->arena, file);
            em->arch = emulator_arch(bin, host);
            if (!em->path || !em->file) {
                free(bin);
                free(file);
                return vc_oom(err);
            }
            p->nemus++;
        }
        free(bin);
        free(file);
        p->guest_emu[g] = (int)e;
    }
    return 0;
}

/* Answers from the cache, then every other emulator at once. */
static int ask_emulators(qemu_probe *p, vc_error *err)
{
    vc_caps *caps = p->caps;
    const vc_probe_opts *opts = p->opts;
    vc_cachedir *cache = p->cache;
    vc_run *runs = calloc(p->nemus ? p->nemus : 1, sizeof *runs);
    size_t *which = calloc(p->nemus ? p->nemus : 1, sizeof *which);
    char **argvs = calloc(p->nemus ? p->nemus * 10 : 1, sizeof *argvs);
    size_t nruns = 0;
    int rc = 0;
    if (!runs || !which || !argvs) {
        rc = vc_oom(err);
        goto out;
    }
    for (size_t e = 0; e < p->nemus; e++) {
        emulator *em = &p->emus[e];
        char canon[PATH_MAX];
        /* Opened again: what runs and what the cache entry is for is what
         * this check passed, whatever was renamed since it was found. */
        int fd = open_emulator(p, em->file, canon);
        if (fd >= 0 && (strcmp(canon, em->file) != 0 || fstat(fd, &em->st) < 0)) {
            close(fd);
            fd = -1;
        }
        if (fd < 0)
            continue;
        if (vc_qcache_load(cache, em->file, &em->st, caps->arena, &em->info) == 1) {
            close(fd);
            em->ok = true;
            continue;
        }
        static const char *const args[] = {"-S", "-no-user-config", "-nodefaults", "-nographic", "-machine",
                                            "none", "-qmp", "stdio", NULL};
        char **argv = argvs + nruns * 10;
        argv[0] = em->file;
        for (size_t i = 0; args[i]; i++)
            argv[i + 1] = (char *)args[i];
        runs[nruns] = (vc_run){.exe_fd = fd, .argv = argv, .input = VC_QMP_COMMANDS,
                               .input_len = sizeof VC_QMP_COMMANDS - 1};
        which[nruns++] = e;
    }
    int timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    if (nruns)
        vc_run_all(runs, nruns, timeout, OUTPUT_LIMIT);
    for (size_t i = 0; i < nruns && rc == 0; i++) {
        vc_run *r = &runs[i];
        emulator *em = &p->emus[which[i]];
        char detail[64];
        vc_error perr;
        vc_run_describe_exit(r, detail, sizeof detail);
        if (r->outcome == VC_RUN_NOSTART)
            rc = vc_caps_warn(caps, "qemu: cannot run %s: %s", em->path, strerror(r->error));
        else if (r->outcome == VC_RUN_TIMEOUT)
            rc = vc_caps_warn(caps, "qemu: %s did not answer within %d ms", em->path, timeout);
        else if (r->outcome == VC_RUN_FLOOD)
            rc = vc_caps_warn(caps, "qemu: %s printed more than %zu bytes", em->path, OUTPUT_LIMIT);
        else if (vc_qmp_parse_session(caps->arena, r->out.data ? r->out.data : "", r->out.len, &em->info, &perr) < 0) {
            if (perr.code == VC_ENOMEM) {
                rc = vc_oom(err);
                break;
            }
            rc = vc_caps_warn(caps, "qemu: %s: %s%s", em->path, perr.msg, detail);
        } else {
            em->ok = true;
            if (vc_qcache_store(cache, em->file, &em->st, &em->info) < 0)
                rc = vc_caps_warn(caps, "qemu: cannot write the cache for %s: %s", em->path, strerror(errno));
        }
        if (rc < 0)
            rc = vc_oom(err);
    }
out:
    for (size_t i = 0; i < nruns; i++) {
        close(runs[i].exe_fd);
        vc_run_release(&runs[i]);
    }
    free(runs);
    free(which);
    free(argvs);
    return rc;
}

/* KVM is usable when /dev/kvm opens and speaks the stable API (12): CPU
 * flags lie in both directions (nested guests hide vmx/svm). When it is not,
 * a warning says why: the kvm domain type it leaves out changes answers. */
static int kvm_usable(const vc_probe_opts *opts, vc_caps *caps, bool *usable)
{
    char dev[4096];
    *usable = false;
    if (vc_host_path(opts, "/dev/kvm", dev, sizeof dev) < 0)
        return vc_caps_warn(caps, "qemu: no kvm domain: /dev/kvm: %s", strerror(ENAMETOOLONG));
    int fd = vc_sys_open(dev, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
    if (fd < 0)
        return vc_caps_warn(caps, "qemu: no kvm domain: /dev/kvm: %s", strerror(errno));
    int version = vc_sys_ioctl(fd, KVM_GET_API_VERSION, 0);
    close(fd);
    *usable = version == KVM_API_VERSION;
    if (!*usable)
        return vc_caps_warn(caps, "qemu: no kvm domain: /dev/kvm does not speak KVM API %d", KVM_API_VERSION);
    return 0;
}

static int add_guest(qemu_probe *p, int arch, const emulator *em, bool kvm, vc_error *err)
{
    vc_caps *caps = p->caps;
    vc_guest *g = vc_guest_add(caps, "hvm", arch, em->path, err);
    if (!g)
        return -1;
    size_t n = em->info.nmachines;
    vc_qmp_machine *order = n ? vc_array(caps->arena, n, sizeof *order) : NULL;
    if (n && !order)
        return vc_oom(err);
    if (n)
        memcpy(order, em->info.machines, n * sizeof *order);
    vc_qmp_order_machines(order, &n, vc_arch_at((size_t)em->arch)->preferred);
    g->machines = vc_qmp_caps_machines(caps->arena, order, n, &g->nmachines);
    if (n && !g->machines)
        return vc_oom(err);
    if (em->info.tcg && vc_guest_domain(caps, g, "qemu", err) < 0)
        return -1;
    if (kvm && vc_guest_domain(caps, g, "kvm", err) < 0)
        return -1;
    const char *name = vc_arch_at((size_t)arch)->name;
    bool x86 = vc_arch_is_x86(name);
    if (is_arch(arch, "i686")) {
        vc_guest_feature_set(g, VC_GF_PAE, VC_UNSET_B, VC_UNSET_B);
        vc_guest_feature_set(g, VC_GF_NONPAE, VC_UNSET_B, VC_UNSET_B);
    }
    if (x86 || vc_arch_is_aarch64(name))
        vc_guest_feature_set(g, VC_GF_ACPI, 1, 1);
    if (x86)
        vc_guest_feature_set(g, VC_GF_APIC, 1, 0);
    vc_guest_feature_set(g, VC_GF_CPUSELECTION, VC_UNSET_B, VC_UNSET_B);
    vc_guest_feature_set(g, VC_GF_DEVICEBOOT, VC_UNSET_B, VC_UNSET_B);
    vc_guest_feature_set(g, VC_GF_DISKSNAPSHOT, 1, 0);
    return 0;
}

/* A mapped passwd or group file as a stream over *text (the caller closes
 * it and frees *text); NULL when it is unreadable or empty. */
static FILE *open_db(const char *mapped, char **text)
{
    size_t len;
    bool truncated;
    if (vc_file_read(mapped, DB_MAX, text, &len, &truncated) < 0 || len == 0)
        return NULL;
    return fmemopen(*text, len, "r");
}

/* uid of the user, gid of the group QEMU runs as; from the host's
 * /etc/passwd and /etc/group when opts maps them, else from NSS. */
static int qemu_ids(const vc_probe_opts *opts, uid_t *uid, gid_t *gid)
{
    char passwd[4096], group[4096], buf[4096];
    bool found_user = false, found_group = false;
    if (vc_host_path(opts, "/etc/passwd", passwd, sizeof passwd) < 0 ||
        vc_host_path(opts, "/etc/group", group, sizeof group) < 0)
        return -1;
    if (strcmp(passwd, "/etc/passwd") != 0) {
        char *text = NULL;
        FILE *f = open_db(passwd, &text);
        struct passwd pw, *res;
        while (f && !found_user && fgetpwent_r(f, &pw, buf, sizeof buf, &res) == 0)
            if (strcmp(pw.pw_name, QEMU_USER) == 0) {
                *uid = pw.pw_uid;
                found_user = true;
            }
        if (f)
            fclose(f);
        free(text);
    } else {
        struct passwd pw, *res = NULL;
        if (getpwnam_r(QEMU_USER, &pw, buf, sizeof buf, &res) == 0 && res) {
            *uid = pw.pw_uid;
            found_user = true;
        }
    }
    if (strcmp(group, "/etc/group") != 0) {
        char *text = NULL;
        FILE *f = open_db(group, &text);
        struct group gr, *res;
        while (f && !found_group && fgetgrent_r(f, &gr, buf, sizeof buf, &res) == 0)
            if (strcmp(gr.gr_name, QEMU_GROUP) == 0) {
                *gid = gr.gr_gid;
                found_group = true;
            }
        if (f)
            fclose(f);
        free(text);
    } else {
        struct group gr, *res = NULL;
        if (getgrnam_r(QEMU_GROUP, &gr, buf, sizeof buf, &res) == 0 && res) {
            *gid = gr.gr_gid;
            found_group = true;
        }
    }
    return found_user && found_group ? 0 : -1;
}

/* What the reference's QEMU driver adds to the host: live migration over
 * tcp and rdma; the "none" security model, stacked with DAC when privileged. */
static int add_host_parts(const vc_probe_opts *opts, vc_caps *caps, vc_error *err)
{
    static const char *const transports[] = {"tcp", "rdma"};
    if (vc_host_migration(caps, true, transports, 2, err) < 0 || !vc_host_secmodel(caps, "none", "0", err))
        return -1;
    if (geteuid() != 0)
        return 0;
    uid_t uid;
    gid_t gid;
    if (qemu_ids(opts, &uid, &gid) < 0)
        return vc_caps_warn(caps, "qemu: no user and group '%s': the reference's QEMU driver refuses to start "
                                  "without them; no dac security model",
                            QEMU_USER) < 0
                   ? vc_oom(err)
                   : 0;
    char label[64];
    snprintf(label, sizeof label, "+%u:+%u", (unsigned)uid, (unsigned)gid);
    vc_secmodel *dac = vc_host_secmodel(caps, "dac", "0", err);
    if (!dac || vc_secmodel_label(caps, dac, "kvm", label, err) < 0 ||
        vc_secmodel_label(caps, dac, "qemu", label, err) < 0)
        return -1;
    return 0;
}

int vc_drv_qemu(vc_probe_ctx *ctx, bool explicit, vc_caps *caps, vc_error *err)
{
    const vc_probe_opts *opts = ctx->opts;
    int host = ctx->arch_index;
    qemu_probe p = {.opts = opts, .cache = ctx->cache, .caps = caps};
    if (find_emulators(&p, host, err) < 0)
        return -1;
    if (p.nemus == 0) {
        if (!explicit)
            return 0;
        if (vc_caps_warn(caps, "qemu: no qemu-system-* emulator in %s",
                         opts && opts->qemu_dirs ? "qemu_dirs" : "PATH") < 0)
            return vc_oom(err);
        return add_host_parts(opts, caps, err);
    }
    if (ask_emulators(&p, err) < 0)
        return -1;
    bool kvm_checked = false, kvm = false;
    for (size_t g = 0; g < vc_arch_count(); g++) {
        if (p.guest_emu[g] < 0)
            continue;
        emulator *em = &p.emus[p.guest_emu[g]];
        if (!em->ok)
            continue;
        if (em->info.major >= 0 && (em->info.major < 4 || (em->info.major == 4 && em->info.minor < 2))) {
            if (vc_caps_warn(caps, "qemu: %s is QEMU %d.%d.%d; the reference needs 4.2.0 or later", em->path,
                             em->info.major, em->info.minor, em->info.micro) < 0)
                return vc_oom(err);
            em->ok = false;
            continue;
        }
        bool native = vc_arch_native(host, (int)g) && em->info.kvm;
        if (native && !kvm_checked) {
            if (kvm_usable(opts, caps, &kvm) < 0)
                return vc_oom(err);
            kvm_checked = true;
        }
        if (!em->info.tcg && !(native && kvm)) {
            if (vc_caps_warn(caps, "qemu: %s offers neither TCG nor a usable KVM for %s", em->path,
                             vc_arch_at(g)->name) < 0)
                return vc_oom(err);
            continue;
        }
        if (add_guest(&p, (int)g, em, native && kvm, err) < 0)
            return -1;
    }
    return add_host_parts(opts, caps, err);
}

int vc_qemu_default_emulator(const vc_probe_opts *opts, int host, int guest, char **out, vc_error *err)
{
    qemu_probe p;
    memset(&p, 0, sizeof p);
    p.opts = opts;
    *out = NULL;
    /* the caps only lend their arena and warnings to the search */
    if (!(p.caps = vc_caps_new()))
        return vc_oom(err);
    int rc = search_dirs(&p, err);
    if (rc == 0) {
        char *file = NULL;
        *out = emulator_for(&p, host, guest, &file);
        free(file);
        rc = *out ? 0 : 1;
    }
    vc_caps_free(p.caps);
    return rc;
}
