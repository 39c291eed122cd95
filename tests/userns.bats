#!/usr/bin/env bats
# Layer 1-2: namespaces and identity.
load helpers

@test "userns: the ids inside are the caller's" {
	run --separate-stderr lm -- /usr/bin/id -u
	assert_success
	assert_output "$(id -u)"
	run --separate-stderr lm -- /usr/bin/id -g
	assert_output "$(id -g)"
}

@test "userns: --uid and --gid choose the ids inside" {
	run --separate-stderr lm --uid 1234 --gid 2345 -- /bin/sh -c 'echo $(id -u):$(id -g)'
	assert_success
	assert_output "1234:2345"
}

@test "userns: every namespace is new (user mount pid net ipc uts cgroup)" {
	for ns in user mnt pid net ipc uts cgroup; do
		host=$(readlink /proc/self/ns/$ns)
		run --separate-stderr lm -- /usr/bin/readlink /proc/self/ns/$ns
		assert_success
		refute_output "$host"
	done
	# positive twin: --share-net keeps exactly the host's network namespace
	run --separate-stderr lm --share-net -- /usr/bin/readlink /proc/self/ns/net
	assert_output "$(readlink /proc/self/ns/net)"
}

@test "userns: the payload is pid 2 under lamina's init (pid 1)" {
	run --separate-stderr lm -- /bin/sh -c 'echo $$ $(cut -d" " -f4 /proc/self/stat)'
	assert_success
	assert_output --regexp '^2 [0-9]+$'
	run --separate-stderr lm -- /bin/cat /proc/1/comm
	assert_output lamina
}

@test "userns: unprivileged, setgroups is denied; as root, supplementary groups are dropped" {
	run --separate-stderr lm -- /bin/cat /proc/self/setgroups
	assert_success
	if is_root; then
		assert_output allow
		run --separate-stderr lm -- /usr/bin/id -G
		assert_output "0"
	else
		assert_output deny
	fi
}

@test "userns: as root, the payload is the unprivileged host uid 65534, not host root" {
	is_root || skip "needs root: an unprivileged caller can only map its own uid"
	run --separate-stderr lm -- /bin/cat /proc/self/uid_map
	assert_success
	assert_output --regexp '^ +0 +65534 +1$'
	# seen from the host: the payload's real and effective uids are 65534
	lm -- /bin/sleep 30.4242 &
	local pid
	for _ in $(seq 100); do pid=$(pgrep -f '^/bin/sleep 30.4242' | head -1); [ -n "$pid" ] && break; sleep 0.05; done
	run awk '/^Uid:/ {print $2, $3}' /proc/$pid/status
	kill %1; wait || true
	assert_output "65534 65534"
}

@test "userns: as root, --host-uid/--host-gid pick the host ids (positive twin of the 65534 test)" {
	is_root || skip "needs root: --host-uid is for root only"
	run --separate-stderr lm --host-uid 12345 --host-gid 23456 -- /bin/cat /proc/self/uid_map /proc/self/gid_map
	assert_success
	assert_line --index 0 --regexp '^ +0 +12345 +1$'
	assert_line --index 1 --regexp '^ +0 +23456 +1$'
	run --separate-stderr lm --host-uid 0 -- /bin/true
	assert_failure 125
	assert_stderr --partial "would make the payload host root"
}

@test "userns: --host-uid is refused for an unprivileged caller" {
	is_root && skip "needs an unprivileged caller (this run is root)"
	run --separate-stderr lm --host-uid 1000 -- /bin/true
	assert_failure 125
	assert_stderr --partial "for root only"
}

@test "uts: the hostname is lamina by default, --hostname sets it, the host's is untouched" {
	run --separate-stderr lm -- /bin/hostname
	assert_output lamina
	run --separate-stderr lm --hostname build-7 -- /bin/cat /proc/sys/kernel/hostname
	assert_output build-7
	run --separate-stderr lm --hostname build-7 -- /bin/cat /etc/hostname
	assert_output build-7
	[ "$(hostname)" != build-7 ]
}

@test "ipc: a host SysV segment is invisible inside (private IPC namespace)" {
	id=$(ipcmk -M 4096 | grep -o '[0-9]*$')
	run --separate-stderr lm -- /usr/bin/ipcs -m
	ipcs -m | grep -qw "$id"; host_sees=$?
	ipcrm -m "$id"
	assert_success
	refute_output --partial " $id "
	[ "$host_sees" -eq 0 ]   # positive twin: the host does list it
	# and a segment made inside works there
	run --separate-stderr lm -- /bin/sh -c 'ipcmk -M 4096 >/dev/null && ipcs -m | grep -c 4096'
	assert_output 1
}
