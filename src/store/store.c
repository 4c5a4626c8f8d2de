/* store.c: the store dispatcher. aw_store_open() picks a backend by URL and
 * every function of store.h forwards to that backend's ops table
 * (store_int.h). It also counts transaction nesting, so that a loader may run
 * inside a caller's transaction, and holds the helpers every backend shares:
 * slugs and UTC dates. */
#include "store/store_int.h"

#include "aw/buf.h"
#include "aw/log.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct aw_store {
    const struct aw_store_ops *ops;
    struct aw_store_be *be;
    int tx_depth;   /* nesting of aw_store_begin() */
    bool tx_failed; /* an inner level rolled back: the outermost commit must not */
};

enum aw_err
aw_store_open(const char *url, bool create, bool migrate, struct aw_store **out, char *err,
              size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct aw_store *st = NULL;
    const char *path = url;

    *out = NULL;
    if (errlen > 0)
        err[0] = '\0';
    if (url == NULL || url[0] == '\0') {
        snprintf(err, errlen, "no database given");
        rc = AW_ECONFIG;
        goto out;
    }
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        snprintf(err, errlen, "PostgreSQL support is not built yet");
        rc = AW_ECONFIG;
        goto out;
    }
    if (strncmp(url, "sqlite:", 7) == 0)
        path = url + 7;
    if (path[0] == '\0') {
        snprintf(err, errlen, "no SQLite database path in \"%s\"", url);
        rc = AW_ECONFIG;
        goto out;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = AW_ENOMEM;
        goto out;
    }
    rc = aw_store__sqlite_open(path, create, migrate, &st->ops, &st->be, err, errlen);
    if (rc != AW_OK)
        goto out;
    *out = st;
    st = NULL;
out:
    free(st);
    return rc;
}

void
aw_store_close(struct aw_store *st)
{
    if (st == NULL)
        return;
    if (st->tx_depth > 0) {
        AW_WARN("store closed inside a transaction: rolling back");
        st->ops->rollback(st->be);
    }
    st->ops->close(st->be);
    free(st);
}

int
aw_store_schema_version(struct aw_store *st)
{
    return st->ops->schema_version(st->be);
}

const char *
aw_store_errmsg(struct aw_store *st)
{
    return st->ops->errmsg(st->be);
}

/* --- reads --- */

enum aw_err
aw_store_editions(struct aw_store *st, struct aw_arena *a, const char *lang,
                  struct aw_edition **out, size_t *n)
{
    return st->ops->editions(st->be, a, lang, out, n);
}

enum aw_err
aw_store_edition(struct aw_store *st, struct aw_arena *a, const char *lang, int year,
                 struct aw_edition *out)
{
    return st->ops->edition(st->be, a, lang, year, out);
}

enum aw_err
aw_store_edition_current(struct aw_store *st, struct aw_arena *a, const char *lang,
                         struct aw_edition *out)
{
    return st->ops->edition_current(st->be, a, lang, aw_store__year(), out);
}

enum aw_err
aw_store_tools(struct aw_store *st, struct aw_arena *a, int year, struct aw_tool **out, size_t *n)
{
    return st->ops->tools(st->be, a, year, out, n);
}

enum aw_err
aw_store_activities_by_edition(struct aw_store *st, struct aw_arena *a, int year,
                               struct aw_activity **out, size_t *n)
{
    return st->ops->activities_by_edition(st->be, a, year, out, n);
}

enum aw_err
aw_store_activities_by_country(struct aw_store *st, struct aw_arena *a, const char *code,
                               struct aw_activity **out, size_t *n)
{
    return st->ops->activities_by_country(st->be, a, code, out, n);
}

enum aw_err
aw_store_activities_by_org(struct aw_store *st, struct aw_arena *a, int64_t org_id,
                           struct aw_activity **out, size_t *n)
{
    return st->ops->activities_by_org(st->be, a, org_id, out, n);
}

enum aw_err
aw_store_activity(struct aw_store *st, struct aw_arena *a, int64_t id, struct aw_activity *out)
{
    return st->ops->activity(st->be, a, id, out);
}

enum aw_err
aw_store_statements(struct aw_store *st, struct aw_arena *a, int year, struct aw_statement **out,
                    size_t *n)
{
    return st->ops->statements(st->be, a, year, out, n);
}

enum aw_err
aw_store_documents(struct aw_store *st, struct aw_arena *a, int year, struct aw_document **out,
                   size_t *n)
{
    return st->ops->documents(st->be, a, year, out, n);
}

enum aw_err
aw_store_org(struct aw_store *st, struct aw_arena *a, int64_t id, struct aw_org *out)
{
    return st->ops->org(st->be, a, id, out);
}

enum aw_err
aw_store_countries(struct aw_store *st, struct aw_arena *a, const char *lang,
                   struct aw_country **out, size_t *n)
{
    return st->ops->countries(st->be, a, lang, out, n);
}

