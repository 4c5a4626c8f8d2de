/* app_form.c: the activity form shared by partners (share, change) and
 * moderators (edit): one table of fields with their rules, parsing from a
 * POST or from a stored payload, validation with one clear message per
 * field, the view the template shows (values kept, errors next to fields),
 * and the JSON payload (docs/DATA.md) a valid form becomes. */
#include "app_int.h"

#include "aw/html.h"
#include "aw/load.h"
#include "aw/log.h"
#include "aw/rules.h"
#include "aw/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ftype {
    F_TEXT,
    F_MARKDOWN, /* several lines of Markdown (a textarea): raw HTML is refused */
    F_DATE,
    F_URL,
    F_EMAIL,
    F_COUNTRY,
    F_ORG,
    F_ORG_KIND,
    F_KINDS,
    F_AUDIENCES,
    F_LANGS,
    F_CHECK,
    F_HONEYPOT
};

struct fdef {
    const char *name;
    const char *label; /* msgid */
    const char *hint;  /* msgid or NULL */
    enum ftype type;
    bool required;
    unsigned max_chars; /* characters (code points) */
    unsigned max_count; /* values; 1 for single-valued */
    bool contact;       /* only on the partner's form */
};

#define LINKS 3

/* The fields in the order of the form. Limits here are the ones the person
 * is told about; the HTTP layer's byte caps (aw_form_*_fields) are wider. */
