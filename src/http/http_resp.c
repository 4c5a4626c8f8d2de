/* http_resp.c: responses. Handlers record one answer through aw_resp_*; the
 * functions here turn it (or an error, or a static file) into bytes: the
 * status line, Date, Content-Type with charset, the security headers,
 * Cache-Control, ETag and 304, gzip, the handler's headers, Content-Length
 * and Connection, then the body. The connection (http_conn.c) writes them.
 * docs/internals/http.md, "Responses", has the rules. */
#include "http_int.h"

#include "aw/log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

/* Bodies below this are not worth compressing. */
#define GZIP_MIN_BYTES 512

#define CSP_VALUE                                                                                  \
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "                    \
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

struct hdr_const {
    const char *name;
    const char *value;
};

/* On every response we build, errors and 304 included. */
static const struct hdr_const security_headers[] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "strict-origin-when-cross-origin"},
    {"Content-Security-Policy", CSP_VALUE},
    {"X-Frame-Options", "DENY"},
    {"Permissions-Policy", "interest-cohort=()"},
};

/* Headers the module sets itself; aw_resp_header refuses them. */
static const char *const managed_headers[] = {
    "Content-Type",
    "Content-Length",
    "Content-Encoding",
    "Transfer-Encoding",
    "Connection",
    "Date",
    "ETag",
    "Location",
    "Set-Cookie",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Keep-Alive",
    "Upgrade",
};

/* FNV-1a, 64 bits: cheap and good enough to tell two bodies apart. */
static uint64_t
fnv1a64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void
aw_http__etag(char out[24], const void *body, size_t len)
{
    snprintf(out, 24, "W/\"%016llx\"", (unsigned long long)fnv1a64(body, len));
}

static bool
is_tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_token(const char *s)
{
    bool ok = s && *s;
    for (; ok && *s; s++)
        ok = is_tchar((unsigned char)*s);
    return ok;
}

/* Header values: visible ASCII, UTF-8 bytes, space and tab; never CR, LF,
 * NUL or other controls. */
static bool
header_value_ok(const char *v)
{
    bool ok = v != NULL;
    for (; ok && *v; v++) {
        unsigned char c = (unsigned char)*v;
        ok = c == '\t' || (c >= 0x20 && c != 0x7f);
    }
    return ok;
}

static bool
is_managed_header(const char *name)
{
    bool found = false;
    for (size_t i = 0; i < AW_NELEM(managed_headers) && !found; i++)
        found = strcasecmp(name, managed_headers[i]) == 0;
    return found;
}

/* Media type (before the ";") is text/..., JSON, JavaScript or SVG. */
static bool
type_compressible(const char *type)
{
    size_t n = strcspn(type, "; ");
    struct aw_str t = {type, n};
    return aw_str_starts_with(t, "text/") || aw_str_eq_nocase(t, "application/json") ||
           aw_str_eq_nocase(t, "application/javascript") || aw_str_eq_nocase(t, "image/svg+xml");
}

/* "text/..." without a charset gets "; charset=utf-8". */
static const char *
type_with_charset(struct aw_arena *a, const char *type)
{
    const char *out = type;
    if (strncasecmp(type, "text/", 5) == 0 && !strstr(type, "charset="))
        out = aw_arena_printf(a, "%s; charset=utf-8", type);
    return out;
}

/* --- Accept-Encoding and If-None-Match --- */

static const char *
skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* A qvalue ("0", "0.5", "1.000") as thousandths; -1 when malformed. */
static int
parse_qvalue(const char *p, const char *end)
{
    int v = -1;
    if (p < end && (*p == '0' || *p == '1')) {
        int whole = *p - '0';
        int frac = 0, digits = 0;
        p++;
        if (p < end && *p == '.') {
            p++;
            while (p < end && isdigit((unsigned char)*p) && digits < 3) {
                frac = frac * 10 + (*p - '0');
                digits++;
                p++;
            }
        }
        while (digits++ < 3)
            frac *= 10;
        p = skip_ows(p, end);
        if (p == end && !(whole == 1 && frac > 0))
            v = whole * 1000 + frac;
    }
    return v;
}

/* True when the Accept-Encoding value admits gzip (RFC 9110 12.5.3): an
 * explicit gzip or x-gzip with q > 0, else "*" with q > 0. q=0 refuses. */
