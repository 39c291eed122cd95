#!/usr/bin/env bats
# The seccomp layer: every built-in rule and every std-fd rule with its exact errno, signal or
# exit status, each with a positive twin (the same call where it is allowed, or with the layer
# switched off), the foreign architectures, the precedence of built-in over profile rules,
# violation reports, and the BPF cache.
#
# try-syscall (tests/seed/try-syscall.c) prints "CALL: ok (R)" / "CALL: ENAME" and exits with
# the errno; a kill rule ends it with 159 (128 + SIGSYS).
load helpers

setup() {
	make_scratch
	# Profiles that allow everything, so that only lamina's built-in rules can refuse: a test
	# against the default profile could pass because of the profile's own rules.
	printf 'purpose test: everything allowed\ndefault allow\n' >"$SCRATCH/allowall.profile"
	printf 'purpose test: everything allowed, std-fd layer with the dup2(1, 2) exception\ndefault allow\nstdfd on\nstdfd allow dup2(1, 2)\n' \
		>"$SCRATCH/stdfd.profile"
	printf 'purpose test: std-fd layer without exception\ndefault allow\nstdfd on\n' >"$SCRATCH/stdfd-strict.profile"
	# A profile that explicitly allows what the built-in rules refuse: they must still win.
	printf 'purpose test: tries to lift the built-in rules\ndefault allow\nallow clone\nallow unshare\nallow ioctl\nallow io_uring_setup\nerrno(EPERM) clone3\n' \
		>"$SCRATCH/lift.profile"
	# The same with i386 admitted (`i386 on`): only then do i386 calls meet the rules instead of
	# the bad-arch kill.
	printf 'purpose test: everything allowed, i386 too\ndefault allow\ni386 on\n' >"$SCRATCH/allowall-i386.profile"
	printf 'purpose test: std-fd layer, i386 too\ninclude ./stdfd.profile\ni386 on\n' >"$SCRATCH/stdfd-i386.profile"
	printf 'purpose test: strict with i386\ninclude strict\ni386 on\n' >"$SCRATCH/strict-i386.profile"
	# Shipped profiles with one comment added: the same rules, another text, so their filters
	# are not the ones built into lamina and go through the cache.
	for p in default strict; do
		{ cat "$LAMINA_PROFILE_DIR/$p.profile"; echo "# edited: not the shipped text"; } >"$SCRATCH/$p-edited.profile"
	done
	chmod 644 "$SCRATCH"/*.profile
	DEFAULT_ED=$SCRATCH/default-edited.profile
	STRICT_ED=$SCRATCH/strict-edited.profile
	ALLOW=$SCRATCH/allowall.profile
	STDFD=$SCRATCH/stdfd.profile
	ALLOW32=$SCRATCH/allowall-i386.profile
	STDFD32=$SCRATCH/stdfd-i386.profile
	export XDG_CACHE_HOME=$SCRATCH/cache
}
teardown() { teardown_scratch; }

# t PROFILE CALL ARGS...: try-syscall inside the sandbox under PROFILE
t() {
	local p=$1; shift
	"$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$p" -- /seed/try-syscall "$@"
}
# t_off LAYER PROFILE CALL ARGS...: the same with one layer switched off (the twin)
t_off() {
	local layer=$1 p=$2; shift 2
	"$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$p" --unsafe-disable-layer "$layer" -- /seed/try-syscall "$@"
}
# i386 PROFILE CALL ARGS...: the call through int $0x80 (tests that use it `require i386`: on
# a kernel without the i386 entry the call dies with SIGSEGV before any filter sees it)
i386() {
	local p=$1; shift
	"$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$p" -- /seed/i386-syscall "$@"
}

# ---- CLONE_NEWUSER ----------------------------------------------------------------------

@test "built-in: unshare(CLONE_NEWUSER) is refused with EPERM under a profile that allows everything" {
	run t "$ALLOW" unshare 0x10000000
	assert_equal "$status" 1
	assert_output "unshare: EPERM"
}

@test "built-in twin: unshare(CLONE_NEWUSER) works with the seccomp layer off" {
	require userns
	run --separate-stderr t_off seccomp "$ALLOW" unshare 0x10000000
	assert_success
	assert_output "unshare: ok (0)"
}

@test "built-in twin: unshare without CLONE_NEWUSER is allowed" {
	run t "$ALLOW" unshare 0x400 # CLONE_FS
	assert_success
	assert_output "unshare: ok (0)"
}

@test "built-in: CLONE_NEWUSER with other namespace flags is refused too (masked test on the bit)" {
	run t "$ALLOW" unshare 0x14020000 # NEWUSER|NEWNS|NEWUTS... with NEWUSER set
	assert_equal "$status" 1
	assert_output "unshare: EPERM"
}

@test "built-in: clone(CLONE_NEWUSER) is refused with EPERM; twin works with the layer off" {
	run t "$ALLOW" clone-newuser
	assert_equal "$status" 1
	assert_output "clone-newuser: EPERM"
	require userns
	run --separate-stderr t_off seccomp "$ALLOW" clone-newuser
	assert_success
	assert_output "clone-newuser: ok (0)"
}

@test "built-in: clone3 gets ENOSYS" {
	run t "$ALLOW" clone3 0 0
	assert_equal "$status" 38
	assert_output "clone3: ENOSYS"
}

@test "built-in twin: clone3 without the layer reaches the kernel (EINVAL for a NULL struct... or EFAULT)" {
	run --separate-stderr t_off seccomp "$ALLOW" clone3 0 0
	refute_output "clone3: ENOSYS"
	[[ "$output" == "clone3: EFAULT" || "$output" == "clone3: EINVAL" ]]
}

@test "built-in: fork and threads keep working (libc falls back from clone3 to clone)" {
	run t "$ALLOW" fork
	assert_success
	assert_output "fork: ok (7)"
	run t "$ALLOW" thread
	assert_success
	assert_output "thread: ok (42)"
	run t default fork
	assert_output "fork: ok (7)"
	run t default thread
	assert_output "thread: ok (42)"
}

# ---- a profile cannot lift the built-in rules ------------------------------------------

@test "precedence: a profile's unconditional 'allow unshare' does not lift the built-in rule" {
	run t "$SCRATCH/lift.profile" unshare 0x10000000
	assert_equal "$status" 1
	assert_output "unshare: EPERM"
	run t "$SCRATCH/lift.profile" clone-newuser
	assert_output "clone-newuser: EPERM"
	run t "$SCRATCH/lift.profile" ioctl 1 0x5412
	assert_output "ioctl: EPERM"
	run t "$SCRATCH/lift.profile" io_uring_setup 1 0
	assert_output "io_uring_setup: EPERM"
}

@test "precedence: a profile's errno(EPERM) clone3 does not replace ENOSYS, so fork still works" {
	run t "$SCRATCH/lift.profile" clone3 0 0
	assert_output "clone3: ENOSYS"
	run t "$SCRATCH/lift.profile" fork
	assert_output "fork: ok (7)"
}

# ---- ioctl --------------------------------------------------------------------------------

@test "built-in: ioctl TIOCSTI is refused with EPERM" {
	run t "$ALLOW" ioctl 1 0x5412
	assert_equal "$status" 1
	assert_output "ioctl: EPERM"
}

@test "built-in: ioctl TIOCSTI with high bits set (0x100005412) is refused too (32-bit mask)" {
	run t "$ALLOW" ioctl 1 0x100005412
	assert_equal "$status" 1
	assert_output "ioctl: EPERM"
	run t "$ALLOW" ioctl 1 0xffffffff00005412
	assert_output "ioctl: EPERM"
}

@test "built-in twin: the kernel takes 0x100005412 as TIOCSTI: without the layer it reaches the tty code (ENOTTY on a pipe)" {
	run --separate-stderr t_off seccomp "$ALLOW" ioctl 1 0x100005412
	assert_equal "$status" 25
	assert_output "ioctl: ENOTTY"
}

@test "built-in: ioctl TIOCLINUX is refused with EPERM (also with high bits)" {
	run t "$ALLOW" ioctl 1 0x541c
	assert_equal "$status" 1
	assert_output "ioctl: EPERM"
	run t "$ALLOW" ioctl 1 0x10000541c
	assert_output "ioctl: EPERM"
}

@test "built-in twin: other ioctls are allowed (TCGETS on a pipe: ENOTTY from the kernel)" {
	run t "$ALLOW" ioctl 1 0x5401
	assert_equal "$status" 25
	assert_output "ioctl: ENOTTY"
}

# ---- io_uring ----------------------------------------------------------------------------

@test "built-in: io_uring_setup, io_uring_enter, io_uring_register are refused with EPERM" {
	run t "$ALLOW" io_uring_setup 1 0
	assert_equal "$status" 1
	assert_output "io_uring_setup: EPERM"
	run t "$ALLOW" io_uring_enter 0 0 0 0
	assert_output "io_uring_enter: EPERM"
	run t "$ALLOW" io_uring_register 0 0 0 0
	assert_output "io_uring_register: EPERM"
}

@test "built-in twin: io_uring_setup reaches the kernel with the layer off (EFAULT for a NULL params)" {
	if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" != 0 ]; then
		skip "io_uring is disabled on this host (kernel.io_uring_disabled != 0): the twin would prove nothing"
	fi
	run --separate-stderr t_off seccomp "$ALLOW" io_uring_setup 1 0
	assert_equal "$status" 14
	assert_output "io_uring_setup: EFAULT"
}

# ---- foreign architectures ----------------------------------------------------------------

@test "i386 off (the default): any int \$0x80 call kills the process, even under a profile that allows everything" {
	require i386
	run --separate-stderr i386 "$ALLOW" close 9
	assert_equal "$status" 159
	assert_output ""
	run --separate-stderr i386 default close 9
	assert_equal "$status" 159
}

@test "i386 twin: with \`i386 on\` the same int \$0x80 call reaches the kernel" {
	require i386
	run i386 "$ALLOW32" close 9
	assert_equal "$status" 9
	assert_output "i386 close: EBADF"
}

@test "i386 on: unshare(CLONE_NEWUSER) through int \$0x80 is refused with EPERM" {
	require i386
	run i386 "$ALLOW32" unshare 0x10000000
	assert_equal "$status" 1
	assert_output "i386 unshare: EPERM"
}

@test "i386 twin: the same int \$0x80 unshare works with the seccomp layer off" {
	require i386
	require userns
	run --separate-stderr "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$ALLOW" --unsafe-disable-layer seccomp -- /seed/i386-syscall unshare 0x10000000
	assert_success
	assert_output "i386 unshare: ok (0)"
}

@test "i386 on: dup2 onto a std fd through int \$0x80 is killed under the std-fd layer; dup2(2, 42) is allowed" {
	require i386
	run --separate-stderr i386 "$STDFD32" dup2 2 1
	assert_equal "$status" 159
	assert_output ""
	run i386 "$STDFD32" dup2 2 42
	assert_success
	assert_output "i386 dup2: ok (42)"
}

@test "i386: under strict every int \$0x80 call is killed; strict + \`i386 on\` kills dup2(2, 42) and allows dup2(1, 2), as on x86_64" {
	require i386
	run i386 strict dup2 1 2
	assert_equal "$status" 159
	run i386 "$SCRATCH/strict-i386.profile" dup2 2 42
	assert_equal "$status" 159
	run i386 "$SCRATCH/strict-i386.profile" dup2 1 2
	assert_success
	assert_output "i386 dup2: ok (2)"
}

@test "x32: a call through the x32 entry is killed (foreign architecture); twin: without the layer it reaches the kernel" {
	run --separate-stderr t "$ALLOW" x32-getpid
	assert_equal "$status" 159
	assert_output ""
	run --separate-stderr t_off seccomp "$ALLOW" x32-getpid
	if has x32; then
		assert_success
		assert_output --regexp '^x32-getpid: ok \([0-9]+\)$'
	else
		# a kernel without x32 answers ENOSYS: the call got past the filter to the kernel
		assert_equal "$status" 38
		assert_output "x32-getpid: ENOSYS"
	fi
}

# ---- the std-fd layer ----------------------------------------------------------------------

@test "std-fd: close(0), close(1), close(2) are killed" {
	for fd in 0 1 2; do
		run t "$STDFD" close $fd
		assert_equal "$status" 159
	done
}

@test "std-fd: close(0x100000001) is killed (the kernel closes fd 1 for it)" {
	run t "$STDFD" close 0x100000001
	assert_equal "$status" 159
}

@test "std-fd twin: without the layer close(0x100000001) does close fd 1 (so the mask matters)" {
	# fd 1 is closed: the "ok" line is lost, and only the exit status tells
	run t "$ALLOW" close 0x100000001
	assert_success
	assert_output ""
}

@test "std-fd twin: close of another fd is allowed" {
	run t "$STDFD" close 7
	assert_equal "$status" 9
	assert_output "close: EBADF"
}

@test "std-fd: dup2 onto 0, 1, 2 is killed, also with high bits in newfd" {
	run t "$STDFD" dup2 2 0
	assert_equal "$status" 159
	run t "$STDFD" dup2 2 1
	assert_equal "$status" 159
	run t "$STDFD" dup2 0 2
	assert_equal "$status" 159
	run t "$STDFD" dup2 2 0x100000001
	assert_equal "$status" 159
}

@test "std-fd: the seed's exception dup2(1, 2) is allowed, but not dup2(0x100000001, 2)" {
	run t "$STDFD" dup2 1 2
	assert_success
	assert_output "dup2: ok (2)"
	run t "$STDFD" dup2 0x100000001 2
	assert_equal "$status" 159
}

@test "std-fd: without the exception, dup2(1, 2) is killed" {
	run t "$SCRATCH/stdfd-strict.profile" dup2 1 2
	assert_equal "$status" 159
}

@test "std-fd twin: dup2 and dup3 onto other fds are allowed" {
	run t "$STDFD" dup2 2 42
	assert_success
	assert_output "dup2: ok (42)"
	run t "$STDFD" dup3 2 42 0
	assert_success
	assert_output "dup3: ok (42)"
}

@test "std-fd: dup3 onto 0, 1, 2 is killed" {
	for fd in 0 1 2 0x100000002; do
		run t "$STDFD" dup3 2 $fd 0
		assert_equal "$status" 159
	done
}

@test "std-fd: close_range reaching 0-2 is killed; starting at 3 is allowed" {
	run t "$STDFD" close_range 2 0xffffffff 0
	assert_equal "$status" 159
	run t "$STDFD" close_range 0 0 0
	assert_equal "$status" 159
	run t "$STDFD" close_range 0x100000001 5 0
	assert_equal "$status" 159
	run t "$STDFD" close_range 3 0xffffffff 0
	assert_success
	assert_output "close_range: ok (0)"
}

@test "std-fd twin: the layer switched off (--unsafe-disable-layer stdfd) lets close(1) through, keeps the hardening" {
	run --separate-stderr t_off stdfd "$STDFD" close 1
	assert_success
	run --separate-stderr t_off stdfd "$STDFD" unshare 0x10000000
	assert_output "unshare: EPERM"
}

@test "std-fd: the stdio profile turns it on, default does not" {
	run t stdio close 1
	assert_equal "$status" 159
	run t default close 5
	assert_output "close: EBADF"
	run t default dup2 2 1
	assert_success
}

# ---- violation reports ---------------------------------------------------------------------

@test "report: a kill names the call and the profile's default action, exit 159" {
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p strict -- /seed/try-syscall getppid
	assert_equal "$status" 159
	assert_stderr --regexp "lamina: seccomp: killed pid [0-9]+ at getppid\(\): not allowed by strict \(default action kill-process\)"
}

@test "report: a refusal by a built-in rule names the rule; the call gets its errno and the payload goes on" {
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p "$ALLOW" -- /seed/try-syscall unshare 0x10000000
	assert_equal "$status" 1
	assert_output "unshare: EPERM"
	assert_stderr --regexp "lamina: seccomp: refused pid [0-9]+ at unshare\(CLONE_NEWUSER\) with EPERM: built-in rule no-userns-unshare"
}

@test "report: a refusal by a profile rule names FILE:LINE" {
	printf 'purpose test\ndefault allow\n# line 3\nerrno(EACCES) getppid\n' >"$SCRATCH/rule.profile"
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p "$SCRATCH/rule.profile" -- /seed/try-syscall getppid
	assert_equal "$status" 13
	assert_output "getppid: EACCES"
	assert_stderr --regexp "lamina: seccomp: refused pid [0-9]+ at getppid\(\) with EACCES: rule .*rule.profile:4"
}

@test "report: std-fd kill with the fd decoded, also with high bits" {
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p "$STDFD" -- /seed/try-syscall close 0x100000001
	assert_equal "$status" 159
	assert_stderr --regexp "killed pid [0-9]+ at close\(0x100000001\): built-in rule stdfd-close"
}

@test "report: allowed calls of inspected syscalls run normally and are not reported" {
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p "$STDFD" -- /seed/try-syscall dup2 1 2
	assert_success
	assert_output "dup2: ok (2)"
	assert_stderr ""
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p default -- /seed/try-syscall fork
	assert_output "fork: ok (7)"
	assert_stderr ""
}

@test "report: a payload that ignores SIGSYS is killed all the same, and lamina still exits 159" {
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p "$STDFD" -- /seed/try-syscall --ignore-sigsys close 1
	assert_equal "$status" 159
	assert_stderr --partial "killed pid"
}

@test "report twin: without --report a kill is a real SIGSYS kill with a hint" {
	run --separate-stderr "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p strict -- /seed/try-syscall getppid
	assert_equal "$status" 159
	assert_stderr --partial "--report"
	refute [ -z "$stderr" ]
	[[ "$stderr" != *"killed pid"* ]]
}

@test "report: -v turns reports on" {
	run --separate-stderr "$LAMINA" run -v --ro-bind "$SEED_DIR" /seed -p strict -- /seed/try-syscall getppid
	assert_equal "$status" 159
	assert_stderr --regexp "killed pid [0-9]+ at getppid\(\)"
}

@test "report: i386 calls are decoded as i386" {
	require i386
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p "$ALLOW32" -- /seed/i386-syscall unshare 0x10000000
	assert_equal "$status" 1
	assert_stderr --regexp "refused pid [0-9]+ at i386 unshare\(CLONE_NEWUSER\) with EPERM"
}

# ---- the BPF cache -----------------------------------------------------------------------

@test "built-in filter: a shipped profile's filter is built into lamina: no cache is read or written, -v says so" {
	for p in default strict build hosting stdio; do
		# shellcheck disable=SC2046
		run --separate-stderr "$LAMINA" run -v -p "$p" $([ "$p" = hosting ] && hosting_nocg) -- /bin/true
		assert_stderr --partial "lamina: seccomp: filter built into lamina (a shipped profile, unchanged)"
	done
	run "$LAMINA" run -p default -- /bin/true
	assert_success
	run t strict getppid
	assert_equal "$status" 159
	refute [ -e "$XDG_CACHE_HOME/lamina" ]
	# twin: the same text plus a comment is another profile: compiled, then cached
	run --separate-stderr "$LAMINA" run -v -p "$DEFAULT_ED" -- /bin/true
	assert_stderr --partial "lamina: seccomp: filter compiled now"
	run --separate-stderr "$LAMINA" run -v -p "$DEFAULT_ED" -- /bin/true
	assert_stderr --partial "lamina: seccomp: filter from the cache"
	run bash -c 'ls "$XDG_CACHE_HOME"/lamina/*.bpf | wc -l'
	assert_output "1"
}

@test "built-in filter: decides as the compiled one (strict: getppid killed, dup2(1, 2) allowed), with no HOME at all" {
	for p in strict "$STRICT_ED"; do
		run env -u HOME -u XDG_CACHE_HOME "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$p" -- /seed/try-syscall getppid
		assert_equal "$status" 159
		run env -u HOME -u XDG_CACHE_HOME "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$p" -- /seed/try-syscall dup2 1 2
		assert_success
	done
	run env -u HOME -u XDG_CACHE_HOME "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p default -- /seed/try-syscall unshare 0x10000000
	assert_equal "$status" 1
	assert_output "unshare: EPERM"
	# twin: the call the built-in default filter refuses works without the layer
	require userns
	run env -u HOME -u XDG_CACHE_HOME "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p default --unsafe-disable-layer seccomp -- /seed/try-syscall unshare 0x10000000
	assert_success
}

@test "built-in filter: LAMINA_NO_CACHE=1 compiles even a shipped profile; LAMINA_SECCOMP_SHRINK=0 is another filter" {
	run --separate-stderr env LAMINA_NO_CACHE=1 "$LAMINA" run -v -p strict -- /bin/true
	assert_stderr --partial "lamina: seccomp: filter compiled now"
	run --separate-stderr env LAMINA_SECCOMP_SHRINK=0 "$LAMINA" run -v -p default -- /bin/true
	assert_stderr --partial "lamina: seccomp: filter compiled now"
	# twin: without the variables, the built-in filter
	run --separate-stderr "$LAMINA" run -v -p strict -- /bin/true
	assert_stderr --partial "lamina: seccomp: filter built into lamina"
}

@test "cache: the compiled filter is cached 0600 under XDG_CACHE_HOME and reused" {
	run t "$DEFAULT_ED" getppid
	assert_success
	run bash -c 'ls "$XDG_CACHE_HOME"/lamina/*.bpf | wc -l'
	assert_output "1"
	f=$(ls "$XDG_CACHE_HOME"/lamina/*.bpf)
	run stat -c '%a %u' "$f"
	assert_output "600 $(id -u)"
	before=$(stat -c %Y.%i "$f")
	sleep 1
	run t "$DEFAULT_ED" getppid
	assert_success
	assert_equal "$(stat -c %Y.%i "$f")" "$before"
}

@test "cache: a corrupted cache file is ignored (the filter still works) and rewritten" {
	run t "$STRICT_ED" getppid
	assert_equal "$status" 159
	f=$(ls "$XDG_CACHE_HOME"/lamina/*.bpf)
	# flip bytes in the middle of the BPF: an unchecked cache would load a different filter
	printf '\x06\x00\x00\x00\x00\x00\xff\x7f' | dd of="$f" bs=1 seek=400 conv=notrunc status=none
	bad=$(sha256sum <"$f")
	run t "$STRICT_ED" getppid
	assert_equal "$status" 159
	run t "$STRICT_ED" dup2 1 2
	assert_success
	refute [ "$(sha256sum <"$f")" = "$bad" ]
}

@test "cache: a cache file writable by others is not trusted: it is replaced" {
	run t "$STRICT_ED" getppid
	f=$(ls "$XDG_CACHE_HOME"/lamina/*.bpf)
	chmod 666 "$f"
	before=$(stat -c %i "$f")
	run t "$STRICT_ED" getppid
	assert_equal "$status" 159
	run stat -c '%a' "$f"
	assert_output "600"
	refute [ "$(stat -c %i "$f")" = "$before" ]
}

@test "report: a profile that refuses execve fails fast (no notification waits for a listener not yet handed over)" {
	printf 'purpose test\ndefault kill-process\n' >"$SCRATCH/killall.profile"
	printf 'purpose test\ndefault allow\nerrno(EACCES) execve\n' >"$SCRATCH/noexec.profile"
	run --separate-stderr "$LAMINA" run --report --timeout 20 --ro-bind "$SEED_DIR" /seed -p "$SCRATCH/killall.profile" -- /seed/try-syscall getpid
	assert_equal "$status" 159
	run --separate-stderr "$LAMINA" run --report --timeout 20 --ro-bind "$SEED_DIR" /seed -p "$SCRATCH/noexec.profile" -- /seed/try-syscall getpid
	assert_equal "$status" 126
	assert_stderr --partial "Permission denied"
}

@test "profile actions: notify reports the call and lets it run (no --report needed); trap ends in SIGSYS" {
	printf 'purpose test\ndefault allow\nnotify getppid\ntrap getpid\n' >"$SCRATCH/acts.profile"
	run --separate-stderr "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$SCRATCH/acts.profile" -- /seed/try-syscall getppid
	assert_success
	assert_output "getppid: ok (1)"
	assert_stderr --regexp "^lamina: seccomp: notified pid [0-9]+ at getppid\(\): rule .*acts.profile:3$"
	run --separate-stderr "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$SCRATCH/acts.profile" -- /seed/try-syscall getpid
	assert_equal "$status" 159
	assert_output ""
	# twin: the same calls under a profile without those rules
	run --separate-stderr "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$ALLOW" -- /seed/try-syscall getppid
	assert_output "getppid: ok (1)"
	assert_stderr ""
	run --separate-stderr "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$ALLOW" -- /seed/try-syscall getpid
	assert_success
}

@test "cache: entries in a cache directory writable by others are not used (recompiled every run)" {
	run t "$STRICT_ED" getppid
	assert_equal "$status" 159
	f=$(ls "$XDG_CACHE_HOME"/lamina/*.bpf)
	chmod 777 "$XDG_CACHE_HOME/lamina"
	before=$(stat -c %i "$f")
	run t "$STRICT_ED" getppid
	assert_equal "$status" 159
	# not read (recompiled), and the write happens only through rename: a fresh inode
	refute [ "$(stat -c %i "$f")" = "$before" ]
	chmod 700 "$XDG_CACHE_HOME/lamina"
}

@test "i386 on: ioctl TIOCSTI through int \$0x80 is refused with EPERM; twin reaches the tty code without the layer" {
	require i386
	run i386 "$ALLOW32" ioctl 1 0x5412
	assert_equal "$status" 1
	assert_output "i386 ioctl: EPERM"
	run --separate-stderr "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$ALLOW" --unsafe-disable-layer seccomp -- /seed/i386-syscall ioctl 1 0x5412
	assert_equal "$status" 25
	assert_output "i386 ioctl: ENOTTY"
}

@test "i386 on: close(1) through int \$0x80 is killed under the std-fd layer; close(9) is not" {
	require i386
	run --separate-stderr i386 "$STDFD32" close 1
	assert_equal "$status" 159
	run i386 "$STDFD32" close 9
	assert_equal "$status" 9
	assert_output "i386 close: EBADF"
}

@test "cache: an entry planted by someone who can write the cache (a payload with \$HOME bound) is not trusted" {
	run t "$STRICT_ED" getppid
	assert_equal "$status" 159
	f=$(ls "$XDG_CACHE_HOME"/lamina/*.bpf)
	# The forger knows the file format: every instruction becomes "return ALLOW" and the
	# integrity field gets the checksum a keyless scheme would use (FNV-1a 64 over the header
	# with that field zeroed, then the programs).  Only a key the payload cannot read stops it.
	python3 - "$f" <<'PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
hdr = 8 + 160 + 4 + 4 + 8 + 32
nprogs, = struct.unpack_from('<I', b, 168)
allow = bytes.fromhex('060000000000ff7f')
for off in range(hdr, len(b), 8):
    b[off:off + 8] = allow
b[184:216] = bytes(32)
h = 0xcbf29ce484222325
for c in bytes(b):
    h ^= c
    h = (h * 0x100000001b3) & 0xffffffffffffffff
b[184:192] = struct.pack('<Q', h)
open(p, 'wb').write(b)
PY
	# twin: the planted file is really there, in the place and format lamina reads
	[ "$(head -c 5 "$f")" = LMBPF ]
	run t "$STRICT_ED" getppid
	assert_equal "$status" 159
	run t "$STRICT_ED" dup2 1 2
	assert_success
}
