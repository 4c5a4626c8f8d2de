/* load_import.c: the bulk import of activities from CSV or JSON
 * (docs/IMPORT.md). An import runs the validators in the mode that records
 * every problem instead of stopping at the first, reports row by row, and
 * writes the valid rows as pending submissions (or published activities) in
 * one transaction with their audit entries. */
#include "load_int.h"

/* ======================================================================
 * Bulk import (docs/IMPORT.md)
 * ====================================================================== */

/* The CSV columns of an import file and, for those that become part of the
 * payload, the JSON path their value takes there (to name the column of a
 * problem the payload validators find). */
enum {
    IC_YEAR,
    IC_ORG,
    IC_ORG_KIND,
    IC_ORG_COUNTRY,
    IC_ORG_WEBSITE,
    IC_COUNTRY,
    IC_TITLE,
    IC_SUMMARY,
    IC_KINDS,
    IC_AUDIENCES,
    IC_START,
    IC_END,
    IC_PLACE,
    IC_ONLINE,
    IC_LANGUAGES,
    IC_LINKS,
    IC_SUB_NAME,
    IC_SUB_EMAIL,
    IC_N
};

static const struct {
    const char *name;
    bool required; /* the column must be in the header (its cells may still be empty) */
    const char *json;
} import_cols[IC_N] = {
    [IC_YEAR] = {"edition_year", false, NULL},
    [IC_ORG] = {"organisation", true, "organisation.name"},
    [IC_ORG_KIND] = {"organisation_kind", true, "organisation.kind"},
    [IC_ORG_COUNTRY] = {"organisation_country", true, "organisation.country"},
    [IC_ORG_WEBSITE] = {"organisation_website", false, "organisation.website"},
    [IC_COUNTRY] = {"country", false, "activity.country"},
    [IC_TITLE] = {"title", true, "activity.title"},
    [IC_SUMMARY] = {"summary", true, "activity.summary"},
    [IC_KINDS] = {"kinds", true, "activity.kinds"},
    [IC_AUDIENCES] = {"audiences", true, "activity.audiences"},
    [IC_START] = {"start", false, "activity.start"},
    [IC_END] = {"end", false, "activity.end"},
    [IC_PLACE] = {"place", false, "activity.place"},
    [IC_ONLINE] = {"online", false, "activity.online"},
    [IC_LANGUAGES] = {"languages", false, "activity.languages"},
    [IC_LINKS] = {"links", false, "activity.links"},
    [IC_SUB_NAME] = {"submitter_name", false, NULL},
    [IC_SUB_EMAIL] = {"submitter_email", false, NULL},
};

/* One activity of an import file. */
struct irow {
    unsigned row; /* 1-based */
    bool valid;
    int year;
    struct aw_draft p;
    const char *source_key; /* JSON files: "YEAR/key" (used when publishing) */
    const char *submitter_name, *submitter_email;
};

struct imp {
    struct aw_store *st;
    struct aw_arena *w; /* work memory, freed at the end */
    const char *name;   /* the file as named by the caller */
    const char *base;   /* its base name */
    const struct aw_import_opts *opts;
    struct isink iss;
    bool fatal; /* a problem with the whole file: nothing can be imported */
    int *years; /* the editions in the database */
    size_t nyears;
    int default_year; /* 0: none */
    struct irow *rows;
    size_t nrows;
    const char *fatal_msg; /* the first problem with the whole file */
    unsigned fail_row;     /* the row whose write failed */
    char msg[512];
};

static void
file_issue(struct imp *im, const char *column, const char *msg)
{
    ld_issue_add(&im->iss, 0, column, msg);
    if (!im->fatal)
        im->fatal_msg =
            column ? aw_arena_printf(im->w, "%s: %s", column, msg) : aw_arena_strdup(im->w, msg);
    im->fatal = true;
}

static bool
year_known(const struct imp *im, int year)
{
    for (size_t i = 0; i < im->nyears; i++)
        if (im->years[i] == year)
            return true;
    return false;
}

