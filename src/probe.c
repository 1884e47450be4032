/* The host probe: where host files are read from, and the host architecture. */
#include "probe.h"
#include "cpu.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

int vc_host_path(const vc_probe_opts *opts, const char *path, char *out, size_t size)
{
    const vc_path_map *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; opts && i < opts->npaths; i++) {
        const vc_path_map *m = &opts->paths[i];
        size_t n = strlen(m->prefix);
        /* A prefix matches whole path components only. */
        if (n > best_len && strncmp(path, m->prefix, n) == 0 && (path[n] == '\0' || path[n] == '/' ||
                                                                 (n && m->prefix[n - 1] == '/'))) {
            best = m;
            best_len = n;
        }
    }
    int w;
    if (best)
        w = snprintf(out, size, "%s%s", best->replacement, path + best_len);
    else if (opts && opts->root)
        w = snprintf(out, size, "%s%s", opts->root, path);
    else
        w = snprintf(out, size, "%s", path);
    return w < 0 || (size_t)w >= size ? -1 : 0;
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

int vc_probe_host(const vc_probe_opts *opts, vc_caps *caps, vc_error *err)
{
    char arch[64];
    vc_cpu *cpu = vc_cpu_new(caps->arena);
    if (!cpu)
        return vc_oom(err);
    caps->host.cpu = cpu;
    if (vc_probe_arch(opts, arch, sizeof arch) < 0)
        return vc_fail(err, VC_EINPUT, "cannot tell the host architecture");
    if (!(cpu->arch = vc_strdup(caps->arena, arch)))
        return vc_oom(err);
    if (vc_cpu_probe_host(opts, cpu, caps, err) < 0)
        return -1;
    return 0;
}

vc_caps *vc_probe(const vc_probe_opts *opts, vc_error *err)
{
    vc_caps *caps = vc_caps_new();
    if (!caps) {
        vc_oom(err);
        return NULL;
    }
    if (vc_probe_host(opts, caps, err) < 0 || vc_probe_guests(opts, caps, err) < 0) {
        vc_caps_free(caps);
        return NULL;
    }
    return caps;
}
