/* store_moderation.c: the moderation side of the SQL store (store_int.h,
 * aw_be_*; tables of sql/<dialect>/002_moderation.sql and later): users,
 * sessions, rate limits, shares, submissions, the audit log, the mail
 * outbox. Plain statements: the policy around them is the domain's
 * (src/domain/) and the mailer's. */
#include "store_sql_int.h"

/* ======================================================================
 * Moderation, accounts, audit, mail (issue 3)
 * ====================================================================== */

/* The stored secret into out; *found tells whether there is one. */
static enum aw_err
secret_get(struct aw_store_be *be, char out[65], bool *found)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_SECRET_GET];
    int r = sq_step(be, s);

    *found = false;
    if (r == AW_SQL_ROW) {
        const char *v = aw_sql_text(s, 0);
        snprintf(out, 65, "%s", v ? (const char *)v : "");
        *found = true;
    } else if (r != AW_SQL_DONE) {
        rc = sq_fail(be, "secret", r);
    }
    sq_finish(be, s);
    return rc;
}

enum aw_err
aw_be_secret(struct aw_store_be *be, const char *candidate_hex, char out[65])
{
    enum aw_err rc;
    bool found = false;

    rc = secret_get(be, out, &found);
    if (rc != AW_OK || found)
        goto out;
    /* another instance may win the race: read back whatever is stored */
    sq_b_text(be, be->stmt[S_SECRET_PUT], 1, candidate_hex);
    rc = sq_run(be, be->stmt[S_SECRET_PUT], "secret");
    if (rc == AW_OK)
        rc = secret_get(be, out, &found);
    if (rc == AW_OK && !found)
        rc = sq_fail(be, "secret", AW_SQL_DONE);
out:
    return rc;
}

static enum aw_role
role_parse(const char *s)
{
    enum aw_role r;

    if (s == NULL || aw_role_parse(s, &r) != 0)
        r = AW_ROLE_FOCAL; /* cannot happen (CHECK): the least powerful role */
    return r;
}

/* Eight columns from 0: id, email, password_hash, role, country_code,
 * disabled, created_at, last_login_at. */
static void
read_user(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_user *u = elem;
    const char *cc = aw_sql_text(s, 4);

    (void)ctx;
    memset(u, 0, sizeof(*u));
    u->id = aw_sql_int64(s, 0);
    u->email = sq_col_str(a, s, 1);
    u->password_hash = sq_col_str(a, s, 2);
    u->role = role_parse(aw_sql_text(s, 3));
    snprintf(u->country_code, sizeof(u->country_code), "%s", cc ? (const char *)cc : "");
    u->disabled = aw_sql_int(s, 5) != 0;
    u->created_at = sq_col_str(a, s, 6);
    u->last_login_at = sq_col_str_nonempty(a, s, 7);
}

enum aw_err
aw_be_user_add(struct aw_store_be *be, const char *email, const char *pw_hash, enum aw_role role,
               const char *country, int64_t *id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_USER_ADD];
    const char *rs = aw_role_str(role);
    char now[21];
    int64_t rid = 0;
    bool found;

    if (email == NULL || email[0] == '\0' || pw_hash == NULL || rs == NULL) {
        snprintf(be->errmsg, sizeof(be->errmsg),
                 "user_add: an email, a password hash and a valid role are needed");
        rc = AW_EINVAL;
        goto out;
    }
    aw_store__now(now);
    sq_b_text(be, s, 1, email);
    sq_b_text(be, s, 2, pw_hash);
    sq_b_text(be, s, 3, rs);
    sq_b_text(be, s, 4, (country && country[0]) ? country : NULL);
    sq_b_text(be, s, 5, now);
    rc = sq_run_id(be, s, "user_add", &rid, &found);
    if (rc != AW_OK) {
        rc = sq_dup_or(be, rc);
        goto out;
    }
    if (id != NULL)
        *id = rid;
out:
    return rc;
}

/* One user from a statement bound by the caller (S_USER_BY_*). */
static enum aw_err
one_user(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s, struct aw_user *out)
{
    return sq_read_one(be, a, s, "user", sizeof(*out), read_user, NULL, out);
}

