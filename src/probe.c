/* The probe on top: one context (host/context.h) for the host section
 * (uuid, power management, IOMMU here; CPU, NUMA, caches and security
 * models from host/; the CPU model last, from cpu/host_model.c) and the
 * guests (drivers/). */
#include "probe.h"

#include "base/options.h"
#include "cpu/cpu.h"
#include "drivers/drivers.h"
#include "host/cachedir.h"
#include "host/context.h"
#include "host/host.h"
#include "model/model.h"



#include <nettle/hmac.h>
#include <stdio.h>
#include <string.h>

static int hexdigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ---- uuid ---- */

/* virUUIDParse: 32 hex digits, '-' or ' ' allowed between byte pairs. */
static bool parse_uuid(const char *s, unsigned char out[16])
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    for (int i = 0; i < 16; i++) {
        while (*s == '-' || *s == ' ')
            s++;
        int hi = hexdigit(s[0]), lo = hi < 0 ? -1 : hexdigit(s[1]);
        if (lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
        s += 2;
    }
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    if (*s)
        return false;
    /* virUUIDIsValid: firmware fills unset UUIDs with one repeated byte. */
    for (int i = 1; i < 16; i++)
        if (out[i] != out[0])
            return true;
    return false;
}

/* A fixed application id: the host's uuid is HMAC-SHA256(machine-id, this),
 * as systemd's sd_id128_get_machine_app_specific() derives it, so that
 * `systemd-id128 machine-id --app-specific=ccd3cd073b4a43448509c7dfd745d131`
 * prints the same uuid and the machine-id itself is not disclosed. */
static const unsigned char app_id[16] = {0xcc, 0xd3, 0xcd, 0x07, 0x3b, 0x4a, 0x43, 0x44,
                                         0x85, 0x09, 0xc7, 0xdf, 0xd7, 0x45, 0xd1, 0x31};

static int format_uuid(vc_arena *a, const unsigned char u[16], char **out)
{
    *out = vc_sprintf(a, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                      u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    return *out ? 0 : -1;
}

static int probe_uuid(vc_hostctx *h, vc_host *host)
{
    static const char *const dmi[] = {"/sys/devices/virtual/dmi/id/product_uuid", "/sys/class/dmi/id/product_uuid"};
    unsigned char u[16];
    char *text;
    for (size_t i = 0; i < 2; i++) {
        int rc = vc_hread_text(h, VC_VALUE_MAX, &text, "%s", dmi[i]);
        if (rc == -2)
            continue;
        if (rc == 0 && parse_uuid(text, u))
            return format_uuid(h->caps->arena, u, &host->uuid);
        if (vc_hwarn(h, "%s: %s; the uuid comes from /etc/machine-id", dmi[i],
                     rc < 0 ? h->why : "not a valid UUID") < 0)
            return -1;
        break;
    }
    int rc = vc_hread_text(h, VC_VALUE_MAX, &text, "/etc/machine-id");
    unsigned char id[16];
    if (rc < 0 || strlen(text) != 32 || !parse_uuid(text, id))
        return vc_hwarn(h, "/etc/machine-id: %s; no uuid",
                        rc == -2 ? "No such file or directory" : rc < 0 ? h->why : "not a machine id");
    unsigned char digest[SHA256_DIGEST_SIZE];
    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, sizeof id, id);
    hmac_sha256_update(&ctx, sizeof app_id, app_id);
    hmac_sha256_digest(&ctx, sizeof digest, digest);
    /* A version 4, variant 1 UUID, as systemd makes it. */
    digest[6] = (unsigned char)((digest[6] & 0x0f) | 0x40);
    digest[8] = (unsigned char)((digest[8] & 0x3f) | 0x80);
    return format_uuid(h->caps->arena, digest, &host->uuid);
}

/* ---- power management and IOMMU ---- */

static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; (p = strstr(p, word)) != NULL; p += n) {
        bool start = p == text || p[-1] == ' ' || p[-1] == '[' || p[-1] == '\n';
        bool end = p[n] == '\0' || p[n] == ' ' || p[n] == ']' || p[n] == '\n';
        if (start && end)
            return true;
    }
    return false;
}

