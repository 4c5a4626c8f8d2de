/* load.h: bulk loading of data files into a store: the reference CSV files
 * (countries, editions, help services) and awareday JSON data files (the
 * format of the files in data/demo/, documented in docs/DATA.md). `awareday init`
 * uses it; the bulk import builds on it.
 *
 * Every loader validates a whole file before writing anything and runs in
 * one transaction: a file with an error changes nothing. Errors name the
 * file, the row (CSV) or JSON path, and the field. */
#ifndef AW_LOAD_H
#define AW_LOAD_H

#include "aw/err.h"
#include "aw/store.h"
#include <stdbool.h>

struct aw_load_opts {
    /* Publish help services whose confidence is "high" as verified on first
     * import (data/reference/README.md); others start unverified. */
    bool publish_high_help;
    /* Who verified, recorded with the date when publish_high_help applies. */
    const char *verified_by;
    /* Publish activities from JSON files (demo data) instead of queuing them. */
    bool publish_activities;
};

/* Loads countries.csv, editions.csv and help_services.csv from dir. */
enum aw_err aw_load_reference(struct aw_store *st, const char *dir, const struct aw_load_opts *opts,
                              char *err, size_t errlen);

/* Loads one JSON data file (organisations, activities, tools, statements,
 * documents and edition texts). */
enum aw_err aw_load_json_file(struct aw_store *st, const char *path,
                              const struct aw_load_opts *opts, char *err, size_t errlen);

/* The same for a file already in memory (an upload, a fuzzer's input): data
 * need not be NUL-terminated; name is what error messages call the file. */
enum aw_err aw_load_json_mem(struct aw_store *st, const char *name, const char *data, size_t len,
                             const struct aw_load_opts *opts, char *err, size_t errlen);

#endif
