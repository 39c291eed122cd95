allow dup2 if a0 = 1
