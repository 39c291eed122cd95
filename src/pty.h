/* pty.h: the terminal layer's interface to the supervisor's loop, init and the session layer
 * (src/pty.c says how the layer works). */
#ifndef LAMINA_PTY_H
#define LAMINA_PTY_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>

/* This launch gives the payload a pty of the sandbox's own (decided before the clone; init and
 * the payload see the same answer). */
bool lm_pty_in_use(void);

/* Supervisor: the signals the relay handles, added to the set the supervisor blocks and reads
 * from its signalfd (SIGWINCH when a pty is relayed). */
void lm_pty_block(sigset_t *set);

/* Supervisor: the pty's master, received from init (LM_CTL_PTY); the relay takes ownership. */
void lm_pty_attach(int master);

/* Supervisor: the relay's entries of the ppoll set (an entry's fd is -1 when it waits for
 * nothing), and the work to do once ppoll has filled their revents. */
#define LM_PTY_NPOLL 3
void lm_pty_poll(struct pollfd pf[LM_PTY_NPOLL]);
void lm_pty_relay(const struct pollfd pf[LM_PTY_NPOLL]);

/* Supervisor: a signal the relay takes care of itself (returns true): SIGWINCH, and SIGINT or
 * SIGQUIT, which go to the pty's foreground process group as the keyboard's would.  Once the
 * payload has exited, a terminating signal ends the wait for its last output. */
bool lm_pty_signal(int sig);

/* Supervisor, after the payload's exit status has arrived: true once everything the sandbox
 * wrote to its pty has been passed on (at once without a pty). */
bool lm_pty_drained(void);

#endif
