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

/* What in-sandbox root keeps when the sandbox has a range of ids (more than its own): the
 * capabilities of changing ids and owning files, the ones a web server that drops to www-data
 * or a package manager that chowns needs.  They count only in the sandbox's own user
 * namespace: over its own processes, and over files whose owner is one of its ids (never the
 * host's root-owned files, whose ids are not mapped).  Nothing that reaches the kernel's wider
 * surface (SYS_ADMIN, NET_RAW, SYS_PTRACE, MKNOD, SYS_CHROOT, DAC_READ_SEARCH for
 * open_by_handle_at...). */
static const int identity_caps[] = {
    CAP_CHOWN,	CAP_DAC_OVERRIDE, CAP_FOWNER,  CAP_FSETID,	     CAP_KILL,
    CAP_SETGID, CAP_SETUID,	  CAP_SETPCAP, CAP_NET_BIND_SERVICE,
};
#define NIDENTITY (sizeof identity_caps / sizeof identity_caps[0])

static bool identity_cap(int cap)
{
	for (size_t i = 0; i < NIDENTITY; i++)
		if (identity_caps[i] == cap)
			return true;
	return false;
}

/* In-sandbox root of a sandbox with a range of ids: the identity capabilities stay in the
 * bounding, permitted and effective sets, and uid 0 keeps them across exec as root does (no
 * NOROOT); a change to other ids clears them as it would for root (no NO_SETUID_FIXUP, and
 * PR_SET_KEEPCAPS works as for root, which setpriv and su-like tools use). */
static bool keeps_identity(const struct lm_config *c)
{
	return c->uid == 0 && lm_userns_is_range(c);
}

static int caps_payload(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	bool identity = keeps_identity(c);
	/* Landlock and seccomp restrict a process only if it has no_new_privs or CAP_SYS_ADMIN in
	 * its user namespace: with the nnp layer removed, sys_admin stays in the effective and
	 * permitted sets (out of the bounding set) for them, and execve drops it. */
	bool admin = !lm_layer_on(c, LM_LAYER_NNP) &&
		     (lm_layer_on(c, LM_LAYER_LANDLOCK) || lm_layer_on(c, LM_LAYER_SECCOMP));
	if (lm_layer_on(c, LM_LAYER_CAPS)) {
		/* Securebits first: setting them needs CAP_SETPCAP, which we are about to drop. */
		unsigned long bits =
		    SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
		if (!identity)
			bits |= SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
				SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED;
		if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
			return lm_error(e, errno, "caps", "setting securebits");
		/* The bounding set first (dropping needs CAP_SETPCAP, which goes next), one
		 * PR_CAPBSET_DROP per capability the kernel knows: libcap-ng's
		 * CAPNG_SELECT_BOUNDS does the same after reading /proc/self/status three times. */
		for (int cap = 0;; cap++) {
			if ((identity && identity_cap(cap)) ||
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
				continue;
			if (errno == EINVAL && cap > 0)
				break; /* past the kernel's last capability */
			return lm_error(e, errno, "caps",
					"dropping capability %d from the bounding set", cap);
		}
		/* Effective, permitted, inheritable and ambient: libcap-ng (capset, then ambient
		 * cleared). */
		capng_clear(CAPNG_SELECT_ALL);
		for (size_t i = 0; identity && i < NIDENTITY; i++)
			if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
					 (unsigned)identity_caps[i]) < 0)
				return lm_error(e, EINVAL, "caps", "capng_update");
		if (admin &&
		    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_ADMIN) < 0)
			return lm_error(e, EINVAL, "caps", "capng_update");
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
		uint32_t kept[2] = {0, 0};
		for (size_t i = 0; identity && i < NIDENTITY; i++)
			kept[identity_caps[i] / 32] |= 1u << (identity_caps[i] % 32);
		if (admin)
			kept[CAP_SYS_ADMIN / 32] |= 1u << (CAP_SYS_ADMIN % 32);
		for (int i = 0; i < 2; i++)
			if ((data[i].effective & ~kept[i]) || (data[i].permitted & ~kept[i]) ||
			    data[i].inheritable)
				return lm_error(e, 0, "caps", "capabilities remain after the drop");
		for (int cap = 0; cap <= CAP_LAST_CAP + 8; cap++) {
			int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
			if (r < 0)
				break; /* past the kernel's last capability */
			if (r == 1 && !(identity && identity_cap(cap)))
				return lm_error(e, 0, "caps",
						"capability %d remains in the bounding set", cap);
		}
		if (identity)
			lm_verbose(c, "caps",
				   "root of a sandbox with a range keeps chown, dac_override, "
				   "fowner, fsetid, kill, setgid, setuid, setpcap, "
				   "net_bind_service in its own namespaces; every other capability "
				   "gone");
		else
			lm_verbose(c, "caps",
				   "all capability sets empty (effective, permitted, inheritable, "
				   "bounding, ambient); securebits locked");
		if (admin)
			lm_verbose(c, "caps",
				   "without no_new_privs: sys_admin stays effective until execve "
				   "(landlock and seccomp need it to restrict the payload), which "
				   "drops it: it is in no bounding, inheritable or ambient set");
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
		fprintf(
		    out,
		    "  every set emptied (effective, permitted, inheritable, bounding, "
		    "ambient) after the mounts; securebits locked so that\n  uid 0 inside "
		    "never regains them.  Except: root of a sandbox with a range of ids keeps "
		    "what changing\n  ids and owning files needs (chown, dac_override, fowner, "
		    "fsetid, kill, setgid, setuid, setpcap,\n  net_bind_service), valid only for "
		    "the sandbox's own ids, processes and network namespace\n");
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
