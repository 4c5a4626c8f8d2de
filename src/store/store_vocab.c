/* store_vocab.c: the vocabularies (include/aw/vocab.h): the snapshot and
 * its lookups, and its rows (tables vocabulary and vocabulary_labels,
 * sql/<dialect>/005_vocabularies.sql). */
#include "store_sql_int.h"

#include "aw/vocab.h"

#include <ctype.h>

static const char *const list_names[AW_VOCAB_N] = {
    [AW_VOCAB_ORG_KIND] = "org_kind",           [AW_VOCAB_ACTIVITY_KIND] = "activity_kind",
    [AW_VOCAB_AUDIENCE] = "audience",           [AW_VOCAB_TOOL_KIND] = "tool_kind",
    [AW_VOCAB_DOCUMENT_KIND] = "document_kind",
};

static const char *const list_nouns[AW_VOCAB_N] = {
    [AW_VOCAB_ORG_KIND] = "kind of partner",
    [AW_VOCAB_ACTIVITY_KIND] = "kind of activity",
    [AW_VOCAB_AUDIENCE] = "audience",
    [AW_VOCAB_TOOL_KIND] = "kind of tool",
    [AW_VOCAB_DOCUMENT_KIND] = "kind of document",
};

const char *
aw_vocab_list_str(enum aw_vocab_list l)
{
    return (unsigned)l < AW_VOCAB_N ? list_names[l] : NULL;
}

const char *
aw_vocab_list_noun(enum aw_vocab_list l)
{
    return (unsigned)l < AW_VOCAB_N ? list_nouns[l] : "";
}

int
aw_vocab_list_parse(const char *s, enum aw_vocab_list *out)
{
    for (int i = 0; s != NULL && i < AW_VOCAB_N; i++) {
        if (strcmp(list_names[i], s) == 0) {
            *out = (enum aw_vocab_list)i;
            return 0;
        }
    }
    return -1;
}

bool
aw_term_code_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > AW_TERM_CODE_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* ---- the snapshot ---- */

struct aw_vocab {
    struct aw_arena *a;
    struct aw_term *terms[AW_VOCAB_N];
    size_t n[AW_VOCAB_N], cap[AW_VOCAB_N];
};

struct aw_vocab *
aw_vocab_new(struct aw_arena *a)
{
    struct aw_vocab *v = aw_arena_calloc(a, 1, sizeof(*v));
    v->a = a;
    return v;
}

void
aw_vocab_add(struct aw_vocab *v, const struct aw_term *t)
{
    if ((unsigned)t->list >= AW_VOCAB_N)
        return;
    size_t l = t->list;
    v->terms[l] = sq_grow(v->a, v->terms[l], &v->cap[l], v->n[l], sizeof(*v->terms[l]));
    v->terms[l][v->n[l]++] = *t;
}

const struct aw_term *
aw_vocab_terms(const struct aw_vocab *v, enum aw_vocab_list l, size_t *n)
{
    *n = (unsigned)l < AW_VOCAB_N ? v->n[l] : 0;
    return *n ? v->terms[l] : NULL;
}

const struct aw_term *
aw_vocab_find(const struct aw_vocab *v, enum aw_vocab_list l, const char *code)
{
    size_t n;
    const struct aw_term *t = aw_vocab_terms(v, l, &n);
    for (size_t i = 0; code != NULL && i < n; i++)
        if (strcmp(t[i].code, code) == 0)
            return &t[i];
    return NULL;
}

const char *
aw_term_label(const struct aw_term *t, const char *lang)
{
    for (size_t i = 0; lang != NULL && i < t->nlabels; i++)
        if (strcmp(t->labels[i].lang, lang) == 0)
            return t->labels[i].text;
    for (size_t i = 0; i < t->nlabels; i++)
        if (strcmp(t->labels[i].lang, "en") == 0)
            return t->labels[i].text;
    return t->nlabels ? t->labels[0].text : t->code;
}

const char *
aw_vocab_label(const struct aw_vocab *v, enum aw_vocab_list l, const char *code, const char *lang)
{
    const struct aw_term *t = aw_vocab_find(v, l, code);
    return t ? aw_term_label(t, lang) : code;
}

