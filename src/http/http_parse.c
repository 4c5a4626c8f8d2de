/* http_parse.c: the HTTP/1.1 request head and chunked request bodies (RFC 9112), as pure
 * functions over bytes: no I/O, no allocation but the arena given. http_conn.c feeds them what
 * the socket delivers; tests/unit/http/test_parse.c holds their table of cases and
 * tests/fuzz/fuzz_http_parse.c fuzzes them.
 *
 * Written by hand because no library Debian 12 packages parses requests with the framing rules
 * RFC 9112 demands: libmicrohttpd 0.9.75 served a request smuggled behind Content-Length plus
 * Transfer-Encoding, answered `Content-Length: abc` twice, cut paths at a NUL and took two Host
 * headers; h2o 2.2.5's HTTP/1 server smuggled the same way and hides Host, Content-Length and
 * Transfer-Encoding from handlers, so nothing can check around it; picohttpparser is compiled
 * into libh2o but Debian ships no header for it. docs/internals/http.md, "Why awareday parses
 * HTTP/1.1 itself", has the evidence. The rules are deliberately strict: anything RFC 9112 lets
 * a server either accept or refuse is refused, because a difference in leniency between a proxy
 * and this server is what request smuggling is made of. */
#include "http_int.h"

#include <string.h>

/* RFC 9110 5.6.2 tchar. */
static bool
is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
eq_nocase(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    bool eq = n == m;
    for (size_t i = 0; eq && i < n; i++) {
        unsigned char a = (unsigned char)p[i], b = (unsigned char)lit[i];
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (unsigned char)(b + 32);
        eq = a == b;
    }
    return eq;
}

/* Every verdict is given at the first byte that makes it certain, examining
 * bytes in order, so the answer does not depend on how the bytes were split
 * into reads (tests/fuzz/fuzz_http_parse.c checks that). */
long
aw_http__head_end(const char *buf, size_t len, struct aw_http_scan *sc,
                  const struct aw_http_limits *lim)
{
    long ret = 0;
    size_t i = sc->pos;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (i >= lim->max_header_bytes) {
            ret = -431; /* byte max_header_bytes + 1 and still no end */
            goto out;
        }
        if (!sc->seen_line && c != '\r' && c != '\n') {
            if (c == ' ' && !sc->sp1) {
                sc->sp1 = i + 1;
            } else if (c == ' ' && !sc->sp2) {
                sc->sp2 = i + 1;
            } else if (sc->sp1 && !sc->sp2 && i + 1 - sc->sp1 > lim->max_url_bytes) {
                ret = -414; /* the target's byte max_url_bytes + 1 */
                goto out;
            }
            continue;
        }
        if (c == '\r') {
            if (i + 1 == len)
                break; /* look at it again with the byte after it */
            if (buf[i + 1] != '\n') {
                ret = -400; /* a CR that does not end a line */
                goto out;
            }
            continue;
        }
        if (c != '\n')
            continue;
        if (i == 0 || buf[i - 1] != '\r') {
            ret = -400; /* a bare LF */
            goto out;
        }
        if (i - 1 == sc->line_start) { /* an empty line */
            if (!sc->seen_line) {
                sc->line_start = i + 1; /* RFC 9112 2.2: empty lines before the request */
                continue;
            }
            ret = (long)(i + 1);
            i++;
            goto out;
        }
        sc->seen_line = true;
        sc->line_start = i + 1;
    }
out:
    sc->pos = i;
    return ret;
}

/* One field line buf[0, n) (no CRLF) into f. 0 or the status to answer. */
static int
parse_field(struct aw_arena *a, const char *p, size_t n, struct aw_http_field *f, const char **why)
{
    int status = 400;
    size_t k = 0, vs, ve;
    if (n && (p[0] == ' ' || p[0] == '\t')) {
        *why = "obsolete line folding in a header";
        goto out;
    }
    while (k < n && is_tchar((unsigned char)p[k]))
        k++;
    if (k == 0 || k == n || p[k] != ':') {
        *why = k < n && (p[k] == ' ' || p[k] == '\t') ? "white space before a header's colon"
                                                      : "a header line without a valid name";
        goto out;
    }
    vs = k + 1;
    while (vs < n && (p[vs] == ' ' || p[vs] == '\t'))
        vs++;
    ve = n;
    while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
        ve--;
    for (size_t i = vs; i < ve; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            *why = "a control byte or NUL in a header value";
            goto out;
        }
    }
    f->name = aw_arena_strndup(a, p, k);
    f->name_len = k;
    f->value = aw_arena_strndup(a, p + vs, ve - vs);
    f->value_len = ve - vs;
    status = 0;
