#!/usr/bin/env bats
# The landlock layer: rules by file path and by TCP port, signals and abstract unix sockets
# scoped to the sandbox (src/landlock.c).  Every refusal is asserted with its exact errno
# (Landlock answers EACCES for files and TCP ports, EPERM for what is out of scope), next to its
# twin that works in the same sandbox, and the same call let through once the layer is removed.
# Network only on loopback, with listeners this file starts and stops.
load helpers

setup() {
	make_scratch
	mkdir "$SCRATCH/out" "$SCRATCH/other"
	# as root the payload runs as host uid 65534: it must be able to write there
	chmod 777 "$SCRATCH/out" "$SCRATCH/other"
}

teardown() {
	local pid
	for pid in ${LISTENERS:-}; do kill "$pid" 2>/dev/null || true; done
	teardown_scratch
}

# The Landlock ABI of this kernel (0: none).
landlock_abi() {
	python3 -c 'import ctypes; r = ctypes.CDLL(None).syscall(444, None, 0, 1); print(max(r, 0))'
}
need_abi() {
	local a
	a=$(landlock_abi)
	[ "$a" -ge "$1" ] || skip "this kernel has Landlock ABI $a; the test needs $1"
}

# Inside the sandbox: each OP:ARG tried, one line "OP ARG ok" or "OP ARG ERRNO-NAME".
#   write:PATH  connect:PORT  bind:PORT  abstract:NAME  signal:PID  listen-abstract:NAME
#   mptcp:PORT (an MPTCP connect)  sctp-stream: (the socket only)  io-uring: (io_uring_setup)
TRY='
import errno, os, socket, sys
def attempt(op, arg):
    if op == "write":
        with open(arg, "w") as f:
            f.write("x\n")
    elif op in ("connect", "bind"):
        s = socket.socket()
        if op == "bind":
            s.bind(("127.0.0.1", int(arg)))
        else:
            s.connect(("127.0.0.1", int(arg)))
        s.close()
    elif op == "mptcp":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
        s.connect(("127.0.0.1", int(arg)))
        s.close()
    elif op == "sctp-stream":
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM, 132).close()
    elif op == "io-uring":
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        params = ctypes.create_string_buffer(120)
        fd = libc.syscall(425, 1, params)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "io_uring_setup")
        os.close(fd)
    elif op == "abstract":
        socket.socket(socket.AF_UNIX).connect("\0" + arg)
    elif op == "own-abstract":
        l = socket.socket(socket.AF_UNIX)
        l.bind("\0" + arg)
        l.listen(1)
        socket.socket(socket.AF_UNIX).connect("\0" + arg)
    elif op == "signal":
        os.kill(int(arg), 0)
    elif op == "signal-child":
        pid = os.fork()
        if pid == 0:
            os._exit(os.read(os.pipe()[0], 1) and 0)
        try:
            os.kill(pid, 0)
        finally:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
for a in sys.argv[1:]:
    op, _, arg = a.partition(":")
    try:
        attempt(op, arg)
        print(op, arg, "ok")
    except OSError as e:
        print(op, arg, errno.errorcode[e.errno])
'

# ll_try [LAMINA-OPTIONS...] -- OP:ARG...
ll_try() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	run --separate-stderr "$LAMINA" run "${opts[@]}" -- /usr/bin/python3 -c "$TRY" "$@"
}

# A TCP listener on the host's loopback (accepts and closes until killed); sets PORT.
tcp_listener() {
	local f=$BATS_TEST_TMPDIR/port.$RANDOM
	python3 -c '
import socket, os
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True); os.close(1)
s.settimeout(30)
try:
    while True: s.accept()[0].close()
except Exception:
    pass' >"$f" 3>&- &
	LISTENERS="${LISTENERS:-} $!"
	for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.05; done
	PORT=$(cat "$f")
	[ -n "$PORT" ]
}

# An abstract unix socket listener on the host; sets NAME.
abstract_listener() {
	NAME=lamina-ll-test-$$-$RANDOM
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("\0" + sys.argv[1]); s.listen(16)
print("up", flush=True)
s.settimeout(30)
try:
    while True: s.accept()[0].close()
except Exception:
    pass' "$NAME" >"$BATS_TEST_TMPDIR/abstract" 3>&- &
	LISTENERS="${LISTENERS:-} $!"
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/abstract" ] && break; sleep 0.05; done
	[ -s "$BATS_TEST_TMPDIR/abstract" ]
}

