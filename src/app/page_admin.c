/* page_admin.c: the secretariat's workspace (issue 8), admins only.
 *   /{lang}/admin                          what waits (aw_handle_admin)
 *   /{lang}/admin/vocabularies             every list, a form to add a term to each
 *                                          (aw_handle_admin_vocab, _post)
 *   /{lang}/admin/vocabularies/{list}/{code}  one term's labels, place and flags
 *                                          (aw_handle_admin_term, _post)
 * Templates: templates/admin.mustache, admin_vocab.mustache, admin_term.mustache.
 * Every change is one command (aw_cmd_term_save), audited with before and after. */
#include "app_int.h"

#include "aw/log.h"
#include "aw/text.h"

#include <string.h>

#define ADMIN (1u << AW_ROLE_ADMIN)

void
aw_handle_admin(struct aw_req *req)
{
    struct aw_page pg;
    struct aw_submission *subs = NULL;
    size_t n = 0;
    enum aw_err rc;
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, ADMIN) != 0)
        return;
    if ((rc = aw_store_submissions_pending(pg.store, pg.arena, NULL, 0, &subs, &n)) != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    aw_view_set_int(pg.view, "pending", (int64_t)n);
    aw_view_set_url(pg.view, "moderation_url", aw_page_url(&pg, "moderation", NULL));
    aw_view_set_url(pg.view, "vocab_url", aw_page_url(&pg, "admin_vocab", NULL));
    aw_view_set_url(pg.view, "log_url", aw_page_url(&pg, "moderation_log", NULL));
    aw_resp_header(req, "Cache-Control", "no-store");
    aw_page_render(&pg, 200, "admin", _("Workspace"));
}

/* ---- the term form: what was typed, and a message per field ---- */

struct term_form {
    struct aw_term t;
    const char *code_error, *position_error, *labels_error;
    const char *typed_code, *typed_position;
};

/* One label input per site language, filled from t. */
static struct aw_view *
label_fields(struct aw_page *pg, const struct aw_term *t)
{
    struct aw_view *list = aw_view_list(pg->arena);
    for (size_t i = 0; i < aw_i18n_count(); i++) {
        const struct aw_lang *l = aw_i18n_at(i);
        struct aw_view *v = aw_view_push_map(list);
        const char *text = "";
        for (size_t k = 0; t && k < t->nlabels; k++)
            if (strcmp(t->labels[k].lang, l->code) == 0)
                text = t->labels[k].text;
        aw_view_set_str(v, "lang", l->code);
        aw_view_set_str(v, "name", l->name);
        aw_view_set_str(v, "value", text);
        aw_view_set_str(v, "id", aw_arena_printf(pg->arena, "f-label-%s", l->code));
    }
    return list;
}

static void
set_error(struct aw_view *v, const char *name, const char *msg)
{
    if (msg)
        aw_view_set_str(v, name, msg);
    else
        aw_view_set_bool(v, name, false);
}

static struct aw_view *
form_view(struct aw_page *pg, const struct term_form *f, bool is_new)
{
    struct aw_view *v = aw_view_map(pg->arena);
    aw_view_set_str(v, "list", aw_vocab_list_str(f->t.list));
    aw_view_set_str(v, "code", f->typed_code ? f->typed_code : f->t.code ? f->t.code : "");
    aw_view_set_str(v, "position",
                    f->typed_position ? f->typed_position
                                      : aw_arena_printf(pg->arena, "%d", f->t.position));
    aw_view_set_bool(v, "retired", f->t.retired);
    aw_view_set_bool(v, "organiser", f->t.organiser);
    aw_view_set_bool(v, "can_organise", f->t.list == AW_VOCAB_ORG_KIND);
    aw_view_set_bool(v, "is_new", is_new);
    aw_view_set(v, "labels", label_fields(pg, &f->t));
    set_error(v, "code_error", f->code_error);
    set_error(v, "position_error", f->position_error);
    set_error(v, "labels_error", f->labels_error);
    aw_view_set_bool(v, "has_errors", f->code_error || f->position_error || f->labels_error);
    aw_view_set_str(v, "csrf", aw_csrf_token(pg));
    aw_view_set_url(
        v, "action",
        is_new ? aw_page_url(pg, "admin_vocab_list", aw_vocab_list_str(f->t.list), NULL)
               : aw_page_url(pg, "admin_term", aw_vocab_list_str(f->t.list), f->t.code, NULL));
    return v;
}

/* Reads the posted form into f (the code only for a new term); false when a
 * field is wrong, with its message set. */
