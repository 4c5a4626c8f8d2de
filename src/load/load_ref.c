/* load_ref.c: the CSV parser (libcsv) and the reference files it reads:
 * vocabularies.csv, countries.csv, editions.csv, help_services.csv
 * (data/reference/README.md).
 * Errors: "FILE:LINE:COLUMN: message" (LINE counts the header as 1, COLUMN is
 * the header name). Everything is validated before anything is written, in
 * one transaction (load.h). */
#include "load_int.h"

/* ======================================================================
 * CSV
 * ====================================================================== */

/* The header name of column i, or a placeholder. */
static const char *
col_name(const struct csv_doc *d, size_t i)
{
    if (d->nrows > 0 && i < d->rows[0].n)
        return d->rows[0].f[i];
    return "?";
}

static void
csv_field_cb(void *s, size_t len, void *data)
{
    struct csv_doc *d = data;

    if (d->rc != AW_OK)
        return;
    if (d->ncur == 0)
        d->cur = aw_arena_calloc(d->a, CSV_MAX_FIELDS, sizeof(*d->cur));
    if (d->ncur >= CSV_MAX_FIELDS) {
        d->rc = ld_fail(AW_ETOOBIG, d->err, d->errlen, "%s:%zu: more than %d fields", d->name,
                        d->row_start, CSV_MAX_FIELDS);
        return;
    }
    d->cur[d->ncur++] = aw_arena_strndup(d->a, s ? (const char *)s : "", s ? len : 0);
}

static void
csv_row_cb(int c, void *data)
{
    struct csv_doc *d = data;
    struct csv_row *r;

    (void)c;
    if (d->rc != AW_OK)
        return;
    if (d->nrows >= CSV_MAX_ROWS) {
        d->rc = ld_fail(AW_ETOOBIG, d->err, d->errlen, "%s:%zu: more than %d rows", d->name,
                        d->row_start, CSV_MAX_ROWS);
        return;
    }
    if (d->nrows == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 64;
        struct csv_row *nr = aw_arena_calloc(d->a, ncap, sizeof(*nr));
        if (d->nrows > 0)
            memcpy(nr, d->rows, d->nrows * sizeof(*nr));
        d->rows = nr;
        d->cap = ncap;
    }
    r = &d->rows[d->nrows++];
    r->line = d->row_start;
    r->n = d->ncur;
    r->f = d->cur;
    d->cur = NULL;
    d->ncur = 0;
    d->row_start = d->line + 1;
}

/* What libcsv trims around an unquoted field: spaces only. Its default also trims tabs,
 * which silently turned a cell "\t=1+1" into "=1+1" where the form, the JSON import and a
 * quoted cell refuse the tab as a control character; kept, it meets the same rule. */
static int
csv_is_space(unsigned char c)
{
    return c == CSV_SPACE;
}

/* Parses buf (len bytes) into d->rows (header first). */
enum aw_err
ld_csv_parse_buf(struct csv_doc *d, const char *buf, size_t len)
{
    enum aw_err rc = AW_OK;
    struct csv_parser p;
    bool parser = false;
    size_t pos = 0;

    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        rc = ld_fail(AW_ENOMEM, d->err, d->errlen, "%s: cannot start the CSV parser", d->name);
        goto out;
    }
    parser = true;
    csv_set_space_func(&p, csv_is_space);
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* a UTF-8 byte order mark */
    d->row_start = 1;
    /* one line at a time, so that errors can name it */
    while (pos < len && d->rc == AW_OK) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;

        d->line++;
        if (d->ncur == 0 && p.pstate == 0) /* no row begun: blank lines are skipped */
            d->row_start = d->line;
        if (csv_parse(&p, buf + pos, n, csv_field_cb, csv_row_cb, d) != n) {
            rc = ld_fail(AW_ESYNTAX, d->err, d->errlen, "%s:%zu:%s: malformed quoted field",
                         d->name, d->line, col_name(d, d->ncur));
            goto out;
        }
        pos += n;
    }
    if (d->rc != AW_OK) {
        rc = d->rc;
        goto out;
    }
    if (csv_fini(&p, csv_field_cb, csv_row_cb, d) != 0) {
        rc = ld_fail(AW_ESYNTAX, d->err, d->errlen, "%s:%zu:%s: unterminated quoted field", d->name,
                     d->row_start, col_name(d, d->ncur));
        goto out;
    }
    rc = d->rc;
    if (rc == AW_OK && d->nrows == 0)
        rc = ld_fail(AW_ESYNTAX, d->err, d->errlen, "%s:1: empty file, expected a header row",
                     d->name);
