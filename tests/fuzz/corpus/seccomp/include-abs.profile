include /etc/passwd