# A port free on the host's loopback, and the one after it free too.
free_port_pair() {
	python3 -c '
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    if p >= 65535: continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError:
        pass'
}

# ---- files ------------------------------------------------------------------------------------

@test "--allow-write /out: a write to another writable bind EACCES, to /out works; both without the layer" {
	need_abi 3
	ll_try --bind "$SCRATCH/out" /out --bind "$SCRATCH/other" /other --allow-write /out -- \
		write:/other/f write:/out/f write:/tmp/f
	assert_success
	assert_output "$(printf 'write /other/f EACCES\nwrite /out/f ok\nwrite /tmp/f ok')"
	[ -f "$SCRATCH/out/f" ] && [ ! -e "$SCRATCH/other/f" ]
	# twin: the same sandbox without the layer writes the other bind too
	ll_try --unsafe-disable-layer landlock --bind "$SCRATCH/out" /out --bind "$SCRATCH/other" /other \
		--allow-write /out -- write:/other/f
	assert_success
	assert_output "write /other/f ok"
	assert_stderr --partial "WARNING: layer 'landlock' disabled"
	[ -f "$SCRATCH/other/f" ]
}

@test "without --allow-write every writable bind and tmpfs gets a write rule of its own; / and /etc stay EROFS, /proc EACCES" {
	need_abi 1
	ll_try --bind "$SCRATCH/other" /other --tmpfs /scratch -- \
		write:/other/f write:/scratch/f write:/dev/shm/f write:/proc/self/comm write:/etc/f
	assert_success
	assert_output "$(printf 'write /other/f ok\nwrite /scratch/f ok\nwrite /dev/shm/f ok\nwrite /proc/self/comm EACCES\nwrite /etc/f EROFS')"
	# twin: without the layer, /proc/self/comm is the process's own to write
	ll_try --unsafe-disable-layer landlock -- write:/proc/self/comm
	assert_output "write /proc/self/comm ok"
}

@test "--allow-write FILE: that file only; a sibling EACCES" {
	need_abi 3
	: >"$SCRATCH/out/f"
	chmod 666 "$SCRATCH/out/f"
	ll_try --bind "$SCRATCH/out" /out --allow-write /out/f -- write:/out/f write:/out/g
	assert_success
	assert_output "$(printf 'write /out/f ok\nwrite /out/g EACCES')"
}

@test "--allow-read and --allow-exec: a profile without path rules reads and runs only there" {
	need_abi 1
	cp /bin/true "$SCRATCH/out/mytrue"
	cat >"$SCRATCH/p.profile" <<-'EOF'
		purpose nothing but what the command line allows
		landlock scope none
	EOF
	# /usr is readable and executable, the bind is not: exec EACCES (126)
	run --separate-stderr "$LAMINA" run -p "$SCRATCH/p.profile" --ro-bind "$SCRATCH/out" /o \
		--allow-read /usr --allow-read /lib --allow-read /lib64 --allow-exec /usr -- /o/mytrue
	assert_failure 126
	assert_stderr --partial "Permission denied"
	# twin: with exec and read there too, it runs
	run --separate-stderr "$LAMINA" run -p "$SCRATCH/p.profile" --ro-bind "$SCRATCH/out" /o \
		--allow-read /usr --allow-read /lib --allow-read /lib64 --allow-exec /usr \
		--allow-read /o --allow-exec /o -- /o/mytrue
	assert_success
}

