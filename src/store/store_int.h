/* store_int.h: the SQL store as store.c calls it (aw_be_*) and the helpers
 * the store's files and the loaders share. Private to src/store/ (and
 * src/load/).
 *
 * store.c owns struct aw_store; its connection state is a struct
 * aw_store_be (store_sql_int.h completes the type: the driver connection and
 * its prepared statements), so no database type leaks out. */
#ifndef AW_STORE_INT_H
#define AW_STORE_INT_H

#include "aw/store.h"

struct aw_store_be;

/* The store over an SQL driver (store_sql.c and the files beside it), which
 * store.c calls: one function per operation of store.h, on the connection
 * state `be`; the arena, language and output rules are those of store.h. */

void aw_be_close(struct aw_store_be *be);
int aw_be_schema_version(struct aw_store_be *be);
const char *aw_be_errmsg(struct aw_store_be *be);
bool aw_be_lost(struct aw_store_be *be);
int64_t aw_be_queries(struct aw_store_be *be);
/* migrate-data: every row of every table into `to` (same backend type,
 * same schema, empty), in one transaction; then the comparison. */
enum aw_err aw_be_copy_to(struct aw_store_be *from, struct aw_store_be *to, struct aw_arena *a,
                          int64_t *rows, size_t *tables);
enum aw_err aw_be_compare(struct aw_store_be *x, struct aw_store_be *y, struct aw_arena *a,
                          int64_t *rows, size_t *tables);

/* vocabularies (store_vocab.c) */
enum aw_err aw_be_vocab(struct aw_store_be *be, struct aw_arena *a, struct aw_vocab **out);
enum aw_err aw_be_term_add(struct aw_store_be *be, const struct aw_term *t);
enum aw_err aw_be_term_labels_add(struct aw_store_be *be, const struct aw_term *t);
enum aw_err aw_be_term_update(struct aw_store_be *be, const struct aw_term *t);

/* reads */
enum aw_err aw_be_editions(struct aw_store_be *be, struct aw_arena *a, const char *lang,
                           struct aw_edition **out, size_t *n);
enum aw_err aw_be_edition(struct aw_store_be *be, struct aw_arena *a, const char *lang, int year,
                          struct aw_edition *out);
enum aw_err aw_be_edition_current(struct aw_store_be *be, struct aw_arena *a, const char *lang,
                                  int year, struct aw_edition *out);
enum aw_err aw_be_tools(struct aw_store_be *be, struct aw_arena *a, int year, struct aw_tool **out,
                        size_t *n);
enum aw_err aw_be_activities_by_edition(struct aw_store_be *be, struct aw_arena *a, int year,
                                        struct aw_activity **out, size_t *n);
enum aw_err aw_be_activities_by_country(struct aw_store_be *be, struct aw_arena *a,
                                        const char *code, struct aw_activity **out, size_t *n);
enum aw_err aw_be_activities_by_org(struct aw_store_be *be, struct aw_arena *a, int64_t org_id,
                                    struct aw_activity **out, size_t *n);
enum aw_err aw_be_activity(struct aw_store_be *be, struct aw_arena *a, int64_t id,
                           struct aw_activity *out);
enum aw_err aw_be_statements(struct aw_store_be *be, struct aw_arena *a, int year,
                             struct aw_statement **out, size_t *n);
enum aw_err aw_be_documents(struct aw_store_be *be, struct aw_arena *a, int year,
                            struct aw_document **out, size_t *n);
enum aw_err aw_be_org(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_org *out);
enum aw_err aw_be_countries(struct aw_store_be *be, struct aw_arena *a, const char *lang,
                            struct aw_country **out, size_t *n);
enum aw_err aw_be_country(struct aw_store_be *be, struct aw_arena *a, const char *lang,
                          const char *code, struct aw_country *out);
enum aw_err aw_be_help_services(struct aw_store_be *be, struct aw_arena *a, const char *code,
                                bool include_unverified, struct aw_help_service **out, size_t *n);

