/* page_login.c: /{lang}/login and /{lang}/logout — moderators sign in with
 * e-mail and password (Argon2id). Attempts are throttled per account and per
 * address (429); a success starts a new session (the id changes: no
 * fixation) and lands in the audit log. Template: templates/login.mustache. */
#include "app_int.h"

#include "aw/log.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

static void login_form(struct aw_page *pg, int status, const char *email, const char *error);

/* A store that cannot record the attempt or the session: the login form
 * again with the address typed (never the password), 503. */
static void
login_reshow(struct aw_page *pg, int status)
{
    login_form(pg, status, pg->reshow_ctx, NULL);
}

static void
login_form(struct aw_page *pg, int status, const char *email, const char *error)
{
    aw_view_set_str(pg->view, "csrf", aw_csrf_token(pg));
    aw_view_set_url(pg->view, "action", aw_page_url(pg, "login", NULL));
    aw_view_set_str(pg->view, "email", email ? email : "");
    if (error)
        aw_view_set_str(pg->view, "error", error);
    else
        aw_view_set_bool(pg->view, "error", false);
    aw_resp_header(pg->req, "Cache-Control", "no-store");
    aw_page_render(pg, status, "login", _("Sign in"));
}

void
aw_handle_login(struct aw_req *req)
{
    struct aw_page pg;
    if (aw_page_begin(req, &pg) != 0)
        return;
    if (pg.user) {
        aw_resp_redirect(req, 303, aw_page_url(&pg, "moderation", NULL));
        return;
    }
    login_form(&pg, 200, NULL, NULL);
}

/* A hash of a random password, so that unknown accounts cost as much time
 * as known ones. */
static char dummy[128];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy(void)
{
    char pw[65];
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(pw, sizeof(pw), raw, sizeof(raw));
    if (aw_auth_hash_password(pw, dummy) != AW_OK)
        dummy[0] = '\0';
}

static const char *
dummy_hash(void)
{
    pthread_once(&dummy_once, make_dummy);
    return dummy;
}

void
aw_handle_login_post(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_user u;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0)
        return;
    struct aw_str es = aw_req_form(req, "email", 0), ps = aw_req_form(req, "password", 0);
    char *email = aw_arena_strndup(pg.arena, es.ptr ? es.ptr : "", es.len);
    char *password = aw_arena_strndup(pg.arena, ps.ptr ? ps.ptr : "", ps.len);
    for (char *p = email; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!aw_utf8_valid(email, strlen(email)) || !*email || !*password) {
        login_form(&pg, 422, aw_utf8_valid(email, strlen(email)) ? email : "",
                   _("Enter your e-mail address and your password."));
        return;
    }
    pg.reshow = login_reshow;
    pg.reshow_ctx = email;
    /* Three counters: the account from this address (so that someone else
     * cannot lock a moderator out by failing on purpose), the account from
     * everywhere (a distributed guess), and the address (many accounts).
     * Each counts the attempt unless it refuses it itself. */
    const char *addr = aw_req_client_addr(req);
    const char *pair_key = aw_arena_printf(pg.arena, "login:pair:%s:%s", email, addr);
    struct aw_rate per_pair, per_account, per_address;
    const struct aw_config *cfg = pg.app->cfg;
    int64_t now = aw_now();
    if ((rc = aw_store_rate_hit(pg.store, pair_key, cfg->login_window, cfg->login_per_account, now,
                                &per_pair)) != AW_OK ||
        (rc = aw_store_rate_hit(pg.store, aw_arena_printf(pg.arena, "login:account:%s", email),
                                cfg->login_window, cfg->login_per_account_all, now,
                                &per_account)) != AW_OK ||
        (rc = aw_store_rate_hit(pg.store, aw_arena_printf(pg.arena, "login:address:%s", addr),
                                cfg->login_window, cfg->login_per_address, now, &per_address)) !=
            AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    rc = aw_store_user_by_email(pg.store, pg.arena, email, &u);
    bool known = rc == AW_OK;
    if (!per_pair.allowed || !per_account.allowed || !per_address.allowed) {
        /* Logged once per window, and only for real accounts: the audit log
         * is append-only and must not fill up with what strangers type. */
        if (known && (per_pair.first_refusal || per_account.first_refusal))
            (void)aw_page_record(&pg, "login_throttled",
                                 aw_arena_printf(pg.arena, "user:%lld", (long long)u.id), NULL);
        /* The longest wait of the counters that refused. */
        int64_t wait = per_pair.retry_after;
        if (per_account.retry_after > wait)
            wait = per_account.retry_after;
        if (per_address.retry_after > wait)
            wait = per_address.retry_after;
        aw_resp_header(req, "Retry-After", aw_arena_printf(pg.arena, "%lld", (long long)wait));
        login_form(&pg, 429, email,
                   aw_arena_printf(pg.arena,
                                   /* TRANSLATORS: %s is how long, e.g. "15 minutes" */
                                   _("Too many sign-in attempts. Please wait %s and try again."),
                                   aw_page_wait_text(&pg, wait)));
        return;
    }
    bool ok = aw_auth_check_password(known ? u.password_hash : dummy_hash(), password);
    if (!known || !ok || u.disabled) {
        if (known)
            (void)aw_page_record(&pg, "login_failed",
                                 aw_arena_printf(pg.arena, "user:%lld", (long long)u.id), NULL);
        login_form(&pg, 401, email, _("The e-mail address or the password is wrong."));
        return;
    }
    aw_store_rate_reset(pg.store, pair_key);
    if ((rc = aw_auth_login(&pg, &u)) != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    aw_resp_redirect(req, 303, aw_page_url(&pg, "moderation", NULL));
}

void
aw_handle_logout(struct aw_req *req)
{
    struct aw_page pg;
    if (aw_page_begin(req, &pg) != 0)
        return;
    enum aw_err rc = aw_auth_logout(&pg);
    if (rc != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    aw_resp_redirect(req, 303, aw_page_url(&pg, "home", NULL));
}
