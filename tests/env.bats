#!/usr/bin/env bats
# Layer 9: environment, fds, working directory.
load helpers

@test "env: cleared to PATH, TERM, LANG and the sandbox's HOME; a caller's secret does not leak" {
	run --separate-stderr env -i PATH=/usr/bin:/bin HOME=/h TERM=dumb LANG=C.UTF-8 LAMINA_SECRET=s3cret \
		"$LAMINA" run -- /usr/bin/env
	assert_success
	assert_output "$(printf 'PATH=/usr/bin:/bin\nTERM=dumb\nLANG=C.UTF-8\nHOME=/h')"
	# twin: --keep-env passes it
	run --separate-stderr env LAMINA_SECRET=s3cret "$LAMINA" run --keep-env -- /usr/bin/env
	assert_line LAMINA_SECRET=s3cret
}

@test "env: PATH gets a default when the caller has none; HOME is the sandbox's even then" {
	run --separate-stderr env -i "$LAMINA" run -- /usr/bin/env
	assert_success
	local home=/home/user
	is_root && home=/root
	assert_output "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin
HOME=$home"
}

@test "env: --setenv and --unsetenv apply in order" {
	run --separate-stderr env -i PATH=/usr/bin:/bin HOME=/h "$LAMINA" run --setenv A 1 --setenv B 'two words' --unsetenv HOME --setenv A 3 -- /usr/bin/env
	assert_success
	assert_output "$(printf 'PATH=/usr/bin:/bin\nA=3\nB=two words')"
	run --separate-stderr lm --setenv 'A=B' x -- /bin/true
	assert_failure 125
	assert_one_error_line
	run --separate-stderr lm --setenv '' x -- /bin/true
	assert_failure 125
}

@test "fds: a directory fd leaked by the caller is closed (no fchdir escape); twin with the layer removed" {
	exec 7<"$BATS_TEST_TMPDIR"
	run --separate-stderr lm -- /bin/sh -c 'ls /proc/self/fd'
	assert_success
	assert_output "$(printf '0\n1\n2\n3')"   # 3 is ls's own directory fd
	run --separate-stderr lm --unsafe-disable-layer fds -- /bin/sh -c 'ls /proc/self/fd'
	exec 7<&-
	assert_line 7
}

@test "stdio: stdin, stdout, stderr pass through untouched" {
	run --separate-stderr sh -c "echo in | '$LAMINA' run -- /bin/sh -c 'cat; echo err >&2'"
	assert_success
	assert_output in
	assert_stderr err
}

@test "stdio: 100 MB through a pipe, binary-safe (checksum equal)" {
	local f=$BATS_TEST_TMPDIR/blob
	head -c 100M /dev/urandom > "$f"
	want=$(sha256sum < "$f")
	got=$(lm -- /bin/cat < "$f" | sha256sum)
	rm -f "$f"
	[ "$want" = "$got" ]
}
