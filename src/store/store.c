/* store.c: the front of the store (store.h). aw_store_open() picks the SQL
 * driver by URL (sql.h: SQLite or PostgreSQL) and each function checks its
 * arguments and calls the SQL store (aw_be_*, store_int.h: store_sql.c and
 * the files beside it). It also counts transaction nesting, so that a loader
 * may run inside a caller's transaction, and holds what needs no SQL: slugs,
 * UTC dates, the instance secret's randomness (libsodium), the rate-limit
 * rule (a sliding-window log over plain statements) and the duplicate-title
 * rule. */
#include "store/sql.h"
#include "store/store_int.h"

#include "aw/buf.h"
#include "aw/log.h"
#include "aw/text.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct aw_store {
    struct aw_store_be *be;
    int tx_depth;           /* nesting of aw_store_begin() */
    bool tx_failed;         /* an inner level rolled back: the outermost commit must not */
    bool tx_durable;        /* the outermost level waits for the disk at its commit */
    bool rate_pruned;       /* aw_store_rate_hit() pruned old hits on this connection... */
    int64_t rate_pruned_at; /* ...at this time (AW_RATE_PRUNE_EVERY) */
};

static bool
server_url(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

const char *
aw_store_file_path(const char *url)
{
    if (url == NULL || server_url(url))
        return NULL;
    return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
}

static enum aw_err
store_open(const char *url, bool create, bool migrate, bool readonly, struct aw_store **out,
           char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct aw_store *st = NULL;
    const char *path = url;

    *out = NULL;
    if (errlen > 0)
        err[0] = '\0';
    if (url == NULL || url[0] == '\0') {
        snprintf(err, errlen, "no database given");
        rc = AW_ECONFIG;
        goto out;
    }
    const struct aw_sql_driver *drv = &aw_sql_sqlite;
    if (server_url(url))
        drv = &aw_sql_pg; /* libpq takes the URL as it is */
    if (strncmp(url, "sqlite:", 7) == 0)
        path = url + 7;
    if (path[0] == '\0') {
        snprintf(err, errlen, "no SQLite database path in \"%s\"", url);
        rc = AW_ECONFIG;
        goto out;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = AW_ENOMEM;
        goto out;
    }
    rc = aw_store__sql_open(drv, drv == &aw_sql_pg ? url : path, create, migrate, readonly, &st->be,
                            err, errlen);
    if (rc != AW_OK)
        goto out;
    *out = st;
    st = NULL;
out:
    free(st);
    return rc;
}

enum aw_err
aw_store_open(const char *url, bool create, bool migrate, struct aw_store **out, char *err,
              size_t errlen)
{
    return store_open(url, create, migrate, false, out, err, errlen);
}

enum aw_err
aw_store_open_readonly(const char *url, struct aw_store **out, char *err, size_t errlen)
{
    return store_open(url, false, false, true, out, err, errlen);
}

void
aw_store_close(struct aw_store *st)
{
    if (st == NULL)
        return;
    if (st->tx_depth > 0) {
        AW_WARN("store closed inside a transaction: rolling back");
        aw_be_rollback(st->be);
    }
    aw_be_close(st->be);
    free(st);
}

int
aw_store_schema_version(struct aw_store *st)
{
    return aw_be_schema_version(st->be);
}

enum aw_err
aw_store_copy(struct aw_store *from, struct aw_store *to, int64_t *rows, size_t *tables)
{
    if (from->tx_depth || to->tx_depth ||
        aw_store_schema_version(from) != aw_store_schema_version(to)) {
        *rows = 0;
        *tables = 0;
        return AW_EINVAL;
    }
    struct aw_arena *a = aw_arena_new(0);
    enum aw_err rc = aw_be_copy_to(from->be, to->be, a, rows, tables);
    aw_arena_free(a);
    return rc;
}

enum aw_err
aw_store_compare(struct aw_store *x, struct aw_store *y, int64_t *rows, size_t *tables)
{
    *rows = 0;
    *tables = 0;
    struct aw_arena *a = aw_arena_new(0);
    enum aw_err rc = aw_be_compare(x->be, y->be, a, rows, tables);
    aw_arena_free(a);
    return rc;
}

int64_t
aw_store_queries(struct aw_store *st)
{
    return aw_be_queries(st->be);
}

bool
aw_store_lost(struct aw_store *st)
{
    return aw_be_lost(st->be);
}

const char *
aw_store_errmsg(struct aw_store *st)
{
    return aw_be_errmsg(st->be);
}

/* --- reads --- */

enum aw_err
aw_store_editions(struct aw_store *st, struct aw_arena *a, const char *lang,
                  struct aw_edition **out, size_t *n)
{
    return aw_be_editions(st->be, a, lang, out, n);
}

enum aw_err
aw_store_edition(struct aw_store *st, struct aw_arena *a, const char *lang, int year,
                 struct aw_edition *out)
{
    return aw_be_edition(st->be, a, lang, year, out);
}

enum aw_err
aw_store_edition_current(struct aw_store *st, struct aw_arena *a, const char *lang,
                         struct aw_edition *out)
{
    return aw_be_edition_current(st->be, a, lang, aw_store__year(), out);
}

enum aw_err
aw_store_tools(struct aw_store *st, struct aw_arena *a, int year, struct aw_tool **out, size_t *n)
{
    return aw_be_tools(st->be, a, year, out, n);
}

enum aw_err
aw_store_activities_by_edition(struct aw_store *st, struct aw_arena *a, int year,
                               struct aw_activity **out, size_t *n)
{
    return aw_be_activities_by_edition(st->be, a, year, out, n);
}

enum aw_err
aw_store_activities_by_country(struct aw_store *st, struct aw_arena *a, const char *code,
                               struct aw_activity **out, size_t *n)
{
    return aw_be_activities_by_country(st->be, a, code, out, n);
}

enum aw_err
aw_store_activities_by_org(struct aw_store *st, struct aw_arena *a, int64_t org_id,
                           struct aw_activity **out, size_t *n)
{
    return aw_be_activities_by_org(st->be, a, org_id, out, n);
}

enum aw_err
aw_store_activity(struct aw_store *st, struct aw_arena *a, int64_t id, struct aw_activity *out)
{
    return aw_be_activity(st->be, a, id, out);
}

enum aw_err
aw_store_statements(struct aw_store *st, struct aw_arena *a, int year, struct aw_statement **out,
                    size_t *n)
{
    return aw_be_statements(st->be, a, year, out, n);
}

enum aw_err
aw_store_documents(struct aw_store *st, struct aw_arena *a, int year, struct aw_document **out,
                   size_t *n)
{
    return aw_be_documents(st->be, a, year, out, n);
}

enum aw_err
aw_store_org(struct aw_store *st, struct aw_arena *a, int64_t id, struct aw_org *out)
{
    return aw_be_org(st->be, a, id, out);
}

enum aw_err
aw_store_countries(struct aw_store *st, struct aw_arena *a, const char *lang,
                   struct aw_country **out, size_t *n)
{
    return aw_be_countries(st->be, a, lang, out, n);
}

enum aw_err
aw_store_country(struct aw_store *st, struct aw_arena *a, const char *lang, const char *code,
                 struct aw_country *out)
{
    return aw_be_country(st->be, a, lang, code, out);
}

enum aw_err
aw_store_help_services(struct aw_store *st, struct aw_arena *a, const char *code,
                       bool include_unverified, struct aw_help_service **out, size_t *n)
{
    return aw_be_help_services(st->be, a, code, include_unverified, out, n);
}

enum aw_err
aw_store_vocab(struct aw_store *st, struct aw_arena *a, struct aw_vocab **out)
{
    return aw_be_vocab(st->be, a, out);
}

/* --- writes --- */

static enum aw_err
store_begin(struct aw_store *st, bool durable)
{
    enum aw_err rc = AW_OK;

    if (st->tx_depth == 0) {
        rc = aw_be_begin(st->be, durable);
        if (rc != AW_OK)
            goto out;
        st->tx_failed = false;
        st->tx_durable = durable;
    } else if (durable && !st->tx_durable) {
        /* it would commit without waiting for the disk: a caller's mistake */
        rc = AW_EINVAL;
        goto out;
    }
    st->tx_depth++;
out:
    return rc;
}

enum aw_err
aw_store_begin(struct aw_store *st)
{
    return store_begin(st, true);
}

enum aw_err
aw_store_begin_nondurable(struct aw_store *st)
{
    return store_begin(st, false);
}

enum aw_err
aw_store_commit(struct aw_store *st)
{
    enum aw_err rc = AW_OK;

    if (st->tx_depth == 0) {
        rc = AW_EINVAL;
        goto out;
    }
    st->tx_depth--;
    if (st->tx_depth > 0)
        goto out;
    if (st->tx_failed) {
        aw_be_rollback(st->be);
        st->tx_failed = false;
        rc = AW_EDB;
        goto out;
    }
    rc = aw_be_commit(st->be);
    if (rc != AW_OK)
        aw_be_rollback(st->be);
out:
    return rc;
}

enum aw_err
aw_store_rollback(struct aw_store *st)
{
    enum aw_err rc = AW_OK;

    if (st->tx_depth == 0) {
        rc = AW_EINVAL;
        goto out;
    }
    st->tx_depth--;
    if (st->tx_depth > 0) {
        st->tx_failed = true;
        goto out;
    }
    st->tx_failed = false;
    rc = aw_be_rollback(st->be);
out:
    return rc;
}

enum aw_err
aw_store_put_country(struct aw_store *st, const struct aw_country *c)
{
    return aw_be_put_country(st->be, c);
}

enum aw_err
aw_store_put_edition(struct aw_store *st, const struct aw_edition *e)
{
    return aw_be_put_edition(st->be, e);
}

enum aw_err
aw_store_put_org(struct aw_store *st, const struct aw_org *o, int64_t *id)
{
    return aw_be_put_org(st->be, o, id);
}

enum aw_err
aw_store_put_activity(struct aw_store *st, const struct aw_activity *act, bool published,
                      int64_t *id)
{
    return aw_be_put_activity(st->be, act, NULL, published, id);
}

enum aw_err
aw_store_put_activity_keyed(struct aw_store *st, const struct aw_activity *act,
                            const char *source_key, bool published, int64_t *id)
{
    return aw_be_put_activity(st->be, act, source_key, published, id);
}

enum aw_err
aw_store_put_tool(struct aw_store *st, int year, const struct aw_tool *t, int64_t *id)
{
    return aw_be_put_tool(st->be, year, t, id);
}

enum aw_err
aw_store_put_statement(struct aw_store *st, const struct aw_statement *s, int64_t *id)
{
    return aw_be_put_statement(st->be, s, id);
}

enum aw_err
aw_store_put_document(struct aw_store *st, const struct aw_document *d, int64_t *id)
{
    return aw_be_put_document(st->be, d, id);
}

enum aw_err
aw_store_term_add(struct aw_store *st, const struct aw_term *t)
{
    return aw_be_term_add(st->be, t);
}

enum aw_err
aw_store_term_labels_add(struct aw_store *st, const struct aw_term *t)
{
    return aw_be_term_labels_add(st->be, t);
}

enum aw_err
aw_store_term_update(struct aw_store *st, const struct aw_term *t)
{
    return aw_be_term_update(st->be, t);
}

enum aw_err
aw_store_put_help_service(struct aw_store *st, const struct aw_help_service *h, int64_t *id)
{
    return aw_be_put_help_service(st->be, h, id);
}

enum aw_err
aw_store_org_find(struct aw_store *st, struct aw_arena *a, const char *name, const char *country,
                  struct aw_org *out)
{
    return aw_be_org_find(st->be, a, name, country, out);
}

/* --- moderation, accounts, audit, mail --- */

enum aw_err
aw_store_secret(struct aw_store *st, unsigned char out[32])
{
    enum aw_err rc = AW_OK;
    unsigned char fresh[32];
    char hex[65], stored[65];
    size_t n = 0;

    /* thread-safe, and a no-op (returning 1) once it has run */
    if (sodium_init() < 0) {
        AW_ERROR("libsodium cannot start");
        rc = AW_EIO;
        goto out;
    }
    randombytes_buf(fresh, sizeof(fresh));
    sodium_bin2hex(hex, sizeof(hex), fresh, sizeof(fresh));
    rc = aw_be_secret(st->be, hex, stored);
    if (rc != AW_OK)
        goto out;
    if (sodium_hex2bin(out, 32, stored, strlen(stored), NULL, &n, NULL) != 0 || n != 32) {
        AW_ERROR("the stored instance secret is not 64 hex digits");
        rc = AW_EDB;
    }
out:
    sodium_memzero(fresh, sizeof(fresh));
    sodium_memzero(hex, sizeof(hex));
    sodium_memzero(stored, sizeof(stored));
    return rc;
}

enum aw_err
aw_store_user_add(struct aw_store *st, const char *email, const char *pw_hash, enum aw_role role,
                  const char *country, int64_t *id)
{
    return aw_be_user_add(st->be, email, pw_hash, role, country, id);
}

enum aw_err
aw_store_user_by_email(struct aw_store *st, struct aw_arena *a, const char *email,
                       struct aw_user *out)
{
    return aw_be_user_by_email(st->be, a, email, out);
}

enum aw_err
aw_store_user_by_id(struct aw_store *st, struct aw_arena *a, int64_t id, struct aw_user *out)
{
    return aw_be_user_by_id(st->be, a, id, out);
}

enum aw_err
aw_store_users(struct aw_store *st, struct aw_arena *a, struct aw_user **out, size_t *n)
{
    return aw_be_users(st->be, a, out, n);
}

enum aw_err
aw_store_user_set_disabled(struct aw_store *st, int64_t id, bool disabled)
{
    return aw_be_user_set_disabled(st->be, id, disabled);
}

enum aw_err
aw_store_user_set_password(struct aw_store *st, int64_t id, const char *pw_hash)
{
    return aw_be_user_set_password(st->be, id, pw_hash);
}

enum aw_err
aw_store_user_logged_in(struct aw_store *st, int64_t id, int64_t now)
{
    return aw_be_user_logged_in(st->be, id, now);
}

enum aw_err
aw_store_session_add(struct aw_store *st, const char *id_hash, int64_t user_id, int64_t now,
                     int64_t expires)
{
    return aw_be_session_add(st->be, id_hash, user_id, now, expires);
}

enum aw_err
aw_store_session_user(struct aw_store *st, struct aw_arena *a, const char *id_hash, int64_t now,
                      struct aw_user *out, int64_t *last_seen)
{
    return aw_be_session_user(st->be, a, id_hash, now, out, last_seen);
}

enum aw_err
aw_store_session_touch(struct aw_store *st, const char *id_hash, int64_t now)
{
    return aw_be_session_touch(st->be, id_hash, now);
}

enum aw_err
aw_store_sessions_prune(struct aw_store *st, int64_t now)
{
    return aw_be_sessions_prune(st->be, now);
}

enum aw_err
aw_store_session_delete(struct aw_store *st, const char *id_hash)
{
    return aw_be_session_delete(st->be, id_hash);
}

enum aw_err
aw_store_sessions_delete_user(struct aw_store *st, int64_t user_id)
{
    return aw_be_sessions_delete_user(st->be, user_id);
}

/* The sliding-window log (docs/internals/store.md). The backend only runs
 * statements; the rule is here, so that every backend applies the same one.
 * The window of a hit at now is (now - window_s, now]: a hit made at t
 * stops counting at t + window_s exactly. Refused hits are not logged: a key
 * holds at most `limit` rows, and a client that keeps hammering is allowed
 * again as soon as its oldest hit leaves the window, never more than
 * `limit` in any window_s seconds. A token bucket of capacity `limit`
 * refilled at limit / window_s would be cheaper to store but lets nearly
 * 2 * limit through in one window (a full bucket, then its refill), which is
 * the fault of the fixed windows this replaces. */
enum aw_err
aw_store_rate_hit(struct aw_store *st, const char *key, int64_t window_s, int64_t limit,
                  int64_t now, struct aw_rate *out)
{
    enum aw_err rc = AW_OK;
    int64_t count = 0, oldest = 0, leaves = 0;
    bool first = false, prune;

    if (out == NULL)
        return AW_EINVAL;
    memset(out, 0, sizeof(*out));
    if (key == NULL || key[0] == '\0' || window_s <= 0 || window_s > AW_RATE_MAX_WINDOW ||
        limit <= 0 || limit > AW_RATE_MAX_LIMIT || now < 0)
        return AW_EINVAL;
    prune = !st->rate_pruned || now - st->rate_pruned_at >= AW_RATE_PRUNE_EVERY ||
            now < st->rate_pruned_at;
    /* One write transaction from its first statement: two instances that
     * count the same key wait for each other instead of both seeing
     * limit - 1 hits and both logging one. Not durable: a hit lost in a
     * power cut gives one attempt back, and waiting for the disk here cost
     * every share POST a second sync (docs/BENCHMARKS.md). */
    rc = aw_store_begin_nondurable(st);
    if (rc != AW_OK)
        return rc;
    rc = aw_be_rate_window(st->be, key, now - window_s, &count, &oldest);
    if (rc != AW_OK)
        goto out;
    if (count < limit) {
        rc = aw_be_rate_log(st->be, key, now);
        if (rc != AW_OK)
            goto out;
        out->allowed = true;
        out->count = count + 1;
    } else {
        /* Allowed again once count - limit + 1 hits have left: the oldest
         * when the key is full, a later one when the limit was lowered. */
        leaves = oldest;
        if (count > limit) {
            rc = aw_be_rate_nth(st->be, key, count - limit, &leaves);
            if (rc != AW_OK)
                goto out;
        }
        rc = aw_be_rate_refused(st->be, key, now, now - window_s, &first);
        if (rc != AW_OK)
            goto out;
        out->count = count;
        out->first_refusal = first;
        /* The hits left are younger than the window, so this is at least 1.
         * It is at most the window unless a hit was stamped ahead of now (an
         * instance whose clock runs fast): the client is then told the window
         * and, if it comes back too early, told again. */
        out->retry_after = leaves + window_s - now;
        if (out->retry_after < 1)
            out->retry_after = 1;
        if (out->retry_after > window_s)
            out->retry_after = window_s;
    }
    if (prune)
        rc = aw_be_rate_prune(st->be, now - AW_RATE_MAX_WINDOW);
out:
    if (rc == AW_OK)
        rc = aw_store_commit(st);
    else
        aw_store_rollback(st);
    if (rc == AW_OK && prune) {
        st->rate_pruned = true;
        st->rate_pruned_at = now;
    }
    if (rc != AW_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

enum aw_err
aw_store_rate_reset(struct aw_store *st, const char *key)
{
    if (key == NULL || key[0] == '\0')
        return AW_EINVAL;
    return aw_be_rate_reset(st->be, key);
}

enum aw_err
aw_store_share_add(struct aw_store *st, const char *token_hash, const char *name, const char *email,
                   int64_t now, int64_t *id)
{
    return aw_be_share_add(st->be, token_hash, name, email, now, id);
}

enum aw_err
aw_store_share_by_token(struct aw_store *st, struct aw_arena *a, const char *token_hash,
                        struct aw_share *out)
{
    return aw_be_share_by_token(st->be, a, token_hash, out);
}

enum aw_err
aw_store_share_by_id(struct aw_store *st, struct aw_arena *a, int64_t id, struct aw_share *out)
{
    return aw_be_share_by_id(st->be, a, id, out);
}

enum aw_err
aw_store_share_set_activity(struct aw_store *st, int64_t share_id, int64_t activity_id)
{
    return aw_be_share_set_activity(st->be, share_id, activity_id);
}

enum aw_err
aw_store_submission_add(struct aw_store *st, const struct aw_submission *sub, int64_t now,
                        int64_t *id)
{
    return aw_be_submission_add(st->be, sub, now, id);
}

enum aw_err
aw_store_submissions_supersede(struct aw_store *st, int64_t share_id, int64_t now)
{
    return aw_be_submissions_supersede(st->be, share_id, now);
}

enum aw_err
aw_store_submission(struct aw_store *st, struct aw_arena *a, int64_t id, struct aw_submission *out)
{
    return aw_be_submission(st->be, a, id, out);
}

enum aw_err
aw_store_submissions_pending(struct aw_store *st, struct aw_arena *a, const char *country, int year,
                             struct aw_submission **out, size_t *n)
{
    if (country != NULL && country[0] == '\0')
        country = NULL;
    return aw_be_submissions_pending(st->be, a, country, year, out, n);
}

enum aw_err
aw_store_submissions_by_share(struct aw_store *st, struct aw_arena *a, int64_t share_id,
                              struct aw_submission **out, size_t *n)
{
    return aw_be_submissions_by_share(st->be, a, share_id, out, n);
}

enum aw_err
aw_store_submission_update(struct aw_store *st, const struct aw_submission *sub)
{
    return aw_be_submission_update(st->be, sub);
}

enum aw_err
aw_store_submission_decide(struct aw_store *st, int64_t id, enum aw_sub_status status,
                           int64_t user_id, const char *reason, int64_t now)
{
    /* a decision ends the pending state: it is never pending or superseded */
    if (status != AW_SUB_APPROVED && status != AW_SUB_REJECTED && status != AW_SUB_CANCELLED)
        return AW_EINVAL;
    return aw_be_submission_decide(st->be, id, status, user_id, reason, now);
}

enum aw_err
aw_store_activity_set_status(struct aw_store *st, int64_t activity_id, const char *status)
{
    if (status == NULL || (strcmp(status, "published") != 0 && strcmp(status, "withdrawn") != 0 &&
                           strcmp(status, "pending") != 0))
        return AW_EINVAL;
    return aw_be_activity_set_status(st->be, activity_id, status);
}

enum aw_err
aw_store_activity_similar(struct aw_store *st, int64_t org_id, int year, const char *title,
                          bool *dup, int64_t *dup_id)
{
    *dup = false;
    if (dup_id != NULL)
        *dup_id = 0;
    if (title == NULL)
        return AW_EINVAL;
    return aw_be_activity_similar(st->be, org_id, year, title, dup, dup_id);
}

enum aw_err
aw_store_orgs(struct aw_store *st, struct aw_arena *a, struct aw_org **out, size_t *n)
{
    return aw_be_orgs(st->be, a, out, n);
}

/* s as one line of the audit log (text.h, AW_TEXT_LINE), in b when it changes. */
static const char *
audit_line(struct aw_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (s == NULL || aw_text_is_neutral(s, n, AW_TEXT_LINE))
        return s;
    aw_buf_init(b, n * 3 + 1);
    aw_text_neutral(b, s, n, AW_TEXT_LINE);
    return aw_buf_cstr(b);
}

enum aw_err
aw_store_audit(struct aw_store *st, const char *actor, const char *action, const char *object,
               const char *detail, const char *ip, int64_t now)
{
    enum aw_err rc = AW_EINVAL;
    struct aw_buf b[5] = {AW_BUF_INIT(0), AW_BUF_INIT(0), AW_BUF_INIT(0), AW_BUF_INIT(0),
                          AW_BUF_INIT(0)};

    if (actor == NULL || action == NULL)
        goto out;
    rc = aw_be_audit(st->be, audit_line(&b[0], actor), audit_line(&b[1], action),
                     audit_line(&b[2], object), audit_line(&b[3], detail), audit_line(&b[4], ip),
                     now);
out:
    for (size_t i = 0; i < AW_NELEM(b); i++)
        aw_buf_free(&b[i]);
    return rc;
}

enum aw_err
aw_store_audit_list(struct aw_store *st, struct aw_arena *a, size_t limit, size_t offset,
                    struct aw_audit_entry **out, size_t *n)
{
    return aw_be_audit_list(st->be, a, limit, offset, out, n);
}

enum aw_err
aw_store_mail_queue(struct aw_store *st, const char *to, const char *subject, const char *body,
                    int64_t now)
{
    if (to == NULL || subject == NULL || body == NULL)
        return AW_EINVAL;
    return aw_be_mail_queue(st->be, to, subject, body, now);
}

enum aw_err
aw_store_mail_claim(struct aw_store *st, struct aw_arena *a, int64_t now, int64_t until,
                    int max_attempts, struct aw_mail *out)
{
    if (until <= now || max_attempts < 1)
        return AW_EINVAL;
    return aw_be_mail_claim(st->be, a, now, until, max_attempts, out);
}

enum aw_err
aw_store_mail_done(struct aw_store *st, int64_t id, bool sent, const char *error, int64_t now,
                   int64_t next_at, bool forget_body)
{
    return aw_be_mail_done(st->be, id, sent, error, now, next_at, forget_body);
}

enum aw_err
aw_store_notify_due(struct aw_store *st, int64_t user_id, int64_t now, bool *due)
{
    char day[11];

    *due = false;
    aw_store__day(now, day);
    return aw_be_notify_due(st->be, user_id, day, due);
}

/* --- shared helpers --- */

/* ASCII forms of U+00C0..U+017F (Latin-1 Supplement letters and Latin
 * Extended-A); NULL: dropped. */
static const char *const latin_ascii[0x180 - 0xC0] = {
    /* 00C0 */ "a", "a", "a",  "a",  "a", "a", "ae", "c",
    /* 00C8 */ "e", "e", "e",  "e",  "i", "i", "i",  "i",
    /* 00D0 */ "d", "n", "o",  "o",  "o", "o", "o",  NULL,
    /* 00D8 */ "o", "u", "u",  "u",  "u", "y", "th", "ss",
    /* 00E0 */ "a", "a", "a",  "a",  "a", "a", "ae", "c",
    /* 00E8 */ "e", "e", "e",  "e",  "i", "i", "i",  "i",
    /* 00F0 */ "d", "n", "o",  "o",  "o", "o", "o",  NULL,
    /* 00F8 */ "o", "u", "u",  "u",  "u", "y", "th", "y",
    /* 0100 */ "a", "a", "a",  "a",  "a", "a", "c",  "c",
    /* 0108 */ "c", "c", "c",  "c",  "c", "c", "d",  "d",
    /* 0110 */ "d", "d", "e",  "e",  "e", "e", "e",  "e",
    /* 0118 */ "e", "e", "e",  "e",  "g", "g", "g",  "g",
    /* 0120 */ "g", "g", "g",  "g",  "h", "h", "h",  "h",
    /* 0128 */ "i", "i", "i",  "i",  "i", "i", "i",  "i",
    /* 0130 */ "i", "i", "ij", "ij", "j", "j", "k",  "k",
    /* 0138 */ "k", "l", "l",  "l",  "l", "l", "l",  "l",
    /* 0140 */ "l", "l", "l",  "n",  "n", "n", "n",  "n",
    /* 0148 */ "n", "n", "n",  "n",  "o", "o", "o",  "o",
    /* 0150 */ "o", "o", "oe", "oe", "r", "r", "r",  "r",
    /* 0158 */ "r", "r", "s",  "s",  "s", "s", "s",  "s",
    /* 0160 */ "s", "s", "t",  "t",  "t", "t", "t",  "t",
    /* 0168 */ "u", "u", "u",  "u",  "u", "u", "u",  "u",
    /* 0170 */ "u", "u", "u",  "u",  "w", "w", "y",  "y",
    /* 0178 */ "y", "z", "z",  "z",  "z", "z", "z",  "s",
};

/* Decodes one UTF-8 sequence at s (valid or not); returns its length (>= 1)
 * and the code point in *cp (0xFFFD when invalid). */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
    size_t n = 1;
    uint32_t c = s[0];

    if (c < 0x80) {
        *cp = c;
        goto out;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else {
        *cp = 0xFFFD;
        goto out;
    }
    c &= 0x3F >> (n - 1);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            n = i;
            goto out;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
out:
    return n;
}

static const char *
translit(uint32_t cp)
{
    const char *r = NULL;

    if (cp >= 0xC0 && cp < 0x180)
        r = latin_ascii[cp - 0xC0];
    else if (cp == 0x218 || cp == 0x219) /* Ș ș */
        r = "s";
    else if (cp == 0x21A || cp == 0x21B) /* Ț ț */
        r = "t";
    return r;
}

char *
aw_store__slugify(const char *s, char *out, size_t outlen)
{
    size_t max = outlen - 1, len = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    bool hyphen = false; /* a separator is pending */

    if (max > AW_SLUG_MAX)
        max = AW_SLUG_MAX;
    while (*p != '\0' && len < max) {
        uint32_t cp;
        char one[2] = {0, 0};
        const char *rep;

        p += utf8_next(p, &cp);
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            one[0] = (char)cp;
            rep = one;
        } else if (cp >= 'A' && cp <= 'Z') {
            one[0] = (char)(cp - 'A' + 'a');
            rep = one;
        } else {
            rep = translit(cp);
        }
        if (rep == NULL) {
            /* apostrophes join words ("children's" -> "childrens") */
            if (cp != '\'' && cp != 0x2019)
                hyphen = len > 0;
            continue;
        }
        if (hyphen) {
            if (len + 1 >= max)
                break;
            out[len++] = '-';
            hyphen = false;
        }
        for (; *rep != '\0' && len < max; rep++)
            out[len++] = *rep;
    }
    /* Cut off at the limit: end on a whole word rather than half of one. */
    if (*p != '\0' && len == max) {
        size_t cut = len;
        while (cut > 0 && out[cut - 1] != '-')
            cut--;
        if (cut > max / 2)
            len = cut;
    }
    while (len > 0 && out[len - 1] == '-')
        len--;
    if (len == 0) {
        snprintf(out, outlen, "item");
        goto out;
    }
    out[len] = '\0';
out:
    return out;
}

static void
utc_now(struct tm *tm)
{
    time_t t = time(NULL);
    gmtime_r(&t, tm);
}

void
aw_store__today(char out[11])
{
    struct tm tm;
    utc_now(&tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

void
aw_store__now(char out[21])
{
    struct tm tm;
    utc_now(&tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
aw_store__year(void)
{
    struct tm tm;
    utc_now(&tm);
    return tm.tm_year + 1900;
}

static void
utc_at(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)t;

    if (gmtime_r(&tt, tm) == NULL) {
        tt = 0;
        gmtime_r(&tt, tm);
    }
}

void
aw_store__iso(int64_t t, char out[21])
{
    struct tm tm;
    utc_at(t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
aw_store__day(int64_t t, char out[11])
{
    struct tm tm;
    utc_at(t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- duplicate titles ---- */

/* What a code point becomes in a title key: *rep is its replacement ("" when
 * dropped), or NULL when it separates words. buf holds a one-character
 * replacement. */
static const char *
title_fold(uint32_t cp, char buf[5])
{
    const char *rep = NULL;

    memset(buf, 0, 5);
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
        buf[0] = (char)cp;
        rep = buf;
    } else if (cp >= 'A' && cp <= 'Z') {
        buf[0] = (char)(cp - 'A' + 'a');
        rep = buf;
    } else if (cp == '\'' || cp == 0x2019) { /* apostrophes join words */
        rep = "";
    } else if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7) { /* ASCII, C1, Latin-1 symbols */
        rep = NULL;
    } else if ((rep = translit(cp)) != NULL) {
        /* done */
    } else if ((cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x20A0 && cp <= 0x20CF) ||
               (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF ||
               cp == 0xFFFD || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        rep = NULL; /* punctuation, currency, variation selectors, invalid */
    } else {
        if ((cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F))
            cp += 0x20; /* Greek and Cyrillic capitals */
        else if (cp >= 0x400 && cp <= 0x40F)
            cp += 0x50;
        if (cp < 0x800) {
            buf[0] = (char)(0xC0 | (cp >> 6));
            buf[1] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            buf[0] = (char)(0xE0 | (cp >> 12));
            buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            buf[2] = (char)(0x80 | (cp & 0x3F));
        } else {
            buf[0] = (char)(0xF0 | (cp >> 18));
            buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
            buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
            buf[3] = (char)(0x80 | (cp & 0x3F));
        }
        rep = buf;
    }
    return rep;
}

void
aw_store__title_key(const char *s, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = 0;
    bool space = false; /* a separator is pending */

    if (outlen == 0)
        return;
    while (*p != '\0') {
        uint32_t cp;
        char buf[5];
        const char *rep;
        size_t rlen;

        p += utf8_next(p, &cp);
        rep = title_fold(cp, buf);
        if (rep == NULL) {
            space = len > 0;
            continue;
        }
        rlen = strlen(rep);
        if (rlen == 0)
            continue;
        if (len + (space ? 1 : 0) + rlen >= outlen)
            break;
        if (space) {
            out[len++] = ' ';
            space = false;
        }
        memcpy(out + len, rep, rlen);
        len += rlen;
    }
    out[len] = '\0';
}

/* Cuts a trailing " YEAR" off key. */
static void
strip_year(char *key, int year)
{
    char y[16];
    size_t len = strlen(key);
    size_t ylen = (size_t)snprintf(y, sizeof(y), " %d", year);

    if (len > ylen && strcmp(key + len - ylen, y) == 0)
        key[len - ylen] = '\0';
}

#define LEV_MAX 256

/* The code points of s into v (at most LEV_MAX); returns their count, or
 * LEV_MAX + 1 when there are more. */
static size_t
code_points(const char *s, uint32_t *v)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;

    while (*p != '\0') {
        uint32_t cp;
        p += utf8_next(p, &cp);
        if (n == LEV_MAX)
            return LEV_MAX + 1;
        v[n++] = cp;
    }
    return n;
}

/* Levenshtein distance (insertions, deletions, substitutions) with one row. */
static size_t
levenshtein(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
    size_t row[LEV_MAX + 1];

    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1] ? 1 : 0);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

bool
aw_store__titles_similar(const char *a, const char *b, int year)
{
    char ka[AW_TITLE_KEY_MAX], kb[AW_TITLE_KEY_MAX];
    uint32_t ca[LEV_MAX], cb[LEV_MAX];
    size_t na, nb;
    bool similar = false;

    aw_store__title_key(a, ka, sizeof(ka));
    aw_store__title_key(b, kb, sizeof(kb));
    if (ka[0] == '\0' || kb[0] == '\0')
        goto out;
    if (strcmp(ka, kb) == 0) {
        similar = true;
        goto out;
    }
    strip_year(ka, year);
    strip_year(kb, year);
    if (strcmp(ka, kb) == 0) {
        similar = true;
        goto out;
    }
    na = code_points(ka, ca);
    nb = code_points(kb, cb);
    if (na <= 12 || nb <= 12 || na > LEV_MAX || nb > LEV_MAX || na > nb + 2 || nb > na + 2)
        goto out;
    similar = levenshtein(ca, na, cb, nb) <= 2;
out:
    return similar;
}

enum aw_err
aw_store__read_file(const char *path, size_t max, char **out, size_t *len)
{
    enum aw_err rc = AW_OK;
    struct aw_buf b = AW_BUF_INIT(max);
    char chunk[8192];
    size_t n;
    FILE *f = fopen(path, "rb");

    *out = NULL;
    if (f == NULL) {
        rc = errno == ENOENT ? AW_ENOTFOUND : AW_EIO;
        goto out;
    }
    aw_buf_append(&b, "", 0); /* an empty file is "" */
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        aw_buf_append(&b, chunk, n);
    if (ferror(f)) {
        rc = AW_EIO;
        goto out;
    }
    rc = aw_buf_err(&b);
    if (rc != AW_OK)
        goto out;
    if (len != NULL)
        *len = b.len;
    *out = aw_buf_steal(&b, NULL);
out:
    if (f != NULL)
        fclose(f);
    aw_buf_free(&b);
    return rc;
}