out:
    if (parser)
        csv_free(&p);
    return rc;
}

/* Parses the file at path into d->rows (header first). */
static enum aw_err
csv_read(struct csv_doc *d, const char *path)
{
    enum aw_err rc;
    char *buf = NULL;
    size_t len = 0;

    rc = aw_store__read_file(path, CSV_MAX_BYTES, &buf, &len);
    if (rc != AW_OK) {
        rc = ld_fail(rc, d->err, d->errlen, "%s: cannot read the file: %s", d->name,
                     aw_strerror(rc));
        goto out;
    }
    rc = ld_csv_parse_buf(d, buf, len);
out:
    free(buf);
    return rc;
}

/* A column the loader reads: idx is filled by csv_columns(). */
struct csv_col {
    const char *name;
    bool required; /* the column must be in the header */
    size_t max;    /* characters */
    int idx;
};

/* Finds each column in the header (any order; unknown columns are ignored),
 * checks that every row has the header's width and that every field is
 * valid single-line text within its column's limit. */
static enum aw_err
csv_columns(struct csv_doc *d, struct csv_col *cols, size_t ncols)
{
    enum aw_err rc = AW_OK;
    const struct csv_row *h = &d->rows[0];

    for (size_t i = 0; i < h->n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(h->f[i], h->f[j]) == 0) {
                rc = ld_fail(AW_EINVAL, d->err, d->errlen, "%s:1:%s: duplicate column", d->name,
                             h->f[i]);
                goto out;
            }
        }
    }
    for (size_t c = 0; c < ncols; c++) {
        cols[c].idx = -1;
        for (size_t i = 0; i < h->n; i++)
            if (strcmp(h->f[i], cols[c].name) == 0)
                cols[c].idx = (int)i;
        if (cols[c].idx < 0 && cols[c].required) {
            rc = ld_fail(AW_EINVAL, d->err, d->errlen, "%s:1:%s: missing column", d->name,
                         cols[c].name);
            goto out;
        }
    }
    for (size_t r = 1; r < d->nrows; r++) {
        const struct csv_row *row = &d->rows[r];
        if (row->n != h->n) {
            rc = ld_fail(AW_EINVAL, d->err, d->errlen, "%s:%zu: expected %zu fields, found %zu",
                         d->name, row->line, h->n, row->n);
            goto out;
        }
        for (size_t c = 0; c < ncols; c++) {
            const char *v, *why;
            if (cols[c].idx < 0)
                continue;
            v = row->f[cols[c].idx];
            why = ld_check_text(v, strlen(v), cols[c].max, 0);
            if (why != NULL) {
                rc = ld_fail(AW_EINVAL, d->err, d->errlen, "%s:%zu:%s: %s", d->name, row->line,
                             cols[c].name, why);
                goto out;
            }
        }
    }
out:
    return rc;
}

/* Field of column c in row r ("" when the column is absent). */
static const char *
fld(const struct csv_doc *d, size_t r, const struct csv_col *c)
{
    return c->idx < 0 ? "" : d->rows[r].f[c->idx];
}

/* Empty: 0 and true when optional. Else a year in [1900, 2200]. */
bool
ld_parse_year(const char *s, bool optional, int *out)
{
    int64_t v;

    *out = 0;
    if (s[0] == '\0')
        return optional;
    if (strlen(s) != 4 || aw_str_to_i64(aw_str_c(s), 1900, 2200, &v) != 0)
        return false;
    *out = (int)v;
    return true;
}

