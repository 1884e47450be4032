/* This machine's raw x86 CPU data: every CPUID leaf and sub-leaf the
 * reference reads (libvirt's cpuidSet, basic and extended ranges, with the
 * sub-leaf rules of leaves 4, 7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14 and 0x17),
 * and MSRs through /dev/cpu/0/msr or KVM's feature MSRs. */
#include "cpu/cpu.h"
#include "base/syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <linux/kvm.h>

typedef struct collect {
    vc_arena *a;
    vc_cpudata *d;
    size_t cap;
    bool full;
} collect;

/* ebx and edx are cleared first: some leaves read them as arguments. */
static void cpuid_call(vc_cpuid *c)
{
    uint32_t a = c->eax_in, b = 0, cc = c->ecx_in, d = 0;
#if defined(__x86_64__)
    __asm__ volatile("cpuid" : "+a"(a), "+b"(b), "+c"(cc), "+d"(d));
#else
    /* ebx holds the GOT pointer in 32-bit PIC code */
    __asm__ volatile("xchg %%ebx, %1\n\tcpuid\n\txchg %%ebx, %1" : "+a"(a), "+r"(b), "+c"(cc), "+d"(d));
#endif
    c->eax = a;
    c->ebx = b;
    c->ecx = cc;
    c->edx = d;
}

static void add(collect *k, const vc_cpuid *c)
{
    if (k->full)
        return;
    if (k->d->ncpuid == VC_CPUDATA_MAX_ITEMS) {
        k->full = true;
        return;
    }
    if (k->d->ncpuid == k->cap) {
        size_t ncap = k->cap ? k->cap * 2 : 128;
        vc_cpuid *fresh = vc_alloc(k->a, ncap * sizeof *fresh);
        if (!fresh) {
            k->full = true;
            return;
        }
        if (k->d->ncpuid)
            memcpy(fresh, k->d->cpuid, k->d->ncpuid * sizeof *fresh);
        k->d->cpuid = fresh;
        k->cap = ncap;
    }
    k->d->cpuid[k->d->ncpuid++] = *c;
}

static void sub_leaf(collect *k, uint32_t leaf, uint32_t sub)
{
    vc_cpuid c = {.eax_in = leaf, .ecx_in = sub};
    cpuid_call(&c);
    add(k, &c);
}

/* One leaf and the sub-leaves the reference reads of it. */
static void read_leaf(collect *k, uint32_t leaf)
{
    vc_cpuid s0 = {.eax_in = leaf};
    cpuid_call(&s0);
    switch (leaf) {
    case 0x4: /* cache parameters: up to the first type-0 sub-leaf */
        add(k, &s0);
        for (vc_cpuid s = s0; (s.eax & 0x1f) && !k->full;) {
            s.ecx_in++;
            cpuid_call(&s);
            add(k, &s);
        }
        break;
    case 0x7: /* sub-leaves 1..eax */
    case 0x14:
        add(k, &s0);
        for (uint32_t sub = 1; sub <= s0.eax && !k->full; sub++)
            sub_leaf(k, leaf, sub);
        break;
    case 0xb: /* topology levels while ecx names a level type */
        for (vc_cpuid s = s0; (s.ecx & 0xff00) && !k->full;) {
            add(k, &s);
            s.ecx_in++;
            cpuid_call(&s);
        }
        break;
    case 0xd: { /* extended state: sub-leaf n when bit n says it exists */
        add(k, &s0);
        vc_cpuid s1 = {.eax_in = 0xd, .ecx_in = 1};
        cpuid_call(&s1);
        add(k, &s1);
        for (uint32_t sub = 2; sub < 64 && !k->full; sub++) {
            bool valid = sub < 32 ? ((s0.eax | s1.ecx) >> sub) & 1 : ((s0.edx | s1.edx) >> (sub - 32)) & 1;
            if (valid)
                sub_leaf(k, 0xd, sub);
        }
        break;
    }
    case 0xf:  /* RDT monitoring: resource ids in edx */
    case 0x10: /* RDT allocation: resource ids in ebx */
        add(k, &s0);
        for (uint32_t sub = 1; sub < 32 && !k->full; sub++)
            if (((leaf == 0xf ? s0.edx : s0.ebx) >> sub) & 1)
                sub_leaf(k, leaf, sub);
        break;
    case 0x12: { /* SGX, when leaf 7 (read before) announces it */
        const vc_cpuid *l7 = NULL;
        for (size_t i = 0; i < k->d->ncpuid && !l7; i++)
            if (k->d->cpuid[i].eax_in == 7 && k->d->cpuid[i].ecx_in == 0)
                l7 = &k->d->cpuid[i];
        if (!l7 || !(l7->ebx & (1u << 2)))
            break;
        add(k, &s0);
        sub_leaf(k, 0x12, 1);
        vc_cpuid s = {.eax_in = 0x12, .ecx_in = 2};
        cpuid_call(&s);
        while ((s.eax & 0xf) && !k->full) {
            add(k, &s);
            s.ecx_in++;
            cpuid_call(&s);
        }
        break;
    }
    case 0x17: /* SoC vendor, from sub-leaf 0's eax >= 3 */
        if (s0.eax < 3)
            break;
        add(k, &s0);
        for (uint32_t sub = 1; sub <= s0.eax && !k->full; sub++)
            sub_leaf(k, 0x17, sub);
        break;
    default:
        add(k, &s0);
    }
}

