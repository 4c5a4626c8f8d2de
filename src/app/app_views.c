/* app_views.c: turns domain objects (model.h) into the views the templates
 * render, in the page's language: URLs, localised labels, dates, Markdown. */
#include "app_int.h"

#include "aw/html.h"
#include "aw/text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int
aw_page_collate(struct aw_page *pg, const char *a, const char *b)
{
    return strcoll_l(a ? a : "", b ? b : "", pg->lang->loc);
}

const char *
aw_page_join_names(struct aw_page *pg, const char **names, size_t n)
{
    struct aw_buf b = AW_BUF_INIT(64 * 1024);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            aw_buf_puts(&b, i == n - 1 ? _(" and ") : ", ");
        aw_buf_puts(&b, names[i]);
    }
    const char *s = aw_arena_strdup(pg->arena, aw_buf_cstr(&b));
    aw_buf_free(&b);
    return s;
}

/* Labels of codes joined in the page language ("French and Dutch"); sorted
 * by the page's collation when `sorted` (sets such as languages). */
static const char *
join_labels_sorted(struct aw_page *pg, const char **codes, size_t n,
                   const char *(*label)(const char *), bool sorted)
{
    const char **names = aw_arena_calloc(pg->arena, n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n; i++) {
        names[i] = label(codes[i]);
        for (size_t j = i; sorted && j > 0 && aw_page_collate(pg, names[j - 1], names[j]) > 0;
             j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    }
    return aw_page_join_names(pg, names, n);
}

/* The labels of terms of a vocabulary, in the order given. */
static const char *
join_terms(struct aw_page *pg, enum aw_vocab_list l, const char **codes, size_t n)
{
    const char **names = aw_arena_calloc(pg->arena, n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = aw_page_term(pg, l, codes[i]);
    return aw_page_join_names(pg, names, n);
}

static int
parse_date(const char *s, struct tm *tm)
{
    int y, m, d;
    char extra;
    if (!s || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
        return -1;
    memset(tm, 0, sizeof(*tm));
    tm->tm_year = y - 1900;
    tm->tm_mon = m - 1;
    tm->tm_mday = d;
    tm->tm_hour = 12;
    return 0;
}

static const char *fmt_date(struct aw_page *pg, const struct tm *tm, const char *fmt)
    __attribute__((format(strftime, 3, 0)));

static const char *
fmt_date(struct aw_page *pg, const struct tm *tm, const char *fmt)
{
    char out[64];
    size_t n = strftime_l(out, sizeof(out), fmt, tm, pg->lang->loc);
    return aw_arena_strndup(pg->arena, out, n);
}

const char *
aw_page_wait_text(struct aw_page *pg, int64_t seconds)
{
    /* Rounded up: a visitor who comes back when told must not be refused
     * again. */
    long long minutes = seconds > 60 ? (long long)((seconds + 59) / 60) : 1;
    if (minutes <= 90)
        return aw_arena_printf(
            pg->arena, aw_i18n_ngettext("%lld minute", "%lld minutes", (unsigned long)minutes),
            minutes);
    long long hours = (long long)((seconds + 3599) / 3600);
    return aw_arena_printf(
        pg->arena, aw_i18n_ngettext("%lld hour", "%lld hours", (unsigned long)hours), hours);
}

/* TRANSLATORS: strftime format of a full date, e.g. 18 November 2017 */
#define FULL_DATE _("%-d %B %Y")

const char *
aw_page_date_range(struct aw_page *pg, const char *start, const char *end)
{
    struct tm a, b;
    if (parse_date(start, &a) != 0)
        return NULL;
    if (!end || strcmp(start, end) == 0 || parse_date(end, &b) != 0)
        return fmt_date(pg, &a, FULL_DATE);
    if (a.tm_year == b.tm_year && a.tm_mon == b.tm_mon)
        return aw_arena_printf(pg->arena, "%s–%s", fmt_date(pg, &a, _("%-d")),
                               fmt_date(pg, &b, FULL_DATE));
    if (a.tm_year == b.tm_year)
        return aw_arena_printf(pg->arena, "%s – %s", fmt_date(pg, &a, _("%-d %B")),
                               fmt_date(pg, &b, FULL_DATE));
    return aw_arena_printf(pg->arena, "%s – %s", fmt_date(pg, &a, FULL_DATE),
                           fmt_date(pg, &b, FULL_DATE));
}

const struct aw_country *
aw_page_countries(struct aw_page *pg, size_t *n)
{
    if (!pg->countries_read && pg->store) {
        pg->countries_read = true;
        if (aw_store_countries(pg->store, pg->arena, pg->lang->code, &pg->countries,
                               &pg->ncountries) != AW_OK)
            pg->ncountries = 0;
    }
    *n = pg->ncountries;
    return pg->countries;
}

const struct aw_vocab *
aw_page_vocab(struct aw_page *pg)
{
    if (pg->vocab == NULL) {
        struct aw_vocab *v = NULL;
        if (!pg->store || aw_store_vocab(pg->store, pg->arena, &v) != AW_OK) {
            if (pg->store)
                AW_ERROR("reading the vocabularies: %s", aw_store_errmsg(pg->store));
            v = aw_vocab_new(pg->arena); /* codes shown as they are, forms refuse them */
        }
        pg->vocab = v;
    }
    return pg->vocab;
}

const char *
aw_page_term(struct aw_page *pg, enum aw_vocab_list l, const char *code)
{
    return aw_vocab_label(aw_page_vocab(pg), l, code, pg->lang->code);
}

const char *
aw_page_country_name(struct aw_page *pg, const char *code)
{
    size_t n = 0;
    const struct aw_country *c = code ? aw_page_countries(pg, &n) : NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].code, code) == 0)
            return c[i].name;
    return code;
}