@test "a symlink planted in a writable bind does not widen a rule: --allow-write on it is refused (125, one line); a real directory there confines the write" {
	need_abi 3
	mkdir "$SCRATCH/secrets"
	chmod 777 "$SCRATCH/secrets"
	# an earlier run of the tenant plants the symlink in the persistent bind
	run --separate-stderr "$LAMINA" run --bind "$SCRATCH/out" /out -- ln -s / /out/uploads
	assert_success
	ll_try --bind "$SCRATCH/out" /out --bind "$SCRATCH/secrets" /secrets --allow-write /out/uploads -- \
		write:/secrets/x
	assert_failure 125
	refute_output --partial write
	assert_one_error_line
	assert_stderr "lamina: landlock: /out/uploads (command line rule): /out/uploads is a symlink on a writable mount (the payload may have made it): refused; name the real path"
	[ ! -e "$SCRATCH/secrets/x" ]
	# a symlink on the way to the rule's path alike, and a profile's rule (never left out)
	ln -s /secrets "$SCRATCH/out/sub"
	ll_try --bind "$SCRATCH/out" /out --bind "$SCRATCH/secrets" /secrets --allow-write /out/sub/dir -- write:/secrets/x
	assert_failure 125
	assert_stderr --partial "/out/sub/dir (command line rule): /out/sub is a symlink on a writable mount"
	printf 'include default\nbind %s /out\nlandlock write /out/uploads\n' "$SCRATCH/out" >"$SCRATCH/p.profile"
	ll_try -p "$SCRATCH/p.profile" --bind "$SCRATCH/secrets" /secrets -- write:/secrets/x
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "/out/uploads (profile rule): /out/uploads is a symlink on a writable mount"
	[ ! -e "$SCRATCH/secrets/x" ]
	# twin: a real directory there; the write to the other bind EACCES, beneath it works
	rm "$SCRATCH/out/uploads"
	mkdir "$SCRATCH/out/uploads"
	chmod 777 "$SCRATCH/out/uploads"
	ll_try --bind "$SCRATCH/out" /out --bind "$SCRATCH/secrets" /secrets --allow-write /out/uploads -- \
		write:/secrets/x write:/out/uploads/f
	assert_success
	assert_output "$(printf 'write /secrets/x EACCES\nwrite /out/uploads/f ok')"
	[ -f "$SCRATCH/out/uploads/f" ] && [ ! -e "$SCRATCH/secrets/x" ]
}

@test "symlinks on read-only mounts are followed (/dev/ptmx, merged-usr /bin and /lib*, --ro-bind), and -v names where the rule lands" {
	need_abi 3
	ln -s /out "$SCRATCH/other/to-out"
	run --separate-stderr "$LAMINA" run -v --bind "$SCRATCH/out" /out --ro-bind "$SCRATCH/other" /ro \
		--allow-write /ro/to-out -- /bin/sh -c 'echo x >/out/f'
	assert_success
	assert_stderr --partial "lamina: landlock: /ro/to-out -> /out: write (command line)"
	assert_stderr --partial "lamina: landlock: /dev/ptmx -> /dev/pts/ptmx: write ioctl (profile)"
	[ -f "$SCRATCH/out/f" ]
	[ -L /bin ] || skip "/bin is not a symlink on this host (no merged /usr)"
	run --separate-stderr "$LAMINA" run -v --allow-read /bin -- /bin/true
	assert_success
	assert_stderr --partial "lamina: landlock: /bin -> /usr/bin: read (command line)"
}

@test "the caller's stdout and stderr files stay reopenable (/dev/stderr) under the rules" {
	need_abi 1
	local f=$SCRATCH/stderr
	: >"$f"
	chmod 666 "$f"
	run --separate-stderr bash -c '"$LAMINA" run -- /bin/sh -c "echo via-dev-stderr >/dev/stderr; echo x >/dev/shm/y" 2>"$1"; echo "rc=$?"' _ "$f"
	assert_output "rc=0"
	run cat "$f"
	assert_output "via-dev-stderr"
}

