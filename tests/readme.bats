#!/usr/bin/env bats
# The documentation's examples, run as written: every command line of a ```sh block and every
# `$ ` line of README.md, profiles/README.md and rootfs-tools/README.md (tests/readme-examples
# says what counts as an example and extracts it).  Each test names the examples it runs with
# `example FILE 'TEXT'` (the one example of FILE whose command contains TEXT); the first test
# fails when an example of the documents is run by no test here, or by two.  Where the document
# shows the output, the output must be that.
#
# The examples run with `sh -c`, `lamina` on PATH (the build's), in a directory of their own
# (as root owned by a user, OWNER: a writable bind of a tree root owns is not idmapped, see the
# README's Mounts), with the fixtures they name (./server, ./seed, my.profile...).  As root the
# networked ones run in a network namespace of their own (unshare -n), so that a fixed port
# such as 8080 cannot meet another test's.  What an example needs that this machine or this
# user lacks is a skip with the reason; where the document says the example is refused for
# such a caller (hosting's cgroup), the refusal is what is checked.
load helpers

OWNER=4242

setup() {
	W=$(mktemp -d /tmp/lamina-readme.XXXXXX)
	chmod 755 "$W"
	mkdir "$W/bin"
	ln -s "$LAMINA" "$W/bin/lamina"
	export PATH="$W/bin:$PATH"
	CREATED=()
}

teardown() {
	local d
	for d in "${CREATED[@]}"; do rm -rf "$d"; done
	[ -n "${W:-}" ] && rm -rf "$W"
}

# example FILE 'TEXT': the example to run, into $EX (its command) and $EX_OUT (the output the
# document shows, or "").
example() {
	EX=$("$SRC_DIR/tests/readme-examples" --command "$SRC_DIR/$1" "$2") || return 1
	EX_OUT=$("$SRC_DIR/tests/readme-examples" --output "$SRC_DIR/$1" "$2") || return 1
}

# run_ex [DIR]: run $EX in DIR (default $W), stdout and stderr apart.
run_ex() {
	cd "${1:-$W}"
	run --separate-stderr sh -c "$EX"
}

# transcript [DIR]: run $EX with stderr into stdout, as a terminal shows both, and compare with
# what the document shows.
transcript() {
	cd "${1:-$W}"
	run sh -c "$EX" 2>&1
	assert_output "$EX_OUT"
}

# As root the example's directory belongs to OWNER, as a user's tree does.
own_dir() { if is_root; then chown -R $OWNER:$OWNER "$@"; fi; }

# Can this caller have the sandbox's cgroup (the resources layer)?  CG_WHY: lamina's reason.
cgroup_ok() {
	CG_WHY=$("$LAMINA" run --memory 64M --pids 16 --cpus 1 -- /bin/true 2>&1)
}

# A path under /tmp that the example names: it must not be there already (not the test's to
# overwrite); removed after the test.
fresh_tmp_path() {
	[ ! -e "$1" ] || skip "$1 exists already: the example would build into it (not this test's to remove)"
	CREATED+=("$1")
}

@test "every example of README.md, profiles/README.md and rootfs-tools/README.md is run by exactly one test here" {
	local docs=("$SRC_DIR/README.md" "$SRC_DIR/profiles/README.md" "$SRC_DIR/rootfs-tools/README.md")
	run "$SRC_DIR/tests/readme-examples" --check "$BATS_TEST_FILENAME" "${docs[@]}"
	assert_success
	assert_output ""
	# twin: a document with one more example that no test runs fails the check
	mkdir -p "$W/doc"
	{ cat "$SRC_DIR/README.md"; printf '\n```sh\nlamina run -- /bin/true\n```\n'; } >"$W/doc/README.md"
	run "$SRC_DIR/tests/readme-examples" --check "$BATS_TEST_FILENAME" "$W/doc/README.md"
	assert_failure 1
	assert_output --partial "example 'lamina run -- /bin/true' is run by 0 tests"
	# and an example in a block not marked as one is found too
	printf '```\nlamina run -- /bin/true\n```\n' >"$W/doc/x.md"
	run "$SRC_DIR/tests/readme-examples" "$W/doc/x.md"
	assert_failure 1
	assert_output --partial "looks like an example in a block not marked"
}

