/* store_copy.c: migrate-data (aw_be_copy_to, aw_be_compare): every row of
 * every table from one database into another, on either driver, and the
 * row-by-row comparison. */
#include "store_sql_int.h"

/* ---- a whole site from one database to another (migrate-data) ---- */

static int
cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The one place where SQL text is put together at run time: from the
 * schema's own table and column names, as the catalog gives them, each
 * checked to be a plain identifier. Never from data. */
static bool
ident_ok(const char *s)
{
    if (s == NULL || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

struct table {
    const char *name;
    const char **cols;
    size_t ncols;
    bool has_id;
};

static int
cmp_table(const void *x, const void *y)
{
    return strcmp(((const struct table *)x)->name, ((const struct table *)y)->name);
}

/* Orders t[0..n) so that a table comes after every table it refers to
 * (a stable topological sort: the creation order where it allows). A
 * table that refers to itself is after itself: ignored. */
static enum aw_err
referenced_first(struct aw_store_be *be, struct aw_arena *a, struct table *t, size_t n)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_CAT_REFS];
    const char ***refs = aw_arena_calloc(a, n + 1, sizeof(*refs));
    size_t *nrefs = aw_arena_calloc(a, n + 1, sizeof(*nrefs));
    bool *done = aw_arena_calloc(a, n + 1, sizeof(*done));
    struct table *sorted = aw_arena_calloc(a, n + 1, sizeof(*sorted));
    size_t out = 0;
    int r;

    for (size_t i = 0; rc == AW_OK && i < n; i++) {
        size_t cap = 0;
        sq_b_text(be, s, 1, t[i].name);
        while ((r = sq_step(be, s)) == AW_SQL_ROW) {
            refs[i] = sq_grow(a, refs[i], &cap, nrefs[i], sizeof(*refs[i]));
            refs[i][nrefs[i]++] = sq_col_str(a, s, 0);
        }
        if (r != AW_SQL_DONE)
            rc = sq_fail(be, "listing the foreign keys", r);
        sq_finish(be, s);
    }
    while (rc == AW_OK && out < n) {
        size_t before = out;
        for (size_t i = 0; i < n; i++) {
            bool ready = !done[i];
            for (size_t k = 0; ready && k < nrefs[i]; k++)
                for (size_t j = 0; ready && j < n; j++)
                    ready = done[j] || j == i || strcmp(t[j].name, refs[i][k]) != 0;
            if (ready) {
                done[i] = true;
                sorted[out++] = t[i];
                break; /* from the start again: the creation order where it allows */
            }
        }
        if (out == before) {
            snprintf(be->errmsg, sizeof(be->errmsg), "the tables refer to each other in a cycle");
            rc = AW_EINVAL;
        }
    }
    if (rc == AW_OK)
        memcpy(t, sorted, n * sizeof(*t));
    return rc;
}

/* Every table but schema_version, each after those it refers to, with
 * their stored columns. */
static enum aw_err
tables(struct aw_store_be *be, struct aw_arena *a, struct table **out, size_t *n)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_CAT_TABLES];
    struct table *t = NULL;
    size_t cap = 0, len = 0;
    int r;

    while ((r = sq_step(be, s)) == AW_SQL_ROW) {
        const char *name = sq_col_str(a, s, 0);
        if (strcmp(name, "schema_version") == 0)
            continue;
        t = sq_grow(a, t, &cap, len, sizeof(*t));
        t[len++] = (struct table){.name = name};
    }
    if (r != AW_SQL_DONE)
        rc = sq_fail(be, "listing the tables", r);
    sq_finish(be, s);
    if (rc == AW_OK)
        rc = referenced_first(be, a, t, len);
    for (size_t i = 0; rc == AW_OK && i < len; i++) {
        size_t ccap = 0;
        if (!ident_ok(t[i].name)) {
            snprintf(be->errmsg, sizeof(be->errmsg), "table name \"%.64s\" refused", t[i].name);
            return AW_EINVAL;
        }
        s = be->stmt[S_CAT_COLUMNS];
        sq_b_text(be, s, 1, t[i].name);
        while ((r = sq_step(be, s)) == AW_SQL_ROW) {
            const char *col = sq_col_str(a, s, 0);
            t[i].cols = sq_grow(a, t[i].cols, &ccap, t[i].ncols, sizeof(*t[i].cols));
            t[i].cols[t[i].ncols++] = col;
            t[i].has_id |= strcmp(col, "id") == 0;
            if (!ident_ok(col)) {
                snprintf(be->errmsg, sizeof(be->errmsg), "column name \"%.64s\" refused", col);
                rc = AW_EINVAL;
            }
        }
        if (r != AW_SQL_DONE && rc == AW_OK)
            rc = sq_fail(be, "listing the columns", r);
        sq_finish(be, s);
    }
    *out = t;
    *n = len;
    return rc;
}

