/* test_moderation.c: unit tests for the moderation side of the store (issue
 * 3; src/store/store.c, store_sql.c, sql_sqlite.c, store_model.c and
 * sql/<dialect>/002_moderation.sql) against a temporary SQLite database or, with AW_TEST_PG
 * (pg.unit.test_moderation), a fresh PostgreSQL one (test_db.h): the
 * instance secret, users (duplicate emails whatever their case), sessions
 * (expiry, disabled users), the sliding-window rate limits at their edges
 * (an injected clock: the `now` argument) and across connections, shares
 * and the submission lifecycle (supersede, decide only from pending), the
 * moderation queue's filters and order, duplicate titles, the append-only
 * audit log, the mail outbox's backoff, daily notifications and withdrawn
 * activities vanishing from every public read. A second connection (through
 * the project's driver, test_db.h) checks what the store API cannot show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/arena.h"
#include "aw/log.h"
#include "aw/mail.h"
#include "aw/store.h"
#include "store/store_int.h"
#include "test_db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 2023-11-14T22:13:00Z, a multiple of 60 (1700000000 is 22:13:20Z) */
#define T0 (INT64_C(1700000000) - 20)

struct fx {
    char dir[64];
    char db[512];
    struct aw_store *st;
    struct aw_arena *a;
    int64_t org_be, org_fr, org_int;
    int64_t act_be, act_fr, act_int;
};

static void
put_country(struct aw_store *st, const char *code, const char *en)
{
    struct aw_country c = {.name_en = en, .coe_member = true};
    memcpy(c.code, code, 3);
    assert_int_equal(aw_store_put_country(st, &c), AW_OK);
}

static void
put_edition(struct aw_store *st, int year, int number)
{
    struct aw_edition e = {.year = year, .number = number, .js_supported_count = -1};
    assert_int_equal(aw_store_put_edition(st, &e), AW_OK);
}

static int64_t
put_org(struct aw_store *st, const char *name, const char *country)
{
    struct aw_org o = {.name = name, .kind = "ngo", .country_code = country};
    int64_t id = 0;
    assert_int_equal(aw_store_put_org(st, &o, &id), AW_OK);
    return id;
}

