/* The host CPU: /proc/cpuinfo for every architecture the reference reads
 * it for (clock, signature, microcode, address size, x86 vendor and
 * features), the virsh nodeinfo numbers, the TSC counter, page sizes. */
#include "base/arch.h"
#include "base/hostfs.h"
#include "base/idset.h"
#include "base/options.h"
#include "host/cachedir.h"
#include "host/context.h"
#include "host/host.h"
#include "model/model.h"
#include "base/syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- /proc/cpuinfo as the reference reads it ---- */

/* fgets(line, 1024, f): pieces of at most 1023 bytes, ending at a newline. */
typedef struct chunker {
    const char *p, *end;
    char line[1024];
} chunker;

static bool next_chunk(chunker *c)
{
    if (c->p >= c->end)
        return false;
    size_t n = 0;
    while (c->p < c->end && n < sizeof c->line - 1) {
        char ch = *c->p++;
        c->line[n++] = ch;
        if (ch == '\n')
            break;
    }
    c->line[n] = '\0';
    return true;
}

static bool ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* virStrToLong_ui: strtoul, where "-N" wraps within 32 bits. */
static int str_to_ui(const char *s, char **end, int base, unsigned *out)
{
    errno = 0;
    char *p;
    unsigned long v = strtoul(s, &p, base);
    bool bad = errno != 0 || p == s;
    if (memchr(s, '-', (size_t)(p - s))) {
        if (-v > UINT_MAX)
            bad = true;
        else
            v &= 0xffffffffUL;
    }
    bad |= (unsigned)v != v;
    if (end)
        *end = p;
    if (bad)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static const char *mhz_prefix(const char *arch)
{
    if (vc_arch_is_x86(arch))
        return "cpu MHz";
    if (vc_arch_is_ppc(arch))
        return "clock";
    if (vc_arch_is_s390(arch))
        return "cpu MHz dynamic";
    if (vc_arch_is_loongarch(arch))
        return "CPU MHz";
    return NULL;
}

int vc_cpuinfo_mhz(const char *text, size_t len, const char *arch, unsigned *mhz)
{
    *mhz = 0;
    const char *prefix = mhz_prefix(arch);
    if (vc_arch_is_arm(arch) || !prefix)
        return 0;
    size_t plen = strlen(prefix);
    chunker c = {.p = text, .end = text + len};
    while (next_chunk(&c)) {
        /* Every matching line counts: the last one wins. */
        const char *s = c.line;
        if (strncmp(s, prefix, plen) != 0)
            continue;
        s += plen;
        while (ascii_space(*s))
            s++;
        if (*s == '\0')
            return -1;
        if (*s != ':')
            continue;
        s++;
        while (ascii_space(*s))
            s++;
        if (*s == '\0')
            return -1;
        char *p;
        unsigned v;
        if (str_to_ui(s, &p, 10, &v) < 0 || (*p != '.' && *p != '\0' && !ascii_space(*p)))
            return -1;
        *mhz = v;
    }
    return 0;
}

/* g_strsplit(line, ": ", 2) and g_strstrip on both halves. */
static bool split_key(char *line, char **key, char **value)
{
    char *sep = strstr(line, ": ");
    if (!sep)
        return false;
    *sep = '\0';
    char *k = line, *v = sep + 2;
    while (ascii_space(*k))
        k++;
    for (char *e = k + strlen(k); e > k && ascii_space(e[-1]);)
        *--e = '\0';
    while (ascii_space(*v))
        v++;
    for (char *e = v + strlen(v); e > v && ascii_space(e[-1]);)
        *--e = '\0';
    *key = k;
    *value = v;
    return true;
}

/* The keys each architecture's signature is made of, the first value of each. */
static const struct {
    bool (*is)(const char *arch);
    const char *keys[5];
} signature_keys[] = {
    {vc_arch_is_x86, {"vendor_id", "model name", "cpu family", "model", "stepping"}},
    {vc_arch_is_ppc64, {"cpu", "revision"}},
    {vc_arch_is_s390, {"vendor_id", "processor 0", "facilities"}},
};

int vc_cpuinfo_signature(vc_arena *a, const char *text, size_t len, const char *arch, char **out)
{
    *out = NULL;
    size_t kind = 0, nkinds = sizeof signature_keys / sizeof signature_keys[0];
    while (kind < nkinds && !signature_keys[kind].is(arch))
        kind++;
    if (kind == nkinds)
        return 0;
    const char *const *keys = signature_keys[kind].keys;
    char *v[5] = {NULL};
    size_t nkeys = 0, found = 0;
    while (nkeys < 5 && keys[nkeys])
        nkeys++;
    chunker c = {.p = text, .end = text + len};
    while (found < nkeys && next_chunk(&c)) {
        char *key, *value;
        if (!split_key(c.line, &key, &value))
            continue;
        for (size_t i = 0; i < nkeys; i++) {
            if (v[i] || strcmp(key, keys[i]) != 0)
                continue;
            if (!(v[i] = vc_strdup(a, value)))
                return -1;
            found++;
        }
    }
    if (found < nkeys)
        return 0;
    if (kind == 0)
        *out = vc_sprintf(a, "%s, %s, family: %s, model: %s, stepping: %s", v[0], v[1], v[2], v[3], v[4]);
    else if (kind == 1)
        *out = vc_sprintf(a, "%s, rev %s", v[0], v[1]);
    else
        *out = vc_sprintf(a, "%s, %s, facilities: %s", v[0], v[1], v[2]);
    return *out ? 0 : -1;
}

unsigned vc_cpuinfo_microcode(const char *text, size_t len)
{
    /* The reference looks at the first 4096 bytes only. */
    char head[4097];
    size_t n = len < 4096 ? len : 4096;
    memcpy(head, text, n);
    head[n] = '\0';
    char *cur = strstr(head, "microcode");
    if (!cur || !(cur = strchr(cur, ':')))
        return 0;
    unsigned v;
    if (str_to_ui(cur + 1, &cur, 0, &v) < 0)
        return 0;
    return v;
}

int vc_cpuinfo_physaddr(const char *text, size_t len, unsigned *bits)
{
    static const char key[] = "address sizes";
    chunker c = {.p = text, .end = text + len};
    while (next_chunk(&c)) {
        if (strncasecmp(c.line, key, sizeof key - 1) != 0)
            continue;
        char *s = strchr(c.line + sizeof key - 1, ':');
        char *end;
        if (!s || str_to_ui(s + 1, &end, 10, bits) < 0)
            return -1;
        return 0;
    }
    return -1;
}

/* ---- x86: vendor, signature and features under the reference's names ---- */

enum { ANY, INTEL, AMD };

/* Linux's flag names for the features the reference knows, in the order
 * of its cpu_map (x86_features.xml), which is the order it lists them in.
 * Linux folds some vendor bits into one flag: those depend on the vendor. */
static const struct {
    const char *flag, *name;
    int vendor;
} x86_features[] = {
    /* CPUID 1 EDX */
    {"fpu", "fpu", ANY}, {"vme", "vme", ANY}, {"de", "de", ANY}, {"pse", "pse", ANY},
    {"tsc", "tsc", ANY}, {"msr", "msr", ANY}, {"pae", "pae", ANY}, {"mce", "mce", ANY},
    {"cx8", "cx8", ANY}, {"apic", "apic", ANY}, {"sep", "sep", ANY}, {"mtrr", "mtrr", ANY},
    {"pge", "pge", ANY}, {"mca", "mca", ANY}, {"cmov", "cmov", ANY}, {"pat", "pat", ANY},
    {"pse36", "pse36", ANY}, {"pn", "pn", ANY}, {"clflush", "clflush", ANY}, {"dts", "ds", ANY},
    {"acpi", "acpi", ANY}, {"mmx", "mmx", ANY}, {"fxsr", "fxsr", ANY}, {"sse", "sse", ANY},
    {"sse2", "sse2", ANY}, {"ss", "ss", ANY}, {"ht", "ht", ANY}, {"tm", "tm", ANY},
    {"ia64", "ia64", ANY}, {"pbe", "pbe", ANY},
    /* CPUID 1 ECX */
    {"pni", "pni", ANY}, {"pclmulqdq", "pclmuldq", ANY}, {"dtes64", "dtes64", ANY},
    {"monitor", "monitor", ANY}, {"ds_cpl", "ds_cpl", ANY}, {"vmx", "vmx", ANY}, {"smx", "smx", ANY},
    {"est", "est", ANY}, {"tm2", "tm2", ANY}, {"ssse3", "ssse3", ANY}, {"cid", "cid", ANY},
    {"fma", "fma", ANY}, {"cx16", "cx16", ANY}, {"xtpr", "xtpr", ANY}, {"pdcm", "pdcm", ANY},
    {"pcid", "pcid", ANY}, {"dca", "dca", ANY}, {"sse4_1", "sse4.1", ANY}, {"sse4_2", "sse4.2", ANY},
    {"x2apic", "x2apic", ANY}, {"movbe", "movbe", ANY}, {"popcnt", "popcnt", ANY},
    {"tsc_deadline_timer", "tsc-deadline", ANY}, {"aes", "aes", ANY}, {"xsave", "xsave", ANY},
    {"osxsave", "osxsave", ANY}, {"avx", "avx", ANY}, {"f16c", "f16c", ANY}, {"rdrand", "rdrand", ANY},
    {"hypervisor", "hypervisor", ANY},
    /* CPUID 6 EAX */
    {"arat", "arat", ANY},
    /* CPUID 7.0 EBX */
    {"fsgsbase", "fsgsbase", ANY}, {"tsc_adjust", "tsc_adjust", ANY}, {"sgx", "sgx", ANY},
    {"bmi1", "bmi1", ANY}, {"hle", "hle", ANY}, {"avx2", "avx2", ANY}, {"smep", "smep", ANY},
    {"bmi2", "bmi2", ANY}, {"erms", "erms", ANY}, {"invpcid", "invpcid", ANY}, {"rtm", "rtm", ANY},
    {"cqm", "cmt", ANY}, {"mpx", "mpx", ANY}, {"avx512f", "avx512f", ANY}, {"avx512dq", "avx512dq", ANY},
    {"rdseed", "rdseed", ANY}, {"adx", "adx", ANY}, {"smap", "smap", ANY},
    {"avx512ifma", "avx512ifma", ANY}, {"pcommit", "pcommit", ANY}, {"clflushopt", "clflushopt", ANY},
    {"clwb", "clwb", ANY}, {"intel_pt", "intel-pt", ANY}, {"avx512pf", "avx512pf", ANY},
    {"avx512er", "avx512er", ANY}, {"avx512cd", "avx512cd", ANY}, {"sha_ni", "sha-ni", ANY},
    {"avx512bw", "avx512bw", ANY}, {"avx512vl", "avx512vl", ANY},
    /* CPUID 7.0 ECX */
    {"avx512vbmi", "avx512vbmi", ANY}, {"umip", "umip", ANY}, {"pku", "pku", ANY},
    {"ospke", "ospke", ANY}, {"waitpkg", "waitpkg", ANY}, {"avx512_vbmi2", "avx512vbmi2", ANY},
    {"gfni", "gfni", ANY}, {"vaes", "vaes", ANY}, {"vpclmulqdq", "vpclmulqdq", ANY},
    {"avx512_vnni", "avx512vnni", ANY}, {"avx512_bitalg", "avx512bitalg", ANY},
    {"avx512_vpopcntdq", "avx512-vpopcntdq", ANY}, {"la57", "la57", ANY}, {"rdpid", "rdpid", ANY},
    {"bus_lock_detect", "bus-lock-detect", ANY}, {"cldemote", "cldemote", ANY},
    {"movdiri", "movdiri", ANY}, {"movdir64b", "movdir64b", ANY}, {"sgx_lc", "sgxlc", ANY},
    {"pks", "pks", ANY},
    /* CPUID 7.0 EDX */
    {"avx512_4vnniw", "avx512-4vnniw", ANY}, {"avx512_4fmaps", "avx512-4fmaps", ANY},
    {"fsrm", "fsrm", ANY}, {"avx512_vp2intersect", "avx512-vp2intersect", ANY},
    {"md_clear", "md-clear", ANY}, {"serialize", "serialize", ANY}, {"tsxldtrk", "tsx-ldtrk", ANY},
    {"pconfig", "pconfig", ANY}, {"arch_lbr", "arch-lbr", ANY}, {"amx_bf16", "amx-bf16", ANY},
    {"avx512_fp16", "avx512-fp16", ANY}, {"amx_tile", "amx-tile", ANY}, {"amx_int8", "amx-int8", ANY},
    {"ibrs", "spec-ctrl", INTEL}, {"ibpb", "spec-ctrl", INTEL}, {"stibp", "stibp", INTEL},
    {"arch_capabilities", "arch-capabilities", ANY}, {"ssbd", "ssbd", INTEL},
    /* CPUID 7.1 EAX */
    {"avx_vnni", "avx-vnni", ANY}, {"avx512_bf16", "avx512-bf16", ANY},
    /* CPUID 0xD.1 EAX */
    {"xsaveopt", "xsaveopt", ANY}, {"xsavec", "xsavec", ANY}, {"xgetbv1", "xgetbv1", ANY},
    {"xsaves", "xsaves", ANY},
    /* CPUID 0xF.1 EDX */
    {"cqm_mbm_total", "mbm_total", ANY}, {"cqm_mbm_local", "mbm_local", ANY},
    /* CPUID 0x80000001 EDX */
    {"syscall", "syscall", ANY}, {"nx", "nx", ANY}, {"mmxext", "mmxext", ANY},
    {"fxsr_opt", "fxsr_opt", ANY}, {"pdpe1gb", "pdpe1gb", ANY}, {"rdtscp", "rdtscp", ANY},
    {"lm", "lm", ANY}, {"3dnowext", "3dnowext", ANY}, {"3dnow", "3dnow", ANY},
    /* CPUID 0x80000001 ECX */
    {"lahf_lm", "lahf_lm", ANY}, {"cmp_legacy", "cmp_legacy", ANY}, {"svm", "svm", ANY},
    {"extapic", "extapic", ANY}, {"cr8_legacy", "cr8legacy", ANY}, {"abm", "abm", ANY},
    {"sse4a", "sse4a", ANY}, {"misalignsse", "misalignsse", ANY}, {"3dnowprefetch", "3dnowprefetch", ANY},
    {"osvw", "osvw", ANY}, {"ibs", "ibs", ANY}, {"xop", "xop", ANY}, {"skinit", "skinit", ANY},
    {"wdt", "wdt", ANY}, {"lwp", "lwp", ANY}, {"fma4", "fma4", ANY}, {"tce", "tce", ANY},
    {"nodeid_msr", "nodeid_msr", ANY}, {"tbm", "tbm", ANY}, {"topoext", "topoext", ANY},
    {"perfctr_core", "perfctr_core", ANY}, {"perfctr_nb", "perfctr_nb", ANY},
    /* CPUID 0x80000007 EDX */
    {"nonstop_tsc", "invtsc", ANY},
    /* CPUID 0x80000008 EBX */
    {"clzero", "clzero", ANY}, {"xsaveerptr", "xsaveerptr", ANY}, {"wbnoinvd", "wbnoinvd", ANY},
    {"ibpb", "ibpb", AMD}, {"ibrs", "ibrs", AMD}, {"stibp", "amd-stibp", AMD}, {"ssbd", "amd-ssbd", AMD},
    {"virt_ssbd", "virt-ssbd", ANY},
    /* CPUID 0x8000000A EDX */
    {"npt", "npt", ANY}, {"lbrv", "lbrv", ANY}, {"svm_lock", "svm-lock", ANY},
    {"nrip_save", "nrip-save", ANY}, {"tsc_scale", "tsc-scale", ANY}, {"vmcb_clean", "vmcb-clean", ANY},
    {"flushbyasid", "flushbyasid", ANY}, {"decodeassists", "decodeassists", ANY},
    {"pausefilter", "pause-filter", ANY}, {"pfthreshold", "pfthreshold", ANY}, {"avic", "avic", ANY},
    {"v_vmsave_vmload", "v-vmsave-vmload", ANY}, {"vgif", "vgif", ANY},
    /* MSR 0xCF (core capabilities) */
    {"split_lock_detect", "split-lock-detect", ANY},
};

static const struct {
    const char *id, *name;
} x86_vendors[] = {
    {"GenuineIntel", "Intel"},
    {"AuthenticAMD", "AMD"},
    {"HygonGenuine", "Hygon"},
};

/* Flags considered per line; real CPUs have a few hundred. */
#define MAX_FLAGS 4096

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first "KEY : VALUE" line of each key, whole lines (not 1023-byte pieces). */
static bool line_key(const char *p, const char *le, const char *key, const char **v, const char **ve)
{
    size_t klen = strlen(key);
    if ((size_t)(le - p) < klen || strncmp(p, key, klen) != 0)
        return false;
    const char *q = p + klen;
    while (q < le && (*q == ' ' || *q == '\t'))
        q++;
    if (q == le || *q != ':')
        return false;
    q++;
    while (q < le && ascii_space(*q))
        q++;
    const char *e = le;
    while (e > q && ascii_space(e[-1]))
        e--;
    *v = q;
    *ve = e;
    return true;
}

static bool small_int(const char *v, const char *ve, int64_t *out)
{
    uint64_t x;
    if (vc_parse_uint(v, (size_t)(ve - v), UINT32_MAX, &x) < 0)
        return false;
    *out = (int64_t)x;
    return true;
}

int vc_cpuinfo_x86(vc_arena *a, const char *text, size_t len, vc_x86_info *out)
{
    memset(out, 0, sizeof *out);
    const char *p = text, *end = text + len, *flags = NULL, *flags_end = NULL;
    bool got_vendor = false, got_family = false, got_model = false, got_stepping = false;
    int64_t family = -1, model = -1, stepping = -1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *v, *ve;
        if (!got_vendor && line_key(p, le, "vendor_id", &v, &ve)) {
            got_vendor = true;
            for (size_t i = 0; i < sizeof x86_vendors / sizeof x86_vendors[0]; i++)
                if ((size_t)(ve - v) == strlen(x86_vendors[i].id) && strncmp(v, x86_vendors[i].id, (size_t)(ve - v)) == 0)
                    out->vendor = x86_vendors[i].name;
        } else if (!got_family && line_key(p, le, "cpu family", &v, &ve)) {
            got_family = small_int(v, ve, &family);
        } else if (!got_model && line_key(p, le, "model", &v, &ve)) {
            got_model = small_int(v, ve, &model);
        } else if (!got_stepping && line_key(p, le, "stepping", &v, &ve)) {
            got_stepping = small_int(v, ve, &stepping);
        } else if (!flags && line_key(p, le, "flags", &v, &ve)) {
            flags = v;
            flags_end = ve;
        }
        if (got_vendor && got_family && got_model && got_stepping && flags)
            break;
        p = nl ? nl + 1 : end;
    }
    if (got_family && got_model && got_stepping) {
        out->has_signature = true;
        out->family = family;
        out->model = model;
        out->stepping = stepping;
    }
    if (!flags)
        return 0;
    /* The flags, sorted, to look the table's names up. */
    const char **words = vc_alloc(a, MAX_FLAGS * sizeof *words);
    if (!words)
        return -1;
    size_t nwords = 0;
    for (const char *q = flags; q < flags_end && nwords < MAX_FLAGS;) {
        while (q < flags_end && ascii_space(*q))
            q++;
        const char *w = q;
        while (q < flags_end && !ascii_space(*q))
            q++;
        if (q > w && !(words[nwords++] = vc_strndup(a, w, (size_t)(q - w))))
            return -1;
    }
    qsort(words, nwords, sizeof *words, cmp_str);
    size_t n = sizeof x86_features / sizeof x86_features[0];
    if (!(out->features = vc_alloc(a, n * sizeof *out->features)))
        return -1;
    bool amd = out->vendor && (strcmp(out->vendor, "AMD") == 0 || strcmp(out->vendor, "Hygon") == 0);
    bool intel = out->vendor && strcmp(out->vendor, "Intel") == 0;
    for (size_t i = 0; i < n; i++) {
        int vd = x86_features[i].vendor;
        if ((vd == INTEL && !intel) || (vd == AMD && !amd))
            continue;
        if (!bsearch(&x86_features[i].flag, words, nwords, sizeof *words, cmp_str))
            continue;
        const char *name = x86_features[i].name;
        if (out->nfeatures && strcmp(out->features[out->nfeatures - 1], name) == 0)
            continue;
        out->features[out->nfeatures++] = name;
        if (strcmp(name, "invtsc") == 0)
            out->invtsc = true;
    }
    return 0;
}

