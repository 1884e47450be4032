/* CPU and node lists as sorted, merged ranges (idset.c). */
#ifndef VC_IDSET_H
#define VC_IDSET_H

#include "base/base.h"

typedef struct vc_range {
    int64_t first, last;
} vc_range;

typedef struct vc_idset {
    vc_range *ranges;   /* sorted, neither overlapping nor adjacent */
    size_t n;
    int64_t count;      /* ids in the set */
} vc_idset;

/* Ids are below VC_CPUSET_MAX. The parsers put the ranges in a and return
 * 0, or -1 with err (VC_EINPUT, VC_ELIMIT past the limit, VC_ENOMEM). */
#define VC_CPUSET_MAX 1048576
/* The reference's cpusets ("0-3,8,^2"; blanks between items): items apply
 * in order, '^N' removes N unless a later item adds it back. */
int vc_cpuset_parse(vc_arena *a, const char *s, vc_idset *out, vc_error *err);
/* "0-3,8\n" as sysfs writes CPU and node lists; empty text is the empty set. */
int vc_idset_parse_list(vc_arena *a, const char *s, size_t len, vc_idset *out, vc_error *err);
/* "ff,ffffffff\n": a hexadecimal mask, comma-separated 32-bit groups allowed. */
int vc_idset_parse_mask(vc_arena *a, const char *s, size_t len, vc_idset *out, vc_error *err);
/* Builds a set from ids in any order (duplicates allowed); -1 on OOM. */
int vc_idset_from_ids(vc_arena *a, const int64_t *ids, size_t n, vc_idset *out);
int vc_idset_intersect(vc_arena *a, const vc_idset *x, const vc_idset *y, vc_idset *out);
bool vc_idset_has(const vc_idset *s, int64_t id);
int64_t vc_idset_max(const vc_idset *s); /* -1 when empty */
/* The smallest id of sub that super lacks; -1 when super has them all. */
int64_t vc_idset_missing(const vc_idset *sub, const vc_idset *super);
/* The reference's format: "0-3,8" (runs of two or more joined by '-'). */
void vc_idset_write(vc_buf *b, const vc_idset *s);
char *vc_idset_format(vc_arena *a, const vc_idset *s); /* NULL on OOM */

#endif
