/* terminal: the caller's terminal stays outside the sandbox.
 *
 * A payload that holds the caller's terminal can damage it for good: set its line discipline to
 * N_NULL (TIOCSETD; the terminal then passes nothing either way) or change its settings, and the
 * damage outlives the sandbox.  So when any of fds 0-2 is a terminal (or -t/--tty asks for it),
 * the payload gets a terminal of its own instead, the way sudo's use_pty does it:
 *
 *   - init, once the root is built, opens a new pty in the sandbox's own devpts instance
 *     (/dev/ptmx, which mount.c points at the new instance), with the caller's settings and
 *     window size, puts its slave on those of fds 0-2 that were terminals (all three with -t) in
 *     place of the caller's terminal, and hands the master to the supervisor over the control
 *     channel;
 *   - the payload starts a session of its own with the slave as its controlling terminal: `tty`
 *     names /dev/pts/N, a shell inside gets job control, and the pty's foreground process group
 *     is the one its keyboard's signals reach;
 *   - the supervisor relays bytes between the caller's terminal and the master, with the caller's
 *     terminal in raw mode meanwhile (the pty's own line discipline does all the processing, as
 *     with ssh), window-size changes copied on SIGWINCH, and SIGINT/SIGQUIT sent to lamina
 *     passed to the pty's foreground process group (TIOCSIG).
 *
 * Why the sandbox's devpts instance rather than a pty the supervisor opens from the host's
 * /dev/ptmx and passes in: the slave then exists under its own name in the sandbox's /dev/pts
 * (ttyname() and `tty` work, a program that reopens its terminal finds it), and the sandbox holds
 * no descriptor of any host devpts instance, whose other terminals stay out of its sight.
 * Whatever the payload does to its terminal (TIOCSETD, termios, TIOCSTI into its own input,
 * which the seccomp layer refuses anyway) stays in its own pty.
 *
 * The relay never blocks: both buffers are bounded, the master and the caller's terminal are
 * written non-blocking (see output_fd), and a side that does not read is waited for with POLLOUT
 * in the supervisor's one ppoll, so signals and the exit are still handled.  When the payload
 * has exited, what it wrote is passed on before lamina returns.  The caller's settings (and file
 * status flags) come back on every path lamina ends by, including a signal that kills it (a
 * handler restores them first); only SIGKILL cannot be caught (`stty sane` then).
 *
 * Without a terminal (pipes, CI), nothing of this runs; the session layer then makes the payload
 * lead a process group of its own, which init passes the caller's signals to.  */
#include "sandbox.h"
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define L "terminal"
#define RELAY_BUF 16384
/* After the payload's exit every process of the sandbox is gone, and what is left in the pty is
 * at most its buffers (a few pages); more than this means something outside a pid namespace of
 * the sandbox's own still writes (--unsafe-disable-layer namespaces), and the wait stops. */
#define DRAIN_MAX (256 * 1024)

/* Decided by the supervisor before the clone; init and the payload inherit it. */
static bool in_use;
static unsigned caller_ttys; /* bit i: the caller's fd i is a terminal */
static unsigned slave_fds;   /* bit i: the payload's fd i is the pty */
static int caller_tty = -1;  /* one of those: its settings and window size are copied */
static struct termios caller_tio;
static bool have_tio;
static struct winsize caller_ws;
static bool have_ws;

/* init: the pty's slave, the payload's controlling terminal. */
static int slave = -1;

/* Supervisor: the relay. */
struct buf {
	size_t start, end;
	char data[RELAY_BUF];
};
static struct {
	bool attached;
	int master;
	int in;		   /* the caller's fd 0 */
	int out;	   /* where the pty's output goes */
	bool out_own;	   /* out is a description of lamina's own, closed at the end */
	bool out_nonblock; /* out is non-blocking: written at once, whatever POLLOUT says */
	bool in_eof;	   /* no more input (the caller's terminal hung up, or -t's input ended) */
	unsigned veof;	   /* end-of-file characters still to type for an input that ended */
	char last_in;	   /* the last byte of input, for the end-of-file rule */
	bool master_eof;   /* every slave is closed (init is gone) */
	bool master_empty; /* the payload has exited and the master read EAGAIN */
	size_t drained;	   /* bytes read since the payload exited */
	bool out_dead;	   /* the caller's side fails: output is read and dropped */
	bool gone;	   /* the payload has exited */
	bool abandoned;	   /* a terminating signal ended the wait for the last output */
	struct buf to_pty, to_caller;
} r = {.master = -1, .in = -1, .out = -1};

