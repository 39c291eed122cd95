#!/usr/bin/env bats
# Profiles: `lamina profiles`, `lamina check`, `lamina explain`, profile errors (exit 125 with
# FILE:LINE:COL), profile settings under `lamina run` (and the command line winning over them),
# and what the shipped profiles let through and refuse, each refusal with a twin.
load helpers

setup() {
	make_scratch
	# An ASan-instrumented lamina keeps running its own code in the payload after the rlimits
	# are applied, and ASan's shadow memory does not fit in an address-space limit: the
	# sanitizer build lifts `as` (the profiles' other limits stay in force).
	ASAN_AS=()
	if ldd "$LAMINA" 2>/dev/null | grep -q libasan; then ASAN_AS=(--rlimit as=unlimited); fi
}
teardown() { teardown_scratch; }

PY=/usr/bin/python3
# sc NR ARGS...: a python one-liner that makes the raw syscall NR(ARGS) and prints "RESULT ERRNO"
# (arguments are passed as full 64-bit longs: high bits survive).
sc() {
	local a
	a=$(IFS=,; echo "$*")
	echo "import ctypes; l=ctypes.CDLL(None, use_errno=True); l.syscall.restype=ctypes.c_long; r=l.syscall(*[ctypes.c_long(x) for x in ($a,)]); print(r, ctypes.get_errno())"
}

# ---- lamina profiles ------------------------------------------------------------------------

@test "profiles: lists the five shipped profiles, one line each, with their purpose" {
	run --separate-stderr "$LAMINA" profiles
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	for name in build default hosting stdio strict; do
		echo "$output" | grep -qE "^$name +[A-Za-z].{20,}$" || { echo "no line for $name"; return 1; }
	done
	assert_line --regexp '^strict +.*kill'
	assert_line --regexp '^stdio +.*std-fd'
}

@test "profiles: reads the profile directory (a directory with one profile lists only it)" {
	mkdir "$SCRATCH/p"
	printf 'purpose only this one\nallow read\n' > "$SCRATCH/p/mine.profile"
	run --separate-stderr env LAMINA_PROFILE_DIR="$SCRATCH/p" "$LAMINA" profiles
	assert_success
	assert_output "mine       only this one"
	# twin: an invalid profile in the directory is shown as such and fails the command
	printf 'allow opne\n' > "$SCRATCH/p/broken.profile"
	run --separate-stderr env LAMINA_PROFILE_DIR="$SCRATCH/p" "$LAMINA" profiles
	assert_failure 125
	assert_line --partial "broken     (invalid: $SCRATCH/p/broken.profile:1:7: unknown system call 'opne' (did you mean open?))"
}

# ---- lamina check -----------------------------------------------------------------------------

@test "check: default is valid; the summary gives rules per action, the default, the hardening, the arches" {
	run --separate-stderr "$LAMINA" check default
	assert_success
	assert_line --index 0 "$LAMINA_PROFILE_DIR/default.profile: valid profile"
	assert_line --regexp '^  default action: errno\(ENOSYS\)$'
	assert_line --regexp '^  rules: +[0-9]+ \(allow [0-9]+ \[[0-9]+ with conditions\], errno\(EPERM\) [0-9]+ \[[0-9]+ with conditions\], errno\(EPROTONOSUPPORT\) 4 \[4 with conditions\], kill-process 9\)$'
	assert_line --regexp '^  std-fd layer: +off$'
	assert_line --regexp '^  filter: +built into lamina \(the seccomp lines of a shipped profile\)$'
	assert_line --partial 'CLONE_NEWUSER'
	assert_line --partial 'clone3'
	assert_line --partial 'TIOCSTI'
	assert_line --partial 'TIOCLINUX'
	assert_line --regexp 'architectures: +x86_64 \(native\); i386 \(int \$0x80\), x32 and any other architecture: kill-process'
}

@test "check: \`i386 on\` admits i386 under the same rules; a bad i386 value is FILE:LINE:COL" {
	printf 'include default\ni386 on\n' >"$SCRATCH/i386.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/i386.profile"
	assert_success
	assert_line --regexp 'architectures: +x86_64 \(native\) and i386 \(int \$0x80; `i386 on`\)'
	printf 'include default\ni386 maybe\n' >"$SCRATCH/bad.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.profile"
	assert_equal "$status" 125
	assert_one_error_line
	assert_stderr --regexp "bad.profile:2:6: expected on or off after i386"
}

