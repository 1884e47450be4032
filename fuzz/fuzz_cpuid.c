/* Any bytes -> raw CPU data or an error. Data that reads must write and
 * read back to the same items; what decodes must format and read back, be
 * identical to itself and run its own baseline. */
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "model/model.h"
#include "xml/xml.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The harness keeps the database across inputs; the library never does. */
static vc_cpu_db *db;

static void same_data(const vc_cpudata *a, const vc_cpudata *b)
{
    size_t j = 0;
    for (size_t i = 0; i < a->ncpuid; i++) {
        const vc_cpuid *x = &a->cpuid[i];
        if (!(x->eax | x->ebx | x->ecx | x->edx))
            continue; /* the writer leaves all-zero leaves out */
        if (j >= b->ncpuid || memcmp(x, &b->cpuid[j++], sizeof *x) != 0)
            abort();
    }
    if (j != b->ncpuid)
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!db && !(db = vc_cpu_db_new(NULL)))
        abort();
    vc_arena *a = vc_arena_new();
    if (!a)
        abort();
    vc_error err;
    vc_cpudata d;
    if (vc_cpudata_read((const char *)data, size, a, &d, &err) < 0) {
        vc_arena_free(a);
        return 0;
    }
    vc_buf out;
    vc_buf_init(&out);
    vc_cpudata_write(&out, &d);
    vc_cpudata again;
    bool empty = true;
    for (size_t i = 0; i < d.ncpuid && empty; i++)
        empty = !(d.cpuid[i].eax | d.cpuid[i].ebx | d.cpuid[i].ecx | d.cpuid[i].edx);
    for (size_t i = 0; i < d.nmsr && empty; i++)
        empty = !(d.msr[i].eax | d.msr[i].edx);
    if (vc_cpudata_read(out.data, out.len, a, &again, &err) < 0) {
        if (!empty)
            abort(); /* the writer wrote what the reader refuses */
    } else {
        same_data(&d, &again);
    }
    vc_buf_free(&out);

    const vc_x86_map *map = vc_cpu_db_x86(db, &err);
    if (!map)
        abort(); /* libvirt0's database must be installed */
    vc_cpu *cpu = vc_cpu_new(a);
    if (!cpu || vc_x86_decode_host(map, &d, a, cpu, &err) < 0) {
        vc_arena_free(a);
        return 0;
    }
    vc_buf_init(&out);
    if (vc_cpu_format(&out, cpu, &err) < 0)
        abort();
    size_t n;
    vc_cpu **back = vc_xml_read_cpus(out.data, out.len, a, &n, &err);
    if (!back || n != 1 || strcmp(back[0]->model, cpu->model) != 0 || back[0]->nfeatures != cpu->nfeatures)
        abort();
    vc_buf_free(&out);

    vc_compare_result res;
    if (vc_cpu_compare(db, cpu, cpu, a, &res, &err) < 0 || res.result != VC_CMP_IDENTICAL)
        abort();
    vc_baseline *b = vc_baseline_new(db, a);
    vc_baseline_opts opts = {0};
    vc_cpu *base = vc_cpu_new(a);
    if (!b || !base || vc_baseline_add(b, cpu, &err) < 0 || vc_baseline_finish(b, &opts, base, &err) < 0)
        abort();
    if (vc_cpu_compare(db, cpu, base, a, &res, &err) < 0 || res.result == VC_CMP_INCOMPATIBLE)
        abort(); /* a host must run its own baseline */
    vc_arena_free(a);
    return 0;
}