enum aw_err
aw_store_country(struct aw_store *st, struct aw_arena *a, const char *lang, const char *code,
                 struct aw_country *out)
{
    return st->ops->country(st->be, a, lang, code, out);
}

enum aw_err
aw_store_help_services(struct aw_store *st, struct aw_arena *a, const char *code,
                       bool include_unverified, struct aw_help_service **out, size_t *n)
{
    return st->ops->help_services(st->be, a, code, include_unverified, out, n);
}

/* --- writes --- */

enum aw_err
aw_store_begin(struct aw_store *st)
{
    enum aw_err rc = AW_OK;

    if (st->tx_depth == 0) {
        rc = st->ops->begin(st->be);
        if (rc != AW_OK)
            goto out;
        st->tx_failed = false;
    }
    st->tx_depth++;
out:
    return rc;
}

enum aw_err
aw_store_commit(struct aw_store *st)
{
    enum aw_err rc = AW_OK;

    if (st->tx_depth == 0) {
        rc = AW_EINVAL;
        goto out;
    }
    st->tx_depth--;
    if (st->tx_depth > 0)
        goto out;
    if (st->tx_failed) {
        st->ops->rollback(st->be);
        st->tx_failed = false;
        rc = AW_EDB;
        goto out;
    }
    rc = st->ops->commit(st->be);
    if (rc != AW_OK)
        st->ops->rollback(st->be);
out:
    return rc;
}

enum aw_err
aw_store_rollback(struct aw_store *st)
{
    enum aw_err rc = AW_OK;

    if (st->tx_depth == 0) {
        rc = AW_EINVAL;
        goto out;
    }
    st->tx_depth--;
    if (st->tx_depth > 0) {
        st->tx_failed = true;
        goto out;
    }
    st->tx_failed = false;
    rc = st->ops->rollback(st->be);
out:
    return rc;
}

enum aw_err
aw_store_put_country(struct aw_store *st, const struct aw_country *c)
{
    return st->ops->put_country(st->be, c);
}

enum aw_err
aw_store_put_edition(struct aw_store *st, const struct aw_edition *e)
{
    return st->ops->put_edition(st->be, e);
}

enum aw_err
aw_store_put_org(struct aw_store *st, const struct aw_org *o, int64_t *id)
{
    return st->ops->put_org(st->be, o, id);
}

enum aw_err
aw_store_put_activity(struct aw_store *st, const struct aw_activity *act, bool published,
                      int64_t *id)
{
    return st->ops->put_activity(st->be, act, NULL, published, id);
}

enum aw_err
aw_store_put_activity_keyed(struct aw_store *st, const struct aw_activity *act,
                            const char *source_key, bool published, int64_t *id)
{
    return st->ops->put_activity(st->be, act, source_key, published, id);
}

enum aw_err
aw_store_put_tool(struct aw_store *st, int year, const struct aw_tool *t, int64_t *id)
{
    return st->ops->put_tool(st->be, year, t, id);
}

enum aw_err
aw_store_put_statement(struct aw_store *st, const struct aw_statement *s, int64_t *id)
{
    return st->ops->put_statement(st->be, s, id);
}

enum aw_err
aw_store_put_document(struct aw_store *st, const struct aw_document *d, int64_t *id)
{
    return st->ops->put_document(st->be, d, id);
}

enum aw_err
aw_store_put_help_service(struct aw_store *st, const struct aw_help_service *h, int64_t *id)
{
    return st->ops->put_help_service(st->be, h, id);
}

/* --- shared helpers --- */

/* ASCII forms of U+00C0..U+017F (Latin-1 Supplement letters and Latin
 * Extended-A); NULL: dropped. */
static const char *const latin_ascii[0x180 - 0xC0] = {
    /* 00C0 */ "a", "a", "a",  "a",  "a", "a", "ae", "c",
    /* 00C8 */ "e", "e", "e",  "e",  "i", "i", "i",  "i",
    /* 00D0 */ "d", "n", "o",  "o",  "o", "o", "o",  NULL,
    /* 00D8 */ "o", "u", "u",  "u",  "u", "y", "th", "ss",
    /* 00E0 */ "a", "a", "a",  "a",  "a", "a", "ae", "c",
    /* 00E8 */ "e", "e", "e",  "e",  "i", "i", "i",  "i",
    /* 00F0 */ "d", "n", "o",  "o",  "o", "o", "o",  NULL,
    /* 00F8 */ "o", "u", "u",  "u",  "u", "y", "th", "y",
    /* 0100 */ "a", "a", "a",  "a",  "a", "a", "c",  "c",
    /* 0108 */ "c", "c", "c",  "c",  "c", "c", "d",  "d",
    /* 0110 */ "d", "d", "e",  "e",  "e", "e", "e",  "e",
    /* 0118 */ "e", "e", "e",  "e",  "g", "g", "g",  "g",
    /* 0120 */ "g", "g", "g",  "g",  "h", "h", "h",  "h",
    /* 0128 */ "i", "i", "i",  "i",  "i", "i", "i",  "i",
    /* 0130 */ "i", "i", "ij", "ij", "j", "j", "k",  "k",
    /* 0138 */ "k", "l", "l",  "l",  "l", "l", "l",  "l",
    /* 0140 */ "l", "l", "l",  "n",  "n", "n", "n",  "n",
    /* 0148 */ "n", "n", "n",  "n",  "o", "o", "o",  "o",
    /* 0150 */ "o", "o", "oe", "oe", "r", "r", "r",  "r",
    /* 0158 */ "r", "r", "s",  "s",  "s", "s", "s",  "s",
    /* 0160 */ "s", "s", "t",  "t",  "t", "t", "t",  "t",
    /* 0168 */ "u", "u", "u",  "u",  "u", "u", "u",  "u",
    /* 0170 */ "u", "u", "u",  "u",  "w", "w", "y",  "y",
    /* 0178 */ "y", "z", "z",  "z",  "z", "z", "z",  "s",
};

