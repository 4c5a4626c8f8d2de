/* store.h: the domain-level storage interface (not a generic SQL layer).
 *
 * One struct aw_store is one connection: use it from one thread at a time
 * (the HTTP server gives each pool thread its own). Every statement is
 * prepared when the connection opens, so a typo fails at start-up. Results
 * are allocated in the caller's arena `a` and live as long as it. Backends
 * implement struct aw_store_ops (store_int.h): SQLite now, PostgreSQL later;
 * no backend type leaks through this header.
 *
 * `lang` selects the language of translated names ("en", "fr"...); unknown
 * languages fall back to English. */
#ifndef AW_STORE_H
#define AW_STORE_H

#include "aw/arena.h"
#include "aw/err.h"
#include "aw/model.h"

struct aw_store;

/* Opens (creating the file if `create`) the database at url: a path (SQLite)
 * or, later, "postgresql://...". Applies pending migrations when `migrate`.
 * err receives a human-readable reason on failure. */
enum aw_err aw_store_open(const char *url, bool create, bool migrate, struct aw_store **out,
                          char *err, size_t errlen) AW_WARN_UNUSED;
void aw_store_close(struct aw_store *st);

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

/* --- bulk loading (init, import) --- */
enum aw_err aw_store_begin(struct aw_store *st);
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

/* Last error text of this connection (static or connection-owned). */
const char *aw_store_errmsg(struct aw_store *st);

#endif
