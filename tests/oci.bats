#!/usr/bin/env bats
# lamina-oci, the OCI runtime command line, against bundles made here: a busybox root
# (rootfs-tools/mkrootfs) with try-syscall in it, and config.json written by tests/oci/config.py
# from runc's default config.  Root only: the runtime makes namespaces, cgroups and device nodes
# as runc does (the rootless case, as under rootless Podman, is the user-namespace test).
load helpers

OCI=${OCI:-$BUILD_DIR/lamina-oci}
CFG=$SRC_DIR/tests/oci/config.py

setup_file() {
	is_root || return 0
	# a root every container's ids can reach (a user namespace's root too): not under the
	# 0700 scratch directories
	local rf=/tmp/lamina-oci-rootfs.$PPID
	rm -rf "$rf"
	"$SRC_DIR/rootfs-tools/mkrootfs" busybox "$rf" >/dev/null
	echo "$rf" >"$BATS_FILE_TMPDIR/rootfs-path"
	cp "$SEED_DIR/try-syscall" "$rf/bin/try-syscall"
	mkdir -p "$rf/sys" "$rf/run"
}

setup() {
	# --version and features need no container: every caller
	[ "$BATS_TEST_DESCRIPTION" = "oci: --version and features" ] && return 0
	is_root || skip "lamina-oci makes namespaces, cgroups and device nodes as root (as runc does); the rootless case is under Podman's user namespace"
	ROOT=$(mktemp -d /run/lamina-oci-test.XXXXXX)
	B=$(mktemp -d /tmp/lamina-oci-bundle.XXXXXX)
	chmod 755 "$B"
	RF=$(cat "$BATS_FILE_TMPDIR/rootfs-path")
	ID=t$$-$BATS_TEST_NUMBER
}

teardown() {
	[ -n "${ROOT:-}" ] || return 0
	for d in "$ROOT"/*/; do
		[ -d "$d" ] && "$OCI" --root "$ROOT" delete --force "$(basename "$d")" 2>/dev/null
	done
	rmdir "$ROOT" 2>/dev/null
	rm -rf "$B"
}

oci() { "$OCI" --root "$ROOT" "$@"; }
# create: the container's init keeps create's stdio, so it gets files (a pipe to bats would be
# held open until the container ends); create's own errors are copied to stderr
create() {
	local rc=0
	"$OCI" --root "$ROOT" create "$@" </dev/null >"$B/stdout" 2>"$B/stderr" || rc=$?
	cat "$B/stderr" >&2
	return $rc
}
cfg() { python3 "$CFG" "$B" root.path="\"$RF\"" "$@"; }
teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/rootfs-path" ] && rm -rf "$(cat "$BATS_FILE_TMPDIR/rootfs-path")"
	return 0
}
args() { printf '%s' "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$@")"; }
# wait until the container is STATUS (5 s at most: a container's init is stopped once every
# process of its pid namespace is reaped, and a detached exec's process is reaped by whatever
# reaps orphans here, which on some machines polls)
wait_status() {
	local i
	for i in $(seq 500); do
		oci state "$ID" 2>/dev/null | grep -q "\"status\": \"$1\"" && return 0
		sleep 0.01
	done
	oci state "$ID" >&2
	return 1
}

@test "oci: --version and features" {
	run "$OCI" --version
	assert_success
	assert_line --index 0 --regexp '^lamina-oci version [0-9.]+$'
	assert_line --index 1 "spec: 1.2.0"
	run "$OCI" features
	assert_success
	python3 -c 'import json,sys; f=json.loads(sys.argv[1]); assert f["ociVersionMax"]=="1.2.0"; assert "pid" in f["linux"]["namespaces"]' "$output"
}

@test "oci: run passes the exit status and output through; pid 1, the hostname" {
	cfg process.args="$(args sh -c 'echo pid $$ on $(hostname); exit 7')"
	run oci run --bundle "$B" "$ID"
	assert_failure 7
	assert_output "pid 1 on lamina-oci-test"
	# nothing left: no state directory, no cgroup
	run ls "$ROOT"
	assert_output ""
	run sh -c "ls -d /sys/fs/cgroup/*/lamina-oci/$ID 2>/dev/null"
	assert_output ""
}

