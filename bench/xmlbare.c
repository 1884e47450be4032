/* The baseline for bench/xml.lua: libxml2 parsing the same bytes into a tree
 * and freeing it, nothing else. Prints the median seconds of one parse. */
#include "timing.h"

#include <libxml/parser.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: xmlbare FILE RUNS\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 2;
    static char buf[8 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    int runs = atoi(argv[2]);
    if (runs < 1)
        runs = 1;
    double *t = malloc((size_t)runs * sizeof *t);
    if (!t)
        return 2;
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        xmlDocPtr doc = xmlReadMemory(buf, (int)n, NULL, NULL, XML_PARSE_NONET);
        if (!doc)
            return 1;
        xmlFreeDoc(doc);
        t[i] = now() - t0;
    }
    printf("%.9f\n", median(t, (size_t)runs));
    free(t);
    return 0;
}
