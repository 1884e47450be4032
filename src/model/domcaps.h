/* Domain capabilities (libvirt's virDomainCaps, as `virsh domcapabilities`
 * shows it): one emulator, architecture, machine type and virtualization
 * type. The model is a tree of elements described by a static schema
 * (domcaps.c): the reader, the writer and the Lua conversion all walk the
 * same descriptions, so every element of the reference schema has exactly
 * one place, and elements or attributes the schema does not know are kept
 * where they were. Nothing here knows about Lua. */
#ifndef VC_DOMCAPS_H
#define VC_DOMCAPS_H

#include "base/base.h"

/* How a value is written and checked. */
enum dc_type {
    DC_NONE,    /* no text */
    DC_STR,     /* any text */
    DC_UINT,    /* unsignedInt: 0 .. 4294967295 */
    DC_ULONG,   /* unsignedLong, as far as a Lua integer reaches: 0 .. 2^63-1 */
    DC_YESNO,   /* yes / no: a boolean */
    DC_USABLE,  /* yes / no / unknown: true, false or the string "unknown" */
};

typedef struct dc_attr_desc {
    const char *name;
    enum dc_type type;
    bool required;
    const char *fixed;  /* the one value the schema allows ("KiB"), or NULL */
} dc_attr_desc;

enum dc_flags {
    DC_REQUIRED = 1 << 0,  /* the parent needs it */
    DC_REPEAT = 1 << 1,    /* an array under the key, in document order */
    DC_HOIST = 1 << 2,     /* text and attributes live in the parent's table (text under key) */
    DC_WRAP = 1 << 3,      /* holds only a repeated element: the key is that element's array */
    DC_OPEN = 1 << 4,      /* written as <x>\n</x> even when empty, as the reference does */
    DC_ENUMS = 1 << 5,     /* <enum name='X'> children: lists of strings under X */
    DC_BLOCKERS = 1 << 6,  /* <blockers model=>: kept with the custom mode's models */
    DC_CLOSED = 1 << 7,    /* its table form has no place for unknown attributes or elements */
    DC_BLOCKED = 1 << 8,   /* its table may carry `blockers` (the custom mode's models) */
};

typedef struct dc_desc dc_desc;
struct dc_desc {
    const char *name;             /* element name */
    const char *key;              /* the key in the parent's table */
    unsigned flags;
    const char *match;            /* <mode name=match>: one table per name under key */
    enum dc_type text;            /* DC_NONE: no text */
    const char *text_key;         /* where text goes in the element's own table ("value", "name") */
    const dc_attr_desc *attrs;    /* NULL-name terminated, in the reference's order */
    const dc_desc *const *children; /* NULL terminated, in the reference's order */
    const char *const *enums;     /* the reference's enum names, in its order */
    int enum_at;                  /* enums are written before children[enum_at] (-1: after all) */
};

/* A leaf: text only, no attributes and no children, given as a scalar. */
bool dc_is_leaf(const dc_desc *d);
size_t dc_nchildren(const dc_desc *d);
size_t dc_nattrs(const dc_desc *d);
/* The slot unknown elements are anchored to when they follow the enums. */
#define DC_ENUM_SLOT(d) ((int)dc_nchildren(d))
/* The enum slot's name in tables ("after = 'enum'"). */
#define DC_ENUM_KEY "enum"

typedef struct dc_node dc_node;

typedef struct dc_list {
    dc_node **v;
    size_t n;
} dc_list;

typedef struct dc_enum {
    char *name;
    char **values;
    size_t n;
} dc_enum;

typedef struct dc_xattr {
    char *name, *value;
} dc_xattr;

/* An element the schema does not know, and after which known child slot it
 * came (-1: before any). */
typedef struct dc_extra {
    int after;
    dc_node *node;
} dc_extra;

struct dc_node {
    const dc_desc *desc;  /* NULL: an element the schema does not know */
    char *name;           /* unknown elements only */
    int line;             /* where a parsed element started, 0 when built */
    char *text;           /* canonical text (numbers in decimal), NULL when none */
    char **attrs;         /* by desc->attrs index, NULL when absent */
    dc_xattr *xattrs;     /* unknown attributes, document order */
    size_t nxattrs;
    dc_list *kids;        /* by desc->children index */
    dc_enum *enums;       /* the reference's order, then others by name */
    size_t nenums;
    dc_extra *extra;      /* unknown elements (all children of an unknown element) */
    size_t nextra;
};

