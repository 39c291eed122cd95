#!/usr/bin/env bats
# The resources layer: limits of the sandbox as a whole (memory, tasks, CPU, block I/O) through
# a cgroup the sandbox is born in (src/cgroup.c).
#
# Where a test needs a cgroup it probes whether this caller can have one (root on these
# machines' cgroup v1; an unprivileged caller only in a delegated cgroup v2 with the
# controllers) and skips with lamina's own reason otherwise.  The refusal itself (fail closed)
# is tested where no cgroup can be had.  The v2 code is covered by tests/unit/test_cgroup.c
# against hierarchies of plain files; tests/bench/cgroup-stress runs the full 500 launches and
# 50 SIGKILLs that the leftover test below runs a tenth of.
load helpers

PY=/usr/bin/python3

setup_file() {
	# Can this caller have the sandbox's cgroup (memory, tasks and CPU)?
	local err
	if err=$("$LAMINA" run --memory 64M --pids 16 --cpus 1 -- /bin/true 2>&1); then
		export CG_OK=1 CG_WHY=
	else
		export CG_OK=0 CG_WHY="no cgroup for uid $(id -u) here: ${err#lamina: }"
	fi
}

need_cg() {
	[ "$CG_OK" = 1 ] || skip "$CG_WHY"
}

# The sandbox cgroups of lamina anywhere in the cgroup tree (sb-PID-START-PIDNS).
sb_cgroups() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d -name 'sb-*-*-*' 2>/dev/null
}

mem_avail() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }

# mem_drop CMD...: run CMD in the background (stdout in $out, stderr in $err, status in $st)
# while sampling the host's MemAvailable every 20 ms; $drop_mib: how far it fell below its
# value before CMD started.
mem_drop() {
	local before min a pid
	before=$(mem_avail)
	min=$before
	"$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		a=$(mem_avail)
		[ "$a" -lt "$min" ] && min=$a
		sleep 0.02
	done
	st=0
	wait "$pid" || st=$?
	out=$(cat "$BATS_TEST_TMPDIR/out")
	err=$(cat "$BATS_TEST_TMPDIR/err")
	drop_mib=$(((before - min) / 1024))
	echo "# MemAvailable fell by ${drop_mib} MiB" >&3
}

# A fork loop: up to N children that sleep; prints "forked COUNT ERRNO-NAME|none".
FORKLOOP='
import errno, os, sys, time
n, kids, err = int(sys.argv[1]), [], "none"
try:
    while len(kids) < n:
        p = os.fork()
        if p == 0:
            time.sleep(20)
            os._exit(0)
        kids.append(p)
except OSError as e:
    err = errno.errorcode[e.errno]
for p in kids:
    os.kill(p, 9)
for p in kids:
    os.waitpid(p, 0)
print("forked", len(kids), err)'

# A spinner: prints its own CPU time over wall time across 2 s.
SPIN='
import time
t0, c0 = time.monotonic(), time.process_time()
while time.monotonic() - t0 < 2:
    pass
print("%.3f" % ((time.process_time() - c0) / (time.monotonic() - t0)))'

@test "resources: a 200 MiB allocation under --memory 64M ends 137 with the OOM line; twin: 20 MiB fits" {
	need_cg
	run --separate-stderr lm --memory 64M -- "$PY" -c 'b = bytearray(200 << 20); print("survived")'
	assert_failure 137
	refute_output --partial survived
	assert_one_error_line
	assert_stderr --regexp '^lamina: memory: out of memory at the 64M limit, (killed pid [0-9]+ \(python3\)|the kernel killed 1 process of the sandbox)$'
	# root reads the kernel's log: the victim is named
	if is_root && [ -r /dev/kmsg ]; then
		assert_stderr --regexp 'killed pid [0-9]+ \(python3\)$'
	fi
	run --separate-stderr lm --memory 64M -- "$PY" -c 'b = bytearray(20 << 20); print("survived")'
	assert_success
	assert_output survived
	[ -z "$stderr" ]
}

@test "resources: limit memory in a profile is the same limit; the OOM of a child is told, the payload's own status kept" {
	need_cg
	make_scratch
	printf 'include default\nlimit memory 64M\n' >"$SCRATCH/p.profile"
	run --separate-stderr lm -p "$SCRATCH/p.profile" -- /bin/sh -c "$PY -c 'bytearray(200 << 20)'; echo child=\$?"
	assert_success
	assert_output "child=137"
	# (the shell says "Killed" of its child first)
	assert_stderr --partial $'\nlamina: memory: out of memory at the 64M limit, '
	teardown_scratch
}

