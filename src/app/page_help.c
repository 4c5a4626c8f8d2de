/* page_help.c: /{lang}/help — verified places to report abuse material and
 * to get help, per country; /{lang}/help?country=CC remembers the visitor's
 * country in a cookie; /{lang}/help/{code} — one country.
 * Templates: templates/help.mustache, templates/help_country.mustache. */
#include "app_int.h"

#include <stdlib.h>
#include <string.h>

#define COUNTRY_COOKIE_AGE (365L * 24 * 3600)

static __thread struct aw_page *tls_sort_page;

static int
cmp_country(const void *a, const void *b)
{
    const struct aw_country *x = a, *y = b;
    return aw_page_collate(tls_sort_page, x->name, y->name);
}

/* A valid, known country code from the query, or NULL. */
static const char *
chosen_country(struct aw_page *pg)
{
    const char *q = aw_req_query(pg->req, "country");
    struct aw_country c;
    if (!q || strlen(q) != 2 || q[0] < 'A' || q[0] > 'Z' || q[1] < 'A' || q[1] > 'Z')
        return NULL;
    if (aw_store_country(pg->store, pg->arena, pg->lang->code, q, &c) != AW_OK)
        return NULL;
    return aw_arena_strdup(pg->arena, c.code);
}

void
aw_handle_help(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_country *countries = NULL;
    struct aw_help_service *hs = NULL;
    size_t nc = 0, nhs = 0;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0)
        return;
    if (aw_req_query(req, "country")) {
        const char *cc = chosen_country(&pg);
        if (!cc) {
            aw_resp_error(req, 400);
            return;
        }
        aw_resp_cookie(req, "country", cc, COUNTRY_COOKIE_AGE);
        aw_resp_redirect(req, 303, aw_page_url(&pg, "help_country", cc, NULL));
        return;
    }
    if ((rc = aw_store_countries(pg.store, pg.arena, pg.lang->code, &countries, &nc)) != AW_OK ||
        (rc = aw_store_help_services(pg.store, pg.arena, NULL, false, &hs, &nhs)) != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    tls_sort_page = &pg;
    qsort(countries, nc, sizeof(*countries), cmp_country);
    struct aw_view *list = aw_view_set_list(pg.view, "countries");
    size_t without = 0;
    for (size_t i = 0; i < nc; i++) {
        size_t first = nhs, count = 0;
        for (size_t k = 0; k < nhs; k++)
            if (strcmp(hs[k].country_code, countries[i].code) == 0) {
                if (first == nhs)
                    first = k;
                count++;
            }
        if (count == 0) {
            without += countries[i].coe_member;
            continue;
        }
        /* The store orders by country, so a country's services are contiguous. */
        struct aw_view *c = aw_view_push_map(list);
        aw_view_set_str(c, "code", countries[i].code);
        aw_view_set_str(c, "name", countries[i].name);
        aw_view_set_url(c, "url", aw_page_url(&pg, "help_country", countries[i].code, NULL));
        aw_view_set(c, "groups", aw_page_help_list(&pg, &hs[first], count));
    }
    if (without)
        aw_view_set_int(pg.view, "without_count", (int64_t)without);
    else
        aw_view_set_bool(pg.view, "without_count", false);
    aw_page_render(&pg, 200, "help", _("Get help and report abuse"));
}

void
aw_handle_help_country(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_country c;
    struct aw_help_service *hs = NULL;
    size_t nhs = 0;
    char cc[3] = {0};
    enum aw_err rc = AW_ENOTFOUND;
    if (aw_page_begin(req, &pg) != 0)
        return;
    struct aw_str code = aw_req_param(req, "code");
    if (code.len != 2)
        goto fail;
    memcpy(cc, code.ptr, 2);
    if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
        goto fail;
    if ((rc = aw_store_country(pg.store, pg.arena, pg.lang->code, cc, &c)) != AW_OK ||
        (rc = aw_store_help_services(pg.store, pg.arena, cc, false, &hs, &nhs)) != AW_OK)
        goto fail;
    struct aw_view *cv = aw_view_set_map(pg.view, "country");
    aw_view_set_str(cv, "code", c.code);
    aw_view_set_str(cv, "name", c.name);
    aw_view_set_url(cv, "url", aw_page_url(&pg, "country", c.code, NULL));
    aw_view_set(pg.view, "groups", aw_page_help_list(&pg, hs, nhs));
    aw_view_set_bool(pg.view, "has_services", nhs > 0);
    aw_page_render(&pg, 200, "help_country",
                   aw_arena_printf(pg.arena, _("Get help in %s"), c.name));
    return;
fail:
    aw_page_fail(&pg, rc);
}