static const struct fdef fields[] = {
    {"org_id", N_("Organisation"), N_("Choose yours, or say it is not listed."), F_ORG, true, 20, 1,
     false},
    {"org_name", N_("Name of the organisation"), NULL, F_TEXT, false, 200, 1, false},
    {"org_kind", N_("Kind of organisation"), NULL, F_ORG_KIND, false, 40, 1, false},
    {"org_country", N_("Country of the organisation"), N_("Leave empty for an international body."),
     F_COUNTRY, false, 2, 1, false},
    {"org_website", N_("Website of the organisation"), N_("An address starting with https://"),
     F_URL, false, 2000, 1, false},
    {"title", N_("Title of the activity"), N_("At most 200 characters."), F_TEXT, true, 200, 1,
     false},
    {"summary", N_("What happens"),
     N_("At most 5000 characters. You may use Markdown: *emphasis*, lists, [links](https://...). "
        "HTML is not kept."),
     F_MARKDOWN, true, 5000, 1, false},
    {"kinds", N_("Kind of activity"), N_("Choose one or more."), F_KINDS, true, 40, 16, false},
    {"audiences", N_("For whom"), N_("Choose one or more."), F_AUDIENCES, true, 40, 16, false},
    {"country", N_("Country where it takes place"),
     N_("Leave empty if it is not tied to one country."), F_COUNTRY, false, 2, 1, false},
    {"place", N_("Place"), N_("Town or venue. At most 300 characters."), F_TEXT, false, 300, 1,
     false},
    {"online", N_("It takes place online"), NULL, F_CHECK, false, 3, 1, false},
    {"start", N_("Start date"), N_("For example 2025-11-18."), F_DATE, true, 10, 1, false},
    {"end", N_("End date"), N_("Leave empty for a single day."), F_DATE, false, 10, 1, false},
    {"languages", N_("Languages"), N_("The languages it is held or published in."), F_LANGS, false,
     3, 32, false},
    {"link_label_1", N_("Link 1: text"), NULL, F_TEXT, false, 200, 1, false},
    {"link_url_1", N_("Link 1: address"), NULL, F_URL, false, 2000, 1, false},
    {"link_label_2", N_("Link 2: text"), NULL, F_TEXT, false, 200, 1, false},
    {"link_url_2", N_("Link 2: address"), NULL, F_URL, false, 2000, 1, false},
    {"link_label_3", N_("Link 3: text"), NULL, F_TEXT, false, 200, 1, false},
    {"link_url_3", N_("Link 3: address"), NULL, F_URL, false, 2000, 1, false},
    {"contact_name", N_("Your name"), N_("Never shown publicly."), F_TEXT, true, 200, 1, true},
    {"contact_email", N_("Your e-mail address"),
     N_("Never shown publicly. We send the private link to change your activity here."), F_EMAIL,
     true, 254, 1, true},
    {"homepage", N_("Leave this field empty"), NULL, F_HONEYPOT, false, 200, 1, true},
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* Byte caps for the HTTP layer (4 bytes per character plus slack), one list
 * per route: a field a form does not have is refused (400) before any
 * handler runs. */
#define ACTIVITY_FIELDS                                                                            \
    {"csrf", 128, 1}, {"org_id", 64, 1}, {"org_name", 1024, 1}, {"org_kind", 64, 1},               \
        {"org_country", 16, 1}, {"org_website", 8192, 1}, {"title", 1024, 1},                      \
        {"summary", 24576, 1}, {"kinds", 64, 16}, {"audiences", 64, 16}, {"country", 16, 1},       \
        {"place", 1536, 1}, {"online", 16, 1}, {"start", 64, 1}, {"end", 64, 1},                   \
        {"languages", 16, 32}, {"link_label_1", 1024, 1}, {"link_url_1", 8192, 1},                 \
        {"link_label_2", 1024, 1}, {"link_url_2", 8192, 1}, {"link_label_3", 1024, 1},             \
    {                                                                                              \
        "link_url_3", 8192, 1                                                                      \
    }

/* POST /{lang}/share: the activity, the contact, the honeypot. */
const struct aw_field aw_form_share_fields[] = {
    ACTIVITY_FIELDS,       {"contact_name", 1024, 1},    {"contact_email", 1024, 1},
    {"homepage", 1024, 1}, {"confirm_duplicate", 16, 1}, {NULL, 0, 0},
};

/* POST /{lang}/submissions/{token}: a change of the activity. */
const struct aw_field aw_form_change_fields[] = {ACTIVITY_FIELDS, {NULL, 0, 0}};

/* POST /{lang}/moderation/{id}: edit, approve (checklist) or reject (reason). */
const struct aw_field aw_form_moderation_fields[] = {
    ACTIVITY_FIELDS,           {"action", 32, 1},      {"reason", 64, 1},
    {"reason_text", 4096, 1},  {"check_child", 16, 1}, {"check_victim", 16, 1},
    {"check_explicit", 16, 1}, {"check_links", 16, 1}, {NULL, 0, 0},
};

struct fval {
    const struct fdef *def;
    const char **v; /* values */
    unsigned n;
    const char *error; /* translated message, NULL when fine */
};

struct aw_form {
    struct fval f[NFIELDS];
    bool with_contact;
    bool honeypot_filled;
    int errors;
};

static struct fval *
get(struct aw_form *form, const char *name)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(form->f[i].def->name, name) == 0)
            return &form->f[i];
    return NULL;
}

const char *
aw_form_value(struct aw_form *form, const char *name)
{
    struct fval *f = get(form, name);
    return f && f->n ? f->v[0] : "";
}

static struct aw_form *
form_new(struct aw_page *pg, bool with_contact)
{
    struct aw_form *form = aw_arena_zalloc(pg->arena, sizeof(*form));
    form->with_contact = with_contact;
    for (size_t i = 0; i < NFIELDS; i++) {
        form->f[i].def = &fields[i];
        form->f[i].v = aw_arena_calloc(pg->arena, fields[i].max_count + 1, sizeof(char *));
    }
    return form;
}

static void
add_value(struct aw_form *form, const char *name, const char *v)
{
    struct fval *f = get(form, name);
    if (f && v && f->n < f->def->max_count)
        f->v[f->n++] = v;
}

struct aw_form *
aw_form_empty(struct aw_page *pg, bool with_contact)
{
    return form_new(pg, with_contact);
}

