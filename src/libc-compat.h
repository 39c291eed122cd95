/* What glibc (>= 2.36) provides and musl 1.2.3 does not, for the musl static build
 * (tests/musl-libs).  Under glibc this header only fills in constants an older glibc may lack.
 *
 * Kept header-only (static inline) so that the static helper programs under tests/ and
 * rootfs-tools/ can include it without linking the library. */
#ifndef LM_LIBC_COMPAT_H
#define LM_LIBC_COMPAT_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#ifndef AF_MCTP
#define AF_MCTP 45 /* linux/socket.h; musl 1.2.3's sys/socket.h stops before it */
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41 /* linux/prctl.h, Linux 5.17 */
#endif

#ifndef __GLIBC__
#include <fcntl.h>
#include <linux/mount.h> /* the new mount API's flags and struct mount_attr */
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000 /* linux/fcntl.h */
#endif

/* glibc 2.32's strerrorname_np: "EPERM" for EPERM, "0" for 0, NULL for an unknown value.  The
 * names are the kernel's (asm-generic/errno*.h), each under its primary name as glibc gives
 * it: EAGAIN not EWOULDBLOCK, EDEADLK not EDEADLOCK, EOPNOTSUPP not ENOTSUP. */
#define LM_ERRNO(e) [e] = #e
static inline const char *strerrorname_np(int errnum)
{
	static const char *const names[] = {
	    [0] = "0",
	    LM_ERRNO(EPERM),
	    LM_ERRNO(ENOENT),
	    LM_ERRNO(ESRCH),
	    LM_ERRNO(EINTR),
	    LM_ERRNO(EIO),
	    LM_ERRNO(ENXIO),
	    LM_ERRNO(E2BIG),
	    LM_ERRNO(ENOEXEC),
	    LM_ERRNO(EBADF),
	    LM_ERRNO(ECHILD),
	    LM_ERRNO(EAGAIN),
	    LM_ERRNO(ENOMEM),
	    LM_ERRNO(EACCES),
	    LM_ERRNO(EFAULT),
	    LM_ERRNO(ENOTBLK),
	    LM_ERRNO(EBUSY),
	    LM_ERRNO(EEXIST),
	    LM_ERRNO(EXDEV),
	    LM_ERRNO(ENODEV),
	    LM_ERRNO(ENOTDIR),
	    LM_ERRNO(EISDIR),
	    LM_ERRNO(EINVAL),
	    LM_ERRNO(ENFILE),
	    LM_ERRNO(EMFILE),
	    LM_ERRNO(ENOTTY),
	    LM_ERRNO(ETXTBSY),
	    LM_ERRNO(EFBIG),
	    LM_ERRNO(ENOSPC),
	    LM_ERRNO(ESPIPE),
	    LM_ERRNO(EROFS),
	    LM_ERRNO(EMLINK),
	    LM_ERRNO(EPIPE),
	    LM_ERRNO(EDOM),
	    LM_ERRNO(ERANGE),
	    LM_ERRNO(EDEADLK),
	    LM_ERRNO(ENAMETOOLONG),
	    LM_ERRNO(ENOLCK),
	    LM_ERRNO(ENOSYS),
	    LM_ERRNO(ENOTEMPTY),
	    LM_ERRNO(ELOOP),
	    LM_ERRNO(ENOMSG),
	    LM_ERRNO(EIDRM),
	    LM_ERRNO(ECHRNG),
	    LM_ERRNO(EL2NSYNC),
	    LM_ERRNO(EL3HLT),
	    LM_ERRNO(EL3RST),
	    LM_ERRNO(ELNRNG),
	    LM_ERRNO(EUNATCH),
	    LM_ERRNO(ENOCSI),
	    LM_ERRNO(EL2HLT),
	    LM_ERRNO(EBADE),
	    LM_ERRNO(EBADR),
	    LM_ERRNO(EXFULL),
	    LM_ERRNO(ENOANO),
	    LM_ERRNO(EBADRQC),
	    LM_ERRNO(EBADSLT),
	    LM_ERRNO(EBFONT),
	    LM_ERRNO(ENOSTR),
	    LM_ERRNO(ENODATA),
	    LM_ERRNO(ETIME),
	    LM_ERRNO(ENOSR),
	    LM_ERRNO(ENONET),
	    LM_ERRNO(ENOPKG),
	    LM_ERRNO(EREMOTE),
	    LM_ERRNO(ENOLINK),
	    LM_ERRNO(EADV),
	    LM_ERRNO(ESRMNT),
	    LM_ERRNO(ECOMM),
	    LM_ERRNO(EPROTO),
	    LM_ERRNO(EMULTIHOP),
	    LM_ERRNO(EDOTDOT),
	    LM_ERRNO(EBADMSG),
	    LM_ERRNO(EOVERFLOW),
	    LM_ERRNO(ENOTUNIQ),
	    LM_ERRNO(EBADFD),
	    LM_ERRNO(EREMCHG),
	    LM_ERRNO(ELIBACC),
	    LM_ERRNO(ELIBBAD),
	    LM_ERRNO(ELIBSCN),
	    LM_ERRNO(ELIBMAX),
	    LM_ERRNO(ELIBEXEC),
	    LM_ERRNO(EILSEQ),
	    LM_ERRNO(ERESTART),
	    LM_ERRNO(ESTRPIPE),
	    LM_ERRNO(EUSERS),
	    LM_ERRNO(ENOTSOCK),
	    LM_ERRNO(EDESTADDRREQ),
	    LM_ERRNO(EMSGSIZE),
	    LM_ERRNO(EPROTOTYPE),
	    LM_ERRNO(ENOPROTOOPT),
	    LM_ERRNO(EPROTONOSUPPORT),
	    LM_ERRNO(ESOCKTNOSUPPORT),
	    LM_ERRNO(EOPNOTSUPP),
	    LM_ERRNO(EPFNOSUPPORT),
	    LM_ERRNO(EAFNOSUPPORT),
	    LM_ERRNO(EADDRINUSE),
	    LM_ERRNO(EADDRNOTAVAIL),
	    LM_ERRNO(ENETDOWN),
	    LM_ERRNO(ENETUNREACH),
	    LM_ERRNO(ENETRESET),
	    LM_ERRNO(ECONNABORTED),
	    LM_ERRNO(ECONNRESET),
	    LM_ERRNO(ENOBUFS),
	    LM_ERRNO(EISCONN),
	    LM_ERRNO(ENOTCONN),
	    LM_ERRNO(ESHUTDOWN),
	    LM_ERRNO(ETOOMANYREFS),
	    LM_ERRNO(ETIMEDOUT),
	    LM_ERRNO(ECONNREFUSED),
	    LM_ERRNO(EHOSTDOWN),
	    LM_ERRNO(EHOSTUNREACH),
	    LM_ERRNO(EALREADY),
	    LM_ERRNO(EINPROGRESS),
	    LM_ERRNO(ESTALE),
	    LM_ERRNO(EUCLEAN),
	    LM_ERRNO(ENOTNAM),
	    LM_ERRNO(ENAVAIL),
	    LM_ERRNO(EISNAM),
	    LM_ERRNO(EREMOTEIO),
	    LM_ERRNO(EDQUOT),
	    LM_ERRNO(ENOMEDIUM),
	    LM_ERRNO(EMEDIUMTYPE),
	    LM_ERRNO(ECANCELED),
	    LM_ERRNO(ENOKEY),
	    LM_ERRNO(EKEYEXPIRED),
	    LM_ERRNO(EKEYREVOKED),
	    LM_ERRNO(EKEYREJECTED),
	    LM_ERRNO(EOWNERDEAD),
	    LM_ERRNO(ENOTRECOVERABLE),
	    LM_ERRNO(ERFKILL),
	    LM_ERRNO(EHWPOISON),
	};
	if (errnum < 0 || (size_t)errnum >= sizeof names / sizeof names[0])
		return NULL;
	return names[errnum];
}
#undef LM_ERRNO

