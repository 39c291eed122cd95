# build: untrusted build steps (configure scripts, make, compilers, test suites).
#
# What it is for: running a build you did not write.  Bind the work directory writable from
# the command line (`lamina run -p build --bind "$PWD" /src --chdir /src -- make`); the rest
# of the host stays read-only (/usr) or absent.
#
# What it stops: everything `default` stops (mounts, namespaces, bpf, io_uring, ptrace,
# module loading...), plus:
#  - the network: a new network namespace with only lo (a build step has no business
#    downloading or uploading; fetch sources beforehand; an explicit --share-net on the
#    command line still wins, as every option does);
#  - filling the host: a private tmpfs /tmp, and generous but bounded resource limits below
#    (a runaway test cannot fork-bomb, write an endless file or eat all memory).
# The std-fd layer stays off: shells redirect with dup2 onto 0-2 all the time.
#
# Limits are set soft=hard so that the build cannot raise them back.  A limit above the
# caller's own hard limit is an error at `lamina run` (lamina never holds CAP_SYS_RESOURCE):
# nofile stays at 1024, the usual soft limit.

purpose Untrusted build steps: default's calls, no network, private /tmp, generous but bounded rlimits

include default
network none
tmpfs /tmp

rlimit core=0
rlimit nofile=1024
rlimit nproc=1024
# A file larger than 8 GiB from a build step is a bug or an attack.
rlimit fsize=8G
# Per process: compilers of big C++ units stay far below this.
rlimit as=16G
# CPU seconds per process (SIGXCPU): two hours of CPU for one compiler or test is a runaway.
rlimit cpu=7200
# No limit of the build as a whole (`limit memory ...`, a cgroup): builds differ too much for
# one bound (a C++ link takes gigabytes, `make -j` hundreds of processes), and a cgroup needs
# root or a delegated cgroup v2, where lamina would refuse to run without one.  A build farm
# gives its own: `lamina run -p build --memory 8G --pids 1024 --cpus 4 ...`.
