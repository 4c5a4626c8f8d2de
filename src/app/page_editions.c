/* page_editions.c: /{lang}/editions — every edition, newest first, with its
 * number and theme. Template: templates/editions.mustache. */
#include "app_int.h"

void
aw_handle_editions(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_edition *eds = NULL;
    size_t n = 0;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0)
        return;
    rc = aw_store_editions(pg.store, pg.arena, pg.lang->code, &eds, &n);
    if (rc != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    struct aw_view *list = aw_view_set_list(pg.view, "editions");
    for (size_t i = 0; i < n; i++)
        aw_view_push(list, aw_page_edition(&pg, &eds[i]));
    aw_page_render(&pg, 200, "editions", _("All editions"));
}
