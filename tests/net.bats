#!/usr/bin/env bats
# Layer 4: the network namespace.
load helpers

teardown() { [ -n "${LISTENER:-}" ] && kill "$LISTENER" 2>/dev/null; true; }

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
