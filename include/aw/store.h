/* store.h: the domain-level storage interface (not a generic SQL layer).
 *
 * One struct aw_store is one connection: use it from one thread at a time
 * (the HTTP server gives each pool thread its own). Every statement is
 * prepared when the connection opens, so a typo fails at start-up. Results
 * are allocated in the caller's arena `a` and live as long as it. The store
 * runs over an SQL driver (src/store/sql.h: SQLite or PostgreSQL, chosen by
 * the URL); no database type leaks through this header.
 *
 * `lang` selects the language of translated names ("en", "fr"...); unknown
 * languages fall back to English. */
#ifndef AW_STORE_H
#define AW_STORE_H

#include "aw/arena.h"
#include "aw/err.h"
#include "aw/model.h"
#include "aw/vocab.h"

struct aw_store;

/* Opens (creating the file if `create`) the database at url: a path (SQLite)
 * or, later, "postgresql://...". Applies pending migrations when `migrate`.
 * err receives a human-readable reason on failure; AW_EUNAVAIL when the
 * database can be read but not written (a read-only file or file system),
 * which is refused here rather than found at the first write. */
enum aw_err aw_store_open(const char *url, bool create, bool migrate, struct aw_store **out,
                          char *err, size_t errlen) AW_WARN_UNUSED;
/* Opens a connection that cannot write (the read_only setting), also to a
 * database on a read-only medium. Every write through it fails. */
enum aw_err aw_store_open_readonly(const char *url, struct aw_store **out, char *err,
                                   size_t errlen) AW_WARN_UNUSED;
void aw_store_close(struct aw_store *st);
/* The file a database URL names (a path, or "sqlite:PATH"), or NULL when it
 * names a server (postgresql://...): for the command line's "no database
 * at PATH" and for making its directory. */
const char *aw_store_file_path(const char *url);

/* Schema version after migrations (for check-config and tests). */
int aw_store_schema_version(struct aw_store *st);

/* --- reads (public site) --- */
enum aw_err aw_store_editions(struct aw_store *st, struct aw_arena *a, const char *lang,
                              struct aw_edition **out, size_t *n); /* newest first */
enum aw_err aw_store_edition(struct aw_store *st, struct aw_arena *a, const char *lang, int year,
                             struct aw_edition *out); /* AW_ENOTFOUND */
/* The edition shown on the home page: the newest edition that has published
 * activities or a theme, at or before this year. */
enum aw_err aw_store_edition_current(struct aw_store *st, struct aw_arena *a, const char *lang,
                                     struct aw_edition *out);
enum aw_err aw_store_tools(struct aw_store *st, struct aw_arena *a, int year, struct aw_tool **out,
                           size_t *n);
/* Published activities of an edition, ordered by country code then id
 * (the page sorts countries by localised name). */
enum aw_err aw_store_activities_by_edition(struct aw_store *st, struct aw_arena *a, int year,
                                           struct aw_activity **out, size_t *n);
enum aw_err aw_store_activities_by_country(struct aw_store *st, struct aw_arena *a,
                                           const char *code, struct aw_activity **out,
                                           size_t *n); /* newest edition first */
enum aw_err aw_store_activities_by_org(struct aw_store *st, struct aw_arena *a, int64_t org_id,
                                       struct aw_activity **out, size_t *n);
enum aw_err aw_store_activity(struct aw_store *st, struct aw_arena *a, int64_t id,
                              struct aw_activity *out); /* AW_ENOTFOUND */
enum aw_err aw_store_statements(struct aw_store *st, struct aw_arena *a, int year,
                                struct aw_statement **out, size_t *n);
enum aw_err aw_store_documents(struct aw_store *st, struct aw_arena *a, int year,
                               struct aw_document **out, size_t *n);
enum aw_err aw_store_org(struct aw_store *st, struct aw_arena *a, int64_t id,
                         struct aw_org *out); /* AW_ENOTFOUND */
enum aw_err aw_store_countries(struct aw_store *st, struct aw_arena *a, const char *lang,
                               struct aw_country **out, size_t *n); /* by code */
enum aw_err aw_store_country(struct aw_store *st, struct aw_arena *a, const char *lang,
                             const char *code, struct aw_country *out); /* AW_ENOTFOUND */
/* Help services; code NULL means all countries. Only verified, not retired
 * services unless include_unverified. Ordered by country, kind, name. */
enum aw_err aw_store_help_services(struct aw_store *st, struct aw_arena *a, const char *code,
                                   bool include_unverified, struct aw_help_service **out,
                                   size_t *n);

