#!/usr/bin/env bats
# lamina demo: the layered-defense matrix (every attack with all layers on, then with each layer
# removed alone).  The cells come from real sandboxes; these tests check the formats, that the
# matrix agrees with direct runs, and that every attack names the layer that stops it (or says
# why none does alone).
load helpers

ATTACK_DIR=$(dirname "$ATTACK")

# The full matrix once per file: every test below reads it.
setup_file() {
	export DEMO_TSV="$BATS_FILE_TMPDIR/demo.tsv"
	"$LAMINA" demo --format tsv >"$DEMO_TSV" 2>"$BATS_FILE_TMPDIR/demo.err" || true
}

row() { # ATTACK: its TSV row
	awk -F'\t' -v a="$1" '$1 == a' "$DEMO_TSV"
}

@test "demo --format tsv: the header and exactly five columns on every row, one row per attack" {
	run head -1 "$DEMO_TSV"
	assert_output "$(printf 'attack\tclass\tresult\tlayers\tdetail')"
	run awk -F'\t' 'NR > 1 && NF != 5' "$DEMO_TSV"
	assert_output ""
	local attacks rows
	attacks=$("$ATTACK" --list | tail -n +2 | cut -f1 | sort)
	rows=$(tail -n +2 "$DEMO_TSV" | cut -f1 | sort)
	[ "$attacks" = "$rows" ]
	run awk -F'\t' 'NR > 1 && $3 != "blocked" && $3 != "escaped" && $3 != "error" && $3 != "n/a"' "$DEMO_TSV"
	assert_output ""
	# n/a only where this machine lacks what the attack needs: the i386 entry (probed by the
	# suite apart from lamina), a cgroup for this caller (the resources rows)
	run awk -F'\t' 'NR > 1 && $3 == "n/a" && $1 != "userns-int80" && $2 != "resources"' "$DEMO_TSV"
	assert_output ""
	if "$LAMINA" run --memory 64M --pids 16 --cpus 1 -- /bin/true 2>/dev/null; then
		run awk -F'\t' 'NR > 1 && $2 == "resources" && $3 != "blocked"' "$DEMO_TSV"
		assert_output ""
	else
		run awk -F'\t' 'NR > 1 && $2 == "resources" && !($3 == "n/a" && $5 ~ /^resources: the memory limit needs/)' "$DEMO_TSV"
		assert_output ""
	fi
	run row userns-int80
	if has i386; then
		assert_output --regexp $'^userns-int80\tuserns\tblocked\t([a-z]+,)*seccomp(,[a-z]+)*\tSIGSYS '
	else
		assert_output --regexp $'^userns-int80\tuserns\tn/a\t-\tno i386 entry on this kernel'
	fi
}

@test "demo: every attack blocked with every layer on names a layer whose removal lets it through, or says why none does" {
	run awk -F'\t' 'NR > 1 && $3 == "blocked" && $4 == "-" && $5 !~ /no single layer/' "$DEMO_TSV"
	assert_output ""
	# and the layers named are the ones lamina can remove (from its own list, not restated here)
	local names l
	names=" $("$LAMINA" run --help | sed -n 's/^layers --unsafe-disable-layer can remove: //p') "
	[ "$names" != "  " ] || { echo "no layer list in lamina run --help" >&2; return 1; }
	for l in $(tail -n +2 "$DEMO_TSV" | cut -f4 | tr ',' '\n' | grep -v '^-$' | sort -u); do
		[[ "$names" == *" $l "* ]] || { echo "unknown layer '$l'" >&2; return 1; }
	done
}

