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

# The terminal the suite may run on is never lamina's: with a terminal on stdin lamina puts it in
# raw mode while it relays, and a test that kills lamina with SIGKILL would leave it so.  Tests
# that need a terminal make one (script, tests/ptydrive).
exec </dev/null
