/* cli.h: the subcommands of main.c that live in their own file. Each takes
 * argv starting at its own name and returns the exit status (0 ok, 1 failed,
 * 2 usage error). */
#ifndef AW_CLI_H
#define AW_CLI_H

#include "aw/config.h"

struct aw_store;

/* Opens the existing database at db (applying pending migrations) for a
 * command; prints why to standard error and returns -1 when it cannot. */
int aw_cli_open_store(const char *db, struct aw_store **st);

int aw_cli_user(int argc, char **argv, const struct aw_config *cfg, const char *db);
int aw_cli_import(int argc, char **argv, const struct aw_config *cfg, const char *db);

#endif
