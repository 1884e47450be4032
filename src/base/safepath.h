/* The rule root applies to every path it relies on (the cache directory,
 * the emulators it runs): no other user can change any part of it. */
#ifndef VC_SAFEPATH_H
#define VC_SAFEPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Whether a file or directory passes: owned by root or by user, and
 * writable by nobody else. An ancestor directory may instead be sticky
 * (as /tmp): others cannot rename or remove what they do not own in it,
 * and what is opened in it must pass in turn. Symbolic links cannot be
 * changed, only replaced: for them the owner alone counts. */
bool vc_path_trusted(const struct stat *st, uid_t user, bool ancestor);

/* Resolves an absolute path as realpath() does, but one component at a
 * time from "/" with O_NOFOLLOW, reading each link and going on from its
 * target, and returns an O_PATH descriptor of the regular file it names
 * (its canonical path in canon). With strict, every directory a name is
 * looked up in, every link and the file pass vc_path_trusted for root,
 * and the file's own directory may not be sticky either (anybody could
 * put a hard link to another program of root's there); the descriptor
 * is then of the very file that passed, whatever is renamed meanwhile.
 * -1 with errno when it cannot be resolved; -2 when a part fails the
 * rule, with that part's path in bad. */
int vc_path_open_file(const char *path, bool strict, char *canon, size_t canon_size, char *bad, size_t bad_size);

#endif