@test "resources: a fork loop under --pids 20 holds 20 processes (the payload and 19 children), the next fork gets EAGAIN, lamina returns; twin: 40 without it" {
	need_cg
	run --separate-stderr lm --timeout 60 --pids 20 -- "$PY" -c "$FORKLOOP" 100
	assert_success
	assert_output "forked 19 EAGAIN"
	run --separate-stderr lm --timeout 60 -- "$PY" -c "$FORKLOOP" 40
	assert_success
	assert_output "forked 40 none"
}

@test "resources: --cpus 0.2 gives a spinner about a fifth of a CPU over 2 s (its own CPU time over wall time); twin: far more without the quota" {
	need_cg
	run --separate-stderr lm --cpus 0.2 -- "$PY" -c "$SPIN"
	assert_success
	local q=$output
	run --separate-stderr lm -- "$PY" -c "$SPIN"
	assert_success
	local free=$output
	echo "# CPU share: $q under --cpus 0.2, $free without" >&3
	# A machine so busy that a spinner gets little more than the quota without it cannot tell
	# the two apart: say so rather than pass.
	awk -v f="$free" 'BEGIN { exit !(f >= 0.4) }' ||
		skip "the machine is too busy to measure a quota (a spinner got only $free of a CPU without one)"
	awk -v q="$q" 'BEGIN { exit !(q >= 0.12 && q <= 0.28) }'
}

@test "resources: 2 GiB into /dev/shm under --memory 256M fails (ENOSPC: the tmpfs holds half the limit) and the host's MemAvailable falls by less than the limit; twin: 100 MiB fits" {
	need_cg
	mem_drop "$LAMINA" run --memory 256M -- /bin/sh -c 'dd if=/dev/zero of=/dev/shm/big bs=1M count=2048 2>&1; echo "dd=$?"; sleep 0.5'
	[ "$st" = 0 ]
	[[ "$out" == *"No space left on device"* ]]
	[[ "$out" == *"dd=1"* ]]
	[ "$drop_mib" -lt 256 ]
	run --separate-stderr lm --memory 256M -- /bin/sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=100 2>/dev/null; echo "dd=$?"; du -m /dev/shm/f'
	assert_success
	assert_line --index 0 dd=0
	assert_line --index 1 --regexp '^100	'
}

@test "resources: the MemAvailable measure sees a sandbox without limits: 512 MiB in /dev/shm fits (its default bound is 1G) and the host's memory falls by more than 256M" {
	mem_drop "$LAMINA" run -- /bin/sh -c 'dd if=/dev/zero of=/dev/shm/big bs=1M count=512 2>/dev/null; echo "dd=$?"; sleep 0.5'
	[ "$st" = 0 ]
	[ "$out" = dd=0 ]
	[ "$drop_mib" -gt 256 ]
}

@test "resources: a private --tmpfs counts against --memory: 2 GiB written to it under --memory 256M is stopped at the limit, MemAvailable falls by less than the limit (and 32M of noise)" {
	need_cg
	mem_drop "$LAMINA" run --memory 256M --tmpfs /big -- /bin/sh -c 'dd if=/dev/zero of=/big/f bs=1M count=2048 2>&1; echo "dd=$?"; sleep 0.5'
	# the OOM killer ends dd (or whatever it picks) at the limit; a size bound on the tmpfs
	# would give ENOSPC first
	[[ "$err" == *"lamina: memory: out of memory at the 256M limit"* ]] || [[ "$out" == *"No space left on device"* ]]
	[[ "$out" != *"dd=0"* ]]
	[ "$drop_mib" -lt $((256 + 32)) ]
}

@test "resources: /tmp and /dev/shm are bounded: the mount layer's bound without a memory limit, half of --memory with one (shared with unsized --tmpfs); the layer removed leaves the mount layer's bound" {
	# the mount layer's own bound: a quarter of the RAM, at most 1 GiB
	local ram_k bound_k
	ram_k=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	bound_k=$((ram_k / 4 < 1048576 ? ram_k / 4 / 4 * 4 : 1048576))
	run --separate-stderr lm -- /bin/sh -c 'df -k /tmp | tail -n1'
	assert_success
	[ "$(echo "$output" | awk '{print $2}')" = "$bound_k" ]
	run --separate-stderr lm --memory 256M --unsafe-disable-layer resources -- /bin/sh -c 'df -k /dev/shm | tail -n1'
	assert_success
	[ "$(echo "$output" | awk '{print $2}')" = "$bound_k" ]
	assert_stderr --partial "WARNING: layer 'resources' disabled"
	need_cg
	run --separate-stderr lm --memory 256M -- /bin/sh -c 'df -k /dev/shm | tail -n1'
	assert_success
	[ "$(echo "$output" | awk '{print $2}')" = 131072 ]
	# two --tmpfs without size= share that half with the scratch tmpfs (a third each, to the
	# page); one with size= keeps its own
	run --separate-stderr lm --memory 256M --tmpfs /a --tmpfs /b --tmpfs /c:size=8M -- /bin/sh -c 'df -k /tmp /a /b /c | tail -n4 | awk "{print \$2}"'
	assert_success
	assert_output "$(printf '%s\n' 43688 43688 43688 8192)"
}

