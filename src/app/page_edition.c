/* page_edition.c: /{lang}/editions/{year} — one edition as the secretariat
 * publishes it: theme, tools, joint statement, member states' activities by
 * country (alphabetical in the page language), other partners, Council of
 * Europe bodies and officials, related documents.
 * Template: templates/edition.mustache. */
#include "app_int.h"

#include <stdlib.h>
#include <string.h>

/* Where an activity or statement is listed on the edition page. */
enum section { SEC_COUNTRY, SEC_OTHER, SEC_COE };

static enum section
section_of(struct aw_page *pg, const struct aw_org *org, const char *country)
{
    if (country)
        return SEC_COUNTRY;
    /* the kinds of partner the vocabulary marks as the organiser's */
    const struct aw_term *t = aw_vocab_find(aw_page_vocab(pg), AW_VOCAB_ORG_KIND, org->kind);
    return t && t->organiser ? SEC_COE : SEC_OTHER;
}

static struct aw_view *
statement_view(struct aw_page *pg, const struct aw_statement *s)
{
    struct aw_view *v = aw_view_map(pg->arena);
    if (s->speaker)
        aw_view_set_str(v, "speaker", s->speaker);
    else
        aw_view_set_bool(v, "speaker", false);
    if (s->speaker_role)
        aw_view_set_str(v, "role", s->speaker_role);
    else
        aw_view_set_bool(v, "role", false);
    aw_view_set(v, "org", aw_page_org(pg, &s->org));
    aw_view_set_html(v, "summary",
                     aw_html_markdown(pg->arena, s->summary ? s->summary : "",
                                      s->summary ? strlen(s->summary) : 0));
    if (s->url && aw_html_url_ok(s->url, strlen(s->url)))
        aw_view_set_url(v, "url", s->url);
    else
        aw_view_set_bool(v, "url", false);
    return v;
}

/* A country group of the member-states section, found or appended. */
struct group {
    const char *code;
    const char *name;
    struct aw_view *activities;
    struct aw_view *statements;
};

static struct group *
group_for(struct aw_page *pg, struct group *groups, size_t *ng, const char *code)
{
    for (size_t i = 0; i < *ng; i++)
        if (strcmp(groups[i].code, code) == 0)
            return &groups[i];
    struct group *g = &groups[(*ng)++];
    g->code = code;
    g->name = aw_page_country_name(pg, code);
    g->activities = aw_view_list(pg->arena);
    g->statements = aw_view_list(pg->arena);
    return g;
}

/* qsort has no context argument: the page being sorted, per thread. */
static __thread struct aw_page *tls_sort_page;

static int
cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    return aw_page_collate(tls_sort_page, x->name, y->name);
}

