/* store_sql_int.h: what the files of the SQL store share (private to
 * src/store/): the statement ids, the connection state and the helpers that
 * bind, step and read. The files:
 *
 *   store_sql.c         the statement table (text once, per-dialect overrides), the helpers,
 *                       open (driver, migrations, the schema check), close, transactions
 *   store_content.c     the public content: countries, editions, organisations, activities,
 *                       tools, statements, documents, help services
 *   store_moderation.c  users, sessions, rate limits, shares, submissions, the audit log, the
 *                       mail outbox
 *   store_vocab.c       the vocabularies: terms and their labels (include/aw/vocab.h)
 *   store_copy.c        a whole site from one database to another (migrate-data) */
#ifndef AW_STORE_SQL_INT_H
#define AW_STORE_SQL_INT_H

#include "store/sql.h"
#include "store/store_int.h"

#include "aw/buf.h"
#include "aw/log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum stmt_id {
    S_VERSION,
    S_COUNTRIES,
    S_COUNTRY,
    S_PUT_COUNTRY,
    S_EDITIONS,
    S_EDITION,
    S_EDITION_CURRENT,
    S_EDITION_ISSUERS,
    S_EDITION_ID,
    S_PUT_EDITION,
    S_DEL_ISSUERS,
    S_ADD_ISSUER,
    S_ORG,
    S_ORG_UPDATE,
    S_ORG_INSERT,
    S_ACTS_BY_EDITION,
    S_ACTS_BY_COUNTRY,
    S_ACTS_BY_ORG,
    S_ACT,
    S_ACT_KINDS,
    S_ACT_AUDIENCES,
    S_ACT_LANGUAGES,
    S_ACT_LINKS,
    S_ACT_BY_SOURCE,
    S_ACT_BY_ID,
    S_ACT_INSERT,
    S_ACT_UPDATE,
    S_ACT_DEL_KINDS,
    S_ACT_DEL_AUDIENCES,
    S_ACT_DEL_LANGUAGES,
    S_ACT_DEL_LINKS,
    S_ACT_ADD_KIND,
    S_ACT_ADD_AUDIENCE,
    S_ACT_ADD_LANGUAGE,
    S_ACT_ADD_LINK,
    S_TOOLS,
    S_TOOL_LANGUAGES,
    S_PUT_TOOL,
    S_TOOL_DEL_LANGUAGES,
    S_TOOL_ADD_LANGUAGE,
    S_STATEMENTS,
    S_PUT_STATEMENT,
    S_DOCUMENTS,
    S_PUT_DOCUMENT,
    S_HELP_ALL,
    S_HELP_COUNTRY,
    S_PUT_HELP,
    S_HELP_ID,
    S_VOCAB_TERMS,
    S_VOCAB_LABELS,
    S_TERM_NEXT_POS,
    S_TERM_ADD,
    S_TERM_UPDATE,
    S_TERM_LABELS_DEL,
    S_TERM_LABEL_ADD,
    S_ORG_FIND,
    S_ORGS,
    S_SECRET_GET,
    S_SECRET_PUT,
    S_USER_ADD,
    S_USER_BY_EMAIL,
    S_USER_BY_ID,
    S_USERS,
    S_USER_DISABLE,
    S_USER_PASSWORD,
    S_USER_LOGIN,
    S_SESSION_PRUNE,
    S_SESSION_ADD,
    S_SESSION_USER,
    S_SESSION_TOUCH,
    S_SESSION_DELETE,
    S_SESSIONS_DELETE_USER,
    S_CAT_TABLES,
    S_CAT_COLUMNS,
    S_CAT_REFS,
    S_RATE_LOCK,
    S_RATE_EXPIRE,
    S_RATE_WINDOW,
    S_RATE_NTH,
    S_RATE_LOG,
    S_RATE_REFUSED,
    S_RATE_PRUNE_LOG,
    S_RATE_PRUNE_REFUSALS,
    S_RATE_RESET_LOG,
    S_RATE_RESET_REFUSALS,
    S_SHARE_ADD,
    S_SHARE_BY_TOKEN,
    S_SHARE_BY_ID,
    S_SHARE_SET_ACT,
    S_SUB_SUPERSEDE,
    S_SUB_ADD,
    S_SUB,
    S_SUB_EXISTS,
    S_SUBS_PENDING,
    S_SUBS_BY_SHARE,
    S_SUB_UPDATE,
    S_SUB_DECIDE,
    S_ACT_SET_STATUS,
    S_ACT_TITLES,
    S_AUDIT_ADD,
    S_AUDIT_LIST,
    S_MAIL_QUEUE,
    S_MAIL_CLAIM,
    S_MAIL_SENT,
    S_MAIL_FAILED,
    S_NOTIFY,
    S_COUNT
};

