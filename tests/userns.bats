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

# pid_of MARK: the pid (outside) of the sandbox process whose command line is exactly MARK.
pid_of() {
	local pid="" i
	for i in $(seq 200); do
		pid=$(pgrep -fx -- "$1" | head -1)
		[ -n "$pid" ] && break
		sleep 0.05
	done
	echo "$pid"
}

# host_ids PID: "uid gid" of a process as the host sees it (real ids).
host_ids() { awk '/^Uid:/ {u=$2} /^Gid:/ {g=$2} END {print u, g}' "/proc/$1/status"; }

POOL_LO=1879048192     # 0x70000000: lamina's transient ranges
POOL_TENANT=1946157056 # 0x74000000: tenants' ranges
POOL_END=2147352576    # 0x7ffe0000

@test "userns: as root, the sandbox has 65536 host ids of its own from lamina's pool, none of them root" {
	is_root || skip "needs root: an unprivileged caller maps its own ids (and its subordinate ranges)"
	run --separate-stderr lm -- /bin/cat /proc/self/uid_map /proc/self/gid_map
	assert_success
	local base
	base=$(awk 'NR == 1 {print $2}' <<<"$output")
	assert_line --index 0 --regexp "^ +0 +$base +65536$"
	assert_line --index 1 --regexp "^ +0 +$base +65536$"
	[ "$base" -ge $POOL_LO ] && [ "$base" -lt $POOL_TENANT ] && [ $((base % 65536)) -eq 0 ]
	# seen from the host: the payload's real uid and gid are the range's first ids, not 0
	lm -- /bin/sleep 30.4242 &
	local pid
	pid=$(pid_of '/bin/sleep 30.4242')
	run host_ids "$pid"
	kill %1; wait || true
	assert_output --regexp '^[0-9]+ [0-9]+$'
	local u=${output% *}
	[ "$u" -ge $POOL_LO ] && [ "$u" -lt $POOL_TENANT ]
	assert_output "$u $u"
}

# in_host_files SUBUID SUBGID LOGINDEFS-LINES -- COMMAND...: COMMAND in a private mount namespace
# where /etc/subuid and /etc/subgid hold SUBUID and SUBGID and /etc/login.defs the given lines.
in_host_files() {
	local d
	d=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/hostfiles.XXXXXX")
	printf '%s' "$1" >"$d/subuid"
	printf '%s' "$2" >"$d/subgid"
	printf '%s' "$3" >"$d/login.defs"
	shift 4
	unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0/subuid" /etc/subuid &&
		mount --bind "$0/subgid" /etc/subgid && mount --bind "$0/login.defs" /etc/login.defs &&
		exec "$@"' "$d" "$@"
}

@test "userns: as root, a transient range never overlaps /etc/subuid, /etc/subgid or login.defs' ranges; twin: all of them taken is one clear error" {
	is_root || skip "needs root: transient ranges are root's"
	local b1022=$((POOL_LO + 1022 * 65536)) b1023=$((POOL_LO + 1023 * 65536)) u
	# /etc/subuid takes the first 1022 blocks, /etc/subgid the last: block 1022 is left
	run --separate-stderr in_host_files "a:$POOL_LO:$((1022 * 65536))
" "b:$b1023:65536
" "" -- "$LAMINA" run -- /bin/cat /proc/self/uid_map
	assert_success
	u=$(awk '{print $2}' <<<"$output")
	[ "$u" -eq "$b1022" ]
	# login.defs' subordinate ranges (the first value given counts): block 1022 left
	run --separate-stderr in_host_files "" "" "# comment
SUB_UID_MIN $POOL_LO
SUB_UID_MAX $((b1022 - 1))
SUB_UID_MAX 100
	SUB_GID_MIN	$b1023
SUB_GID_MAX $((b1023 + 5))
" -- "$LAMINA" run -- /bin/cat /proc/self/uid_map
	assert_success
	u=$(awk '{print $2}' <<<"$output")
	[ "$u" -eq "$b1022" ]
	# twin: every block taken
	run --separate-stderr in_host_files "a:$POOL_LO:$((1024 * 65536))
" "" "" -- "$LAMINA" run -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "every transient range of lamina's pool is in use"
}

