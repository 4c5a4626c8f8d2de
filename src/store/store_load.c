/* store_load.c: the loaders of load.h. Reference CSV files (countries,
 * editions, help services) are read with libcsv, awareday JSON data files
 * (docs/DATA.md) with jansson. Each loader reads and validates everything
 * first, into an arena, and only then writes, in one transaction, through
 * the upserts of store.h: a file with an error changes nothing, and loading
 * the same files again changes no counts.
 *
 * Errors: "FILE:LINE:COLUMN: message" for CSV (LINE counts the header as 1,
 * COLUMN is the header name) and "FILE: activities[3].start: message" for
 * JSON.
 *
 * The same file holds the submission side (issue 3): submission payloads
 * (checked and applied) and the bulk import of activities from CSV or JSON
 * (docs/IMPORT.md). Organisations and activities are validated by one
 * implementation, check_org_fields() and check_activity_fields(), whether
 * they come from a data file, a payload or an import row; an import runs
 * the validators in a mode that records every problem instead of stopping
 * at the first. */
#include "aw/load.h"

#include "aw/arena.h"
#include "aw/log.h"
#include "aw/str.h"
#include "aw/rules.h"
#include "aw/text.h"
#include "store/store_int.h"

#include <csv.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CSV_MAX_BYTES (16u * 1024 * 1024)
#define CSV_MAX_FIELDS 64
#define CSV_MAX_ROWS 100000
#define JSON_MAX_BYTES (32u * 1024 * 1024)

/* Length limits, in characters (code points). */
#define MAX_TITLE 200
#define MAX_NAME 200
#define MAX_SUMMARY 5000
#define MAX_LONGTEXT 10000      /* theme_why, invitation */
#define MAX_URL AW_RULE_URL_MAX /* rules.h */
#define MAX_KEY 80
#define MAX_SHORT 300 /* help service organisation, role, place, label */
#define MAX_PHONE 100
#define MAX_LIST 64 /* items in kinds, audiences, languages, links */

static const struct aw_load_opts default_opts = {false, NULL, false};

static enum aw_err fail(enum aw_err rc, char *err, size_t errlen, const char *fmt, ...)
    AW_PRINTF(4, 5);

/* Writes the message into err (if errlen > 0) and returns rc. */
static enum aw_err
fail(enum aw_err rc, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- value checks shared by both formats: NULL when fine, else why ---- */

/* The text rule of every input (aw_text_check, text.h: UTF-8, control
 * characters, direction controls, raw HTML in Markdown), then at most max
 * characters. */
static const char *
check_text(const char *s, size_t len, size_t max, unsigned flags)
{
    enum aw_text_fault f = aw_text_check(s, len, flags);

    if (f != AW_TEXT_OK)
        return aw_text_fault_message(f);
    if (aw_text_chars(s, len) > max)
        return "too long";
    return NULL;
}

static bool
is_upper2(const char *s)
{
    return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] == '\0';
}

static bool
is_lower2(const char *s)
{
    return s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' && s[2] == '\0';
}

/* The rules of every way in (rules.h), worded for imports and data files. */
static bool
is_date(const char *s)
{
    return aw_rule_date(s) == AW_RULE_OK;
}

static const char *
check_url(const char *s)
{
    enum aw_rule_fault f = aw_rule_url(s);
    return f == AW_RULE_OK ? NULL : aw_rule_message(f);
}

/* Data keys: ^[a-z0-9]+(-[a-z0-9]+)*$ */
static bool
is_key(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len > MAX_KEY || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '-' && s[i + 1] == '-')
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* ======================================================================
 * CSV
 * ====================================================================== */

struct csv_row {
    size_t line;
    size_t n;
    char **f;
};