@test "check: strict, stdio, build, hosting are valid and say what they add" {
	run --separate-stderr "$LAMINA" check strict
	assert_success
	assert_line --regexp '^  default action: kill-process$'
	assert_line --regexp '^  std-fd layer: +on \(dup2\(1, 2\) allowed\)$'
	run --separate-stderr "$LAMINA" check stdio
	assert_success
	assert_line --regexp '^  std-fd layer: +on \(dup2\(1, 2\) allowed\)$'
	assert_line --regexp "^  includes: +$LAMINA_PROFILE_DIR/default.profile\$"
	run --separate-stderr "$LAMINA" check build
	assert_success
	assert_line --regexp '^  settings: +1 mount; network none; cpu=7200; fsize=8G; core=0; nproc=1024; nofile=1024; as=16G; landlock [0-9]+ path rules, 0 port rules, scope [a-z -]+;$'
	run --separate-stderr "$LAMINA" check hosting
	assert_success
	assert_line --regexp '^  std-fd layer: +off$'
	assert_line --regexp 'nproc=128;'
}

@test "check --pfc: prints libseccomp's pseudo-filter code of the profile" {
	run --separate-stderr "$LAMINA" check --pfc strict
	assert_success
	assert_line --partial 'pseudo filter code start'
	# strict's default action and its fd-0-only read rule, through the 32-bit mask
	assert_line --regexp 'action KILL_PROCESS;'
	assert_line --regexp 'if \(\$syscall == 0\)'
	assert_line --regexp '\$a0.lo32 & 0xffffffff == 0'
	# twin: without --pfc there is none
	run --separate-stderr "$LAMINA" check strict
	refute_line --partial 'pseudo filter code'
}

@test "check: a profile error is one line FILE:LINE:COL: message, exit 125" {
	printf 'default errno(ENOSYS)\n\nallow read opne\n' > "$SCRATCH/typo.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/typo.profile"
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: $SCRATCH/typo.profile:3:12: unknown system call 'opne' (did you mean open?)"
	[ -z "$output" ]

	printf 'allow write if a0 & 0xffffffff = 1\n' > "$SCRATCH/cond.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/cond.profile"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/cond.profile:1:32: expected '==' (a single '=' is not a comparison)"

	printf 'allow ioctl if a1 == TIOCSTII\n' > "$SCRATCH/const.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/const.profile"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/const.profile:1:22: unknown constant 'TIOCSTII' (did you mean TIOCSTI?)"

	# twin: the corrected file is valid (with a warning: without execve nothing can start)
	printf 'default errno(ENOSYS)\nallow read open\nallow write if a0 & 0xffffffff == 1\n' > "$SCRATCH/ok.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/ok.profile"
	assert_success
	assert_line --regexp '^  warning: +execve is not allowed'
	printf 'allow execve\n' >> "$SCRATCH/ok.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/ok.profile"
	assert_success
	refute_line --partial 'warning'
}

@test "check: include cycles, empty, binary, huge and garbage files are errors (125), never a crash" {
	printf 'allow read\ninclude ./self.profile\n' > "$SCRATCH/self.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/self.profile"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/self.profile:2:9: include $SCRATCH/self.profile: include cycle (the file includes itself, directly or not)"

	: > "$SCRATCH/empty.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/empty.profile"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/empty.profile:1:1: empty profile: no directive (only blank lines or comments)"

	head -c 4096 "$LAMINA" > "$SCRATCH/binary.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/binary.profile"
	assert_failure 125
	assert_stderr --regexp "^lamina: $SCRATCH/binary.profile:1:[0-9]+: unexpected control byte 0x[0-9a-f]{2}: a profile is a text file$"

	yes '# padding padding padding padding padding padding padding' | head -c 1100000 > "$SCRATCH/huge.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/huge.profile"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/huge.profile:1:1: larger than 1048576 bytes: not a profile"

	for i in 1 2 3 4 5 6 7 8; do
		head -c $((i * 700)) /dev/urandom | tr '\0' 'x' > "$SCRATCH/garbage.profile"
		run --separate-stderr "$LAMINA" check "$SCRATCH/garbage.profile"
		[ "$status" -eq 125 ] || { echo "garbage $i: status $status: $stderr"; return 1; }
		assert_one_error_line
	done
}

@test "check: a name without '/' is a shipped profile; an unknown one says how to name a file" {
	run --separate-stderr "$LAMINA" check no-such-profile
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "no shipped profile named 'no-such-profile'"
	assert_stderr --partial "./no-such-profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/missing.profile"
	assert_failure 125
	assert_stderr "lamina: profile: $SCRATCH/missing.profile: No such file or directory"
	run --separate-stderr "$LAMINA" check
	assert_failure 125
}

