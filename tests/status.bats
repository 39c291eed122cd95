#!/usr/bin/env bats
# The status layer (src/status.c): what a launch came to, told to the caller.
#  - a process of the sandbox killed by SIGSYS (a seccomp rule) is said in one line on stderr,
#    the payload or another process init reaped, and a shell's 159; with --report the reports
#    say it instead;
#  - --json-status-fd FD: one JSON object a line when the payload starts and when the launch
#    ends (parsed here with python3's json module), the fd refused before anything runs when it
#    is not open for writing, and never inside the sandbox.
# And the hosting profile's everyday programs (a child with redirected fds) that the std-fd
# layer used to kill.
load helpers

PY=/usr/bin/python3

setup() {
	make_scratch
	# default, plus a kill rule on a call neither the shell nor python makes
	printf 'purpose test: chroot kills\ninclude default\nkill-process chroot\n' >"$SCRATCH/kill.profile"
	chmod 644 "$SCRATCH/kill.profile"
	export XDG_CACHE_HOME=$SCRATCH/cache
	KILL=$SCRATCH/kill.profile
	SEED=(--ro-bind "$SEED_DIR" /seed)
}

teardown() {
	teardown_scratch
}

# The one SIGSYS line: as root the kernel's log may already name the call (" at CALL" and "see
# the rule"); where it cannot be read (uid 65534 here), "which call and rule".  $1: the line up
# to "killed by SIGSYS" (a regexp), $2: the call the kernel would name.
assert_sigsys_line() {
	local re="^lamina: seccomp: $1( at $2 \\(a seccomp rule\\); run with --report to see the rule| \\(a seccomp rule\\); run with --report to see which call and rule)\$"
	assert_one_error_line
	assert_stderr --regexp "$re"
	if ! dd if=/dev/kmsg of=/dev/null bs=8k count=1 iflag=nonblock 2>/dev/null; then
		assert_stderr --partial "which call and rule"
	fi
}

@test "sigsys: the payload killed by a seccomp rule: exit 159 and one line naming it (pid 2 and its name)" {
	run --separate-stderr lm -p strict "${SEED[@]}" -- /seed/try-syscall getppid
	assert_failure 159
	assert_sigsys_line 'the payload \(pid 2, try-syscall\) was killed by SIGSYS' getppid
	# twin: the same program where the call is allowed says nothing
	run --separate-stderr lm -p default "${SEED[@]}" -- /seed/try-syscall getppid
	assert_success
	assert_stderr ""
}

@test "sigsys: a process the payload started, reaped by init, killed by a rule: one line, the payload's own status" {
	# the killed process is an orphan (its parent shell is gone), so init reaps it; the fifo
	# tells the payload it is dead
	local script='mkfifo /tmp/f; ( (/seed/try-syscall chroot >/tmp/f) & ); cat /tmp/f; echo done'
	run --separate-stderr lm -p "$KILL" "${SEED[@]}" -- /bin/sh -c "$script"
	assert_success
	assert_output done
	assert_sigsys_line 'pid [0-9]+ \(try-syscall\) of the sandbox was killed by SIGSYS' chroot
	# twin: under default chroot is refused (EPERM) and nothing is killed
	run --separate-stderr lm -p default "${SEED[@]}" -- /bin/sh -c "$script"
	assert_success
	assert_output $'chroot: EPERM\ndone'
	assert_stderr ""
}

@test "sigsys: a shell's command killed (the shell exits 159): the line says what 159 is" {
	run --separate-stderr lm -p "$KILL" "${SEED[@]}" -- /bin/sh -c '/seed/try-syscall chroot 2>/dev/null; exit $?'
	assert_failure 159
	assert_sigsys_line 'the payload exited with 159, as a shell does when SIGSYS killed its command( \(try-syscall\))?' chroot
	# twin: another exit status is the payload's own business
	run --separate-stderr lm -p "$KILL" -- /bin/sh -c 'exit 158'
	assert_failure 158
	assert_stderr ""
}

@test "sigsys: with --report the report names the call and the rule, and the line is not repeated" {
	run --separate-stderr lm -p strict --report "${SEED[@]}" -- /seed/try-syscall getppid
	assert_failure 159
	# (a glibc-static try-syscall also has its readlink of /proc/self/exe reported, refused)
	assert_stderr --regexp '(^|'$'\n'')lamina: seccomp: killed pid 2 at getppid\(\): not allowed by strict \(default action kill-process\)$'
	[[ "$stderr" != *"killed by SIGSYS"* ]]
}

@test "sigsys: a payload's own child that the payload reaps (python's subprocess) is the payload's to see: no line" {
	# the documented limit: nothing lamina could see without a cost on every launch
	run --separate-stderr lm -p "$KILL" "${SEED[@]}" -- "$PY" -c 'import subprocess; print(subprocess.run(["/seed/try-syscall", "chroot"]).returncode)'
	assert_success
	assert_output -- -31
	assert_stderr ""
}