enum aw_err
aw_be_user_by_email(struct aw_store_be *be, struct aw_arena *a, const char *email,
                    struct aw_user *out)
{
    sq_b_text(be, be->stmt[S_USER_BY_EMAIL], 1, email);
    return one_user(be, a, be->stmt[S_USER_BY_EMAIL], out);
}

enum aw_err
aw_be_user_by_id(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_user *out)
{
    sq_b_int(be, be->stmt[S_USER_BY_ID], 1, id);
    return one_user(be, a, be->stmt[S_USER_BY_ID], out);
}

enum aw_err
aw_be_users(struct aw_store_be *be, struct aw_arena *a, struct aw_user **out, size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc =
        sq_read_rows(be, a, be->stmt[S_USERS], "users", sizeof(**out), read_user, NULL, &v, &len);

    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

/* Runs an UPDATE bound by the caller whose ?1 is a row id: AW_ENOTFOUND when
 * no row changed. */
static enum aw_err
update_one(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what)
{
    int changed = 0;
    enum aw_err rc = sq_run_changes(be, s, what, &changed);

    if (rc == AW_OK && changed == 0) {
        snprintf(be->errmsg, sizeof(be->errmsg), "%s: no such row", what);
        rc = AW_ENOTFOUND;
    }
    return rc;
}

enum aw_err
aw_be_user_set_disabled(struct aw_store_be *be, int64_t id, bool disabled)
{
    struct aw_sql_stmt *s = be->stmt[S_USER_DISABLE];

    sq_b_int(be, s, 1, id);
    sq_b_int(be, s, 2, disabled ? 1 : 0);
    return update_one(be, s, "user_set_disabled");
}

enum aw_err
aw_be_user_set_password(struct aw_store_be *be, int64_t id, const char *pw_hash)
{
    struct aw_sql_stmt *s = be->stmt[S_USER_PASSWORD];

    sq_b_int(be, s, 1, id);
    sq_b_text(be, s, 2, pw_hash);
    return update_one(be, s, "user_set_password");
}

enum aw_err
aw_be_user_logged_in(struct aw_store_be *be, int64_t id, int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_USER_LOGIN];
    char at[21];

    aw_store__iso(now, at);
    sq_b_int(be, s, 1, id);
    sq_b_text(be, s, 2, at);
    return update_one(be, s, "user_logged_in");
}

/* ---- sessions ---- */

enum aw_err
aw_be_session_add(struct aw_store_be *be, const char *id_hash, int64_t user_id, int64_t now,
                  int64_t expires)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_SESSION_ADD];
    char at[21];

    if (id_hash == NULL || id_hash[0] == '\0' || expires <= now) {
        snprintf(be->errmsg, sizeof(be->errmsg),
                 "session_add: an id hash and an expiry after now are needed");
        rc = AW_EINVAL;
        goto out;
    }
    aw_store__iso(now, at);
    sq_b_text(be, s, 1, id_hash);
    sq_b_int(be, s, 2, user_id);
    sq_b_text(be, s, 3, at);
    sq_b_int(be, s, 4, expires);
    sq_b_int(be, s, 5, now);
    rc = sq_dup_or(be, sq_run(be, s, "session_add"));
out:
    return rc;
}

enum aw_err
aw_be_session_user(struct aw_store_be *be, struct aw_arena *a, const char *id_hash, int64_t now,
                   struct aw_user *out, int64_t *last_seen)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_SESSION_USER];
    int r;

    *last_seen = 0;
    sq_b_text(be, s, 1, id_hash);
    sq_b_int(be, s, 2, now);
    r = sq_step(be, s);
    if (r == AW_SQL_ROW) {
        read_user(a, s, NULL, out);
        *last_seen = aw_sql_int64(s, 8);
    } else if (r == AW_SQL_DONE) {
        rc = AW_ENOTFOUND;
    } else {
        rc = sq_fail(be, "session_user", r);
    }
    sq_finish(be, s);
    return rc;
}

enum aw_err
aw_be_session_touch(struct aw_store_be *be, const char *id_hash, int64_t now)
{
    sq_b_text(be, be->stmt[S_SESSION_TOUCH], 1, id_hash);
    sq_b_int(be, be->stmt[S_SESSION_TOUCH], 2, now);
    return sq_run(be, be->stmt[S_SESSION_TOUCH], "session_touch");
}

