/* page_moderation.c: /{lang}/moderation — the queue of pending submissions
 * and changes in the moderator's scope (focal points: their country only),
 * oldest first, filterable by country and edition, with counts; batch
 * approval. /{lang}/moderation/log — the audit log (admins).
 * Templates: templates/moderation.mustache, templates/moderation_log.mustache.
 * One submission: page_moderation_item.c. */
#include "app_int.h"

#include "aw/load.h"
#include "aw/log.h"

#include <string.h>

#define BATCH_MAX 100
#define LOG_PAGE 50

/* A query filter value: a known country code, or NULL. */
static const char *
country_filter(struct aw_page *pg)
{
    const char *q = aw_req_query(pg->req, "country");
    struct aw_country c;
    if (!q || strlen(q) != 2 ||
        aw_store_country(pg->store, pg->arena, pg->lang->code, q, &c) != AW_OK)
        return NULL;
    return aw_arena_strdup(pg->arena, c.code);
}

static int
year_filter(struct aw_page *pg)
{
    const char *q = aw_req_query(pg->req, "edition");
    int64_t y = 0;
    if (!q || aw_str_to_i64(aw_str_c(q), 1900, 9999, &y) != 0)
        return 0;
    return (int)y;
}

void
aw_handle_moderation(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_submission *subs = NULL;
    struct aw_edition *eds = NULL;
    size_t n = 0, neds = 0;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, AW_ROLES_ALL) != 0)
        return;
    bool focal = pg.user->role == AW_ROLE_FOCAL;
    const char *scope = focal ? pg.user->country_code : NULL;
    const char *country = focal ? scope : country_filter(&pg);
    int year = year_filter(&pg);
    if ((rc = aw_store_submissions_pending(pg.store, pg.arena, scope, year, &subs, &n)) != AW_OK ||
        (rc = aw_store_editions(pg.store, pg.arena, pg.lang->code, &eds, &neds)) != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    /* Counts per country over the whole scope; the list honours the filter. */
    struct aw_view *counts = aw_view_set_list(pg.view, "counts");
    struct aw_view *items = aw_view_set_list(pg.view, "items");
    for (size_t i = 0; i < n; i++) {
        const char *cc = subs[i].country_code[0] ? subs[i].country_code : "";
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(subs[k].country_code, subs[i].country_code) == 0;
        if (!seen) {
            size_t count = 0;
            for (size_t k = i; k < n; k++)
                count += strcmp(subs[k].country_code, subs[i].country_code) == 0;
            struct aw_view *c = aw_view_push_map(counts);
            aw_view_set_str(c, "name", *cc ? aw_page_country_name(&pg, cc) : _("No country"));
            aw_view_set_int(c, "count", (int64_t)count);
            aw_view_set_url(c, "url",
                            *cc ? aw_arena_printf(pg.arena, "%s?country=%s",
                                                  aw_page_url(&pg, "moderation", NULL), cc)
                                : aw_page_url(&pg, "moderation", NULL));
        }
        if (country && strcmp(country, cc) != 0)
            continue;
        struct aw_view *it = aw_view_push_map(items);
        aw_view_set_int(it, "id", subs[i].id);
        aw_view_set_url(it, "url",
                        aw_page_url(&pg, "moderation_item",
                                    aw_arena_printf(pg.arena, "%lld", (long long)subs[i].id),
                                    NULL));
        aw_view_set_str(it, "title", subs[i].title ? subs[i].title : "");
        aw_view_set_str(it, "org", subs[i].org_name ? subs[i].org_name : "");
        aw_view_set_str(it, "country", *cc ? aw_page_country_name(&pg, cc) : _("No country"));
        aw_view_set_int(it, "year", subs[i].edition_year);
        aw_view_set_str(it, "kind", subs[i].kind == AW_SUB_CHANGE ? _("Change") : _("New"));
        aw_view_set_str(it, "created", subs[i].created_at ? subs[i].created_at : "");
        aw_view_set_str(it, "source", subs[i].source ? subs[i].source : "");
    }
    aw_view_set_int(pg.view, "total", (int64_t)n);
    aw_view_set_bool(pg.view, "has_counts", aw_view_len(counts) > 0);
    aw_view_set_int(pg.view, "shown", (int64_t)aw_view_len(items));
    aw_view_set_bool(pg.view, "empty", aw_view_len(items) == 0);
    aw_view_set_bool(pg.view, "focal", focal);
    /* Filters. */
    struct aw_country *cs = NULL;
    size_t ncs = 0;
    struct aw_view *copts = aw_view_set_list(pg.view, "country_options");
    if (!focal && aw_store_countries(pg.store, pg.arena, pg.lang->code, &cs, &ncs) == AW_OK) {
        for (size_t i = 0; i < ncs; i++) {
            struct aw_view *o = aw_view_push_map(copts);
            aw_view_set_str(o, "value", cs[i].code);
            aw_view_set_str(o, "label", cs[i].name);
            aw_view_set_bool(o, "selected", country && strcmp(country, cs[i].code) == 0);
        }
    }
    struct aw_view *eopts = aw_view_set_list(pg.view, "edition_options");
    for (size_t i = 0; i < neds; i++) {
        struct aw_view *o = aw_view_push_map(eopts);
        aw_view_set_int(o, "value", eds[i].year);
        aw_view_set_bool(o, "selected", eds[i].year == year);
    }
    aw_view_set_url(pg.view, "action", aw_page_url(&pg, "moderation", NULL));
    aw_view_set_url(pg.view, "batch_action", aw_page_url(&pg, "moderation_approve", NULL));
    aw_view_set_url(pg.view, "log_url", aw_page_url(&pg, "moderation_log", NULL));
    aw_view_set_bool(pg.view, "is_admin", pg.user->role == AW_ROLE_ADMIN);
    aw_view_set_str(pg.view, "csrf", aw_csrf_token(&pg));
    const char *approved = aw_req_query(req, "approved");
    if (approved && aw_str_to_i64(aw_str_c(approved), 0, BATCH_MAX, &(int64_t){0}) == 0)
        aw_view_set_str(pg.view, "approved", approved);
    else
        aw_view_set_bool(pg.view, "approved", false);
    aw_view_set_bool(pg.view, "batch_error", aw_req_query(req, "batch_error") != NULL);
    aw_view_set_bool(pg.view, "rejected", aw_req_query(req, "rejected") != NULL);
    aw_resp_header(req, "Cache-Control", "no-store");
    aw_page_render(&pg, 200, "moderation", _("Moderation"));
}

