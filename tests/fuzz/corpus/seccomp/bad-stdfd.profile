stdfd allow dup2(1, 3)
