#!/usr/bin/env bats
# rootfs-tools/mkrootfs: every mode builds a root that `lamina run --rootfs` runs in; hostile
# tarballs are refused member by member and nothing lands outside DEST; bad input fails with
# one line and a distinct exit status; --reproducible builds compare equal.

load helpers

setup() {
	make_scratch
	MKROOTFS="$SRC_DIR/rootfs-tools/mkrootfs"
	# The built extractor; without it mkrootfs compiles lm-untar.c for the run.
	if [ -z "${MKROOTFS_UNTAR:-}" ] && [ -x "$BUILD_DIR/rootfs-tools/lm-untar" ]; then
		export MKROOTFS_UNTAR="$BUILD_DIR/rootfs-tools/lm-untar"
	fi
	D="$SCRATCH/root"
	CANARY="$SCRATCH/canary"
	mkdir -p "$CANARY"
	echo original >"$CANARY/secret"
}

teardown() {
	[ -n "${APP_DIR:-}" ] && rm -rf "$APP_DIR"
	# Roots built from archives may hold read-only directories.
	[ -n "${SCRATCH:-}" ] && chmod -R u+rwX "$SCRATCH" 2>/dev/null
	teardown_scratch
}

mk() { run "$MKROOTFS" "$@"; }

# The last line is mkrootfs's report: "MODE root in DEST: N files, X (B bytes)".
assert_report() {
	local mode=$1
	assert_line --regexp "^mkrootfs: $mode root in .*: [0-9]+ files, [0-9.]+ (B|KiB|MiB|GiB) \([0-9]+ bytes\)$"
}

# A failure is exactly one line, "mkrootfs: ...", and the given status.
assert_one_line_failure() {
	local code=$1 pattern=$2
	assert_equal "$status" "$code"
	assert_equal "${#lines[@]}" 1
	assert_regex "${lines[0]}" "^mkrootfs: .*$pattern"
}

# Nothing may appear in the canary directory, and the file there keeps its content and its
# single link.
canary_intact() {
	[ "$(ls -A "$CANARY")" = secret ] &&
		[ "$(cat "$CANARY/secret")" = original ] &&
		[ "$(stat -c %h "$CANARY/secret")" = 1 ]
}
assert_canary_intact() {
	canary_intact || {
		ls -la "$CANARY"
		false
	}
}

# proc, dev and tmp: real, empty directories (lamina mounts on them).
assert_mountpoints() {
	local d
	for d in proc dev tmp; do
		assert [ -d "$D/$d" ]
		assert [ ! -L "$D/$d" ]
		assert_equal "$(ls -A "$D/$d")" ""
	done
}

need_busybox() {
	[ -x /bin/busybox ] || skip "no /bin/busybox (apt-get install busybox-static)"
}

# A tree with a static busybox and a few applet links, for tar tests.
make_busybox_tree() {
	local t=$1
	mkdir -p "$t/bin" "$t/usr/bin"
	cp /bin/busybox "$t/bin/busybox"
	ln -s busybox "$t/bin/sh"
	ln -s /bin/busybox "$t/usr/bin/cat"  # absolute: means the sandbox's own /bin
	ln -s ../../bin/busybox "$t/usr/bin/ls"
}

# ---- busybox ----------------------------------------------------------------------------------

@test "busybox: a root with busybox, its applets, a small /etc and the mount points; lamina runs sh -c in it" {
	need_busybox
	mk busybox "$D"
	assert_success
	assert_report busybox
	# nothing else at the top
	run ls -A "$D"
	assert_output "$(printf '%s\n' bin dev etc proc sbin tmp usr)"
	run ls -A "$D/etc"
	assert_output "$(printf '%s\n' group hosts nsswitch.conf passwd)"
	assert_mountpoints
	[ "$(readlink "$D/bin/sh")" = busybox ]
	[ "$(readlink "$D/usr/bin/awk")" = ../../bin/busybox ]

	run "$LAMINA" run --rootfs "$D" -- /bin/sh -c 'echo $((6 * 7)); awk "BEGIN { print \"awk\" }"; cat /etc/hostname 2>/dev/null; grep -c . /etc/passwd'
	assert_success
	assert_output "$(printf '%s\n' 42 awk 2)"
}

@test "busybox: a dynamically linked busybox is refused (a static one is needed)" {
	# /bin/ls stands in for a dynamic busybox; the static one is accepted (previous test).
	mk busybox "$D" --busybox /bin/ls
	assert_one_line_failure 6 "dynamically linked"
	[ ! -e "$D" ]
	mk busybox "$D" --busybox "$SCRATCH/nope"
	assert_one_line_failure 5 "not found"
	mk busybox "$D" --busybox /etc/passwd
	assert_one_line_failure 6 "not an ELF file"
}