static char *
select_all(struct aw_arena *a, const struct table *t)
{
    struct aw_buf b = AW_BUF_INIT(65536);
    aw_buf_puts(&b, "SELECT ");
    for (size_t i = 0; i < t->ncols; i++)
        aw_buf_printf(&b, "%s\"%s\"", i ? ", " : "", t->cols[i]);
    aw_buf_printf(&b, " FROM \"%s\"", t->name);
    char *q = aw_arena_strdup(a, aw_buf_cstr(&b));
    aw_buf_free(&b);
    return q;
}

/* Every row of t as one string (columns separated by 0x1f, NULL as 0x01),
 * sorted: two databases compare whatever their collations. */
static enum aw_err
rows_of(struct aw_store_be *be, struct aw_arena *a, const struct table *t, char ***out, size_t *n)
{
    struct aw_sql_stmt *s = NULL;
    char **rows = NULL;
    size_t cap = 0, len = 0;
    enum aw_err rc = aw_sql_prepare(be->db, select_all(a, t), &s);
    int r = AW_SQL_DONE;

    if (rc != AW_OK)
        return sq_fail_rc(be, t->name, rc);
    while ((r = sq_step(be, s)) == AW_SQL_ROW) {
        struct aw_buf b = AW_BUF_INIT(64u << 20);
        for (size_t i = 0; i < t->ncols; i++) {
            if (i)
                aw_buf_putc(&b, '\x1f');
            if (aw_sql_is_null(s, (int)i))
                aw_buf_putc(&b, '\x01');
            else
                aw_buf_append(&b, aw_sql_text(s, (int)i), aw_sql_bytes(s, (int)i));
        }
        rows = sq_grow(a, rows, &cap, len, sizeof(*rows));
        rows[len++] = aw_arena_strdup(a, aw_buf_cstr(&b));
        aw_buf_free(&b);
    }
    if (r != AW_SQL_DONE)
        rc = sq_fail(be, t->name, r);
    sq_finish(be, s);
    aw_sql_finalize(s);
    if (len > 1) /* qsort wants a pointer even for nothing */
        qsort(rows, len, sizeof(*rows), cmp_cstr);
    *out = rows;
    *n = len;
    return rc;
}

