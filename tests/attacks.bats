#!/usr/bin/env bats
# The red-team suite: every attack of tests/attacks/attack.c inside a real sandbox, under the
# shipped profiles, with its exact outcome (errno name, signal or word), its positive twin (the
# harmless variant that must work in the same sandbox), and the proof that the assertion can
# fail: the same attack gets through once the layer(s) that stop it are removed with
# --unsafe-disable-layer.  Where no removal lets it through, the seccomp report names the rule
# that refused it (--report), and the attack's outcome without seccomp shows the layer behind.
#
# The attack program refuses to run outside a user namespace, and every attack is harmless to
# the host even when it works (see attack.c).  tests/run-all runs this file as root and as an
# unprivileged user.
load helpers
load attack-helpers

refute_stderr_regexp() {
	if [[ "$stderr" =~ $1 ]]; then
		printf 'stderr matches %s but must not:\n%s\n' "$1" "$stderr" >&2
		return 1
	fi
}

teardown() {
	local pid
	for pid in ${SERVERS:-}; do kill "$pid" 2>/dev/null || true; done
	for f in ${CLEANUP:-}; do rm -f "$f"; done
	return 0
}

# serve tcp|udp|unix: a loopback listener on the host (the attack program's --serve mode);
# prints its port or abstract name into $ENDPOINT.
serve() {
	local out
	out=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/serve.XXXXXX")
	"$ATTACK" --serve "$1" 60 >"$out" 3>&- &
	SERVERS="${SERVERS:-} $!"
	local i
	for i in $(seq 100); do
		[ -s "$out" ] && break
		sleep 0.05
	done
	ENDPOINT=$(head -1 "$out")
	[ -n "$ENDPOINT" ]
}

# ---- the program itself --------------------------------------------------------------------

@test "attack --list: every attack has a name, a class, what it needs and a description" {
	run "$ATTACK" --list
	assert_success
	local n
	n=$(printf '%s\n' "$output" | tail -n +2 | awk -F'\t' 'NF == 5 && $1 != "" && $2 != "" && $4 != ""' | wc -l)
	[ "$n" -ge 60 ]
	[ "$n" -eq $(($(printf '%s\n' "$output" | wc -l) - 1)) ]
}

@test "every attack of the program has its test in this file (or in shared-kernel.bats)" {
	local name missing=""
	for name in $("$ATTACK" --list | tail -n +2 | cut -f1); do
		grep -q "^@test \"$name: " "$BATS_TEST_FILENAME" "$BATS_TEST_DIRNAME/shared-kernel.bats" ||
			missing="$missing $name"
	done
	[ -z "$missing" ] || { echo "no test for:$missing" >&2; return 1; }
}

@test "attack refuses to run outside a sandbox (initial user namespace): error, exit 2" {
	run "$ATTACK" userns-unshare
	assert_failure 2
	assert_output --partial "error refusing to attack from the initial user namespace"
	# twin: inside lamina it runs and reports
	blocked default EPERM userns-unshare
}

# ---- nested user namespaces ---------------------------------------------------------------------

@test "userns-unshare: EPERM under default and hosting; twin unshare(0); escapes without seccomp" {
	blocked default EPERM userns-unshare
	blocked hosting EPERM userns-unshare
	twin default userns-unshare
	require userns
	escapes default seccomp userns-unshare
}

@test "userns-clone: clone(CLONE_NEWUSER) EPERM; twin clone(SIGCHLD); escapes without seccomp" {
	blocked default EPERM userns-clone
	blocked hosting EPERM userns-clone
	twin default userns-clone
	require userns
	escapes default seccomp userns-clone
}

@test "userns-clone3: clone3 gets ENOSYS (flags behind a pointer); twin fork() works; escapes without seccomp" {
	blocked default ENOSYS userns-clone3
	blocked hosting ENOSYS userns-clone3
	twin default userns-clone3
	require userns
	escapes default seccomp userns-clone3
}

@test "userns-int80: i386 unshare(CLONE_NEWUSER) through int \$0x80 killed (SIGSYS; EPERM under \`i386 on\`); twin native unshare(0); escapes without seccomp" {
	require i386
	blocked default SIGSYS userns-int80
	blocked hosting SIGSYS userns-int80
	make_scratch
	printf 'purpose test: default with i386\ninclude default\ni386 on\n' >"$SCRATCH/i386.profile"
	chmod 644 "$SCRATCH/i386.profile"
	blocked "$SCRATCH/i386.profile" EPERM userns-int80
	teardown_scratch
	twin default userns-int80
	require userns
	escapes default seccomp userns-int80
}

@test "userns-x32: the x32 ABI is killed (SIGSYS); without seccomp: ENOSYS on a kernel without x32, an escape on one with it" {
	blocked default SIGSYS userns-x32
	blocked hosting SIGSYS userns-x32
	twin default userns-x32
	if has x32; then
		require userns
		escapes default seccomp userns-x32
	else
		# the call reached the kernel, which has no x32 entry
		without_seccomp default ENOSYS userns-x32
	fi
}

# ---- other namespaces ---------------------------------------------------------------------------

@test "ns-unshare: every other namespace EPERM; twin unshare(0); escapes only without seccomp and caps" {
	blocked default EPERM ns-unshare
	blocked hosting EPERM ns-unshare
	twin default ns-unshare
	refused_by_rule default unshare ns-unshare
	without_seccomp default EPERM ns-unshare
	escapes default "seccomp caps" ns-unshare
}

