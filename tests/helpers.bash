# Shared helpers for the bats suites.  tests/run-all sets BUILD_DIR and SRC_DIR; run by hand,
# they default to ./build next to the sources.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

SRC_DIR=${SRC_DIR:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
LAMINA=${LAMINA:-$BUILD_DIR/lamina}
SEED_DIR=${SEED_DIR:-$BUILD_DIR/tests/seed}
ATTACK=${ATTACK:-$BUILD_DIR/tests/attacks/attack}
export SRC_DIR BUILD_DIR LAMINA SEED_DIR ATTACK
export LAMINA_PROFILE_DIR=${LAMINA_PROFILE_DIR:-$SRC_DIR/profiles}

is_root() { [ "$(id -u)" -eq 0 ]; }

# lm ARGS...: lamina run with the given options (the test names the profile when it matters).
lm() { "$LAMINA" run "$@"; }

# A scratch directory the current user owns, removed by teardown_scratch.
make_scratch() {
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/lamina-test.XXXXXX")
	chmod 755 "$SCRATCH"
}
teardown_scratch() { [ -n "${SCRATCH:-}" ] && rm -rf "$SCRATCH"; SCRATCH=; }

# No process of the sandbox may be left: nothing whose command line carries MARK.
assert_no_process() {
	local mark=$1
	run pgrep -f -- "$mark"
	assert_failure 1
}

# Debian 12's bats-assert has no assert_stderr: a small one (after `run --separate-stderr`).
assert_stderr() { # [--partial|--regexp] TEXT
	local mode=exact
	case "${1:-}" in --partial) mode=partial; shift ;; --regexp) mode=regexp; shift ;; esac
	local ok=1
	case $mode in
	exact) [ "$stderr" = "$1" ] || ok=0 ;;
	partial) [[ "$stderr" == *"$1"* ]] || ok=0 ;;
	regexp) [[ "$stderr" =~ $1 ]] || ok=0 ;;
	esac
	if [ $ok = 0 ]; then
		printf 'stderr (%s) does not match: %s\n-- stderr --\n%s\n--\n' "$mode" "$1" "$stderr" >&2
		return 1
	fi
}

# lamina's own errors are exactly one line on stderr, prefixed "lamina: ".
assert_one_error_line() {
	local n
	n=$(printf '%s\n' "$stderr" | grep -c .)
	if [ "$n" -ne 1 ] || [[ "$stderr" != lamina:* ]]; then
		printf 'expected one "lamina: ..." line on stderr, got %s:\n%s\n' "$n" "$stderr" >&2
		return 1
	fi
}

# ---- what this machine offers ------------------------------------------------------------------
# Some tests show a layer against a kernel feature that not every machine has: the i386 entry
# (`int $0x80` from a 64-bit program), the x32 entry, TIOCSTI for a process without
# CAP_SYS_ADMIN (dev.tty.legacy_tiocsti), user namespaces for an unprivileged process, core files
# that RLIMIT_CORE governs.  Each fact is probed once per bats run, outside any sandbox (the
# probe programs run in a child, so a signal stays there), and kept in $BATS_RUN_TMPDIR.  A test
# that needs a fact the machine lacks skips with the reason (`require FACT`); a test whose
# outcome depends on one asserts what this kernel gives (`has FACT`).  The kernel never decides
# a verdict: a probe that cannot tell fails the test instead.
#
# LAMINA_TEST_ASSUME_NO_I386=1 makes the i386 probe answer "absent" on a machine that has the
# entry, to show the skip path (tests/run-all passes it on; `lamina demo` reads it too).