/* ---- countries.csv ---- */

enum { CC_CODE, CC_NAME_EN, CC_NAME_FR, CC_MEMBER, CC_JOINED, CC_LEFT, CC_LANZAROTE, CC_N };

static enum aw_err
read_countries(struct aw_arena *a, const char *path, struct aw_country **out, size_t *n, char *err,
               size_t errlen)
{
    enum aw_err rc;
    struct csv_doc d = {.name = path, .a = a, .err = err, .errlen = errlen};
    struct csv_col cols[CC_N] = {
        [CC_CODE] = {"code", true, 2, 0},
        [CC_NAME_EN] = {"name_en", true, MAX_NAME, 0},
        [CC_NAME_FR] = {"name_fr", true, MAX_NAME, 0},
        [CC_MEMBER] = {"coe_member", true, 10, 0},
        [CC_JOINED] = {"coe_joined_year", true, 4, 0},
        [CC_LEFT] = {"coe_left_year", true, 4, 0},
        [CC_LANZAROTE] = {"lanzarote_ratified_year", true, 4, 0},
    };
    struct aw_country *v;

    rc = csv_read(&d, path);
    if (rc == AW_OK)
        rc = csv_columns(&d, cols, CC_N);
    if (rc != AW_OK)
        goto out;
    v = aw_arena_calloc(a, d.nrows, sizeof(*v));
    for (size_t r = 1; r < d.nrows; r++) {
        struct aw_country *c = &v[r - 1];
        const char *code = fld(&d, r, &cols[CC_CODE]);
        const char *member = fld(&d, r, &cols[CC_MEMBER]);
        size_t line = d.rows[r].line;
        const char *bad = NULL, *why = NULL;

        if (!ld_is_upper2(code)) {
            bad = "code";
            why = "expected an ISO 3166-1 alpha-2 code (two capital letters)";
        } else if (fld(&d, r, &cols[CC_NAME_EN])[0] == '\0') {
            bad = "name_en";
            why = "must not be empty";
        } else if (strcmp(member, "yes") != 0 && strcmp(member, "former") != 0 &&
                   strcmp(member, "no") != 0) {
            bad = "coe_member";
            why = "expected yes, former or no";
        } else if (!ld_parse_year(fld(&d, r, &cols[CC_JOINED]), true, &c->coe_joined_year)) {
            bad = "coe_joined_year";
            why = "expected a year";
        } else if (!ld_parse_year(fld(&d, r, &cols[CC_LEFT]), true, &c->coe_left_year)) {
            bad = "coe_left_year";
            why = "expected a year";
        } else if (!ld_parse_year(fld(&d, r, &cols[CC_LANZAROTE]), true, &c->lanzarote_year)) {
            bad = "lanzarote_ratified_year";
            why = "expected a year";
        }
        for (size_t k = 0; bad == NULL && k + 1 < r; k++) {
            if (strcmp(v[k].code, code) == 0) {
                bad = "code";
                why = "duplicate country code";
            }
        }
        if (bad != NULL) {
            rc = ld_fail(AW_EINVAL, err, errlen, "%s:%zu:%s: %s", path, line, bad, why);
            goto out;
        }
        memcpy(c->code, code, 3);
        c->name_en = fld(&d, r, &cols[CC_NAME_EN]);
        c->name_fr = fld(&d, r, &cols[CC_NAME_FR]);
        c->name = c->name_en;
        c->coe_member = strcmp(member, "yes") == 0;
    }
    *out = v;
    *n = d.nrows - 1;
out:
    return rc;
}

/* ---- editions.csv ---- */

enum { EC_YEAR, EC_NUMBER, EC_THEME, EC_ISSUERS, EC_SUPPORTERS, EC_N };

