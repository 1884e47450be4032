/* x86 CPUs against the CPU model database, with the rules of libvirt 9.0.0
 * as Debian builds it (src/cpu/cpu_x86.c with the backports for features
 * QEMU removed from models and for weighing disabled features): naming the
 * closest model for raw CPUID data (x86Decode), comparing a guest CPU with a
 * host CPU (x86Compute) and the baseline of many host CPUs
 * (virCPUx86Baseline). CPU data is a vector of the register words the
 * database uses (vc_x86_map.words), so that every step is a few AND/OR
 * operations per word. */
#include "base/arch.h"
#include "cpu/cpu.h"
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

/* leaf 1 eax without its reserved bits: family, model, stepping */
#define SIGNATURE_MASK 0x0fff3fffu

/* x86ModelFromCPU's "every feature with its policy" */
#define POLICY_ALL (-2)

static const char *const policy_names[] = {"force", "require", "optional", "disable", "forbid"};

/* ---- vectors ---- */

static uint32_t *vec_new(const vc_x86_map *map, vc_arena *a)
{
    return vc_alloc(a, (map->nwords ? map->nwords : 1) * sizeof(uint32_t));
}

static bool has_feature(const uint32_t *data, const vc_x86_feature *f)
{
    for (size_t i = 0; i < f->nbits; i++)
        if ((data[f->bits[i].word] & f->bits[i].mask) != f->bits[i].mask)
            return false;
    return true;
}

static void add_feature(uint32_t *data, const vc_x86_feature *f)
{
    for (size_t i = 0; i < f->nbits; i++)
        data[f->bits[i].word] |= f->bits[i].mask;
}

static void remove_feature(uint32_t *data, const vc_x86_feature *f)
{
    for (size_t i = 0; i < f->nbits; i++)
        data[f->bits[i].word] &= ~f->bits[i].mask;
}

static bool vec_empty(const vc_x86_map *map, const uint32_t *v)
{
    for (size_t i = 0; i < map->nwords; i++)
        if (v[i])
            return false;
    return true;
}

static void vec_sub(const vc_x86_map *map, uint32_t *v, const uint32_t *w)
{
    for (size_t i = 0; i < map->nwords; i++)
        v[i] &= ~w[i];
}

uint32_t *vc_x86_data_from_cpudata(const vc_x86_map *map, const vc_cpudata *d, vc_arena *a, uint32_t *signature)
{
    uint32_t *v = vec_new(map, a);
    if (!v)
        return NULL;
    for (size_t i = 0; i < map->nwords; i++) {
        const vc_x86_word *w = &map->words[i];
        if (!w->msr) {
            const vc_cpuid *l = vc_cpudata_cpuid(d, w->in, w->sub);
            if (l)
                v[i] = w->reg == 0 ? l->eax : w->reg == 1 ? l->ebx : w->reg == 2 ? l->ecx : l->edx;
        } else {
            for (size_t j = 0; j < d->nmsr; j++)
                if (d->msr[j].index == w->in)
                    v[i] = w->reg == 0 ? d->msr[j].eax : d->msr[j].edx;
        }
    }
    const vc_cpuid *leaf1 = vc_cpudata_cpuid(d, 1, 0);
    *signature = leaf1 ? leaf1->eax & SIGNATURE_MASK : 0;
    return v;
}

uint32_t *vc_x86_data_new(const vc_x86_map *map, vc_arena *a)
{
    return vec_new(map, a);
}

const vc_x86_vendor *vc_x86_vendor_by_string(const vc_x86_map *map, const char *s)
{
    if (strlen(s) != 12)
        return NULL;
    uint32_t regs[3]; /* ebx, edx, ecx: the string's order */
    for (size_t r = 0; r < 3; r++) {
        const unsigned char *b = (const unsigned char *)s + 4 * r;
        regs[r] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    }
    for (size_t i = 0; i < map->nvendors; i++) {
        const vc_x86_vendor *v = &map->vendors[i];
        if (v->bits[0].mask == regs[0] && v->bits[1].mask == regs[1] && v->bits[2].mask == regs[2])
            return v;
    }
    return NULL;
}

