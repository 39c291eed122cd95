# default: the profile `lamina run` uses when none is named.
#
# What it is for: running ordinary programs you do not fully trust -- `sh -c` with
# redirections, coreutils, make, cc (gcc's cc1, as, ld, collect2), python3 -- without giving
# them the kernel interfaces that sandbox escapes and kernel exploits are made of.
#
# What it stops: it is an allowlist.  Every system call named below with `allow` works; the
# calls sandbox escapes and kernel exploits are built from (mounts, namespaces, tracing, the
# kernel's attack surface, host administration) are refused explicitly, group by group; anything
# not named at all gets the default action.
#
# Choices, and why:
#  - default errno(ENOSYS): a call the profile does not know looks like a call the kernel does
#    not have.  Programs and the C library are written to cope with that (glibc falls back from
#    faccessat2, statx, clone3, close_range... when it sees ENOSYS); with EPERM they would
#    report a failure instead (the faccessat2-under-Docker breakage).
#  - refused calls get errno(EPERM): "you may not", what an unprivileged process sees for most
#    of them anyway, so probing programs (package managers, test suites, `mount` without
#    arguments) fail cleanly instead of dying.
#  - kill-process for the few calls that only ever serve an attack on the host kernel: loading
#    a kernel or a module, raw port I/O (iopl/ioperm), the a.out loader (uselib), and
#    open_by_handle_at (the "shocker" container escape).  No program a sandbox runs has a
#    reason to try them, so trying is proof of intent: the payload dies (exit 159).
#  - 32-bit arguments (fds, socket families, personality) are compared through a
#    0xffffffff mask or with exact 64-bit equality in allow rules (which fails closed): the
#    kernel reads them as 32-bit, so a rule comparing all 64 bits could be dodged by setting
#    high bits.
#
# Under every profile lamina also stacks its built-in hardening (CLONE_NEWUSER on clone and
# unshare refused, clone3 answered with ENOSYS so that libc falls back to clone, ioctl
# TIOCSTI/TIOCLINUX refused, foreign architectures filtered); see `lamina check default`.

# Resource limits, per process (lamina's own defaults add core=0, nofile=1024, nproc=1024,
# fsize=16G): a bounded address space (a runaway or hostile allocation fails with ENOMEM
# instead of pushing the host into swap and the OOM killer) and a bounded CPU time (a spinning
# process gets SIGXCPU, then SIGKILL, after an hour of CPU).  Set soft = hard, so the payload
# cannot raise them back.  Programs that reserve huge address ranges (a JVM with a large heap,
# WebAssembly runtimes) or compute for hours: lift them with `--rlimit as=unlimited` or
# `--rlimit cpu=unlimited` (the command line wins over the profile).
rlimit as=8G
rlimit cpu=3600
# No limit of the sandbox as a whole (`limit memory ...`: a cgroup): a cgroup needs root or a
# cgroup v2 delegated to the caller, and lamina refuses to run where a limit asked for cannot
# be applied, so a limit here would stop `default` for most unprivileged callers.  /tmp and
# /dev/shm are bounded all the same (1G together); add --memory, --pids or --cpus where the
# caller can have a cgroup.

# Landlock, by path (rules match the root lamina builds): read and execute anywhere in it;
# write only where the sandbox is meant to write -- /tmp, /dev/shm and lamina's own device
# nodes -- so that a mistake in the mount layer is not enough to write elsewhere.  A writable
# --bind or --tmpfs gets a write rule of its own, unless --allow-write on the command line says
# where writes go (then only there).  ioctl on devices only on lamina's own nodes (terminals
# need it).  /dev/mqueue is named for read as well: mq_open reaches the queues through the ipc
# namespace's own mount of that filesystem, where a rule on / never applies.  Signals and
# abstract unix sockets are scoped to the sandbox: the payload cannot signal init or reach the
# host's abstract sockets under --share-net (`landlock scope none` would lift that).  No rule
# allows writing beneath /proc: /proc/PID/mem cannot be opened for writing.
landlock read / /dev/mqueue
landlock exec /
landlock write /tmp /dev/shm /dev/mqueue /dev/null /dev/zero /dev/full /dev/tty /dev/pts /dev/ptmx
landlock ioctl /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/pts /dev/ptmx

purpose Safe for most programs: shells, coreutils, make, cc, python3; refuses mounts, namespaces, kernel attack surface

default errno(ENOSYS)