/* The caller's settings while its terminal is raw, and its file status flags while lamina has
 * made its description non-blocking: read by the signal handler. */
static struct termios saved_tio;
static volatile sig_atomic_t raw_fd = -1;
static volatile sig_atomic_t flags_fd = -1, saved_flags;

/* Signals whose default action ends lamina: a handler restores the caller's settings first.
 * The first six are blocked and read from the signalfd while the sandbox runs (the supervisor
 * passes them on), and only reach the handler if they arrive while lamina returns. */
static const int fatal_signals[] = {SIGINT,    SIGTERM, SIGHUP,	 SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
				    SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGIO,   SIGPWR};
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction old_fatal[NFATAL], old_pipe;
static bool handlers_set, pipe_ignored;

bool lm_pty_in_use(void)
{
	return in_use;
}

static size_t pending(const struct buf *b)
{
	return b->end - b->start;
}

/* Room at the end of b, moving what is pending to the front when that makes room. */
static size_t room(struct buf *b)
{
	if (b->start == b->end)
		b->start = b->end = 0;
	else if (b->end == sizeof b->data && b->start > 0) {
		memmove(b->data, b->data + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	return sizeof b->data - b->end;
}

/* ---- supervisor, before the clone ------------------------------------------------------------ */
static int terminal_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	bool on = lm_layer_on(c, LM_LAYER_TERMINAL);
	if (c->tty_force && (c->no_pty || !on))
		return lm_error(e, 0, L, "--tty asks for a pty and %s",
				c->no_pty ? "--no-pty refuses it"
					  : "the terminal layer is disabled");
	if (!on)
		return 0;
	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd))
			caller_ttys |= 1u << fd;
	if (c->no_pty) {
		if (caller_ttys)
			fprintf(stderr,
				"lamina: terminal: WARNING: --no-pty: the payload gets your "
				"terminal itself and can change it for good (its settings, its "
				"line discipline)\n");
		return 0;
	}
	if (!caller_ttys && !c->tty_force)
		return 0;
	in_use = true;
	slave_fds = c->tty_force ? 7u : caller_ttys;
	for (int fd = 0; fd < 3 && caller_tty < 0; fd++)
		if (caller_ttys & (1u << fd))
			caller_tty = fd;
	if (caller_tty >= 0) {
		have_tio = tcgetattr(caller_tty, &caller_tio) == 0;
		have_ws = ioctl(caller_tty, TIOCGWINSZ, &caller_ws) == 0;
	}
	return 0;
}

/* ---- init, once the root is built ------------------------------------------------------------ */
static int terminal_init(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (!lm_layer_on(c, LM_LAYER_TERMINAL) || !in_use)
		return 0;
	/* /dev/ptmx is the sandbox's own devpts instance's (mount.c); the host's only when the
	 * pivot is disabled. */
	cleanup_close int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return lm_error(e, errno, L, "a new pty in the sandbox (/dev/ptmx)");
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return lm_error(e, errno, L, "unlocking the sandbox's pty");
	slave = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return lm_error(e, errno, L, "opening the sandbox's pty");
	if (have_tio && tcsetattr(slave, TCSANOW, &caller_tio) < 0)
		return lm_error(e, errno, L, "the pty's settings");
	if (have_ws && ioctl(slave, TIOCSWINSZ, &caller_ws) < 0)
		return lm_error(e, errno, L, "the pty's window size");
	/* init itself lets go of the caller's terminal here: the payload inherits these fds. */
	for (int fd = 0; fd < 3; fd++)
		if ((slave_fds & (1u << fd)) && dup2(slave, fd) < 0)
			return lm_error(e, errno, L, "the pty as fd %d", fd);
	struct lm_ctl_msg msg = {.type = LM_CTL_PTY};
	if (lm_ctl_send(sb->ctl, &msg, m) < 0)
		return lm_error(e, errno, L, "handing the pty to the supervisor");
	if (c->verbose) {
		int n = -1;
		ioctl(m, TIOCGPTN, &n);
		lm_verbose(c, L, "/dev/pts/%d on fd%s%s%s, relayed by the supervisor", n,
			   slave_fds & 1 ? " 0" : "", slave_fds & 2 ? " 1" : "",
			   slave_fds & 4 ? " 2" : "");
	}
	return 0;
}