# ---- host -------------------------------------------------------------------------------------

@test "host: /bin/sh and a dynamically linked program run; every library ldd names is inside" {
	local prog=/bin/ls lib
	# ls is dynamic and pulls libraries that pull others (libselinux -> libpcre2).
	run readelf -lW "$prog"
	assert_output --partial "Requesting program interpreter"
	mk host "$D" /bin/sh "$prog"
	assert_success
	assert_report host
	assert_mountpoints

	run "$LAMINA" run --rootfs "$D" -- /bin/sh -c 'echo sh-ok; /bin/ls -d /proc /etc/passwd'
	assert_success
	assert_output "$(printf '%s\n' sh-ok /etc/passwd /proc)"

	# Each library the host's loader resolves (and the loader itself) exists in the sandbox:
	# checked from inside, where absolute symlinks mean DEST's own paths.
	local checks=""
	for lib in $(ldd "$prog" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'); do
		checks="$checks test -e $lib || echo missing $lib;"
	done
	[ -n "$checks" ]
	run "$LAMINA" run --rootfs "$D" -- /bin/sh -c "$checks echo checked"
	assert_success
	assert_output checked
}

@test "host: a library removed from the root makes the program fail (the check above can fail)" {
	mk host "$D" /bin/sh /bin/ls
	assert_success
	local libc
	libc=$(ldd /bin/ls | awk '/libc\.so/ { print $3 }')
	rm -f "$D$(readlink -f "$libc")"
	run -127 "$LAMINA" run --rootfs "$D" -- /bin/ls /
	assert_output --partial libc.so
}

@test "host: python3 with --add of its standard library, and --add SRC:DST" {
	[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
	local stdlib
	stdlib=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
	[ -d "$stdlib" ] || skip "python3 stdlib not found at $stdlib"
	printf '#!/bin/sh\necho added script\n' >"$SCRATCH/hello.sh"
	chmod 755 "$SCRATCH/hello.sh"
	mk host "$D" /bin/sh /usr/bin/python3 --add "$stdlib" --add "$SCRATCH/hello.sh:/opt/hello"
	assert_success
	assert_report host
	# ctypes and zlib are C modules in lib-dynload whose libraries (libffi, libz) came from
	# scanning the added tree.
	run "$LAMINA" run --rootfs "$D" -- /usr/bin/python3 -c 'import json, zlib, ctypes; print(json.dumps([1, 2]))'
	assert_success
	assert_output "[1, 2]"
	run "$LAMINA" run --rootfs "$D" -- /opt/hello
	assert_success
	assert_output "added script"
}

@test "host: a library found through DT_RUNPATH \$ORIGIN outside the system directories" {
	local cc
	cc=$(command -v cc || command -v gcc || true)
	[ -n "$cc" ] || skip "no C compiler to build the test program"
	# Not under /tmp: lamina mounts a fresh tmpfs there, hiding whatever the root holds.
	APP_DIR=$(mktemp -d /var/tmp/lamina-rootfs-test.XXXXXX)
	chmod 755 "$APP_DIR"
	local app="$APP_DIR/app"
	mkdir -p "$app/bin" "$app/lib"
	printf 'int foo(void) { return 42; }\n' >"$app/foo.c"
	printf '#include <stdio.h>\nint foo(void);\nint main(void) { printf("foo=%%d\\n", foo()); return 0; }\n' >"$app/main.c"
	"$cc" -shared -fPIC -o "$app/lib/libfoo.so" "$app/foo.c"
	"$cc" -o "$app/bin/prog" "$app/main.c" -L"$app/lib" -lfoo -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
	run readelf -dW "$app/bin/prog"
	assert_output --partial 'Library runpath: [$ORIGIN/../lib]'
	mk host "$D" "$app/bin/prog"
	assert_success
	assert [ -f "$D$app/lib/libfoo.so" ]
	run "$LAMINA" run --rootfs "$D" -- "$app/bin/prog"
	assert_success
	assert_output "foo=42"
	# the twin: without the library the program cannot start
	rm "$D$app/lib/libfoo.so"
	run -127 "$LAMINA" run --rootfs "$D" -- "$app/bin/prog"
	assert_output --partial libfoo.so
}

@test "host: --add SRC:DST below a symlinked directory (/lib -> usr/lib) keeps the symlink" {
	echo added >"$SCRATCH/file"
	mk host "$D" /bin/sh --add "$SCRATCH/file:/lib/mkrootfs-test/file"
	assert_success
	if [ -L /lib ]; then
		# merged /usr: the root's /lib is the host's symlink, and stays one
		assert_equal "$(readlink "$D/lib")" "$(readlink /lib)"
	fi
	run "$LAMINA" run --rootfs "$D" -- /bin/sh -c 'read -r l </lib/mkrootfs-test/file; echo "$l"'
	assert_success
	assert_output added
}

@test "host: bad input fails with one line and a distinct status, and leaves no DEST behind" {
	mk host "$D" /etc/passwd
	assert_one_line_failure 6 "/etc/passwd is not an ELF file"
	[ ! -e "$D" ]
	mk host "$D" no-such-program-here
	assert_one_line_failure 5 "program not found: no-such-program-here"
	[ ! -e "$D" ]
	mk host "$D"
	assert_one_line_failure 2 "needs at least one PROGRAM"
	mk host "$D" /bin/sh --add "$SCRATCH/missing"
	assert_one_line_failure 5 "missing"
	[ ! -e "$D" ]
	: >"$SCRATCH/afile"
	mk host "$SCRATCH/afile/dest" /bin/sh
	assert_one_line_failure 4 "cannot create"
	mk host "$SCRATCH/afile" /bin/sh
	assert_one_line_failure 4 "not a directory"
	# the same command with good input works
	mk host "$D" /bin/sh
	assert_success
}

@test "host: an unwritable DEST fails with status 4" {
	is_root && skip "root writes anywhere; the unprivileged run checks this"
	mkdir "$SCRATCH/ro"
	chmod 555 "$SCRATCH/ro"
	mk host "$SCRATCH/ro" /bin/sh
	assert_one_line_failure 4 "not writable"
	mk host "$SCRATCH/ro/dest" /bin/sh
	assert_one_line_failure 4 "cannot create"
}

# ---- every mode: DEST handling, report ------------------------------------------------------

@test "a non-empty DEST is refused unless --force" {
	need_busybox
	mkdir "$D"
	echo keep >"$D/mine"
	mk busybox "$D"
	assert_one_line_failure 3 "not empty"
	run ls -A "$D"
	assert_output mine
	mk host "$D" /bin/sh
	assert_one_line_failure 3 "not empty"
	: >"$SCRATCH/empty.tar"
	mk tar "$D" "$SCRATCH/empty.tar"
	assert_one_line_failure 3 "not empty"
	mk --force busybox "$D"
	assert_success
	assert_report busybox
	assert [ -f "$D/mine" ]
	assert [ -x "$D/bin/busybox" ]
}

@test "a failed build into an existing empty DEST leaves it empty" {
	mkdir "$D"
	mk host "$D" /bin/sh /etc/passwd
	assert_equal "$status" 6
	[ -d "$D" ]
	run ls -A "$D"
	assert_output ""
}

@test "usage errors are one line with status 2" {
	mk
	assert_one_line_failure 2 "usage"
	mk frobnicate "$D"
	assert_one_line_failure 2 "unknown mode 'frobnicate'"
	mk --bogus busybox "$D"
	assert_one_line_failure 2 "unknown option --bogus"
	mk tar "$D"
	assert_one_line_failure 2 "exactly one FILE"
	mk busybox "$D" --add /bin/sh
	assert_one_line_failure 2 "--add is for host mode"
	[ ! -e "$D" ]
	run "$MKROOTFS" --help
	assert_success
	assert_output --partial "debootstrap DEST"
}

# ---- tar --------------------------------------------------------------------------------------

@test "tar: an exported filesystem (gzip) becomes a root lamina runs in; setuid bits dropped" {
	need_busybox
	local t="$SCRATCH/tree"
	make_busybox_tree "$t"
	mkdir -p "$t/etc" "$t/opt/ro"
	echo hello >"$t/opt/ro/file"
	chmod 555 "$t/opt/ro"                      # read-only directory with content
	echo x >"$t/opt/suid" && chmod 4755 "$t/opt/suid"
	mkfifo "$t/opt/fifo"
	ln "$t/opt/ro/file" "$t/opt/hardlink"
	# no proc/dev/tmp in the archive: mkrootfs adds them
	tar -C "$t" -czf "$SCRATCH/fs.tar.gz" .
	mk tar "$D" "$SCRATCH/fs.tar.gz"
	assert_success
	assert_report tar
	assert_output --partial "dropped setuid/setgid bits from 1 file"
	run stat -c %a "$D/opt/suid" "$D/opt/ro"
	assert_output "$(printf '%s\n' 755 555)"
	[ -p "$D/opt/fifo" ]
	[ "$(stat -c %i "$D/opt/ro/file")" = "$(stat -c %i "$D/opt/hardlink")" ]
	assert_mountpoints

	run "$LAMINA" run --rootfs "$D" -- /bin/sh -c 'cat /opt/ro/file; ls /usr/bin'
	assert_success
	assert_output "$(printf '%s\n' hello cat ls)"
}

@test "tar: xz, zstd and plain archives, stdin, GNU long names and pax headers" {
	local t="$SCRATCH/tree" long
	long=$(printf 'd%.0s' {1..120})/$(printf 'f%.0s' {1..150})
	mkdir -p "$t/$(dirname "$long")"
	echo deep >"$t/$long"
	ln -s "$(printf 'l%.0s' {1..130})" "$t/longlink"
	tar -C "$t" --format=gnu -cf "$SCRATCH/gnu.tar" .
	tar -C "$t" --format=pax -cf "$SCRATCH/pax.tar" .
	local n=0 f
	for f in gnu pax; do
		n=$((n + 1))
		mk tar "$D$n" "$SCRATCH/$f.tar"
		assert_success
		[ "$(cat "$D$n/$long")" = deep ]
		[ "$(readlink "$D$n/longlink")" = "$(printf 'l%.0s' {1..130})" ]
	done
	if command -v xz >/dev/null; then
		xz -k "$SCRATCH/pax.tar"
		mk tar "$D.xz" "$SCRATCH/pax.tar.xz"
		assert_success
		[ "$(cat "$D.xz/$long")" = deep ]
	fi
	if command -v zstd >/dev/null; then
		zstd -q "$SCRATCH/gnu.tar" -o "$SCRATCH/gnu.tar.zst"
		mk tar "$D.zst" "$SCRATCH/gnu.tar.zst"
		assert_success
		[ "$(cat "$D.zst/$long")" = deep ]
	fi
	run "$MKROOTFS" tar "$D.stdin" - <"$SCRATCH/gnu.tar"
	assert_success
	[ "$(cat "$D.stdin/$long")" = deep ]
}

@test "tar: not a tar, truncated, corrupt compression: one line, status 6, DEST removed" {
	mk tar "$D" /etc/passwd
	assert_one_line_failure 6 "/etc/passwd: not a tar archive"
	[ ! -e "$D" ]
	mk tar "$D" "$SCRATCH/missing.tar"
	assert_one_line_failure 5 "No such file"
	local t="$SCRATCH/tree"
	mkdir -p "$t"
	head -c 100000 /dev/urandom >"$t/blob"
	tar -C "$t" -cf "$SCRATCH/ok.tar" .
	head -c 50000 "$SCRATCH/ok.tar" >"$SCRATCH/trunc.tar"
	mk tar "$D" "$SCRATCH/trunc.tar"
	assert_one_line_failure 6 "truncated"
	[ ! -e "$D" ]
	gzip -c "$SCRATCH/ok.tar" | head -c 30000 >"$SCRATCH/trunc.tar.gz"
	mk tar "$D" "$SCRATCH/trunc.tar.gz"
	assert_one_line_failure 6 "corrupt gzip data"
	run "$MKROOTFS" tar "$D" - <"$SCRATCH/trunc.tar.gz"
	assert_one_line_failure 6 "gzip-compressed"
	[ ! -e "$D" ]
	mk tar "$D" "$SCRATCH/ok.tar"
	assert_success
}

# craft DIR: hand-made archives, one per header GNU tar refuses, each followed by a well-formed
# member "hidden" (which must never be extracted), and their well-formed twins (ok-*.tar).
craft() {
	python3 - "$1" <<'PY'
import os, sys
out = sys.argv[1]
def hdr(name=b"f", typ=b"0", size=None, datalen=0, mode=b"0000644\0", uid=b"0000000\0",
        mtime=b"00000000000\0", link=b"", chksum=None):
    size = size if size is not None else b"%011o\0" % datalen
    h = (name.ljust(100, b"\0") + mode + uid + b"0000000\0" + size + mtime + b" " * 8 + typ
         + link.ljust(100, b"\0") + b"ustar\x0000" + b"root".ljust(32, b"\0") * 2
         + b"0000000\0" * 2 + b"\0" * 167)
    assert len(h) == 512
    ck = chksum if chksum is not None else b"%06o\0 " % sum(h)
    return h[:148] + ck + h[156:]
def pad(d): return d + b"\0" * (-len(d) % 512)
def pax(key, val):
    rec = b" %s=%s\n" % (key, val)
    n = len(rec) + 2
    n = len(rec) + len(str(n))
    body = b"%d" % n + rec
    return hdr(name=b"PaxHeader/f", typ=b"x", datalen=len(body)) + pad(body)
data = b"hello\n"
hidden = hdr(name=b"hidden", datalen=len(data)) + pad(data)
end = b"\0" * 1024
f = lambda **k: hdr(datalen=len(data), **k) + pad(data)
cases = {
    # sizes: 2^64-1 would wrap the skip to 0 and turn "hidden" into a member; past the end
    "pax-size-max": pax(b"size", b"18446744073709551615") + hdr(name=b"d/", typ=b"5") + hidden,
    "b256-size-max": hdr(name=b"d/", typ=b"5", size=b"\x80\0\0\0" + b"\xff" * 8) + hidden,
    "pax-size-neg": pax(b"size", b"-1") + hdr(name=b"d/", typ=b"5") + hidden,
    "pax-size-plus": pax(b"size", b"+6") + f() + hidden,
    "size-past-end": hdr(size=b"%011o\0" % 1000000) + pad(data) + hidden,
    # fields GNU tar refuses
    "size-blank": hdr(size=b" " * 12) + hidden,
    "mode-blank": f(mode=b" " * 8) + hidden,
    "mode-not-octal": f(mode=b"00006x4\0") + hidden,
    "mtime-not-octal": f(mtime=b"0000000009x\0") + hidden,
    "pax-mtime-bad": pax(b"mtime", b"abc") + f() + hidden,
    "pax-uid-bad": pax(b"uid", b"abc") + f() + hidden,
    "bad-checksum": f() + hdr(name=b"hidden", datalen=len(data), chksum=b"0000001\0") + pad(data),
}
# a link, directory or fifo with a size: whether data follows is read differently by different
# tars (GNU tar's extraction reads none after a directory or hard link, its listing none after
# a symlink), so "smuggled" is a member for one reader and data for another
smuggled = hdr(name=b"smuggled", datalen=len(data)) + pad(data)
for typ, name, link in [(b"1", b"h", b"f"), (b"2", b"s", b"x"), (b"5", b"d/", b""), (b"6", b"p", b"")]:
    cases["sized-%s" % typ.decode()] = f() + hdr(name=name, typ=typ, link=link, size=b"%011o\0" % 1024) + smuggled + hidden
twins = {
    "ok-pax-size": pax(b"size", b"6") + hdr(datalen=0) + pad(data) + hidden,
    "ok-pax-mtime": pax(b"mtime", b"1700000000.5") + f() + hidden,
    "ok-b256-size": hdr(size=b"\x80" + b"\0" * 10 + b"\x06") + pad(data) + hidden,
}
for k, v in list(cases.items()) + list(twins.items()):
    open(os.path.join(out, k + ".tar"), "wb").write(v + end)
PY
}

@test "tar attack: sizes that wrap (2^64-1) or pass the archive's end, headers GNU tar refuses, links with a size: one line, status 6 or 7, nothing extracted" {
	command -v python3 >/dev/null || skip "no python3 to craft the archives"
	local a n=0 name
	mkdir "$SCRATCH/c"
	craft "$SCRATCH/c"
	for a in "$SCRATCH"/c/[!o]*.tar; do
		name=$(basename "$a" .tar)
		n=$((n + 1))
		if [[ $name == sized-* ]]; then
			mk tar "$D$n" "$a"
			assert_equal "$name: status $status" "$name: status 7"
			assert_equal "$name: ${#lines[@]} line(s)" "$name: 1 line(s)"
			assert_regex "${lines[0]}" "^mkrootfs: tar member '[hsdp]/?': a (hard link|symlink|directory|fifo) with a size \(1024 bytes\) refused: tars disagree on whether data follows"
			[ ! -e "$D$n" ]
			continue
		fi
		# GNU tar refuses each of them too (the standard the extractor keeps)
		mkdir "$SCRATCH/gnu-$name"
		run tar -C "$SCRATCH/gnu-$name" -xf "$a"
		assert_equal "$name: GNU tar $status" "$name: GNU tar 2"
		mk tar "$D$n" "$a"
		assert_equal "$name: status $status" "$name: status 6"
		assert_equal "$name: ${#lines[@]} line(s)" "$name: 1 line(s)"
		case $name in
		pax-size-max | pax-size-neg | pax-size-plus)
			assert_regex "${lines[0]}" "^mkrootfs: tar member '\(pax header\)': pax size '[-+0-9]+' is not a size" ;;
		b256-size-max)
			assert_regex "${lines[0]}" "^mkrootfs: .*member size 18446744073709551615 in header at offset 0 is out of range" ;;
		size-past-end)
			assert_regex "${lines[0]}" "^mkrootfs: .*archive is truncated or forged: member size 1000000 .* exceeds the [0-9]+ bytes left" ;;
		size-blank | mode-* | mtime-*)
			assert_regex "${lines[0]}" "^mkrootfs: .*corrupt numeric field \(${name%%-*}: blank, not octal or negative\)" ;;
		pax-mtime-bad | pax-uid-bad)
			assert_regex "${lines[0]}" "^mkrootfs: tar member '\(pax header\)': pax (mtime|uid) 'abc' is not an? (time|id)" ;;
		bad-checksum)
			assert_regex "${lines[0]}" "^mkrootfs: .*corrupt tar header at offset 1024" ;;
		*) false ;;
		esac
		[ ! -e "$D$n" ]
		# and from a pipe, where the archive's size is unknown: the same refusal or truncation
		run bash -c 'cat "$2" | "$1" tar "$3" -' _ "$MKROOTFS" "$a" "$D$n"
		assert_equal "$name (pipe): status $status" "$name (pipe): status 6"
		[ ! -e "$D$n" ]
	done
	[ "$n" = 16 ]
	# twins: the well-formed variants extract, "hidden" with them
	for a in "$SCRATCH"/c/ok-*.tar; do
		n=$((n + 1))
		mk tar "$D$n" "$a"
		assert_success
		[ "$(cat "$D$n/hidden")" = hello ]
		run tar -tf "$a"
		assert_success
	done
}

