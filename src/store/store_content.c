/* store_content.c: the public content of the SQL store (store_int.h,
 * aw_be_*): countries, editions, organisations, activities (their lists read
 * for a whole page in a fixed number of statements), tools, statements,
 * documents, help services; reads and the upserts the loaders use. */
#include "store_sql_int.h"

/* ---- countries ---- */

/* A row_fn: ctx is the language. */
static void
read_country(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    const char *lang = ctx;
    struct aw_country *c = elem;
    const char *code = aw_sql_text(s, 0);

    memset(c, 0, sizeof(*c));
    snprintf(c->code, sizeof(c->code), "%s", code ? (const char *)code : "");
    c->name_en = sq_col_str(a, s, 1);
    c->name_fr = sq_col_str_nonempty(a, s, 2);
    c->name = sq_pick_name(lang, c->name_en, c->name_fr);
    c->coe_member = aw_sql_int(s, 3) != 0;
    c->coe_joined_year = aw_sql_int(s, 4);
    c->coe_left_year = aw_sql_int(s, 5);
    c->lanzarote_year = aw_sql_int(s, 6);
}

enum aw_err
aw_be_countries(struct aw_store_be *be, struct aw_arena *a, const char *lang,
                struct aw_country **out, size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc = sq_read_rows(be, a, be->stmt[S_COUNTRIES], "countries", sizeof(**out),
                                  read_country, lang, &v, &len);

    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

enum aw_err
aw_be_country(struct aw_store_be *be, struct aw_arena *a, const char *lang, const char *code,
              struct aw_country *out)
{
    sq_b_text(be, be->stmt[S_COUNTRY], 1, code);
    return sq_read_one(be, a, be->stmt[S_COUNTRY], "country", sizeof(*out), read_country, lang,
                       out);
}

enum aw_err
aw_be_put_country(struct aw_store_be *be, const struct aw_country *c)
{
    struct aw_sql_stmt *s = be->stmt[S_PUT_COUNTRY];

    sq_b_text(be, s, 1, c->code);
    sq_b_text(be, s, 2, c->name_en);
    sq_b_text(be, s, 3, (c->name_fr && c->name_fr[0]) ? c->name_fr : NULL);
    sq_b_int(be, s, 4, c->coe_member ? 1 : 0);
    sq_b_int_if(be, s, 5, c->coe_joined_year > 0, c->coe_joined_year);
    sq_b_int_if(be, s, 6, c->coe_left_year > 0, c->coe_left_year);
    sq_b_int_if(be, s, 7, c->lanzarote_year > 0, c->lanzarote_year);
    return sq_run(be, s, "put_country");
}

/* ---- editions ---- */

static void
read_edition(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_edition *e = elem;

    (void)ctx;
    memset(e, 0, sizeof(*e));
    e->id = aw_sql_int64(s, 0);
    e->year = aw_sql_int(s, 1);
    e->number = aw_sql_int(s, 2);
    e->theme = sq_col_str_nonempty(a, s, 3);
    e->theme_why = sq_col_str_nonempty(a, s, 4);
    e->invitation = sq_col_str_nonempty(a, s, 5);
    e->js_supported_count = aw_sql_is_null(s, 6) ? -1 : aw_sql_int(s, 6);
    e->activity_count = aw_sql_int(s, 7);
}

static enum aw_err
fill_issuers(struct aw_store_be *be, struct aw_arena *a, struct aw_edition *e, size_t n)
{
    enum aw_err rc = AW_OK;

    for (size_t i = 0; i < n && rc == AW_OK; i++)
        rc = sq_read_strings(be, a, S_EDITION_ISSUERS, e[i].id, &e[i].js_issued_by,
                             &e[i].js_issued_n);
    return rc;
}

enum aw_err
aw_be_editions(struct aw_store_be *be, struct aw_arena *a, const char *lang,
               struct aw_edition **out, size_t *n)
{
    enum aw_err rc;
    void *v = NULL;
    size_t len = 0;

    (void)lang; /* themes are stored in English only for now */
    rc = sq_read_rows(be, a, be->stmt[S_EDITIONS], "editions", sizeof(**out), read_edition, NULL,
                      &v, &len);
    if (rc == AW_OK)
        rc = fill_issuers(be, a, v, len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

/* One edition from S_EDITION or S_EDITION_CURRENT bound to year. */
static enum aw_err
one_edition(struct aw_store_be *be, struct aw_arena *a, enum stmt_id sid, int year,
            struct aw_edition *out)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[sid];

    sq_b_int(be, s, 1, year);
    rc = sq_read_one(be, a, s, "edition", sizeof(*out), read_edition, NULL, out);
    if (rc == AW_OK)
        rc = fill_issuers(be, a, out, 1);
    return rc;
}

enum aw_err
aw_be_edition(struct aw_store_be *be, struct aw_arena *a, const char *lang, int year,
              struct aw_edition *out)
{
    (void)lang;
    return one_edition(be, a, S_EDITION, year, out);
}

enum aw_err
aw_be_edition_current(struct aw_store_be *be, struct aw_arena *a, const char *lang, int year,
                      struct aw_edition *out)
{
    (void)lang;
    return one_edition(be, a, S_EDITION_CURRENT, year, out);
}

static enum aw_err
edition_rows(struct aw_store_be *be, const struct aw_edition *e)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_PUT_EDITION];
    int64_t id = 0;
    bool found;

    sq_b_int(be, s, 1, e->year);
    sq_b_int(be, s, 2, e->number);
    sq_b_text(be, s, 3, e->theme);
    sq_b_text(be, s, 4, e->theme_why);
    sq_b_text(be, s, 5, e->invitation);
    sq_b_int_if(be, s, 6, e->js_supported_count >= 0, e->js_supported_count);
    rc = sq_run_id(be, s, "put_edition", &id, &found);
    if (rc != AW_OK)
        goto out;
    sq_b_int(be, be->stmt[S_DEL_ISSUERS], 1, id);
    rc = sq_run(be, be->stmt[S_DEL_ISSUERS], "put_edition: issuers");
    for (size_t i = 0; i < e->js_issued_n && rc == AW_OK; i++) {
        s = be->stmt[S_ADD_ISSUER];
        sq_b_int(be, s, 1, id);
        sq_b_int(be, s, 2, (int64_t)i);
        sq_b_text(be, s, 3, e->js_issued_by[i]);
        rc = sq_run(be, s, "put_edition: issuer");
    }
out:
    return rc;
}

