/* lamina-oci's command-line side: config.json and process.json into struct lm_oci
 * (cmd/oci_config.c). */
#ifndef LAMINA_OCI_CMDS_H
#define LAMINA_OCI_CMDS_H

#include <jansson.h>

#include "../src/oci.h"

/* BUNDLE/config.json into o (o->id set by the caller); errors name the field. */
int lm_oci_load_config(const char *bundle, struct lm_oci *o, struct lm_err *e);
/* A process object (config.json's process, or exec's process.json) into p; prefix is its path
 * in messages. */
int lm_oci_parse_process(const char *file, const char *prefix, json_t *obj,
			 struct lm_oci_process *p, struct lm_err *e);
/* Say nothing of the properties the runtime-spec does not define (the saved copy of a config
 * that create has already warned about). */
extern bool lm_oci_config_quiet;
#endif
