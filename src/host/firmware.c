/* Firmware descriptors and their offer, as libvirt 9.0.0 reads and
 * combines them (qemu_interop_config.c, qemu_firmware.c): see firmware.h. */
#include "host/firmware.h"

#include "base/arch.h"
#include "base/hostfs.h"

#include <json-c/json.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The system directories, lowest precedence first; the user's comes last. */
static const char *const system_dirs[] = {"/usr/share/qemu/firmware", "/etc/qemu/firmware"};

/* The executables of the reference's built-in loader list (Debian's build
 * of libvirt 9.0.0, DEFAULT_LOADER_NVRAM), offered when the matching
 * descriptors name none. */
static const char *const builtin_loaders[] = {
    "/usr/share/OVMF/OVMF_CODE.fd",
    "/usr/share/OVMF/OVMF_CODE.secboot.fd",
    "/usr/share/AAVMF/AAVMF_CODE.fd",
    "/usr/share/AAVMF/AAVMF32_CODE.fd",
};

static const char *const interface_names[] = {"bios", "openfirmware", "uboot", "uefi"};
static const char *const device_names[] = {"flash", "kernel", "memory"};
static const char *const mode_names[] = {"split", "combined", "stateless"};
static const char *const feature_names[] = {
    "acpi-s3",       "acpi-s4",      "amd-sev",         "amd-sev-es",     "enrolled-keys",
    "requires-smm",  "secure-boot",  "verbose-dynamic", "verbose-static",
};

#define NAMES(list) (list), sizeof(list) / sizeof((list)[0])

/* The static name equal to s, or NULL. */
static const char *known(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return names[i];
    return NULL;
}

static int warn(vc_arena *a, vc_firmware_set *set, vc_error *err, const char *fmt, ...) VC_PRINTF(4, 5);
static int warn(vc_arena *a, vc_firmware_set *set, vc_error *err, const char *fmt, ...)
{
    char text[1024];
    if (set->nwarnings > VC_FIRMWARE_MAX_WARNINGS)
        return 0;
    if (set->nwarnings == VC_FIRMWARE_MAX_WARNINGS) {
        snprintf(text, sizeof text, "more warnings left out");
    } else {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
    }
    char *copy = vc_strdup(a, text);
    char **slot = copy ? VC_PUSH(a, set->warnings, set->nwarnings) : NULL;
    if (!slot)
        return vc_oom(err);
    *slot = copy;
    return 0;
}

/* ---- which files: names sorted, the last directory's file winning ---- */

typedef struct entry {
    const char *name; /* in its directory */
    char *path;       /* host path */
    size_t rank;      /* its directory's precedence */
} entry;

typedef struct entries {
    entry *e;
    size_t n;
} entries;

static int cmp_entry(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->rank > b->rank) - (a->rank < b->rank);
}

/* Maps a host path through the options; "PATH: why" when it cannot be. */
static int map_path(const vc_firmware_opts *opts, const char *path, char *out, size_t size, vc_error *err)
{
    errno = 0;
    if (vc_host_path(opts->probe, path, out, size) < 0)
        return vc_fail(err, VC_EIO, "Unable to access %s: %s", path,
                       errno == ELOOP ? strerror(ELOOP) : "its path is too long");
    return 0;
}

/* Adds the regular files of the host directory dir (none when it does not
 * exist), as qemuBuildFileList does: hidden names are left out, and a name
 * that cannot be looked up fails the read. */
