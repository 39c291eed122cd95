#!/usr/bin/env bats
# Mounts for everyday use: writable binds that work as root (idmapped), a private HOME that git
# can use, refusals of mounts that make no sense, mount points on a scratch layer, and the
# options bubblewrap users reach for (--tmpfs size/mode, -try binds, --symlink, --file,
# --bind-data, --overlay, --overlay-upper), as options and as profile directives.
load helpers

OWNER=4242 # as root: a user other than root and other than the sandbox's host uid

setup() { make_scratch; }
teardown() {
	[ -n "${SCRATCH:-}" ] && chmod -R u+rwX "$SCRATCH" 2>/dev/null
	teardown_scratch
}

need() { command -v "$1" >/dev/null || skip "no $1 on this host"; }

# A tree for the sandbox to write: owned by OWNER as root, by the caller otherwise.
owned_tree() {
	mkdir -p "$1"
	echo original >"$1/existing"
	if is_root; then chown -R $OWNER:$OWNER "$1"; fi
}
tree_owner() { is_root && echo "$OWNER:$OWNER" || echo "$(id -u):$(id -g)"; }

@test "writable bind: the sandbox writes a tree its owner owns, and files land as that owner (as root: idmapped, never root)" {
	owned_tree "$SCRATCH/w"
	run --separate-stderr lm -v --bind "$SCRATCH/w" /w -- /bin/sh -c 'echo new > /w/new && mkdir /w/dir && echo more >> /w/existing && stat -c %u /w/new'
	assert_success
	assert_output "$(is_root && echo 0 || id -u)" # the sandbox's own uid inside
	[ "$(stat -c %u:%g "$SCRATCH/w/new")" = "$(tree_owner)" ]
	[ "$(stat -c %u:%g "$SCRATCH/w/dir")" = "$(tree_owner)" ]
	[ "$(cat "$SCRATCH/w/existing")" = $'original\nmore' ]
	if is_root; then
		assert_stderr --partial "idmapped: its owner, host uid $OWNER"
		# twin: a tree root owns is not idmapped (nothing may land as root), so not writable
		mkdir "$SCRATCH/r"
		run --separate-stderr lm -v --bind "$SCRATCH/r" /r -- /bin/sh -c 'echo x > /r/f'
		assert_failure 2
		assert_stderr --partial "Permission denied"
		assert_stderr --partial "owned by root, not idmapped"
		[ ! -e "$SCRATCH/r/f" ]
	fi
}

@test "writable bind as root: --host-uid N for the owner needs no idmapping; the files are still the owner's" {
	is_root || skip "needs root: --host-uid"
	owned_tree "$SCRATCH/w"
	run --separate-stderr lm -v --host-uid $OWNER --host-gid $OWNER --bind "$SCRATCH/w" /w -- /bin/sh -c 'echo x > /w/f'
	assert_success
	refute_stderr_idmapped() { [[ "$stderr" != *idmapped* ]]; }
	refute_stderr_idmapped
	[ "$(stat -c %u:%g "$SCRATCH/w/f")" = "$OWNER:$OWNER" ]
}

@test "writable bind as root: a filesystem that cannot be idmapped is refused with one line saying what to do" {
	is_root || skip "needs root: idmapped mounts"
	# /proc/PID of a process running as OWNER: owned by OWNER, on procfs (no idmapping)
	setpriv --reuid=$OWNER --regid=$OWNER --clear-groups sleep 30 &
	local pid=$!
	sleep 0.2
	[ "$(stat -c %u "/proc/$pid")" = $OWNER ]
	run --separate-stderr lm --bind "/proc/$pid" /p -- /bin/true
	kill "$pid"
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "cannot be idmapped"
	assert_stderr --partial "--host-uid $OWNER"
	# twin: read-only, nothing lands anywhere: accepted, the owner is nobody inside
	setpriv --reuid=$OWNER --regid=$OWNER --clear-groups sleep 30 &
	pid=$!
	sleep 0.2
	run --separate-stderr lm --ro-bind "/proc/$pid" /p -- /bin/cat /p/comm
	kill "$pid"
	assert_success
	assert_output sleep
}