/* A plausible address: one @, something before, a dot after, no blanks. */
static bool
is_email(const char *s)
{
    const char *at = strchr(s, '@');
    size_t len = strlen(s);

    if (len > 254 || at == NULL || at == s || strchr(at + 1, '@') != NULL)
        return false;
    if (at[1] == '.' || strchr(at + 1, '.') == NULL || s[len - 1] == '.')
        return false;
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch == 0x7F || strchr("<>()[],;:\\\"", ch) != NULL)
            return false;
    }
    return true;
}

/* Blanks trimmed off [*b, *e). */
static void
trim(const char **b, const char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

/* "a; b;c" -> ["a", "b", "c"] (empty items dropped). */
static json_t *
split_cell(const char *s)
{
    json_t *arr = json_array();

    while (*s != '\0') {
        const char *semi = strchr(s, ';');
        const char *b = s, *e = semi ? semi : s + strlen(s);
        trim(&b, &e);
        if (e > b)
            json_array_append_new(arr, json_stringn(b, (size_t)(e - b)));
        s = semi ? semi + 1 : e + strlen(e);
    }
    return arr;
}

/* "label|url; label|url" -> [{"label", "url"}, ...]; false when an item has
 * no "|" (reported as an issue). */
static bool
split_links(struct imp *im, unsigned row, const char *s, json_t **out)
{
    json_t *arr = json_array();
    size_t item = 0;
    bool ok = true;

    while (*s != '\0') {
        const char *semi = strchr(s, ';');
        const char *b = s, *e = semi ? semi : s + strlen(s), *bar;
        trim(&b, &e);
        if (e > b) {
            item++;
            bar = memchr(b, '|', (size_t)(e - b));
            if (bar == NULL) {
                ld_issue_addf(&im->iss, row, "links", "item %zu: expected label|url", item);
                ok = false;
            } else {
                const char *lb = b, *le = bar, *ub = bar + 1, *ue = e;
                json_t *l = json_object();
                trim(&lb, &le);
                trim(&ub, &ue);
                json_object_set_new(l, "label", json_stringn(lb, (size_t)(le - lb)));
                json_object_set_new(l, "url", json_stringn(ub, (size_t)(ue - ub)));
                json_array_append_new(arr, l);
            }
        }
        s = semi ? semi + 1 : e + strlen(e);
    }
    *out = arr;
    return ok;
}

/* "[2]" -> "item 3", "[0].url" -> "item 1 (url)", for CSV messages. */
static const char *
describe_rest(struct aw_arena *a, const char *rest)
{
    unsigned long n = 0;
    const char *p = rest + 1;

    if (rest[0] != '[')
        return rest;
    while (*p >= '0' && *p <= '9' && n < 1000000)
        n = n * 10 + (unsigned long)(*p++ - '0');
    if (*p != ']')
        return rest;
    p++;
    if (*p == '.')
        return aw_arena_printf(a, "item %lu (%s)", n + 1, p + 1);
    return aw_arena_printf(a, "item %lu", n + 1);
}

/* The issues from first on were found by the payload validators: name their
 * CSV column instead of the JSON path, and drop those about a column whose
 * cell was already reported (bad has bit k for column k). */
static void
remap_issues(struct imp *im, size_t first, uint32_t bad)
{
    size_t kept = first;

    for (size_t i = first; i < im->iss.n; i++) {
        struct aw_load_issue is = im->iss.v[i];
        int col = -1;
        size_t best = 0;

        for (int k = 0; k < IC_N && is.column != NULL; k++) {
            const char *j = import_cols[k].json;
            size_t jl = j ? strlen(j) : 0;
            if (j != NULL && strncmp(is.column, j, jl) == 0 &&
                (is.column[jl] == '\0' || is.column[jl] == '[' || is.column[jl] == '.') &&
                jl > best) {
                col = k;
                best = jl;
            }
        }
        if (col >= 0 && (bad & (1u << col)) != 0) {
            im->iss.total--;
            continue;
        }
        if (col >= 0) {
            if (is.column[best] != '\0')
                is.message = aw_arena_printf(im->iss.a, "%s: %s",
                                             describe_rest(im->w, is.column + best), is.message);
            is.column = import_cols[col].name;
        }
        im->iss.v[kept++] = is;
    }
    im->iss.n = kept;
}

/* One CSV data row: its cells become a payload, validated like any other;
 * every problem is recorded. */
static void
csv_import_row(struct imp *im, const struct csv_row *row, const int *idx, struct irow *ir)
{
    struct jctx c = {.name = im->name,
                     .st = im->st,
                     .a = im->w,
                     .err = NULL,
                     .errlen = 0,
                     .iss = &im->iss,
                     .row = ir->row};
    const char *cell[IC_N], *why;
    json_t *root, *org, *act, *links = NULL;
    uint32_t bad = 0;
    size_t first;

    for (int k = 0; k < IC_N; k++) {
        cell[k] = idx[k] >= 0 ? row->f[idx[k]] : "";
        if (!aw_utf8_valid(cell[k], strlen(cell[k]))) {
            ld_issue_add(&im->iss, ir->row, import_cols[k].name, "invalid UTF-8");
            bad |= 1u << k;
            cell[k] = "";
        }
    }
    /* the edition */
    ir->year = im->default_year;
    if (cell[IC_YEAR][0] == '\0') {
        if (ir->year == 0)
            ld_issue_add(&im->iss, ir->row, "edition_year",
                         "empty, and there is no edition in the database to default to");
    } else if (!ld_parse_year(cell[IC_YEAR], false, &ir->year)) {
        ld_issue_add(&im->iss, ir->row, "edition_year", "expected a year YYYY");
    } else if (!year_known(im, ir->year)) {
        ld_issue_addf(&im->iss, ir->row, "edition_year", "no edition %d in the database", ir->year);
    }
    /* who sent it (recorded in the audit log only) */
    why = ld_check_text(cell[IC_SUB_NAME], strlen(cell[IC_SUB_NAME]), MAX_NAME, 0);
    if (why != NULL && (bad & (1u << IC_SUB_NAME)) == 0)
        ld_issue_addf(&im->iss, ir->row, "submitter_name", "%s",
                      strcmp(why, "too long") == 0 ? "longer than 200 characters" : why);
    if (cell[IC_SUB_EMAIL][0] != '\0' && !is_email(cell[IC_SUB_EMAIL]))
        ld_issue_add(&im->iss, ir->row, "submitter_email", "expected an email address");
    ir->submitter_name = cell[IC_SUB_NAME][0] ? cell[IC_SUB_NAME] : NULL;
    ir->submitter_email = cell[IC_SUB_EMAIL][0] ? cell[IC_SUB_EMAIL] : NULL;

    /* the payload: empty optional cells are null */
    root = json_object();
    org = json_object();
    act = json_object();
    aw_arena_defer(im->w, ld_json_decref, root);
    json_object_set_new(org, "name", json_string(cell[IC_ORG]));
    json_object_set_new(org, "kind", json_string(cell[IC_ORG_KIND]));
    json_object_set_new(org, "country",
                        cell[IC_ORG_COUNTRY][0] ? json_string(cell[IC_ORG_COUNTRY]) : json_null());
    json_object_set_new(org, "website",
                        cell[IC_ORG_WEBSITE][0] ? json_string(cell[IC_ORG_WEBSITE]) : json_null());
    if (cell[IC_COUNTRY][0] != '\0') /* else the organisation's */
        json_object_set_new(act, "country", json_string(cell[IC_COUNTRY]));
    json_object_set_new(act, "title", json_string(cell[IC_TITLE]));
    json_object_set_new(act, "summary", json_string(cell[IC_SUMMARY]));
    json_object_set_new(act, "kinds", split_cell(cell[IC_KINDS]));
    json_object_set_new(act, "audiences", split_cell(cell[IC_AUDIENCES]));
    json_object_set_new(act, "start",
                        cell[IC_START][0] ? json_string(cell[IC_START]) : json_null());
    json_object_set_new(act, "end", cell[IC_END][0] ? json_string(cell[IC_END]) : json_null());
    json_object_set_new(act, "place",
                        cell[IC_PLACE][0] ? json_string(cell[IC_PLACE]) : json_null());
    if (aw_str_eq_nocase(aw_str_c(cell[IC_ONLINE]), "yes")) {
        json_object_set_new(act, "online", json_true());
    } else if (cell[IC_ONLINE][0] == '\0' || aw_str_eq_nocase(aw_str_c(cell[IC_ONLINE]), "no")) {
        json_object_set_new(act, "online", json_false());
    } else {
        ld_issue_add(&im->iss, ir->row, "online", "expected yes or no");
        bad |= 1u << IC_ONLINE;
    }
    json_object_set_new(act, "languages", split_cell(cell[IC_LANGUAGES]));
    if (!split_links(im, ir->row, cell[IC_LINKS], &links))
        bad |= 1u << IC_LINKS;
    json_object_set_new(act, "links", links);
    json_object_set_new(root, "organisation", org);
    json_object_set_new(root, "activity", act);

    first = im->iss.n;
    ld_parse_payload(&c, root, &ir->p);
    remap_issues(im, first, bad);
}

static enum aw_err
import_csv(struct imp *im, const char *data, size_t len)
{
    enum aw_err rc;
    struct csv_doc d = {.name = im->name, .a = im->w, .err = im->msg, .errlen = sizeof(im->msg)};
    const struct csv_row *h;
    int idx[IC_N];

    if (len > CSV_MAX_BYTES) {
        file_issue(im, NULL, aw_arena_printf(im->w, "larger than %u bytes", CSV_MAX_BYTES));
        rc = AW_ETOOBIG;
        goto out;
    }
    rc = ld_csv_parse_buf(&d, data, len);
    if (rc != AW_OK) {
        /* "NAME:LINE[:COLUMN]: why" -> "line LINE[:COLUMN]: why" */
        const char *m = im->msg;
        size_t nl = strlen(im->name);
        if (strncmp(m, im->name, nl) == 0 && m[nl] == ':')
            m += nl + 1;
        file_issue(im, NULL, aw_arena_printf(im->w, "line %s", m));
        goto out;
    }
    h = &d.rows[0];
    for (int k = 0; k < IC_N; k++)
        idx[k] = -1;
    for (size_t i = 0; i < h->n; i++) {
        int k;
        for (k = 0; k < IC_N && strcmp(import_cols[k].name, h->f[i]) != 0; k++)
            ;
        if (k == IC_N) {
            char safe[64];
            aw_log_repr(safe, sizeof(safe), h->f[i], strlen(h->f[i]));
            file_issue(im, safe, "unknown column");
        } else if (idx[k] >= 0) {
            file_issue(im, import_cols[k].name, "duplicate column");
        } else {
            idx[k] = (int)i;
        }
    }
    for (int k = 0; k < IC_N; k++)
        if (idx[k] < 0 && import_cols[k].required)
            file_issue(im, import_cols[k].name, "missing column");
    im->rows = aw_arena_calloc(im->w, d.nrows, sizeof(*im->rows));
    im->nrows = d.nrows - 1;
    for (size_t r = 1; r < d.nrows; r++)
        im->rows[r - 1].row = (unsigned)r;
    if (im->fatal) {
        rc = AW_EINVAL;
        goto out;
    }
    for (size_t r = 1; r < d.nrows; r++) {
        struct irow *ir = &im->rows[r - 1];
        size_t before = im->iss.total;

        ir->row = (unsigned)r;
        if (d.rows[r].n != h->n)
            ld_issue_addf(&im->iss, ir->row, NULL, "expected %zu fields, found %zu", h->n,
                          d.rows[r].n);
        else
            csv_import_row(im, &d.rows[r], idx, ir);
        ir->valid = im->iss.total == before;
    }
out:
    return rc;
}

static enum aw_err
import_json(struct imp *im, const char *data, size_t len)
{
    static const char *const fields[] = {"format",     "edition",   "organisations", "activities",
                                         "statements", "documents", "tools",         NULL};
    enum aw_err rc = AW_OK;
    struct jctx c = {
        .name = im->name, .st = im->st, .a = im->w, .err = NULL, .errlen = 0, .iss = &im->iss};
    struct jdata d;
    json_error_t jerr;
    json_t *root, *fmt, *v;
    size_t before;

    memset(&d, 0, sizeof(d));
    if (len > JSON_MAX_BYTES) {
        file_issue(im, NULL, aw_arena_printf(im->w, "larger than %u bytes", JSON_MAX_BYTES));
        rc = AW_ETOOBIG;
        goto out;
    }
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        file_issue(
            im, NULL,
            aw_arena_printf(im->w, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text));
        rc = AW_ESYNTAX;
        goto out;
    }
    aw_arena_defer(im->w, ld_json_decref, root);
    if (!json_is_object(root)) {
        file_issue(im, NULL, "expected a JSON object at the top level");
        rc = AW_EINVAL;
        goto out;
    }
    fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "awareday-data/1") != 0) {
        file_issue(im, "format", "expected \"awareday-data/1\"");
        rc = AW_EINVAL;
        goto out;
    }
    /* problems with the file as a whole; statements, documents and tools are
     * not imported and not checked */
    before = im->iss.total;
    ld_check_members(&c, root, "(top level)", fields);
    ld_parse_edition(&c, root, &d);
    if (d.year > 0 && im->opts->default_year > 0 && im->opts->default_year != d.year)
        ld_issue_addf(&im->iss, 0, "edition.year", "the file is for edition %d, not %d", d.year,
                      im->opts->default_year);
    if ((v = json_object_get(root, "organisations")) != NULL && !json_is_array(v))
        ld_issue_add(&im->iss, 0, "organisations", "expected an array");
    if ((v = json_object_get(root, "activities")) != NULL && !json_is_array(v))
        ld_issue_add(&im->iss, 0, "activities", "expected an array");
    if (im->iss.total != before) {
        im->fatal = true;
        rc = AW_EINVAL;
        goto out;
    }
    /* organisations (problems: row 0), then each activity (row i + 1) */
    ld_parse_orgs(&c, root, &d);
    ld_parse_activities(&c, root, &d);
    im->nrows = d.nacts;
    im->rows = aw_arena_calloc(im->w, d.nacts + 1, sizeof(*im->rows));
    for (size_t i = 0; i < d.nacts; i++) {
        struct irow *ir = &im->rows[i];

        ir->row = (unsigned)(i + 1);
        ir->year = d.year;
        ir->valid = !d.act_bad[i];
        if (!ir->valid) {
            /* what could be read, for the report */
            ir->p.act.title = d.acts[i].title;
            ir->p.act.country_code = d.acts[i].country_code;
            continue;
        }
        ir->p.org = d.orgs[d.acts[i].org.id].org;
        ir->p.org.id = 0;
        ir->p.act = d.acts[i];
        memset(&ir->p.act.org, 0, sizeof(ir->p.act.org));
        ir->source_key = aw_arena_printf(im->w, "%d/%s", d.year, d.act_keys[i]);
    }