enum aw_err
aw_be_put_edition(struct aw_store_be *be, const struct aw_edition *e)
{
    enum aw_err rc = sq_savepoint_begin(be);

    if (rc == AW_OK)
        rc = sq_savepoint_end(be, edition_rows(be, e));
    return rc;
}

/* ---- organisations ---- */

/* Six columns from k: id, slug, name, kind, country_code, website. */
static void
read_org(struct aw_arena *a, struct aw_sql_stmt *s, int k, struct aw_org *o)
{
    o->id = aw_sql_int64(s, k);
    o->slug = sq_col_str(a, s, k + 1);
    o->name = sq_col_str(a, s, k + 2);
    o->kind = sq_col_str(a, s, k + 3);
    o->country_code = sq_col_str_nonempty(a, s, k + 4);
    o->website = sq_col_str_nonempty(a, s, k + 5);
}

static void
row_org(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    (void)ctx;
    read_org(a, s, 0, elem);
}

enum aw_err
aw_be_org(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_org *out)
{
    sq_b_int(be, be->stmt[S_ORG], 1, id);
    return sq_read_one(be, a, be->stmt[S_ORG], "org", sizeof(*out), row_org, NULL, out);
}

enum aw_err
aw_be_put_org(struct aw_store_be *be, const struct aw_org *o, int64_t *id)
{
    enum aw_err rc = AW_OK;
    char stem[AW_SLUG_MAX + 1], slug[AW_SLUG_MAX + 1];
    int64_t rid = 0;
    bool found = false;
    const char *kind = o->kind;

    /* that the kind is a term of the vocabulary is the loaders' check (they
     * hold the vocabulary); the store keeps the code's shape */
    if (o->name == NULL || o->name[0] == '\0' || !aw_term_code_ok(kind)) {
        snprintf(be->errmsg, sizeof(be->errmsg), "put_org: a name and a valid kind are needed");
        return AW_EINVAL;
    }
    aw_store__slugify((o->slug && o->slug[0]) ? o->slug : o->name, stem, sizeof(stem));
    for (int i = 1; i <= SLUG_TRIES && rc == AW_OK && !found; i++) {
        /* the existing row (an update keeps its slug), else a new one */
        struct aw_sql_stmt *s = be->stmt[S_ORG_UPDATE];
        sq_b_text(be, s, 1, o->name);
        sq_b_text(be, s, 2, o->country_code);
        sq_b_text(be, s, 3, kind);
        sq_b_text(be, s, 4, o->website);
        rc = sq_run_id(be, s, "put_org", &rid, &found);
        if (rc != AW_OK || found)
            break;
        s = be->stmt[S_ORG_INSERT];
        sq_slug_try(stem, i, slug, sizeof(slug));
        sq_b_text(be, s, 1, slug);
        sq_b_text(be, s, 2, o->name);
        sq_b_text(be, s, 3, kind);
        sq_b_text(be, s, 4, o->country_code);
        sq_b_text(be, s, 5, o->website);
        /* no row: the slug was taken, or the same organisation was just
         * inserted by another connection (the next round updates it) */
        rc = sq_run_id(be, s, "put_org", &rid, &found);
    }
    if (rc == AW_OK && !found)
        rc = sq_no_free_slug(be, stem);
    if (rc == AW_OK && id != NULL)
        *id = rid;
    return rc;
}