@test "README build example: make in a bound tree owned by the caller (as root: by a user); outputs are the owner's on the host" {
	need make
	need cc
	owned_tree "$SCRATCH/src"
	printf 'int main(void) { return 0; }\n' >"$SCRATCH/src/hello.c"
	printf 'all: hello out.txt\nhello: hello.c\n\tcc -o hello hello.c\nout.txt:\n\techo built > out.txt\n' >"$SCRATCH/src/Makefile"
	is_root && chown $OWNER:$OWNER "$SCRATCH/src/hello.c" "$SCRATCH/src/Makefile"
	local lamina
	lamina=$(realpath "$LAMINA")
	cd "$SCRATCH/src"
	run --separate-stderr "$lamina" run -p build --bind "$PWD" /src --chdir /src -- make
	assert_success
	[ -x "$SCRATCH/src/hello" ]
	[ "$(cat "$SCRATCH/src/out.txt")" = built ]
	[ "$(stat -c %u:%g "$SCRATCH/src/hello")" = "$(tree_owner)" ]
	[ "$(stat -c %u:%g "$SCRATCH/src/out.txt")" = "$(tree_owner)" ]
}

@test "HOME: exists, private, writable; /etc/passwd agrees; git commits there" {
	need git
	run --separate-stderr lm -- /bin/sh -c 'test -d "$HOME" && test -w "$HOME" && echo ok; getent passwd "$(id -u)" | cut -d: -f6; echo "$HOME"'
	assert_success
	assert_line --index 0 ok
	assert_equal "${lines[1]}" "${lines[2]}"
	run --separate-stderr lm -- /bin/sh -c 'cd "$HOME" && git config --global user.email t@example.org && git config --global user.name T && git init -q r && cd r && echo a > a && git add a && git commit -qm first && git log --format=%s'
	assert_success
	assert_output first
	# private: nothing of it on the host's HOME path, and gone with the sandbox
	run --separate-stderr lm -- /bin/sh -c 'echo mark > "$HOME/.lamina-mark"; echo "$HOME"'
	assert_success
	[ ! -e "$output/.lamina-mark" ] || [ "$(cat "$output/.lamina-mark")" != mark ]
}

@test "HOME: --setenv HOME DIR is made; a bind at HOME is the home, not hidden by a tmpfs (twin)" {
	run --separate-stderr lm --setenv HOME /work/home -- /bin/sh -c 'touch "$HOME/x" && echo "$HOME"'
	assert_success
	assert_output /work/home
	mkdir "$SCRATCH/h"
	echo bound >"$SCRATCH/h/marker"
	run --separate-stderr lm --ro-bind "$SCRATCH/h" /myhome --setenv HOME /myhome -- /bin/cat /myhome/marker
	assert_success
	assert_output bound
}

@test "git on a read-only bind of someone else's repository: no 'dubious ownership' (lamina's /etc/gitconfig); without it git refuses (twin)" {
	need git
	mkdir "$SCRATCH/repo"
	(cd "$SCRATCH/repo" && git init -q && echo a >a && git add a &&
		git -c user.name=T -c user.email=t@e commit -qm "in repo")
	# someone else's: as root, root's (nobody inside); unprivileged, a tree under /usr is root's
	local repo=$SCRATCH/repo
	if ! is_root; then
		repo=$(git -C /usr/share rev-parse --show-toplevel 2>/dev/null) || true
		[ -z "$repo" ] && skip "unprivileged: no repository owned by someone else on this host"
	fi
	run --separate-stderr lm --ro-bind "$repo" /repo -- /usr/bin/git -C /repo log -1 --format=%s
	assert_success
	assert_output "in repo"
	run --separate-stderr lm --ro-bind "$repo" /repo --setenv GIT_CONFIG_NOSYSTEM 1 -- /usr/bin/git -C /repo log -1 --format=%s
	assert_failure
	assert_stderr --partial "dubious ownership"
}