out:
    return status;
}

/* RFC 9110 7.2 / RFC 3986 3.2.2-3: a Host value is a reg-name, an IPv4 address or an IP
 * literal, with an optional port; an empty value is allowed. This checks the characters,
 * not the grammar of every address form. */
static bool
host_ok(const char *v, size_t n)
{
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             strchr("-._~!$&'()*+,;=%:[]", c) != NULL;
    }
    return ok && !(n && v[0] == ':');
}

/* Elements of a comma-separated list value, OWS trimmed, one at a time: *p advances. */
static bool
next_element(const char **p, const char *end, const char **e, size_t *elen)
{
    const char *s = *p;
    bool got = false;
    while (s < end) {
        while (s < end && (*s == ' ' || *s == '\t' || *s == ','))
            s++;
        if (s == end)
            break;
        const char *t = s;
        while (t < end && *t != ',')
            t++;
        const char *te = t;
        while (te > s && (te[-1] == ' ' || te[-1] == '\t'))
            te--;
        *e = s;
        *elen = (size_t)(te - s);
        *p = t;
        got = true;
        break;
    }
    if (!got)
        *p = end;
    return got;
}

/* The framing and connection headers, after all fields are in. */
static int
apply_fields(struct aw_http_head *h, const char **why)
{
    int status = 400;
    unsigned nhost = 0, ncl = 0, nte = 0, te_elems = 0;
    bool te_chunked_only = true;
    const struct aw_http_field *cl = NULL;
    h->keep_alive = h->minor >= 1;
    for (size_t i = 0; i < h->nfields; i++) {
        const struct aw_http_field *f = &h->fields[i];
        const char *p = f->value, *end = f->value + f->value_len, *e;
        size_t elen;
        if (eq_nocase(f->name, f->name_len, "host")) {
            nhost++;
            if (!host_ok(f->value, f->value_len)) {
                *why = "a Host header that is not a host";
                goto out;
            }
        } else if (eq_nocase(f->name, f->name_len, "content-length")) {
            ncl++;
            cl = f;
        } else if (eq_nocase(f->name, f->name_len, "transfer-encoding")) {
            nte++;
            while (next_element(&p, end, &e, &elen)) {
                te_elems++;
                if (!eq_nocase(e, elen, "chunked"))
                    te_chunked_only = false;
            }
        } else if (eq_nocase(f->name, f->name_len, "connection")) {
            while (next_element(&p, end, &e, &elen)) {
                if (eq_nocase(e, elen, "close"))
                    h->close_requested = true;
                else if (eq_nocase(e, elen, "keep-alive"))
                    h->keep_alive_requested = true;
            }
        } else if (eq_nocase(f->name, f->name_len, "expect")) {
            if (!eq_nocase(f->value, f->value_len, "100-continue")) {
                status = 417;
                *why = "an expectation other than 100-continue";
                goto out;
            }
            h->expect_continue = h->minor >= 1;
        }
    }
    if (h->minor >= 1 ? nhost != 1 : nhost > 1) {
        *why = nhost ? "more than one Host header" : "HTTP/1.1 without a Host header";
        goto out;
    }
    if (nte) {
        if (h->minor == 0) {
            *why = "Transfer-Encoding in an HTTP/1.0 request";
            goto out;
        }
        if (ncl) {
            *why = "both Content-Length and Transfer-Encoding";
            goto out;
        }
        if (te_elems != 1 || !te_chunked_only) {
            status = 501;
            *why = "a transfer coding other than chunked";
            goto out;
        }
        h->framing = AW_FRAMING_CHUNKED;
    } else if (ncl) {
        uint64_t v = 0;
        if (ncl > 1) {
            *why = "more than one Content-Length";
            goto out;
        }
        if (cl->value_len == 0 || cl->value_len > 18) {
            *why = "a Content-Length that is not a number";
            goto out;
        }
        for (size_t i = 0; i < cl->value_len; i++) {
            unsigned char c = (unsigned char)cl->value[i];
            if (c < '0' || c > '9') {
                *why = "a Content-Length that is not a number";
                goto out;
            }
            v = v * 10 + (uint64_t)(c - '0');
        }
        h->content_length = v;
        h->framing = v ? AW_FRAMING_LENGTH : AW_FRAMING_NONE;
    }
    if (h->close_requested)
        h->keep_alive = false;
    else if (h->minor == 0 && h->keep_alive_requested)
        h->keep_alive = true;
    status = 0;
out:
    return status;
}