enum aw_err
aw_be_copy_to(struct aw_store_be *from, struct aw_store_be *to, struct aw_arena *a, int64_t *rows,
              size_t *ntables)
{
    struct table *ft = NULL, *tt = NULL;
    size_t fn = 0, tn = 0;
    enum aw_err rc;

    *rows = 0;
    *ntables = 0;
    to->errmsg[0] = '\0';
    if ((rc = tables(from, a, &ft, &fn)) != AW_OK)
        return rc;
    if ((rc = tables(to, a, &tt, &tn)) != AW_OK)
        goto out;
    /* the same tables and columns on both sides, the destination empty */
    for (size_t i = 0; i < fn; i++) {
        size_t k = 0;
        while (k < tn && strcmp(tt[k].name, ft[i].name) != 0)
            k++;
        bool same = k < tn && tt[k].ncols == ft[i].ncols;
        for (size_t c = 0; same && c < ft[i].ncols; c++)
            same = strcmp(tt[k].cols[c], ft[i].cols[c]) == 0;
        if (!same) {
            snprintf(from->errmsg, sizeof(from->errmsg),
                     "table %s is not the same in the destination's schema", ft[i].name);
            return AW_EINVAL;
        }
        char **r = NULL;
        size_t n = 0;
        if ((rc = rows_of(to, a, &tt[k], &r, &n)) != AW_OK)
            goto out;
        if (n > 0) {
            snprintf(from->errmsg, sizeof(from->errmsg),
                     "the destination is not empty (%zu rows in %s)", n, ft[i].name);
            return AW_EEXIST;
        }
    }
    /* one transaction: all of it or nothing */
    if ((rc = sq_fail_rc(to, "begin", aw_sql_begin(to->db, true))) != AW_OK)
        goto out;
    for (size_t i = 0; rc == AW_OK && i < fn; i++) {
        const struct table *t = &ft[i];
        struct aw_sql_stmt *sel = NULL, *ins = NULL;
        struct aw_buf q = AW_BUF_INIT(65536);
        aw_buf_printf(&q, "INSERT INTO \"%s\" (", t->name);
        for (size_t c = 0; c < t->ncols; c++)
            aw_buf_printf(&q, "%s\"%s\"", c ? ", " : "", t->cols[c]);
        aw_buf_puts(&q, ") VALUES (");
        for (size_t c = 0; c < t->ncols; c++)
            aw_buf_printf(&q, "%s?%zu", c ? ", " : "", c + 1);
        aw_buf_puts(&q, ")");
        rc = sq_fail_rc(from, t->name, aw_sql_prepare(from->db, select_all(a, t), &sel));
        if (rc == AW_OK)
            rc = sq_fail_rc(to, t->name, aw_sql_prepare(to->db, aw_buf_cstr(&q), &ins));
        aw_buf_free(&q);
        int r = AW_SQL_DONE;
        while (rc == AW_OK && (r = sq_step(from, sel)) == AW_SQL_ROW) {
            for (size_t c = 0; c < t->ncols; c++)
                aw_sql_bind_text(ins, (int)c + 1, aw_sql_text(sel, (int)c));
            int w = sq_step(to, ins);
            if (w != AW_SQL_DONE)
                rc = sq_fail(to, t->name, w);
            sq_finish(to, ins);
            (*rows)++;
        }
        if (rc == AW_OK && r != AW_SQL_DONE)
            rc = sq_fail(from, t->name, r);
        if (sel)
            sq_finish(from, sel);
        aw_sql_finalize(sel);
        aw_sql_finalize(ins);
        if (rc == AW_OK && t->has_id)
            rc = sq_fail_rc(to, t->name, aw_sql_reset_ids(to->db, t->name));
        (*ntables)++;
    }
    if (rc == AW_OK)
        rc = sq_fail_rc(to, "commit", aw_sql_commit(to->db));
    else
        aw_sql_rollback(to->db);
out:
    /* the reason, on whichever side it was, is the source's errmsg */
    if (rc != AW_OK && to->errmsg[0])
        snprintf(from->errmsg, sizeof(from->errmsg), "destination: %.400s", to->errmsg);
    return rc;
}

enum aw_err
aw_be_compare(struct aw_store_be *x, struct aw_store_be *y, struct aw_arena *a, int64_t *rows,
              size_t *ntables)
{
    struct table *xt = NULL, *yt = NULL;
    size_t xn = 0, yn = 0;
    enum aw_err rc;

    *rows = 0;
    *ntables = 0;
    if ((rc = tables(x, a, &xt, &xn)) != AW_OK || (rc = tables(y, a, &yt, &yn)) != AW_OK)
        return rc;
    if (xn != yn) {
        snprintf(x->errmsg, sizeof(x->errmsg), "%zu tables against %zu", xn, yn);
        return AW_ENOTFOUND;
    }
    /* by name: two databases may have made (or rebuilt) their tables in another order */
    qsort(xt, xn, sizeof(*xt), cmp_table);
    qsort(yt, yn, sizeof(*yt), cmp_table);
    for (size_t i = 0; i < xn; i++) {
        char **xr = NULL, **yr = NULL;
        size_t xc = 0, yc = 0;
        if (strcmp(xt[i].name, yt[i].name) != 0 || xt[i].ncols != yt[i].ncols) {
            snprintf(x->errmsg, sizeof(x->errmsg), "table %s against %s", xt[i].name, yt[i].name);
            return AW_ENOTFOUND;
        }
        if ((rc = rows_of(x, a, &xt[i], &xr, &xc)) != AW_OK)
            return rc;
        if ((rc = rows_of(y, a, &yt[i], &yr, &yc)) != AW_OK) {
            snprintf(x->errmsg, sizeof(x->errmsg), "%s", y->errmsg);
            return rc;
        }
        for (size_t k = 0; k < xc || k < yc; k++) {
            if (k >= xc || k >= yc || strcmp(xr[k], yr[k]) != 0) {
                snprintf(x->errmsg, sizeof(x->errmsg),
                         "table %s: %zu rows against %zu, first difference at sorted row %zu",
                         xt[i].name, xc, yc, k + 1);
                return AW_ENOTFOUND;
            }
        }
        *rows += (int64_t)xc;
        (*ntables)++;
    }
    return AW_OK;
}