# ---- hosting: a web application's children --------------------------------------------------

@test "hosting: python's subprocess.run(capture_output=True) works; twin: under stdio (std-fd layer) the child dies of SIGSYS" {
	local prog='import subprocess
r = subprocess.run(["/bin/sh", "-c", "echo out; echo err >&2"], capture_output=True)
print(r.returncode, r.stdout, r.stderr)'
	# shellcheck disable=SC2046
	run --separate-stderr lm -p hosting $(hosting_nocg) -- "$PY" -c "$prog"
	assert_success
	assert_output "0 b'out\\n' b'err\\n'"
	assert_stderr ""
	run --separate-stderr lm -p stdio -- "$PY" -c "$prog"
	assert_success
	assert_output "-31 b'' b''"
}

@test "hosting: sh -c 'echo hi >/dev/null' exits 0; twin: under stdio it is killed (159) and lamina says so" {
	# shellcheck disable=SC2046
	run --separate-stderr lm -p hosting $(hosting_nocg) -- /bin/sh -c 'echo hi >/dev/null'
	assert_success
	assert_output ""
	assert_stderr ""
	run --separate-stderr lm -p stdio -- /bin/sh -c 'echo hi >/dev/null'
	assert_failure 159
	assert_sigsys_line 'the payload \(pid 2, sh\) was killed by SIGSYS' '[a-z0-9_]+'
}

# ---- --json-status-fd ---------------------------------------------------------------------------

# json_check FILE PYTHON: every line of FILE is one JSON object; PYTHON runs with `objs` (the
# list) and asserts.
json_check() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
raw = open(sys.argv[1], "rb").read()
assert raw.endswith(b"\n"), raw
objs = [json.loads(line) for line in raw.decode("utf-8").split("\n")[:-1]]
assert all(isinstance(o, dict) for o in objs), objs
exec(sys.argv[2])
EOF
}

@test "json-status-fd: a start object (host pid, pid inside, namespaces) and an end object (exit code, cpu, rss)" {
	local out=$SCRATCH/status.json
	# the payload prints its own namespaces' inode numbers to compare with
	run --separate-stderr lm --json-status-fd 3 -- /bin/sh -c 'for n in user mnt pid net ipc uts cgroup; do stat -L -c "$n %i" /proc/self/ns/$n; done; exit 3' 3>"$out"
	assert_failure 3
	assert_stderr ""
	local ns
	ns=$(printf '%s\n' "$output" | awk '{printf "\"%s\": %s, ", $1, $2}')
	json_check "$out" '
assert len(objs) == 2, objs
s, e = objs
assert list(s) == ["pid", "pid-inside", "ns"], s
assert isinstance(s["pid"], int) and s["pid"] > 1 and s["pid-inside"] == 2, s
assert s["ns"] == {'"${ns%, }"'}, s
assert e["exit-code"] == 3 and e["signal"] is None and e["timed-out"] is False, e
assert isinstance(e["cpu-ms"], int) and isinstance(e["max-rss-kib"], int) and e["max-rss-kib"] > 0, e
assert e["seccomp-kills"] == 0 and e["oom"] is False and "error" not in e, e'
}

@test "json-status-fd: the start object's pid is the payload's as the host sees it; the end object counts its CPU and memory" {
	local out=$SCRATCH/status.json
	mkfifo "$SCRATCH/go"
	# the payload waits until the test has looked at it
	lm --json-status-fd 3 --ro-bind "$SCRATCH" /s -- "$PY" -c 'import time
b = bytearray(64 << 20)
t = time.process_time()
while time.process_time() - t < 0.3: pass
open("/s/go").read()' 3>"$out" &
	local lpid=$! pid i
	for i in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
	pid=$("$PY" -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["pid"])' "$out")
	# that pid is python, pid 2 in its own namespace
	run cat "/proc/$pid/comm"
	assert_output python3
	run awk '/^NSpid:/ {print $NF}' "/proc/$pid/status"
	assert_output 2
	echo >"$SCRATCH/go"
	wait "$lpid"
	json_check "$out" '
e = objs[1]
assert e["exit-code"] == 0, e
assert e["cpu-ms"] >= 250, e
assert e["max-rss-kib"] >= 64 * 1024, e'
}

