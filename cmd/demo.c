/* lamina demo: placeholder until the red-team work lands (h4 replaces this file entirely). */
#include "cmds.h"
#include "lamina.h"
#include <stdio.h>
int lm_cmd_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "lamina: demo: not built yet\n");
	return LM_EXIT_FAILURE;
}
