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

/* Loads vocabularies.csv, countries.csv, editions.csv and help_services.csv
 * from dir (data/reference/README.md). Terms the database has already keep
 * what an admin set; their missing labels are added. */
/* Loads one vocabularies.csv (the same rules, one transaction). */
enum aw_err aw_load_vocabularies(struct aw_store *st, const char *path, char *err,
                                 size_t errlen) AW_WARN_UNUSED;
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

/* --- submissions and bulk import (issue 3) --- */

/* One problem found in an input: where (row and column for CSV, a JSON path
 * otherwise) and what. */
struct aw_load_issue {
    unsigned row;        /* 1-based data row (CSV) or activity index + 1 (JSON); 0: file */
    const char *column;  /* CSV column name or JSON field path; may be NULL */
    const char *message; /* English, specific */
};

/* What one row holds, valid or not (for --dry-run's row-by-row listing). */
struct aw_import_row {
    unsigned row; /* as in struct aw_load_issue */
    bool valid;
    int year;
    const char *title;   /* may be NULL when the row has none */
    const char *org;     /* organisation name, or NULL for {"id": N} */
    const char *country; /* ISO code or NULL */
};

struct aw_import_report {
    size_t rows;                  /* activities read */
    size_t valid;                 /* rows without errors */
    size_t created;               /* submissions (or published activities) written */
    struct aw_load_issue *issues; /* in the caller's arena */
    size_t nissues;
    struct aw_import_row *rowinfo; /* one per row read, in the caller's arena */
    size_t nrowinfo;
};

struct aw_import_opts {
    bool dry_run;      /* validate and report only, write nothing */
    bool skip_invalid; /* write the valid rows even when others are invalid */
    bool publish;      /* publish directly (admins) instead of queuing */
    int default_year;  /* edition for rows without one; 0: the current edition */
};

/* Imports activities from a CSV or JSON file (format by extension: .csv or
 * .json; docs/IMPORT.md). Each valid row becomes a pending submission with
 * source "import:<file name>" (or a published activity with opts->publish).
 * A file name that breaks the text rule (text.h: a control character such as
 * a line break or a tab, a direction control) is a problem with the whole
 * file, column "file name".
 * Nothing is written if any row is invalid unless skip_invalid. Issues are
 * reported row by row. Returns AW_EINVAL when there were invalid rows. */
enum aw_err aw_import_file(struct aw_store *st, struct aw_arena *a, const char *path,
                           const struct aw_import_opts *opts, struct aw_import_report *rep,
                           char *err, size_t errlen);
/* The same for a file already in memory (an upload, a fuzzer's input): data
 * need not be NUL-terminated; name gives the format (.csv or .json) and the
 * source "import:<base name of name>". */
enum aw_err aw_import_mem(struct aw_store *st, struct aw_arena *a, const char *name,
                          const char *data, size_t len, const struct aw_import_opts *opts,
                          struct aw_import_report *rep, char *err, size_t errlen);

/* Validates a submission payload (see struct aw_submission) and applies it:
 * creates the organisation if new, then creates (activity_id 0) or updates the
 * activity, published. *activity_id receives its id. */
enum aw_err aw_load_apply_submission(struct aw_store *st, const char *payload, int edition_year,
                                     int64_t activity_id, int64_t *out_activity_id, char *err,
                                     size_t errlen);
/* A submission's draft: an organisation (org.id > 0: an existing one, the
 * other org fields then unused) and its activity, as the share form, the
 * moderator's edit, the import and the data files give them. The payload
 * (docs/DATA.md) is its one encoding: aw_draft_encode() writes it; it is
 * read by the data files' validators, to check it (aw_load_check_payload),
 * to apply it (aw_load_apply_submission) or to show it again
 * (aw_draft_read); nothing else reads or writes payload JSON. */
struct aw_draft {
    struct aw_org org;
    struct aw_activity act;
};

/* The canonical payload text of a draft (every member, nulls included: a
 * NULL activity country means none), in arena a. */
char *aw_draft_encode(struct aw_arena *a, const struct aw_draft *d);
/* Reads a stored payload of the edition of `year` to show it again (a
 * preview, the form a moderator edits), the draft's strings in arena a and an
 * organisation given by id read from the store: every value is kept as
 * stored, also one that a rule (a newer one, say) refuses, so that nothing is
 * lost from view; false (logged) only when the text is no payload at all (not
 * JSON, no such edition). */
bool aw_draft_read(struct aw_store *st, struct aw_arena *a, const char *payload, int year,
                   struct aw_draft *out);

/* Validates a payload without writing (same rules as the data files). */
enum aw_err aw_load_check_payload(struct aw_store *st, const char *payload, int edition_year,
                                  char *err, size_t errlen);

#endif