static struct aw_view *
links_view(struct aw_page *pg, const struct aw_link *links, size_t n)
{
    struct aw_view *list = aw_view_list(pg->arena);
    for (size_t i = 0; i < n; i++) {
        if (!links[i].url || !aw_html_url_ok(links[i].url, strlen(links[i].url)))
            continue;
        struct aw_view *l = aw_view_push_map(list);
        aw_view_set_str(l, "label",
                        links[i].label && *links[i].label ? links[i].label : links[i].url);
        aw_view_set_url(l, "url", links[i].url);
    }
    return list;
}

struct aw_view *
aw_page_org(struct aw_page *pg, const struct aw_org *org)
{
    struct aw_view *v = aw_view_map(pg->arena);
    aw_view_set_int(v, "id", org->id);
    aw_view_set_str(v, "name", org->name);
    /* an organisation not stored yet (a submission's preview) has no page */
    if (org->id > 0)
        aw_view_set_url(v, "url",
                        aw_page_url(pg, "organisation",
                                    aw_arena_printf(pg->arena, "%lld-%s", (long long)org->id,
                                                    org->slug ? org->slug : ""),
                                    NULL));
    else
        aw_view_set_bool(v, "url", false);
    aw_view_set_str(v, "kind", aw_page_term(pg, AW_VOCAB_ORG_KIND, org->kind));
    if (org->country_code) {
        struct aw_view *c = aw_view_set_map(v, "country");
        aw_view_set_str(c, "code", org->country_code);
        aw_view_set_str(c, "name", aw_page_country_name(pg, org->country_code));
        aw_view_set_url(c, "url", aw_page_url(pg, "country", org->country_code, NULL));
    } else {
        aw_view_set_bool(v, "country", false);
    }
    if (org->website && aw_html_url_ok(org->website, strlen(org->website)))
        aw_view_set_url(v, "website", org->website);
    else
        aw_view_set_bool(v, "website", false);
    return v;
}

