/* The options' one derived value every layer needs: the host architecture. */
#include "base/options.h"

#include "base/arch.h"



#include <stdio.h>
#include <sys/utsname.h>

int vc_probe_arch(const vc_probe_opts *opts, char *out, size_t size)
{
    const char *arch = opts ? opts->arch : NULL;
    struct utsname u;
    if (!arch) {
        if (uname(&u) < 0)
            return -1;
        arch = vc_arch_normalize(u.machine);
    }
    int w = snprintf(out, size, "%s", arch);
    return w < 0 || (size_t)w >= size ? -1 : 0;
}
