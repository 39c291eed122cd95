#!/usr/bin/env bats
# Layer 4: the network namespace.
load helpers

# LISTENER: host listeners; BG: a lamina in the background (its pasta dies with it).
teardown() {
	local p
	for p in ${LISTENER:-} ${BG:-}; do kill -KILL "$p" 2>/dev/null; done
	teardown_scratch
	true
}

# A TCP listener on the host's loopback; prints its port.
host_listener() {
	python3 -c '
import socket, sys, os
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
os.close(1)
s.settimeout(20)
try:
    while True:
        c, _ = s.accept(); c.sendall(b"host\n"); c.close()
except Exception:
    pass' > "$BATS_TEST_TMPDIR/port" &
	LISTENER=$!
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/port" ] && break; sleep 0.05; done
	cat "$BATS_TEST_TMPDIR/port"
}

connect_py='
import socket, sys, errno
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1]))); print(s.recv(16).decode().strip())
except OSError as e:
    print(errno.errorcode[e.errno]); sys.exit(1)'

@test "net: only lo exists inside, and it is up" {
	run --separate-stderr lm -- /bin/sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
	assert_success
	assert_output lo
	run --separate-stderr lm -- /bin/cat /sys/class/net/lo/operstate
	assert_failure   # no /sys at all
	run --separate-stderr lm -- /usr/bin/python3 -c 'import socket; print(socket.if_nameindex())'
	assert_output "[(1, 'lo')]"
}

@test "net: 127.0.0.1 works inside (a server and a client in the sandbox)" {
	run --separate-stderr lm -- /usr/bin/python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.create_connection(s.getsockname()); a, _ = s.accept(); a.sendall(b"inside"); print(c.recv(16).decode())'
	assert_success
	assert_output inside
}

@test "net: a listener on the host's loopback is unreachable (ECONNREFUSED); --share-net reaches it (twin)" {
	port=$(host_listener)
	run --separate-stderr lm -- /usr/bin/python3 -c "$connect_py" "$port"
	assert_failure 1
	assert_output ECONNREFUSED
	run --separate-stderr lm --share-net -- /usr/bin/python3 -c "$connect_py" "$port"
	assert_success
	assert_output host
}

@test "net: --share-net keeps the host's interfaces" {
	host_ifs=$(tail -n +3 /proc/net/dev | wc -l)
	run --separate-stderr lm --share-net -- /bin/sh -c 'tail -n +3 /proc/net/dev | wc -l'
	assert_success
	assert_output "$host_ifs"
}

# ---- --net user: pasta ----------------------------------------------------------------------------

# pasta is there, and /dev/net/tun is open to the ids it runs as (the caller's; as root, 65534):
# skip with the reason otherwise.
need_pasta() {
	command -v pasta >/dev/null || skip "pasta is not installed (Debian package passt; tests/deps installs it)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun on this machine (pasta's tap device)"
	if is_root; then
		[[ $(stat -c %a /dev/net/tun) == *6 ]] || skip "/dev/net/tun is $(stat -c %a /dev/net/tun): pasta as uid 65534 cannot open it (tests/deps makes it 0666, as udev does)"
	else
		[ -r /dev/net/tun ] && [ -w /dev/net/tun ] || skip "/dev/net/tun is $(stat -c %a /dev/net/tun): pasta as uid $(id -u) cannot open it (tests/deps makes it 0666, as udev does)"
	fi
}

# N free TCP ports on 127.0.0.1 (bound, then released for the test to use).
free_ports() {
	python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

# TCP listeners on the host's loopback, one per port given, each answering "hostN" (N its
# position); they end after 30 s or with the test (teardown).
host_listeners() {
	python3 -c '
import socket, sys, os, select, time
ss = []
for i, p in enumerate(sys.argv[1:]):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(p))); s.listen(8); ss.append(s)
print("up", flush=True)
os.close(1)
end = time.time() + 30
while time.time() < end:
    r, _, _ = select.select(ss, [], [], 0.5)
    for s in r:
        c, _ = s.accept(); c.sendall(b"host%d\n" % ss.index(s)); c.close()' "$@" > "$BATS_TEST_TMPDIR/up" &
	LISTENER=$!
	disown "$LISTENER"
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/up" ] && break; sleep 0.05; done
	[ -s "$BATS_TEST_TMPDIR/up" ]
}

# The client of the connect tests: one line per port, what the host said or the errno's name.
connect_all_py='
import socket, sys, errno
for p in sys.argv[1:]:
    s = socket.socket(); s.settimeout(10)
    try:
        s.connect(("127.0.0.1", int(p))); print(p, s.recv(16).decode().strip())
    except OSError as e:
        print(p, errno.errorcode.get(e.errno, e))'

