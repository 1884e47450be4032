/* Security models: the host's mandatory access control (SELinux or
 * AppArmor when active, else "none"). The drivers add what they stack on
 * it: the QEMU driver's DAC model with its base labels. */
#include "host/host.h"
#include "model/model.h"

#include <string.h>

/* SELinux is active when selinuxfs is mounted with a policy loaded. */
static bool selinux_active(vc_hostctx *h)
{
    char *text;
    return vc_hread_text(h, VC_VALUE_MAX, &text, "/sys/fs/selinux/enforce") == 0 &&
           vc_hexists(h, "/sys/fs/selinux/policyvers");
}

/* AppArmor is in use when the kernel enforces it, libvirt's daemon profile
 * is loaded and its QEMU profile template installed: what the reference
 * checks before it stacks the AppArmor driver. */
static bool apparmor_active(vc_hostctx *h)
{
    char *enabled, *profiles;
    return vc_hread_text(h, VC_VALUE_MAX, &enabled, "/sys/module/apparmor/parameters/enabled") == 0 &&
           strcmp(enabled, "Y") == 0 &&
           vc_hread_text(h, VC_LIST_MAX, &profiles, "/sys/kernel/security/apparmor/profiles") == 0 &&
           (strncmp(profiles, "libvirtd ", 9) == 0 || strstr(profiles, "\nlibvirtd ") ||
            strncmp(profiles, "/usr/sbin/libvirtd ", 19) == 0 || strstr(profiles, "\n/usr/sbin/libvirtd ")) &&
           vc_hexists(h, "/etc/apparmor.d/libvirt/TEMPLATE.qemu");
}

static int add(vc_hostctx *h, vc_host *host, const char *model)
{
    vc_arena *a = h->caps->arena;
    vc_secmodel *m = VC_PUSH(a, host->secmodels, host->nsecmodels);
    if (!m || !(m->model = vc_strdup(a, model)) || !(m->doi = vc_strdup(a, "0")))
        return -1;
    return 0;
}

int vc_host_secmodels(vc_hostctx *h, vc_host *host)
{
    const char *primary = selinux_active(h) ? "selinux" : apparmor_active(h) ? "apparmor" : "none";
    return add(h, host, primary);
}
