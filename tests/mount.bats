#!/usr/bin/env bats
# Layer 3: the root filesystem.
load helpers

setup() { make_scratch; }
teardown() { teardown_scratch; }

@test "mount: the default root is read-only; /tmp is writable (twin)" {
	run --separate-stderr lm -- /bin/sh -c 'echo x > /newfile'
	assert_failure 2
	assert_stderr --partial "Read-only file system"
	run --separate-stderr lm -- /bin/sh -c 'echo x > /tmp/f && cat /tmp/f'
	assert_success
	assert_output x
}

@test "mount: host /usr is read-only inside" {
	run --separate-stderr lm -- /usr/bin/touch /usr/lamina-test
	assert_failure 1
	assert_stderr --partial "Read-only file system"
	run --separate-stderr lm -- /bin/ls /usr/bin/env
	assert_success
}

@test "mount: the root holds /usr, the /bin /lib links, /etc, /tmp, /proc, /dev, HOME and nothing else (no /sys)" {
	run --separate-stderr env HOME=/root "$LAMINA" run -- /bin/ls -A /
	assert_success
	for d in usr etc tmp proc dev bin lib root; do assert_line "$d"; done
	refute_line sys
	refute_line home
	refute_line var
	# HOME elsewhere: /root is not made
	run --separate-stderr env HOME=/home/someone "$LAMINA" run -- /bin/ls -A /
	assert_line home
	refute_line root
	if [ -L /bin ]; then
		run --separate-stderr lm -- /usr/bin/readlink /bin
		assert_output "$(readlink /bin)"
	fi
}

@test "mount: host files outside the sandbox are invisible; a --ro-bind makes them visible (twin)" {
	echo secret-canary > "$SCRATCH/canary"
	run --separate-stderr lm -- /bin/cat "$SCRATCH/canary"
	assert_failure 1
	assert_stderr --partial "No such file or directory"
	run --separate-stderr lm --ro-bind "$SCRATCH" /data -- /bin/cat /data/canary
	assert_success
	assert_output secret-canary
}

@test "mount: --ro-bind is read-only, --bind is writable and visible on the host" {
	run --separate-stderr lm --ro-bind "$SCRATCH" /data -- /bin/sh -c 'echo x > /data/f'
	assert_failure 2
	assert_stderr --partial "Read-only file system"
	[ ! -e "$SCRATCH/f" ]
	# as root with --host-uid 65534 the payload is host uid 65534: it may write only where
	# 65534 may
	local one=()
	is_root && chown 65534:65534 "$SCRATCH" && one=(--host-uid 65534 --host-gid 65534)
	run --separate-stderr lm "${one[@]}" --bind "$SCRATCH" /data -- /bin/sh -c 'echo written > /data/f'
	assert_success
	[ "$(cat "$SCRATCH/f")" = written ]
}

@test "mount: as root, a writable bind of a root-owned directory is still not writable (the payload is not host root)" {
	is_root || skip "needs root: checks the root-to-65534 mapping"
	chmod 755 "$SCRATCH"
	run --separate-stderr lm --host-uid 65534 --host-gid 65534 --bind "$SCRATCH" /data -- /bin/sh -c 'echo x > /data/f'
	assert_failure 2
	assert_stderr --partial "Permission denied"
	# twin: with the directory open to 65534, the same write works
	chown 65534 "$SCRATCH"
	run --separate-stderr lm --host-uid 65534 --host-gid 65534 --bind "$SCRATCH" /data -- /bin/sh -c 'echo x > /data/f'
	assert_success
}

@test "mount: --tmpfs is private and writable; binds apply in command-line order" {
	mkdir "$SCRATCH/sub" && echo inner > "$SCRATCH/sub/i"
	run --separate-stderr lm --tmpfs /work --ro-bind "$SCRATCH/sub" /work/sub -- /bin/sh -c 'echo t > /work/t && cat /work/t /work/sub/i'
	assert_success
	assert_output $'t\ninner'
	# reversed order: the tmpfs now hides the bind
	run --separate-stderr lm --ro-bind "$SCRATCH/sub" /work/sub --tmpfs /work -- /bin/ls -A /work
	assert_success
	assert_output ""
}

@test "mount: a file can be bound onto a file" {
	echo one > "$SCRATCH/one"
	run --separate-stderr lm --ro-bind "$SCRATCH/one" /etc/one.conf -- /bin/cat /etc/one.conf
	assert_success
	assert_output one
}