# wait_for_url URL: up to 10 s for a page.
wait_for_url() {
	local i
	for i in $(seq 100); do
		curl -sf -g -o /dev/null --max-time 2 "$1" && return 0
		sleep 0.1
	done
	return 1
}

@test "net user: --publish serves the sandbox's web server (-p hosting) to the host; SIGTERM: exit 143, no pasta left" {
	need_pasta
	hp=$(free_ports 1)
	# shellcheck disable=SC2046
	"$LAMINA" run --net user --publish "127.0.0.1:$hp:8080" -p hosting $(hosting_nocg) -- python3 -m http.server 8080 \
		> "$BATS_TEST_TMPDIR/server.out" 2>&1 &
	BG=$!
	wait_for_url "http://127.0.0.1:$hp/" || { cat "$BATS_TEST_TMPDIR/server.out" >&2; false; }
	run curl -sf --max-time 5 "http://127.0.0.1:$hp/"
	assert_success
	assert_output --partial "Directory listing for /"
	assert_output --partial "proc/"
	# pasta is there, as the sandbox's own unprivileged host uid (the payload's; as root never
	# host root), and unprivileged as the caller
	pasta_pid=$(pgrep -f -- "127.0.0.1/$hp:8080")
	[ -n "$pasta_pid" ]
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pasta_pid/status")
	payload_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$(pgrep -f '^python3 -m http.server 8080' | head -1)/status")
	if is_root; then
		[ "$uid" != 0 ] && [ "$uid" = "$payload_uid" ]
	else
		[ "$uid" = "$(id -u)" ]
	fi
	kill -TERM "$BG"
	st=0
	wait "$BG" || st=$?
	BG=
	assert_equal "$st" 143
	assert_no_process "127.0.0.1/$hp:8080"
	# the port is free again: nothing of the sandbox holds it
	run curl -s --max-time 5 "http://127.0.0.1:$hp/"
	assert_failure 7
}

@test "net user: --publish [::1]:HP:PORT reaches a server listening on IPv6 inside" {
	need_pasta
	python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null ||
		skip "the host has no IPv6 loopback"
	hp=$(free_ports 1)
	"$LAMINA" run --net user --publish "[::1]:$hp:8080" -- python3 -m http.server --bind :: 8080 \
		> "$BATS_TEST_TMPDIR/out" 2>&1 &
	BG=$!
	disown "$BG"
	wait_for_url "http://[::1]:$hp/" || { cat "$BATS_TEST_TMPDIR/out" >&2; false; }
	run curl -sf -g --max-time 5 "http://[::1]:$hp/"
	assert_output --partial "Directory listing for /"
	# the IPv4 loopback is not published
	run curl -s --max-time 5 "http://127.0.0.1:$hp/"
	assert_failure 7
}

@test "net user: the published host port is bound before the payload starts" {
	need_pasta
	hp=$(free_ports 1)
	"$LAMINA" run --net user --publish "$hp:8080" -- /bin/sh -c 'echo started; exec sleep 20' \
		> "$BATS_TEST_TMPDIR/out" 2>&1 &
	BG=$!
	disown "$BG"
	for _ in $(seq 200); do grep -q started "$BATS_TEST_TMPDIR/out" && break; sleep 0.02; done
	run python3 -c '
import socket, sys, errno
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1]))); print("free")
except OSError as e:
    print(errno.errorcode[e.errno])' "$hp"
	assert_output EADDRINUSE
}

@test "net user: --publish HP:HP/udp carries datagrams both ways; a renumbered UDP port is refused" {
	need_pasta
	hp=$(free_ports 1)
	"$LAMINA" run --net user --publish "$hp:$hp/udp" -- python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(100); s.sendto(b"echo " + d, a)' "$hp" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	BG=$!
	disown "$BG"
	run python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
for _ in range(50):
    s.sendto(b"ping", ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recv(100).decode()); break
    except OSError:
        pass' "$hp"
	assert_output "echo ping"
	run --separate-stderr lm --net user --publish "$hp:5353/udp" -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: net: --publish 127.0.0.1:$hp:5353/udp: a UDP port keeps its number (5353:5353/udp): pasta loses the replies of a renumbered one"
}

@test "net user: --connect-host PORT/udp: datagrams to 127.0.0.1:PORT inside reach the host's UDP service and back" {
	need_pasta
	hp=$(free_ports 1)
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1]))); s.settimeout(20)
try:
    while True:
        d, a = s.recvfrom(100); s.sendto(b"host " + d, a)
except OSError:
    pass' "$hp" &
	LISTENER=$!
	disown "$LISTENER"
	run --separate-stderr lm --net user --connect-host "$hp/udp" -- python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
for _ in range(25):
    s.sendto(b"ping", ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recv(100).decode()); break
    except OSError:
        pass
else:
    print("no answer")' "$hp"
	assert_output "host ping"
}