static bool
accepts_gzip(const char *ae)
{
    int gzip_q = -1, star_q = -1;
    const char *p = ae ? ae : "";
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *s = skip_ows(p, end);
        const char *tok = s;
        while (s < end && *s != ';' && *s != ' ' && *s != '\t')
            s++;
        struct aw_str coding = {tok, (size_t)(s - tok)};
        int q = 1000;
        while (s < end) {
            s = skip_ows(s, end);
            if (s < end && *s == ';') {
                s = skip_ows(s + 1, end);
                const char *pe = memchr(s, ';', (size_t)(end - s));
                if (!pe)
                    pe = end;
                if (pe - s >= 2 && (s[0] == 'q' || s[0] == 'Q') && s[1] == '=')
                    q = parse_qvalue(s + 2, pe);
                s = pe;
            } else {
                s = end;
            }
        }
        if (q < 0)
            q = 0; /* malformed weight: do not assume acceptance */
        if (aw_str_eq_nocase(coding, "gzip") || aw_str_eq_nocase(coding, "x-gzip"))
            gzip_q = gzip_q > q ? gzip_q : q;
        else if (aw_str_eq_c(coding, "*"))
            star_q = q;
        p = *end ? end + 1 : end;
    }
    return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

/* Weak comparison of If-None-Match against our etag (W/"..."): "*" or any
 * listed tag with the same opaque part. */
static bool
etag_matches(const char *inm, const char *etag)
{
    const char *opaque = etag[0] == 'W' ? etag + 2 : etag;
    size_t olen = strlen(opaque);
    const char *p = inm ? inm : "";
    bool hit = false;
    while (*p && !hit) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*') {
            hit = true;
            break;
        }
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            break; /* malformed: stop, no match */
        const char *q = strchr(p + 1, '"');
        if (!q)
            break;
        hit = (size_t)(q + 1 - p) == olen && memcmp(p, opaque, olen) == 0;
        p = q + 1;
    }
    return hit;
}

/* gzip (RFC 1952 wrapper) of in into out (capacity cap); 0 length on failure
 * or when the result would not be smaller. */
size_t
aw_http__gzip(const void *in, size_t len, unsigned char *out, size_t cap)
{
    z_stream zs;
    size_t n = 0;
    memset(&zs, 0, sizeof(zs));
    if (len > UINT32_MAX || cap > UINT32_MAX)
        goto out;
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        goto out;
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out < len)
        n = zs.total_out;
    deflateEnd(&zs);
out:
    return n;
}

static void
error_body(const struct aw_server *srv, int status, const char *lang, const char **body,
           size_t *len)
{
    const struct aw_server_opts *opts = aw_http__opts(srv);
    *body = NULL;
    if (!opts->error_page || !opts->error_page(opts->app, status, lang, body, len) || !*body)
        *body = aw_http__error_page(status, len);
}

/* "Wed, 02 Dec 2026 21:40:40 GMT" (RFC 9110 5.6.7), recomputed once a second
 * per thread. */
static const char *
http_date(void)
{
    static _Thread_local char text[32];
    static _Thread_local time_t made;
    time_t now = time(NULL);
    if (now != made || !text[0]) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        made = now;
    }
    return text;
}

/* Everything one response needs; filled by the answer paths below. */
struct out {
    int status;
    const char *type; /* complete Content-Type value */
    const void *body;
    size_t len;
    const char *cache; /* Cache-Control, or NULL */
    const char *etag;  /* precomputed (static); NULL: computed for 200 GET/HEAD */
    const void *gz;    /* precomputed gzip variant (static) */
    size_t gzlen;
    bool is_static;    /* no on-the-fly compression */
    bool conditional;  /* ETag and 304 apply */
    bool close;        /* Connection: close */
    const char *allow; /* Allow header (405) */
};

static void
free_heap(void *p)
{
    free(p);
}

static bool
status_closes(int status)
{
    return status == 400 || status == 408 || status == 413 || status == 414 || status == 417 ||
           status == 431 || status == 501 || status == 505;
}

