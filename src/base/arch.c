/* Architectures as the reference names and groups them (libvirt's virArch). */
#include "base/arch.h"

#include <string.h>

/* libvirt 9.0.0's virArch enum with virArchData's word sizes (sh4eb is 64
 * there too) and qemu_capabilities.c's preferredMachines. */
static const vc_arch_info arches[] = {
    {"alpha", "alpha", 64, "clipper"},
    {"armv6l", "arm", 32, "integratorcp"},
    {"armv7l", "arm", 32, "integratorcp"},
    {"armv7b", "armv7b", 32, "integratorcp"},
    {"aarch64", "aarch64", 64, "integratorcp"},
    {"cris", "cris", 32, "axis-dev88"},
    {"i686", "i386", 32, "pc"},
    {"ia64", "ia64", 64, NULL},
    {"lm32", "lm32", 32, "lm32-evr"},
    {"m68k", "m68k", 32, "mcf5208evb"},
    {"microblaze", "microblaze", 32, "petalogix-s3adsp1800"},
    {"microblazeel", "microblazeel", 32, "petalogix-s3adsp1800"},
    {"mips", "mips", 32, "malta"},
    {"mipsel", "mipsel", 32, "malta"},
    {"mips64", "mips64", 64, "malta"},
    {"mips64el", "mips64el", 64, "malta"},
    {"openrisc", "or32", 32, "or1k-sim"},
    {"parisc", "parisc", 32, NULL},
    {"parisc64", "parisc64", 64, NULL},
    {"ppc", "ppc", 32, "g3beige"},
    {"ppcle", "ppcle", 32, "g3beige"},
    {"ppc64", "ppc64", 64, "pseries"},
    {"ppc64le", "ppc64le", 64, "pseries"},
    {"ppcemb", "ppcemb", 32, "bamboo"},
    {"riscv32", "riscv32", 32, "spike_v1.10"},
    {"riscv64", "riscv64", 64, "spike_v1.10"},
    {"s390", "s390", 32, NULL},
    {"s390x", "s390x", 64, "s390-ccw-virtio"},
    {"sh4", "sh4", 32, "shix"},
    {"sh4eb", "sh4eb", 64, "shix"},
    {"sparc", "sparc", 32, "SS-5"},
    {"sparc64", "sparc64", 64, "sun4u"},
    {"unicore32", "unicore32", 32, "puv3"},
    {"x86_64", "x86_64", 64, "pc"},
    {"xtensa", "xtensa", 32, "sim"},
    {"xtensaeb", "xtensaeb", 32, "sim"},
};

size_t vc_arch_count(void)
{
    return sizeof arches / sizeof arches[0];
}

const vc_arch_info *vc_arch_at(size_t i)
{
    return i < vc_arch_count() ? &arches[i] : NULL;
}

int vc_arch_index(const char *name)
{
    for (size_t i = 0; name && i < vc_arch_count(); i++)
        if (strcmp(arches[i].name, name) == 0)
            return (int)i;
    return -1;
}

int vc_arch_from_qemu(const char *suffix)
{
    if (strcmp(suffix, "i386") == 0)
        return vc_arch_index("i686");
    if (strcmp(suffix, "arm") == 0)
        return vc_arch_index("armv7l");
    if (strcmp(suffix, "or32") == 0)
        return vc_arch_index("openrisc");
    return vc_arch_index(suffix);
}

static bool is_ppc64(int a)
{
    return a >= 0 && (strcmp(arches[a].name, "ppc64") == 0 || strcmp(arches[a].name, "ppc64le") == 0);
}

bool vc_arch_native(int h, int g)
{
    if (h < 0 || g < 0)
        return false;
    if (h == g)
        return true;
    const char *hn = arches[h].name, *gn = arches[g].name;
    if (strcmp(hn, "x86_64") == 0 && strcmp(gn, "i686") == 0)
        return true;
    if (strcmp(hn, "aarch64") == 0 && strcmp(gn, "armv7l") == 0)
        return true;
    return is_ppc64(h) && is_ppc64(g);
}

bool vc_arch_is_known(const char *name)
{
    return vc_arch_index(name) >= 0;
}

const char *vc_arch_normalize(const char *machine)
{
    static const struct {
        const char *from, *to;
    } aliases[] = {
        {"amd64", "x86_64"}, {"arm64", "aarch64"}, {"i386", "i686"}, {"i486", "i686"},
        {"i586", "i686"},    {"i86pc", "i686"},    {"x64", "x86_64"},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(machine, aliases[i].from) == 0)
            return aliases[i].to;
    return machine;
}

/* ---- families, as the reference groups them ---- */

static bool is_one_of(const char *arch, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(arch, *names) == 0)
            return true;
    return false;
}

bool vc_arch_is_x86(const char *arch)
{
    static const char *const names[] = {"x86_64", "i686", NULL};
    return is_one_of(arch, names);
}

bool vc_arch_is_arm(const char *arch)
{
    static const char *const names[] = {"armv6l", "armv7l", "armv7b", "aarch64", NULL};
    return is_one_of(arch, names);
}

bool vc_arch_is_ppc(const char *arch)
{
    static const char *const names[] = {"ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", NULL};
    return is_one_of(arch, names);
}

bool vc_arch_is_ppc64(const char *arch)
{
    static const char *const names[] = {"ppc64", "ppc64le", NULL};
    return is_one_of(arch, names);
}

bool vc_arch_is_s390(const char *arch)
{
    static const char *const names[] = {"s390", "s390x", NULL};
    return is_one_of(arch, names);
}

bool vc_arch_is_aarch64(const char *arch)
{
    return strcmp(arch, "aarch64") == 0;
}

bool vc_arch_is_loongarch(const char *arch)
{
    return strcmp(arch, "loongarch64") == 0;
}

bool vc_arch_has_cpu_driver(const char *arch)
{
    return vc_arch_is_x86(arch) || vc_arch_is_ppc64(arch) || vc_arch_is_s390(arch) || vc_arch_is_arm(arch);
}