@test "resources: the sandbox is born in its cgroup (init, seen from outside, is in .../sb-PID-...) and sees it as / (its own cgroup namespace)" {
	need_cg
	"$LAMINA" run -v --memory 64M --pids 16 -- /bin/sh -c 'grep -vc ":/$" /proc/self/cgroup; sleep 2' >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local sup=$! init="" i
	for i in $(seq 100); do
		init=$(awk '{print $1}' "/proc/$sup/task/$sup/children" 2>/dev/null || true)
		[ -n "$init" ] && grep -q "/sb-$sup-" "/proc/$init/cgroup" 2>/dev/null && break
		sleep 0.02
	done
	run cat "/proc/$init/cgroup"
	assert_output --regexp "(memory|0:):/([a-z0-9./@-]+/)?sb-$sup-[0-9]+-[0-9]+"
	wait "$sup"
	# inside, every hierarchy's line ends in ":/": not one line otherwise
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output 0
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --regexp "lamina: resources: the sandbox's cgroup: [^ ]*/sb-$sup-"
	assert_output --partial "lamina: resources: in the sandbox's cgroup, with a cgroup namespace rooted there"
}

@test "resources: no cgroup is left after 50 launches with limits and 10 SIGKILLs of the supervisor (the next launch removes a dead supervisor's); the full 500/50: tests/bench/cgroup-stress" {
	need_cg
	[ -z "$(sb_cgroups)" ] || skip "sandbox cgroups of another run exist already: $(sb_cgroups | head -n1)"
	local i j p
	for i in $(seq 5); do
		for j in $(seq 10); do
			lm --memory 64M --pids 32 --cpus 1 -- /bin/true &
		done
		wait
	done
	[ -z "$(sb_cgroups)" ]
	for i in $(seq 10); do
		"$LAMINA" run --memory 64M --pids 32 -- /bin/sleep 31.5 &
		p=$!
		for j in $(seq 200); do
			pgrep -f '^/bin/sleep 31.5' >/dev/null && break
			sleep 0.01
		done
		kill -9 "$p"
		wait "$p" || true
	done
	# the last one's cgroup is still there: nothing ran since its supervisor died
	[ -n "$(sb_cgroups)" ]
	lm --memory 64M -- /bin/true
	run sb_cgroups
	assert_output ""
	assert_no_process '^/bin/sleep 31.5'
}

@test "resources: a process that outlives a SIGKILLed supervisor (no pid namespace) is killed with its cgroup by the next launch" {
	need_cg
	"$LAMINA" run --unsafe-disable-layer namespaces --memory 64M -- /bin/sh -c 'setsid /bin/sleep 41.5 & exec /bin/sleep 30' 2>/dev/null &
	local p=$! i
	# a loaded machine may take seconds to start it; the test is about what comes after
	for i in $(seq 1000); do
		pgrep -f '^/bin/sleep 41.5' >/dev/null && break
		sleep 0.01
	done
	pgrep -f '^/bin/sleep 41.5' >/dev/null || { kill -9 "$p"; false; }
	kill -9 "$p"
	wait "$p" || true
	sleep 0.1
	# without a pid namespace nothing took it down
	run pgrep -f '^/bin/sleep 41.5'
	assert_success
	lm --memory 64M -- /bin/true
	for i in $(seq 500); do
		pgrep -f '^/bin/sleep 41.5' >/dev/null || break
		sleep 0.01
	done
	assert_no_process '^/bin/sleep 41.5'
	run sb_cgroups
	assert_output ""
}