# The mount points of a --rootfs: lamina refuses a root whose proc, dev or tmp is not a directory.
@test "tar: proc -> etc, tmp -> etc, dev as a file: empty directories with a note, members below them land there, lamina runs in the root" {
	need_busybox
	local t="$SCRATCH/tree"
	make_busybox_tree "$t"
	mkdir -p "$t/etc"
	ln -s etc "$t/proc"
	ln -s /etc "$t/tmp"
	echo not-a-dir >"$t/dev"
	tar -C "$t" -cf "$SCRATCH/a.tar" .
	# a member below a mount point that was a symlink a moment before
	echo below >"$SCRATCH/x"
	tar -C "$SCRATCH" -rf "$SCRATCH/a.tar" --transform 's,^x$,./tmp/x,' x
	mk tar "$D" "$SCRATCH/a.tar"
	assert_success
	assert_line "mkrootfs: note: 'proc' is a symlink to 'etc'; lamina mounts over /proc: an empty directory there instead"
	assert_line "mkrootfs: note: 'tmp' is a symlink to '/etc'; lamina mounts over /tmp: an empty directory there instead"
	assert_line "mkrootfs: note: 'dev' is a file; lamina mounts over /dev: an empty directory there instead"
	assert_report tar
	[ ! -e "$D/etc/x" ] # not written through the symlink
	[ "$(cat "$D/tmp/x")" = below ]
	rm "$D/tmp/x"
	assert_mountpoints
	run "$LAMINA" run --rootfs "$D" -- /bin/busybox sh -c 'test -d /proc/self && echo ok'
	assert_success
	assert_output ok
	# already in DEST (--force): replaced before any member is written through it
	rm -rf "$D"
	mkdir -p "$D/etc"
	ln -s etc "$D/tmp"
	mk --force tar "$D" "$SCRATCH/a.tar"
	assert_success
	[ ! -e "$D/etc/x" ]
	[ "$(cat "$D/tmp/x")" = below ]
}

