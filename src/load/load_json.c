/* load_json.c: awareday JSON data files (docs/DATA.md), read with jansson,
 * and the validators of organisations and activities (check_org_fields,
 * check_activity_fields) that payloads and imports use too. Errors: "FILE:
 * activities[3].start: message". A file is validated whole before it is
 * written, in one transaction; loading it again changes no counts. */
#include "load_int.h"

/* ======================================================================
 * JSON
 * ====================================================================== */

void
ld_issue_add(struct isink *k, unsigned row, const char *column, const char *msg)
{
    k->total++;
    if (k->n >= MAX_ISSUES)
        return;
    if (k->n == k->cap) {
        size_t ncap = k->cap ? k->cap * 2 : 16;
        struct aw_load_issue *nv = aw_arena_calloc(k->a, ncap, sizeof(*nv));
        if (k->n > 0)
            memcpy(nv, k->v, k->n * sizeof(*nv));
        k->v = nv;
        k->cap = ncap;
    }
    k->v[k->n].row = row;
    k->v[k->n].column = aw_arena_strdup(k->a, column);
    k->v[k->n].message = aw_arena_strdup(k->a, msg);
    k->n++;
}

void
ld_issue_addf(struct isink *k, unsigned row, const char *column, const char *fmt, ...)
{
    va_list ap;
    char msg[512];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ld_issue_add(k, row, column, msg);
}

/* "FILE: PATH: message" into err, or an issue (row, PATH, message); AW_EINVAL. */
enum aw_err
ld_jfail(struct jctx *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    char msg[1024];
    enum aw_err rc = AW_EINVAL;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->iss != NULL)
        ld_issue_add(c->iss, c->row, path, msg);
    else
        rc = ld_fail(AW_EINVAL, c->err, c->errlen, "%s: %s: %s", c->name, path, msg);
    return rc;
}

/* Records the result r of one check into *rc (the first error stays); true
 * when the caller must stop: an error, outside an import. */
bool
ld_stop(struct jctx *c, enum aw_err *rc, enum aw_err r)
{
    if (r != AW_OK && *rc == AW_OK)
        *rc = r;
    return r != AW_OK && c->iss == NULL;
}

enum aw_err
ld_vocab(struct jctx *c, const struct aw_vocab **out)
{
    if (c->vocab == NULL) {
        struct aw_vocab *v = NULL;
        enum aw_err rc = aw_store_vocab(c->st, c->a, &v);
        if (rc != AW_OK) {
            const char *why =
                aw_arena_printf(c->a, "reading the vocabularies: %s", aw_store_errmsg(c->st));
            if (c->iss != NULL) /* an import reports it with the rest */
                ld_issue_add(c->iss, c->row, "-", why);
            return ld_fail(rc, c->err, c->errlen, "%s: %s", c->name, why);
        }
        c->vocab = v;
    }
    *out = c->vocab;
    return AW_OK;
}

enum aw_err
ld_check_term(struct jctx *c, const char *path, enum aw_vocab_list list, const char *code)
{
    const struct aw_vocab *v = NULL;
    enum aw_err rc = ld_vocab(c, &v);
    if (rc != AW_OK || aw_vocab_find(v, list, code) != NULL)
        return rc;
    char safe[64];
    aw_log_repr(safe, sizeof(safe), code, strlen(code));
    const char *guess = aw_vocab_suggest(v, list, code);
    if (guess)
        return ld_jfail(c, path, "unknown %s \"%s\": did you mean %s? (expected one of %s)",
                        aw_vocab_list_noun(list), safe, guess, aw_vocab_codes(v, list, c->a));
    return ld_jfail(c, path, "unknown %s \"%s\" (expected one of %s)", aw_vocab_list_noun(list),
                    safe, aw_vocab_codes(v, list, c->a));
}

/* "prefix.name" in the arena. */
static const char *
jpath(struct jctx *c, const char *prefix, const char *name)
{
    return aw_arena_printf(c->a, "%s.%s", prefix, name);
}

/* Rejects members of obj that are not in allowed (NULL-terminated). */
enum aw_err
ld_check_members(struct jctx *c, json_t *obj, const char *path, const char *const *allowed)
{
    enum aw_err rc = AW_OK;
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
    {
        if (!aw_model_in_list(allowed, k)) {
            char safe[64];
            aw_log_repr(safe, sizeof(safe), k, strlen(k));
            rc = ld_jfail(c, path, "unknown field \"%s\"", safe);
            if (c->iss == NULL)
                break;
        }
    }
    return rc;
}

enum jflags {
    J_REQUIRED = 1,  /* must be present and not null */
    J_MULTILINE = 2, /* Markdown: newlines allowed, raw HTML refused */
    J_NONEMPTY = 4,  /* "" is an error */
};