/* True when code is among the n countries or in the store. */
static bool
country_known(struct aw_store *st, struct aw_arena *a, const struct aw_country *v, size_t n,
              const char *code)
{
    struct aw_country c;

    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].code, code) == 0)
            return true;
    return aw_store_country(st, a, "en", code, &c) == AW_OK;
}

static enum aw_err
read_editions(struct aw_store *st, struct aw_arena *a, const char *path,
              const struct aw_country *countries, size_t ncountries, struct aw_edition **out,
              size_t *n, char *err, size_t errlen)
{
    enum aw_err rc;
    struct csv_doc d = {.name = path, .a = a, .err = err, .errlen = errlen};
    struct csv_col cols[EC_N] = {
        [EC_YEAR] = {"year", true, 4, 0},
        [EC_NUMBER] = {"number", true, 4, 0},
        [EC_THEME] = {"theme_en", true, MAX_SHORT, 0},
        [EC_ISSUERS] = {"joint_statement_issued_by", true, 1000, 0},
        [EC_SUPPORTERS] = {"joint_statement_supported_by_count", true, 4, 0},
    };
    struct aw_edition *v;

    rc = csv_read(&d, path);
    if (rc == AW_OK)
        rc = csv_columns(&d, cols, EC_N);
    if (rc != AW_OK)
        goto out;
    v = aw_arena_calloc(a, d.nrows, sizeof(*v));
    for (size_t r = 1; r < d.nrows; r++) {
        struct aw_edition *e = &v[r - 1];
        const char *num = fld(&d, r, &cols[EC_NUMBER]);
        const char *sup = fld(&d, r, &cols[EC_SUPPORTERS]);
        const char *iss = fld(&d, r, &cols[EC_ISSUERS]);
        size_t line = d.rows[r].line;
        const char *bad = NULL, *why = NULL;
        int64_t x;

        e->js_supported_count = -1;
        if (!ld_parse_year(fld(&d, r, &cols[EC_YEAR]), false, &e->year)) {
            bad = "year";
            why = "expected a year";
        } else if (aw_str_to_i64(aw_str_c(num), 1, 1000, &x) != 0) {
            bad = "number";
            why = "expected an edition number from 1 to 1000";
        } else if (sup[0] != '\0' && aw_str_to_i64(aw_str_c(sup), 0, 1000, &x) != 0) {
            bad = "joint_statement_supported_by_count";
            why = "expected a count from 0 to 1000";
        }
        if (bad == NULL) {
            e->number = (int)(aw_str_to_i64(aw_str_c(num), 1, 1000, &x) == 0 ? x : 0);
            if (sup[0] != '\0' && aw_str_to_i64(aw_str_c(sup), 0, 1000, &x) == 0)
                e->js_supported_count = (int)x;
        }
        for (size_t k = 0; bad == NULL && k + 1 < r; k++) {
            if (v[k].year == e->year) {
                bad = "year";
                why = "duplicate edition year";
            }
        }
        if (bad == NULL) {
            /* "AD;LU;MC": each a known country, once */
            const char **codes = aw_arena_calloc(a, strlen(iss) / 2 + 1, sizeof(*codes));
            char *list = aw_arena_strdup(a, iss), *p = list;
            size_t nc = 0;
            while (bad == NULL && p != NULL && *p != '\0') {
                char *semi = strchr(p, ';'), *item = p;
                if (semi != NULL)
                    *semi = '\0';
                p = semi ? semi + 1 : NULL;
                while (*item == ' ')
                    item++;
                for (char *t = item + strlen(item); t > item && t[-1] == ' ';)
                    *--t = '\0';
                if (!ld_is_upper2(item)) {
                    bad = "joint_statement_issued_by";
                    why = "expected ISO country codes separated by ';'";
                } else if (!country_known(st, a, countries, ncountries, item)) {
                    bad = "joint_statement_issued_by";
                    why = aw_arena_printf(a, "unknown country code %s", item);
                } else {
                    for (size_t k = 0; k < nc; k++)
                        if (strcmp(codes[k], item) == 0) {
                            bad = "joint_statement_issued_by";
                            why = aw_arena_printf(a, "country code %s given twice", item);
                        }
                    codes[nc++] = item;
                }
            }
            e->js_issued_by = codes;
            e->js_issued_n = nc;
        }
        if (bad != NULL) {
            rc = ld_fail(AW_EINVAL, err, errlen, "%s:%zu:%s: %s", path, line, bad, why);
            goto out;
        }
        e->theme = fld(&d, r, &cols[EC_THEME])[0] ? fld(&d, r, &cols[EC_THEME]) : NULL;
    }
    *out = v;
    *n = d.nrows - 1;
out:
    return rc;
}