@test "mount: a missing source is an error before anything runs" {
	run --separate-stderr lm --bind "$SCRATCH/missing" /x -- /bin/sh -c "touch $SCRATCH/ran"
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "$SCRATCH/missing: No such file or directory"
	[ ! -e "$SCRATCH/ran" ]
}

@test "mount: a destination with '..' is refused" {
	run --separate-stderr lm --ro-bind "$SCRATCH" /tmp/../../x -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "escapes the root through '..'"
	run --separate-stderr lm --ro-bind "$SCRATCH" relative -- /bin/true
	assert_failure 125
	assert_stderr --partial "absolute path"
}

@test "mount: a destination through a symlink that leaves the root is refused (--rootfs)" {
	local r=$SCRATCH/root
	mkdir -p "$r"/{proc,dev,tmp,bin,inside}
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	ln -s /etc "$r/esc"           # absolute: would resolve to the host's /etc while building
	ln -s ../../../../.. "$r/up"  # relative, climbing out
	ln -s inside "$r/ok"          # relative, staying inside
	mkdir "$SCRATCH/src"
	run --separate-stderr lm -p build --rootfs "$r" --ro-bind "$SCRATCH/src" /esc/x -- /bin/sh -c 'echo ran'
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "escapes the root"
	run --separate-stderr lm -p build --rootfs "$r" --ro-bind "$SCRATCH/src" /up/x -- /bin/sh -c 'echo ran'
	assert_failure 125
	assert_stderr --partial "escapes the root"
	# twin: a symlink that stays inside is followed (to an existing mount point)
	mkdir "$r/inside/x"
	run --separate-stderr lm -p build --rootfs "$r" --ro-bind "$SCRATCH/src" /ok/x -- /bin/sh -c 'echo ran'
	assert_success
	assert_output ran
}

@test "mount: --rootfs is read-only and gets /proc, /dev and /tmp" {
	local r=$SCRATCH/root
	mkdir -p "$r"/{proc,dev,tmp,bin}
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	run --separate-stderr lm -p build --rootfs "$r" -- /bin/sh -c 'busybox touch /x 2>&1; echo > /tmp/ok && busybox ls /dev/null /proc/self/status /tmp/ok'
	assert_success
	assert_line --partial "Read-only file system"
	assert_line /dev/null
	assert_line /proc/self/status
	assert_line /tmp/ok
	[ ! -e "$r/tmp/ok" ]
}

@test "mount: --rootfs without /proc is a clear error" {
	mkdir -p "$SCRATCH/r/dev" "$SCRATCH/r/tmp"
	run --separate-stderr lm --rootfs "$SCRATCH/r" -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "has no /proc directory"
	run --separate-stderr lm --rootfs "$SCRATCH/none" -- /bin/true
	assert_failure 125
	assert_stderr --partial "No such file or directory"
}

@test "mount: /proc is the new pid namespace's, nosuid nodev noexec" {
	run --separate-stderr lm -- /bin/sh -c 'ls /proc | grep -c "^[0-9]*$"'
	assert_success
	[ "$output" -le 4 ]
	run --separate-stderr lm -- /bin/sh -c 'grep " /proc proc " /proc/self/mounts'
	assert_output --partial "nosuid,nodev,noexec"
}

@test "mount: /proc/kallsyms, keys, timer_list (and kcore where it exists) are masked; /proc/sys is read-only, readable (twin)" {
	local n=0 twins=0
	for f in kallsyms keys timer_list kcore sysrq-trigger; do
		[ -e /proc/$f ] || continue
		n=$((n + 1))
		run --separate-stderr lm -- /bin/sh -c "head -c 64 /proc/$f | wc -c"
		assert_output 0
		# twin: the host's own file is not empty (where this caller may read it)
		if [ "$(head -c 64 /proc/$f 2>/dev/null | wc -c)" -gt 0 ]; then twins=$((twins + 1)); fi
	done
	run --separate-stderr lm -- /bin/sh -c 'echo 1 > /proc/sys/kernel/ns_last_pid'
	assert_failure 2
	assert_stderr --partial "Read-only file system"
	run --separate-stderr lm -- /bin/cat /proc/sys/kernel/hostname
	assert_success
	assert_output lamina
	# The kernel decides which of these files exist, never the verdict: the masking is shown
	# only by a file the host has with content.
	[ "$n" -gt 0 ] || skip "this kernel's /proc has none of kallsyms, keys, timer_list, kcore, sysrq-trigger"
	[ "$twins" -gt 0 ] || skip "none of this kernel's /proc/{kallsyms,keys,timer_list,kcore,sysrq-trigger} has content for this caller: masked and empty look alike"
}

