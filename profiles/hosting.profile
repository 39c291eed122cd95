# hosting: a shared-hosting tenant.
#
# What it is for: running a tenant's program (a CGI script, a PHP or Python worker, a static
# site generator, a web application and the children it spawns) on a machine shared with
# other tenants, with its input and output wired by the host's web server.
#
# What it stops: everything `default` stops, plus one tenant starving the others: tighter
# resource limits than `build` -- few processes, few files, bounded memory, file size and CPU
# time -- and limits of the tenant as a whole (a cgroup), which rlimits cannot give: all its
# processes, its /tmp and /dev/shm and its shared memory together.
# The network follows the caller (a new namespace with only lo unless --share-net or --net).
#
# Why the std-fd layer is off here (it is on in `stdio` and `strict`): web applications
# spawn children all the time, and a child's stdin, stdout and stderr are set up with dup2
# onto 0-2 (Python's subprocess.run(..., capture_output=True), a shell's `>/dev/null`, every
# pipeline), and GNU coreutils close stdout at exit; under the layer each of those children
# would be killed (SIGSYS).  What the layer guards, the channel the caller gave the payload,
# is the web server's to manage here, and a tenant that replaces its own stdout only cuts
# itself off.  For a tenant program written to talk only through the fds it was given, a
# profile of its own can say `include hosting` and `stdfd on`.

purpose A shared-hosting tenant: default plus tight rlimits and limits of the tenant as a whole

include default

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
# -p hosting ...`).  Where none can be had the launch is refused with one line, as for the
# same limit on the command line; `--memory unlimited` (and the others) lifts one for a launch.
limit memory 512M
limit pids 256
limit cpus 1
