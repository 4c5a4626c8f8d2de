/* page_moderation_item.c: /{lang}/moderation/{id} — one submission as it
 * will be published, what a change alters in the published version, the
 * form to edit any field, the safeguarding checklist, and approve or reject
 * with a reason (e-mailed to the submitter). Focal points reach only their
 * own country's submissions, by URL or by form.
 * Template: templates/moderation_item.mustache. */
#include "app_int.h"

#include "aw/load.h"
#include "aw/log.h"
#include "aw/text.h"

#include <string.h>

/* Predefined rejection reasons (code, msgid). */
static const struct {
    const char *code;
    const char *text;
} reasons[] = {
    {"off_topic", N_("It is not about the protection of children against sexual exploitation and "
                     "sexual abuse.")},
    {"incomplete", N_("Important information is missing or unclear.")},
    {"duplicate", N_("The same activity has already been shared.")},
    {"safeguarding", N_("It cannot be published as it is: it could identify a child or a victim, "
                        "or it contains unsuitable material.")},
    {"links", N_("A link does not point where it says.")},
    {"other", N_("Other reason (written below).")},
};

/* Loads {id}; answers 404 (unknown) or 403 (outside the user's scope). */
static int
load_sub(struct aw_page *pg, struct aw_submission *sub)
{
    int64_t id;
    if (aw_str_to_i64(aw_req_param(pg->req, "id"), 1, INT64_MAX, &id) != 0 ||
        aw_store_submission(pg->store, pg->arena, id, sub) != AW_OK) {
        aw_resp_error(pg->req, 404);
        return -1;
    }
    if (!aw_user_may_country(pg->user, sub->country_code)) {
        (void)aw_page_record(pg, "denied",
                             aw_arena_printf(pg->arena, "submission:%lld", (long long)id),
                             "outside the user's country");
        aw_resp_error(pg->req, 403);
        return -1;
    }
    return 0;
}

static const char *
view_text(const struct aw_view *v, const char *key)
{
    const char *s = aw_view_as_str(aw_view_get(v, key, strlen(key)), NULL);
    return s ? s : "";
}

static const char *
links_text(struct aw_page *pg, const struct aw_activity *a)
{
    struct aw_buf b = AW_BUF_INIT(64 * 1024);
    for (size_t i = 0; i < a->links_n; i++)
        aw_buf_printf(&b, "%s%s <%s>", i ? "; " : "", a->links[i].label, a->links[i].url);
    const char *s = aw_arena_strdup(pg->arena, aw_buf_cstr(&b));
    aw_buf_free(&b);
    return s;
}

/* Field-by-field comparison of the published activity and the proposal. */
static struct aw_view *
diff(struct aw_page *pg, const struct aw_activity *pub, const struct aw_activity *prop)
{
    struct aw_view *pv = aw_page_activity(pg, pub), *nv = aw_page_activity(pg, prop);
    struct aw_view *rows = aw_view_list(pg->arena);
    static const struct {
        const char *key, *label;
    } keys[] = {{"title", N_("Title")},        {"kinds", N_("Kind of activity")},
                {"audiences", N_("For whom")}, {"when", N_("When")},
                {"place", N_("Place")},        {"languages", N_("Languages")}};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        struct aw_view *r = aw_view_push_map(rows);
        const char *a = view_text(pv, keys[i].key), *b = view_text(nv, keys[i].key);
        aw_view_set_str(r, "label", _(keys[i].label));
        aw_view_set_str(r, "published", a);
        aw_view_set_str(r, "proposed", b);
        aw_view_set_bool(r, "changed", strcmp(a, b) != 0);
    }
    const struct {
        const char *label, *a, *b;
    } raw[] = {
        {N_("What happens"), pub->summary ? pub->summary : "", prop->summary},
        {N_("Country"), pub->country_code ? aw_page_country_name(pg, pub->country_code) : "",
         prop->country_code ? aw_page_country_name(pg, prop->country_code) : ""},
        {N_("Online"), pub->online ? _("Yes") : _("No"), prop->online ? _("Yes") : _("No")},
        {N_("Links"), links_text(pg, pub), links_text(pg, prop)},
        {N_("Organisation"), pub->org.name, prop->org.name},
    };
    for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
        struct aw_view *r = aw_view_push_map(rows);
        aw_view_set_str(r, "label", _(raw[i].label));
        aw_view_set_str(r, "published", raw[i].a);
        aw_view_set_str(r, "proposed", raw[i].b);
        aw_view_set_bool(r, "changed", strcmp(raw[i].a, raw[i].b) != 0);
    }
    return rows;
}