@test "userns: as root, two concurrent sandboxes never get the same transient range" {
	is_root || skip "needs root: transient ranges are root's"
	lm -- /bin/sleep 30.4243 &
	lm -- /bin/sleep 30.4244 &
	local a b
	a=$(host_ids "$(pid_of '/bin/sleep 30.4243')")
	b=$(host_ids "$(pid_of '/bin/sleep 30.4244')")
	kill %1 %2; wait || true
	[ -n "${a% *}" ] && [ -n "${b% *}" ]
	[ "${a% *}" -ge $POOL_LO ] && [ "${b% *}" -ge $POOL_LO ]
	# disjoint: 65536 ids each, different blocks
	[ $((${a% *} / 65536)) -ne $((${b% *} / 65536)) ]
	# twin: one after the other may get the same range again (the lock went with the first)
	run --separate-stderr lm -- /bin/true
	assert_success
}

# A tenant name of this run's own; its registry entry is removed after the test.
tenant_name() { echo "lmtest-$$-$1"; }
teardown() {
	local t
	for t in ${TENANTS:-}; do
		grep -lx -- "$t" /var/lib/lamina/tenants/* 2>/dev/null | xargs -r rm -f
	done
	[ -n "${SUBUSER:-}" ] && userdel "$SUBUSER" 2>/dev/null
	[ -n "${RFS:-}" ] && rm -rf "$RFS"
	return 0
}

@test "userns: --tenant gives a tenant a stable range of its own; two tenants run as disjoint host ids" {
	is_root || skip "needs root: tenants' ranges are root's"
	local ta tb
	ta=$(tenant_name a) tb=$(tenant_name b)
	TENANTS="$ta $tb"
	lm --tenant "$ta" -- /bin/sleep 30.4245 &
	lm --tenant "$tb" -- /bin/sleep 30.4246 &
	local a b
	a=$(host_ids "$(pid_of '/bin/sleep 30.4245')")
	b=$(host_ids "$(pid_of '/bin/sleep 30.4246')")
	kill %1 %2; wait || true
	[ -n "${a% *}" ] && [ -n "${b% *}" ]
	# in the tenants' part of the pool, 65536-aligned, different blocks
	[ "${a% *}" -ge $POOL_TENANT ] && [ "${a% *}" -lt $POOL_END ] && [ $((${a% *} % 65536)) -eq 0 ]
	[ "${b% *}" -ge $POOL_TENANT ] && [ "${b% *}" -lt $POOL_END ]
	[ "${a% *}" != "${b% *}" ]
	# the registry names the tenant of each block
	[ "$(cat "/var/lib/lamina/tenants/${a% *}")" = "$ta" ]
	[ "$(cat "/var/lib/lamina/tenants/${b% *}")" = "$tb" ]
	# stable: the same tenant again gets the same range
	run --separate-stderr lm --tenant "$ta" -- /bin/cat /proc/self/uid_map
	assert_success
	assert_output --regexp "^ +0 +${a% *} +65536$"
	# a tenant whose first candidate block is already another tenant's gets another one:
	# register tc's first candidate (FNV-1a-64 of the name and the byte 0, modulo 3070) to a
	# different name first
	local tc first
	tc=$(tenant_name c)
	TENANTS="$TENANTS $tc lmtest-$$-squatter"
	first=$(python3 -c 'import sys
h = 0xcbf29ce484222325
for b in sys.argv[1].encode() + b"\0":
    h = ((h ^ b) * 0x100000001b3) % 2**64
print(1946157056 + (h % 3070) * 65536)' "$tc")
	[ ! -e "/var/lib/lamina/tenants/$first" ] || skip "tc's first candidate is taken on this host already"
	echo "lmtest-$$-squatter" >"/var/lib/lamina/tenants/$first"
	run --separate-stderr lm --tenant "$tc" -- /bin/cat /proc/self/uid_map
	assert_success
	refute_output --regexp "^ +0 +$first "
	assert_output --regexp '^ +0 +[0-9]+ +65536$'
	local got
	got=$(awk '{print $2}' <<<"$output")
	[ "$(cat "/var/lib/lamina/tenants/$got")" = "$tc" ]
	[ "$(cat "/var/lib/lamina/tenants/$first")" = "lmtest-$$-squatter" ]
	# without the squatter, tc's first candidate would have been its block (the test can fail)
	rm -f "/var/lib/lamina/tenants/$got" "/var/lib/lamina/tenants/$first"
	run --separate-stderr lm --tenant "$tc" -- /bin/cat /proc/self/uid_map
	assert_output --regexp "^ +0 +$first +65536$"
}

@test "userns: --userns-range maps inside 0..COUNT-1 to the operator's host ids; bad ranges are one clear error" {
	is_root || skip "needs root: --userns-range is for root only"
	run --separate-stderr lm --userns-range 3000000:70000 -- /bin/cat /proc/self/uid_map /proc/self/gid_map
	assert_success
	assert_line --index 0 --regexp '^ +0 +3000000 +70000$'
	assert_line --index 1 --regexp '^ +0 +3000000 +70000$'
	run --separate-stderr lm --userns-range 3000000:1000 --uid 1000 -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "the sandbox's ids are 0 to 999"
	local bad
	for bad in 0:65536 abc 5:0 3000000 4294967000:65536 1879048192:65536 1879000000:100000; do
		run --separate-stderr lm --userns-range "$bad" -- /bin/true
		assert_failure 125
		assert_one_error_line
		assert_stderr --partial "userns"
	done
	run --separate-stderr lm --userns-range 3000000:65536 --tenant x -- /bin/true
	assert_failure 125
	assert_stderr --partial "give one"
	run --separate-stderr lm --userns-range 3000000:65536 --host-uid 12345 -- /bin/true
	assert_failure 125
	assert_stderr --partial "exclude each other"
	run --separate-stderr lm --tenant '-x' -- /bin/true
	assert_failure 125
	assert_stderr --partial "not a tenant name"
	# the profile directive says the same
	make_scratch
	printf 'include default\nuserns-range 3000000:65536\n' >"$SCRATCH/r.profile"
	chmod 644 "$SCRATCH/r.profile"
	run --separate-stderr lm -p "$SCRATCH/r.profile" -- /bin/cat /proc/self/uid_map
	printf 'include default\nuserns-range 0:65536\n' >"$SCRATCH/bad.profile"
	chmod 644 "$SCRATCH/bad.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.profile"
	local bad_status=$status bad_err=$stderr
	run --separate-stderr lm -p "$SCRATCH/r.profile" -- /bin/cat /proc/self/uid_map
	teardown_scratch
	assert_success
	assert_output --regexp '^ +0 +3000000 +65536$'
	[ "$bad_status" -eq 125 ] && [[ "$bad_err" == *"bad.profile:2:"*"would map host root"* ]]
}

@test "userns: --userns-range holding a host account's id or another user's subordinate ids is refused; root's own range and a free one work (twins)" {
	is_root || skip "needs root: --userns-range is for root only"
	local r
	# login.defs' account ids (0-60000 by default), and a listed account above them (nobody)
	for r in 1000:65536 1:10 60000:2 65534:1 65000:1000; do
		run --separate-stderr lm --userns-range "$r" -- /bin/true
		assert_failure 125
		assert_one_error_line
		assert_stderr --regexp "^lamina: userns: --userns-range ${r%%:*}:${r##*:} (holds the host's account ids \(0-60000|holds id 65534 of the host's account 'nobody')"
	done
	# another user's subordinate ids (either file); root's own are the usual choice
	run --separate-stderr in_host_files "tenant1:4000000:65536
root:5000000:65536
" "" "" -- "$LAMINA" run --userns-range 4001000:10 -- /bin/true
	assert_failure 125
	assert_stderr "lamina: userns: --userns-range 4001000:10 overlaps the subordinate ids of 'tenant1' (/etc/subuid, /etc/subgid): choose a range of root's own or none's"
	run --separate-stderr in_host_files "" "tenant1:4000000:65536
" "" -- "$LAMINA" run --userns-range 3990000:20000 -- /bin/true
	assert_failure 125
	assert_stderr --partial "subordinate ids of 'tenant1'"
	run --separate-stderr in_host_files "tenant1:4000000:65536
root:5000000:65536
" "" "" -- "$LAMINA" run --userns-range 5000000:65536 -- /bin/cat /proc/self/uid_map
	assert_success
	assert_output --regexp '^ +0 +5000000 +65536$'
	run --separate-stderr lm --userns-range 60001:100 -- /bin/cat /proc/self/uid_map
	assert_success
	assert_output --regexp '^ +0 +60001 +100$'
}

@test "userns: --userns-range and --tenant are refused for an unprivileged caller" {
	is_root && skip "needs an unprivileged caller (this run is root)"
	run --separate-stderr lm --userns-range 3000000:65536 -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "for root only"
	run --separate-stderr lm --tenant t -- /bin/true
	assert_failure 125
	assert_stderr --partial "for root only"
	# a profile that names a range checks for anyone, and runs for root only
	make_scratch
	printf 'include default\nuserns-range 3000000:65536\n' >"$SCRATCH/r.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/r.profile"
	local check_status=$status
	run --separate-stderr lm -p "$SCRATCH/r.profile" -- /bin/true
	teardown_scratch
	[ "$check_status" -eq 0 ]
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "userns-range is for root only"
}

# The privilege drops of the issue, as in-sandbox root: setuid(65534), chown to 1000, and
# Python's subprocess with user= and group=.
drops_py='import os, subprocess, errno
try:
    open("/tmp/f", "w").write("x"); os.chown("/tmp/f", 1000, 1000); print("chown", os.stat("/tmp/f").st_uid)
except OSError as e:
    print("chown", errno.errorcode[e.errno])
try:
    r = subprocess.run(["/usr/bin/id"], user=65534, group=65534, capture_output=True, text=True)
    print("subprocess", r.returncode, r.stdout.strip())
except OSError as e:
    print("subprocess", errno.errorcode[e.errno])
pid = os.fork()
if pid == 0:
    try:
        os.setgid(65534); os.setuid(65534); print("setuid", os.getuid(), flush=True)
    except OSError as e:
        print("setuid", errno.errorcode[e.errno], flush=True)
    os._exit(0)
os.waitpid(pid, 0)'

@test "userns: in-sandbox root of a range can setuid(65534), chown to 1000 and drop privileges in Python" {
	is_root || skip "needs root for a range (unprivileged: the subordinate-range test below)"
	run --separate-stderr lm --uid 0 --gid 0 -- /usr/bin/python3 -c "$drops_py"
	assert_success
	assert_line "chown 1000"
	assert_line "subprocess 0 uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"
	assert_line "setuid 65534"
	# twin: with one id mapped (--host-uid), the same drops fail: no other id exists
	run --separate-stderr lm --host-uid 65534 --host-gid 65534 --uid 0 --gid 0 -- /usr/bin/python3 -c "$drops_py"
	assert_line --regexp '^chown E(INVAL|PERM)$'
	assert_line --regexp '^setuid E(INVAL|PERM)$'
}

@test "userns: unprivileged without subordinate ranges: only the caller's id exists (today's one-id mapping, said under -v)" {
	local as=()
	is_root && as=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent)
	grep -q '^\(nobody\|65534\):' /etc/subuid 2>/dev/null && skip "uid 65534 has subordinate ids on this host"
	run --separate-stderr "${as[@]}" "$LAMINA" run -v --uid 0 --gid 0 -- /usr/bin/python3 -c "$drops_py"
	assert_success
	assert_stderr --partial "userns: no subordinate ids for you in /etc/subuid and /etc/subgid: only uid 0 and gid 0 exist inside"
	assert_line --regexp '^setuid EINVAL$'
	run --separate-stderr "${as[@]}" "$LAMINA" run -- /bin/cat /proc/self/uid_map /proc/self/setgroups
	assert_line --index 0 --regexp '^ +65534 +65534 +1$'
	assert_line --index 1 deny
}

# SUBUSER: a user of this test's own with a subordinate range (useradd picks one); removed in
# teardown.  Prints nothing; skips where it cannot be made.
make_subuser() {
	is_root || skip "needs root to create a test user with a subordinate range"
	command -v useradd >/dev/null || skip "useradd (passwd) is not installed"
	[ -x /usr/bin/newuidmap ] && [ -x /usr/bin/newgidmap ] || skip "newuidmap/newgidmap (package uidmap) are not installed"
	SUBUSER=lmsub$$
	useradd -M -s /usr/sbin/nologin "$SUBUSER"
	grep -q "^$SUBUSER:" /etc/subuid || usermod --add-subuids 300000000-300065535 --add-subgids 300000000-300065535 "$SUBUSER"
	SUBUID=$(id -u "$SUBUSER") SUBGID=$(id -g "$SUBUSER")
}
as_subuser() { setpriv --reuid="$SUBUID" --regid="$SUBGID" --clear-groups env HOME=/nonexistent "$@"; }

@test "userns: unprivileged with a subordinate range: the caller's id inside is its own, ids 0..65535 exist (newuidmap), root inside drops privileges" {
	make_subuser
	local start count
	IFS=: read -r _ start count < <(grep "^$SUBUSER:" /etc/subuid | head -1)
	run --separate-stderr as_subuser "$LAMINA" run -v -- /bin/sh -c 'id -u; cat /proc/self/uid_map'
	assert_success
	assert_stderr --partial "(your subordinate ranges, newuidmap)"
	assert_line --index 0 "$SUBUID"
	# inside 0.. go to the subordinate range, the caller's own uid to itself
	assert_line --regexp "^ +0 +$start +[0-9]+$"
	assert_line --regexp "^ +$SUBUID +$SUBUID +1$"
	run --separate-stderr as_subuser "$LAMINA" run --uid 0 --gid 0 -- /usr/bin/python3 -c "$drops_py"
	assert_success
	assert_line "chown 1000"
	assert_line "subprocess 0 uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"
	assert_line "setuid 65534"
	# seen from the host: the uid-65534 process inside is the subordinate id start+65533
	as_subuser "$LAMINA" run --uid 0 --gid 0 -- /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sleep 30.4247 3>&- &
	local pid
	pid=$(pid_of '/bin/sleep 30.4247')
	run host_ids "$pid"
	kill %1; wait || true
	assert_output "$((start + 65533)) $((start + 65533))"
}

@test "userns: as root the user namespace is created by the sandbox's host uid, not root (NS_GET_OWNER_UID); unprivileged by the caller" {
	local py='import fcntl, os, struct, sys
fd = os.open("/proc/%s/ns/user" % sys.argv[1], os.O_RDONLY)
print(struct.unpack("I", fcntl.ioctl(fd, 0xb704, b"\0" * 4))[0])'
	lm -- /bin/sleep 30.4248 &
	local pid
	pid=$(pid_of '/bin/sleep 30.4248')
	run python3 -c "$py" "$pid"
	local ids
	ids=$(host_ids "$pid")
	kill %1; wait || true
	assert_success
	if is_root; then
		# owned by the range's first uid, which the payload (root inside) is
		assert_output "${ids% *}"
		refute_output 0
	else
		assert_output "$(id -u)"
	fi
}

@test "userns: as root, the namespace's owner uid cannot ptrace init or read its memory (EPERM, EACCES); twin: it may signal it" {
	is_root || skip "needs root: the owner is then a uid of lamina's pool, not the caller"
	lm -- /bin/sleep 30.4249 &
	local pid init owner
	pid=$(pid_of '/bin/sleep 30.4249')
	init=$(awk '{print $4}' "/proc/$pid/stat")
	owner=$(/usr/bin/python3 -c 'import fcntl, os, struct, sys
fd = os.open("/proc/%s/ns/user" % sys.argv[1], os.O_RDONLY)
print(struct.unpack("I", fcntl.ioctl(fd, 0xb704, b"\0" * 4))[0])' "$pid")
	local py='import ctypes, errno, os, sys
init = int(sys.argv[1])
try:
    os.open("/proc/%d/mem" % init, os.O_RDONLY); print("mem open")
except OSError as e:
    print("mem", errno.errorcode[e.errno])
libc = ctypes.CDLL(None, use_errno=True)
r = libc.ptrace(16, init, 0, 0)  # PTRACE_ATTACH
print("ptrace", "ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
os.kill(init, 0); print("signal ok")'
	run setpriv --reuid="$owner" --regid="$owner" --clear-groups /usr/bin/python3 -c "$py" "$init"
	kill %1; wait || true
	[ "$owner" -ge "$POOL_LO" ]
	assert_success
	assert_output "$(printf '%s\n' 'mem EACCES' 'ptrace EPERM' 'signal ok')"
}

@test "userns: as root, a bind source only root can reach still works (the supervisor clones the host trees with root's host identity)" {
	is_root || skip "needs root: checks root-only bind sources"
	make_scratch
	# the source is readable by anyone, but only root can pass through its parent
	mkdir -m 700 "$SCRATCH/private"
	mkdir -m 755 "$SCRATCH/private/pub"
	echo through-root-only >"$SCRATCH/private/pub/f"
	chmod 644 "$SCRATCH/private/pub/f"
	run --separate-stderr lm --ro-bind "$SCRATCH/private/pub" /p -- /bin/cat /p/f
	# twin: the payload itself is not root on the host: the 0700 parent stops it
	run --separate-stderr lm --ro-bind "$SCRATCH/private" /p -- /bin/cat /p/pub/f
	local payload_status=$status
	run --separate-stderr lm --ro-bind "$SCRATCH/private/pub" /p -- /bin/cat /p/f
	teardown_scratch
	assert_success
	assert_output through-root-only
	[ "$payload_status" -eq 1 ]
}

@test "userns: /etc/passwd and /etc/group name the system users of the range and agree with --uid/--gid" {
	# a range (root; unprivileged only with subordinate ids): Debian's base users exist
	if is_root; then
		run --separate-stderr lm --uid 33 --gid 1234 -- /bin/sh -c 'id; getent passwd 0 42 65534 | cut -d: -f1,3,4; getent group 50 1234 | cut -d: -f1,3'
		assert_success
		assert_line --index 0 "uid=33(www-data) gid=1234(sandbox) groups=1234(sandbox)"
		assert_line "root:0:0"
		assert_line "_apt:42:65534"
		assert_line "nobody:65534:65534"
		assert_line "staff:50"
		assert_line "sandbox:1234"
		run --separate-stderr lm -- /bin/sh -c 'getent passwd www-data; id -un; id -gn'
		assert_line --index 0 --regexp '^www-data:x:33:33:'
		assert_line --index 1 root
		assert_line --index 2 root
	fi
	# --gid 50 names the system group staff, once, and root's own line carries gid 50
	run --separate-stderr lm --uid 0 --gid 50 -- /bin/sh -c 'cat /etc/passwd /etc/group; echo "HOME=$HOME"'
	assert_success
	# root's home is the sandbox's HOME (the mount layer makes it), whatever path that is
	local home=${lines[${#lines[@]} - 1]#HOME=}
	[ -n "$home" ]
	assert_line "root:x:0:50:root:$home:/bin/sh"
	assert_line "staff:x:50:"
	assert_line "root:x:0:"
	run --separate-stderr lm --uid 0 --gid 50 -- /bin/sh -c 'grep -c ":x:0:\$" /etc/group; cut -d: -f3 /etc/group | sort | uniq -d | wc -l; cut -d: -f1 /etc/passwd | sort | uniq -d | wc -l'
	assert_output "$(printf '1
0
0')"
	# one id: root and nobody are named, and the payload's own user
	run --separate-stderr lm --uid 1234 --gid 1234 -- /bin/sh -c 'id'
	assert_success
	assert_output --regexp '^uid=1234\([a-z0-9_-]+\) gid=1234\([a-z0-9_-]+\)'
}

@test "userns: a --rootfs keeps its own /etc/passwd and /etc/group" {
	[ -x /bin/busybox ] || skip "no /bin/busybox (apt-get install busybox-static)"
	RFS=$(mktemp -d /tmp/lamina-rfs.XXXXXX)
	mkdir -p "$RFS/bin" "$RFS/etc" "$RFS/proc" "$RFS/dev" "$RFS/tmp"
	cp /bin/busybox "$RFS/bin/busybox"
	printf 'root:x:0:0:image root:/root:/bin/sh\nimageuser:x:1000:1000::/home/u:/bin/sh\n' >"$RFS/etc/passwd"
	printf 'root:x:0:\nimagegroup:x:1000:\n' >"$RFS/etc/group"
	chmod -R a+rX "$RFS"
	run --separate-stderr lm --rootfs "$RFS" -- /bin/busybox cat /etc/passwd /etc/group
	assert_success
	assert_output "$(cat "$RFS/etc/passwd" "$RFS/etc/group")"
}

@test "userns: as root, --host-uid/--host-gid map only the inside ids, to those host ids" {
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