struct aw_store_be {
    struct aw_sql *db;
    struct aw_sql_stmt *stmt[S_COUNT];
    int version;
    int64_t queries; /* statements run (each ends in sq_finish()): round trips on a server */
    char errmsg[512];
};

#define SUB_COLS                                                                                   \
    "SELECT id, share_id, activity_id, kind, status, edition_year, country_code, title, "          \
    "org_name, payload, source, created_at, decided_at, decided_by, reason FROM submissions "

#define SLUG_TRIES 10000

typedef void row_fn(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem);

enum aw_err sq_fail(struct aw_store_be *be, const char *what, int r);
enum aw_err sq_fail_rc(struct aw_store_be *be, const char *what, enum aw_err rc);
void sq_b_text(struct aw_store_be *be, struct aw_sql_stmt *s, int i, const char *v);
void sq_b_int(struct aw_store_be *be, struct aw_sql_stmt *s, int i, int64_t v);
void sq_b_int_if(struct aw_store_be *be, struct aw_sql_stmt *s, int i, bool keep, int64_t v);
int sq_step(struct aw_store_be *be, struct aw_sql_stmt *s);
void sq_finish(struct aw_store_be *be, struct aw_sql_stmt *s);
enum aw_err sq_run(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what);
enum aw_err sq_run_id(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what, int64_t *id,
                      bool *found);
enum aw_err sq_run_changes(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what,
                           int *changed);
enum aw_err sq_dup_or(struct aw_store_be *be, enum aw_err rc);
enum aw_err sq_savepoint_begin(struct aw_store_be *be);
enum aw_err sq_savepoint_end(struct aw_store_be *be, enum aw_err rc);
const char *sq_col_str(struct aw_arena *a, struct aw_sql_stmt *s, int i);
const char *sq_col_str_nonempty(struct aw_arena *a, struct aw_sql_stmt *s, int i);
void *sq_grow(struct aw_arena *a, void *old, size_t *cap, size_t n, size_t size);
enum aw_err sq_read_rows(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s,
                         const char *what, size_t size, row_fn *row, const void *ctx, void **out,
                         size_t *n);
/* The first row of s, bound by the caller, read by row() into out (size
 * bytes, zeroed first); AW_ENOTFOUND when there is none. Ends the statement. */
enum aw_err sq_read_one(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s,
                        const char *what, size_t size, row_fn *row, const void *ctx, void *out);
enum aw_err sq_read_strings(struct aw_store_be *be, struct aw_arena *a, enum stmt_id sid,
                            int64_t id, const char ***out, size_t *n);
void sq_split_list(struct aw_arena *a, const char *s, const char ***out, size_t *n);
const char *sq_pick_name(const char *lang, const char *en, const char *fr);
enum aw_err sq_edition_id(struct aw_store_be *be, int year, int64_t *id);
void sq_slug_try(const char *stem, int i, char *out, size_t outlen);
enum aw_err sq_no_free_slug(struct aw_store_be *be, const char *stem);
enum aw_err sq_migrate(struct aw_store_be *be, char *err, size_t errlen);

#endif
