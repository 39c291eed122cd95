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

# ---- --untrusted-profile: a profile that may only narrow -------------------------------------

# untrusted FILE ARGS...: check and run of FILE as an untrusted profile must both fail with
# exactly the line given (after "lamina: FILE:"), exit 125, and the payload must not run.
refused_both() {
	local f=$1 want=$2; shift 2
	run --separate-stderr "$LAMINA" check "$@" --untrusted-profile "$f"
	assert_failure 125
	assert_stderr "lamina: $f:$want"
	run --separate-stderr "$LAMINA" run "$@" --untrusted-profile "$f" -- /bin/sh -c "echo ran >$SCRATCH/ran"
	assert_failure 125
	assert_stderr "lamina: $f:$want"
	[ ! -e "$SCRATCH/ran" ]
}

@test "untrusted: every directive that widens is refused with FILE:LINE:COL, 125, by check and run" {
	local p=$SCRATCH/u.profile line want n=0
	mkdir "$SCRATCH/ok" "$SCRATCH/no"
	while IFS='|' read -r line want; do
		printf 'include default\n%s\n' "$line" >"$p"
		refused_both "$p" "$want" --untrusted-allow-path "$SCRATCH/ok"
		n=$((n + 1))
	done <<-EOF
	bind $SCRATCH/no /d|2:1: untrusted profile: bind is not allowed ($SCRATCH/no is not beneath a directory the operator allows with --untrusted-allow-path)
	ro-bind $SCRATCH/ok/../no /d|2:1: untrusted profile: ro-bind is not allowed ($SCRATCH/ok/../no is not beneath a directory the operator allows with --untrusted-allow-path)
	overlay /etc /d|2:1: untrusted profile: overlay is not allowed (/etc is not beneath a directory the operator allows with --untrusted-allow-path)
	dev-bind /dev /d|2:1: untrusted profile: dev-bind is not allowed (device nodes from the host are the operator's choice)
	keep-env|2:1: untrusted profile: keep-env is not allowed (it would give the payload the caller's environment)
	share-net|2:1: untrusted profile: share-net is not allowed (the sandbox keeps its own network)
	network host|2:1: untrusted profile: network is not allowed (the sandbox keeps its own network)
	network user|2:1: untrusted profile: network is not allowed (the sandbox keeps its own network)
	userns-range 0:65536|2:1: untrusted profile: userns-range is not allowed (the host ids are the operator's choice)
	rlimit nofile=4096|2:1: untrusted profile: rlimit is not allowed (nofile may only be lowered: the limit in force is 1024:1024)
	rlimit as=unlimited|2:1: untrusted profile: rlimit is not allowed (as may only be lowered: the limit in force is 8G:8G)
	landlock write /|2:1: untrusted profile: landlock is not allowed (/ is not beneath a path the base grants as much, nor beneath one of the sandbox's mounts)
	allow mount|2:7: untrusted profile: allow mount is not allowed (the shipped profiles it includes do not allow mount)
	allow clone|2:7: untrusted profile: allow clone is not allowed (the shipped profiles it includes do not allow clone)
	log ptrace|2:5: untrusted profile: log ptrace is not allowed (the shipped profiles it includes do not allow ptrace)
	default allow|2:1: untrusted profile: default allow is not allowed (it would let through every call the shipped profile refuses)
	i386 on|2:6: untrusted profile: i386 on is not allowed (the i386 entry point stays killed)
	include $SCRATCH/no/x.profile|2:9: untrusted profile: include of a file is not allowed (only shipped profiles, by name: see \`lamina profiles\`)
	limit cpu-weight 10000|2:1: untrusted profile: limit is not allowed (cpu-weight may only be lowered, or set where it is not)
	EOF
	[ "$n" -eq 19 ]
	# a cgroup limit of the base may only be lowered (hosting's memory is 512M)
	printf 'include hosting\nlimit memory 1G\n' >"$p"
	refused_both "$p" "2:1: untrusted profile: limit is not allowed (memory may only be lowered, or set where it is not)"
	printf 'include hosting\nlimit memory 256M\n' >"$p"
	run --separate-stderr "$LAMINA" check --untrusted-profile "$p"
	assert_success
	# the std-fd layer a base turns on stays on (stdio's)
	printf 'include stdio\nstdfd off\n' >"$p"
	refused_both "$p" "2:7: untrusted profile: stdfd off is not allowed (the shipped profile it includes turns the std-fd layer on)"
	printf 'include default\nstdfd on\n' >"$p"
	run --separate-stderr "$LAMINA" check --untrusted-profile "$p"
	assert_success
	# the base first: a line before the shipped include is refused
	printf 'rlimit nofile=10\ninclude default\n' >"$p"
	refused_both "$p" "1:1: untrusted profile: rlimit is not allowed (before an include of a shipped profile: the profile may only narrow one)"
}

@test "untrusted: the same directives in a trusted profile run (twin), and -p with --untrusted-profile is an error" {
	mkdir "$SCRATCH/no"
	printf 'include default\nro-bind %s /d\nkeep-env\nrlimit nofile=2048:2048\n' "$SCRATCH/no" >"$SCRATCH/p.profile"
	run --separate-stderr "$LAMINA" run -p "$SCRATCH/p.profile" -- /bin/sh -c 'ulimit -n; test -d /d && echo bound'
	assert_success
	assert_output $'2048\nbound'
	run --separate-stderr "$LAMINA" run -p default --untrusted-profile "$SCRATCH/p.profile" -- /bin/true
	assert_failure 125
	assert_stderr "lamina: run: give --profile or --untrusted-profile, not both"
}

@test "untrusted: narrowing directives apply: a bind beneath the allowed path, a lower rlimit, an errno rule, a conditional allow" {
	mkdir -p "$SCRATCH/ok/app"
	echo hello >"$SCRATCH/ok/app/f"
	cat >"$SCRATCH/u.profile" <<-EOF
	include default
	ro-bind $SCRATCH/ok/app /app
	tmpfs /data
	landlock write /data
	setenv GREETING hi
	rlimit nofile=100
	errno(EACCES) mkdirat mkdir
	allow clone if a0 & CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWCGROUP == 0 && a1 == 0
	EOF
	run --separate-stderr "$LAMINA" check --untrusted-allow-path "$SCRATCH/ok" --untrusted-profile "$SCRATCH/u.profile"
	assert_success
	run --separate-stderr "$LAMINA" run --untrusted-allow-path "$SCRATCH/ok" --untrusted-profile "$SCRATCH/u.profile" -- \
		/bin/sh -c 'cat /app/f; echo $GREETING; ulimit -n; echo x >/data/x && echo wrote; mkdir /data/d 2>&1 || echo mkdir-refused'
	assert_success
	assert_line --index 0 hello
	assert_line --index 1 hi
	assert_line --index 2 100
	assert_line --index 3 wrote
	assert_line --index 4 --partial "Permission denied"
}

@test "untrusted: a symlink beneath the allowed path that leads out of it is refused; one that stays is followed (twin)" {
	mkdir -p "$SCRATCH/ok/in" "$SCRATCH/out"
	echo inside >"$SCRATCH/ok/in/f"
	ln -s "$SCRATCH/out" "$SCRATCH/ok/escape"
	ln -s in "$SCRATCH/ok/stay"
	printf 'include default\nro-bind %s/ok/escape /d\n' "$SCRATCH" >"$SCRATCH/u.profile"
	refused_both "$SCRATCH/u.profile" "2:1: untrusted profile: ro-bind is not allowed ($SCRATCH/ok/escape is not beneath a directory the operator allows with --untrusted-allow-path)" --untrusted-allow-path "$SCRATCH/ok"
	printf 'include default\nro-bind %s/ok/stay /d\n' "$SCRATCH" >"$SCRATCH/u.profile"
	run --separate-stderr "$LAMINA" run --untrusted-allow-path "$SCRATCH/ok" --untrusted-profile "$SCRATCH/u.profile" -- /bin/cat /d/f
	assert_success
	assert_output inside
}

@test "untrusted: an include of root's secret is refused before it is opened, and nothing of it is shown" {
	printf 'TOKEN-5eCr3T-txt\n' >"$SCRATCH/token"
	chmod 600 "$SCRATCH/token"
	printf 'include default\ninclude %s\n' "$SCRATCH/token" >"$SCRATCH/u.profile"
	refused_both "$SCRATCH/u.profile" "2:9: untrusted profile: include of a file is not allowed (only shipped profiles, by name: see \`lamina profiles\`)"
	[[ "$stderr" != *5eCr3T* ]]
}