const char *
aw_vocab_codes(const struct aw_vocab *v, enum aw_vocab_list l, struct aw_arena *a)
{
    size_t n, k = 0, live = 0;
    const struct aw_term *t = aw_vocab_terms(v, l, &n);
    struct aw_buf b = AW_BUF_INIT(16384);
    for (size_t i = 0; i < n; i++)
        live += !t[i].retired;
    for (size_t i = 0; i < n; i++) {
        if (t[i].retired)
            continue;
        k++;
        aw_buf_puts(&b, k == 1 ? "" : k == live ? " and " : ", ");
        aw_buf_puts(&b, t[i].code);
    }
    const char *s = aw_arena_strdup(a, live ? aw_buf_cstr(&b) : "(none: the list is empty)");
    aw_buf_free(&b);
    return s;
}

/* x and y equal ignoring ASCII case, with blanks and '-' read as '_'. */
static bool
loose_eq(const char *x, const char *y)
{
    for (;; x++, y++) {
        unsigned char a = (unsigned char)*x, b = (unsigned char)*y;
        a = (a == ' ' || a == '-') ? '_' : (unsigned char)tolower(a);
        b = (b == ' ' || b == '-') ? '_' : (unsigned char)tolower(b);
        if (a != b)
            return false;
        if (a == '\0')
            return true;
    }
}

const char *
aw_vocab_suggest(const struct aw_vocab *v, enum aw_vocab_list l, const char *s)
{
    size_t n;
    const struct aw_term *t = aw_vocab_terms(v, l, &n);
    if (s == NULL)
        return NULL;
    while (*s == ' ')
        s++;
    for (size_t i = 0; i < n; i++)
        if (loose_eq(t[i].code, s))
            return t[i].code;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < t[i].nlabels; k++)
            if (loose_eq(t[i].labels[k].text, s))
                return t[i].code;
    /* "the general public" for the label "the general public" is above;
     * "general public" for it too */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < t[i].nlabels; k++)
            if (strncmp(t[i].labels[k].text, "the ", 4) == 0 &&
                loose_eq(t[i].labels[k].text + 4, s))
                return t[i].code;
    return NULL;
}

/* ---- rows ---- */

static void
read_term(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_term *t = elem;
    (void)ctx;
    if (aw_vocab_list_parse(aw_sql_text(s, 0), &t->list) != 0)
        t->list = AW_VOCAB_N; /* a list this awareday does not know: skipped */
    t->code = sq_col_str(a, s, 1);
    t->position = aw_sql_int(s, 2);
    t->retired = aw_sql_int(s, 3) != 0;
    t->organiser = aw_sql_int(s, 4) != 0;
}

struct label_row {
    enum aw_vocab_list list;
    const char *code;
    struct aw_term_label l;
};

static void
read_label(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct label_row *r = elem;
    (void)ctx;
    if (aw_vocab_list_parse(aw_sql_text(s, 0), &r->list) != 0)
        r->list = AW_VOCAB_N;
    r->code = sq_col_str(a, s, 1);
    r->l.lang = sq_col_str(a, s, 2);
    r->l.text = sq_col_str(a, s, 3);
}

enum aw_err
aw_be_vocab(struct aw_store_be *be, struct aw_arena *a, struct aw_vocab **out)
{
    void *tv = NULL, *lv = NULL;
    size_t nt = 0, nl = 0;
    enum aw_err rc = sq_read_rows(be, a, be->stmt[S_VOCAB_TERMS], "vocabulary",
                                  sizeof(struct aw_term), read_term, NULL, &tv, &nt);
    if (rc == AW_OK)
        rc = sq_read_rows(be, a, be->stmt[S_VOCAB_LABELS], "vocabulary labels",
                          sizeof(struct label_row), read_label, NULL, &lv, &nl);
    if (rc != AW_OK)
        return rc;
    struct aw_term *terms = tv;
    const struct label_row *labels = lv;
    /* both are ordered by list and code: the labels of a term are together */
    struct aw_vocab *v = aw_vocab_new(a);
    for (size_t i = 0; i < nt; i++) {
        struct aw_term *t = &terms[i];
        size_t first = nl;
        for (size_t k = 0; k < nl && first == nl; k++)
            if (labels[k].list == t->list && strcmp(labels[k].code, t->code) == 0)
                first = k;
        size_t last = first;
        while (last < nl && labels[last].list == t->list && strcmp(labels[last].code, t->code) == 0)
            last++;
        t->nlabels = last - first;
        t->labels = aw_arena_calloc(a, t->nlabels + 1, sizeof(*t->labels));
        for (size_t k = first; k < last; k++)
            t->labels[k - first] = labels[k].l;
        aw_vocab_add(v, t);
    }
    *out = v;
    return AW_OK;
}

