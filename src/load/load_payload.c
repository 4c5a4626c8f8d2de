/* load_payload.c: a submission's payload (docs/DATA.md): read and checked
 * with the data files' validators, written back as JSON, and applied
 * (organisation, then activity, published). */
#include "load_int.h"

/* ======================================================================
 * Submission payloads (struct aw_submission in model.h)
 * ====================================================================== */

#define PAYLOAD_MAX_BYTES (1024u * 1024)

/* {"organisation": {name, kind, country, website} | {"id": N},
 *  "activity": {country, title, summary, kinds, audiences, start, end, place,
 *               online, languages, links}}
 * with the rules of the data files (check_org_fields, check_activity_fields).
 * An absent activity "country" is the organisation's. */
enum aw_err
ld_parse_payload(struct jctx *c, json_t *root, struct aw_draft *p)
{
    static const char *const top[] = {"organisation", "activity", NULL};
    static const char *const org_fields[] = {"name", "kind", "country", "website", NULL};
    static const char *const act_fields[] = {"country",   "title",     "summary", "kinds",
                                             "audiences", "start",     "end",     "place",
                                             "online",    "languages", "links",   NULL};
    enum aw_err rc = AW_OK, orc = AW_OK;
    const struct aw_org *org = NULL;
    json_t *o, *act, *id;

    memset(p, 0, sizeof(*p));
    if (!json_is_object(root)) {
        rc = ld_jfail(c, "(top level)", "expected a JSON object");
        goto out;
    }
    if (ld_stop(c, &rc, ld_check_members(c, root, "(top level)", top)))
        goto out;
    o = json_object_get(root, "organisation");
    id = json_is_object(o) ? json_object_get(o, "id") : NULL;
    if (!json_is_object(o)) {
        orc = ld_jfail(c, "organisation", o ? "expected an object" : "missing");
    } else if (id != NULL) {
        if (json_object_size(o) != 1)
            orc = ld_jfail(c, "organisation",
                           "expected either {\"id\": N} or name, kind, country and website");
        else if (!json_is_integer(id) || json_integer_value(id) <= 0)
            orc = ld_jfail(c, "organisation.id", "expected a positive integer");
        else if (aw_store_org(c->st, c->a, (int64_t)json_integer_value(id), &p->org) != AW_OK)
            orc = ld_jfail(c, "organisation.id", "no organisation %lld",
                           (long long)json_integer_value(id));
    } else if (!ld_stop(c, &orc, ld_check_members(c, o, "organisation", org_fields))) {
        ld_stop(c, &orc, ld_check_org_fields(c, o, "organisation", &p->org));
    }
    if (orc == AW_OK)
        org = &p->org;
    if (ld_stop(c, &rc, orc))
        goto out;
    act = json_object_get(root, "activity");
    if (!json_is_object(act)) {
        ld_stop(c, &rc, ld_jfail(c, "activity", act ? "expected an object" : "missing"));
        goto out;
    }
    if (ld_stop(c, &rc, ld_check_members(c, act, "activity", act_fields)))
        goto out;
    ld_stop(
        c, &rc,
        ld_check_activity_fields(c, act, "activity", org, org ? org->name : NULL, true, &p->act));
out:
    return rc;
}

static json_t *
jstr(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *
jlist(const char *const *v, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(v[i]));
    return arr;
}

/* The canonical JSON text of a payload (every member, nulls included), in
 * the arena; NULL if jansson runs out of memory. */
char *
aw_draft_encode(struct aw_arena *a, const struct aw_draft *p)
{
    const struct aw_activity *x = &p->act;
    json_t *root = json_object(), *org = json_object(), *act = json_object();
    json_t *links = json_array();
    char *text, *copy = NULL;

    if (p->org.id > 0) {
        json_object_set_new(org, "id", json_integer((json_int_t)p->org.id));
    } else {
        json_object_set_new(org, "name", jstr(p->org.name));
        json_object_set_new(org, "kind", jstr(p->org.kind));
        json_object_set_new(org, "country", jstr(p->org.country_code));
        json_object_set_new(org, "website", jstr(p->org.website));
    }
    json_object_set_new(act, "country", jstr(x->country_code));
    json_object_set_new(act, "title", jstr(x->title));
    json_object_set_new(act, "summary", jstr(x->summary));
    json_object_set_new(act, "kinds", jlist(x->kinds, x->kinds_n));
    json_object_set_new(act, "audiences", jlist(x->audiences, x->audiences_n));
    json_object_set_new(act, "start", jstr(x->start_date));
    json_object_set_new(act, "end", jstr(x->end_date));
    json_object_set_new(act, "place", jstr(x->place));
    json_object_set_new(act, "online", json_boolean(x->online));
    json_object_set_new(act, "languages", jlist(x->languages, x->languages_n));
    for (size_t i = 0; i < x->links_n; i++) {
        json_t *l = json_object();
        json_object_set_new(l, "label", jstr(x->links[i].label));
        json_object_set_new(l, "url", jstr(x->links[i].url));
        json_array_append_new(links, l);
    }
    json_object_set_new(act, "links", links);
    json_object_set_new(root, "organisation", org);
    json_object_set_new(root, "activity", act);
    text = json_dumps(root, JSON_COMPACT);
    if (text != NULL)
        copy = aw_arena_strdup(a, text);
    free(text);
    json_decref(root);
    return copy;
}

