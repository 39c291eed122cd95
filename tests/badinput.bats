#!/usr/bin/env bats
# Bad input: every misuse gets one line on stderr naming the problem, the documented exit status,
# no crash, and nothing left mounted or running.
load helpers

setup() { make_scratch; }
teardown() { teardown_scratch; }

long=$(head -c 10000 /dev/zero | tr '\0' a)

# expect_error STATUS TEXT ARGS...: lamina ARGS... fails with STATUS and one line containing TEXT.
expect_error() {
	local want=$1 text=$2; shift 2
	run "-$want" --separate-stderr timeout 20 "$LAMINA" "$@"
	if [ "$status" -ne "$want" ]; then
		echo "lamina $*: status $status, wanted $want; stderr: $stderr" >&2
		return 1
	fi
	assert_one_error_line
	assert_stderr --partial "$text"
	[ -z "$output" ] || { echo "unexpected stdout: $output" >&2; return 1; }
}

@test "bad input: subcommands and the option table" {
	expect_error 125 "unknown command 'frobnicate'" frobnicate
	expect_error 125 "unknown option '--bogus'" run --bogus -- /bin/true
	expect_error 125 "unknown option '-x'" run -x /bin/true
	expect_error 125 "no PROGRAM given" run
	expect_error 125 "no PROGRAM given" run --
	expect_error 125 "no PROGRAM given" run --share-net
	expect_error 125 "no PROGRAM given" run -- ''
	for opt in --rootfs --tmpfs --hostname --chdir --uid --gid --unsetenv --rlimit --timeout -p --profile --unsafe-disable-layer; do
		expect_error 125 "option $opt needs 1 argument" run "$opt"
	done
	for opt in --ro-bind --bind --setenv; do
		expect_error 125 "option $opt needs 2 arguments" run "$opt" x
	done
}

@test "bad input: numbers (ids, timeout) empty, negative, huge, non-numeric" {
	for v in '' -1 abc 1x 4294967295 99999999999999999999 ' 1' 0x; do
		expect_error 125 "is not an id" run --uid "$v" -- /bin/true
		expect_error 125 "is not an id" run --gid "$v" -- /bin/true
	done
	for v in '' 0 -1 abc 1e99 nan inf 1s ' 2'; do
		expect_error 125 "is not a number of seconds" run --timeout "$v" -- /bin/true
	done
}

@test "bad input: strings (hostname, chdir, env, layer names), very long ones included" {
	for v in '' "$long" 'a b' 'a/b' '-x' 'x;y'; do
		expect_error 125 "is not a valid host name" run --hostname "$v" -- /bin/true
	done
	expect_error 125 "must be an absolute path" run --chdir relative -- /bin/true
	expect_error 125 "must be an absolute path" run --chdir "/$long" -- /bin/true
	expect_error 125 "invalid variable name" run --setenv 'A=B' v -- /bin/true
	expect_error 125 "invalid variable name" run --unsetenv '' -- /bin/true
	expect_error 125 "unknown or irremovable layer" run --unsafe-disable-layer everything -- /bin/true
	expect_error 125 "unknown or irremovable layer" run --unsafe-disable-layer userns -- /bin/true
}

@test "bad input: paths (missing, '..', relative, too long)" {
	expect_error 125 "No such file or directory" run --ro-bind "$SCRATCH/nope" /x -- /bin/true
	expect_error 125 "No such file or directory" run --bind "$SCRATCH/nope" /x -- /bin/true
	expect_error 125 "escapes the root through '..'" run --ro-bind "$SCRATCH" /a/../../b -- /bin/true
	expect_error 125 "escapes the root through '..'" run --tmpfs /.. -- /bin/true
	expect_error 125 "absolute path" run --tmpfs rel -- /bin/true
	expect_error 125 "too long" run --tmpfs "/$long" -- /bin/true
	expect_error 125 "No such file or directory" run --rootfs "$SCRATCH/nope" -- /bin/true
	expect_error 125 "Not a directory" run --rootfs /etc/passwd -- /bin/true
	expect_error 125 "Not a directory" run --ro-bind "$SCRATCH" /etc/hostname/x -- /bin/true
}