/* The request line p[0, n) (no CRLF). */
static int
parse_request_line(struct aw_arena *a, const char *p, size_t n, const struct aw_http_limits *lim,
                   struct aw_http_head *h, const char **why)
{
    int status = 400;
    size_t m = 0, ts, te;
    while (m < n && is_tchar((unsigned char)p[m]))
        m++;
    if (m == 0 || m == n || p[m] != ' ' || m > AW_HTTP_MAX_METHOD) {
        *why = "a request line without a valid method";
        goto out;
    }
    h->method = aw_arena_strndup(a, p, m);
    ts = te = m + 1;
    while (te < n && p[te] != ' ')
        te++;
    h->target = aw_arena_strndup(a, p + ts, te - ts);
    h->target_len = te - ts;
    if (te - ts > lim->max_url_bytes) {
        status = 414;
        *why = "a request target longer than max_url_bytes";
        goto out;
    }
    if (te == ts || te == n) {
        *why = "a request line without a target and a version";
        goto out;
    }
    for (size_t i = ts; i < te; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7f) {
            *why = "a control byte, NUL or non-ASCII byte in the request target";
            goto out;
        }
    }
    const char *v = p + te + 1;
    size_t vn = n - te - 1;
    if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
        v[7] < '0' || v[7] > '9') {
        *why = "a request line whose protocol is not HTTP/x.y";
        goto out;
    }
    if (v[5] != '1') {
        status = 505;
        *why = "an HTTP version other than 1.x";
        goto out;
    }
    h->minor = v[7] == '0' ? 0 : 1; /* RFC 9110 2.5: 1.x is answered as 1.1 */
    status = 0;
out:
    return status;
}

int
aw_http__head_parse(struct aw_arena *a, const char *buf, size_t n, const struct aw_http_limits *lim,
                    struct aw_http_head *h, const char **why)
{
    int status = 400;
    size_t pos = 0, cap = 16;
    memset(h, 0, sizeof(*h));
    *why = "";
    while (pos + 1 < n && buf[pos] == '\r' && buf[pos + 1] == '\n')
        pos += 2;
    h->head_bytes = n;
    const char *eol = memchr(buf + pos, '\r', n - pos);
    if (!eol) {
        *why = "an unterminated request line";
        goto out;
    }
    if ((status = parse_request_line(a, buf + pos, (size_t)(eol - (buf + pos)), lim, h, why)))
        goto out;
    status = 400;
    if (n > lim->max_header_bytes) {
        status = 431;
        *why = "a request head larger than max_header_bytes";
        goto out;
    }
    pos = (size_t)(eol - buf) + 2;
    h->fields = aw_arena_alloc(a, cap * sizeof(*h->fields));
    while (pos < n) {
        const char *le = memchr(buf + pos, '\r', n - pos);
        size_t ln;
        if (!le) {
            *why = "an unterminated header line";
            goto out;
        }
        ln = (size_t)(le - (buf + pos));
        if (ln == 0)
            break; /* the blank line */
        if (h->nfields == AW_HTTP_MAX_FIELDS) {
            status = 431;
            *why = "more header lines than AW_HTTP_MAX_FIELDS";
            goto out;
        }
        if (h->nfields == cap) {
            struct aw_http_field *nf = aw_arena_alloc(a, 2 * cap * sizeof(*nf));
            memcpy(nf, h->fields, cap * sizeof(*nf));
            h->fields = nf;
            cap *= 2;
        }
        if ((status = parse_field(a, buf + pos, ln, &h->fields[h->nfields], why)))
            goto out;
        h->nfields++;
        pos += ln + 2;
    }
    status = apply_fields(h, why);
out:
    return status;
}