# Hostile archives.  Each is built with GNU tar (-P keeps '..' and absolute names as given) and
# must be refused with a message naming the member, status 7, nothing in the canary directory,
# and no DEST left behind.

@test "tar attack: a '../' member is refused" {
	echo pwned >"$SCRATCH/payload"
	tar -C "$SCRATCH" -P --transform 's,^payload$,../canary/pwn,' -cf "$SCRATCH/a.tar" payload
	run tar -tPf "$SCRATCH/a.tar"
	assert_output "../canary/pwn"
	mk tar "$D" "$SCRATCH/a.tar"
	assert_one_line_failure 7 "tar member '../canary/pwn': '..' component refused"
	assert_canary_intact
	[ ! -e "$D" ]
}

@test "tar attack: the canary check catches an escape (GNU tar -P writes the '../' member)" {
	echo pwned >"$SCRATCH/payload"
	tar -C "$SCRATCH" -P --transform 's,^payload$,../canary/pwn,' -cf "$SCRATCH/a.tar" payload
	mkdir "$D"
	tar -C "$D" -xPf "$SCRATCH/a.tar"
	! canary_intact
}

@test "tar attack: an absolute member is refused" {
	echo pwned >"$SCRATCH/payload"
	tar -P --transform "s,.*/payload\$,$CANARY/abs," -cf "$SCRATCH/a.tar" "$SCRATCH/payload"
	run tar -tPf "$SCRATCH/a.tar"
	assert_output "$CANARY/abs"
	mk tar "$D" "$SCRATCH/a.tar"
	assert_one_line_failure 7 "tar member '$CANARY/abs': absolute path refused"
	assert_canary_intact
	[ ! -e "$D" ]
}

