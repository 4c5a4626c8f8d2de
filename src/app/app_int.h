/* app_int.h: what the page handlers (src/app/page_*.c) share: the app
 * context, the per-request page object and view-building helpers. */
#ifndef AW_APP_INT_H
#define AW_APP_INT_H

#include "aw/app.h"
#include "aw/arena.h"
#include "aw/domain.h"
#include "aw/i18n.h"
#include "aw/mail.h"
#include "aw/model.h"
#include "aw/net.h"
#include "aw/store.h"
#include "aw/tpl.h"
#include "aw/view.h"

#include <pthread.h>

#define AW_APP_MAX_LANGS 16
#define AW_PAGE_MAX_BYTES (4u * 1024 * 1024) /* largest HTML page we render */

struct aw_app {
    const struct aw_config *cfg;
    char *db; /* resolved database path */
    char *templates_dir;
    char *static_dir;
    struct aw_tpl_set *tpl[AW_APP_MAX_LANGS]; /* one compiled set per language */
    pthread_key_t store_key;                  /* each server thread's connection */
    struct aw_buf error_pages[AW_APP_MAX_LANGS][16];
    struct aw_mailer *mailer; /* NULL when mail is off (tests without SMTP) */
    /* The instance secret (the CSRF tokens' HMAC key), read or created at
     * start-up: it never changes once stored, and a form shown again while
     * the store fails must still carry a valid token. Unused (zero) under
     * read_only, which has no forms. */
    unsigned char csrf_key[32];
    struct aw_net_list proxies; /* the trusted_proxies setting, parsed */
};

/* One request's page: language, arena, store, and the root view that every
 * template receives (layout data is filled by aw_page_begin). */
struct aw_page {
    struct aw_req *req;
    struct aw_app *app;
    const struct aw_lang *lang;
    size_t lang_index;
    struct aw_arena *arena;
    struct aw_store *store;
    struct aw_view *view;
    const char *country;  /* the visitor's chosen country (cookie), or NULL */
    struct aw_user *user; /* the logged-in moderator, or NULL (app_auth.c) */
    const char *session_hash;
    const char *csrf_cookie; /* the CSRF cookie this response sets, if any */
    /* A POST handler sets this once it has read its form: when the store
     * cannot take the write (AW_EUNAVAIL: disk full, read-only, busy),
     * aw_page_fail() calls it to render the form again, everything typed
     * still in it, with `status` 503 and the "cannot take submissions right
     * now" notice (pg->unavailable). reshow_ctx is the handler's. */
    void (*reshow)(struct aw_page *pg, int status);
    void *reshow_ctx;
    bool unavailable;
    int64_t queries_at_begin; /* aw_store_queries() when the request began */
    /* Every country in the page language, read once per request at the first
     * need (aw_page_countries): names on a page cost one statement, not one
     * each (a round trip each on PostgreSQL). */
    struct aw_country *countries;
    size_t ncountries;
    bool countries_read;
    const struct aw_vocab *vocab; /* read at the first need (aw_page_vocab) */
};

/* The countries (aw_store_countries, in code order), read once per request;
 * n = 0 when the store cannot give them. */
const struct aw_country *aw_page_countries(struct aw_page *pg, size_t *n);

/* Seconds a visitor is asked to wait (Retry-After) when the store cannot take
 * writes: long enough for an operator to react, short enough to try again. */
#define AW_UNAVAILABLE_RETRY "120"

/* Validates {lang}, switches the thread's language, opens the thread's store
 * connection, reads the session and, for a POST, checks the CSRF token. On
 * failure it has already answered (404 for an unknown language, 503 without
 * a database, 403 for a POST without a valid token) and returns -1. */
int aw_page_begin(struct aw_req *req, struct aw_page *pg);
/* Renders template `tpl` with pg->view and sends it with `status`. title is
 * the page's <title> and h1 text (escaped by the template). */
void aw_page_render(struct aw_page *pg, int status, const char *tpl, const char *title);
/* Fills the layout part of pg->view (language, navigation, help panel). */
void aw_page__layout(struct aw_page *pg, const char *title);
/* Fixed text (translated) of an error page and its title. */
const char *aw_page__error_text(int status, const char **title);
/* Answers 404 for AW_ENOTFOUND; 503 with Retry-After for AW_EUNAVAIL (the
 * form again through pg->reshow when set, else the 503 page), logging the
 * store's reason (SQLITE_FULL, EROFS...); 500 for other errors (logged). */
void aw_page_fail(struct aw_page *pg, enum aw_err rc);
/* Answers `status` with the form the handler registered (pg->reshow), as
 * typed, or with the fixed page of that status when there is none; clears
 * pg->reshow first, so that a failure while showing it ends in the fixed page. */
void aw_page_reshow(struct aw_page *pg, int status);

/* The calling thread's store connection, opened on first use. */
struct aw_store *aw_app_store(struct aw_app *app, char *err, size_t errlen);