bool vc_x86_data_add_feature(const vc_x86_map *map, uint32_t *data, const char *name)
{
    const vc_x86_feature *f = vc_x86_feature_find(map, name);
    if (f)
        add_feature(data, f);
    return f != NULL;
}

void vc_x86_data_add_vendor(uint32_t *data, const vc_x86_vendor *v)
{
    for (int r = 0; r < 3; r++)
        data[v->bits[r].word] |= v->bits[r].mask;
}

bool vc_x86_feature_is_msr(const vc_x86_map *map, const vc_x86_feature *f)
{
    for (size_t i = 0; i < f->nbits; i++)
        if (map->words[f->bits[i].word].msr)
            return true;
    return false;
}

uint32_t vc_x86_make_signature(uint32_t family, uint32_t model, uint32_t stepping)
{
    uint32_t sig = (stepping & 0xf) | (model & 0xf) << 4 | (model & 0xf0) << 12;
    if (family > 0xf)
        sig |= 0xfu << 8 | ((family - 0xf) & 0xff) << 20;
    else
        sig |= (family & 0xf) << 8;
    return sig;
}

/* ---- signatures ---- */

static void signature_split(uint32_t sig, uint32_t *family, uint32_t *model, uint32_t *stepping)
{
    *family = ((sig >> 20) & 0xff) + ((sig >> 8) & 0xf);
    *model = ((sig >> 12) & 0xf0) + ((sig >> 4) & 0xf);
    *stepping = sig & 0xf;
}

static bool signature_matches(const vc_x86_model *m, uint32_t sig)
{
    uint32_t family, model, stepping;
    signature_split(sig, &family, &model, &stepping);
    for (size_t i = 0; i < m->nsigs; i++)
        if (m->sigs[i].family == family && m->sigs[i].model == model &&
            (!m->sigs[i].steppings || (m->sigs[i].steppings & (1u << stepping))))
            return true;
    return false;
}

/* ---- decoding ---- */

/* The vendor whose string leaf 0 spells, its bits then cleared. */
static const vc_x86_vendor *take_vendor(const vc_x86_map *map, uint32_t *data)
{
    for (size_t i = 0; i < map->nvendors; i++) {
        const vc_x86_vendor *v = &map->vendors[i];
        bool all = true;
        for (int r = 0; r < 3 && all; r++)
            all = (data[v->bits[r].word] & v->bits[r].mask) == v->bits[r].mask;
        if (all) {
            for (int r = 0; r < 3; r++)
                data[v->bits[r].word] &= ~v->bits[r].mask;
            return v;
        }
    }
    return NULL;
}

/* Haswell and early Broadwell CPUs announce TSX that microcode disabled. */
static void drop_broken_tsx(const vc_x86_map *map, uint32_t *data, const vc_x86_vendor *vendor, uint32_t sig)
{
    if (!vendor || strcmp(vendor->name, "Intel") != 0)
        return;
    uint32_t family, model, stepping;
    signature_split(sig, &family, &model, &stepping);
    if (family == 6 && ((model == 63 && stepping < 4) || model == 60 || model == 69 || model == 70)) {
        const vc_x86_feature *f;
        if ((f = vc_x86_feature_find(map, "hle")))
            remove_feature(data, f);
        if ((f = vc_x86_feature_find(map, "rtm")))
            remove_feature(data, f);
    }
}

/* x86DataToCPUFeatures: features taken greedily in the database's order,
 * each one's bits removed from v once taken. Counts, or lists into out;
 * marks what it takes in stamp (when given) with gen. */
