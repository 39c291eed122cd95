purpose a profile that uses every setting once
group fs: the file system
ro-bind /usr
ro-bind /etc/hostname /etc/hostname
bind /tmp /scratch
tmpfs /run
rlimit nofile=256
rlimit as=1G:2G
rlimit core=0
hostname box-1
chdir /tmp
setenv LANG C.UTF-8
unsetenv LD_PRELOAD
keep-env
network none
timeout 2.5
stdfd on
stdfd allow dup2(1, 2)
