/* The payload's exec: PROGRAM found the way execvp finds it, but in the PATH of the
 * environment the program gets (the sandbox's, or the OCI process's), not lamina's own. */
#include "lamina.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int lm_exec_search(char **argv, char **env, const char *dflt_path)
{
	const char *prog = argv[0];
	if (strchr(prog, '/')) {
		execve(prog, argv, env);
		return -1;
	}
	const char *path = dflt_path;
	for (char **p = env; p && *p; p++)
		if (strncmp(*p, "PATH=", 5) == 0) {
			path = *p + 5;
			break;
		}
	/* The most telling error wins: EACCES over ENOENT, as the shell does. */
	int best = ENOENT;
	char buf[4096];
	for (const char *d = path;; d++) {
		const char *end = strchrnul(d, ':');
		size_t dl = (size_t)(end - d);
		if (dl + strlen(prog) + 2 < sizeof buf) {
			snprintf(buf, sizeof buf, "%.*s%s%s", (int)dl, d, dl ? "/" : "", prog);
			execve(buf, argv, env);
			if (errno != ENOENT && errno != ENOTDIR)
				best = errno;
		}
		if (!*end)
			break;
		d = end;
	}
	errno = best;
	return -1;
}
