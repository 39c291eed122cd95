# The attack helpers of the suites that run tests/attacks/attack.c (attacks.bats,
# shared-kernel.bats): the attack in a sandbox, its exact outcome, its twin, the escape with
# the layers that stop it removed.  Loaded after helpers.bash.
ADIR=$(dirname "$ATTACK")

# attack PROFILE [LAMINA-OPTIONS...] -- NAME [ARGS...]: the attack in a sandbox (the program is
# bound at its own path, so that it is found with or without the pivot).
attack() {
	local profile=$1
	shift
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	# shellcheck disable=SC2046
	[ "$profile" = hosting ] && opts+=($(hosting_nocg))
	run --separate-stderr "$LAMINA" run -p "$profile" "${opts[@]}" --ro-bind "$ADIR" "$ADIR" -- "$ATTACK" "$@"
}

# blocked PROFILE CODE NAME [ARG]: stopped with exactly CODE.
blocked() {
	local p=$1 code=$2
	shift 2
	attack "$p" -- "$@"
	assert_output --regexp "^blocked $code( |\$)"
	assert_success
}

# twin PROFILE NAME [LAMINA-OPTIONS...] [-- ARG]: the harmless variant works.
twin() {
	local p=$1 name=$2
	shift 2
	local opts=() args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift && args=("$@")
	attack "$p" "${opts[@]}" -- "$name" --twin "${args[@]}"
	assert_output --regexp '^ok( |$)'
	assert_success
}

# escapes PROFILE "LAYER..." NAME [ARG]: with those layers removed, the attack gets through.
escapes() {
	local p=$1 layers=$2
	shift 2
	local o=() l
	for l in $layers; do o+=(--unsafe-disable-layer "$l"); done
	# Without the caps layer only a uid-0 payload keeps capabilities (exec clears them for any
	# other uid): run it as uid 0 inside, the strongest position a payload can take.
	[[ " $layers " == *" caps "* ]] && o+=(--uid 0 --gid 0)
	attack "$p" "${o[@]}" -- "$@"
	assert_output --regexp '^escaped( |$)'
	assert_failure 1
	assert_stderr --partial "WARNING: layer '${layers%% *}' disabled"
}

# refused_by_rule PROFILE SYSCALL NAME [ARG]: the seccomp report names the rule that refused it.
refused_by_rule() {
	local p=$1 sc=$2
	shift 2
	attack "$p" --report -- "$@"
	assert_success
	assert_stderr --regexp "seccomp: refused pid [0-9]+ at $sc\("
}

# without_seccomp PROFILE CODE NAME [ARG]: with seccomp removed, the layer behind answers CODE.
without_seccomp() {
	local p=$1 code=$2
	shift 2
	attack "$p" --unsafe-disable-layer seccomp -- "$@"
	assert_output --regexp "^blocked $code( |\$)"
	assert_success
}
