#!/usr/bin/env bats
# Layer 7: rlimits.
load helpers

limit() { # NAME as in /proc/self/limits ("Max open files"): prints "soft hard"
	lm "${@:2}" -- /bin/sh -c "grep '^$1 ' /proc/self/limits" | awk '{print $(NF-2), $(NF-1)}'
}

# lowered NAME DEFAULT: DEFAULT, or the caller's hard limit of NAME where that is smaller
lowered() {
	local hard
	hard=$(prlimit --pid $$ --"$1" --output HARD --noheadings | tr -d ' ')
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$2" ]; then echo "$hard"; else echo "$2"; fi
}

@test "rlimit: the safe defaults (core=0, nofile=1024, nproc=1024, fsize=16G), lowered to the caller's hard limits" {
	local n
	[ "$(limit 'Max core file size')" = "0 0" ]
	n=$(lowered nofile 1024)
	[ "$(limit 'Max open files')" = "$n $n" ]
	n=$(lowered nproc 1024)
	[ "$(limit 'Max processes')" = "$n $n" ]
	n=$(lowered fsize 17179869184)
	[ "$(limit 'Max file size')" = "$n $n" ]
}

@test "rlimit: NAME=SOFT sets soft and hard; NAME=SOFT:HARD sets both apart; K/M/G and unlimited" {
	[ "$(limit 'Max open files' --rlimit nofile=256)" = "256 256" ]
	[ "$(limit 'Max open files' --rlimit nofile=100:200)" = "100 200" ]
	[ "$(limit 'Max file size' --rlimit fsize=1M)" = "1048576 1048576" ]
	[ "$(limit 'Max stack size' --rlimit stack=8M:unlimited)" = "8388608 unlimited" ] ||
		[ "$(ulimit -Hs)" != unlimited ]
	if [ -n "${LAMINA_ASAN:-}" ]; then
		echo "# ASan build: RLIMIT_AS is not applied (its shadow memory needs the address space); checked in the plain build" >&3
	else
		[ "$(limit 'Max address space' --rlimit as=2G)" = "2147483648 2147483648" ]
	fi
}

@test "rlimit: every resource name is accepted" {
	for n in as core cpu data fsize locks memlock msgqueue nice nofile nproc rss rtprio rttime sigpending stack; do
		hard=$(prlimit --pid $$ --"$n" --output HARD --noheadings | tr -d ' ')
		run --separate-stderr lm --rlimit "$n=$hard" -- /bin/true
		[ "$status" -eq 0 ] || { echo "$n: $status $stderr"; return 1; }
	done
}

@test "rlimit: a hard limit above the caller's is a clear error, not a silent clamp" {
	hard=$(ulimit -Hn)
	run --separate-stderr lm --rlimit nofile=$((hard + 1)) -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "above the caller's hard limit $hard"
	# twin: exactly the caller's hard limit is fine
	[ "$(limit 'Max open files' --rlimit nofile=$hard)" = "$hard $hard" ]
}

@test "rlimit: bad names and values are errors" {
	for spec in bogus=1 nofile nofile= nofile=-1 nofile=abc nofile=1X nofile=5:4 =5 nofile=99999999999999999999999; do
		run --separate-stderr lm --rlimit "$spec" -- /bin/true
		assert_failure 125
		assert_one_error_line
		assert_stderr --partial "rlimit"
	done
}

@test "rlimit: fsize is enforced (SIGXFSZ, 153); a write under it works (twin)" {
	run --separate-stderr lm --rlimit fsize=4K -- /bin/sh -c 'head -c 8192 /dev/zero > /tmp/f'
	assert_failure 153
	run --separate-stderr lm --rlimit fsize=16K -- /bin/sh -c 'head -c 8192 /dev/zero > /tmp/f && wc -c < /tmp/f'
	assert_success
	assert_output 8192
}

@test "rlimit: nproc bounds a fork bomb (bounded, cleans up); twin: a few processes are fine" {
	run --separate-stderr lm --timeout 20 --rlimit nproc=20 -- /usr/bin/python3 -c '
import os, errno, time
n = 0
pids = []
try:
    for i in range(200):
        p = os.fork()
        if p == 0:
            time.sleep(5); os._exit(0)
        pids.append(p); n += 1
except OSError as e:
    print("stopped", errno.errorcode[e.errno], n < 25)
for p in pids: os.kill(p, 9)'
	assert_success
	assert_output "stopped EAGAIN True"
	run --separate-stderr lm --rlimit nproc=20 -- /bin/sh -c 'for i in 1 2 3 4 5; do /bin/true & done; wait; echo ok'
	assert_output ok
}

@test "rlimit: the caller's own limits are untouched" {
	before=$(ulimit -n)
	lm --rlimit nofile=64 -- /bin/true
	[ "$(ulimit -n)" = "$before" ]
}

@test "rlimit: a profile's bound above the caller's hard limit is lowered to it; the same on the command line is an error" {
	make_scratch
	printf 'include default\nrlimit nofile=4096\n' > "$SCRATCH/p.profile"
	# a caller whose hard limit is below the profile's bound: 2000, or lower where it is
	local l=2000
	[ "$(ulimit -Hn)" -ge "$l" ] || l=$(ulimit -Hn)
	run --separate-stderr bash -c "ulimit -n $l && '$LAMINA' run -p '$SCRATCH/p.profile' -- /bin/sh -c 'ulimit -n; ulimit -Hn'"
	assert_success
	assert_output "$l"$'\n'"$l"
	run --separate-stderr bash -c "ulimit -n $l && '$LAMINA' run --rlimit nofile=4096 -- /bin/true"
	assert_failure 125
	assert_stderr --partial "above the caller's hard limit $l"
	# twin: under a caller with room, the profile's value holds exactly
	[ "$(ulimit -Hn)" -ge 4096 ] || skip "the caller's hard nofile limit $(ulimit -Hn) leaves no room for the twin (4096)"
	run --separate-stderr lm -p "$SCRATCH/p.profile" -- /bin/sh -c 'ulimit -n'
	assert_output 4096
	teardown_scratch
}
