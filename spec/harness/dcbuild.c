/* Drives the domain capabilities builder (model/domcaps.c) where the
 * drivers never go: keys and attributes the schema lacks, and memory running
 * out at each allocation in turn (calloc is wrapped at link time:
 * -Wl,--wrap=calloc). spec/model/domcaps_builder_spec.lua reads its lines.
 * Usage: dcbuild misuse | dcbuild oom */
#include "model/domcaps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocations left before calloc fails; negative: never fails. */
static long allowed = -1;

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

void *__wrap_calloc(size_t n, size_t size)
{
    if (allowed == 0)
        return NULL;
    if (allowed > 0)
        allowed--;
    return __real_calloc(n, size);
}

static void say(const char *step, const dc_builder *b, const vc_error *err)
{
    printf("%s: failed=%d code=%d %s\n", step, b->failed, err->code, err->msg);
}

static int misuse(void)
{
    vc_domcaps *dc = vc_domcaps_new();
    if (!dc)
        return 1;
    vc_error err = {0};
    dc_builder b = {.a = dc->arena, .err = &err};
    dc_node *vcpu = dc_kid(&b, dc->root, "vcpu");
    say("vcpu", &b, &err);
    printf("nosuch: %s\n", dc_kid(&b, dc->root, "nosuch") ? "node" : "NULL");
    say("nosuch", &b, &err);
    /* the first failure stays the one reported; good steps still work */
    printf("min: %d\n", dc_set_attr(&b, vcpu, "min", "1"));
    printf("max: %d\n", dc_set_attr(&b, vcpu, "max", "8"));
    say("after", &b, &err);
    printf("vcpu max=%s\n", vcpu->attrs[0]);

    vc_error err2 = {0};
    dc_builder b2 = {.a = dc->arena, .err = &err2};
    dc_node *os = dc_supported(&b2, dc->root, "os", true);
    /* enums are not children: "enum" names no child slot */
    printf("os enum: %s\n", dc_kid(&b2, os, "enum") ? "node" : "NULL");
    say("os enum", &b2, &err2);

    vc_error err3 = {0};
    dc_builder b3 = {.a = dc->arena, .err = &err3};
    printf("min: %d\n", dc_set_attr(&b3, vcpu, "min", "1"));
    say("min", &b3, &err3);
    /* a failed step's NULL goes through every step */
    dc_node *none = dc_supported(&b3, NULL, "os", true);
    printf("from NULL: %s %d %s %d %d\n", none ? "node" : "NULL", dc_set_text(&b3, none, "x"),
           dc_leaf(&b3, none, "path", "x") ? "node" : "NULL", dc_enum_value(&b3, dc_enum_new(&b3, none, "x"), "y"),
           dc_set_attr(&b3, none, "supported", "yes"));
    say("from NULL", &b3, &err3);

    /* a NULL no step gave is the caller's misuse, not a silent failure */
    vc_error err4 = {0};
    dc_builder b4 = {.a = dc->arena, .err = &err4};
    printf("stray NULL: %d\n", dc_set_text(&b4, NULL, "x"));
    say("stray NULL", &b4, &err4);
    vc_domcaps_free(dc);
    return 0;
}

#define NVALUES 3000

/* Builds a tree big enough to take arena chunks in the middle of the build
 * with calloc failing after limit calls: 0 when built, 1 when the build ran
 * out of memory (and must say so), 2 when the model could not be made. */
static int build(long limit, int *bad)
{
    allowed = limit;
    vc_domcaps *dc = vc_domcaps_new();
    if (!dc) {
        allowed = -1;
        return 2;
    }
    vc_error err = {0};
    dc_builder b = {.a = dc->arena, .err = &err};
    dc_leaf(&b, dc->root, "path", "/usr/bin/qemu-system-x86_64");
    dc_set_attr(&b, dc_kid(&b, dc->root, "vcpu"), "max", "255");
    dc_node *loader = dc_supported(&b, dc_supported(&b, dc->root, "os", true), "loader", true);
    char path[64];
    for (int i = 0; i < NVALUES; i++) {
        snprintf(path, sizeof path, "/usr/share/OVMF/OVMF_CODE_%04d.fd", i);
        dc_leaf(&b, loader, "values", path);
    }
    dc_enum *e = dc_enum_new(&b, loader, "type");
    for (int i = 0; i < NVALUES; i++)
        dc_enum_value(&b, e, i % 2 ? "pflash" : "rom");
    allowed = -1;
    int oom = b.failed;
    if (oom && (err.code != VC_ENOMEM || strcmp(err.msg, "out of memory") != 0)) {
        say("wrong error", &b, &err);
        *bad = 1;
    }
    if (!oom) {
        const dc_list *values = &loader->kids[0];
        printf("built: %s values=%zu last=%s enum %s=%zu last=%s\n", dc->root->kids[0].v[0]->text, values->n,
               values->v[values->n - 1]->text, loader->enums[0].name, loader->enums[0].n,
               loader->enums[0].values[loader->enums[0].n - 1]);
    }
    vc_domcaps_free(dc);
    return oom;
}

static int oom(void)
{
    int bad = 0, rc;
    long limit = 0, in_build = 0;
    while ((rc = build(limit, &bad)) != 0 && limit < 10000) {
        in_build += rc == 1;
        limit++;
    }
    printf("ran out of memory %ld times before it was built, %ld of them while building\n", limit, in_build);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "misuse") == 0)
        return misuse();
    if (argc == 2 && strcmp(argv[1], "oom") == 0)
        return oom();
    fprintf(stderr, "usage: dcbuild misuse|oom\n");
    return 2;
}