group files: open, read, write and manage files and directories
allow read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2
allow close close_range lseek
allow stat fstat lstat newfstatat statx statfs fstatfs access faccessat faccessat2
allow readlink readlinkat getdents getdents64 getcwd chdir fchdir
allow rmdir unlink unlinkat rename renameat renameat2
allow link linkat symlink symlinkat
allow chown fchown lchown fchownat umask
allow truncate ftruncate fallocate fsync fdatasync sync syncfs sync_file_range
allow utime utimes utimensat futimesat fadvise64 readahead flock
allow copy_file_range sendfile splice tee vmsplice
allow getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr
allow setxattr lsetxattr fsetxattr removexattr lremovexattr fremovexattr
allow inotify_init inotify_init1 inotify_add_watch inotify_rm_watch
allow memfd_create
# Linux AIO (libaio: databases, qemu-img): plain reads and writes the filter has seen set up;
# unlike io_uring it carries no open, connect or other call past seccomp.
allow io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents

group no-setuid: no set-user-ID or set-group-ID file is made (it would stay on the host in a writable bind)
# A file the payload makes in a writable bind stays on the host, owned by the bound tree's
# owner (root's idmapped binds) or by the caller: with the set-user-ID bit it runs as that
# user for anyone on the host.  So every call that sets a mode -- chmod and its siblings,
# open/openat/creat with O_CREAT, mknod, mkdir -- is allowed only when the mode has neither
# S_ISUID (04000) nor S_ISGID (02000), and refused with EPERM when it has either: tar, cp -p,
# install -m 4755 fail cleanly instead of planting such a file.  The mode is read by the
# kernel as a 16-bit umode_t, so the low bits the mask tests are the ones that count.  The
# rule is the same everywhere (a filter sees numbers, not which mount a path is on); a
# nosuid mount would stop such a file only inside the sandbox, never on the host.
# openat2 is not allowed (ENOSYS, as under a kernel without it; the C library falls back to
# openat): its mode and flags sit in a struct behind a pointer, which no filter can read.
# File capabilities need no rule: setting security.capability needs CAP_SETFCAP, which the
# caps layer never leaves to the payload (EPERM), and a v3 capability written in a user
# namespace is tied to that namespace's root, a host uid other than 0.
allow open if a2 & 06000 == 0
allow openat if a3 & 06000 == 0
allow creat mkdir chmod fchmod mknod if a1 & 06000 == 0
allow mkdirat fchmodat fchmodat2 mknodat if a2 & 06000 == 0
errno(EPERM) open if a2 & 04000 == 04000
errno(EPERM) open if a2 & 02000 == 02000
errno(EPERM) openat if a3 & 04000 == 04000
errno(EPERM) openat if a3 & 02000 == 02000
errno(EPERM) creat mkdir chmod fchmod mknod if a1 & 04000 == 04000
errno(EPERM) creat mkdir chmod fchmod mknod if a1 & 02000 == 02000
errno(EPERM) mkdirat fchmodat fchmodat2 mknodat if a2 & 04000 == 04000
errno(EPERM) mkdirat fchmodat fchmodat2 mknodat if a2 & 02000 == 02000

group fds: duplicate and control file descriptors, pipes, polling
allow dup dup2 dup3 fcntl pipe pipe2 ioctl
allow poll ppoll select pselect6
allow epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2
allow eventfd eventfd2 signalfd signalfd4 timerfd_create timerfd_settime timerfd_gettime

group memory: the process's own memory
allow brk mmap munmap mremap mprotect madvise msync mincore
allow mlock mlock2 munlock mlockall munlockall membarrier
allow pkey_mprotect pkey_alloc pkey_free get_mempolicy set_mempolicy mbind