/* The leaves of one range (basic from 0, extended from 0x80000000) up to
 * its maximum; only those listed in the sorted `only`, when given. */
static void read_range(collect *k, uint32_t base, const uint32_t *only, size_t nonly)
{
    vc_cpuid c = {.eax_in = base};
    cpuid_call(&c);
    uint32_t max = c.eax;
    if (only) {
        for (size_t i = 0; i < nonly && !k->full; i++)
            if (only[i] >= base && only[i] <= max && (base != 0 || only[i] < 0x80000000u))
                read_leaf(k, only[i]);
        return;
    }
    for (uint32_t leaf = base; leaf <= max && !k->full; leaf++) {
        read_leaf(k, leaf);
        if (leaf == UINT32_MAX)
            break;
    }
}

int vc_cpuid_read_host_leaves(vc_arena *a, const uint32_t *leaves, size_t nleaves, vc_cpudata *out, vc_error *err)
{
    memset(out, 0, sizeof *out);
    collect k = {.a = a, .d = out};
    read_range(&k, 0, leaves, nleaves);
    read_range(&k, 0x80000000u, leaves, nleaves);
    if (k.full && out->ncpuid < VC_CPUDATA_MAX_ITEMS)
        return vc_oom(err);
    if (k.full)
        return vc_fail(err, VC_ELIMIT, "the CPU reports more than %d CPUID leaves", VC_CPUDATA_MAX_ITEMS);
    vc_cpudata_normalize(out);
    return 0;
}

int vc_cpuid_read_host(vc_arena *a, vc_cpudata *out, vc_error *err)
{
    return vc_cpuid_read_host_leaves(a, NULL, 0, out, err);
}

int vc_msr_read_host(uint32_t index, uint64_t *value, vc_error *err)
{
    *value = 0;
    int fd = vc_sys_open("/dev/cpu/0/msr", O_RDONLY | O_CLOEXEC, 0);
    if (fd >= 0) {
        ssize_t got = vc_sys_pread(fd, value, sizeof *value, index);
        close(fd);
        if (got == (ssize_t)sizeof *value)
            return 0;
    }
    /* KVM reports the feature MSRs it passes to guests; for
     * IA32_ARCH_CAPABILITIES that is what the reference uses. */
    fd = vc_sys_open("/dev/kvm", O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return vc_fail(err, VC_EIO, "neither /dev/cpu/0/msr nor /dev/kvm can be read: %s", strerror(errno));
    struct kvm_msrs *msrs = calloc(1, sizeof *msrs + sizeof msrs->entries[0]);
    if (!msrs) {
        close(fd);
        return vc_oom(err);
    }
    msrs->nmsrs = 1;
    msrs->entries[0].index = index;
    int rc = vc_sys_ioctl(fd, KVM_GET_MSRS, (unsigned long)(uintptr_t)msrs);
    int saved = errno;
    close(fd);
    *value = msrs->entries[0].data;
    free(msrs);
    if (rc < 0) {
        *value = 0;
        return vc_fail(err, VC_EIO, "KVM cannot read MSR 0x%x: %s", index, strerror(saved));
    }
    return 0;
}

#else

int vc_cpuid_read_host_leaves(vc_arena *a, const uint32_t *leaves, size_t nleaves, vc_cpudata *out, vc_error *err)
{
    (void)a;
    (void)leaves;
    (void)nleaves;
    memset(out, 0, sizeof *out);
    return vc_fail(err, VC_EINPUT, "CPUID can only be read on x86 hosts");
}

int vc_cpuid_read_host(vc_arena *a, vc_cpudata *out, vc_error *err)
{
    return vc_cpuid_read_host_leaves(a, NULL, 0, out, err);
}

int vc_msr_read_host(uint32_t index, uint64_t *value, vc_error *err)
{
    (void)index;
    *value = 0;
    return vc_fail(err, VC_EINPUT, "MSRs can only be read on x86 hosts");
}

#endif