/* Whether a swap area is active: hibernation needs one (/proc/swaps has a
 * header line, then one line per area). */
static bool has_swap(vc_hostctx *h)
{
    char *text;
    if (vc_hread_text(h, VC_LIST_MAX, &text, "/proc/swaps") < 0)
        return false;
    char *nl = strchr(text, '\n');
    return nl && nl[1] != '\0';
}

/* The sleep states systemd-logind would grant, which the reference asks it
 * for: none without systemd, else what the kernel offers (/sys/power/state),
 * hibernation only with swap, hybrid sleep where /sys/power/disk can suspend. */
static int probe_power(vc_hostctx *h, vc_host *host)
{
    char *state, *disk;
    host->has_power_management = true;
    if (!vc_hexists(h, "/run/systemd/system"))
        return 0;
    int rc = vc_hread_text(h, VC_VALUE_MAX, &state, "/sys/power/state");
    if (rc == -2)
        return 0;
    if (rc < 0)
        return vc_hwarn(h, "%s: %s; no power management", h->last, h->why);
    host->suspend_mem = has_word(state, "mem");
    host->suspend_disk = has_word(state, "disk") && has_swap(h);
    host->suspend_hybrid = host->suspend_mem && host->suspend_disk &&
                           vc_hread_text(h, VC_VALUE_MAX, &disk, "/sys/power/disk") == 0 && has_word(disk, "suspend");
    return 0;
}

/* IOMMU support: the kernel made at least one IOMMU group. */
static int probe_iommu(vc_hostctx *h, vc_host *host)
{
    DIR *d;
    int rc = vc_hopendir(h, &d, "/sys/kernel/iommu_groups");
    host->iommu = 0;
    if (rc < 0)
        return vc_hwarn(h, "%s: %s; IOMMU support taken as absent", h->last, h->why);
    if (rc > 0) {
        host->iommu = vc_hreaddir(d) != NULL;
        closedir(d);
    }
    return 0;
}

static int probe_host(vc_probe_ctx *ctx, vc_caps *caps, vc_error *err)
{
    vc_hostctx h;
    if (vc_hostctx_init(&h, ctx, caps, err) < 0) {
        vc_hostctx_free(&h);
        return -1;
    }
    vc_host *host = &caps->host;
    int rc = -1;
    if ((host->cpu = vc_cpu_new(caps->arena)) && probe_uuid(&h, host) == 0 && vc_host_cpu(&h, host->cpu) == 0 &&
        probe_power(&h, host) == 0 && probe_iommu(&h, host) == 0 && vc_host_numa(&h, host) == 0 &&
        vc_host_caches(&h, host) == 0 && vc_host_secmodels(&h, host) == 0)
        rc = 0;
    else /* the host's parts warn about everything but a failed allocation */
        vc_oom(err);
    vc_hostctx_free(&h);
    if (rc == 0)
        rc = vc_cpu_probe_host(ctx, host->cpu, caps, err);
    return rc;
}

vc_caps *vc_probe(const vc_probe_opts *opts, vc_error *err)
{
    vc_caps *caps = vc_caps_new();
    if (!caps) {
        vc_oom(err);
        return NULL;
    }
    /* One context, with one cache directory, for the host probe and the drivers. */
    vc_probe_ctx ctx;
    int rc = vc_probe_ctx_init(&ctx, opts, true, err) < 0 || probe_host(&ctx, caps, err) < 0 ||
                     vc_probe_guests(&ctx, caps, err) < 0
                 ? -1
                 : 0;
    /* Whoever wanted the cache first found it refused: said once, for all. */
    const vc_cachedir *cache = ctx.cache;
    if (rc == 0 && cache->tried && cache->dirfd < 0 && cache->why[0] &&
        vc_caps_warn(caps, "cache: %s; probing without a cache", cache->why) < 0)
        rc = vc_oom(err);
    if (rc < 0) {
        vc_caps_free(caps);
        caps = NULL;
    }
    vc_probe_ctx_free(&ctx);
    return caps;
}
