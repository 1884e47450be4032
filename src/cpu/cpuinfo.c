/* /proc/cpuinfo's "key : value" lines, as the POWER and ARM host models
 * read them (s390 hosts are not named at all). */
#include "cpu/cpu.h"

#include <stdlib.h>
#include <string.h>

/* The value of the first "key : value" line whose key is `key`, copied into
 * the arena without surrounding blanks; NULL when there is none. */
char *vc_cpuinfo_field(const char *text, const char *key, vc_arena *a)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        if (colon) {
            size_t k = (size_t)(colon - line);
            while (k && (line[k - 1] == ' ' || line[k - 1] == '\t'))
                k--;
            if (k == klen && memcmp(line, key, klen) == 0) {
                const char *v = colon + 1;
                const char *stop = line + len;
                while (v < stop && (*v == ' ' || *v == '\t'))
                    v++;
                while (stop > v && (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\r'))
                    stop--;
                return vc_strndup(a, v, (size_t)(stop - v));
            }
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

bool vc_hex_parse(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s)
        return false;
    unsigned long long v = strtoull(s, &end, 16);
    if (end == s || *end)
        return false;
    *out = v;
    return true;
}