@test "resources: unprivileged without a delegated cgroup, --memory, --pids, --cpus, -p hosting exit 125 with one line naming the missing piece and the systemd-run line; the program does not run" {
	is_root && skip "root can have a cgroup here (the tests above); the refusal is tested as an unprivileged user"
	[ "$CG_OK" = 1 ] && skip "uid $(id -u) has a delegated cgroup v2 here (tested below)"
	for opts in "--memory 64M" "--pids 20" "--cpus 0.5" "-p hosting --memory 256M"; do
		# shellcheck disable=SC2086
		run --separate-stderr lm $opts -- /bin/sh -c 'echo ran'
		assert_failure 125
		refute_output --partial ran
		assert_one_error_line
		assert_stderr --regexp "^lamina: resources: the (memory|task|CPU) limit needs .*systemd-run --user --scope -p Delegate=yes lamina run \.\.\."
	done
	# twin: the same without a limit runs
	run --separate-stderr lm -- /bin/sh -c 'echo ran'
	assert_success
	assert_output ran
	# a profile's limits fail closed the same way, and the line says how to lift them
	run --separate-stderr lm -p hosting -- /bin/sh -c 'echo ran'
	assert_failure 125
	refute_output --partial ran
	assert_one_error_line
	assert_stderr --regexp "^lamina: resources: the (memory|task|CPU) limit needs .*; the limits are the profile's: each option with \`unlimited\` lifts one for this launch, e\.g\. --memory unlimited$"
	# twin: lifted on the command line, the profile's other layers run
	run --separate-stderr lm -p hosting --memory unlimited --pids unlimited --cpus unlimited -- /bin/sh -c 'echo ran'
	assert_success
	assert_output ran
}

@test "resources: with a delegated cgroup v2 subtree, --memory works unprivileged (OOM at the limit, nothing left)" {
	local mnt own
	mnt=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	[ -n "$mnt" ] || skip "no cgroup v2 hierarchy is mounted"
	if ! is_root; then
		[ "$CG_OK" = 1 ] || skip "$CG_WHY (the v2 path is covered by tests/unit/test_cgroup.c)"
		run --separate-stderr lm --memory 64M -- "$PY" -c 'bytearray(200 << 20)'
		assert_failure 137
		assert_stderr --regexp '^lamina: memory: out of memory at the 64M limit'
		run sb_cgroups
		assert_output ""
		return
	fi
	grep -qw memory "$mnt/cgroup.controllers" ||
		skip "cgroup v2 at $mnt offers only: $(cat "$mnt/cgroup.controllers"); memory is on cgroup v1 here, which only root may use: no v2 cgroup with the memory controller can be delegated (the v2 path is covered by tests/unit/test_cgroup.c)"
	# As root: a cgroup delegated to uid 65534, the way systemd delegates one, and lamina run
	# as 65534 alone in it.
	local d="$mnt/lamina-test-deleg-$$"
	grep -qw memory "$mnt/cgroup.subtree_control" || echo +memory >"$mnt/cgroup.subtree_control"
	mkdir "$d"
	chown 65534:65534 "$d" "$d/cgroup.procs" "$d/cgroup.subtree_control" "$d/cgroup.threads"
	run --separate-stderr bash -c "echo \$\$ >'$d/cgroup.procs' && exec setpriv --reuid=65534 --regid=65534 --clear-groups '$LAMINA' run --memory 64M -- '$PY' -c 'bytearray(200 << 20)'"
	local st=$status msg=$stderr
	rmdir "$d" 2>/dev/null || true
	[ "$st" = 137 ]
	[[ "$msg" == "lamina: memory: out of memory at the 64M limit"* ]]
}

@test "resources: --io-read-bps bounds direct reads from the disk under /usr (4 MiB at 2M/s: over 1.5 s); twin: fast without" {
	need_cg
	is_root || skip "block I/O limits are tested as root (the cgroup v1 blkio controller)"
	local f dev majmin
	f=$(find /usr/lib /usr/bin -xdev -type f -size +5M 2>/dev/null | head -n1)
	[ -n "$f" ] || skip "no file of 5 MiB under /usr to read"
	majmin=$(mountpoint -d "$(stat -c %m "$f")")
	# the whole disk: a partition's parent (throttling applies to disks)
	dev=$(basename "$(readlink -f "/sys/dev/block/$majmin")")
	[ -e "/sys/dev/block/$majmin/partition" ] && dev=$(basename "$(dirname "$(readlink -f "/sys/dev/block/$majmin")")")
	majmin=$(cat "/sys/class/block/$dev/dev")
	[ -n "$majmin" ] || skip "cannot find the disk under $f"
	local t0 t1
	t0=$(date +%s%N)
	run --separate-stderr lm --io-read-bps "$majmin" 2M -- dd if="$f" of=/dev/null bs=64k count=64 iflag=direct
	t1=$(date +%s%N)
	assert_success
	echo "# 4 MiB from $f ($majmin) at 2M/s: $(((t1 - t0) / 1000000)) ms" >&3
	[ $(((t1 - t0) / 1000000)) -ge 1500 ]
	t0=$(date +%s%N)
	run --separate-stderr lm -- dd if="$f" of=/dev/null bs=64k count=64 iflag=direct
	t1=$(date +%s%N)
	assert_success
	[ $(((t1 - t0) / 1000000)) -lt 1500 ]
}