/* ---- activities ---- */

static void
read_activity(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_activity *act = elem;

    (void)ctx;
    memset(act, 0, sizeof(*act));
    act->id = aw_sql_int64(s, 0);
    act->slug = sq_col_str(a, s, 1);
    act->edition_year = aw_sql_int(s, 2);
    read_org(a, s, 3, &act->org);
    act->country_code = sq_col_str_nonempty(a, s, 9);
    act->title = sq_col_str(a, s, 10);
    act->summary = sq_col_str(a, s, 11);
    act->start_date = sq_col_str_nonempty(a, s, 12);
    act->end_date = sq_col_str_nonempty(a, s, 13);
    act->place = sq_col_str_nonempty(a, s, 14);
    act->online = aw_sql_int(s, 15) != 0;
}

/* An activity's id and its place in the list, sorted by id to find it. */
struct by_id {
    int64_t id;
    size_t at;
};

static int
cmp_by_id(const void *x, const void *y)
{
    int64_t a = ((const struct by_id *)x)->id, b = ((const struct by_id *)y)->id;
    return (a > b) - (a < b);
}

static struct aw_activity *
activity_of(struct aw_activity *v, const struct by_id *order, size_t n, int64_t id)
{
    struct by_id key = {id, 0};
    const struct by_id *hit = bsearch(&key, order, n, sizeof(*order), cmp_by_id);
    return hit ? &v[hit->at] : NULL;
}

/* One child list of every activity of v: rows (activity_id, value...) in
 * activity order, each run appended to its activity's array. */
static enum aw_err
fill_list(struct aw_store_be *be, struct aw_arena *a, enum stmt_id sid, const char *ids,
          struct aw_activity *v, const struct by_id *order, size_t n, size_t *caps)
{
    struct aw_sql_stmt *s = be->stmt[sid];
    enum aw_err rc = AW_OK;
    int r;

    memset(caps, 0, n * sizeof(*caps));
    sq_b_text(be, s, 1, ids);
    while ((r = sq_step(be, s)) == AW_SQL_ROW) {
        struct aw_activity *act = activity_of(v, order, n, aw_sql_int64(s, 0));
        if (act == NULL)
            continue;
        size_t *cap = &caps[act - v];
        if (sid == S_ACT_LINKS) {
            act->links = sq_grow(a, (void *)act->links, cap, act->links_n, sizeof(*act->links));
            act->links[act->links_n++] =
                (struct aw_link){.label = sq_col_str(a, s, 1), .url = sq_col_str(a, s, 2)};
            continue;
        }
        const char ***list = sid == S_ACT_KINDS       ? &act->kinds
                             : sid == S_ACT_AUDIENCES ? &act->audiences
                                                      : &act->languages;
        size_t *len = sid == S_ACT_KINDS       ? &act->kinds_n
                      : sid == S_ACT_AUDIENCES ? &act->audiences_n
                                               : &act->languages_n;
        *list = sq_grow(a, (void *)*list, cap, *len, sizeof(**list));
        (*list)[(*len)++] = sq_col_str(a, s, 1);
    }
    if (r != AW_SQL_DONE)
        rc = sq_fail(be, "reading the activities' lists", r);
    sq_finish(be, s);
    return rc;
}

