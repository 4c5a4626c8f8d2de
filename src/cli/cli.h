/* cli.h: the subcommands of main.c that live in their own file. Each takes
 * argv starting at its own name and returns the exit status (0 ok, 1 failed,
 * 2 usage error). */
#ifndef AW_CLI_H
#define AW_CLI_H

#include "aw/config.h"

#include <getopt.h>

struct aw_store;

/* The argument getopt_long(argc, argv, ":", opts, ...) just refused when it returned '?'.
 * awareday's commands have long options only, so an unknown short option is the first
 * argument before "--" that starts with a single '-' (skipping the values of long options
 * that take one); getopt itself names it only through optind, which points at it or past it
 * depending on where in "-abc" it stopped. An unknown long option is argv[optind - 1]. */
const char *aw_cli_refused(int argc, char **argv, const struct option *opts);

/* Opens the existing database at db (applying pending migrations) for a
 * command; prints why to standard error and returns -1 when it cannot. */
int aw_cli_open_store(const char *db, struct aw_store **st);

int aw_cli_user(int argc, char **argv, const struct aw_config *cfg, const char *db);
int aw_cli_import(int argc, char **argv, const struct aw_config *cfg, const char *db);
int aw_cli_migrate_data(int argc, char **argv);

#endif