@test "demo: the matrix agrees with direct runs (seccomp stops userns-unshare, netns stops net-ifaces, env stops env-leak)" {
	run row net-ifaces
	assert_output --regexp $'^net-ifaces\tnetwork\tblocked\t([a-z]+,)*netns(,[a-z]+)*\t'
	run row env-leak
	assert_output --regexp $'^env-leak\tenv\tblocked\tenv\tENOENT '
	# without seccomp the payload can make a user namespace only where the kernel lets an
	# unprivileged process do so
	require userns
	run row userns-unshare
	assert_output --regexp $'^userns-unshare\tuserns\tblocked\t([a-z]+,)*seccomp(,[a-z]+)*\tEPERM '
	# the same facts, straight from lamina run (the twin of the matrix)
	run --separate-stderr "$LAMINA" run --unsafe-disable-layer seccomp --ro-bind "$ATTACK_DIR" "$ATTACK_DIR" -- "$ATTACK" userns-unshare
	assert_output --regexp '^escaped '
	run "$LAMINA" run --ro-bind "$ATTACK_DIR" "$ATTACK_DIR" -- "$ATTACK" userns-unshare
	assert_output --regexp '^blocked EPERM '
}

@test "demo: the std-fd attacks are shown under a profile with the std-fd layer (stdio): seccomp and stdfd stop them" {
	local a
	for a in stdfd-close stdfd-close-high stdfd-dup2 stdfd-dup2-high stdfd-dup3 stdfd-close-range; do
		run row "$a"
		assert_output --regexp $'\tblocked\t([a-z]+,)*stdfd(,[a-z]+)*\tSIGSYS '
	done
}

@test "demo --format json: one object per attack with the same fields as the TSV" {
	command -v jq >/dev/null || skip "jq is needed to parse the JSON"
	run "$LAMINA" demo --format json --no-pairs userns-unshare env-leak
	assert_success
	run jq -r '.[] | [.attack, .class, .result, (.layers | join(",")), (.detail | length > 0)] | @tsv' <<<"$output"
	assert_success
	assert_line --index 0 --regexp $'^userns-unshare\tuserns\tblocked\t([a-z]+,)*seccomp'
	assert_line --index 1 $'env-leak\tenv\tblocked\tenv\ttrue'
}

@test "demo text: aligned columns, no colour when stdout is not a terminal, colour on a terminal" {
	run "$LAMINA" demo --no-pairs userns-unshare net-ifaces
	assert_success
	assert_line --index 0 --regexp '^ATTACK +CLASS +RESULT +LAYERS +DETAIL$'
	assert_line --index 1 --regexp '^userns-unshare +userns +blocked +seccomp'
	refute_output --partial $'\033['
	# the RESULT column starts at the same offset on every row
	local c0 c1 c2
	c0=$(printf '%s\n' "${lines[0]}" | grep -bo RESULT | cut -d: -f1)
	c1=$(printf '%s\n' "${lines[1]}" | grep -bo blocked | cut -d: -f1)
	c2=$(printf '%s\n' "${lines[2]}" | grep -bo blocked | cut -d: -f1)
	[ "$c0" = "$c1" ] && [ "$c1" = "$c2" ]
	command -v script >/dev/null || skip "script(1) is needed for a terminal"
	run script -qec "$(printf '%q ' "$LAMINA" demo --no-pairs userns-unshare)" /dev/null </dev/null
	assert_output --partial $'\033[32mblocked'
}