static size_t take_features(const vc_x86_map *map, uint32_t *v, const vc_x86_feature **out, uint32_t *stamp,
                            uint32_t gen)
{
    size_t n = 0;
    for (size_t i = 0; i < map->nfeatures; i++) {
        const vc_x86_feature *f = &map->features[i];
        if (has_feature(v, f)) {
            remove_feature(v, f);
            if (out)
                out[n] = f;
            if (stamp)
                stamp[i] = gen;
            n++;
        }
    }
    return n;
}

static bool any_feature(const vc_x86_map *map, const uint32_t *v)
{
    for (size_t i = 0; i < map->nfeatures; i++)
        if (has_feature(v, &map->features[i]))
            return true;
    return false;
}

/* A model as the CPU definition it would give: nreq required features,
 * then ndis disabled ones. */
typedef struct candidate {
    const vc_x86_model *model;
    size_t nreq, ndis;
} candidate;

/* The size of the CPU definition a candidate gives. For guest CPUs each
 * disabled feature weighs more than the one before (2, 3, 4...), counted
 * the way the reference's loop does: its bound shrinks as it counts, so it
 * stops about halfway through the disabled features. */
static void score(const candidate *c, bool guest, size_t *total, size_t *disabled)
{
    size_t enabled = c->nreq + c->ndis;
    *disabled = 0;
    if (guest) {
        size_t penalty = 2;
        for (size_t i = 0; i < enabled; i++)
            if (i >= c->nreq) {
                enabled--;
                *disabled += penalty++;
            }
    }
    *total = enabled + *disabled;
}

/* x86DecodeUseCandidate: 0 keep the current model, 1 take the candidate,
 * 2 take it and stop. */
static int use_candidate(const candidate *cur, const candidate *cand, uint32_t sig, const vc_x86_decode_opts *opts)
{
    bool preferred = false;
    for (size_t i = 0; i < opts->npreferred && !preferred; i++)
        preferred = strcmp(cand->model->name, opts->preferred[i]) == 0;
    if (preferred && opts->npreferred == 1)
        return 2;
    if (!cur->model)
        return 1;
    /* Once a model with the CPU's own family and model is found, only
     * such models are considered. */
    bool cur_sig = sig && signature_matches(cur->model, sig);
    bool cand_sig = sig && signature_matches(cand->model, sig);
    if (cur_sig && !cand_sig)
        return 0;
    if (cand_sig && !cur_sig)
        return 1;
    size_t ct, cd, nt, nd;
    score(cur, opts->guest, &ct, &cd);
    score(cand, opts->guest, &nt, &nd);
    if (nt < ct || (nt == ct && nd < cd))
        return 1;
    if (preferred && nd < cd)
        return 1;
    return 0;
}

static const vc_hv_model *hv_model(const vc_x86_decode_opts *opts, const char *name)
{
    for (size_t i = 0; i < opts->nmodels; i++)
        if (strcmp(opts->models[i].name, name) == 0)
            return &opts->models[i];
    return NULL;
}

/* x86DataToCPU: a blocker the CPU does not bring beyond the model is
 * disabled explicitly, like the model's features the CPU lacks. */
static void add_blockers(const vc_x86_map *map, const vc_hv_model *hv, const uint32_t *extra, uint32_t *missing)
{
    for (size_t i = 0; hv && i < hv->nblockers; i++) {
        const vc_x86_feature *f = vc_x86_feature_find(map, hv->blockers[i]);
        if (f && !has_feature(extra, f))
            add_feature(missing, f);
    }
}