/* A string member (absent or null: *out = NULL unless J_REQUIRED). */
static enum aw_err
get_str(struct jctx *c, json_t *obj, const char *path, const char *name, int flags, size_t max,
        const char **out)
{
    enum aw_err rc = AW_OK;
    json_t *v = json_object_get(obj, name);
    const char *why;

    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (flags & J_REQUIRED)
            rc = ld_jfail(c, jpath(c, path, name), v ? "must not be null" : "missing");
        goto out;
    }
    if (!json_is_string(v)) {
        rc = ld_jfail(c, jpath(c, path, name), "expected a string");
        goto out;
    }
    why = ld_check_text(json_string_value(v), json_string_length(v), max,
                        (flags & J_MULTILINE) ? AW_TEXT_MULTILINE | AW_TEXT_MARKDOWN : 0);
    if (c->keep)
        *out = json_string_value(v);
    if (why != NULL) {
        if (strcmp(why, "too long") == 0)
            rc = ld_jfail(c, jpath(c, path, name), "longer than %zu characters", max);
        else
            rc = ld_jfail(c, jpath(c, path, name), "%s", why);
        goto out;
    }
    if ((flags & J_NONEMPTY) && json_string_length(v) == 0) {
        rc = ld_jfail(c, jpath(c, path, name), "must not be empty");
        goto out;
    }
    *out = json_string_value(v);
out:
    return rc;
}

static enum aw_err
get_key(struct jctx *c, json_t *obj, const char *path, const char *name, const char **out)
{
    enum aw_err rc = get_str(c, obj, path, name, J_REQUIRED, MAX_KEY, out);

    if (rc == AW_OK && !ld_is_key(*out)) {
        rc = ld_jfail(c, jpath(c, path, name),
                      "expected a key of lowercase letters, digits and single hyphens");
        *out = NULL;
    }
    return rc;
}

static enum aw_err
get_date(struct jctx *c, json_t *obj, const char *path, const char *name, const char **out)
{
    enum aw_err rc = AW_OK;
    json_t *v = json_object_get(obj, name);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        goto out;
    if (!json_is_string(v) || !ld_is_date(json_string_value(v))) {
        if (c->keep && json_is_string(v))
            *out = json_string_value(v);
        rc = ld_jfail(c, jpath(c, path, name), "expected a date YYYY-MM-DD");
        goto out;
    }
    *out = json_string_value(v);
out:
    return rc;
}

static enum aw_err
get_url(struct jctx *c, json_t *obj, const char *path, const char *name, bool required,
        const char **out)
{
    enum aw_err rc = get_str(c, obj, path, name, required ? J_REQUIRED : 0, MAX_URL, out);
    const char *why;

    if (rc == AW_OK && *out != NULL && (why = ld_check_url(*out)) != NULL) {
        rc = ld_jfail(c, jpath(c, path, name), "%s", why);
        if (!c->keep)
            *out = NULL;
    }
    return rc;
}

/* A country code or null; the code must be in the store's countries. */
static enum aw_err
get_country(struct jctx *c, json_t *obj, const char *path, const char *name, const char **out)
{
    enum aw_err rc = get_str(c, obj, path, name, 0, 2, out);
    struct aw_country country;

    if (rc != AW_OK || *out == NULL)
        goto out;
    if (!ld_is_upper2(*out)) {
        rc = ld_jfail(c, jpath(c, path, name), "expected an ISO 3166-1 alpha-2 code or null");
        goto out;
    }
    if (aw_store_country(c->st, c->a, "en", *out, &country) != AW_OK)
        rc = ld_jfail(c, jpath(c, path, name), "unknown country %s (load countries.csv first)",
                      *out);
out:
    if (rc != AW_OK && !c->keep)
        *out = NULL;
    return rc;
}

static enum aw_err
get_bool(struct jctx *c, json_t *obj, const char *path, const char *name, bool *out)
{
    enum aw_err rc = AW_OK;
    json_t *v = json_object_get(obj, name);

    *out = false;
    if (v == NULL)
        goto out;
    if (!json_is_boolean(v)) {
        rc = ld_jfail(c, jpath(c, path, name), "expected true or false");
        goto out;
    }
    *out = json_is_true(v);
out:
    return rc;
}

/* An array of strings, each in `allowed` (or an ISO 639-1 code when allowed
 * is NULL), no repeats; at least one when nonempty. */
