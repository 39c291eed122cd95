/* lm-untar: extract a tar archive into a directory without letting any member land outside it.
 *
 * This is the part of `mkrootfs tar` that needs C.  GNU tar extracts member by member through
 * ordinary path lookup, so a symlink created by an earlier member ("x -> /etc") is followed when a
 * later member ("x/passwd") is written.  A pre-scan of the member list can try to predict that,
 * but it has to re-implement path resolution (chains of relative links, links that only point
 * out after "..", links already present in DEST) and gets it wrong in the corner cases.
 *
 * Here the kernel does the resolution: every lookup below DEST goes through openat2(2) with
 * RESOLVE_BENEATH, which fails with EXDEV as soon as a path (including any symlink met on the
 * way, relative or absolute) would leave the directory it starts from, and RESOLVE_NO_MAGICLINKS,
 * which refuses /proc-style magic links.  The last component is never followed: files are created
 * with O_CREAT|O_EXCL|O_NOFOLLOW after removing whatever was there, so neither a symlink nor an
 * earlier hard link can redirect a write.
 *
 * Policy (see the refusal messages): absolute names, ".." components, device nodes, hard links
 * whose target is absolute or contains "..", sparse and multi-volume members are refused with a
 * message naming the member; setuid/setgid bits are dropped; ownership is not restored (files
 * belong to the caller).  Directory modes and mtimes are applied at the end, deepest first, so
 * that a read-only directory in the archive does not stop its own contents from being written.
 *
 * Headers are read as strictly as GNU tar reads them, so that no member GNU tar refuses is
 * extracted here: a numeric field must be octal digits (or GNU base-256) and not blank, a size
 * must fit in an off_t (a size near 2^64 would wrap the padding arithmetic and turn the member's
 * data into headers), and must not exceed what is left of an archive file; a pax size, uid or
 * gid must be decimal digits, a pax time a decimal number.
 *
 * Mount points (--mount-points proc,dev,tmp): the top-level names lamina mounts over in a
 * --rootfs.  A member that would make one of them anything but a directory (the symlink
 * "proc -> etc", a file "tmp") gets an empty directory there instead, with a note: lamina would
 * refuse the root otherwise, and whatever the archive put there is hidden by lamina's mounts
 * anyway.  Replacing rather than refusing keeps such archives usable; the note says what changed.
 * One already in DEST (mkrootfs --force) is replaced the same way before anything is written, so
 * that no member below it is written through it.
 *
 * Usage: lm-untar [--mount-points A,B,...] DEST [ARCHIVE|-]
 *                                         (an uncompressed tar; mkrootfs decompresses)
 * Exit:  0 done, 2 usage, 4 cannot write into DEST, 6 not a tar archive or corrupt,
 *        7 a member was refused.  Each failure prints exactly one line on stderr.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* openat2 via syscall(), strndup, mkfifoat */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum {
	EXIT_USAGE = 2,
	EXIT_DEST = 4,
	EXIT_BADTAR = 6,
	EXIT_REFUSED = 7,
};

#define BLOCK 512
#define MAX_META (1u << 20) /* longest GNU long name or pax header we accept */

struct tar_header {
	char name[100];
	char mode[8];
	char uid[8];
	char gid[8];
	char size[12];
	char mtime[12];
	char chksum[8];
	char typeflag;
	char linkname[100];
	char magic[6];
	char version[2];
	char uname[32];
	char gname[32];
	char devmajor[8];
	char devminor[8];
	char prefix[155];
	char pad[12];
};
_Static_assert(sizeof(struct tar_header) == BLOCK, "tar header is one block");

/* Metadata that applies to the next member only (GNU 'L'/'K' and pax 'x' headers). */
struct pending {
	char *path;
	char *link;
	bool has_size;
	uint64_t size;
	bool has_mtime;
	int64_t mtime;
	bool sparse;
};

struct dirfix {
	char *rel;
	size_t order; /* position in the archive: the last record for a directory wins */
	mode_t mode;
	int64_t mtime;
};

static int root_fd = -1;
static int in_fd = -1;
static uint64_t in_off;
static bool in_sized; /* the archive is a regular file of in_size bytes */
static uint64_t in_size;
#define MAX_MOUNT_POINTS 8
static char *mount_points[MAX_MOUNT_POINTS];
static size_t n_mount_points;
static struct dirfix *dirfixes;
static size_t n_dirfixes, cap_dirfixes;
static unsigned long n_stripped;

static void cleanup_freep(void *p)
{
	free(*(void **)p);
}
static void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))

/* Print a member name so that a hostile one cannot forge extra lines or terminal escapes. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '\'')
			fprintf(f, "\\%03o", *p);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

static _Noreturn __attribute__((format(printf, 3, 4))) void die_member(int code, const char *member,
								       const char *fmt, ...)
{
	va_list ap;

	fputs("mkrootfs: tar member ", stderr);
	put_quoted(stderr, member);
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static _Noreturn __attribute__((format(printf, 2, 3))) void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("mkrootfs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die(1, "out of memory");
	return p;
}

/* ---- input ------------------------------------------------------------------------------ */

