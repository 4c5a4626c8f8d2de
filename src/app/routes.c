/* routes.c: every URL of the site and the handler that answers it. One row
 * per route; the handler lives in src/app/page_<name>.c and renders
 * templates/<name>.mustache. Static files (/static/...) are served by the
 * HTTP layer. */
#include "app_int.h"

static void
lang_root(struct aw_req *req)
{
    struct aw_str lc = aw_req_param(req, "lang");
    if (!aw_i18n_find(lc.ptr, lc.len)) {
        aw_resp_error(req, 404);
        return;
    }
    char loc[8] = {'/', lc.ptr[0], lc.ptr[1], '/', '\0'};
    aw_resp_redirect(req, 301, loc);
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

static const struct aw_route routes[] = {
    {"GET", "/", aw_handle_root, NULL},
    {"GET", "/{lang}", lang_root, NULL},
    {"GET", "/{lang}/", aw_handle_home, NULL},
    {"GET", "/{lang}/editions", aw_handle_editions, NULL},
    {"GET", "/{lang}/editions/{year}", aw_handle_edition, NULL},
    {"GET", "/{lang}/activities/{id}", aw_handle_activity, NULL},
    {"GET", "/{lang}/countries/{code}", aw_handle_country, NULL},
    {"GET", "/{lang}/organisations/{id}", aw_handle_organisation, NULL},
    {"GET", "/{lang}/help", aw_handle_help, NULL},
    {"GET", "/{lang}/help/{code}", aw_handle_help_country, NULL},
    /* Partners share activities without an account (page_share.c, page_submission.c). */
    {"GET", "/{lang}/share", aw_handle_share, NULL},
    {"POST", "/{lang}/share", aw_handle_share_post, aw_form_share_fields},
    {"GET", "/{lang}/submissions/{token}", aw_handle_submission, NULL},
    {"POST", "/{lang}/submissions/{token}", aw_handle_submission_post, aw_form_change_fields},
    {"POST", "/{lang}/submissions/{token}/withdraw", aw_handle_submission_withdraw, csrf_only},
    /* Moderators (page_login.c, page_moderation.c, page_moderation_item.c). */
    {"GET", "/{lang}/login", aw_handle_login, NULL},
    {"POST", "/{lang}/login", aw_handle_login_post, login_fields},
    {"POST", "/{lang}/logout", aw_handle_logout, csrf_only},
    {"GET", "/{lang}/moderation", aw_handle_moderation, NULL},
    {"POST", "/{lang}/moderation/approve", aw_handle_moderation_batch, batch_fields},
    {"GET", "/{lang}/moderation/log", aw_handle_moderation_log, NULL},
    {"GET", "/{lang}/moderation/{id}", aw_handle_moderation_item, NULL},
    {"POST", "/{lang}/moderation/{id}", aw_handle_moderation_item_post, aw_form_moderation_fields},
};

const struct aw_route *
aw_app_routes(size_t *n)
{
    *n = AW_NELEM(routes);
    return routes;
}