/* Turns o into req->out_head (arena) and out_body. */
static void
build(struct aw_req *req, struct out *o)
{
    int status = o->status;
    const void *body = o->body;
    size_t len = o->len;
    bool gz = false, vary = false, close;
    const char *etag = o->etag;
    char etag_buf[24];
    struct aw_buf h = AW_BUF_INIT(256 * 1024);

    if (o->conditional && !etag) {
        aw_http__etag(etag_buf, o->body, o->len);
        etag = etag_buf;
    }
    if (status == 200 && type_compressible(o->type) && o->len >= GZIP_MIN_BYTES)
        vary = true;
    if (vary && accepts_gzip(aw_req_header(req, "Accept-Encoding"))) {
        if (o->gz) {
            body = o->gz;
            len = o->gzlen;
            gz = true;
        } else if (!o->is_static) {
            size_t cap = compressBound((uLong)o->len) + 32;
            unsigned char *zb = aw_arena_alloc(req->arena, cap);
            size_t zlen = aw_http__gzip(o->body, o->len, zb, cap);
            if (zlen) {
                body = zb;
                len = zlen;
                gz = true;
            }
        }
    }
    /* A 304 keeps the Content-Length of the 200 it stands for (RFC 9110 8.6
     * allows no other value) and sends no body. */
    if (etag && etag_matches(aw_req_header(req, "If-None-Match"), etag))
        status = 304;
    close = o->close || req->must_close || !req->head.keep_alive || aw_http__stopping(req->srv);
    aw_buf_printf(&h, "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\n", status,
                  aw_http_reason(status), http_date(), o->type);
    for (size_t i = 0; i < AW_NELEM(security_headers); i++)
        aw_buf_printf(&h, "%s: %s\r\n", security_headers[i].name, security_headers[i].value);
    if (o->cache)
        aw_buf_printf(&h, "Cache-Control: %s\r\n", o->cache);
    if (etag)
        aw_buf_printf(&h, "ETag: %s\r\n", etag);
    if (vary)
        aw_buf_puts(&h, "Vary: Accept-Encoding\r\n");
    if (gz)
        aw_buf_puts(&h, "Content-Encoding: gzip\r\n");
    if (o->allow)
        aw_buf_printf(&h, "Allow: %s\r\n", o->allow);
    for (const struct aw_resp_hdr *rh = req->hdrs; rh; rh = rh->next)
        aw_buf_printf(&h, "%s: %s\r\n", rh->name, rh->value);
    aw_buf_printf(&h, "Content-Length: %zu\r\n", len);
    if (close)
        aw_buf_puts(&h, "Connection: close\r\n");
    else if (req->head.minor == 0)
        aw_buf_puts(&h, "Connection: keep-alive\r\n");
    aw_buf_puts(&h, "\r\n");
    if (aw_buf_err(&h)) {
        /* Only handler headers can make it this big: answer 500 without them. */
        AW_ERROR("response head over %zu bytes: answering 500", h.max);
        aw_buf_free(&h);
        req->hdrs = NULL;
        struct out e = {0};
        e.status = 500;
        e.type = "text/html; charset=utf-8";
        e.cache = "no-store";
        e.close = true;
        error_body(req->srv, 500, req->lang, (const char **)&e.body, &e.len);
        build(req, &e);
        return;
    }
    req->out_head = aw_buf_steal(&h, &req->out_head_len);
    aw_arena_defer(req->arena, free_heap, req->out_head);
    req->out_close = close;
    req->status_sent = status;
    if (req->is_head || status == 304) {
        req->out_body = NULL;
        req->out_body_len = 0;
    } else {
        /* The memory stays valid until the arena is freed (or for the
         * server's lifetime): after the connection has written it. */
        req->out_body = body;
        req->out_body_len = len;
    }
    req->bytes_sent = req->out_body_len;
}

void
aw_http__answer_error(struct aw_req *req, int status)
{
    struct out o = {0};
    o.status = status;
    o.type = "text/html; charset=utf-8";
    o.cache = "no-store";
    o.close = status_closes(status);
    if (status == 405 && req->allow[0])
        o.allow = req->allow;
    error_body(req->srv, status, req->lang, (const char **)&o.body, &o.len);
    build(req, &o);
}

char *
aw_http__raw_response(struct aw_server *srv, int status, const char *extra, size_t *len)
{
    struct aw_buf b = AW_BUF_INIT(256 * 1024);
    const char *body;
    size_t blen;
    char *out;
    error_body(srv, status, "en", &body, &blen);
    aw_buf_printf(&b, "HTTP/1.1 %d %s\r\nConnection: close\r\n", status, aw_http_reason(status));
    aw_buf_puts(&b, "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n");
    for (size_t i = 0; i < AW_NELEM(security_headers); i++)
        aw_buf_printf(&b, "%s: %s\r\n", security_headers[i].name, security_headers[i].value);
    aw_buf_printf(&b, "%sContent-Length: %zu\r\n\r\n", extra, blen);
    aw_buf_append(&b, body, blen);
    if (aw_buf_err(&b)) {
        AW_ERROR("out of memory building a fixed response");
        abort();
    }
    out = aw_buf_steal(&b, len);
    return out;
}