enum aw_err
aw_be_sessions_prune(struct aw_store_be *be, int64_t now)
{
    sq_b_int(be, be->stmt[S_SESSION_PRUNE], 1, now);
    return sq_run(be, be->stmt[S_SESSION_PRUNE], "sessions_prune");
}

enum aw_err
aw_be_session_delete(struct aw_store_be *be, const char *id_hash)
{
    sq_b_text(be, be->stmt[S_SESSION_DELETE], 1, id_hash);
    return sq_run(be, be->stmt[S_SESSION_DELETE], "session_delete");
}

enum aw_err
aw_be_sessions_delete_user(struct aw_store_be *be, int64_t user_id)
{
    sq_b_int(be, be->stmt[S_SESSIONS_DELETE_USER], 1, user_id);
    return sq_run(be, be->stmt[S_SESSIONS_DELETE_USER], "sessions_delete_user");
}

/* ---- rate limits ---- */

/* Plain statements; the rule that strings them together is store.c's
 * (aw_store_rate_hit), inside the transaction it opened with be_begin.
 * S_RATE_LOCK, first, serialises the hits of one key across connections and
 * instances (SQLite: BEGIN IMMEDIATE's lock already did; PostgreSQL: an
 * advisory lock on the key until the transaction ends). */

enum aw_err
aw_be_rate_window(struct aw_store_be *be, const char *key, int64_t expired, int64_t *count,
                  int64_t *oldest)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_RATE_LOCK];
    int r;

    *count = 0;
    *oldest = 0;
    sq_b_text(be, s, 1, key);
    while ((r = sq_step(be, s)) == AW_SQL_ROW)
        ;
    rc = r == AW_SQL_DONE ? AW_OK : sq_fail(be, "rate_window: taking the key's lock", r);
    sq_finish(be, s);
    if (rc != AW_OK)
        goto out;
    s = be->stmt[S_RATE_EXPIRE];
    sq_b_text(be, s, 1, key);
    sq_b_int(be, s, 2, expired);
    rc = sq_run(be, s, "rate_window: expiring");
    if (rc != AW_OK)
        goto out;
    s = be->stmt[S_RATE_WINDOW];
    sq_b_text(be, s, 1, key);
    r = sq_step(be, s);
    if (r == AW_SQL_ROW) {
        *count = aw_sql_int64(s, 0);
        *oldest = aw_sql_int64(s, 1);
    } else {
        rc = sq_fail(be, "rate_window", r);
    }
    sq_finish(be, s);
out:
    return rc;
}

enum aw_err
aw_be_rate_nth(struct aw_store_be *be, const char *key, int64_t n, int64_t *at)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_RATE_NTH];
    bool found = false;

    sq_b_text(be, s, 1, key);
    sq_b_int(be, s, 2, n);
    rc = sq_run_id(be, s, "rate_nth", at, &found);
    if (rc == AW_OK && !found)
        rc = sq_fail(be, "rate_nth", AW_SQL_DONE);
    return rc;
}

enum aw_err
aw_be_rate_log(struct aw_store_be *be, const char *key, int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_RATE_LOG];

    sq_b_text(be, s, 1, key);
    sq_b_int(be, s, 2, now);
    return sq_run(be, s, "rate_log");
}

/* The upsert returns a row only when it inserted or updated one. */
enum aw_err
aw_be_rate_refused(struct aw_store_be *be, const char *key, int64_t now, int64_t since,
                   bool *recorded)
{
    struct aw_sql_stmt *s = be->stmt[S_RATE_REFUSED];
    int64_t at = 0;

    sq_b_text(be, s, 1, key);
    sq_b_int(be, s, 2, now);
    sq_b_int(be, s, 3, since);
    return sq_run_id(be, s, "rate_refused", &at, recorded);
}

enum aw_err
aw_be_rate_prune(struct aw_store_be *be, int64_t before)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_RATE_PRUNE_LOG];

    sq_b_int(be, s, 1, before);
    rc = sq_run(be, s, "rate_prune");
    if (rc != AW_OK)
        goto out;
    s = be->stmt[S_RATE_PRUNE_REFUSALS];
    sq_b_int(be, s, 1, before);
    rc = sq_run(be, s, "rate_prune: refusals");