/* Decodes one UTF-8 sequence at s (valid or not); returns its length (>= 1)
 * and the code point in *cp (0xFFFD when invalid). */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
    size_t n = 1;
    uint32_t c = s[0];

    if (c < 0x80) {
        *cp = c;
        goto out;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else {
        *cp = 0xFFFD;
        goto out;
    }
    c &= 0x3F >> (n - 1);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            n = i;
            goto out;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
out:
    return n;
}

static const char *
translit(uint32_t cp)
{
    const char *r = NULL;

    if (cp >= 0xC0 && cp < 0x180)
        r = latin_ascii[cp - 0xC0];
    else if (cp == 0x218 || cp == 0x219) /* Ș ș */
        r = "s";
    else if (cp == 0x21A || cp == 0x21B) /* Ț ț */
        r = "t";
    return r;
}

char *
aw_store__slugify(const char *s, char *out, size_t outlen)
{
    size_t max = outlen - 1, len = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    bool hyphen = false; /* a separator is pending */

    if (max > AW_SLUG_MAX)
        max = AW_SLUG_MAX;
    while (*p != '\0' && len < max) {
        uint32_t cp;
        char one[2] = {0, 0};
        const char *rep;

        p += utf8_next(p, &cp);
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            one[0] = (char)cp;
            rep = one;
        } else if (cp >= 'A' && cp <= 'Z') {
            one[0] = (char)(cp - 'A' + 'a');
            rep = one;
        } else {
            rep = translit(cp);
        }
        if (rep == NULL) {
            /* apostrophes join words ("children's" -> "childrens") */
            if (cp != '\'' && cp != 0x2019)
                hyphen = len > 0;
            continue;
        }
        if (hyphen) {
            if (len + 1 >= max)
                break;
            out[len++] = '-';
            hyphen = false;
        }
        for (; *rep != '\0' && len < max; rep++)
            out[len++] = *rep;
    }
    /* Cut off at the limit: end on a whole word rather than half of one. */
    if (*p != '\0' && len == max) {
        size_t cut = len;
        while (cut > 0 && out[cut - 1] != '-')
            cut--;
        if (cut > max / 2)
            len = cut;
    }
    while (len > 0 && out[len - 1] == '-')
        len--;
    if (len == 0) {
        snprintf(out, outlen, "item");
        goto out;
    }
    out[len] = '\0';
out:
    return out;
}

static void
utc_now(struct tm *tm)
{
    time_t t = time(NULL);
    gmtime_r(&t, tm);
}

void
aw_store__today(char out[11])
{
    struct tm tm;
    utc_now(&tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

void
aw_store__now(char out[21])
{
    struct tm tm;
    utc_now(&tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
aw_store__year(void)
{
    struct tm tm;
    utc_now(&tm);
    return tm.tm_year + 1900;
}

enum aw_err
aw_store__read_file(const char *path, size_t max, char **out, size_t *len)
{
    enum aw_err rc = AW_OK;
    struct aw_buf b = AW_BUF_INIT(max);
    char chunk[8192];
    size_t n;
    FILE *f = fopen(path, "rb");

    *out = NULL;
    if (f == NULL) {
        rc = errno == ENOENT ? AW_ENOTFOUND : AW_EIO;
        goto out;
    }
    aw_buf_append(&b, "", 0); /* an empty file is "" */
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        aw_buf_append(&b, chunk, n);
    if (ferror(f)) {
        rc = AW_EIO;
        goto out;
    }
    rc = aw_buf_err(&b);
    if (rc != AW_OK)
        goto out;
    if (len != NULL)
        *len = b.len;
    *out = aw_buf_steal(&b, NULL);
out:
    if (f != NULL)
        fclose(f);
    aw_buf_free(&b);
    return rc;
}
