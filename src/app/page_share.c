/* page_share.c: /{lang}/share — partners share an activity for the current
 * edition, without an account. GET shows the form; POST validates it (every
 * field, one message each, everything typed kept), checks CSRF, the honeypot,
 * the per-address rate limit and near-duplicate titles, then stores a pending
 * submission with a private link (its token kept only as a hash), e-mails the
 * link and redirects to it. Template: templates/share.mustache. */
#include "app_int.h"

#include "aw/load.h"
#include "aw/log.h"

#include <string.h>

/* Fills the page view shared by GET and a POST with errors. */
static void
form_page(struct aw_page *pg, struct aw_form *form, const struct aw_edition *ed)
{
    aw_view_set(pg->view, "edition", aw_page_edition(pg, ed));
    aw_view_set(pg->view, "form", aw_form_view(pg, form));
    aw_view_set_str(pg->view, "csrf", aw_csrf_token(pg));
    aw_view_set_url(pg->view, "action", aw_page_url(pg, "share", NULL));
}

/* share_per_hour counts the POSTs of the last hour. */
#define SHARE_WINDOW_S 3600

int
aw_page_share_quota(struct aw_page *pg)
{
    struct aw_rate rate;
    int64_t limit = pg->app->cfg->share_per_hour;
    const char *key = aw_arena_printf(pg->arena, "share:%s", aw_req_client_addr(pg->req));
    enum aw_err rc = aw_store_rate_hit(pg->store, key, SHARE_WINDOW_S, limit, aw_now(), &rate);
    if (rc != AW_OK) {
        aw_page_fail(pg, rc);
        return -1;
    }
    if (!rate.allowed) {
        aw_resp_header(pg->req, "Retry-After",
                       aw_arena_printf(pg->arena, "%lld", (long long)rate.retry_after));
        /* The form comes back as typed, with the notice (layout.mustache). */
        struct aw_view *l = aw_view_set_map(pg->view, "limited");
        aw_view_set_int(l, "limit", limit);
        aw_view_set_str(l, "wait", aw_page_wait_text(pg, rate.retry_after));
        aw_page_reshow(pg, 429);
        return -1;
    }
    return 0;
}

void
aw_handle_share(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_edition ed;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0)
        return;
    if ((rc = aw_store_edition_current(pg.store, pg.arena, pg.lang->code, &ed)) != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    form_page(&pg, aw_form_empty(&pg, true), &ed);
    aw_view_set_bool(pg.view, "duplicate", false);
    aw_page_render(&pg, 200, "share", _("Share an activity"));
}

/* What aw_page_fail() needs to show the share form again, as typed, when
 * the store cannot take it (pg->reshow). */
struct share_reshow {
    struct aw_form *form;
    const struct aw_edition *ed;
};

static void
share_reshow(struct aw_page *pg, int status)
{
    const struct share_reshow *r = pg->reshow_ctx;
    form_page(pg, r->form, r->ed);
    aw_view_set_bool(pg->view, "duplicate", false);
    aw_page_render(pg, status, "share", _("Share an activity"));
}

/* The private link's page for a share token. */
static const char *
private_path(struct aw_page *pg, const char *token)
{
    return aw_page_url(pg, "submission", token, NULL);
}

void
aw_handle_share_post(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_edition ed;
    enum aw_err rc;
    char err[512];
    if (aw_page_begin(req, &pg) != 0)
        return;
    if ((rc = aw_store_edition_current(pg.store, pg.arena, pg.lang->code, &ed)) != AW_OK)
        goto fail;
    /* From here on, a store that cannot take writes (even the quota's
     * counter) gives the form back as typed, with 503. */
    struct aw_form *form = aw_form_from_request(&pg, true);
    struct share_reshow again = {form, &ed};
    pg.reshow = share_reshow;
    pg.reshow_ctx = &again;
    if (aw_page_share_quota(&pg) != 0)
        return;
    bool ok = aw_form_validate(&pg, form);
    if (ok && aw_form_honeypot(form)) {
        /* A robot filled the hidden field: answer as if all went well, keep nothing. */
        (void)aw_page_record(&pg, "spam", "share", "honeypot field filled");
        aw_page_render(&pg, 200, "share_sent", _("Thank you"));
        return;
    }
    const char *payload = ok ? aw_form_payload(&pg, form) : NULL;
    if (ok && aw_load_check_payload(pg.store, payload, ed.year, err, sizeof(err)) != AW_OK) {
        AW_WARN("a form that passed validation failed the payload check: %s", err);
        ok = false;
    }
    /* Near-duplicate title for the same organisation: warn once, let the
     * person confirm. */
    bool dup = false;
    int64_t dup_id = 0;
    bool confirmed = aw_str_eq_c(aw_req_form(req, "confirm_duplicate", 0), "yes");
    if (ok && aw_form_org_id(form) && !confirmed) {
        if ((rc = aw_store_activity_similar(pg.store, aw_form_org_id(form), ed.year,
                                            aw_form_value(form, "title"), &dup, &dup_id)) != AW_OK)
            goto fail;
    }
    if (!ok || dup) {
        form_page(&pg, form, &ed);
        if (dup) {
            struct aw_view *d = aw_view_set_map(pg.view, "duplicate");
            if (dup_id)
                aw_view_set_url(d, "url",
                                aw_page_url(&pg, "activity",
                                            aw_arena_printf(pg.arena, "%lld", (long long)dup_id),
                                            NULL));
            else
                aw_view_set_bool(d, "url", false);
        } else {
            aw_view_set_bool(pg.view, "duplicate", false);
        }
        aw_page_render(&pg, ok ? 200 : 422, "share",
                       ok ? _("Share an activity") : _("Share an activity: please check the form"));
        return;
    }
    /* The share (private token as a hash), its first version, the audit
     * entry and the mails: one command (cmd_share.c). */
    char *token = aw_auth_random_hex(pg.arena);
    struct aw_share_draft d = {
        .token_hash = aw_auth_hash_hex(pg.arena, token),
        .contact_name = aw_form_value(form, "contact_name"),
        .contact_email = aw_form_value(form, "contact_email"),
        .private_url = aw_page_abs_url(&pg, private_path(&pg, token)),
        .sub =
            {
                .kind = AW_SUB_NEW,
                .edition_year = ed.year,
                .title = aw_form_value(form, "title"),
                .org_name = aw_form_org_name(&pg, form),
                .payload = payload,
                .source = "form",
            },
    };
    const char *cc = aw_form_country(&pg, form);
    memcpy(d.sub.country_code, cc, strlen(cc) == 2 ? 3 : 1);
    struct aw_cmd cmd = aw_page_cmd(&pg);
    if ((rc = aw_cmd_share(&cmd, &d, NULL)) != AW_OK)
        goto fail;
    aw_resp_redirect(req, 303, aw_arena_printf(pg.arena, "%s?sent=1", private_path(&pg, token)));
    return;
fail:
    aw_page_fail(&pg, rc);
}
