/* page_organisation.c: /{lang}/organisations/{id}-{slug} — a partner and
 * everything it shared, newest edition first.
 * Template: templates/organisation.mustache. */
#include "app_int.h"

#include <string.h>

void
aw_handle_organisation(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_org org;
    struct aw_activity *acts = NULL;
    size_t n = 0;
    int64_t id;
    enum aw_err rc = AW_ENOTFOUND;
    if (aw_page_begin(req, &pg) != 0)
        return;
    struct aw_str seg = aw_req_param(req, "id");
    if (aw_page_parse_id(seg, &id) != 0)
        goto fail;
    if ((rc = aw_store_org(pg.store, pg.arena, id, &org)) != AW_OK ||
        (rc = aw_store_activities_by_org(pg.store, pg.arena, id, &acts, &n)) != AW_OK)
        goto fail;
    struct aw_view *ov = aw_page_org(&pg, &org);
    const char *canonical = aw_view_as_str(aw_view_get(ov, "url", 3), NULL);
    if (!aw_str_eq_c(seg, strrchr(canonical, '/') + 1)) {
        aw_resp_redirect(req, 301, canonical);
        return;
    }
    aw_view_set(pg.view, "org", ov);
    aw_view_set(pg.view, "editions", aw_page_activities_by_edition(&pg, acts, n));
    aw_view_set_bool(pg.view, "has_activities", n > 0);
    aw_page_render(&pg, 200, "organisation", org.name);
    return;
fail:
    aw_page_fail(&pg, rc);
}
