#!/usr/bin/env bats
# Tenant-supplied profiles: what lamina does with a profile someone else wrote.  Its errors quote
# no file the profile's author could not read; no file it opens makes it wait (a FIFO); its
# seccomp rules are refused before libseccomp sees them when they would cost too much to
# compile; --untrusted-profile lets a profile only narrow.  Each refusal has its twin.
load helpers

setup() { make_scratch; }
teardown() { teardown_scratch; }

# ---- errors quote only what the author could read -----------------------------------------

@test "tenant: an include of a file the profile's owner cannot read is not quoted; its own file is (twin)" {
	printf 'TOKEN-5eCr3T-txt\n' >"$SCRATCH/token"
	chmod 600 "$SCRATCH/token"
	printf 'include %s\n' "$SCRATCH/token" >"$SCRATCH/p.profile"
	if is_root; then
		# root runs a tenant's profile: the tenant (uid 65534) owns it, root owns the token
		chown 65534 "$SCRATCH/p.profile"
		run --separate-stderr "$LAMINA" check "$SCRATCH/p.profile"
		assert_failure 125
		assert_one_error_line
		[[ "$stderr" != *5eCr3T* ]]
		assert_stderr "lamina: $SCRATCH/token:1:1: unknown directive '<...>' (expected a setting such as ro-bind or rlimit, or a rule such as 'allow read') (the file's text is not shown: it belongs to uid 0, not to the profile's owner, uid 65534)"
		run --separate-stderr "$LAMINA" run -p "$SCRATCH/p.profile" -- /bin/true
		assert_failure 125
		[[ "$stderr" != *5eCr3T* ]]
		# twin: the tenant's own file is quoted
		chown 65534 "$SCRATCH/token"
	else
		# unprivileged, lamina reads with the caller's rights: an unreadable file is not read
		chmod 000 "$SCRATCH/token"
		run --separate-stderr "$LAMINA" check "$SCRATCH/p.profile"
		assert_failure 125
		assert_stderr "lamina: $SCRATCH/p.profile:1:9: include $SCRATCH/token: Permission denied"
		chmod 600 "$SCRATCH/token"
	fi
	run --separate-stderr "$LAMINA" check "$SCRATCH/p.profile"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/token:1:1: unknown directive 'TOKEN-5eCr3T-txt' (expected a setting such as ro-bind or rlimit, or a rule such as 'allow read')"
}

@test "tenant: root's own profile quotes every file it includes" {
	is_root || skip "as root only: root's profile including another owner's file"
	printf 'bogus-word\n' >"$SCRATCH/other"
	chown 65534 "$SCRATCH/other"
	printf 'include %s\n' "$SCRATCH/other" >"$SCRATCH/p.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/p.profile"
	assert_failure 125
	assert_stderr --partial "$SCRATCH/other:1:1: unknown directive 'bogus-word'"
}

@test "tenant: bytes that are not UTF-8 are shown as \\xNN, valid UTF-8 as it is (twin)" {
	printf 'chdir r\xc3\xa9sum\xff\xfe\n' >"$SCRATCH/p.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/p.profile"
	assert_failure 125
	assert_one_error_line
	assert_stderr $'lamina: '"$SCRATCH"$'/p.profile:1:7: chdir: chdir \'r\xc3\xa9sum\\xff\\xfe\' must be an absolute path inside the sandbox'
	# a C1 control (U+009B, a CSI on some terminals) is a control character too
	printf 'chdir x\xc2\x9b31m\n' >"$SCRATCH/p.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/p.profile"
	assert_failure 125
	assert_stderr --partial "chdir 'x?31m' must be"
}

# ---- nothing lamina opens makes it wait --------------------------------------------------------

@test "tenant: a FIFO as the profile or as an include is refused at once; a file there works (twin)" {
	mkfifo "$SCRATCH/fifo"
	printf 'include %s\n' "$SCRATCH/fifo" >"$SCRATCH/p.profile"
	run --separate-stderr timeout 10 "$LAMINA" check "$SCRATCH/p.profile"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/p.profile:1:9: include $SCRATCH/fifo: a FIFO, not a regular file"
	run --separate-stderr timeout 10 "$LAMINA" run -p "$SCRATCH/p.profile" -- /bin/true
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/p.profile:1:9: include $SCRATCH/fifo: a FIFO, not a regular file"
	run --separate-stderr timeout 10 "$LAMINA" run -p "$SCRATCH/fifo" -- /bin/true
	assert_failure 125
	assert_stderr "lamina: profile: $SCRATCH/fifo: a FIFO, not a regular file"
	run --separate-stderr timeout 10 "$LAMINA" check /dev/null
	assert_failure 125
	assert_stderr "lamina: profile: /dev/null: a device, not a regular file"
	# twin: a regular file at the same place
	rm "$SCRATCH/fifo"
	printf 'include default\n' >"$SCRATCH/fifo"
	run --separate-stderr timeout 10 "$LAMINA" run -p "$SCRATCH/p.profile" -- /bin/echo ok
	assert_success
	assert_output ok
}

