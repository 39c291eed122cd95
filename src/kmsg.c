/* The kernel's log (/dev/kmsg), read from its oldest record to the newest without blocking:
 * the resources layer finds an OOM kill's victim there, the status layer a seccomp kill's
 * call.  Readable by root only (dmesg_restrict aside); otherwise nothing is found. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void lm_kmsg_each(const char *prefix, void (*fn)(char *msg, void *arg), void *arg)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	size_t pl = strlen(prefix);
	char rec[2048];
	for (;;) {
		ssize_t r = read(fd, rec, sizeof rec - 1);
		if (r < 0 && (errno == EPIPE || errno == EINTR || errno == EINVAL))
			continue; /* a record overwritten while we read, or one too long */
		if (r <= 0)
			break;
		rec[r] = '\0';
		/* "PRIORITY,SEQUENCE,TIME,FLAGS;MESSAGE" */
		char *msg = strchr(rec, ';');
		if (msg && !strncmp(msg + 1, prefix, pl))
			fn(msg + 1, arg);
	}
	close(fd);
}