# ---- README.md: Set-up ---------------------------------------------------------------------

# The set-up is one command: its apt-get part is checked (the packages are installed, as
# tests/deps installed them), the rest runs as written.
setup_rest() {
	example README.md 'apt-get update && apt-get install'
	[[ "$EX" == "apt-get update && apt-get install -y "*" && "* ]] || { echo "the set-up does not start with apt-get: $EX" >&2; return 1; }
	local apt=${EX%% && \{*} p missing=
	for p in ${apt#apt-get update && apt-get install -y }; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] || { echo "not installed:$missing" >&2; return 1; }
	EX=${EX#"$apt && "}
}

@test "README set-up: its packages are installed; meson, ninja and the demo sandbox run as written in a fresh copy of the source tree, twice" {
	setup_rest
	is_root || skip "as uid $(id -u) tests/musl-libs would fetch and build libseccomp and libcap-ng for musl into its own cache (the network, minutes); root's run builds the same tree"
	mkdir "$W/src"
	(cd "$SRC_DIR" && tar --exclude=./build --exclude='./build-*' --exclude=./.git -cf - .) | (cd "$W/src" && tar -xf -)
	local i
	for i in 1 2; do # a second run reconfigures the build directory the first made
		run_ex "$W/src"
		assert_success
		# meson's and ninja's own lines first, then the sandbox's
		assert_line --regexp '^hello from lamina as [a-z0-9_-]+$'
		assert_line proc
		assert_line usr
		assert_stderr --partial "lamina: mount: pivot_root into a tmpfs root"
	done
	[ -x "$W/src/build/lamina" ]
}

@test "README set-up: the demo sandbox, as this user, with the suite's build" {
	setup_rest
	EX=./build/lamina${EX#*&& ./build/lamina}
	[[ "$EX" == "./build/lamina run -v -- "* ]] || { echo "no demo sandbox at the end of the set-up: $EX" >&2; return 1; }
	ln -s "$BUILD_DIR" "$W/build"
	run_ex
	assert_success
	assert_line --index 0 --regexp '^hello from lamina as [a-z0-9_-]+$'
	assert_line proc
	assert_line usr
	assert_stderr --partial "lamina: mount: pivot_root into a tmpfs root"
}

@test "README: tests/run-all is the suite that runs this test" {
	example README.md 'tests/run-all'
	[ "$EX" = tests/run-all ]
	skip "tests/run-all runs this suite (as root and as uid 65534), so it cannot run inside it"
}

# ---- README.md: lamina run -----------------------------------------------------------------------

@test "README: --json-status-fd writes the two objects the README shows (the same keys)" {
	example README.md 'lamina run --json-status-fd 3'
	run_ex
	assert_success
	[ "${#lines[@]}" = 2 ]
	# the objects as the README shows them, and as lamina wrote them: the same keys in order
	grep -E '^\{"(pid|exit-code)"' "$SRC_DIR/README.md" >"$W/shown.json"
	run python3 -c 'import json, sys
shown = [list(json.loads(l)) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert [list(o) for o in got] == shown, ([list(o) for o in got], shown)
assert got[1]["exit-code"] == 3 and got[0]["pid-inside"] == 2, got' "$W/shown.json" "$W/status.json"
	assert_success
}

@test "README resource limits: ./server under --memory, --pids, --cpus (or the refusal where no cgroup can be had)" {
	example README.md 'lamina run --memory 512M --pids 128 --cpus 0.5'
	printf '#!/bin/sh\necho "serving from $(pwd)"\n' >"$W/server"
	chmod 755 "$W/server"
	run_ex
	if cgroup_ok; then
		assert_success
		assert_output "serving from /app"
	else
		# fail closed: the limit asked for cannot be applied for this caller
		assert_failure 125
		assert_one_error_line
		assert_stderr --regexp '^lamina: resources: '
		refute_output --partial serving
	fi
}

@test "README resource limits: python3 worker.py under hosting (refused with the line where no cgroup can be had)" {
	example README.md 'lamina run -p hosting --ro-bind "$PWD" /app'
	printf 'import subprocess\nprint("worker", subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip())\n' >"$W/worker.py"
	run_ex
	if cgroup_ok; then
		assert_success
		assert_output --regexp '^worker [0-9]+$'
		assert_stderr ""
	else
		assert_failure 125
		refute_output --partial worker
		assert_one_error_line
		assert_stderr --regexp "^lamina: resources: .*; the limits are the profile's: "
	fi
}

@test "README hosting: python3 -m http.server behind --publish, fetched with curl on the host" {
	example README.md 'apt-get install -y passt'
	dpkg-query -W -f='${Status}' passt 2>/dev/null | grep -q "install ok installed" || { echo "passt is not installed" >&2; return 1; }
	example README.md 'curl http://127.0.0.1:8080/'
	local fetch=$EX
	example README.md 'lamina run --net user --publish 127.0.0.1:8080:8080 -p hosting'
	local server=$EX
	is_root || [ -d /srv/www/tenant1 ] || skip "the example serves /srv/www/tenant1, which uid $(id -u) cannot make here (as root the test makes it in a mount namespace of its own, with a network namespace for port 8080)"
	is_root || skip "port 8080 on the host's loopback is not this test's to take (as root it runs in a network namespace of its own)"
	command -v pasta >/dev/null || skip "pasta is not installed"
	[ -c /dev/net/tun ] && [[ $(stat -c %a /dev/net/tun) == *6 ]] || skip "/dev/net/tun is not open to pasta's ids (tests/deps makes it 0666)"
	# root: a network and a mount namespace of the test's own: port 8080 and /srv/www are its
	# alone (the host's /srv is not touched).  pasta copies the addresses and the route of an
	# external interface: a veth pair with a default route stands for the host's.
	cat >"$W/run.sh" <<EOF
set -e
ip link set lo up
ip link add lm-readme0 type veth peer name lm-readme1
ip addr add 10.0.2.15/24 dev lm-readme0
ip link set lm-readme0 up
ip link set lm-readme1 up
ip route add default via 10.0.2.2
mount -t tmpfs tmpfs /srv
mkdir -p /srv/www/tenant1
echo "hello from tenant1" >/srv/www/tenant1/index.html
chmod -R a+rX /srv/www
( $server ) >"$W/server.out" 2>&1 &
pid=\$!
i=0
# (pasta takes the connection on the host's side at once: wait for an HTTP answer)
until curl -sf -o /dev/null --max-time 2 http://127.0.0.1:8080/; do
	i=\$((i + 1)); [ \$i -lt 100 ] || { echo "the server did not come up" >&2; cat "$W/server.out" >&2; kill \$pid; exit 1; }
	sleep 0.1
done
$fetch
kill -TERM \$pid
wait \$pid || echo "lamina: \$?"
EOF
	run unshare -m -n sh "$W/run.sh"
	assert_success
	assert_line "hello from tenant1"
	assert_line "lamina: 143"
}

# ---- README.md: Profiles --------------------------------------------------------------------------

@test "README profiles: make -j2 under build, on a tree the caller owns (as root a user's): the output files are the owner's" {
	example README.md 'lamina run -p build --bind "$PWD" /src'
	mkdir "$W/proj"
	printf 'all: a.out b.out\na.out:\n\techo a >a.out\nb.out:\n\techo b >b.out\n' >"$W/proj/Makefile"
	own_dir "$W/proj"
	run_ex "$W/proj"
	assert_success
	local want
	want=$(is_root && echo $OWNER:$OWNER || echo "$(id -u):$(id -g)")
	[ "$(stat -c %u:%g "$W/proj/a.out")" = "$want" ]
	[ "$(stat -c %u:%g "$W/proj/b.out")" = "$want" ]
	[ "$(cat "$W/proj/a.out" "$W/proj/b.out")" = $'a\nb' ]
}

@test "README profiles: a static program in the current directory under strict" {
	example README.md 'lamina run -p strict --ro-bind "$PWD" "$PWD" --chdir "$PWD" -- ./a-static-program'
	command -v cc >/dev/null || skip "no C compiler to build the static program"
	printf '#include <stdio.h>\nint main(void) { puts("hello from a static program"); return 0; }\n' >"$W/p.c"
	cc -static -O2 -o "$W/a-static-program" "$W/p.c" || skip "cc -static cannot link here (no static libc)"
	run_ex
	assert_success
	assert_output "hello from a static program"
	assert_stderr ""
	# twin: the example as it read before, without the bind, cannot find the program (127)
	run -127 --separate-stderr lamina run -p strict -- ./a-static-program
}

@test "README profiles: lamina check ./my.profile, the example profile of profiles/README.md" {
	example README.md 'lamina check ./my.profile'
	awk '/^### Example/ { on = 1; next } on && /^```/ { if (in_block) exit; in_block = 1; next } in_block' \
		"$SRC_DIR/profiles/README.md" >"$W/my.profile"
	grep -q '^purpose A local socket worker$' "$W/my.profile"
	run_ex
	assert_success
	assert_line --index 0 "./my.profile: valid profile"
}

@test "README landlock: two writable tmpfs, only --allow-write's may be written (the output shown)" {
	example README.md 'lamina run --tmpfs /data --tmpfs /out --allow-write /out'
	transcript
}

@test "README landlock: --allow-connect 5432 under --share-net (the output shown)" {
	example README.md 'lamina run --share-net --allow-connect 5432'
	# the database's port: a listener on 127.0.0.1:5432 (ours, unless one is there already);
	# as root in a network namespace of the test's own
	local listen='import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", 5432))
except OSError:
    sys.exit(0)
s.listen(16)
sys.stdout.write("listening\n"); sys.stdout.flush()
while True: s.accept()[0].close()'
	cat >"$W/run.sh" <<EOF
[ "\$1" = ns ] && ip link set lo up
python3 -c '$listen' >"$W/listener.out" &
l=\$!
i=0; until [ -s "$W/listener.out" ] || ! kill -0 \$l 2>/dev/null || [ \$i -ge 50 ]; do i=\$((i + 1)); sleep 0.1; done
$EX
kill \$l 2>/dev/null
EOF
	cd "$W"
	if is_root; then
		run unshare -n sh "$W/run.sh" ns
	else
		run sh "$W/run.sh"
	fi
	assert_output "$EX_OUT"
}

@test "README violation reports: ./seed under strict with --report (the output shown)" {
	example README.md 'lamina run -p strict --report'
	cp "$SEED_DIR/seed3_nofilter" "$W/seed"
	if grep -qa 'Fatal glibc error' "$W/seed"; then
		# a seed linked with glibc (the sanitizer build's; the README's is musl's) also reads
		# its own path at start-up, which strict refuses quietly (ENOENT) and report mode names
		cd "$W"
		run sh -c "$EX" 2>&1
		assert_equal "$(grep -v '^lamina: seccomp: refused pid 2 at readlink(' <<<"$output")" "$EX_OUT"
		return
	fi
	transcript
}

@test "README violation reports: ./seed under strict without --report, the one line (shown; as root it may name the call)" {
	example README.md '-- ./seed 2>&1 | tail -1'
	cp "$SEED_DIR/seed3_nofilter" "$W/seed"
	cd "$W"
	run sh -c "$EX" 2>&1
	# where the kernel's log already holds the kill's record (root) the line names the call,
	# as the README says under the example
	local got=${output/ at dup2 (a seccomp rule); run with --report to see the rule/ (a seccomp rule); run with --report to see which call and rule}
	[ "$got" = "$EX_OUT" ] || { printf 'got:   %s\nshown: %s\n' "$output" "$EX_OUT" >&2; return 1; }
}

# ---- profiles/README.md ----------------------------------------------------------------------------

@test "profiles README: lamina profiles lists every shipped profile" {
	example profiles/README.md 'lamina profiles'
	run_ex
	assert_success
	local p
	for p in "$SRC_DIR"/profiles/*.profile; do
		assert_line --regexp "^$(basename "$p" .profile) +[A-Za-z]"
	done
}

@test "profiles README: lamina check strict, and with --pfc" {
	example profiles/README.md 'lamina check strict'
	run_ex
	assert_success
	assert_line --index 0 --regexp 'strict.profile: valid profile$'
	example profiles/README.md 'lamina check --pfc strict'
	run_ex
	assert_success
	assert_line --partial 'pseudo filter code start'
}

@test "profiles README: lamina explain hosting" {
	example profiles/README.md 'lamina explain hosting'
	run_ex
	assert_success
	assert_output --partial "Resources of the sandbox as a whole"
}

@test "profiles README: the errors shown, a misspelt call and a condition without a comparison (exit 125)" {
	example profiles/README.md 'allow opne'
	transcript
	assert_success
	example profiles/README.md 'lamina check ./typo.profile'
	transcript
	assert_failure 125
	example profiles/README.md 'allow socket if a0 AF_UNIX'
	transcript
	assert_success
	example profiles/README.md 'lamina run -p ./cond.profile'
	transcript
	assert_failure 125
}

# ---- rootfs-tools/README.md ------------------------------------------------------------------------

@test "rootfs-tools README: a busybox root, and a shell in it" {
	command -v busybox >/dev/null || [ -x /bin/busybox ] || skip "busybox-static is not installed"
	fresh_tmp_path /tmp/bb
	example rootfs-tools/README.md 'mkrootfs busybox /tmp/bb'
	run_ex "$SRC_DIR"
	assert_success
	assert_output --regexp '^mkrootfs: busybox root in /tmp/bb: [0-9]+ files'
	example rootfs-tools/README.md 'lamina run --rootfs /tmp/bb'
	run_ex
	assert_success
	assert_line --index 0 "hello from Linux"
	assert_line proc
}

@test "rootfs-tools README: a root of the host's python3, and a program in it" {
	fresh_tmp_path /tmp/py
	[ -d /usr/lib/python3.11 ] || skip "the example adds /usr/lib/python3.11, which this machine does not have"
	example rootfs-tools/README.md 'mkrootfs host /tmp/py'
	run_ex "$SRC_DIR"
	assert_success
	example rootfs-tools/README.md 'lamina run --rootfs /tmp/py'
	run_ex
	assert_success
	assert_output '{"ok": 1}'
}

@test "rootfs-tools README: an exported container (podman), unpacked, and a shell in it" {
	example rootfs-tools/README.md 'podman export'
	example rootfs-tools/README.md 'mkrootfs tar /tmp/alpine'
	example rootfs-tools/README.md 'lamina run --rootfs /tmp/alpine'
	skip "the export pulls docker.io/library/alpine with podman$(command -v podman >/dev/null || echo ' (not installed here)'): the suite makes no connection outside this machine; tests/rootfs.bats unpacks local archives"
}

@test "rootfs-tools README: a debootstrap root, and bash in it" {
	example rootfs-tools/README.md 'mkrootfs debootstrap'
	example rootfs-tools/README.md 'lamina run --rootfs /srv/roots/bookworm'
	skip "debootstrap downloads Debian from a mirror$(command -v debootstrap >/dev/null || echo ' (and is not installed here)'): the suite makes no connection outside this machine"
}