struct aw_form *
aw_form_from_request(struct aw_page *pg, bool with_contact)
{
    struct aw_form *form = form_new(pg, with_contact);
    for (size_t i = 0; i < NFIELDS; i++) {
        struct fval *f = &form->f[i];
        if (f->def->contact && !with_contact)
            continue;
        unsigned n = aw_req_form_count(pg->req, f->def->name);
        for (unsigned k = 0; k < n && k < f->def->max_count; k++) {
            struct aw_str s = aw_req_form(pg->req, f->def->name, k);
            /* Keep the bytes as sent; a NUL becomes U+0001 so that validation
             * reports a control character instead of cutting the value. */
            char *copy = aw_arena_strndup(pg->arena, s.ptr ? s.ptr : "", s.len);
            for (size_t b = 0; b < s.len; b++)
                if (copy[b] == '\0')
                    copy[b] = '\x01';
            f->v[f->n++] = copy;
        }
    }
    return form;
}

/* Reads a stored payload with the one codec (load.h), every value kept as
 * stored (aw_draft_read): the form and the preview show what is there, also
 * what a rule refuses now, for the person who fixes it. */
static bool
decode(struct aw_page *pg, const char *payload, int year, struct aw_draft *d)
{
    return aw_draft_read(pg->store, pg->arena, payload, year, d);
}

struct aw_form *
aw_form_from_payload(struct aw_page *pg, const char *payload, int year, bool with_contact)
{
    struct aw_form *form = form_new(pg, with_contact);
    struct aw_draft d;
    struct aw_arena *a = pg->arena;
    if (!decode(pg, payload, year, &d))
        return form;
    if (d.org.id > 0) {
        add_value(form, "org_id", aw_arena_printf(a, "%lld", (long long)d.org.id));
    } else {
        add_value(form, "org_id", "new");
        add_value(form, "org_name", d.org.name);
        add_value(form, "org_kind", d.org.kind);
        add_value(form, "org_country", d.org.country_code);
        add_value(form, "org_website", d.org.website);
    }
    const struct aw_activity *x = &d.act;
    add_value(form, "title", x->title);
    add_value(form, "summary", x->summary);
    add_value(form, "country", x->country_code);
    add_value(form, "place", x->place);
    add_value(form, "start", x->start_date);
    add_value(form, "end", x->end_date);
    if (x->online)
        add_value(form, "online", "yes");
    for (size_t i = 0; i < x->kinds_n; i++)
        add_value(form, "kinds", x->kinds[i]);
    for (size_t i = 0; i < x->audiences_n; i++)
        add_value(form, "audiences", x->audiences[i]);
    for (size_t i = 0; i < x->languages_n; i++)
        add_value(form, "languages", x->languages[i]);
    for (size_t k = 0; k < x->links_n && k < LINKS; k++) {
        add_value(form, aw_arena_printf(a, "link_label_%zu", k + 1), x->links[k].label);
        add_value(form, aw_arena_printf(a, "link_url_%zu", k + 1), x->links[k].url);
    }
    return form;
}

bool
aw_form_payload_activity(struct aw_page *pg, const char *payload, int year, struct aw_activity *act)
{
    struct aw_draft d;
    memset(act, 0, sizeof(*act));
    if (!decode(pg, payload, year, &d))
        return false;
    *act = d.act;
    act->org = d.org;
    act->edition_year = year;
    act->slug = "";
    act->org.slug = d.org.id > 0 ? d.org.slug : "";
    return true;
}

/* The address must be one the mailer accepts (src/mail/mail_smtp.c). */
static bool
valid_email(const char *s)
{
    return aw_mail_addr_ok(s) && strchr(strchr(s, '@'), '.') != NULL;
}

static void
fail(struct aw_form *form, struct fval *f, const char *msg)
{
    if (!f->error) {
        f->error = msg;
        form->errors++;
    }
}

/* The text rule every input passes, the imports and data files included
 * (aw_text_check, text.h), with the same verdict in a sentence. */