@test "oci: create waits for start; state is truthful across invocations; delete cleans up" {
	cfg process.args="$(args sh -c 'echo started >/tmp/x; sleep 60')"
	run --separate-stderr create --bundle "$B" --pid-file "$B/pid" "$ID"
	assert_success
	run oci state "$ID"
	assert_success
	assert_line --partial '"status": "created"'
	assert_line --partial "\"pid\": $(cat "$B/pid")"
	assert_line --partial "\"bundle\": \"$B\""
	# the init waits: the process has not run
	pid=$(cat "$B/pid")
	run cat "/proc/$pid/root/tmp/x"
	assert_failure
	# delete refuses a container that is not stopped
	run --separate-stderr oci delete "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: container $ID is created: stop it first, or delete --force"
	run oci start "$ID"
	assert_success
	wait_status running
	run cat "/proc/$pid/root/tmp/x"
	assert_output "started"
	# a second start is an error
	run --separate-stderr oci start "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: container $ID is running, not created: it cannot be started"
	run oci kill "$ID" KILL
	assert_success
	wait_status stopped
	run oci delete "$ID"
	assert_success
	run --separate-stderr oci state "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: oci: container $ID does not exist"
	# no mount of the container is left in the host's mount table, nor its cgroup
	run grep -c "$B" /proc/self/mountinfo
	assert_output 0
	run sh -c "ls -d /sys/fs/cgroup/*/lamina-oci/$ID 2>/dev/null"
	assert_output ""
}

@test "oci: kill takes named and numeric signals; pid 1 gets only those it handles" {
	cfg process.args="$(args sh -c 'trap "echo got USR1 >/tmp/s; exit 3" USR1; echo ready >/tmp/r; while :; do sleep 0.05; done')"
	create --bundle "$B" --pid-file "$B/pid" "$ID"
	oci start "$ID"
	pid=$(cat "$B/pid")
	for i in $(seq 100); do [ -e "/proc/$pid/root/tmp/r" ] && break; sleep 0.02; done
	# SIGTERM has no handler in the container's pid 1: ignored (pid_namespaces(7))
	run oci kill "$ID" TERM
	assert_success
	sleep 0.2
	wait_status running
	run oci kill "$ID" SIGUSR1
	assert_success
	wait_status stopped
	run --separate-stderr oci kill "$ID" 10
	assert_failure 125
	assert_stderr "lamina-oci: container $ID is not running"
	run --separate-stderr oci kill "$ID" SIGNOPE
	assert_failure 125
	assert_stderr "lamina-oci: kill: 'SIGNOPE' is not a signal"
}

@test "oci: process: user, additionalGids, cwd, env, rlimits, umask" {
	cfg process.args="$(args sh -c 'id; pwd; echo $FOO; ulimit -n; umask')" \
		process.user='{"uid": 1000, "gid": 1001, "additionalGids": [5, 7], "umask": 23}' \
		process.cwd='"/tmp"' +process.env='"FOO=bar"' \
		process.rlimits='[{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}]'
	run oci run --bundle "$B" "$ID"
	assert_success
	assert_output $'uid=1000 gid=1001 groups=5,7\n/tmp\nbar\n100\n0027'
}

@test "oci: capabilities: the sets process.capabilities names, no more" {
	cfg process.args="$(args sh -c 'grep -E "^Cap(Eff|Prm|Bnd|Inh|Amb)" /proc/self/status')" \
		process.capabilities='{"bounding": ["CAP_KILL", "CAP_CHOWN"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
	run oci run --bundle "$B" "$ID"
	assert_success
	# CAP_CHOWN is bit 0, CAP_KILL bit 5
	assert_output $'CapInh:\t0000000000000020\nCapPrm:\t0000000000000020\nCapEff:\t0000000000000020\nCapBnd:\t0000000000000021\nCapAmb:\t0000000000000020'
	# the twin: no capabilities object, every set empty
	cfg process.args="$(args sh -c 'grep -E "^CapBnd" /proc/self/status')" -process.capabilities
	run oci run --bundle "$B" "$ID"
	assert_success
	assert_output $'CapBnd:\t0000000000000000'
	# a capability the runtime does not hold itself is an error naming it (CAP_SYS_TIME
	# dropped from lamina-oci's bounding set, hence from its permitted set), next to the
	# same config where the runtime holds it
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	grep -q '^CapPrm:.*[^0]' /proc/self/status || skip "this shell holds no capabilities"
	cfg process.args="$(args true)" \
		process.capabilities='{"bounding": ["CAP_SYS_TIME"], "effective": ["CAP_SYS_TIME"], "permitted": ["CAP_SYS_TIME"]}'
	run --separate-stderr setpriv --bounding-set -sys_time "$OCI" --root "$ROOT" run --bundle "$B" "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: oci: process.capabilities: CAP_SYS_TIME is not in the runtime's own permitted set: Operation not permitted"
	run oci run --bundle "$B" "$ID"
	assert_success
}