/* ---- reading it from the host ---- */

int vc_host_cpuinfo(vc_hostctx *h)
{
    if (h->cpuinfo_seen)
        return h->cpuinfo ? 0 : -1;
    h->cpuinfo_seen = true;
    char mapped[PATH_MAX];
    if (vc_hpath(h, mapped, "/proc/cpuinfo") < 0)
        return -1;
    if (vc_probe_cpuinfo(h->ctx) < 0) {
        snprintf(h->why, sizeof h->why, "%s", strerror(-h->ctx->cpuinfo_rc));
        return -1;
    }
    h->cpuinfo = h->ctx->cpuinfo;
    h->cpuinfo_len = h->ctx->cpuinfo_len;
    if (h->ctx->cpuinfo_truncated)
        vc_hwarn(h, "/proc/cpuinfo: longer than %zu bytes; the rest was not read", VC_CPUINFO_MAX);
    return 0;
}

int64_t vc_host_meminfo_total(vc_hostctx *h)
{
    char mapped[PATH_MAX], *text;
    size_t len;
    uint64_t kib;
    if (vc_hpath(h, mapped, "/proc/meminfo") < 0)
        return VC_UNSET;
    if (vc_file_read(mapped, VC_LIST_MAX, &text, &len, NULL) < 0)
        return VC_UNSET;
    int rc = vc_meminfo_kib(text, len, "MemTotal", &kib);
    free(text);
    return rc < 0 || kib > (uint64_t)INT64_MAX ? VC_UNSET : (int64_t)kib;
}