/* writes; begin/commit/rollback are only called for the outermost
 * transaction (store.c counts the nesting); !durable: see
 * aw_store_begin_nondurable() */
enum aw_err aw_be_begin(struct aw_store_be *be, bool durable);
enum aw_err aw_be_commit(struct aw_store_be *be);
enum aw_err aw_be_rollback(struct aw_store_be *be);
enum aw_err aw_be_put_country(struct aw_store_be *be, const struct aw_country *c);
enum aw_err aw_be_put_edition(struct aw_store_be *be, const struct aw_edition *e);
enum aw_err aw_be_put_org(struct aw_store_be *be, const struct aw_org *o, int64_t *id);
enum aw_err aw_be_put_activity(struct aw_store_be *be, const struct aw_activity *act,
                               const char *source_key, bool published, int64_t *id);
enum aw_err aw_be_put_tool(struct aw_store_be *be, int year, const struct aw_tool *t, int64_t *id);
enum aw_err aw_be_put_statement(struct aw_store_be *be, const struct aw_statement *s, int64_t *id);
enum aw_err aw_be_put_document(struct aw_store_be *be, const struct aw_document *d, int64_t *id);
enum aw_err aw_be_put_help_service(struct aw_store_be *be, const struct aw_help_service *h,
                                   int64_t *id);
enum aw_err aw_be_org_find(struct aw_store_be *be, struct aw_arena *a, const char *name,
                           const char *country, struct aw_org *out);

/* moderation, accounts, audit, mail (issue 3). Times `now` are Unix
 * seconds; the backend stores ISO 8601 text made with aw_store__iso(). */

/* Stores candidate_hex (64 hex digits) as the secret unless one exists,
 * and copies the stored one into out (65 bytes with the NUL). */
enum aw_err aw_be_secret(struct aw_store_be *be, const char *candidate_hex, char out[65]);
enum aw_err aw_be_user_add(struct aw_store_be *be, const char *email, const char *pw_hash,
                           enum aw_role role, const char *country, int64_t *id);
enum aw_err aw_be_user_by_email(struct aw_store_be *be, struct aw_arena *a, const char *email,
                                struct aw_user *out);
enum aw_err aw_be_user_by_id(struct aw_store_be *be, struct aw_arena *a, int64_t id,
                             struct aw_user *out);
enum aw_err aw_be_users(struct aw_store_be *be, struct aw_arena *a, struct aw_user **out,
                        size_t *n);
enum aw_err aw_be_user_set_disabled(struct aw_store_be *be, int64_t id, bool disabled);
enum aw_err aw_be_user_set_password(struct aw_store_be *be, int64_t id, const char *pw_hash);
enum aw_err aw_be_user_logged_in(struct aw_store_be *be, int64_t id, int64_t now);
enum aw_err aw_be_session_add(struct aw_store_be *be, const char *id_hash, int64_t user_id,
                              int64_t now, int64_t expires);
enum aw_err aw_be_session_user(struct aw_store_be *be, struct aw_arena *a, const char *id_hash,
                               int64_t now, struct aw_user *out, int64_t *last_seen);
enum aw_err aw_be_session_touch(struct aw_store_be *be, const char *id_hash, int64_t now);
enum aw_err aw_be_sessions_prune(struct aw_store_be *be, int64_t now);
enum aw_err aw_be_session_delete(struct aw_store_be *be, const char *id_hash);
enum aw_err aw_be_sessions_delete_user(struct aw_store_be *be, int64_t user_id);
/* Rate limits. The rule is store.c's (aw_store_rate_hit): it runs these
 * plain statements in one transaction it opened with begin (or in the
 * caller's), rate_window first. */
