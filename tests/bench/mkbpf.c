/* mkbpf: write a precompiled seccomp filter of about NRULES rules, for bwrap --seccomp FD.
 *
 *   mkbpf OUT.bpf [NRULES]     (default 300)
 *
 * The filter is shaped like a container runtime's default profile: an allow-list of the native
 * system calls (every number libseccomp can name, minus the usual dangerous ones), a few
 * argument rules (clone without CLONE_NEWUSER, ioctl other than TIOCSTI), and everything else
 * refused with EPERM.  It is compiled once here with seccomp_export_bpf, so bwrap only loads
 * it: the comparison with lamina is about what a launch costs, not about compiling a policy. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Refused by the allow-list (not counted as rules: they fall to the default action). */
static const char *const denied[] = {
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "finit_module",
    "get_kernel_syms",
    "init_module",
    "ioperm",
    "iopl",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mount",
    "move_pages",
    "nfsservctl",
    "open_by_handle_at",
    "perf_event_open",
    "personality",
    "pivot_root",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "query_module",
    "quotactl",
    "reboot",
    "request_key",
    "setns",
    "settimeofday",
    "swapoff",
    "swapon",
    "sysfs",
    "_sysctl",
    "umount2",
    "unshare",
    "uselib",
    "userfaultfd",
    "ustat",
    "vm86",
    "vm86old",
    "clone3",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "clone",
    "ioctl",
    NULL,
};

static int is_denied(const char *name)
{
	for (const char *const *d = denied; *d; d++)
		if (strcmp(*d, name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mkbpf OUT.bpf [NRULES]\n");
		return 2;
	}
	int target = argc == 3 ? atoi(argv[2]) : 300;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx) {
		fprintf(stderr, "mkbpf: seccomp_init failed\n");
		return 1;
	}
	int rules = 0, rc;
	/* Argument rules first: clone and ioctl are allowed only in their harmless forms. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, 0));
	rules += rc == 0;
	rc = rc ? rc
		: seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				   SCMP_A1(SCMP_CMP_NE, TIOCSTI, 0));
	rules += rc == 0;
	if (rc) {
		fprintf(stderr, "mkbpf: argument rule: %s\n", strerror(-rc));
		seccomp_release(ctx);
		return 1;
	}
	for (int nr = 0; nr < 1024 && rules < target; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (!name)
			continue;
		if (!is_denied(name)) {
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
			if (rc) {
				fprintf(stderr, "mkbpf: %s: %s\n", name, strerror(-rc));
				free(name);
				seccomp_release(ctx);
				return 1;
			}
			rules++;
		}
		free(name);
	}
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "mkbpf: %s: %s\n", argv[1], strerror(errno));
		seccomp_release(ctx);
		return 1;
	}
	rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc) {
		fprintf(stderr, "mkbpf: export: %s\n", strerror(-rc));
		close(fd);
		return 1;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0 || close(fd) < 0) {
		fprintf(stderr, "mkbpf: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("%d rules, %lld BPF instructions\n", rules, (long long)size / 8);
	return 0;
}