@test "json-status-fd: killed by a signal, by a seccomp rule, by the timeout; a failed launch says why (escaped)" {
	local out=$SCRATCH/s.json
	run lm --json-status-fd 3 -- /bin/sh -c 'kill -TERM $$' 3>"$out"
	assert_failure 143
	json_check "$out" 'assert objs[1]["exit-code"] == 143 and objs[1]["signal"] == 15, objs'
	run lm -p strict "${SEED[@]}" --json-status-fd 3 -- /seed/try-syscall getppid 3>"$out"
	assert_failure 159
	json_check "$out" 'assert objs[1]["exit-code"] == 159 and objs[1]["signal"] == 31 and objs[1]["seccomp-kills"] == 1, objs'
	run lm --timeout 0.3 --json-status-fd 3 -- /bin/sleep 10 3>"$out"
	assert_failure 124
	json_check "$out" '
assert len(objs) == 2, objs
e = objs[1]
assert e["exit-code"] == 124 and e["timed-out"] is True and e["signal"] is None and e["cpu-ms"] is None, e'
	run -127 lm --json-status-fd 3 -- /no/such/program 3>"$out"
	json_check "$out" '
assert len(objs) == 1, objs
assert objs[0]["exit-code"] == 127 and objs[0]["error"] == "exec: /no/such/program: No such file or directory", objs'
	# a message with a quote, a backslash and a byte that is not UTF-8 (which lamina's messages
	# write as the text \xff): still valid JSON
	run lm --json-status-fd 3 --bind $'/no/such/a"b\\c\xff' /x -- /bin/true 3>"$out"
	assert_failure 125
	json_check "$out" '
assert len(objs) == 1, objs
assert objs[0]["exit-code"] == 125 and "/no/such/a\"b\\c\\xff" in objs[0]["error"], objs'
}

@test "json-status-fd: with a cgroup, the end object has its peak memory, CPU time and the OOM kill" {
	local err
	err=$("$LAMINA" run --memory 64M -- /bin/true 2>&1) || skip "no cgroup for uid $(id -u) here: ${err#lamina: }"
	local out=$SCRATCH/s.json
	run lm --memory 64M --json-status-fd 3 -- "$PY" -c 'b = bytearray(20 << 20)' 3>"$out"
	assert_success
	json_check "$out" '
e = objs[1]
assert e["cgroup"] is True and e["oom"] is False, e
assert e["memory-peak-kib"] >= 20 * 1024 and isinstance(e["cgroup-cpu-ms"], int), e'
	run --separate-stderr lm --memory 64M --json-status-fd 3 -- "$PY" -c 'b = bytearray(200 << 20)' 3>"$out"
	assert_failure 137
	json_check "$out" 'assert objs[1]["oom"] is True and objs[1]["signal"] == 9, objs'
	# twin: without a limit there is no cgroup, and nothing is claimed
	run lm --json-status-fd 3 -- /bin/true 3>"$out"
	json_check "$out" 'assert objs[1]["cgroup"] is False and "memory-peak-kib" not in objs[1], objs'
}

@test "json-status-fd: a closed, read-only or non-numeric fd is refused with one line, exit 125, before anything runs" {
	# a directory the payload may write to, as root too (a root-owned bind is not idmapped)
	mkdir -m 777 "$SCRATCH/w"
	local mark=$SCRATCH/w/ran
	run --separate-stderr lm --json-status-fd 7 --bind "$SCRATCH/w" /s -- /bin/touch /s/ran
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: status: --json-status-fd 7: not an open file descriptor"
	run --separate-stderr lm --json-status-fd 7 --bind "$SCRATCH/w" /s -- /bin/touch /s/ran 7</dev/null
	assert_failure 125
	assert_stderr "lamina: status: --json-status-fd 7: not open for writing"
	run --separate-stderr lm --json-status-fd seven --bind "$SCRATCH/w" /s -- /bin/touch /s/ran
	assert_failure 125
	assert_stderr "lamina: status: --json-status-fd 'seven' is not a file descriptor number"
	[ ! -e "$mark" ]
	# twin: a writable fd, and the program runs
	run --separate-stderr lm --json-status-fd 7 --bind "$SCRATCH/w" /s -- /bin/touch /s/ran 7>/dev/null
	assert_success
	[ -e "$mark" ]
}

@test "json-status-fd: the fd does not reach the sandbox, not even with the fds layer removed" {
	local out=$SCRATCH/s.json
	run --separate-stderr lm --json-status-fd 7 -- /bin/sh -c 'ls /proc/self/fd' 7>"$out"
	assert_success
	refute_line 7
	run --separate-stderr lm --unsafe-disable-layer fds --json-status-fd 7 -- /bin/sh -c 'ls /proc/self/fd' 7>"$out"
	assert_success
	refute_line 7
	json_check "$out" 'assert len(objs) == 2, objs'
	# twin: the same fd without the option is the caller's leak that the fds layer closes
	run --separate-stderr lm --unsafe-disable-layer fds -- /bin/sh -c 'ls /proc/self/fd' 7>"$out"
	assert_line 7
}

@test "json-status-fd: a reader that went away costs one warning line, not the payload's status" {
	run --separate-stderr "$PY" -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.run([os.environ["LAMINA"], "run", "--json-status-fd", str(w), "--", "/bin/sh", "-c", "exit 5"], pass_fds=[w]).returncode)'
	assert_failure 5
	assert_one_error_line
	assert_stderr --regexp '^lamina: status: writing to --json-status-fd [0-9]+: Broken pipe$'
}
