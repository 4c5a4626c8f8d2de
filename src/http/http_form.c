/* http_form.c: POST forms (application/x-www-form-urlencoded): the
 * Content-Type check, the body parser and the lookups behind aw_req_form.
 *
 * The parser is ours rather than MHD's post processor because, in 0.9.75,
 * MHD_PostProcessor hands values over in pieces (an offset and a chunk per
 * call, to be reassembled), gives no count of fields until the end, and
 * passes invalid %-escapes through as literal text where we want a 400. The
 * body is already collected in full and capped by max_body_bytes, so one
 * pass over it after the last chunk is simpler: every pair is checked
 * against the route's declaration (undeclared names never reach a handler),
 * every limit is exact, and the parser runs alone under the fuzzer
 * (tests/fuzz/fuzz_form.c).
 *
 * Values may hold any byte, NUL included (they are slices with a length);
 * checking UTF-8 and meaning is the handler's job. */
#include "http_int.h"

#include <string.h>

static int
hexval(unsigned char c)
{
    int v = -1;
    if (c >= '0' && c <= '9')
        v = c - '0';
    else if (c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
        v = c - 'A' + 10;
    return v;
}

/* Decodes [s, e) into dst ('+' is a space, %XX a byte); dst has room for
 * e - s bytes. 0 and *n set, or -1 on a bad escape. */
static int
decode(char *dst, const char *s, const char *e, size_t *n)
{
    int rc = -1;
    size_t o = 0;
    while (s < e) {
        unsigned char c = (unsigned char)*s++;
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi, lo;
            if (e - s < 2 || (hi = hexval((unsigned char)s[0])) < 0 ||
                (lo = hexval((unsigned char)s[1])) < 0)
                goto out;
            c = (unsigned char)(hi * 16 + lo);
            s += 2;
        }
        dst[o++] = (char)c;
    }
    *n = o;
    rc = 0;
out:
    return rc;
}

/* Index of the declared field named [name, name + n), or -1. */
static long
field_index(const struct aw_field *fields, const char *name, size_t n)
{
    long found = -1;
    for (long i = 0; fields && fields[i].name && found < 0; i++)
        if (strlen(fields[i].name) == n && memcmp(fields[i].name, name, n) == 0)
            found = i;
    return found;
}

static size_t
count_fields(const struct aw_field *fields)
{
    size_t n = 0;
    while (fields && fields[n].name)
        n++;
    return n;
}

/* Number of '&'-separated pieces in the body, at most AW_FORM_MAX_FIELDS + 1. */
static size_t
count_pieces(const char *p, const char *end)
{
    size_t n = 1;
    const char *amp;
    while (n <= AW_FORM_MAX_FIELDS && p < end && (amp = memchr(p, '&', (size_t)(end - p)))) {
        n++;
        p = amp + 1;
    }
    return n;
}

int
aw_http__form_parse(struct aw_arena *a, const char *body, size_t len, const struct aw_field *fields,
                    struct aw_form *out, struct aw_form_err *err)
{
    int status = 0;
    const char *p = len ? body : "";
    const char *end = p + len;
    size_t nfields = count_fields(fields);
    unsigned *counts = aw_arena_calloc(a, nfields + 1, sizeof(*counts));
    size_t cap = len ? count_pieces(p, end) : 0;