static int64_t
put_act(struct aw_store *st, int year, int64_t org, const char *country, const char *title,
        bool published)
{
    static const char *kinds[] = {"campaign"};
    static const char *aud[] = {"parents"};
    struct aw_activity act = {.edition_year = year,
                              .org = {.id = org},
                              .country_code = country,
                              .title = title,
                              .summary = "Summary.",
                              .kinds = kinds,
                              .kinds_n = 1,
                              .audiences = aud,
                              .audiences_n = 1};
    int64_t id = 0;
    assert_int_equal(aw_store_put_activity(st, &act, published, &id), AW_OK);
    return id;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[512];

    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-mod-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    aw_test_db(f->db, sizeof(f->db), f->dir, "test.db"); /* or PostgreSQL: test_db.h */
    if (aw_store_open(f->db, true, true, &f->st, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    aw_test_vocab(f->st);
    f->a = aw_arena_new(0);
    put_country(f->st, "BE", "Belgium");
    put_country(f->st, "FR", "France");
    put_country(f->st, "LU", "Luxembourg");
    put_edition(f->st, 2017, 3);
    put_edition(f->st, 2018, 4);
    f->org_be = put_org(f->st, "Child Focus", "BE");
    f->org_fr = put_org(f->st, "Défenseur des droits", "FR");
    f->org_int = put_org(f->st, "ECPAT International", NULL);
    f->act_be = put_act(f->st, 2017, f->org_be, "BE", "Safer Internet Day", true);
    f->act_fr = put_act(f->st, 2017, f->org_fr, "FR", "Conférence à Paris", true);
    f->act_int = put_act(f->st, 2017, f->org_int, NULL, "Global webinar", true);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char path[256];
    static const char *files[] = {"test.db", "test.db-wal", "test.db-shm"};

    aw_store_close(f->st);
    aw_arena_free(f->a);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- model strings ---- */

static void
test_model_strings(void **state)
{
    enum aw_role r;

    (void)state;
    assert_string_equal(aw_role_str(AW_ROLE_ADMIN), "admin");
    assert_string_equal(aw_role_str(AW_ROLE_MODERATOR), "moderator");
    assert_string_equal(aw_role_str(AW_ROLE_FOCAL), "focal");
    assert_null(aw_role_str(AW_ROLE_COUNT));
    assert_null(aw_role_str((enum aw_role) - 1));
    assert_int_equal(aw_role_parse("moderator", &r), 0);
    assert_int_equal(r, AW_ROLE_MODERATOR);
    assert_int_equal(aw_role_parse("focal", &r), 0);
    assert_int_equal(r, AW_ROLE_FOCAL);
    assert_int_equal(aw_role_parse("Admin", &r), -1);
    assert_int_equal(aw_role_parse(NULL, &r), -1);

    assert_string_equal(aw_sub_status_str(AW_SUB_PENDING), "pending");
    assert_string_equal(aw_sub_status_str(AW_SUB_APPROVED), "approved");
    assert_string_equal(aw_sub_status_str(AW_SUB_REJECTED), "rejected");
    assert_string_equal(aw_sub_status_str(AW_SUB_SUPERSEDED), "superseded");
    assert_string_equal(aw_sub_status_str(AW_SUB_CANCELLED), "cancelled");
    assert_null(aw_sub_status_str((enum aw_sub_status)5));
    assert_string_equal(aw_sub_kind_str(AW_SUB_NEW), "new");
    assert_string_equal(aw_sub_kind_str(AW_SUB_CHANGE), "change");
    assert_string_equal(aw_sub_kind_str(AW_SUB_WITHDRAW), "withdraw");
    assert_null(aw_sub_kind_str((enum aw_sub_kind)3));
}

/* ---- secret ---- */

static void
test_secret(void **state)
{
    struct fx *f = *state;
    unsigned char s1[32], s2[32], zero[32] = {0};
    char err[512], hex[100];
    struct aw_store *other = NULL;
    struct aw_sql *db;

    assert_int_equal(aw_store_secret(f->st, s1), AW_OK);
    assert_memory_not_equal(s1, zero, 32);
    assert_int_equal(aw_store_secret(f->st, s2), AW_OK);
    assert_memory_equal(s1, s2, 32);
    /* another connection (another instance) gets the same one */
    assert_int_equal(aw_store_open(f->db, false, false, &other, err, sizeof(err)), AW_OK);
    memset(s2, 0, sizeof(s2));
    assert_int_equal(aw_store_secret(other, s2), AW_OK);
    assert_memory_equal(s1, s2, 32);
    aw_store_close(other);
    /* stored as 64 lowercase hex digits */
    db = aw_test_raw_open(f->db);
    aw_test_raw_text(db, "SELECT value FROM settings WHERE name = 'secret'", hex, sizeof(hex));
    assert_int_equal(strlen(hex), 64);
    assert_int_equal(strspn(hex, "0123456789abcdef"), 64);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM settings"), 1);
    aw_test_raw_close(db);
}

/* ---- users ---- */

static void
test_users(void **state)
{
    struct fx *f = *state;
    struct aw_user u, *v = NULL;
    int64_t admin = 0, mod = 0, focal = 0, other = 0;
    size_t n = 0;

    assert_int_equal(aw_store_user_add(f->st, "Zoe.Admin@example.org", "$argon2id$a", AW_ROLE_ADMIN,
                                       NULL, &admin),
                     AW_OK);
    assert_int_equal(
        aw_store_user_add(f->st, "mod@example.org", "$argon2id$m", AW_ROLE_MODERATOR, "", &mod),
        AW_OK);
    assert_int_equal(
        aw_store_user_add(f->st, "anna@example.be", "$argon2id$f", AW_ROLE_FOCAL, "BE", &focal),
        AW_OK);
    assert_true(admin > 0 && mod > admin && focal > mod);

    /* the same email in another case is a duplicate */
    assert_int_equal(aw_store_user_add(f->st, "zoe.admin@EXAMPLE.ORG", "$argon2id$x",
                                       AW_ROLE_MODERATOR, NULL, &other),
                     AW_EEXIST);
    assert_int_equal(
        aw_store_user_add(f->st, "MOD@example.org", "$argon2id$x", AW_ROLE_ADMIN, NULL, &other),
        AW_EEXIST);
    /* a focal point needs a known country; a role must be valid */
    assert_int_equal(aw_store_user_add(f->st, "x@example.org", "h", AW_ROLE_FOCAL, NULL, &other),
                     AW_EINVAL);
    assert_int_equal(aw_store_user_add(f->st, "x@example.org", "h", AW_ROLE_FOCAL, "ZZ", &other),
                     AW_EINVAL);
    assert_int_equal(aw_store_user_add(f->st, "x@example.org", "h", AW_ROLE_COUNT, NULL, &other),
                     AW_EINVAL);
    assert_int_equal(aw_store_user_add(f->st, "", "h", AW_ROLE_ADMIN, NULL, &other), AW_EINVAL);

    /* lookups ignore the case of the email */
    assert_int_equal(aw_store_user_by_email(f->st, f->a, "ZOE.ADMIN@example.org", &u), AW_OK);
    assert_int_equal(u.id, admin);
    assert_string_equal(u.email, "Zoe.Admin@example.org");
    assert_string_equal(u.password_hash, "$argon2id$a");
    assert_int_equal(u.role, AW_ROLE_ADMIN);
    assert_string_equal(u.country_code, "");
    assert_false(u.disabled);
    assert_non_null(u.created_at);
    assert_int_equal(strlen(u.created_at), 20);
    assert_int_equal(u.created_at[10], 'T');
    assert_null(u.last_login_at);
    assert_int_equal(aw_store_user_by_email(f->st, f->a, "nobody@example.org", &u), AW_ENOTFOUND);

    assert_int_equal(aw_store_user_by_id(f->st, f->a, focal, &u), AW_OK);
    assert_string_equal(u.email, "anna@example.be");
    assert_int_equal(u.role, AW_ROLE_FOCAL);
    assert_string_equal(u.country_code, "BE");
    assert_int_equal(aw_store_user_by_id(f->st, f->a, 9999, &u), AW_ENOTFOUND);
    assert_int_equal(aw_store_user_by_id(f->st, f->a, mod, &u), AW_OK);
    assert_string_equal(u.country_code, ""); /* "" was stored as no country */

    /* by email, whatever the case */
    assert_int_equal(aw_store_users(f->st, f->a, &v, &n), AW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].email, "anna@example.be");
    assert_string_equal(v[1].email, "mod@example.org");
    assert_string_equal(v[2].email, "Zoe.Admin@example.org");

    assert_int_equal(aw_store_user_set_disabled(f->st, mod, true), AW_OK);
    assert_int_equal(aw_store_user_set_password(f->st, mod, "$argon2id$new"), AW_OK);
    assert_int_equal(aw_store_user_logged_in(f->st, mod, 1700000000), AW_OK);
    assert_int_equal(aw_store_user_by_id(f->st, f->a, mod, &u), AW_OK);
    assert_true(u.disabled);
    assert_string_equal(u.password_hash, "$argon2id$new");
    assert_string_equal(u.last_login_at, "2023-11-14T22:13:20Z");
    assert_int_equal(aw_store_user_set_disabled(f->st, mod, false), AW_OK);
    assert_int_equal(aw_store_user_by_id(f->st, f->a, mod, &u), AW_OK);
    assert_false(u.disabled);

    assert_int_equal(aw_store_user_set_disabled(f->st, 9999, true), AW_ENOTFOUND);
    assert_int_equal(aw_store_user_set_password(f->st, 9999, "h"), AW_ENOTFOUND);
    assert_int_equal(aw_store_user_logged_in(f->st, 9999, 1), AW_ENOTFOUND);
}

/* ---- sessions ---- */

static void
test_sessions(void **state)
{
    struct fx *f = *state;
    struct aw_user u;
    int64_t uid = 0, uid2 = 0, now = T0;
    struct aw_sql *db;

    assert_int_equal(
        aw_store_user_add(f->st, "mod@example.org", "h", AW_ROLE_MODERATOR, NULL, &uid), AW_OK);
    assert_int_equal(aw_store_user_add(f->st, "other@example.org", "h", AW_ROLE_ADMIN, NULL, &uid2),
                     AW_OK);
    assert_int_equal(aw_store_session_add(f->st, "hash-a", uid, now, now + 3600), AW_OK);
    assert_int_equal(aw_store_session_add(f->st, "hash-b", uid, now, now + 7200), AW_OK);
    assert_int_equal(aw_store_session_add(f->st, "hash-c", uid2, now, now + 7200), AW_OK);
    assert_int_equal(aw_store_session_add(f->st, "hash-a", uid2, now, now + 60), AW_EEXIST);
    assert_int_equal(aw_store_session_add(f->st, "hash-x", uid, now, now), AW_EINVAL);
    assert_int_equal(aw_store_session_add(f->st, "hash-x", 9999, now, now + 60), AW_EINVAL);

    /* valid up to the second before it expires; last use as recorded */
    int64_t seen = -1;
    assert_int_equal(aw_store_session_user(f->st, f->a, "hash-a", now, &u, &seen), AW_OK);
    assert_int_equal(u.id, uid);
    assert_int_equal(seen, now);
    assert_string_equal(u.email, "mod@example.org");
    assert_int_equal(u.role, AW_ROLE_MODERATOR);
    assert_int_equal(aw_store_session_user(f->st, f->a, "hash-a", now + 3599, &u, &seen), AW_OK);
    assert_int_equal(aw_store_session_user(f->st, f->a, "hash-a", now + 3600, &u, &seen),
                     AW_ENOTFOUND);
    assert_int_equal(aw_store_session_user(f->st, f->a, "nope", now, &u, &seen), AW_ENOTFOUND);
    /* reading does not record a use; touching does */
    db = aw_test_raw_open(f->db);
    assert_int_equal(aw_test_raw_int(db, "SELECT last_seen FROM sessions WHERE id_hash = 'hash-a'"),
                     now);
    assert_int_equal(aw_store_session_touch(f->st, "hash-a", now + 30), AW_OK);
    assert_int_equal(aw_store_session_user(f->st, f->a, "hash-a", now + 31, &u, &seen), AW_OK);
    assert_int_equal(seen, now + 30);

    /* a disabled user's sessions stop working, and work again when enabled */
    assert_int_equal(aw_store_user_set_disabled(f->st, uid, true), AW_OK);
    assert_int_equal(aw_store_session_user(f->st, f->a, "hash-b", now, &u, &seen), AW_ENOTFOUND);
    assert_int_equal(aw_store_user_set_disabled(f->st, uid, false), AW_OK);
    assert_int_equal(aw_store_session_user(f->st, f->a, "hash-b", now, &u, &seen), AW_OK);

    /* pruning deletes the expired ones only (hash-a expired at now + 3600) */
    assert_int_equal(aw_store_session_add(f->st, "hash-d", uid2, now + 4000, now + 8000), AW_OK);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM sessions"), 4);
    assert_int_equal(aw_store_sessions_prune(f->st, now + 4000), AW_OK);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM sessions WHERE id_hash = 'hash-a'"),
                     0);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM sessions"), 3);

    assert_int_equal(aw_store_session_delete(f->st, "hash-b"), AW_OK);
    assert_int_equal(aw_store_session_user(f->st, f->a, "hash-b", now, &u, &seen), AW_ENOTFOUND);
    assert_int_equal(aw_store_sessions_delete_user(f->st, uid2), AW_OK);
    assert_int_equal(aw_store_session_user(f->st, f->a, "hash-c", now, &u, &seen), AW_ENOTFOUND);
    assert_int_equal(aw_store_session_user(f->st, f->a, "hash-d", now + 4000, &u, &seen),
                     AW_ENOTFOUND);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM sessions"), 0);
    aw_test_raw_close(db);
}

/* ---- rate limits ---- */

/* One hit of key at now; fails the test on an error. */
static struct aw_rate
hit(struct aw_store *st, const char *key, int64_t w, int64_t limit, int64_t now)
{
    struct aw_rate r;
    enum aw_err rc = aw_store_rate_hit(st, key, w, limit, now, &r);
    if (rc != AW_OK)
        fail_msg("rate_hit(%s, %lld, %lld, %lld): %s", key, (long long)w, (long long)limit,
                 (long long)now, aw_strerror(rc));
    return r;
}

static int64_t
log_rows(struct aw_sql *db, const char *key)
{
    return aw_test_raw_int_p(db, "SELECT COUNT(*) FROM rate_log WHERE key = ?1", key);
}

/* limit hits pass, the next is refused with the time until the oldest
 * leaves, and the refused ones are not logged. */
static void
test_rate_limit_edge(void **state)
{
    struct fx *f = *state;
    const int64_t w = 60, limit = 5, t = T0;
    struct aw_rate r;
    struct aw_sql *db = aw_test_raw_open(f->db);

    for (int64_t i = 0; i < limit; i++) {
        r = hit(f->st, "login:1.2.3.4", w, limit, t + 2 * i);
        assert_true(r.allowed);
        assert_int_equal(r.count, i + 1);
        assert_int_equal(r.retry_after, 0);
        assert_false(r.first_refusal);
    }
    /* limit + 1: refused; the oldest (t) leaves at t + w */
    r = hit(f->st, "login:1.2.3.4", w, limit, t + 20);
    assert_false(r.allowed);
    assert_int_equal(r.count, limit);
    assert_int_equal(r.retry_after, w - 20);
    assert_true(r.first_refusal);
    /* again: refused, no longer the first refusal, still not logged */
    r = hit(f->st, "login:1.2.3.4", w, limit, t + 21);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after, w - 21);
    assert_false(r.first_refusal);
    assert_int_equal(log_rows(db, "login:1.2.3.4"), limit);
    /* one second before the oldest leaves, the last refusal asks for 1 s */
    r = hit(f->st, "login:1.2.3.4", w, limit, t + w - 1);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after, 1);
    /* exactly when the oldest hit is w seconds old it has left: allowed */
    r = hit(f->st, "login:1.2.3.4", w, limit, t + w);
    assert_true(r.allowed);
    assert_int_equal(r.count, limit);
    /* full again: the next oldest (t + 2) leaves at t + 2 + w */
    r = hit(f->st, "login:1.2.3.4", w, limit, t + w);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after, 2);
    assert_int_equal(log_rows(db, "login:1.2.3.4"), limit);
    aw_test_raw_close(db);
}

