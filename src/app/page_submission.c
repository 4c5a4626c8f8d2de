/* page_submission.c: /{lang}/submissions/{token} — the partner's private
 * link: the state of their activity (waiting, published, rejected with the
 * reason), the form to change it (a change goes back to moderation; the
 * published version stays until the change is approved), and withdrawal.
 * The token is looked up by its hash. Template: templates/submission.mustache. */
#include "app_int.h"

#include "aw/load.h"
#include "aw/log.h"

#include <string.h>

/* Resolves {token} to its share; answers 404 itself when unknown. */
static int
load_share(struct aw_page *pg, struct aw_share *share, const char **token)
{
    struct aw_str t = aw_req_param(pg->req, "token");
    char *tok = aw_arena_strndup(pg->arena, t.ptr ? t.ptr : "", t.len);
    if (!aw_auth_token_shape(tok) ||
        aw_store_share_by_token(pg->store, pg->arena, aw_auth_hash_hex(pg->arena, tok), share) !=
            AW_OK) {
        aw_resp_error(pg->req, 404);
        return -1;
    }
    *token = tok;
    return 0;
}

static const char *
status_text(const struct aw_submission *s)
{
    switch (s->status) {
    case AW_SUB_PENDING:
        return s->kind == AW_SUB_CHANGE ? _("Your change waits to be checked. The published "
                                            "version stays online until the change is approved.")
                                        : _("Your activity waits to be checked before it is "
                                            "published.");
    case AW_SUB_APPROVED:
        return _("Published.");
    case AW_SUB_REJECTED:
        return _("Not published.");
    case AW_SUB_SUPERSEDED:
        return _("Replaced by a later version.");
    case AW_SUB_CANCELLED:
        return _("Withdrawn.");
    }
    return "";
}

static void
render(struct aw_page *pg, const struct aw_share *share, const char *token, struct aw_form *form,
       int status)
{
    struct aw_submission *subs = NULL;
    size_t n = 0;
    enum aw_err rc = aw_store_submissions_by_share(pg->store, pg->arena, share->id, &subs, &n);
    if (rc != AW_OK) {
        aw_page_fail(pg, rc);
        return;
    }
    const char *base = aw_page_url(pg, "submission", token, NULL);
    aw_view_set_url(pg->view, "action", base);
    aw_view_set_url(pg->view, "withdraw_action", aw_arena_printf(pg->arena, "%s/withdraw", base));
    aw_view_set_str(pg->view, "csrf", aw_csrf_token(pg));
    aw_view_set_bool(pg->view, "sent", aw_req_query(pg->req, "sent") != NULL);
    aw_view_set_bool(pg->view, "changed", aw_req_query(pg->req, "changed") != NULL);
    struct aw_activity act;
    bool published = share->activity_id &&
                     aw_store_activity(pg->store, pg->arena, share->activity_id, &act) == AW_OK;
    /* Once published, then withdrawn: the activity is hidden for good. */
    bool withdrawn = share->activity_id && !published;
    if (n > 0) {
        struct aw_view *latest = aw_view_set_map(pg->view, "latest");
        aw_view_set_str(latest, "title", subs[0].title);
        aw_view_set_str(latest, "status", withdrawn ? _("Withdrawn.") : status_text(&subs[0]));
        aw_view_set_str(latest, "status_code", aw_sub_status_str(subs[0].status));
        if (subs[0].reason)
            aw_view_set_str(latest, "reason", subs[0].reason);
        else
            aw_view_set_bool(latest, "reason", false);
        if (!form)
            form = aw_form_from_payload(pg, subs[0].payload, subs[0].edition_year, false);
    } else {
        aw_view_set_bool(pg->view, "latest", false);
    }
    /* What waits to be checked, as the public pages will show it once approved (the
     * stored version, also when the change just sent was refused). */
    if (n > 0 && !withdrawn && subs[0].status == AW_SUB_PENDING) {
        struct aw_activity prop;
        aw_form_payload_activity(pg, subs[0].payload, subs[0].edition_year, &prop);
        aw_view_set(pg->view, "preview", aw_page_preview(pg, &prop));
    } else {
        aw_view_set_bool(pg->view, "preview", false);
    }
    if (published)
        aw_view_set(pg->view, "published", aw_page_activity(pg, &act));
    else
        aw_view_set_bool(pg->view, "published", false);
    bool withdrawable = published || (n > 0 && subs[0].status == AW_SUB_PENDING);
    aw_view_set_bool(pg->view, "withdrawable", withdrawable);
    aw_view_set(pg->view, "form", aw_form_view(pg, form ? form : aw_form_empty(pg, false)));
    aw_view_set_bool(pg->view, "can_change", n > 0 && !withdrawn);
    aw_page_render(pg, status, "submission", _("Your shared activity"));
}

