/* test_domain.c: the commands of include/aw/domain.h as units of work, on
 * SQLite and (pg.unit.test_domain) on PostgreSQL: each writes its rows, its
 * audit entry and its mails together, or nothing when any write fails; the
 * policy that moved out of the store (superseding, session use and pruning,
 * the moderators' daily note) holds. Everything is read back through the
 * store's interface, so the test is the same on both databases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/arena.h"
#include "aw/domain.h"
#include "aw/log.h"
#include "aw/mail.h"
#include "aw/store.h"
#include "test_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

#define PAYLOAD(title)                                                                             \
    "{\"organisation\":{\"name\":\"Kids Online\",\"kind\":\"other\",\"country\":\"FR\","           \
    "\"website\":null},\"activity\":{\"title\":\"" title "\",\"summary\":\"Text.\","               \
    "\"kinds\":[\"event\"],\"audiences\":[\"children\"],\"start\":\"2017-11-18\",\"end\":null,"    \
    "\"place\":null,\"online\":false,\"languages\":[\"fr\"],\"links\":[]}}"

struct fx {
    char dir[64];
    char db[512];
    struct aw_store *st;
    struct aw_arena *a;
    struct aw_user admin, focal_fr, focal_be;
    struct aw_cmd visitor, moderator;
};

/* The app's links, as its route table would make them. */
static const char *
page_link(const struct aw_cmd *c, const char *route, const char *param)
{
    return aw_arena_printf(c->arena, "https://day.example/en/%s%s%s", route, param ? "/" : "",
                           param ? param : "");
}