/* The case fixed windows got wrong: limit hits just before a window
 * boundary (t is a multiple of w) and more just after it. Fixed windows
 * let another limit through after the boundary; the sliding window refuses
 * them until the first of the early hits is w seconds old. */
static void
test_rate_window_boundary(void **state)
{
    struct fx *f = *state;
    const int64_t w = 60, limit = 3, boundary = T0 + w;
    struct aw_rate r;
    int64_t allowed = 0;

    assert_int_equal(boundary % w, 0);
    for (int64_t i = 0; i < limit; i++)
        assert_true(hit(f->st, "share:10.0.0.1", w, limit, boundary - 3 + i).allowed);
    for (int64_t now = boundary; now < boundary - 3 + w; now++) {
        r = hit(f->st, "share:10.0.0.1", w, limit, now);
        assert_false(r.allowed);
        assert_int_equal(r.retry_after, boundary - 3 + w - now);
    }
    /* boundary - 3 + w: the first early hit is w old and has left */
    for (int64_t now = boundary - 3 + w; now < boundary - 3 + w + 3; now++)
        allowed += hit(f->st, "share:10.0.0.1", w, limit, now).allowed;
    assert_int_equal(allowed, limit);
}

/* A client that hits every second for five windows, five times in some
 * seconds: never more than limit allowed in any w seconds, exactly limit
 * per window over the whole run, and never more than limit rows for its
 * key however many hits it sends. */
static void
test_rate_hammered(void **state)
{
    struct fx *f = *state;
    enum { W = 30, SPAN = 5 * W };
    const int64_t limit = 4;
    int64_t allowed[SPAN], total = 0;
    struct aw_sql *db = aw_test_raw_open(f->db);

    for (int64_t i = 0; i < SPAN; i++) {
        allowed[i] = 0;
        for (int k = 0; k < (i % 7 == 0 ? 5 : 1); k++)
            allowed[i] += hit(f->st, "login:address:10.9.9.9", W, limit, T0 + i).allowed;
        assert_true(log_rows(db, "login:address:10.9.9.9") <= limit);
        total += allowed[i];
    }
    for (int64_t start = 0; start + W <= SPAN; start++) {
        int64_t n = 0;
        for (int64_t i = start; i < start + W; i++)
            n += allowed[i];
        if (n > limit)
            fail_msg("%lld allowed in the %d s from T0 + %lld", (long long)n, W, (long long)start);
    }
    assert_int_equal(total, SPAN / W * limit);
    aw_test_raw_close(db);
}

/* first_refusal: at most once per window per key, again after a reset. */
static void
test_rate_first_refusal(void **state)
{
    struct fx *f = *state;
    const int64_t w = 60, limit = 2, t = T0;
    struct aw_rate r;

    assert_true(hit(f->st, "k", w, limit, t).allowed);
    assert_true(hit(f->st, "k", w, limit, t + 1).allowed);
    assert_true(hit(f->st, "k", w, limit, t + 2).first_refusal);
    for (int64_t now = t + 3; now < t + w; now++) {
        r = hit(f->st, "k", w, limit, now);
        assert_false(r.allowed);
        assert_false(r.first_refusal);
    }
    /* t and t + 1 leave: two allowed, then refused, and the episode that
     * began at t + 2 is exactly w old: a first refusal again */
    assert_true(hit(f->st, "k", w, limit, t + w).allowed);
    assert_true(hit(f->st, "k", w, limit, t + w + 1).allowed);
    r = hit(f->st, "k", w, limit, t + w + 2);
    assert_false(r.allowed);
    assert_true(r.first_refusal);
    assert_false(hit(f->st, "k", w, limit, t + w + 3).first_refusal);
    /* a reset forgets the hits and the episode */
    assert_int_equal(aw_store_rate_reset(f->st, "k"), AW_OK);
    assert_true(hit(f->st, "k", w, limit, t + w + 4).allowed);
    assert_true(hit(f->st, "k", w, limit, t + w + 4).allowed);
    r = hit(f->st, "k", w, limit, t + w + 5);
    assert_false(r.allowed);
    assert_true(r.first_refusal);
}

/* Keys are counted apart; a limit lowered since the hits came waits for
 * enough of them to leave, not only the oldest. */
static void
test_rate_keys_and_lowered_limit(void **state)
{
    struct fx *f = *state;
    const int64_t w = 100, t = T0;
    struct aw_rate r;

    for (int64_t i = 0; i < 5; i++)
        assert_true(hit(f->st, "login:pair:a@example.org:1.2.3.4", w, 5, t + i).allowed);
    assert_false(hit(f->st, "login:pair:a@example.org:1.2.3.4", w, 5, t + 5).allowed);
    r = hit(f->st, "login:pair:a@example.org:5.6.7.8", w, 5, t + 5);
    assert_true(r.allowed);
    assert_int_equal(r.count, 1);
    r = hit(f->st, "login:pair:b@example.org:1.2.3.4", w, 5, t + 5);
    assert_true(r.allowed);
    assert_int_equal(r.count, 1);
    /* 5 hits at t .. t + 4, limit now 2: allowed once 4 have left, i.e.
     * when the one at t + 3 is w old */
    r = hit(f->st, "login:pair:a@example.org:1.2.3.4", w, 2, t + 10);
    assert_false(r.allowed);
    assert_int_equal(r.count, 5);
    assert_int_equal(r.retry_after, t + 3 + w - (t + 10));
    assert_false(hit(f->st, "login:pair:a@example.org:1.2.3.4", w, 2, t + 3 + w - 1).allowed);
    r = hit(f->st, "login:pair:a@example.org:1.2.3.4", w, 2, t + 3 + w);
    assert_true(r.allowed);
    assert_int_equal(r.count, 2);
}