out:
    return rc;
}

static enum aw_err
reset_rows(struct aw_store_be *be, const char *key)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_RATE_RESET_LOG];

    sq_b_text(be, s, 1, key);
    rc = sq_run(be, s, "rate_reset");
    if (rc != AW_OK)
        goto out;
    s = be->stmt[S_RATE_RESET_REFUSALS];
    sq_b_text(be, s, 1, key);
    rc = sq_run(be, s, "rate_reset: refusals");
out:
    return rc;
}

enum aw_err
aw_be_rate_reset(struct aw_store_be *be, const char *key)
{
    enum aw_err rc = sq_savepoint_begin(be);

    if (rc == AW_OK)
        rc = sq_savepoint_end(be, reset_rows(be, key));
    return rc;
}

/* ---- shares ---- */

enum aw_err
aw_be_share_add(struct aw_store_be *be, const char *token_hash, const char *name, const char *email,
                int64_t now, int64_t *id)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_SHARE_ADD];
    char at[21];
    int64_t rid = 0;
    bool found;

    aw_store__iso(now, at);
    sq_b_text(be, s, 1, token_hash);
    sq_b_text(be, s, 2, name);
    sq_b_text(be, s, 3, email);
    sq_b_text(be, s, 4, at);
    rc = sq_run_id(be, s, "share_add", &rid, &found);
    if (rc != AW_OK)
        rc = sq_dup_or(be, rc);
    else if (id != NULL)
        *id = rid;
    return rc;
}

static void
read_share(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_share *out = elem;

    (void)ctx;
    out->id = aw_sql_int64(s, 0);
    out->activity_id = aw_sql_int64(s, 1); /* NULL reads as 0 */
    out->submitter_name = sq_col_str(a, s, 2);
    out->submitter_email = sq_col_str(a, s, 3);
    out->created_at = sq_col_str(a, s, 4);
}

static enum aw_err
one_share(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s, struct aw_share *out)
{
    return sq_read_one(be, a, s, "share", sizeof(*out), read_share, NULL, out);
}

enum aw_err
aw_be_share_by_token(struct aw_store_be *be, struct aw_arena *a, const char *token_hash,
                     struct aw_share *out)
{
    sq_b_text(be, be->stmt[S_SHARE_BY_TOKEN], 1, token_hash);
    return one_share(be, a, be->stmt[S_SHARE_BY_TOKEN], out);
}

enum aw_err
aw_be_share_by_id(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_share *out)
{
    sq_b_int(be, be->stmt[S_SHARE_BY_ID], 1, id);
    return one_share(be, a, be->stmt[S_SHARE_BY_ID], out);
}

enum aw_err
aw_be_share_set_activity(struct aw_store_be *be, int64_t share_id, int64_t activity_id)
{
    struct aw_sql_stmt *s = be->stmt[S_SHARE_SET_ACT];

    sq_b_int(be, s, 1, share_id);
    sq_b_int_if(be, s, 2, activity_id > 0, activity_id);
    return update_one(be, s, "share_set_activity");
}

/* ---- submissions ---- */

static enum aw_sub_kind
sub_kind_parse(const char *s)
{
    for (int k = AW_SUB_NEW; k <= AW_SUB_WITHDRAW; k++)
        if (s != NULL && strcmp(aw_sub_kind_str((enum aw_sub_kind)k), s) == 0)
            return (enum aw_sub_kind)k;
    return AW_SUB_NEW;
}

static enum aw_sub_status
sub_status_parse(const char *s)
{
    for (int k = AW_SUB_PENDING; k <= AW_SUB_CANCELLED; k++)
        if (s != NULL && strcmp(aw_sub_status_str((enum aw_sub_status)k), s) == 0)
            return (enum aw_sub_status)k;
    return AW_SUB_PENDING;
}