static bool
clean_text(struct aw_form *form, struct fval *f, const char *v)
{
    unsigned flags = f->def->type == F_MARKDOWN ? AW_TEXT_MULTILINE | AW_TEXT_MARKDOWN : 0;
    enum aw_text_fault fault = aw_text_check(v, strlen(v), flags);
    if (fault != AW_TEXT_OK) {
        fail(form, f, _(aw_text_fault_sentence(fault)));
        return false;
    }
    return true;
}

static const char *org_country(struct aw_page *pg, struct aw_form *form);

bool
aw_form_validate(struct aw_page *pg, struct aw_form *form)
{
    struct aw_country c;
    form->errors = 0;
    for (size_t i = 0; i < NFIELDS; i++) {
        struct fval *f = &form->f[i];
        const struct fdef *d = f->def;
        f->error = NULL;
        if (d->contact && !form->with_contact)
            continue;
        if (d->type == F_HONEYPOT) {
            form->honeypot_filled = f->n && f->v[0][0];
            continue;
        }
        /* Trim surrounding spaces of one-line values; drop empty values. */
        unsigned kept = 0;
        for (unsigned k = 0; k < f->n; k++) {
            char *v = (char *)f->v[k];
            if (d->type != F_MARKDOWN) {
                while (*v == ' ')
                    v++;
                size_t len = strlen(v);
                while (len && v[len - 1] == ' ')
                    v[--len] = '\0';
            }
            if (*v)
                f->v[kept++] = v;
        }
        f->n = kept;
        if (f->n == 0) {
            if (d->required)
                fail(form, f,
                     d->max_count > 1 ? _("Choose at least one.") : _("This is required."));
            continue;
        }
        for (unsigned k = 0; k < f->n && !f->error; k++) {
            const char *v = f->v[k];
            enum aw_rule_fault rule;
            if (!clean_text(form, f, v))
                break;
            if (aw_text_chars(v, strlen(v)) > d->max_chars) {
                fail(form, f,
                     aw_arena_printf(pg->arena, _("This is too long: at most %u characters."),
                                     d->max_chars));
                break;
            }
            switch (d->type) {
            case F_DATE: /* the rules of every way in (rules.h) */
                if ((rule = aw_rule_date(v)) != AW_RULE_OK)
                    fail(form, f, _(aw_rule_sentence(rule)));
                break;
            case F_URL:
                if ((rule = aw_rule_url(v)) != AW_RULE_OK)
                    fail(form, f, _(aw_rule_sentence(rule)));
                break;
            case F_EMAIL:
                if (!valid_email(v))
                    fail(form, f, _("Enter an e-mail address such as name@example.org."));
                break;
            case F_COUNTRY:
                if (aw_store_country(pg->store, pg->arena, pg->lang->code, v, &c) != AW_OK)
                    fail(form, f, _("Choose a country from the list."));
                break;
            /* a term of the vocabulary; a retired one too, which the form
             * offers only where it was chosen already (a stored activity) */
            case F_ORG_KIND:
                if (!aw_vocab_find(aw_page_vocab(pg), AW_VOCAB_ORG_KIND, v))
                    fail(form, f, _("Choose a kind of organisation from the list."));
                break;
            case F_KINDS:
                if (!aw_vocab_find(aw_page_vocab(pg), AW_VOCAB_ACTIVITY_KIND, v))
                    fail(form, f, _("Choose kinds of activity from the list."));
                break;
            case F_AUDIENCES:
                if (!aw_vocab_find(aw_page_vocab(pg), AW_VOCAB_AUDIENCE, v))
                    fail(form, f, _("Choose audiences from the list."));
                break;
            case F_LANGS:
                /* The data files' rule: a two-letter ISO 639-1 code. */
                if (strlen(v) != 2 || v[0] < 'a' || v[0] > 'z' || v[1] < 'a' || v[1] > 'z')
                    fail(form, f, _("Choose languages from the list."));
                break;
            case F_ORG:
                if (strcmp(v, "new") != 0) {
                    int64_t id;
                    struct aw_org o;
                    if (aw_str_to_i64(aw_str_c(v), 1, INT64_MAX, &id) != 0 ||
                        aw_store_org(pg->store, pg->arena, id, &o) != AW_OK)
                        fail(form, f, _("Choose your organisation from the list."));
                }
                break;
            case F_CHECK:
                if (strcmp(v, "yes") != 0)
                    fail(form, f, _("Tick the box or leave it empty."));
                break;
            default:
                break;
            }
        }
    }
    /* Rules across fields. */
    if (strcmp(aw_form_value(form, "org_id"), "new") == 0) {
        if (!*aw_form_value(form, "org_name"))
            fail(form, get(form, "org_name"), _("Give the name of your organisation."));
        if (!*aw_form_value(form, "org_kind"))
            fail(form, get(form, "org_kind"), _("Choose the kind of your organisation."));
    }
    const char *start = aw_form_value(form, "start"), *end = aw_form_value(form, "end");
    if (*start && *end && !get(form, "start")->error && !get(form, "end")->error &&
        strcmp(end, start) < 0)
        fail(form, get(form, "end"), _("The end date is before the start date."));
    /* An activity is listed under its organisation's country (or none, for
     * international bodies): the data model's rule (src/load/load_json.c). */
    const char *cc = aw_form_value(form, "country");
    if (*cc && !get(form, "country")->error && !get(form, "org_id")->error &&
        !get(form, "org_country")->error) {
        const char *oc = org_country(pg, form);
        if (!*oc)
            fail(form, get(form, "country"),
                 _("The activity of an international organisation is not tied to one country: "
                   "leave this empty."));
        else if (strcmp(oc, cc) != 0)
            fail(form, get(form, "country"),
                 aw_arena_printf(pg->arena,
                                 _("This must be the country of the organisation (%s), or "
                                   "empty."),
                                 aw_page_country_name(pg, oc)));
    }
    if (!*aw_form_value(form, "place") && !*aw_form_value(form, "online"))
        fail(form, get(form, "place"), _("Give a place, or tick \"It takes place online\"."));
    for (int k = 1; k <= LINKS; k++) {
        char ln[16], un[16];
        snprintf(ln, sizeof(ln), "link_label_%d", k);
        snprintf(un, sizeof(un), "link_url_%d", k);
        if (*aw_form_value(form, ln) && !*aw_form_value(form, un))
            fail(form, get(form, un), _("Give the address this link points to."));
    }
    return form->errors == 0;
}

