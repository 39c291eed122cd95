#!/usr/bin/env bats
# The seccomp layer: every built-in rule and every std-fd rule with its exact errno, signal or
# exit status, each with a positive twin (the same call where it is allowed, or with the layer
# switched off), the foreign architectures, the precedence of built-in over profile rules,
# violation reports, and the filters built into lamina.
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
	# A user's profiles on top of the shipped ones.  Settings, comments and blank lines only:
	# the same seccomp lines, so the filters built into lamina serve them.
	printf '# a tenant: strict, and settings of its own\ninclude strict\n\nrlimit nofile=64\nro-bind /usr /opt/usr\n# done\n' \
		>"$SCRATCH/strict-user.profile"
	printf 'purpose default, a bind and an rlimit\ninclude default\nbind /tmp /mnt\nrlimit nofile=512\n' \
		>"$SCRATCH/default-user.profile"
	# default with one rule changed (ptrace and its kin: EACCES instead of EPERM): compiled.
	sed 's/^errno(EPERM) ptrace /errno(EACCES) ptrace /' "$LAMINA_PROFILE_DIR/default.profile" \
		>"$SCRATCH/default-edited.profile"
	chmod 644 "$SCRATCH"/*.profile
	STRICT_USER=$SCRATCH/strict-user.profile
	DEFAULT_USER=$SCRATCH/default-user.profile
	DEFAULT_ED=$SCRATCH/default-edited.profile
	ALLOW=$SCRATCH/allowall.profile
	STDFD=$SCRATCH/stdfd.profile
	ALLOW32=$SCRATCH/allowall-i386.profile
	STDFD32=$SCRATCH/stdfd-i386.profile
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

@test "report: string arguments are printed as the strings (escaped, bounded), unreadable ones as <pointer>" {
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -- /seed/try-syscall mount s:/x s:/y s:tmpfs 0 s:size=1m
	assert_equal "$status" 1
	assert_output "mount: EPERM"
	assert_stderr --regexp '^lamina: seccomp: refused pid [0-9]+ at mount\("/x", "/y", "tmpfs", 0, "size=1m"\) with EPERM: rule .*default\.profile:[0-9]+$'
	# bytes that are not printable ASCII are escaped; an address that names nothing is <pointer>,
	# a null pointer NULL; the flags stay a number
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -- /seed/try-syscall mount s:$'a"b\\c\n\x01\xff' 0x10 0 4096 0
	assert_equal "$status" 1
	assert_stderr --regexp '^lamina: seccomp: refused pid [0-9]+ at mount\("a\\"b\\\\c\\n\\x01\\xff", <pointer>, NULL, 4096, NULL\) with EPERM'
	# a long string: the first 128 bytes, then ...
	local long
	long=$(printf 'x%.0s' $(seq 300))
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -- /seed/try-syscall mount s:"$long" s:/y 0 0 0
	assert_stderr --regexp "^lamina: seccomp: refused pid [0-9]+ at mount\(\"${long:0:128}\"\.\.\., \"/y\", NULL, 0, NULL\)"
	# the kill path too: strict kills mount, and the report names its strings
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p strict -- /seed/try-syscall mount s:/x s:/y s:tmpfs 0 0
	assert_equal "$status" 159
	assert_stderr --regexp 'killed pid [0-9]+ at mount\("/x", "/y", "tmpfs", 0, NULL\): not allowed by strict'
	# twin: numeric arguments of other calls stay numbers
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p "$ALLOW" -- /seed/try-syscall unshare 0x10000000
	assert_stderr --regexp "at unshare\(CLONE_NEWUSER\) with EPERM"
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

# ---- the filters built into lamina -----------------------------------------------------

# under_limit KIB ARGS...: lamina with a soft address-space limit of KIB (the payload gets it
# lifted by --rlimit, so that only lamina's own steps run short).
under_limit() {
	local kib=$1
	shift
	run --separate-stderr bash -c 'ulimit -S -v "$1" && shift && exec "$@"' _ "$kib" "$LAMINA" "$@"
}

@test "memory: a filter compiled under a tight ulimit -v fails with one line (125, seccomp: ... memory), never a crash, at every limit from lamina's start-up to success" {
	# The floor: below it the kernel kills lamina's own exec (SIGSEGV before any of its code).
	local v floor=
	for v in $(seq 200 20 8000); do
		# (the group's 2>/dev/null also takes the shell's own "Segmentation fault" note)
		{ (ulimit -S -v "$v" && exec "$LAMINA" --version) >/dev/null 2>&1; } 2>/dev/null && floor=$v && break
	done
	[ -n "$floor" ] || skip "lamina --version does not start under any ulimit -v up to 8000 KiB (a sanitizer build reserves more address space)"
	local p runs=0 oks seccomp_lines=0 bad=
	for p in default "$DEFAULT_ED"; do
		# default compiled now (not taken from the table), and a profile no table holds
		oks=0
		for ((v = floor; v < floor + 30000 && oks < 10; v += 10)); do
			if [ "$p" = default ]; then
				LAMINA_NO_BUILTIN_FILTER=1 under_limit "$v" run -p "$p" --rlimit as=unlimited -- /bin/true
			else
				under_limit "$v" run -p "$p" --rlimit as=unlimited -- /bin/true
			fi
			runs=$((runs + 1))
			if [ "$status" = 0 ]; then
				oks=$((oks + 1))
				continue
			fi
			oks=0
			if [ "$status" != 125 ] || [ "${#stderr_lines[@]}" != 1 ] ||
				! [[ "${stderr_lines[0]}" =~ ^lamina:\ .*[Mm]emory ]]; then
				bad+="ulimit -v $v, profile $p: exit $status, stderr: $stderr"$'\n'
				continue
			fi
			[[ "${stderr_lines[0]}" == "lamina: seccomp: "* ]] && seccomp_lines=$((seccomp_lines + 1))
		done
		[ "$oks" -ge 10 ] || bad+="profile $p: never ran under ulimit -v up to $v KiB"$'\n'
	done
	echo "$runs runs from ulimit -v $floor KiB; $seccomp_lines seccomp lines" >&3
	[ -z "$bad" ] || { echo "$bad"; false; }
	# the loop went through the compilation: some limits stopped it there, with its line
	[ "$seccomp_lines" -gt 0 ]
}

@test "built-in filter: every shipped profile's filter is built into lamina, -v says so" {
	for p in default strict build hosting stdio; do
		# shellcheck disable=SC2046
		run --separate-stderr "$LAMINA" run -v -p "$p" $([ "$p" = hosting ] && hosting_nocg) -- /bin/true
		assert_stderr --partial "lamina: seccomp: filter built into lamina (the seccomp lines of a shipped profile)"
		[[ "$stderr" != *"compiled now"* ]]
	done
	# twin: a profile with one rule changed is compiled
	run --separate-stderr "$LAMINA" run -v -p "$DEFAULT_ED" -- /bin/true
	assert_success
	assert_stderr --partial "lamina: seccomp: filter compiled now"
	[[ "$stderr" != *"built into lamina"* ]]
}

@test "built-in filter: a profile that includes a shipped one and adds only settings and comments is built into lamina too, and decides alike" {
	for p in "$STRICT_USER" "$DEFAULT_USER"; do
		run --separate-stderr "$LAMINA" run -v -p "$p" -- /bin/true
		assert_stderr --partial "lamina: seccomp: filter built into lamina"
		run "$LAMINA" check "$p"
		assert_line --regexp '^  filter: +built into lamina'
	done
	# strict's decisions: getppid killed, the seed's dup2(1, 2) allowed; the same under strict
	for p in strict "$STRICT_USER"; do
		run t "$p" getppid
		assert_equal "$status" 159
		run t "$p" dup2 1 2
		assert_success
		assert_output "dup2: ok (2)"
	done
	# default's: unshare(CLONE_NEWUSER) EPERM, ptrace EPERM, getppid allowed
	for p in default "$DEFAULT_USER"; do
		run t "$p" unshare 0x10000000
		assert_equal "$status" 1
		assert_output "unshare: EPERM"
		run t "$p" ptrace
		assert_equal "$status" 1
		assert_output "ptrace: EPERM"
		run t "$p" getppid
		assert_success
	done
	# twin: the user profiles' own settings are applied (the rlimits and the binds)
	run --separate-stderr "$LAMINA" run -p "$STRICT_USER" --unsafe-disable-layer seccomp -- /bin/sh -c 'ulimit -n; test -x /opt/usr/bin/env && echo usr'
	assert_success
	assert_output "$(printf '64\nusr')"
	run --separate-stderr "$LAMINA" run -p "$DEFAULT_USER" -- /bin/sh -c 'ulimit -n; test -d /mnt && echo mnt'
	assert_success
	assert_output "$(printf '512\nmnt')"
}

@test "built-in filter: a profile with one rule changed is compiled now and its rule takes effect (EACCES); twin EPERM under the shipped one" {
	run --separate-stderr t "$DEFAULT_ED" ptrace
	assert_equal "$status" 13
	assert_output "ptrace: EACCES"
	run --separate-stderr "$LAMINA" run -v --ro-bind "$SEED_DIR" /seed -p "$DEFAULT_ED" -- /seed/try-syscall ptrace
	assert_stderr --partial "lamina: seccomp: filter compiled now"
	run "$LAMINA" check "$DEFAULT_ED"
	assert_line --regexp '^  filter: +compiled at each launch'
	# twin: the shipped default refuses the same call with EPERM, from the built-in filter
	run --separate-stderr t default ptrace
	assert_equal "$status" 1
	assert_output "ptrace: EPERM"
	# the rest of the edited profile is default's: getppid allowed, unshare(CLONE_NEWUSER) EPERM
	run t "$DEFAULT_ED" getppid
	assert_success
	run t "$DEFAULT_ED" unshare 0x10000000
	assert_equal "$status" 1
	assert_output "unshare: EPERM"
}

@test "built-in filter: nothing is written under \$XDG_CACHE_HOME or \$HOME, built in or compiled" {
	mkdir -p "$SCRATCH/home" "$SCRATCH/xdg"
	for p in default strict "$DEFAULT_ED" "$STRICT_USER"; do
		run env HOME="$SCRATCH/home" XDG_CACHE_HOME="$SCRATCH/xdg" "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$p" -- /seed/try-syscall getpid
		[ "$status" = 0 ] || [ "$status" = 159 ]
	done
	run find "$SCRATCH/home" "$SCRATCH/xdg" -mindepth 1
	assert_success
	assert_output ""
	# twin: both are writable by this user, and find reports what is there
	touch "$SCRATCH/home/x" "$SCRATCH/xdg/y"
	run find "$SCRATCH/home" "$SCRATCH/xdg" -mindepth 1
	assert_line "$SCRATCH/home/x"
	assert_line "$SCRATCH/xdg/y"
}

@test "built-in filter: LAMINA_NO_BUILTIN_FILTER=1 compiles and decides as the table (strict kills getppid, allows dup2(1, 2); default refuses unshare(CLONE_NEWUSER))" {
	run --separate-stderr env LAMINA_NO_BUILTIN_FILTER=1 "$LAMINA" run -v -p strict -- /bin/true
	assert_stderr --partial "lamina: seccomp: filter compiled now"
	for v in 1 0; do
		run env LAMINA_NO_BUILTIN_FILTER=$v "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p strict -- /seed/try-syscall getppid
		assert_equal "$status" 159
		run env LAMINA_NO_BUILTIN_FILTER=$v "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p strict -- /seed/try-syscall dup2 1 2
		assert_success
		run env LAMINA_NO_BUILTIN_FILTER=$v "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p default -- /seed/try-syscall unshare 0x10000000
		assert_equal "$status" 1
		assert_output "unshare: EPERM"
	done
	# twin: the call the default filter refuses works without the seccomp layer
	run --separate-stderr env LAMINA_NO_BUILTIN_FILTER=1 "$LAMINA" run --ro-bind "$SEED_DIR" /seed -p default --unsafe-disable-layer seccomp -- /seed/try-syscall unshare 0x10000000
	assert_success
	assert_output "unshare: ok (0)"
	# LAMINA_SECCOMP_SHRINK=0 is another filter: compiled too; without the variables, built in
	run --separate-stderr env LAMINA_SECCOMP_SHRINK=0 "$LAMINA" run -v -p default -- /bin/true
	assert_stderr --partial "lamina: seccomp: filter compiled now"
	run --separate-stderr "$LAMINA" run -v -p strict -- /bin/true
	assert_stderr --partial "lamina: seccomp: filter built into lamina"
}

@test "built-in filter: a broken rule in a user's profile is reported with FILE:LINE:COL when compiled; the rules are parsed from the text read once" {
	printf 'include default\nrlimit nofile=64\nerrno(EPERM) mkdirr\n' >"$SCRATCH/broken.profile"
	run --separate-stderr "$LAMINA" run -p "$SCRATCH/broken.profile" -- /bin/true
	assert_equal "$status" 125
	assert_stderr "lamina: $SCRATCH/broken.profile:3:14: unknown system call 'mkdirr' (did you mean mkdir?)"
	# each profile file is opened once, also when the rules are parsed (here: to report the
	# broken one; and for report mode, which names the rules).  LeakSanitizer refuses to run
	# under ptrace: off for these two runs of an ASan build (the runs above check for leaks).
	if command -v strace >/dev/null; then
		local asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
		run env ASAN_OPTIONS="$asan" strace -f -e trace=open,openat,openat2 -o "$SCRATCH/trace" "$LAMINA" run -p "$SCRATCH/broken.profile" -- /bin/true
		assert_equal "$status" 125
		assert_equal "$(grep -c 'broken.profile"' "$SCRATCH/trace")" 1
		assert_equal "$(grep -c 'default.profile"' "$SCRATCH/trace")" 1
		run env ASAN_OPTIONS="$asan" strace -f -e trace=open,openat,openat2 -o "$SCRATCH/trace" "$LAMINA" run --report -p "$DEFAULT_USER" -- /bin/true
		assert_success
		assert_equal "$(grep -c 'default-user.profile"' "$SCRATCH/trace")" 1
		assert_equal "$(grep -c 'default.profile"' "$SCRATCH/trace")" 1
	fi
	# twin: fixed, it runs
	printf 'include default\nrlimit nofile=64\nerrno(EPERM) mkdir\n' >"$SCRATCH/broken.profile"
	run --separate-stderr "$LAMINA" run -p "$SCRATCH/broken.profile" -- /bin/true
	assert_success
	command -v strace >/dev/null || skip "no strace on this machine: the open count is not checked"
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