/* ---- help_services.csv ---- */

enum {
    HC_CODE,
    HC_KIND,
    HC_NAME,
    HC_ORG,
    HC_URL,
    HC_PHONE,
    HC_LANGS,
    HC_SOURCE,
    HC_CONFIDENCE,
    HC_N
};

/* Splits "de;en" into checked ISO 639-1 codes; false on a bad item. */
static bool
parse_languages(struct aw_arena *a, const char *s, const char ***out, size_t *n)
{
    char *list = aw_arena_strdup(a, s), *p = list;
    const char **v = aw_arena_calloc(a, strlen(s) / 2 + 1, sizeof(*v));
    size_t len = 0;
    bool ok = true;

    while (p != NULL && *p != '\0') {
        char *semi = strchr(p, ';'), *item = p;
        if (semi != NULL)
            *semi = '\0';
        p = semi ? semi + 1 : NULL;
        while (*item == ' ')
            item++;
        for (char *t = item + strlen(item); t > item && t[-1] == ' ';)
            *--t = '\0';
        if (!ld_is_lower2(item)) {
            ok = false;
            break;
        }
        v[len++] = item;
    }
    *out = v;
    *n = len;
    return ok;
}

static enum aw_err
read_help(struct aw_arena *a, const char *path, const struct aw_load_opts *opts,
          struct aw_help_service **out, size_t *n, char *err, size_t errlen)
{
    enum aw_err rc;
    struct csv_doc d = {.name = path, .a = a, .err = err, .errlen = errlen};
    struct csv_col cols[HC_N] = {
        [HC_CODE] = {"country_code", true, 2, 0},
        [HC_KIND] = {"kind", true, 20, 0},
        [HC_NAME] = {"name", true, MAX_NAME, 0},
        [HC_ORG] = {"organisation", true, MAX_SHORT, 0},
        [HC_URL] = {"url", true, MAX_URL, 0},
        [HC_PHONE] = {"phone", true, MAX_PHONE, 0},
        [HC_LANGS] = {"languages", true, 200, 0},
        [HC_SOURCE] = {"source_url", true, MAX_URL, 0},
        [HC_CONFIDENCE] = {"confidence", true, 10, 0},
    };
    struct aw_help_service *v;
    char today[11];