/* Every key's hits and refusals older than AW_RATE_MAX_WINDOW go: at a
 * connection's first hit, then at most once per AW_RATE_PRUNE_EVERY. */
static void
test_rate_prune(void **state)
{
    struct fx *f = *state;
    const int64_t t = T0 + AW_RATE_MAX_WINDOW + 10;
    struct aw_sql *db = aw_test_raw_open(f->db);

    /* left by another instance long ago */
    assert_int_equal(aw_test_raw_exec(db,
                                      "INSERT INTO rate_log (key, at) VALUES ('old:a', 1000), "
                                      "('old:a', 1001), ('old:b', 1002);"
                                      "INSERT INTO rate_refusals (key, at) VALUES ('old:a', 1001)"),
                     AW_OK);
    assert_true(hit(f->st, "new", 3600, 10, t).allowed);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM rate_log"), 1);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM rate_refusals"), 0);
    /* a row exactly AW_RATE_MAX_WINDOW old at the next prune, and a younger one */
    char sql[256];
    const int64_t next = t + AW_RATE_PRUNE_EVERY;
    snprintf(sql, sizeof(sql),
             "INSERT INTO rate_log (key, at) VALUES ('old:c', %lld), ('old:d', %lld)",
             (long long)(next - AW_RATE_MAX_WINDOW), (long long)(next - AW_RATE_MAX_WINDOW + 1));
    assert_int_equal(aw_test_raw_exec(db, sql), AW_OK);
    assert_int_equal(aw_test_raw_exec(db, "INSERT INTO rate_log (key, at) VALUES ('old:e', 5)"),
                     AW_OK);
    /* not yet: the last prune was less than AW_RATE_PRUNE_EVERY ago */
    assert_true(hit(f->st, "new", 3600, 10, next - 1).allowed);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM rate_log WHERE key LIKE 'old:%'"),
                     3);
    assert_true(hit(f->st, "new", 3600, 10, next).allowed);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM rate_log WHERE key LIKE 'old:%'"),
                     1);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM rate_log WHERE key = 'old:d'"), 1);
    aw_test_raw_close(db);
}

/* Inside a caller's transaction the hit is part of it; a rollback takes
 * it back. */
static void
test_rate_in_transaction(void **state)
{
    struct fx *f = *state;
    struct aw_sql *db = aw_test_raw_open(f->db);

    assert_int_equal(aw_store_begin(f->st), AW_OK);
    assert_true(hit(f->st, "tx", 60, 1, T0).allowed);
    assert_false(hit(f->st, "tx", 60, 1, T0 + 1).allowed);
    assert_int_equal(aw_store_rollback(f->st), AW_OK);
    assert_int_equal(log_rows(db, "tx"), 0);
    assert_int_equal(aw_store_begin(f->st), AW_OK);
    assert_true(hit(f->st, "tx", 60, 1, T0 + 2).allowed);
    assert_int_equal(aw_store_commit(f->st), AW_OK);
    assert_int_equal(log_rows(db, "tx"), 1);
    aw_test_raw_close(db);
}

static void
test_rate_invalid(void **state)
{
    struct fx *f = *state;
    struct aw_rate r;
    const int64_t t = T0;

    memset(&r, 0x5a, sizeof(r));
    assert_int_equal(aw_store_rate_hit(f->st, NULL, 60, 5, t, &r), AW_EINVAL);
    assert_false(r.allowed); /* zeroed */
    assert_int_equal(r.retry_after, 0);
    assert_int_equal(aw_store_rate_hit(f->st, "", 60, 5, t, &r), AW_EINVAL);
    assert_int_equal(aw_store_rate_hit(f->st, "k", 0, 5, t, &r), AW_EINVAL);
    assert_int_equal(aw_store_rate_hit(f->st, "k", -1, 5, t, &r), AW_EINVAL);
    assert_int_equal(aw_store_rate_hit(f->st, "k", AW_RATE_MAX_WINDOW + 1, 5, t, &r), AW_EINVAL);
    assert_int_equal(aw_store_rate_hit(f->st, "k", 60, 0, t, &r), AW_EINVAL);
    assert_int_equal(aw_store_rate_hit(f->st, "k", 60, -3, t, &r), AW_EINVAL);
    assert_int_equal(aw_store_rate_hit(f->st, "k", 60, AW_RATE_MAX_LIMIT + 1, t, &r), AW_EINVAL);
    assert_int_equal(aw_store_rate_hit(f->st, "k", 60, 5, -1, &r), AW_EINVAL);
    assert_int_equal(aw_store_rate_hit(f->st, "k", 60, 5, t, NULL), AW_EINVAL);
    assert_int_equal(aw_store_rate_reset(f->st, NULL), AW_EINVAL);
    assert_int_equal(aw_store_rate_reset(f->st, ""), AW_EINVAL);
    /* nothing was logged by the refused calls; the edges themselves pass */
    struct aw_sql *db = aw_test_raw_open(f->db);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM rate_log"), 0);
    aw_test_raw_close(db);
    assert_true(hit(f->st, "k", AW_RATE_MAX_WINDOW, 1, t).allowed);
    assert_true(hit(f->st, "k2", 1, AW_RATE_MAX_LIMIT, 0).allowed);
    r = hit(f->st, "k", AW_RATE_MAX_WINDOW, 1, t);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after, AW_RATE_MAX_WINDOW);
}

/* Several connections (instances) hitting one key at once: exactly limit
 * pass in total, because each hit is one write transaction. */
enum { RATE_THREADS = 4, RATE_HITS = 100, RATE_LIMIT = 50 };

struct rate_thread {
    const char *db;
    pthread_barrier_t *start; /* all threads hit at once */
    int allowed;
    int failed;
};

static void *
rate_thread_main(void *arg)
{
    struct rate_thread *rt = arg;
    struct aw_store *st = NULL;
    struct aw_rate r;
    char err[512];

    if (aw_store_open(rt->db, false, false, &st, err, sizeof(err)) != AW_OK)
        rt->failed++;
    pthread_barrier_wait(rt->start);
    for (int i = 0; st != NULL && i < RATE_HITS; i++) {
        if (aw_store_rate_hit(st, "share:192.0.2.7", 3600, RATE_LIMIT, T0 + (i % 3), &r) != AW_OK)
            rt->failed++;
        else
            rt->allowed += r.allowed;
    }
    aw_store_close(st);
    return NULL;
}

static void
test_rate_shared_connections(void **state)
{
    struct fx *f = *state;
    pthread_t th[RATE_THREADS];
    struct rate_thread rt[RATE_THREADS];
    pthread_barrier_t start;
    int allowed = 0;

    assert_int_equal(pthread_barrier_init(&start, NULL, RATE_THREADS), 0);
    for (int i = 0; i < RATE_THREADS; i++) {
        rt[i] = (struct rate_thread){.db = f->db, .start = &start};
        assert_int_equal(pthread_create(&th[i], NULL, rate_thread_main, &rt[i]), 0);
    }
    for (int i = 0; i < RATE_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(rt[i].failed, 0);
        allowed += rt[i].allowed;
    }
    pthread_barrier_destroy(&start);
    assert_int_equal(allowed, RATE_LIMIT);
    struct aw_sql *db = aw_test_raw_open(f->db);
    assert_int_equal(log_rows(db, "share:192.0.2.7"), RATE_LIMIT);
    aw_test_raw_close(db);
    /* and this connection sees the same full window */
    assert_false(hit(f->st, "share:192.0.2.7", 3600, RATE_LIMIT, T0 + 3).allowed);
}

/* ---- shares and submissions ---- */

static struct aw_submission
sub_of(int64_t share, const char *country, int year, const char *title)
{
    struct aw_submission s = {.share_id = share,
                              .kind = AW_SUB_NEW,
                              .status = AW_SUB_APPROVED, /* ignored: always pending */
                              .edition_year = year,
                              .title = title,
                              .org_name = "Child Focus",
                              .payload = "{\"organisation\":{\"id\":1},\"activity\":{}}",
                              .source = "form"};
    snprintf(s.country_code, sizeof(s.country_code), "%s", country);
    return s;
}