static enum aw_err
check_term(struct aw_store_be *be, const struct aw_term *t, const char *what)
{
    bool ok = aw_vocab_list_str(t->list) != NULL && aw_term_code_ok(t->code);
    for (size_t i = 0; ok && i < t->nlabels; i++)
        ok = t->labels[i].lang && strlen(t->labels[i].lang) == 2 && t->labels[i].text &&
             t->labels[i].text[0];
    if (!ok) {
        snprintf(be->errmsg, sizeof(be->errmsg),
                 "%s: a known list, a code [a-z][a-z0-9_]* and non-empty labels are needed", what);
        return AW_EINVAL;
    }
    return AW_OK;
}

/* Adds the labels of t its term does not have yet. */
static enum aw_err
add_labels(struct aw_store_be *be, const struct aw_term *t, const char *what)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_TERM_LABEL_ADD];
    for (size_t i = 0; rc == AW_OK && i < t->nlabels; i++) {
        sq_b_text(be, s, 1, aw_vocab_list_str(t->list));
        sq_b_text(be, s, 2, t->code);
        sq_b_text(be, s, 3, t->labels[i].lang);
        sq_b_text(be, s, 4, t->labels[i].text);
        rc = sq_run(be, s, what);
    }
    return rc;
}

enum aw_err
aw_be_term_add(struct aw_store_be *be, const struct aw_term *t)
{
    enum aw_err rc = check_term(be, t, "term_add");
    int changed = 0;
    int64_t pos = t->position;
    bool found;
    if (rc != AW_OK)
        return rc;
    if ((rc = sq_savepoint_begin(be)) != AW_OK)
        return rc;
    if (pos <= 0) {
        struct aw_sql_stmt *s = be->stmt[S_TERM_NEXT_POS];
        sq_b_text(be, s, 1, aw_vocab_list_str(t->list));
        rc = sq_run_id(be, s, "term_add", &pos, &found);
    }
    if (rc == AW_OK) {
        struct aw_sql_stmt *s = be->stmt[S_TERM_ADD];
        sq_b_text(be, s, 1, aw_vocab_list_str(t->list));
        sq_b_text(be, s, 2, t->code);
        sq_b_int(be, s, 3, pos);
        sq_b_int(be, s, 4, t->retired);
        sq_b_int(be, s, 5, t->organiser);
        rc = sq_run_changes(be, s, "term_add", &changed);
    }
    if (rc == AW_OK && changed == 0) {
        snprintf(be->errmsg, sizeof(be->errmsg), "the %s list has the code %s already",
                 aw_vocab_list_str(t->list), t->code);
        rc = AW_EEXIST;
    }
    if (rc == AW_OK)
        rc = add_labels(be, t, "term_add");
    return sq_savepoint_end(be, rc);
}

enum aw_err
aw_be_term_labels_add(struct aw_store_be *be, const struct aw_term *t)
{
    enum aw_err rc = check_term(be, t, "term_labels_add");
    if (rc != AW_OK)
        return rc;
    if ((rc = sq_savepoint_begin(be)) != AW_OK)
        return rc;
    rc = add_labels(be, t, "term_labels_add");
    return sq_savepoint_end(be, rc);
}

enum aw_err
aw_be_term_update(struct aw_store_be *be, const struct aw_term *t)
{
    enum aw_err rc = check_term(be, t, "term_update");
    int changed = 0;
    if (rc != AW_OK)
        return rc;
    if ((rc = sq_savepoint_begin(be)) != AW_OK)
        return rc;
    struct aw_sql_stmt *s = be->stmt[S_TERM_UPDATE];
    sq_b_text(be, s, 1, aw_vocab_list_str(t->list));
    sq_b_text(be, s, 2, t->code);
    sq_b_int(be, s, 3, t->position);
    sq_b_int(be, s, 4, t->retired);
    sq_b_int(be, s, 5, t->organiser);
    rc = sq_run_changes(be, s, "term_update", &changed);
    if (rc == AW_OK && changed == 0) {
        snprintf(be->errmsg, sizeof(be->errmsg), "the %s list has no code %s",
                 aw_vocab_list_str(t->list), t->code);
        rc = AW_ENOTFOUND;
    }
    if (rc == AW_OK) {
        s = be->stmt[S_TERM_LABELS_DEL];
        sq_b_text(be, s, 1, aw_vocab_list_str(t->list));
        sq_b_text(be, s, 2, t->code);
        rc = sq_run(be, s, "term_update");
    }
    if (rc == AW_OK)
        rc = add_labels(be, t, "term_update");
    return sq_savepoint_end(be, rc);
}