# Each probe prints "yes", or the reason the machine lacks the fact; it fails (non-zero, a
# message on stderr) when it cannot tell.
probe_i386() {
	local out rc
	[ -x "$SEED_DIR/i386-syscall" ] || { echo "probe i386: no $SEED_DIR/i386-syscall (build first)" >&2; return 1; }
	# getpid through int $0x80: the child prints its pid, then execs the probe in place.
	{ out=$(sh -c 'echo $$; exec "$1" getpid' sh "$SEED_DIR/i386-syscall"); rc=$?; } 2>/dev/null
	local pid=${out%%$'\n'*}
	if [ "$rc" = 0 ] && [ "$out" = "$pid"$'\n'"i386 getpid: ok ($pid)" ]; then
		echo yes
	elif [ "$rc" = 139 ]; then
		echo "no i386 entry on this kernel: int \$0x80 from a 64-bit program dies with SIGSEGV even without a filter"
	elif [ "$rc" -gt 128 ]; then
		echo "no i386 entry for this run: int \$0x80 from a 64-bit program dies with SIG$(kill -l $((rc - 128))) outside any lamina sandbox"
	else
		echo "probe i386: i386-syscall getpid outside any sandbox: exit $rc, output: $out" >&2
		return 1
	fi
}
probe_x32() {
	local out rc
	[ -x "$SEED_DIR/try-syscall" ] || { echo "probe x32: no $SEED_DIR/try-syscall (build first)" >&2; return 1; }
	{ out=$("$SEED_DIR/try-syscall" x32-getpid); rc=$?; } 2>/dev/null
	if [ "$rc" = 0 ] && [[ "$out" =~ ^"x32-getpid: ok ("[0-9]+")"$ ]]; then
		echo yes
	elif [ "$rc" = 38 ] && [ "$out" = "x32-getpid: ENOSYS" ]; then
		echo "no x32 entry on this kernel (x32 getpid outside any sandbox: ENOSYS)"
	else
		echo "probe x32: try-syscall x32-getpid outside any sandbox: exit $rc, output: $out" >&2
		return 1
	fi
}
probe_legacy_tiocsti() {
	local f=/proc/sys/dev/tty/legacy_tiocsti v
	# Kernels before 6.2 have no switch: TIOCSTI on one's own terminal is always allowed.
	[ -e "$f" ] || { echo yes; return 0; }
	v=$(cat "$f") || return 1
	case $v in
	1) echo yes ;;
	0) echo "dev.tty.legacy_tiocsti=0: the kernel itself refuses TIOCSTI (EIO) to a process without CAP_SYS_ADMIN, so no layer's removal lets it through" ;;
	*) echo "probe legacy_tiocsti: $f reads '$v'" >&2; return 1 ;;
	esac
}
probe_userns() {
	local out
	# An unprivileged process creating a user namespace: what the payload does when seccomp is
	# removed, and what lamina itself does for an unprivileged caller.
	if is_root; then
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U true 2>&1)
	else
		out=$(unshare -U true 2>&1)
	fi
	if [ $? = 0 ]; then
		echo yes
	else
		echo "an unprivileged process cannot create a user namespace on this machine (unshare -U: ${out##*: })"
	fi
}
probe_core_file() {
	local p
	p=$(cat /proc/sys/kernel/core_pattern) || return 1
	case $p in
	'|'* | '@'*) echo "kernel.core_pattern hands cores to a helper ('$p'): the kernel passes it every core whatever RLIMIT_CORE says" ;;
	/*) echo "kernel.core_pattern writes cores to '$p', a path the sandbox's root does not have: no core file whatever RLIMIT_CORE says" ;;
	*) echo yes ;;
	esac
}

# fact NAME: the cached answer of probe_NAME ("yes" or the reason).
fact() {
	local name=$1 f
	if [ "$name" = i386 ] && [ "${LAMINA_TEST_ASSUME_NO_I386:-}" = 1 ]; then
		echo "no i386 entry on this kernel (assumed: LAMINA_TEST_ASSUME_NO_I386=1)"
		return 0
	fi
	[ -n "${BATS_RUN_TMPDIR:-}" ] || { "probe_$name"; return; }
	f=$BATS_RUN_TMPDIR/lamina-fact-$name
	if [ ! -s "$f" ]; then
		"probe_$name" >"$f.new" || { rm -f "$f.new"; return 1; }
		mv -f "$f.new" "$f"
	fi
	cat "$f"
}

# has FACT: true when the machine has it; false when not (the reason in $FACT_WHY).  A probe
# that cannot tell ends the test as failed (exit: an `if has ...` must not take a branch).
has() {
	FACT_WHY=$(fact "$1") || { echo "cannot probe '$1' on this machine" >&2; exit 1; }
	[ "$FACT_WHY" = yes ]
}

# require FACT: skip the rest of the test, with the reason, when the machine lacks FACT.
require() {
	has "$1" || skip "$FACT_WHY"
}
# The hosting profile limits the tenant as a whole through a cgroup (tests/cgroup.bats), and a
# caller that cannot have one (unprivileged without a delegated cgroup v2, as on these
# machines) is refused (fail closed).  Tests of hosting's other layers clear those limits for
# such a caller: hosting_nocg prints the options that do, or nothing where a cgroup can be had
# (probed once per run).
hosting_nocg() {
	local f="${BATS_RUN_TMPDIR:-/tmp}/hosting-nocg.$(id -u)"
	if [ ! -e "$f" ]; then
		if "$LAMINA" run --memory 64M --pids 16 --cpus 1 -- /bin/true 2>/dev/null; then
			: >"$f"
		else
			echo "--memory unlimited --pids unlimited --cpus unlimited" >"$f"
		fi
	fi
	cat "$f"
}
# The terminal the suite may run on is never lamina's: with a terminal on stdin lamina puts it in
# raw mode while it relays, and a test that kills lamina with SIGKILL would leave it so.  Tests
# that need a terminal make one (script, tests/ptydrive).
exec </dev/null