@test "a device bound with --dev-bind keeps its ioctls; --bind and --ro-bind are nodev; with --allow-write elsewhere it has none (EACCES); ioctls work without the layer" {
	need_abi 5
	# a pty of the host's own (not one of lamina's device nodes, which the profile allows)
	python3 -c '
import os, pty, sys, time
m, s = pty.openpty()
os.chmod(os.ttyname(s), 0o666)
print(os.ttyname(s), flush=True); os.close(1)
time.sleep(30)' >"$BATS_TEST_TMPDIR/pty" 3>&- &
	LISTENERS="${LISTENERS:-} $!"
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/pty" ] && break; sleep 0.05; done
	local pts
	pts=$(cat "$BATS_TEST_TMPDIR/pty")
	[ -c "$pts" ]
	local py='
import errno, fcntl, os, termios
try:
    fd = os.open("/x", os.O_RDONLY | os.O_NOCTTY)
    fcntl.ioctl(fd, termios.TCGETS, bytes(64)); print("TCGETS ok")
except OSError as e:
    print("TCGETS", errno.errorcode[e.errno])'
	run --separate-stderr "$LAMINA" run --dev-bind "$pts" /x -- /usr/bin/python3 -c "$py"
	assert_output "TCGETS ok"
	# a plain --bind or --ro-bind is nodev: the node cannot even be opened
	run --separate-stderr "$LAMINA" run --bind "$pts" /x -- /usr/bin/python3 -c "$py"
	assert_output "TCGETS EACCES"
	run --separate-stderr "$LAMINA" run --ro-bind "$pts" /x -- /usr/bin/python3 -c "$py"
	assert_output "TCGETS EACCES"
	# with --allow-write elsewhere the --dev-bind gets no rule of its own: no ioctl right
	run --separate-stderr "$LAMINA" run --allow-write /tmp --dev-bind "$pts" /x -- /usr/bin/python3 -c "$py"
	assert_output "TCGETS EACCES"
	run --separate-stderr "$LAMINA" run --unsafe-disable-layer landlock --allow-write /tmp --dev-bind "$pts" /x -- /usr/bin/python3 -c "$py"
	assert_output "TCGETS ok"
}

# ---- TCP ports --------------------------------------------------------------------------------

@test "--share-net --allow-connect P1: connect to a host loopback listener on P1 works, on P2 EACCES; P2 works without the layer" {
	need_abi 4
	tcp_listener
	local p1=$PORT
	tcp_listener
	local p2=$PORT
	ll_try --share-net --allow-connect "$p1" -- "connect:$p1" "connect:$p2"
	assert_success
	assert_output "$(printf 'connect %s ok\nconnect %s EACCES' "$p1" "$p2")"
	ll_try --unsafe-disable-layer landlock --share-net --allow-connect "$p1" -- "connect:$p2"
	assert_output "connect $p2 ok"
}

@test "--allow-bind P: binding P works, P+1 EACCES, and connect is limited too; without the layer P+1 binds" {
	need_abi 4
	local p
	p=$(free_port_pair)
	ll_try --share-net --allow-bind "$p" -- "bind:$p" "bind:$((p + 1))" "connect:$p"
	assert_success
	assert_output "$(printf 'bind %s ok\nbind %s EACCES\nconnect %s EACCES' "$p" $((p + 1)) "$p")"
	ll_try --unsafe-disable-layer landlock --share-net --allow-bind "$p" -- "bind:$((p + 1))"
	assert_output "bind $((p + 1)) ok"
	# in the sandbox's own network namespace alike; a range
	ll_try --allow-bind "$p" -- "bind:$p" "bind:$((p + 1))"
	assert_output "$(printf 'bind %s ok\nbind %s EACCES' "$p" $((p + 1)))"
	ll_try --allow-bind "$p-$((p + 1))" -- "bind:$p" "bind:$((p + 1))"
	assert_output "$(printf 'bind %s ok\nbind %s ok' "$p" $((p + 1)))"
}

# MPTCP is in this kernel when a host process can make such a socket.
need_mptcp() {
	python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262).close()' 2>/dev/null ||
		skip "this kernel has no MPTCP (socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP) refused outside)"
}

@test "port rules: MPTCP, which Landlock's TCP rules do not see, is refused (EPROTONOSUPPORT) even without seccomp; TCP to P1 works; without port rules MPTCP connects" {
	need_abi 4
	need_mptcp
	tcp_listener
	local p1=$PORT
	tcp_listener
	local p2=$PORT
	ll_try -v --unsafe-disable-layer seccomp --share-net --allow-connect "$p1" -- \
		"connect:$p1" "mptcp:$p2" "mptcp:$p1" "connect:$p2" sctp-stream: io-uring:
	assert_success
	assert_output "$(printf 'connect %s ok\nmptcp %s EPROTONOSUPPORT\nmptcp %s EPROTONOSUPPORT\nconnect %s EACCES\nsctp-stream  EPROTONOSUPPORT\nio-uring  EPERM' "$p1" "$p2" "$p1" "$p2")"
	assert_stderr --partial "lamina: landlock: TCP port rules in force: other internet stream protocols (MPTCP, SCTP) and io_uring refused"
	# a bind rule alone limits connect too, and brings the filter
	ll_try --unsafe-disable-layer seccomp --share-net --allow-bind "$p1" -- "mptcp:$p2"
	assert_output "mptcp $p2 EPROTONOSUPPORT"
	# twin: without port rules (nothing to bypass) MPTCP connects to P2, and so it would
	# have with them before
	ll_try --unsafe-disable-layer seccomp --share-net -- "mptcp:$p2"
	assert_success
	assert_output "mptcp $p2 ok"
	if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ]; then
		ll_try --unsafe-disable-layer seccomp --share-net -- io-uring:
		assert_output "io-uring  ok"
	fi
}

