/* page_country.c: /{lang}/countries/{code} — a member state: when it
 * ratified the Lanzarote Convention, its verified help services and its
 * activities across editions. Template: templates/country.mustache. */
#include "app_int.h"

#include <string.h>

/* Accepts exactly two ASCII capitals; copies them into cc. */
static int
parse_code(struct aw_str s, char cc[3])
{
    if (s.len != 2 || s.ptr[0] < 'A' || s.ptr[0] > 'Z' || s.ptr[1] < 'A' || s.ptr[1] > 'Z')
        return -1;
    cc[0] = s.ptr[0];
    cc[1] = s.ptr[1];
    cc[2] = '\0';
    return 0;
}

void
aw_handle_country(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_country c;
    struct aw_activity *acts = NULL;
    struct aw_help_service *hs = NULL;
    size_t nacts = 0, nhs = 0;
    char cc[3];
    enum aw_err rc = AW_ENOTFOUND;
    if (aw_page_begin(req, &pg) != 0)
        return;
    if (parse_code(aw_req_param(req, "code"), cc) != 0)
        goto fail;
    if ((rc = aw_store_country(pg.store, pg.arena, pg.lang->code, cc, &c)) != AW_OK ||
        (rc = aw_store_activities_by_country(pg.store, pg.arena, cc, &acts, &nacts)) != AW_OK ||
        (rc = aw_store_help_services(pg.store, pg.arena, cc, false, &hs, &nhs)) != AW_OK)
        goto fail;
    struct aw_view *cv = aw_view_set_map(pg.view, "country");
    aw_view_set_str(cv, "code", c.code);
    aw_view_set_str(cv, "name", c.name);
    aw_view_set_url(cv, "help_url", aw_page_url(&pg, "help_country", c.code, NULL));
    aw_view_set_bool(cv, "coe_member", c.coe_member);
    if (c.coe_joined_year)
        aw_view_set_int(cv, "joined", c.coe_joined_year);
    else
        aw_view_set_bool(cv, "joined", false);
    if (c.coe_left_year)
        aw_view_set_int(cv, "left", c.coe_left_year);
    else
        aw_view_set_bool(cv, "left", false);
    if (c.lanzarote_year)
        aw_view_set_int(cv, "lanzarote", c.lanzarote_year);
    else
        aw_view_set_bool(cv, "lanzarote", false);
    aw_view_set(pg.view, "help", aw_page_help_list(&pg, hs, nhs));

    aw_view_set(pg.view, "editions", aw_page_activities_by_edition(&pg, acts, nacts));
    aw_view_set_bool(pg.view, "has_activities", nacts > 0);
    aw_page_render(&pg, 200, "country", c.name);
    return;
fail:
    aw_page_fail(&pg, rc);
}