out:
    return rc;
}

/* {"file": ..., "row": N, "submitter_name": ..., "submitter_email": ...} */
static const char *
audit_detail(struct imp *im, const struct irow *ir)
{
    json_t *o = json_object();
    char *text;
    const char *copy = NULL;

    json_object_set_new(o, "file", json_string(im->base));
    json_object_set_new(o, "row", json_integer(ir->row));
    if (ir->submitter_name != NULL)
        json_object_set_new(o, "submitter_name", json_string(ir->submitter_name));
    if (ir->submitter_email != NULL)
        json_object_set_new(o, "submitter_email", json_string(ir->submitter_email));
    text = json_dumps(o, JSON_COMPACT);
    if (text != NULL)
        copy = aw_arena_strdup(im->w, text);
    free(text);
    json_decref(o);
    return copy;
}

/* Writes every valid row in one transaction: a pending submission, or with
 * opts->publish a published activity, and an audit entry for each. */
static enum aw_err
import_write(struct imp *im, size_t *created)
{
    enum aw_err rc;
    const char *source = aw_arena_printf(im->w, "import:%s", im->base);
    int64_t now = (int64_t)time(NULL);
    unsigned row = 0;
    bool in_tx = false;

    *created = 0;
    rc = aw_store_begin(im->st);
    if (rc != AW_OK)
        goto out;
    in_tx = true;
    for (size_t i = 0; i < im->nrows; i++) {
        struct irow *ir = &im->rows[i];
        const char *object;
        int64_t id = 0;

        if (!ir->valid)
            continue;
        row = ir->row;
        if (im->opts->publish) {
            rc = ld_apply_payload(im->st, im->w, &ir->p, ir->year, 0, ir->source_key, &id);
            object = aw_arena_printf(im->w, "activity:%lld", (long long)id);
        } else {
            struct aw_submission sub;

            memset(&sub, 0, sizeof(sub));
            sub.kind = AW_SUB_NEW;
            sub.edition_year = ir->year;
            snprintf(sub.country_code, sizeof(sub.country_code), "%s",
                     ir->p.act.country_code ? ir->p.act.country_code : "");
            sub.title = ir->p.act.title;
            sub.org_name = ir->p.org.name;
            sub.payload = aw_draft_encode(im->w, &ir->p);
            sub.source = source;
            rc = sub.payload != NULL ? aw_store_submission_add(im->st, &sub, now, &id) : AW_ENOMEM;
            object = aw_arena_printf(im->w, "submission:%lld", (long long)id);
        }
        if (rc == AW_OK)
            rc =
                aw_store_audit(im->st, "import", "import", object, audit_detail(im, ir), NULL, now);
        if (rc != AW_OK)
            goto out;
        (*created)++;
    }
    row = 0;
    in_tx = false;
    rc = aw_store_commit(im->st);
out:
    if (in_tx)
        aw_store_rollback(im->st);
    if (rc != AW_OK) {
        *created = 0;
        im->fail_row = row;
        snprintf(im->msg, sizeof(im->msg), "%s", aw_store_errmsg(im->st));
    }
    return rc;
}

