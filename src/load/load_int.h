/* load_int.h: what the loaders of src/load/ share (private to it): limits,
 * the CSV document, the JSON validation context and its issue sink, the
 * parsed data file and payload, and the validators every input goes
 * through, so that a data file, a payload and an import row meet the same
 * rules (include/aw/rules.h for dates and URLs).
 *
 *   load_common.c   the value checks and the error helper
 *   load_ref.c      CSV: the parser and the reference files (countries, editions, help)
 *   load_json.c     JSON data files (docs/DATA.md) and the shared validators
 *   load_payload.c  submission payloads: the codec (read, write) and applying one
 *   load_import.c   the bulk import of activities from CSV or JSON (docs/IMPORT.md) */
#ifndef AW_LOAD_INT_H
#define AW_LOAD_INT_H

#include "aw/load.h"

#include "aw/arena.h"
#include "aw/log.h"
#include "aw/str.h"
#include "aw/rules.h"
#include "aw/text.h"
#include "store/store_int.h"

#include <csv.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CSV_MAX_BYTES (16u * 1024 * 1024)
#define CSV_MAX_FIELDS 64
#define CSV_MAX_ROWS 100000
#define JSON_MAX_BYTES (32u * 1024 * 1024)

/* Length limits, in characters (code points). */
#define MAX_TITLE 200
#define MAX_NAME 200
#define MAX_SUMMARY 5000
#define MAX_LONGTEXT 10000      /* theme_why, invitation */
#define MAX_URL AW_RULE_URL_MAX /* rules.h */
#define MAX_KEY 80
#define MAX_SHORT 300 /* help service organisation, role, place, label */
#define MAX_PHONE 100
#define MAX_LIST 64 /* items in kinds, audiences, languages, links */

extern const struct aw_load_opts ld_default_opts;

/* Problems found by an import, kept in the caller's arena. At most
 * MAX_ISSUES are kept; `total` counts them all (a row is valid when it adds
 * none). */
#define MAX_ISSUES 1000

struct csv_row {
    size_t line;
    size_t n;
    char **f;
};

struct csv_doc {
    const char *name;
    struct aw_arena *a;
    struct csv_row *rows; /* rows[0] is the header */
    size_t nrows, cap;
    char **cur; /* fields of the row being parsed */
    size_t ncur;
    size_t line;      /* line being fed to the parser */
    size_t row_start; /* line where the current row began */
    enum aw_err rc;
    char *err;
    size_t errlen;
};

struct isink {
    struct aw_arena *a;
    struct aw_load_issue *v;
    size_t n, cap;
    size_t total;
};

/* The JSON validators run in one of two modes. Without `iss` (data files,
 * payloads) the first error stops everything and is written into err. With
 * `iss` (imports) every error is recorded there, with `row`, and the checks
 * go on, so that one pass reports every problem. */
struct jctx {
    const char *name; /* file name for messages */
    struct aw_store *st;
    struct aw_arena *a;
    char *err;
    size_t errlen;
    struct isink *iss; /* NULL: stop at the first error */
    unsigned row;      /* the row issues are recorded against */
    /* Showing a stored payload again (aw_draft_read): a string is kept as
     * stored even when a rule refuses it, so that the person fixing it sees
     * what is there; with iss set, every check still runs. */
    bool keep;
    /* The vocabularies, read from st at the first need (ld_vocab). */
    const struct aw_vocab *vocab;
};

struct jorg {
    const char *key; /* NULL when the key itself is bad (imports) */
    struct aw_org org;
    bool bad; /* has errors (imports only: data files stop at the first) */
};

struct jdata {
    int year;
    struct aw_edition edition;
    struct jorg *orgs;
    size_t norgs;
    struct aw_activity *acts;
    const char **act_keys;
    bool *act_bad; /* imports: the activity has errors */
    size_t nacts;
    struct aw_statement *stmts;
    size_t nstmts;
    struct aw_document *docs;
    size_t ndocs;
    struct aw_tool *tools;
    size_t ntools;
};

/* --- shared helpers (each defined in the file its section names) --- */

enum aw_err ld_fail(enum aw_err rc, char *err, size_t errlen, const char *fmt, ...) AW_PRINTF(4, 5);
const char *ld_check_text(const char *s, size_t len, size_t max, unsigned flags);
bool ld_is_upper2(const char *s);
bool ld_is_lower2(const char *s);
bool ld_is_date(const char *s);
const char *ld_check_url(const char *s);
bool ld_is_key(const char *s);
enum aw_err ld_csv_parse_buf(struct csv_doc *d, const char *buf, size_t len);
bool ld_parse_year(const char *s, bool optional, int *out);
void ld_issue_add(struct isink *k, unsigned row, const char *column, const char *msg);
void ld_issue_addf(struct isink *k, unsigned row, const char *column, const char *fmt, ...)
    AW_PRINTF(4, 5);
enum aw_err ld_jfail(struct jctx *c, const char *path, const char *fmt, ...) AW_PRINTF(3, 4);
bool ld_stop(struct jctx *c, enum aw_err *rc, enum aw_err r);
/* The vocabularies (read once per context). */
enum aw_err ld_vocab(struct jctx *c, const struct aw_vocab **out);
/* code must be a term of list (retired ones too: data of past editions
 * has them); the message names the list, suggests the code meant and lists
 * the codes allowed. */
enum aw_err ld_check_term(struct jctx *c, const char *path, enum aw_vocab_list list,
                          const char *code);
enum aw_err ld_check_members(struct jctx *c, json_t *obj, const char *path,
                             const char *const *allowed);
enum aw_err ld_parse_edition(struct jctx *c, json_t *root, struct jdata *d);
enum aw_err ld_check_org_fields(struct jctx *c, json_t *obj, const char *path, struct aw_org *o);
enum aw_err ld_parse_orgs(struct jctx *c, json_t *root, struct jdata *d);
enum aw_err ld_check_activity_fields(struct jctx *c, json_t *obj, const char *path,
                                     const struct aw_org *org, const char *who,
                                     bool country_default, struct aw_activity *act);
enum aw_err ld_parse_activities(struct jctx *c, json_t *root, struct jdata *d);
enum aw_err ld_parse_payload(struct jctx *c, json_t *root, struct aw_draft *p);
/* json_decref() for aw_arena_defer(): a JSON tree that lives as long as an arena. */
void ld_json_decref(void *json);
enum aw_err ld_apply_payload(struct aw_store *st, struct aw_arena *a, const struct aw_draft *p,
                             int year, int64_t activity_id, const char *source_key,
                             int64_t *out_id);

#endif
