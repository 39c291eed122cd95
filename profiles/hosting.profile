# hosting: a shared-hosting tenant.
#
# What it is for: running a tenant's program (a CGI script, a PHP or Python worker, a static
# site generator) on a machine shared with other tenants, with its input and output wired by
# the host's web server.
#
# What it stops: everything `default` stops, plus
#  - the std-fd layer: the tenant cannot close or replace the stdin/stdout/stderr the server
#    gave it (close, dup2/dup3 onto 0-2, close_range across them kill the process); the seed's
#    dup2(1, 2) stays allowed (`2>&1` in a tenant's shell wrapper);
#  - one tenant starving the others: tighter resource limits than `build` -- few processes,
#    few files, bounded memory, file size and CPU time -- and limits of the tenant as a whole
#    (a cgroup), which rlimits cannot give: all its processes, its /tmp and /dev/shm and its
#    shared memory together.
# The network follows the caller (a new namespace with only lo unless --share-net).
#
# As with `stdio`: shell pipelines and redirections onto 0-2, and GNU coreutils (which close
# stdout at exit), are killed by the std-fd layer; the tenant's own interpreter (python3, php)
# or a program written for it is what lives here.

purpose A shared-hosting tenant: default plus the std-fd layer and tight rlimits

include default
stdfd on
stdfd allow dup2(1, 2)

rlimit core=0
rlimit nofile=256
rlimit nproc=128
rlimit fsize=1G
rlimit as=4G
rlimit cpu=600

# The tenant as a whole (a cgroup; rlimits bound one process at a time): 512M of memory for
# all its processes, its tmpfs files and shared memory (no swap beyond; /tmp and /dev/shm hold
# 256M of it), one CPU at most, and 256 processes and threads.  These need a cgroup: root, or
# a cgroup v2 delegated to the caller (`systemd-run --user --scope -p Delegate=yes lamina run
# -p hosting ...`).  Where none can be had lamina refuses to run (fail closed): a host that
# bounds its tenants otherwise clears them on the command line (`--memory unlimited --pids
# unlimited --cpus unlimited`).
limit memory 512M
limit pids 256
limit cpus 1