static bool
read_form(struct aw_page *pg, struct term_form *f, bool is_new)
{
    struct aw_req *req = pg->req;
    bool ok = true;
    if (is_new) {
        struct aw_str code = aw_req_form(req, "code", 0);
        f->typed_code = code.ptr ? aw_arena_strndup(pg->arena, code.ptr, code.len) : "";
        if (!aw_term_code_ok(f->typed_code)) {
            f->code_error = _("Enter a code of lowercase letters, digits and _, starting with a "
                              "letter, at most 40 characters.");
            ok = false;
        }
        f->t.code = f->typed_code;
    }
    struct aw_str pos = aw_req_form(req, "position", 0);
    int64_t p = 0;
    f->typed_position = pos.ptr ? aw_arena_strndup(pg->arena, pos.ptr, pos.len) : "";
    if (f->typed_position[0] == '\0' && is_new) {
        p = 0; /* after the last */
    } else if (aw_str_to_i64(aw_str_c(f->typed_position), 1, 100000, &p) != 0) {
        f->position_error = _("Enter a whole number from 1 to 100000.");
        ok = false;
    }
    f->t.position = (int)p;
    f->t.retired = aw_req_form(req, "retired", 0).len > 0;
    f->t.organiser = f->t.list == AW_VOCAB_ORG_KIND && aw_req_form(req, "organiser", 0).len > 0;
    unsigned nl = aw_req_form_count(req, "lang");
    f->t.labels = aw_arena_calloc(pg->arena, nl + 1, sizeof(*f->t.labels));
    f->t.nlabels = 0;
    for (unsigned i = 0; i < nl; i++) {
        struct aw_str lang = aw_req_form(req, "lang", i);
        struct aw_str text = aw_req_form(req, "label", i);
        const char *lc = aw_arena_strndup(pg->arena, lang.ptr ? lang.ptr : "", lang.len);
        bool known = false;
        for (size_t k = 0; k < aw_i18n_count() && !known; k++)
            known = strcmp(aw_i18n_at(k)->code, lc) == 0;
        const char *t = aw_arena_strndup(pg->arena, text.ptr ? text.ptr : "", text.len);
        /* kept as typed, so that the form comes back with it */
        f->t.labels[f->t.nlabels++] = (struct aw_term_label){lc, t};
        if (!known) {
            f->labels_error = _("A label is for one of the site's languages.");
            ok = false;
            continue;
        }
        enum aw_text_fault tf = aw_text_check(t, strlen(t), 0);
        if (tf != AW_TEXT_OK) {
            f->labels_error = _(aw_text_fault_sentence(tf));
            ok = false;
        } else if (aw_text_chars(t, strlen(t)) > AW_TERM_LABEL_MAX) {
            f->labels_error = _("A label is at most 200 characters.");
            ok = false;
        }
    }
    /* empty labels are no labels (the English one is shown instead) */
    size_t k = 0;
    for (size_t i = 0; i < f->t.nlabels; i++)
        if (f->t.labels[i].text[0])
            f->t.labels[k++] = f->t.labels[i];
    f->t.nlabels = k;
    if (k == 0 && !f->labels_error) {
        f->labels_error = _("Give the term a label in at least one language.");
        ok = false;
    }
    return ok;
}

/* ---- /{lang}/admin/vocabularies ---- */

static void
render_vocab(struct aw_page *pg, int status, const struct term_form *adding)
{
    const struct aw_vocab *v = aw_page_vocab(pg);
    struct aw_view *lists = aw_view_set_list(pg->view, "lists");
    for (int l = 0; l < AW_VOCAB_N; l++) {
        size_t n;
        const struct aw_term *t = aw_vocab_terms(v, (enum aw_vocab_list)l, &n);
        struct aw_view *lv = aw_view_push_map(lists);
        aw_view_set_str(lv, "name", aw_vocab_list_str((enum aw_vocab_list)l));
        aw_view_set_str(lv, "noun", aw_vocab_list_noun((enum aw_vocab_list)l));
        struct aw_view *terms = aw_view_set_list(lv, "terms");
        for (size_t i = 0; i < n; i++) {
            struct aw_view *tv = aw_view_push_map(terms);
            aw_view_set_str(tv, "code", t[i].code);
            aw_view_set_str(tv, "label", aw_term_label(&t[i], pg->lang->code));
            aw_view_set_int(tv, "position", t[i].position);
            aw_view_set_bool(tv, "retired", t[i].retired);
            aw_view_set_bool(tv, "organiser", t[i].organiser);
            aw_view_set_url(
                tv, "url",
                aw_page_url(pg, "admin_term", aw_vocab_list_str(t[i].list), t[i].code, NULL));
        }
        struct term_form empty = {.t = {.list = (enum aw_vocab_list)l}};
        empty.typed_position = "";
        const struct term_form *f =
            adding && adding->t.list == (enum aw_vocab_list)l ? adding : &empty;
        aw_view_set(lv, "form", form_view(pg, f, true));
    }
    aw_resp_header(pg->req, "Cache-Control", "no-store");
    aw_page_render(pg, status, "admin_vocab", _("Vocabularies"));
}