@test "refused: mounts over /, /proc, /proc/sys, a tmpfs over /proc or /dev or a file; each one line, 125" {
	local a
	for a in "--bind $SCRATCH /" "--bind $SCRATCH /proc" "--ro-bind $SCRATCH /proc/sys" \
		"--tmpfs /proc" "--tmpfs /dev" "--tmpfs /etc/hostname" "--symlink /x /proc/x" \
		"--overlay $SCRATCH /proc/sys" "--bind $SCRATCH //proc/./sys/"; do
		# shellcheck disable=SC2086
		run --separate-stderr lm $a -- /bin/sh -c "touch $SCRATCH/ran"
		assert_failure 125
		assert_one_error_line
		[ ! -e "$SCRATCH/ran" ]
	done
	run --separate-stderr lm --tmpfs /etc/hostname -- /bin/true
	assert_stderr --partial "not a directory"
	# twins: what a user can mean is done, and -v says what it replaces
	run --separate-stderr lm -v --tmpfs /tmp -- /bin/sh -c 'touch /tmp/x && echo ok'
	assert_success
	assert_output ok
	assert_stderr --partial "replaces lamina's private /tmp"
	run --separate-stderr lm --tmpfs /dev/shm:size=1M -- /bin/sh -c 'df -k /dev/shm | tail -1'
	assert_success
	assert_output --regexp ' 1024 '
}

@test "refused: mounts on or beneath lamina's /dev/pts, /dev/ptmx, /dev/mqueue, /dev/shm (a tmpfs there excepted); each one line, 125" {
	local a
	for a in "--tmpfs /dev/pts" "--bind $SCRATCH /dev/pts" "--ro-bind $SCRATCH /dev/pts/x" \
		"--dev-bind /dev/null /dev/ptmx" "--tmpfs /dev/mqueue" "--bind $SCRATCH /dev/mqueue" \
		"--bind $SCRATCH /dev/shm" "--tmpfs /dev/shm/x" "--symlink /x /dev/pts/x" \
		"--overlay $SCRATCH //dev/./pts/"; do
		# shellcheck disable=SC2086
		run --separate-stderr lm $a -- /bin/sh -c "touch $SCRATCH/ran"
		assert_failure 125
		assert_one_error_line
		assert_stderr --regexp "^lamina: mount: --[a-z-]+ /dev/[a-z/]+: /dev/(pts|ptmx|mqueue|shm) is the sandbox's .*; nothing is mounted on or beneath it$"
		[ ! -e "$SCRATCH/ran" ]
	done
	# a profile's directive is pointed at
	printf 'include default\nbind /tmp /dev/pts\n' >"$SCRATCH/p.profile"
	chmod 644 "$SCRATCH/p.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/p.profile"
	assert_failure 125
	assert_stderr --regexp "p\.profile:2:[0-9]+: .*/dev/pts is the sandbox's own devpts"
	# twins: single devices bind into /dev and elsewhere, and a tmpfs resizes /dev/shm
	run --separate-stderr lm --dev-bind /dev/null /n --dev-bind /dev/zero /dev/zero -- /bin/sh -c 'test -c /n && test -c /dev/zero && ls /dev/pts'
	assert_success
	assert_output ptmx
	run --separate-stderr lm --tmpfs /dev/shm:size=1M -- /bin/true
	assert_success
}

