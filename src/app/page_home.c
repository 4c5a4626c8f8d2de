/* page_home.c: /{lang}/ — the current edition's theme, the invitation to
 * share activities, help for the visitor's country (layout) and the archive.
 * Template: templates/home.mustache. */
#include "app_int.h"

void
aw_handle_home(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_edition cur;
    struct aw_edition *eds = NULL;
    size_t n = 0;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0)
        return;
    rc = aw_store_edition_current(pg.store, pg.arena, pg.lang->code, &cur);
    if (rc == AW_OK)
        aw_view_set(pg.view, "current", aw_page_edition(&pg, &cur));
    else if (rc == AW_ENOTFOUND)
        aw_view_set_bool(pg.view, "current", false);
    else
        goto fail;
    rc = aw_store_editions(pg.store, pg.arena, pg.lang->code, &eds, &n);
    if (rc != AW_OK)
        goto fail;
    struct aw_view *list = aw_view_set_list(pg.view, "editions");
    for (size_t i = 0; i < n; i++)
        aw_view_push(list, aw_page_edition(&pg, &eds[i]));
    aw_page_render(&pg, 200, "home", _(pg.app->cfg->day_name));
    return;
fail:
    aw_page_fail(&pg, rc);
}