/* --- vocabularies (vocab.h) --- */

/* Every list, retired terms too, with every label: one snapshot in a. */
enum aw_err aw_store_vocab(struct aw_store *st, struct aw_arena *a, struct aw_vocab **out);
/* Adds a term and its labels (position <= 0: after the last of its list);
 * AW_EEXIST, nothing written, when its list has the code already. */
enum aw_err aw_store_term_add(struct aw_store *st, const struct aw_term *t);
/* Adds the labels of t that its term does not have (the shipped labels of a
 * term an older database made); the ones it has are left as they are. */
enum aw_err aw_store_term_labels_add(struct aw_store *st, const struct aw_term *t);
/* Sets the position, retired and organiser flags and the labels (all of
 * them: the ones t does not give are removed) of a term; AW_ENOTFOUND. */
enum aw_err aw_store_term_update(struct aw_store *st, const struct aw_term *t);

/* --- transactions (nest: only the outermost commits) --- */
enum aw_err aw_store_begin(struct aw_store *st);
/* A transaction whose loss in a power cut is harmless (a rate-limit hit):
 * its commit does not wait for the disk (SQLite: synchronous = NORMAL for
 * that commit, so the next durable commit's sync carries it; PostgreSQL:
 * SET LOCAL synchronous_commit = off). Inside another transaction it is
 * part of that one, durable or not as that one is; aw_store_begin() inside
 * a non-durable transaction is AW_EINVAL. Every other commit waits until
 * what it wrote is on disk. */
enum aw_err aw_store_begin_nondurable(struct aw_store *st);
enum aw_err aw_store_commit(struct aw_store *st);
enum aw_err aw_store_rollback(struct aw_store *st);

/* Upserts keyed by natural keys; each returns the row id in *id when id != NULL. */
enum aw_err aw_store_put_country(struct aw_store *st, const struct aw_country *c);
enum aw_err aw_store_put_edition(struct aw_store *st, const struct aw_edition *e);
enum aw_err aw_store_put_org(struct aw_store *st, const struct aw_org *o, int64_t *id);
/* The activity's org.id must be set; published activities are visible. */
enum aw_err aw_store_put_activity(struct aw_store *st, const struct aw_activity *act,
                                  bool published, int64_t *id);
/* The same, keyed by source_key (a data file's "YEAR/key"): a second put with
 * the same key updates that row (and replaces its kinds, audiences, languages
 * and links) instead of adding one. An update never changes a status other
 * than "pending" (moderation decisions survive a re-import). source_key NULL
 * behaves as aw_store_put_activity: insert when act->id is 0, else update
 * that row (AW_ENOTFOUND if it does not exist). */
enum aw_err aw_store_put_activity_keyed(struct aw_store *st, const struct aw_activity *act,
                                        const char *source_key, bool published, int64_t *id);
enum aw_err aw_store_put_tool(struct aw_store *st, int year, const struct aw_tool *t, int64_t *id);
enum aw_err aw_store_put_statement(struct aw_store *st, const struct aw_statement *s, int64_t *id);
enum aw_err aw_store_put_document(struct aw_store *st, const struct aw_document *d, int64_t *id);
enum aw_err aw_store_put_help_service(struct aw_store *st, const struct aw_help_service *h,
                                      int64_t *id);

/* --- moderation, accounts, audit, mail (issue 3) ---
 * Times are Unix seconds where a parameter says `now`; stored as ISO 8601. */

/* The instance's 32-byte secret (CSRF and token MACs), created at random on
 * first use and shared by every instance using the same database. */
enum aw_err aw_store_secret(struct aw_store *st, unsigned char out[32]);

enum aw_err aw_store_user_add(struct aw_store *st, const char *email, const char *pw_hash,
                              enum aw_role role, const char *country, int64_t *id); /* AW_EEXIST */
enum aw_err aw_store_user_by_email(struct aw_store *st, struct aw_arena *a, const char *email,
                                   struct aw_user *out); /* AW_ENOTFOUND */
enum aw_err aw_store_user_by_id(struct aw_store *st, struct aw_arena *a, int64_t id,
                                struct aw_user *out);
enum aw_err aw_store_users(struct aw_store *st, struct aw_arena *a, struct aw_user **out,
                           size_t *n); /* by email */
enum aw_err aw_store_user_set_disabled(struct aw_store *st, int64_t id, bool disabled);
enum aw_err aw_store_user_set_password(struct aw_store *st, int64_t id, const char *pw_hash);
enum aw_err aw_store_user_logged_in(struct aw_store *st, int64_t id, int64_t now);

