/* QMP replies (json-c) and the reference's machine-type rules. */
#include "drivers/qmp.h"

#include "model/model.h"


#include <json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define QMP_MAX_DEPTH 32

static const char *const reply_ids[] = {"caps", "machines", "accels", "quit"};
enum { R_CAPS, R_MACHINES, R_ACCELS, R_QUIT, R_COUNT };

/* A string member: absent is fine (NULL), anything but a sane name is not. */
static int get_name(json_object *o, const char *key, bool required, const char **out, const char *what,
                    vc_error *err)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return vc_qmp_name(v, key, required, out, what, err);
}

int vc_qmp_name(json_object *v, const char *key, bool required, const char **out, const char *what, vc_error *err)
{
    *out = NULL;
    if (json_object_is_type(v, json_type_null)) {
        if (required)
            return vc_fail(err, VC_EINPUT, "%s: '%s' is missing", what, key);
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return vc_fail(err, VC_EINPUT, "%s: '%s' is not a string", what, key);
    size_t len = (size_t)json_object_get_string_len(v);
    const char *s = json_object_get_string(v);
    if (len == 0 || len > VC_QMP_MAX_NAME)
        return vc_fail(err, VC_EINPUT, "%s: '%s' is empty or longer than %d bytes", what, key, VC_QMP_MAX_NAME);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return vc_fail(err, VC_EINPUT, "%s: '%s' holds control characters", what, key);
    *out = s;
    return 0;
}

int vc_qmp_bool(json_object *o, const char *key, bool *out, const char *what, vc_error *err)
{
    json_object *v;
    *out = false;
    if (!json_object_object_get_ex(o, key, &v))
        return 0;
    if (!json_object_is_type(v, json_type_boolean))
        return vc_fail(err, VC_EINPUT, "%s: '%s' is not a boolean", what, key);
    *out = json_object_get_boolean(v);
    return 0;
}

int vc_qmp_read_machines(vc_arena *a, json_object *list, vc_qmp_info *out, vc_error *err)
{
    if (!json_object_is_type(list, json_type_array))
        return vc_fail(err, VC_EINPUT, "query-machines: the reply is not a list");
    size_t n = json_object_array_length(list);
    if (n > VC_QMP_MAX_MACHINES)
        return vc_fail(err, VC_ELIMIT, "query-machines: %zu machines, over the limit of %d", n, VC_QMP_MAX_MACHINES);
    out->machines = n ? vc_array(a, n, sizeof *out->machines) : NULL;
    if (n && !out->machines)
        return vc_oom(err);
    out->nmachines = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *m = json_object_array_get_idx(list, i), *v;
        char what[64];
        snprintf(what, sizeof what, "query-machines: machine %zu", i + 1);
        if (!json_object_is_type(m, json_type_object))
            return vc_fail(err, VC_EINPUT, "%s is not an object", what);
        const char *name, *alias;
        vc_qmp_machine *mt = &out->machines[i];
        if (get_name(m, "name", true, &name, what, err) < 0 || get_name(m, "alias", false, &alias, what, err) < 0 ||
            vc_qmp_bool(m, "is-default", &mt->is_default, what, err) < 0 ||
            vc_qmp_bool(m, "deprecated", &mt->deprecated, what, err) < 0)
            return -1;
        mt->cpu_max = 0;
        if (json_object_object_get_ex(m, "cpu-max", &v)) {
            if (!json_object_is_type(v, json_type_int))
                return vc_fail(err, VC_EINPUT, "%s: 'cpu-max' is not an integer", what);
            int64_t c = json_object_get_int64(v);
            if (c < 0 || c > INT32_MAX)
                return vc_fail(err, VC_EINPUT, "%s: 'cpu-max' %lld is out of range", what, (long long)c);
            mt->cpu_max = c;
        }
        if (!(mt->name = vc_strdup(a, name)) || (alias && !(mt->alias = vc_strdup(a, alias))))
            return vc_oom(err);
        out->nmachines++;
    }
    return 0;
}

static int read_accels(json_object *list, vc_qmp_info *out, vc_error *err)
{
    if (!json_object_is_type(list, json_type_array))
        return vc_fail(err, VC_EINPUT, "qom-list-types: the reply is not a list");
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(list, i), *v;
        if (!json_object_is_type(t, json_type_object) || !json_object_object_get_ex(t, "name", &v) ||
            !json_object_is_type(v, json_type_string))
            return vc_fail(err, VC_EINPUT, "qom-list-types: type %zu has no name", i + 1);
        const char *name = json_object_get_string(v);
        out->tcg |= strcmp(name, "tcg-accel") == 0;
        out->kvm |= strcmp(name, "kvm-accel") == 0;
    }
    return 0;
}