    out->fields = fields;
    out->n = 0;
    out->v = cap ? aw_arena_calloc(a, cap > AW_FORM_MAX_FIELDS ? AW_FORM_MAX_FIELDS : cap,
                                   sizeof(*out->v))
                 : NULL;
    err->why = NULL;
    err->name = AW_STR_NULL;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        const char *s = p;
        p = amp ? amp + 1 : end;
        if (s == e)
            continue; /* "a=1&&b=2", a leading or trailing '&' */
        const char *eq = memchr(s, '=', (size_t)(e - s));
        const char *name_end = eq ? eq : e;
        const char *val = eq ? eq + 1 : e;
        char *buf;
        size_t n;
        long f;
        err->name = (struct aw_str){s, (size_t)(name_end - s)};
        if (out->n == AW_FORM_MAX_FIELDS) {
            status = 413;
            err->why = "too many form fields";
            goto out;
        }
        if (name_end == s) {
            status = 400;
            err->why = "empty form field name";
            goto out;
        }
        /* One buffer for the pair: the name is decoded into it, then the value over it. */
        buf = aw_arena_alloc(a, (size_t)(e - s) + 1);
        if (decode(buf, s, name_end, &n) != 0) {
            status = 400;
            err->why = "bad %-escape in a form field name";
            goto out;
        }
        if ((f = field_index(fields, buf, n)) < 0) {
            status = 400;
            err->why = "form field not accepted";
            goto out;
        }
        if (decode(buf, val, e, &n) != 0) {
            status = 400;
            err->why = "bad %-escape in a form value";
            goto out;
        }
        if (n > fields[f].max_bytes) {
            status = 413;
            err->why = "form value too large";
            goto out;
        }
        if (++counts[f] > (fields[f].max_count ? fields[f].max_count : 1)) {
            status = 413;
            err->why = "too many values for a form field";
            goto out;
        }
        buf[n] = '\0';
        out->v[out->n].field = (unsigned)f;
        out->v[out->n].value = (struct aw_str){buf, n};
        out->n++;
    }
    err->name = AW_STR_NULL;
out:
    if (status) {
        out->v = NULL;
        out->n = 0;
    }
    return status;
}

struct aw_str
aw_http__form_get(const struct aw_form *f, const char *name, unsigned idx)
{
    struct aw_str v = AW_STR_NULL;
    long fi = name ? field_index(f->fields, name, strlen(name)) : -1;
    for (size_t i = 0; fi >= 0 && i < f->n; i++) {
        if (f->v[i].field == (unsigned long)fi && idx-- == 0) {
            v = f->v[i].value;
            break;
        }
    }
    return v;
}

unsigned
aw_http__form_count(const struct aw_form *f, const char *name)
{
    unsigned n = 0;
    long fi = name ? field_index(f->fields, name, strlen(name)) : -1;
    for (size_t i = 0; fi >= 0 && i < f->n; i++)
        n += f->v[i].field == (unsigned long)fi;
    return n;
}

static struct aw_str
trim_ows(struct aw_str s)
{
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
        s.len--;
    return s;
}

bool
aw_http__form_type_ok(const char *ct)
{
    const char *p = ct, *semi;
    bool ok;
    size_t n = strcspn(p, ";");
    ok = aw_str_eq_nocase(trim_ows((struct aw_str){p, n}), "application/x-www-form-urlencoded");
    p += n;
    while (ok && *p == ';') {
        p++;
        semi = p + strcspn(p, ";");
        struct aw_str param = trim_ows((struct aw_str){p, (size_t)(semi - p)});
        const char *eq = memchr(param.ptr, '=', param.len);
        if (eq) {
            struct aw_str pname = trim_ows((struct aw_str){param.ptr, (size_t)(eq - param.ptr)});
            struct aw_str pval =
                trim_ows((struct aw_str){eq + 1, param.len - (size_t)(eq + 1 - param.ptr)});
            if (pval.len >= 2 && pval.ptr[0] == '"' && pval.ptr[pval.len - 1] == '"') {
                pval.ptr++;
                pval.len -= 2;
            }
            if (aw_str_eq_nocase(pname, "charset"))
                ok = aw_str_eq_nocase(pval, "utf-8");
        }
        p = semi;
    }
    return ok;
}

/* --- request accessors (http.h) --- */

struct aw_str
aw_req_form(const struct aw_req *req, const char *name, unsigned idx)
{
    return aw_http__form_get(&req->form, name, idx);
}

unsigned
aw_req_form_count(const struct aw_req *req, const char *name)
{
    return aw_http__form_count(&req->form, name);
}

bool
aw_req_form_at(const struct aw_req *req, size_t idx, const char **name, struct aw_str *value)
{
    const struct aw_form *f = &req->form;
    if (!f->fields || idx >= f->n)
        return false;
    *name = f->fields[f->v[idx].field].name;
    *value = f->v[idx].value;
    return true;
}