/* The organisation's country: the chosen existing one's, or the one typed
 * for a new organisation; "" for an international body. */
static const char *
org_country(struct aw_page *pg, struct aw_form *form)
{
    int64_t id = aw_form_org_id(form);
    struct aw_org o;
    if (id)
        return aw_store_org(pg->store, pg->arena, id, &o) == AW_OK && o.country_code
                   ? o.country_code
                   : "";
    return aw_form_value(form, "org_country");
}

const char *
aw_form_org_name(struct aw_page *pg, struct aw_form *form)
{
    int64_t id = aw_form_org_id(form);
    struct aw_org o;
    if (id)
        return aw_store_org(pg->store, pg->arena, id, &o) == AW_OK ? o.name : "";
    return aw_form_value(form, "org_name");
}

const char *
aw_form_country(struct aw_page *pg, struct aw_form *form)
{
    const char *cc = aw_form_value(form, "country");
    return *cc ? cc : org_country(pg, form);
}

bool
aw_form_honeypot(const struct aw_form *form)
{
    return form->honeypot_filled;
}

int64_t
aw_form_org_id(struct aw_form *form)
{
    int64_t id = 0;
    if (aw_str_to_i64(aw_str_c(aw_form_value(form, "org_id")), 1, INT64_MAX, &id) != 0)
        return 0;
    return id;
}

static const char **
values_copy(struct aw_page *pg, struct fval *f, size_t *n)
{
    const char **out = aw_arena_calloc(pg->arena, f->n + 1, sizeof(char *));
    for (unsigned k = 0; k < f->n; k++)
        out[k] = f->v[k];
    *n = f->n;
    return out;
}

