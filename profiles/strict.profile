# strict: the seed's third program as a profile -- seccomp mode 1 in spirit.
#
# What it is for: a pure computation, compiled STATICALLY, that reads its input on stdin and
# writes its results on stdout and stderr, and nothing else: untrusted code you run for its
# output (the seed's cpushare case taken to the end).
#
# What it stops: everything but the calls below.  Any other system call kills the whole
# process (exit 159 = 128 + SIGSYS): no files, no network, no new processes, no signals sent,
# no other fds.  Reading is allowed on fd 0 only, writing on fds 1 and 2 only, and dup2 only
# as dup2(1, 2) (the seed's one exception: stderr joined to stdout); the std-fd layer is on,
# so fds 0-2 cannot be closed or replaced either.
#
# Why these calls: `strace -f` on a static C program built with `gcc -static` (glibc 2.36)
# shows what runs before main() and at exit: execve (lamina installs the filter just before
# it executes the program), brk, arch_prctl, set_tid_address, set_robust_list, rseq,
# prlimit64 (reading RLIMIT_STACK), readlink("/proc/self/exe"), getrandom (malloc's
# randomisation), mprotect (RELRO), newfstatat on stdout (stdio's buffering choice),
# exit_group.  mmap/munmap serve malloc beyond the heap; rt_sigreturn lets a signal handler
# return (mode 1 has it too).
#
# fds are compared through a 0xffffffff mask: the kernel reads an fd as a 32-bit int, so
# write(0x100000001, ...) writes to fd 1 and must be judged as fd 1.

purpose The seed's strict mode: a static program may only read fd 0, write fds 1 and 2, and exit; anything else kills it

default kill-process
stdfd on
stdfd allow dup2(1, 2)

# Landlock, by path: read and execute (the program itself), no write anywhere (a writable
# --bind still gets a write rule).  The filter allows no open, so this is a second wall.
landlock read /
landlock exec /

group startup: what the C library of a static program runs before main() and at exit
allow execve brk arch_prctl set_tid_address set_robust_list rseq mprotect getrandom
allow exit exit_group rt_sigreturn restart_syscall
allow mmap munmap
# Reading its own limits only: prlimit64(0, RESOURCE, NULL, &old); setting one is refused.
allow prlimit64 if a0 == 0 && a2 == 0
# The static C library looks up its own path; it copes with a failure, so refuse it quietly
# rather than kill: the program learns nothing about the file system.
errno(ENOENT) readlink
# stdio asks what its standard fds are before choosing a buffering mode.
allow newfstatat if a0 & 0xffffffff == 0 && a3 == AT_EMPTY_PATH
allow newfstatat if a0 & 0xffffffff == 1 && a3 == AT_EMPTY_PATH
allow newfstatat if a0 & 0xffffffff == 2 && a3 == AT_EMPTY_PATH
allow fstat if a0 & 0xffffffff == 0
allow fstat if a0 & 0xffffffff == 1
allow fstat if a0 & 0xffffffff == 2
allow ioctl if a0 & 0xffffffff == 0 && a1 & 0xffffffff == TCGETS
allow ioctl if a0 & 0xffffffff == 1 && a1 & 0xffffffff == TCGETS
allow ioctl if a0 & 0xffffffff == 2 && a1 & 0xffffffff == TCGETS
# musl's stdio asks whether a std fd is a terminal with TIOCGWINSZ (glibc's with TCGETS)
allow ioctl if a0 & 0xffffffff == 0 && a1 & 0xffffffff == TIOCGWINSZ
allow ioctl if a0 & 0xffffffff == 1 && a1 & 0xffffffff == TIOCGWINSZ
allow ioctl if a0 & 0xffffffff == 2 && a1 & 0xffffffff == TIOCGWINSZ

group stdio: the only way in and out: read stdin, write stdout and stderr
allow read if a0 & 0xffffffff == 0
allow write if a0 & 0xffffffff == 1
allow write if a0 & 0xffffffff == 2
# musl's stdio writes a buffer and the rest of a line with one writev
allow writev if a0 & 0xffffffff == 1
allow writev if a0 & 0xffffffff == 2
# At exit stdio gives back read-ahead input on stdin by seeking it.
allow lseek if a0 & 0xffffffff == 0
# The seed's exception: stderr joined to stdout.
allow dup2 if a0 & 0xffffffff == 1 && a1 & 0xffffffff == 2