    aw_store__today(today);
    rc = csv_read(&d, path);
    if (rc == AW_OK)
        rc = csv_columns(&d, cols, HC_N);
    if (rc != AW_OK)
        goto out;
    v = aw_arena_calloc(a, d.nrows, sizeof(*v));
    for (size_t r = 1; r < d.nrows; r++) {
        struct aw_help_service *h = &v[r - 1];
        const char *code = fld(&d, r, &cols[HC_CODE]);
        const char *url = fld(&d, r, &cols[HC_URL]);
        const char *src = fld(&d, r, &cols[HC_SOURCE]);
        const char *conf = fld(&d, r, &cols[HC_CONFIDENCE]);
        size_t line = d.rows[r].line;
        const char *bad = NULL, *why = NULL;

        h->name = fld(&d, r, &cols[HC_NAME]);
        if (!ld_is_upper2(code)) {
            bad = "country_code";
            why = "expected an ISO 3166-1 alpha-2 code (two capital letters)";
        } else if (aw_help_kind_parse(fld(&d, r, &cols[HC_KIND]), &h->kind) != 0) {
            bad = "kind";
            why = "expected report, helpline or prevention";
        } else if (h->name[0] == '\0') {
            bad = "name";
            why = "must not be empty";
        } else if (url[0] != '\0' && (why = ld_check_url(url)) != NULL) {
            bad = "url";
        } else if (!parse_languages(a, fld(&d, r, &cols[HC_LANGS]), &h->languages,
                                    &h->languages_n)) {
            bad = "languages";
            why = "expected ISO 639-1 codes separated by ';'";
        } else if (src[0] != '\0' && (why = ld_check_url(src)) != NULL) {
            bad = "source_url";
        } else if (strcmp(conf, "high") != 0 && strcmp(conf, "medium") != 0 &&
                   strcmp(conf, "low") != 0) {
            bad = "confidence";
            why = "expected high, medium or low";
        }
        for (size_t k = 0; bad == NULL && k + 1 < r; k++) {
            if (strcmp(v[k].country_code, code) == 0 && v[k].kind == h->kind &&
                strcmp(v[k].name, h->name) == 0) {
                bad = "name";
                why = "duplicate service (same country, kind and name)";
            }
        }
        if (bad != NULL) {
            rc = ld_fail(AW_EINVAL, err, errlen, "%s:%zu:%s: %s", path, line, bad, why);
            goto out;
        }
        memcpy(h->country_code, code, 3);
        h->organisation = fld(&d, r, &cols[HC_ORG]);
        h->url = url[0] ? url : NULL;
        h->phone = fld(&d, r, &cols[HC_PHONE])[0] ? fld(&d, r, &cols[HC_PHONE]) : NULL;
        h->source_url = src[0] ? src : NULL;
        h->confidence = conf;
        if (opts->publish_high_help && strcmp(conf, "high") == 0) {
            h->verified_at = aw_arena_strdup(a, today);
            h->verified_by = opts->verified_by ? opts->verified_by : "reference import";
        }
    }
    *out = v;
    *n = d.nrows - 1;
out:
    return rc;
}

/* ---- vocabularies.csv ---- */

enum { VC_LIST, VC_CODE, VC_ORGANISER, VC_RETIRED, VC_N };

/* "yes" or "" (no); false with *ok cleared otherwise. */
static bool
yes_or_empty(const char *s, bool *ok)
{
    if (strcmp(s, "yes") == 0)
        return true;
    if (s[0] != '\0')
        *ok = false;
    return false;
}

/* One term per row, in list order (a term's position is its row's place in
 * its list); labels in columns label_<language>, as many as there are
 * languages (data/reference/README.md). */