static const char *
or_null(const char *s)
{
    return *s ? s : NULL;
}

/* The form as a draft (load.h): an existing organisation by its id, or the
 * one typed; the activity's country the one chosen, else the organisation's
 * (aw_form_country); a link without a label labelled by its address. */
static void
form_to_draft(struct aw_page *pg, struct aw_form *form, struct aw_draft *d)
{
    memset(d, 0, sizeof(*d));
    int64_t org_id = aw_form_org_id(form);
    if (org_id) {
        d->org.id = org_id;
    } else {
        d->org.name = aw_form_value(form, "org_name");
        d->org.kind = aw_form_value(form, "org_kind");
        d->org.country_code = or_null(aw_form_value(form, "org_country"));
        d->org.website = or_null(aw_form_value(form, "org_website"));
    }
    struct aw_activity *x = &d->act;
    x->title = aw_form_value(form, "title");
    x->summary = aw_form_value(form, "summary");
    x->kinds = values_copy(pg, get(form, "kinds"), &x->kinds_n);
    x->audiences = values_copy(pg, get(form, "audiences"), &x->audiences_n);
    x->languages = values_copy(pg, get(form, "languages"), &x->languages_n);
    x->country_code = or_null(aw_form_country(pg, form));
    x->start_date = or_null(aw_form_value(form, "start"));
    x->end_date = or_null(aw_form_value(form, "end"));
    x->place = or_null(aw_form_value(form, "place"));
    x->online = *aw_form_value(form, "online") != '\0';
    x->links = aw_arena_calloc(pg->arena, LINKS, sizeof(*x->links));
    for (int k = 1; k <= LINKS; k++) {
        char ln[16], un[16];
        snprintf(ln, sizeof(ln), "link_label_%d", k);
        snprintf(un, sizeof(un), "link_url_%d", k);
        const char *url = aw_form_value(form, un);
        if (!*url)
            continue;
        const char *label = aw_form_value(form, ln);
        x->links[x->links_n].label = *label ? label : url;
        x->links[x->links_n].url = url;
        x->links_n++;
    }
}

char *
aw_form_payload(struct aw_page *pg, struct aw_form *form)
{
    struct aw_draft d;
    form_to_draft(pg, form, &d);
    return aw_draft_encode(pg->arena, &d);
}

/* One choice of a select or checkbox group. */
struct opt {
    const char *code;
    const char *label;
};

/* Options of a select or checkbox group, with the current values marked.
 * With keep, values not in the list (an imported language code) stay on
 * offer, chosen, so that saving the form does not drop them. */
static struct aw_view *
options(struct aw_page *pg, struct fval *f, const struct opt *opts, size_t n, bool keep)
{
    struct aw_view *list = aw_view_list(pg->arena);
    for (unsigned k = 0; keep && k < f->n; k++) {
        bool known = false;
        for (size_t i = 0; i < n && !known; i++)
            known = strcmp(opts[i].code, f->v[k]) == 0;
        if (known || strlen(f->v[k]) != 2 || !aw_utf8_valid(f->v[k], 2))
            continue;
        struct aw_view *o = aw_view_push_map(list);
        aw_view_set_str(o, "value", f->v[k]);
        aw_view_set_str(o, "label", aw_label_language(f->v[k]));
        aw_view_set_bool(o, "selected", true);
        aw_view_set_str(o, "id", aw_arena_printf(pg->arena, "f-%s-x%u", f->def->name, k));
    }
    for (size_t i = 0; i < n; i++) {
        struct aw_view *o = aw_view_push_map(list);
        bool sel = false;
        for (unsigned k = 0; k < f->n; k++)
            sel |= strcmp(f->v[k], opts[i].code) == 0;
        aw_view_set_str(o, "value", opts[i].code);
        aw_view_set_str(o, "label", opts[i].label);
        aw_view_set_bool(o, "selected", sel);
        aw_view_set_str(o, "id", aw_arena_printf(pg->arena, "f-%s-%s", f->def->name, opts[i].code));
    }
    return list;
}