static int list_dir(const vc_firmware_opts *opts, const char *dir, size_t rank, vc_arena *a, entries *list,
                    vc_error *err)
{
    char mapped[PATH_MAX];
    if (map_path(opts, dir, mapped, sizeof mapped, err) < 0)
        return -1;
    DIR *d = opendir(mapped);
    if (!d)
        return errno == ENOENT ? 0 : vc_fail(err, VC_EIO, "cannot open directory '%s': %s", dir, strerror(errno));
    size_t seen = 0;
    int rc = 0;
    for (;;) {
        errno = 0;
        const struct dirent *ent = readdir(d);
        if (!ent) {
            if (errno)
                rc = vc_fail(err, VC_EIO, "cannot read directory '%s': %s", dir, strerror(errno));
            break;
        }
        const char *name = ent->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (++seen > VC_FIRMWARE_MAX_ENTRIES) {
            rc = vc_fail(err, VC_ELIMIT, "%s: more than %d entries", dir, VC_FIRMWARE_MAX_ENTRIES);
            break;
        }
        if (name[0] == '.')
            continue;
        char *path = vc_sprintf(a, "%s/%s", dir, name), file[PATH_MAX];
        if (!path) {
            rc = vc_oom(err);
            break;
        }
        struct stat st;
        if (map_path(opts, path, file, sizeof file, err) < 0) {
            rc = -1;
            break;
        }
        if (stat(file, &st) < 0) {
            rc = vc_fail(err, VC_EIO, "Unable to access %s: %s", path, strerror(errno));
            break;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        entry *e = VC_PUSH(a, list->e, list->n);
        if (!e) {
            rc = vc_oom(err);
            break;
        }
        e->name = path + strlen(dir) + 1;
        e->path = path;
        e->rank = rank;
    }
    closedir(d);
    return rc;
}

/* The user's directory ($XDG_CONFIG_HOME/qemu/firmware), or NULL. */
static const char *user_dir(const vc_firmware_opts *opts, vc_arena *a, vc_firmware_set *set, vc_error *err,
                            int *rc)
{
    *rc = 0;
    bool privileged = opts->privileged == VC_UNSET_B ? geteuid() == 0 : opts->privileged != 0;
    if (privileged)
        return NULL;
    const char *config = opts->config_home ? opts->config_home : getenv("XDG_CONFIG_HOME");
    char *dir;
    if (config) {
        dir = vc_sprintf(a, "%s/qemu/firmware", config);
    } else {
        const char *home = getenv("HOME");
        char pwbuf[4096];
        struct passwd pw, *res = NULL;
        if (!home && getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &res) == 0 && res)
            home = res->pw_dir;
        if (!home) {
            *rc = warn(a, set, err, "no home directory: its firmware descriptors are left out");
            return NULL;
        }
        dir = vc_sprintf(a, "%s/.config/qemu/firmware", home);
    }
    if (!dir) {
        *rc = vc_oom(err);
        return NULL;
    }
    if (dir[0] != '/') {
        *rc = warn(a, set, err, "%s: not an absolute path: left out", dir);
        return NULL;
    }
    return dir;
}

/* ---- one descriptor ---- */

/* The member key of object o (NULL when o is no object or lacks it);
 * *present says whether the key is there, JSON null included. */
static json_object *member(json_object *o, const char *key, bool *present)
{
    json_object *v = NULL;
    bool has = json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v);
    if (present)
        *present = has;
    return has ? v : NULL;
}