@test "mount: /proc/acpi, asound, scsi (those the host has) are an empty read-only tmpfs; the host's are proc (twin)" {
	local n=0
	for d in acpi asound scsi; do
		[ -d /proc/$d ] || continue
		n=$((n + 1))
		# twin: the host's directory is the kernel's own
		[ "$(stat -f -c %T /proc/$d)" = proc ]
		run --separate-stderr lm -- /bin/sh -c "stat -f -c %T /proc/$d; ls -A /proc/$d | wc -l; mkdir /proc/$d/x"
		assert_failure 1
		assert_output $'tmpfs\n0'
		assert_stderr --partial "Read-only file system"
	done
	if [ "$n" = 0 ]; then
		skip "this host's /proc has none of acpi, asound, scsi"
	fi
}

@test "mount: /dev holds only the safe nodes, a new devpts, shm, mqueue; it is read-only" {
	run --separate-stderr lm -- /bin/ls -A /dev
	assert_success
	assert_output "$(printf '%s\n' fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero)"
	# /dev/mqueue is the sandbox's own ipc namespace's: a queue made inside shows there, the
	# host's are not (a host queue would be listed by name)
	run --separate-stderr lm -- /usr/bin/python3 -c 'import ctypes, os
rt = ctypes.CDLL("librt.so.1", use_errno=True)
q = rt.mq_open(b"/lamina-test-q", os.O_CREAT | os.O_RDWR, 0o600, None)
print(q >= 0, os.listdir("/dev/mqueue"))'
	assert_success
	assert_output "True ['lamina-test-q']"
	run --separate-stderr lm -- /bin/sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && echo > /dev/shm/x && echo shm-ok'
	assert_output $'4\nshm-ok'
	run --separate-stderr lm -- /usr/bin/touch /dev/sda
	assert_failure 1
	assert_stderr --partial "Read-only file system"
}

@test "mount: a new devpts instance gives the payload ptys (and none of the host's)" {
	run --separate-stderr lm -- /usr/bin/python3 -c 'import os; m, s = os.openpty(); print(os.ttyname(s)); print(sorted(os.listdir("/dev/pts")))'
	assert_success
	assert_line /dev/pts/0
	assert_line "['0', 'ptmx']"
}

@test "mount: the old root is detached: the host's mounts are gone" {
	run --separate-stderr lm -- /bin/cat /proc/self/mountinfo
	assert_success
	refute_output --partial " $SRC_DIR "
	run --separate-stderr lm -- /bin/ls "$SRC_DIR"
	assert_failure 2
	# twin: bound in, it is there
	run --separate-stderr lm --ro-bind "$SRC_DIR" /src -- /bin/ls /src/meson.build
	assert_success
}

@test "mount: /etc has the sandbox's passwd, group, hosts and what host programs need" {
	run --separate-stderr lm -- /bin/sh -c 'getent passwd $(id -u) | cut -d: -f3; grep -c "^127.0.0.1.*localhost lamina" /etc/hosts; test -e /etc/ld.so.cache && echo cache; test -d /etc/alternatives && echo alt'
	assert_success
	assert_line --index 0 "$(id -u)"
	assert_line --index 1 1
	assert_line cache
	assert_line alt
	run --separate-stderr lm -- /bin/cat /etc/shadow
	assert_failure 1
}

@test "mount: --chdir sets the working directory; a missing one is an error" {
	run --separate-stderr lm --chdir /tmp -- /bin/pwd
	assert_output /tmp
	run --separate-stderr lm --chdir /nonexistent -- /bin/pwd
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "chdir: /nonexistent: No such file or directory"
}

@test "mount: a device can be bound into /dev, which is read-only afterwards all the same" {
	[ -c /dev/fuse ] || skip "no /dev/fuse on this host to bind"
	run --separate-stderr lm --ro-bind /dev/fuse /dev/fuse -- /bin/sh -c 'test -c /dev/fuse && echo char; touch /dev/x'
	assert_failure 1
	assert_line char
	assert_stderr --partial "Read-only file system"
}
