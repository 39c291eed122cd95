include strict
include ./does-not-exist.profile
allow getpid
