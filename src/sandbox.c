/* sandbox: the bookkeeping of one launch that several layers share (src/sandbox.h). */
#include "sandbox.h"

void lm_sandbox_keep_fd(struct lm_sandbox *sb, int fd)
{
	if (fd >= 0 && sb->nkeep < sizeof sb->keep_fds / sizeof sb->keep_fds[0])
		sb->keep_fds[sb->nkeep++] = fd;
}

void lm_sandbox_drop_fd(struct lm_sandbox *sb, int fd)
{
	if (fd >= 0 && sb->ndrop < sizeof sb->drop_fds / sizeof sb->drop_fds[0])
		sb->drop_fds[sb->ndrop++] = fd;
}
