#!/usr/bin/env bats
# The terminal layer: when fds 0-2 include a terminal (or with -t), the payload gets a pty of the
# sandbox's own as its controlling terminal and lamina relays it; without one, the payload leads
# a process group of its own and the caller's signals reach all of it.
#
# Every terminal here is a pty the test creates (tests/ptydrive, python3's pty module), never the
# one the suite runs on.  ptydrive prints facts one a line (exit N, after-last-step S, cpu S,
# ldisc same|N, termios same|changed, terminal works|dead) and writes what the terminal showed
# to a log.
load helpers

PTYDRIVE="$SRC_DIR/tests/ptydrive"

setup() {
	command -v python3 >/dev/null || skip "python3 is needed to drive a pty"
	LOG="$BATS_TEST_TMPDIR/screen"
}

teardown() {
	teardown_scratch
}

# drive [PTYDRIVE-OPTIONS...] -- COMMAND...: run it; $output holds the facts, $screen what the
# terminal showed (without carriage returns).
# A step that timed out, or a command that did not exit in time, fails the test here.
drive() {
	run --separate-stderr "$PTYDRIVE" --log "$LOG" "$@"
	screen=$(tr -d '\r' <"$LOG" 2>/dev/null || true)
	[ -z "$stderr" ] || printf '%s\n' "$stderr" >&2
	[ "$status" = 0 ] || {
		printf 'ptydrive failed (%s):\n%s\n-- screen --\n%s\n' "$status" "$output" "$screen" >&2
		return 1
	}
}

assert_screen() { # [--partial|--regexp] TEXT
	local mode=exact
	case "$1" in --partial) mode=partial; shift ;; --regexp) mode=regexp; shift ;; esac
	local ok=1
	case $mode in
	exact) [ "$screen" = "$1" ] || ok=0 ;;
	partial) [[ "$screen" == *"$1"* ]] || ok=0 ;;
	regexp) [[ "$screen" =~ $1 ]] || ok=0 ;;
	esac
	if [ $ok = 0 ]; then
		printf 'screen (%s) does not match: %s\n-- screen --\n%s\n-- facts --\n%s\n-- stderr --\n%s\n' \
			"$mode" "$1" "$screen" "$output" "$stderr" >&2
		return 1
	fi
}

# A Makefile of four jobs that each say they started and sleep 30 s.  The signal is sent once the
# four sleeps run: a recipe's shell that gets it before then, catching SIGINT while it runs a
# command, starts its sleep anyway (at a terminal, the same).
make_sleepers() {
	make_scratch
	printf 'all: a b c d\na b c d:\n\t@echo started $@; sleep 30\n' >"$SCRATCH/Makefile"
	chmod 644 "$SCRATCH/Makefile"
}

# make_stopped: make was interrupted and ended within 2 s of the signal.  GNU make dies of the
# SIGINT (130), or, when its children's ends race its own handler, stops with "wait: No child
# processes" (2): either way it stopped.
make_stopped() {
	[[ "${lines[0]}" == "exit 130" || "${lines[0]}" == "exit 2" ]] || {
		printf 'make did not stop on the signal:\n%s\n' "$output" >&2
		return 1
	}
	local t
	t=$(sed -n 's/^after-last-step //p' <<<"$output")
	awk -v t="$t" 'BEGIN { exit !(t < 2.0) }'
	assert_screen --partial "Interrupt"
}

# ---- a terminal inside ------------------------------------------------------------------------------

@test "under a terminal, tty names the sandbox's own /dev/pts/N, the payload leads its session on it" {
	drive -- "$LAMINA" run -- sh -c 'tty; ps -o pid=,pgid=,sid=,tty= -p $$'
	assert_line "exit 0"
	assert_screen --regexp $'^/dev/pts/[0-9]+\n +2 +2 +2 pts/[0-9]+$'
	# the caller's terminal is another device: the payload holds none of it
	drive -- sh -c "stat -L -c %d:%r /dev/stdin; exec \"\$0\" run -- stat -L -c %d:%r /dev/stdin" "$LAMINA"
	assert_line "exit 0"
	local outside inside
	outside=$(sed -n 1p <<<"$screen") inside=$(sed -n 2p <<<"$screen")
	[[ "$outside" =~ ^[0-9]+:[0-9]+$ && "$inside" =~ ^[0-9]+:[0-9]+$ ]]
	[ "$outside" != "$inside" ]
}

