#!/usr/bin/env bats
# Seccomp profiles in Docker's JSON format (`lamina run -p FILE.json`, `lamina check FILE.json`):
# tests/oci/docker-test.json is written in moby's default-profile format for these tests (an
# allowlist, EPERM for the rest, args, includes/excludes by caps, arches and minKernel).  Each
# refusal is asserted with its exact errno or signal, next to a twin the same profile allows;
# the errors name the JSON path.  The same profile under runc, through lamina-oci's config.json,
# is in tests/oci.bats.
load helpers

setup() {
	make_scratch
	PROF=$SRC_DIR/tests/oci/docker-test.json
	printf '{"defaultAction": "SCMP_ACT_ALLOW"}\n' >"$SCRATCH/allow.json"
	chmod 644 "$SCRATCH"/*.json
}
teardown() { teardown_scratch; }

# t PROFILE CALL ARGS...: try-syscall under PROFILE
t() {
	local p=$1; shift
	"$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$p" -- /seed/try-syscall "$@"
}
bad() { # JSON: a profile file holding it
	printf '%s\n' "$1" >"$SCRATCH/bad.json"
	chmod 644 "$SCRATCH/bad.json"
}

@test "json: check summarises a Docker profile" {
	run "$LAMINA" check "$PROF"
	assert_success
	assert_line "$PROF: valid profile"
	assert_line "  default action: errno(EPERM)"
	assert_line --partial "errno(ENOSYS) 4"
	assert_line --partial "kill-process 2 [1 with conditions]"
	assert_line --partial "x86_64 (native) and i386"
}

@test "json: sh, python3 and cc run under the Docker profile" {
	run "$LAMINA" run -p "$PROF" -- sh -c 'echo a | cat; python3 -c "import subprocess; print(subprocess.run([\"echo\", \"py\"], capture_output=True).stdout.decode().strip())"; cd /tmp && printf "int main(void){return 3;}\n" >a.c && cc a.c -o a && ./a; echo cc=$?'
	assert_success
	assert_output $'a\npy\ncc=3'
}

@test "json: a call outside the allowlist gets the default errno; the allowed twin works" {
	run t "$PROF" mount 0 0 0 0 0
	assert_failure 1
	assert_output "mount: EPERM"
	run t "$PROF" getpid
	assert_success
	assert_output "getpid: ok (2)"
}

@test "json: errnoRet gives the rule's errno (keyctl, clone3 -> ENOSYS)" {
	run t "$PROF" keyctl 0
	assert_failure 38
	assert_output "keyctl: ENOSYS"
	run t "$PROF" clone3 0 0
	assert_failure 38
	assert_output "clone3: ENOSYS"
	# the twin: fork (clone3, then clone without namespace flags) works
	run t "$PROF" fork
	assert_success
	assert_output "fork: ok (7)"
}

@test "json: args with the same index are ORed (personality), others ANDed" {
	run t "$PROF" personality 8
	assert_success
	assert_output "personality: ok (0)"
	run t "$PROF" personality 0xffffffff
	assert_success
	run t "$PROF" personality 4
	assert_failure 1
	assert_output "personality: EPERM"
}

@test "json: SCMP_CMP_NE (socket except AF_VSOCK)" {
	run t "$PROF" socket 40 1 0
	assert_failure 1
	assert_output "socket: EPERM"
	run t "$PROF" socket 1 1 0
	assert_success
}

@test "json: includes.caps: a CAP_SYS_ADMIN rule does not apply to lamina's payload" {
	# unshare(CLONE_NEWUTS) is allowed only with CAP_SYS_ADMIN: EPERM from the profile (not the
	# built-in rule, which only refuses CLONE_NEWUSER); the twin under allow-all passes the
	# filter and reaches the kernel, which refuses it for want of the capability (EPERM too),
	# so the twin is the clone excludes rule below instead.
	run t "$PROF" unshare 0x04000000
	assert_failure 1
	assert_output "unshare: EPERM"
	# excludes.caps CAP_SYS_ADMIN: the masked clone rule applies (fork above), and clone with a
	# namespace flag is refused by it
	run t "$PROF" clone 0x04000011
	assert_failure 1
	assert_output "clone: EPERM"
}

@test "json: includes.minKernel 99.0 never applies; the twin with 4.8 does" {
	run t "$PROF" getppid
	assert_failure 1
	assert_output "getppid: EPERM"
	sed 's/"99.0"/"4.8"/' "$PROF" >"$SCRATCH/mk.json"
	chmod 644 "$SCRATCH/mk.json"
	run t "$SCRATCH/mk.json" getppid
	assert_success
	assert_output "getppid: ok (1)"
}

@test "json: SCMP_ACT_KILL_PROCESS ends the payload with SIGSYS (159); its twin runs" {
	run t "$PROF" close_range 1000 1000 0
	assert_failure 159
	run t "$PROF" close_range 2000 2000 0
	assert_success
	assert_output "close_range: ok (0)"
}

@test "json: lamina's built-in hardening is stacked under a JSON profile" {
	run t "$SCRATCH/allow.json" unshare 0x10000000
	assert_failure 1
	assert_output "unshare: EPERM"
	run t "$SCRATCH/allow.json" clone3 0 0
	assert_failure 38
	# the twin: an unshare the built-in rules do not refuse passes the allow-all profile
	run t "$SCRATCH/allow.json" unshare 0
	assert_success
}

@test "json: errors name the JSON path, one line, exit 125" {
	bad '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ERRNO"},{"names":["getppid"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"SCMP_CMP_BAD"}]}]}'
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.json"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/bad.json: syscalls[1].args[0].op: unknown operator \"SCMP_CMP_BAD\" (expected SCMP_CMP_EQ, _NE, _LT, _LE, _GT, _GE or _MASKED_EQ)"
	bad '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}'
	run --separate-stderr "$LAMINA" run -p "$SCRATCH/bad.json" -- true
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/bad.json: syscalls[0].args[0].index: expected an integer from 0 to 5"
	bad '{"defaultAction":"SCMP_ACT_ALLOW","syscals":[]}'
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.json"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/bad.json: syscals: unknown or unsupported field"
	bad '{"defaultAction":"SCMP_ACT_NOTIFY"}'
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.json"
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "defaultAction: SCMP_ACT_NOTIFY is not supported"
	bad '{"defaultAction":"SCMP_ACT_ALLOW",
  "syscalls": [}'
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.json"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/bad.json:2:16: invalid JSON: unexpected token near '}'"
}

@test "json: rules libseccomp cannot order are refused, as text profiles' are" {
	bad '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]},{"names":["socket"],"action":"SCMP_ACT_KILL","args":[{"index":1,"value":3,"op":"SCMP_CMP_EQ"}]}]}'
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.json"
	assert_failure 125
	assert_stderr "lamina: $SCRATCH/bad.json: syscalls[1].names[0]: socket: a call can match both this rule and syscalls[0], which has another action; make their conditions exclusive"
	# the twin: exclusive conditions on the same argument load
	bad '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]},{"names":["socket"],"action":"SCMP_ACT_KILL","args":[{"index":0,"value":10,"op":"SCMP_CMP_EQ"}]}]}'
	run "$LAMINA" check "$SCRATCH/bad.json"
	assert_success
}

@test "json: --untrusted-profile refuses a JSON profile (its rules cannot be checked to only narrow); -p takes it (twin)" {
	run --separate-stderr "$LAMINA" run --untrusted-profile "$SCRATCH/allow.json" -- /bin/true
	assert_failure 125
	assert_stderr "lamina: profile: $SCRATCH/allow.json: --untrusted-profile takes lamina's profile format only (a JSON profile's rules cannot be checked to only narrow)"
	run "$LAMINA" run -p "$SCRATCH/allow.json" -- /bin/true
	assert_success
}