@test "bad input: the program (missing 127, not executable 126, a directory 126)" {
	expect_error 127 "command not found" run -- no-such-program-anywhere
	expect_error 127 "No such file or directory" run -- /no/such/program
	expect_error 126 "Permission denied" run -- /etc/hostname
	expect_error 126 "Permission denied" run -- /usr
	echo 'not an elf' > "$SCRATCH/junk" && chmod 755 "$SCRATCH/junk"
	expect_error 126 "Exec format error" run --ro-bind "$SCRATCH" /s -- /s/junk
	# twin: a script with a shebang is executable
	printf '#!/bin/sh\necho script-ran\n' > "$SCRATCH/ok" && chmod 755 "$SCRATCH/ok"
	run --separate-stderr lm --ro-bind "$SCRATCH" /s -- /s/ok
	assert_success
	assert_output script-ran
}

@test "bad input: a program found only in the caller's current directory: 127 with the hint to bind it" {
	cp /bin/true "$SCRATCH/prog" && chmod 755 "$SCRATCH/prog"
	cd "$SCRATCH"
	local hint='is in your current directory, which is not in the sandbox: bind it, as in --ro-bind "$PWD" /w --chdir /w'
	expect_error 127 "exec: ./prog: No such file or directory (./prog $hint)" run -p strict -- ./prog
	expect_error 127 "exec: prog: command not found in the sandbox's PATH (./prog $hint, and run ./prog)" run -- prog
	# twins: no hint for what the caller's directory lacks too, and the hint's way works
	expect_error 127 "exec: ./missing: No such file or directory" run -- ./missing
	[[ "$stderr" != *"current directory"* ]]
	run --separate-stderr lm --ro-bind "$PWD" /w --chdir /w -- ./prog
	assert_success
}

@test "bad input: profiles (missing, broken) name FILE:LINE and exit 125" {
	expect_error 125 "no-such-profile" run -p no-such-profile -- /bin/true
	printf 'this is not a directive\n' > "$SCRATCH/broken.profile"
	expect_error 125 "$SCRATCH/broken.profile:1:" run -p "$SCRATCH/broken.profile" -- /bin/true
	printf 'include %s\n' "$SCRATCH/self.profile" > "$SCRATCH/self.profile"
	expect_error 125 "$SCRATCH/self.profile:1:" run -p "$SCRATCH/self.profile" -- /bin/true
	head -c 3000 /dev/urandom > "$SCRATCH/binary.profile"
	expect_error 125 "$SCRATCH/binary.profile:" run -p "$SCRATCH/binary.profile" -- /bin/true
	: > "$SCRATCH/empty.profile"
	expect_error 125 "$SCRATCH/empty.profile:1:1" run -p "$SCRATCH/empty.profile" -- /bin/true
}

@test "bad input: nothing is left mounted or running after a failure" {
	before=$(grep -c . /proc/self/mountinfo)
	for i in 1 2 3; do
		"$LAMINA" run --ro-bind /etc/passwd /a/../b -- /bin/true 2>/dev/null || true
		"$LAMINA" run --chdir /nope -- /bin/sleep 977.5 2>/dev/null || true
		"$LAMINA" run -- /no/such/prog 2>/dev/null || true
	done
	[ "$(grep -c . /proc/self/mountinfo)" -eq "$before" ]
	assert_no_process "sleep 977.5"
}

@test "help and version exit 0" {
	run "$LAMINA" --version
	assert_success
	assert_output --regexp '^lamina [0-9]+\.[0-9]+\.[0-9]+$'
	run "$LAMINA" --help
	assert_success
	assert_output --partial "lamina run"
	run "$LAMINA" run --help
	assert_success
	assert_output --partial "--ro-bind SRC DST"
}

@test "bad input: a kernel feature that is absent (user namespaces switched off) is one line, 125, and nothing runs" {
	require userns
	# max_user_namespaces is per user namespace: switch it off inside a throw-away one
	run --separate-stderr unshare -Ur sh -c "echo 0 > /proc/sys/user/max_user_namespaces && '$LAMINA' run -- /bin/echo ran"
	assert_failure 125
	refute_output ran
	assert_one_error_line
	assert_stderr --partial "clone into new namespaces"
	assert_stderr --partial "max_user_namespaces"
}

