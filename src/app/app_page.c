/* app_page.c: what every page shares: language selection, the layout data
 * (navigation, the help panel for the visitor's country), rendering and
 * error answers. */
#include "app_int.h"

#include "aw/http.h"
#include "aw/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COUNTRY_COOKIE "country"

const char *
aw_page__error_text(int status, const char **title)
{
    switch (status) {
    case 400:
        *title = _("Bad request");
        return _("The request could not be understood.");
    case 403:
        *title = _("Forbidden");
        return _("You are not allowed to see this page.");
    case 404:
        *title = _("Page not found");
        return _("There is no page at this address. It may have moved, or the address may be "
                 "mistyped.");
    case 405:
        *title = _("Method not allowed");
        return _("This page cannot be used that way.");
    case 408:
        *title = _("Request timeout");
        return _("The request took too long to arrive.");
    case 413:
        *title = _("Request too large");
        return _("What was sent is larger than this site accepts.");
    case 414:
        *title = _("Address too long");
        return _("The address is longer than this site accepts.");
    case 429:
        *title = _("Too many requests");
        return _("Too many requests came from your address. Please wait a moment and try again.");
    case 431:
        *title = _("Request headers too large");
        return _("The request headers are larger than this site accepts.");
    case 503:
        *title = _("Service unavailable");
        return _("The site is temporarily unavailable. Please try again in a few minutes.");
    default:
        *title = _("Something went wrong");
        return _("The page could not be shown because of an error on our side. It has been "
                 "logged.");
    }
}

/* The help panel: the visitor's country (from the cookie), its verified
 * services by kind, and the list to choose another country. */
static void
help_panel(struct aw_page *pg)
{
    struct aw_view *panel = aw_view_set_map(pg->view, "help_panel");
    size_t n = 0;
    const struct aw_country *countries = aw_page_countries(pg, &n);
    bool found = false;
    /* Sort by name in the page language for the select list. */
    struct aw_view *list = aw_view_set_list(panel, "countries");
    size_t *order = aw_arena_calloc(pg->arena, n ? n : 1, sizeof(*order));
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && aw_page_collate(pg, countries[order[j - 1]].name, countries[i].name) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (size_t k = 0; k < n; k++) {
        const struct aw_country *c = &countries[order[k]];
        if (!c->coe_member)
            continue;
        struct aw_view *item = aw_view_push_map(list);
        aw_view_set_str(item, "code", c->code);
        aw_view_set_str(item, "name", c->name);
        bool sel = pg->country && strcmp(pg->country, c->code) == 0;
        aw_view_set_bool(item, "selected", sel);
        if (sel) {
            struct aw_view *cv = aw_view_set_map(panel, "country");
            aw_view_set_str(cv, "code", c->code);
            aw_view_set_str(cv, "name", c->name);
            aw_view_set_url(cv, "url", aw_page_url(pg, "help_country", c->code, NULL));
            found = true;
        }
    }
    if (!found) {
        aw_view_set_bool(panel, "country", false);
        aw_view_set_bool(panel, "services", false);
        return;
    }
    struct aw_help_service *hs = NULL;
    size_t nhs = 0;
    if (aw_store_help_services(pg->store, pg->arena, pg->country, false, &hs, &nhs) != AW_OK)
        nhs = 0;
    aw_view_set(panel, "services", aw_page_help_list(pg, hs, nhs));
}