static void
test_shares(void **state)
{
    struct fx *f = *state;
    struct aw_share sh;
    int64_t s1 = 0, s2 = 0, other = 0;

    assert_int_equal(aw_store_share_add(f->st, "tok-1", "Anna", "anna@example.be", 1700000000, &s1),
                     AW_OK);
    assert_int_equal(aw_store_share_add(f->st, "tok-2", "Ben", "ben@example.fr", 1700000100, &s2),
                     AW_OK);
    assert_int_equal(aw_store_share_add(f->st, "tok-1", "X", "x@example.org", 1, &other),
                     AW_EEXIST);
    assert_int_equal(aw_store_share_by_token(f->st, f->a, "tok-1", &sh), AW_OK);
    assert_int_equal(sh.id, s1);
    assert_int_equal(sh.activity_id, 0);
    assert_string_equal(sh.submitter_name, "Anna");
    assert_string_equal(sh.submitter_email, "anna@example.be");
    assert_string_equal(sh.created_at, "2023-11-14T22:13:20Z");
    assert_int_equal(aw_store_share_by_token(f->st, f->a, "tok-3", &sh), AW_ENOTFOUND);
    assert_int_equal(aw_store_share_set_activity(f->st, s2, f->act_fr), AW_OK);
    assert_int_equal(aw_store_share_by_id(f->st, f->a, s2, &sh), AW_OK);
    assert_string_equal(sh.submitter_name, "Ben");
    assert_int_equal(sh.activity_id, f->act_fr);
    assert_int_equal(aw_store_share_by_id(f->st, f->a, 9999, &sh), AW_ENOTFOUND);
    assert_int_equal(aw_store_share_set_activity(f->st, 9999, f->act_fr), AW_ENOTFOUND);
    assert_int_equal(aw_store_share_set_activity(f->st, s2, 9999), AW_EINVAL); /* foreign key */
}

static void
test_submission_lifecycle(void **state)
{
    struct fx *f = *state;
    struct aw_submission s, *v = NULL, up;
    int64_t share = 0, uid = 0, v1 = 0, v2 = 0, v3 = 0, imp1 = 0, imp2 = 0;
    size_t n = 0;

    assert_int_equal(aw_store_share_add(f->st, "tok", "Anna", "a@example.be", T0, &share), AW_OK);
    assert_int_equal(
        aw_store_user_add(f->st, "mod@example.org", "h", AW_ROLE_MODERATOR, NULL, &uid), AW_OK);

    /* a first version, then a second one that supersedes it (the domain's rule: cmd_share.c) */
    s = sub_of(share, "BE", 2017, "Version 1");
    assert_int_equal(aw_store_submission_add(f->st, &s, T0 + 10, &v1), AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, v1, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_PENDING);
    assert_int_equal(s.share_id, share);
    assert_int_equal(s.activity_id, 0);
    assert_int_equal(s.kind, AW_SUB_NEW);
    assert_int_equal(s.edition_year, 2017);
    assert_string_equal(s.country_code, "BE");
    assert_string_equal(s.title, "Version 1");
    assert_string_equal(s.org_name, "Child Focus");
    assert_string_equal(s.source, "form");
    assert_null(s.decided_at);
    assert_int_equal(s.decided_by, 0);
    assert_null(s.reason);

    s = sub_of(share, "BE", 2017, "Version 2");
    assert_int_equal(aw_store_submissions_supersede(f->st, share, T0 + 20), AW_OK);
    assert_int_equal(aw_store_submission_add(f->st, &s, T0 + 20, &v2), AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, v1, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_SUPERSEDED);
    assert_int_equal(aw_store_submission(f->st, f->a, v2, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_PENDING);
    assert_string_equal(s.created_at, "2023-11-14T22:13:20Z"); /* T0 + 20 */

    /* newest first */
    assert_int_equal(aw_store_submissions_by_share(f->st, f->a, share, &v, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].id, v2);
    assert_int_equal(v[1].id, v1);
    assert_int_equal(aw_store_submissions_by_share(f->st, f->a, 9999, &v, &n), AW_OK);
    assert_int_equal(n, 0);

    /* rows without a share (imports) are only added */
    s = sub_of(0, "FR", 2017, "Imported 1");
    s.source = "import:a.csv";
    assert_int_equal(aw_store_submission_add(f->st, &s, T0, &imp1), AW_OK);
    s.title = "Imported 2";
    assert_int_equal(aw_store_submission_add(f->st, &s, T0, &imp2), AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, imp1, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_PENDING);
    assert_int_equal(s.share_id, 0);
    assert_string_equal(s.source, "import:a.csv");

    /* update: only while pending */
    up = sub_of(0, "LU", 2018, "Version 2b");
    up.id = v2;
    up.org_name = "Other org";
    up.payload = "{\"x\":1}";
    assert_int_equal(aw_store_submission_update(f->st, &up), AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, v2, &s), AW_OK);
    assert_string_equal(s.title, "Version 2b");
    assert_string_equal(s.org_name, "Other org");
    assert_string_equal(s.payload, "{\"x\":1}");
    assert_string_equal(s.country_code, "LU");
    assert_int_equal(s.edition_year, 2018);
    assert_int_equal(s.share_id, share); /* unchanged */
    up.id = v1;
    assert_int_equal(aw_store_submission_update(f->st, &up), AW_EINVAL);
    up.id = 9999;
    assert_int_equal(aw_store_submission_update(f->st, &up), AW_ENOTFOUND);
    up.id = v2;
    up.edition_year = 1999; /* no such edition */
    assert_int_equal(aw_store_submission_update(f->st, &up), AW_EINVAL);

    /* decide: only from pending, and only to a decision */
    assert_int_equal(aw_store_submission_decide(f->st, v2, AW_SUB_PENDING, uid, NULL, T0),
                     AW_EINVAL);
    assert_int_equal(aw_store_submission_decide(f->st, v2, AW_SUB_SUPERSEDED, uid, NULL, T0),
                     AW_EINVAL);
    assert_int_equal(aw_store_submission_decide(f->st, v1, AW_SUB_APPROVED, uid, NULL, T0),
                     AW_EINVAL);
    assert_int_equal(aw_store_submission_decide(f->st, 9999, AW_SUB_APPROVED, uid, NULL, T0),
                     AW_ENOTFOUND);
    assert_int_equal(aw_store_submission_decide(f->st, v2, AW_SUB_APPROVED, uid, NULL, 1700000000),
                     AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, v2, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_APPROVED);
    assert_int_equal(s.decided_by, uid);
    assert_string_equal(s.decided_at, "2023-11-14T22:13:20Z");
    assert_null(s.reason);
    assert_int_equal(aw_store_submission_decide(f->st, v2, AW_SUB_REJECTED, uid, "late", T0),
                     AW_EINVAL);
    assert_int_equal(aw_store_submission_update(f->st, &up), AW_EINVAL);

    assert_int_equal(
        aw_store_submission_decide(f->st, imp1, AW_SUB_REJECTED, uid, "Not an activity", T0),
        AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, imp1, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_REJECTED);
    assert_string_equal(s.reason, "Not an activity");
    /* the submitter cancels: no user */
    assert_int_equal(aw_store_submission_decide(f->st, imp2, AW_SUB_CANCELLED, 0, NULL, T0), AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, imp2, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_CANCELLED);
    assert_int_equal(s.decided_by, 0);

    /* a change of a published activity */
    s = sub_of(share, "BE", 2017, "Change");
    s.kind = AW_SUB_CHANGE;
    s.activity_id = f->act_be;
    assert_int_equal(aw_store_submission_add(f->st, &s, T0 + 30, &v3), AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, v3, &s), AW_OK);
    assert_int_equal(s.kind, AW_SUB_CHANGE);
    assert_int_equal(s.activity_id, f->act_be);
    /* unknown edition or country: constraint violations */
    s = sub_of(0, "BE", 1999, "Bad year");
    assert_int_equal(aw_store_submission_add(f->st, &s, T0, &v3), AW_EINVAL);
    s = sub_of(0, "ZZ", 2017, "Bad country");
    assert_int_equal(aw_store_submission_add(f->st, &s, T0, &v3), AW_EINVAL);
    assert_int_equal(aw_store_submission(f->st, f->a, 9999, &s), AW_ENOTFOUND);
}