/* The memory nodeinfo reports: the sum of the NUMA nodes' MemTotal, as the
 * reference's virHostMemGetInfo adds them up (on hosts whose memory is
 * hot-plugged that is not /proc/meminfo's MemTotal); /proc/meminfo when
 * there are no node directories or one cannot be read. */
static int64_t node_memory_total(vc_hostctx *h)
{
    DIR *d;
    if (vc_hopendir(h, &d, "/sys/devices/system/node") <= 0)
        return vc_host_meminfo_total(h);
    uint64_t sum = 0;
    size_t nodes = 0;
    bool ok = true;
    const char *name;
    while (ok && (name = vc_hreaddir(d)) != NULL) {
        const char *rest;
        int64_t node = vc_name_number(name, "node", &rest);
        if (node < 0 || *rest)
            continue;
        char *text;
        uint64_t kib;
        ok = vc_hread_text(h, VC_LIST_MAX, &text, "/sys/devices/system/node/%s/meminfo", name) == 0 &&
             vc_meminfo_kib(text, strlen(text), "MemTotal", &kib) == 0 && kib <= (uint64_t)INT64_MAX - sum;
        if (ok) {
            sum += kib;
            nodes++;
        }
    }
    closedir(d);
    return ok && nodes ? (int64_t)sum : vc_host_meminfo_total(h);
}