static void
render(struct aw_page *pg, const struct aw_submission *sub, struct aw_form *form, int status,
       const char *error)
{
    const char *base = aw_page_url(pg, "moderation_item",
                                   aw_arena_printf(pg->arena, "%lld", (long long)sub->id), NULL);
    struct aw_form *stored = aw_form_from_payload(pg, sub->payload, sub->edition_year, false);
    struct aw_activity prop, pub;
    aw_form_payload_activity(pg, sub->payload, sub->edition_year, &prop);
    struct aw_view *s = aw_view_set_map(pg->view, "sub");
    aw_view_set_int(s, "id", sub->id);
    aw_view_set_str(s, "title", sub->title ? sub->title : "");
    aw_view_set_str(s, "kind",
                    sub->kind == AW_SUB_CHANGE ? _("Change to a published activity")
                                               : _("New activity"));
    aw_view_set_int(s, "year", sub->edition_year);
    aw_view_set_str(s, "created", sub->created_at ? sub->created_at : "");
    aw_view_set_str(s, "source", sub->source ? sub->source : "");
    aw_view_set_str(s, "status", aw_sub_status_str(sub->status));
    aw_view_set_bool(s, "pending", sub->status == AW_SUB_PENDING);
    if (sub->reason)
        aw_view_set_str(s, "reason", sub->reason);
    else
        aw_view_set_bool(s, "reason", false);
    aw_view_set(pg->view, "preview", aw_page_preview(pg, &prop));
    if (sub->activity_id &&
        aw_store_activity(pg->store, pg->arena, sub->activity_id, &pub) == AW_OK)
        aw_view_set(pg->view, "diff", diff(pg, &pub, &prop));
    else
        aw_view_set_bool(pg->view, "diff", false);
    aw_view_set_bool(pg->view, "has_diff",
                     aw_view_type(aw_view_get(pg->view, "diff", 4)) == AW_VIEW_LIST);
    aw_view_set(pg->view, "form", aw_form_view(pg, form ? form : stored));
    /* A rejection sent back (refused or not stored) keeps the reason chosen
     * and the text written. */
    struct aw_str chosen = aw_req_form(pg->req, "reason", 0);
    struct aw_str written = aw_req_form(pg->req, "reason_text", 0);
    aw_view_set_str(pg->view, "reason_text",
                    written.ptr ? aw_arena_strndup(pg->arena, written.ptr, written.len) : "");
    struct aw_view *rl = aw_view_set_list(pg->view, "reasons");
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        struct aw_view *r = aw_view_push_map(rl);
        aw_view_set_bool(r, "checked", aw_str_eq_c(chosen, reasons[i].code));
        aw_view_set_str(r, "value", reasons[i].code);
        aw_view_set_str(r, "label", _(reasons[i].text));
        aw_view_set_str(r, "id", aw_arena_printf(pg->arena, "reason-%s", reasons[i].code));
    }
    if (error)
        aw_view_set_str(pg->view, "error", error);
    else
        aw_view_set_bool(pg->view, "error", false);
    aw_view_set_url(pg->view, "action", base);
    aw_view_set_url(pg->view, "queue_url", aw_page_url(pg, "moderation", NULL));
    aw_view_set_str(pg->view, "csrf", aw_csrf_token(pg));
    aw_view_set_bool(pg->view, "saved", aw_req_query(pg->req, "saved") != NULL);
    aw_resp_header(pg->req, "Cache-Control", "no-store");
    aw_page_render(pg, status, "moderation_item",
                   aw_arena_printf(pg->arena, _("Moderation: %s"), sub->title ? sub->title : ""));
}

void
aw_handle_moderation_item(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_submission sub;
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, AW_ROLES_ALL) != 0 ||
        load_sub(&pg, &sub) != 0)
        return;
    render(&pg, &sub, NULL, 200, NULL);
}

/* The rejection reason: the predefined one chosen, followed by the written
 * text if any ("other" needs the text). NULL when there is none, or when the
 * written text breaks the text rule of every input (*fault says which). */
static const char *
reason_text(struct aw_page *pg, enum aw_text_fault *fault)
{
    struct aw_str code = aw_req_form(pg->req, "reason", 0);
    struct aw_str text = aw_req_form(pg->req, "reason_text", 0);
    *fault = aw_text_check(text.ptr, text.len, AW_TEXT_MULTILINE);
    if (*fault != AW_TEXT_OK)
        return NULL;
    const char *written = text.ptr ? aw_arena_strndup(pg->arena, text.ptr, text.len) : "";
    while (*written == ' ' || *written == '\n' || *written == '\r')
        written++;
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (!aw_str_eq_c(code, reasons[i].code))
            continue;
        if (strcmp(reasons[i].code, "other") == 0)
            return *written ? written : NULL;
        return *written ? aw_arena_printf(pg->arena, "%s %s", _(reasons[i].text), written)
                        : _(reasons[i].text);
    }
    return NULL;
}