@test "demo: where the kernel has no i386 entry, userns-int80 is n/a in text, tsv and json (neither blocked nor escaped, exit 0); twin: blocked where it has one" {
	run --separate-stderr env LAMINA_TEST_ASSUME_NO_I386=1 "$LAMINA" demo --format tsv --no-pairs userns-int80 env-leak
	assert_success
	assert_line --index 1 $'userns-int80\tuserns\tn/a\t-\tno i386 entry on this kernel (assumed: LAMINA_TEST_ASSUME_NO_I386=1)'
	assert_line --index 2 --regexp $'^env-leak\tenv\tblocked\tenv\tENOENT '
	run --separate-stderr env LAMINA_TEST_ASSUME_NO_I386=1 "$LAMINA" demo --no-pairs userns-int80 env-leak
	assert_success
	assert_line --index 1 --regexp '^userns-int80 +userns +n/a +- +no i386 entry on this kernel'
	assert_line --partial "2 attacks: 1 blocked with every layer on, 0 escaped, 0 errors, 1 n/a (not applicable here)"
	run --separate-stderr env LAMINA_TEST_ASSUME_NO_I386=1 "$LAMINA" demo --format json --no-pairs userns-int80
	assert_success
	run python3 -c 'import json, sys
for r in json.load(sys.stdin): print(r["attack"], r["result"], len(r["layers"]), r["detail"], sep="\t")' <<<"$output"
	assert_output $'userns-int80\tn/a\t0\tno i386 entry on this kernel (assumed: LAMINA_TEST_ASSUME_NO_I386=1)'
	# twin: on a kernel with the entry, the same attack runs and seccomp stops it
	require i386
	run --separate-stderr "$LAMINA" demo --format tsv --no-pairs userns-int80
	assert_success
	assert_line --index 1 --regexp $'^userns-int80\tuserns\tblocked\t([a-z]+,)*seccomp(,[a-z]+)*\tSIGSYS '
}

@test "readme-summary: the README block from a matrix: counts, one row per attack, n/a rows counted apart, nothing else touched" {
	local R=$BATS_TEST_TMPDIR/README.md tsv=$BATS_TEST_TMPDIR/na.tsv
	cp "$SRC_DIR/README.md" "$R"
	env LAMINA_TEST_ASSUME_NO_I386=1 "$LAMINA" demo --format tsv --no-pairs userns-int80 env-leak >"$tsv"
	run "$SRC_DIR/tests/attacks/readme-summary" --tsv "$tsv" --readme "$R"
	assert_success
	run sed -n '/^<!-- demo-summary/,/^<!-- \/demo-summary -->/p' "$R"
	assert_line --partial 'ran 1 attacks (tests/attacks/attack.c)'
	assert_line --partial ': 1 blocked with every'
	assert_line 'Not run (n/a): 1 attack needing a kernel entry that machine lacks (see the table).'
	assert_line --regexp '^\| userns-int80 \| userns \| n/a \| - \| no i386 entry on this kernel'
	assert_line --regexp '^\| env-leak \| env \| blocked \| env \| ENOENT '
	[ "$(grep -c '^| ' <<<"$output")" = 3 ] # the header and two rows
	# outside the block the README is unchanged
	diff <(sed '/^<!-- demo-summary/,/^<!-- \/demo-summary -->/d' "$SRC_DIR/README.md") \
		<(sed '/^<!-- demo-summary/,/^<!-- \/demo-summary -->/d' "$R")
	# twin: the full matrix of this run, every attack a row, and no n/a line unless one is n/a
	cp "$SRC_DIR/README.md" "$R"
	run "$SRC_DIR/tests/attacks/readme-summary" --tsv "$DEMO_TSV" --readme "$R"
	assert_success
	run sed -n '/^<!-- demo-summary/,/^<!-- \/demo-summary -->/p' "$R"
	[ "$(grep -c '^| ' <<<"$output")" = "$(wc -l <"$DEMO_TSV")" ] # the header and a row per attack
	if grep -q $'\tn/a\t' "$DEMO_TSV"; then
		assert_line --partial 'Not run (n/a):'
	else
		refute_line --partial 'Not run (n/a):'
	fi
}

@test "demo: the landlock attacks (run with --share-net, or a writable --bind and --allow-write) are stopped by landlock alone" {
	local a
	for a in landlock-write landlock-connect landlock-abstract landlock-signal; do
		run row "$a"
		assert_output --regexp $'^'"$a"$'\tlandlock\tblocked\tlandlock\t(EACCES|EPERM) '
	done
}

@test "demo: an attack no single layer stops is tried with seccomp and one more layer removed (priv-chroot: seccomp+caps)" {
	run row priv-chroot
	assert_output --regexp $'\tblocked\t-\tEPERM .*seccomp\\+caps removed together'
	run "$LAMINA" demo --format tsv --no-pairs priv-chroot
	assert_output --partial "no single layer lets it through"
	refute_output --partial "removed together"
}