int vc_x86_decode(const vc_x86_map *map, const uint32_t *input, uint32_t signature, const vc_x86_decode_opts *opts,
                  vc_arena *a, vc_cpu *cpu, vc_error *err)
{
    size_t nw = map->nwords;
    uint32_t *data = vec_new(map, a), *extra = vec_new(map, a), *missing = vec_new(map, a);
    uint32_t *stamp = vc_alloc(a, (map->nfeatures + 1) * sizeof *stamp);
    if (!data || !extra || !missing || !stamp)
        return vc_oom(err);
    memcpy(data, input, nw * sizeof *data);
    const vc_x86_vendor *vendor = take_vendor(map, data);
    drop_broken_tsx(map, data, vendor, signature);

    candidate best = {0};
    uint32_t gen = 0;
    for (size_t i = map->nmodels; i-- > 0;) {
        const vc_x86_model *m = &map->models[i];
        if (vendor && m->vendor && vendor != m->vendor)
            continue;
        if (opts->guest ? !m->decode_guest : !m->decode_host)
            continue;
        const vc_hv_model *hv = opts->models ? hv_model(opts, m->name) : NULL;
        if (opts->models && !hv)
            continue;
        for (size_t w = 0; w < nw; w++) {
            extra[w] = data[w] & ~m->data[w];
            missing[w] = m->data[w] & ~data[w];
        }
        add_blockers(map, hv, extra, missing);
        candidate cand = {.model = m};
        if (!opts->guest) {
            /* A host CPU is never described by disabling a model's features. */
            if (any_feature(map, missing))
                continue;
            cand.nreq = take_features(map, extra, NULL, NULL, 0);
        } else {
            gen++;
            cand.nreq = take_features(map, extra, NULL, stamp, gen);
            cand.ndis = take_features(map, missing, NULL, stamp, gen);
            /* Features QEMU removed from the model are disabled explicitly. */
            for (size_t r = 0; r < m->nremoved; r++) {
                size_t fi = (size_t)(m->removed[r] - map->features);
                if (stamp[fi] != gen) {
                    stamp[fi] = gen;
                    cand.ndis++;
                }
            }
        }
        int rc = use_candidate(&best, &cand, signature, opts);
        if (rc)
            best = cand;
        if (rc == 2)
            break;
    }
    if (!best.model)
        return vc_fail(err, VC_EINPUT, "Cannot find suitable CPU model for given data");

    const vc_x86_model *m = best.model;
    for (size_t w = 0; w < nw; w++) {
        extra[w] = data[w] & ~m->data[w];
        missing[w] = m->data[w] & ~data[w];
    }
    add_blockers(map, opts->models ? hv_model(opts, m->name) : NULL, extra, missing);
    size_t max = map->nfeatures + m->nremoved + 1;
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    const vc_x86_feature **list = vc_alloc(a, max * sizeof *list);
    if (!list)
        return vc_oom(err);
    gen++;
    size_t nreq = take_features(map, extra, list, stamp, gen);
    size_t n = nreq;
    if (opts->guest) {
        n += take_features(map, missing, list + n, stamp, gen);
        for (size_t r = 0; r < m->nremoved; r++) {
            size_t fi = (size_t)(m->removed[r] - map->features);
            if (stamp[fi] != gen) {
                stamp[fi] = gen;
                list[n++] = m->removed[r];
            }
        }
    }
    if (!(cpu->features = vc_alloc(a, (n + 1) * sizeof *cpu->features)))
        return vc_oom(err);
    cpu->nfeatures = 0;
    for (size_t i = 0; i < n; i++) {
        const vc_x86_feature *f = list[i];
        /* Features that block migration are left out on request; no model
         * of the database holds one itself. */
        if (opts->migratable && !f->migratable)
            continue;
        vc_feature *out = &cpu->features[cpu->nfeatures++];
        if (!(out->name = vc_strdup(a, f->name)))
            return vc_oom(err);
        out->policy = !opts->guest ? NULL : (char *)policy_names[i < nreq ? VC_POLICY_REQUIRE : VC_POLICY_DISABLE];
    }
    if (!(cpu->model = vc_strdup(a, m->name)))
        return vc_oom(err);
    cpu->vendor = NULL;
    if (vendor && !(cpu->vendor = vc_strdup(a, vendor->name)))
        return vc_oom(err);
    if (!opts->guest) {
        uint32_t family, model, stepping;
        signature_split(signature, &family, &model, &stepping);
        /* The reference writes a signature only when it knows the family. */
        cpu->has_signature = family != 0;
        cpu->sig_family = cpu->has_signature ? family : VC_UNSET;
        cpu->sig_model = cpu->has_signature ? model : VC_UNSET;
        cpu->sig_stepping = cpu->has_signature ? stepping : VC_UNSET;
    }
    return 0;
}

