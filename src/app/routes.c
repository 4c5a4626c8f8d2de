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
};

const struct aw_route *
aw_app_routes(size_t *n)
{
    *n = AW_NELEM(routes);
    return routes;
}