@test "ns-clone: clone with each namespace flag EPERM; twin clone(SIGCHLD); escapes only without seccomp and caps" {
	blocked default EPERM ns-clone
	blocked hosting EPERM ns-clone
	twin default ns-clone
	refused_by_rule default clone ns-clone
	without_seccomp default EPERM ns-clone
	escapes default "seccomp caps" ns-clone
}

@test "ns-setns: pid 1's namespaces are out of reach (EACCES); twin opens its own ns handle" {
	blocked default EACCES ns-setns
	blocked hosting EACCES ns-setns
	twin default ns-setns
	without_seccomp default EACCES ns-setns
}

# ---- privileged operations ----------------------------------------------------------------------

@test "priv-mount: EPERM (seccomp rule, then no capability, then Landlock); escapes only without seccomp, caps and landlock" {
	blocked default EPERM priv-mount
	blocked hosting EPERM priv-mount
	twin default priv-mount
	refused_by_rule default mount priv-mount
	without_seccomp default EPERM priv-mount
	# with the capabilities back, Landlock still refuses any mount in its domain
	attack default --unsafe-disable-layer seccomp --unsafe-disable-layer caps --uid 0 --gid 0 -- priv-mount
	assert_output --regexp '^blocked EPERM( |$)'
	escapes default "seccomp caps landlock" priv-mount
}

@test "priv-fsopen: the new mount API EPERM; escapes only without seccomp and caps" {
	blocked default EPERM priv-fsopen
	blocked hosting EPERM priv-fsopen
	twin default priv-fsopen
	refused_by_rule default fsopen priv-fsopen
	without_seccomp default EPERM priv-fsopen
	escapes default "seccomp caps" priv-fsopen
}

@test "priv-open-tree: open_tree(OPEN_TREE_CLONE) EPERM; escapes only without seccomp and caps" {
	blocked default EPERM priv-open-tree
	blocked hosting EPERM priv-open-tree
	twin default priv-open-tree
	refused_by_rule default open_tree priv-open-tree
	without_seccomp default EPERM priv-open-tree
	escapes default "seccomp caps" priv-open-tree
}

@test "priv-pivot-root: EPERM; escapes only without seccomp and caps" {
	blocked default EPERM priv-pivot-root
	blocked hosting EPERM priv-pivot-root
	twin default priv-pivot-root
	refused_by_rule default pivot_root priv-pivot-root
	without_seccomp default EPERM priv-pivot-root
	escapes default "seccomp caps" priv-pivot-root
}

@test "priv-chroot: EPERM; twin chdir(/); escapes only without seccomp and caps" {
	blocked default EPERM priv-chroot
	blocked hosting EPERM priv-chroot
	twin default priv-chroot
	without_seccomp default EPERM priv-chroot
	escapes default "seccomp caps" priv-chroot
}

@test "priv-sethostname: ENOSYS (not in the allowlist); escapes only without seccomp and caps" {
	blocked default ENOSYS priv-sethostname
	blocked hosting ENOSYS priv-sethostname
	twin default priv-sethostname
	without_seccomp default EPERM priv-sethostname
	escapes default "seccomp caps" priv-sethostname
}

@test "priv-raw-socket: raw IP and packet sockets EPERM; twin UDP socket; escapes only without seccomp and caps" {
	blocked default EPERM priv-raw-socket
	blocked hosting EPERM priv-raw-socket
	twin default priv-raw-socket
	without_seccomp default EPERM priv-raw-socket
	escapes default "seccomp caps" priv-raw-socket
}

@test "priv-open-by-handle: the shocker call is killed (SIGSYS); without seccomp the kernel says EPERM" {
	blocked default SIGSYS priv-open-by-handle
	blocked hosting SIGSYS priv-open-by-handle
	twin default priv-open-by-handle
	without_seccomp default EPERM priv-open-by-handle
}

@test "priv-kexec: killed (SIGSYS); without seccomp the kernel refuses (EPERM, or ENOSYS when built without kexec)" {
	blocked default SIGSYS priv-kexec
	blocked hosting SIGSYS priv-kexec
	twin default priv-kexec
	attack default --unsafe-disable-layer seccomp -- priv-kexec
	assert_output --regexp '^blocked (EPERM|ENOSYS)( |$)'
}

@test "priv-module: init_module killed (SIGSYS); without seccomp the kernel refuses" {
	blocked default SIGSYS priv-module
	blocked hosting SIGSYS priv-module
	twin default priv-module
	attack default --unsafe-disable-layer seccomp -- priv-module
	assert_output --regexp '^blocked (EPERM|ENOSYS)( |$)'
}

@test "priv-acct: EPERM by a seccomp rule, and by the kernel behind it" {
	blocked default EPERM priv-acct
	blocked hosting EPERM priv-acct
	twin default priv-acct
	refused_by_rule default acct priv-acct
	without_seccomp default EPERM priv-acct
	attack default --unsafe-disable-layer seccomp --report -- priv-acct
	refute_stderr_regexp 'refused pid [0-9]+ at acct\('
}

@test "priv-swapon: EPERM by a seccomp rule, and by the kernel behind it" {
	blocked default EPERM priv-swapon
	blocked hosting EPERM priv-swapon
	twin default priv-swapon
	refused_by_rule default swapon priv-swapon
	without_seccomp default EPERM priv-swapon
}

@test "priv-reboot: reboot (invalid magic) EPERM; escapes only without seccomp and caps (EINVAL past the check)" {
	blocked default EPERM priv-reboot
	blocked hosting EPERM priv-reboot
	twin default priv-reboot
	refused_by_rule default reboot priv-reboot
	without_seccomp default EPERM priv-reboot
	escapes default "seccomp caps" priv-reboot
	assert_output --partial "EINVAL on invalid arguments"
}

