#!/usr/bin/env bats
# Paths lamina opens on someone else's behalf.  As root: bind sources, --rootfs, overlay layers
# and mkrootfs's DEST must not let a tenant's symlink send root where the tenant cannot go.
# Everyone: --chdir resolved inside the root without magic links, --rootfs's /etc/passwd read
# without blocking, binds nodev (--dev-bind keeps devices).
load helpers

TENANT=65534

setup() {
	make_scratch
	MKROOTFS="$SRC_DIR/rootfs-tools/mkrootfs"
	if [ -z "${MKROOTFS_UNTAR:-}" ] && [ -x "$BUILD_DIR/rootfs-tools/lm-untar" ]; then
		export MKROOTFS_UNTAR="$BUILD_DIR/rootfs-tools/lm-untar"
	fi
}
teardown() {
	[ -n "${SCRATCH:-}" ] && chmod -R u+rwX "$SCRATCH" 2>/dev/null
	teardown_scratch
}

as_tenant() { setpriv --reuid=$TENANT --regid=$TENANT --clear-groups "$@"; }

# As root: root's directory the tenant cannot enter (0700) with a readable subdirectory (what
# a redirected bind would hand the payload), and a directory the tenant owns.
tenant_world() {
	mkdir -p "$SCRATCH/rootonly/sub" "$SCRATCH/tenant/own"
	echo "root-secret-$$" >"$SCRATCH/rootonly/sub/secret"
	chmod 700 "$SCRATCH/rootonly"
	chmod 755 "$SCRATCH/rootonly/sub"
	echo tenant-data >"$SCRATCH/tenant/own/secret"
	chown -R $TENANT:$TENANT "$SCRATCH/tenant"
	# the tenant cannot reach root's subdirectory itself
	run as_tenant cat "$SCRATCH/rootonly/sub/secret"
	assert_failure
}

# A minimal root for --rootfs: busybox, the three mount points.
make_root() {
	local r=$1
	mkdir -p "$r"/{proc,dev,tmp,bin,etc}
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
}

assert_refused_unsafe() {
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "unsafe path"
	refute_output --partial "root-secret"
}

@test "paths as root: a tenant's symlink to root's files is not followed by --ro-bind; to its own, it is (twin)" {
	is_root || skip "root following a tenant's symlink: only root has more rights than the tenant"
	tenant_world
	as_tenant ln -s "$SCRATCH/rootonly/sub" "$SCRATCH/tenant/data"
	run --separate-stderr lm --ro-bind "$SCRATCH/tenant/data" /d -- /bin/cat /d/secret
	assert_refused_unsafe
	# through the symlink as an inner component as well
	as_tenant ln -s "$SCRATCH/rootonly" "$SCRATCH/tenant/up"
	run --separate-stderr lm --ro-bind "$SCRATCH/tenant/up/sub" /d -- /bin/cat /d/secret
	assert_refused_unsafe
	# a relative symlink climbing out with ".."
	as_tenant ln -s ../rootonly/sub "$SCRATCH/tenant/rel"
	run --separate-stderr lm --bind "$SCRATCH/tenant/rel" /d -- /bin/cat /d/secret
	assert_refused_unsafe
	# twins: the tenant's symlink to its own directory, and root's own path
	as_tenant ln -s own "$SCRATCH/tenant/mine"
	run --separate-stderr lm --ro-bind "$SCRATCH/tenant/mine" /d -- /bin/cat /d/secret
	assert_success
	assert_output tenant-data
	run --separate-stderr lm --ro-bind "$SCRATCH/rootonly/sub" /d -- /bin/cat /d/secret
	assert_success
	assert_output "root-secret-$$"
}

@test "paths as root: a tenant's symlink in root's sticky /tmp-like directory is not followed; root's own there is (twin)" {
	is_root || skip "root following a tenant's symlink: only root has more rights than the tenant"
	tenant_world
	mkdir "$SCRATCH/sticky"
	chmod 1777 "$SCRATCH/sticky"
	as_tenant ln -s ../rootonly/sub "$SCRATCH/sticky/link"
	run --separate-stderr lm --ro-bind "$SCRATCH/sticky/link" /d -- /bin/cat /d/secret
	assert_refused_unsafe
	ln -s ../rootonly/sub "$SCRATCH/sticky/rootlink"
	run --separate-stderr lm --ro-bind "$SCRATCH/sticky/rootlink" /d -- /bin/cat /d/secret
	assert_success
	assert_output "root-secret-$$"
}

@test "paths as root: --rootfs through a tenant's symlink to / is refused; a real root works (twin)" {
	is_root || skip "root following a tenant's symlink: only root has more rights than the tenant"
	tenant_world
	as_tenant ln -s / "$SCRATCH/tenant/rootfs"
	run --separate-stderr lm --rootfs "$SCRATCH/tenant/rootfs" -- /bin/cat /etc/shadow
	assert_refused_unsafe
	refute_output --partial "root:"
	make_root "$SCRATCH/r"
	run --separate-stderr lm --rootfs "$SCRATCH/r" -- /bin/sh -c 'echo in-root'
	assert_success
	assert_output in-root
}