static void
put_user(struct fx *f, struct aw_user *u, const char *email, enum aw_role role, const char *cc)
{
    struct aw_cmd cli = {.st = f->st, .arena = f->a, .now = T0, .actor = "cli"};
    assert_int_equal(aw_cmd_user_add(&cli, email, "hash", role, cc, &u->id), AW_OK);
    assert_int_equal(aw_store_user_by_id(f->st, f->a, u->id, u), AW_OK);
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[512];
    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-domain-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    aw_test_db(f->db, sizeof(f->db), f->dir, "test.db");
    if (aw_store_open(f->db, true, true, &f->st, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    aw_test_vocab(f->st);
    f->a = aw_arena_new(0);
    static const char *const codes[] = {"BE", "FR"};
    for (size_t i = 0; i < 2; i++) {
        struct aw_country c = {.name_en = codes[i], .coe_member = true};
        memcpy(c.code, codes[i], 3);
        assert_int_equal(aw_store_put_country(f->st, &c), AW_OK);
    }
    struct aw_edition e = {.year = 2017, .number = 3, .js_supported_count = -1};
    assert_int_equal(aw_store_put_edition(f->st, &e), AW_OK);
    put_user(f, &f->admin, "admin@example.org", AW_ROLE_ADMIN, NULL);
    put_user(f, &f->focal_fr, "fr@example.org", AW_ROLE_FOCAL, "FR");
    put_user(f, &f->focal_be, "be@example.org", AW_ROLE_FOCAL, "BE");
    struct aw_cmd base = {.st = f->st,
                          .arena = f->a,
                          .now = T0,
                          .actor = "visitor",
                          .addr = "192.0.2.1",
                          .link = page_link,
                          .day_name = "European Day"};
    f->visitor = base;
    f->moderator = base;
    f->moderator.user = &f->admin;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char path[600];
    aw_store_close(f->st);
    aw_arena_free(f->a);
    snprintf(path, sizeof(path), "%s/test.db", f->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/test.db-wal", f->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/test.db-shm", f->dir);
    unlink(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The mails queued, in order (claimed and marked sent, so each is seen once). */
static size_t
take_mails(struct fx *f, const char **to, size_t max)
{
    struct aw_mail m;
    size_t n = 0;
    while (aw_mail_claim(f->st, f->a, T0 + 86400 * 30, &m) == AW_OK) {
        if (n < max)
            to[n] = m.to;
        n++;
        assert_int_equal(aw_mail_record(f->st, m.id, m.attempts, true, NULL, T0), AW_OK);
    }
    return n;
}

static struct aw_audit_entry *
audit(struct fx *f, size_t *n)
{
    struct aw_audit_entry *v = NULL;
    assert_int_equal(aw_store_audit_list(f->st, f->a, 1000, 0, &v, n), AW_OK);
    return v;
}

static struct aw_share_draft
draft(const char *token, const char *title, const char *payload)
{
    struct aw_share_draft d = {.token_hash = token,
                               .contact_name = "Anna",
                               .contact_email = "anna@example.fr",
                               .private_url = "https://day.example/en/submissions/x",
                               .sub = {.edition_year = 2017,
                                       .title = title,
                                       .org_name = "Kids Online",
                                       .payload = payload,
                                       .source = "form"}};
    memcpy(d.sub.country_code, "FR", 3);
    return d;
}

static void
test_share(void **state)
{
    struct fx *f = *state;
    struct aw_share_draft d = draft("tok-1", "Quiz", PAYLOAD("Quiz"));
    int64_t id = 0;
    size_t n;
    const char *to[8];

    size_t audit_before;
    (void)audit(f, &audit_before);
    assert_int_equal(aw_cmd_share(&f->visitor, &d, &id), AW_OK);
    struct aw_submission s;
    assert_int_equal(aw_store_submission(f->st, f->a, id, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_PENDING);
    assert_int_equal(s.kind, AW_SUB_NEW);
    struct aw_share sh;
    assert_int_equal(aw_store_share_by_token(f->st, f->a, "tok-1", &sh), AW_OK);
    assert_int_equal(s.share_id, sh.id);
    assert_string_equal(sh.submitter_email, "anna@example.fr");
    struct aw_audit_entry *v = audit(f, &n);
    assert_int_equal(n, audit_before + 1);
    assert_string_equal(v[0].action, "submit");
    assert_string_equal(v[0].actor, "visitor");
    assert_string_equal(v[0].object, aw_arena_printf(f->a, "submission:%lld", (long long)id));
    /* the contact, then the moderators whose scope covers FR: the admin and
     * the French focal point, not the Belgian one */
    assert_int_equal(take_mails(f, to, 8), 3);
    assert_string_equal(to[0], "anna@example.fr");
    assert_string_equal(to[1], "admin@example.org");
    assert_string_equal(to[2], "fr@example.org");

    /* the same day, a second share: the moderators were told already */
    d = draft("tok-2", "Quiz 2", PAYLOAD("Quiz 2"));
    assert_int_equal(aw_cmd_share(&f->visitor, &d, NULL), AW_OK);
    assert_int_equal(take_mails(f, to, 8), 1);
    assert_string_equal(to[0], "anna@example.fr");
}

/* A write that fails late (the acknowledgement cannot be queued) undoes the
 * earlier ones: no share, no submission, no audit entry, no mail. */
static void
test_share_all_or_nothing(void **state)
{
    struct fx *f = *state;
    struct aw_share_draft d = draft("tok-3", "Quiz", PAYLOAD("Quiz"));
    size_t before, after;
    struct aw_submission *v = NULL;
    size_t n = 0;
    const char *to[8];

    (void)audit(f, &before);
    d.contact_email = NULL; /* aw_store_mail_queue refuses it, after the share and the submission */
    assert_int_equal(aw_cmd_share(&f->visitor, &d, NULL), AW_EINVAL);
    struct aw_share sh;
    assert_int_equal(aw_store_share_by_token(f->st, f->a, "tok-3", &sh), AW_ENOTFOUND);
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 0, &v, &n), AW_OK);
    assert_int_equal(n, 0);
    (void)audit(f, &after);
    assert_int_equal(after, before);
    assert_int_equal(take_mails(f, to, 8), 0);
    /* and the connection is usable afterwards: the same share goes through */
    d.contact_email = "anna@example.fr";
    assert_int_equal(aw_cmd_share(&f->visitor, &d, NULL), AW_OK);
}

static void
test_change_withdraw(void **state)
{
    struct fx *f = *state;
    struct aw_share_draft d = draft("tok-4", "Quiz", PAYLOAD("Quiz"));
    int64_t v1 = 0, v2 = 0;
    struct aw_share sh;
    struct aw_submission s;
    size_t n;

    assert_int_equal(aw_cmd_share(&f->visitor, &d, &v1), AW_OK);
    assert_int_equal(aw_store_share_by_token(f->st, f->a, "tok-4", &sh), AW_OK);
    struct aw_submission next = d.sub;
    next.title = "Quiz (new date)";
    assert_int_equal(aw_cmd_change(&f->visitor, &sh, &next, &v2), AW_OK);
    /* one pending version per share: the new one supersedes the old */
    assert_int_equal(aw_store_submission(f->st, f->a, v1, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_SUPERSEDED);
    assert_int_equal(aw_store_submission(f->st, f->a, v2, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_PENDING);
    assert_int_equal(s.share_id, sh.id);
    struct aw_audit_entry *v = audit(f, &n);
    assert_string_equal(v[0].action, "change");
    assert_string_equal(v[0].detail, aw_arena_printf(f->a, "share:%lld", (long long)sh.id));

    assert_int_equal(aw_cmd_withdraw(&f->visitor, &sh, v2), AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, v2, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_CANCELLED);
    v = audit(f, &n);
    assert_string_equal(v[0].action, "withdraw");
    /* withdrawing what is no longer pending changes nothing, and says so */
    assert_int_equal(aw_cmd_withdraw(&f->visitor, &sh, v2), AW_EINVAL);
    size_t n2;
    (void)audit(f, &n2);
    assert_int_equal(n2, n);
}

static void
test_approve_batch(void **state)
{
    struct fx *f = *state;
    struct aw_share_draft d1 = draft("tok-5", "Quiz", PAYLOAD("Quiz"));
    struct aw_share_draft d2 = draft("tok-6", "Broken", "{\"activity\":{}}");
    int64_t id1 = 0, id2 = 0;
    struct aw_submission subs[2];
    const char *to[8];
    char err[512];
    struct aw_activity *acts = NULL;
    size_t n = 0, audit_before, audit_after;

    assert_int_equal(aw_cmd_share(&f->visitor, &d1, &id1), AW_OK);
    assert_int_equal(aw_cmd_share(&f->visitor, &d2, &id2), AW_OK);
    (void)take_mails(f, to, 8);
    assert_int_equal(aw_store_submission(f->st, f->a, id1, &subs[0]), AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, id2, &subs[1]), AW_OK);
    (void)audit(f, &audit_before);

    /* the second cannot be applied: nothing is published, nothing sent */
    assert_int_equal(aw_cmd_approve(&f->moderator, subs, 2, err, sizeof(err)), AW_EINVAL);
    assert_true(err[0] != '\0');
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &acts, &n), AW_OK);
    assert_int_equal(n, 0);
    struct aw_submission s;
    assert_int_equal(aw_store_submission(f->st, f->a, id1, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_PENDING);
    (void)audit(f, &audit_after);
    assert_int_equal(audit_after, audit_before);
    assert_int_equal(take_mails(f, to, 8), 0);

    /* the first alone: published, decided, audited, its submitter told */
    assert_int_equal(aw_cmd_approve(&f->moderator, subs, 1, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &acts, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(acts[0].title, "Quiz");
    assert_int_equal(aw_store_submission(f->st, f->a, id1, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_APPROVED);
    assert_int_equal(s.decided_by, f->admin.id);
    struct aw_audit_entry *v = audit(f, &n);
    assert_string_equal(v[0].action, "approve");
    assert_string_equal(v[0].actor, "user:1 admin@example.org");
    assert_string_equal(v[0].detail, aw_arena_printf(f->a, "activity:%lld", (long long)acts[0].id));
    assert_int_equal(take_mails(f, to, 8), 1);
    assert_string_equal(to[0], "anna@example.fr");
    /* approving it again is refused (no longer pending) */
    assert_int_equal(aw_cmd_approve(&f->moderator, subs, 1, err, sizeof(err)), AW_EINVAL);
}

static void
test_reject_edit(void **state)
{
    struct fx *f = *state;
    struct aw_share_draft d = draft("tok-7", "Quiz", PAYLOAD("Quiz"));
    int64_t id = 0;
    struct aw_submission s;
    const char *to[8];
    size_t n;

    assert_int_equal(aw_cmd_share(&f->visitor, &d, &id), AW_OK);
    (void)take_mails(f, to, 8);
    assert_int_equal(aw_store_submission(f->st, f->a, id, &s), AW_OK);
    s.title = "Quiz night";
    assert_int_equal(aw_cmd_edit(&f->moderator, &s), AW_OK);
    struct aw_audit_entry *v = audit(f, &n);
    assert_string_equal(v[0].action, "edit");
    assert_int_equal(aw_cmd_reject(&f->moderator, &s, "Not about the Day."), AW_OK);
    assert_int_equal(aw_store_submission(f->st, f->a, id, &s), AW_OK);
    assert_int_equal(s.status, AW_SUB_REJECTED);
    assert_string_equal(s.reason, "Not about the Day.");
    v = audit(f, &n);
    assert_string_equal(v[0].action, "reject");
    assert_string_equal(v[0].detail, "Not about the Day.");
    assert_int_equal(take_mails(f, to, 8), 1);
    assert_string_equal(to[0], "anna@example.fr");
    /* a decision is final: a second one changes nothing and sends nothing */
    assert_int_equal(aw_cmd_reject(&f->moderator, &s, "Again."), AW_EINVAL);
    assert_int_equal(take_mails(f, to, 8), 0);
}

static void
test_sessions(void **state)
{
    struct fx *f = *state;
    struct aw_cmd c = f->visitor;
    struct aw_user u;
    size_t n;

    assert_int_equal(aw_cmd_login(&c, &f->focal_fr, "sess-1", NULL), AW_OK);
    struct aw_audit_entry *v = audit(f, &n);
    assert_string_equal(v[0].action, "login");
    assert_string_equal(v[0].actor, "user:2 fr@example.org");
    assert_int_equal(aw_store_user_by_id(f->st, f->a, f->focal_fr.id, &u), AW_OK);
    assert_non_null(u.last_login_at);

    /* the last use is recorded at most every AW_SESSION_TOUCH_S */
    int64_t seen = 0;
    c.now = T0 + AW_SESSION_TOUCH_S - 1;
    assert_int_equal(aw_cmd_session(&c, "sess-1", &u), AW_OK);
    assert_int_equal(u.id, f->focal_fr.id);
    assert_int_equal(aw_store_session_user(f->st, f->a, "sess-1", c.now, &u, &seen), AW_OK);
    assert_int_equal(seen, T0);
    c.now = T0 + AW_SESSION_TOUCH_S;
    assert_int_equal(aw_cmd_session(&c, "sess-1", &u), AW_OK);
    assert_int_equal(aw_store_session_user(f->st, f->a, "sess-1", c.now, &u, &seen), AW_OK);
    assert_int_equal(seen, T0 + AW_SESSION_TOUCH_S);
    c.now = T0 + AW_SESSION_SECONDS;
    assert_int_equal(aw_cmd_session(&c, "sess-1", &u), AW_ENOTFOUND);

    /* a later login drops the session the browser brought and the expired ones */
    assert_int_equal(aw_cmd_login(&f->visitor, &f->admin, "sess-2", NULL), AW_OK);
    c.now = T0 + AW_SESSION_SECONDS + 1;
    assert_int_equal(aw_cmd_login(&c, &f->admin, "sess-3", "sess-2"), AW_OK);
    c.now = T0 + 10;
    assert_int_equal(aw_store_session_user(f->st, f->a, "sess-1", c.now, &u, &seen),
                     AW_ENOTFOUND); /* pruned, not only expired */
    assert_int_equal(aw_store_session_user(f->st, f->a, "sess-2", c.now, &u, &seen),
                     AW_ENOTFOUND); /* dropped */
    c.now = T0 + AW_SESSION_SECONDS + 2;
    c.user = &f->admin;
    assert_int_equal(aw_cmd_logout(&c, "sess-3"), AW_OK);
    assert_int_equal(aw_cmd_session(&c, "sess-3", &u), AW_ENOTFOUND);
    v = audit(f, &n);
    assert_string_equal(v[0].action, "logout");
}

static void
test_accounts_record(void **state)
{
    struct fx *f = *state;
    struct aw_cmd cli = {.st = f->st, .arena = f->a, .now = T0, .actor = "cli"};
    struct aw_user u;
    size_t n;

    assert_int_equal(aw_cmd_login(&f->visitor, &f->focal_be, "sess-be", NULL), AW_OK);
    assert_int_equal(aw_cmd_user_disable(&cli, &f->focal_be, true), AW_OK);
    assert_int_equal(aw_cmd_session(&f->visitor, "sess-be", &u), AW_ENOTFOUND);
    struct aw_audit_entry *v = audit(f, &n);
    assert_string_equal(v[0].action, "user_disable");
    assert_string_equal(v[0].actor, "cli");
    assert_int_equal(aw_cmd_user_disable(&cli, &f->focal_be, false), AW_OK);
    assert_int_equal(aw_cmd_user_password(&cli, &f->focal_be, "new-hash"), AW_OK);
    assert_int_equal(aw_store_user_by_id(f->st, f->a, f->focal_be.id, &u), AW_OK);
    assert_string_equal(u.password_hash, "new-hash");
    /* a duplicate account: refused, and not in the log */
    int64_t id = 0;
    size_t before;
    (void)audit(f, &before);
    assert_int_equal(aw_cmd_user_add(&cli, "be@example.org", "h", AW_ROLE_ADMIN, NULL, &id),
                     AW_EEXIST);
    (void)audit(f, &n);
    assert_int_equal(n, before);
    assert_int_equal(aw_cmd_record(&f->moderator, "denied", "submission:9", "outside scope"),
                     AW_OK);
    v = audit(f, &n);
    assert_string_equal(v[0].action, "denied");
    assert_string_equal(v[0].ip, "192.0.2.1");
}

/* Scope: focal points in their country only. */
static void
test_scope(void **state)
{
    struct fx *f = *state;
    assert_true(aw_user_may_country(&f->admin, "BE"));
    assert_true(aw_user_may_country(&f->admin, ""));
    assert_true(aw_user_may_country(&f->focal_fr, "FR"));
    assert_false(aw_user_may_country(&f->focal_fr, "BE"));
    assert_false(aw_user_may_country(&f->focal_fr, ""));
    assert_false(aw_user_may_country(NULL, "FR"));
}

/* ---- the vocabularies (cmd_vocab.c) ---- */

static void
test_term_save(void **state)
{
    struct fx *f = *state;
    struct aw_term_label l1[] = {{"en", "carers"}}, l2[] = {{"en", "carers at home"}};
    struct aw_term t = {AW_VOCAB_AUDIENCE, "carers", 0, false, false, l1, 1};
    size_t n0, n1;
    struct aw_vocab *v;

    (void)audit(f, &n0);
    /* only an admin: a visitor's command changes nothing */
    assert_int_equal(aw_cmd_term_save(&f->visitor, NULL, &t), AW_EINVAL);
    assert_int_equal(aw_cmd_term_save(&f->moderator, NULL, &t), AW_OK);
    assert_int_equal(aw_cmd_term_save(&f->moderator, NULL, &t), AW_EEXIST);
    struct aw_audit_entry *e = audit(f, &n1);
    assert_int_equal(n1, n0 + 1);
    assert_string_equal(e[0].action, "term_add");
    assert_string_equal(e[0].object, "audience:carers");
    assert_non_null(strstr(e[0].detail, "\"before\":null"));

    assert_int_equal(aw_store_vocab(f->st, f->a, &v), AW_OK);
    const struct aw_term *before = aw_vocab_find(v, AW_VOCAB_AUDIENCE, "carers");
    assert_non_null(before);
    struct aw_term after = *before;
    after.retired = true;
    after.labels = l2;
    /* a code is never renamed */
    after.code = "caregivers";
    assert_int_equal(aw_cmd_term_save(&f->moderator, before, &after), AW_EINVAL);
    after.code = before->code;
    assert_int_equal(aw_cmd_term_save(&f->moderator, before, &after), AW_OK);
    e = audit(f, &n1);
    assert_int_equal(n1, n0 + 2);
    assert_string_equal(e[0].action, "term_update");
    assert_non_null(strstr(e[0].detail, "\"before\":{\"labels\":{\"en\":\"carers\"}"));
    assert_non_null(strstr(e[0].detail, "\"after\":{\"labels\":{\"en\":\"carers at home\"}"));
    assert_int_equal(aw_store_vocab(f->st, f->a, &v), AW_OK);
    assert_true(aw_vocab_find(v, AW_VOCAB_AUDIENCE, "carers")->retired);
}

int
main(void)
{
    aw_log_set_level(AW_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_share_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_withdraw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_approve_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_edit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounts_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_term_save, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