static const char *string_of(json_object *v)
{
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static const char *member_string(json_object *o, const char *key)
{
    return string_of(member(o, key, NULL));
}

static json_object *member_array(json_object *o, const char *key)
{
    json_object *v = member(o, key, NULL);
    return json_object_is_type(v, json_type_array) ? v : NULL;
}

typedef struct parse_ctx {
    const char *path;
    vc_arena *a;
    vc_firmware_set *set;
    vc_error *err;
} parse_ctx;

static int bad(const parse_ctx *c, const char *fmt, ...) VC_PRINTF(2, 3);
static int bad(const parse_ctx *c, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return vc_fail(c->err, VC_EINPUT, "%s: %s", c->path, what);
}

static char *keep(const parse_ctx *c, const char *s, int *rc)
{
    char *d = s ? vc_strdup(c->a, s) : NULL;
    if (s && !d)
        *rc = vc_oom(c->err);
    return d;
}

/* The array member key of o, its length in *n and room for n items of
 * elem bytes in *room (NULL for none); NULL with err, saying missing when
 * there is no such array. */
static json_object *items(const parse_ctx *c, json_object *o, const char *key, const char *missing, size_t elem,
                          size_t *n, void **room)
{
    json_object *list = member_array(o, key);
    if (!list) {
        bad(c, "%s", missing);
        return NULL;
    }
    *n = json_object_array_length(list);
    *room = *n ? vc_alloc(c->a, *n * elem) : NULL;
    if (*n && !*room) {
        vc_oom(c->err);
        return NULL;
    }
    return list;
}

static int parse_interfaces(const parse_ctx *c, json_object *doc, vc_firmware_desc *fw)
{
    size_t n;
    void *room;
    json_object *list =
        items(c, doc, "interface-types", "failed to get interface-types", sizeof *fw->interfaces, &n, &room);
    if (!list)
        return -1;
    fw->interfaces = room;
    for (size_t i = 0; i < n; i++) {
        const char *s = string_of(json_object_array_get_idx(list, i));
        const char *name = known(s, NAMES(interface_names));
        if (!name)
            return bad(c, "unknown interface type: '%s'", s ? s : "(null)");
        fw->interfaces[fw->ninterfaces++] = name;
    }
    return 0;
}

/* An executable or NVRAM template: its filename and format. */
static int parse_flash_file(const parse_ctx *c, json_object *o, char **filename, char **format)
{
    int rc = 0;
    const char *f = member_string(o, "filename");
    if (!f)
        return bad(c, "missing 'filename'");
    *filename = keep(c, f, &rc);
    if (rc < 0)
        return rc;
    const char *fmt = member_string(o, "format");
    if (!fmt)
        return bad(c, "missing 'format'");
    *format = keep(c, fmt, &rc);
    return rc;
}

static int parse_mapping(const parse_ctx *c, json_object *doc, vc_firmware_desc *fw)
{
    bool present;
    json_object *mapping = member(doc, "mapping", &present);
    if (!present)
        return bad(c, "missing mapping");
    const char *dev = member_string(mapping, "device");
    if (!dev)
        return bad(c, "missing device type");
    fw->device = known(dev, NAMES(device_names));
    if (!fw->device)
        return bad(c, "unknown device type '%s'", dev);
    if (strcmp(fw->device, "flash") != 0) {
        int rc = 0;
        const char *f = member_string(mapping, "filename");
        /* The reference reports it and goes on without a file. */
        if (!f)
            return warn(c->a, c->set, c->err, "%s: missing 'filename'", c->path);
        fw->filename = keep(c, f, &rc);
        return rc;
    }
    json_object *mode = member(mapping, "mode", &present);
    fw->mode = mode_names[0]; /* the historical default */
    if (present) {
        const char *m = string_of(mode);
        if (!m)
            return bad(c, "Firmware flash mode value was malformed");
        fw->mode = known(m, NAMES(mode_names));
        if (!fw->mode)
            return bad(c, "Firmware flash mode value '%s' unexpected", m);
    }
    json_object *exe = member(mapping, "executable", &present);
    if (!present)
        return bad(c, "missing 'executable'");
    if (parse_flash_file(c, exe, &fw->executable, &fw->executable_format) < 0)
        return -1;
    if (fw->mode != mode_names[0])
        return 0;
    json_object *nvram = member(mapping, "nvram-template", &present);
    if (!present)
        return bad(c, "missing 'nvram-template'");
    return parse_flash_file(c, nvram, &fw->nvram_template, &fw->nvram_template_format);
}

static int parse_target(const parse_ctx *c, json_object *item, vc_firmware_target *t)
{
    const char *arch = member_string(item, "architecture");
    if (!arch)
        return bad(c, "missing 'architecture'");
    int index = vc_arch_from_qemu(arch);
    if (index < 0)
        return bad(c, "unknown architecture '%s'", arch);
    t->arch = vc_arch_at((size_t)index)->name;
    size_t n;
    void *room;
    json_object *machines = items(c, item, "machines", "missing 'machines'", sizeof *t->machines, &n, &room);
    if (!machines)
        return -1;
    t->machines = room;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *m = string_of(json_object_array_get_idx(machines, i));
        if (!m)
            rc = warn(c->a, c->set, c->err, "%s: a machine type that is no string matches nothing", c->path);
        t->machines[t->nmachines++] = keep(c, m, &rc);
    }
    return rc;
}

static int parse_targets(const parse_ctx *c, json_object *doc, vc_firmware_desc *fw)
{
    size_t n;
    void *room;
    json_object *list = items(c, doc, "targets", "failed to get targets", sizeof *fw->targets, &n, &room);
    if (!list)
        return -1;
    fw->targets = room;
    for (size_t i = 0; i < n; i++)
        if (parse_target(c, json_object_array_get_idx(list, i), &fw->targets[fw->ntargets++]) < 0)
            return -1;
    return 0;
}