@test "priv-syslog: the kernel log EPERM by a seccomp rule, and by the kernel behind it" {
	blocked default EPERM priv-syslog
	blocked hosting EPERM priv-syslog
	twin default priv-syslog
	refused_by_rule default syslog priv-syslog
	without_seccomp default EPERM priv-syslog
}

@test "priv-iopl: killed (SIGSYS); without seccomp the kernel refuses" {
	blocked default SIGSYS priv-iopl
	blocked hosting SIGSYS priv-iopl
	twin default priv-iopl
	attack default --unsafe-disable-layer seccomp -- priv-iopl
	assert_output --regexp '^blocked (EPERM|ENOSYS)( |$)'
}

# ---- kernel attack surface ----------------------------------------------------------------------

@test "kern-bpf: EPERM by a seccomp rule, and by the kernel behind it (unprivileged bpf off)" {
	blocked default EPERM kern-bpf
	blocked hosting EPERM kern-bpf
	twin default kern-bpf
	refused_by_rule default bpf kern-bpf
	without_seccomp default EPERM kern-bpf
}

@test "kern-perf: perf_event_open EPERM; escapes without seccomp" {
	blocked default EPERM kern-perf
	blocked hosting EPERM kern-perf
	twin default kern-perf
	escapes default seccomp kern-perf
}

@test "kern-keyctl: add_key EPERM; escapes without seccomp" {
	blocked default EPERM kern-keyctl
	blocked hosting EPERM kern-keyctl
	twin default kern-keyctl
	escapes default seccomp kern-keyctl
}

@test "kern-userfaultfd: EPERM; escapes without seccomp" {
	blocked default EPERM kern-userfaultfd
	blocked hosting EPERM kern-userfaultfd
	twin default kern-userfaultfd
	escapes default seccomp kern-userfaultfd
}

@test "kern-io-uring: io_uring_setup EPERM; escapes without seccomp" {
	blocked default EPERM kern-io-uring
	blocked hosting EPERM kern-io-uring
	twin default kern-io-uring
	escapes default seccomp kern-io-uring
}

@test "kern-personality: ADDR_NO_RANDOMIZE refused (ENOSYS); twin query works; escapes without seccomp" {
	blocked default ENOSYS kern-personality
	blocked hosting ENOSYS kern-personality
	twin default kern-personality
	escapes default seccomp kern-personality
}

# Report mode carries out kill rules from the supervisor: no disposition the payload sets, even
# one that changes while the supervisor decides, may let the process live past the call.
@test "seccomp-kill-race: a SIGSYS handler toggled by a thread never survives a kill rule under --report (SIGKILL, every time); twin; escapes without seccomp" {
	local n=300
	attack default --report -- seccomp-kill-race $n
	assert_output "blocked SIGKILL $n of $n processes killed at iopl(3), SIGSYS handler toggled"
	assert_success
	# every attempt reported by name, with the rule
	[ "$(grep -cE '^lamina: seccomp: killed pid [0-9]+ at iopl\(3\): rule .*default\.profile:[0-9]+$' <<<"$stderr")" = $n ]
	# without report mode the kernel kills (SIGSYS)
	attack default -- seccomp-kill-race $n
	assert_output "blocked SIGSYS $n of $n processes killed at iopl(3), SIGSYS handler toggled"
	# twin: the same thread, an allowed call, every process lives
	attack default --report -- seccomp-kill-race --twin
	assert_output --regexp '^ok getpid\(\) in 100 processes'
	assert_success
	# twin: the call alone (no handler games) is killed and reported by name
	attack default --report -- priv-iopl
	assert_output "blocked SIGKILL killed by the signal"
	assert_stderr --regexp '^lamina: seccomp: killed pid [0-9]+ at iopl\(3\): rule .*default\.profile:[0-9]+$'
	escapes default seccomp seccomp-kill-race 20
}

# ---- ptrace and process_vm_readv ------------------------------------------------------------------

@test "ptrace-init: EPERM by seccomp, and by the kernel behind it; twin: tracing its own child works without seccomp" {
	blocked default EPERM ptrace-init
	blocked hosting EPERM ptrace-init
	refused_by_rule default ptrace ptrace-init
	without_seccomp default EPERM ptrace-init
	# default refuses ptrace outright: the mechanism is shown with the seccomp layer removed
	twin default ptrace-init --unsafe-disable-layer seccomp
}

@test "ptrace-parent: EPERM; twin traces its own child without seccomp" {
	blocked default EPERM ptrace-parent
	blocked hosting EPERM ptrace-parent
	refused_by_rule default ptrace ptrace-parent
	without_seccomp default EPERM ptrace-parent
	twin default ptrace-parent --unsafe-disable-layer seccomp
}

@test "procvm-init: process_vm_readv of pid 1 EPERM; twin reads its own child without seccomp" {
	blocked default EPERM procvm-init
	blocked hosting EPERM procvm-init
	refused_by_rule default process_vm_readv procvm-init
	without_seccomp default EPERM procvm-init
	twin default procvm-init --unsafe-disable-layer seccomp
}

@test "procvm-parent: process_vm_readv of the parent EPERM; twin reads its own child without seccomp" {
	blocked default EPERM procvm-parent
	blocked hosting EPERM procvm-parent
	refused_by_rule default process_vm_readv procvm-parent
	without_seccomp default EPERM procvm-parent
	twin default procvm-parent --unsafe-disable-layer seccomp
}