/* KVM's SMT mode on POWER (threads per subcore), as the reference asks it. */
static int threads_per_subcore(vc_hostctx *h, vc_error *err)
{
    if (!vc_arch_is_ppc64(h->arch))
        return 0;
    if (h->opts && h->opts->threads_per_subcore_given)
        return h->opts->threads_per_subcore;
    char mapped[PATH_MAX];
    if (vc_hpath(h, mapped, "/dev/kvm") < 0 || access(mapped, F_OK) < 0)
        return 0;
    int fd = vc_sys_open(mapped, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        return vc_fail(err, VC_EIO, "Failed to open '/dev/kvm': %s", strerror(errno));
    }
    int n = vc_sys_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_PPC_SMT);
    close(fd);
    return n < 0 ? 0 : n;
}

typedef struct pair {
    int64_t socket, core;
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->socket != y->socket)
        return (x->socket > y->socket) - (x->socket < y->socket);
    return (x->core > y->core) - (x->core < y->core);
}

typedef struct node_count {
    int64_t processors, sockets, cores, threads;
} node_count;

static int topo_fail(vc_error *err, const vc_cpu_topo *t)
{
    return vc_fail(err, VC_EIO, "%s", t->why ? t->why : "unreadable CPU topology");
}

/* virHostCPUParseNode: the CPUs named in one directory (a node, or cpu/). */
static int parse_node(vc_hostctx *h, const char *dir, const vc_idset *present, const vc_idset *online, int tps,
                      node_count *out, int64_t *offline, vc_error *err)
{
    memset(out, 0, sizeof *out);
    DIR *d;
    int rc = vc_hopendir(h, &d, "%s", dir);
    if (rc <= 0)
        return vc_fail(err, VC_EIO, "cannot open directory '%s': %s", dir,
                       rc == 0 ? "No such file or directory" : h->why);
    int64_t *ids = NULL, *sockets = NULL;
    size_t nids = 0, nsockets = 0;
    const char *name;
    while ((name = vc_hreaddir(d)) != NULL) {
        int64_t cpu = vc_name_number(name, "cpu", NULL);
        if (cpu < 0 || !vc_idset_has(present, cpu))
            continue;
        int64_t *slot = VC_PUSH(h->scratch, ids, nids);
        if (!slot)
            goto oom;
        *slot = cpu;
        if (!vc_idset_has(online, cpu))
            continue;
        const vc_cpu_topo *t = vc_host_topo(h, cpu);
        if (!t)
            goto oom;
        if (t->socket < 0) {
            closedir(d);
            return topo_fail(err, t);
        }
        if (!(slot = VC_PUSH(h->scratch, sockets, nsockets)))
            goto oom;
        *slot = t->socket;
    }
    closedir(d);
    d = NULL;
    if (nids > 1)
        qsort(ids, nids, sizeof *ids, vc_cmp_i64);
    pair *pairs = nids ? vc_alloc(h->scratch, nids * sizeof *pairs) : NULL;
    if (nids && !pairs)
        goto oom;
    size_t npairs = 0;
    for (size_t i = 0; i < nids; i++) {
        int64_t cpu = ids[i];
        if (i && ids[i - 1] == cpu)
            continue;
        if (!vc_idset_has(online, cpu)) {
            /* With subcores, secondary threads are offline but count as
             * online when their primary thread is online. */
            if (tps > 0 && cpu % tps != 0 && vc_idset_has(online, cpu - cpu % tps))
                out->processors++;
            else
                (*offline)++;
            continue;
        }
        out->processors++;
        const vc_cpu_topo *t = vc_host_topo(h, cpu);
        if (!t)
            goto oom;
        int64_t core = vc_arch_is_s390(h->arch) ? cpu : t->core;
        if (core < 0)
            return topo_fail(err, t);
        pairs[npairs].socket = t->socket;
        pairs[npairs].core = core;
        npairs++;
        if (t->nsiblings == 0)
            return topo_fail(err, t);
        if (t->nsiblings > out->threads)
            out->threads = t->nsiblings;
    }
    vc_idset socks;
    if (vc_idset_from_ids(h->scratch, sockets, nsockets, &socks) < 0)
        goto oom;
    out->sockets = socks.count;
    if (npairs > 1)
        qsort(pairs, npairs, sizeof *pairs, cmp_pair);
    for (size_t i = 0; i < npairs;) {
        size_t j = i;
        int64_t cores = 0;
        while (j < npairs && pairs[j].socket == pairs[i].socket) {
            if (j == i || pairs[j].core != pairs[j - 1].core)
                cores++;
            j++;
        }
        if (cores > out->cores)
            out->cores = cores;
        i = j;
    }
    if (tps > 0)
        out->threads *= tps;
    return 0;
oom:
    if (d)
        closedir(d);
    return vc_oom(err);
}