int vc_x86_decode_host(const vc_x86_map *map, const vc_cpudata *d, vc_arena *a, vc_cpu *cpu, vc_error *err)
{
    uint32_t sig;
    uint32_t *data = vc_x86_data_from_cpudata(map, d, a, &sig);
    if (!data)
        return vc_oom(err);
    vc_x86_decode_opts opts = {0};
    if (vc_x86_decode(map, data, sig, &opts, a, cpu, err) < 0)
        return -1;
    if (!cpu->arch && !(cpu->arch = vc_strdup(a, "x86_64")))
        return vc_oom(err);
    return 0;
}

/* x86FeatureNames: every feature the data holds, in the database's order. */
static int feature_names(const vc_x86_map *map, const uint32_t *data, vc_arena *a, char ***names, size_t *n)
{
    *n = 0;
    if (!(*names = vc_alloc(a, (map->nfeatures + 1) * sizeof **names)))
        return -1;
    for (size_t i = 0; i < map->nfeatures; i++)
        if (has_feature(data, &map->features[i]))
            (*names)[(*n)++] = (char *)map->features[i].name;
    return 0;
}

/* ---- CPU definitions as data ---- */

/* x86ModelFromCPU: the model's features plus (policy ALL) required and
 * forced features minus disabled and forbidden ones, or only the features
 * of one policy. A host CPU has required features only. */
static int model_from_cpu(const vc_x86_map *map, const vc_cpu *cpu, int policy, uint32_t *out,
                          const vc_x86_model **model_out, vc_error *err)
{
    memset(out, 0, map->nwords * sizeof *out);
    if (model_out)
        *model_out = NULL;
    bool host = vc_cpu_is_host(cpu);
    if (host && policy != VC_POLICY_REQUIRE && policy != POLICY_ALL)
        return 0;
    if (cpu->model && (policy == VC_POLICY_REQUIRE || policy == POLICY_ALL)) {
        const vc_x86_model *m = vc_x86_model_find(map, cpu->model);
        if (!m)
            return vc_fail(err, VC_EINPUT, "Unknown CPU model %s", cpu->model);
        memcpy(out, m->data, map->nwords * sizeof *out);
        if (model_out)
            *model_out = m;
    }
    for (size_t i = 0; i < cpu->nfeatures; i++) {
        int fpol = vc_cpu_feature_policy(cpu, i);
        if (fpol == VC_POLICY_NONE)
            fpol = VC_POLICY_REQUIRE;
        if ((policy == POLICY_ALL && fpol == VC_POLICY_OPTIONAL) || (policy != POLICY_ALL && fpol != policy))
            continue;
        const vc_x86_feature *f = vc_x86_feature_find(map, cpu->features[i].name);
        if (!f)
            return vc_fail(err, VC_EINPUT, "Unknown CPU feature %s", cpu->features[i].name);
        if (policy == POLICY_ALL && (fpol == VC_POLICY_DISABLE || fpol == VC_POLICY_FORBID))
            remove_feature(out, f);
        else
            add_feature(out, f);
    }
    return 0;
}

/* ---- comparing ---- */

enum { EQUAL, SUPERSET, SUBSET, UNRELATED };

static int model_compare(const vc_x86_map *map, const uint32_t *a, const uint32_t *b)
{
    bool a_more = false, b_more = false;
    for (size_t i = 0; i < map->nwords; i++) {
        a_more |= (a[i] & ~b[i]) != 0;
        b_more |= (b[i] & ~a[i]) != 0;
    }
    return a_more && b_more ? UNRELATED : a_more ? SUPERSET : b_more ? SUBSET : EQUAL;
}

