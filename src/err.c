/* Errors and small helpers shared by every layer. */
#include "lamina.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Messages quote what the user typed (paths, option values, profile text): a newline or a
 * terminal escape in them must neither break the one-line rule nor reach the terminal live. */
static void defang(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int lm_error(struct lm_err *e, int errnum, const char *layer, const char *fmt, ...)
{
	if (!e)
		return -1;
	int n = snprintf(e->msg, sizeof e->msg, "%s: ", layer);
	if (n < 0 || (size_t)n >= sizeof e->msg)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(e->msg + n, sizeof e->msg - n, fmt, ap);
	va_end(ap);
	if (m > 0 && (size_t)(n + m) < sizeof e->msg && errnum)
		snprintf(e->msg + n + m, sizeof e->msg - n - m, ": %s", strerror(errnum));
	defang(e->msg);
	e->errnum = errnum;
	if (e->exit_code == 0)
		e->exit_code = LM_EXIT_FAILURE;
	return -1;
}

void lm_freep(void *p)
{
	free(*(void **)p);
}

void lm_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

void lm_strvfreep(char ***v)
{
	if (!*v)
		return;
	for (char **p = *v; *p; p++)
		free(*p);
	free(*v);
}

void lm_verbose(const struct lm_config *c, const char *layer, const char *fmt, ...)
{
	if (!c || !c->verbose)
		return;
	char buf[1024];
	int n = snprintf(buf, sizeof buf, "lamina: %s: ", layer);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof buf - 2)
		len = sizeof buf - 2;
	buf[len] = 0;
	defang(buf);
	buf[len++] = '\n';
	/* One write(2) so that lines from init and the payload do not interleave mid-line. */
	ssize_t r = write(STDERR_FILENO, buf, len);
	(void)r;
}
