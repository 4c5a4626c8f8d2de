/* page_activity.c: /{lang}/activities/{id}-{slug} — one activity: who, what,
 * when, where, for whom, links. An outdated slug redirects to the current
 * one. Template: templates/activity.mustache. */
#include "app_int.h"

#include <string.h>

void
aw_handle_activity(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_activity act;
    int64_t id;
    enum aw_err rc = AW_ENOTFOUND;
    if (aw_page_begin(req, &pg) != 0)
        return;
    struct aw_str seg = aw_req_param(req, "id");
    if (aw_page_parse_id(seg, &id) != 0)
        goto fail;
    if ((rc = aw_store_activity(pg.store, pg.arena, id, &act)) != AW_OK)
        goto fail;
    struct aw_view *v = aw_page_activity(&pg, &act);
    const char *canonical = aw_view_as_str(aw_view_get(v, "url", 3), NULL);
    const char *tail = strrchr(canonical, '/') + 1;
    if (!aw_str_eq_c(seg, tail)) {
        aw_resp_redirect(req, 301, canonical);
        return;
    }
    aw_view_set(pg.view, "activity", v);
    aw_page_render(&pg, 200, "activity", act.title);
    return;
fail:
    aw_page_fail(&pg, rc);
}
