/* routes.c: every URL of the site and the handler that answers it. One row
 * per route; the handler lives in src/app/page_<name>.c and renders
 * templates/<name>.mustache. Static files (/static/...) are served by the
 * HTTP layer. */
#include "app_int.h"

#include "aw/log.h"

#include <stdarg.h>

static void
lang_root(struct aw_req *req)
{
    struct aw_str lc = aw_req_param(req, "lang");
    if (!aw_i18n_find(lc.ptr, lc.len)) {
        aw_resp_error(req, 404);
        return;
    }
    char code[3] = {lc.ptr[0], lc.ptr[1], '\0'};
    aw_resp_redirect(req, 301, aw_url(aw_req_arena(req), code, "home", NULL));
}

static const struct aw_field login_fields[] = {
    {"csrf", 128, 1}, {"email", 1024, 1}, {"password", 1024, 1}, {NULL, 0, 0}};
static const struct aw_field csrf_only[] = {{"csrf", 128, 1}, {NULL, 0, 0}};
static const struct aw_field batch_fields[] = {{"csrf", 128, 1},
                                               {"ids", 24, 100},
                                               {"check_child", 16, 1},
                                               {"check_victim", 16, 1},
                                               {"check_explicit", 16, 1},
                                               {"check_links", 16, 1},
                                               {NULL, 0, 0}};

static const struct aw_field term_fields[] = {{"csrf", 128, 1},
                                              {"code", 64, 1},
                                              {"position", 16, 1},
                                              {"retired", 8, 1},
                                              {"organiser", 8, 1},
                                              {"lang", 8, AW_APP_MAX_LANGS},
                                              {"label", 4 * AW_TERM_LABEL_MAX, AW_APP_MAX_LANGS},
                                              {NULL, 0, 0}};

static const struct aw_route routes[] = {
    {"GET", "/", aw_handle_root, NULL, "root"},
    {"GET", "/{lang}", lang_root, NULL, "lang_root"},
    {"GET", "/{lang}/", aw_handle_home, NULL, "home"},
    {"GET", "/{lang}/editions", aw_handle_editions, NULL, "editions"},
    {"GET", "/{lang}/editions/{year}", aw_handle_edition, NULL, "edition"},
    {"GET", "/{lang}/activities/{id}", aw_handle_activity, NULL, "activity"},
    {"GET", "/{lang}/countries/{code}", aw_handle_country, NULL, "country"},
    {"GET", "/{lang}/organisations/{id}", aw_handle_organisation, NULL, "organisation"},
    {"GET", "/{lang}/help", aw_handle_help, NULL, "help"},
    {"GET", "/{lang}/help/{code}", aw_handle_help_country, NULL, "help_country"},
    /* Partners share activities without an account (page_share.c, page_submission.c). */
    {"GET", "/{lang}/share", aw_handle_share, NULL, "share"},
    {"POST", "/{lang}/share", aw_handle_share_post, aw_form_share_fields, "share"},
    {"GET", "/{lang}/submissions/{token}", aw_handle_submission, NULL, "submission"},
    {"POST", "/{lang}/submissions/{token}", aw_handle_submission_post, aw_form_change_fields,
     "submission"},
    {"POST", "/{lang}/submissions/{token}/withdraw", aw_handle_submission_withdraw, csrf_only,
     "submission_withdraw"},
    /* Moderators (page_login.c, page_moderation.c, page_moderation_item.c). */
    {"GET", "/{lang}/login", aw_handle_login, NULL, "login"},
    {"POST", "/{lang}/login", aw_handle_login_post, login_fields, "login"},
    {"POST", "/{lang}/logout", aw_handle_logout, csrf_only, "logout"},
    {"GET", "/{lang}/moderation", aw_handle_moderation, NULL, "moderation"},
    {"POST", "/{lang}/moderation/approve", aw_handle_moderation_batch, batch_fields,
     "moderation_approve"},
    {"GET", "/{lang}/moderation/log", aw_handle_moderation_log, NULL, "moderation_log"},
    {"GET", "/{lang}/moderation/{id}", aw_handle_moderation_item, NULL, "moderation_item"},
    {"POST", "/{lang}/moderation/{id}", aw_handle_moderation_item_post, aw_form_moderation_fields,
     "moderation_item"},
    /* The secretariat's workspace, admins only (page_admin.c). */
    {"GET", "/{lang}/admin", aw_handle_admin, NULL, "admin"},
    {"GET", "/{lang}/admin/vocabularies", aw_handle_admin_vocab, NULL, "admin_vocab"},
    {"POST", "/{lang}/admin/vocabularies/{list}", aw_handle_admin_vocab_post, term_fields,
     "admin_vocab_list"},
    {"GET", "/{lang}/admin/vocabularies/{list}/{code}", aw_handle_admin_term, NULL, "admin_term"},
    {"POST", "/{lang}/admin/vocabularies/{list}/{code}", aw_handle_admin_term_post, term_fields,
     "admin_term"},
};

const char *
aw_url(struct aw_arena *a, const char *lang, const char *name, ...)
{
    const char *params[8];
    size_t n = 0;
    va_list ap;
    params[n++] = lang;
    va_start(ap, name);
    for (const char *p; (p = va_arg(ap, const char *)) != NULL;) {
        if (n == AW_NELEM(params)) {
            n++; /* too many: no route has them */
            break;
        }
        params[n++] = p;
    }
    va_end(ap);
    const char *path =
        n <= AW_NELEM(params) ? aw_route_path(routes, AW_NELEM(routes), a, name, params, n) : NULL;
    if (!path) {
        /* A bug (an unknown name, a missing parameter): tests/http/links.py finds it. */
        AW_ERROR("no link for route \"%s\" with %zu parameters", name, n);
        return "/";
    }
    return path;
}

const struct aw_route *
aw_app_routes(size_t *n)
{
    *n = AW_NELEM(routes);
    return routes;
}