/* Writes a validated payload; the caller holds the transaction. The
 * organisation is p->org.id, else the one with the same name and country,
 * else a new one. The activity is published: a new one when activity_id is
 * 0 (keyed by source_key when not NULL), else activity_id updated in place
 * (its id and slug stay; kinds, audiences, languages and links are
 * replaced). */
enum aw_err
ld_apply_payload(struct aw_store *st, struct aw_arena *a, const struct aw_draft *p, int year,
                 int64_t activity_id, const char *source_key, int64_t *out_id)
{
    enum aw_err rc = AW_OK;
    struct aw_activity act = p->act;
    struct aw_org found;
    int64_t org_id = p->org.id;

    if (org_id <= 0) {
        rc = aw_store_org_find(st, a, p->org.name, p->org.country_code, &found);
        if (rc == AW_OK)
            org_id = found.id;
        else if (rc == AW_ENOTFOUND)
            rc = aw_store_put_org(st, &p->org, &org_id);
        if (rc != AW_OK)
            goto out;
    }
    act.org.id = org_id;
    act.edition_year = year;
    act.id = activity_id > 0 ? activity_id : 0;
    act.slug = NULL;
    rc = aw_store_put_activity_keyed(st, &act, activity_id > 0 ? NULL : source_key, true, out_id);
out:
    return rc;
}

/* Parses and validates payload text for edition `year` (stopping at the
 * first error, written into c->err). *root must be released by the caller. */
static enum aw_err
read_payload(struct jctx *c, const char *text, int year, json_t **root, struct aw_draft *p)
{
    enum aw_err rc = AW_OK;
    struct aw_edition e;
    json_error_t jerr;
    size_t len;

    *root = NULL;
    memset(p, 0, sizeof(*p));
    if (text == NULL) {
        rc = ld_fail(AW_EINVAL, c->err, c->errlen, "%s: no payload", c->name);
        goto out;
    }
    len = strlen(text);
    if (len > PAYLOAD_MAX_BYTES) {
        rc = ld_fail(AW_ETOOBIG, c->err, c->errlen, "%s: larger than %u bytes", c->name,
                     PAYLOAD_MAX_BYTES);
        goto out;
    }
    if (aw_store_edition(c->st, c->a, "en", year, &e) != AW_OK) {
        rc = ld_fail(AW_EINVAL, c->err, c->errlen,
                     "%s: edition_year: no edition %d in the database", c->name, year);
        goto out;
    }
    *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (*root == NULL) {
        rc = ld_fail(AW_ESYNTAX, c->err, c->errlen, "%s:%d:%d: %s", c->name, jerr.line, jerr.column,
                     jerr.text);
        goto out;
    }
    rc = ld_parse_payload(c, *root, p);
out:
    return rc;
}

bool
aw_draft_read(struct aw_store *st, struct aw_arena *a, const char *payload, int year,
              struct aw_draft *out)
{
    char err[512];
    struct isink iss = {.a = a};
    struct jctx c = {.name = "payload",
                     .st = st,
                     .a = a,
                     .err = err,
                     .errlen = sizeof(err),
                     .iss = &iss,
                     .keep = true};
    json_t *root = NULL;

    err[0] = '\0';
    enum aw_err rc = read_payload(&c, payload, year, &root, out);
    if (root)
        aw_arena_defer(a, ld_json_decref, root); /* the draft's strings are the tree's */
    /* with the sink, rule failures are recorded, not returned: only a text that
     * is no payload fails here */
    if (rc != AW_OK && iss.total == 0)
        AW_WARN("a stored payload does not read back: %s", err);
    return root != NULL && (rc == AW_OK || iss.total > 0);
}

enum aw_err
aw_load_check_payload(struct aw_store *st, const char *payload, int edition_year, char *err,
                      size_t errlen)
{
    enum aw_err rc;
    struct aw_arena *a = aw_arena_new(0);
    struct jctx c = {.name = "payload", .st = st, .a = a, .err = err, .errlen = errlen};
    struct aw_draft p;
    json_t *root = NULL;

    if (errlen > 0)
        err[0] = '\0';
    rc = read_payload(&c, payload, edition_year, &root, &p);
    json_decref(root);
    aw_arena_free(a);
    return rc;
}

enum aw_err
aw_load_apply_submission(struct aw_store *st, const char *payload, int edition_year,
                         int64_t activity_id, int64_t *out_activity_id, char *err, size_t errlen)
{
    enum aw_err rc;
    struct aw_arena *a = aw_arena_new(0);
    struct jctx c = {.name = "payload", .st = st, .a = a, .err = err, .errlen = errlen};
    struct aw_draft p;
    json_t *root = NULL;
    int64_t id = 0;
    bool in_tx = false;

    if (errlen > 0)
        err[0] = '\0';
    if (out_activity_id != NULL)
        *out_activity_id = 0;
    rc = read_payload(&c, payload, edition_year, &root, &p);
    if (rc != AW_OK)
        goto out;
    rc = aw_store_begin(st);
    if (rc != AW_OK)
        goto db_out;
    in_tx = true;
    rc = ld_apply_payload(st, a, &p, edition_year, activity_id, NULL, &id);
    if (rc != AW_OK)
        goto db_out;
    in_tx = false;
    rc = aw_store_commit(st);
    if (rc == AW_OK && out_activity_id != NULL)
        *out_activity_id = id;
db_out:
    if (rc != AW_OK)
        ld_fail(rc, err, errlen, "payload: writing: %s", aw_store_errmsg(st));
    if (in_tx)
        aw_store_rollback(st);
out:
    json_decref(root);
    aw_arena_free(a);
    return rc;
}