/* What aw_page_fail() needs to show the submission again with what the
 * moderator typed (the edited form; a rejection's reason stays in the
 * request and is shown again by render()). */
struct item_reshow {
    const struct aw_submission *sub;
    struct aw_form *form;
};

static void
item_reshow(struct aw_page *pg, int status)
{
    const struct item_reshow *r = pg->reshow_ctx;
    render(pg, r->sub, r->form, status, NULL);
}

void
aw_handle_moderation_item_post(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_submission sub;
    enum aw_err rc;
    char err[512];
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, AW_ROLES_ALL) != 0)
        return;
    if (load_sub(&pg, &sub) != 0)
        return;
    const char *base = aw_page_url(&pg, "moderation_item",
                                   aw_arena_printf(pg.arena, "%lld", (long long)sub.id), NULL);
    struct aw_str action = aw_req_form(req, "action", 0);
    /* the reshow shows the submission as stored, whatever this POST changes in sub */
    struct aw_submission stored = sub;
    struct item_reshow again = {&stored, NULL};
    pg.reshow = item_reshow;
    pg.reshow_ctx = &again;
    if (sub.status != AW_SUB_PENDING) {
        render(&pg, &sub, NULL, 409, _("This submission has already been decided."));
        return;
    }
    if (aw_str_eq_c(action, "save")) {
        struct aw_form *form = aw_form_from_request(&pg, false);
        again.form = form;
        bool ok = aw_form_validate(&pg, form);
        const char *payload = ok ? aw_form_payload(&pg, form) : NULL;
        if (ok &&
            aw_load_check_payload(pg.store, payload, sub.edition_year, err, sizeof(err)) != AW_OK)
            ok = false;
        if (!ok) {
            render(&pg, &sub, form, 422, _("The changes were not saved: please check the form."));
            return;
        }
        sub.payload = payload;
        sub.title = aw_form_value(form, "title");
        sub.org_name = aw_form_org_name(&pg, form);
        const char *cc = aw_form_country(&pg, form);
        memset(sub.country_code, 0, sizeof(sub.country_code));
        memcpy(sub.country_code, cc, strlen(cc) == 2 ? 2 : 0);
        if (!aw_user_may_country(pg.user, sub.country_code)) {
            render(&pg, &sub, form, 403,
                   _("You can only moderate activities of your own country."));
            return;
        }
        struct aw_cmd cmd = aw_page_cmd(&pg);
        if ((rc = aw_cmd_edit(&cmd, &sub)) != AW_OK)
            goto fail;
        aw_resp_redirect(req, 303, aw_arena_printf(pg.arena, "%s?saved=1", base));
        return;
    }
    if (aw_str_eq_c(action, "approve")) {
        if (!aw_moderation_checklist_ok(&pg)) {
            render(&pg, &sub, NULL, 422,
                   _("Tick every item of the safeguarding checklist before approving."));
            return;
        }
        struct aw_cmd cmd = aw_page_cmd(&pg);
        if ((rc = aw_cmd_approve(&cmd, &sub, 1, err, sizeof(err))) != AW_OK && rc != AW_EINVAL)
            goto fail;
        if (rc != AW_OK) {
            AW_WARN("approving submission %lld: %s", (long long)sub.id, err);
            render(&pg, &sub, NULL, 422,
                   _("This submission cannot be published as it is: "
                     "edit it and save first."));
            return;
        }
        aw_resp_redirect(
            req, 303,
            aw_arena_printf(pg.arena, "%s?approved=1", aw_page_url(&pg, "moderation", NULL)));
        return;
    }
    if (aw_str_eq_c(action, "reject")) {
        enum aw_text_fault fault;
        const char *reason = reason_text(&pg, &fault);
        if (fault != AW_TEXT_OK) {
            render(&pg, &sub, NULL, 422,
                   aw_arena_printf(pg.arena, "%s: %s", _("Written reason or details"),
                                   _(aw_text_fault_sentence(fault))));
            return;
        }
        if (!reason) {
            render(&pg, &sub, NULL, 422,
                   _("Choose a reason for the rejection, or write one for \"Other reason\"."));
            return;
        }
        /* The decision, its audit entry and the mail: one command. */
        struct aw_cmd cmd = aw_page_cmd(&pg);
        if ((rc = aw_cmd_reject(&cmd, &sub, reason)) != AW_OK)
            goto fail;
        aw_resp_redirect(
            req, 303,
            aw_arena_printf(pg.arena, "%s?rejected=1", aw_page_url(&pg, "moderation", NULL)));
        return;
    }
    aw_resp_error(req, 400);
    return;
fail:
    aw_page_fail(&pg, rc);
}