static void
test_queue(void **state)
{
    struct fx *f = *state;
    struct aw_submission s, *v = NULL;
    int64_t a = 0, b = 0, c = 0, d = 0, e = 0, uid = 0;
    size_t n = 0;

    assert_int_equal(aw_store_user_add(f->st, "m@example.org", "h", AW_ROLE_ADMIN, NULL, &uid),
                     AW_OK);
    /* added out of time order on purpose */
    s = sub_of(0, "BE", 2017, "A");
    assert_int_equal(aw_store_submission_add(f->st, &s, T0 + 300, &a), AW_OK);
    s = sub_of(0, "FR", 2017, "B");
    assert_int_equal(aw_store_submission_add(f->st, &s, T0 + 100, &b), AW_OK);
    s = sub_of(0, "BE", 2018, "C");
    assert_int_equal(aw_store_submission_add(f->st, &s, T0 + 200, &c), AW_OK);
    s = sub_of(0, "", 2017, "D");
    assert_int_equal(aw_store_submission_add(f->st, &s, T0 + 150, &d), AW_OK);
    s = sub_of(0, "BE", 2017, "E");
    assert_int_equal(aw_store_submission_add(f->st, &s, T0 + 50, &e), AW_OK);
    assert_int_equal(aw_store_submission_decide(f->st, e, AW_SUB_REJECTED, uid, "x", T0 + 400),
                     AW_OK);

    /* everything pending, oldest first */
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 0, &v, &n), AW_OK);
    assert_int_equal(n, 4);
    assert_int_equal(v[0].id, b);
    assert_int_equal(v[1].id, d);
    assert_int_equal(v[2].id, c);
    assert_int_equal(v[3].id, a);
    assert_string_equal(v[1].country_code, "");
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, "", 0, &v, &n), AW_OK);
    assert_int_equal(n, 4);
    /* by country */
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, "BE", 0, &v, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].id, c);
    assert_int_equal(v[1].id, a);
    /* by year */
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 3);
    assert_int_equal(v[0].id, b);
    assert_int_equal(v[1].id, d);
    assert_int_equal(v[2].id, a);
    /* both */
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, "BE", 2017, &v, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, a);
    assert_string_equal(v[0].title, "A");
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, "BE", 2016, &v, &n), AW_OK);
    assert_int_equal(n, 0);
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, "LU", 0, &v, &n), AW_OK);
    assert_int_equal(n, 0);
    /* the same second: by id */
    s = sub_of(0, "LU", 2018, "F");
    assert_int_equal(aw_store_submission_add(f->st, &s, T0, &a), AW_OK);
    s.title = "G";
    assert_int_equal(aw_store_submission_add(f->st, &s, T0, &b), AW_OK);
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, "LU", 2018, &v, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].title, "F");
    assert_string_equal(v[1].title, "G");
}

/* ---- duplicate titles ---- */

static void
test_similar_titles(void **state)
{
    static const struct {
        const char *a, *b;
        bool similar;
    } cases[] = {
        /* case, punctuation and spacing */
        {"Safer Internet Day", "safer internet day", true},
        {"Safer Internet Day", "  Safer   Internet-Day!! ", true},
        {"Don't Look Away campaign", "Dont look away Campaign", true},
        {"“Don’t Look Away” campaign", "Don't look away campaign", true},
        {"Conférence à Paris", "Conference a Paris", true},
        {"Straße", "STRASSE", true},
        {"Кампания", "КАМПАНИЯ", true},
        /* a trailing edition year */
        {"Awareness week 2017", "Awareness week", true},
        {"Awareness week", "Awareness week (2017)", true},
        {"Awareness week 2016", "Awareness week", false},
        {"2017", "2017", true},
        /* small edit distance on long titles */
        {"Awareness campaign on grooming", "Awarenes campaign on groming", true},
        {"Awareness campaign on grooming", "Awareness campaign on groomings", true},
        {"Conference on sexting", "Conference on sextnig", true},
        {"Conference on sexting", "Conference on grooming", false},
        {"Awareness campaign on grooming", "Awareness campaigns on groominggg", false},
        /* short titles must be equal */
        {"Workshop", "Workshops", false},
        {"Workshop A", "Workshop B", false},
        {"Seminar 1", "Seminar 2", false},
        {"abcdefghijkl", "abcdefghijkm", false},  /* 12 characters */
        {"abcdefghijklm", "abcdefghijkmm", true}, /* 13 characters */
        /* nothing left to compare */
        {"!!!", "???", false},
        {"", "", false},
    };
    char key[AW_TITLE_KEY_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool got = aw_store__titles_similar(cases[i].a, cases[i].b, 2017);
        if (got != cases[i].similar)
            fail_msg("\"%s\" vs \"%s\": expected %s", cases[i].a, cases[i].b,
                     cases[i].similar ? "similar" : "different");
        /* symmetric */
        assert_int_equal(aw_store__titles_similar(cases[i].b, cases[i].a, 2017), got);
    }
    aw_store__title_key("  “Don’t” — Look AWAY: Ça va?  ", key, sizeof(key));
    assert_string_equal(key, "dont look away ca va");
    aw_store__title_key("Ωmega Кампания", key, sizeof(key));
    assert_string_equal(key, "ωmega кампания");
    aw_store__title_key("abc def", key, 6); /* truncated on a boundary */
    assert_string_equal(key, "abc d");
}

static void
test_activity_similar(void **state)
{
    struct fx *f = *state;
    bool dup = true;
    int64_t dup_id = -1, pending, other;

    pending = put_act(f->st, 2017, f->org_be, "BE", "Parents' evening", false);
    other = put_act(f->st, 2018, f->org_be, "BE", "Sport and safety", true);

    assert_int_equal(
        aw_store_activity_similar(f->st, f->org_be, 2017, "SAFER internet day 2017", &dup, &dup_id),
        AW_OK);
    assert_true(dup);
    assert_int_equal(dup_id, f->act_be);
    /* pending activities count too */
    assert_int_equal(
        aw_store_activity_similar(f->st, f->org_be, 2017, "Parents evening", &dup, &dup_id), AW_OK);
    assert_true(dup);
    assert_int_equal(dup_id, pending);
    /* another organisation, another edition, another title */
    assert_int_equal(
        aw_store_activity_similar(f->st, f->org_fr, 2017, "Safer Internet Day", &dup, &dup_id),
        AW_OK);
    assert_false(dup);
    assert_int_equal(dup_id, 0);
    assert_int_equal(
        aw_store_activity_similar(f->st, f->org_be, 2018, "Safer Internet Day", &dup, &dup_id),
        AW_OK);
    assert_false(dup);
    assert_int_equal(
        aw_store_activity_similar(f->st, f->org_be, 2018, "SPORT AND SAFETY.", &dup, &dup_id),
        AW_OK);
    assert_true(dup);
    assert_int_equal(dup_id, other);
    assert_int_equal(
        aw_store_activity_similar(f->st, f->org_be, 2017, "Something else", &dup, &dup_id), AW_OK);
    assert_false(dup);
    /* a withdrawn activity is no longer a duplicate */
    assert_int_equal(aw_store_activity_set_status(f->st, f->act_be, "withdrawn"), AW_OK);
    assert_int_equal(
        aw_store_activity_similar(f->st, f->org_be, 2017, "Safer Internet Day", &dup, &dup_id),
        AW_OK);
    assert_false(dup);
    assert_int_equal(aw_store_activity_similar(f->st, f->org_be, 2017, NULL, &dup, &dup_id),
                     AW_EINVAL);
}

/* ---- organisations ---- */

