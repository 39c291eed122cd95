#!/usr/bin/env bats
# lamina-oci driven by Podman (root, and rootless as the unprivileged user: Podman's own user
# namespace, one id mapped, the vfs storage driver) and by containerd (`ctr run --runc-binary`,
# the shim path Kubernetes uses; root), each with a busybox image imported offline from a
# tarball of rootfs-tools/mkrootfs busybox.  As root Podman needs --ulimit values no higher
# than root's own hard limits here (its defaults are above them: root cannot raise them).
load helpers

OCI=${OCI:-$BUILD_DIR/lamina-oci}

setup_file() {
	command -v podman >/dev/null || return 0
	local d=$BATS_FILE_TMPDIR
	# an image and containers of this run's own (the host's other containers are not touched)
	export IMG=localhost/lamina-oci-test-bb:t$$
	mkdir -p "$d/rootfs" "$d/run"
	chmod 700 "$d/run"
	"$SRC_DIR/rootfs-tools/mkrootfs" busybox "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --owner=0 --group=0 --numeric-owner -cf "$d/bb.tar" .
	export XDG_RUNTIME_DIR=$d/run
	podman_cmd import "$d/bb.tar" "$IMG" >/dev/null 2>&1
}

teardown_file() {
	command -v podman >/dev/null || return 0
	local d=$BATS_FILE_TMPDIR c
	export XDG_RUNTIME_DIR=$d/run
	stop_containerd
	for c in $(podman_cmd ps -aq --filter "ancestor=$IMG" 2>/dev/null); do
		podman_cmd rm -f "$c" >/dev/null 2>&1
	done
	podman_cmd rmi -f "$IMG" >/dev/null 2>&1
	# rootless Podman leaves a pause process holding its user namespace: ended here
	stop_pid "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid"
	return 0
}

