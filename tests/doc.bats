#!/usr/bin/env bats
# The man page and the shell completions (doc/, written by cmd/lamina-doc.c from the settings
# table) against what lamina itself says: every option `lamina run --help` lists, and no other,
# in the man page and in both completions; the subcommands of `lamina --help`; the options of
# `lamina demo --help` and `lamina check --help`; profile names from `lamina profiles`; layer
# names from `lamina run --help`; the install locations man, bash-completion and zsh look in.
load helpers

DOC=$BUILD_DIR/doc
PY3=/usr/bin/python3

# The run options --help lists, one a line: "-p --profile NAME|FILE", "--bind SRC DST",
# "--report".  cmd/run.c prints "  %-27s %s" (the option and its arguments, its help), or the
# option alone on a line when it is longer, with the help on the next.
help_options() {
	"$LAMINA" run --help | awk '
		{ l[NR] = $0 }
		END {
			pad = sprintf("%30s", "")
			for (i = 1; i <= NR; i++) {
				if (l[i] !~ /^  (-[a-z],|    --)/) continue
				long = substr(l[i + 1], 1, 30) == pad && substr(l[i + 1], 31, 1) != " "
				left = long ? substr(l[i], 3) : substr(l[i], 3, 27)
				sub(/^ +/, "", left); sub(/ +$/, "", left); sub(/, /, " ", left)
				print left
			}
		}' | sort
}

# The same from a man page's RUN OPTIONS section (the tag line of each .TP).
man_options() {
	sed -n '/^\.SH RUN OPTIONS/,/^\.SH /p' "$1" | awk 'prev == ".TP" { print } { prev = $0 }' |
		sed -E 's/\\f[BIR]//g; s/\\-/-/g; s/^(-[a-z]), /\1 /' | sort
}

# Subcommands and demo/check options as their --help texts name them.
help_commands() { "$LAMINA" --help | sed -nE 's/^(usage:| ) *lamina ([a-z]+).*/\2/p' | sort -u; }
help_demo_options() { "$LAMINA" demo --help | grep -oE '^  (-[a-z], )?--[a-z-]+' | grep -oE -- '-{1,2}[a-z-]+' | sort; }

@test "man page: the RUN OPTIONS are exactly the options lamina run --help lists, with their arguments" {
	[ -f "$DOC/lamina.1" ] || { echo "no $DOC/lamina.1 (build first)" >&2; return 1; }
	local h m
	h=$(help_options)
	m=$(man_options "$DOC/lamina.1")
	[ "$(wc -l <<<"$h")" -gt 40 ] # the parse found the options
	diff <(echo "$h") <(echo "$m")
	# and the help line of each is its text
	run grep -c '^Wall-clock limit for the whole sandbox (exit 124)\.$' "$DOC/lamina.1"
	assert_output 1
	# the layers --unsafe-disable-layer can remove, as --help lists them
	local layers
	layers=$("$LAMINA" run --help | sed -n 's/^layers --unsafe-disable-layer can remove: //p')
	grep -qF ".BR $layers ." "$DOC/lamina.1"
}

@test "man page: the subcommands of lamina --help, the options of lamina demo --help and check --help are in it" {
	local c o
	for c in $(help_commands); do
		grep -qE "^\.B(\s| lamina )$c( |$)" "$DOC/lamina.1" || { echo "no subcommand $c in the man page" >&2; return 1; }
	done
	for o in $(help_demo_options); do
		grep -qF "\\fB${o//-/\\-}\\fR" "$DOC/lamina.1" || { echo "no demo option $o in the man page" >&2; return 1; }
	done
	grep -qF '\-\-pfc' "$DOC/lamina.1"
	# twin: a name that is not an option is not found by the same search
	run grep -qF '\fB\-\-no\-such\-option\fR' "$DOC/lamina.1"
	assert_failure 1
}

@test "man page: renders without a warning, and man finds it where meson installs it" {
	command -v groff >/dev/null || skip "groff is not installed"
	run groff -man -ww -z "$DOC/lamina.1"
	assert_success
	assert_output ""
	command -v man >/dev/null || skip "man (man-db) is not installed"
	local m=$BATS_TEST_TMPDIR/share/man
	mkdir -p "$m/man1" && cp "$DOC/lamina.1" "$m/man1/"
	run env MANPATH="$m" MANWIDTH=100 man lamina
	assert_success
	assert_line --partial "lamina - run an untrusted program inside stacked layers of isolation"
	assert_line --regexp '^ +--json-status-fd FD$'
	# where meson installs it, the completions too (the build's install plan)
	run "$PY3" -c 'import json, sys
for src, dst in json.load(open(sys.argv[1])).items():
    if "/doc/" in src: print(dst.split("/share/", 1)[1])' "$BUILD_DIR/meson-info/intro-installed.json"
	assert_success
	assert_line man/man1/lamina.1
	assert_line bash-completion/completions/lamina
	assert_line zsh/site-functions/_lamina
}

