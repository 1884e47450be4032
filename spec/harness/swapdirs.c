/* swapdirs A B COUNT: exchanges the paths A and B COUNT times
 * (renameat2 RENAME_EXCHANGE), as a user who owns their directory can;
 * spec/drivers/root_emulators_spec.lua races root's emulator search with it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: swapdirs A B COUNT\n");
        return 2;
    }
    long count = strtol(argv[3], NULL, 10);
    for (long i = 0; i < count; i++)
        if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0) {
            perror("renameat2");
            return 1;
        }
    return 0;
}