@test "refused: a directory bound onto a file or a device, a file onto a directory; one line naming both, 125" {
	echo x >"$SCRATCH/f"
	local a
	for a in "--bind $SCRATCH /etc/hostname:directory:file" "--bind $SCRATCH /dev/null:directory:device" \
		"--ro-bind $SCRATCH/f /tmp:file:directory" "--dev-bind /dev/null /usr:device:directory" \
		"--overlay $SCRATCH /etc/hosts:directory:file"; do
		local opts=${a%%:*} rest=${a#*:}
		# shellcheck disable=SC2086
		run --separate-stderr lm $opts -- /bin/sh -c "touch $SCRATCH/ran"
		assert_failure 125
		assert_one_error_line
		assert_stderr "lamina: mount: $opts: the source is a ${rest%%:*} and the destination a ${rest#*:}"
		[ ! -e "$SCRATCH/ran" ]
	done
	# twins: the same kinds on the same kinds
	run --separate-stderr lm --ro-bind "$SCRATCH/f" /etc/hostname --bind "$SCRATCH" /tmp -- /bin/sh -c 'cat /etc/hostname; test -e /tmp/f && echo dir'
	assert_success
	assert_output $'x\ndir'
}

@test "--tmpfs DST:size=SIZE,mode=OCTAL; /tmp and /dev/shm are bounded by default (at most 1 GiB, not half the RAM)" {
	run --separate-stderr lm --tmpfs /w:size=2M,mode=1777 -- /bin/sh -c 'stat -c %a /w; df -k /w | tail -1'
	assert_success
	assert_line --index 0 1777
	assert_line --index 1 --regexp ' 2048 '
	run --separate-stderr lm -- /bin/sh -c 'df -k /tmp /dev/shm | tail -2 | awk "{print \$2}"'
	assert_success
	local ram_k
	ram_k=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	for k in "${lines[@]}"; do
		[ "$k" -le 1048576 ] && [ "$k" -le $((ram_k / 4 + 4)) ]
	done
	# a full /tmp: the write fails with ENOSPC, nothing else breaks
	run --separate-stderr lm --tmpfs /w:size=64k -- /bin/sh -c 'head -c 1M /dev/zero > /w/big; echo $?'
	assert_output 1
	assert_stderr --partial "No space left on device"
	for bad in /w:size=0 /w:size=x /w:mode=9 /w:mode=77777 /w:sise=1M; do
		run --separate-stderr lm --tmpfs "$bad" -- /bin/true
		assert_failure 125
		assert_one_error_line
	done
}

@test "--ro-bind-try and --bind-try: a missing source is skipped (said under -v); a present one is bound (twin)" {
	echo here >"$SCRATCH/f"
	run --separate-stderr lm -v --ro-bind-try "$SCRATCH/missing" /m --bind-try "$SCRATCH/f" /f -- /bin/sh -c 'test -e /m || echo no-m; cat /f'
	assert_success
	assert_output $'no-m\nhere'
	assert_stderr --partial "$SCRATCH/missing: no such file, skipped"
	run --separate-stderr lm --ro-bind "$SCRATCH/missing" /m -- /bin/true
	assert_failure 125
	assert_stderr --partial "No such file or directory"
}

@test "--symlink TARGET DST: a symlink inside; an existing DST is refused" {
	run --separate-stderr lm --symlink /usr/bin /ub --symlink ../etc /opt/etc-link -- /bin/sh -c 'readlink /ub /opt/etc-link; test -x /ub/env && echo follows'
	assert_success
	assert_output $'/usr/bin\n../etc\nfollows'
	run --separate-stderr lm --symlink /x /etc/hostname -- /bin/true
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "exists"
}

@test "--file FD DST is a writable copy; --bind-data FD DST read-only; both from pipes" {
	run --separate-stderr bash -c '"$LAMINA" run --file 3 /etc/app.conf --bind-data 4 /data/ro -- /bin/sh -c "cat /etc/app.conf /data/ro; echo more >> /etc/app.conf && cat /etc/app.conf; echo x >> /data/ro" 3< <(echo conf) 4< <(printf "ro data\n")'
	assert_failure 2
	assert_output $'conf\nro data\nconf\nmore'
	assert_stderr --partial "Read-only file system"
	run --separate-stderr lm --file 99 /x -- /bin/true
	assert_failure 125
	assert_stderr --partial "Bad file descriptor"
}

@test "--overlay SRC DST: writable inside, the host tree untouched, changes gone at exit" {
	owned_tree "$SCRATCH/src"
	run --separate-stderr lm --overlay "$SCRATCH/src" /o -- /bin/sh -c 'echo new > /o/new; echo more >> /o/existing; rm /o/existing; ls -A /o'
	assert_success
	assert_output new
	[ "$(ls -A "$SCRATCH/src")" = existing ]
	[ "$(cat "$SCRATCH/src/existing")" = original ]
	run --separate-stderr lm --overlay "$SCRATCH/src" /o -- /bin/ls -A /o
	assert_output existing
}

@test "--overlay-upper DIR: the changes are kept in DIR/upper, owned by DIR's owner" {
	owned_tree "$SCRATCH/src"
	mkdir "$SCRATCH/keep"
	is_root && chown $OWNER:$OWNER "$SCRATCH/keep"
	run --separate-stderr lm --overlay "$SCRATCH/src" /o --overlay-upper "$SCRATCH/keep" -- /bin/sh -c 'echo new > /o/new'
	assert_success
	[ "$(cat "$SCRATCH/keep/upper/new")" = new ]
	[ "$(stat -c %u:%g "$SCRATCH/keep/upper/new")" = "$(tree_owner)" ]
	[ ! -e "$SCRATCH/src/new" ]
	run --separate-stderr lm --overlay "$SCRATCH/src" /o --overlay-upper "$SCRATCH/keep" -- /bin/cat /o/new
	assert_success
	assert_output new
	run --separate-stderr lm --overlay-upper "$SCRATCH/keep" -- /bin/true
	assert_failure 125
	assert_stderr --partial "right after the --overlay"
	if is_root; then
		mkdir "$SCRATCH/rootkeep"
		run --separate-stderr lm --overlay "$SCRATCH/src" /o --overlay-upper "$SCRATCH/rootkeep" -- /bin/true
		assert_failure 125
		assert_stderr --partial "owned by root"
	fi
}

@test "--rootfs: a bind to a path the root lacks gets its mount point on a scratch layer; the root stays read-only" {
	local r=$SCRATCH/r
	mkdir -p "$r"/{proc,dev,tmp,bin,etc,srv}
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	echo keep >"$r/etc/keep"
	mkdir "$SCRATCH/data" && echo data >"$SCRATCH/data/f"
	run --separate-stderr lm -v -p build --rootfs "$r" --ro-bind "$SCRATCH/data" /out/deep --ro-bind "$SCRATCH/data" /srv/x/y -- /bin/sh -c 'cat /out/deep/f /srv/x/y/f /etc/keep; busybox touch /new /srv/new 2>&1; true'
	assert_success
	assert_output "$(printf '%s\n' data data keep 'touch: /new: Read-only file system' 'touch: /srv/new: Read-only file system')"
	assert_stderr --partial "lacks a top-level mount point"
	assert_stderr --partial "/srv is read-only"
	# the --rootfs directory itself is untouched
	[ ! -e "$r/out" ] && [ ! -e "$r/srv/x" ] && [ ! -e "$r/new" ]
}

@test "a bind below a read-only bind gets its mount point on a scratch layer over it" {
	mkdir -p "$SCRATCH/ro/keep" "$SCRATCH/inner"
	echo inner >"$SCRATCH/inner/f"
	echo k >"$SCRATCH/ro/keep/k"
	run --separate-stderr lm --ro-bind "$SCRATCH/ro" /ro --ro-bind "$SCRATCH/inner" /ro/new/inner -- /bin/sh -c 'cat /ro/new/inner/f /ro/keep/k'
	assert_success
	assert_output $'inner\nk'
	[ ! -e "$SCRATCH/ro/new" ]
}

@test "profile directives: tmpfs with options, symlink, ro-bind-try, dev-bind, overlay, overlay-upper" {
	mkdir "$SCRATCH/src" "$SCRATCH/keep"
	echo s >"$SCRATCH/src/s"
	if is_root; then chown -R $OWNER:$OWNER "$SCRATCH/src" "$SCRATCH/keep"; fi
	cat >"$SCRATCH/p.profile" <<-EOF
		include default
		tmpfs /w:size=1M,mode=700
		symlink /usr/bin /ub
		ro-bind-try $SCRATCH/missing /m
		dev-bind /dev/null /n
		overlay $SCRATCH/src /o
		overlay-upper $SCRATCH/keep
	EOF
	run --separate-stderr "$LAMINA" check "$SCRATCH/p.profile"
	assert_success
	run --separate-stderr lm -p "$SCRATCH/p.profile" -- /bin/sh -c 'stat -c %a /w; readlink /ub; test -e /m || echo no-m; echo x > /n && echo dev; echo o > /o/new && cat /o/s'
	assert_success
	assert_output $'700\n/usr/bin\nno-m\ndev\ns'
	[ -f "$SCRATCH/keep/upper/new" ]
	printf 'include default\ntmpfs /proc\n' >"$SCRATCH/bad.profile"
	run --separate-stderr "$LAMINA" check "$SCRATCH/bad.profile"
	assert_failure 125
	assert_stderr --partial "bad.profile:2:"
}