# cg_file FILE: the value of FILE in the one sandbox cgroup that has it (waits for it to exist)
cg_file() {
	local i d
	for i in $(seq 500); do
		for d in $(sb_cgroups); do
			[ -e "$d/$1" ] && { cat "$d/$1"; return 0; }
		done
		sleep 0.01
	done
	return 1
}

@test "resources: --cpu-weight, --memory-swap, --io-write-bps and --io-read-bps reach their cgroup files; twin: the defaults without them" {
	need_cg
	local dev=/dev/vda mm
	[ -b "$dev" ] || dev=/dev/$(ls /sys/block | grep -v '^loop' | head -1)
	[ -b "$dev" ] || skip "no block device to limit here"
	mm=$(cat "/sys/block/${dev#/dev/}/dev")
	lm --cpu-weight 50 --memory 96M --memory-swap 32M --io-write-bps "$dev" 10M --io-read-bps "$mm" 20M -- /bin/sleep 10 &
	local p=$!
	local shares memsw wbps rbps
	shares=$(cg_file cpu.shares || cg_file cpu.weight)
	memsw=$(cg_file memory.memsw.limit_in_bytes || cg_file memory.swap.max)
	wbps=$(cg_file blkio.throttle.write_bps_device || cg_file io.max)
	rbps=$(cg_file blkio.throttle.read_bps_device || cg_file io.max)
	kill "$p"
	wait "$p" || true
	# v1 here: a weight of 50 is half the default 1024 shares; memsw is memory plus swap
	[ "$shares" = 512 ] || [ "$shares" = 50 ]
	[ "$memsw" = $(((96 + 32) << 20)) ] || [ "$memsw" = $((32 << 20)) ]
	[[ "$wbps" == *"$mm "*10485760* || "$wbps" == *"$mm "*wbps=10485760* ]]
	[[ "$rbps" == *"$mm "*20971520* || "$rbps" == *"$mm "*rbps=20971520* ]]
	# twin: without them, the controllers' defaults
	lm --memory 96M -- /bin/sleep 10 &
	p=$!
	cg_file memory.limit_in_bytes >/dev/null || cg_file memory.max >/dev/null
	local d others=0
	for d in $(sb_cgroups); do
		[ -e "$d/cpu.shares" ] && [ "$(cat "$d/cpu.shares")" != 1024 ] && others=1
		[ -e "$d/memory.memsw.limit_in_bytes" ] && [ "$(cat "$d/memory.memsw.limit_in_bytes")" != $((96 << 20)) ] && others=1
		[ -s "$d/blkio.throttle.write_bps_device" ] && others=1
	done
	kill "$p"
	wait "$p" || true
	[ "$others" = 0 ]
}

@test "resources: --io-weight where the block I/O controller has no weights is refused with how to get them" {
	need_cg
	local blk
	blk=$(awk '$9 == "cgroup" && $NF ~ /(^|,)blkio(,|$)/ {print $5; exit}' /proc/self/mountinfo)
	[ -n "$blk" ] || skip "no cgroup v1 blkio hierarchy here"
	[ -e "$blk/blkio.weight" ] && skip "this host's blkio controller has weights ($blk/blkio.weight)"
	run --separate-stderr lm --io-weight 200 -- /bin/sh -c 'echo ran'
	assert_failure 125
	refute_output --partial ran
	assert_one_error_line
	assert_stderr "lamina: resources: the I/O weight needs blkio.weight, which the blkio controller lacks here: this host's block I/O scheduler has no weights (the BFQ scheduler has: echo bfq > /sys/block/DEV/queue/scheduler)"
	run sb_cgroups
	assert_output ""
}

