/* Any bytes as /proc/cpuinfo, read as each architecture's layout: the
 * parsers must stay within the text and give well-formed results. */
#include <stdlib.h>
#include <string.h>

#include "host/host.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *const arches[] = {"x86_64", "i686", "aarch64", "armv6l", "armv7l", "ppc", "ppc64",
                                     "ppc64le", "s390x", "loongarch64", "riscv64"};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *text = (const char *)data;
    vc_arena *a = vc_arena_new();
    if (!a)
        return 0;
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++) {
        unsigned mhz;
        vc_cpuinfo_mhz(text, size, arches[i], &mhz);
        char *sig;
        if (vc_cpuinfo_signature(a, text, size, arches[i], &sig) < 0)
            abort();
        /* Every part comes from one 1023-byte piece: the line stays bounded. */
        if (sig && strlen(sig) > 5 * 1024)
            abort();
    }
    vc_cpuinfo_microcode(text, size);
    unsigned bits;
    vc_cpuinfo_physaddr(text, size, &bits);
    vc_x86_info info;
    if (vc_cpuinfo_x86(a, text, size, &info) < 0)
        abort();
    for (size_t i = 0; i < info.nfeatures; i++)
        for (size_t j = i + 1; j < info.nfeatures; j++)
            if (strcmp(info.features[i], info.features[j]) == 0)
                abort(); /* a feature named twice */
    vc_arena_free(a);
    return 0;
}
