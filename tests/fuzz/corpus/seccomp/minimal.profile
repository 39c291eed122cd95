# the smallest useful profile
default kill-process
allow read write exit exit_group rt_sigreturn