static int version_part(json_object *ver, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(ver, key, &v) || !json_object_is_type(v, json_type_int))
        return -1;
    int64_t x = json_object_get_int64(v);
    return x >= 0 && x <= 100000 ? (int)x : -1;
}

static int read_greeting(json_object *o, vc_qmp_info *out, vc_error *err)
{
    json_object *qmp, *ver, *qemu;
    if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "QMP", &qmp) ||
        !json_object_is_type(qmp, json_type_object))
        return vc_fail(err, VC_EINPUT, "not a QMP monitor: no {\"QMP\": ...} greeting");
    if (json_object_object_get_ex(qmp, "version", &ver) && json_object_object_get_ex(ver, "qemu", &qemu)) {
        out->major = version_part(qemu, "major");
        out->minor = version_part(qemu, "minor");
        out->micro = version_part(qemu, "micro");
    }
    return 0;
}

/* One reply in the session; the stage says which command it answers. */
static int read_reply(vc_arena *a, json_object *o, int stage, vc_qmp_info *out, vc_error *err)
{
    json_object *id, *ret, *e, *desc;
    const char *cmd = stage == R_ACCELS ? "qom-list-types" : stage == R_MACHINES ? "query-machines"
                      : stage == R_CAPS   ? "qmp_capabilities"
                                          : "quit";
    if (json_object_object_get_ex(o, "id", &id) &&
        (!json_object_is_type(id, json_type_string) || strcmp(json_object_get_string(id), reply_ids[stage]) != 0))
        return vc_fail(err, VC_EINPUT, "QMP: a reply with id %s where the answer to %s was due",
                       json_object_to_json_string_ext(id, JSON_C_TO_STRING_PLAIN), cmd);
    if (json_object_object_get_ex(o, "error", &e)) {
        const char *why = json_object_object_get_ex(e, "desc", &desc) && json_object_is_type(desc, json_type_string)
                              ? json_object_get_string(desc)
                              : "no reason given";
        return vc_fail(err, VC_EINPUT, "QEMU refused %s: %.200s", cmd, why);
    }
    if (!json_object_object_get_ex(o, "return", &ret))
        return vc_fail(err, VC_EINPUT,
                       "QMP: a message that is neither a reply nor an event where the answer to %s was due", cmd);
    if (stage == R_MACHINES)
        return vc_qmp_read_machines(a, ret, out, err);
    if (stage == R_ACCELS)
        return read_accels(ret, out, err);
    return 0;
}

static size_t skip_space(const char *data, size_t len, size_t off)
{
    while (off < len && (data[off] == ' ' || data[off] == '\t' || data[off] == '\r' || data[off] == '\n'))
        off++;
    return off;
}

/* The next JSON object at *off: 1 with *o set, 0 at the end of the data
 * (or a value cut off by it), -1 on anything that is not a JSON object. */
static int next_value(json_tokener *tok, const char *data, size_t len, size_t *off, json_object **o, vc_error *err)
{
    *o = NULL;
    *off = skip_space(data, len, *off);
    if (*off >= len)
        return 0;
    if (len - *off > INT_MAX)
        return vc_fail(err, VC_ELIMIT, "QMP: more than %d bytes", INT_MAX);
    json_tokener_reset(tok);
    json_object *v = json_tokener_parse_ex(tok, data + *off, (int)(len - *off));
    enum json_tokener_error e = json_tokener_get_error(tok);
    if (e == json_tokener_continue)
        return 0;
    if (e != json_tokener_success)
        return vc_fail(err, VC_EINPUT, "QMP: %s at byte %zu", json_tokener_error_desc(e),
                       *off + json_tokener_get_parse_end(tok));
    *off += json_tokener_get_parse_end(tok);
    if (!json_object_is_type(v, json_type_object)) {
        json_object_put(v);
        return vc_fail(err, VC_EINPUT, "QMP: a message that is not a JSON object");
    }
    *o = v;
    return 1;
}

static json_tokener *new_tokener(vc_error *err)
{
    json_tokener *tok = json_tokener_new_ex(QMP_MAX_DEPTH);
    if (!tok) {
        vc_oom(err);
        return NULL;
    }
    /* Not JSON_TOKENER_STRICT: it refuses a value followed by the next message. */
    json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
    return tok;
}

static void info_init(vc_qmp_info *out)
{
    memset(out, 0, sizeof *out);
    out->major = out->minor = out->micro = -1;
}