@test "paths as root: --overlay and --overlay-upper through a tenant's symlink are refused; the tenant's own tree works (twin)" {
	is_root || skip "root following a tenant's symlink: only root has more rights than the tenant"
	tenant_world
	as_tenant ln -s "$SCRATCH/rootonly/sub" "$SCRATCH/tenant/data"
	run --separate-stderr lm --overlay "$SCRATCH/tenant/data" /o -- /bin/cat /o/secret
	assert_refused_unsafe
	as_tenant mkdir "$SCRATCH/tenant/up"
	as_tenant ln -s "$SCRATCH/rootonly/sub" "$SCRATCH/tenant/uplink"
	run --separate-stderr lm --overlay "$SCRATCH/tenant/own" /o --overlay-upper "$SCRATCH/tenant/uplink" -- /bin/true
	assert_refused_unsafe
	[ ! -e "$SCRATCH/rootonly/sub/upper" ]
	run --separate-stderr lm --overlay "$SCRATCH/tenant/own" /o --overlay-upper "$SCRATCH/tenant/up" -- /bin/cat /o/secret
	assert_success
	assert_output tenant-data
}

@test "paths unprivileged: the caller's symlink reaches only what the caller may read (the kernel's checks); its own tree, yes (twin)" {
	is_root && skip "unprivileged: lamina has the caller's rights, no more"
	[ "$(stat -c %a /root)" = 700 ] || skip "this host's /root is not 0700"
	ln -s /root "$SCRATCH/link"
	run --separate-stderr lm --ro-bind "$SCRATCH/link" /d -- /bin/ls /d
	assert_failure
	assert_stderr --partial "Permission denied"
	mkdir "$SCRATCH/mine" && echo ok >"$SCRATCH/mine/f"
	ln -s mine "$SCRATCH/link2"
	run --separate-stderr lm --ro-bind "$SCRATCH/link2" /d -- /bin/cat /d/f
	assert_success
	assert_output ok
}

@test "mkrootfs: a symlink at DEST is not followed (as root, a tenant's to root's directory); a real DEST works (twin)" {
	local target=$SCRATCH/target link=$SCRATCH/link
	mkdir "$target"
	echo keep >"$target/mine"
	if is_root; then
		tenant_world
		chmod 755 "$SCRATCH/tenant"
		target=$SCRATCH/rootonly/sub
		link=$SCRATCH/tenant/dest
		as_tenant ln -s "$target" "$link"
	else
		ln -s "$target" "$link"
	fi
	mkdir "$SCRATCH/tree" && echo payload >"$SCRATCH/tree/planted"
	tar -C "$SCRATCH/tree" -cf "$SCRATCH/a.tar" .
	run "$MKROOTFS" --force tar "$link" "$SCRATCH/a.tar"
	assert_equal "$status" 4
	assert_equal "${#lines[@]}" 1
	assert_output --partial "is a symlink"
	[ ! -e "$target/planted" ]
	[ ! -e "$target/proc" ]
	# twin: the directory itself
	mkdir "$SCRATCH/real"
	run "$MKROOTFS" tar "$SCRATCH/real" "$SCRATCH/a.tar"
	assert_success
	[ "$(cat "$SCRATCH/real/planted")" = payload ]
	[ -d "$SCRATCH/real/proc" ]
}

@test "mkrootfs: DEST is written through the directory opened: replacing it by a symlink mid-build redirects nothing" {
	# The archive comes through a fifo in two parts; between them DEST is renamed and a
	# symlink to another directory put in its place.  What is written after (the rest of the
	# archive, the mount points) goes to the directory opened at the start.
	mkdir "$SCRATCH/dest" "$SCRATCH/elsewhere" "$SCRATCH/t1"
	mkdir -p "$SCRATCH/t1/a"
	echo first >"$SCRATCH/t1/a/0first"
	for i in $(seq 1 100); do head -c 4096 /dev/urandom >"$SCRATCH/t1/a/f$i"; done
	tar -C "$SCRATCH/t1" --sort=name -cf "$SCRATCH/a.tar" a
	mkfifo "$SCRATCH/fifo"
	"$MKROOTFS" tar "$SCRATCH/dest" - <"$SCRATCH/fifo" >"$SCRATCH/out" 2>&1 &
	local pid=$! i
	exec 8>"$SCRATCH/fifo"
	head -c 200000 "$SCRATCH/a.tar" >&8
	for i in $(seq 1 200); do [ -s "$SCRATCH/dest/a/0first" ] && break; sleep 0.05; done
	[ -s "$SCRATCH/dest/a/0first" ]
	mv "$SCRATCH/dest" "$SCRATCH/moved"
	ln -s elsewhere "$SCRATCH/dest"
	tail -c +200001 "$SCRATCH/a.tar" >&8
	exec 8>&-
	wait "$pid"
	cat "$SCRATCH/out"
	[ -f "$SCRATCH/moved/a/f99" ]
	[ -d "$SCRATCH/moved/proc" ]
	[ -z "$(ls -A "$SCRATCH/elsewhere")" ]
}