/* Read up to n bytes; returns how many were read (short only at end of input). */
static size_t read_full(void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(in_fd, (char *)buf + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_BADTAR, "reading the archive: %s", strerror(errno));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	in_off += got;
	return got;
}

static void read_exact(void *buf, size_t n, const char *member)
{
	if (read_full(buf, n) != n)
		die_member(EXIT_BADTAR, member, "archive is truncated");
}

/* Skip the data of a member and the padding up to the next block. */
static void skip_data(uint64_t size, const char *member)
{
	char buf[65536];
	uint64_t left = size + (BLOCK - size % BLOCK) % BLOCK;

	while (left > 0) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		read_exact(buf, n, member);
		left -= n;
	}
}

/* ---- header fields ---------------------------------------------------------------------- */

/* A numeric field: octal digits (after optional spaces; space or NUL terminated), or the GNU
 * base-256 form for values that do not fit (high bit of the first byte set).  Returns -1 when
 * malformed, blank or negative. */
static int parse_num(const char *f, size_t len, uint64_t *out)
{
	const unsigned char *u = (const unsigned char *)f;
	uint64_t v = 0;
	size_t i = 0;

	if (u[0] & 0x80) {
		if (u[0] & 0x40)
			return -1; /* negative */
		v = u[0] & 0x3f;
		for (i = 1; i < len; i++) {
			if (v > (UINT64_MAX >> 8))
				return -1;
			v = (v << 8) | u[i];
		}
		*out = v;
		return 0;
	}
	i += !f[0]; /* one leading NUL, as GNU tar allows (an overflowing previous field) */
	while (i < len && f[i] == ' ')
		i++;
	if (i == len || f[i] < '0' || f[i] > '7')
		return -1; /* blank, as GNU tar says: no value where one is expected */
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return -1;
		v = (v << 3) | (uint64_t)(f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

static bool checksum_ok(const struct tar_header *h)
{
	const unsigned char *u = (const unsigned char *)h;
	const signed char *s = (const signed char *)h;
	uint64_t want;
	uint64_t usum = 0;
	int64_t ssum = 0;

	if (parse_num(h->chksum, sizeof(h->chksum), &want) < 0)
		return false;
	for (size_t i = 0; i < BLOCK; i++) {
		bool in_field = i >= offsetof(struct tar_header, chksum) &&
				i < offsetof(struct tar_header, chksum) + sizeof(h->chksum);
		usum += in_field ? ' ' : u[i];
		ssum += in_field ? ' ' : s[i];
	}
	/* Some old tars summed signed chars; accept either. */
	return want == usum || (int64_t)want == ssum;
}

static bool all_zero(const void *buf, size_t n)
{
	const unsigned char *u = buf;

	for (size_t i = 0; i < n; i++)
		if (u[i])
			return false;
	return true;
}

static const char *compression_of(const unsigned char *b)
{
	if (b[0] == 0x1f && b[1] == 0x8b)
		return "gzip";
	if (!memcmp(b, "\xfd\x37\x7a\x58\x5a\x00", 6)) /* \xfd "7zXZ" \0 */
		return "xz";
	if (!memcmp(b, "\x28\xb5\x2f\xfd", 4))
		return "zstd";
	if (!memcmp(b, "BZh", 3))
		return "bzip2";
	return NULL;
}

/* Read a metadata member (long name or pax header) into a NUL-terminated buffer. */
static char *read_meta(uint64_t size, const char *what)
{
	char *buf;

	if (size > MAX_META)
		die_member(EXIT_BADTAR, what, "metadata member larger than %u bytes", MAX_META);
	buf = xmalloc((size_t)size + 1);
	read_exact(buf, (size_t)size, what);
	buf[size] = '\0';
	{
		/* the padding after the data */
		size_t pad = (BLOCK - size % BLOCK) % BLOCK;
		char tmp[BLOCK];
		read_exact(tmp, pad, what);
	}
	return buf;
}

/* A pax decimal: digits only (no sign, space or '+', which strtoull would take), at most max. */
static int pax_unsigned(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!*v)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		if (n > (max - (uint64_t)(*v - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	*out = n;
	return 0;
}

/* A pax time: [-]digits[.digits]; the whole seconds, or -1 when malformed. */
static int parse_pax_time(const char *v, int64_t *out)
{
	bool neg = *v == '-';
	const char *dot = strchr(v, '.');
	char secs[32];
	uint64_t n, frac;
	size_t l = dot ? (size_t)(dot - v) : strlen(v);

	if (l - neg >= sizeof(secs) || l == (size_t)neg)
		return -1;
	memcpy(secs, v + neg, l - neg);
	secs[l - neg] = '\0';
	if (pax_unsigned(secs, INT64_MAX, &n) < 0 ||
	    (dot && pax_unsigned(dot + 1, UINT64_MAX, &frac) < 0))
		return -1;
	*out = neg ? -(int64_t)n : (int64_t)n;
	return 0;
}

/* pax extended header: records "LEN KEY=VALUE\n".  Only the keys that change where or what a
 * member is are used; ownership and extended attributes are deliberately ignored. */
static void parse_pax(char *buf, size_t size, struct pending *p)
{
	size_t off = 0;

	while (off < size) {
		char *rec = buf + off, *sp, *eq, *end, *key, *val;
		unsigned long len;

		if (buf[off] == '\0')
			break; /* trailing NUL padding written by some tools */
		errno = 0;
		len = strtoul(rec, &sp, 10);
		if (errno || sp == rec || *sp != ' ' || len == 0 || len > size - off)
			die_member(EXIT_BADTAR, "(pax header)",
				   "malformed pax record at offset %zu", off);
		end = rec + len - 1;
		if (*end != '\n')
			die_member(EXIT_BADTAR, "(pax header)",
				   "pax record is not newline terminated");
		*end = '\0';
		key = sp + 1;
		eq = memchr(key, '=', (size_t)(end - key));
		if (!eq)
			die_member(EXIT_BADTAR, "(pax header)", "pax record without '='");
		*eq = '\0';
		val = eq + 1;
		if (strlen(val) != (size_t)(end - val))
			die_member(EXIT_REFUSED, "(pax header)",
				   "pax value for %s contains a NUL byte", key);
		if (!strcmp(key, "path")) {
			free(p->path);
			p->path = strdup(val);
		} else if (!strcmp(key, "linkpath")) {
			free(p->link);
			p->link = strdup(val);
		} else if (!strcmp(key, "size")) {
			/* an off_t, as GNU tar requires: 2^64-1 would wrap the padding sum */
			if (pax_unsigned(val, INT64_MAX, &p->size) < 0)
				die_member(
				    EXIT_BADTAR, "(pax header)",
				    "pax size '%.40s' is not a size (decimal digits, at most "
				    "2^63-1)",
				    val);
			p->has_size = true;
		} else if (!strcmp(key, "uid") || !strcmp(key, "gid")) {
			uint64_t id;
			if (pax_unsigned(val, UINT32_MAX, &id) < 0)
				die_member(EXIT_BADTAR, "(pax header)",
					   "pax %s '%.40s' is not an id (decimal digits)", key,
					   val);
		} else if (!strcmp(key, "mtime") || !strcmp(key, "atime") ||
			   !strcmp(key, "ctime")) {
			int64_t t;
			if (parse_pax_time(val, &t) < 0)
				die_member(EXIT_BADTAR, "(pax header)",
					   "pax %s '%.40s' is not a time (decimal seconds)", key,
					   val);
			if (!strcmp(key, "mtime")) {
				p->has_mtime = true;
				p->mtime = t;
			}
		} else if (!strncmp(key, "GNU.sparse.", 11)) {
			p->sparse = true;
		}
		if ((!strcmp(key, "path") && !p->path) || (!strcmp(key, "linkpath") && !p->link))
			die(1, "out of memory");
		off += len;
	}
}

/* ---- names ------------------------------------------------------------------------------ */

/* Turn a member name into a relative path with no ".", "..", or empty components.  "" means
 * DEST itself.  Returns NULL (and sets *why) when the name must be refused. */
static char *normalize(const char *name, const char **why)
{
	size_t n = strlen(name);
	char *out = xmalloc(n + 1);
	size_t o = 0;
	const char *p = name;

	if (name[0] == '/') {
		*why = "absolute path refused";
		free(out);
		return NULL;
	}
	while (*p) {
		const char *s = p;
		size_t len;

		while (*p && *p != '/')
			p++;
		len = (size_t)(p - s);
		while (*p == '/')
			p++;
		if (len == 0 || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			*why = "'..' component refused (it could land outside DEST)";
			free(out);
			return NULL;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, s, len);
		o += len;
	}
	out[o] = '\0';
	if (o >= PATH_MAX) {
		*why = "name too long";
		free(out);
		return NULL;
	}
	return out;
}

/* ---- safe lookups below DEST -------------------------------------------------------------- */

static int open_beneath(const char *rel, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long r;

	do
		r = syscall(SYS_openat2, root_fd, rel[0] ? rel : ".", &how, sizeof(how));
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == ENOSYS)
		die(EXIT_DEST, "openat2: %s (Linux 5.6 or later is needed for safe extraction)",
		    strerror(errno));
	return (int)r;
}

static _Noreturn void die_lookup(const char *member, const char *what, int err)
{
	if (err == EXDEV)
		die_member(EXIT_REFUSED, member,
			   "%s leaves DEST through a symlink or '..' (refused)", what);
	if (err == ELOOP)
		die_member(EXIT_REFUSED, member, "%s: too many or forbidden symlinks (refused)",
			   what);
	die_member(EXIT_DEST, member, "%s: %s", what, strerror(err));
}

/* Open (creating as needed, 0755) the directory `dir` below DEST; O_PATH fd. */
static int open_dir_creating(const char *dir, const char *member)
{
	int fd = open_beneath(dir, O_PATH | O_DIRECTORY);
	cleanup_free char *walk = NULL;

	if (fd >= 0 || errno != ENOENT) {
		if (fd < 0)
			die_lookup(member, "parent directory", errno);
		return fd;
	}
	/* Create the missing components one by one, each looked up from DEST again so that a
	 * symlink among them is judged against DEST and not against its own parent. */
	walk = strdup(dir);
	if (!walk)
		die(1, "out of memory");
	for (char *slash = walk;; slash++) {
		slash = strchr(slash, '/');
		if (slash)
			*slash = '\0';
		fd = open_beneath(walk, O_PATH | O_DIRECTORY);
		if (fd < 0 && errno == ENOENT) {
			char *last = strrchr(walk, '/');
			cleanup_close int pfd = -1;
			const char *base = walk;
			if (last) {
				*last = '\0';
				pfd = open_beneath(walk, O_PATH | O_DIRECTORY);
				*last = '/';
				base = last + 1;
			} else {
				pfd = open_beneath("", O_PATH | O_DIRECTORY);
			}
			if (pfd < 0)
				die_lookup(member, "parent directory", errno);
			if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
				die_member(EXIT_DEST, member, "creating directory %s: %s", walk,
					   strerror(errno));
			fd = open_beneath(walk, O_PATH | O_DIRECTORY);
		}
		if (fd < 0)
			die_lookup(member, "parent directory", errno);
		if (!slash)
			return fd;
		close(fd);
		*slash = '/';
	}
}

/* Split rel into an O_PATH fd on its parent (created if missing) and its last component. */
static int open_parent(const char *rel, const char **base, const char *member)
{
	const char *slash = strrchr(rel, '/');
	cleanup_free char *dir = NULL;

	if (!slash) {
		*base = rel;
		return open_dir_creating("", member);
	}
	dir = strndup(rel, (size_t)(slash - rel));
	if (!dir)
		die(1, "out of memory");
	*base = slash + 1;
	return open_dir_creating(dir, member);
}

/* Remove whatever non-directory sits at pfd/base so that the member can be created fresh.
 * Returns true when a directory is there (left in place). */
static bool clear_slot(int pfd, const char *base, const char *member)
{
	struct stat st;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return false;
		die_member(EXIT_DEST, member, "stat: %s", strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return true;
	if (unlinkat(pfd, base, 0) < 0)
		die_member(EXIT_DEST, member, "removing the old entry: %s", strerror(errno));
	return false;
}

static void set_times_at(int pfd, const char *base, int64_t mtime)
{
	struct timespec ts[2] = {{.tv_sec = (time_t)mtime}, {.tv_sec = (time_t)mtime}};

	/* Failing to set a time is not worth refusing the archive over (some filesystems refuse
	 * times on symlinks); the content is what matters. */
	(void)utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
}

static mode_t safe_mode(uint64_t mode, const char *member, bool is_file)
{
	mode_t m = (mode_t)(mode & 07777);

	if (m & (S_ISUID | S_ISGID)) {
		if (is_file)
			n_stripped++;
		(void)member;
		m &= (mode_t) ~(S_ISUID | S_ISGID);
	}
	return m;
}

/* ---- members ---------------------------------------------------------------------------- */

static void add_dirfix(const char *rel, mode_t mode, int64_t mtime)
{
	if (n_dirfixes == cap_dirfixes) {
		size_t cap = cap_dirfixes ? cap_dirfixes * 2 : 64;
		struct dirfix *n = realloc(dirfixes, cap * sizeof(*n));
		if (!n)
			die(1, "out of memory");
		dirfixes = n;
		cap_dirfixes = cap;
	}
	dirfixes[n_dirfixes].rel = strdup(rel);
	if (!dirfixes[n_dirfixes].rel)
		die(1, "out of memory");
	dirfixes[n_dirfixes].order = n_dirfixes;
	dirfixes[n_dirfixes].mode = mode;
	dirfixes[n_dirfixes].mtime = mtime;
	n_dirfixes++;
}

static bool is_mount_point(const char *rel)
{
	for (size_t i = 0; i < n_mount_points; i++)
		if (!strcmp(rel, mount_points[i]))
			return true;
	return false;
}

static void extract_dir(const char *rel, uint64_t mode, int64_t mtime, const char *member)
{
	const char *base;
	cleanup_close int pfd = -1;

	if (!rel[0])
		return; /* "./": DEST itself keeps its own mode */
	pfd = open_parent(rel, &base, member);
	{
		/* An existing symlink to a directory that stays inside DEST is kept, as GNU tar's
		 * --keep-directory-symlink does: building over a merged-/usr root must not turn
		 * its /lib -> usr/lib into an empty directory.  Members below it are still looked
		 * up with RESOLVE_BENEATH; a symlink leading out is replaced by a directory, and so
		 * is one at a mount point. */
		struct stat st;
		if (!is_mount_point(rel) && fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			int fd = open_beneath(rel, O_PATH | O_DIRECTORY);
			if (fd >= 0) {
				close(fd);
				return;
			}
		}
	}
	if (!clear_slot(pfd, base, member)) {
		/* 0700 while extracting: the real mode is applied at the end, so that a directory
		 * the archive marks read-only can still receive its members. */
		if (mkdirat(pfd, base, 0700) < 0)
			die_member(EXIT_DEST, member, "mkdir: %s", strerror(errno));
	}
	add_dirfix(rel, safe_mode(mode, member, false), mtime);
}

static void extract_file(const char *rel, uint64_t mode, int64_t mtime, uint64_t size,
			 const char *member)
{
	const char *base;
	cleanup_close int pfd = -1;
	cleanup_close int fd = -1;
	char buf[65536];
	uint64_t left = size;
	struct timespec ts[2] = {{.tv_sec = (time_t)mtime}, {.tv_sec = (time_t)mtime}};

	if (!rel[0])
		die_member(EXIT_REFUSED, member, "a file cannot replace DEST itself");
	pfd = open_parent(rel, &base, member);
	if (clear_slot(pfd, base, member))
		die_member(EXIT_REFUSED, member, "a file would replace a directory");
	/* O_EXCL|O_NOFOLLOW: the slot was just emptied, so this creates a new inode and can
	 * never write through a symlink or into a file that an earlier hard link shares. */
	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		die_member(EXIT_DEST, member, "create: %s", strerror(errno));
	while (left > 0) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		size_t off = 0;
		read_exact(buf, n, member);
		while (off < n) {
			ssize_t w = write(fd, buf + off, n - off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				die_member(EXIT_DEST, member, "write: %s", strerror(errno));
			}
			off += (size_t)w;
		}
		left -= n;
	}
	{
		size_t pad = (BLOCK - size % BLOCK) % BLOCK;
		read_exact(buf, pad, member);
	}
	if (fchmod(fd, safe_mode(mode, member, true)) < 0)
		die_member(EXIT_DEST, member, "chmod: %s", strerror(errno));
	if (futimens(fd, ts) < 0)
		die_member(EXIT_DEST, member, "setting mtime: %s", strerror(errno));
	if (close(fd) < 0) {
		fd = -1;
		die_member(EXIT_DEST, member, "close: %s", strerror(errno));
	}
	fd = -1;
}

static void extract_symlink(const char *rel, const char *target, int64_t mtime, const char *member)
{
	const char *base;
	cleanup_close int pfd = -1;

	if (!rel[0])
		die_member(EXIT_REFUSED, member, "a symlink cannot replace DEST itself");
	if (!target[0])
		die_member(EXIT_BADTAR, member, "symlink with an empty target");
	pfd = open_parent(rel, &base, member);
	/* A symlink may point anywhere (absolute targets are normal in container images and mean
	 * the sandbox's own root); what matters is that it is never followed while extracting. */
	if (clear_slot(pfd, base, member) && unlinkat(pfd, base, AT_REMOVEDIR) < 0)
		die_member(EXIT_REFUSED, member, "a symlink would replace a non-empty directory");
	if (symlinkat(target, pfd, base) < 0)
		die_member(EXIT_DEST, member, "symlink: %s", strerror(errno));
	set_times_at(pfd, base, mtime);
}

static void extract_hardlink(const char *rel, const char *target_raw, const char *member)
{
	const char *why = NULL, *base, *tbase;
	cleanup_free char *target = normalize(target_raw, &why);
	cleanup_free char *tdir = NULL;
	cleanup_close int pfd = -1;
	cleanup_close int tpfd = -1;
	struct stat st;

	if (!target)
		die_member(EXIT_REFUSED, member, "hard link target '%s': %s", target_raw, why);
	if (!rel[0] || !target[0])
		die_member(EXIT_REFUSED, member, "hard link to or from DEST itself");
	if (!strcmp(rel, target))
		return;
	{
		const char *slash = strrchr(target, '/');
		tdir = slash ? strndup(target, (size_t)(slash - target)) : strdup("");
		if (!tdir)
			die(1, "out of memory");
		tbase = slash ? slash + 1 : target;
	}
	tpfd = open_beneath(tdir, O_PATH | O_DIRECTORY);
	if (tpfd < 0)
		die_lookup(member, "hard link target", errno);
	if (fstatat(tpfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		die_member(EXIT_REFUSED, member, "hard link target '%s' is not in DEST (%s)",
			   target_raw, strerror(errno));
	if (S_ISDIR(st.st_mode))
		die_member(EXIT_REFUSED, member, "hard link to a directory refused");
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		die_member(EXIT_REFUSED, member, "hard link to a device node refused");
	pfd = open_parent(rel, &base, member);
	if (clear_slot(pfd, base, member))
		die_member(EXIT_REFUSED, member, "a hard link would replace a directory");
	/* flags 0: a symlink target is linked as the symlink itself, never followed. */
	if (linkat(tpfd, tbase, pfd, base, 0) < 0)
		die_member(EXIT_DEST, member, "link to '%s': %s", target_raw, strerror(errno));
}

static void extract_fifo(const char *rel, uint64_t mode, int64_t mtime, const char *member)
{
	const char *base;
	cleanup_close int pfd = -1;

	if (!rel[0])
		die_member(EXIT_REFUSED, member, "a fifo cannot replace DEST itself");
	pfd = open_parent(rel, &base, member);
	if (clear_slot(pfd, base, member))
		die_member(EXIT_REFUSED, member, "a fifo would replace a directory");
	if (mkfifoat(pfd, base, safe_mode(mode, member, false) & 0777) < 0)
		die_member(EXIT_DEST, member, "mkfifo: %s", strerror(errno));
	set_times_at(pfd, base, mtime);
}

static int cmp_dirfix(const void *a, const void *b)
{
	const struct dirfix *x = a, *y = b;
	int c = strcmp(y->rel, x->rel); /* descending: children before their parents */

	if (c)
		return c;
	return x->order < y->order ? 1 : -1; /* the latest record first */
}

static void apply_dirfixes(void)
{
	if (n_dirfixes > 1)
		qsort(dirfixes, n_dirfixes, sizeof(*dirfixes), cmp_dirfix);
	for (size_t i = 0; i < n_dirfixes; i++) {
		struct dirfix *d = &dirfixes[i];
		struct timespec ts[2] = {{.tv_sec = (time_t)d->mtime},
					 {.tv_sec = (time_t)d->mtime}};
		cleanup_close int fd = -1;

		if (i > 0 && !strcmp(dirfixes[i - 1].rel, d->rel))
			continue;
		/* O_NOFOLLOW: a later member may have replaced the directory by a symlink. */
		fd = open_beneath(d->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (fd < 0) {
			if (errno == ELOOP || errno == ENOTDIR || errno == ENOENT)
				continue;
			die_lookup(d->rel, "directory", errno);
		}
		if (fchmod(fd, d->mode) < 0)
			die_member(EXIT_DEST, d->rel, "chmod: %s", strerror(errno));
		if (futimens(fd, ts) < 0)
			die_member(EXIT_DEST, d->rel, "setting mtime: %s", strerror(errno));
	}
	for (size_t i = 0; i < n_dirfixes; i++)
		free(dirfixes[i].rel);
	free(dirfixes);
	dirfixes = NULL;
	n_dirfixes = cap_dirfixes = 0;
}

static void clear_pending(struct pending *p)
{
	free(p->path);
	free(p->link);
	memset(p, 0, sizeof(*p));
}

/* The member's name: GNU long name, pax path, or the ustar prefix + name. */
static char *member_name(const struct tar_header *h, const struct pending *p, bool *posix)
{
	char *s;

	if (p->path)
		return strdup(p->path);
	/* Only POSIX ustar ("ustar\0") has a prefix field; GNU ("ustar  ") keeps times there. */
	*posix = !memcmp(h->magic, "ustar", 6);
	if (*posix && h->prefix[0]) {
		size_t pl = strnlen(h->prefix, sizeof(h->prefix));
		size_t nl = strnlen(h->name, sizeof(h->name));
		s = xmalloc(pl + 1 + nl + 1);
		memcpy(s, h->prefix, pl);
		s[pl] = '/';
		memcpy(s + pl + 1, h->name, nl);
		s[pl + 1 + nl] = '\0';
		return s;
	}
	return strndup(h->name, sizeof(h->name));
}

static const char *member_kind(char typeflag)
{
	switch (typeflag) {
	case '2':
		return "a symlink";
	case '1':
		return "a hard link";
	case '6':
		return "a fifo";
	case '5':
		return "a directory";
	case '3':
	case '4':
		return "a device node";
	case '0':
	case '\0':
	case '7':
		return "a file";
	default:
		return "not a directory";
	}
}

static void note_mount_point(const char *rel, const char *kind, const char *link)
{
	fputs("mkrootfs: note: ", stderr);
	put_quoted(stderr, rel);
	fprintf(stderr, " is %s", kind);
	if (link && link[0] && strcmp(kind, "a file") && strcmp(kind, "a fifo")) {
		fputs(" to ", stderr);
		put_quoted(stderr, link);
	}
	fprintf(stderr, "; lamina mounts over /%s: an empty directory there instead\n", rel);
}

/* Mount points already in DEST that are not directories: replaced before any member is
 * written, so that none is written through them. */
static void fix_mount_points(void)
{
	for (size_t i = 0; i < n_mount_points; i++) {
		const char *n = mount_points[i];
		struct stat st;
		char target[PATH_MAX];
		ssize_t l;

		if (fstatat(root_fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
			continue;
		l = S_ISLNK(st.st_mode) ? readlinkat(root_fd, n, target, sizeof(target) - 1) : -1;
		target[l > 0 ? l : 0] = '\0';
		if (unlinkat(root_fd, n, 0) < 0 || mkdirat(root_fd, n, 0755) < 0)
			die_member(EXIT_DEST, n, "replacing it by a directory: %s",
				   strerror(errno));
		note_mount_point(n, S_ISLNK(st.st_mode) ? "a symlink" : "not a directory", target);
	}
}

static void extract_all(void)
{
	struct tar_header h;
	struct pending p = {0};
	bool first = true;

	for (;;) {
		size_t got = read_full(&h, BLOCK);
		cleanup_free char *name = NULL;
		cleanup_free char *link = NULL;
		cleanup_free char *rel = NULL;
		const char *why = NULL;
		uint64_t size, mode, mtime_u;
		int64_t mtime;
		bool posix = false;

		if (got == 0) {
			if (first)
				die(EXIT_BADTAR, "not a tar archive (empty input)");
			break; /* no end-of-archive blocks: accepted, as GNU tar does */
		}
		if (got < BLOCK) {
			const char *z = got >= 6 ? compression_of((const unsigned char *)&h) : NULL;
			if (first && z)
				die(EXIT_BADTAR, "input is %s-compressed: decompress it first", z);
			if (first)
				die(EXIT_BADTAR, "not a tar archive (%zu bytes)", got);
			die(EXIT_BADTAR, "archive is truncated at offset %" PRIu64, in_off);
		}
		if (all_zero(&h, BLOCK)) {
			if (first)
				die(EXIT_BADTAR, "not a tar archive (starts with a zero block)");
			break; /* end of archive */
		}
		if (!checksum_ok(&h)) {
			const char *z = compression_of((const unsigned char *)&h);
			if (first && z)
				die(EXIT_BADTAR, "input is %s-compressed: decompress it first", z);
			if (first)
				die(EXIT_BADTAR, "not a tar archive (bad header checksum)");
			die(EXIT_BADTAR, "corrupt tar header at offset %" PRIu64, in_off - BLOCK);
		}
		first = false;
		{
			const char *bad = parse_num(h.size, sizeof(h.size), &size) < 0	 ? "size"
					  : parse_num(h.mode, sizeof(h.mode), &mode) < 0 ? "mode"
					  : parse_num(h.mtime, sizeof(h.mtime), &mtime_u) < 0
					      ? "mtime"
					      : NULL;
			if (bad)
				die(EXIT_BADTAR,
				    "corrupt numeric field (%s: blank, not octal or negative) in "
				    "header at offset %" PRIu64,
				    bad, in_off - BLOCK);
		}
		if (p.has_size)
			size = p.size;
		if (size > INT64_MAX)
			die(EXIT_BADTAR,
			    "member size %" PRIu64 " in header at offset %" PRIu64
			    " is out of range (at most 2^63-1)",
			    size, in_off - BLOCK);
		if (in_sized && size > in_size - in_off)
			die(EXIT_BADTAR,
			    "archive is truncated or forged: member size %" PRIu64
			    " in header at offset %" PRIu64 " exceeds the %" PRIu64 " bytes left",
			    size, in_off - BLOCK, in_size - in_off);
		mtime = p.has_mtime ? p.mtime : (int64_t)mtime_u;

		switch (h.typeflag) {
		case 'L': /* GNU long name for the next member */
			free(p.path);
			p.path = read_meta(size, "(GNU long name)");
			continue;
		case 'K': /* GNU long link target for the next member */
			free(p.link);
			p.link = read_meta(size, "(GNU long link)");
			continue;
		case 'x': {
			cleanup_free char *buf = read_meta(size, "(pax header)");
			parse_pax(buf, (size_t)size, &p);
			continue;
		}
		case 'g': /* pax global header: nothing in it changes where members land */
		case 'V': /* volume label */
			skip_data(size, "(global header)");
			continue;
		default:
			break;
		}

		name = member_name(&h, &p, &posix);
		if (!name)
			die(1, "out of memory");
		link = p.link ? strdup(p.link) : strndup(h.linkname, sizeof(h.linkname));
		if (!link)
			die(1, "out of memory");
		rel = normalize(name, &why);
		if (!rel)
			die_member(EXIT_REFUSED, name, "%s", why);
		if (p.sparse)
			die_member(EXIT_REFUSED, name, "sparse members are not supported");

		/* No data follows a link, directory, device or fifo (POSIX), but tars disagree on
		 * a nonzero size there: GNU tar's extraction skips no data for a directory or a
		 * hard link and its listing skips it for a symlink.  Data that one reader takes for
		 * headers would let a member pass one reader unseen: refused. */
		if (size && h.typeflag >= '1' && h.typeflag <= '6')
			die_member(EXIT_REFUSED, name,
				   "%s with a size (%" PRIu64 " bytes) refused: tars disagree on "
				   "whether data follows",
				   member_kind(h.typeflag), size);
		bool is_dir = h.typeflag == '5' || h.typeflag == 'D' ||
			      ((h.typeflag == '0' || h.typeflag == '\0' || h.typeflag == '7') &&
			       name[0] && name[strlen(name) - 1] == '/');
		if (is_mount_point(rel) && !is_dir) {
			note_mount_point(rel, member_kind(h.typeflag), link);
			extract_dir(rel, 0755, mtime, name);
			skip_data(size, name);
			clear_pending(&p);
			continue;
		}

		switch (h.typeflag) {
		case '0':
		case '\0':
		case '7': /* contiguous file: a regular file everywhere that matters */
			if (name[0] && name[strlen(name) - 1] == '/') {
				/* pre-POSIX tars mark directories by a trailing slash */
				extract_dir(rel, mode, mtime, name);
				skip_data(size, name);
			} else {
				extract_file(rel, mode, mtime, size, name);
			}
			break;
		case '5':
		case 'D': /* GNU dumpdir: a directory with a listing as data */
			extract_dir(rel, mode, mtime, name);
			skip_data(size, name);
			break;
		case '2':
			extract_symlink(rel, link, mtime, name);
			skip_data(size, name);
			break;
		case '1':
			extract_hardlink(rel, link, name);
			skip_data(size, name);
			break;
		case '6':
			extract_fifo(rel, mode, mtime, name);
			skip_data(size, name);
			break;
		case '3':
		case '4':
			die_member(EXIT_REFUSED, name, "device node refused (%s device)",
				   h.typeflag == '3' ? "character" : "block");
		case 'S':
			die_member(EXIT_REFUSED, name, "sparse members are not supported");
		case 'M':
			die_member(EXIT_REFUSED, name, "multi-volume archives are not supported");
		default:
			if (h.typeflag >= 0x20 && h.typeflag < 0x7f)
				die_member(EXIT_REFUSED, name, "unknown member type '%c' refused",
					   h.typeflag);
			die_member(EXIT_REFUSED, name, "unknown member type 0x%02x refused",
				   (unsigned char)h.typeflag);
		}
		clear_pending(&p);
	}
	if (p.path || p.link)
		die(EXIT_BADTAR, "archive ends after a long-name header");
	clear_pending(&p);
	/* Read the rest (tar pads to a 10 KiB record, compressors add their own trailer) so that
	 * the decompressor feeding us finishes cleanly instead of dying of SIGPIPE. */
	{
		char buf[65536];
		while (read_full(buf, sizeof(buf)) == sizeof(buf))
			;
	}
}

/* --mount-points A,B,...: top-level names, no '/' and no "." or "..". */
static void set_mount_points(const char *list)
{
	cleanup_free char *copy = strdup(list);
	char *save = NULL;

	if (!copy)
		die(1, "out of memory");
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n_mount_points == MAX_MOUNT_POINTS || strchr(t, '/') || !strcmp(t, ".") ||
		    !strcmp(t, "..")) {
			fputs("lm-untar: --mount-points: at most 8 top-level names\n", stderr);
			exit(EXIT_USAGE);
		}
		mount_points[n_mount_points] = strdup(t);
		if (!mount_points[n_mount_points++])
			die(1, "out of memory");
	}
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--mount-points")) {
		set_mount_points(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 2 || argc > 3 || !argv[1][0]) {
		fputs("usage: lm-untar [--mount-points A,B,...] DEST [ARCHIVE|-]\n", stderr);
		return EXIT_USAGE;
	}
	root_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die(EXIT_DEST, "%s: %s", argv[1], strerror(errno));
	if (argc == 3 && strcmp(argv[2], "-")) {
		in_fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (in_fd < 0)
			die(EXIT_BADTAR, "%s: %s", argv[2], strerror(errno));
	} else {
		in_fd = STDIN_FILENO;
	}
	{
		/* an archive file: a member cannot be larger than what is left of it */
		struct stat st;
		off_t at = lseek(in_fd, 0, SEEK_CUR);
		if (fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode) && at >= 0 && st.st_size >= at) {
			in_sized = true;
			in_size = (uint64_t)(st.st_size - at);
		}
	}
	fix_mount_points();
	extract_all();
	apply_dirfixes();
	if (n_stripped)
		fprintf(stderr, "mkrootfs: note: dropped setuid/setgid bits from %lu file%s\n",
			n_stripped, n_stripped == 1 ? "" : "s");
	if (in_fd != STDIN_FILENO)
		close(in_fd);
	close(root_fd);
	return 0;
}