@test "oci: masked and read-only paths; root.readonly" {
	cfg process.args="$(args sh -c 'wc -c </proc/timer_list; echo x >/proc/sys/kernel/hostname; echo x >/etc/x; echo x >/tmp/x && echo tmp ok')"
	run oci run --bundle "$B" "$ID"
	assert_success
	assert_line --index 0 0
	assert_line --partial "/proc/sys/kernel/hostname: Read-only file system"
	assert_line --partial "/etc/x: Read-only file system"
	assert_line "tmp ok"
	# the twin: without them /proc/timer_list has its text, /proc/sys is writable (the
	# container's own uts namespace)
	cfg process.args="$(args sh -c 'test "$(head -c 1 /proc/timer_list | wc -c)" = 1 || echo empty; echo x >/proc/sys/kernel/hostname && hostname')" \
		-linux.maskedPaths -linux.readonlyPaths
	run oci run --bundle "$B" "$ID"
	assert_success
	assert_output "x"
}

@test "oci: linux.seccomp is stacked on lamina's built-in hardening" {
	cfg --seccomp-from-docker "$SRC_DIR/tests/oci/docker-test.json" \
		process.args="$(args try-syscall mount 0 0 0 0 0)"
	run oci run --bundle "$B" "$ID"
	assert_failure 1
	assert_output "mount: EPERM"
	cfg --seccomp-from-docker "$SRC_DIR/tests/oci/docker-test.json" \
		process.args="$(args try-syscall getpid)"
	run oci run --bundle "$B" "$ID"
	assert_success
	assert_output "getpid: ok (1)"
	# an allow-all linux.seccomp still meets the built-in rule on CLONE_NEWUSER
	cfg linux.seccomp='{"defaultAction": "SCMP_ACT_ALLOW"}' \
		process.args="$(args try-syscall unshare 0x10000000)"
	run oci run --bundle "$B" "$ID"
	assert_failure 1
	assert_output "unshare: EPERM"
	# and without linux.seccomp at all
	cfg process.args="$(args try-syscall clone3 0 0)"
	run oci run --bundle "$B" "$ID"
	assert_failure 38
	cfg process.args="$(args try-syscall getpid)"
	run oci run --bundle "$B" "$ID"
	assert_success
	assert_output "getpid: ok (1)"
}

@test "oci: the Docker profile refuses under lamina-oci what it refuses under runc" {
	command -v runc >/dev/null || skip "runc is not installed (tests/deps installs it where it can)"
	local calls=("mount 0 0 0 0 0" "keyctl 0" "clone3 0 0" "personality 4" "personality 8"
		"socket 40 1 0" "socket 1 1 0" "getppid" "getpid" "close_range 2000 2000 0" "fork"
		"bpf 0 0 0" "chroot 0" "setns 0 0")
	local c out_l out_r
	for c in "${calls[@]}"; do
		# shellcheck disable=SC2086
		cfg --seccomp-from-docker "$SRC_DIR/tests/oci/docker-test.json" \
			process.args="$(args try-syscall $c)"
		out_l=$(oci run --bundle "$B" "$ID" 2>&1; echo "rc=$?")
		out_r=$(runc --root "$ROOT/runc" run --bundle "$B" "r$ID" </dev/null 2>&1; echo "rc=$?")
		[ "$out_l" = "$out_r" ] || { echo "$c: lamina-oci '$out_l', runc '$out_r'"; return 1; }
	done
	# the kill rule: SIGSYS under both (runc reports the signal as 159 too)
	cfg --seccomp-from-docker "$SRC_DIR/tests/oci/docker-test.json" \
		process.args="$(args try-syscall close_range 1000 1000 0)"
	run oci run --bundle "$B" "$ID"
	assert_failure 159
	run runc --root "$ROOT/runc" run --bundle "$B" "r$ID"
	assert_failure 159
	rm -rf "$ROOT/runc"
}