void
aw_handle_submission(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_share share;
    const char *token;
    if (aw_page_begin(req, &pg) != 0 || load_share(&pg, &share, &token) != 0)
        return;
    aw_resp_header(req, "Cache-Control", "no-store");
    render(&pg, &share, token, NULL, 200);
}

/* What aw_page_fail() needs to show the change form again, as typed. */
struct change_reshow {
    const struct aw_share *share;
    const char *token;
    struct aw_form *form;
};

static void
change_reshow(struct aw_page *pg, int status)
{
    const struct change_reshow *r = pg->reshow_ctx;
    aw_resp_header(pg->req, "Cache-Control", "no-store");
    render(pg, r->share, r->token, r->form, status);
}

void
aw_handle_submission_post(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_share share;
    struct aw_submission *subs = NULL;
    size_t n = 0;
    const char *token;
    enum aw_err rc;
    char err[512];
    if (aw_page_begin(req, &pg) != 0 || load_share(&pg, &share, &token) != 0)
        return;
    /* A store that cannot take the change gives the form back as typed (503). */
    struct aw_form *form = aw_form_from_request(&pg, false);
    struct change_reshow again = {&share, token, form};
    pg.reshow = change_reshow;
    pg.reshow_ctx = &again;
    if (aw_page_share_quota(&pg) != 0)
        return;
    if ((rc = aw_store_submissions_by_share(pg.store, pg.arena, share.id, &subs, &n)) != AW_OK)
        goto fail;
    if (n == 0) {
        rc = AW_ENOTFOUND;
        goto fail;
    }
    struct aw_activity act;
    if (share.activity_id &&
        aw_store_activity(pg.store, pg.arena, share.activity_id, &act) == AW_ENOTFOUND) {
        /* Withdrawn: a change would publish it again behind the partner's back. */
        render(&pg, &share, token, NULL, 409);
        return;
    }
    bool ok = aw_form_validate(&pg, form);
    const char *payload = ok ? aw_form_payload(&pg, form) : NULL;
    if (ok &&
        aw_load_check_payload(pg.store, payload, subs[0].edition_year, err, sizeof(err)) != AW_OK) {
        AW_WARN("a form that passed validation failed the payload check: %s", err);
        ok = false;
    }
    if (!ok) {
        aw_resp_header(req, "Cache-Control", "no-store");
        render(&pg, &share, token, form, 422);
        return;
    }
    struct aw_submission sub = {
        .edition_year = subs[0].edition_year,
        .title = aw_form_value(form, "title"),
        .org_name = aw_form_org_name(&pg, form),
        .payload = payload,
        .source = "form",
    };
    const char *cc = aw_form_country(&pg, form);
    memcpy(sub.country_code, cc, strlen(cc) == 2 ? 3 : 1);
    struct aw_cmd cmd = aw_page_cmd(&pg);
    if ((rc = aw_cmd_change(&cmd, &share, &sub, NULL)) != AW_OK)
        goto fail;
    aw_resp_redirect(
        req, 303,
        aw_arena_printf(pg.arena, "%s?changed=1", aw_page_url(&pg, "submission", token, NULL)));
    return;
fail:
    aw_page_fail(&pg, rc);
}

void
aw_handle_submission_withdraw(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_share share;
    struct aw_submission *subs = NULL;
    size_t n = 0;
    const char *token;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0 || load_share(&pg, &share, &token) != 0)
        return;
    if ((rc = aw_store_submissions_by_share(pg.store, pg.arena, share.id, &subs, &n)) != AW_OK)
        goto fail;
    struct aw_cmd cmd = aw_page_cmd(&pg);
    if ((rc = aw_cmd_withdraw(&cmd, &share,
                              n > 0 && subs[0].status == AW_SUB_PENDING ? subs[0].id : 0)) != AW_OK)
        goto fail;
    aw_resp_redirect(req, 303, aw_page_url(&pg, "submission", token, NULL));
    return;
fail:
    aw_page_fail(&pg, rc);
}