# ---- /proc ----------------------------------------------------------------------------------------

@test "proc-sys-write: writes under /proc/sys EACCES; twin reads; with caps removed another wall answers" {
	blocked default EACCES proc-sys-write
	blocked hosting EACCES proc-sys-write
	twin default proc-sys-write
	attack default --unsafe-disable-layer caps --uid 0 --gid 0 -- proc-sys-write
	assert_output --regexp '^blocked [A-Z,]+( |$)'
	refute_output --regexp '^blocked EACCES( |$)'
}

@test "proc-exe-write: /proc/{self,1,parent}/exe cannot be opened for writing (EACCES); twin opens read-only" {
	blocked default EACCES proc-exe-write
	blocked hosting EACCES proc-exe-write
	twin default proc-exe-write
	without_seccomp default EACCES proc-exe-write
}

@test "proc-kcore: /proc/kcore is not there (ENOENT); twin reads /proc/self/status" {
	blocked default ENOENT proc-kcore
	blocked hosting ENOENT proc-kcore
	twin default proc-kcore
	without_seccomp default ENOENT proc-kcore
}

# ---- terminals --------------------------------------------------------------------------------------

@test "tty-tiocsti: TIOCSTI on a controlling pty EPERM; twin TIOCGWINSZ; escapes without seccomp" {
	blocked default EPERM tty-tiocsti
	blocked hosting EPERM tty-tiocsti
	blocked build EPERM tty-tiocsti
	twin default tty-tiocsti
	if ! has legacy_tiocsti; then
		without_seccomp default EIO tty-tiocsti
		skip "$FACT_WHY"
	fi
	escapes default seccomp tty-tiocsti
}

@test "tty-tiocsti-high: request 0x100005412 (high bits set) EPERM; escapes without seccomp" {
	blocked default EPERM tty-tiocsti-high
	blocked hosting EPERM tty-tiocsti-high
	blocked build EPERM tty-tiocsti-high
	twin default tty-tiocsti-high
	if ! has legacy_tiocsti; then
		without_seccomp default EIO tty-tiocsti-high
		skip "$FACT_WHY"
	fi
	escapes default seccomp tty-tiocsti-high
}

@test "tty-tioclinux: TIOCLINUX EPERM; without seccomp it reaches the tty driver" {
	blocked default EPERM tty-tioclinux
	blocked hosting EPERM tty-tioclinux
	twin default tty-tioclinux
	escapes default seccomp tty-tioclinux
	assert_output --partial "reached the tty driver"
}

@test "tty-tioclinux-high: request 0x10000541c EPERM; without seccomp it reaches the tty driver" {
	blocked default EPERM tty-tioclinux-high
	blocked hosting EPERM tty-tioclinux-high
	twin default tty-tioclinux-high
	escapes default seccomp tty-tioclinux-high
}