@test "oci: namespaces: a network namespace joined by path" {
	unshare -n sleep 30 &
	local holder=$!
	sleep 0.2
	cfg linux.namespaces='[{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"network","path":"/proc/'$holder'/ns/net"}]' \
		process.args="$(args sleep 10)"
	create --bundle "$B" --pid-file "$B/pid" "$ID"
	run stat -L -c %i "/proc/$(cat "$B/pid")/ns/net"
	want=$(stat -L -c %i "/proc/$holder/ns/net")
	kill "$holder"
	assert_output "$want"
	# the twin: a new one differs from both the holder's and ours
	oci delete --force "$ID"
	cfg process.args="$(args sleep 10)"
	create --bundle "$B" --pid-file "$B/pid" "$ID"
	run stat -L -c %i "/proc/$(cat "$B/pid")/ns/net"
	refute_output "$want"
	refute_output "$(stat -L -c %i /proc/self/ns/net)"
}

@test "oci: a new user namespace with id mappings" {
	cfg +linux.namespaces='{"type":"user"}' \
		linux.uidMappings='[{"containerID":0,"hostID":200000,"size":65536}]' \
		linux.gidMappings='[{"containerID":0,"hostID":200000,"size":65536}]' \
		-linux.resources \
		process.args="$(args sh -c 'cat /proc/self/uid_map; id -u')"
	run oci run --bundle "$B" "$ID"
	assert_success
	assert_output --regexp '^ +0 +200000 +65536'$'\n''0$'
}

