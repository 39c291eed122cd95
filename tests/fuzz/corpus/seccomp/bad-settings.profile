hostname a/b
timeout inf
chdir relative
ro-bind /x ../../etc