int vc_host_nodeinfo(vc_hostctx *h, vc_nodeinfo *ni, vc_error *err)
{
    memset(ni, 0, sizeof *ni);
    ni->memory = VC_UNSET;
    if (vc_host_cpuinfo(h) < 0)
        return vc_fail(err, VC_EIO, "cannot read /proc/cpuinfo: %s", h->why);
    unsigned mhz = 0;
    if (vc_cpuinfo_mhz(h->cpuinfo, h->cpuinfo_len, h->arch, &mhz) < 0)
        vc_hwarn(h, "/proc/cpuinfo: missing or invalid CPU frequency");
    ni->mhz = mhz;
    const vc_idset *present, *online;
    if (vc_host_cpu_list(h, false, &present) < 0 || vc_host_cpu_list(h, true, &online) < 0)
        return vc_fail(err, VC_EIO, "%s: %s", h->last, h->why);
    int64_t offline = 0, cpus = 0, nodes = 0, sockets = 0, cores = 0, threads = 0;
    int tps = 0;
    node_count c;
    DIR *d;
    /* An unreadable node directory is no NUMA information, as for the reference. */
    if (vc_hopendir(h, &d, "/sys/devices/system/node") > 0) {
        tps = threads_per_subcore(h, err);
        if (tps < 0) {
            closedir(d);
            return -1;
        }
        /* A secondary thread online means subcores are not in use. */
        for (size_t i = 0; tps > 0 && i < online->n; i++)
            for (int64_t cpu = online->ranges[i].first; tps > 0 && cpu <= online->ranges[i].last; cpu++)
                if (cpu % tps != 0)
                    tps = 0;
        const char *name;
        char dir[PATH_MAX];
        while ((name = vc_hreaddir(d)) != NULL) {
            if (vc_name_number(name, "node", NULL) < 0)
                continue;
            nodes++;
            snprintf(dir, sizeof dir, "/sys/devices/system/node/%s", name);
            if (parse_node(h, dir, present, online, tps, &c, &offline, err) < 0) {
                closedir(d);
                return -1;
            }
            cpus += c.processors;
            if (c.sockets > sockets)
                sockets = c.sockets;
            if (c.cores > cores)
                cores = c.cores;
            if (c.threads > threads)
                threads = c.threads;
        }
        closedir(d);
    }
    if (!(cpus && nodes)) {
        /* No NUMA information: every CPU is in one node. */
        if (parse_node(h, "/sys/devices/system/cpu", present, online, tps, &c, &offline, err) < 0)
            return -1;
        nodes = 1;
        cpus = c.processors;
        sockets = c.sockets;
        cores = c.cores;
        threads = c.threads;
    }
    if (cpus == 0)
        return vc_fail(err, VC_EINPUT, "no CPUs found");
    if (sockets == 0)
        return vc_fail(err, VC_EINPUT, "no sockets found");
    if (threads == 0)
        return vc_fail(err, VC_EINPUT, "no threads found");
    /* A topology that does not multiply out is reported flat, as the reference does. */
    if (nodes * sockets * cores * threads != cpus + offline) {
        nodes = 1;
        sockets = 1;
        cores = cpus + offline;
        threads = 1;
    }
    ni->cpus = cpus;
    ni->nodes = nodes;
    ni->sockets = sockets;
    ni->cores = cores;
    ni->threads = threads;
    ni->maxcpus = nodes * sockets * cores * threads;
    ni->memory = node_memory_total(h);
    return 0;
}

