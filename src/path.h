/* path: opening a path on someone else's behalf (src/path.c). */
#ifndef LAMINA_PATH_H
#define LAMINA_PATH_H

#include "lamina.h"

/* Open PATH (absolute, or relative to the working directory) as an O_PATH fd, following
 * symlinks the way open() would, but one component at a time with openat2(RESOLVE_NO_SYMLINKS,
 * RESOLVE_NO_MAGICLINKS), and refusing every step from something owned by a user other than
 * root (a directory, or the symlink itself) to something owned by anyone else: the model is
 * systemd's chase() with CHASE_SAFE.  For root opening what a less privileged user can
 * influence.  what: the option or directive, for messages ("--bind /x: ..."). */
int lm_path_open_safe(const char *layer, const char *what, const char *path, struct lm_err *e);

/* Read the regular file NAME beneath the directory DIRFD into a NUL-terminated buffer (*out,
 * the caller frees it; *len its length): resolved with openat2(RESOLVE_IN_ROOT,
 * RESOLVE_NO_MAGICLINKS), so that its symlinks stay inside DIRFD; opened O_NONBLOCK and
 * checked with fstat before any read, so that a FIFO or a device is refused, never waited on;
 * at most max bytes.  Returns 0, or -1 with errno (EINVAL: not a regular file; EFBIG: larger
 * than max). */
int lm_path_read_in_root(int dirfd, const char *name, size_t max, char **out, size_t *len);

#endif