static int parse_features(const parse_ctx *c, json_object *doc, vc_firmware_desc *fw)
{
    size_t n;
    void *room;
    json_object *list = items(c, doc, "features", "failed to get features", sizeof *fw->features, &n, &room);
    if (!list)
        return -1;
    fw->features = room;
    for (size_t i = 0; i < n; i++) {
        const char *s = string_of(json_object_array_get_idx(list, i));
        const char *name = known(s, NAMES(feature_names));
        if (name)
            fw->features[fw->nfeatures++] = name;
        else if (warn(c->a, c->set, c->err, "%s: feature '%s' ignored", c->path, s ? s : "(not a string)") < 0)
            return -1;
    }
    return 0;
}

/* Parses text (up to its first NUL, as the reference reads it): strict
 * JSON, valid UTF-8, bounded nesting, nothing after the document. *doc is
 * NULL for the document null. */
static int parse_json(const parse_ctx *c, const char *text, json_object **doc)
{
    *doc = NULL;
    json_tokener *tok = json_tokener_new_ex(VC_FIRMWARE_MAX_DEPTH);
    if (!tok)
        return vc_oom(c->err);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    /* The NUL included: json-c knows then that a number or literal at the
     * end is complete. */
    size_t len = strlen(text) + 1;
    *doc = len <= INT_MAX ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    enum json_tokener_error jerr = len <= INT_MAX ? json_tokener_get_error(tok) : json_tokener_error_size;
    char depth[64];
    snprintf(depth, sizeof depth, "nesting deeper than %d levels", VC_FIRMWARE_MAX_DEPTH);
    const char *why = jerr == json_tokener_continue ? "unexpected end of data"
                      : jerr == json_tokener_error_depth ? depth
                                                        : json_tokener_error_desc(jerr);
    if (jerr == json_tokener_success) {
        size_t end = json_tokener_get_parse_end(tok);
        if (end < len && text[end + strspn(text + end, " \t\r\n")] != '\0') {
            why = "data after the document";
            jerr = json_tokener_error_parse_unexpected;
        }
    }
    json_tokener_free(tok);
    if (jerr == json_tokener_success)
        return 0;
    json_object_put(*doc);
    *doc = NULL;
    return bad(c, "unable to parse json file: %s", why);
}

static int parse_desc(const parse_ctx *c, const char *text, vc_firmware_desc *fw)
{
    json_object *doc = NULL;
    if (parse_json(c, text, &doc) < 0)
        return -1;
    int rc = parse_interfaces(c, doc, fw) < 0 || parse_mapping(c, doc, fw) < 0 || parse_targets(c, doc, fw) < 0 ||
                     parse_features(c, doc, fw) < 0
                 ? -1
                 : 0;
    json_object_put(doc);
    return rc;
}

/* Reads and parses the winning file e; empty files hide lower ones. */
static int read_entry(const vc_firmware_opts *opts, const entry *e, vc_arena *a, vc_firmware_set *set,
                      size_t *total, vc_error *err)
{
    char file[PATH_MAX];
    struct stat st;
    if (map_path(opts, e->path, file, sizeof file, err) < 0)
        return -1;
    if (stat(file, &st) < 0)
        return vc_fail(err, VC_EIO, "unable to get size of '%s': %s", e->path, strerror(errno));
    if (st.st_size == 0)
        return 0;
    char *text;
    size_t len;
    int rc = vc_file_read(file, VC_FIRMWARE_MAX_FILE, &text, &len, NULL);
    if (rc < 0)
        return vc_read_fail(err, e->path, VC_FIRMWARE_MAX_FILE, rc);
    *total += len;
    if (*total > VC_FIRMWARE_MAX_TOTAL) {
        free(text);
        return vc_fail(err, VC_ELIMIT, "%s: the descriptors exceed %zu bytes together", e->path,
                       VC_FIRMWARE_MAX_TOTAL);
    }
    vc_firmware_desc *fw = VC_PUSH(a, set->descs, set->ndescs);
    parse_ctx c = {e->path, a, set, err};
    rc = fw ? parse_desc(&c, text, fw) : vc_oom(err);
    if (fw)
        fw->path = e->path;
    free(text);
    return rc;
}