@test "tar attack: a symlink out of DEST, then a file written through it, is refused" {
	local target
	echo pwned >"$SCRATCH/payload"
	for target in "$CANARY" ../canary; do
		rm -rf "$SCRATCH/x" "$SCRATCH/a.tar"
		mkdir "$SCRATCH/x"
		ln -s "$target" "$SCRATCH/x/esc"
		tar -C "$SCRATCH/x" -cf "$SCRATCH/a.tar" esc
		tar -C "$SCRATCH" -rf "$SCRATCH/a.tar" --transform 's,^payload$,esc/pwn,' payload
		run tar -tf "$SCRATCH/a.tar"
		assert_output "$(printf '%s\n' esc esc/pwn)"
		mk tar "$D" "$SCRATCH/a.tar"
		assert_one_line_failure 7 "tar member 'esc/pwn': parent directory leaves DEST through a symlink"
		assert_canary_intact
		[ ! -e "$D" ]
	done
}

@test "tar attack: inside a compressed archive, the refused member is what is reported" {
	echo pwned >"$SCRATCH/payload"
	head -c 2000000 /dev/urandom >"$SCRATCH/bulk" # more than a pipe holds after the refusal
	mkdir "$SCRATCH/x"
	ln -s "$CANARY" "$SCRATCH/x/esc"
	tar -C "$SCRATCH/x" -cf "$SCRATCH/a.tar" esc
	tar -C "$SCRATCH" -rf "$SCRATCH/a.tar" --transform 's,^payload$,esc/pwn,' payload
	tar -C "$SCRATCH" -rf "$SCRATCH/a.tar" bulk
	gzip "$SCRATCH/a.tar"
	mk tar "$D" "$SCRATCH/a.tar.gz"
	assert_one_line_failure 7 "tar member 'esc/pwn': parent directory leaves DEST through a symlink"
	assert_canary_intact
	[ ! -e "$D" ]
}