/* ---- the payload, before its execve ---------------------------------------------------------- */
static int terminal_payload(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!lm_layer_on(sb->c, LM_LAYER_TERMINAL) || !in_use)
		return 0;
	/* A session of its own with the pty as controlling terminal: the session leader's process
	 * group becomes the pty's foreground group. */
	if (setsid() < 0)
		return lm_error(e, errno, L, "a session for the payload");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return lm_error(e, errno, L, "the pty as the payload's controlling terminal");
	return 0;
}

/* ---- supervisor: the relay ------------------------------------------------------------------- */
static void restore_caller_terminal(void)
{
	int fd = raw_fd;
	if (fd >= 0)
		tcsetattr(fd, TCSANOW, &saved_tio);
	raw_fd = -1;
	fd = flags_fd;
	if (fd >= 0)
		fcntl(fd, F_SETFL, saved_flags);
	flags_fd = -1;
}

static void restore_and_die(int sig)
{
	restore_caller_terminal();
	/* SA_RESETHAND made the action the default again; SA_NODEFER delivers it at once. */
	raise(sig);
}

/* Output goes through a description of lamina's own, opened non-blocking, so that a terminal
 * that does not drain cannot block the supervisor.  A terminal lamina cannot open again (one of
 * another user's, after su; a pty's master, which would open a new pty) gets O_NONBLOCK on the
 * caller's own description instead, until lamina ends (the caller's shell shares it, and does
 * not read while lamina runs).  Anything that is not a terminal (-t with a pipe or a file, whose
 * offset and O_APPEND belong to the caller's description) is written through the caller's fd,
 * in pieces that fit once POLLOUT is reported. */
static int output_fd(int fd)
{
	int n;
	struct stat a, b;
	if (!(caller_ttys & (1u << fd)))
		return fd;
	if (ioctl(fd, TIOCGPTN, &n) < 0) {
		char path[32];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		int o = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (o >= 0 && fstat(fd, &a) == 0 && fstat(o, &b) == 0 && a.st_rdev == b.st_rdev &&
		    a.st_dev == b.st_dev && isatty(o)) {
			r.out_own = r.out_nonblock = true;
			return o;
		}
		if (o >= 0)
			close(o);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		r.out_nonblock = true;
	else if (fl >= 0) {
		saved_flags = fl;
		flags_fd = fd;
		if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0)
			r.out_nonblock = true;
		else
			flags_fd = -1;
	}
	return fd;
}

static void copy_winsize(void)
{
	struct winsize ws;
	if (caller_tty >= 0 && r.master >= 0 && ioctl(caller_tty, TIOCGWINSZ, &ws) == 0)
		ioctl(r.master, TIOCSWINSZ, &ws);
}

void lm_pty_block(sigset_t *set)
{
	if (in_use)
		sigaddset(set, SIGWINCH);
}

void lm_pty_attach(int master)
{
	if (!in_use || r.attached) {
		close(master);
		return;
	}
	r.attached = true;
	r.master = master;
	int fl = fcntl(master, F_GETFL);
	if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0) {
		/* Without it a read could block the supervisor: no relay, the sandbox's pty hangs
		 * up (its session gets SIGHUP). */
		close(master);
		r.master = -1;
		return;
	}
	/* The handlers first: nothing of the caller's is changed before they are in place.  A
	 * write to a pipe whose reader is gone fails with EPIPE instead of killing lamina. */
	struct sigaction sa = {.sa_handler = restore_and_die,
			       .sa_flags = SA_RESETHAND | SA_NODEFER};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFATAL; i++)
		sigaction(fatal_signals[i], &sa, &old_fatal[i]);
	handlers_set = true;
	struct sigaction ign = {.sa_handler = SIG_IGN};
	pipe_ignored = sigaction(SIGPIPE, &ign, &old_pipe) == 0;
	if (slave_fds & 1)
		r.in = 0;
	r.out = output_fd(slave_fds & 2 ? 1 : slave_fds & 4 ? 2 : 0);
	copy_winsize();
	if (!(caller_ttys & 1) || tcgetattr(0, &saved_tio) < 0)
		return;
	struct termios raw = saved_tio;
	cfmakeraw(&raw);
	raw_fd = 0;
	/* In the background this stops lamina (SIGTTOU) until it is in the foreground again, as
	 * any program that takes the terminal over does. */
	tcsetattr(0, TCSANOW, &raw);
}