@test "bad input: no network namespace to be had (max_net_namespaces 0) is one line, 125, and nothing runs; twin --share-net runs" {
	require userns
	# The limit is per user namespace and counts nested ones: set it in a throw-away namespace,
	# and run lamina as a non-root user in a namespace below it.
	local lim="echo 0 > /proc/sys/user/max_net_namespaces && unshare -U --map-user=1000 --map-group=1000 env HOME=/tmp"
	run --separate-stderr unshare -Ur sh -c "$lim '$LAMINA' run -- /bin/echo ran"
	assert_failure 125
	refute_output ran
	assert_one_error_line
	assert_stderr --regexp "net: creating a network namespace .*max_net_namespaces.*: No space left on device"
	run --separate-stderr unshare -Ur sh -c "$lim '$LAMINA' run --share-net -- /bin/echo ran"
	assert_success
	assert_output ran
}

@test "bad input: root without an unprivileged uid to map to (nested) is a clear error" {
	run --separate-stderr unshare -Ur "$LAMINA" run -- /bin/echo ran
	assert_failure 125
	refute_output ran
	assert_one_error_line
	assert_stderr --partial "must exist in the caller's user namespace"
}

@test "bad input: control bytes in what the user typed are not echoed raw (no second line, no live escape)" {
	run --separate-stderr "$LAMINA" run $'--bogus\n\e[31mred' /bin/true
	assert_failure 125
	assert_one_error_line
	[[ "$stderr" != *$'\e'* ]]
	assert_stderr --partial "unknown option '--bogus??[31mred'"
	run --separate-stderr "$LAMINA" run -p $'/nope\n\e]0;title\a' /bin/true
	assert_failure 125
	assert_one_error_line
	[[ "$stderr" != *$'\e'* ]]
	run --separate-stderr "$LAMINA" check $'--x\ny'
	assert_failure 125
	assert_one_error_line
}

@test "options: the first word that is not an option is PROGRAM; what follows it is the program's" {
	# '-' is a program name, not an option: the -p after it is its argument, never a profile
	expect_error 127 "-: command not found" run - -p no-such-profile
	# twin: the same -p before PROGRAM is lamina's and names the profile
	expect_error 125 "no shipped profile named 'no-such-profile'" run -p no-such-profile -
	run --separate-stderr lm -- /bin/echo -p strict --bogus
	assert_success
	assert_output "-p strict --bogus"
}

@test "options: no abbreviations; --NAME=VALUE for one argument; a switch takes none" {
	expect_error 125 "unknown option '--bin'" run --bin "$SCRATCH" /x -- /bin/true
	expect_error 125 "unknown option '--share'" run --share -- /bin/true
	expect_error 125 "option --share-net takes no argument" run --share-net=yes -- /bin/true
	run --separate-stderr lm --hostname=eq-form --bind="$SCRATCH" /x -- /bin/sh -c 'hostname; test -d /x && echo bound'
	assert_success
	assert_output $'eq-form\nbound'
}

@test "options: every option --help lists is one the parser knows, with the arguments it shows" {
	run "$LAMINA" run --help
	assert_success
	local n=0 opt meta
	while read -r opt meta; do
		[ "$opt" = --help ] && continue
		n=$((n + 1))
		# give each option arguments of the right count, then a program that cannot exist:
		# a known option fails later (127, or 125 naming the value), never "unknown option"
		local args=() w
		for w in $meta; do args+=(x); done
		# (stdin is not the loop's: with -t lamina types its stdin into the payload's pty)
		run --separate-stderr "$LAMINA" run "$opt" "${args[@]}" -- /bin/true </dev/null
		[[ "$stderr" != *"unknown option"* ]] || { echo "$opt: $stderr" >&2; return 1; }
		[[ "$stderr" != *"needs"*"argument"* ]] || { echo "$opt: $stderr" >&2; return 1; }
	done < <(printf '%s\n' "$output" | sed -nE 's/^ +(-[a-z], )?(--[a-z-]+.*)$/\2/p' | sed -E 's/  +.*//')
	[ "$n" -ge 20 ] || { echo "only $n options parsed from --help" >&2; return 1; }
}
