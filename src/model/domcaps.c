/* The domain capabilities schema as the reader, writer and Lua conversion
 * walk it: libvirt 9.0.0's domaincaps.rng, in the order its formatter
 * (virDomainCapsFormat) writes elements, attributes and enums. */
#include "model/domcaps.h"

#include <stdlib.h>
#include <string.h>

/* ---- the schema ---- */

static const dc_attr_desc supported_attr[] = {{"supported", DC_YESNO, true, NULL}, {NULL, DC_NONE, false, NULL}};
static const dc_attr_desc no_attrs[] = {{NULL, DC_NONE, false, NULL}};

#define LEAF(var, nm, type, flags)                                                                                     \
    static const dc_desc var = {nm, nm, flags, NULL, type, NULL, no_attrs, NULL, NULL, -1}

/* <X supported='yes|no'> with enums of the reference's names */
#define ENUMS(var, nm, ...)                                                                                            \
    static const char *const var##_enums[] = {__VA_ARGS__, NULL};                                                      \
    static const dc_desc var = {nm, nm, DC_ENUMS, NULL, DC_NONE, NULL, supported_attr, NULL, var##_enums, -1}

#define FLAG(var, nm) static const dc_desc var = {nm, nm, 0, NULL, DC_NONE, NULL, supported_attr, NULL, NULL, -1}

LEAF(path_d, "path", DC_STR, DC_REQUIRED);
LEAF(domain_d, "domain", DC_STR, DC_REQUIRED);
LEAF(machine_d, "machine", DC_STR, 0);
LEAF(arch_d, "arch", DC_STR, DC_REQUIRED);

static const dc_attr_desc vcpu_attrs[] = {{"max", DC_UINT, true, NULL}, {NULL, DC_NONE, false, NULL}};
static const dc_desc vcpu_d = {"vcpu", "vcpu", 0, NULL, DC_NONE, NULL, vcpu_attrs, NULL, NULL, -1};
FLAG(iothreads_d, "iothreads");

/* <os>: the firmware enum, then the loader: its <value>s, then its enums */
static const dc_desc loader_value_d = {"value", "values", DC_REPEAT, NULL, DC_STR, NULL, no_attrs, NULL, NULL, -1};
static const dc_desc *const loader_children[] = {&loader_value_d, NULL};
static const char *const loader_enums[] = {"type", "readonly", "secure", NULL};
static const dc_desc loader_d = {"loader", "loader", DC_ENUMS, NULL, DC_NONE, NULL, supported_attr, loader_children,
                                 loader_enums, -1};
static const dc_desc *const os_children[] = {&loader_d, NULL};
static const char *const os_enums[] = {"firmware", NULL};
static const dc_desc os_d = {"os", "os", DC_ENUMS, NULL, DC_NONE, NULL, supported_attr, os_children, os_enums, 0};

/* <cpu>: four <mode name=...> in a fixed order, as cpu.modes[name] */
static const dc_attr_desc mode_attrs[] = {{"supported", DC_YESNO, true, NULL}, {NULL, DC_NONE, false, NULL}};
static const char *const passthrough_enums[] = {"hostPassthroughMigratable", NULL};
static const dc_desc passthrough_d = {"mode", "modes", DC_REQUIRED | DC_ENUMS, "host-passthrough", DC_NONE, NULL,
                                      mode_attrs, NULL, passthrough_enums, -1};
static const char *const maximum_enums[] = {"maximumMigratable", NULL};
static const dc_desc maximum_d = {"mode", "modes", DC_REQUIRED | DC_ENUMS, "maximum", DC_NONE, NULL,
                                  mode_attrs, NULL, maximum_enums, -1};

static const dc_attr_desc host_model_attrs[] = {
    {"fallback", DC_STR, false, NULL}, {"vendor_id", DC_STR, false, NULL}, {NULL, DC_NONE, false, NULL}};
static const dc_desc host_model_model_d = {"model", "model", DC_HOIST, NULL, DC_STR, NULL, host_model_attrs,
                                           NULL, NULL, -1};
LEAF(host_model_vendor_d, "vendor", DC_STR, 0);
static const dc_attr_desc feature_attrs[] = {
    {"policy", DC_STR, true, NULL}, {"name", DC_STR, true, NULL}, {NULL, DC_NONE, false, NULL}};
static const dc_desc host_model_feature_d = {"feature", "features", DC_REPEAT, NULL, DC_NONE, NULL, feature_attrs,
                                             NULL, NULL, -1};
static const dc_desc *const host_model_children[] = {&host_model_model_d, &host_model_vendor_d,
                                                     &host_model_feature_d, NULL};
static const dc_desc host_model_d = {"mode", "modes", DC_REQUIRED, "host-model", DC_NONE, NULL, mode_attrs,
                                     host_model_children, NULL, -1};

static const dc_attr_desc custom_model_attrs[] = {{"usable", DC_USABLE, true, NULL},
                                                  {"deprecated", DC_YESNO, false, NULL},
                                                  {"vendor", DC_STR, true, NULL},
                                                  {NULL, DC_NONE, false, NULL}};
static const dc_desc custom_model_d = {"model", "models", DC_REPEAT | DC_BLOCKED, NULL, DC_STR, "name", custom_model_attrs,
                                       NULL, NULL, -1};
static const dc_attr_desc blocker_attrs[] = {{"name", DC_STR, true, NULL}, {NULL, DC_NONE, false, NULL}};
static const dc_desc blocker_d = {"feature", "features", DC_REPEAT | DC_CLOSED, NULL, DC_NONE, NULL, blocker_attrs, NULL, NULL,
                                  -1};
static const dc_desc *const blockers_children[] = {&blocker_d, NULL};
static const dc_attr_desc blockers_attrs[] = {{"model", DC_STR, true, NULL}, {NULL, DC_NONE, false, NULL}};
/* Newer reference versions list what keeps each unusable model from running. */
static const dc_desc blockers_d = {"blockers", "blockers", DC_REPEAT | DC_BLOCKERS | DC_CLOSED, NULL, DC_NONE, NULL,
                                   blockers_attrs, blockers_children, NULL, -1};
static const dc_desc *const custom_children[] = {&custom_model_d, &blockers_d, NULL};
static const dc_desc custom_d = {"mode", "modes", DC_REQUIRED, "custom", DC_NONE, NULL, mode_attrs, custom_children,
                                 NULL, -1};
static const dc_desc *const cpu_children[] = {&passthrough_d, &maximum_d, &host_model_d, &custom_d, NULL};
static const dc_desc cpu_d = {"cpu", "cpu", 0, NULL, DC_NONE, NULL, no_attrs, cpu_children, NULL, -1};

ENUMS(memory_backing_d, "memoryBacking", "sourceType");

ENUMS(disk_d, "disk", "diskDevice", "bus", "model");
ENUMS(graphics_d, "graphics", "type");
ENUMS(video_d, "video", "modelType");
ENUMS(hostdev_d, "hostdev", "mode", "startupPolicy", "subsysType", "capsType", "pciBackend");
ENUMS(rng_d, "rng", "model", "backendModel");
ENUMS(filesystem_d, "filesystem", "driverType");
ENUMS(tpm_d, "tpm", "model", "backendModel", "backendVersion");
ENUMS(redirdev_d, "redirdev", "bus");
ENUMS(channel_d, "channel", "type");
static const dc_desc *const devices_children[] = {&disk_d, &graphics_d, &video_d, &hostdev_d, &rng_d,
                                                  &filesystem_d, &tpm_d, &redirdev_d, &channel_d, NULL};
static const dc_desc devices_d = {"devices", "devices", DC_OPEN, NULL, DC_NONE, NULL, no_attrs, devices_children,
                                  NULL, -1};

ENUMS(gic_d, "gic", "version");
FLAG(vmcoreinfo_d, "vmcoreinfo");
FLAG(genid_d, "genid");
FLAG(backing_store_input_d, "backingStoreInput");
FLAG(backup_d, "backup");
FLAG(s390_pv_d, "s390-pv");
LEAF(cbitpos_d, "cbitpos", DC_UINT, 0);
LEAF(reduced_phys_bits_d, "reducedPhysBits", DC_UINT, 0);
LEAF(max_guests_d, "maxGuests", DC_UINT, 0);
LEAF(max_es_guests_d, "maxESGuests", DC_UINT, 0);
LEAF(cpu0_id_d, "cpu0Id", DC_STR, 0);
static const dc_desc *const sev_children[] = {&cbitpos_d, &reduced_phys_bits_d, &max_guests_d, &max_es_guests_d,
                                              &cpu0_id_d, NULL};
static const dc_desc sev_d = {"sev", "sev", 0, NULL, DC_NONE, NULL, supported_attr, sev_children, NULL, -1};
LEAF(flc_d, "flc", DC_YESNO, 0);
LEAF(sgx1_d, "sgx1", DC_YESNO, 0);
LEAF(sgx2_d, "sgx2", DC_YESNO, 0);
static const dc_attr_desc kib_attr[] = {{"unit", DC_STR, true, "KiB"}, {NULL, DC_NONE, false, NULL}};
static const dc_desc section_size_d = {"section_size", "section_size", 0, NULL, DC_ULONG, "value", kib_attr, NULL,
                                       NULL, -1};
static const dc_attr_desc section_attrs[] = {{"node", DC_UINT, true, NULL},
                                             {"size", DC_ULONG, true, NULL},
                                             {"unit", DC_STR, true, "KiB"},
                                             {NULL, DC_NONE, false, NULL}};
static const dc_desc section_d = {"section", "section", DC_REPEAT, NULL, DC_NONE, NULL, section_attrs, NULL, NULL, -1};
static const dc_desc *const sections_children[] = {&section_d, NULL};
static const dc_desc sections_d = {"sections", "sections", DC_WRAP | DC_CLOSED, NULL, DC_NONE, NULL, no_attrs, sections_children,
                                   NULL, -1};
static const dc_desc *const sgx_children[] = {&flc_d, &sgx1_d, &sgx2_d, &section_size_d, &sections_d, NULL};
static const dc_desc sgx_d = {"sgx", "sgx", 0, NULL, DC_NONE, NULL, supported_attr, sgx_children, NULL, -1};
ENUMS(hyperv_d, "hyperv", "features");
static const dc_desc *const features_children[] = {&gic_d, &vmcoreinfo_d, &genid_d, &backing_store_input_d,
                                                   &backup_d, &s390_pv_d, &sev_d, &sgx_d, &hyperv_d, NULL};
static const dc_desc features_d = {"features", "features", 0, NULL, DC_NONE, NULL, no_attrs, features_children,
                                   NULL, -1};

static const dc_desc *const root_children[] = {&path_d, &domain_d, &machine_d, &arch_d, &vcpu_d, &iothreads_d,
                                               &os_d, &cpu_d, &memory_backing_d, &devices_d, &features_d, NULL};
const dc_desc dc_schema = {"domainCapabilities", NULL, 0, NULL, DC_NONE, NULL, no_attrs, root_children, NULL, -1};

/* ---- descriptions ---- */

size_t dc_nchildren(const dc_desc *d)
{
    size_t n = 0;
    while (d->children && d->children[n])
        n++;
    return n;
}

size_t dc_nattrs(const dc_desc *d)
{
    size_t n = 0;
    while (d->attrs[n].name)
        n++;
    return n;
}

bool dc_is_leaf(const dc_desc *d)
{
    return d->text != DC_NONE && !d->text_key && !(d->flags & DC_HOIST) && !d->attrs[0].name;
}

int dc_child_slot(const dc_desc *d, const char *key)
{
    for (size_t i = 0; d->children && d->children[i]; i++) {
        const dc_desc *c = d->children[i];
        if (strcmp(c->match ? c->match : c->key, key) == 0)
            return (int)i;
    }
    if ((d->flags & DC_ENUMS) && strcmp(key, DC_ENUM_KEY) == 0)
        return DC_ENUM_SLOT(d);
    return -1;
}

const char *dc_slot_key(const dc_desc *d, int i)
{
    if (i == DC_ENUM_SLOT(d))
        return DC_ENUM_KEY;
    const dc_desc *c = d->children[i];
    return c->match ? c->match : c->key;
}

int dc_attr_slot(const dc_desc *d, const char *name)
{
    for (size_t i = 0; d->attrs[i].name; i++)
        if (strcmp(d->attrs[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---- the model ---- */

vc_domcaps *vc_domcaps_new(void)
{
    vc_arena *a = vc_arena_new();
    if (!a)
        return NULL;
    vc_domcaps *dc = vc_alloc(a, sizeof *dc);
    if (!dc || !(dc->root = dc_node_new(a, &dc_schema))) {
        vc_arena_free(a);
        return NULL;
    }
    dc->arena = a;
    return dc;
}

void vc_domcaps_free(vc_domcaps *dc)
{
    if (dc)
        vc_arena_free(dc->arena);
}

dc_node *dc_node_new(vc_arena *a, const dc_desc *d)
{
    dc_node *n = vc_alloc(a, sizeof *n);
    if (!n)
        return NULL;
    n->desc = d;
    if (d) {
        size_t na = dc_nattrs(d), nc = dc_nchildren(d);
        if ((na && !(n->attrs = vc_alloc(a, na * sizeof *n->attrs))) ||
            (nc && !(n->kids = vc_alloc(a, nc * sizeof *n->kids))))
            return NULL;
    }
    return n;
}

dc_node *dc_node_push(vc_arena *a, dc_list *l, const dc_desc *d)
{
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    dc_node **slot = VC_PUSH(a, l->v, l->n);
    if (!slot || !(*slot = dc_node_new(a, d)))
        return NULL;
    return *slot;
}

dc_enum *dc_enum_push(vc_arena *a, dc_node *n)
{
    return VC_PUSH(a, n->enums, n->nenums);
}

dc_extra *dc_extra_push(vc_arena *a, dc_node *n)
{
    return VC_PUSH(a, n->extra, n->nextra);
}

/* ---- building in code ---- */

/* p itself; the first failure (p NULL) is recorded as out of memory. */
static void *built(dc_builder *b, void *p)
{
    if (!p && !b->failed) {
        b->failed = true;
        vc_oom(b->err);
    }
    return p;
}

static int misuse(dc_builder *b, const dc_desc *d, const char *what, const char *name)
{
    if (!b->failed) {
        b->failed = true;
        vc_fail(b->err, VC_EMISUSE, "<%s> has no %s %s", d->name, what, name);
    }
    return -1;
}

/* Whether p is there: a NULL node is an earlier step's failure, recorded
 * then; one given without a failure before is the caller's misuse. */
static bool given(dc_builder *b, const void *p)
{
    if (!p && !b->failed) {
        b->failed = true;
        vc_fail(b->err, VC_EMISUSE, "a node or enum expected, got NULL");
    }
    return p != NULL;
}

dc_node *dc_kid(dc_builder *b, dc_node *p, const char *key)
{
    if (!given(b, p))
        return NULL;
    int i = dc_child_slot(p->desc, key);
    if (i < 0 || i == DC_ENUM_SLOT(p->desc)) {
        misuse(b, p->desc, "child", key);
        return NULL;
    }
    return built(b, dc_node_push(b->a, &p->kids[i], p->desc->children[i]));
}

dc_node *dc_leaf(dc_builder *b, dc_node *p, const char *key, const char *text)
{
    dc_node *n = dc_kid(b, p, key);
    return dc_set_text(b, n, text) == 0 ? n : NULL;
}

dc_node *dc_supported(dc_builder *b, dc_node *p, const char *key, bool yes)
{
    dc_node *n = dc_kid(b, p, key);
    return dc_set_attr(b, n, "supported", yes ? "yes" : "no") == 0 ? n : NULL;
}

int dc_set_attr(dc_builder *b, dc_node *n, const char *name, const char *value)
{
    if (!given(b, n))
        return -1;
    int i = dc_attr_slot(n->desc, name);
    if (i < 0)
        return misuse(b, n->desc, "attribute", name);
    return built(b, n->attrs[i] = vc_strdup(b->a, value)) ? 0 : -1;
}

int dc_set_text(dc_builder *b, dc_node *n, const char *text)
{
    return given(b, n) && built(b, n->text = vc_strdup(b->a, text)) ? 0 : -1;
}

dc_enum *dc_enum_new(dc_builder *b, dc_node *n, const char *name)
{
    dc_enum *e = given(b, n) ? built(b, dc_enum_push(b->a, n)) : NULL;
    return e && built(b, e->name = vc_strdup(b->a, name)) ? e : NULL;
}

int dc_enum_value(dc_builder *b, dc_enum *e, const char *value)
{
    char **v = given(b, e) ? built(b, VC_PUSH(b->a, e->values, e->n)) : NULL;
    return v && built(b, *v = vc_strdup(b->a, value)) ? 0 : -1;
}

static int enum_rank(const dc_desc *d, const char *name)
{
    for (int i = 0; d->enums && d->enums[i]; i++)
        if (strcmp(d->enums[i], name) == 0)
            return i;
    return INT32_MAX;
}

void dc_sort_enums(dc_node *n)
{
    /* insertion sort: a handful of enums, and it is stable */
    for (size_t i = 1; i < n->nenums; i++) {
        dc_enum e = n->enums[i];
        int r = enum_rank(n->desc, e.name);
        size_t j = i;
        while (j > 0) {
            const dc_enum *p = &n->enums[j - 1];
            int pr = enum_rank(n->desc, p->name);
            if (pr < r || (pr == r && strcmp(p->name, e.name) <= 0))
                break;
            n->enums[j] = *p;
            j--;
        }
        n->enums[j] = e;
    }
}

/* ---- values ---- */

int dc_value_check(vc_arena *a, enum dc_type t, const char *fixed, char *s, bool in_arena, char **out,
                   const char **why)
{
    *why = NULL;
    if (fixed && strcmp(s, fixed) != 0) {
        *why = "not the value the schema allows";
        return -1;
    }
    switch (t) {
    case DC_UINT:
    case DC_ULONG: {
        uint64_t max = t == DC_UINT ? UINT32_MAX : (uint64_t)INT64_MAX, v = 0;
        if (!*s) {
            *why = "expected a non-negative integer";
            return -1;
        }
        for (const char *p = s; *p; p++) {
            if (*p < '0' || *p > '9') {
                *why = "expected a non-negative integer";
                return -1;
            }
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > max) {
                *why = t == DC_UINT ? "out of range (at most 4294967295)" : "out of range (at most 2^63-1)";
                return -1;
            }
        }
        *out = vc_sprintf(a, "%llu", (unsigned long long)v);
        return *out ? 0 : -1;
    }
    case DC_YESNO:
        if (strcmp(s, "yes") != 0 && strcmp(s, "no") != 0) {
            *why = "expected yes or no";
            return -1;
        }
        break;
    case DC_USABLE:
        if (strcmp(s, "yes") != 0 && strcmp(s, "no") != 0 && strcmp(s, "unknown") != 0) {
            *why = "expected yes, no or unknown";
            return -1;
        }
        break;
    case DC_NONE:
    case DC_STR:
        break;
    }
    *out = in_arena ? s : vc_strdup(a, s);
    return *out ? 0 : -1;
}