@test "profile port rules: landlock bind and connect, with ranges" {
	need_abi 4
	tcp_listener
	cat >"$SCRATCH/p.profile" <<-EOF
		include default
		landlock connect $PORT 1-10
		landlock bind 40000-40009
	EOF
	ll_try -p "$SCRATCH/p.profile" --share-net -- "connect:$PORT" "connect:$((PORT == 65535 ? 11 : PORT + 1))" bind:40009 bind:40010
	assert_success
	assert_line --index 0 "connect $PORT ok"
	assert_line --index 1 --regexp '^connect [0-9]+ EACCES$'
	assert_line --index 2 --regexp '^bind 40009 (ok|EADDRINUSE)$'
	assert_line --index 3 "bind 40010 EACCES"
}

# ---- scopes -----------------------------------------------------------------------------------

@test "a host abstract unix socket is unreachable under --share-net by default (EPERM); the sandbox's own works; reachable without the layer" {
	need_abi 6
	abstract_listener
	ll_try --share-net -- "abstract:$NAME" "own-abstract:$NAME-inside"
	assert_success
	assert_output "$(printf 'abstract %s EPERM\nown-abstract %s-inside ok' "$NAME" "$NAME")"
	ll_try --unsafe-disable-layer landlock --share-net -- "abstract:$NAME"
	assert_output "abstract $NAME ok"
}

@test "signals: init (outside the payload's domain) EPERM, the payload's own child works; without the layer init too" {
	need_abi 6
	ll_try -- signal:1 signal-child:
	assert_success
	assert_output "$(printf 'signal 1 EPERM\nsignal-child  ok')"
	ll_try --unsafe-disable-layer landlock -- signal:1
	assert_output "signal 1 ok"
}

@test "landlock scope: none lifts both, signal keeps signals scoped only" {
	need_abi 6
	abstract_listener
	printf 'include default\nlandlock scope none\n' >"$SCRATCH/none.profile"
	ll_try -p "$SCRATCH/none.profile" --share-net -- "abstract:$NAME" signal:1
	assert_output "$(printf 'abstract %s ok\nsignal 1 ok' "$NAME")"
	printf 'include default\nlandlock scope signal\n' >"$SCRATCH/sig.profile"
	ll_try -p "$SCRATCH/sig.profile" --share-net -- "abstract:$NAME" signal:1
	assert_output "$(printf 'abstract %s ok\nsignal 1 EPERM' "$NAME")"
}

# ---- what lamina says -------------------------------------------------------------------------

@test "-v: each rule applied, the TCP ports, and what is scoped" {
	need_abi 6
	run --separate-stderr "$LAMINA" run -v --bind "$SCRATCH/out" /out --allow-connect 5432 -- /bin/true
	assert_success
	assert_stderr --partial "lamina: landlock: /: read exec (profile)"
	assert_stderr --partial "lamina: landlock: /tmp: write (profile)"
	assert_stderr --partial "lamina: landlock: /out: write (writable mount)"
	assert_stderr --partial "lamina: landlock: TCP ports: bind none; connect 5432; any other refused"
	assert_stderr --regexp "lamina: landlock: restricted \(ABI [67]\): [0-9]+ path rules, 1 TCP port, scoped: abstract unix sockets, signals"
	# with --allow-write the writable mount gets no rule of its own
	run --separate-stderr "$LAMINA" run -v --bind "$SCRATCH/out" /out --allow-write /tmp -- /bin/true
	assert_stderr --partial "lamina: landlock: /tmp: write (command line)"
	[[ "$stderr" != *"/out: write"* ]]
}