/* Deletes key's hits at or before `expired`, then gives how many are left
 * and the oldest of them (0 when none). As the first statement of the
 * transaction it must make the hits of one key wait for each other until
 * the transaction ends: in SQLite the write lock that begin (BEGIN
 * IMMEDIATE) took does; on PostgreSQL the store first takes
 * pg_advisory_xact_lock() on the key. */
enum aw_err aw_be_rate_window(struct aw_store_be *be, const char *key, int64_t expired,
                              int64_t *count, int64_t *oldest);
/* The time of key's hit number n (0 the oldest); only called when a key
 * holds more hits than its limit (a limit lowered since they came). */
enum aw_err aw_be_rate_nth(struct aw_store_be *be, const char *key, int64_t n, int64_t *at);
/* Logs a hit of key at now. */
enum aw_err aw_be_rate_log(struct aw_store_be *be, const char *key, int64_t now);
/* Records a refusal of key at now unless one is recorded after `since`;
 * *recorded tells whether it did (then it is an episode's first). */
enum aw_err aw_be_rate_refused(struct aw_store_be *be, const char *key, int64_t now, int64_t since,
                               bool *recorded);
/* Deletes every key's hits and refusals at or before `before`. */
enum aw_err aw_be_rate_prune(struct aw_store_be *be, int64_t before);
/* Deletes key's hits and refusal, all or nothing. */
enum aw_err aw_be_rate_reset(struct aw_store_be *be, const char *key);
enum aw_err aw_be_share_add(struct aw_store_be *be, const char *token_hash, const char *name,
                            const char *email, int64_t now, int64_t *id);
enum aw_err aw_be_share_by_token(struct aw_store_be *be, struct aw_arena *a, const char *token_hash,
                                 struct aw_share *out);
enum aw_err aw_be_share_by_id(struct aw_store_be *be, struct aw_arena *a, int64_t id,
                              struct aw_share *out);
enum aw_err aw_be_share_set_activity(struct aw_store_be *be, int64_t share_id, int64_t activity_id);
enum aw_err aw_be_submission_add(struct aw_store_be *be, const struct aw_submission *sub,
                                 int64_t now, int64_t *id);
enum aw_err aw_be_submissions_supersede(struct aw_store_be *be, int64_t share_id, int64_t now);
enum aw_err aw_be_submission(struct aw_store_be *be, struct aw_arena *a, int64_t id,
                             struct aw_submission *out);
enum aw_err aw_be_submissions_pending(struct aw_store_be *be, struct aw_arena *a,
                                      const char *country, int year, struct aw_submission **out,
                                      size_t *n);
enum aw_err aw_be_submissions_by_share(struct aw_store_be *be, struct aw_arena *a, int64_t share_id,
                                       struct aw_submission **out, size_t *n);
enum aw_err aw_be_submission_update(struct aw_store_be *be, const struct aw_submission *sub);
enum aw_err aw_be_submission_decide(struct aw_store_be *be, int64_t id, enum aw_sub_status status,
                                    int64_t user_id, const char *reason, int64_t now);
enum aw_err aw_be_activity_set_status(struct aw_store_be *be, int64_t activity_id,
                                      const char *status);
enum aw_err aw_be_activity_similar(struct aw_store_be *be, int64_t org_id, int year,
                                   const char *title, bool *dup, int64_t *dup_id);
enum aw_err aw_be_orgs(struct aw_store_be *be, struct aw_arena *a, struct aw_org **out, size_t *n);
enum aw_err aw_be_audit(struct aw_store_be *be, const char *actor, const char *action,
                        const char *object, const char *detail, const char *ip, int64_t now);
enum aw_err aw_be_audit_list(struct aw_store_be *be, struct aw_arena *a, size_t limit,
                             size_t offset, struct aw_audit_entry **out, size_t *n);
enum aw_err aw_be_mail_queue(struct aw_store_be *be, const char *to, const char *subject,
                             const char *body, int64_t now);
enum aw_err aw_be_mail_claim(struct aw_store_be *be, struct aw_arena *a, int64_t now, int64_t until,
                             int max_attempts, struct aw_mail *out);