# stop_pid PIDFILE: SIGTERM, then SIGKILL after 5 s, to the process the file names
stop_pid() {
	local pid i
	[ -f "$1" ] && pid=$(cat "$1") && [ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# Podman as this user: root's storage, or rootless with vfs (no subordinate ids needed)
podman_cmd() {
	if is_root; then
		podman "$@"
	else
		podman --storage-driver vfs "$@"
	fi
}

setup() {
	command -v podman >/dev/null || skip "podman is not installed (tests/deps installs it where the archive has it)"
	export XDG_RUNTIME_DIR=$BATS_FILE_TMPDIR/run
	P=(podman --runtime "$OCI")
	is_root || P=(podman --storage-driver vfs --runtime "$OCI")
	RUN=("${P[@]}" run --rm --network none)
	is_root && RUN+=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
	NAME=lamina-oci-t$$-$BATS_TEST_NUMBER
}

@test "podman: run, the exit status, the container's own root" {
	run "${RUN[@]}" "$IMG" sh -c 'echo pid $$; ls /bin/busybox; exit 5'
	assert_failure 5
	assert_output $'pid 1\n/bin/busybox'
	# the twin: a zero exit
	run "${RUN[@]}" "$IMG" true
	assert_success
}

@test "podman: a missing command is 127, one that cannot run 126, as under runc" {
	run -127 "${RUN[@]}" "$IMG" nosuchcmd
	assert_failure 127
	assert_output --partial "nosuchcmd: not found in the process's PATH"
	run "${RUN[@]}" "$IMG" /etc
	assert_failure 126
	# the twin
	run "${RUN[@]}" "$IMG" /bin/true
	assert_success
}

@test "podman: -it: a terminal, and the status through it" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	local cmd
	printf -v cmd '%q ' "${RUN[@]}" -it "$IMG" sh
	# script gives Podman a terminal for its stdin and forwards what is typed (a pipe here)
	run script -qec "$cmd" /dev/null < <(printf 'tty; echo $((6*7)); exit 9\n')
	assert_failure 9
	assert_output --partial $'/dev/pts/0\r\n42\r'
}

@test "podman: exec, kill, stop" {
	local d=(--network none)
	is_root && d+=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
	"${P[@]}" run -d --name "$NAME" "${d[@]}" "$IMG" sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done' >/dev/null
	run "${P[@]}" exec "$NAME" sh -c 'echo exec pid $$ of $(cat /proc/1/cmdline | tr "\0" " ")'
	assert_success
	assert_output --regexp '^exec pid [0-9]+ of sh -c trap'
	run "${P[@]}" exec "$NAME" sh -c 'exit 3'
	assert_failure 3
	"${P[@]}" kill -s USR1 "$NAME" >/dev/null
	run "${P[@]}" wait "$NAME"
	assert_output 42
	"${P[@]}" rm "$NAME" >/dev/null
	# stop: SIGTERM, which a pid 1 without a handler does not get, then SIGKILL: 137
	"${P[@]}" run -d --name "$NAME" "${d[@]}" "$IMG" sleep 100 >/dev/null
	"${P[@]}" stop -t 1 "$NAME" >/dev/null 2>&1
	run "${P[@]}" inspect -f '{{.State.ExitCode}}' "$NAME"
	assert_output 137
	"${P[@]}" rm "$NAME" >/dev/null
}

@test "podman: --memory and --pids-limit reach the container's cgroups (root)" {
	is_root || skip "rootless Podman on cgroup v1 drops --memory and --pids-limit itself (\"Resource limits are not supported and ignored on cgroups V1 rootless systems\"): they never reach the runtime"
	run "${RUN[@]}" --memory 64m --pids-limit 20 "$IMG" \
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
	assert_success
	assert_output $'67108864\n20'
	# the limit holds: a 21st task is refused
	run "${RUN[@]}" --pids-limit 5 "$IMG" sh -c 'for i in 1 2 3 4 5 6; do sleep 1 & done 2>&1; wait'
	assert_output --partial "can't fork"
}

@test "podman: the seccomp profile and lamina's hardening apply inside" {
	run "${RUN[@]}" "$IMG" sh -c 'grep -E "^(Seccomp|NoNewPrivs|CapEff)" /proc/self/status'
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	# lamina's built-in rules stand under Podman's profile (unshare(CLONE_NEWUSER)), next to
	# the twin the profile allows
	run "${RUN[@]}" -v "$SEED_DIR:/seed:ro" "$IMG" /seed/try-syscall unshare 0x10000000
	assert_failure 1
	assert_output "unshare: EPERM"
	run "${RUN[@]}" -v "$SEED_DIR:/seed:ro" "$IMG" /seed/try-syscall getpid
	assert_success
}

# containerd of this file's own (its root, state and socket in the file's scratch directory;
# a host's containerd is not touched), started at the first test that needs it
start_containerd() {
	local d=$BATS_FILE_TMPDIR/containerd
	if [ ! -S "$d/sock" ]; then
		mkdir -p "$d"
		containerd --root "$d/root" --state "$d/state" --address "$d/sock" \
			>"$d/log" 2>&1 </dev/null &
		echo $! >"$BATS_FILE_TMPDIR/containerd.pid"
		for i in $(seq 100); do [ -S "$d/sock" ] && break; sleep 0.05; done
		[ -S "$d/sock" ] || { cat "$d/log" >&2; return 1; }
	fi
	CTR=(ctr --address "$d/sock")
	if ! "${CTR[@]}" image ls -q | grep -qx "$IMG"; then
		podman_cmd save --format oci-archive -o "$d/img.tar" "$IMG" >/dev/null 2>&1
		"${CTR[@]}" image import --base-name "${IMG%:*}" "$d/img.tar" >/dev/null
	fi
}

# what the tests left in it (a failed assertion skips their own clean-up), then containerd
stop_containerd() {
	local d=$BATS_FILE_TMPDIR/containerd t
	[ -S "$d/sock" ] || return 0
	local ctr=(ctr --address "$d/sock")
	for t in $("${ctr[@]}" task ls -q 2>/dev/null); do
		"${ctr[@]}" task kill -s SIGKILL "$t" >/dev/null 2>&1
		for i in $(seq 100); do "${ctr[@]}" task ls 2>/dev/null | grep -q "^$t .*STOPPED" && break; sleep 0.05; done
		"${ctr[@]}" task delete "$t" >/dev/null 2>&1
	done
	for t in $("${ctr[@]}" container ls -q 2>/dev/null); do
		"${ctr[@]}" container delete "$t" >/dev/null 2>&1
	done
	stop_pid "$BATS_FILE_TMPDIR/containerd.pid"
}

@test "containerd: ctr run --runc-binary lamina-oci (the shim Kubernetes uses)" {
	is_root || skip "containerd runs as root"
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		skip "containerd is not installed (tests/deps installs it where the archive has it)"
	start_containerd
	run "${CTR[@]}" run --runc-binary "$OCI" --rm "$IMG" "c$$" sh -c 'echo pid $$; exit 7'
	assert_failure 7
	assert_output "pid 1"
	"${CTR[@]}" run --runc-binary "$OCI" -d "$IMG" "d$$" sleep 100
	run "${CTR[@]}" task exec --exec-id e1 "d$$" sh -c 'echo exec pid $$; exit 2'
	assert_failure 2
	assert_output --regexp '^exec pid [0-9]+$'
	"${CTR[@]}" task kill -s SIGKILL "d$$"
	for i in $(seq 100); do "${CTR[@]}" task ls | grep -q "d$$.*STOPPED" && break; sleep 0.05; done
	"${CTR[@]}" task delete "d$$"
	"${CTR[@]}" container delete "d$$"
	# nothing of either is left in the runtime's state
	run ls "$BATS_FILE_TMPDIR/containerd/state/io.containerd.runtime.v2.task/default"
	assert_output ""
}