int vc_qmp_parse_session(vc_arena *a, const char *data, size_t len, vc_qmp_info *out, vc_error *err)
{
    info_init(out);
    json_tokener *tok = new_tokener(err);
    if (!tok)
        return -1;
    size_t off = 0;
    int stage = -1, rc = 0;
    while (stage < R_COUNT) {
        json_object *o;
        rc = next_value(tok, data, len, &off, &o, err);
        if (rc <= 0)
            break;
        if (stage < 0)
            rc = read_greeting(o, out, err);
        else if (json_object_object_get_ex(o, "event", NULL))
            stage--; /* events answer nothing */
        else
            rc = read_reply(a, o, stage, out, err);
        json_object_put(o);
        if (rc < 0)
            break;
        stage++;
    }
    json_tokener_free(tok);
    if (rc < 0)
        return -1;
    if (stage < 0)
        return vc_fail(err, VC_EINPUT, "not a QMP monitor: it printed %s", len ? "no complete message" : "nothing");
    if (stage <= R_MACHINES)
        return vc_fail(err, VC_EINPUT, "QEMU stopped before answering query-machines");
    if (stage <= R_ACCELS)
        return vc_fail(err, VC_EINPUT, "QEMU stopped before answering qom-list-types");
    return 0;
}

int vc_qmp_parse_machines(vc_arena *a, const char *data, size_t len, vc_qmp_info *out, vc_error *err)
{
    info_init(out);
    json_tokener *tok = new_tokener(err);
    if (!tok)
        return -1;
    size_t off = 0;
    json_object *o, *ret;
    int rc = next_value(tok, data, len, &off, &o, err);
    json_tokener_free(tok);
    if (rc == 0)
        return vc_fail(err, VC_EINPUT, "QMP: no complete reply");
    if (rc < 0)
        return -1;
    rc = -1;
    if (skip_space(data, len, off) != len)
        vc_fail(err, VC_EINPUT, "QMP: data after the reply at byte %zu", skip_space(data, len, off));
    else if (!json_object_object_get_ex(o, "return", &ret))
        vc_fail(err, VC_EINPUT, "QMP: the reply has no 'return'");
    else
        rc = vc_qmp_read_machines(a, ret, out, err);
    json_object_put(o);
    return rc;
}

static void move_to_front(vc_qmp_machine *m, size_t i)
{
    vc_qmp_machine t = m[i];
    memmove(m + 1, m, i * sizeof *m);
    m[0] = t;
}

void vc_qmp_order_machines(vc_qmp_machine *m, size_t *n, const char *preferred)
{
    size_t kept = 0;
    long pref = -1, dflt = -1;
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(m[i].name, "none") == 0)
            continue;
        m[kept] = m[i];
        if (preferred &&
            (strcmp(m[kept].name, preferred) == 0 || (m[kept].alias && strcmp(m[kept].alias, preferred) == 0)))
            pref = (long)kept;
        if (m[kept].is_default)
            dflt = (long)kept;
        kept++;
    }
    *n = kept;
    if (pref < 0)
        pref = dflt;
    if (pref > 0)
        move_to_front(m, (size_t)pref);
}

vc_machine *vc_qmp_caps_machines(vc_arena *a, const vc_qmp_machine *m, size_t n, size_t *out_n)
{
    *out_n = 0;
    if (n == 0)
        return NULL;
    vc_machine *list = vc_array(a, 2 * n, sizeof *list);
    if (!list)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        vc_machine *x = &list[i];
        memset(x, 0, sizeof *x);
        x->name = m[i].alias ? m[i].alias : m[i].name;
        x->canonical = m[i].alias ? m[i].name : NULL;
        x->max_cpus = m[i].cpu_max > 0 ? m[i].cpu_max : VC_UNSET;
        x->deprecated = m[i].deprecated ? 1 : VC_UNSET_B;
    }
    size_t len = n;
    for (size_t i = 0; i < len; i++) {
        if (!list[i].canonical)
            continue;
        bool found = false;
        for (size_t j = 0; j < len && !found; j++)
            found = strcmp(list[j].name, list[i].canonical) == 0;
        if (found)
            continue;
        /* Every alias adds at most one entry: 2n slots suffice. */
        memmove(list + i + 1, list + i, (len - i) * sizeof *list);
        list[i] = (vc_machine){.name = list[i + 1].canonical, .max_cpus = list[i + 1].max_cpus,
                               .deprecated = list[i + 1].deprecated};
        len++;
        i++;
    }
    *out_n = len;
    return list;
}
