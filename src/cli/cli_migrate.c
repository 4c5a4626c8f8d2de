/* cli_migrate.c: `awareday migrate-data --from URL --to URL` — a whole site
 * from one database to another (SQLite to PostgreSQL when one machine is not
 * enough, or back), then the two compared table by table, row by row. The
 * source is only read; the destination is made (migrated) if need be and
 * must be empty. */
#include "cli.h"

#include "aw/store.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: awareday migrate-data --from URL --to URL\n"
    "\n"
    "Copies every table of the site at --from (a SQLite file or a postgresql:// URL) into\n"
    "--to, an empty database (a SQLite file is created; a PostgreSQL database must exist,\n"
    "made with createdb), in one transaction, then compares the two row by row and says so.\n"
    "The source is only read; it must be at the schema version this awareday makes\n"
    "(awareday init --db URL brings it there). Exit status 0 when both hold the same rows.\n"
    "\n"
    "  awareday migrate-data --from ~/.local/share/awareday/awareday.db \\\n"
    "                        --to postgresql://aw@db.example.org/awareday\n";

int
aw_cli_migrate_data(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *from = NULL, *to = NULL;
    struct aw_store *src = NULL, *dst = NULL;
    char err[1024];
    int rc = 2, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case ':':
            fprintf(stderr, "awareday: %s needs a value\n\n%s", argv[optind - 1], usage);
            return 2;
        default:
            fprintf(stderr, "awareday: unknown option '%s'\n\n%s", aw_cli_refused(argc, argv, opts),
                    usage);
            return 2;
        }
    }
    if (optind < argc || !from || !to) {
        fprintf(stderr, "awareday: migrate-data needs --from URL and --to URL%s%s\n\n%s",
                optind < argc ? ", and nothing else: " : "", optind < argc ? argv[optind] : "",
                usage);
        return 2;
    }
    if (strcmp(from, to) == 0) {
        fprintf(stderr, "awareday: --from and --to are the same database\n");
        return 2;
    }
    rc = 1;
    const char *file = aw_store_file_path(from);
    if (file && access(file, R_OK) != 0) {
        fprintf(stderr, "awareday: no database at %s\n", from);
        goto out;
    }
    if (aw_store_open(from, false, false, &src, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "awareday: %s: %s\n", from, err);
        goto out;
    }
    if (aw_store_open(to, true, true, &dst, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "awareday: %s: %s\n", to, err);
        goto out;
    }
    if (aw_store_schema_version(src) != aw_store_schema_version(dst)) {
        fprintf(stderr,
                "awareday: %s is at schema version %d, this awareday makes %d: run 'awareday "
                "init --db %s' first\n",
                from, aw_store_schema_version(src), aw_store_schema_version(dst), from);
        goto out;
    }
    int64_t rows = 0, crows = 0;
    size_t tables = 0, ctables = 0;
    enum aw_err e = aw_store_copy(src, dst, &rows, &tables);
    if (e != AW_OK) {
        fprintf(stderr, "awareday: copying %s to %s: %s\n", from, to, aw_store_errmsg(src));
        goto out;
    }
    printf("copied %lld rows of %zu tables from %s to %s\n", (long long)rows, tables, from, to);
    e = aw_store_compare(src, dst, &crows, &ctables);
    if (e != AW_OK) {
        fprintf(stderr, "awareday: %s and %s differ: %s\n", from, to, aw_store_errmsg(src));
        goto out;
    }
    printf("compared %zu tables, %lld rows: the same in both\n", ctables, (long long)crows);
    rc = 0;
out:
    aw_store_close(src);
    aw_store_close(dst);
    return rc;
}