/* The one place where the multi-valued fields of activities are read: four
 * statements for the whole list (kinds, audiences, languages, links), not
 * four per activity: on PostgreSQL each statement is a round trip, and the
 * edition page ran 241 of them (docs/BENCHMARKS.md, "SQLite and
 * PostgreSQL"). */
static enum aw_err
fill_activities(struct aw_store_be *be, struct aw_arena *a, struct aw_activity *v, size_t n)
{
    static const enum stmt_id lists[] = {S_ACT_KINDS, S_ACT_AUDIENCES, S_ACT_LANGUAGES,
                                         S_ACT_LINKS};
    enum aw_err rc = AW_OK;

    if (n == 0)
        return AW_OK;
    struct by_id *order = aw_arena_calloc(a, n, sizeof(*order));
    size_t *caps = aw_arena_calloc(a, n, sizeof(*caps));
    struct aw_buf ids = AW_BUF_INIT(1u << 20);
    aw_buf_putc(&ids, '[');
    for (size_t i = 0; i < n; i++) {
        order[i] = (struct by_id){v[i].id, i};
        aw_buf_printf(&ids, "%s%lld", i ? "," : "", (long long)v[i].id);
    }
    aw_buf_putc(&ids, ']');
    if (aw_buf_err(&ids) != AW_OK) {
        aw_buf_free(&ids);
        snprintf(be->errmsg, sizeof(be->errmsg), "too many activities in one list");
        return AW_ETOOBIG;
    }
    qsort(order, n, sizeof(*order), cmp_by_id);
    const char *text = aw_arena_strdup(a, aw_buf_cstr(&ids));
    aw_buf_free(&ids);
    for (size_t i = 0; i < AW_NELEM(lists) && rc == AW_OK; i++)
        rc = fill_list(be, a, lists[i], text, v, order, n, caps);
    return rc;
}