static enum aw_err
read_vocab(struct aw_arena *a, const char *path, struct aw_term **out, size_t *n, char *err,
           size_t errlen)
{
    enum aw_err rc;
    struct csv_doc d = {.name = path, .a = a, .err = err, .errlen = errlen};
    struct csv_col cols[VC_N] = {
        [VC_LIST] = {"list", true, 20, 0},
        [VC_CODE] = {"code", true, AW_TERM_CODE_MAX, 0},
        [VC_ORGANISER] = {"organiser", false, 3, 0},
        [VC_RETIRED] = {"retired", false, 3, 0},
    };
    struct csv_col *lcols;
    size_t nl = 0;
    int pos[AW_VOCAB_N] = {0};

    rc = csv_read(&d, path);
    if (rc == AW_OK)
        rc = csv_columns(&d, cols, VC_N);
    if (rc != AW_OK)
        goto out;
    /* the label columns: label_xx, each checked as text of its own */
    const struct csv_row *h = &d.rows[0];
    lcols = aw_arena_calloc(a, h->n + 1, sizeof(*lcols));
    for (size_t i = 0; i < h->n; i++) {
        const char *name = h->f[i];
        if (strncmp(name, "label_", 6) != 0)
            continue;
        if (!ld_is_lower2(name + 6)) {
            rc = ld_fail(AW_EINVAL, err, errlen,
                         "%s:1:%s: a label column is label_ and an ISO 639-1 code (label_en)", path,
                         name);
            goto out;
        }
        lcols[nl++] = (struct csv_col){name, true, AW_TERM_LABEL_MAX, 0};
    }
    if (nl == 0) {
        rc = ld_fail(AW_EINVAL, err, errlen, "%s:1: no label column (label_en, label_fr...)", path);
        goto out;
    }
    if ((rc = csv_columns(&d, lcols, nl)) != AW_OK)
        goto out;
    struct aw_term *v = aw_arena_calloc(a, d.nrows, sizeof(*v));
    for (size_t r = 1; r < d.nrows; r++) {
        struct aw_term *t = &v[r - 1];
        const char *list = fld(&d, r, &cols[VC_LIST]);
        const char *code = fld(&d, r, &cols[VC_CODE]);
        size_t line = d.rows[r].line;
        bool ok = true;
        if (aw_vocab_list_parse(list, &t->list) != 0) {
            rc = ld_fail(AW_EINVAL, err, errlen,
                         "%s:%zu:list: \"%s\" is not a list (expected org_kind, activity_kind, "
                         "audience, tool_kind or document_kind)",
                         path, line, list);
            goto out;
        }
        if (!aw_term_code_ok(code)) {
            rc = ld_fail(AW_EINVAL, err, errlen,
                         "%s:%zu:code: \"%s\" is not a code (a lowercase letter, then lowercase "
                         "letters, digits or _, at most %d)",
                         path, line, code, AW_TERM_CODE_MAX);
            goto out;
        }
        for (size_t k = 0; k + 1 < r; k++) {
            if (v[k].list == t->list && strcmp(v[k].code, code) == 0) {
                rc = ld_fail(AW_EINVAL, err, errlen, "%s:%zu:code: %s is in the %s list twice",
                             path, line, code, list);
                goto out;
            }
        }
        t->code = code;
        t->position = ++pos[t->list];
        t->organiser = yes_or_empty(fld(&d, r, &cols[VC_ORGANISER]), &ok);
        t->retired = yes_or_empty(fld(&d, r, &cols[VC_RETIRED]), &ok);
        if (!ok) {
            rc = ld_fail(AW_EINVAL, err, errlen,
                         "%s:%zu: organiser and retired are \"yes\" or empty", path, line);
            goto out;
        }
        if (t->organiser && t->list != AW_VOCAB_ORG_KIND) {
            rc = ld_fail(AW_EINVAL, err, errlen,
                         "%s:%zu:organiser: only a kind of partner (org_kind) can be the "
                         "organiser's",
                         path, line);
            goto out;
        }
        t->labels = aw_arena_calloc(a, nl + 1, sizeof(*t->labels));
        for (size_t k = 0; k < nl; k++) {
            const char *text = fld(&d, r, &lcols[k]);
            if (text[0] == '\0')
                continue; /* no label in that language: the English one is shown */
            t->labels[t->nlabels++] = (struct aw_term_label){lcols[k].name + 6, text};
        }
        if (t->nlabels == 0) {
            rc = ld_fail(AW_EINVAL, err, errlen, "%s:%zu: %s has no label", path, line, code);
            goto out;
        }
    }
    *out = v;
    *n = d.nrows - 1;
out:
    return rc;
}

/* The terms, inside the caller's transaction: missing ones added, the
 * labels an existing one lacks added (the database is the master once made:
 * a term an admin edited keeps what they set). */
static enum aw_err
put_terms(struct aw_store *st, const struct aw_term *terms, size_t n)
{
    enum aw_err rc = AW_OK;
    for (size_t i = 0; i < n && rc == AW_OK; i++) {
        rc = aw_store_term_add(st, &terms[i]);
        if (rc == AW_EEXIST)
            rc = aw_store_term_labels_add(st, &terms[i]);
    }
    return rc;
}