@test "net user: --connect-host HP2 reaches the host's listener on HP2, not the one on HP3; --net none reaches neither" {
	need_pasta
	read -r hp2 hp3 < <(free_ports 2)
	host_listeners "$hp2" "$hp3"
	run --separate-stderr lm --net user --connect-host "$hp2" -- python3 -c "$connect_all_py" "$hp2" "$hp3"
	assert_success
	assert_output "$hp2 host0
$hp3 ECONNREFUSED"
	# the same client, the default network: neither
	run --separate-stderr lm --net none -- python3 -c "$connect_all_py" "$hp2" "$hp3"
	assert_success
	assert_output "$hp2 ECONNREFUSED
$hp3 ECONNREFUSED"
	# and --net user without --connect-host: neither (no host loopback port by default)
	run --separate-stderr lm --net user -- python3 -c "$connect_all_py" "$hp2" "$hp3"
	assert_output "$hp2 ECONNREFUSED
$hp3 ECONNREFUSED"
}

# Whether a UDP socket can be pointed at a TEST-NET-2 address: connect() on UDP consults the
# routes and sends nothing.
route_py='
import socket, errno
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("198.51.100.1", 9)); print("routed")
except OSError as e:
    print(errno.errorcode[e.errno])'

@test "net user: outbound off: no route, no resolv.conf; --allow-outbound: a default route and pasta's DNS forwarder (twin); host loopback stays closed" {
	need_pasta
	read -r hp3 < <(free_ports 1)
	host_listeners "$hp3"
	run --separate-stderr lm --net user -- /bin/sh -c "python3 -c '$route_py'; cat /etc/resolv.conf 2>&1"
	assert_line --index 0 ENETUNREACH
	assert_line --index 1 --partial "No such file or directory"
	run --separate-stderr lm --net user --allow-outbound -- /bin/sh -c "python3 -c '$route_py'; cat /etc/resolv.conf"
	assert_line --index 0 routed
	assert_line --index 1 "nameserver 169.254.1.1"
	# outbound is not the host's loopback: a host listener stays unreachable
	run --separate-stderr lm --net user --allow-outbound -- python3 -c "$connect_all_py" "$hp3"
	assert_output "$hp3 ECONNREFUSED"
}

@test "net user: SIGKILL of lamina leaves no pasta (parent-death signal) and no payload" {
	need_pasta
	hp=$(free_ports 1)
	mark="lmnet$$x"
	"$LAMINA" run --net user --publish "$hp:8080" -- /bin/sh -c "echo started; sleep 20; : $mark" \
		> "$BATS_TEST_TMPDIR/out" 2>&1 &
	BG=$!
	disown "$BG"
	for _ in $(seq 200); do grep -q started "$BATS_TEST_TMPDIR/out" && break; sleep 0.02; done
	pgrep -f -- "127.0.0.1/$hp:8080" >/dev/null
	kill -KILL "$BG"
	BG=
	for _ in $(seq 100); do pgrep -f -- "127.0.0.1/$hp:8080" >/dev/null || break; sleep 0.02; done
	assert_no_process "127.0.0.1/$hp:8080"
	assert_no_process "$mark"
}

@test "net user: failures are one line and 125, and nothing runs: publish under none/host, port in use, no pasta, pasta's own error" {
	need_pasta
	make_scratch
	read -r hp hp2 < <(free_ports 2)
	run --separate-stderr lm --publish "$hp:80" -- /bin/echo ran
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: net: --publish 127.0.0.1:$hp:80/tcp needs --net user (the network is none)"
	run --separate-stderr lm --net host --connect-host 5432 -- /bin/echo ran
	assert_failure 125
	assert_stderr "lamina: net: --connect-host 5432/tcp needs --net user (the network is host)"
	run --separate-stderr lm --allow-outbound -- /bin/echo ran
	assert_failure 125
	assert_stderr "lamina: net: --allow-outbound needs --net user (the network is none)"
	# a port in use on the host; twin: a free one runs
	host_listeners "$hp"
	run --separate-stderr lm --net user --publish "$hp:80" -- /bin/echo ran
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: net: --publish 127.0.0.1:$hp:80/tcp: host port $hp/tcp is already in use"
	run --separate-stderr lm --net user --publish "$hp2:80" -- /bin/echo ran
	assert_success
	assert_output ran
	# no pasta in PATH
	run --separate-stderr env PATH=/nonexistent "$LAMINA" run --net user -- /bin/echo ran
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: net: --net user needs pasta (Debian package passt), and there is none in PATH"
	# pasta itself fails: its last line (not the system logger's complaints), and nothing runs
	printf '#!/bin/sh\necho "Failed to send 9 bytes to syslog" >&2\necho "Failed to bind any port for -t 1" >&2\necho "Failed to send 9 bytes to syslog" >&2\nexit 1\n' > "$SCRATCH/pasta"
	chmod 755 "$SCRATCH/pasta"
	run --separate-stderr env PATH="$SCRATCH:$PATH" "$LAMINA" run --net user -- /bin/echo ran
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: net: pasta: Failed to bind any port for -t 1"
	printf '#!/bin/sh\nexit 0\n' > "$SCRATCH/pasta"
	run --separate-stderr env PATH="$SCRATCH:$PATH" "$LAMINA" run --net user -- /bin/echo ran
	assert_failure 125
	assert_stderr "lamina: net: pasta exited without a word"
}