/* Runs an activity query bound by the caller and reads every row. */
static enum aw_err
activity_list(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s,
              struct aw_activity **out, size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc =
        sq_read_rows(be, a, s, "activities", sizeof(**out), read_activity, NULL, &v, &len);

    if (rc == AW_OK)
        rc = fill_activities(be, a, v, len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

enum aw_err
aw_be_activities_by_edition(struct aw_store_be *be, struct aw_arena *a, int year,
                            struct aw_activity **out, size_t *n)
{
    sq_b_int(be, be->stmt[S_ACTS_BY_EDITION], 1, year);
    return activity_list(be, a, be->stmt[S_ACTS_BY_EDITION], out, n);
}

enum aw_err
aw_be_activities_by_country(struct aw_store_be *be, struct aw_arena *a, const char *code,
                            struct aw_activity **out, size_t *n)
{
    sq_b_text(be, be->stmt[S_ACTS_BY_COUNTRY], 1, code);
    return activity_list(be, a, be->stmt[S_ACTS_BY_COUNTRY], out, n);
}

enum aw_err
aw_be_activities_by_org(struct aw_store_be *be, struct aw_arena *a, int64_t org_id,
                        struct aw_activity **out, size_t *n)
{
    sq_b_int(be, be->stmt[S_ACTS_BY_ORG], 1, org_id);
    return activity_list(be, a, be->stmt[S_ACTS_BY_ORG], out, n);
}

enum aw_err
aw_be_activity(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_activity *out)
{
    enum aw_err rc;
    struct aw_activity *v = NULL;
    size_t n = 0;

    sq_b_int(be, be->stmt[S_ACT], 1, id);
    rc = activity_list(be, a, be->stmt[S_ACT], &v, &n);
    if (rc == AW_OK && n == 0)
        rc = AW_ENOTFOUND;
    if (rc == AW_OK)
        *out = v[0];
    return rc;
}

/* Replaces the rows of one child list (kinds, audiences or languages). */
static enum aw_err
put_strings(struct aw_store_be *be, enum stmt_id del, enum stmt_id add, int64_t id,
            const char *const *v, size_t n)
{
    enum aw_err rc;

    sq_b_int(be, be->stmt[del], 1, id);
    rc = sq_run(be, be->stmt[del], "replacing a list");
    for (size_t i = 0; i < n && rc == AW_OK; i++) {
        sq_b_int(be, be->stmt[add], 1, id);
        sq_b_int(be, be->stmt[add], 2, (int64_t)i);
        sq_b_text(be, be->stmt[add], 3, v[i]);
        rc = sq_run(be, be->stmt[add], "adding to a list");
    }
    return rc;
}

static enum aw_err
put_activity_children(struct aw_store_be *be, int64_t id, const struct aw_activity *act)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_ACT_ADD_LINK];

    rc = put_strings(be, S_ACT_DEL_KINDS, S_ACT_ADD_KIND, id, act->kinds, act->kinds_n);
    if (rc == AW_OK)
        rc = put_strings(be, S_ACT_DEL_AUDIENCES, S_ACT_ADD_AUDIENCE, id, act->audiences,
                         act->audiences_n);
    if (rc == AW_OK)
        rc = put_strings(be, S_ACT_DEL_LANGUAGES, S_ACT_ADD_LANGUAGE, id, act->languages,
                         act->languages_n);
    if (rc == AW_OK) {
        sq_b_int(be, be->stmt[S_ACT_DEL_LINKS], 1, id);
        rc = sq_run(be, be->stmt[S_ACT_DEL_LINKS], "put_activity: links");
    }
    for (size_t i = 0; i < act->links_n && rc == AW_OK; i++) {
        sq_b_int(be, s, 1, id);
        sq_b_int(be, s, 2, (int64_t)i);
        sq_b_text(be, s, 3, act->links[i].label ? act->links[i].label : "");
        sq_b_text(be, s, 4, act->links[i].url);
        rc = sq_run(be, s, "put_activity: link");
    }
    return rc;
}

/* ?2..?12 of S_ACT_INSERT and S_ACT_UPDATE. */
static void
bind_activity(struct aw_store_be *be, struct aw_sql_stmt *s, const struct aw_activity *act,
              int64_t ed, const char *status, const char *now)
{
    sq_b_int(be, s, 2, ed);
    sq_b_int(be, s, 3, act->org.id);
    sq_b_text(be, s, 4, act->country_code);
    sq_b_text(be, s, 5, act->title);
    sq_b_text(be, s, 6, act->summary ? act->summary : "");
    sq_b_text(be, s, 7, act->start_date);
    sq_b_text(be, s, 8, act->end_date);
    sq_b_text(be, s, 9, act->place);
    sq_b_int(be, s, 10, act->online ? 1 : 0);
    sq_b_text(be, s, 11, status);
    sq_b_text(be, s, 12, now);
}