enum aw_err
aw_load_vocabularies(struct aw_store *st, const char *path, char *err, size_t errlen)
{
    struct aw_arena *a = aw_arena_new(0);
    struct aw_term *terms = NULL;
    size_t n = 0;
    enum aw_err rc = read_vocab(a, path, &terms, &n, err, errlen);
    if (rc == AW_OK && (rc = aw_store_begin(st)) == AW_OK) {
        rc = put_terms(st, terms, n);
        if (rc == AW_OK)
            rc = aw_store_commit(st);
        else
            (void)aw_store_rollback(st);
        if (rc != AW_OK)
            ld_fail(rc, err, errlen, "%s: %s", path, aw_store_errmsg(st));
    } else if (rc == AW_OK) {
        ld_fail(rc, err, errlen, "%s: begin: %s", path, aw_store_errmsg(st));
    }
    aw_arena_free(a);
    return rc;
}

enum aw_err
aw_load_reference(struct aw_store *st, const char *dir, const struct aw_load_opts *opts, char *err,
                  size_t errlen)
{
    enum aw_err rc;
    struct aw_arena *a = aw_arena_new(0);
    struct aw_country *countries = NULL;
    struct aw_edition *editions = NULL;
    struct aw_help_service *help = NULL;
    struct aw_term *terms = NULL;
    size_t nc = 0, ne = 0, nh = 0, nt = 0;
    bool in_tx = false;
    const char *what = "";

    if (opts == NULL)
        opts = &ld_default_opts;
    rc = read_vocab(a, aw_arena_printf(a, "%s/vocabularies.csv", dir), &terms, &nt, err, errlen);
    if (rc == AW_OK)
        rc = read_countries(a, aw_arena_printf(a, "%s/countries.csv", dir), &countries, &nc, err,
                            errlen);
    if (rc == AW_OK)
        rc = read_editions(st, a, aw_arena_printf(a, "%s/editions.csv", dir), countries, nc,
                           &editions, &ne, err, errlen);
    if (rc == AW_OK)
        rc = read_help(a, aw_arena_printf(a, "%s/help_services.csv", dir), opts, &help, &nh, err,
                       errlen);
    if (rc != AW_OK)
        goto out;

    rc = aw_store_begin(st);
    if (rc != AW_OK) {
        what = "begin";
        goto db_out;
    }
    in_tx = true;
    what = "vocabularies.csv";
    rc = put_terms(st, terms, nt);
    for (size_t i = 0; i < nc && rc == AW_OK; i++) {
        what = "countries.csv";
        rc = aw_store_put_country(st, &countries[i]);
    }
    for (size_t i = 0; i < ne && rc == AW_OK; i++) {
        struct aw_edition old;
        /* the texts come from the JSON data files: keep them */
        what = "editions.csv";
        if (aw_store_edition(st, a, "en", editions[i].year, &old) == AW_OK) {
            editions[i].theme_why = old.theme_why;
            editions[i].invitation = old.invitation;
        }
        rc = aw_store_put_edition(st, &editions[i]);
    }
    for (size_t i = 0; i < nh && rc == AW_OK; i++) {
        what = "help_services.csv";
        rc = aw_store_put_help_service(st, &help[i], NULL);
    }
    if (rc != AW_OK)
        goto db_out;
    in_tx = false;
    what = "commit";
    rc = aw_store_commit(st);
db_out:
    if (rc != AW_OK)
        ld_fail(rc, err, errlen, "%s/%s: %s", dir, what, aw_store_errmsg(st));
    if (in_tx)
        aw_store_rollback(st);
    else if (rc == AW_OK)
        AW_INFO("loaded %zu terms, %zu countries, %zu editions, %zu help services from %s", nt, nc,
                ne, nh, dir);
out:
    aw_arena_free(a);
    return rc;
}