static int incompatible(const vc_x86_map *map, vc_arena *a, vc_compare_result *res, const char *what,
                        const uint32_t *data, vc_error *err)
{
    res->result = VC_CMP_INCOMPATIBLE;
    if (feature_names(map, data, a, &res->features, &res->nfeatures) < 0)
        return vc_oom(err);
    vc_buf b;
    vc_buf_init(&b);
    vc_buf_printf(&b, "%s: ", what);
    for (size_t i = 0; i < res->nfeatures; i++)
        vc_buf_printf(&b, "%s%s", i ? ", " : "", res->features[i]);
    res->message = b.oom ? NULL : vc_strndup(a, b.data, b.len);
    vc_buf_free(&b);
    return res->message ? 0 : vc_oom(err);
}

int vc_x86_compare(const vc_x86_map *map, const vc_cpu *host, const vc_cpu *guest, vc_arena *a,
                   vc_compare_result *res, vc_error *err)
{
    memset(res, 0, sizeof *res);
    res->result = VC_CMP_ERROR;
    if (!host->model) {
        res->result = VC_CMP_INCOMPATIBLE;
        res->message = "unknown host CPU";
        return 0;
    }
    if (guest->arch && !vc_arch_is_x86(guest->arch)) {
        res->result = VC_CMP_INCOMPATIBLE;
        res->message = vc_sprintf(a, "CPU arch %s does not match host arch", guest->arch);
        return res->message ? 0 : vc_oom(err);
    }
    if (guest->vendor && (!host->vendor || strcmp(guest->vendor, host->vendor) != 0)) {
        res->result = VC_CMP_INCOMPATIBLE;
        res->message = vc_sprintf(a, "host CPU vendor does not match required CPU vendor %s", guest->vendor);
        return res->message ? 0 : vc_oom(err);
    }
    uint32_t *host_model = vec_new(map, a), *force = vec_new(map, a), *require = vec_new(map, a),
             *optional = vec_new(map, a), *disable = vec_new(map, a), *forbid = vec_new(map, a);
    if (!host_model || !force || !require || !optional || !disable || !forbid)
        return vc_oom(err);
    if (model_from_cpu(map, host, POLICY_ALL, host_model, NULL, err) < 0 ||
        model_from_cpu(map, guest, VC_POLICY_FORCE, force, NULL, err) < 0 ||
        model_from_cpu(map, guest, VC_POLICY_REQUIRE, require, NULL, err) < 0 ||
        model_from_cpu(map, guest, VC_POLICY_OPTIONAL, optional, NULL, err) < 0 ||
        model_from_cpu(map, guest, VC_POLICY_DISABLE, disable, NULL, err) < 0 ||
        model_from_cpu(map, guest, VC_POLICY_FORBID, forbid, NULL, err) < 0)
        return -1;

    for (size_t i = 0; i < map->nwords; i++)
        forbid[i] &= host_model[i];
    if (!vec_empty(map, forbid))
        return incompatible(map, a, res, "Host CPU provides forbidden features", forbid, err);

    /* Features the model brings in that the guest forces, disables or
     * makes optional are not required. */
    vec_sub(map, require, force);
    vec_sub(map, require, optional);
    vec_sub(map, require, disable);
    int rel = model_compare(map, host_model, require);
    if (rel == SUBSET || rel == UNRELATED) {
        vec_sub(map, require, host_model);
        return incompatible(map, a, res, "Host CPU does not provide required features", require, err);
    }

    vec_sub(map, host_model, optional);
    vec_sub(map, host_model, require);
    vec_sub(map, host_model, disable);
    vec_sub(map, host_model, force);
    res->result = vec_empty(map, host_model) ? VC_CMP_IDENTICAL : VC_CMP_SUPERSET;
    if (res->result == VC_CMP_SUPERSET && !vc_cpu_is_host(guest) && guest->match &&
        strcmp(guest->match, "strict") == 0)
        return incompatible(map, a, res, "Host CPU does not strictly match guest CPU: Extra features", host_model,
                            err);
    return 0;
}