# ---- lamina explain --------------------------------------------------------------------------

@test "explain: every layer in plain words, rules grouped by purpose" {
	run --separate-stderr "$LAMINA" explain
	assert_success
	assert_line --index 0 "Profile default ($LAMINA_PROFILE_DIR/default.profile)"
	for heading in 'Open files' Session Identity Namespaces 'Root file system' Network Environment 'Resource limits' Capabilities 'System call filter'; do
		assert_line --regexp "^$heading"
	done
	assert_line --regexp '^  network +a new network namespace with only lo'
	assert_line --regexp '^    /usr +read-only bind'
	assert_line --regexp '^  nofile +1024:1024'
	assert_line --regexp '^  as +8G:8G \(profile\)'
	assert_line --regexp '^  cpu +3600:3600 \(profile\)'
	assert_line --regexp '^  \[no-mounts\] '
	assert_line --regexp '^    errno\(EPERM\): mount umount2 fsopen'
	assert_line --regexp '^  \[attack-only\] '
	assert_line --regexp '^    kill-process: kexec_load '
	assert_line '    allow socket if a0 & 0xffffffff == AF_INET && a1 & 0xf == SOCK_STREAM && a2 & 0xffffffff == IPPROTO_TCP'
	assert_line --partial 'The std-fd layer is off'
	assert_line --partial 'clone with CLONE_NEWUSER'
}

@test "explain PROFILE: the profile's own settings show (build: no network, tmpfs, rlimits; stdio: std-fd)" {
	run --separate-stderr "$LAMINA" explain build
	assert_success
	assert_line --regexp '^    /tmp +private tmpfs \(from the profile\)$'
	assert_line --regexp '^  cpu +7200:7200 \(profile\)'
	run --separate-stderr "$LAMINA" explain stdio
	assert_success
	assert_line --partial 'The std-fd layer is on'
	assert_line --partial "dup2(1, 2), stderr joined to stdout, is allowed"
	# a profile sharing the network says so
	printf 'include default\nshare-net\n' > "$SCRATCH/net.profile"
	run --separate-stderr "$LAMINA" explain "$SCRATCH/net.profile"
	assert_success
	assert_line --regexp '^  network +NOT isolated'
	run --separate-stderr "$LAMINA" explain "$SCRATCH/nope.profile"
	assert_failure 125
}

# ---- lamina run -p ----------------------------------------------------------------------------

@test "run -p FILE: a broken profile stops the run with 125 and its FILE:LINE:COL" {
	printf 'include default\nrlimit nofile=abc\n' > "$SCRATCH/bad.profile"
	run --separate-stderr lm -p "$SCRATCH/bad.profile" -- /bin/echo ran
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: $SCRATCH/bad.profile:2:8: rlimit: nofile: bad value 'abc' (a number, K/M/G suffix, or unlimited)"
	refute_output ran
	# twin
	printf 'include default\nrlimit nofile=100\n' > "$SCRATCH/good.profile"
	run --separate-stderr lm -p "$SCRATCH/good.profile" -- /bin/echo ran
	assert_success
	assert_output ran
}

@test "run -p FILE: profile settings apply, and the command line wins over them" {
	cat > "$SCRATCH/s.profile" <<-'EOF'
		include default
		hostname from-profile
		setenv FROM_PROFILE "a b"
		rlimit nofile=100
		tmpfs /scratch
	EOF
	run --separate-stderr lm -p "$SCRATCH/s.profile" -- /bin/sh -c 'hostname; echo "$FROM_PROFILE"; grep "^Max open files" /proc/self/limits | awk "{print \$4}"; grep -c " /scratch tmpfs" /proc/self/mounts'
	assert_success
	assert_output "from-profile
a b
100
1"
	run --separate-stderr lm -p "$SCRATCH/s.profile" --hostname from-cli --setenv FROM_PROFILE cli --rlimit nofile=200 -- /bin/sh -c 'hostname; echo "$FROM_PROFILE"; grep "^Max open files" /proc/self/limits | awk "{print \$4}"'
	assert_success
	assert_output "from-cli
cli
200"
}

@test "run -p FILE: a profile rule decides the call (errno named in the profile), twin without it" {
	printf 'include default\nreset getppid\nerrno(EXDEV) getppid\n' > "$SCRATCH/r.profile"
	run --separate-stderr lm -p "$SCRATCH/r.profile" -- "$PY" -c "$(sc 110)"
	assert_success
	assert_output "-1 18"
	run --separate-stderr lm -- "$PY" -c "$(sc 110)"
	assert_success
	assert_output "1 0" # init (pid 1 inside) is the payload's parent
}

