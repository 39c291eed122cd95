#!/usr/bin/env bats
# Layer 8: supervision (init, signals, timeout, exit statuses, nothing left behind).
load helpers

@test "supervise: the payload's exit status is lamina's" {
	for code in 0 1 42 125 200; do
		run --separate-stderr lm -- /bin/sh -c "exit $code"
		[ "$status" -eq "$code" ]
	done
}

@test "supervise: death by signal N exits 128+N" {
	run --separate-stderr lm -- /bin/sh -c 'kill -TERM $$'
	assert_failure 143
	run --separate-stderr lm -- /bin/sh -c 'kill -KILL $$'
	assert_failure 137
	run --separate-stderr lm -- /bin/sh -c 'kill -SEGV $$'
	assert_failure 139
}

@test "supervise: --timeout kills everything and exits 124; a payload within the limit is untouched (twin)" {
	SECONDS=0
	run --separate-stderr lm --timeout 1 -- /bin/sh -c 'sleep 100 & sleep 100'
	assert_failure 124
	assert_one_error_line
	assert_stderr --partial "timeout"
	[ "$SECONDS" -lt 5 ]
	run --separate-stderr lm --timeout 10 -- /bin/sh -c 'sleep 0.1; echo done'
	assert_success
	assert_output done
}

@test "supervise: nothing of the sandbox is left: a setsid double-forked sleeper dies with it" {
	run --separate-stderr lm -- /bin/sh -c 'setsid /bin/sh -c "/bin/sleep 713.25 & " </dev/null >/dev/null 2>&1; sleep 0.2; exit 0'
	assert_success
	assert_no_process "sleep 713.25"
}

@test "supervise: when lamina returns, a writer the payload left has stopped writing (init kills and reaps before it reports)" {
	local d="$BATS_TEST_TMPDIR/out"
	mkdir -p "$d" && chmod 777 "$d"
	run --separate-stderr lm --bind "$d" /out -- /bin/sh -c 'setsid /bin/sh -c "while :; do echo x >> /out/f; done" </dev/null >/dev/null 2>&1 & while [ ! -s /out/f ]; do :; done; exit 3'
	assert_failure 3
	local before after
	before=$(stat -c %s "$d/f")
	sleep 0.3
	after=$(stat -c %s "$d/f")
	[ "$before" -gt 0 ]
	[ "$after" -eq "$before" ]
}

@test "supervise: twin: without the pid namespace the same writer goes on writing after lamina returns" {
	local d="$BATS_TEST_TMPDIR/out"
	mkdir -p "$d" && chmod 777 "$d"
	run --separate-stderr lm --unsafe-disable-layer namespaces --bind "$d" /out -- /bin/sh -c 'setsid /bin/sh -c "while :; do echo x >> /out/f; done" </dev/null >/dev/null 2>&1 & while [ ! -s /out/f ]; do :; done; exit 3'
	local before after
	before=$(stat -c %s "$d/f")
	sleep 0.3
	after=$(stat -c %s "$d/f")
	pkill -f "while :; do echo x >> /out/f" || true
	assert_failure 3
	[ "$after" -gt "$before" ]
}

@test "supervise: twin: without the pid namespace the same sleeper survives (so the test above can fail)" {
	run --separate-stderr lm --unsafe-disable-layer namespaces -- /bin/sh -c 'setsid /bin/sh -c "/bin/sleep 713.75 & " </dev/null >/dev/null 2>&1; sleep 0.2; exit 0'
	run pgrep -f "sleep 713.75"
	pkill -f "sleep 713.75" || true
	assert_success
}

@test "supervise: signals are passed on (INT TERM HUP QUIT USR1 USR2)" {
	for sig in INT TERM HUP QUIT USR1 USR2; do
		local out=$BATS_TEST_TMPDIR/out.$sig
		"$LAMINA" run -- /usr/bin/python3 -c '
import signal, sys, time
def h(n, f):
    print("got", signal.Signals(n).name, flush=True); sys.exit(7)
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(s, h)
print("ready", flush=True)
time.sleep(30)' > "$out" 2>&1 &
		local pid=$!
		for _ in $(seq 600); do grep -q ready "$out" 2>/dev/null && break; sleep 0.05; done
		kill -s "$sig" "$pid"
		wait "$pid" && st=0 || st=$?
		[ "$st" -eq 7 ] || { echo "$sig: status $st"; cat "$out"; return 1; }
		grep -q "got SIG$sig" "$out" || { echo "$sig:"; cat "$out"; return 1; }
	done
}

@test "supervise: init reaps orphaned zombies" {
	run --separate-stderr lm -- /bin/sh -c 'for i in 1 2 3 4 5; do /bin/sh -c "/bin/true & exit 0"; done; sleep 0.3; cat /proc/[0-9]*/stat 2>/dev/null | grep -c ") Z "'
	assert_output 0
}

@test "supervise: lamina dies with its parent, and the sandbox with it" {
	bash -c '"$LAMINA" run -- /bin/sleep 655.5 & exec sleep 30.5' &
	local parent=$!
	# wait for the payload itself (lamina's own command line carries the same words, and
	# killing the parent before lamina is set up tests nothing)
	for _ in $(seq 400); do pgrep -f "^/bin/sleep 655.5" >/dev/null && break; sleep 0.05; done
	pgrep -f "^/bin/sleep 655.5" >/dev/null
	kill -9 "$parent"
	for _ in $(seq 200); do pgrep -f "sleep 655.5" >/dev/null || break; sleep 0.05; done
	assert_no_process "sleep 655.5"
}

@test "session: the payload has no controlling terminal (TIOCSTI cannot reach the caller's); twin without the session layer" {
	command -v script >/dev/null || skip "script(1) from bsdutils is missing"
	# with --no-pty: the terminal layer would give it one of the sandbox's own (terminal.bats)
	run script -qec "'$LAMINA' run --no-pty -- /bin/sh -c 'if (exec </dev/tty) 2>/dev/null; then echo has-tty; else echo no-tty; fi'" /dev/null
	assert_output --partial no-tty
	run script -qec "'$LAMINA' run --no-pty --unsafe-disable-layer session -- /bin/sh -c 'if (exec </dev/tty) 2>/dev/null; then echo has-tty; else echo no-tty; fi'" /dev/null
	assert_output --partial has-tty
}

@test "verbose: -v prints one line per layer" {
	run --separate-stderr lm -v -- /bin/true
	assert_success
	for layer in supervise userns net uts mount rlimit caps seccomp; do
		assert_stderr --partial "lamina: $layer: "
	done
	assert_stderr --partial "lamina: mount: pivot_root into a tmpfs root, old root detached"
}

@test "supervise: a caller that ignores SIGCHLD gets the payload's status, no hang" {
	run --separate-stderr timeout -k 1 20 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' "$LAMINA" run -- /bin/sh -c 'echo ran; exit 3'
	assert_failure 3
	assert_output ran
}
