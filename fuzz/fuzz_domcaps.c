/* Any bytes -> a domain capabilities model or an error. What parses must
 * format, and the formatted document must parse back to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "model/domcaps.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    vc_error err;
    vc_domcaps *dc = vc_domcaps_read((const char *)data, size, &err);
    if (!dc)
        return 0;
    vc_buf once;
    vc_buf_init(&once);
    if (vc_domcaps_write(dc, &once, &err) < 0)
        abort();
    vc_domcaps *again = vc_domcaps_read(once.data, once.len, &err);
    if (!again)
        abort(); /* format wrote what read refuses */
    vc_buf twice;
    vc_buf_init(&twice);
    if (vc_domcaps_write(again, &twice, &err) < 0 || twice.len != once.len ||
        memcmp(twice.data, once.data, once.len) != 0)
        abort(); /* formatting is not idempotent */
    vc_buf_free(&once);
    vc_buf_free(&twice);
    vc_domcaps_free(dc);
    vc_domcaps_free(again);
    return 0;
}