group processes: run programs, threads, signals, waiting
allow execve execveat fork vfork exit exit_group wait4 waitid
allow kill tgkill tkill getpid getppid gettid getpgid setpgid getpgrp getsid setsid
allow rt_sigaction rt_sigprocmask rt_sigreturn rt_sigsuspend rt_sigpending
allow rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack pause
# The kernel resumes an interrupted sleep (nanosleep, poll, futex wait after SIGSTOP/SIGCONT)
# through restart_syscall: refusing it would make a stopped and continued process fail.
allow restart_syscall
allow arch_prctl set_tid_address set_robust_list get_robust_list rseq futex futex_waitv prctl
allow getrusage times getrlimit setrlimit prlimit64 getpriority setpriority
allow sched_yield sched_getaffinity sched_setaffinity sched_getparam sched_setparam
allow sched_getscheduler sched_setscheduler sched_get_priority_max sched_get_priority_min
allow sched_rr_get_interval sched_getattr sched_setattr getcpu ioprio_get ioprio_set
allow pidfd_open pidfd_send_signal capget capset seccomp
allow landlock_create_ruleset landlock_add_rule landlock_restrict_self
# A new process or thread: allowed unless it asks for a new namespace.  The flags are in a0
# (a full unsigned long for clone).  CLONE_NEWTIME is not listed for clone: in clone(2) the
# low byte is the exit signal, where 0x80 is part of a signal number.  clone3 is not allowed
# here: its flags sit behind a pointer no filter can read, so it gets the default ENOSYS and
# the C library falls back to clone (the built-in hardening does the same under every profile).
allow clone if a0 & CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWCGROUP == 0
# unshare(2) of what a process already owns (CLONE_FILES, CLONE_FS, CLONE_SYSVSEM) is harmless.
allow unshare if a0 & CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWCGROUP|CLONE_NEWTIME == 0
# personality(2): only querying (0xffffffff) and the harmless personas, 64-bit Linux and the
# 32-bit one (setarch i686, used by builds of 32-bit code), with or without UNAME26.  glibc
# passes the persona zero-extended, so exact 64-bit equality is right and fails closed.  Any
# other persona (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC... which weaken exploit mitigations) gets
# the default ENOSYS: "EPERM for every other value" would need a rule overlapping these, and
# libseccomp does not resolve overlapping rules in profile order (the parser refuses them).
allow personality if a0 == 0xffffffff
allow personality if a0 == PER_LINUX
allow personality if a0 == PER_LINUX32
allow personality if a0 == UNAME26
allow personality if a0 == UNAME26|PER_LINUX32

group time: read clocks and sleep (setting the clock is refused below)
allow clock_gettime clock_getres gettimeofday time nanosleep clock_nanosleep
allow alarm getitimer setitimer
allow timer_create timer_settime timer_gettime timer_getoverrun timer_delete

group identity: ids and system information (inside the user namespace only mapped ids exist)
allow getuid geteuid getgid getegid getresuid getresgid getgroups
allow setuid setgid setreuid setregid setresuid setresgid setfsuid setfsgid setgroups
allow uname sysinfo getrandom

group ipc: System V and POSIX IPC, private to the sandbox's IPC namespace
allow shmget shmat shmdt shmctl semget semop semtimedop semctl
allow msgget msgsnd msgrcv msgctl
allow mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr

group network: sockets (the network namespace has only lo unless the host network is shared)
allow bind connect listen accept accept4 getsockname getpeername shutdown
allow sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg setsockopt getsockopt
allow socketpair if a0 & 0xffffffff == AF_UNIX
# Families and protocols are an allowlist: local sockets; TCP and UDP over IPv4 and IPv6
# (protocol 0 or the protocol's own number); ICMP echo (unprivileged ping sockets); and
# NETLINK_ROUTE (protocol 0), which glibc's getaddrinfo reads addresses through.  Any other
# family or protocol gets the default ENOSYS; raw and packet sockets (sniffing, spoofing) get
# EPERM.  MPTCP and UDP-Lite, whole transport protocols behind the same families, get
# EPROTONOSUPPORT: what a kernel built without them answers, so that programs that try them
# first (an MPTCP-enabled listener) fall back to TCP or UDP as they would there.
allow socket if a0 & 0xffffffff == AF_UNIX
allow socket if a0 & 0xffffffff == AF_INET && a1 & 0xf == SOCK_STREAM && a2 & 0xffffffff == 0
allow socket if a0 & 0xffffffff == AF_INET && a1 & 0xf == SOCK_STREAM && a2 & 0xffffffff == IPPROTO_TCP
allow socket if a0 & 0xffffffff == AF_INET && a1 & 0xf == SOCK_DGRAM && a2 & 0xffffffff == 0
allow socket if a0 & 0xffffffff == AF_INET && a1 & 0xf == SOCK_DGRAM && a2 & 0xffffffff == IPPROTO_UDP
allow socket if a0 & 0xffffffff == AF_INET && a1 & 0xf == SOCK_DGRAM && a2 & 0xffffffff == IPPROTO_ICMP
allow socket if a0 & 0xffffffff == AF_INET6 && a1 & 0xf == SOCK_STREAM && a2 & 0xffffffff == 0
allow socket if a0 & 0xffffffff == AF_INET6 && a1 & 0xf == SOCK_STREAM && a2 & 0xffffffff == IPPROTO_TCP
allow socket if a0 & 0xffffffff == AF_INET6 && a1 & 0xf == SOCK_DGRAM && a2 & 0xffffffff == 0
allow socket if a0 & 0xffffffff == AF_INET6 && a1 & 0xf == SOCK_DGRAM && a2 & 0xffffffff == IPPROTO_UDP
allow socket if a0 & 0xffffffff == AF_INET6 && a1 & 0xf == SOCK_DGRAM && a2 & 0xffffffff == IPPROTO_ICMPV6
allow socket if a0 & 0xffffffff == AF_NETLINK && a2 & 0xffffffff == 0
errno(EPROTONOSUPPORT) socket if a0 & 0xffffffff == AF_INET && a1 & 0xf == SOCK_STREAM && a2 & 0xffffffff == IPPROTO_MPTCP
errno(EPROTONOSUPPORT) socket if a0 & 0xffffffff == AF_INET6 && a1 & 0xf == SOCK_STREAM && a2 & 0xffffffff == IPPROTO_MPTCP
errno(EPROTONOSUPPORT) socket if a0 & 0xffffffff == AF_INET && a1 & 0xf == SOCK_DGRAM && a2 & 0xffffffff == IPPROTO_UDPLITE
errno(EPROTONOSUPPORT) socket if a0 & 0xffffffff == AF_INET6 && a1 & 0xf == SOCK_DGRAM && a2 & 0xffffffff == IPPROTO_UDPLITE
errno(EPERM) socket if a0 & 0xffffffff == AF_PACKET
errno(EPERM) socket if a0 & 0xffffffff == AF_INET && a1 & 0xf == SOCK_RAW
errno(EPERM) socket if a0 & 0xffffffff == AF_INET6 && a1 & 0xf == SOCK_RAW

