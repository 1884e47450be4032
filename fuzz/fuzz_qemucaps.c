/* Any bytes -> QEMU capabilities or an error; what reads gives domain
 * capabilities (or a clear error) for both accelerators, and they format. */
#include <stdlib.h>

#include "drivers/qemu_domcaps.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void fill(const vc_qemucaps *qc, vc_cpu_db *db, const char *virttype)
{
    static const char *const loaders[] = {"/a.fd", "/b.fd", "/a.fd"};
    vc_cpu cpu = {.model = "POWER8"};
    vc_qemu_host host = {.cpu = &cpu, .loaders = loaders, .nloaders = 3, .swtpm = true, .tpm_2_0 = true,
                         .vfio = true, .kvm_max_vcpus = 7, .sev_max_asid = 509, .sev_min_asid = 451,
                         .s390_secure_guest = true};
    vc_error err;
    vc_qemu_target t;
    if (vc_qemu_domcaps_target(qc, NULL, NULL, virttype, &t, &err) < 0) {
        if (err.code != VC_EINPUT)
            abort(); /* only wrong choices fail */
        return;
    }
    vc_domcaps *dc = vc_qemu_domcaps(qc, db, &t, &host, &err);
    if (!dc)
        abort();
    vc_buf out;
    vc_buf_init(&out);
    if (vc_domcaps_write(dc, &out, &err) < 0)
        abort();
    vc_buf_free(&out);
    vc_domcaps_free(dc);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    /* the CPU model database is read once: it is not what is fuzzed */
    static vc_cpu_db *db;
    if (!db && !(db = vc_cpu_db_new(NULL)))
        abort();
    vc_error err;
    vc_qemucaps *qc = vc_qemucaps_read((const char *)data, size, &err);
    if (!qc)
        return 0;
    fill(qc, db, "kvm");
    fill(qc, db, "qemu");
    vc_qemucaps_free(qc);
    return 0;
}
