#!/usr/bin/env bats
# The seed article, reproduced with our own programs (tests/seed/): the same survivors, the
# same deaths.  Programs 1-3 carry their own filter, so running them directly is harmless; the
# filter-free version of program 3 gets its filter from `lamina run -p strict`.
load helpers

STEPS123='step 1: no restrictions yet
step 2: filter loaded, dup2(1, 2) is allowed
step 3: dup2(1, 2) done; now dup2(2, 42)'

seed_in() { # PROFILE PROGRAM: a seed program inside lamina
	"$LAMINA" run --ro-bind "$SEED_DIR" /seed -p "$1" -- "/seed/$2"
}

@test "seed 1: strict mode (SECCOMP_MODE_STRICT) lets write through and kills at dup2 with SIGKILL (137)" {
	run "$SEED_DIR/seed1_strict"
	assert_equal "$status" 137
	assert_output 'step 1: no restrictions yet
step 2: strict mode: read, write, exit and sigreturn only'
}

@test "seed 1 inside lamina: a payload under lamina's filters cannot switch to mode 1 (the kernel refuses)" {
	# seccomp modes only go one way: once in filter mode, PR_SET_SECCOMP(STRICT) is EINVAL, so
	# a payload cannot trade lamina's filters for another mode
	run --separate-stderr seed_in default seed1_strict
	assert_equal "$status" 1
	assert_output 'step 1: no restrictions yet
prctl(PR_SET_SECCOMP) failed'
}

@test "seed 2: libseccomp allowlist: steps 1-3, dup2(1, 2) survives, SIGSYS (159) at dup2(2, 42)" {
	run "$SEED_DIR/seed2_libseccomp"
	assert_equal "$status" 159
	assert_output "$STEPS123"
}

@test "seed 3: restricted read/write, no_new_privs, non-dumpable: steps 1-3, then 159" {
	run "$SEED_DIR/seed3_restricted"
	assert_equal "$status" 159
	assert_output "$STEPS123"
}

@test "seed 3 twin: the filter-free version alone goes through dup2(2, 42) and exits 0" {
	run "$SEED_DIR/seed3_nofilter"
	assert_success
	assert_output "$STEPS123
step 4: unreachable: dup2(2, 42) went through"
}

@test "seed 3 under lamina -p strict: the filter-free version prints the same steps and exits 159" {
	run --separate-stderr seed_in strict seed3_nofilter
	assert_equal "$status" 159
	assert_output "$STEPS123"
}

@test "seed 3 under lamina -p strict --report: the kill is reported as the seed's dup2(2, 42)" {
	run --separate-stderr "$LAMINA" run --report --ro-bind "$SEED_DIR" /seed -p strict -- /seed/seed3_nofilter
	assert_equal "$status" 159
	assert_output "$STEPS123"
	assert_stderr --regexp "lamina: seccomp: killed pid [0-9]+ at dup2\(2, 42\): not allowed by strict \(default action kill-process\)"
}

@test "seed 3 twin under a permissive profile: default lets dup2(2, 42) through" {
	run --separate-stderr seed_in default seed3_nofilter
	assert_success
	assert_line 'step 4: unreachable: dup2(2, 42) went through'
}

@test "seeds 2 and 3 inside lamina (their own filter stacked on lamina's): the same 159" {
	run --separate-stderr seed_in default seed2_libseccomp
	assert_equal "$status" 159
	assert_output "$STEPS123"
	run --separate-stderr seed_in default seed3_restricted
	assert_equal "$status" 159
	assert_output "$STEPS123"
}