# tty_attack [--twin] OPTIONS...: tty-inherited with the caller's terminal a real pty (script(1)),
# named to the attack by its device.  (script, its input at an end, types its end-of-file
# character at once; the line discipline keeps one typed before lamina makes the terminal raw as
# a NUL, which the sandbox's pty echoes as ^@.)
tty_attack() {
	local twin=
	[ "${1:-}" = --twin ] && twin=--twin && shift
	run script -qec "$(printf '%q ' "$LAMINA" run -p default "$@" --ro-bind "$ADIR" "$ADIR" -- "$ATTACK" tty-inherited $twin) \"\$(stat -L -c %d:%r /dev/stdin)\"" /dev/null </dev/null
	output=${output//$'\r'/}
	output=${output//^@/}
	lines=()
	mapfile -t lines <<<"$output"
}

@test "tty-inherited: TIOCSTI on the caller's terminal EPERM; twin TIOCGWINSZ; escapes only without seccomp, the new session and the pty" {
	command -v script >/dev/null || skip "script(1) (util-linux) is needed for a controlling pty"
	tty_attack --no-pty
	assert_line --regexp '^blocked EPERM '
	tty_attack --twin
	assert_line --regexp '^ok '
	tty_attack --no-pty --unsafe-disable-layer session
	assert_line --regexp '^blocked EPERM '
	if ! has legacy_tiocsti; then
		# the kernel refuses TIOCSTI before it looks at whose terminal it is
		tty_attack --no-pty --unsafe-disable-layer seccomp
		assert_line --regexp '^blocked EIO '
		tty_attack --no-pty --unsafe-disable-layer seccomp --unsafe-disable-layer session
		assert_line --regexp '^blocked EIO '
		skip "$FACT_WHY"
	fi
	tty_attack --no-pty --unsafe-disable-layer seccomp
	assert_line --regexp '^blocked EPERM '
	tty_attack --no-pty --unsafe-disable-layer seccomp --unsafe-disable-layer session
	assert_line --regexp '^escaped '
	# with the pty (the default) stdin is the sandbox's own terminal: TIOCSTI there types into
	# the payload's own input, even with seccomp and the session removed
	tty_attack
	assert_line --regexp '^blocked OWNPTY .*\(TIOCSTI there: EPERM\)$'
	tty_attack --unsafe-disable-layer seccomp --unsafe-disable-layer session
	assert_line --regexp '^blocked OWNPTY .*\(TIOCSTI there: done\)$'
}

# tty_drive NAME [--twin] [LAMINA-OPTIONS...]: NAME with the caller's terminal a pty that
# tests/ptydrive creates and inspects after the sandbox has ended ($output: its facts, ldisc
# same|N, termios same|changed, terminal works|dead); the attack's verdict, written to a file so
# that it survives a broken terminal, in $verdict.
tty_drive() {
	local name=$1 twin=
	shift
	[ "${1:-}" = --twin ] && twin=--twin && shift
	command -v python3 >/dev/null || skip "python3 is needed to drive a pty"
	local v="$BATS_TEST_TMPDIR/verdict"
	run "$SRC_DIR/tests/ptydrive" --stdout "$v" --stderr "$v.err" -- \
		sh -c 'exec "$@" "$(stat -L -c %d:%r /dev/stdin)"' _ \
		"$LAMINA" run -p default "$@" --ro-bind "$ADIR" "$ADIR" -- "$ATTACK" "$name" $twin
	verdict=$(cat "$v")
	[ "$status" = 0 ] || { printf 'ptydrive failed (%s): %s\n' "$status" "$output" >&2; return 1; }
}

@test "tty-setd: TIOCSETD N_NULL reaches only the sandbox's own pty, the caller's terminal works after; twin on a pty of its own; escapes with --no-pty" {
	tty_drive tty-setd
	[[ "$verdict" =~ ^blocked\ OWNPTY\ .*\(TIOCSETD\ N_NULL\ there:\ done\)$ ]]
	assert_line "exit 0"
	assert_line "ldisc same"
	assert_line "terminal works"
	tty_drive tty-setd -p hosting
	[[ "$verdict" =~ ^blocked\ OWNPTY\  ]]
	assert_line "ldisc same"
	tty_drive tty-setd --twin
	[[ "$verdict" =~ ^ok\  ]]
	# without the pty the damage outlives the sandbox: the caller's terminal is dead
	tty_drive tty-setd --no-pty
	[[ "$verdict" =~ ^escaped\ ioctl\(0,\ TIOCSETD,\ N_NULL\)\ on\ the\ caller\'s\ terminal$ ]]
	assert_line "ldisc 27"
	assert_line "terminal dead"
	tty_drive tty-setd --unsafe-disable-layer terminal
	[[ "$verdict" =~ ^escaped\  ]]
	assert_line "ldisc 27"
}

@test "tty-termios: -echo -icanon -isig reaches only the sandbox's own pty, the caller's settings are unchanged after; twin; escapes with --no-pty" {
	tty_drive tty-termios
	[[ "$verdict" =~ ^blocked\ OWNPTY\ .*\(tcsetattr\ -echo\ -icanon\ -isig\ there:\ done\)$ ]]
	assert_line "exit 0"
	assert_line "termios same"
	assert_line "terminal works"
	tty_drive tty-termios --twin
	[[ "$verdict" =~ ^ok\  ]]
	tty_drive tty-termios --no-pty
	[[ "$verdict" =~ ^escaped\ tcsetattr\(0, ]]
	assert_line "termios changed"
	tty_drive tty-termios --unsafe-disable-layer terminal
	[[ "$verdict" =~ ^escaped\  ]]
	assert_line "termios changed"
}

# ---- std fds -----------------------------------------------------------------------------------------
# The std-fd layer is on in stdio and strict, off in hosting (a web application's children get
# their fds 0-2 by dup2): there the same calls go through, with every other layer on.

# hosting_allows NAME: under hosting the attempt works (the attack reports it got through).
hosting_allows() {
	attack hosting -- "$1"
	assert_output --regexp '^escaped( |$)'
	assert_failure 1
	assert_stderr ""
}

@test "stdfd-close: close(2) killed (SIGSYS) under stdio, allowed under hosting; twin closes a non-std fd; escapes without stdfd" {
	blocked stdio SIGSYS stdfd-close
	hosting_allows stdfd-close
	twin stdio stdfd-close
	escapes stdio stdfd stdfd-close
	escapes stdio seccomp stdfd-close
}

@test "stdfd-close-high: close(0x100000001) killed (the fd is compared as 32 bits); escapes without stdfd" {
	blocked stdio SIGSYS stdfd-close-high
	hosting_allows stdfd-close-high
	twin stdio stdfd-close-high
	escapes stdio stdfd stdfd-close-high
	assert_output --partial "closed fd 1"
}

@test "stdfd-dup2: dup2(2, 1) killed; twin dup2(1, 2), the seed's exception; escapes without stdfd" {
	blocked stdio SIGSYS stdfd-dup2
	hosting_allows stdfd-dup2
	twin stdio stdfd-dup2
	twin hosting stdfd-dup2
	escapes stdio stdfd stdfd-dup2
}

@test "stdfd-dup2-high: dup2(2, 0x100000001) killed; escapes without stdfd" {
	blocked stdio SIGSYS stdfd-dup2-high
	hosting_allows stdfd-dup2-high
	twin stdio stdfd-dup2-high
	escapes stdio stdfd stdfd-dup2-high
}

@test "stdfd-dup3: dup3(2, 1, 0) killed; twin dup3 onto fd 10; escapes without stdfd" {
	blocked stdio SIGSYS stdfd-dup3
	hosting_allows stdfd-dup3
	twin stdio stdfd-dup3
	escapes stdio stdfd stdfd-dup3
}

@test "stdfd-close-range: close_range(0, ~0) killed; twin close_range(3, ~0); escapes without stdfd" {
	blocked stdio SIGSYS stdfd-close-range
	hosting_allows stdfd-close-range
	twin stdio stdfd-close-range
	escapes stdio stdfd stdfd-close-range
}

# strict: fork and every file open are fatal there, so the attempt runs in the attack's only
# process (--inline); the kill shows as exit 159 and the report names the call and the rule.
strict_stdfd() { # NAME CALL
	run --separate-stderr "$LAMINA" run -p strict --report --ro-bind "$ADIR" "$ADIR" -- "$ATTACK" --inline "$1"
	assert_failure 159
	assert_stderr --regexp "killed pid [0-9]+ at $2"
	# without seccomp the same program gets through (exit 1: escaped, stdout maybe gone with it)
	run --separate-stderr "$LAMINA" run -p strict --unsafe-disable-layer seccomp --ro-bind "$ADIR" "$ADIR" -- "$ATTACK" --inline "$1"
	assert_failure 1
}

@test "stdfd under strict: every std-fd attack is killed at its call (159); twin dup2(1, 2) runs there; each gets through without seccomp" {
	run --separate-stderr "$LAMINA" run -p strict --ro-bind "$ADIR" "$ADIR" -- "$ATTACK" --inline stdfd-dup2 --twin
	assert_success
	assert_output "ok dup2(1, 2)"
	strict_stdfd stdfd-close 'close\(2'
	strict_stdfd stdfd-close-high 'close\(0x100000001'
	strict_stdfd stdfd-dup2 'dup2\(2, 1'
	strict_stdfd stdfd-dup2-high 'dup2\(2, 0x100000001'
	strict_stdfd stdfd-dup3 'dup3\(2, 1'
	strict_stdfd stdfd-close-range 'close_range\(0, 0xffffffff'
}

@test "stdfd: the default profile has no std-fd layer (shells redirect with dup2): dup2(2, 1) works there" {
	attack default -- stdfd-dup2
	assert_output --regexp '^escaped dup2\(2, 1\)'
	attack build -- stdfd-close-range
	assert_output --regexp '^escaped '
}

# ---- a directory fd leaked by the caller -----------------------------------------------------------

@test "fd-leak: a host directory fd left open by the caller is closed (EBADF); twin fchdir inside; escapes without fds" {
	attack default -- fd-leak 20 20</tmp
	assert_output --regexp '^blocked EBADF( |$)'
	attack hosting -- fd-leak 20 20</tmp
	assert_output --regexp '^blocked EBADF( |$)'
	twin default fd-leak
	attack default --unsafe-disable-layer fds -- fd-leak 20 20</tmp
	assert_output --regexp '^escaped fchdir\(20\)'
	assert_failure 1
}

# ---- host canaries and writes ------------------------------------------------------------------------

@test "canary-tmp: a secret in the host's /tmp is not there (ENOENT); twin reads a sandbox file; escapes without pivot" {
	local c
	c=$(mktemp /tmp/lamina-canary.XXXXXX)
	CLEANUP="$c"
	echo "secret-$$" >"$c"
	chmod 644 "$c"
	blocked default ENOENT canary-tmp "$c"
	blocked hosting ENOENT canary-tmp "$c"
	twin default canary-tmp
	escapes default pivot canary-tmp "$c"
	refute_output --partial "secret-$$"
}

@test "canary-home: a secret in \$HOME is not there (ENOENT); without pivot only file modes remain" {
	local c
	c=$(mktemp "$HOME/.lamina-canary.XXXXXX")
	CLEANUP="$c"
	echo "secret-$$" >"$c"
	chmod 644 "$c"
	blocked default ENOENT canary-home "$c"
	blocked hosting ENOENT canary-home "$c"
	twin default canary-home
	attack default --unsafe-disable-layer pivot -- canary-home "$c"
	if is_root && [ "$(stat -c %a "$HOME")" = 700 ]; then
		# root's payload runs as an unprivileged host uid: /root (0700) still stops it
		assert_output --regexp '^blocked EACCES( |$)'
	else
		assert_output --regexp '^escaped read '
	fi
	refute_output --partial "secret-$$"
}

@test "fs-write-root: / is read-only (EROFS); twin writes /tmp; without pivot file modes answer" {
	blocked default EROFS fs-write-root
	blocked hosting EROFS fs-write-root
	twin default fs-write-root
	attack default --unsafe-disable-layer pivot -- fs-write-root
	assert_output --regexp '^blocked E[A-Z]+( |$)'
	refute_output --regexp '^blocked EROFS'
}

@test "fs-write-usr: /usr is read-only (EROFS); twin writes /tmp" {
	blocked default EROFS fs-write-usr
	blocked hosting EROFS fs-write-usr
	twin default fs-write-usr
	without_seccomp default EROFS fs-write-usr
}

# ---- /dev ------------------------------------------------------------------------------------------------

@test "dev-mknod: a character device EACCES (Landlock never allows one), EPERM without it; twin makes a FIFO" {
	blocked default EACCES dev-mknod
	blocked hosting EACCES dev-mknod
	twin default dev-mknod
	without_seccomp default EACCES dev-mknod
	# the wall behind: no CAP_MKNOD
	attack default --unsafe-disable-layer landlock -- dev-mknod
	assert_output --regexp '^blocked EPERM( |$)'
}

@test "dev-disk: no host disk in /dev (ENOENT); twin opens /dev/null; without pivot file modes answer" {
	blocked default ENOENT dev-disk
	blocked hosting ENOENT dev-disk
	twin default dev-disk
	attack default --unsafe-disable-layer pivot -- dev-disk
	assert_output --regexp '^blocked [A-Z,]+( |$)'
	refute_output --regexp '^blocked ENOENT( |$)'
}

@test "dev-mem: /dev/mem, /dev/kmem, /dev/port are not there (ENOENT); twin opens /dev/zero" {
	blocked default ENOENT dev-mem
	blocked hosting ENOENT dev-mem
	twin default dev-mem
	without_seccomp default ENOENT dev-mem
}

# ---- network -------------------------------------------------------------------------------------------

@test "net-ifaces: only lo; twin: lo is there; escapes without netns" {
	blocked default ONLY_LO net-ifaces
	blocked hosting ONLY_LO net-ifaces
	twin default net-ifaces
	escapes default netns net-ifaces
}

@test "net-tcp: a host listener on 127.0.0.1 is unreachable (ECONNREFUSED); twin connects inside; escapes without netns" {
	serve tcp
	blocked default ECONNREFUSED net-tcp "$ENDPOINT"
	blocked hosting ECONNREFUSED net-tcp "$ENDPOINT"
	twin default net-tcp
	escapes default netns net-tcp "$ENDPOINT"
}

@test "net-udp: a host UDP echo on 127.0.0.1 never answers (ECONNREFUSED); twin inside; escapes without netns" {
	serve udp
	blocked default ECONNREFUSED net-udp "$ENDPOINT"
	blocked hosting ECONNREFUSED net-udp "$ENDPOINT"
	twin default net-udp
	escapes default netns net-udp "$ENDPOINT"
}

@test "net-unix: a host abstract unix socket is unreachable (ECONNREFUSED); twin inside; escapes without netns and landlock" {
	serve unix
	blocked default ECONNREFUSED net-unix "$ENDPOINT"
	blocked hosting ECONNREFUSED net-unix "$ENDPOINT"
	twin default net-unix
	# in the host's network namespace, Landlock's scope still refuses it
	attack default --unsafe-disable-layer netns -- net-unix "$ENDPOINT"
	assert_output --regexp '^blocked EPERM( |$)'
	escapes default "netns landlock" net-unix "$ENDPOINT"
}

# ---- pid namespace ---------------------------------------------------------------------------------------

@test "pid-visible: a host pid is not in /proc (ENOENT); twin sees its own; escapes without pivot" {
	blocked default ENOENT pid-visible $$
	blocked hosting ENOENT pid-visible $$
	twin default pid-visible
	escapes default pivot pid-visible $$
}

@test "pid-kill: kill(host pid, 0) ESRCH; twin kill(self, 0); escapes without namespaces" {
	blocked default ESRCH pid-kill $$
	blocked hosting ESRCH pid-kill $$
	twin default pid-kill
	escapes default namespaces pid-kill $$
}

# ---- processes left after exit ---------------------------------------------------------------------------

@test "proc-leftover: a setsid double-forked sleeper dies with the sandbox; twin sees it run inside; it survives without namespaces" {
	local mark="lmo$$x"
	attack default -- proc-leftover "$mark"
	assert_output --regexp '^pending '
	assert_success
	run pgrep -x "$mark"
	assert_failure 1
	attack hosting -- proc-leftover "$mark"
	run pgrep -x "$mark"
	assert_failure 1
	twin default proc-leftover
	attack default --unsafe-disable-layer namespaces -- proc-leftover "$mark"
	assert_output --regexp '^pending '
	run pgrep -x "$mark"
	assert_success
	kill -KILL $output
}

# ---- environment ------------------------------------------------------------------------------------------

@test "env-leak: the caller's secret variable is not passed (ENOENT); twin sees a --setenv one; escapes without env" {
	LM_SECRET_TOKEN=hunter2 attack default -- env-leak LM_SECRET_TOKEN
	assert_output --regexp '^blocked ENOENT( |$)'
	LM_SECRET_TOKEN=hunter2 attack hosting -- env-leak LM_SECRET_TOKEN
	assert_output --regexp '^blocked ENOENT( |$)'
	twin default env-leak --setenv LM_TWIN_VAR yes -- LM_TWIN_VAR
	LM_SECRET_TOKEN=hunter2 attack default --unsafe-disable-layer env -- env-leak LM_SECRET_TOKEN
	assert_output --regexp '^escaped \$LM_SECRET_TOKEN is set'
	refute_output --partial hunter2
}

# ---- rlimits ------------------------------------------------------------------------------------------------

@test "rlimit-fork: a bounded fork bomb stops at nproc (EAGAIN); twin forks 8; escapes without rlimits" {
	blocked default EAGAIN rlimit-fork
	blocked hosting EAGAIN rlimit-fork
	twin default rlimit-fork
	escapes default rlimits rlimit-fork
}

@test "rlimit-memory: 64 GiB of address space refused (ENOMEM); twin maps 1 MiB; escapes without rlimits" {
	if [ -n "${LAMINA_ASAN:-}" ]; then
		skip "ASan build: lamina cannot apply RLIMIT_AS (its shadow memory needs the address space); the plain build runs this"
	fi
	blocked hosting ENOMEM rlimit-memory
	blocked default ENOMEM rlimit-memory
	twin default rlimit-memory
	escapes hosting rlimits rlimit-memory
}

@test "rlimit-fsize: a 64 GiB sparse file EFBIG; twin writes 4 KiB; escapes without rlimits" {
	blocked default EFBIG rlimit-fsize
	blocked hosting EFBIG rlimit-fsize
	twin default rlimit-fsize
	escapes default rlimits rlimit-fsize
}

@test "rlimit-cpu: a CPU limit holds (watched with cpu=1: SIGKILL at the hard limit); escapes without rlimits" {
	attack default --rlimit cpu=1 -- rlimit-cpu
	assert_output --regexp '^blocked SIG(XCPU|KILL)( |$)'
	blocked hosting LIMITED rlimit-cpu
	blocked default '(SIG(XCPU|KILL)|LIMITED)' rlimit-cpu
	twin default rlimit-cpu
	escapes hosting rlimits rlimit-cpu
}

@test "rlimit-core: no core dump (hard limit 0); twin lowers its own limit; escapes without rlimits" {
	require core_file
	blocked default NOCORE rlimit-core
	blocked hosting NOCORE rlimit-core
	twin default rlimit-core
	if [ "$(ulimit -Hc)" = 0 ]; then
		skip "the caller's own hard core limit is 0: no sandbox can raise it"
	fi
	escapes default rlimits rlimit-core
}

# ---- what only Landlock stops ---------------------------------------------------------------------------

# escapes_with LAYER [LAMINA-OPTIONS...] -- NAME [ARG]: with LAYER removed (and the options the
# attack runs with), the attack gets through.
escapes_with() {
	local layer=$1
	shift
	attack default --unsafe-disable-layer "$layer" "$@"
	assert_output --regexp '^escaped( |$)'
	assert_failure 1
	assert_stderr --partial "WARNING: layer '$layer' disabled"
}

@test "landlock-write: a writable bind outside --allow-write's places EACCES; twin writes /tmp; escapes without landlock" {
	local d=$BATS_TEST_TMPDIR/bind
	mkdir "$d"
	chmod 777 "$d" # as root the payload is host uid 65534
	attack default --bind "$d" /data --allow-write /tmp -- landlock-write /data
	assert_output --regexp '^blocked EACCES create /data/'
	attack hosting --bind "$d" /data --allow-write /tmp -- landlock-write /data
	assert_output --regexp '^blocked EACCES( |$)'
	twin default landlock-write --bind "$d" /data --allow-write /tmp
	escapes_with landlock --bind "$d" /data --allow-write /tmp -- landlock-write /data
	run ls -A "$d"
	assert_output "" # the attack removed what it wrote
}

@test "landlock-connect: a host TCP port --allow-connect does not name EACCES under --share-net; twin connects to a named one; escapes without landlock" {
	serve tcp
	local other=$((ENDPOINT < 65535 ? ENDPOINT + 1 : ENDPOINT - 1))
	attack default --share-net --allow-connect "$other" -- landlock-connect "$ENDPOINT"
	assert_output "blocked EACCES TCP connect to 127.0.0.1:$ENDPOINT"
	attack hosting --share-net --allow-connect "$other" -- landlock-connect "$ENDPOINT"
	assert_output --regexp '^blocked EACCES( |$)'
	twin default landlock-connect --share-net --allow-connect "$ENDPOINT" -- "$ENDPOINT"
	escapes_with landlock --share-net --allow-connect "$other" -- landlock-connect "$ENDPOINT"
}

@test "landlock-abstract: a host abstract unix socket EPERM under --share-net (scoped); twin inside; escapes without landlock" {
	serve unix
	attack default --share-net -- landlock-abstract "$ENDPOINT"
	assert_output "blocked EPERM connect to abstract socket @$ENDPOINT"
	attack hosting --share-net -- landlock-abstract "$ENDPOINT"
	assert_output --regexp '^blocked EPERM( |$)'
	twin default landlock-abstract --share-net
	escapes_with landlock --share-net -- landlock-abstract "$ENDPOINT"
}

@test "landlock-signal: a signal to init, outside the payload's domain, EPERM; twin signals its own child; escapes without landlock" {
	blocked default EPERM landlock-signal
	blocked hosting EPERM landlock-signal
	twin default landlock-signal
	escapes default landlock landlock-signal
}

# ---- resources (the sandbox's cgroup) -------------------------------------------------------------------------

# The limits the resources attacks run under (the layer does nothing without a limit), as
# lamina demo gives them; a caller that cannot have a cgroup skips with lamina's reason.
RES=(--memory 128M --pids 64)
need_res() {
	local err
	err=$("$LAMINA" run "${RES[@]}" -- /bin/true 2>&1) || skip "no cgroup for uid $(id -u) here: ${err#lamina: }"
}

@test "res-shm-memory: /dev/shm holds half of --memory 128M (ENOSPC at 64 of 512 MiB); twin writes 4 MiB; escapes without the resources layer" {
	attack default "${RES[@]}" --unsafe-disable-layer resources -- res-shm-memory
	assert_output --regexp '^escaped 512 of 512 MiB written to /dev/shm$'
	assert_failure 1
	assert_stderr --partial "WARNING: layer 'resources' disabled"
	need_res
	attack default "${RES[@]}" -- res-shm-memory
	assert_output --regexp '^blocked ENOSPC 64 of 512 MiB written to /dev/shm$'
	assert_success
	twin default res-shm-memory "${RES[@]}"
}

@test "res-process-count: 256 processes at once stop at --pids 64 (EAGAIN, the harness and the attempt counted); twin holds 8; escapes without the resources layer" {
	attack default "${RES[@]}" --unsafe-disable-layer resources -- res-process-count
	assert_output --regexp '^escaped 256 of 256 processes at once$'
	assert_failure 1
	need_res
	attack default "${RES[@]}" -- res-process-count
	assert_output --regexp '^blocked EAGAIN 62 of 256 processes at once$'
	assert_success
	twin default res-process-count "${RES[@]}"
}