/* ---- the host <cpu> ---- */

/* The TSC frequency a new vCPU gets is the host's, fixed from the kvm
 * module's start to the end of the boot. Creating a VM to ask for it costs
 * more than the rest of the probe, so it is cached, keyed by what would
 * change it: the boot (/proc/sys/kernel/random/boot_id) and /dev/kvm's
 * node (device number, inode and ctime: loading the kvm module again makes
 * a new one). NULL when the boot is unknown: then nothing is cached. */
static json_object *tsc_key(vc_hostctx *h, const char *dev, int kvm)
{
    char *boot;
    struct stat st;
    if (vc_hread_text(h, VC_VALUE_MAX, &boot, "/proc/sys/kernel/random/boot_id") < 0 || !boot[0] ||
        fstat(kvm, &st) < 0)
        return NULL;
    json_object *k = json_object_new_object();
    if (!k)
        return NULL;
    json_object_object_add(k, "format", json_object_new_int(1));
    json_object_object_add(k, "boot_id", json_object_new_string(boot));
    json_object_object_add(k, "kvm", json_object_new_string(dev));
    json_object_object_add(k, "rdev", json_object_new_int64((int64_t)st.st_rdev));
    json_object_object_add(k, "inode", json_object_new_int64((int64_t)st.st_ino));
    json_object_object_add(k, "ctime", json_object_new_int64((int64_t)st.st_ctim.tv_sec));
    json_object_object_add(k, "ctime_ns", json_object_new_int64((int64_t)st.st_ctim.tv_nsec));
    return k;
}

