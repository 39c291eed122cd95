rlimit nofile=-1
rlimit as=99999999999999999999
