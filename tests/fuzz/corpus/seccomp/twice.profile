allow dup2 if a0 == 1 && a0 == 2