# bash: COMPREPLY for the words given (the last one is the word being completed).
bash_complete() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _lamina; printf "%s\n" "${COMPREPLY[@]}"' \
		bash "$DOC/lamina" "$@" | sort -u
}

@test "bash completion: subcommands, every run option and no other, profiles, layers, rlimits, option values" {
	run bash_complete "$LAMINA" ""
	assert_output "$(printf '%s\n' $(help_commands) --help --version | sort -u)"
	# every option of --help (short and long), nothing else
	run bash_complete "$LAMINA" run -
	assert_output "$(help_options | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^-/) print $i } END { print "-h"; print "--help" }' | sort -u)"
	# profile names as lamina profiles gives them (and files)
	run bash_complete "$LAMINA" run -p ""
	local p
	for p in $("$LAMINA" profiles | cut -d' ' -f1); do assert_line "$p"; done
	run bash_complete "$LAMINA" run --unsafe-disable-layer ""
	assert_output "$(printf '%s\n' $("$LAMINA" run --help | sed -n 's/^layers --unsafe-disable-layer can remove: //p') | sort)"
	run bash_complete "$LAMINA" run --rlimit nof
	assert_output "nofile="
	run bash_complete "$LAMINA" run --net ""
	assert_output $'host\nnone\nuser'
	# an option's arguments are skipped: after --bind SRC DST comes PROGRAM (a command)
	run bash_complete "$LAMINA" run --bind /tmp /tmp --net none bas
	assert_line bash
	run bash_complete "$LAMINA" demo --format ""
	assert_output $'json\ntext\ntsv'
	run bash_complete "$LAMINA" demo -
	assert_output "$(printf '%s\n' $(help_demo_options) | sort -u)"
	run bash_complete "$LAMINA" demo userns-un
	assert_output userns-unshare
	run bash_complete "$LAMINA" check --
	assert_output $'--help\n--pfc'
}

@test "bash completion: bash-completion's loader finds it where meson installs it" {
	local bc=/usr/share/bash-completion/bash_completion
	[ -r "$bc" ] || skip "the bash-completion package is not installed ($bc)"
	local d=$BATS_TEST_TMPDIR/share
	mkdir -p "$d/bash-completion/completions" && cp "$DOC/lamina" "$d/bash-completion/completions/lamina"
	run env XDG_DATA_DIRS="$d" BASH_COMPLETION_USER_DIR=/nonexistent bash -c \
		"source $bc; __load_completion lamina && complete -p lamina"
	assert_success
	assert_output "complete -F _lamina lamina"
}

# zsh: what its completion system offers after BUFFER, through tests/zsh-complete (a pty).
zsh_complete() {
	TMPDIR=$BATS_TEST_TMPDIR "$SRC_DIR/tests/zsh-complete" "$DOC" "$1" | sort -u
}

@test "zsh completion: subcommands, every run option and no other, profiles, layers, rlimits, option values" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh -n "$DOC/_lamina"
	assert_success
	cd "$BATS_TEST_TMPDIR"
	run zsh_complete "$LAMINA "
	assert_output "$(help_commands)"
	run zsh_complete "$LAMINA run -"
	assert_output "$(help_options | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^-/) print $i } END { print "-h"; print "--help" }' | sort -u)"
	run zsh_complete "$LAMINA run -p "
	local p
	for p in $("$LAMINA" profiles | cut -d' ' -f1); do assert_line "$p"; done
	run zsh_complete "$LAMINA run --unsafe-disable-layer "
	assert_output "$(printf '%s\n' $("$LAMINA" run --help | sed -n 's/^layers --unsafe-disable-layer can remove: //p') | sort)"
	run zsh_complete "$LAMINA run --rlimit nof"
	assert_output nofile
	run zsh_complete "$LAMINA run --net "
	assert_output $'host\nnone\nuser'
	run zsh_complete "$LAMINA run --bind /tmp /tmp --net none bas"
	assert_line bash
	run zsh_complete "$LAMINA demo -"
	assert_output "$(printf '%s\n' $(help_demo_options) | sort -u)"
	run zsh_complete "$LAMINA demo userns-un"
	assert_output userns-unshare
}