@test "resources: hosting limits the tenant as a whole: 512M (a 600M allocation is killed), /tmp of 256M; twin: 300M fits" {
	need_cg
	run --separate-stderr lm -p hosting -- "$PY" -c 'import os; s = os.statvfs("/tmp"); print(s.f_blocks * s.f_frsize >> 20, flush=True); bytearray(600 << 20)'
	assert_failure 137
	assert_output 256
	assert_stderr --regexp '^lamina: memory: out of memory at the 512M limit, '
	run --separate-stderr lm -p hosting -- "$PY" -c 'bytearray(300 << 20); print("fits")'
	assert_success
	assert_output fits
}

@test "resources: no cgroup work at all without a limit (the supervisor never touches /sys/fs/cgroup); twin: with one it does" {
	command -v strace >/dev/null || skip "strace is needed"
	# (LeakSanitizer cannot run under ptrace)
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0"
	run strace -e trace=%file,mkdir,rmdir -o "$BATS_TEST_TMPDIR/trace" "$LAMINA" run -- /bin/true
	assert_success
	run grep -c /sys/fs/cgroup "$BATS_TEST_TMPDIR/trace"
	assert_output 0
	need_cg
	run strace -e trace=%file,mkdir,rmdir -o "$BATS_TEST_TMPDIR/trace" "$LAMINA" run --memory 64M -- /bin/true
	assert_success
	run grep -c 'mkdir(".*/sb-' "$BATS_TEST_TMPDIR/trace"
	assert_success
}

@test "resources: bad values are one-line errors with exit 125 (command line and profile)" {
	local bad
	for bad in "--memory 64" "--memory 0" "--memory 12X" "--memory -1M" "--memory-swap lots" \
		"--pids 0" "--pids 4194304" "--pids 1.5" "--cpus abc" "--cpus 0.001" "--cpus -1" "--cpus 1e3" \
		"--cpu-weight 0" "--cpu-weight 10001" "--io-weight x" "--io-read-bps sda 1M" \
		"--io-write-bps 8:0 fast" "--memory-swap 1G"; do
		# shellcheck disable=SC2086
		run --separate-stderr lm $bad -- /bin/sh -c 'echo ran'
		[ "$status" = 125 ] || { echo "$bad: exit $status"; return 1; }
		refute_output --partial ran
		assert_one_error_line
		assert_stderr --regexp '^lamina: resources: '
	done
	run --separate-stderr lm --io-read-bps /dev/null 1M -- /bin/true
	assert_failure 125
	assert_stderr "lamina: resources: I/O limit on /dev/null: not a block device"
	make_scratch
	printf 'include default\nlimit memroy 64M\n' >"$SCRATCH/a.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/a.profile"
	assert_failure 125
	assert_stderr --regexp "a.profile:2:7: resources: unknown resource 'memroy' after limit"
	printf 'include default\nlimit pids 10 20\n' >"$SCRATCH/b.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/b.profile"
	assert_failure 125
	assert_stderr --regexp "b.profile:2:15: resources: limit pids takes one value"
	printf 'include default\nlimit cpus\n' >"$SCRATCH/c.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/c.profile"
	assert_failure 125
	assert_stderr --regexp "c.profile:2:11: expected RESOURCE VALUE after limit"
	printf 'include default\nlimit io-write-bps /dev/vda 10M\nlimit cpus 0.5\n' >"$SCRATCH/d.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/d.profile"
	assert_success
	assert_output --partial "cpus 0.5; io /dev/vda;"
	teardown_scratch
}

@test "resources: lamina explain and check describe the layer: the limits, the tmpfs bound, whether this caller can have the cgroup" {
	run --separate-stderr "$LAMINA" explain hosting
	assert_success
	assert_output --partial "Resources of the sandbox as a whole (a cgroup"
	assert_output --regexp "memory +512M: its processes, tmpfs files, shared memory"
	assert_output --regexp "tasks +256 processes and threads of the payload"
	assert_output --regexp "cpus +1 at most \(100000 us of CPU time every 100000 us\)"
	assert_output --partial "/tmp and /dev/shm hold 256M together at most (half the memory limit)"
	if [ "$CG_OK" = 1 ]; then
		assert_output --partial "in a cgroup of its own, made before the sandbox starts"
	else
		assert_output --partial "cannot be applied for this caller (lamina would not run): resources: "
	fi
	run --separate-stderr "$LAMINA" explain default
	assert_output --partial "no limit of the sandbox as a whole (no cgroup is made)"
	assert_output --partial "/tmp and /dev/shm hold 1G together at most"
	run --separate-stderr "$LAMINA" check hosting
	assert_output --regexp "settings: .* memory 512M; pids 256; cpus 1;"
}