@test "oci: linux.resources: memory and pids limits in the container's cgroup, removed at delete" {
	cfg linux.resources='{"memory": {"limit": 67108864}, "pids": {"limit": 32}}' \
		linux.cgroupsPath='"/lamina-oci-test/'"$ID"'"' process.args="$(args sleep 30)"
	create --bundle "$B" "$ID"
	run cat "/sys/fs/cgroup/memory/lamina-oci-test/$ID/memory.limit_in_bytes" \
		"/sys/fs/cgroup/pids/lamina-oci-test/$ID/pids.max"
	assert_output $'67108864\n32'
	pid=$(oci state "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	run grep -c "lamina-oci-test/$ID" "/proc/$pid/cgroup"
	refute_output 0
	oci delete --force "$ID"
	run sh -c "ls -d /sys/fs/cgroup/*/lamina-oci-test/$ID 2>/dev/null"
	assert_output ""
	rmdir /sys/fs/cgroup/*/lamina-oci-test 2>/dev/null || true
}

@test "oci: linux.resources: hugepageLimits (v1 or the unified hierarchy), kernel memory never ignored" {
	local f
	if [ -d /sys/fs/cgroup/hugetlb ]; then
		f=/sys/fs/cgroup/hugetlb/lamina-oci-test/$ID/hugetlb.2MB.limit_in_bytes
	elif grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
		f=/sys/fs/cgroup/unified/lamina-oci-test/$ID/hugetlb.2MB.max
	else
		skip "this host has no hugetlb cgroup controller"
	fi
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "this host has no 2 MB huge pages"
	# on the unified hierarchy the runtime enables hugetlb from the root down, as runc does;
	# the host's root is given back as it was
	local sc=/sys/fs/cgroup/unified/cgroup.subtree_control was=
	[ -w "$sc" ] && grep -qw hugetlb "$sc" && was=1
	cfg linux.resources='{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}' \
		linux.cgroupsPath='"/lamina-oci-test/'"$ID"'"' process.args="$(args sleep 30)"
	create --bundle "$B" "$ID"
	run cat "$f"
	assert_output 4194304
	oci delete --force "$ID"
	rmdir /sys/fs/cgroup/*/lamina-oci-test 2>/dev/null || true
	[ -n "$was" ] || [ ! -w "$sc" ] || echo -hugetlb >"$sc"
	# kernel memory: applied where the kernel limits it, else refused naming the field
	local probe=/sys/fs/cgroup/memory/lamina-oci-probe.$$
	[ -d /sys/fs/cgroup/memory ] || skip "this host has no v1 memory controller"
	mkdir "$probe"
	echo 8388608 >"$probe/memory.kmem.limit_in_bytes" 2>/dev/null
	local kmem
	kmem=$(cat "$probe/memory.kmem.limit_in_bytes" 2>/dev/null)
	rmdir "$probe"
	cfg linux.resources='{"memory": {"kernel": 8388608}}' linux.cgroupsPath='"/lamina-oci-test/'"$ID"'"' \
		process.args="$(args cat /sys/fs/cgroup/memory/memory.kmem.limit_in_bytes)"
	run --separate-stderr oci run --bundle "$B" "$ID"
	if [ "$kmem" = 8388608 ]; then
		assert_success
		assert_output 8388608
	else
		assert_failure 125
		assert_stderr "lamina-oci: resources: linux.resources.memory.kernel: this kernel does not limit kernel memory (it ignores memory.kmem.limit_in_bytes)"
	fi
	rmdir /sys/fs/cgroup/*/lamina-oci-test 2>/dev/null || true
}

@test "oci: exec joins the running container" {
	cfg process.args="$(args sleep 30)"
	create --bundle "$B" "$ID"
	oci start "$ID"
	run oci exec "$ID" sh -c 'echo $$ $(hostname); cat /proc/1/cmdline | tr "\0" " "; exit 4'
	assert_failure 4
	assert_output $'2 lamina-oci-test\nsleep 30 '
	printf '{"args": ["sh", "-c", "id -u; pwd"], "cwd": "/tmp", "user": {"uid": 42, "gid": 42}, "env": ["PATH=/bin"]}' >"$B/p.json"
	run oci exec --process "$B/p.json" "$ID"
	assert_success
	assert_output $'42\n/tmp'
	# not under `run`: its pipe would be held by the detached process
	oci exec --detach --pid-file "$B/epid" "$ID" sleep 5 </dev/null >/dev/null 2>&1
	run sh -c "tr '\\0' ' ' </proc/$(cat "$B/epid")/cmdline"
	assert_output "sleep 5 "
	# the twin: exec into a container that is not running is refused
	oci kill "$ID" KILL
	wait_status stopped
	run --separate-stderr oci exec "$ID" true
	assert_failure 125
	assert_stderr "lamina-oci: container $ID is not running"
}

@test "oci: process.terminal sends the pty's master to --console-socket" {
	cfg process.terminal=true process.args="$(args sh -c 'tty; echo done')"
	python3 - "$B/console.sock" "$B/console.out" <<-'EOF' &
	import socket, sys, os
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(sys.argv[1]); s.listen(1)
	c, _ = s.accept()
	msg, fds, _, _ = socket.recv_fds(c, 64, 1)
	out = b""
	while True:
	    try:
	        d = os.read(fds[0], 4096)
	    except OSError:
	        break
	    if not d:
	        break
	    out += d
	open(sys.argv[2], "wb").write(msg + b"|" + out)
	EOF
	local rec=$!
	for i in $(seq 100); do [ -S "$B/console.sock" ] && break; sleep 0.02; done
	create --bundle "$B" --console-socket "$B/console.sock" "$ID"
	oci start "$ID"
	wait "$rec"
	run cat "$B/console.out"
	assert_output $'/dev/ptmx|/dev/pts/0\r\ndone\r'
}

@test "oci: hooks run in their order, with the state on stdin" {
	local log=$B/hooks.log
	# the runtime's hooks and createContainer (in the container's namespaces, before the
	# pivot) write to the host's log; startContainer runs in the container's root, and the
	# process shows what it wrote (on create's stdout)
	local h='{"path": "/bin/sh", "args": ["sh", "-c", "echo $0 $(head -c 300 | grep -o \\\"status\\\":\\\"[a-z]*\\\") >>'"$log"'", "HOOK"]}'
	local sc='{"path": "/bin/sh", "args": ["sh", "-c", "echo startContainer >/tmp/sc"]}'
	cfg hooks="{\"createRuntime\": [${h/HOOK/createRuntime}], \"createContainer\": [${h/HOOK/createContainer}], \"startContainer\": [$sc], \"poststart\": [${h/HOOK/poststart}], \"poststop\": [${h/HOOK/poststop}]}" \
		process.args="$(args cat /tmp/sc)"
	create --bundle "$B" "$ID"
	oci start "$ID"
	wait_status stopped
	oci delete "$ID"
	run cat "$log"
	assert_output $'createRuntime "status":"creating"\ncreateContainer "status":"created"\npoststart "status":"running"\npoststop "status":"stopped"'
	run cat "$B/stdout"
	assert_output "startContainer"
}

@test "oci: a failing createRuntime hook fails create and leaves nothing" {
	cfg hooks='{"createRuntime": [{"path": "/bin/false"}]}' process.args="$(args true)"
	run --separate-stderr create --bundle "$B" "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: hooks: createRuntime[0] /bin/false exited with 1"
	run ls "$ROOT"
	assert_output ""
}

@test "oci: a config.json field lamina cannot honour is an error naming it" {
	cfg linux.intelRdt='{"closID": "x"}'
	run --separate-stderr create --bundle "$B" "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: config.json: linux.intelRdt: not supported by lamina-oci"
	cfg process.apparmorProfile='"containers-default-0.50.0"'
	run --separate-stderr create --bundle "$B" "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: config.json: process.apparmorProfile: not supported by lamina-oci: it applies no AppArmor profile"
	cfg +mounts='{"destination": "/x", "type": "nfs", "source": "server:/x"}'
	run --separate-stderr create --bundle "$B" "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: config.json: mounts[8].type: \"nfs\" is not supported by lamina-oci (bind, proc, sysfs, tmpfs, devpts, mqueue, cgroup, cgroup2)"
	cfg process.capabilities.bounding='["CAP_NOPE"]'
	run --separate-stderr create --bundle "$B" "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: config.json: process.capabilities.bounding[0]: unknown capability \"CAP_NOPE\""
	cfg linux.seccomp='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_BAD"}]}]}'
	run --separate-stderr create --bundle "$B" "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_BAD\" (expected SCMP_CMP_EQ, _NE, _LT, _LE, _GT, _GE or _MASKED_EQ)"
	cfg -linux.namespaces.4
	run --separate-stderr create --bundle "$B" "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: config.json: linux.namespaces: lamina-oci needs a mount namespace for the container (new, or by path)"
	# a property the runtime-spec does not define is ignored, with a warning
	cfg x-vendor='"y"' process.args="$(args true)"
	run --separate-stderr oci run --bundle "$B" "$ID"
	assert_success
	assert_stderr "lamina-oci: warning: config.json: x-vendor: not a runtime-spec property, ignored"
	run ls "$ROOT"
	assert_output ""
}

@test "oci: bad command lines and IDs: one line, exit 125" {
	run --separate-stderr create --bundle "$B" "a/b"
	assert_failure 125
	assert_stderr "lamina-oci: 'a/b' is not a valid container ID (letters, digits, - _ . +)"
	run --separate-stderr create --bundle /nonexistent "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: oci: --bundle /nonexistent: No such file or directory"
	run --separate-stderr oci frobnicate
	assert_failure 125
	assert_stderr "lamina-oci: unknown command 'frobnicate' (try --help)"
	run --separate-stderr "$OCI" --systemd-cgroup state x
	assert_failure 125
	assert_stderr "lamina-oci: --systemd-cgroup: lamina-oci manages cgroupfs paths only (this host runs no systemd); use the cgroupfs manager"
	cfg process.args="$(args sleep 10)"
	create --bundle "$B" "$ID"
	run --separate-stderr create --bundle "$B" "$ID"
	assert_failure 125
	assert_stderr "lamina-oci: container $ID already exists"
	# the first one is untouched
	run oci state "$ID"
	assert_line --partial '"status": "created"'
}

@test "oci: a missing or non-executable process.args[0] fails create: 127, 126" {
	cfg process.args="$(args nosuchcmd)"
	run -127 --separate-stderr create --bundle "$B" "$ID"
	assert_failure 127
	assert_stderr "lamina-oci: exec: nosuchcmd: not found in the process's PATH"
	run -127 --separate-stderr create --bundle "$B" "$ID"
	assert_failure 127 # nothing was left by the first
	cfg process.args="$(args /etc/passwd)"
	run --separate-stderr create --bundle "$B" "$ID"
	assert_failure 126
	assert_stderr "lamina-oci: exec: /etc/passwd: Permission denied"
	# the twin: found in the process's own PATH
	cfg process.args="$(args busybox true)" process.env='["PATH=/bin"]'
	create --bundle "$B" "$ID"
	oci start "$ID"
}

@test "oci: --log --log-format json records the error as conmon reads it" {
	run oci --log "$B/log.json" --log-format json state nope
	assert_failure 125
	python3 -c 'import json,sys; l=json.loads(open(sys.argv[1]).readline()); assert l["level"]=="error" and l["msg"]=="oci: container nope does not exist", l' "$B/log.json"
}