struct aw_view *
aw_page_activity(struct aw_page *pg, const struct aw_activity *act)
{
    struct aw_arena *a = pg->arena;
    struct aw_view *v = aw_view_map(a);
    aw_view_set_int(v, "id", act->id);
    /* not published yet (a submission's preview): no page to link to */
    if (act->id > 0)
        aw_view_set_url(v, "url",
                        aw_page_url(pg, "activity",
                                    aw_arena_printf(a, "%lld-%s", (long long)act->id,
                                                    act->slug ? act->slug : ""),
                                    NULL));
    else
        aw_view_set_bool(v, "url", false);
    aw_view_set_str(v, "title", act->title);
    aw_view_set_html(v, "summary",
                     aw_html_markdown(a, act->summary ? act->summary : "",
                                      act->summary ? strlen(act->summary) : 0));
    aw_view_set(v, "org", aw_page_org(pg, &act->org));
    aw_view_set_int(v, "edition_year", act->edition_year);
    aw_view_set_url(v, "edition_url",
                    aw_page_url(pg, "edition", aw_arena_printf(a, "%d", act->edition_year), NULL));
    if (act->country_code) {
        struct aw_view *c = aw_view_set_map(v, "country");
        aw_view_set_str(c, "code", act->country_code);
        aw_view_set_str(c, "name", aw_page_country_name(pg, act->country_code));
        aw_view_set_url(c, "url", aw_page_url(pg, "country", act->country_code, NULL));
    } else {
        aw_view_set_bool(v, "country", false);
    }
    const char *when = aw_page_date_range(pg, act->start_date, act->end_date);
    if (when)
        aw_view_set_str(v, "when", when);
    else
        aw_view_set_bool(v, "when", false);
    if (act->start_date)
        aw_view_set_str(v, "start_date", act->start_date);
    else
        aw_view_set_bool(v, "start_date", false);
    if (act->place)
        aw_view_set_str(v, "place", act->place);
    else
        aw_view_set_bool(v, "place", false);
    aw_view_set_bool(v, "online", act->online);
    aw_view_set_str(v, "kinds", join_terms(pg, AW_VOCAB_ACTIVITY_KIND, act->kinds, act->kinds_n));
    if (act->audiences_n)
        aw_view_set_str(v, "audiences",
                        join_terms(pg, AW_VOCAB_AUDIENCE, act->audiences, act->audiences_n));
    else
        aw_view_set_bool(v, "audiences", false);
    if (act->languages_n)
        aw_view_set_str(
            v, "languages",
            join_labels_sorted(pg, act->languages, act->languages_n, aw_label_language, true));
    else
        aw_view_set_bool(v, "languages", false);
    struct aw_view *links = links_view(pg, act->links, act->links_n);
    aw_view_set(v, "links", links);
    aw_view_set_bool(v, "has_links", aw_view_len(links) > 0);
    return v;
}

struct aw_view *
aw_page_preview(struct aw_page *pg, const struct aw_activity *act)
{
    struct aw_view *v = aw_page_activity(pg, act);
    const char *md = act->summary ? act->summary : "";
    aw_view_set_bool(v, "html_dropped",
                     aw_text_check(md, strlen(md), AW_TEXT_MULTILINE | AW_TEXT_MARKDOWN) ==
                         AW_TEXT_HTML);
    return v;
}

struct aw_view *
aw_page_activities_by_edition(struct aw_page *pg, const struct aw_activity *acts, size_t n)
{
    struct aw_view *eds = aw_view_list(pg->arena);
    struct aw_view *cur = NULL;
    int cur_year = 0;
    for (size_t i = 0; i < n; i++) {
        if (!cur || acts[i].edition_year != cur_year) {
            cur_year = acts[i].edition_year;
            struct aw_view *e = aw_view_push_map(eds);
            aw_view_set_int(e, "year", cur_year);
            aw_view_set_url(
                e, "url",
                aw_page_url(pg, "edition", aw_arena_printf(pg->arena, "%d", cur_year), NULL));
            cur = aw_view_set_list(e, "activities");
        }
        aw_view_push(cur, aw_page_activity(pg, &acts[i]));
    }
    return eds;
}