/* The fifteen columns of SUB_COLS. */
static void
read_submission(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_submission *sub = elem;
    const char *cc = aw_sql_text(s, 6);

    (void)ctx;
    memset(sub, 0, sizeof(*sub));
    sub->id = aw_sql_int64(s, 0);
    sub->share_id = aw_sql_int64(s, 1);
    sub->activity_id = aw_sql_int64(s, 2);
    sub->kind = sub_kind_parse(aw_sql_text(s, 3));
    sub->status = sub_status_parse(aw_sql_text(s, 4));
    sub->edition_year = aw_sql_int(s, 5);
    snprintf(sub->country_code, sizeof(sub->country_code), "%s", cc ? (const char *)cc : "");
    sub->title = sq_col_str(a, s, 7);
    sub->org_name = sq_col_str(a, s, 8);
    sub->payload = sq_col_str(a, s, 9);
    sub->source = sq_col_str(a, s, 10);
    sub->created_at = sq_col_str(a, s, 11);
    sub->decided_at = sq_col_str_nonempty(a, s, 12);
    sub->decided_by = aw_sql_int64(s, 13);
    sub->reason = sq_col_str_nonempty(a, s, 14);
}

static enum aw_err
submission_rows(struct aw_store_be *be, const struct aw_submission *sub, int64_t now, int64_t *id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s;
    const char *kind = aw_sub_kind_str(sub->kind);
    char at[21];
    int64_t rid = 0;
    bool found;

    if (kind == NULL) {
        snprintf(be->errmsg, sizeof(be->errmsg), "submission_add: invalid kind");
        rc = AW_EINVAL;
        goto out;
    }
    aw_store__iso(now, at);
    s = be->stmt[S_SUB_ADD];
    sq_b_int_if(be, s, 1, sub->share_id > 0, sub->share_id);
    sq_b_int_if(be, s, 2, sub->activity_id > 0, sub->activity_id);
    sq_b_text(be, s, 3, kind);
    sq_b_int(be, s, 4, sub->edition_year);
    sq_b_text(be, s, 5, sub->country_code[0] ? sub->country_code : NULL);
    sq_b_text(be, s, 6, sub->title);
    sq_b_text(be, s, 7, sub->org_name);
    sq_b_text(be, s, 8, sub->payload);
    sq_b_text(be, s, 9, sub->source ? sub->source : "form");
    sq_b_text(be, s, 10, at);
    rc = sq_run_id(be, s, "submission_add", &rid, &found);
    if (rc == AW_OK && id != NULL)
        *id = rid;
out:
    return rc;
}

enum aw_err
aw_be_submission_add(struct aw_store_be *be, const struct aw_submission *sub, int64_t now,
                     int64_t *id)
{
    return submission_rows(be, sub, now, id);
}

enum aw_err
aw_be_submissions_supersede(struct aw_store_be *be, int64_t share_id, int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_SUB_SUPERSEDE];
    char at[21];

    aw_store__iso(now, at);
    sq_b_int(be, s, 1, share_id);
    sq_b_text(be, s, 2, at);
    return sq_run(be, s, "submissions_supersede");
}