@test "tar attack: a symlink already in DEST (--force) is not followed either" {
	echo pwned >"$SCRATCH/payload"
	tar -C "$SCRATCH" --transform 's,^payload$,esc/pwn,' -cf "$SCRATCH/a.tar" payload
	mkdir "$D"
	ln -s "$CANARY" "$D/esc"
	mk --force tar "$D" "$SCRATCH/a.tar"
	assert_one_line_failure 7 "tar member 'esc/pwn': parent directory leaves DEST"
	assert_canary_intact
	# the weaker extractor falls for it: plain GNU tar writes through the existing link
	tar -C "$D" -xf "$SCRATCH/a.tar"
	! canary_intact
}

@test "tar attack: hard links to outside DEST are refused" {
	# target with '..'
	echo x >"$SCRATCH/payload"
	ln "$SCRATCH/payload" "$SCRATCH/hl"
	tar -C "$SCRATCH" -P --transform 's,^payload$,../canary/secret,RSh' -cf "$SCRATCH/a.tar" payload hl
	run tar -tvf "$SCRATCH/a.tar"
	assert_output --partial "hl link to"
	mk tar "$D" "$SCRATCH/a.tar"
	assert_one_line_failure 7 "tar member 'hl': hard link target '../canary/secret': '..' component refused"
	assert_canary_intact
	[ ! -e "$D" ]

	# absolute target
	tar -C "$SCRATCH" -P --transform "s,^payload\$,$CANARY/secret,RSh" -cf "$SCRATCH/b.tar" payload hl
	mk tar "$D" "$SCRATCH/b.tar"
	assert_one_line_failure 7 "tar member 'hl': hard link target '$CANARY/secret': absolute path refused"
	assert_canary_intact

	# target reached through a symlink member that points out
	mkdir "$SCRATCH/x"
	ln -s "$CANARY" "$SCRATCH/x/esc"
	tar -C "$SCRATCH/x" -cf "$SCRATCH/c.tar" esc
	tar -C "$SCRATCH" -rf "$SCRATCH/c.tar" --transform 's,^payload$,esc/secret,RSh' payload hl
	mk tar "$D" "$SCRATCH/c.tar"
	assert_equal "$status" 7
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "tar member '(esc/secret|hl)'.*(leaves DEST|refused)"
	assert_canary_intact
	[ ! -e "$D" ]
}