void
aw_http__answer_static(struct aw_req *req)
{
    const struct aw_static_file *f = req->static_file;
    struct out o = {0};
    bool versioned = aw_req_query(req, "v") != NULL;
    o.status = 200;
    o.type = f->type;
    o.body = f->data;
    o.len = f->len;
    o.gz = f->gz;
    o.gzlen = f->gzlen;
    o.etag = f->etag;
    o.is_static = true;
    o.conditional = true;
    o.cache = versioned ? "public, max-age=86400, immutable" : "public, max-age=86400";
    build(req, &o);
}

/* The body check before a handler runs: a body to a route without fields is
 * refused (400); a route with fields wants a form (415 otherwise), parsed
 * once here against its declaration (400 or 413 on a bad form). 0 when the
 * handler may run, else the status to answer. */
static int
check_body(struct aw_req *req)
{
    const struct aw_route *rt = req->route;
    const char *ct = aw_req_header(req, "Content-Type");
    struct aw_form_err ferr;
    char esc[96];
    int status = 0;
    if (req->body_too_big) {
        status = 413;
        goto out;
    }
    if (!rt->fields) {
        if (req->body_seen > 0) {
            status = 400;
            AW_INFO("%s %s: 400, a body to a route that declares no form fields", rt->method,
                    rt->pattern);
        }
        goto out;
    }
    if (ct ? !aw_http__form_type_ok(ct) : req->body.len > 0) {
        status = 415;
        AW_INFO("%s %s: 415, the body is not application/x-www-form-urlencoded", rt->method,
                rt->pattern);
        goto out;
    }
    status = aw_http__form_parse(req->arena, aw_buf_cstr(&req->body), req->body.len, rt->fields,
                                 &req->form, &ferr);
    if (status) {
        size_t n = ferr.name.len < 48 ? ferr.name.len : 48;
        AW_INFO("%s %s: %d, %s (\"%s\")", rt->method, rt->pattern, status, ferr.why,
                aw_log_repr(esc, sizeof(esc), ferr.name.ptr ? ferr.name.ptr : "", n));
    }
out:
    return status;
}

void
aw_http__answer_route(struct aw_req *req)
{
    struct out o = {0};
    int status = check_body(req);
    bool no_store;
    if (status) {
        aw_http__answer_error(req, status);
        goto out;
    }
    const struct aw_server_opts *opts = aw_http__opts(req->srv);
    if (opts->around)
        opts->around(opts->app, req, req->route->handler);
    else
        req->route->handler(req);
    if (!req->resp_set) {
        AW_ERROR("handler for %s %s sent no response", req->route->method, req->route->pattern);
        aw_http__answer_error(req, 500);
        goto out;
    }
    if (req->resp_is_error) {
        aw_http__answer_error(req, req->resp_status);
        goto out;
    }
    /* Answers to POST and answers that set a cookie are never stored, and get
     * no ETag (so no 304 either): they belong to one client and one moment. */
    no_store = strcmp(req->method, "POST") == 0 || req->has_cookie;
    o.status = req->resp_status;
    o.type = req->resp_type;
    o.body = req->resp_body;
    o.len = req->resp_len;
    o.cache = no_store ? "no-store" : req->resp_cache ? req->resp_cache : "no-cache";
    o.conditional =
        !no_store && o.status == 200 && (req->is_head || strcmp(req->method, "GET") == 0);
    build(req, &o);
out:
    return;
}

/* --- responses --- */

static void
push_header(struct aw_req *req, const char *name, const char *value)
{
    struct aw_resp_hdr *h = aw_arena_alloc(req->arena, sizeof(*h));
    h->next = NULL;
    h->name = name;
    h->value = aw_arena_strdup(req->arena, value);
    *req->hdrs_tail = h;
    req->hdrs_tail = &h->next;
}

enum aw_err
aw_resp_header(struct aw_req *req, const char *name, const char *value)
{
    enum aw_err rc = AW_EINVAL;
    if (req->resp_set || !is_token(name) || !header_value_ok(value) || is_managed_header(name))
        goto out;
    if (strcasecmp(name, "Cache-Control") == 0)
        req->resp_cache = aw_arena_strdup(req->arena, value);
    else
        push_header(req, aw_arena_strdup(req->arena, name), value);
    rc = AW_OK;
out:
    return rc;
}