# The demo's fixtures left in /tmp and /var/tmp by a demo that is no longer running (each name
# carries its demo's pid, so that other demos running at the same time do not count).
demo_leftovers() {
	local f pid
	for f in /tmp/.lamina-canary-* /var/tmp/.lamina-canary-* /var/tmp/lamina-demo-*; do
		[ -e "$f" ] || continue
		pid=$(basename "$f" | sed -E 's/^\.?lamina-(canary|demo)-([0-9]+)-.*/\2/')
		[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && continue
		echo "$f"
	done | sort
}

@test "demo leaves nothing behind: no canary file, no listener, no sandbox process" {
	local before after
	before=$(demo_leftovers)
	run "$LAMINA" demo --format tsv --no-pairs canary-tmp net-tcp proc-leftover landlock-write
	assert_success
	after=$(demo_leftovers)
	[ "$before" = "$after" ]
	# a SIGKILLed sandbox's processes go with its pid namespace, which the kernel tears down
	# after lamina is reaped: give that a moment on a loaded machine
	local i
	for i in $(seq 300); do
		pgrep -f -- "$ATTACK" >/dev/null || break
		sleep 0.01
	done
	run pgrep -f -- "$ATTACK"
	assert_failure 1
}

@test "demo: bad options are one-line errors with exit 125" {
	run --separate-stderr "$LAMINA" demo --format xml
	assert_failure 125
	assert_one_error_line
	run --separate-stderr "$LAMINA" demo --jobs 0
	assert_failure 125
	assert_one_error_line
	run --separate-stderr "$LAMINA" demo --timeout
	assert_failure 125
	assert_one_error_line
	run --separate-stderr "$LAMINA" demo --attack-bin /nonexistent/attack
	assert_failure 125
	assert_one_error_line
	run "$LAMINA" demo --help
	assert_success
	assert_output --partial "attack, class, result, layers, detail"
}

@test "demo interrupted (SIGINT): exit 130, running sandboxes killed, fixtures removed" {
	local before after pid
	before=$(demo_leftovers)
	"$LAMINA" demo --format tsv >/dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	sleep 2
	kill -INT "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" = 130 ]
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --partial "lamina: demo: interrupted"
	after=$(demo_leftovers)
	[ "$before" = "$after" ]
	# a SIGKILLed sandbox's processes go with its pid namespace, which the kernel tears down
	# after lamina is reaped: give that a moment on a loaded machine
	local i
	for i in $(seq 300); do
		pgrep -f -- "$ATTACK" >/dev/null || break
		sleep 0.01
	done
	run pgrep -f -- "$ATTACK"
	assert_failure 1
}

@test "demo ATTACK: a name that is neither an attack nor a class is one line, exit 125, nothing run; twin: a class runs" {
	run --separate-stderr "$LAMINA" demo --no-pairs no-such-attack
	assert_failure 125
	assert_one_error_line
	assert_stderr "lamina: demo: unknown attack 'no-such-attack' (lamina demo --list names the attacks and their classes)"
	assert_output ""
	# one unknown name among known ones: still refused, before anything runs
	run --separate-stderr "$LAMINA" demo --no-pairs userns-unshare no-such-attack
	assert_failure 125
	assert_one_error_line
	assert_output ""
	run --separate-stderr "$LAMINA" demo --format tsv --no-pairs env
	assert_success
	assert_line --index 1 --regexp $'^env-leak\tenv\tblocked\t'
}

@test "demo --list: every attack of the attack program, one a line: name, class, what it tries" {
	run --separate-stderr "$LAMINA" demo --list
	assert_success
	[ "$(printf '%s\n' "$output" | cut -f1)" = "$("$ATTACK" --list | tail -n +2 | cut -f1)" ]
	run awk -F'\t' 'NF != 3 || $3 == ""' <<<"$output"
	assert_output ""
	run --separate-stderr "$LAMINA" demo --list stdfd
	assert_success
	[ "${#lines[@]}" = 6 ]
}