int vc_firmware_read(const vc_firmware_opts *opts, vc_arena *a, vc_firmware_set *set, vc_error *err)
{
    memset(set, 0, sizeof *set);
    entries list = {NULL, 0};
    size_t ndirs = sizeof system_dirs / sizeof system_dirs[0];
    for (size_t i = 0; i < ndirs; i++)
        if (list_dir(opts, system_dirs[i], i, a, &list, err) < 0)
            return -1;
    int rc;
    const char *mine = user_dir(opts, a, set, err, &rc);
    if (rc < 0 || (mine && list_dir(opts, mine, ndirs, a, &list, err) < 0))
        return -1;
    if (list.n)
        qsort(list.e, list.n, sizeof *list.e, cmp_entry);
    size_t total = 0;
    for (size_t i = 0; i < list.n; i++) {
        bool overridden = i + 1 < list.n && strcmp(list.e[i].name, list.e[i + 1].name) == 0;
        if (!overridden && read_entry(opts, &list.e[i], a, set, &total, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- the offer ---- */

/* The next character of a UTF-8 string as GLib steps (never past its end). */
static const char *utf8_next(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : c < 0xFC ? 5 : c < 0xFE ? 6 : 1;
    while (n-- && *s)
        s++;
    return s;
}

bool vc_firmware_glob(const char *p, const char *s)
{
    const char *star = NULL, *resume = NULL;
    if (!p || !s)
        return false;
    while (*s) {
        if (*p == '*') {
            star = ++p;
            resume = s;
        } else if (*p == '?') {
            p++;
            s = utf8_next(s);
        } else if (*p && *p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star;
            resume = utf8_next(resume);
            s = resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

static bool matches(const vc_firmware_desc *fw, const char *arch, const char *machine)
{
    for (size_t i = 0; i < fw->ntargets; i++) {
        if (strcmp(fw->targets[i].arch, arch) != 0)
            continue;
        for (size_t j = 0; j < fw->targets[i].nmachines; j++)
            if (vc_firmware_glob(fw->targets[i].machines[j], machine))
                return true;
    }
    return false;
}

static bool listed(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

int vc_firmware_offer_of(const vc_firmware_set *set, const vc_probe_opts *probe, const char *arch,
                         const char *machine, vc_arena *a, vc_firmware_offer *offer, vc_error *err)
{
    memset(offer, 0, sizeof *offer);
    if (vc_arch_index(arch) < 0)
        return vc_fail(err, VC_EINPUT, "unknown architecture '%s'", arch ? arch : "(null)");
    if (!machine || strlen(machine) > VC_FIRMWARE_MAX_MACHINE)
        return vc_fail(err, VC_ELIMIT, "a machine type of at most %d bytes expected", VC_FIRMWARE_MAX_MACHINE);
    const char **found = NULL;
    size_t nfound = 0;
    for (size_t i = 0; i < set->ndescs; i++) {
        const vc_firmware_desc *fw = &set->descs[i];
        if (!matches(fw, arch, machine))
            continue;
        offer->efi |= listed(fw->interfaces, fw->ninterfaces, "uefi");
        offer->bios |= listed(fw->interfaces, fw->ninterfaces, "bios");
        /* The reference takes SMM, not the secure-boot feature, for it. */
        offer->secure |= listed(fw->features, fw->nfeatures, "requires-smm");
        const char *exe = strcmp(fw->device, "flash") == 0    ? fw->executable
                          : strcmp(fw->device, "memory") == 0 ? fw->filename
                                                              : NULL;
        if (!exe || listed(found, nfound, exe))
            continue;
        const char **slot = VC_PUSH(a, found, nfound);
        if (!slot)
            return vc_oom(err);
        *slot = exe;
    }
    const char *const *list = nfound ? found : builtin_loaders;
    size_t n = nfound ? nfound : sizeof builtin_loaders / sizeof builtin_loaders[0];
    for (size_t i = 0; i < n; i++) {
        if (vc_host_exists(probe, list[i]) != 1)
            continue;
        char *copy = vc_strdup(a, list[i]);
        char **slot = copy ? VC_PUSH(a, offer->loaders, offer->nloaders) : NULL;
        if (!slot)
            return vc_oom(err);
        *slot = copy;
    }
    return 0;
}