/* What a QEMU probe knows of the virt type's CPUs that the reference's
 * document has no place for (libvirt's feature names): hypervisor-cpu-
 * baseline needs them. */
typedef struct dc_blocked_model {
    const char *model;
    char **features;      /* what blocks it (QEMU's unavailable-features) */
    size_t nfeatures;
} dc_blocked_model;

typedef struct dc_hv_cpu {
    dc_blocked_model *blocked; /* the models QEMU says are not usable */
    size_t nblocked;
    bool expansion;            /* QEMU expanded the host CPU: */
    char **features;           /* its properties */
    size_t nfeatures;
    bool migratability;        /* QEMU marked them: */
    char **migratable;         /* those not marked migratable='no' */
    size_t nmigratable;
} dc_hv_cpu;

typedef struct vc_domcaps {
    vc_arena *arena;      /* owns everything below */
    dc_node *root;
    dc_hv_cpu *hv_cpu;    /* a probe's; NULL for a document read */
} vc_domcaps;

extern const dc_desc dc_schema; /* <domainCapabilities> */

vc_domcaps *vc_domcaps_new(void);
void vc_domcaps_free(vc_domcaps *dc);
/* A node of d with its slots allocated; NULL on OOM. */
dc_node *dc_node_new(vc_arena *a, const dc_desc *d);
dc_node *dc_node_push(vc_arena *a, dc_list *l, const dc_desc *d);
dc_enum *dc_enum_push(vc_arena *a, dc_node *n);
dc_extra *dc_extra_push(vc_arena *a, dc_node *n);
/* Puts the enums in the writer's order: the reference's names in its
 * order, then other names sorted. */
void dc_sort_enums(dc_node *n);
/* The child slot of d whose key (or match, for keyed slots) is key; -1. */
int dc_child_slot(const dc_desc *d, const char *key);
/* The table key of slot i of d (the enum slot is DC_ENUM_KEY). */
const char *dc_slot_key(const dc_desc *d, int i);
/* The index of d's attribute named name in d->attrs; -1. */
int dc_attr_slot(const dc_desc *d, const char *name);

/* Building a model of elements the schema knows in code (the drivers). A
 * step given a NULL node (an earlier one failed) does nothing and fails
 * too, so a build may read straight through and check `failed` once. The
 * first failure alone is recorded in err: out of memory, or misuse (a key
 * or attribute the schema does not have). */
typedef struct dc_builder {
    vc_arena *a;     /* the model's arena */
    vc_error *err;
    bool failed;
} dc_builder;

/* A new child of p in the slot dc_child_slot names by key; NULL. */
dc_node *dc_kid(dc_builder *b, dc_node *p, const char *key);
/* A new child with text; NULL. */
dc_node *dc_leaf(dc_builder *b, dc_node *p, const char *key, const char *text);
/* A new child with supported='yes' or 'no'; NULL. */
dc_node *dc_supported(dc_builder *b, dc_node *p, const char *key, bool yes);
/* 0, or -1. */
int dc_set_attr(dc_builder *b, dc_node *n, const char *name, const char *value);
int dc_set_text(dc_builder *b, dc_node *n, const char *text);
/* A new, empty <enum name=name> after n's others; NULL. */
dc_enum *dc_enum_new(dc_builder *b, dc_node *n, const char *name);
int dc_enum_value(dc_builder *b, dc_enum *e, const char *value);

/* Checks text against a type; puts the canonical form in *out (in a: s
 * itself when s is a's and already canonical) and returns 0, or returns -1
 * with what is wrong in why (NULL on OOM). */
int dc_value_check(vc_arena *a, enum dc_type t, const char *fixed, char *s, bool in_arena, char **out,
                   const char **why);

/* xml/domcaps_read.c: untrusted bytes in (the capabilities reader's safe
 * parsing and limits), a checked model out; NULL + err. */
vc_domcaps *vc_domcaps_read(const char *data, size_t len, vc_error *err);
vc_domcaps *vc_domcaps_read_file(const char *path, vc_error *err);
/* An unknown element given as XML text (the table form of one), checked as
 * the reader checks it; NULL + err. */
dc_node *vc_domcaps_read_fragment(vc_arena *a, const char *xml, size_t len, vc_error *err);

/* xml/domcaps_write.c: the reference's byte layout. */
int vc_domcaps_write(const vc_domcaps *dc, vc_buf *out, vc_error *err);
/* One element (an unknown one, for tables) at indent 0, without the final newline. */
void vc_domcaps_write_node(vc_buf *out, const dc_node *n);

#endif