/* The terms of a vocabulary as options in the page language: those in use,
 * and a retired one where it is chosen already. */
static struct aw_view *
term_options(struct aw_page *pg, struct fval *f, enum aw_vocab_list l)
{
    size_t n, k = 0;
    const struct aw_term *t = aw_vocab_terms(aw_page_vocab(pg), l, &n);
    struct opt *o = aw_arena_calloc(pg->arena, n + 1, sizeof(*o));
    for (size_t i = 0; i < n; i++) {
        bool chosen = false;
        for (unsigned j = 0; j < f->n && !chosen; j++)
            chosen = strcmp(f->v[j], t[i].code) == 0;
        if (!t[i].retired || chosen)
            o[k++] = (struct opt){t[i].code, aw_term_label(&t[i], pg->lang->code)};
    }
    return options(pg, f, o, k, false);
}

static const char *const language_codes[] = {
    "sq", "ar", "hy", "az", "eu", "bn", "bs", "bg", "ca", "hr", "cs", "da", "nl",
    "en", "et", "fi", "fr", "ka", "de", "el", "hi", "hu", "is", "ga", "it", "lv",
    "lt", "lb", "mk", "mt", "me", "no", "fa", "pl", "pt", "pa", "ro", "ru", "sr",
    "sh", "sk", "sl", "so", "es", "sv", "ti", "tr", "uk", "ur", "vi", "cy", NULL};