struct aw_view *
aw_page_edition(struct aw_page *pg, const struct aw_edition *ed)
{
    struct aw_arena *a = pg->arena;
    struct aw_view *v = aw_view_map(a);
    aw_view_set_int(v, "year", ed->year);
    aw_view_set_int(v, "number", ed->number);
    aw_view_set_url(v, "url", aw_page_url(pg, "edition", aw_arena_printf(a, "%d", ed->year), NULL));
    if (ed->theme)
        aw_view_set_str(v, "theme", ed->theme);
    else
        aw_view_set_bool(v, "theme", false);
    const char *day = aw_arena_printf(a, "%04d-%s", ed->year, pg->app->cfg->day_date);
    aw_view_set_str(v, "date", aw_page_date_range(pg, day, NULL));
    aw_view_set_str(v, "iso_date", day);
    aw_view_set_int(v, "activity_count", ed->activity_count);
    aw_view_set_bool(v, "has_activities", ed->activity_count > 0);
    aw_view_set_str(
        v, "activity_count_text",
        aw_arena_printf(a,
                        aw_i18n_ngettext("%d activity recorded.", "%d activities recorded.",
                                         (unsigned long)ed->activity_count),
                        ed->activity_count));
    if (ed->theme_why)
        aw_view_set_html(v, "theme_why", aw_html_markdown(a, ed->theme_why, strlen(ed->theme_why)));
    else
        aw_view_set_bool(v, "theme_why", false);
    if (ed->invitation)
        aw_view_set_html(v, "invitation",
                         aw_html_markdown(a, ed->invitation, strlen(ed->invitation)));
    else
        aw_view_set_bool(v, "invitation", false);
    /* The joint statement: issuers by name, and how many supported it. */
    if (ed->js_issued_n > 0) {
        struct aw_view *js = aw_view_set_map(v, "joint_statement");
        const char **names = aw_arena_calloc(a, ed->js_issued_n, sizeof(*names));
        for (size_t i = 0; i < ed->js_issued_n; i++)
            names[i] = aw_page_country_name(pg, ed->js_issued_by[i]);
        /* Issuers in the page language's alphabetical order. */
        for (size_t i = 1; i < ed->js_issued_n; i++)
            for (size_t j = i; j > 0 && aw_page_collate(pg, names[j - 1], names[j]) > 0; j--) {
                const char *t = names[j];
                names[j] = names[j - 1];
                names[j - 1] = t;
            }
        aw_view_set_int(js, "issued_count", (int64_t)ed->js_issued_n);
        aw_view_set_str(js, "issuers", aw_page_join_names(pg, names, ed->js_issued_n));
        if (ed->js_supported_count >= 0)
            aw_view_set_int(js, "supported_count", ed->js_supported_count);
        else
            aw_view_set_bool(js, "supported_count", false);
    } else {
        aw_view_set_bool(v, "joint_statement", false);
    }
    return v;
}

static const char *
tel_url(struct aw_page *pg, const char *phone)
{
    char out[40];
    size_t k = 0;
    memcpy(out, "tel:", 4);
    k = 4;
    for (const char *p = phone; *p && k < sizeof(out) - 1; p++)
        if ((*p >= '0' && *p <= '9') || (*p == '+' && k == 4))
            out[k++] = *p;
    out[k] = '\0';
    return k > 4 ? aw_arena_strdup(pg->arena, out) : NULL;
}

struct aw_view *
aw_page_help_list(struct aw_page *pg, const struct aw_help_service *hs, size_t n)
{
    struct aw_view *groups = aw_view_list(pg->arena);
    for (int k = 0; k < AW_HELP_KIND_COUNT; k++) {
        struct aw_view *g = aw_view_push_map(groups);
        aw_view_set_str(g, "kind", aw_help_kind_str((enum aw_help_kind)k));
        aw_view_set_str(g, "label", aw_label_help_kind((enum aw_help_kind)k));
        struct aw_view *list = aw_view_set_list(g, "services");
        for (size_t i = 0; i < n; i++) {
            if ((int)hs[i].kind != k)
                continue;
            struct aw_view *s = aw_view_push_map(list);
            aw_view_set_str(s, "name", hs[i].name);
            aw_view_set_str(s, "organisation", hs[i].organisation);
            if (hs[i].url && aw_html_url_ok(hs[i].url, strlen(hs[i].url)))
                aw_view_set_url(s, "url", hs[i].url);
            else
                aw_view_set_bool(s, "url", false);
            const char *tel = hs[i].phone ? tel_url(pg, hs[i].phone) : NULL;
            if (tel) {
                aw_view_set_str(s, "phone", hs[i].phone);
                aw_view_set_url(s, "tel", tel);
            } else {
                aw_view_set_bool(s, "phone", false);
            }
            if (hs[i].languages_n)
                aw_view_set_str(s, "languages",
                                join_labels_sorted(pg, hs[i].languages, hs[i].languages_n,
                                                   aw_label_language, false));
            else
                aw_view_set_bool(s, "languages", false);
            const char *verified = aw_page_date_range(pg, hs[i].verified_at, NULL);
            if (verified) {
                aw_view_set_str(s, "verified", verified);
                aw_view_set_str(s, "verified_date", hs[i].verified_at);
                aw_view_set_str(s, "verified_by", hs[i].verified_by ? hs[i].verified_by : "");
            } else {
                aw_view_set_bool(s, "verified", false);
            }
        }
        aw_view_set_bool(g, "empty", aw_view_len(list) == 0);
    }
    return groups;
}