@test "no terminal, no pty: tty says so and the payload's fds are the caller's pipes" {
	run "$LAMINA" run -- sh -c 'tty; echo "tty: $?"; readlink /proc/self/fd/1' </dev/null
	assert_success
	assert_line --index 0 "not a tty"
	assert_line --index 1 "tty: 1"
	assert_line --index 2 --regexp '^pipe:\[[0-9]+\]$'
	# only the fds that were terminals are replaced: stdout to a file stays that file
	drive --stdout "$BATS_TEST_TMPDIR/out" -- "$LAMINA" run -- sh -c 'tty; [ -t 1 ] && echo out-tty || echo out-file'
	assert_line "exit 0"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --regexp $'^/dev/pts/[0-9]+\nout-file$'
}

@test "-t/--tty gives a pty without any terminal; --no-pty refuses it (125, one line)" {
	run "$LAMINA" run -t -- sh -c 'tty; [ -t 1 ] && echo out-tty' </dev/null
	assert_success
	assert_line --index 0 --regexp $'^/dev/pts/[0-9]+\r$'
	assert_line --index 1 $'out-tty\r'
	# input from a pipe is typed into the pty, its end is an end-of-file there
	run bash -c 'printf "one\ntwo" | "$1" run --tty -- sh -c "cat >/tmp/in; echo; wc -l </tmp/in; cat /tmp/in"' _ "$LAMINA"
	assert_success
	assert_line $'two\r'
	assert_line $'1\r'
	run --separate-stderr "$LAMINA" run -t --no-pty -- true
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: terminal: --tty asks for a pty and --no-pty refuses it"
}

@test "stty size: the caller's size at the start, and a resize arrives (SIGWINCH relayed, TIOCSWINSZ on the pty)" {
	drive --size 30 100 --expect ready --resize 41 132 --send 'x\r' -- \
		"$LAMINA" run -- bash -c 'stty size; trap "echo winch" WINCH; echo ready; read -r x; stty size'
	assert_line "exit 0"
	assert_screen --regexp $'^30 100\nready\n(winch\nx|x\nwinch)\n41 132$'
}

@test "sh -i has job control: a background job, fg, Ctrl-Z stops it, bg, kill; the exit status passes" {
	drive --expect 'P> ' --send 'sleep 20 &\r' --expect 'P> ' --send 'jobs\r' --expect 'P> ' \
		--send 'fg\r' --expect 'sleep 20\n' --fg '^sleep 20$' --send '\x1a' --expect 'Stopped.*P> ' \
		--send 'bg\r' --expect 'P> ' --send 'jobs\r' --expect 'P> ' \
		--send 'kill %1; wait %1; echo "status $?"\r' --expect 'status [0-9]+\n' --expect 'P> ' \
		--send 'exit 3\r' -- \
		"$LAMINA" run --setenv PS1 'P> ' --setenv ENV /dev/null -- sh -i
	assert_line "exit 3"
	assert_screen --regexp $'P> jobs\n\\[1\\] \\+ Running +sleep 20\n'
	assert_screen --regexp $'\\[1\\] \\+ Stopped +sleep 20\n'
	assert_screen --regexp $'P> bg\n\\[1\\] sleep 20\nP> jobs\n\\[1\\] \\+ Running +sleep 20\n'
	assert_screen --partial $'\nstatus 143\n'
	[[ "$screen" != *"job control turned off"* ]]
}

@test "raw mode: a payload's raw terminal gets keys at once (no line, no echo), ^C as a byte" {
	drive --expect go --send 'ab\x03' --expect 'a +b +003' -- \
		"$LAMINA" run -- sh -c 'stty raw -echo; echo go; dd bs=1 count=3 2>/dev/null | od -An -c; stty sane'
	assert_line "exit 0"
	assert_line "termios same"
}