static void
test_orgs(void **state)
{
    struct fx *f = *state;
    struct aw_org *v = NULL, o;
    size_t n = 0;
    int64_t lu = put_org(f->st, "Child Focus", "LU");

    assert_int_equal(aw_store_orgs(f->st, f->a, &v, &n), AW_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].name, "Child Focus");
    assert_string_equal(v[0].country_code, "BE");
    assert_string_equal(v[1].name, "Child Focus");
    assert_string_equal(v[1].country_code, "LU");
    assert_int_equal(v[1].id, lu);
    assert_string_equal(v[2].name, "Défenseur des droits");
    assert_string_equal(v[3].name, "ECPAT International");
    assert_null(v[3].country_code);
    assert_string_equal(v[3].kind, "ngo");

    assert_int_equal(aw_store_org_find(f->st, f->a, "Child Focus", "LU", &o), AW_OK);
    assert_int_equal(o.id, lu);
    assert_int_equal(aw_store_org_find(f->st, f->a, "ECPAT International", NULL, &o), AW_OK);
    assert_int_equal(o.id, f->org_int);
    assert_int_equal(aw_store_org_find(f->st, f->a, "ECPAT International", "", &o), AW_OK);
    assert_int_equal(o.id, f->org_int);
    assert_int_equal(aw_store_org_find(f->st, f->a, "Child Focus", NULL, &o), AW_ENOTFOUND);
    assert_int_equal(aw_store_org_find(f->st, f->a, "child focus", "BE", &o), AW_ENOTFOUND);
}

/* ---- audit log ---- */

static void
test_audit_append_only(void **state)
{
    struct fx *f = *state;
    struct aw_audit_entry *v = NULL;
    size_t n = 0;
    struct aw_sql *db;

    assert_int_equal(aw_store_audit(f->st, "user:1 a@example.org", "login", "user:1", NULL,
                                    "192.0.2.1", 1700000000),
                     AW_OK);
    assert_int_equal(aw_store_audit(f->st, "submitter:3", "submit", "submission:12",
                                    "{\"title\":\"x\"}", NULL, 1700000001),
                     AW_OK);
    assert_int_equal(
        aw_store_audit(f->st, "cli", "approve", "submission:12", NULL, NULL, 1700000002), AW_OK);
    assert_int_equal(aw_store_audit(f->st, NULL, "x", NULL, NULL, NULL, 1), AW_EINVAL);

    assert_int_equal(aw_store_audit_list(f->st, f->a, 10, 0, &v, &n), AW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].action, "approve");
    assert_string_equal(v[0].actor, "cli");
    assert_string_equal(v[0].at, "2023-11-14T22:13:22Z");
    assert_string_equal(v[1].detail, "{\"title\":\"x\"}");
    assert_null(v[1].ip);
    assert_string_equal(v[2].action, "login");
    assert_string_equal(v[2].ip, "192.0.2.1");
    assert_string_equal(v[2].object, "user:1");
    assert_null(v[2].detail);
    assert_true(v[0].id > v[1].id && v[1].id > v[2].id);
    assert_int_equal(aw_store_audit_list(f->st, f->a, 1, 1, &v, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].action, "submit");
    assert_int_equal(aw_store_audit_list(f->st, f->a, 10, 3, &v, &n), AW_OK);
    assert_int_equal(n, 0);

    /* one line per entry: what people typed can neither split nor reorder it */
    assert_int_equal(aw_store_audit(f->st, "import", "import", "submission:13",
                                    "{\"file\":\"a\r\nb\tc\xe2\x80\xae"
                                    "d\x1b.csv\"} "
                                    "Reason: line one\nline \xe2\x81\xa8two\xe2\x81\xa9",
                                    NULL, 1700000003),
                     AW_OK);
    assert_int_equal(aw_store_audit_list(f->st, f->a, 1, 0, &v, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].detail,
                        "{\"file\":\"a b cd\xef\xbf\xbd.csv\"} Reason: line one line two");
    assert_string_equal(v[0].object, "submission:13");

    /* nothing is ever changed or deleted */
    db = aw_test_raw_open(f->db);
    assert_int_not_equal(aw_test_raw_exec(db, "UPDATE audit_log SET actor = 'me'"), AW_OK);
    assert_non_null(strstr(aw_sql_errmsg(db), "append-only"));
    assert_int_not_equal(aw_test_raw_exec(db, "DELETE FROM audit_log WHERE id = 1"), AW_OK);
    assert_non_null(strstr(aw_sql_errmsg(db), "append-only"));
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM audit_log"), 4);
    assert_int_equal(aw_test_raw_int(db, "SELECT COUNT(*) FROM audit_log WHERE actor = 'me'"), 0);
    aw_test_raw_close(db);
}

/* ---- mail outbox ---- */

/* Each mail is claimed by one sender at a time: another connection (another
 * instance) takes the next due mail, or nothing; a claim whose holder died
 * expires after AW_MAIL_CLAIM_S and the mail is taken again; done ends it. */