/* Sessions are keyed by the hash of the cookie value (hex), never the value. */
enum aw_err aw_store_session_add(struct aw_store *st, const char *id_hash, int64_t user_id,
                                 int64_t now, int64_t expires);
/* The session's user if the session exists, is not expired and the user is
 * not disabled (AW_ENOTFOUND otherwise), and when it was last used. */
enum aw_err aw_store_session_user(struct aw_store *st, struct aw_arena *a, const char *id_hash,
                                  int64_t now, struct aw_user *out, int64_t *last_seen);
/* Records a use of the session at now. */
enum aw_err aw_store_session_touch(struct aw_store *st, const char *id_hash, int64_t now);
/* Deletes every session expired at now. */
enum aw_err aw_store_sessions_prune(struct aw_store *st, int64_t now);
enum aw_err aw_store_session_delete(struct aw_store *st, const char *id_hash);
enum aw_err aw_store_sessions_delete_user(struct aw_store *st, int64_t user_id);

/* Rate limits: an exact sliding window over a log of hits kept in the
 * database, so every instance using it shares the same limits. */
#define AW_RATE_MAX_WINDOW (7 * 86400) /* the longest window_s accepted */
#define AW_RATE_MAX_LIMIT 100000       /* the largest limit accepted */

/* The verdict on one hit (aw_store_rate_hit). */
struct aw_rate {
    bool allowed;        /* fewer than `limit` hits in the window: this one was logged */
    int64_t count;       /* hits of the key in the window, this one included when allowed */
    int64_t retry_after; /* refused: seconds until a hit would be allowed (>= 1); else 0 */
    bool first_refusal;  /* refused, and the key had no other refusal in the window before */
};

/* Counts a hit of key at now against at most `limit` hits in any window_s
 * seconds. The window is exact: the hits of the key logged in (now -
 * window_s, now]. With fewer than `limit` of them the hit is logged and
 * allowed; otherwise it is refused and not logged, so a key never holds more
 * than `limit` rows however often it is hit, and retry_after says when the
 * hit that has to leave the window will have left it. first_refusal is true
 * at most once per window_s per key (callers report a throttled key with
 * it, not on every refused hit). The check and the write are one write
 * transaction (part of the caller's when one is open), so hits from several
 * instances at once are counted exactly. Every key's hits older than
 * AW_RATE_MAX_WINDOW are pruned now and then. AW_EINVAL for a NULL or empty
 * key, window_s outside 1..AW_RATE_MAX_WINDOW, limit outside
 * 1..AW_RATE_MAX_LIMIT or now < 0. *out is zeroed first and filled only on
 * AW_OK. */
enum aw_err aw_store_rate_hit(struct aw_store *st, const char *key, int64_t window_s, int64_t limit,
                              int64_t now, struct aw_rate *out);
/* Clears a key's hits and refusals (e.g. after a successful login). */
enum aw_err aw_store_rate_reset(struct aw_store *st, const char *key);

enum aw_err aw_store_share_add(struct aw_store *st, const char *token_hash, const char *name,
                               const char *email, int64_t now, int64_t *id);
enum aw_err aw_store_share_by_token(struct aw_store *st, struct aw_arena *a, const char *token_hash,
                                    struct aw_share *out);
enum aw_err aw_store_share_by_id(struct aw_store *st, struct aw_arena *a, int64_t id,
                                 struct aw_share *out);
enum aw_err aw_store_share_set_activity(struct aw_store *st, int64_t share_id, int64_t activity_id);

/* Adds a pending submission. sub->status is ignored (pending). */
enum aw_err aw_store_submission_add(struct aw_store *st, const struct aw_submission *sub,
                                    int64_t now, int64_t *id);
/* Marks every pending submission of the share superseded at now. */
enum aw_err aw_store_submissions_supersede(struct aw_store *st, int64_t share_id, int64_t now);
enum aw_err aw_store_submission(struct aw_store *st, struct aw_arena *a, int64_t id,
                                struct aw_submission *out); /* AW_ENOTFOUND */
/* Pending submissions, oldest first; country "" or NULL: all; year 0: all. */
enum aw_err aw_store_submissions_pending(struct aw_store *st, struct aw_arena *a,
                                         const char *country, int year, struct aw_submission **out,
                                         size_t *n);
/* Every submission of a share, newest first. */
enum aw_err aw_store_submissions_by_share(struct aw_store *st, struct aw_arena *a, int64_t share_id,
                                          struct aw_submission **out, size_t *n);