group no-mounts: the file system view cannot be changed (escapes through mounts, over-mounting)
errno(EPERM) mount umount2 fsopen fsconfig fsmount fspick move_mount open_tree mount_setattr
errno(EPERM) pivot_root chroot

group no-namespaces: no entering or creating namespaces (new user namespaces are a large kernel attack surface)
errno(EPERM) setns
errno(EPERM) unshare if a0 & CLONE_NEWNS == CLONE_NEWNS
errno(EPERM) unshare if a0 & CLONE_NEWUTS == CLONE_NEWUTS
errno(EPERM) unshare if a0 & CLONE_NEWIPC == CLONE_NEWIPC
errno(EPERM) unshare if a0 & CLONE_NEWUSER == CLONE_NEWUSER
errno(EPERM) unshare if a0 & CLONE_NEWPID == CLONE_NEWPID
errno(EPERM) unshare if a0 & CLONE_NEWNET == CLONE_NEWNET
errno(EPERM) unshare if a0 & CLONE_NEWCGROUP == CLONE_NEWCGROUP
errno(EPERM) unshare if a0 & CLONE_NEWTIME == CLONE_NEWTIME
errno(EPERM) clone if a0 & CLONE_NEWNS == CLONE_NEWNS
errno(EPERM) clone if a0 & CLONE_NEWUTS == CLONE_NEWUTS
errno(EPERM) clone if a0 & CLONE_NEWIPC == CLONE_NEWIPC
errno(EPERM) clone if a0 & CLONE_NEWUSER == CLONE_NEWUSER
errno(EPERM) clone if a0 & CLONE_NEWPID == CLONE_NEWPID
errno(EPERM) clone if a0 & CLONE_NEWNET == CLONE_NEWNET
errno(EPERM) clone if a0 & CLONE_NEWCGROUP == CLONE_NEWCGROUP

group kernel-surface: interfaces behind most recent kernel exploits, not needed by ordinary programs
errno(EPERM) bpf perf_event_open userfaultfd
# io_uring carries reads, writes, opens and connects that seccomp never sees.
errno(EPERM) io_uring_setup io_uring_enter io_uring_register
errno(EPERM) keyctl add_key request_key

group no-tracing: no reading or writing other processes' memory or state
errno(EPERM) ptrace process_vm_readv process_vm_writev kcmp pidfd_getfd
errno(EPERM) process_madvise migrate_pages move_pages

group host-admin: administering the host: accounting, swap, reboot, kernel log, quotas, clocks
errno(EPERM) acct swapon swapoff reboot syslog quotactl quotactl_fd
errno(EPERM) ustat sysfs vhangup name_to_handle_at fanotify_init lookup_dcookie
errno(EPERM) settimeofday clock_settime clock_adjtime adjtimex

group attack-only: calls that only ever serve an attack on the host: the process is killed (exit 159)
kill-process kexec_load kexec_file_load init_module finit_module delete_module
kill-process iopl ioperm uselib open_by_handle_at