/* The caller's terminal hung up: so does the sandbox's pty (closing the master hangs its slave
 * up, which sends SIGHUP to the payload's session as the loss of a terminal does). */
static void hang_up(void)
{
	close(r.master);
	r.master = -1;
}

static void read_in(void)
{
	struct buf *b = &r.to_pty;
	size_t n = room(b);
	if (!n)
		return;
	ssize_t got = read(r.in, b->data + b->end, n);
	if (got > 0) {
		b->end += (size_t)got;
		r.last_in = b->data[b->end - 1];
		return;
	}
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	r.in_eof = true;
	if (caller_ttys & 1)
		hang_up();
	else
		/* -t with a pipe or a file that ended: an end-of-file as typed at a terminal, two
		 * after a partial line (the first only ends the line). */
		r.veof = r.last_in && r.last_in != '\n' ? 2 : 1;
}

static void read_master(void)
{
	struct buf *b = &r.to_caller;
	size_t n = room(b);
	if (!n)
		return;
	ssize_t got = read(r.master, b->data + b->end, n);
	if (got > 0) {
		if (r.gone)
			r.drained += (size_t)got;
		if (r.out_dead)
			return; /* dropped: the payload must not block on a terminal nobody reads */
		b->end += (size_t)got;
		return;
	}
	if (got < 0 && errno == EINTR)
		return;
	if (got < 0 && errno == EAGAIN) {
		/* The kernel flushes the pty's pending input before a reader gets EAGAIN: once the
		 * payload has exited, this is all of it. */
		r.master_empty = r.gone;
		return;
	}
	r.master_eof = true; /* EIO: no slave is open any more (init is gone) */
}