# ---- the shipped profiles at work -------------------------------------------------------------

make_project() {
	mkdir -p "$SCRATCH/src"
	cat > "$SCRATCH/src/hello.c" <<-'EOF'
		#include <math.h>
		#include <pthread.h>
		#include <stdio.h>
		static void *t(void *a) { return a; }
		int main(void) { pthread_t th; pthread_create(&th, 0, t, 0); pthread_join(th, 0);
		                 printf("%.3f\n", sqrt(2.0)); return 0; }
	EOF
	printf 'hello: hello.o\n\tcc -pthread -o hello hello.o -lm\nhello.o: hello.c\n\tcc -O2 -c hello.c\n' > "$SCRATCH/src/Makefile"
	cat > "$SCRATCH/src/work.sh" <<-'EOF'
		set -e
		cp -r /src /tmp/w && cd /tmp/w
		make -s > make.log 2>&1 && ./hello
		ls -la / > ls.txt 2>&1 && wc -l < ls.txt > /dev/null
		echo piped | cat | tr a-z A-Z
		sort /etc/passwd | head -1 > /dev/null; grep -c . hello.c >/dev/null; sed -n 1p hello.c > /dev/null
		tar cf x.tar hello.c && gzip x.tar && mkdir d && mv x.tar.gz d/ && rm -r d
		/usr/bin/python3 -c 'import subprocess, threading, tempfile, json, hashlib, os
t = threading.Thread(target=lambda: None); t.start(); t.join()
subprocess.run(["true"], check=True)
fd, p = tempfile.mkstemp(); os.close(fd); os.unlink(p)
print(json.dumps({"py": hashlib.sha256(b"x").hexdigest()[:8]}))'
		sh -c 'exec 3>/dev/null; echo to-fd-3 >&3; echo err >&2' 2>/dev/null
		echo ALL-OK
	EOF
}

@test "default: sh -c with redirections, coreutils, make, cc, python3 all work" {
	make_project
	run --separate-stderr lm --ro-bind "$SCRATCH/src" /src -- /bin/sh /src/work.sh
	echo "$stderr"
	assert_success
	assert_output '1.414
PIPED
{"py": "2d711642"}
ALL-OK'
}

@test "build: the same project builds; the network is private and /tmp is a tmpfs" {
	make_project
	run --separate-stderr lm -p build "${ASAN_AS[@]}" --ro-bind "$SCRATCH/src" /src -- /bin/sh /src/work.sh
	assert_success
	assert_line ALL-OK
	# the profile's "network none": only lo
	run --separate-stderr lm -p build "${ASAN_AS[@]}" -- /bin/sh -c 'ls /sys/class/net 2>/dev/null || cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "'
	assert_success
	assert_output lo
}

@test "stdio: the same shell script is killed at its first redirection onto 0-2 (std-fd layer); default runs it" {
	run --separate-stderr lm -p stdio -- /bin/sh -c 'echo before; exec 1>/dev/null; echo after'
	assert_failure 159
	assert_output before
	# twins: a script without redirections lives; the seed's dup2(1, 2) is allowed, dup2(2, 1) not
	run --separate-stderr lm -p stdio -- /bin/sh -c 'echo before; echo after'
	assert_success
	assert_output "before
after"
	run --separate-stderr lm -p stdio --ro-bind "$SEED_DIR" /seed -- /seed/try-syscall dup2 1 2
	assert_success
	run --separate-stderr lm -p stdio --ro-bind "$SEED_DIR" /seed -- /seed/try-syscall dup2 2 1
	assert_failure 159
	# GNU coreutils close stdout at exit to catch write errors: the layer kills that too
	run --separate-stderr lm -p stdio --report -- /bin/cat /etc/hostname
	assert_failure 159
	assert_stderr --partial "at close(1)"
	run --separate-stderr lm -p default -- /bin/cat /etc/hostname
	assert_success
	run --separate-stderr lm -p default -- /bin/sh -c 'echo before; exec 1>/dev/null; echo after'
	assert_success
	assert_output before
}