/* The four safeguarding checks a moderator confirms before approving. */
bool
aw_moderation_checklist_ok(struct aw_page *pg)
{
    static const char *const checks[] = {"check_child", "check_victim", "check_explicit",
                                         "check_links"};
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
        if (!aw_str_eq_c(aw_req_form(pg->req, checks[i], 0), "yes"))
            return false;
    return true;
}

void
aw_handle_moderation_batch(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_submission subs[BATCH_MAX];
    unsigned n;
    enum aw_err rc = AW_OK;
    char err[512];
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, AW_ROLES_ALL) != 0)
        return;
    n = aw_req_form_count(req, "ids");
    const char *back = aw_page_url(&pg, "moderation", NULL);
    if (n == 0 || n > BATCH_MAX || !aw_moderation_checklist_ok(&pg)) {
        aw_resp_redirect(req, 303, aw_arena_printf(pg.arena, "%s?batch_error=1", back));
        return;
    }
    /* All or nothing: every item must exist, be pending and be in scope.
     * The same id twice counts once. */
    unsigned kept = 0;
    for (unsigned i = 0; i < n; i++) {
        int64_t id;
        bool dup = false;
        if (aw_str_to_i64(aw_req_form(req, "ids", i), 1, INT64_MAX, &id) != 0 ||
            aw_store_submission(pg.store, pg.arena, id, &subs[kept]) != AW_OK ||
            subs[kept].status != AW_SUB_PENDING) {
            aw_resp_redirect(req, 303, aw_arena_printf(pg.arena, "%s?batch_error=1", back));
            return;
        }
        if (!aw_user_may_country(pg.user, subs[kept].country_code)) {
            (void)aw_page_record(&pg, "denied",
                                 aw_arena_printf(pg.arena, "submission:%lld", (long long)id),
                                 "batch approve outside scope");
            aw_resp_error(req, 403);
            return;
        }
        for (unsigned k = 0; k < kept && !dup; k++)
            dup = subs[k].id == id;
        kept += dup ? 0 : 1;
    }
    n = kept;
    /* One command for the batch: all are published, or none. */
    struct aw_cmd cmd = aw_page_cmd(&pg);
    if ((rc = aw_cmd_approve(&cmd, subs, n, err, sizeof(err))) != AW_OK) {
        AW_ERROR("approving a batch of %u: %s", n, err);
        if (rc != AW_EINVAL) {
            aw_page_fail(&pg, rc); /* 503: nothing was published, try again later */
            return;
        }
        aw_resp_redirect(req, 303, aw_arena_printf(pg.arena, "%s?batch_error=1", back));
        return;
    }
    aw_resp_redirect(req, 303, aw_arena_printf(pg.arena, "%s?approved=%u", back, n));
}

void
aw_handle_moderation_log(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_audit_entry *e = NULL;
    size_t n = 0;
    int64_t page = 1;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, 1u << AW_ROLE_ADMIN) != 0)
        return;
    const char *q = aw_req_query(req, "page");
    if (q && aw_str_to_i64(aw_str_c(q), 1, 1000000, &page) != 0)
        page = 1;
    /* One more than a page tells whether there is a next page. */
    if ((rc = aw_store_audit_list(pg.store, pg.arena, LOG_PAGE + 1, (size_t)(page - 1) * LOG_PAGE,
                                  &e, &n)) != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    struct aw_view *list = aw_view_set_list(pg.view, "entries");
    for (size_t i = 0; i < n && i < LOG_PAGE; i++) {
        struct aw_view *v = aw_view_push_map(list);
        aw_view_set_str(v, "at", e[i].at);
        aw_view_set_str(v, "actor", e[i].actor);
        aw_view_set_str(v, "action", e[i].action);
        aw_view_set_str(v, "object", e[i].object ? e[i].object : "");
        aw_view_set_str(v, "detail", e[i].detail ? e[i].detail : "");
        aw_view_set_str(v, "ip", e[i].ip ? e[i].ip : "");
    }
    const char *base = aw_page_url(&pg, "moderation_log", NULL);
    if (n > LOG_PAGE)
        aw_view_set_url(pg.view, "next",
                        aw_arena_printf(pg.arena, "%s?page=%lld", base, (long long)page + 1));
    else
        aw_view_set_bool(pg.view, "next", false);
    if (page > 1)
        aw_view_set_url(pg.view, "prev",
                        aw_arena_printf(pg.arena, "%s?page=%lld", base, (long long)page - 1));
    else
        aw_view_set_bool(pg.view, "prev", false);
    aw_view_set_int(pg.view, "page", page);
    aw_resp_header(req, "Cache-Control", "no-store");
    aw_page_render(&pg, 200, "moderation_log", _("Audit log"));
}