static enum aw_err
activity_rows(struct aw_store_be *be, const struct aw_activity *act, const char *source_key,
              bool published, int64_t *id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s;
    int64_t ed = 0, rid = 0;
    bool found = false;
    char now[21], slug[AW_SLUG_MAX + 1];
    const char *status = published ? "published" : "pending";

    if (act->org.id <= 0 || act->title == NULL) {
        snprintf(be->errmsg, sizeof(be->errmsg), "put_activity: org.id and title are needed");
        rc = AW_EINVAL;
        goto out;
    }
    rc = sq_edition_id(be, act->edition_year, &ed);
    if (rc != AW_OK)
        goto out;
    if (source_key != NULL) {
        sq_b_text(be, be->stmt[S_ACT_BY_SOURCE], 1, source_key);
        rc = sq_run_id(be, be->stmt[S_ACT_BY_SOURCE], "put_activity", &rid, &found);
    } else if (act->id > 0) {
        sq_b_int(be, be->stmt[S_ACT_BY_ID], 1, act->id);
        rc = sq_run_id(be, be->stmt[S_ACT_BY_ID], "put_activity", &rid, &found);
        if (rc == AW_OK && !found) {
            snprintf(be->errmsg, sizeof(be->errmsg), "put_activity: no activity %lld",
                     (long long)act->id);
            rc = AW_ENOTFOUND;
        }
    }
    if (rc != AW_OK)
        goto out;
    aw_store__now(now);
    if (found) {
        s = be->stmt[S_ACT_UPDATE];
        sq_b_int(be, s, 1, rid);
        bind_activity(be, s, act, ed, status, now);
        rc = sq_run(be, s, "put_activity");
    } else {
        /* the first free slug, as the unique constraint says (no probe) */
        char stem[AW_SLUG_MAX + 1];
        aw_store__slugify((act->slug && act->slug[0]) ? act->slug : act->title, stem, sizeof(stem));
        for (int i = 1; i <= SLUG_TRIES && rc == AW_OK && !found; i++) {
            s = be->stmt[S_ACT_INSERT];
            sq_slug_try(stem, i, slug, sizeof(slug));
            sq_b_text(be, s, 1, slug);
            sq_b_text(be, s, 13, source_key);
            bind_activity(be, s, act, ed, status, now);
            rc = sq_run_id(be, s, "put_activity", &rid, &found);
        }
        if (rc == AW_OK && !found)
            rc = sq_no_free_slug(be, stem);
    }
    if (rc != AW_OK)
        goto out;
    rc = put_activity_children(be, rid, act);
    if (rc != AW_OK)
        goto out;
    if (id != NULL)
        *id = rid;
out:
    return rc;
}

enum aw_err
aw_be_put_activity(struct aw_store_be *be, const struct aw_activity *act, const char *source_key,
                   bool published, int64_t *id)
{
    enum aw_err rc = sq_savepoint_begin(be);

    if (rc == AW_OK)
        rc = sq_savepoint_end(be, activity_rows(be, act, source_key, published, id));
    return rc;
}

/* ---- tools, statements, documents ---- */

static void
read_tool(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_tool *t = elem;

    (void)ctx;
    t->id = aw_sql_int64(s, 0);
    t->kind = sq_col_str(a, s, 1);
    t->title = sq_col_str(a, s, 2);
    t->description = sq_col_str_nonempty(a, s, 3);
    t->url = sq_col_str_nonempty(a, s, 4);
}

enum aw_err
aw_be_tools(struct aw_store_be *be, struct aw_arena *a, int year, struct aw_tool **out, size_t *n)
{
    enum aw_err rc;
    struct aw_tool *v = NULL;
    void *rows = NULL;
    size_t len = 0;

    sq_b_int(be, be->stmt[S_TOOLS], 1, year);
    rc = sq_read_rows(be, a, be->stmt[S_TOOLS], "tools", sizeof(*v), read_tool, NULL, &rows, &len);
    v = rows;
    for (size_t i = 0; i < len && rc == AW_OK; i++)
        rc = sq_read_strings(be, a, S_TOOL_LANGUAGES, v[i].id, &v[i].languages, &v[i].languages_n);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

static enum aw_err
tool_rows(struct aw_store_be *be, int year, const struct aw_tool *t, int64_t *id)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_PUT_TOOL];
    int64_t ed = 0, rid = 0;
    bool found;

    rc = sq_edition_id(be, year, &ed);
    if (rc != AW_OK)
        goto out;
    sq_b_int(be, s, 1, ed);
    sq_b_text(be, s, 2, t->kind);
    sq_b_text(be, s, 3, t->title);
    sq_b_text(be, s, 4, t->description);
    sq_b_text(be, s, 5, t->url);
    rc = sq_run_id(be, s, "put_tool", &rid, &found);
    if (rc != AW_OK)
        goto out;
    rc = put_strings(be, S_TOOL_DEL_LANGUAGES, S_TOOL_ADD_LANGUAGE, rid, t->languages,
                     t->languages_n);
    if (rc != AW_OK)
        goto out;
    if (id != NULL)
        *id = rid;
out:
    return rc;
}

enum aw_err
aw_be_put_tool(struct aw_store_be *be, int year, const struct aw_tool *t, int64_t *id)
{
    enum aw_err rc = sq_savepoint_begin(be);

    if (rc == AW_OK)
        rc = sq_savepoint_end(be, tool_rows(be, year, t, id));
    return rc;
}