/* --- accounts, sessions, CSRF (app_auth.c) --- */
#define AW_SESSION_COOKIE "aw_session"
#define AW_CSRF_COOKIE "aw_csrf"
bool aw_auth_check_password(const char *hash, const char *pw);
/* Reads the session cookie into pg->user (NULL when absent or invalid). */
/* AW_OK also without a valid session; an error when the session could not
 * be read (the database is away: the page must not treat a moderator as a
 * visitor). */
enum aw_err aw_auth_load(struct aw_page *pg);
/* Starts a new session for u (a fresh id: no fixation), rotating the CSRF
 * cookie too, and records the login in the audit log. */
enum aw_err aw_auth_login(struct aw_page *pg, const struct aw_user *u);
/* Ends the session (and clears its cookie); the store's error otherwise. */
enum aw_err aw_auth_logout(struct aw_page *pg);
/* 64 hex digits of fresh randomness / of BLAKE2b-256(value), in the arena;
 * tokens are stored only as such hashes. */
char *aw_auth_random_hex(struct aw_arena *a);
char *aw_auth_hash_hex(struct aw_arena *a, const char *value);
/* True when v has the shape of a token made by aw_auth_random_hex. */
bool aw_auth_token_shape(const char *v);
/* Bit mask of roles: 1u << AW_ROLE_ADMIN ... */
#define AW_ROLES_ALL ((1u << AW_ROLE_ADMIN) | (1u << AW_ROLE_MODERATOR) | (1u << AW_ROLE_FOCAL))
/* 0 when pg->user has one of the roles; otherwise answers (a redirect to the
 * login page for an anonymous GET, 403 otherwise) and returns -1. */
int aw_auth_require(struct aw_page *pg, unsigned roles);
/* The CSRF token for forms on this page (sets the CSRF cookie if missing). */
const char *aw_csrf_token(struct aw_page *pg);
/* True when the POSTed "csrf" field matches the cookie's token. */
bool aw_csrf_ok(struct aw_page *pg);
/* Links, from the route table (routes.c, reverse routing): the path of the
 * route `name` in language `lang` (aw_page_url: the page's), its other
 * captures given in pattern order as strings and ending with NULL, each
 * encoded as a path segment: aw_page_url(pg, "edition", "2017", NULL) is
 * "/en/editions/2017". A name or a count no route has is a bug: logged, and
 * "/" returned. In the arena a. No link is printed by hand (lint: "url"). */
const char *aw_url(struct aw_arena *a, const char *lang, const char *name, ...)
    __attribute__((sentinel));
#define aw_page_url(pg, ...) aw_url((pg)->arena, (pg)->lang->code, __VA_ARGS__)
/* The absolute URL of a site path, from the public_url setting. */
const char *aw_page_abs_url(struct aw_page *pg, const char *path);
/* The page as the actor of a command (domain.h): its store, arena, user,
 * client address, language and mailer, and the time now. */
struct aw_cmd aw_page_cmd(struct aw_page *pg);
/* Records an event in the audit log alone (aw_cmd_record) with the page's
 * actor; a failure is logged and returned. */
enum aw_err aw_page_record(struct aw_page *pg, const char *action, const char *object,
                           const char *detail);
/* Current time (seconds) — one place so tests can reason about it. */
int64_t aw_now(void);

/* --- the activity form (app_form.c) --- */
struct aw_form;
/* The fields (with byte caps) each form route accepts (routes.c). */
extern const struct aw_field aw_form_share_fields[];
extern const struct aw_field aw_form_change_fields[];
extern const struct aw_field aw_form_moderation_fields[];
struct aw_form *aw_form_empty(struct aw_page *pg, bool with_contact);
struct aw_form *aw_form_from_request(struct aw_page *pg, bool with_contact);
/* A stored payload (edition `year`) in the form, read with the one codec
 * (aw_draft_decode, load.h); an empty form, logged, if it does not read. */
struct aw_form *aw_form_from_payload(struct aw_page *pg, const char *payload, int year,
                                     bool with_contact);
/* A stored payload as the activity the public pages would show (previews);
 * false (logged) if it does not read. */
bool aw_form_payload_activity(struct aw_page *pg, const char *payload, int year,
                              struct aw_activity *act);
/* Checks every field; false when any has an error (kept in the form). */
bool aw_form_validate(struct aw_page *pg, struct aw_form *form);
/* The trimmed first value of a field ("" when empty). */
const char *aw_form_value(struct aw_form *form, const char *name);
bool aw_form_honeypot(const struct aw_form *form);
/* The country the activity is listed under: the one chosen, else the
 * organisation's; "" when none (international bodies). */
