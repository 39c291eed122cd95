/* Internal to the mount layer: src/mount.c builds the sandbox's root, src/mount_src.c gets the
 * host trees its mounts come from. */
#ifndef LAMINA_MOUNT_INTERNAL_H
#define LAMINA_MOUNT_INTERNAL_H

#include "sandbox.h"

#define LM_MOUNT_L "mount"

/* The host trees of one launch, as init holds them once stage INIT_HOST is done (detached
 * mounts; -1 where there is none). */
struct lm_mount_plan {
	int rootfs;
	int *src;      /* per c->mounts[i]: the tree of its source (binds, overlay) */
	int *upper;    /* per c->mounts[i]: an overlay's upper directory */
	bool *skipped; /* per c->mounts[i]: a -try source that does not exist */
	size_t n;
};
extern struct lm_mount_plan lm_mount_plan;

/* Does this kind of mount take a tree from the host? */
static inline bool lm_mount_has_source(enum lm_mount_kind k)
{
	return k == LM_MOUNT_RO_BIND || k == LM_MOUNT_BIND || k == LM_MOUNT_DEV_BIND ||
	       k == LM_MOUNT_OVERLAY;
}

/* The option a mount came from, for messages ("--bind", "--overlay"). */
const char *lm_mount_option(const struct lm_mount *m);

/* Supervisor, before the clone (as root): resolve every source and --rootfs safely, clone
 * them, set their attributes and idmappings, and queue them for init. */
int lm_mount_src_prepare(struct lm_sandbox *sb, struct lm_err *e);
/* Supervisor, after the clone: init has the queue; close our copy. */
void lm_mount_src_parent(void);
/* init, stage INIT_HOST: take the queued trees (root) or clone the sources (unprivileged). */
int lm_mount_src_init_host(struct lm_sandbox *sb, struct lm_err *e);
/* An O_PATH fd of --rootfs in the supervisor once prepared (root), else -1. */
int lm_mount_src_rootfs_path(void);
void lm_mount_src_free(void);

#endif