static void
read_statement(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_statement *st = elem;

    (void)ctx;
    st->id = aw_sql_int64(s, 0);
    st->edition_year = aw_sql_int(s, 1);
    st->speaker = sq_col_str_nonempty(a, s, 2);
    st->speaker_role = sq_col_str_nonempty(a, s, 3);
    read_org(a, s, 4, &st->org);
    st->summary = sq_col_str(a, s, 10);
    st->url = sq_col_str_nonempty(a, s, 11);
}

enum aw_err
aw_be_statements(struct aw_store_be *be, struct aw_arena *a, int year, struct aw_statement **out,
                 size_t *n)
{
    enum aw_err rc;
    void *v = NULL;
    size_t len = 0;

    sq_b_int(be, be->stmt[S_STATEMENTS], 1, year);
    rc = sq_read_rows(be, a, be->stmt[S_STATEMENTS], "statements", sizeof(**out), read_statement,
                      NULL, &v, &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

enum aw_err
aw_be_put_statement(struct aw_store_be *be, const struct aw_statement *st, int64_t *id)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_PUT_STATEMENT];
    int64_t ed = 0, rid = 0;
    bool found;

    rc = sq_edition_id(be, st->edition_year, &ed);
    if (rc != AW_OK)
        goto out;
    sq_b_int(be, s, 1, ed);
    sq_b_int(be, s, 2, st->org.id);
    sq_b_text(be, s, 3, st->speaker ? st->speaker : "");
    sq_b_text(be, s, 4, st->speaker_role);
    sq_b_text(be, s, 5, st->summary ? st->summary : "");
    sq_b_text(be, s, 6, st->url);
    rc = sq_run_id(be, s, "put_statement", &rid, &found);
    if (rc == AW_OK && id != NULL)
        *id = rid;
out:
    return rc;
}

static void
read_document(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_document *d = elem;

    (void)ctx;
    d->id = aw_sql_int64(s, 0);
    d->edition_year = aw_sql_int(s, 1);
    d->title = sq_col_str(a, s, 2);
    d->kind = sq_col_str(a, s, 3);
    read_org(a, s, 4, &d->org);
    d->date = sq_col_str_nonempty(a, s, 10);
    d->url = sq_col_str_nonempty(a, s, 11);
}

enum aw_err
aw_be_documents(struct aw_store_be *be, struct aw_arena *a, int year, struct aw_document **out,
                size_t *n)
{
    enum aw_err rc;
    void *v = NULL;
    size_t len = 0;

    sq_b_int(be, be->stmt[S_DOCUMENTS], 1, year);
    rc = sq_read_rows(be, a, be->stmt[S_DOCUMENTS], "documents", sizeof(**out), read_document, NULL,
                      &v, &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

enum aw_err
aw_be_put_document(struct aw_store_be *be, const struct aw_document *d, int64_t *id)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_PUT_DOCUMENT];
    int64_t ed = 0, rid = 0;
    bool found;

    rc = sq_edition_id(be, d->edition_year, &ed);
    if (rc != AW_OK)
        goto out;
    sq_b_int(be, s, 1, ed);
    sq_b_int(be, s, 2, d->org.id);
    sq_b_text(be, s, 3, d->kind ? d->kind : "other");
    sq_b_text(be, s, 4, d->title);
    sq_b_text(be, s, 5, d->date);
    sq_b_text(be, s, 6, d->url);
    rc = sq_run_id(be, s, "put_document", &rid, &found);
    if (rc == AW_OK && id != NULL)
        *id = rid;
out:
    return rc;
}

/* ---- help services ---- */

static void
read_help_service(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_help_service *h = elem;
    const char *cc = aw_sql_text(s, 1);
    const char *kind = aw_sql_text(s, 2);

    (void)ctx;
    h->id = aw_sql_int64(s, 0);
    snprintf(h->country_code, sizeof(h->country_code), "%s", cc ? (const char *)cc : "");
    if (kind == NULL || aw_help_kind_parse((const char *)kind, &h->kind) != 0)
        h->kind = AW_HELP_HELPLINE;
    h->name = sq_col_str(a, s, 3);
    h->organisation = sq_col_str(a, s, 4);
    h->url = sq_col_str_nonempty(a, s, 5);
    h->phone = sq_col_str_nonempty(a, s, 6);
    sq_split_list(a, aw_sql_text(s, 7), &h->languages, &h->languages_n);
    h->source_url = sq_col_str_nonempty(a, s, 8);
    h->confidence = sq_col_str(a, s, 9);
    h->verified_at = sq_col_str_nonempty(a, s, 10);
    h->verified_by = sq_col_str_nonempty(a, s, 11);
    h->retired = !aw_sql_is_null(s, 12);
}