@test "hosting: tight rlimits, and no std-fd layer (a child's redirections live); twin: stdio kills the same redirection" {
	# shellcheck disable=SC2046
	run --separate-stderr lm -p hosting "${ASAN_AS[@]}" $(hosting_nocg) -- "$PY" -c 'print(open("/proc/self/limits").read())'
	assert_success
	[ "$(echo "$output" | awk '/processes/ {print $3, $4}')" = "128 128" ]
	[ "$(echo "$output" | awk '/open files/ {print $4, $5}')" = "256 256" ]
	# shellcheck disable=SC2046
	run --separate-stderr lm -p hosting "${ASAN_AS[@]}" $(hosting_nocg) -- /bin/sh -c 'exec 2>/dev/null; echo after'
	assert_success
	assert_output after
	assert_stderr ""
	# twin: the same redirection under a profile with the layer
	run --separate-stderr lm -p stdio "${ASAN_AS[@]}" -- /bin/sh -c 'exec 2>/dev/null; echo after'
	assert_failure 159
}

@test "strict: the seed's filter-free third program prints steps 1-3 and dies at dup2(2, 42) with 159" {
	[ -x "$SEED_DIR/seed3_nofilter" ] || { echo "seed3_nofilter not built in $SEED_DIR"; return 1; }
	run --separate-stderr lm -p strict --ro-bind "$SEED_DIR" /seed -- /seed/seed3_nofilter
	assert_failure 159
	assert_line --index 0 --partial 'step 1'
	assert_line --index 1 --partial 'step 2'
	assert_line --index 2 --partial 'step 3'
	[ "${#lines[@]}" -eq 3 ]
	# twin: without the profile's filter the same program reaches step 4
	run --separate-stderr lm -p default --ro-bind "$SEED_DIR" /seed -- /seed/seed3_nofilter
	assert_success
	assert_line --partial 'step 4'
}

@test "strict: read on fd 0 and write on 1 and 2 only, fds through the 32-bit mask; other calls kill" {
	T=/seed/try-syscall
	s() { lm -p strict --ro-bind "$SEED_DIR" /seed -- "$T" "$@" </dev/null; }
	run s write 1 0 0
	assert_success
	run s write 0x100000001 0 0  # fd 1 with high bits set: the kernel writes to fd 1
	assert_success
	run s write 3 0 0
	assert_failure 159
	run s write 0x100000003 0 0
	assert_failure 159
	run s read 0 0 0
	assert_success
	run s read 1 0 0
	assert_failure 159
	run s getpid
	assert_failure 159
	run s socket 1 1 0
	assert_failure 159
	# twins: under default the same calls are fine
	run lm --ro-bind "$SEED_DIR" /seed -- "$T" getpid
	assert_success
	run lm --ro-bind "$SEED_DIR" /seed -- "$T" write 3 0 0
	assert_failure 9 # EBADF: allowed, fd 3 is not open
}

@test "default: refused calls get EPERM, named by the report as the profile's rule" {
	# Each of these is refused by the kernel too (no capabilities), so the errno alone could
	# not tell the profile's rule from the kernel: the report names the rule that stopped it.
	for call in "mount 0 0 0" "umount2 0 0" "setns 0 0" "chroot 0" "bpf 0 0 0" \
		"perf_event_open 0 0 0 0 0" "keyctl 0 0" "ptrace 0 0" "io_uring_setup 0 0" "userfaultfd 0"; do
		set -- $call
		run --separate-stderr lm --report --ro-bind "$SEED_DIR" /seed -- /seed/try-syscall "$@"
		assert_failure 1
		assert_output "$1: EPERM"
		assert_stderr --regexp "refused pid [0-9]+ at $1\\(.*with EPERM: (rule $LAMINA_PROFILE_DIR/default.profile:[0-9]+|built-in)"
		# twin: without the seccomp layer nothing reports it (the kernel refuses, silently)
		run --separate-stderr lm --report --unsafe-disable-layer seccomp --ro-bind "$SEED_DIR" /seed -- /seed/try-syscall "$@"
		refute_line --partial "rule $LAMINA_PROFILE_DIR/default.profile"
		[[ "$stderr" != *"refused pid"* ]]
	done
}