void
aw_handle_edition(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_edition ed;
    struct aw_tool *tools = NULL;
    struct aw_activity *acts = NULL;
    struct aw_statement *stmts = NULL;
    struct aw_document *docs = NULL;
    size_t ntools = 0, nacts = 0, nstmts = 0, ndocs = 0;
    int64_t year;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0)
        return;
    if (aw_str_to_i64(aw_req_param(req, "year"), 1900, 9999, &year) != 0) {
        rc = AW_ENOTFOUND;
        goto fail;
    }
    if ((rc = aw_store_edition(pg.store, pg.arena, pg.lang->code, (int)year, &ed)) != AW_OK ||
        (rc = aw_store_tools(pg.store, pg.arena, (int)year, &tools, &ntools)) != AW_OK ||
        (rc = aw_store_activities_by_edition(pg.store, pg.arena, (int)year, &acts, &nacts)) !=
            AW_OK ||
        (rc = aw_store_statements(pg.store, pg.arena, (int)year, &stmts, &nstmts)) != AW_OK ||
        (rc = aw_store_documents(pg.store, pg.arena, (int)year, &docs, &ndocs)) != AW_OK)
        goto fail;

    aw_view_set(pg.view, "edition", aw_page_edition(&pg, &ed));

    struct aw_view *tl = aw_view_set_list(pg.view, "tools");
    for (size_t i = 0; i < ntools; i++) {
        struct aw_view *t = aw_view_push_map(tl);
        const char **langs = aw_arena_calloc(pg.arena, tools[i].languages_n + 1, sizeof(char *));
        for (size_t k = 0; k < tools[i].languages_n; k++)
            langs[k] = aw_label_language(tools[i].languages[k]);
        aw_view_set_str(t, "title", tools[i].title);
        aw_view_set_str(t, "kind", aw_page_term(&pg, AW_VOCAB_TOOL_KIND, tools[i].kind));
        aw_view_set_html(t, "description",
                         aw_html_markdown(pg.arena,
                                          tools[i].description ? tools[i].description : "",
                                          tools[i].description ? strlen(tools[i].description) : 0));
        if (tools[i].url && aw_html_url_ok(tools[i].url, strlen(tools[i].url)))
            aw_view_set_url(t, "url", tools[i].url);
        else
            aw_view_set_bool(t, "url", false);
        aw_view_set_str(t, "languages", aw_page_join_names(&pg, langs, tools[i].languages_n));
    }
    aw_view_set_bool(pg.view, "has_tools", ntools > 0);

    /* Group activities and statements by section and country. */
    struct group *groups = aw_arena_calloc(pg.arena, nacts + nstmts + 1, sizeof(*groups));
    size_t ng = 0;
    struct aw_view *other_acts = aw_view_list(pg.arena), *coe_acts = aw_view_list(pg.arena);
    struct aw_view *other_stmts = aw_view_list(pg.arena), *coe_stmts = aw_view_list(pg.arena);
    for (size_t i = 0; i < nacts; i++) {
        struct aw_view *av = aw_page_activity(&pg, &acts[i]);
        switch (section_of(&pg, &acts[i].org, acts[i].country_code)) {
        case SEC_COUNTRY:
            aw_view_push(group_for(&pg, groups, &ng, acts[i].country_code)->activities, av);
            break;
        case SEC_OTHER:
            aw_view_push(other_acts, av);
            break;
        case SEC_COE:
            aw_view_push(coe_acts, av);
            break;
        }
    }
    for (size_t i = 0; i < nstmts; i++) {
        struct aw_view *sv = statement_view(&pg, &stmts[i]);
        switch (section_of(&pg, &stmts[i].org, stmts[i].org.country_code)) {
        case SEC_COUNTRY:
            aw_view_push(group_for(&pg, groups, &ng, stmts[i].org.country_code)->statements, sv);
            break;
        case SEC_OTHER:
            aw_view_push(other_stmts, sv);
            break;
        case SEC_COE:
            aw_view_push(coe_stmts, sv);
            break;
        }
    }
    tls_sort_page = &pg;
    qsort(groups, ng, sizeof(*groups), cmp_group);
    struct aw_view *cl = aw_view_set_list(pg.view, "countries");
    for (size_t i = 0; i < ng; i++) {
        struct aw_view *c = aw_view_push_map(cl);
        aw_view_set_str(c, "code", groups[i].code);
        aw_view_set_str(c, "name", groups[i].name);
        aw_view_set_url(c, "url", aw_page_url(&pg, "country", groups[i].code, NULL));
        aw_view_set(c, "activities", groups[i].activities);
        aw_view_set(c, "statements", groups[i].statements);
    }
    aw_view_set_bool(pg.view, "has_countries", ng > 0);
    aw_view_set(pg.view, "other_activities", other_acts);
    aw_view_set(pg.view, "other_statements", other_stmts);
    aw_view_set_bool(pg.view, "has_other", aw_view_len(other_acts) + aw_view_len(other_stmts) > 0);
    aw_view_set_bool(pg.view, "has_other_activities", aw_view_len(other_acts) > 0);
    aw_view_set_bool(pg.view, "has_other_statements", aw_view_len(other_stmts) > 0);
    aw_view_set_bool(pg.view, "has_coe_activities", aw_view_len(coe_acts) > 0);
    aw_view_set_bool(pg.view, "has_coe_statements", aw_view_len(coe_stmts) > 0);
    aw_view_set(pg.view, "coe_activities", coe_acts);
    aw_view_set(pg.view, "coe_statements", coe_stmts);
    aw_view_set_bool(pg.view, "has_coe", aw_view_len(coe_acts) + aw_view_len(coe_stmts) > 0);
    /* "nothing recorded" only when nothing is: other sections may list what there is */
    aw_view_set_bool(pg.view, "has_elsewhere",
                     aw_view_len(other_acts) + aw_view_len(other_stmts) + aw_view_len(coe_acts) +
                             aw_view_len(coe_stmts) >
                         0);

    struct aw_view *dl = aw_view_set_list(pg.view, "documents");
    for (size_t i = 0; i < ndocs; i++) {
        struct aw_view *d = aw_view_push_map(dl);
        aw_view_set_str(d, "title", docs[i].title);
        aw_view_set(d, "org", aw_page_org(&pg, &docs[i].org));
        const char *date = aw_page_date_range(&pg, docs[i].date, NULL);
        if (date) {
            aw_view_set_str(d, "date", date);
            aw_view_set_str(d, "iso_date", docs[i].date);
        } else {
            aw_view_set_bool(d, "date", false);
        }
        if (docs[i].url && aw_html_url_ok(docs[i].url, strlen(docs[i].url)))
            aw_view_set_url(d, "url", docs[i].url);
        else
            aw_view_set_bool(d, "url", false);
    }
    aw_view_set_bool(pg.view, "has_documents", ndocs > 0);

    const char *title = ed.theme ? aw_arena_printf(pg.arena, _("%d edition: %s"), ed.year, ed.theme)
                                 : aw_arena_printf(pg.arena, _("%d edition"), ed.year);
    aw_page_render(&pg, 200, "edition", title);
    return;
fail:
    aw_page_fail(&pg, rc);
}
