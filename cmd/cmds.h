/* The subcommands of lamina; each turns argv into a config and calls the library. */
#ifndef LAMINA_CMDS_H
#define LAMINA_CMDS_H
int lm_cmd_run(int argc, char **argv);      /* cmd/run.c */
int lm_cmd_check(int argc, char **argv);    /* cmd/profile_cmds.c */
int lm_cmd_explain(int argc, char **argv);  /* cmd/profile_cmds.c */
int lm_cmd_profiles(int argc, char **argv); /* cmd/profile_cmds.c */
int lm_cmd_demo(int argc, char **argv);     /* cmd/demo.c */
struct lm_config;
struct lm_err;
/* Parse `run`'s arguments (argv[0] is "run") into c, loading the profile first.  Returns 0, 1
 * for --help, or -1 with e filled.  Exposed for the command-line fuzzer. */
int lm_run_parse_args(int argc, char **argv, struct lm_config *c, struct lm_err *e);
#endif