/* Replaces the payload (and title/org_name/country/year) of a pending one. */
enum aw_err aw_store_submission_update(struct aw_store *st, const struct aw_submission *sub);
/* Records a decision on a pending submission (AW_EINVAL if not pending). */
enum aw_err aw_store_submission_decide(struct aw_store *st, int64_t id, enum aw_sub_status status,
                                       int64_t user_id, const char *reason, int64_t now);
/* Sets a published activity's status ("published", "withdrawn"). */
enum aw_err aw_store_activity_set_status(struct aw_store *st, int64_t activity_id,
                                         const char *status);
/* True in *dup when org already has an activity in that edition whose title
 * is near-identical (case, punctuation and spacing ignored) to title, or a
 * pending submission with such a title; *dup_id gets the activity's id, 0
 * for a pending submission. */
enum aw_err aw_store_activity_similar(struct aw_store *st, int64_t org_id, int year,
                                      const char *title, bool *dup, int64_t *dup_id);

/* Organisations for the share form's picker, by name. */
enum aw_err aw_store_orgs(struct aw_store *st, struct aw_arena *a, struct aw_org **out, size_t *n);
/* The organisation with exactly this name and country (NULL: none), the
 * natural key of aw_store_put_org(); AW_ENOTFOUND if there is none. */
enum aw_err aw_store_org_find(struct aw_store *st, struct aw_arena *a, const char *name,
                              const char *country, struct aw_org *out);

/* Appends an entry to the audit log (which the database keeps append-only). Each field is
 * stored as one line of text (text.h, AW_TEXT_LINE): direction controls dropped, line breaks
 * and tabs as spaces, other control characters and invalid UTF-8 as U+FFFD, so that what
 * people typed (a file name, a written reason) can neither reorder nor split an entry. */
enum aw_err aw_store_audit(struct aw_store *st, const char *actor, const char *action,
                           const char *object, const char *detail, const char *ip, int64_t now);
/* Newest first. */
enum aw_err aw_store_audit_list(struct aw_store *st, struct aw_arena *a, size_t limit,
                                size_t offset, struct aw_audit_entry **out, size_t *n);

enum aw_err aw_store_mail_queue(struct aw_store *st, const char *to, const char *subject,
                                const char *body, int64_t now);
/* Claims the oldest unsent mail due at now, tried fewer than max_attempts
 * times, that nobody holds, until `until` (AW_ENOTFOUND if none): the claim
 * is made by one statement, so several instances on one database never
 * take the same mail; a claim whose instance died ends at `until`. The
 * policy (how long, how many attempts) is the mailer's (mail.h). */
enum aw_err aw_store_mail_claim(struct aw_store *st, struct aw_arena *a, int64_t now, int64_t until,
                                int max_attempts, struct aw_mail *out);
/* Ends the claim of an unsent mail: sent at now (its body forgotten), or
 * failed with `error`, next tried at next_at, its body forgotten when
 * forget_body (the last attempt). AW_ENOTFOUND if it is not unsent. */
enum aw_err aw_store_mail_done(struct aw_store *st, int64_t id, bool sent, const char *error,
                               int64_t now, int64_t next_at, bool forget_body);
/* Once per user per UTC day: true in *due (and marks it) if the user has not
 * been notified today. */
enum aw_err aw_store_notify_due(struct aw_store *st, int64_t user_id, int64_t now, bool *due);

/* Last error text of this connection (static or connection-owned). */
const char *aw_store_errmsg(struct aw_store *st);
/* migrate-data: copies every row of every table of `from` into `to`, a
 * database at the same schema version with nothing in it, in one
 * transaction (ids kept, the destination's id sequences moved past them).
 * AW_EEXIST when `to` is not empty, AW_EINVAL when the schemas differ;
 * *rows and *tables say how much was copied. aw_store_errmsg(from) says why
 * it failed, on either side. */
enum aw_err aw_store_copy(struct aw_store *from, struct aw_store *to, int64_t *rows,
                          size_t *tables);
/* Compares two databases table by table, row by row (each table's rows
 * sorted as text, so that two engines' collations do not matter):
 * AW_ENOTFOUND and the first difference in aw_store_errmsg(x). */
enum aw_err aw_store_compare(struct aw_store *x, struct aw_store *y, int64_t *rows, size_t *tables);
/* How many statements this connection has run since it opened (each one a
 * round trip to a database server): the pages log it at debug level, and
 * bench/backends.sh reports it per page. */
int64_t aw_store_queries(struct aw_store *st);
/* True when the connection is gone (a database server restarted): close it
 * and open a new one. Never true on SQLite. */
bool aw_store_lost(struct aw_store *st);

#endif