void
aw_page__layout(struct aw_page *pg, const char *title)
{
    struct aw_view *v = pg->view;
    const struct aw_config *cfg = pg->app->cfg;
    const char *lc = pg->lang->code;
    aw_view_set_str(v, "lang", lc);
    aw_view_set_str(v, "dir", pg->lang->rtl ? "rtl" : "ltr");
    aw_view_set_str(v, "title", title);
    aw_view_set_bool(v, "unavailable", pg->unavailable);
    if (!aw_view_get(v, "limited", 7)) /* set by aw_page_share_quota() */
        aw_view_set_bool(v, "limited", false);
    aw_view_set_bool(v, "read_only", cfg->read_only);
    aw_view_set_str(v, "day_name", _(cfg->day_name));
    aw_view_set_str(v, "organiser", _(cfg->organiser));
    if (cfg->convention[0])
        aw_view_set_str(v, "convention", _(cfg->convention));
    else
        aw_view_set_bool(v, "convention", false);
    /* "18 November": the day's date without a year, in the page language. */
    struct tm tm = {.tm_year = 100, .tm_hour = 12};
    int mon = 0, mday = 0;
    if (sscanf(cfg->day_date, "%2d-%2d", &mon, &mday) == 2) {
        tm.tm_mon = mon - 1;
        tm.tm_mday = mday;
    }
    char day[64];
    /* TRANSLATORS: strftime format of a day and month, e.g. 18 November */
    size_t dn = strftime_l(day, sizeof(day), _("%-d %B"), &tm, pg->lang->loc);
    aw_view_set_str(v, "day_date", aw_arena_strndup(pg->arena, day, dn));
    aw_view_set_url(v, "home_url", aw_url(pg->arena, lc, "home", NULL));
    aw_view_set_url(v, "editions_url", aw_url(pg->arena, lc, "editions", NULL));
    aw_view_set_url(v, "help_url", aw_url(pg->arena, lc, "help", NULL));
    struct aw_view *langs = aw_view_set_list(v, "languages");
    for (size_t i = 0; i < aw_i18n_count(); i++) {
        const struct aw_lang *l = aw_i18n_at(i);
        struct aw_view *item = aw_view_push_map(langs);
        aw_view_set_str(item, "code", l->code);
        aw_view_set_str(item, "name", l->name);
        aw_view_set_url(item, "url", aw_url(pg->arena, l->code, "home", NULL));
        aw_view_set_bool(item, "current", l == pg->lang);
    }
    aw_view_set_bool(v, "has_languages", aw_i18n_count() > 1);
    aw_view_set_url(v, "share_url", aw_url(pg->arena, lc, "share", NULL));
    if (pg->user && pg->req) {
        struct aw_view *me = aw_view_set_map(v, "me");
        aw_view_set_str(me, "email", pg->user->email);
        aw_view_set_url(me, "moderation_url", aw_url(pg->arena, lc, "moderation", NULL));
        if (pg->user->role == AW_ROLE_ADMIN)
            aw_view_set_url(me, "admin_url", aw_url(pg->arena, lc, "admin", NULL));
        else
            aw_view_set_bool(me, "admin_url", false);
        aw_view_set_url(me, "logout_action", aw_url(pg->arena, lc, "logout", NULL));
        aw_view_set_str(me, "csrf", aw_csrf_token(pg));
    } else {
        aw_view_set_bool(v, "me", false);
    }
    help_panel(pg);
}

/* A form arrived while no database connection can be had (the server is
 * down or restarting): nothing can be stored, and no form page can be built
 * (its lists come from the database). Everything typed comes back in a form
 * that sends it again unchanged, in hidden fields (the password excepted:
 * it is typed again), listed for the person to see, with the "nothing was
 * saved" notice, 503 and Retry-After. No database is needed for it. */
static void
keep_typed(struct aw_page *pg)
{
    struct aw_view *hidden = aw_view_set_list(pg->view, "fields");
    struct aw_view *shown = aw_view_set_list(pg->view, "typed");
    const char *name;
    struct aw_str v;
    for (size_t i = 0; aw_req_form_at(pg->req, i, &name, &v); i++) {
        if (strcmp(name, "password") == 0 || !aw_utf8_valid(v.ptr, v.len))
            continue;
        struct aw_view *h = aw_view_push_map(hidden);
        aw_view_set_str(h, "name", name);
        aw_view_set(h, "value", aw_view_strn(pg->arena, v.ptr, v.len));
        if (strcmp(name, "csrf") != 0 && v.len > 0)
            aw_view_push(shown, aw_view_strn(pg->arena, v.ptr, v.len));
    }
    aw_view_set_bool(pg->view, "has_typed", aw_view_len(shown) > 0);
    aw_view_set_url(pg->view, "action", aw_req_path(pg->req));
    pg->unavailable = true;
    aw_resp_header(pg->req, "Cache-Control", "no-store");
    aw_page_render(pg, 503, "kept", _("Nothing was saved"));
}

/* aw_page_begin() without a database: 503 with Retry-After; a form (with its
 * token) gets what was typed back, anything else the fixed page. */
static void
database_away(struct aw_page *pg)
{
    aw_resp_header(pg->req, "Retry-After", AW_UNAVAILABLE_RETRY);
    if (strcmp(aw_req_method(pg->req), "POST") == 0 && !pg->app->cfg->read_only && aw_csrf_ok(pg))
        keep_typed(pg);
    else
        aw_resp_error(pg->req, 503);
}