enum aw_err
aw_be_help_services(struct aw_store_be *be, struct aw_arena *a, const char *code,
                    bool include_unverified, struct aw_help_service **out, size_t *n)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[code ? S_HELP_COUNTRY : S_HELP_ALL];
    void *v = NULL;
    size_t len = 0;

    sq_b_int(be, s, 1, include_unverified ? 1 : 0);
    if (code != NULL)
        sq_b_text(be, s, 2, code);
    rc = sq_read_rows(be, a, s, "help services", sizeof(**out), read_help_service, NULL, &v, &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

enum aw_err
aw_be_put_help_service(struct aw_store_be *be, const struct aw_help_service *h, int64_t *id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_PUT_HELP];
    struct aw_buf langs = AW_BUF_INIT(4096);
    char now[21], today[11];
    const char *kind = aw_help_kind_str(h->kind);
    int64_t rid = 0;
    bool found;

    if (kind == NULL || h->name == NULL || h->confidence == NULL) {
        snprintf(be->errmsg, sizeof(be->errmsg),
                 "put_help_service: a kind, a name and a confidence are needed");
        rc = AW_EINVAL;
        goto out;
    }
    for (size_t i = 0; i < h->languages_n; i++) {
        if (i > 0)
            aw_buf_putc(&langs, ';');
        aw_buf_puts(&langs, h->languages[i]);
    }
    if (aw_buf_err(&langs) != AW_OK) {
        snprintf(be->errmsg, sizeof(be->errmsg), "put_help_service: too many languages");
        rc = AW_ETOOBIG;
        goto out;
    }
    aw_store__now(now);
    aw_store__today(today);
    sq_b_text(be, s, 1, h->country_code);
    sq_b_text(be, s, 2, kind);
    sq_b_text(be, s, 3, h->name);
    sq_b_text(be, s, 4, h->organisation ? h->organisation : "");
    sq_b_text(be, s, 5, h->url);
    sq_b_text(be, s, 6, h->phone);
    sq_b_text(be, s, 7, aw_buf_cstr(&langs));
    sq_b_text(be, s, 8, h->source_url);
    sq_b_text(be, s, 9, h->confidence);
    sq_b_text(be, s, 10, h->verified_at);
    sq_b_text(be, s, 11, h->verified_at ? h->verified_by : NULL);
    sq_b_text(be, s, 12, h->retired ? today : NULL);
    sq_b_text(be, s, 13, now);
    rc = sq_run_id(be, s, "put_help_service", &rid, &found);
    if (rc != AW_OK)
        goto out;
    if (!found) {
        s = be->stmt[S_HELP_ID];
        sq_b_text(be, s, 1, h->country_code);
        sq_b_text(be, s, 2, kind);
        sq_b_text(be, s, 3, h->name);
        rc = sq_run_id(be, s, "put_help_service", &rid, &found);
        if (rc != AW_OK)
            goto out;
    }
    if (id != NULL)
        *id = rid;
out:
    aw_buf_free(&langs);
    return rc;
}

enum aw_err
aw_be_org_find(struct aw_store_be *be, struct aw_arena *a, const char *name, const char *country,
               struct aw_org *out)
{
    struct aw_sql_stmt *s = be->stmt[S_ORG_FIND];

    sq_b_text(be, s, 1, name);
    sq_b_text(be, s, 2, (country && country[0]) ? country : NULL);
    return sq_read_one(be, a, s, "org_find", sizeof(*out), row_org, NULL, out);
}

enum aw_err
aw_be_orgs(struct aw_store_be *be, struct aw_arena *a, struct aw_org **out, size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc =
        sq_read_rows(be, a, be->stmt[S_ORGS], "orgs", sizeof(**out), row_org, NULL, &v, &len);

    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}