struct csv_doc {
    const char *name;
    struct aw_arena *a;
    struct csv_row *rows; /* rows[0] is the header */
    size_t nrows, cap;
    char **cur; /* fields of the row being parsed */
    size_t ncur;
    size_t line;      /* line being fed to the parser */
    size_t row_start; /* line where the current row began */
    enum aw_err rc;
    char *err;
    size_t errlen;
};

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
        d->rc = fail(AW_ETOOBIG, d->err, d->errlen, "%s:%zu: more than %d fields", d->name,
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
        d->rc = fail(AW_ETOOBIG, d->err, d->errlen, "%s:%zu: more than %d rows", d->name,
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
static enum aw_err
csv_parse_buf(struct csv_doc *d, const char *buf, size_t len)
{
    enum aw_err rc = AW_OK;
    struct csv_parser p;
    bool parser = false;
    size_t pos = 0;

    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        rc = fail(AW_ENOMEM, d->err, d->errlen, "%s: cannot start the CSV parser", d->name);
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
            rc = fail(AW_ESYNTAX, d->err, d->errlen, "%s:%zu:%s: malformed quoted field", d->name,
                      d->line, col_name(d, d->ncur));
            goto out;
        }
        pos += n;
    }
    if (d->rc != AW_OK) {
        rc = d->rc;
        goto out;
    }
    if (csv_fini(&p, csv_field_cb, csv_row_cb, d) != 0) {
        rc = fail(AW_ESYNTAX, d->err, d->errlen, "%s:%zu:%s: unterminated quoted field", d->name,
                  d->row_start, col_name(d, d->ncur));
        goto out;
    }
    rc = d->rc;
    if (rc == AW_OK && d->nrows == 0)
        rc =
            fail(AW_ESYNTAX, d->err, d->errlen, "%s:1: empty file, expected a header row", d->name);
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
        rc = fail(rc, d->err, d->errlen, "%s: cannot read the file: %s", d->name, aw_strerror(rc));
        goto out;
    }
    rc = csv_parse_buf(d, buf, len);
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
                rc = fail(AW_EINVAL, d->err, d->errlen, "%s:1:%s: duplicate column", d->name,
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
            rc = fail(AW_EINVAL, d->err, d->errlen, "%s:1:%s: missing column", d->name,
                      cols[c].name);
            goto out;
        }
    }
    for (size_t r = 1; r < d->nrows; r++) {
        const struct csv_row *row = &d->rows[r];
        if (row->n != h->n) {
            rc = fail(AW_EINVAL, d->err, d->errlen, "%s:%zu: expected %zu fields, found %zu",
                      d->name, row->line, h->n, row->n);
            goto out;
        }
        for (size_t c = 0; c < ncols; c++) {
            const char *v, *why;
            if (cols[c].idx < 0)
                continue;
            v = row->f[cols[c].idx];
            why = check_text(v, strlen(v), cols[c].max, 0);
            if (why != NULL) {
                rc = fail(AW_EINVAL, d->err, d->errlen, "%s:%zu:%s: %s", d->name, row->line,
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
static bool
parse_year(const char *s, bool optional, int *out)
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

        if (!is_upper2(code)) {
            bad = "code";
            why = "expected an ISO 3166-1 alpha-2 code (two capital letters)";
        } else if (fld(&d, r, &cols[CC_NAME_EN])[0] == '\0') {
            bad = "name_en";
            why = "must not be empty";
        } else if (strcmp(member, "yes") != 0 && strcmp(member, "former") != 0 &&
                   strcmp(member, "no") != 0) {
            bad = "coe_member";
            why = "expected yes, former or no";
        } else if (!parse_year(fld(&d, r, &cols[CC_JOINED]), true, &c->coe_joined_year)) {
            bad = "coe_joined_year";
            why = "expected a year";
        } else if (!parse_year(fld(&d, r, &cols[CC_LEFT]), true, &c->coe_left_year)) {
            bad = "coe_left_year";
            why = "expected a year";
        } else if (!parse_year(fld(&d, r, &cols[CC_LANZAROTE]), true, &c->lanzarote_year)) {
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
            rc = fail(AW_EINVAL, err, errlen, "%s:%zu:%s: %s", path, line, bad, why);
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
        if (!parse_year(fld(&d, r, &cols[EC_YEAR]), false, &e->year)) {
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
                if (!is_upper2(item)) {
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
            rc = fail(AW_EINVAL, err, errlen, "%s:%zu:%s: %s", path, line, bad, why);
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
        if (!is_lower2(item)) {
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
        if (!is_upper2(code)) {
            bad = "country_code";
            why = "expected an ISO 3166-1 alpha-2 code (two capital letters)";
        } else if (aw_help_kind_parse(fld(&d, r, &cols[HC_KIND]), &h->kind) != 0) {
            bad = "kind";
            why = "expected report, helpline or prevention";
        } else if (h->name[0] == '\0') {
            bad = "name";
            why = "must not be empty";
        } else if (url[0] != '\0' && (why = check_url(url)) != NULL) {
            bad = "url";
        } else if (!parse_languages(a, fld(&d, r, &cols[HC_LANGS]), &h->languages,
                                    &h->languages_n)) {
            bad = "languages";
            why = "expected ISO 639-1 codes separated by ';'";
        } else if (src[0] != '\0' && (why = check_url(src)) != NULL) {
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
            rc = fail(AW_EINVAL, err, errlen, "%s:%zu:%s: %s", path, line, bad, why);
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

enum aw_err
aw_load_reference(struct aw_store *st, const char *dir, const struct aw_load_opts *opts, char *err,
                  size_t errlen)
{
    enum aw_err rc;
    struct aw_arena *a = aw_arena_new(0);
    struct aw_country *countries = NULL;
    struct aw_edition *editions = NULL;
    struct aw_help_service *help = NULL;
    size_t nc = 0, ne = 0, nh = 0;
    bool in_tx = false;
    const char *what = "";

    if (opts == NULL)
        opts = &default_opts;
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
        fail(rc, err, errlen, "%s/%s: %s", dir, what, aw_store_errmsg(st));
    if (in_tx)
        aw_store_rollback(st);
    else if (rc == AW_OK)
        AW_INFO("loaded %zu countries, %zu editions, %zu help services from %s", nc, ne, nh, dir);
out:
    aw_arena_free(a);
    return rc;
}

/* ======================================================================
 * JSON
 * ====================================================================== */

/* Problems found by an import, kept in the caller's arena. At most
 * MAX_ISSUES are kept; `total` counts them all (a row is valid when it adds
 * none). */
#define MAX_ISSUES 1000

struct isink {
    struct aw_arena *a;
    struct aw_load_issue *v;
    size_t n, cap;
    size_t total;
};

static void
issue_add(struct isink *k, unsigned row, const char *column, const char *msg)
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

static void issue_addf(struct isink *k, unsigned row, const char *column, const char *fmt, ...)
    AW_PRINTF(4, 5);

static void
issue_addf(struct isink *k, unsigned row, const char *column, const char *fmt, ...)
{
    va_list ap;
    char msg[512];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    issue_add(k, row, column, msg);
}

/* The JSON validators run in one of two modes. Without `iss` (data files,
 * payloads) the first error stops everything and is written into err. With
 * `iss` (imports) every error is recorded there, with `row`, and the checks
 * go on, so that one pass reports every problem. */
struct jctx {
    const char *name; /* file name for messages */
    struct aw_store *st;
    struct aw_arena *a;
    char *err;
    size_t errlen;
    struct isink *iss; /* NULL: stop at the first error */
    unsigned row;      /* the row issues are recorded against */
};

static enum aw_err jfail(struct jctx *c, const char *path, const char *fmt, ...) AW_PRINTF(3, 4);

/* "FILE: PATH: message" into err, or an issue (row, PATH, message); AW_EINVAL. */
static enum aw_err
jfail(struct jctx *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    char msg[512];
    enum aw_err rc = AW_EINVAL;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->iss != NULL)
        issue_add(c->iss, c->row, path, msg);
    else
        rc = fail(AW_EINVAL, c->err, c->errlen, "%s: %s: %s", c->name, path, msg);
    return rc;
}

/* Records the result r of one check into *rc (the first error stays); true
 * when the caller must stop: an error, outside an import. */
static bool
stop(struct jctx *c, enum aw_err *rc, enum aw_err r)
{
    if (r != AW_OK && *rc == AW_OK)
        *rc = r;
    return r != AW_OK && c->iss == NULL;
}

/* "prefix.name" in the arena. */
static const char *
jpath(struct jctx *c, const char *prefix, const char *name)
{
    return aw_arena_printf(c->a, "%s.%s", prefix, name);
}

/* Rejects members of obj that are not in allowed (NULL-terminated). */
static enum aw_err
check_members(struct jctx *c, json_t *obj, const char *path, const char *const *allowed)
{
    enum aw_err rc = AW_OK;
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
    {
        if (!aw_model_in_list(allowed, k)) {
            char safe[64];
            aw_log_repr(safe, sizeof(safe), k, strlen(k));
            rc = jfail(c, path, "unknown field \"%s\"", safe);
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
            rc = jfail(c, jpath(c, path, name), v ? "must not be null" : "missing");
        goto out;
    }
    if (!json_is_string(v)) {
        rc = jfail(c, jpath(c, path, name), "expected a string");
        goto out;
    }
    why = check_text(json_string_value(v), json_string_length(v), max,
                     (flags & J_MULTILINE) ? AW_TEXT_MULTILINE | AW_TEXT_MARKDOWN : 0);
    if (why != NULL) {
        if (strcmp(why, "too long") == 0)
            rc = jfail(c, jpath(c, path, name), "longer than %zu characters", max);
        else
            rc = jfail(c, jpath(c, path, name), "%s", why);
        goto out;
    }
    if ((flags & J_NONEMPTY) && json_string_length(v) == 0) {
        rc = jfail(c, jpath(c, path, name), "must not be empty");
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

    if (rc == AW_OK && !is_key(*out)) {
        rc = jfail(c, jpath(c, path, name),
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
    if (!json_is_string(v) || !is_date(json_string_value(v))) {
        rc = jfail(c, jpath(c, path, name), "expected a date YYYY-MM-DD");
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

    if (rc == AW_OK && *out != NULL && (why = check_url(*out)) != NULL) {
        rc = jfail(c, jpath(c, path, name), "%s", why);
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
    if (!is_upper2(*out)) {
        rc = jfail(c, jpath(c, path, name), "expected an ISO 3166-1 alpha-2 code or null");
        goto out;
    }
    if (aw_store_country(c->st, c->a, "en", *out, &country) != AW_OK)
        rc = jfail(c, jpath(c, path, name), "unknown country %s (load countries.csv first)", *out);
out:
    if (rc != AW_OK)
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
        rc = jfail(c, jpath(c, path, name), "expected true or false");
        goto out;
    }
    *out = json_is_true(v);
out:
    return rc;
}

/* An array of strings, each in `allowed` (or an ISO 639-1 code when allowed
 * is NULL), no repeats; at least one when nonempty. */
static enum aw_err
get_list(struct jctx *c, json_t *obj, const char *path, const char *name,
         const char *const *allowed, bool nonempty, const char ***out, size_t *n)
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
            rc = jfail(c, p, "missing");
        goto out;
    }
    if (!json_is_array(v)) {
        rc = jfail(c, p, "expected an array");
        goto out;
    }
    if (json_array_size(v) > MAX_LIST) {
        rc = jfail(c, p, "more than %d items", MAX_LIST);
        goto out;
    }
    if (nonempty && json_array_size(v) == 0) {
        rc = jfail(c, p, "must not be empty");
        goto out;
    }
    items = aw_arena_calloc(c->a, json_array_size(v) + 1, sizeof(*items));
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        const char *s = json_is_string(e) ? json_string_value(e) : NULL;
        const char *ip = aw_arena_printf(c->a, "%s[%zu]", p, i);

        if (s == NULL || strlen(s) != json_string_length(e)) {
            rc = jfail(c, ip, "expected a string");
            goto out;
        }
        if (allowed == NULL ? !is_lower2(s) : !aw_model_in_list(allowed, s)) {
            char safe[64];
            aw_log_repr(safe, sizeof(safe), s, strlen(s));
            rc = jfail(c, ip,
                       allowed ? "unknown value \"%s\"" : "expected an ISO 639-1 code, not \"%s\"",
                       safe);
            goto out;
        }
        for (size_t k = 0; k < len; k++) {
            if (strcmp(items[k], s) == 0) {
                rc = jfail(c, ip, "\"%s\" given twice", s);
                goto out;
            }
        }
        items[len++] = s;
    }
    *out = items;
    *n = len;
out:
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
        rc = jfail(c, name, "expected an array");
    return rc;
}

struct jorg {
    const char *key; /* NULL when the key itself is bad (imports) */
    struct aw_org org;
    bool bad; /* has errors (imports only: data files stop at the first) */
};

struct jdata {
    int year;
    struct aw_edition edition;
    struct jorg *orgs;
    size_t norgs;
    struct aw_activity *acts;
    const char **act_keys;
    bool *act_bad; /* imports: the activity has errors */
    size_t nacts;
    struct aw_statement *stmts;
    size_t nstmts;
    struct aw_document *docs;
    size_t ndocs;
    struct aw_tool *tools;
    size_t ntools;
};

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
        rc = jfail(c, *path, "expected an object");
        *obj = NULL;
    } else {
        rc = check_members(c, *obj, *path, allowed);
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
            rc = jfail(c, jpath(c, path, "key"), "duplicate key \"%s\"", key);
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
        rc = jfail(c, jpath(c, path, "organisation"), "unknown organisation \"%s\"", safe);
        goto out;
    }
    if (d->orgs[i].bad) {
        rc = jfail(c, jpath(c, path, "organisation"), "organisation \"%s\" has errors (%s)", key,
                   aw_arena_printf(c->a, "organisations[%ld]", i));
        goto out;
    }
    *out = &d->orgs[i];
out:
    return rc;
}

static enum aw_err
parse_edition(struct jctx *c, json_t *root, struct jdata *d)
{
    static const char *const fields[] = {"year", "theme_why", "invitation", NULL};
    enum aw_err rc;
    json_t *e = json_object_get(root, "edition"), *y;
    const char *why = NULL, *inv = NULL;

    if (!json_is_object(e)) {
        rc = jfail(c, "edition", e ? "expected an object" : "missing");
        goto out;
    }
    rc = check_members(c, e, "edition", fields);
    if (rc != AW_OK)
        goto out;
    y = json_object_get(e, "year");
    if (!json_is_integer(y) || json_integer_value(y) < 1900 || json_integer_value(y) > 2200) {
        rc = jfail(c, "edition.year", "expected a year");
        goto out;
    }
    d->year = (int)json_integer_value(y);
    if (aw_store_edition(c->st, c->a, "en", d->year, &d->edition) != AW_OK) {
        rc = jfail(c, "edition.year", "no edition %d in the database (load editions.csv first)",
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
static enum aw_err
check_org_fields(struct jctx *c, json_t *obj, const char *path, struct aw_org *o)
{
    enum aw_err rc = AW_OK;
    const char *kind = NULL;

    if (stop(c, &rc, get_str(c, obj, path, "name", J_REQUIRED | J_NONEMPTY, MAX_NAME, &o->name)))
        goto out;
    if (stop(c, &rc, get_str(c, obj, path, "kind", J_REQUIRED, 40, &kind)))
        goto out;
    if (kind != NULL && aw_org_kind_parse(kind, &o->kind) != 0 &&
        stop(c, &rc, jfail(c, jpath(c, path, "kind"), "unknown organisation kind")))
        goto out;
    if (stop(c, &rc, get_country(c, obj, path, "country", &o->country_code)))
        goto out;
    if (stop(c, &rc, get_url(c, obj, path, "website", false, &o->website)))
        goto out;
out:
    return rc;
}

static enum aw_err
parse_orgs(struct jctx *c, json_t *root, struct jdata *d)
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
        if (stop(c, &orc, element(c, arr, "organisations", i, fields, &obj, &path)) || obj == NULL)
            goto next;
        if (stop(c, &orc, get_key(c, obj, path, "key", &o->key)))
            goto next;
        if (o->key != NULL && find_org(d, o->key) < (long)i && find_org(d, o->key) >= 0 &&
            stop(c, &orc, jfail(c, jpath(c, path, "key"), "duplicate key \"%s\"", o->key)))
            goto next;
        if (stop(c, &orc, check_org_fields(c, obj, path, &o->org)))
            goto next;
        for (size_t k = 0; o->org.name != NULL && k < i; k++) {
            const struct aw_org *p = &d->orgs[k].org;
            bool same_country = (p->country_code == NULL && o->org.country_code == NULL) ||
                                (p->country_code && o->org.country_code &&
                                 strcmp(p->country_code, o->org.country_code) == 0);
            if (p->name != NULL && same_country && strcmp(p->name, o->org.name) == 0 &&
                stop(c, &orc,
                     jfail(c, jpath(c, path, "name"), "same name and country as organisations[%zu]",
                           k)))
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
        rc = jfail(c, p, "expected an array");
        goto out;
    }
    if (json_array_size(arr) > MAX_LIST) {
        rc = jfail(c, p, "more than %d items", MAX_LIST);
        goto out;
    }
    act->links = aw_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*act->links));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        struct aw_link *l = &act->links[act->links_n];
        const char *lp;
        json_t *lo;

        if (stop(c, &rc, element(c, arr, p, i, fields, &lo, &lp)) || lo == NULL)
            goto next;
        if (stop(c, &rc,
                 get_str(c, lo, lp, "label", J_REQUIRED | J_NONEMPTY, MAX_SHORT, &l->label)))
            goto out;
        if (stop(c, &rc, get_url(c, lo, lp, "url", true, &l->url)))
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
static enum aw_err
check_activity_fields(struct jctx *c, json_t *obj, const char *path, const struct aw_org *org,
                      const char *who, bool country_default, struct aw_activity *act)
{
    enum aw_err rc = AW_OK;

    if (country_default && json_object_get(obj, "country") == NULL)
        act->country_code = org ? org->country_code : NULL;
    else if (stop(c, &rc, get_country(c, obj, path, "country", &act->country_code)))
        goto out;
    if (stop(c, &rc,
             get_str(c, obj, path, "title", J_REQUIRED | J_NONEMPTY, MAX_TITLE, &act->title)))
        goto out;
    if (stop(c, &rc,
             get_str(c, obj, path, "summary", J_REQUIRED | J_MULTILINE | J_NONEMPTY, MAX_SUMMARY,
                     &act->summary)))
        goto out;
    if (stop(c, &rc,
             get_list(c, obj, path, "kinds", aw_model_activity_kinds, true, &act->kinds,
                      &act->kinds_n)))
        goto out;
    if (stop(c, &rc,
             get_list(c, obj, path, "audiences", aw_model_audiences, true, &act->audiences,
                      &act->audiences_n)))
        goto out;
    if (stop(c, &rc, get_date(c, obj, path, "start", &act->start_date)))
        goto out;
    if (stop(c, &rc, get_date(c, obj, path, "end", &act->end_date)))
        goto out;
    if (act->start_date && act->end_date && strcmp(act->end_date, act->start_date) < 0 &&
        stop(c, &rc, jfail(c, jpath(c, path, "end"), "before start (%s)", act->start_date)))
        goto out;
    if (stop(c, &rc, get_str(c, obj, path, "place", J_NONEMPTY, MAX_SHORT, &act->place)))
        goto out;
    if (stop(c, &rc, get_bool(c, obj, path, "online", &act->online)))
        goto out;
    if (stop(c, &rc,
             get_list(c, obj, path, "languages", NULL, false, &act->languages, &act->languages_n)))
        goto out;
    if (stop(c, &rc, parse_links(c, obj, path, act)))
        goto out;
    if (act->country_code != NULL && org != NULL &&
        (org->country_code == NULL || strcmp(org->country_code, act->country_code) != 0) &&
        stop(c, &rc,
             jfail(c, jpath(c, path, "country"), "%s is not the country of organisation %s",
                   act->country_code, who)))
        goto out;
out:
    return rc;
}

static enum aw_err
parse_activities(struct jctx *c, json_t *root, struct jdata *d)
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
        if (stop(c, &arc, element(c, arr, "activities", i, fields, &obj, &path)) || obj == NULL)
            goto next;
        if (stop(c, &arc, get_key(c, obj, path, "key", &key)))
            goto next;
        if (stop(c, &arc, unique_key(c, path, key, d->act_keys, i)))
            goto next;
        if (stop(c, &arc, get_org_ref(c, d, obj, path, &org)))
            goto next;
        if (stop(c, &arc,
                 check_activity_fields(c, obj, path, org ? &org->org : NULL, org ? org->key : NULL,
                                       false, act)))
            goto next;
        if (act->country_code == NULL && key != NULL && strncmp(key, "int-", 4) != 0 &&
            strncmp(key, "coe-", 4) != 0 &&
            stop(c, &arc,
                 jfail(c, jpath(c, path, "key"),
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
            rc = jfail(c, jpath(c, path, "role"), "must be null exactly when speaker is null");
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
                rc = jfail(c, aw_arena_printf(c->a, "statements[%zu]", i),
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
    static const char *const kinds[] = {"opinion", "declaration", "report", NULL};
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
        if (rc == AW_OK && !aw_model_in_list(kinds, doc->kind))
            rc = jfail(c, jpath(c, path, "kind"), "expected opinion, declaration or report");
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "title", J_REQUIRED | J_NONEMPTY, MAX_TITLE, &doc->title);
        if (rc == AW_OK)
            rc = get_date(c, obj, path, "date", &doc->date);
        if (rc == AW_OK)
            rc = get_url(c, obj, path, "url", false, &doc->url);
        for (size_t k = 0; rc == AW_OK && k < i; k++) {
            if (d->docs[k].org.id == (int64_t)(org - d->orgs) &&
                strcmp(d->docs[k].title, doc->title) == 0)
                rc = jfail(c, jpath(c, path, "title"),
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
        if (rc == AW_OK && !aw_model_in_list(aw_model_tool_kinds, t->kind))
            rc = jfail(c, jpath(c, path, "kind"), "unknown tool kind");
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "title", J_REQUIRED | J_NONEMPTY, MAX_TITLE, &t->title);
        if (rc == AW_OK)
            rc = get_str(c, obj, path, "description", J_MULTILINE | J_NONEMPTY, MAX_SUMMARY,
                         &t->description);
        if (rc == AW_OK)
            rc = get_url(c, obj, path, "url", false, &t->url);
        if (rc == AW_OK)
            rc = get_list(c, obj, path, "languages", NULL, false, &t->languages, &t->languages_n);
        for (size_t k = 0; rc == AW_OK && k < i; k++) {
            if (strcmp(d->tools[k].kind, t->kind) == 0 && strcmp(d->tools[k].title, t->title) == 0)
                rc = jfail(c, jpath(c, path, "title"), "same kind and title as tools[%zu]", k);
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
        rc = fail(AW_EINVAL, c->err, c->errlen, "%s: expected a JSON object at the top level",
                  c->name);
        goto out;
    }
    rc = check_members(c, root, "(top level)", fields);
    if (rc != AW_OK)
        goto out;
    fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "awareday-data/1") != 0) {
        rc = jfail(c, "format", "expected \"awareday-data/1\"");
        goto out;
    }
    rc = parse_edition(c, root, d);
    if (rc == AW_OK)
        rc = parse_orgs(c, root, d);
    if (rc == AW_OK)
        rc = parse_activities(c, root, d);
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
    struct jctx c = {name, st, a, err, errlen, NULL, 0};
    struct jdata d;
    json_error_t jerr;
    json_t *root = NULL;
    const char *what = "";
    bool in_tx = false;

    memset(&d, 0, sizeof(d));
    if (opts == NULL)
        opts = &default_opts;
    if (len > JSON_MAX_BYTES) {
        rc = fail(AW_ETOOBIG, err, errlen, "%s: larger than %u bytes", name, JSON_MAX_BYTES);
        goto out;
    }
    if (!aw_utf8_valid(data, len)) {
        rc = fail(AW_EINVAL, err, errlen, "%s: invalid UTF-8", name);
        goto out;
    }
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = fail(AW_ESYNTAX, err, errlen, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        goto out;
    }
    rc = parse_json(&c, root, &d);
    if (rc != AW_OK)
        goto out;
    rc = aw_store_begin(st);
    if (rc != AW_OK) {
        rc = fail(rc, err, errlen, "%s: %s", name, aw_store_errmsg(st));
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
        rc = fail(rc, err, errlen, "%s: %s: %s", name, what, aw_store_errmsg(st));
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
        rc = fail(rc, err, errlen, "%s: cannot read the file: %s", path, aw_strerror(rc));
        goto out;
    }
    rc = aw_load_json_mem(st, path, data, len, opts, err, errlen);
out:
    free(data);
    return rc;
}

/* ======================================================================
 * Submission payloads (struct aw_submission in model.h)
 * ====================================================================== */

#define PAYLOAD_MAX_BYTES (1024u * 1024)

/* A validated payload. Its strings belong to the JSON tree it was read from
 * (or to the arena), so that tree must outlive it. */
struct payload {
    struct aw_org org; /* org.id > 0: an existing organisation */
    struct aw_activity act;
};

/* {"organisation": {name, kind, country, website} | {"id": N},
 *  "activity": {country, title, summary, kinds, audiences, start, end, place,
 *               online, languages, links}}
 * with the rules of the data files (check_org_fields, check_activity_fields).
 * An absent activity "country" is the organisation's. */
static enum aw_err
parse_payload(struct jctx *c, json_t *root, struct payload *p)
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
        rc = jfail(c, "(top level)", "expected a JSON object");
        goto out;
    }
    if (stop(c, &rc, check_members(c, root, "(top level)", top)))
        goto out;
    o = json_object_get(root, "organisation");
    id = json_is_object(o) ? json_object_get(o, "id") : NULL;
    if (!json_is_object(o)) {
        orc = jfail(c, "organisation", o ? "expected an object" : "missing");
    } else if (id != NULL) {
        if (json_object_size(o) != 1)
            orc = jfail(c, "organisation",
                        "expected either {\"id\": N} or name, kind, country and website");
        else if (!json_is_integer(id) || json_integer_value(id) <= 0)
            orc = jfail(c, "organisation.id", "expected a positive integer");
        else if (aw_store_org(c->st, c->a, (int64_t)json_integer_value(id), &p->org) != AW_OK)
            orc = jfail(c, "organisation.id", "no organisation %lld",
                        (long long)json_integer_value(id));
    } else if (!stop(c, &orc, check_members(c, o, "organisation", org_fields))) {
        stop(c, &orc, check_org_fields(c, o, "organisation", &p->org));
    }
    if (orc == AW_OK)
        org = &p->org;
    if (stop(c, &rc, orc))
        goto out;
    act = json_object_get(root, "activity");
    if (!json_is_object(act)) {
        stop(c, &rc, jfail(c, "activity", act ? "expected an object" : "missing"));
        goto out;
    }
    if (stop(c, &rc, check_members(c, act, "activity", act_fields)))
        goto out;
    stop(c, &rc,
         check_activity_fields(c, act, "activity", org, org ? org->name : NULL, true, &p->act));
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
static char *
payload_text(struct aw_arena *a, const struct payload *p)
{
    const struct aw_activity *x = &p->act;
    json_t *root = json_object(), *org = json_object(), *act = json_object();
    json_t *links = json_array();
    char *text, *copy = NULL;

    if (p->org.id > 0) {
        json_object_set_new(org, "id", json_integer((json_int_t)p->org.id));
    } else {
        json_object_set_new(org, "name", jstr(p->org.name));
        json_object_set_new(org, "kind", jstr(aw_org_kind_str(p->org.kind)));
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
static enum aw_err
apply_payload(struct aw_store *st, struct aw_arena *a, const struct payload *p, int year,
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
read_payload(struct jctx *c, const char *text, int year, json_t **root, struct payload *p)
{
    enum aw_err rc = AW_OK;
    struct aw_edition e;
    json_error_t jerr;
    size_t len;

    *root = NULL;
    memset(p, 0, sizeof(*p));
    if (text == NULL) {
        rc = fail(AW_EINVAL, c->err, c->errlen, "%s: no payload", c->name);
        goto out;
    }
    len = strlen(text);
    if (len > PAYLOAD_MAX_BYTES) {
        rc = fail(AW_ETOOBIG, c->err, c->errlen, "%s: larger than %u bytes", c->name,
                  PAYLOAD_MAX_BYTES);
        goto out;
    }
    if (aw_store_edition(c->st, c->a, "en", year, &e) != AW_OK) {
        rc = fail(AW_EINVAL, c->err, c->errlen, "%s: edition_year: no edition %d in the database",
                  c->name, year);
        goto out;
    }
    *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (*root == NULL) {
        rc = fail(AW_ESYNTAX, c->err, c->errlen, "%s:%d:%d: %s", c->name, jerr.line, jerr.column,
                  jerr.text);
        goto out;
    }
    rc = parse_payload(c, *root, p);
out:
    return rc;
}

enum aw_err
aw_load_check_payload(struct aw_store *st, const char *payload, int edition_year, char *err,
                      size_t errlen)
{
    enum aw_err rc;
    struct aw_arena *a = aw_arena_new(0);
    struct jctx c = {"payload", st, a, err, errlen, NULL, 0};
    struct payload p;
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
    struct jctx c = {"payload", st, a, err, errlen, NULL, 0};
    struct payload p;
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
    rc = apply_payload(st, a, &p, edition_year, activity_id, NULL, &id);
    if (rc != AW_OK)
        goto db_out;
    in_tx = false;
    rc = aw_store_commit(st);
    if (rc == AW_OK && out_activity_id != NULL)
        *out_activity_id = id;
db_out:
    if (rc != AW_OK)
        fail(rc, err, errlen, "payload: writing: %s", aw_store_errmsg(st));
    if (in_tx)
        aw_store_rollback(st);
out:
    json_decref(root);
    aw_arena_free(a);
    return rc;
}

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
    struct payload p;
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
jdecref(void *p)
{
    json_decref(p);
}

static void
file_issue(struct imp *im, const char *column, const char *msg)
{
    issue_add(&im->iss, 0, column, msg);
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
                issue_addf(&im->iss, row, "links", "item %zu: expected label|url", item);
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
    struct jctx c = {im->name, im->st, im->w, NULL, 0, &im->iss, ir->row};
    const char *cell[IC_N], *why;
    json_t *root, *org, *act, *links = NULL;
    uint32_t bad = 0;
    size_t first;

    for (int k = 0; k < IC_N; k++) {
        cell[k] = idx[k] >= 0 ? row->f[idx[k]] : "";
        if (!aw_utf8_valid(cell[k], strlen(cell[k]))) {
            issue_add(&im->iss, ir->row, import_cols[k].name, "invalid UTF-8");
            bad |= 1u << k;
            cell[k] = "";
        }
    }
    /* the edition */
    ir->year = im->default_year;
    if (cell[IC_YEAR][0] == '\0') {
        if (ir->year == 0)
            issue_add(&im->iss, ir->row, "edition_year",
                      "empty, and there is no edition in the database to default to");
    } else if (!parse_year(cell[IC_YEAR], false, &ir->year)) {
        issue_add(&im->iss, ir->row, "edition_year", "expected a year YYYY");
    } else if (!year_known(im, ir->year)) {
        issue_addf(&im->iss, ir->row, "edition_year", "no edition %d in the database", ir->year);
    }
    /* who sent it (recorded in the audit log only) */
    why = check_text(cell[IC_SUB_NAME], strlen(cell[IC_SUB_NAME]), MAX_NAME, 0);
    if (why != NULL && (bad & (1u << IC_SUB_NAME)) == 0)
        issue_addf(&im->iss, ir->row, "submitter_name", "%s",
                   strcmp(why, "too long") == 0 ? "longer than 200 characters" : why);
    if (cell[IC_SUB_EMAIL][0] != '\0' && !is_email(cell[IC_SUB_EMAIL]))
        issue_add(&im->iss, ir->row, "submitter_email", "expected an email address");
    ir->submitter_name = cell[IC_SUB_NAME][0] ? cell[IC_SUB_NAME] : NULL;
    ir->submitter_email = cell[IC_SUB_EMAIL][0] ? cell[IC_SUB_EMAIL] : NULL;

    /* the payload: empty optional cells are null */
    root = json_object();
    org = json_object();
    act = json_object();
    aw_arena_defer(im->w, jdecref, root);
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
        issue_add(&im->iss, ir->row, "online", "expected yes or no");
        bad |= 1u << IC_ONLINE;
    }
    json_object_set_new(act, "languages", split_cell(cell[IC_LANGUAGES]));
    if (!split_links(im, ir->row, cell[IC_LINKS], &links))
        bad |= 1u << IC_LINKS;
    json_object_set_new(act, "links", links);
    json_object_set_new(root, "organisation", org);
    json_object_set_new(root, "activity", act);

    first = im->iss.n;
    parse_payload(&c, root, &ir->p);
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
    rc = csv_parse_buf(&d, data, len);
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
            issue_addf(&im->iss, ir->row, NULL, "expected %zu fields, found %zu", h->n,
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
    struct jctx c = {im->name, im->st, im->w, NULL, 0, &im->iss, 0};
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
    aw_arena_defer(im->w, jdecref, root);
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
    check_members(&c, root, "(top level)", fields);
    parse_edition(&c, root, &d);
    if (d.year > 0 && im->opts->default_year > 0 && im->opts->default_year != d.year)
        issue_addf(&im->iss, 0, "edition.year", "the file is for edition %d, not %d", d.year,
                   im->opts->default_year);
    if ((v = json_object_get(root, "organisations")) != NULL && !json_is_array(v))
        issue_add(&im->iss, 0, "organisations", "expected an array");
    if ((v = json_object_get(root, "activities")) != NULL && !json_is_array(v))
        issue_add(&im->iss, 0, "activities", "expected an array");
    if (im->iss.total != before) {
        im->fatal = true;
        rc = AW_EINVAL;
        goto out;
    }
    /* organisations (problems: row 0), then each activity (row i + 1) */
    parse_orgs(&c, root, &d);
    parse_activities(&c, root, &d);
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
            rc = apply_payload(im->st, im->w, &ir->p, ir->year, 0, ir->source_key, &id);
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
            sub.payload = payload_text(im->w, &ir->p);
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
            issue_add(&im.iss, im.fail_row, NULL, im.msg);
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
        issue_addf(&im.iss, 0, NULL, "%zu more problems are not listed", more);
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
        fail(rc, err, errlen, "%s: cannot read the file: %s", path, aw_strerror(rc));
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