static void write_master(void)
{
	struct buf *b = &r.to_pty;
	while (pending(b)) {
		ssize_t w = write(r.master, b->data + b->start, pending(b));
		if (w > 0) {
			b->start += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return; /* the payload does not read its input: POLLOUT */
		b->start = b->end = 0;
		return;
	}
	struct termios t;
	while (r.veof && tcgetattr(r.master, &t) == 0 && (t.c_lflag & ICANON)) {
		if (write(r.master, &t.c_cc[VEOF], 1) != 1)
			return;
		r.veof--;
	}
	r.veof = 0;
}

/* polled: POLLOUT was reported for out (a blocking fd is written only then). */
static void write_out(bool polled)
{
	struct buf *b = &r.to_caller;
	while (pending(b) && !r.out_dead) {
		if (!r.out_nonblock && !polled)
			return;
		size_t n = pending(b);
		if (!r.out_nonblock && n > PIPE_BUF)
			n = PIPE_BUF;
		ssize_t w = write(r.out, b->data + b->start, n);
		if (w > 0) {
			b->start += (size_t)w;
			polled = false;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		r.out_dead = true;
	}
	if (r.out_dead)
		b->start = b->end = 0;
}

void lm_pty_poll(struct pollfd pf[LM_PTY_NPOLL])
{
	for (int i = 0; i < LM_PTY_NPOLL; i++)
		pf[i] = (struct pollfd){.fd = -1};
	if (r.master < 0)
		return;
	if (r.in >= 0 && !r.in_eof && !r.gone && room(&r.to_pty))
		pf[0] = (struct pollfd){.fd = r.in, .events = POLLIN};
	short ev = 0;
	if (!r.master_eof) {
		if (room(&r.to_caller) && !r.master_empty)
			ev |= POLLIN;
		if (!r.gone && (pending(&r.to_pty) || r.veof))
			ev |= POLLOUT;
	}
	/* An entry is left out rather than polled for nothing: a hung-up fd reports POLLHUP
	 * whatever it is asked, and ppoll would not sleep. */
	if (ev)
		pf[1] = (struct pollfd){.fd = r.master, .events = ev};
	if (!r.out_dead && pending(&r.to_caller))
		pf[2] = (struct pollfd){.fd = r.out, .events = POLLOUT};
}

void lm_pty_relay(const struct pollfd pf[LM_PTY_NPOLL])
{
	if (r.master < 0)
		return;
	if (pf[0].fd >= 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
		read_in();
	if (r.master < 0)
		return;
	if (pf[1].fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
		read_master();
		/* Hung up with the buffer full: nothing more will come that anyone waits for. */
		if ((pf[1].revents & (POLLHUP | POLLERR)) && !room(&r.to_caller))
			r.master_eof = true;
	}
	/* Both sides are written at once where that cannot block; a full side is waited for. */
	if (!r.gone)
		write_master();
	write_out(pf[2].fd >= 0 && (pf[2].revents & (POLLOUT | POLLERR | POLLHUP)));
}

bool lm_pty_signal(int sig)
{
	if (!in_use)
		return false;
	if (sig == SIGWINCH) {
		copy_winsize();
		return true;
	}
	if (r.master < 0)
		return false;
	if (r.gone) {
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
			r.abandoned = true;
		return r.abandoned;
	}
	/* What the keyboard's Ctrl-C and Ctrl-\ do: the pty's foreground process group. */
	return (sig == SIGINT || sig == SIGQUIT) && ioctl(r.master, TIOCSIG, sig) == 0;
}

bool lm_pty_drained(void)
{
	if (r.master < 0 || r.abandoned) {
		restore_caller_terminal();
		return true;
	}
	r.gone = true;
	while (!r.master_eof && !r.master_empty && r.drained < DRAIN_MAX && room(&r.to_caller)) {
		size_t before = r.drained;
		read_master();
		if (r.drained == before && !r.master_empty)
			break; /* EINTR or EIO: look again after the next ppoll */
	}
	if (r.drained >= DRAIN_MAX)
		r.master_empty = true;
	write_out(false);
	if (!(r.master_eof || r.master_empty) || (!r.out_dead && pending(&r.to_caller)))
		return false;
	/* Done: the caller's settings back before lamina says anything more (its last line, a
	 * seccomp kill, would come out on a raw terminal). */
	restore_caller_terminal();
	return true;
}

static void terminal_end(struct lm_sandbox *sb)
{
	(void)sb;
	if (!r.attached)
		return;
	restore_caller_terminal();
	if (handlers_set)
		for (size_t i = 0; i < NFATAL; i++)
			sigaction(fatal_signals[i], &old_fatal[i], NULL);
	handlers_set = false;
	if (pipe_ignored)
		sigaction(SIGPIPE, &old_pipe, NULL);
	pipe_ignored = false;
	if (r.out_own)
		close(r.out);
	if (r.master >= 0)
		close(r.master);
	r.master = r.out = -1;
	r.attached = false;
}

/* ---- settings, explain ----------------------------------------------------------------------- */
static int set_tty(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	(void)a, (void)e;
	c->tty_force = true;
	return 0;
}

static int set_no_pty(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	(void)a, (void)e;
	c->no_pty = true;
	return 0;
}

static const struct lm_setting terminal_settings[] = {
    {.option = "--tty",
     .short_opt = 't',
     .help = "a pty for the payload even when fds 0-2 are not terminals",
     .set = set_tty},
    {.option = "--no-pty",
     .help = "no pty: the payload gets your terminal itself (it can damage it for good)",
     .set = set_no_pty},
    {0},
};

static void terminal_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nTerminal\n");
	if (lm_layer_on(c, LM_LAYER_TERMINAL))
		fprintf(
		    out,
		    "  the payload never holds your terminal: when fds 0-2 include one (or with "
		    "-t), it gets a new pty\n  of the sandbox's own devpts as its controlling "
		    "terminal, and lamina relays between the two\n  (yours in raw mode "
		    "meanwhile, restored when lamina ends); its line discipline (TIOCSETD),\n  "
		    "settings and input reach only that pty; inside, a shell has job control and "
		    "window-size\n  changes arrive (SIGWINCH); --no-pty hands your terminal over "
		    "instead\n");
	else
		fprintf(out,
			"  LAYER DISABLED: the payload gets your terminal itself on fds 0-2 and "
			"can change it for good\n");
}

const struct lm_layer lm_layer_terminal = {
    .name = "terminal",
    .bit = LM_LAYER_TERMINAL,
    .removable = true,
    .settings = terminal_settings,
    .step = {[LM_STAGE_PREPARE] = terminal_prepare,
	     [LM_STAGE_INIT] = terminal_init,
	     [LM_STAGE_PAYLOAD] = terminal_payload},
    .end = terminal_end,
    .explain = terminal_explain,
};