static enum aw_err
get_list(struct jctx *c, json_t *obj, const char *path, const char *name, int list, bool nonempty,
         const char ***out, size_t *n)
{
    enum aw_err rc = AW_OK;
    json_t *v = json_object_get(obj, name);
    const char *p = jpath(c, path, name);
    const char **items = NULL;
    size_t len = 0;

    *out = NULL;
    *n = 0;
    if (v == NULL || json_is_null(v)) {
        if (nonempty)
            rc = ld_jfail(c, p, "missing");
        goto out;
    }
    if (!json_is_array(v)) {
        rc = ld_jfail(c, p, "expected an array");
        goto out;
    }
    if (json_array_size(v) > MAX_LIST) {
        rc = ld_jfail(c, p, "more than %d items", MAX_LIST);
        goto out;
    }
    if (nonempty && json_array_size(v) == 0) {
        rc = ld_jfail(c, p, "must not be empty");
        goto out;
    }
    items = aw_arena_calloc(c->a, json_array_size(v) + 1, sizeof(*items));
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        const char *s = json_is_string(e) ? json_string_value(e) : NULL;
        const char *ip = aw_arena_printf(c->a, "%s[%zu]", p, i);

        /* keep mode (aw_draft_read): an item a rule refuses stays, for the person who fixes
         * it to see; one that is no string, or a repeat, is left out */
        if (s == NULL || strlen(s) != json_string_length(e)) {
            rc = ld_jfail(c, ip, "expected a string");
            if (c->keep)
                continue;
            goto out;
        }
        enum aw_err bad = AW_OK;
        if (list < 0 && !ld_is_lower2(s)) {
            char safe[64];
            aw_log_repr(safe, sizeof(safe), s, strlen(s));
            bad = ld_jfail(c, ip, "expected an ISO 639-1 code, not \"%s\"", safe);
        } else if (list >= 0) {
            bad = ld_check_term(c, ip, (enum aw_vocab_list)list, s);
        }
        if (bad != AW_OK) {
            rc = bad;
            /* an import reports every bad item of a list; a data file stops */
            if (!c->keep && c->iss == NULL)
                goto out;
            if (!c->keep)
                continue;
        }
        bool twice = false;
        for (size_t k = 0; k < len && !twice; k++)
            twice = strcmp(items[k], s) == 0;
        if (twice) {
            rc = ld_jfail(c, ip, "\"%s\" given twice", s);
            if (c->keep)
                continue;
            goto out;
        }
        items[len++] = s;
    }
    *out = items;
    *n = len;
out:
    if (c->keep && items) {
        *out = items;
        *n = len;
    }
    return rc;
}

/* The array member `name` of the top level (absent: empty). */
static enum aw_err
get_array(struct jctx *c, json_t *root, const char *name, json_t **out)
{
    enum aw_err rc = AW_OK;
    json_t *v = json_object_get(root, name);

    *out = v;
    if (v != NULL && !json_is_array(v))
        rc = ld_jfail(c, name, "expected an array");
    return rc;
}

/* Index of the organisation with this key, or -1. */
static long
find_org(const struct jdata *d, const char *key)
{
    for (size_t i = 0; i < d->norgs; i++)
        if (d->orgs[i].key != NULL && strcmp(d->orgs[i].key, key) == 0)
            return (long)i;
    return -1;
}

/* An element of arr at i that must be an object; its path in *path. */
static enum aw_err
element(struct jctx *c, json_t *arr, const char *arrname, size_t i, const char *const *allowed,
        json_t **obj, const char **path)
{
    enum aw_err rc = AW_OK;

    *path = aw_arena_printf(c->a, "%s[%zu]", arrname, i);
    *obj = json_array_get(arr, i);
    if (!json_is_object(*obj)) {
        rc = ld_jfail(c, *path, "expected an object");
        *obj = NULL;
    } else {
        rc = ld_check_members(c, *obj, *path, allowed);
    }
    return rc;
}

/* A key unique among the first n of keys[]. */
static enum aw_err
unique_key(struct jctx *c, const char *path, const char *key, const char **keys, size_t n)
{
    enum aw_err rc = AW_OK;

    for (size_t k = 0; key != NULL && k < n; k++) {
        if (keys[k] != NULL && strcmp(keys[k], key) == 0) {
            rc = ld_jfail(c, jpath(c, path, "key"), "duplicate key \"%s\"", key);
            break;
        }
    }
    return rc;
}

/* The organisation a member refers to by key. */
static enum aw_err
get_org_ref(struct jctx *c, const struct jdata *d, json_t *obj, const char *path,
            const struct jorg **out)
{
    enum aw_err rc;
    const char *key;
    long i;

    *out = NULL;
    rc = get_str(c, obj, path, "organisation", J_REQUIRED, MAX_KEY, &key);
    if (rc != AW_OK)
        goto out;
    i = find_org(d, key);
    if (i < 0) {
        char safe[MAX_KEY * 4 + 1];
        aw_log_repr(safe, sizeof(safe), key, strlen(key));
        rc = ld_jfail(c, jpath(c, path, "organisation"), "unknown organisation \"%s\"", safe);
        goto out;
    }
    if (d->orgs[i].bad) {
        rc = ld_jfail(c, jpath(c, path, "organisation"), "organisation \"%s\" has errors (%s)", key,
                      aw_arena_printf(c->a, "organisations[%ld]", i));
        goto out;
    }
    *out = &d->orgs[i];
out:
    return rc;
}