/* glibc 2.32's sigabbrev_np: "SEGV" for SIGSEGV, NULL for 0, real-time or unknown signals. */
static inline const char *sigabbrev_np(int sig)
{
	static const char *const names[] = {
	    [SIGHUP] = "HUP",	[SIGINT] = "INT",	[SIGQUIT] = "QUIT", [SIGILL] = "ILL",
	    [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",	[SIGBUS] = "BUS",   [SIGFPE] = "FPE",
	    [SIGKILL] = "KILL", [SIGUSR1] = "USR1",	[SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
	    [SIGPIPE] = "PIPE", [SIGALRM] = "ALRM",	[SIGTERM] = "TERM", [SIGSTKFLT] = "STKFLT",
	    [SIGCHLD] = "CHLD", [SIGCONT] = "CONT",	[SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
	    [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",	[SIGURG] = "URG",   [SIGXCPU] = "XCPU",
	    [SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
	    [SIGPOLL] = "POLL", [SIGPWR] = "PWR",	[SIGSYS] = "SYS",
	};
	if (sig <= 0 || (size_t)sig >= sizeof names / sizeof names[0])
		return NULL;
	return names[sig];
}

/* The new mount API (Linux 5.2; mount_setattr 5.12): glibc 2.36 wraps it in <sys/mount.h>,
 * musl 1.2.3 has only the syscall numbers. */
static inline int open_tree(int dfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}
static inline int move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path,
			     unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}
static inline int fsopen(const char *fs_name, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fs_name, flags);
}
static inline int fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}
static inline int fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}
static inline int mount_setattr(int dfd, const char *path, unsigned int flags,
				struct mount_attr *attr, size_t size)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}
#endif /* !__GLIBC__ */

#endif