@test "demo text: every line fits 100 columns, and the wrapped detail is the TSV's detail" {
	# attacks with long details (the pairs, a canary path, a bind path) and short ones
	local set=(priv-chroot ns-unshare canary-home landlock-write userns-unshare net-ifaces)
	run --separate-stderr "$LAMINA" demo "${set[@]}"
	assert_success
	local text=$output
	run awk 'length($0) > 100 { print length($0) ": " $0 }' <<<"$text"
	assert_output ""
	[ "$(grep -c . <<<"$text")" -gt $((${#set[@]} + 3)) ] # some details were wrapped
	# the details that do not change from run to run read the same once the lines are joined
	run "$LAMINA" demo --format tsv priv-chroot ns-unshare userns-unshare
	local a want got col
	col=$(head -1 <<<"$text" | grep -bo DETAIL | cut -d: -f1)
	for a in priv-chroot ns-unshare userns-unshare; do
		want=$(awk -F'\t' -v a="$a" '$1 == a { print $5 }' <<<"$output")
		got=$(awk -v a="$a" -v c="$col" '
			$1 == a { on = 1; printf "%s", substr($0, c + 1); next }
			on && substr($0, 1, c) ~ /^ *$/ && $0 != "" { printf " %s", substr($0, c + 1); next }
			{ on = 0 }' <<<"$text")
		[ "$got" = "$want" ] || { printf 'wrapped: %s\nTSV:     %s\n' "$got" "$want" >&2; return 1; }
	done
}

@test "demo progress: on a terminal one line updated in place at most 4 times a second, erased at the end" {
	command -v script >/dev/null || skip "script(1) is needed for a terminal"
	local t0 t1 out=$BATS_TEST_TMPDIR/tty.out
	t0=$(date +%s.%N)
	script -qec "$(printf '%q ' "$LAMINA" demo --no-pairs userns privileged kernel) >/dev/null" /dev/null </dev/null >"$out"
	t1=$(date +%s.%N)
	# updates: "\rlamina: demo: N/M runs", then the line erased with blanks
	local updates
	updates=$(grep -ao $'\rlamina: demo: [0-9]*/[0-9]* runs' "$out" | wc -l)
	[ "$updates" -ge 1 ]
	awk -v n="$updates" -v t0="$t0" -v t1="$t1" 'BEGIN { exit !(n <= 4 * (t1 - t0) + 1) }'
	run tail -c 50 "$out"
	assert_output --regexp $'\r +\r$'
	# twin: stderr not a terminal and a short run: no progress at all
	run --separate-stderr "$LAMINA" demo --no-pairs userns-unshare
	assert_success
	assert_stderr ""
}

@test "demo progress: stderr not a terminal, a line every 5 seconds while runs go on" {
	# an attack program of one attack that takes 6 s: the runs all start at once (-j 16)
	local d=$BATS_TEST_TMPDIR/slow
	mkdir -p "$d" && chmod 755 "$d"
	printf '%s\n' '#!/bin/sh' \
		'if [ "$1" = --list ]; then printf "name\tclass\tneeds\tdescription\ttwin\nslow\tslow\t-\tsleeps 6 s\t-\n"; exit 0; fi' \
		'sleep 6; echo "blocked EPERM slept"' >"$d/attack"
	chmod 755 "$d/attack"
	local n
	n=$("$LAMINA" run --help | sed -n 's/^layers --unsafe-disable-layer can remove: //p' | wc -w)
	run --separate-stderr "$LAMINA" demo --no-pairs -j 16 --attack-bin "$d/attack" --format tsv
	assert_line --index 1 --regexp $'^slow\tslow\tblocked\t'
	# one line or more (the runs take 6 s), each nothing but the count
	[ -n "$stderr" ]
	run grep -cvE "^lamina: demo: [0-9]+/$((n + 1)) runs\$" <<<"$stderr"
	assert_output 0
}
