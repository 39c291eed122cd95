/* caps: empty every capability set (effective, permitted, inheritable and ambient with
 * libcap-ng, bounding with prctl), lock the securebits so that uid 0 inside never regains
 * capabilities on exec; then (a layer of its own) set no_new_privs.  Both run in the payload after
 * the mounts (which need CAP_SYS_ADMIN in the user namespace) and before seccomp (whose filter
 * needs no_new_privs without CAP_SYS_ADMIN). */
#include "sandbox.h"

#include <cap-ng.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int caps_payload(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (lm_layer_on(c, LM_LAYER_CAPS)) {
		/* Securebits first: setting them needs CAP_SETPCAP, which we are about to drop. */
		unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
				     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
				     SECBIT_NO_CAP_AMBIENT_RAISE |
				     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
		if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
			return lm_error(e, errno, "caps", "setting securebits");
		/* The bounding set first (dropping needs CAP_SETPCAP, which goes next), one
		 * PR_CAPBSET_DROP per capability the kernel knows: libcap-ng's
		 * CAPNG_SELECT_BOUNDS does the same after reading /proc/self/status three times. */
		for (int cap = 0;; cap++) {
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
				continue;
			if (errno == EINVAL && cap > 0)
				break; /* past the kernel's last capability */
			return lm_error(e, errno, "caps",
					"dropping capability %d from the bounding set", cap);
		}
		/* Effective, permitted, inheritable and ambient: libcap-ng (capset, then ambient
		 * cleared). */
		capng_clear(CAPNG_SELECT_ALL);
		if (capng_apply(CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT) < 0)
			return lm_error(e, errno ? errno : EPERM, "caps", "capng_apply");
		/* Trust, then verify with the kernel's own answers (capget and prctl, not another
		 * read of /proc/self/status): fail closed if any set still holds anything.  The
		 * ambient set needs no loop: the kernel keeps it a subset of permitted and
		 * inheritable, both checked empty here. */
		struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct data[2];
		if (syscall(SYS_capget, &hdr, data) < 0)
			return lm_error(e, errno, "caps", "reading the capability sets back");
		for (int i = 0; i < 2; i++)
			if (data[i].effective || data[i].permitted || data[i].inheritable)
				return lm_error(e, 0, "caps", "capabilities remain after the drop");
		for (int cap = 0; cap <= CAP_LAST_CAP + 8; cap++) {
			int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
			if (r < 0)
				break; /* past the kernel's last capability */
			if (r == 1)
				return lm_error(e, 0, "caps",
						"capability %d remains in the bounding set", cap);
		}
		lm_verbose(c, "caps",
			   "all capability sets empty (effective, permitted, inheritable, "
			   "bounding, ambient); securebits locked");
	} else {
		lm_verbose(
		    c, "caps",
		    "LAYER DISABLED: the payload keeps every capability in its user namespace");
	}
	return 0;
}

static int nnp_payload(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (lm_layer_on(c, LM_LAYER_NNP)) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return lm_error(e, errno, "caps", "no_new_privs");
		lm_verbose(c, "caps", "no_new_privs set: exec can never grant privileges");
	} else {
		lm_verbose(c, "caps", "LAYER DISABLED: no_new_privs not set");
	}
	return 0;
}

static void caps_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nCapabilities (caps)\n");
	if (lm_layer_on(c, LM_LAYER_CAPS))
		fprintf(out, "  every set emptied (effective, permitted, inheritable, bounding, "
			     "ambient) after the mounts; securebits locked so that\n  uid 0 inside "
			     "never regains them\n");
	else
		fprintf(out, "  LAYER DISABLED: the payload keeps every capability in its user "
			     "namespace\n");
}

static void nnp_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	if (lm_layer_on(c, LM_LAYER_NNP))
		fprintf(out, "  no_new_privs (nnp): setuid files and file capabilities give "
			     "nothing\n");
	else
		fprintf(out, "  no_new_privs (nnp): LAYER DISABLED\n");
}

const struct lm_layer lm_layer_caps = {
    .name = "caps",
    .bit = LM_LAYER_CAPS,
    .removable = true,
    .step = {[LM_STAGE_PAYLOAD] = caps_payload},
    .explain = caps_explain,
};

const struct lm_layer lm_layer_nnp = {
    .name = "nnp",
    .bit = LM_LAYER_NNP,
    .removable = true,
    .step = {[LM_STAGE_PAYLOAD] = nnp_payload},
    .explain = nnp_explain,
};