static void
test_mail_claim(void **state)
{
    struct fx *f = *state;
    struct aw_store *other = NULL;
    struct aw_mail m1, m2, m3;
    int64_t t = T0;
    char err[512];

    assert_int_equal(aw_store_open(f->db, false, false, &other, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_store_mail_queue(f->st, "a@example.org", "First", "1", t), AW_OK);
    assert_int_equal(aw_store_mail_queue(f->st, "b@example.org", "Second", "2", t), AW_OK);
    assert_int_equal(aw_mail_claim(f->st, f->a, t, &m1), AW_OK);
    assert_int_equal(aw_mail_claim(other, f->a, t, &m2), AW_OK);
    assert_int_not_equal(m1.id, m2.id);
    assert_int_equal(aw_mail_claim(other, f->a, t, &m3), AW_ENOTFOUND);
    /* the holder of m1 "dies": its claim expires, and m1 is taken again */
    assert_int_equal(aw_mail_claim(other, f->a, t + AW_MAIL_CLAIM_S - 1, &m3), AW_ENOTFOUND);
    assert_int_equal(aw_mail_claim(other, f->a, t + AW_MAIL_CLAIM_S, &m3), AW_OK);
    assert_int_equal(m3.id, m1.id);
    /* sent: never claimed again; the failed one is due after its backoff only */
    assert_int_equal(aw_mail_record(other, m3.id, m3.attempts, true, NULL, t + AW_MAIL_CLAIM_S),
                     AW_OK);
    assert_int_equal(aw_mail_record(other, m2.id, m2.attempts, false, "down", t + 1), AW_OK);
    assert_int_equal(aw_mail_claim(f->st, f->a, t + 60, &m3), AW_ENOTFOUND);
    assert_int_equal(aw_mail_claim(f->st, f->a, t + 61, &m3), AW_OK);
    assert_int_equal(m3.id, m2.id);
    aw_store_close(other);
}

static void
test_mail_backoff(void **state)
{
    struct fx *f = *state;
    struct aw_mail m;
    int64_t t = T0, id1, id2;
    struct aw_sql *db;
    char sql[200], buf[200];

    assert_int_equal(aw_mail_backoff(0), 60);
    assert_int_equal(aw_mail_backoff(1), 120);
    assert_int_equal(aw_mail_backoff(7), 7680);

    assert_int_equal(aw_mail_claim(f->st, f->a, t, &m), AW_ENOTFOUND);
    assert_int_equal(aw_store_mail_queue(f->st, "a@example.org", "First", "Body 1", t), AW_OK);
    assert_int_equal(aw_store_mail_queue(f->st, "b@example.org", "Second", "Body 2", t + 1), AW_OK);
    assert_int_equal(aw_store_mail_queue(f->st, NULL, "x", "y", t), AW_EINVAL);
    /* not due before it was queued */
    assert_int_equal(aw_mail_claim(f->st, f->a, t - 1, &m), AW_ENOTFOUND);
    assert_int_equal(aw_mail_claim(f->st, f->a, t + 1, &m), AW_OK);
    id1 = m.id;
    assert_string_equal(m.to, "a@example.org");
    assert_string_equal(m.subject, "First");
    assert_string_equal(m.body, "Body 1");
    assert_int_equal(m.attempts, 0);

    /* a failure: retried in 60 s */
    assert_int_equal(aw_mail_record(f->st, id1, 0, false, "connection refused", t + 1), AW_OK);
    assert_int_equal(aw_mail_claim(f->st, f->a, t + 1, &m), AW_OK);
    id2 = m.id;
    assert_string_equal(m.subject, "Second");
    assert_int_equal(aw_mail_record(f->st, id2, 0, true, NULL, t + 2), AW_OK);
    assert_int_equal(aw_mail_claim(f->st, f->a, t + 60, &m), AW_ENOTFOUND);
    assert_int_equal(aw_mail_claim(f->st, f->a, t + 61, &m), AW_OK);
    assert_int_equal(m.id, id1);
    assert_int_equal(m.attempts, 1);
    /* the second failure waits 120 s, the third 240 s */
    assert_int_equal(aw_mail_record(f->st, id1, 1, false, "timeout", t + 61), AW_OK);
    assert_int_equal(aw_mail_claim(f->st, f->a, t + 61 + 119, &m), AW_ENOTFOUND);
    assert_int_equal(aw_mail_claim(f->st, f->a, t + 61 + 120, &m), AW_OK);
    assert_int_equal(m.attempts, 2);
    db = aw_test_raw_open(f->db);
    snprintf(sql, sizeof(sql), "SELECT last_error FROM mail_outbox WHERE id = %lld",
             (long long)id1);
    aw_test_raw_text(db, sql, buf, sizeof(buf));
    assert_string_equal(buf, "timeout");
    /* after 8 attempts it is given up (the first of these is claimed above) */
    t += 61 + 120;
    for (int i = 2; i < AW_MAIL_MAX_ATTEMPTS; i++) {
        if (i > 2) {
            assert_int_equal(aw_mail_claim(f->st, f->a, t, &m), AW_OK);
            assert_int_equal(m.attempts, i);
        }
        assert_int_equal(aw_mail_record(f->st, id1, i, false, "still down", t), AW_OK);
        t += aw_mail_backoff(i);
    }
    assert_int_equal(aw_mail_claim(f->st, f->a, t + 100000000, &m), AW_ENOTFOUND);
    snprintf(sql, sizeof(sql), "SELECT attempts FROM mail_outbox WHERE id = %lld", (long long)id1);
    assert_int_equal(aw_test_raw_int(db, sql), AW_MAIL_MAX_ATTEMPTS);
    /* the sent one: sent_at set, cannot be done again */
    snprintf(sql, sizeof(sql), "SELECT sent_at FROM mail_outbox WHERE id = %lld", (long long)id2);
    aw_test_raw_text(db, sql, buf, sizeof(buf));
    assert_int_equal(strlen(buf), 20);
    aw_test_raw_close(db);
    assert_int_equal(aw_mail_record(f->st, id2, 1, true, NULL, t), AW_ENOTFOUND);
    assert_int_equal(aw_mail_record(f->st, 9999, 0, false, "x", t), AW_ENOTFOUND);
}

/* ---- notifications ---- */

static void
test_notify_daily(void **state)
{
    struct fx *f = *state;
    int64_t u1 = 0, u2 = 0;
    const int64_t midnight = INT64_C(19675) * 86400; /* 2023-11-14T00:00:00Z */
    bool due = false;

    assert_int_equal(aw_store_user_add(f->st, "a@example.org", "h", AW_ROLE_ADMIN, NULL, &u1),
                     AW_OK);
    assert_int_equal(aw_store_user_add(f->st, "b@example.org", "h", AW_ROLE_ADMIN, NULL, &u2),
                     AW_OK);
    assert_int_equal(aw_store_notify_due(f->st, u1, midnight - 1, &due), AW_OK);
    assert_true(due);
    /* the next second is another UTC day */
    assert_int_equal(aw_store_notify_due(f->st, u1, midnight, &due), AW_OK);
    assert_true(due);
    assert_int_equal(aw_store_notify_due(f->st, u1, midnight + 3600, &due), AW_OK);
    assert_false(due);
    assert_int_equal(aw_store_notify_due(f->st, u1, midnight + 86399, &due), AW_OK);
    assert_false(due);
    assert_int_equal(aw_store_notify_due(f->st, u2, midnight + 86399, &due), AW_OK);
    assert_true(due);
    assert_int_equal(aw_store_notify_due(f->st, u1, midnight + 86400, &due), AW_OK);
    assert_true(due);
    assert_int_equal(aw_store_notify_due(f->st, 9999, midnight, &due), AW_EINVAL);
    assert_false(due);
}

/* ---- withdrawn activities ---- */

/* How many times activity id appears in the public reads. */
static int
visible(struct fx *f, int64_t id, int *edition_count)
{
    struct aw_activity *v = NULL, one;
    struct aw_edition e;
    size_t n = 0;
    int seen = 0;

    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
    for (size_t i = 0; i < n; i++)
        seen += v[i].id == id;
    assert_int_equal(aw_store_activities_by_country(f->st, f->a, "BE", &v, &n), AW_OK);
    for (size_t i = 0; i < n; i++)
        seen += v[i].id == id;
    assert_int_equal(aw_store_activities_by_org(f->st, f->a, f->org_be, &v, &n), AW_OK);
    for (size_t i = 0; i < n; i++)
        seen += v[i].id == id;
    seen += aw_store_activity(f->st, f->a, id, &one) == AW_OK;
    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
    *edition_count = e.activity_count;
    return seen;
}

static void
test_withdrawn_hidden(void **state)
{
    struct fx *f = *state;
    struct aw_activity act;
    struct aw_edition e;
    int count = 0;

    assert_int_equal(visible(f, f->act_be, &count), 4);
    assert_int_equal(count, 3);
    assert_int_equal(aw_store_activity_set_status(f->st, f->act_be, "withdrawn"), AW_OK);
    assert_int_equal(visible(f, f->act_be, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(aw_store_activity(f->st, f->a, f->act_be, &act), AW_ENOTFOUND);
    /* the other activities are still there */
    assert_int_equal(aw_store_activity(f->st, f->a, f->act_fr, &act), AW_OK);
    /* an edition whose only activity is withdrawn is not the current one */
    assert_int_equal(aw_store_activity_set_status(f->st, f->act_fr, "withdrawn"), AW_OK);
    assert_int_equal(aw_store_activity_set_status(f->st, f->act_int, "withdrawn"), AW_OK);
    assert_int_equal(aw_store_edition_current(f->st, f->a, "en", &e), AW_ENOTFOUND);
    assert_int_equal(aw_store_activity_set_status(f->st, f->act_int, "published"), AW_OK);
    assert_int_equal(aw_store_edition_current(f->st, f->a, "en", &e), AW_OK);
    assert_int_equal(e.year, 2017);
    /* published again: visible again */
    assert_int_equal(aw_store_activity_set_status(f->st, f->act_be, "published"), AW_OK);
    assert_int_equal(visible(f, f->act_be, &count), 4);
    assert_int_equal(count, 2);
    /* pending hides it too */
    assert_int_equal(aw_store_activity_set_status(f->st, f->act_be, "pending"), AW_OK);
    assert_int_equal(visible(f, f->act_be, &count), 0);
    assert_int_equal(aw_store_activity_set_status(f->st, f->act_be, "rejected"), AW_EINVAL);
    assert_int_equal(aw_store_activity_set_status(f->st, f->act_be, NULL), AW_EINVAL);
    assert_int_equal(aw_store_activity_set_status(f->st, 9999, "withdrawn"), AW_ENOTFOUND);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_strings),
        cmocka_unit_test_setup_teardown(test_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_window_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_hammered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_first_refusal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_keys_and_lowered_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_prune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_in_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_shared_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shares, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submission_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
        cmocka_unit_test(test_similar_titles),
        cmocka_unit_test_setup_teardown(test_activity_similar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orgs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mail_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mail_claim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_daily, setup, teardown),
        cmocka_unit_test_setup_teardown(test_withdrawn_hidden, setup, teardown),
    };
    aw_log_set_level(AW_LOG_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