enum aw_err
ld_parse_edition(struct jctx *c, json_t *root, struct jdata *d)
{
    static const char *const fields[] = {"year", "theme_why", "invitation", NULL};
    enum aw_err rc;
    json_t *e = json_object_get(root, "edition"), *y;
    const char *why = NULL, *inv = NULL;

    if (!json_is_object(e)) {
        rc = ld_jfail(c, "edition", e ? "expected an object" : "missing");
        goto out;
    }
    rc = ld_check_members(c, e, "edition", fields);
    if (rc != AW_OK)
        goto out;
    y = json_object_get(e, "year");
    if (!json_is_integer(y) || json_integer_value(y) < 1900 || json_integer_value(y) > 2200) {
        rc = ld_jfail(c, "edition.year", "expected a year");
        goto out;
    }
    d->year = (int)json_integer_value(y);
    if (aw_store_edition(c->st, c->a, "en", d->year, &d->edition) != AW_OK) {
        rc = ld_jfail(c, "edition.year", "no edition %d in the database (load editions.csv first)",
                      d->year);
        goto out;
    }
    rc = get_str(c, e, "edition", "theme_why", J_MULTILINE, MAX_LONGTEXT, &why);
    if (rc == AW_OK)
        rc = get_str(c, e, "edition", "invitation", J_MULTILINE, MAX_LONGTEXT, &inv);
    if (rc != AW_OK)
        goto out;
    /* a member that is present replaces the text (null clears it) */
    if (json_object_get(e, "theme_why") != NULL)
        d->edition.theme_why = why;
    if (json_object_get(e, "invitation") != NULL)
        d->edition.invitation = inv;
out:
    return rc;
}

/* The fields of an organisation shared by data files and payloads: name,
 * kind, country, website (not the key). */
enum aw_err
ld_check_org_fields(struct jctx *c, json_t *obj, const char *path, struct aw_org *o)
{
    enum aw_err rc = AW_OK;
    const char *kind = NULL;

    if (ld_stop(c, &rc, get_str(c, obj, path, "name", J_REQUIRED | J_NONEMPTY, MAX_NAME, &o->name)))
        goto out;
    if (ld_stop(c, &rc, get_str(c, obj, path, "kind", J_REQUIRED, 40, &kind)))
        goto out;
    o->kind = kind;
    if (kind != NULL &&
        ld_stop(c, &rc, ld_check_term(c, jpath(c, path, "kind"), AW_VOCAB_ORG_KIND, kind)))
        goto out;
    if (ld_stop(c, &rc, get_country(c, obj, path, "country", &o->country_code)))
        goto out;
    if (ld_stop(c, &rc, get_url(c, obj, path, "website", false, &o->website)))
        goto out;
out:
    return rc;
}

enum aw_err
ld_parse_orgs(struct jctx *c, json_t *root, struct jdata *d)
{
    static const char *const fields[] = {"key", "name", "kind", "country", "website", NULL};
    enum aw_err rc;
    json_t *arr;

    rc = get_array(c, root, "organisations", &arr);
    if (rc != AW_OK || arr == NULL)
        goto out;
    d->orgs = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*d->orgs));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct jorg *o = &d->orgs[i];
        const char *path;
        enum aw_err orc = AW_OK;
        json_t *obj;

        d->norgs = i + 1;
        if (ld_stop(c, &orc, element(c, arr, "organisations", i, fields, &obj, &path)) ||
            obj == NULL)
            goto next;
        if (ld_stop(c, &orc, get_key(c, obj, path, "key", &o->key)))
            goto next;
        if (o->key != NULL && find_org(d, o->key) < (long)i && find_org(d, o->key) >= 0 &&
            ld_stop(c, &orc, ld_jfail(c, jpath(c, path, "key"), "duplicate key \"%s\"", o->key)))
            goto next;
        if (ld_stop(c, &orc, ld_check_org_fields(c, obj, path, &o->org)))
            goto next;
        for (size_t k = 0; o->org.name != NULL && k < i; k++) {
            const struct aw_org *p = &d->orgs[k].org;
            bool same_country = (p->country_code == NULL && o->org.country_code == NULL) ||
                                (p->country_code && o->org.country_code &&
                                 strcmp(p->country_code, o->org.country_code) == 0);
            if (p->name != NULL && same_country && strcmp(p->name, o->org.name) == 0 &&
                ld_stop(c, &orc,
                        ld_jfail(c, jpath(c, path, "name"),
                                 "same name and country as organisations[%zu]", k)))
                goto next;
        }
    next:
        o->bad = orc != AW_OK;
        if (orc != AW_OK && rc == AW_OK)
            rc = orc;
        if (orc != AW_OK && c->iss == NULL) {
            d->norgs = i;
            goto out;
        }
    }
