#!/usr/bin/env bats
# What sandboxes share through the kernel: per-user quotas (pending signals, message-queue
# bytes), other processes' memory through /proc/PID/mem, the socket protocols behind the
# allowed families.  Each attack of tests/attacks/attack.c here has its exact outcome, its
# positive twin, and the configuration in which it gets through.
load helpers
load attack-helpers

teardown() {
	local pid t
	for pid in ${HOLDERS:-}; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for t in ${TENANTS:-}; do
		grep -lx -- "$t" /var/lib/lamina/tenants/* 2>/dev/null | xargs -r rm -f
	done
	return 0
}

# ---- pending signals ------------------------------------------------------------------------

@test "quota-sigpending: a sandbox queues at most its bound (4096, EAGAIN); twin queues 16; escapes without rlimits" {
	blocked default EAGAIN quota-sigpending
	if is_root; then
		# the sandbox's own host uid: its bound, exactly
		assert_output "blocked EAGAIN queued 4096 signals"
	else
		# the bound counts against the caller's own total, which other processes of that
		# uid share
		assert_output --regexp '^blocked EAGAIN queued [0-9]+ signals$'
		local n=${output#blocked EAGAIN queued }
		[ "${n% signals}" -le 4096 ]
	fi
	blocked hosting EAGAIN quota-sigpending
	twin default quota-sigpending
	[ "$(ulimit -Si)" = unlimited ] || [ "$(ulimit -Si)" -gt 65536 ] ||
		skip "the caller's own pending-signal limit ($(ulimit -Si)) is below the attack's 65536"
	escapes default rlimits quota-sigpending
}

# hold NAME TENANT-OPTIONS...: a sandbox that queues what it can and holds it for 30 s; sets
# HELD to the count.
hold() {
	local out
	out=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/hold.XXXXXX")
	"$LAMINA" run "${@:2}" --ro-bind "$ADIR" "$ADIR" -- "$ATTACK" quota-sigpending hold:30 >"$out" 2>&1 3>&- &
	HOLDERS="${HOLDERS:-} $!"
	local i
	for i in $(seq 200); do
		grep -q '^holding ' "$out" && break
		sleep 0.05
	done
	HELD=$(sed -n 's/^holding //p' "$out")
	[ -n "$HELD" ] || { cat "$out" >&2; return 1; }
}

@test "quota-sigpending: two concurrent sandboxes of different tenants and host root each keep their own quota; one tenant's sandboxes share theirs" {
	is_root || skip "needs root: tenants (and a quota of host root's to protect) are root's"
	local ta tb
	ta=lmtest-$$-qa tb=lmtest-$$-qb
	TENANTS="$ta $tb"
	# A (tenant a) with no bound at all (rlimits removed) holds as much as it can
	hold a --tenant "$ta" --unsafe-disable-layer rlimits
	[ "$HELD" -eq 65536 ]
	# B, another tenant, still gets its whole bound
	attack default --tenant "$tb" -- quota-sigpending
	assert_output "blocked EAGAIN queued 4096 signals"
	# host root still queues as many as it asks for
	run "$ATTACK" --sigqueue 8192
	assert_output "queued 8192 0"
	# twin: the same tenant's second sandbox shares the tenant's quota: A's 65536 are charged
	# to the tenant's host uid, above the second sandbox's bound, so it queues nothing
	attack default --tenant "$ta" -- quota-sigpending
	assert_output --regexp '^blocked EAGAIN queued 0 signals'
}

@test "quota-sigpending: unprivileged, a sandbox takes at most its bound of the caller's own quota" {
	local as=()
	is_root && as=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent)
	local out
	out=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/hold.XXXXXX")
	chmod 666 "$out"
	"${as[@]}" "$LAMINA" run --ro-bind "$ADIR" "$ADIR" -- "$ATTACK" quota-sigpending hold:30 >"$out" 2>&1 3>&- &
	HOLDERS="$!"
	local i
	for i in $(seq 200); do
		grep -q '^holding ' "$out" && break
		sleep 0.05
	done
	run sed -n 's/^holding //p' "$out"
	# at most the bound: the bound counts against the caller's own total, which other
	# processes of that uid on the host share
	assert_output --regexp '^[0-9]+$'
	[ "$output" -le 4096 ] && [ "$output" -gt 0 ]
	# the caller (uid 65534) keeps the rest of its quota
	run "${as[@]}" "$ATTACK" --sigqueue 8192
	assert_output "queued 8192 0"
}

# ---- message queues -------------------------------------------------------------------------

@test "quota-msgqueue: at most the sandbox's 400 KiB of message queues (EMFILE); twin one queue; escapes without rlimits" {
	blocked default EMFILE quota-msgqueue
	if is_root; then
		# the sandbox's own host uid: its bound, exactly
		assert_output "blocked EMFILE 4 message queues of 10 x 8 KiB"
	else
		# at most the bound: it counts against the caller's own total, which other
		# processes of that uid on the host share
		assert_output --regexp '^blocked EMFILE [0-4] message queues of 10 x 8 KiB$'
	fi
	blocked hosting EMFILE quota-msgqueue
	twin default quota-msgqueue
	[ "$(ulimit -Sq)" = unlimited ] || [ "$(ulimit -Sq)" -ge 819200 ] ||
		skip "the caller's own message-queue limit ($(ulimit -Sq)) is below the kernel's default"
	escapes default rlimits quota-msgqueue
}

# ---- /proc/PID/mem -------------------------------------------------------------------------

@test "procmem-init: /proc/1/mem (init, non-dumpable) EACCES with and without seccomp; twin: a same-uid child's memory is writable (the stated boundary)" {
	blocked default EACCES procmem-init
	blocked hosting EACCES procmem-init
	attack default --unsafe-disable-layer seccomp -- procmem-init
	assert_output --regexp '^blocked EACCES( |$)'
	# Landlock gives no write right beneath /proc: not even a same-uid child's memory
	attack default -- procmem-init --twin
	assert_output --regexp '^failed EACCES '
	# twin: without Landlock the wall is the uid (the profile refuses ptrace, but /proc/PID/mem
	# of a process of one's own uid is open), as `lamina explain` says
	twin default procmem-init --unsafe-disable-layer landlock
	assert_output "ok wrote into a child of the same uid through /proc/CHILD/mem"
	run --separate-stderr "$LAMINA" explain
	assert_output --partial "no write right beneath /proc"
	assert_output --partial "dumpable process of the same uid is open for writing"
}

@test "procmem-uid: a uid-65534 process cannot write its uid-0 parent's memory (EACCES), even without seccomp or caps; with one id there is no other uid" {
	if is_root; then
		blocked default EACCES procmem-uid
		blocked hosting EACCES procmem-uid
		attack default --unsafe-disable-layer seccomp -- procmem-uid
		assert_output --regexp '^blocked EACCES( |$)'
		attack default --unsafe-disable-layer caps -- procmem-uid
		assert_output --regexp '^blocked EACCES( |$)'
		# the uid alone, without Landlock's refusal of writes beneath /proc
		attack default --unsafe-disable-layer landlock -- procmem-uid
		assert_output --regexp '^blocked EACCES( |$)'
		# one id (--host-uid): no second uid to attack
		attack default --host-uid 65534 --host-gid 65534 --uid 0 --gid 0 -- procmem-uid
	else
		grep -q "^\($(id -un)\|$(id -u)\):" /etc/subuid 2>/dev/null && skip "this caller has subordinate ids"
		attack default --uid 0 --gid 0 -- procmem-uid
	fi
	assert_output --regexp '^blocked ONE_UID '
	twin default procmem-uid --unsafe-disable-layer landlock
}

# ---- socket protocols ----------------------------------------------------------------------

# Does the host kernel have PROTO (mptcp|udplite)?  The escape needs it.
kernel_has() {
	python3 -c 'import socket, sys
t, p = {"mptcp": (socket.SOCK_STREAM, 262), "udplite": (socket.SOCK_DGRAM, 136)}[sys.argv[1]]
socket.socket(socket.AF_INET, t, p).close()' "$1" 2>/dev/null
}

@test "sock-mptcp: MPTCP sockets EPROTONOSUPPORT under default, hosting, build; twin TCP; escapes without seccomp" {
	blocked default EPROTONOSUPPORT sock-mptcp
	blocked hosting EPROTONOSUPPORT sock-mptcp
	blocked build EPROTONOSUPPORT sock-mptcp
	twin default sock-mptcp
	kernel_has mptcp || skip "this kernel has no MPTCP (nothing to escape to)"
	escapes default seccomp sock-mptcp
}

@test "sock-udplite: UDP-Lite sockets EPROTONOSUPPORT under default, hosting, build; twin UDP; escapes without seccomp" {
	blocked default EPROTONOSUPPORT sock-udplite
	blocked hosting EPROTONOSUPPORT sock-udplite
	blocked build EPROTONOSUPPORT sock-udplite
	twin default sock-udplite
	kernel_has udplite || skip "this kernel has no UDP-Lite (nothing to escape to)"
	escapes default seccomp sock-udplite
}

@test "sockets: under default, TCP, UDP (protocol 0 and by number), UNIX, ICMP echo and netlink route work; others ENOSYS" {
	local py='import socket, errno
def t(name, *a):
    try:
        socket.socket(*a).close(); print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
t("tcp", socket.AF_INET, socket.SOCK_STREAM, 0)
t("tcp6", socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP)
t("udp", socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
t("udp6", socket.AF_INET6, socket.SOCK_DGRAM, 0)
t("unix", socket.AF_UNIX, socket.SOCK_STREAM, 0)
t("netlink", socket.AF_NETLINK, socket.SOCK_RAW, 0)
t("sctp", socket.AF_INET, socket.SOCK_STREAM, 132)
t("netlink-audit", socket.AF_NETLINK, socket.SOCK_RAW, 9)
s = socket.create_server(("127.0.0.1", 0)); c = socket.create_connection(s.getsockname()); print("connect ok")
print("getaddrinfo", socket.getaddrinfo("localhost", 80, socket.AF_INET)[0][4][0])'
	run --separate-stderr lm -- /usr/bin/python3 -c "$py"
	assert_success
	assert_output "$(printf '%s\n' 'tcp ok' 'tcp6 ok' 'udp ok' 'udp6 ok' 'unix ok' 'netlink ok' 'sctp ENOSYS' 'netlink-audit ENOSYS' 'connect ok' 'getaddrinfo 127.0.0.1')"
}
