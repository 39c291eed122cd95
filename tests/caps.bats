#!/usr/bin/env bats
# Layer 6: capabilities, no_new_privs, non-dumpable.
load helpers

caps_of_payload='grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/self/status | tr -s "\t" " "'

@test "caps: every capability set is empty and no_new_privs is set (a payload that is not root inside)" {
	run --separate-stderr lm --uid 1000 --gid 1000 -- /bin/sh -c "$caps_of_payload"
	assert_success
	assert_output "$(printf 'CapInh: 0000000000000000\nCapPrm: 0000000000000000\nCapEff: 0000000000000000\nCapBnd: 0000000000000000\nCapAmb: 0000000000000000\nNoNewPrivs: 1')"
}

@test "caps: uid 0 inside gets no capability back on exec where only one id is mapped (securebits locked)" {
	# as root, one id is --host-uid's mapping (a range keeps root's identity capabilities:
	# tests/identity.bats)
	local one=()
	is_root && one=(--host-uid 65534 --host-gid 65534)
	run --separate-stderr lm "${one[@]}" --uid 0 --gid 0 -- /bin/sh -c 'id -u; grep -E "^Cap(Eff|Prm)" /proc/self/status | tr -s "\t" " "'
	assert_success
	assert_output "$(printf '0\nCapPrm: 0000000000000000\nCapEff: 0000000000000000')"
}

@test "caps: twin: with the caps layer removed the payload holds capabilities (so the test above can fail)" {
	run --separate-stderr lm --uid 0 --unsafe-disable-layer caps -- /bin/sh -c 'grep ^CapBnd /proc/self/status | tr -s "\t" " "'
	assert_success
	refute_output "CapBnd: 0000000000000000"
	assert_stderr --partial "WARNING: layer 'caps' disabled"
	run --separate-stderr lm --unsafe-disable-layer nnp --unsafe-disable-layer landlock --unsafe-disable-layer seccomp -- /bin/sh -c 'grep ^NoNewPrivs /proc/self/status | tr -s "\t" " "'
	assert_output "NoNewPrivs: 0"
}

@test "caps: without no_new_privs Landlock and seccomp still apply (sys_admin kept until execve, which drops it); without caps and nnp too" {
	# no_new_privs off, every capability gone after execve, Landlock (/proc/self/comm) and
	# seccomp (unshare of a user namespace) in force
	local py='import errno
print(open("/proc/self/status").read().count("NoNewPrivs:\t0"), end=" ")
for l in open("/proc/self/status"):
    if l.startswith(("CapEff", "CapPrm", "CapBnd")): print(l.split()[1], end=" ")
try:
    open("/proc/self/comm", "w").write("x")
    print("comm ok", end=" ")
except OSError as e:
    print("comm", errno.errorcode[e.errno], end=" ")
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.unshare(0x10000000)
print("unshare", "ok" if r == 0 else errno.errorcode[ctypes.get_errno()])'
	run --separate-stderr lm --uid 1000 --gid 1000 --unsafe-disable-layer nnp -- /usr/bin/python3 -c "$py"
	assert_success
	assert_output "1 0000000000000000 0000000000000000 0000000000000000 comm EACCES unshare EPERM"
	assert_stderr --partial "WARNING: layer 'nnp' disabled"
	# root of a range: its identity capabilities, never sys_admin (bit 21)
	run --separate-stderr lm --uid 0 --gid 0 --unsafe-disable-layer nnp -- /bin/sh -c 'grep -E "^(CapEff|CapBnd)" /proc/self/status | tr -s "\t" " "'
	assert_success
	local eff
	eff=$(printf '%s\n' "$output" | awk '/^CapEff/ {print $2}')
	[ $((0x$eff & (1 << 21))) -eq 0 ]
	# twin: the same checks with Landlock and seccomp removed get through (so the above can fail)
	run --separate-stderr lm --uid 1000 --gid 1000 --unsafe-disable-layer nnp --unsafe-disable-layer landlock \
		--unsafe-disable-layer seccomp -- /usr/bin/python3 -c "$py"
	assert_success
	assert_output --regexp "^1 0+ 0+ 0+ comm ok unshare "
	# without caps and nnp the payload holds its capabilities, which the layers need
	run --separate-stderr lm --unsafe-disable-layer nnp --unsafe-disable-layer caps -- /bin/echo ran
	assert_success
	assert_output ran
	require userns
	run --separate-stderr lm --uid 1000 --gid 1000 --unsafe-disable-layer nnp --unsafe-disable-layer landlock \
		--unsafe-disable-layer seccomp -- /usr/bin/python3 -c "$py"
	assert_output --regexp " unshare ok$"
}

@test "caps: a privileged operation fails without capabilities (sethostname -> EPERM); twin with caps" {
	local py='import socket, errno
try:
    socket.sethostname("evil"); print(socket.gethostname())
except OSError as e:
    print(errno.errorcode[e.errno])'
	run --separate-stderr lm --uid 0 --unsafe-disable-layer seccomp -- /usr/bin/python3 -c "$py"
	assert_success
	assert_output EPERM
	run --separate-stderr lm --uid 0 --unsafe-disable-layer seccomp --unsafe-disable-layer caps -- /usr/bin/python3 -c "$py"
	assert_success
	assert_output evil
}

@test "caps: init is not dumpable: the payload cannot read /proc/1/environ or /proc/1/mem; its own works (twin)" {
	run --separate-stderr lm -- /bin/cat /proc/1/environ
	assert_failure 1
	assert_stderr --partial "Permission denied"
	run --separate-stderr lm -- /bin/sh -c 'head -c 1 /proc/self/environ | wc -c'
	assert_success
	assert_output 1
	run --separate-stderr lm -- /usr/bin/readlink /proc/1/exe
	assert_failure 1
}

@test "caps: a setuid binary does not elevate (no_new_privs, nosuid)" {
	[ -u /usr/bin/su ] || [ -u /bin/su ] || skip "no setuid su on this host"
	run --separate-stderr lm -- /bin/su -c id root
	assert_failure
	run --separate-stderr lm -- /bin/sh -c 'grep " /usr " /proc/self/mounts'
	assert_output --partial nosuid
}