out:
    return rc;
}

static enum aw_err
parse_links(struct jctx *c, json_t *obj, const char *path, struct aw_activity *act)
{
    static const char *const fields[] = {"label", "url", NULL};
    enum aw_err rc = AW_OK;
    json_t *arr = json_object_get(obj, "links");
    const char *p = jpath(c, path, "links");

    if (arr == NULL || json_is_null(arr))
        goto out;
    if (!json_is_array(arr)) {
        rc = ld_jfail(c, p, "expected an array");
        goto out;
    }
    if (json_array_size(arr) > MAX_LIST) {
        rc = ld_jfail(c, p, "more than %d items", MAX_LIST);
        goto out;
    }
    act->links = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*act->links));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct aw_link *l = &act->links[act->links_n];
        const char *lp;
        json_t *lo;

        if (ld_stop(c, &rc, element(c, arr, p, i, fields, &lo, &lp)) || lo == NULL)
            goto next;
        if (ld_stop(c, &rc,
                    get_str(c, lo, lp, "label", J_REQUIRED | J_NONEMPTY, MAX_SHORT, &l->label)))
            goto out;
        if (ld_stop(c, &rc, get_url(c, lo, lp, "url", true, &l->url)))
            goto out;
        if (l->label != NULL && l->url != NULL)
            act->links_n++;
    next:
        if (rc != AW_OK && c->iss == NULL)
            goto out;
    }
out:
    return rc;
}

/* The fields of an activity shared by data files and payloads (not the key
 * or the organisation reference). org is its organisation (NULL when that
 * reference is bad) and who names it in messages. An absent "country" is
 * null in a data file; with country_default (payloads) it is the
 * organisation's country. */
enum aw_err
ld_check_activity_fields(struct jctx *c, json_t *obj, const char *path, const struct aw_org *org,
                         const char *who, bool country_default, struct aw_activity *act)
{
    enum aw_err rc = AW_OK;

    if (country_default && json_object_get(obj, "country") == NULL)
        act->country_code = org ? org->country_code : NULL;
    else if (ld_stop(c, &rc, get_country(c, obj, path, "country", &act->country_code)))
        goto out;
    if (ld_stop(c, &rc,
                get_str(c, obj, path, "title", J_REQUIRED | J_NONEMPTY, MAX_TITLE, &act->title)))
        goto out;
    if (ld_stop(c, &rc,
                get_str(c, obj, path, "summary", J_REQUIRED | J_MULTILINE | J_NONEMPTY, MAX_SUMMARY,
                        &act->summary)))
        goto out;
    if (ld_stop(c, &rc,
                get_list(c, obj, path, "kinds", AW_VOCAB_ACTIVITY_KIND, true, &act->kinds,
                         &act->kinds_n)))
        goto out;
    if (ld_stop(c, &rc,
                get_list(c, obj, path, "audiences", AW_VOCAB_AUDIENCE, true, &act->audiences,
                         &act->audiences_n)))
        goto out;
    if (ld_stop(c, &rc, get_date(c, obj, path, "start", &act->start_date)))
        goto out;
    if (ld_stop(c, &rc, get_date(c, obj, path, "end", &act->end_date)))
        goto out;
    if (act->start_date && act->end_date && strcmp(act->end_date, act->start_date) < 0 &&
        ld_stop(c, &rc, ld_jfail(c, jpath(c, path, "end"), "before start (%s)", act->start_date)))
        goto out;
    if (ld_stop(c, &rc, get_str(c, obj, path, "place", J_NONEMPTY, MAX_SHORT, &act->place)))
        goto out;
    if (ld_stop(c, &rc, get_bool(c, obj, path, "online", &act->online)))
        goto out;
    if (ld_stop(c, &rc,
                get_list(c, obj, path, "languages", -1, false, &act->languages, &act->languages_n)))
        goto out;
    if (ld_stop(c, &rc, parse_links(c, obj, path, act)))
        goto out;
    if (act->country_code != NULL && org != NULL &&
        (org->country_code == NULL || strcmp(org->country_code, act->country_code) != 0) &&
        ld_stop(c, &rc,
                ld_jfail(c, jpath(c, path, "country"), "%s is not the country of organisation %s",
                         act->country_code, who)))
        goto out;
out:
    return rc;
}

