
	# only blanks and comments