const char *
aw_http__head_field(const struct aw_http_head *h, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < h->nfields && !v; i++)
        if (eq_nocase(h->fields[i].name, h->fields[i].name_len, name))
            v = h->fields[i].value;
    return v;
}

/* --- chunked bodies (RFC 9112 7.1) --- */

enum {
    CH_SIZE = 0, /* hex digits of a chunk size */
    CH_EXT,      /* after the size: extensions up to CR */
    CH_SIZE_LF,  /* the LF after the size line */
    CH_DATA,     /* chunk data */
    CH_DATA_CR,  /* the CR after the data */
    CH_DATA_LF,  /* the LF after it */
    CH_TRAILER,  /* start of a trailer line (or of the final empty line) */
    CH_TRAILER_LINE,
    CH_TRAILER_LF,
    CH_END_LF, /* the LF of the final empty line */
    CH_DONE
};

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

int
aw_http__chunked(struct aw_http_chunked *c, const char *in, size_t n, size_t *used,
                 void (*out)(void *arg, const char *p, size_t len), void *arg, const char **why)
{
    int ret = 0;
    size_t i = 0;
    *why = "";
    while (i < n && c->state != CH_DONE) {
        unsigned char b = (unsigned char)in[i];
        switch (c->state) {
        case CH_SIZE:
            if (hexval(b) >= 0) {
                if (++c->digits > AW_HTTP_MAX_CHUNK_DIGITS) {
                    *why = "a chunk size with too many digits";
                    ret = 400;
                    goto out;
                }
                c->left = c->left * 16 + (uint64_t)hexval(b);
            } else if (c->digits && (b == ';' || b == ' ' || b == '\t')) {
                c->state = CH_EXT;
            } else if (c->digits && b == '\r') {
                c->state = CH_SIZE_LF;
            } else {
                *why = "a malformed chunk size";
                ret = 400;
                goto out;
            }
            c->line++;
            i++;
            break;
        case CH_EXT:
            if (b == '\r') {
                c->state = CH_SIZE_LF;
            } else if ((b < 0x20 && b != '\t') || b == 0x7f) {
                *why = "a control byte in a chunk extension";
                ret = 400;
                goto out;
            }
            if (++c->line > AW_HTTP_MAX_CHUNK_LINE) {
                *why = "a chunk size line longer than AW_HTTP_MAX_CHUNK_LINE";
                ret = 400;
                goto out;
            }
            i++;
            break;
        case CH_SIZE_LF:
        case CH_DATA_LF:
        case CH_TRAILER_LF:
        case CH_END_LF:
            if (b != '\n') {
                *why = "a CR not followed by LF in a chunked body";
                ret = 400;
                goto out;
            }
            i++;
            if (c->state == CH_SIZE_LF) {
                c->state = c->left ? CH_DATA : CH_TRAILER;
                c->line = 0;
                c->digits = 0;
            } else if (c->state == CH_DATA_LF) {
                c->state = CH_SIZE;
            } else if (c->state == CH_TRAILER_LF) {
                c->state = CH_TRAILER;
            } else {
                c->state = CH_DONE;
            }
            break;
        case CH_DATA: {
            size_t take = n - i;
            if ((uint64_t)take > c->left)
                take = (size_t)c->left;
            out(arg, in + i, take);
            c->left -= take;
            i += take;
            if (c->left == 0)
                c->state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            if (b != '\r') {
                *why = "chunk data not followed by CRLF";
                ret = 400;
                goto out;
            }
            c->state = CH_DATA_LF;
            i++;
            break;
        case CH_TRAILER:
            if (b == '\r') {
                c->state = CH_END_LF;
                i++;
                break;
            }
            c->state = CH_TRAILER_LINE;
            /* fall through */
        case CH_TRAILER_LINE:
            if (b == '\r') {
                c->state = CH_TRAILER_LF;
            } else if (b == '\n' || b == 0) {
                *why = "a bare LF or NUL in a trailer";
                ret = 400;
                goto out;
            }
            if (++c->trailer > AW_HTTP_MAX_TRAILER) {
                *why = "trailers longer than AW_HTTP_MAX_TRAILER";
                ret = 400;
                goto out;
            }
            i++;
            break;
        default:
            break;
        }
    }
    if (c->state == CH_DONE)
        ret = 1;
out:
    *used = i;
    return ret;
}