enum aw_err aw_be_mail_done(struct aw_store_be *be, int64_t id, bool sent, const char *error,
                            int64_t now, int64_t next_at, bool forget_body);
enum aw_err aw_be_notify_due(struct aw_store_be *be, int64_t user_id, const char *day, bool *due);

struct aw_sql_driver;

/* The store over an SQL driver (store_sql.c, sql.h). target: what the
 * driver opens (a file name for SQLite); err gets the reason on failure
 * (AW_EUNAVAIL: the database cannot be written, or with `readonly` not
 * read). On success *be is set; close it with aw_be_close().
 * `readonly` opens a connection that cannot write. */
enum aw_err aw_store__sql_open(const struct aw_sql_driver *drv, const char *target, bool create,
                               bool migrate, bool readonly, struct aw_store_be **be, char *err,
                               size_t errlen);

/* Longest slug aw_store__slugify() writes (without the NUL). */
#define AW_SLUG_MAX 80

/* Writes into out (size outlen, >= 2) a URL slug of the UTF-8 text s: ASCII
 * lowercase letters and digits, common Latin accented letters transliterated
 * (é -> e, ß -> ss, ł -> l...), every other run of characters one hyphen, no
 * leading or trailing hyphen, at most min(outlen - 1, AW_SLUG_MAX) bytes.
 * Writes "item" when nothing is left. Returns out. */
char *aw_store__slugify(const char *s, char *out, size_t outlen);

/* Reads the whole file at path (at most max bytes, else AW_ETOOBIG) into a
 * NUL-terminated heap string the caller frees; *len (if not NULL) gets its
 * length. AW_ENOTFOUND when the file does not exist, AW_EIO on other errors. */
enum aw_err aw_store__read_file(const char *path, size_t max, char **out, size_t *len);

/* The current UTC date "YYYY-MM-DD" (out needs 11 bytes) and time
 * "YYYY-MM-DDTHH:MM:SSZ" (21 bytes), and the current UTC year. */
void aw_store__today(char out[11]);
void aw_store__now(char out[21]);
int aw_store__year(void);

/* The UTC time t (Unix seconds) as "YYYY-MM-DDTHH:MM:SSZ" (out needs 21
 * bytes) and its UTC day "YYYY-MM-DD" (11 bytes). */
void aw_store__iso(int64_t t, char out[21]);
void aw_store__day(int64_t t, char out[11]);

/* How often one connection prunes every key's hits and refusals older than
 * AW_RATE_MAX_WINDOW (store.h) in aw_store_rate_hit(): at its first hit, then
 * at most once this many seconds. Pruning on every hit would cost each hit
 * a second index walk; keys that are never hit again are the only ones left
 * to it, and an hour more of them does not matter. */
#define AW_RATE_PRUNE_EVERY 3600

/* Duplicate detection (aw_store_activity_similar), shared by the backends.
 *
 * aw_store__title_key() writes the normal form of a title into out (at most
 * outlen - 1 bytes, truncated on a character boundary): ASCII letters
 * lowercased, common Latin accented letters transliterated as in slugs
 * (é -> e, ß -> ss), basic Greek and Cyrillic capitals lowercased,
 * apostrophes dropped ("don't" -> "dont"), every other run of punctuation,
 * symbols or blanks one space, no leading or trailing space; letters of other
 * scripts are kept as they are.
 *
 * aw_store__titles_similar() is true when the normal forms of a and b are
 * equal; or equal once a trailing " YEAR" (the edition's year) is removed
 * from each; or, when both forms (without that year) are longer than 12
 * characters, at most 2 single-character edits apart (Levenshtein). Empty
 * forms never match. */
#define AW_TITLE_KEY_MAX 1024
void aw_store__title_key(const char *s, char *out, size_t outlen);
bool aw_store__titles_similar(const char *a, const char *b, int year);

#endif