@test "default: unshare and clone only without namespace flags" {
	T=/seed/try-syscall
	run lm --ro-bind "$SEED_DIR" /seed -- $T unshare 0x20000 # CLONE_NEWNS
	assert_failure 1
	assert_output "unshare: EPERM"
	run lm --ro-bind "$SEED_DIR" /seed -- $T unshare 0x40000000 # CLONE_NEWNET
	assert_failure 1
	run lm --ro-bind "$SEED_DIR" /seed -- $T unshare 0x80 # CLONE_NEWTIME
	assert_failure 1
	# twins: unsharing what the process owns, and fork/threads
	run lm --ro-bind "$SEED_DIR" /seed -- $T unshare 0x400 # CLONE_FILES
	assert_success
	run lm --ro-bind "$SEED_DIR" /seed -- $T fork
	assert_success
	run lm --ro-bind "$SEED_DIR" /seed -- $T thread
	assert_success
	# clone with CLONE_NEWNET|SIGCHLD: EPERM from the profile (a rule the report names)
	run --separate-stderr lm --report --ro-bind "$SEED_DIR" /seed -- $T clone 0x40000011 0 0 0 0
	assert_failure 1
	assert_output "clone: EPERM"
	assert_stderr --partial "default.profile"
}

@test "default: personality only with harmless values; raw and packet sockets refused" {
	# personality(ADDR_NO_RANDOMIZE) would weaken ASLR: refused (the default ENOSYS)
	run lm -- "$PY" -c "$(sc 135 0x0040000)"
	assert_output "-1 38"
	# twins: querying, and PER_LINUX32
	run lm -- "$PY" -c "$(sc 135 0xffffffff)"
	assert_output "0 0"
	run lm -- "$PY" -c "$(sc 135 8)"
	assert_output "0 0"
	# without the seccomp layer the kernel would have done it
	run --separate-stderr lm --unsafe-disable-layer seccomp -- "$PY" -c "$(sc 135 0x0040000)"
	assert_output "0 0"

	# socket(AF_PACKET), socket(AF_INET, SOCK_RAW): EPERM; AF_INET stream/dgram, AF_UNIX: fine
	run lm -- "$PY" -c "$(sc 41 17 3 0)"
	assert_output "-1 1"
	run lm -- "$PY" -c "$(sc 41 2 3 1)"
	assert_output "-1 1"
	run lm -- "$PY" -c "$(sc 41 0x100000011 3 0)" # AF_PACKET with high bits: still refused
	[[ "$output" == "-1 "* ]]
	run lm -- "$PY" -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM); socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); socket.socket(socket.AF_UNIX); print('ok')"
	assert_output ok
	# an unlisted family gets the default ENOSYS
	run lm -- "$PY" -c "$(sc 41 38 5 0)" # AF_ALG
	assert_output "-1 38"
}

@test "default: calls that only serve an attack kill the process (159); without seccomp they fail (EPERM)" {
	# kexec_load 246, init_module 175, iopl 172, open_by_handle_at 304
	for nr in 246 175 172 304; do
		run lm -- "$PY" -c "$(sc $nr 0 0 0 0)"
		[ "$status" -eq 159 ] || { echo "syscall $nr: status $status, $output"; return 1; }
		# twin: without the filter the call returns an error (no capability, or a kernel
		# built without it) and the process lives
		run --separate-stderr lm --unsafe-disable-layer seccomp -- "$PY" -c "$(sc $nr 0 0 0 0)"
		assert_success
		[[ "$output" == "-1 "* ]]
	done
}

@test "README: the example profile in profiles/README.md is valid and does what it says" {
	sed -n '/^### Example/,$p' "$SRC_DIR/profiles/README.md" | sed -n '/^```$/,/^```$/p' | sed '1d;$d' > "$SCRATCH/example.profile"
	grep -q '^include default$' "$SCRATCH/example.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/example.profile"
	assert_success
	assert_line --regexp '^  purpose: +A local socket worker$'
	# AF_UNIX works, AF_INET is refused with the errno the example names
	run --separate-stderr lm -p "$SCRATCH/example.profile" -- "$PY" -c "import socket; socket.socket(socket.AF_UNIX); print('unix ok')
try:
    socket.socket(socket.AF_INET)
except OSError as e:
    print(e.errno)"
	assert_success
	assert_output "unix ok
97"
}

@test "default: a stopped and continued sleep resumes (restart_syscall allowed); twin fails without it" {
	script='/bin/sleep 1.5 & p=$!; /bin/sleep 0.2; kill -STOP $p; /bin/sleep 0.2; kill -CONT $p; wait $p; echo "sleep exit $?"'
	run --separate-stderr lm -- /bin/sh -c "$script"
	assert_success
	assert_output "sleep exit 0"
	printf 'include default\nreset restart_syscall\n' > "$SCRATCH/nors.profile"
	run --separate-stderr lm -p "$SCRATCH/nors.profile" -- /bin/sh -c "$script"
	assert_output "sleep exit 1"
	assert_stderr --partial "Function not implemented"
}
