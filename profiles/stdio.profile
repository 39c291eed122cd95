# stdio: a pure computation that may only talk through the fds it was given.
#
# What it is for: the seed's cpushare case -- untrusted code that computes on what it reads
# and writes its answer, where the caller wires stdin, stdout and stderr to pipes it owns.
#
# What it stops: everything `default` stops, plus the std-fd layer: the program cannot close
# fds 0-2, dup2/dup3 another fd onto them, or close_range across them (the call kills the
# process, exit 159), so it cannot swap the channel it was given for one it opened itself.
# fds are compared through a 0xffffffff mask, as the kernel reads them (close(0x100000001)
# closes fd 1).  The seed's one exception stays allowed: dup2(1, 2), stderr joined to stdout.
#
# Shells redirect with dup2 onto 0-2 (`cmd >file`, and every pipeline), and GNU coreutils
# close stdout at exit to catch write errors (cat, echo, grep...: close(1) kills them at the
# end), so scripts and coreutils do not live under this profile; use `default` or `build` for
# them.  A program written for it (the seed's, python3, a static C computation) does.

purpose default plus the std-fd layer: a computation that may only talk through the fds it was given (the seed's cpushare case)

include default
stdfd on
stdfd allow dup2(1, 2)