@test "net user: bad --publish/--connect-host/--net values and conflicting ports are one line and 125" {
	for bad in "" 80 ":80" "80:" "0:80" "80:65536" "x:80:80" "1.2.3:80:80" "::1:8080:80" "[::1:8080:80" \
		"8080:80/sctp" "8080:80/" "127.0.0.1:8080:80:1" "[$(printf 'f%.0s' $(seq 70))]:80:80"; do
		run --separate-stderr lm --net user --publish "$bad" -- /bin/true
		assert_failure 125
		assert_one_error_line
		assert_stderr --partial "expected [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]"
	done
	for bad in "" 0 65536 x 80/x 80:80; do
		run --separate-stderr lm --net user --connect-host "$bad" -- /bin/true
		assert_failure 125
		assert_stderr --partial "expected PORT[/tcp|/udp] (1-65535)"
	done
	run --separate-stderr lm --net bogus -- /bin/true
	assert_failure 125
	assert_stderr "lamina: net: expected none, host or user after --net"
	run --separate-stderr lm --net user --publish 18080:80 --publish 18080:81 -- /bin/true
	assert_failure 125
	assert_stderr --partial "the same host port"
	run --separate-stderr lm --net user --publish 18080:80 --connect-host 80 -- /bin/true
	assert_failure 125
	assert_stderr --partial "the same port inside"
	run --separate-stderr lm --net user --publish 0.0.0.0:18080:80 -- /bin/true
	assert_failure 125
	assert_stderr --partial "a host address other than loopback needs --allow-outbound"
	run --separate-stderr lm --net user --publish 80:80 -- /bin/true
	assert_failure 125
	assert_stderr --partial "host port 80 is below"
}

@test "net user: profile directives (network user, publish, connect-host, allow-outbound); check and explain say so" {
	make_scratch
	printf 'include default\nnetwork user\npublish 127.0.0.1:18080:8080\npublish 18081:53/udp\nconnect-host 5432\nallow-outbound\n' > "$SCRATCH/web.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/web.profile"
	assert_success
	assert_line --regexp "network user, publish 127.0.0.1:18080:8080/tcp, publish 127.0.0.1:18081:53/udp, connect-host 5432/tcp, outbound on;"
	run --separate-stderr "$LAMINA" explain "$SCRATCH/web.profile"
	assert_success
	assert_line --regexp '^  network +a new network namespace, lo up, and a user-mode network stack \(pasta'
	assert_line --regexp "^  publish +127.0.0.1:18080:8080/tcp: connections to the host's 127.0.0.1:18080 reach port 8080 inside"
	assert_line --regexp "^  host +127.0.0.1:5432 inside is the host's 127.0.0.1:5432 \(tcp\)"
	assert_line --regexp '^  outbound ON'
	# the command line wins: --net none, and the profile's publish is then an error
	run --separate-stderr lm -p "$SCRATCH/web.profile" --net none -- /bin/true
	assert_failure 125
	assert_stderr --partial "needs --net user (the network is none)"
	# a profile line that is wrong points at it
	printf 'include default\nnetwork user\npublish 80\n' > "$SCRATCH/bad.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.profile"
	assert_failure 125
	assert_stderr --regexp "bad.profile:3:[0-9]+: .*expected \[HOSTIP:\]HOSTPORT:PORT"
	# and the default is still none
	run --separate-stderr "$LAMINA" explain default
	assert_line --regexp '^  network +a new network namespace with only lo'
}

@test "net user: the payload cannot reconfigure the network (no CAP_NET_ADMIN): the interface stays down" {
	need_pasta
	run --separate-stderr lm --net user -- python3 -c '
import socket, fcntl, struct, errno
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
names = [n for _, n in socket.if_nameindex() if n != "lo"]
print(len(names))
ifr = struct.pack("16sH", names[0].encode(), 0)
flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, ifr))[1]
print("up" if flags & 1 else "down")
try:
    fcntl.ioctl(s, 0x8914, struct.pack("16sH", names[0].encode(), flags | 1)); print("set")
except OSError as e:
    print(errno.errorcode[e.errno])'
	assert_success
	assert_output "1
down
EPERM"
}