enum aw_err
ld_parse_activities(struct jctx *c, json_t *root, struct jdata *d)
{
    static const char *const fields[] = {"key",    "organisation", "country", "title", "summary",
                                         "kinds",  "audiences",    "start",   "end",   "place",
                                         "online", "languages",    "links",   NULL};
    enum aw_err rc;
    json_t *arr;

    rc = get_array(c, root, "activities", &arr);
    if (rc != AW_OK || arr == NULL)
        goto out;
    d->acts = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*d->acts));
    d->act_keys = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*d->act_keys));
    d->act_bad = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*d->act_bad));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct aw_activity *act = &d->acts[i];
        const struct jorg *org = NULL;
        const char *path, *key = NULL;
        enum aw_err arc = AW_OK;
        json_t *obj;

        c->row = (unsigned)(i + 1);
        act->edition_year = d->year;
        if (ld_stop(c, &arc, element(c, arr, "activities", i, fields, &obj, &path)) || obj == NULL)
            goto next;
        if (ld_stop(c, &arc, get_key(c, obj, path, "key", &key)))
            goto next;
        if (ld_stop(c, &arc, unique_key(c, path, key, d->act_keys, i)))
            goto next;
        if (ld_stop(c, &arc, get_org_ref(c, d, obj, path, &org)))
            goto next;
        if (ld_stop(c, &arc,
                    ld_check_activity_fields(c, obj, path, org ? &org->org : NULL,
                                             org ? org->key : NULL, false, act)))
            goto next;
        if (act->country_code == NULL && key != NULL && strncmp(key, "int-", 4) != 0 &&
            strncmp(key, "coe-", 4) != 0 &&
            ld_stop(c, &arc,
                    ld_jfail(c, jpath(c, path, "key"),
                             "an activity without a country needs a key starting int- or coe-")))
            goto next;
        if (org != NULL) {
            act->org = org->org;
            act->org.id = (int64_t)(org - d->orgs); /* index until written */
        }
    next:
        d->act_keys[i] = key;
        d->act_bad[i] = arc != AW_OK || org == NULL;
        if (arc != AW_OK && rc == AW_OK)
            rc = arc;
        if (arc != AW_OK && c->iss == NULL)
            goto out;
        d->nacts = i + 1;
    }
out:
    c->row = 0;
    return rc;
}

static enum aw_err
parse_statements(struct jctx *c, json_t *root, struct jdata *d)
{
    static const char *const fields[] = {"key",     "organisation", "speaker", "role",
                                         "summary", "url",          NULL};
    enum aw_err rc;
    json_t *arr;
    const char **keys;

    rc = get_array(c, root, "statements", &arr);
    if (rc != AW_OK || arr == NULL)
        goto out;
    d->stmts = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*d->stmts));
    keys = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*keys));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct aw_statement *s = &d->stmts[i];
        const struct jorg *org = NULL;
        const char *path;
        json_t *obj;

        s->edition_year = d->year;
        rc = element(c, arr, "statements", i, fields, &obj, &path);
        if (rc == AW_OK)
            rc = get_key(c, obj, path, "key", &keys[i]);
        if (rc == AW_OK)
            rc = unique_key(c, path, keys[i], keys, i);
        if (rc == AW_OK)
            rc = get_org_ref(c, d, obj, path, &org);
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "speaker", J_NONEMPTY, MAX_NAME, &s->speaker);
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "role", J_NONEMPTY, MAX_SHORT, &s->speaker_role);
        if (rc == AW_OK && (s->speaker == NULL) != (s->speaker_role == NULL))
            rc = ld_jfail(c, jpath(c, path, "role"), "must be null exactly when speaker is null");
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "summary", J_REQUIRED | J_MULTILINE | J_NONEMPTY,
                         MAX_SUMMARY, &s->summary);
        if (rc == AW_OK)
            rc = get_url(c, obj, path, "url", false, &s->url);
        if (rc != AW_OK)
            goto out;
        s->org = org->org;
        s->org.id = (int64_t)(org - d->orgs); /* index until written */
        d->nstmts = i + 1;
    }
    /* two statements by one body and speaker would be one row */
    for (size_t i = 0; rc == AW_OK && i < d->nstmts; i++) {
        for (size_t k = 0; k < i; k++) {
            const struct aw_statement *p = &d->stmts[k], *s = &d->stmts[i];
            if (p->org.id == s->org.id &&
                strcmp(p->speaker ? p->speaker : "", s->speaker ? s->speaker : "") == 0) {
                rc = ld_jfail(c, aw_arena_printf(c->a, "statements[%zu]", i),
                              "same organisation and speaker as statements[%zu]", k);
                break;
            }
        }
    }
out:
    return rc;
}