/* ---- baselines ---- */

struct vc_x86_baseline {
    const vc_x86_map *map;
    vc_arena *a;
    size_t n;
    uint32_t *base, *scratch;
    const vc_x86_vendor *vendor;
    bool output_vendor;
    const char **names;      /* the models the CPUs name, each once */
    size_t nnames, cap;
};

/* Every name must be a model of the database, so the list stays short. */
static int add_name(vc_x86_baseline *b, const char *name)
{
    for (size_t i = 0; i < b->nnames; i++)
        if (strcmp(b->names[i], name) == 0)
            return 0;
    if (b->nnames == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 16;
        const char **fresh = vc_alloc(b->a, ncap * sizeof *fresh);
        if (!fresh)
            return -1;
        if (b->nnames)
            memcpy(fresh, b->names, b->nnames * sizeof *fresh);
        b->names = fresh;
        b->cap = ncap;
    }
    return (b->names[b->nnames++] = vc_strdup(b->a, name)) ? 0 : -1;
}

vc_x86_baseline *vc_x86_baseline_new(const vc_x86_map *map, vc_arena *a)
{
    vc_x86_baseline *b = vc_alloc(a, sizeof *b);
    if (!b)
        return NULL;
    b->map = map;
    b->a = a;
    b->output_vendor = true;
    if (!(b->base = vec_new(map, a)) || !(b->scratch = vec_new(map, a)))
        return NULL;
    return b;
}

int vc_x86_baseline_add(vc_x86_baseline *b, const vc_cpu *cpu, vc_error *err)
{
    const vc_x86_map *map = b->map;
    size_t i = b->n;
    if (!cpu->model)
        return vc_fail(err, VC_EINPUT, "no CPU model specified at index %zu", i);
    if (i == 0) {
        if (model_from_cpu(map, cpu, POLICY_ALL, b->base, NULL, err) < 0)
            return -1;
        if (!cpu->vendor)
            b->output_vendor = false;
        else if (!(b->vendor = vc_x86_vendor_find(map, cpu->vendor)))
            return vc_fail(err, VC_EINPUT, "Unknown CPU vendor %s", cpu->vendor);
        if (add_name(b, cpu->model) < 0)
            return vc_oom(err);
        b->n++;
        return 0;
    }
    const vc_x86_model *model;
    if (model_from_cpu(map, cpu, POLICY_ALL, b->scratch, &model, err) < 0)
        return -1;
    if (add_name(b, cpu->model) < 0)
        return vc_oom(err);
    if (cpu->vendor && model && model->vendor && strcmp(cpu->vendor, model->vendor->name) != 0)
        return vc_fail(err, VC_EINPUT, "CPU vendor %s of model %s differs from vendor %s", model->vendor->name,
                       model->name, cpu->vendor);
    const char *vn = NULL;
    if (cpu->vendor) {
        vn = cpu->vendor;
    } else {
        b->output_vendor = false;
        if (model && model->vendor)
            vn = model->vendor->name;
    }
    if (vn) {
        if (!b->vendor) {
            if (!(b->vendor = vc_x86_vendor_find(map, vn)))
                return vc_fail(err, VC_EINPUT, "Unknown CPU vendor %s", vn);
        } else if (strcmp(b->vendor->name, vn) != 0) {
            return vc_fail(err, VC_EINPUT, "CPU vendors do not match");
        }
    }
    for (size_t w = 0; w < map->nwords; w++)
        b->base[w] &= b->scratch[w];
    b->n++;
    return 0;
}