/* Runs a submission query bound by the caller and reads every row. */
static enum aw_err
submission_list(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s,
                struct aw_submission **out, size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc =
        sq_read_rows(be, a, s, "submissions", sizeof(**out), read_submission, NULL, &v, &len);

    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

enum aw_err
aw_be_submission(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_submission *out)
{
    enum aw_err rc;
    struct aw_submission *v = NULL;
    size_t n = 0;

    sq_b_int(be, be->stmt[S_SUB], 1, id);
    rc = submission_list(be, a, be->stmt[S_SUB], &v, &n);
    if (rc == AW_OK && n == 0)
        rc = AW_ENOTFOUND;
    if (rc == AW_OK)
        *out = v[0];
    return rc;
}

enum aw_err
aw_be_submissions_pending(struct aw_store_be *be, struct aw_arena *a, const char *country, int year,
                          struct aw_submission **out, size_t *n)
{
    struct aw_sql_stmt *s = be->stmt[S_SUBS_PENDING];

    sq_b_text(be, s, 1, country);
    sq_b_int(be, s, 2, year);
    return submission_list(be, a, s, out, n);
}

enum aw_err
aw_be_submissions_by_share(struct aw_store_be *be, struct aw_arena *a, int64_t share_id,
                           struct aw_submission **out, size_t *n)
{
    sq_b_int(be, be->stmt[S_SUBS_BY_SHARE], 1, share_id);
    return submission_list(be, a, be->stmt[S_SUBS_BY_SHARE], out, n);
}

/* After an UPDATE ... WHERE id = ?1 AND status = 'pending' changed nothing:
 * AW_ENOTFOUND when there is no such submission, else AW_EINVAL. */
static enum aw_err
not_pending(struct aw_store_be *be, int64_t id, const char *what)
{
    enum aw_err rc;
    int64_t other = 0;
    bool found = false;

    sq_b_int(be, be->stmt[S_SUB_EXISTS], 1, id);
    rc = sq_run_id(be, be->stmt[S_SUB_EXISTS], what, &other, &found);
    if (rc == AW_OK) {
        snprintf(be->errmsg, sizeof(be->errmsg), "%s: submission %lld %s", what, (long long)id,
                 found ? "is not pending" : "does not exist");
        rc = found ? AW_EINVAL : AW_ENOTFOUND;
    }
    return rc;
}

enum aw_err
aw_be_submission_update(struct aw_store_be *be, const struct aw_submission *sub)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_SUB_UPDATE];
    int changed = 0;

    sq_b_int(be, s, 1, sub->id);
    sq_b_text(be, s, 2, sub->payload);
    sq_b_text(be, s, 3, sub->title);
    sq_b_text(be, s, 4, sub->org_name);
    sq_b_text(be, s, 5, sub->country_code[0] ? sub->country_code : NULL);
    sq_b_int(be, s, 6, sub->edition_year);
    rc = sq_run_changes(be, s, "submission_update", &changed);
    if (rc == AW_OK && changed == 0)
        rc = not_pending(be, sub->id, "submission_update");
    return rc;
}

enum aw_err
aw_be_submission_decide(struct aw_store_be *be, int64_t id, enum aw_sub_status status,
                        int64_t user_id, const char *reason, int64_t now)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_SUB_DECIDE];
    char at[21];
    int changed = 0;

    aw_store__iso(now, at);
    sq_b_int(be, s, 1, id);
    sq_b_text(be, s, 2, aw_sub_status_str(status));
    sq_b_text(be, s, 3, at);
    sq_b_int_if(be, s, 4, user_id > 0, user_id);
    sq_b_text(be, s, 5, (reason && reason[0]) ? reason : NULL);
    rc = sq_run_changes(be, s, "submission_decide", &changed);
    if (rc == AW_OK && changed == 0)
        rc = not_pending(be, id, "submission_decide");
    return rc;
}

enum aw_err
aw_be_activity_set_status(struct aw_store_be *be, int64_t activity_id, const char *status)
{
    struct aw_sql_stmt *s = be->stmt[S_ACT_SET_STATUS];
    char now[21];

    aw_store__now(now);
    sq_b_int(be, s, 1, activity_id);
    sq_b_text(be, s, 2, status);
    sq_b_text(be, s, 3, now);
    return update_one(be, s, "activity_set_status");
}

enum aw_err
aw_be_activity_similar(struct aw_store_be *be, int64_t org_id, int year, const char *title,
                       bool *dup, int64_t *dup_id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_ACT_TITLES];
    int r;

    /* the rule is in C (store.c), the same for every backend */
    sq_b_int(be, s, 1, org_id);
    sq_b_int(be, s, 2, year);
    while ((r = sq_step(be, s)) == AW_SQL_ROW) {
        const char *t = aw_sql_text(s, 1);
        if (t != NULL && aw_store__titles_similar(title, t, year)) {
            *dup = true;
            if (dup_id != NULL)
                *dup_id = aw_sql_int64(s, 0);
            r = AW_SQL_DONE;
            break;
        }
    }
    if (r != AW_SQL_DONE)
        rc = sq_fail(be, "activity_similar", r);
    sq_finish(be, s);
    return rc;
}

/* ---- audit log ---- */

enum aw_err
aw_be_audit(struct aw_store_be *be, const char *actor, const char *action, const char *object,
            const char *detail, const char *ip, int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_AUDIT_ADD];
    char at[21];

    aw_store__iso(now, at);
    sq_b_text(be, s, 1, at);
    sq_b_text(be, s, 2, actor);
    sq_b_text(be, s, 3, action);
    sq_b_text(be, s, 4, object);
    sq_b_text(be, s, 5, detail);
    sq_b_text(be, s, 6, ip);
    return sq_run(be, s, "audit");
}