static enum aw_err
parse_documents(struct jctx *c, json_t *root, struct jdata *d)
{
    static const char *const fields[] = {"key",  "organisation", "kind", "title",
                                         "date", "url",          NULL};
    enum aw_err rc;
    json_t *arr;
    const char **keys;

    rc = get_array(c, root, "documents", &arr);
    if (rc != AW_OK || arr == NULL)
        goto out;
    d->docs = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*d->docs));
    keys = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*keys));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct aw_document *doc = &d->docs[i];
        const struct jorg *org = NULL;
        const char *path;
        json_t *obj;

        doc->edition_year = d->year;
        rc = element(c, arr, "documents", i, fields, &obj, &path);
        if (rc == AW_OK)
            rc = get_key(c, obj, path, "key", &keys[i]);
        if (rc == AW_OK)
            rc = unique_key(c, path, keys[i], keys, i);
        if (rc == AW_OK)
            rc = get_org_ref(c, d, obj, path, &org);
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "kind", J_REQUIRED, 40, &doc->kind);
        if (rc == AW_OK)
            rc = ld_check_term(c, jpath(c, path, "kind"), AW_VOCAB_DOCUMENT_KIND, doc->kind);
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "title", J_REQUIRED | J_NONEMPTY, MAX_TITLE, &doc->title);
        if (rc == AW_OK)
            rc = get_date(c, obj, path, "date", &doc->date);
        if (rc == AW_OK)
            rc = get_url(c, obj, path, "url", false, &doc->url);
        for (size_t k = 0; rc == AW_OK && k < i; k++) {
            if (d->docs[k].org.id == (int64_t)(org - d->orgs) &&
                strcmp(d->docs[k].title, doc->title) == 0)
                rc = ld_jfail(c, jpath(c, path, "title"),
                              "same organisation and title as documents[%zu]", k);
        }
        if (rc != AW_OK)
            goto out;
        doc->org = org->org;
        doc->org.id = (int64_t)(org - d->orgs); /* index until written */
        d->ndocs = i + 1;
    }
out:
    return rc;
}

static enum aw_err
parse_tools(struct jctx *c, json_t *root, struct jdata *d)
{
    static const char *const fields[] = {"key", "kind",      "title", "description",
                                         "url", "languages", NULL};
    enum aw_err rc;
    json_t *arr;
    const char **keys;

    rc = get_array(c, root, "tools", &arr);
    if (rc != AW_OK || arr == NULL)
        goto out;
    d->tools = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*d->tools));
    keys = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*keys));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct aw_tool *t = &d->tools[i];
        const char *path;
        json_t *obj;

        rc = element(c, arr, "tools", i, fields, &obj, &path);
        if (rc == AW_OK)
            rc = get_key(c, obj, path, "key", &keys[i]);
        if (rc == AW_OK)
            rc = unique_key(c, path, keys[i], keys, i);
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "kind", J_REQUIRED, 40, &t->kind);
        if (rc == AW_OK)
            rc = ld_check_term(c, jpath(c, path, "kind"), AW_VOCAB_TOOL_KIND, t->kind);
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "title", J_REQUIRED | J_NONEMPTY, MAX_TITLE, &t->title);
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "description", J_MULTILINE | J_NONEMPTY, MAX_SUMMARY,
                         &t->description);
        if (rc == AW_OK)
            rc = get_url(c, obj, path, "url", false, &t->url);
        if (rc == AW_OK)
            rc = get_list(c, obj, path, "languages", -1, false, &t->languages, &t->languages_n);
        for (size_t k = 0; rc == AW_OK && k < i; k++) {
            if (strcmp(d->tools[k].kind, t->kind) == 0 && strcmp(d->tools[k].title, t->title) == 0)
                rc = ld_jfail(c, jpath(c, path, "title"), "same kind and title as tools[%zu]", k);
        }
        if (rc != AW_OK)
            goto out;
        d->ntools = i + 1;
    }
out:
    return rc;
}

/* Validates the whole document into d; nothing is written. */
static enum aw_err
parse_json(struct jctx *c, json_t *root, struct jdata *d)
{
    static const char *const fields[] = {"format",     "edition",   "organisations", "activities",
                                         "statements", "documents", "tools",         NULL};
    enum aw_err rc;
    json_t *fmt;

    if (!json_is_object(root)) {
        rc = ld_fail(AW_EINVAL, c->err, c->errlen, "%s: expected a JSON object at the top level",
                     c->name);
        goto out;
    }
    rc = ld_check_members(c, root, "(top level)", fields);
    if (rc != AW_OK)
        goto out;
    fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "awareday-data/1") != 0) {
        rc = ld_jfail(c, "format", "expected \"awareday-data/1\"");
        goto out;
    }
    rc = ld_parse_edition(c, root, d);
    if (rc == AW_OK)
        rc = ld_parse_orgs(c, root, d);
    if (rc == AW_OK)
        rc = ld_parse_activities(c, root, d);
    if (rc == AW_OK)
        rc = parse_statements(c, root, d);
    if (rc == AW_OK)
        rc = parse_documents(c, root, d);
    if (rc == AW_OK)
        rc = parse_tools(c, root, d);
out:
    return rc;
}