# ---- the compile's cost is bounded before libseccomp sees the rules ------------------------------

# conds FILE N CALLS...: a profile of N rules per call, each of three `!=` comparisons (they do not
# exclude each other: libseccomp's tree for them grows as N^3, its compile much faster).
conds() {
	local f=$1 n=$2 c i; shift 2
	{
		printf 'default errno(EPERM)\nallow read write exit exit_group execve brk mmap\n'
		for c in "$@"; do
			for ((i = 0; i < n; i++)); do
				printf 'allow %s if a0 != %d && a1 != %d && a2 != %d\n' "$c" $i $((i + 1000)) $((i + 2000))
			done
		done
	} >"$f"
}

@test "tenant: 400 and 4000 conditional rules are refused by check and run at once, naming the line; 9 pass (twin)" {
	for n in 400 4000; do
		conds "$SCRATCH/c$n.profile" $n fcntl
		local t0=$EPOCHREALTIME
		run --separate-stderr timeout 10 "$LAMINA" check "$SCRATCH/c$n.profile"
		local t1=$EPOCHREALTIME
		assert_failure 125
		assert_stderr "lamina: $SCRATCH/c$n.profile:13:1: the conditions of the fcntl rules cost too much to compile: with this rule libseccomp's decision tree for fcntl would hold more than 1500 comparisons (the budget of one call)"
		run --separate-stderr timeout 10 "$LAMINA" run -p "$SCRATCH/c$n.profile" -- /bin/true
		assert_failure 125
		assert_stderr "lamina: $SCRATCH/c$n.profile:13:1: the conditions of the fcntl rules cost too much to compile: with this rule libseccomp's decision tree for fcntl would hold more than 1500 comparisons (the budget of one call)"
		echo "# $n rules: check refused them in $(((${t1/./} - ${t0/./}) / 1000)) ms" >&3
	done
	# twin: nine such rules cost 999 and compile
	conds "$SCRATCH/c9.profile" 9 fcntl
	run --separate-stderr "$LAMINA" check "$SCRATCH/c9.profile"
	assert_success
	assert_line "  compile cost:   999 of 6000 (comparisons in libseccomp's decision trees)"
	run -127 --separate-stderr timeout 30 "$LAMINA" run -p "$SCRATCH/c9.profile" -- /bin/true
	# the filter loaded: the payload's loader is refused its files (EPERM), not lamina
	assert_failure 127
	[[ "$stderr" != *"cost too much"* ]]
}

@test "tenant: the total is bounded too: seven calls of 999 are refused at the rule that crosses 6000; six pass (twin)" {
	conds "$SCRATCH/t.profile" 9 fcntl lseek dup3 flock fchmod fchown fsync
	run --separate-stderr "$LAMINA" check "$SCRATCH/t.profile"
	assert_failure 125
	# 6 x 999 = 5994; the seventh call's rules cross 6000 at its first one (line 2 + 6*9 + 1)
	assert_stderr "lamina: $SCRATCH/t.profile:57:1: the profile's conditions cost too much to compile: with this rule libseccomp's decision trees would hold more than 6000 comparisons in all"
	conds "$SCRATCH/t.profile" 9 fcntl lseek dup3 flock fchmod fchown
	run --separate-stderr "$LAMINA" check "$SCRATCH/t.profile"
	assert_success
	assert_line "  compile cost:   5994 of 6000 (comparisons in libseccomp's decision trees)"
}

@test "tenant: every shipped profile costs less than a tenth of the budget (printed)" {
	local p n cost
	for p in "$LAMINA_PROFILE_DIR"/*.profile; do
		run --separate-stderr "$LAMINA" check "$p"
		assert_success
		cost=$(printf '%s\n' "$output" | sed -n 's/^  compile cost: *\([0-9]*\) of 6000 .*/\1/p')
		[ -n "$cost" ] || { echo "no compile cost line for $p" >&2; return 1; }
		echo "# $(basename "$p"): compile cost $cost of 6000" >&3
		[ "$cost" -lt 600 ]
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
}