#define TSC_ENTRY "host-tsc.json"

/* KVM_GET_TSC_KHZ of a fresh vCPU, from the cache or from KVM. */
static int tsc_khz(vc_hostctx *h, const char *dev, int kvm)
{
    vc_cachedir *cache = h->ctx->cache;
    json_object *key = tsc_key(h, dev, kvm), *doc = vc_cachedir_load(cache, TSC_ENTRY, key), *v;
    int khz = -1;
    if (doc && json_object_object_get_ex(doc, "khz", &v) && json_object_is_type(v, json_type_int) &&
        json_object_get_int64(v) > 0 && json_object_get_int64(v) <= INT_MAX) {
        khz = (int)json_object_get_int64(v);
    } else {
        int vm = vc_sys_ioctl(kvm, KVM_CREATE_VM, 0), vcpu = vm < 0 ? -1 : vc_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
        if (vcpu < 0) {
            snprintf(h->why, sizeof h->why, "cannot create a KVM vCPU: %s", strerror(errno));
            khz = -2;
        } else {
            khz = vc_sys_ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
        }
        if (vcpu >= 0)
            close(vcpu);
        if (vm >= 0)
            close(vm);
        if (khz > 0 && key) {
            json_object_object_add(key, "khz", json_object_new_int64(khz));
            vc_cachedir_store(cache, TSC_ENTRY, key); /* a cache that cannot be written is no error */
        }
    }
    json_object_put(doc);
    json_object_put(key);
    return khz;
}

/* The TSC frequency and scaling, as the reference asks KVM for them. */
static int kvm_tsc(vc_hostctx *h, int64_t *hz, int8_t *scaling)
{
    char mapped[PATH_MAX];
    if (vc_hpath(h, mapped, "/dev/kvm") < 0)
        return -1;
    int kvm = vc_sys_open(mapped, O_RDONLY | O_CLOEXEC, 0), rc = -1;
    if (kvm < 0) {
        snprintf(h->why, sizeof h->why, "/dev/kvm: %s", strerror(errno));
        return -1;
    }
    int khz = tsc_khz(h, mapped, kvm);
    if (khz == -2)
        goto out;
    int sc = vc_sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL);
    if (khz <= 0 || sc < 0) {
        snprintf(h->why, sizeof h->why, "KVM does not tell the TSC frequency");
        goto out;
    }
    *hz = (int64_t)khz * 1000;
    *scaling = sc ? 1 : 0;
    rc = 0;
out:
    close(kvm);
    return rc;
}

static int fill_x86(vc_hostctx *h, vc_cpu *cpu)
{
    vc_arena *a = h->caps->arena;
    const char *text = h->cpuinfo;
    size_t len = h->cpuinfo_len;
    vc_x86_info info;
    if (vc_cpuinfo_x86(h->scratch, text, len, &info) < 0)
        return -1;
    if (info.vendor && !(cpu->vendor = vc_strdup(a, info.vendor)))
        return -1;
    unsigned microcode = vc_cpuinfo_microcode(text, len);
    if (microcode)
        cpu->microcode = microcode;
    if (info.has_signature) {
        cpu->has_signature = true;
        cpu->sig_family = info.family;
        cpu->sig_model = info.model;
        cpu->sig_stepping = info.stepping;
    }
    if (info.invtsc) {
        int64_t hz;
        int8_t scaling;
        if (kvm_tsc(h, &hz, &scaling) == 0) {
            cpu->has_counter = true;
            if (!(cpu->counter_name = vc_strdup(a, "tsc")))
                return -1;
            cpu->counter_frequency = hz;
            cpu->counter_scaling = scaling;
        } else if (vc_hwarn(h, "no TSC counter: %s", h->why) < 0) {
            return -1;
        }
    }
    unsigned bits;
    if (vc_cpuinfo_physaddr(text, len, &bits) == 0) {
        cpu->has_maxphysaddr = true;
        cpu->addr_bits = bits;
        if (!(cpu->addr_mode = vc_strdup(a, "emulate")))
            return -1;
    } else if (vc_hwarn(h, "/proc/cpuinfo: missing or invalid address sizes; no maxphysaddr") < 0) {
        return -1;
    }
    if (info.nfeatures && !(cpu->features = vc_array(a, info.nfeatures, sizeof *cpu->features)))
        return -1;
    for (size_t i = 0; i < info.nfeatures; i++)
        if (!(cpu->features[i].name = vc_strdup(a, info.features[i])))
            return -1;
    cpu->nfeatures = info.nfeatures;
    return 0;
}