/* True when name ends with ext, ignoring case. */
static bool
has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);

    return n > e && aw_str_eq_nocase((struct aw_str){name + n - e, e}, ext);
}

static const struct aw_import_opts default_import_opts = {false, false, false, 0};

enum aw_err
aw_import_mem(struct aw_store *st, struct aw_arena *a, const char *name, const char *data,
              size_t len, const struct aw_import_opts *opts, struct aw_import_report *rep,
              char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct imp im;
    struct aw_edition *eds = NULL;
    size_t neds = 0, nproblems;
    const char *slash = strrchr(name, '/');
    bool csv = has_ext(name, ".csv"), json = has_ext(name, ".json");

    memset(rep, 0, sizeof(*rep));
    memset(&im, 0, sizeof(im));
    if (errlen > 0)
        err[0] = '\0';
    im.st = st;
    im.w = aw_arena_new(0);
    im.name = name;
    im.base = slash ? slash + 1 : name;
    im.opts = opts ? opts : &default_import_opts;
    im.iss.a = a;

    if (!csv && !json) {
        file_issue(&im, NULL, "expected a .csv or .json file");
        rc = AW_EINVAL;
        goto out;
    }
    /* The base name becomes the submissions' source ("import:<name>") and goes into the
     * audit log: it meets the text rule of every input (one line, no direction controls). */
    enum aw_text_fault nf = aw_text_check(im.base, strlen(im.base), 0);
    if (nf != AW_TEXT_OK) {
        file_issue(&im, "file name",
                   aw_arena_printf(im.w, "%s (rename the file)", aw_text_fault_message(nf)));
        rc = AW_EINVAL;
        goto out;
    }
    /* the editions rows may name; the newest is the default */
    rc = aw_store_editions(st, im.w, "en", &eds, &neds);
    if (rc != AW_OK) {
        file_issue(&im, NULL, aw_store_errmsg(st));
        goto out;
    }
    im.years = aw_arena_calloc(im.w, neds + 1, sizeof(*im.years));
    for (size_t i = 0; i < neds; i++)
        im.years[im.nyears++] = eds[i].year;
    im.default_year = neds > 0 ? eds[0].year : 0;
    if (im.opts->default_year > 0) {
        im.default_year = im.opts->default_year;
        if (!year_known(&im, im.opts->default_year)) {
            file_issue(&im, NULL,
                       aw_arena_printf(im.w, "no edition %d in the database (the default year)",
                                       im.opts->default_year));
            rc = AW_EINVAL;
            goto out;
        }
    }
    rc = csv ? import_csv(&im, data, len) : import_json(&im, data, len);
    rep->rows = im.nrows;
    rep->rowinfo = aw_arena_calloc(a, im.nrows + 1, sizeof(*rep->rowinfo));
    for (size_t i = 0; i < im.nrows; i++) {
        const struct irow *r = &im.rows[i];
        struct aw_import_row *ri = &rep->rowinfo[rep->nrowinfo++];
        rep->valid += r->valid ? 1 : 0;
        ri->row = r->row;
        ri->valid = r->valid;
        ri->year = r->year;
        ri->title = aw_arena_strdup(a, r->p.act.title);
        ri->org = aw_arena_strdup(a, r->p.org.name);
        ri->country = aw_arena_strdup(a, r->p.act.country_code);
    }
    if (rc != AW_OK || im.fatal)
        goto out;
    if (!im.opts->dry_run && rep->valid > 0 && (im.iss.total == 0 || im.opts->skip_invalid)) {
        rc = import_write(&im, &rep->created);
        if (rc != AW_OK) {
            ld_issue_add(&im.iss, im.fail_row, NULL, im.msg);
            if (errlen > 0)
                snprintf(err, errlen, "%s: row %u: %s", name, im.fail_row, im.msg);
            goto out;
        }
    }
    if (im.iss.total > 0)
        rc = AW_EINVAL;
out:
    if (rc == AW_OK && im.fatal)
        rc = AW_EINVAL;
    nproblems = im.iss.total;
    if (im.iss.total > im.iss.n) {
        /* the last kept line gives way to a count of the others */
        size_t more = im.iss.total - im.iss.n + 1;
        im.iss.n = im.iss.n > 0 ? im.iss.n - 1 : 0;
        im.iss.total = im.iss.n;
        ld_issue_addf(&im.iss, 0, NULL, "%zu more problems are not listed", more);
    }
    rep->issues = im.iss.v;
    rep->nissues = im.iss.n;
    if (rc != AW_OK && errlen > 0 && err[0] == '\0') {
        if (im.fatal)
            snprintf(err, errlen, "%s: %s", name, im.fatal_msg ? im.fatal_msg : aw_strerror(rc));
        else
            snprintf(err, errlen, "%s: %zu problem%s; %zu of %zu rows valid; %zu imported", name,
                     nproblems, nproblems == 1 ? "" : "s", rep->valid, rep->rows, rep->created);
    }
    aw_arena_free(im.w);
    return rc;
}

enum aw_err
aw_import_file(struct aw_store *st, struct aw_arena *a, const char *path,
               const struct aw_import_opts *opts, struct aw_import_report *rep, char *err,
               size_t errlen)
{
    enum aw_err rc;
    char *data = NULL;
    size_t len = 0;

    memset(rep, 0, sizeof(*rep));
    rc = aw_store__read_file(path, JSON_MAX_BYTES, &data, &len);
    if (rc != AW_OK) {
        struct aw_load_issue *is = aw_arena_calloc(a, 1, sizeof(*is));
        ld_fail(rc, err, errlen, "%s: cannot read the file: %s", path, aw_strerror(rc));
        is->message = aw_arena_strdup(a, errlen > 0 ? err : "cannot read the file");
        rep->issues = is;
        rep->nissues = 1;
        goto out;
    }
    rc = aw_import_mem(st, a, path, data, len, opts, rep, err, errlen);
out:
    free(data);
    return rc;
}