static void
reshow_vocab(struct aw_page *pg, int status)
{
    render_vocab(pg, status, pg->reshow_ctx);
}

void
aw_handle_admin_vocab(struct aw_req *req)
{
    struct aw_page pg;
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, ADMIN) != 0)
        return;
    render_vocab(&pg, 200, NULL);
}

static int
list_param(struct aw_page *pg, enum aw_vocab_list *l)
{
    struct aw_str s = aw_req_param(pg->req, "list");
    const char *name = aw_arena_strndup(pg->arena, s.ptr, s.len);
    if (aw_vocab_list_parse(name, l) != 0) {
        aw_page_fail(pg, AW_ENOTFOUND);
        return -1;
    }
    return 0;
}

void
aw_handle_admin_vocab_post(struct aw_req *req)
{
    struct aw_page pg;
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, ADMIN) != 0)
        return;
    struct term_form *f = aw_arena_calloc(pg.arena, 1, sizeof(*f));
    if (list_param(&pg, &f->t.list) != 0)
        return;
    bool ok = read_form(&pg, f, true);
    pg.reshow = reshow_vocab;
    pg.reshow_ctx = f;
    if (ok && aw_vocab_find(aw_page_vocab(&pg), f->t.list, f->t.code)) {
        f->code_error = _("This list has that code already: change that term instead.");
        ok = false;
    }
    if (!ok) {
        render_vocab(&pg, 422, f);
        return;
    }
    struct aw_cmd c = aw_page_cmd(&pg);
    enum aw_err rc = aw_cmd_term_save(&c, NULL, &f->t);
    if (rc == AW_EEXIST) {
        f->code_error = _("This list has that code already: change that term instead.");
        render_vocab(&pg, 422, f);
        return;
    }
    if (rc != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    aw_resp_redirect(req, 303, aw_page_url(&pg, "admin_vocab", NULL));
}

/* ---- /{lang}/admin/vocabularies/{list}/{code} ---- */

static void
render_term(struct aw_page *pg, int status, const struct term_form *f)
{
    aw_view_set(pg->view, "form", form_view(pg, f, false));
    aw_view_set_url(pg->view, "back", aw_page_url(pg, "admin_vocab", NULL));
    aw_resp_header(pg->req, "Cache-Control", "no-store");
    aw_page_render(pg, status, "admin_term", aw_arena_printf(pg->arena, _("Term %s"), f->t.code));
}

static void
reshow_term(struct aw_page *pg, int status)
{
    render_term(pg, status, pg->reshow_ctx);
}

/* The term the URL names, from the page's vocabulary; answers 404 when none. */
static const struct aw_term *
term_param(struct aw_page *pg)
{
    enum aw_vocab_list l;
    if (list_param(pg, &l) != 0)
        return NULL;
    struct aw_str s = aw_req_param(pg->req, "code");
    const struct aw_term *t =
        aw_vocab_find(aw_page_vocab(pg), l, aw_arena_strndup(pg->arena, s.ptr, s.len));
    if (t == NULL)
        aw_page_fail(pg, AW_ENOTFOUND);
    return t;
}

void
aw_handle_admin_term(struct aw_req *req)
{
    struct aw_page pg;
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, ADMIN) != 0)
        return;
    const struct aw_term *t = term_param(&pg);
    if (t == NULL)
        return;
    struct term_form f = {.t = *t};
    render_term(&pg, 200, &f);
}

void
aw_handle_admin_term_post(struct aw_req *req)
{
    struct aw_page pg;
    if (aw_page_begin(req, &pg) != 0 || aw_auth_require(&pg, ADMIN) != 0)
        return;
    const struct aw_term *before = term_param(&pg);
    if (before == NULL)
        return;
    struct term_form *f = aw_arena_calloc(pg.arena, 1, sizeof(*f));
    f->t.list = before->list;
    f->t.code = before->code;
    pg.reshow = reshow_term;
    pg.reshow_ctx = f;
    if (!read_form(&pg, f, false)) {
        render_term(&pg, 422, f);
        return;
    }
    struct aw_cmd c = aw_page_cmd(&pg);
    enum aw_err rc = aw_cmd_term_save(&c, before, &f->t);
    if (rc != AW_OK) {
        aw_page_fail(&pg, rc);
        return;
    }
    aw_resp_redirect(req, 303, aw_page_url(&pg, "admin_vocab", NULL));
}