/* Writes d; the caller holds the transaction. */
static enum aw_err
write_json(struct jctx *c, const struct jdata *d, const struct aw_load_opts *opts,
           const char **what)
{
    enum aw_err rc;
    int64_t *ids = aw_arena_calloc(c->a, d->norgs + 1, sizeof(*ids));

    *what = "edition";
    rc = aw_store_put_edition(c->st, &d->edition);
    for (size_t i = 0; i < d->norgs && rc == AW_OK; i++) {
        *what = aw_arena_printf(c->a, "organisations[%zu]", i);
        rc = aw_store_put_org(c->st, &d->orgs[i].org, &ids[i]);
    }
    for (size_t i = 0; i < d->nacts && rc == AW_OK; i++) {
        struct aw_activity act = d->acts[i];
        act.org.id = ids[d->acts[i].org.id];
        *what = aw_arena_printf(c->a, "activities[%zu]", i);
        rc = aw_store_put_activity_keyed(c->st, &act,
                                         aw_arena_printf(c->a, "%d/%s", d->year, d->act_keys[i]),
                                         opts->publish_activities, NULL);
    }
    for (size_t i = 0; i < d->nstmts && rc == AW_OK; i++) {
        struct aw_statement s = d->stmts[i];
        s.org.id = ids[d->stmts[i].org.id];
        *what = aw_arena_printf(c->a, "statements[%zu]", i);
        rc = aw_store_put_statement(c->st, &s, NULL);
    }
    for (size_t i = 0; i < d->ndocs && rc == AW_OK; i++) {
        struct aw_document doc = d->docs[i];
        doc.org.id = ids[d->docs[i].org.id];
        *what = aw_arena_printf(c->a, "documents[%zu]", i);
        rc = aw_store_put_document(c->st, &doc, NULL);
    }
    for (size_t i = 0; i < d->ntools && rc == AW_OK; i++) {
        *what = aw_arena_printf(c->a, "tools[%zu]", i);
        rc = aw_store_put_tool(c->st, d->year, &d->tools[i], NULL);
    }
    return rc;
}

enum aw_err
aw_load_json_mem(struct aw_store *st, const char *name, const char *data, size_t len,
                 const struct aw_load_opts *opts, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct aw_arena *a = aw_arena_new(0);
    struct jctx c = {.name = name, .st = st, .a = a, .err = err, .errlen = errlen};
    struct jdata d;
    json_error_t jerr;
    json_t *root = NULL;
    const char *what = "";
    bool in_tx = false;

    memset(&d, 0, sizeof(d));
    if (opts == NULL)
        opts = &ld_default_opts;
    if (len > JSON_MAX_BYTES) {
        rc = ld_fail(AW_ETOOBIG, err, errlen, "%s: larger than %u bytes", name, JSON_MAX_BYTES);
        goto out;
    }
    if (!aw_utf8_valid(data, len)) {
        rc = ld_fail(AW_EINVAL, err, errlen, "%s: invalid UTF-8", name);
        goto out;
    }
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = ld_fail(AW_ESYNTAX, err, errlen, "%s:%d:%d: %s", name, jerr.line, jerr.column,
                     jerr.text);
        goto out;
    }
    rc = parse_json(&c, root, &d);
    if (rc != AW_OK)
        goto out;
    rc = aw_store_begin(st);
    if (rc != AW_OK) {
        rc = ld_fail(rc, err, errlen, "%s: %s", name, aw_store_errmsg(st));
        goto out;
    }
    in_tx = true;
    rc = write_json(&c, &d, opts, &what);
    if (rc == AW_OK) {
        in_tx = false;
        what = "commit";
        rc = aw_store_commit(st);
    }
    if (rc != AW_OK) {
        rc = ld_fail(rc, err, errlen, "%s: %s: %s", name, what, aw_store_errmsg(st));
        goto out;
    }
    AW_INFO("loaded %s: edition %d, %zu organisations, %zu activities, %zu statements, "
            "%zu documents, %zu tools",
            name, d.year, d.norgs, d.nacts, d.nstmts, d.ndocs, d.ntools);
out:
    if (in_tx)
        aw_store_rollback(st);
    json_decref(root);
    aw_arena_free(a);
    return rc;
}

enum aw_err
aw_load_json_file(struct aw_store *st, const char *path, const struct aw_load_opts *opts, char *err,
                  size_t errlen)
{
    enum aw_err rc;
    char *data = NULL;
    size_t len = 0;

    rc = aw_store__read_file(path, JSON_MAX_BYTES, &data, &len);
    if (rc != AW_OK) {
        rc = ld_fail(rc, err, errlen, "%s: cannot read the file: %s", path, aw_strerror(rc));
        goto out;
    }
    rc = aw_load_json_mem(st, path, data, len, opts, err, errlen);
out:
    free(data);
    return rc;
}
