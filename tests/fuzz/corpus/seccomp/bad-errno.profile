errno(EPRM) read
errno(-1) write