static void
read_audit_entry(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_audit_entry *e = elem;

    (void)ctx;
    e->id = aw_sql_int64(s, 0);
    e->at = sq_col_str(a, s, 1);
    e->actor = sq_col_str(a, s, 2);
    e->action = sq_col_str(a, s, 3);
    e->object = sq_col_str(a, s, 4);
    e->detail = sq_col_str(a, s, 5);
    e->ip = sq_col_str(a, s, 6);
}

enum aw_err
aw_be_audit_list(struct aw_store_be *be, struct aw_arena *a, size_t limit, size_t offset,
                 struct aw_audit_entry **out, size_t *n)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_AUDIT_LIST];
    void *v = NULL;
    size_t len = 0;

    sq_b_int(be, s, 1, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    sq_b_int(be, s, 2, offset > INT64_MAX ? INT64_MAX : (int64_t)offset);
    rc = sq_read_rows(be, a, s, "audit_list", sizeof(**out), read_audit_entry, NULL, &v, &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

/* ---- mail outbox ---- */

enum aw_err
aw_be_mail_queue(struct aw_store_be *be, const char *to, const char *subject, const char *body,
                 int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_MAIL_QUEUE];
    char at[21];

    aw_store__iso(now, at);
    sq_b_text(be, s, 1, to);
    sq_b_text(be, s, 2, subject);
    sq_b_text(be, s, 3, body);
    sq_b_text(be, s, 4, at);
    sq_b_int(be, s, 5, now);
    return sq_run(be, s, "mail_queue");
}

enum aw_err
aw_be_mail_claim(struct aw_store_be *be, struct aw_arena *a, int64_t now, int64_t until,
                 int max_attempts, struct aw_mail *out)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_MAIL_CLAIM];
    int r;

    sq_b_int(be, s, 1, now);
    sq_b_int(be, s, 2, max_attempts);
    sq_b_int(be, s, 3, until);
    r = sq_step(be, s);
    if (r == AW_SQL_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = aw_sql_int64(s, 0);
        out->to = sq_col_str(a, s, 1);
        out->subject = sq_col_str(a, s, 2);
        out->body = sq_col_str(a, s, 3);
        out->attempts = aw_sql_int(s, 4);
    } else if (r == AW_SQL_DONE) {
        rc = AW_ENOTFOUND;
    } else {
        rc = sq_fail(be, "mail_claim", r);
    }
    /* RETURNING gives one row at most; the statement ends at the next step */
    while (r == AW_SQL_ROW && (r = sq_step(be, s)) == AW_SQL_ROW)
        ;
    if (r == AW_SQL_FAIL && rc == AW_OK)
        rc = sq_fail(be, "mail_claim", r);
    sq_finish(be, s);
    return rc;
}

enum aw_err
aw_be_mail_done(struct aw_store_be *be, int64_t id, bool sent, const char *error, int64_t now,
                int64_t next_at, bool forget_body)
{
    struct aw_sql_stmt *s;
    char at[21];

    if (sent) {
        s = be->stmt[S_MAIL_SENT];
        aw_store__iso(now, at);
        sq_b_int(be, s, 1, id);
        sq_b_text(be, s, 2, at);
    } else {
        s = be->stmt[S_MAIL_FAILED];
        sq_b_int(be, s, 1, id);
        sq_b_int(be, s, 2, next_at);
        sq_b_text(be, s, 3, error ? error : "unknown error");
        sq_b_int(be, s, 4, forget_body ? 1 : 0);
    }
    return update_one(be, s, "mail_done");
}

enum aw_err
aw_be_notify_due(struct aw_store_be *be, int64_t user_id, const char *day, bool *due)
{
    struct aw_sql_stmt *s = be->stmt[S_NOTIFY];
    int64_t uid = 0;

    sq_b_int(be, s, 1, user_id);
    sq_b_text(be, s, 2, day);
    /* RETURNING yields a row only when the row was inserted */
    return sq_run_id(be, s, "notify_due", &uid, due);
}