@test "--chdir: resolved inside the root, magic links refused (/proc/self/cwd); a symlink inside the root is followed (twin)" {
	run --separate-stderr lm --chdir /proc/self/cwd -- /bin/pwd
	assert_failure 125
	assert_one_error_line
	assert_stderr --partial "chdir: /proc/self/cwd"
	run --separate-stderr lm --chdir /proc/1/root/tmp -- /bin/pwd
	assert_failure 125
	make_root "$SCRATCH/r"
	mkdir "$SCRATCH/r/work"
	ln -s /work "$SCRATCH/r/w"    # absolute: the sandbox's own /work
	ln -s ../../.. "$SCRATCH/r/up" # climbs no higher than the root
	run --separate-stderr lm -p build --rootfs "$SCRATCH/r" --chdir /w -- /bin/sh -c 'busybox pwd -P'
	assert_success
	assert_output /work
	run --separate-stderr lm -p build --rootfs "$SCRATCH/r" --chdir /up/work -- /bin/sh -c 'busybox pwd -P'
	assert_success
	assert_output /work
}

@test "--rootfs /etc/passwd: a FIFO there does not block lamina (HOME falls back); a file gives HOME (twin)" {
	make_root "$SCRATCH/r"
	mkfifo "$SCRATCH/r/etc/passwd"
	run --separate-stderr timeout 20 "$LAMINA" run --rootfs "$SCRATCH/r" -- /bin/sh -c 'echo "$HOME"'
	assert_success
	refute_output /srv/home
	rm "$SCRATCH/r/etc/passwd"
	local uid
	is_root && uid=0 || uid=$(id -u)
	echo "me:x:$uid:$uid::/srv/home:/bin/sh" >"$SCRATCH/r/etc/passwd"
	run --separate-stderr lm --rootfs "$SCRATCH/r" -- /bin/sh -c 'echo "$HOME"; test -d "$HOME" && echo exists'
	assert_success
	assert_output $'/srv/home\nexists'
}

@test "--rootfs /etc/passwd: an absolute symlink there resolves inside the root, not on the host" {
	make_root "$SCRATCH/r"
	local uid
	is_root && uid=0 || uid=$(id -u)
	echo "me:x:$uid:$uid::/leaked:/bin/sh" >"$SCRATCH/hostpasswd"
	ln -s "$SCRATCH/hostpasswd" "$SCRATCH/r/etc/passwd"
	run --separate-stderr lm --rootfs "$SCRATCH/r" -- /bin/sh -c 'echo "$HOME"'
	assert_success
	refute_output /leaked
	# twin: the same path inside the root is followed
	mkdir -p "$SCRATCH/r/$SCRATCH"
	cp "$SCRATCH/hostpasswd" "$SCRATCH/r/$SCRATCH/hostpasswd"
	run --separate-stderr lm --rootfs "$SCRATCH/r" -- /bin/sh -c 'echo "$HOME"'
	assert_success
	assert_output /leaked
}

@test "binds are nodev: a device node bound in cannot be opened (EACCES); --dev-bind keeps it usable (twin)" {
	run --separate-stderr lm --ro-bind /dev/null /n -- /bin/sh -c 'echo x > /n'
	assert_failure 2
	assert_stderr --partial "Permission denied"
	run --separate-stderr lm --bind /dev/null /n -- /bin/sh -c 'echo x > /n'
	assert_failure 2
	assert_stderr --partial "Permission denied"
	run --separate-stderr lm --dev-bind /dev/null /n -- /bin/sh -c 'echo x > /n && echo wrote'
	assert_success
	assert_output wrote
	if is_root; then
		# a device node inside a bound directory (only root can make one on the host)
		mkdir "$SCRATCH/devs"
		mknod "$SCRATCH/devs/zero" c 1 5
		chmod 666 "$SCRATCH/devs/zero"
		run --separate-stderr lm --bind "$SCRATCH/devs" /d -- /bin/sh -c 'head -c 1 /d/zero | wc -c'
		assert_output 0
		assert_stderr --partial "Permission denied"
		run --separate-stderr lm --dev-bind "$SCRATCH/devs" /d -- /bin/sh -c 'head -c 1 /d/zero | wc -c'
		assert_success
		assert_output 1
	fi
}