const char *aw_form_country(struct aw_page *pg, struct aw_form *form);
/* The organisation's name: the chosen existing one's, or the one typed. */
const char *aw_form_org_name(struct aw_page *pg, struct aw_form *form);
/* The chosen existing organisation, or 0 for a new one. */
int64_t aw_form_org_id(struct aw_form *form);
/* The payload (JSON, docs/DATA.md) of a valid form, in the arena: the form
 * as a draft, written by the one codec (aw_draft_encode, load.h). */
char *aw_form_payload(struct aw_page *pg, struct aw_form *form);
/* The activity the form describes (for previews), strings in the arena. */
void aw_form_to_activity(struct aw_page *pg, struct aw_form *form, int year,
                         struct aw_activity *act);
/* Fields with values, errors and options, for templates/partials/activity_form. */
struct aw_view *aw_form_view(struct aw_page *pg, struct aw_form *form);

/* --- view helpers (app_views.c) --- */
struct aw_view *aw_page_activity(struct aw_page *pg, const struct aw_activity *act);
/* The activity of a submission as the public pages would show it (aw_page_activity), plus
 * html_dropped: true when its summary has raw HTML, which the Markdown renderer drops. */
struct aw_view *aw_page_preview(struct aw_page *pg, const struct aw_activity *act);
/* Activities (ordered by edition) as [{year, url, activities: [...]}]. */
struct aw_view *aw_page_activities_by_edition(struct aw_page *pg, const struct aw_activity *acts,
                                              size_t n);
struct aw_view *aw_page_org(struct aw_page *pg, const struct aw_org *org);
struct aw_view *aw_page_edition(struct aw_page *pg, const struct aw_edition *ed);
struct aw_view *aw_page_help_list(struct aw_page *pg, const struct aw_help_service *hs, size_t n);
/* How long a visitor must wait, seconds rounded up to minutes ("1 minute",
 * "15 minutes"; hours beyond 90 minutes), in the page language, for "Please
 * wait ..." messages. */
const char *aw_page_wait_text(struct aw_page *pg, int64_t seconds);
/* "17 November 2017", "17-19 November 2017"... in the page language. */
const char *aw_page_date_range(struct aw_page *pg, const char *start, const char *end);
/* Localised names. */
const char *aw_page_country_name(struct aw_page *pg, const char *code);
/* The vocabularies (vocab.h), read once per request; an empty snapshot
 * (logged) when the store cannot give them. */
const struct aw_vocab *aw_page_vocab(struct aw_page *pg);
/* The label of a term in the page language (the code when unknown). */
const char *aw_page_term(struct aw_page *pg, enum aw_vocab_list l, const char *code);
const char *aw_label_help_kind(enum aw_help_kind kind);
const char *aw_label_language(const char *code);
/* "Andorra, Luxembourg, Monaco and Slovenia" in the page language. */
const char *aw_page_join_names(struct aw_page *pg, const char **names, size_t n);
/* Sorts countries (or anything with a name) by the page language's collation. */
int aw_page_collate(struct aw_page *pg, const char *a, const char *b);

/* --- handlers (one file per page) --- */
void aw_handle_root(struct aw_req *req);
void aw_handle_home(struct aw_req *req);
void aw_handle_editions(struct aw_req *req);
void aw_handle_edition(struct aw_req *req);
void aw_handle_activity(struct aw_req *req);
void aw_handle_country(struct aw_req *req);
void aw_handle_organisation(struct aw_req *req);
void aw_handle_help(struct aw_req *req);
void aw_handle_help_country(struct aw_req *req);
void aw_handle_share(struct aw_req *req);
void aw_handle_share_post(struct aw_req *req);
void aw_handle_submission(struct aw_req *req);
void aw_handle_submission_post(struct aw_req *req);
void aw_handle_submission_withdraw(struct aw_req *req);
void aw_handle_login(struct aw_req *req);
void aw_handle_login_post(struct aw_req *req);
void aw_handle_logout(struct aw_req *req);
void aw_handle_moderation(struct aw_req *req);
void aw_handle_moderation_batch(struct aw_req *req);
void aw_handle_moderation_item(struct aw_req *req);
void aw_handle_moderation_item_post(struct aw_req *req);
void aw_handle_moderation_log(struct aw_req *req);
void aw_handle_admin(struct aw_req *req);
void aw_handle_admin_vocab(struct aw_req *req);
void aw_handle_admin_vocab_post(struct aw_req *req);
void aw_handle_admin_term(struct aw_req *req);
void aw_handle_admin_term_post(struct aw_req *req);

/* Counts a partner form POST against the per-address limit (every attempt,
 * valid or not); beyond the share_per_hour setting in the last hour answers
 * 429 with the time left and returns -1. */
int aw_page_share_quota(struct aw_page *pg);

/* The safeguarding checklist a moderator ticks before approving (the queue
 * and the item page). */
bool aw_moderation_checklist_ok(struct aw_page *pg);

/* Parses "<id>-<slug>" or "<id>"; 0 on success. */
int aw_page_parse_id(struct aw_str seg, int64_t *id);

#endif