@test "raw mode: the python3 REPL and vi work" {
	[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3 to run inside"
	# (each key once the REPL waits for it: between two lines it may discard what was typed)
	drive --expect '>>> ' --send 'print(6 * 7)\r' --expect '\n42\n>>> ' --send '\x04' -- \
		"$LAMINA" run -- /usr/bin/python3 -q
	assert_line "exit 0"
	[ -x /usr/bin/vim.basic ] || [ -x /usr/bin/vim.tiny ] || skip "no vim to run inside"
	local vi=/usr/bin/vim.basic
	[ -x $vi ] || vi=/usr/bin/vim.tiny
	# TERM=vt100: vim asks an xterm questions at its start, and keys typed then may be taken
	# for the answers
	TERM=vt100 drive --expect '~' --sleep 0.5 --send 'ihello from vi\x1b:wq\r' --expect 'hello from vi\n' -- \
		"$LAMINA" run -- sh -c "$vi -u NONE -i NONE -N /tmp/f && cat /tmp/f"
	assert_line "exit 0"
	assert_line "termios same"
}

@test "the exit status passes through the pty: 7, and 128+N for a death by signal N" {
	drive -- "$LAMINA" run -- sh -c 'exit 7'
	assert_line "exit 7"
	drive -- "$LAMINA" run -- sh -c 'kill -SEGV $$'
	assert_line "exit 139"
	drive -- "$LAMINA" run -- sh -c 'kill -TERM $$'
	assert_line "exit 143"
}

# ---- the caller's terminal ------------------------------------------------------------------------

@test "the caller's terminal is raw while relaying and has its settings back after a payload that changed its own" {
	drive --expect go --probe --send 'x' -- "$LAMINA" run -- sh -c 'stty raw -echo -isig; echo go; head -c 1 >/dev/null'
	assert_line "exit 0"
	assert_line "raw yes"
	assert_line "termios same"
	assert_line "ldisc same"
	assert_line "terminal works"
	# twin: with --no-pty the same payload changes the caller's terminal, and it stays changed
	drive --expect go --send 'x' -- "$LAMINA" run --no-pty -- sh -c 'stty raw -echo -isig; echo go; head -c 1 >/dev/null'
	assert_line "exit 0"
	assert_line "termios changed"
	assert_stderr ""
}

@test "--no-pty warns on stderr when there is a terminal, and only then" {
	drive --stderr "$BATS_TEST_TMPDIR/err" -- "$LAMINA" run --no-pty -- true
	assert_line "exit 0"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "lamina: terminal: WARNING: --no-pty: the payload gets your terminal itself and can change it for good (its settings, its line discipline)"
	run --separate-stderr "$LAMINA" run --no-pty -- true </dev/null
	assert_success
	assert_stderr ""
}

@test "a signal that kills lamina gives the caller's terminal its settings back (SIGALRM: handler, then death)" {
	drive --expect go --probe --killpg ALRM -- "$LAMINA" run -- sh -c 'echo go; sleep 20'
	assert_line "raw yes"
	assert_line "exit 142"
	assert_line "termios same"
}

@test "the caller's terminal hangs up: so does the sandbox's pty (SIGHUP to its session), lamina ends" {
	drive --expect 'P> ' --hangup -- "$LAMINA" run --setenv PS1 'P> ' --setenv ENV /dev/null -- sh -i
	assert_line "exit 129"
	# twin: SIGHUP sent to lamina alone reaches the payload's group the same way
	drive --expect 'P> ' --killpg HUP -- "$LAMINA" run --setenv PS1 'P> ' --setenv ENV /dev/null -- sh -i
	assert_line "exit 129"
	assert_line "termios same"
}

# ---- the relay -------------------------------------------------------------------------------------

@test "all output reaches the caller before lamina exits, also when the caller reads it late (no busy wait)" {
	drive -- "$LAMINA" run -- seq 1 200000
	assert_line "exit 0"
	[ "$(wc -l <<<"$screen")" = 200000 ]
	[ "$(tail -1 <<<"$screen")" = 200000 ]
	drive --pause --sleep 3 --resume -- "$LAMINA" run -- seq 1 200000
	assert_line "exit 0"
	[ "$(wc -l <<<"$screen")" = 200000 ]
	[ "$(tail -1 <<<"$screen")" = 200000 ]
	# three seconds of waiting for the caller cost lamina almost no CPU
	local cpu
	cpu=$(sed -n 's/^cpu //p' <<<"$output")
	awk -v c="$cpu" 'BEGIN { exit !(c < 1.0) }'
	# a reader that lags behind: the payload has exited with its last lines still in the pty
	drive --slow --wait 60 -- "$LAMINA" run -- seq 1 60000
	assert_line "exit 0"
	[ "$(wc -l <<<"$screen")" = 60000 ]
	[ "$(tail -1 <<<"$screen")" = 60000 ]
}

@test "no deadlock when the caller does not read: Ctrl-C still gets through and ends the payload" {
	# the payload fills the pty, lamina's buffer and the caller's terminal; while nobody reads,
	# the Ctrl-C typed must still reach the sandbox's pty: yes is gone before the reader is back
	drive --pause --sleep 2 --send '\x03' --gone '^yes$' --resume --wait 15 -- \
		"$LAMINA" run -- sh -c 'yes | head -c 100000000; echo done'
	assert_line "exit 130"
	[[ "$screen" != *done* ]]
}

@test "a terminal lamina cannot open again (root's, lamina as uid 65534): non-blocking while relaying, as it was after" {
	is_root || skip "needs a terminal of another user's: root's pty for a lamina run as uid 65534"
	# lamina writes through the caller's own description then, made non-blocking meanwhile
	drive --expect ready --probe --pause --sleep 2 --send '\x03' --gone '^yes$' --resume --wait 15 -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$LAMINA" run -- sh -c 'echo ready; sleep 0.5; yes | head -c 100000000; echo done'
	assert_line "exit 130"
	assert_line --index 0 "raw yes"
	assert_line --index 1 "nonblock yes"
	assert_line "termios same"
	assert_line "nonblock no"
	[[ "$screen" != *done* ]]
}

# ---- signals -------------------------------------------------------------------------------------

@test "SIGINT to lamina's process group stops make -j4 of sleeping jobs within 2 s (no terminal)" {
	command -v make >/dev/null || skip "make is not installed"
	make_sleepers
	drive --pipe --expect 'started.*started.*started.*started' --procs 4 '^sleep 30$' --killpg INT --wait 10 -- \
		"$LAMINA" run --ro-bind "$SCRATCH" /w --chdir /w -- make -j4
	make_stopped
}

# A shell that starts `sleep 30` in the background and says "ready" once the child runs sleep
# (before its exec, the child still has the shell's trap handler, which would take the signal).
BG_SLEEP='sleep 30 & until [ "$(cat /proc/$!/comm)" = sleep ]; do :; done; echo ready'

@test "SIGTERM to lamina reaches the payload's whole process group: a shell's child goes too" {
	# A trapped signal interrupts the shell's first wait either way; the second returns at once
	# only if the child got the signal too.
	drive --pipe --expect ready --killpg TERM --wait 10 -- "$LAMINA" run -- \
		sh -c "trap 'echo shell got TERM' TERM; $BG_SLEEP; wait \$!; wait \$!; echo child status \$?"
	assert_line "exit 0"
	local t
	t=$(sed -n 's/^after-last-step //p' <<<"$output")
	awk -v t="$t" 'BEGIN { exit !(t < 2.0) }'
	# (the shell may report the child's end, before or after its trap)
	assert_screen --regexp $'^ready\n(Terminated\n)?shell got TERM\n(Terminated\n)?child status 143$'
	# twin: SIGUSR1 goes to the payload alone (its trap sees it; the child sleeps on until the
	# SIGTERM that follows ends both)
	drive --pipe --expect ready --killpg USR1 --expect 'got USR1' --sleep 0.5 --killpg TERM --wait 10 -- \
		"$LAMINA" run -- sh -c "trap 'echo got USR1' USR1; $BG_SLEEP; wait \$!; wait \$!; echo child status \$?"
	assert_line "exit 143"
	assert_screen $'ready\ngot USR1'
}

@test "Ctrl-C on the terminal stops make -j4 within 2 s; SIGINT sent to lamina reaches the pty's foreground group" {
	command -v make >/dev/null || skip "make is not installed"
	make_sleepers
	drive --expect 'started.*started.*started.*started' --procs 4 '^sleep 30$' --send '\x03' --wait 10 -- \
		"$LAMINA" run --ro-bind "$SCRATCH" /w --chdir /w -- make -j4
	make_stopped
	# the foreground job of a shell inside, not the shell: it prints its next prompt
	drive --expect 'P> ' --send 'sleep 30\r' --fg '^sleep 30$' --killpg INT --expect 'P> ' --send 'exit 4\r' --wait 10 -- \
		"$LAMINA" run --setenv PS1 'P> ' --setenv ENV /dev/null -- sh -i
	assert_line "exit 4"
}

# ---- the command line, explain --------------------------------------------------------------------

@test "--help lists -t/--tty and --no-pty; explain describes the terminal layer" {
	run "$LAMINA" run --help
	assert_success
	assert_line --regexp '^  -t, --tty +a pty for the payload'
	assert_line --regexp '^      --no-pty +no pty:'
	assert_output --regexp 'can remove:.* terminal( |$)'
	run "$LAMINA" explain default
	assert_success
	assert_line "Terminal"
	assert_output --partial "the payload never holds your terminal"
}
