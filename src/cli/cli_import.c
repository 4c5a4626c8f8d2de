/* cli_import.c: `awareday import FILE` — activities from CSV or JSON
 * (docs/IMPORT.md) into the moderation queue, or published with --publish.
 * --dry-run prints, row by row, what would be created and every error with
 * its row and column, and writes nothing. */
#include "cli.h"

#include "aw/arena.h"
#include "aw/load.h"
#include "aw/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: awareday import FILE [--dry-run] [--skip-invalid] [--publish] [--year YEAR]\n"
    "                            [--db PATH]\n"
    "\n"
    "Imports activities from FILE (.csv or .json; formats in docs/IMPORT.md). Each valid row\n"
    "becomes a pending submission in the moderation queue.\n"
    "\n"
    "  --dry-run       check every row and print what would be created and every error\n"
    "                  (row and column); write nothing\n"
    "  --skip-invalid  import the valid rows even if others are invalid (default: nothing is\n"
    "                  written when any row is invalid)\n"
    "  --publish       publish the activities directly instead of queuing them (for the\n"
    "                  secretariat, after checking the file)\n"
    "  --year YEAR     edition for rows without one (default: the newest edition)\n"
    "\n"
    "A FILE that starts with '-' goes after '--', which ends the options.\n";

int
aw_cli_import(int argc, char **argv, const struct aw_config *cfg, const char *db)
{
    static const struct option opts[] = {
        {"dry-run", no_argument, NULL, 'n'}, {"skip-invalid", no_argument, NULL, 's'},
        {"publish", no_argument, NULL, 'p'}, {"year", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0}};
    struct aw_import_opts io = {0};
    struct aw_import_report rep = {0};
    struct aw_store *st = NULL;
    struct aw_arena *a = aw_arena_new(0);
    char err[1024];
    int rc = 2, c;
    (void)cfg;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            io.dry_run = true;
            break;
        case 's':
            io.skip_invalid = true;
            break;
        case 'p':
            io.publish = true;
            break;
        case 'y': {
            char *end;
            long y = strtol(optarg, &end, 10);
            if (*end || y < 1900 || y > 9999) {
                fprintf(stderr, "awareday: --year must be a year such as 2025\n");
                goto out;
            }
            io.default_year = (int)y;
            break;
        }
        case 'h':
            fputs(usage, stdout);
            rc = 0;
            goto out;
        case ':':
            fprintf(stderr, "awareday: %s needs a value\n\n%s", argv[optind - 1], usage);
            goto out;
        default:
            fprintf(stderr,
                    "awareday: unknown option '%s' (a FILE that starts with '-' goes after "
                    "'--')\n\n%s",
                    aw_cli_refused(argc, argv, opts), usage);
            goto out;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        goto out;
    }
    rc = 1;
    if (aw_cli_open_store(db, &st) != 0)
        goto out;
    enum aw_err e = aw_import_file(st, a, argv[optind], &io, &rep, err, sizeof(err));
    if (e != AW_OK && e != AW_EINVAL) {
        fprintf(stderr, "awareday: %s\n", err);
        goto out;
    }
    for (size_t i = 0; i < rep.nrowinfo; i++) {
        const struct aw_import_row *r = &rep.rowinfo[i];
        if (r->valid)
            printf("row %u: %s: \"%s\" (%s%s%s, %d edition)\n", r->row,
                   io.dry_run ? "would create" : (rep.created ? "created" : "valid"), r->title,
                   r->org ? r->org : "?", r->country ? ", " : "", r->country ? r->country : "",
                   r->year);
    }
    for (size_t i = 0; i < rep.nissues; i++) {
        const struct aw_load_issue *is = &rep.issues[i];
        if (is->row)
            printf("row %u, column %s: error: %s\n", is->row, is->column ? is->column : "-",
                   is->message);
        else
            printf("%s: error: %s\n", is->column ? is->column : "file", is->message);
    }
    printf("%zu rows, %zu valid, %zu with errors; %zu %s%s\n", rep.rows, rep.valid,
           rep.rows - rep.valid, rep.created, io.publish ? "published" : "queued for moderation",
           io.dry_run ? " (dry run: nothing written)"
                      : (rep.created == 0 && rep.valid < rep.rows && !io.skip_invalid
                             ? " (nothing written: fix the errors or use --skip-invalid)"
                             : ""));
    rc = (rep.valid < rep.rows || rep.nissues > 0) ? 1 : 0;
out:
    aw_store_close(st);
    aw_arena_free(a);
    return rc;
}