int
aw_page_begin(struct aw_req *req, struct aw_page *pg)
{
    struct aw_app *app = aw_req_app(req);
    struct aw_str lc = aw_req_param(req, "lang");
    char err[256];
    memset(pg, 0, sizeof(*pg));
    pg->req = req;
    pg->app = app;
    pg->arena = aw_req_arena(req);
    pg->lang = aw_i18n_find(lc.ptr, lc.len);
    if (!pg->lang) {
        aw_resp_error(req, 404);
        return -1;
    }
    for (size_t i = 0; i < aw_i18n_count(); i++)
        if (aw_i18n_at(i) == pg->lang)
            pg->lang_index = i;
    /* the thread is in pg->lang already: the route's wrapper (app.c, around) set it */
    const char *cc = aw_req_cookie(req, COUNTRY_COOKIE);
    if (cc && strlen(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z')
        pg->country = cc;
    pg->view = aw_view_map(pg->arena);
    pg->store = aw_app_store(app, err, sizeof(err));
    if (!pg->store) {
        AW_ERROR("database unavailable: %s", err);
        database_away(pg);
        return -1;
    }
    pg->queries_at_begin = aw_store_queries(pg->store);
    /* the session could not be read (the connection is gone): not a visitor,
     * a moderator whose form must come back as typed */
    if (aw_auth_load(pg) != AW_OK) {
        AW_ERROR("reading the session: %s", aw_store_errmsg(pg->store));
        database_away(pg);
        return -1;
    }
    /* A read-only site takes no POST (its forms are hidden): the 503 page,
     * which carries the read-only notice. */
    if (app->cfg->read_only && strcmp(aw_req_method(req), "POST") == 0) {
        aw_resp_header(req, "Retry-After", AW_UNAVAILABLE_RETRY);
        aw_resp_error(req, 503);
        return -1;
    }
    /* Every POST carries the CSRF token of its form: checked here, once, for
     * every handler. */
    if (strcmp(aw_req_method(req), "POST") == 0 && !aw_csrf_ok(pg)) {
        aw_resp_error(req, 403);
        return -1;
    }
    return 0;
}

void
aw_page_render(struct aw_page *pg, int status, const char *tpl, const char *title)
{
    char err[512];
    struct aw_buf out = AW_BUF_INIT(AW_PAGE_MAX_BYTES);
    aw_page__layout(pg, title);
    enum aw_err rc =
        aw_tpl_render(pg->app->tpl[pg->lang_index], tpl, pg->view, &out, err, sizeof(err));
    if (rc != AW_OK) {
        AW_ERROR("rendering %s: %s", tpl, err);
        aw_buf_free(&out);
        aw_resp_error(pg->req, 500);
        return;
    }
    /* The help panel depends on the country cookie. */
    aw_resp_header(pg->req, "Vary", "Cookie");
    /* A signed-in page carries the user's address and tokens: never stored. */
    if (pg->user)
        aw_resp_header(pg->req, "Cache-Control", "private, no-store");
    aw_resp_header(pg->req, "Content-Language", pg->lang->code);
    if (pg->req && pg->store)
        AW_DEBUG("%s: %lld queries", tpl,
                 (long long)(aw_store_queries(pg->store) - pg->queries_at_begin));
    aw_resp_send_html(pg->req, status, &out);
    aw_buf_free(&out);
}

void
aw_page_fail(struct aw_page *pg, enum aw_err rc)
{
    if (rc == AW_ENOTFOUND) {
        aw_resp_error(pg->req, 404);
        return;
    }
    char path[512];
    aw_log_repr(path, sizeof(path), aw_req_path(pg->req), strlen(aw_req_path(pg->req)));
    aw_log_redact_tokens(path);
    /* The store's message names the cause ("database or disk is full
     * (SQLITE_FULL, ENOSPC)"); aw_log escapes what it quotes. */
    const char *why = (rc == AW_EDB || rc == AW_EUNAVAIL) && pg->store ? aw_store_errmsg(pg->store)
                                                                       : aw_strerror(rc);
    if (rc != AW_EUNAVAIL) {
        AW_ERROR("%s: %s: %s", path, aw_strerror(rc), why);
        aw_resp_error(pg->req, 500);
        return;
    }
    AW_ERROR("%s: the database cannot take writes, answered 503: %s", path, why);
    if (!pg->unavailable) /* once, also when showing the form again fails the same way */
        aw_resp_header(pg->req, "Retry-After", AW_UNAVAILABLE_RETRY);
    if (pg->reshow && pg->view)
        pg->unavailable = true;
    aw_page_reshow(pg, 503);
}

void
aw_page_reshow(struct aw_page *pg, int status)
{
    void (*reshow)(struct aw_page *, int) = pg->view ? pg->reshow : NULL;
    pg->reshow = NULL; /* a failure while showing the form again ends in the fixed page */
    /* The handler's form needs the database (its lists); when the connection
     * itself is gone, what was typed comes back without it. */
    bool lost = pg->store && aw_store_lost(pg->store);
    if (reshow && !lost) {
        reshow(pg, status);
        return;
    }
    if (status == 503 && pg->view && pg->req && strcmp(aw_req_method(pg->req), "POST") == 0 &&
        (reshow || lost)) {
        keep_typed(pg);
        return;
    }
    aw_resp_error(pg->req, status);
}

int
aw_page_parse_id(struct aw_str seg, int64_t *id)
{
    size_t n = 0;
    while (n < seg.len && seg.ptr[n] >= '0' && seg.ptr[n] <= '9')
        n++;
    if (n == 0 || n > 18 || (n < seg.len && seg.ptr[n] != '-'))
        return -1;
    return aw_str_to_i64((struct aw_str){seg.ptr, n}, 1, INT64_MAX, id);
}
