/* profile_json.h: seccomp policies written in JSON (src/profile_json.c): Docker's profile format
 * (moby's default profile, containers-common's seccomp.json) for `lamina run -p FILE.json` and
 * `lamina check FILE.json`, and the runtime-spec's linux.seccomp object for lamina-oci.  Both
 * fill struct lm_seccomp_policy, so the seccomp layer compiles and stacks them under lamina's
 * built-in hardening as it does a text profile's rules. */
#ifndef LAMINA_PROFILE_JSON_H
#define LAMINA_PROFILE_JSON_H

#include <jansson.h>

#include "lamina.h"

struct lm_json_seccomp_opts {
	/* runtime-spec linux.seccomp: only its fields (no includes/excludes, no archMap) */
	bool oci;
	/* The capabilities the payload holds (bit N: capability N), against which a Docker
	 * profile's includes.caps and excludes.caps are decided. */
	uint64_t caps;
};

/* Fill p from the JSON object root.  file names the document and prefix the object's path in
 * it ("" for a profile file, "linux.seccomp" in a config.json) in messages:
 * "FILE: PREFIX.syscalls[12].args[0].op: message".  A field lamina does not know or cannot
 * honour is an error naming it, never ignored. */
int lm_seccomp_from_json(json_t *root, const char *file, const char *prefix,
			 const struct lm_json_seccomp_opts *o, struct lm_seccomp_policy *p,
			 struct lm_err *e);

/* Format an error about the JSON value at path PREFIX.WHAT in FILE ("FILE: PATH: message"),
 * exit status 125; returns -1. */
int lm_json_error(struct lm_err *e, const char *file, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Read a JSON file (a regular file of at most max bytes, opened without following a FIFO's
 * block) into *out; a syntax error is "FILE:LINE:COL: message". */
int lm_json_read_file(const char *path, size_t max, json_t **out, struct lm_err *e);

#endif