static bool
cookie_value_ok(const char *v)
{
    bool ok = v != NULL;
    for (; ok && *v; v++) {
        unsigned char c = (unsigned char)*v;
        ok = c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
             (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
    }
    return ok;
}

/* Secure follows aw_req_is_secure: without TLS or a trusted proxy saying
 * https, a Secure cookie would simply not come back over plain HTTP. */
enum aw_err
aw_resp_cookie_ex(struct aw_req *req, const char *name, const char *value, long max_age,
                  unsigned flags)
{
    enum aw_err rc = AW_EINVAL;
    struct aw_buf b = AW_BUF_INIT(4096);
    if (req->resp_set || !is_token(name) || !cookie_value_ok(value))
        goto out;
    aw_buf_printf(&b, "%s=%s; Path=/", name, value);
    if (max_age >= 0 && !(flags & AW_COOKIE_SESSION))
        aw_buf_printf(&b, "; Max-Age=%ld", max_age);
    aw_buf_puts(&b, (flags & AW_COOKIE_STRICT) ? "; SameSite=Strict" : "; SameSite=Lax");
    aw_buf_puts(&b, "; HttpOnly");
    if (aw_req_is_secure(req))
        aw_buf_puts(&b, "; Secure");
    if (aw_buf_err(&b)) {
        rc = AW_ETOOBIG;
        goto out;
    }
    push_header(req, "Set-Cookie", aw_buf_cstr(&b));
    req->has_cookie = true;
    rc = AW_OK;
out:
    aw_buf_free(&b);
    return rc;
}

enum aw_err
aw_resp_cookie(struct aw_req *req, const char *name, const char *value, long max_age)
{
    return aw_resp_cookie_ex(req, name, value, max_age, 0);
}

/* Claims the single response slot; false (and a warning) on a second call. */
static bool
claim(struct aw_req *req, const char *what)
{
    bool ok = !req->resp_set;
    if (ok)
        req->resp_set = true;
    else
        AW_WARN("%s: a response was already sent for this request", what);
    return ok;
}

/* A handler bug (bad status, refused redirect, broken page): answer 500. */
static void
internal_error(struct aw_req *req)
{
    req->resp_is_error = true;
    req->resp_status = 500;
}

void
aw_resp_send(struct aw_req *req, int status, const char *content_type, const void *body, size_t len)
{
    void *copy;
    if (!claim(req, "aw_resp_send"))
        goto out;
    if (status < 200 || status > 599 || !content_type || !header_value_ok(content_type)) {
        AW_ERROR("aw_resp_send: bad status %d or content type", status);
        internal_error(req);
        goto out;
    }
    copy = aw_arena_alloc(req->arena, len ? len : 1);
    if (len)
        memcpy(copy, body, len);
    req->resp_status = status;
    req->resp_type = type_with_charset(req->arena, content_type);
    req->resp_body = copy;
    req->resp_len = len;
out:
    return;
}

void
aw_resp_send_html(struct aw_req *req, int status, struct aw_buf *b)
{
    size_t len = 0;
    char *p;
    if (!claim(req, "aw_resp_send_html"))
        goto out;
    if (aw_buf_err(b) || status < 200 || status > 599) {
        AW_ERROR("aw_resp_send_html: status %d, page buffer: %s", status,
                 aw_strerror(aw_buf_err(b)));
        internal_error(req);
        goto out;
    }
    p = aw_buf_steal(b, &len);
    if (p)
        aw_arena_defer(req->arena, free_heap, p);
    req->resp_status = status;
    req->resp_type = "text/html; charset=utf-8";
    req->resp_body = p ? p : "";
    req->resp_len = len;
out:
    aw_buf_free(b); /* after a steal: nothing left to free, b is reset */
}

/* A local absolute path: "/" followed by visible ASCII, and not "//host" or
 * "/\host" (which browsers read as a network path). */
static bool
local_location_ok(const char *loc)
{
    bool ok = loc && loc[0] == '/' && loc[1] != '/' && loc[1] != '\\';
    for (const char *p = loc; ok && *p; p++)
        ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f && *p != '\\';
    return ok;
}

void
aw_resp_redirect(struct aw_req *req, int status, const char *location)
{
    if (!claim(req, "aw_resp_redirect"))
        goto out;
    if ((status != 301 && status != 302 && status != 303 && status != 307 && status != 308) ||
        !local_location_ok(location)) {
        AW_ERROR("aw_resp_redirect: refused status %d or a non-local location", status);
        internal_error(req);
        goto out;
    }
    push_header(req, "Location", location);
    req->resp_status = status;
    req->resp_type = "text/plain; charset=utf-8";
    req->resp_body = "";
    req->resp_len = 0;
out:
    return;
}

void
aw_resp_error(struct aw_req *req, int status)
{
    if (claim(req, "aw_resp_error")) {
        req->resp_is_error = true;
        req->resp_status = status >= 400 && status <= 599 ? status : 500;
    }
}