static int cmp_page(const void *a, const void *b)
{
    int64_t x = ((const vc_pagesize *)a)->size, y = ((const vc_pagesize *)b)->size;
    return (x > y) - (x < y);
}

/* The page sizes: the system's and each huge page size the kernel offers. */
static int fill_pages(vc_hostctx *h, vc_cpu *cpu)
{
    vc_arena *a = h->caps->arena;
    long sys = sysconf(_SC_PAGESIZE);
    vc_pagesize *p = VC_PUSH(a, cpu->pages, cpu->npages);
    if (!p || !(p->unit = vc_strdup(a, "KiB")))
        return -1;
    p->size = sys > 0 ? sys / 1024 : 4;
    DIR *d;
    int rc = vc_hopendir(h, &d, "/sys/kernel/mm/hugepages");
    if (rc < 0)
        return vc_hwarn(h, "%s: %s; no huge page sizes", h->last, h->why);
    if (rc == 0)
        return 0;
    const char *name;
    while ((name = vc_hreaddir(d)) != NULL) {
        uint64_t kib;
        if (strncmp(name, "hugepages-", 10) != 0)
            continue;
        if (vc_hugepage_kib(name, &kib) < 0) {
            if (vc_hwarn(h, "/sys/kernel/mm/hugepages/%s: not a page size", name) < 0)
                goto oom;
            continue;
        }
        if (!(p = VC_PUSH(a, cpu->pages, cpu->npages)) || !(p->unit = vc_strdup(a, "KiB")))
            goto oom;
        p->size = (int64_t)kib;
    }
    closedir(d);
    qsort(cpu->pages, cpu->npages, sizeof *cpu->pages, cmp_page);
    return 0;
oom:
    closedir(d);
    return -1;
}

int vc_host_cpu(vc_hostctx *h, vc_cpu *cpu)
{
    vc_arena *a = h->caps->arena;
    if (!(cpu->arch = vc_strdup(a, h->arch)))
        return -1;
    if (vc_arch_has_cpu_driver(h->arch)) {
        vc_nodeinfo ni;
        vc_error err;
        if (vc_host_nodeinfo(h, &ni, &err) == 0) {
            cpu->has_topology = true;
            cpu->sockets = ni.sockets;
            cpu->dies = 1;
            if (h->opts && h->opts->clusters)
                cpu->clusters = 1;
            cpu->cores = ni.cores;
            cpu->threads = ni.threads;
        } else if (err.code == VC_ENOMEM || vc_hwarn(h, "no host CPU topology: %s", err.msg) < 0) {
            return -1;
        }
        if (vc_arch_is_x86(h->arch)) {
            if (vc_host_cpuinfo(h) == 0) {
                if (fill_x86(h, cpu) < 0)
                    return -1;
            } else if (vc_hwarn(h, "/proc/cpuinfo: %s; no CPU vendor, signature or features", h->why) < 0) {
                return -1;
            }
        }
    }
    return fill_pages(h, cpu);
}

/* ---- public: nodeinfo and signature ---- */

int vc_probe_nodeinfo(const vc_probe_opts *opts, vc_node_summary *out, vc_error *err)
{
    vc_probe_ctx ctx;
    vc_hostctx h = {0};
    int rc = -1;
    if (vc_probe_ctx_init(&ctx, opts, false, err) == 0 && vc_hostctx_init(&h, &ctx, NULL, err) == 0)
        rc = vc_host_nodeinfo(&h, out, err);
    vc_hostctx_free(&h);
    vc_probe_ctx_free(&ctx);
    return rc;
}

int vc_probe_signature(const vc_probe_opts *opts, vc_arena *a, char **signature, vc_error *err)
{
    vc_probe_ctx ctx;
    vc_hostctx h = {0};
    int rc = -1;
    *signature = NULL;
    if (vc_probe_ctx_init(&ctx, opts, false, err) == 0 && vc_hostctx_init(&h, &ctx, NULL, err) == 0) {
        if (vc_host_cpuinfo(&h) < 0) {
            vc_fail(err, VC_EIO, "cannot read /proc/cpuinfo: %s", h.why);
        } else if (vc_cpuinfo_signature(a, h.cpuinfo, h.cpuinfo_len, h.arch, signature) < 0) {
            vc_oom(err);
        } else {
            rc = 0;
        }
    }
    vc_hostctx_free(&h);
    vc_probe_ctx_free(&ctx);
    return rc;
}