int vc_x86_baseline_finish(vc_x86_baseline *b, const vc_baseline_opts *opts, vc_cpu *out, vc_error *err)
{
    const vc_x86_map *map = b->map;
    if (b->n == 0)
        return vc_fail(err, VC_EINPUT, "no CPUs given");
    if (opts->has_features) {
        uint32_t *known = vec_new(map, b->a);
        if (!known)
            return vc_oom(err);
        for (size_t i = 0; i < opts->nfeatures; i++) {
            const vc_x86_feature *f = vc_x86_feature_find(map, opts->features[i]);
            if (f)
                add_feature(known, f);
        }
        for (size_t w = 0; w < map->nwords; w++)
            b->base[w] &= known[w];
    }
    if (vec_empty(map, b->base))
        return vc_fail(err, VC_EINPUT, "CPUs are incompatible");
    if (b->vendor)
        for (int r = 0; r < 3; r++)
            b->base[b->vendor->bits[r].word] |= b->vendor->bits[r].mask;
    vc_x86_decode_opts dopts = {
        .guest = true, .preferred = b->names, .npreferred = b->nnames, .migratable = opts->migratable,
        .models = opts->models, .nmodels = opts->nmodels};
    if (vc_x86_decode(map, b->base, 0, &dopts, b->a, out, err) < 0)
        return -1;
    out->mode = "custom";
    out->match = "exact";
    out->fallback = b->nnames == 1 && strcmp(out->model, b->names[0]) == 0 ? "forbid" : "allow";
    if (!b->output_vendor)
        out->vendor = NULL;
    if (opts->expand && vc_x86_expand(map, b->a, out, err) < 0)
        return -1;
    return 0;
}

/* ---- expanding ---- */

static int cmp_feature_name(const void *x, const void *y)
{
    return strcmp(((const vc_feature *)x)->name, ((const vc_feature *)y)->name);
}

int vc_x86_expand(const vc_x86_map *map, vc_arena *a, vc_cpu *cpu, vc_error *err)
{
    bool host = vc_cpu_is_host(cpu);
    const vc_x86_model *m = cpu->model ? vc_x86_model_find(map, cpu->model) : NULL;
    if (!m)
        return vc_fail(err, VC_EINPUT, "unknown CPU model %s", cpu->model ? cpu->model : "(none)");
    uint32_t *data = vec_new(map, a);
    // NOLINTNEXTLINE(bugprone-sizeof-expression): pointers
    const vc_x86_feature **fs = vc_alloc(a, (map->nfeatures + 1) * sizeof *fs);
    if (!data || !fs)
        return vc_oom(err);
    memcpy(data, m->data, map->nwords * sizeof *data);
    size_t n = take_features(map, data, fs, NULL, 0);
    vc_feature *list = vc_alloc(a, (n + cpu->nfeatures + m->nremoved + 1) * sizeof *list);
    if (!list)
        return vc_oom(err);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        list[k++] = (vc_feature){.name = (char *)fs[i]->name,
                                 .policy = host ? NULL : (char *)policy_names[VC_POLICY_REQUIRE]};
    for (size_t i = 0; i < cpu->nfeatures; i++) {
        int pol = vc_cpu_feature_policy(cpu, i);
        if (!host && pol != VC_POLICY_REQUIRE && pol != VC_POLICY_DISABLE)
            continue;
        char *policy = host ? NULL : (char *)policy_names[pol];
        size_t j = 0;
        while (j < k && strcmp(list[j].name, cpu->features[i].name) != 0)
            j++;
        if (j == k)
            list[k++].name = cpu->features[i].name;
        list[j].policy = policy;
    }
    for (size_t r = 0; !host && r < m->nremoved; r++) {
        size_t j = 0;
        while (j < k && strcmp(list[j].name, m->removed[r]->name) != 0)
            j++;
        if (j == k)
            list[k++] = (vc_feature){.name = (char *)m->removed[r]->name,
                                     .policy = (char *)policy_names[VC_POLICY_DISABLE]};
    }
    for (size_t i = 0; i < k; i++)
        if (!(list[i].name = vc_strdup(a, list[i].name)))
            return vc_oom(err);
    qsort(list, k, sizeof *list, cmp_feature_name);
    cpu->features = list;
    cpu->nfeatures = k;
    return 0;
}