@test "tar attack: a device node is refused" {
	[ -c /dev/null ] || skip "no /dev/null character device to archive"
	tar -C / --transform 's,^dev/null$,evil-null,' -cf "$SCRATCH/a.tar" dev/null
	run tar -tvf "$SCRATCH/a.tar"
	assert_output --regexp "^c"
	mk tar "$D" "$SCRATCH/a.tar"
	assert_one_line_failure 7 "tar member 'evil-null': device node refused"
	assert_canary_intact
	[ ! -e "$D" ]
}

@test "tar: the same shapes kept inside DEST are extracted (positive twin of the attacks)" {
	echo content >"$SCRATCH/payload"
	ln "$SCRATCH/payload" "$SCRATCH/hl"
	mkdir -p "$SCRATCH/x/sub"
	ln -s sub "$SCRATCH/x/in"      # symlink pointing inside
	ln -s /sub "$SCRATCH/x/abs-in" # absolute: DEST's own /sub inside the sandbox, kept as data
	mkfifo "$SCRATCH/x/fifo"
	tar -C "$SCRATCH/x" -cf "$SCRATCH/a.tar" sub in abs-in fifo
	# a file written through the inside symlink
	tar -C "$SCRATCH" -rf "$SCRATCH/a.tar" --transform 's,^payload$,in/through,' payload
	# a hard link whose target is inside
	tar -C "$SCRATCH" -rf "$SCRATCH/a.tar" --transform 's,^payload$,inside/f,;s,^hl$,inside/hl,' payload hl
	run tar -tvf "$SCRATCH/a.tar"
	assert_output --partial "inside/hl link to inside/f"
	mk tar "$D" "$SCRATCH/a.tar"
	assert_success
	[ "$(cat "$D/sub/through")" = content ]
	[ "$(readlink "$D/abs-in")" = /sub ]
	[ "$(stat -c %i "$D/inside/f")" = "$(stat -c %i "$D/inside/hl")" ]
	[ -p "$D/fifo" ]
	assert_canary_intact
}

