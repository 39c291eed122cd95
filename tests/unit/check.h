/* The C unit tests' one assertion: count, and on failure say where and why (no abort: every
 * check runs, the test exits non-zero if any failed). */
#ifndef LAMINA_UNIT_CHECK_H
#define LAMINA_UNIT_CHECK_H
#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			passed++;                                                                  \
		} else {                                                                           \
			failed++;                                                                  \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
		}                                                                                  \
	} while (0)
#endif