@test "explain: the rules in force, the ports, the scopes" {
	run --separate-stderr "$LAMINA" explain default
	assert_success
	assert_line --regexp '^    / +read exec \(profile\)$'
	assert_line --regexp '^    /tmp +write \(profile\)$'
	assert_line --partial "TCP: no port rules"
	assert_line --regexp '^  scoped to the sandbox: abstract unix sockets, signals'
	run --separate-stderr "$LAMINA" explain build
	assert_line --regexp '^    /tmp +write \(profile\)$'
	printf 'include default\nlandlock connect 5432\nlandlock bind 8080-8081\nlandlock scope none\n' >"$SCRATCH/p.profile"
	run --separate-stderr "$LAMINA" explain "$SCRATCH/p.profile"
	assert_line "  TCP: bind only to 8080-8081; connect only to 5432"
	assert_line --regexp '^  scoped to the sandbox: nothing'
}

@test "lamina check: a rule on a path the sandbox lacks is an error at FILE:LINE:COL; under a bind declared above it is valid" {
	printf 'include default\nbind %s /srv/data\nlandlock write /srv/data /srv/data/sub\n' "$SCRATCH" >"$SCRATCH/ok.profile"
	mkdir "$SCRATCH/sub"
	run --separate-stderr "$LAMINA" check "$SCRATCH/ok.profile"
	assert_success
	assert_line --regexp 'landlock [0-9]+ path rules, 0 port rules, scope abstract-unix-socket signal;'
	# a file bound, and the rule on it
	: >"$SCRATCH/file"
	printf 'include default\nro-bind %s /f\nlandlock read /f\n' "$SCRATCH/file" >"$SCRATCH/file.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/file.profile"
	assert_success
	printf 'include default\nlandlock write /srv/data\nbind %s /srv/data\n' "$SCRATCH" >"$SCRATCH/order.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/order.profile"
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: $SCRATCH/order.profile:2:16: landlock: landlock write /srv/data: no such path in the sandbox (lamina's root and the mounts declared above)"
	printf 'include default\n\nlandlock read /usr/share /usr/no-such-dir-here\n' >"$SCRATCH/bad.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.profile"
	assert_failure 125
	assert_stderr --partial "bad.profile:3:26: landlock: landlock read /usr/no-such-dir-here: no such path"
	printf 'include default\nlandlock write /tmp/x\n' >"$SCRATCH/tmp.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/tmp.profile"
	assert_failure 125
	assert_stderr --partial "tmp.profile:2:16:"
}

@test "lamina check: bad landlock directives are one line at FILE:LINE:COL" {
	local p=$SCRATCH/p.profile
	check_bad() { # TEXT WANT
		printf 'include default\n%s\n' "$1" >"$p"
		run --separate-stderr "$LAMINA" check "$p"
		[ "$status" -eq 125 ] || { echo "status $status for: $1" >&2; return 1; }
		assert_one_error_line
		assert_stderr --partial "$2"
	}
	check_bad 'landlock read' "p.profile:2:14: expected KIND PATH|PORT..."
	check_bad 'landlock bogus /x' "p.profile:2:10: landlock: landlock 'bogus': expected read, write, exec"
	check_bad 'landlock read rel' "p.profile:2:15: landlock: landlock read 'rel' must be an absolute path"
	check_bad 'landlock write /usr/../etc' "must be an absolute path inside the sandbox, without '..'"
	check_bad 'landlock connect 80 65536' "p.profile:2:21: landlock: landlock connect '65536': expected a TCP port or a range"
	check_bad 'landlock bind 90-80' "expected a TCP port or a range"
	check_bad 'landlock bind 0x50' "expected a TCP port or a range"
	check_bad 'landlock connect 1-5000' "more than 4096 ports in all"
	check_bad 'landlock scope bogus' "p.profile:2:16: landlock: landlock scope: expected none, or signal and/or abstract-unix-socket"
	check_bad 'landlock scope none signal' "landlock scope: expected none"
	check_bad 'landlock read / / / / / / / / / / / / / / / / /' "p.profile:2:47: unexpected text after landlock"
}

# ---- errors at run time -----------------------------------------------------------------------

@test "a command-line rule on a path missing in the sandbox: 125, one line; a profile's is left out (-v says so)" {
	run --separate-stderr "$LAMINA" run --allow-read /no-such-dir -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: landlock: /no-such-dir: in the sandbox: No such file or directory"
	printf 'include default\nlandlock read /srv\n' >"$SCRATCH/p.profile"
	run --separate-stderr "$LAMINA" run -v -p "$SCRATCH/p.profile" -- /bin/true
	assert_success
	assert_stderr --partial "lamina: landlock: not applied: /srv (profile rule): No such file or directory in this sandbox"
	for bad in rel /a/../b ''; do
		run --separate-stderr "$LAMINA" run --allow-write "$bad" -- /bin/true
		assert_failure 125
		assert_one_error_line
		assert_stderr --partial "must be an absolute path inside the sandbox"
	done
	run --separate-stderr "$LAMINA" run --allow-connect 70000 -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "lamina: landlock: --allow-connect '70000': expected a TCP port"
}

@test "an older kernel (LAMINA_LANDLOCK_ABI): explicit rules it cannot enforce fail before anything runs, the profile's degrade" {
	export LAMINA_LANDLOCK_ABI
	LAMINA_LANDLOCK_ABI=3
	run --separate-stderr "$LAMINA" run --allow-connect 5432 -- /bin/echo ran
	assert_failure 125
	refute_output ran
	assert_stderr --partial "lamina: landlock: --allow-connect 5432: TCP port rules need Landlock ABI 4, this kernel has 3"
	LAMINA_LANDLOCK_ABI=2
	run --separate-stderr "$LAMINA" run --allow-write /tmp -- /bin/echo ran
	assert_failure 125
	assert_stderr --partial "lamina: landlock: --allow-write /tmp: truncate needs Landlock ABI 3, this kernel has 2"
	printf 'include default\nlandlock scope signal\n' >"$SCRATCH/p.profile"
	LAMINA_LANDLOCK_ABI=5
	run --separate-stderr "$LAMINA" run -p "$SCRATCH/p.profile" -- /bin/echo ran
	assert_failure 125
	assert_stderr --partial "landlock scope: scoping signals and abstract unix sockets needs Landlock ABI 6"
	# the profile's own: ABI 5 keeps the path rules, leaves the scopes out and says so
	run --separate-stderr "$LAMINA" run -v -- /bin/echo ran
	assert_success
	assert_output ran
	assert_stderr --partial "WARNING: LAMINA_LANDLOCK_ABI=5"
	assert_stderr --partial "lamina: landlock: not scoped (Landlock ABI 5, scopes need 6): abstract unix sockets, signals"
	# ABI 2: no truncate, no ioctl rule
	LAMINA_LANDLOCK_ABI=2
	run --separate-stderr "$LAMINA" run -v -- /bin/echo ran
	assert_success
	assert_stderr --partial "lamina: landlock: not applied to /dev/null (profile rule): truncate ioctl (Landlock ABI 2)"
	assert_stderr --partial "not restricted by this kernel (Landlock ABI 2): truncate ioctl"
	# no Landlock at all: nothing applied, the payload runs; an explicit rule is refused
	LAMINA_LANDLOCK_ABI=0
	run --separate-stderr "$LAMINA" run -v -- /bin/echo ran
	assert_success
	assert_stderr --partial "this kernel has no Landlock: the profile's path rules are not applied"
	run --separate-stderr "$LAMINA" run --allow-read /usr -- /bin/echo ran
	assert_failure 125
	assert_stderr --partial "lamina: landlock: --allow-read /usr: read needs Landlock ABI 1, this kernel has 0"
	run --separate-stderr "$LAMINA" explain default
	assert_line --partial "NOT APPLIED on this kernel"
}

@test "the degraded profile really is weaker: at ABI 5 a host abstract socket is reachable (so the scope test above can fail)" {
	need_abi 6
	abstract_listener
	LAMINA_LANDLOCK_ABI=5 ll_try --share-net -- "abstract:$NAME"
	assert_output "abstract $NAME ok"
}

@test "README: the seed's 'cannot filter by file name or port' is answered by this layer, with its example" {
	run grep -c "cannot filter by file name or port" "$SRC_DIR/README.md"
	assert_output --regexp '^[1-9]'
	run grep -c -- "--allow-write /out" "$SRC_DIR/README.md"
	assert_output --regexp '^[1-9]'
}