# ---- --reproducible ---------------------------------------------------------------------------

tar_of() { tar -C "$1" --sort=name --numeric-owner -cf - .; }

@test "--reproducible: two builds of each mode compare equal as tars; without it they differ" {
	need_busybox
	local t="$SCRATCH/tree"
	make_busybox_tree "$t"
	tar -C "$t" -cf "$SCRATCH/fs.tar" .
	local m
	for m in busybox host tar; do
		local args=()
		case $m in
		host) args=(/bin/sh /bin/ls) ;;
		tar) args=("$SCRATCH/fs.tar") ;;
		esac
		mk --reproducible "$m" "$SCRATCH/$m.a" "${args[@]}"
		assert_success
		sleep 1.1 # a second later: any mtime taken from the clock would differ
		SOURCE_DATE_EPOCH=0 mk "$m" "$SCRATCH/$m.b" --reproducible "${args[@]}"
		assert_success
		cmp <(tar_of "$SCRATCH/$m.a") <(tar_of "$SCRATCH/$m.b")
	done
	# fixed mtimes, and SOURCE_DATE_EPOCH picks them
	[ "$(stat -c %Y "$SCRATCH/busybox.a/bin/busybox")" = 0 ]
	SOURCE_DATE_EPOCH=1700000000 mk --reproducible busybox "$SCRATCH/epoch"
	assert_success
	[ "$(stat -c %Y "$SCRATCH/epoch/etc/passwd")" = 1700000000 ]
	[ "$(stat -c %Y "$SCRATCH/epoch")" = 1700000000 ]
	# the twin: two plain builds a second apart differ
	mk busybox "$SCRATCH/plain.a"
	sleep 1.1
	mk busybox "$SCRATCH/plain.b"
	run cmp <(tar_of "$SCRATCH/plain.a") <(tar_of "$SCRATCH/plain.b")
	assert_failure
}

# ---- debootstrap ------------------------------------------------------------------------------

@test "debootstrap: a clear error when debootstrap is not installed" {
	MKROOTFS_DEBOOTSTRAP="$SCRATCH/no/debootstrap" mk debootstrap "$D"
	assert_one_line_failure 8 "debootstrap is not installed"
	[ ! -e "$D" ]
}

@test "debootstrap: needs root, and a clear error when the mirror cannot be reached" {
	local db
	db=$(command -v debootstrap || { [ -x /usr/sbin/debootstrap ] && echo /usr/sbin/debootstrap; } || true)
	[ -n "$db" ] || skip "debootstrap is not installed"
	if ! is_root; then
		mk debootstrap "$D"
		assert_one_line_failure 10 "needs root"
		[ ! -e "$D" ]
		return
	fi
	# port 9 (discard) on loopback: nothing listens, the connection is refused at once
	mk debootstrap "$D" --mirror http://127.0.0.1:9/debian --suite bookworm
	assert_one_line_failure 9 "cannot reach http://127.0.0.1:9/debian"
	[ ! -e "$D" ]
}

@test "debootstrap: a Debian minbase root lamina runs in (optional: network, minutes)" {
	[ "${MKROOTFS_TEST_DEBOOTSTRAP:-0}" = 1 ] ||
		skip "set MKROOTFS_TEST_DEBOOTSTRAP=1 to run (root, network to the apt mirror, ~3 minutes)"
	is_root || skip "debootstrap needs root"
	command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || skip "debootstrap is not installed"
	mk debootstrap "$D"
	if [ "$status" -eq 9 ]; then
		skip "mirror not reachable: ${lines[0]}"
	fi
	assert_success
	assert_report debootstrap
	run "$LAMINA" run --rootfs "$D" -- /bin/sh -c 'cat /etc/debian_version >/dev/null && dpkg-query -W -f "\${Package}\n" dpkg'
	assert_success
	assert_output dpkg
}