static struct aw_view *
country_options(struct aw_page *pg, struct fval *f)
{
    struct aw_country *cs = NULL;
    size_t n = 0;
    struct aw_view *list = aw_view_list(pg->arena);
    if (aw_store_countries(pg->store, pg->arena, pg->lang->code, &cs, &n) != AW_OK)
        return list;
    for (size_t i = 1; i < n; i++) /* by name in the page language */
        for (size_t j = i; j > 0 && aw_page_collate(pg, cs[j - 1].name, cs[j].name) > 0; j--) {
            struct aw_country t = cs[j];
            cs[j] = cs[j - 1];
            cs[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        struct aw_view *o = aw_view_push_map(list);
        aw_view_set_str(o, "value", cs[i].code);
        aw_view_set_str(o, "label", cs[i].name);
        aw_view_set_bool(o, "selected", f->n && strcmp(f->v[0], cs[i].code) == 0);
    }
    return list;
}

static struct aw_view *
org_options(struct aw_page *pg, struct fval *f)
{
    struct aw_org *orgs = NULL;
    size_t n = 0;
    struct aw_view *list = aw_view_list(pg->arena);
    if (aw_store_orgs(pg->store, pg->arena, &orgs, &n) != AW_OK)
        return list;
    for (size_t i = 0; i < n; i++) {
        struct aw_view *o = aw_view_push_map(list);
        const char *id = aw_arena_printf(pg->arena, "%lld", (long long)orgs[i].id);
        aw_view_set_str(o, "value", id);
        aw_view_set_str(o, "label",
                        orgs[i].country_code
                            ? aw_arena_printf(pg->arena, "%s (%s)", orgs[i].name,
                                              aw_page_country_name(pg, orgs[i].country_code))
                            : orgs[i].name);
        aw_view_set_bool(o, "selected", f->n && strcmp(f->v[0], id) == 0);
    }
    return list;
}

/* What a value looks like when shown back: invalid UTF-8 sequences become
 * U+FFFD, so that the page stays valid UTF-8 while the message next to the
 * field says what was wrong. */
static const char *
displayable(struct aw_page *pg, const char *v)
{
    size_t n = strlen(v);
    if (aw_utf8_valid(v, n))
        return v;
    struct aw_buf b = AW_BUF_INIT(n * 3 + 1);
    for (size_t i = 0; i < n;) {
        size_t len = 1;
        unsigned char c = (unsigned char)v[i];
        len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (i + len <= n && aw_utf8_valid(v + i, len)) {
            aw_buf_append(&b, v + i, len);
            i += len;
        } else {
            aw_buf_puts(&b, "\xEF\xBF\xBD");
            i++;
        }
    }
    const char *out = aw_arena_strdup(pg->arena, aw_buf_cstr(&b));
    aw_buf_free(&b);
    return out;
}

struct aw_view *
aw_form_view(struct aw_page *pg, struct aw_form *form)
{
    struct aw_view *v = aw_view_map(pg->arena);
    struct aw_view *errs = aw_view_list(pg->arena);
    for (size_t i = 0; i < NFIELDS; i++) {
        struct fval *f = &form->f[i];
        const struct fdef *d = f->def;
        if (d->contact && !form->with_contact)
            continue;
        struct aw_view *fv = aw_view_set_map(v, d->name);
        aw_view_set_str(fv, "name", d->name);
        aw_view_set_str(fv, "id", aw_arena_printf(pg->arena, "f-%s", d->name));
        aw_view_set_str(fv, "label", _(d->label));
        if (d->hint)
            aw_view_set_str(fv, "hint", _(d->hint));
        else
            aw_view_set_bool(fv, "hint", false);
        aw_view_set_bool(fv, "required", d->required);
        aw_view_set_str(fv, "value", f->n ? displayable(pg, f->v[0]) : "");
        aw_view_set_bool(fv, "checked", f->n && strcmp(f->v[0], "yes") == 0);
        aw_view_set_int(fv, "max", d->max_chars);
        if (f->error) {
            aw_view_set_str(fv, "error", f->error);
            struct aw_view *e = aw_view_push_map(errs);
            aw_view_set_str(e, "id", aw_arena_printf(pg->arena, "f-%s", d->name));
            aw_view_set_str(e, "label", _(d->label));
            aw_view_set_str(e, "error", f->error);
        } else {
            aw_view_set_bool(fv, "error", false);
        }
        switch (d->type) {
        case F_KINDS:
            aw_view_set(fv, "options", term_options(pg, f, AW_VOCAB_ACTIVITY_KIND));
            break;
        case F_AUDIENCES:
            aw_view_set(fv, "options", term_options(pg, f, AW_VOCAB_AUDIENCE));
            break;
        case F_LANGS: {
            size_t n = AW_NELEM(language_codes) - 1;
            struct opt *o = aw_arena_calloc(pg->arena, n + 1, sizeof(*o));
            for (size_t k = 0; k < n; k++)
                o[k] = (struct opt){language_codes[k], aw_label_language(language_codes[k])};
            aw_view_set(fv, "options", options(pg, f, o, n, true));
            break;
        }
        case F_ORG_KIND:
            aw_view_set(fv, "options", term_options(pg, f, AW_VOCAB_ORG_KIND));
            break;
        case F_COUNTRY:
            aw_view_set(fv, "options", country_options(pg, f));
            break;
        case F_ORG:
            aw_view_set(fv, "options", org_options(pg, f));
            aw_view_set_bool(fv, "is_new", f->n && strcmp(f->v[0], "new") == 0);
            break;
        default:
            break;
        }
    }
    aw_view_set(v, "errors", errs);
    aw_view_set_bool(v, "has_errors", aw_view_len(errs) > 0);
    aw_view_set_int(v, "error_count", form->errors);
    aw_view_set_bool(v, "with_contact", form->with_contact);
    return v;
}

void
aw_form_to_activity(struct aw_page *pg, struct aw_form *form, int year, struct aw_activity *act)
{
    struct aw_draft d;
    form_to_draft(pg, form, &d);
    *act = d.act;
    act->edition_year = year;
    act->slug = "";
    if (!d.org.id || aw_store_org(pg->store, pg->arena, d.org.id, &act->org) != AW_OK) {
        act->org = d.org;
        act->org.id = 0;
        act->org.slug = "";
    }
}
