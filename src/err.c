/* Errors and small helpers shared by every layer. */
#include "lamina.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when s[0] does not start one: no
 * overlong form, no surrogate, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Messages quote what the user typed (paths, option values, profile text): a newline or a
 * terminal escape in them must neither break the one-line rule nor reach the terminal live, and
 * bytes that are not UTF-8 must not reach it raw (a terminal may take them for the start of a
 * sequence).  Control characters (C0, DEL and the C1 controls U+0080-U+009F, which some
 * terminals obey as escapes) become '?', a byte that is not part of valid UTF-8 becomes \xNN;
 * valid UTF-8 text stays as it is.  In place, within cap bytes (a sequence that would not fit is
 * left out whole). */
void lm_msg_clean(char *msg, size_t cap)
{
	size_t n = strnlen(msg, cap ? cap - 1 : 0);
	bool plain = true;
	for (size_t i = 0; i < n && plain; i++)
		plain = (unsigned char)msg[i] >= 0x20 && (unsigned char)msg[i] < 0x7f;
	if (plain || cap == 0)
		return;
	char out[4096];
	size_t o = 0, lim = cap < sizeof out ? cap : sizeof out;
	const unsigned char *s = (const unsigned char *)msg;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(s + i, n - i);
		char esc[5];
		const char *w = (const char *)s + i;
		size_t wl = l;
		if (l == 0) {
			snprintf(esc, sizeof esc, "\\x%02x", s[i]);
			w = esc, wl = 4, l = 1;
		} else if (s[i] < 0x20 || s[i] == 0x7f ||
			   (l == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			w = "?", wl = 1;
		}
		if (o + wl >= lim)
			break;
		memcpy(out + o, w, wl);
		o += wl;
		i += l;
	}
	out[o] = 0;
	memcpy(msg, out, o + 1);
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
	lm_msg_clean(e->msg, sizeof e->msg);
	e->errnum = errnum;
	if (e->exit_code == 0)
		e->exit_code = LM_EXIT_FAILURE;
	return -1;
}

int lm_error_plain(struct lm_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	lm_msg_clean(e->msg, sizeof e->msg);
	e->errnum = 0;
	e->exit_code = LM_EXIT_FAILURE;
	return -1;
}

int lm_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
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
	lm_msg_clean(buf, sizeof buf - 1);
	len = strlen(buf);
	buf[len++] = '\n';
	/* One write(2) so that lines from init and the payload do not interleave mid-line. */
	ssize_t r = write(STDERR_FILENO, buf, len);
	(void)r;
}
