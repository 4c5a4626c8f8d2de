/* test_server.c: the HTTP server (http_server.c) against a raw-socket client:
 * security headers, HEAD, fixed error pages, ETag/304, gzip, the body,
 * header and URL limits at max-1/max/max+1, keep-alive, the header timeout
 * (slowloris), the per-address connection limit, graceful stop with a
 * request in flight, static files, cookies and the response API's refusals,
 * form bodies (declared fields, limits, content types), the client address
 * and X-Forwarded-* from a trusted proxy or not, cookie attributes, 429 with
 * Retry-After and Cache-Control: no-store on POST and Set-Cookie answers.
 *
 * Every test starts its own server on 127.0.0.1, port 0. Timeouts are only
 * checked as "closed within a generous bound". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aw/http.h"
#include "aw/net.h"
#include "aw/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_HEADER 2048
#define MAX_BODY 1000
#define MAX_URL 200

/* ---------------------------------------------------------------- client */

struct cli {
    int fd;
    char *buf;
    size_t len, cap;
};

struct resp {
    int status;
    char head[16384]; /* status line and headers, NUL-terminated */
    char *body;       /* malloc'd, NUL-terminated */
    size_t body_len;
};

static long
ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

static int
cli_open(struct cli *c, unsigned port)
{
    struct sockaddr_in sa;
    memset(c, 0, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

static void
cli_close(struct cli *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = 0;
}

static int
cli_send(struct cli *c, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static int
cli_sends(struct cli *c, const char *s)
{
    return cli_send(c, s, strlen(s));
}

/* Reads more bytes into c->buf: >0 bytes read, 0 closed by the peer (EOF,
 * reset or another socket error), -1 nothing within timeout_ms. */
static int
cli_fill(struct cli *c, int timeout_ms)
{
    struct pollfd pfd = {c->fd, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return -1;
    if (c->cap - c->len < 4096) {
        c->cap = c->cap ? c->cap * 2 : 65536;
        c->buf = realloc(c->buf, c->cap + 1);
        assert_non_null(c->buf);
    }
    ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    if (r < 0)
        return (errno == EAGAIN || errno == EINTR) ? -1 : 0;
    c->len += (size_t)r;
    c->buf[c->len] = '\0';
    return (int)r;
}

static void
resp_free(struct resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* Reads one response; head: the request was HEAD (no body follows).
 * 0 on success, -1 on EOF/timeout before a complete response. */
static int
cli_response(struct cli *c, bool head, struct resp *r)
{
    char *end;
    size_t hlen, clen = 0;
    memset(r, 0, sizeof(*r));
    while (!c->buf || !(end = strstr(c->buf, "\r\n\r\n")))
        if (cli_fill(c, 10000) <= 0)
            return -1;
    hlen = (size_t)(end - c->buf) + 4;
    assert_true(hlen < sizeof(r->head));
    memcpy(r->head, c->buf, hlen);
    r->head[hlen] = '\0';
    assert_int_equal(sscanf(r->head, "HTTP/1.1 %d", &r->status), 1);
    const char *cl = strcasestr(r->head, "\r\nContent-Length:");
    if (cl)
        clen = strtoul(cl + 17, NULL, 10);
    if (head || r->status == 304 || r->status == 204)
        clen = 0;
    while (c->len < hlen + clen)
        if (cli_fill(c, 10000) <= 0)
            return -1;
    r->body = malloc(clen + 1);
    assert_non_null(r->body);
    memcpy(r->body, c->buf + hlen, clen);
    r->body[clen] = '\0';
    r->body_len = clen;
    memmove(c->buf, c->buf + hlen + clen, c->len - hlen - clen);
    c->len -= hlen + clen;
    c->buf[c->len] = '\0';
    return 0;
}

/* The value of header name (first occurrence) copied to out, or NULL. */
static const char *
hdr(const struct resp *r, const char *name, char *out, size_t outlen)
{
    char key[128];
    snprintf(key, sizeof(key), "\r\n%s:", name);
    const char *p = strcasestr(r->head, key);
    if (!p)
        return NULL;
    p += strlen(key);
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, "\r");
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static bool
has_hdr(const struct resp *r, const char *name)
{
    char v[2048];
    return hdr(r, name, v, sizeof(v)) != NULL;
}

static void
assert_hdr(const struct resp *r, const char *name, const char *want)
{
    char v[2048];
    const char *got = hdr(r, name, v, sizeof(v));
    if (!got)
        fail_msg("missing header %s in:\n%s", name, r->head);
    assert_string_equal(got, want);
}

/* One request on a fresh connection. */
static void
roundtrip(unsigned port, const char *request, struct resp *r)
{
    struct cli c;
    assert_int_equal(cli_open(&c, port), 0);
    assert_int_equal(cli_sends(&c, request), 0);
    bool head = strncmp(request, "HEAD ", 5) == 0;
    if (cli_response(&c, head, r) != 0)
        fail_msg("no response to: %.60s", request);
    cli_close(&c);
}

static void
get(unsigned port, const char *target, const char *extra_headers, struct resp *r)
{
    char req[8192];
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n", target,
             extra_headers ? extra_headers : "");
    roundtrip(port, req, r);
}

#define CSP                                                                                        \
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; object-src "         \
    "'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static void
assert_security_headers(const struct resp *r)
{
    assert_hdr(r, "X-Content-Type-Options", "nosniff");
    assert_hdr(r, "Referrer-Policy", "strict-origin-when-cross-origin");
    assert_hdr(r, "Content-Security-Policy", CSP);
    assert_hdr(r, "X-Frame-Options", "DENY");
    assert_hdr(r, "Permissions-Policy", "interest-cohort=()");
    assert_true(has_hdr(r, "Content-Type"));
}

/* -------------------------------------------------------------- handlers */

static atomic_int slow_entered;
static atomic_int hdr_rc_crlf, hdr_rc_lf_name, hdr_rc_managed, cookie_rc_bad;

static void
h_hello(struct aw_req *req)
{
    aw_resp_send(req, 200, "text/plain", "hello", 5);
}

/* An HTML page over 512 bytes, for ETag and gzip. */
static void
page_text(struct aw_buf *b)
{
    aw_buf_puts(b, "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>");
    for (int i = 0; i < 40; i++)
        aw_buf_printf(b, "<p>Paragraph %d of the awareness day page.</p>\n", i);
    aw_buf_puts(b, "</body></html>\n");
}

static void
h_page(struct aw_req *req)
{
    struct aw_buf b = AW_BUF_INIT(1 << 20);
    page_text(&b);
    aw_resp_send_html(req, 200, &b);
}

static void
h_echo(struct aw_req *req)
{
    size_t n;
    const char *body = aw_req_body(req, &n);
    char *out = aw_arena_printf(aw_req_arena(req), "len=%zu first=%c", n, n ? body[0] : '-');
    aw_resp_send(req, 200, "text/plain", out, strlen(out));
}

static void
h_param(struct aw_req *req)
{
    struct aw_str lang = aw_req_param(req, "lang"), id = aw_req_param(req, "id");
    char *out = aw_arena_printf(aw_req_arena(req), "lang=%.*s id=%.*s path=%s", (int)lang.len,
                                lang.ptr, (int)id.len, id.ptr, aw_req_path(req));
    aw_resp_send(req, 200, "text/plain", out, strlen(out));
}

static void
h_slow(struct aw_req *req)
{
    atomic_store(&slow_entered, 1);
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
    aw_resp_send(req, 200, "text/plain", "slow done", 9);
}

static void
h_headers(struct aw_req *req)
{
    atomic_store(&hdr_rc_crlf, (int)aw_resp_header(req, "X-Bad", "a\r\nInjected: 1"));
    atomic_store(&hdr_rc_lf_name, (int)aw_resp_header(req, "X-Bad\nInjected", "1"));
    atomic_store(&hdr_rc_managed, (int)aw_resp_header(req, "Content-Length", "1"));
    assert_int_equal(aw_resp_header(req, "X-Ok", "fine"), AW_OK);
    assert_int_equal(aw_resp_header(req, "Cache-Control", "private, max-age=60"), AW_OK);
    aw_resp_send(req, 200, "text/plain", "h", 1);
}

static void
h_redir_evil(struct aw_req *req)
{
    aw_resp_redirect(req, 302, "//evil.example");
}

static void
h_redir_abs(struct aw_req *req)
{
    aw_resp_redirect(req, 302, "https://x");
}

static void
h_redir_backslash(struct aw_req *req)
{
    aw_resp_redirect(req, 302, "/\\evil.example");
}

static void
h_redir_ok(struct aw_req *req)
{
    aw_resp_redirect(req, 303, "/en/?a=1");
}

static void
h_cookie(struct aw_req *req)
{
    const char *sid = aw_req_cookie(req, "sid");
    atomic_store(&cookie_rc_bad, (int)aw_resp_cookie(req, "bad", "a;b", -1));
    assert_int_equal(aw_resp_cookie(req, "pref", "dark", 3600), AW_OK);
    assert_int_equal(aw_resp_cookie(req, "sess", "x1", -1), AW_OK);
    aw_resp_send(req, 200, "text/plain", sid ? sid : "none", sid ? strlen(sid) : 4);
}

static void
h_none(struct aw_req *req)
{
    (void)req;
}

static void
h_query(struct aw_req *req)
{
    const char *q = aw_req_query(req, "q");
    aw_resp_send(req, 200, "text/plain", q ? q : "(null)", q ? strlen(q) : 6);
}

static void
h_forbidden(struct aw_req *req)
{
    aw_resp_error(req, 403);
}

/* Appends "name:count=v1,v2;" for a declared field, values with NUL and
 * other non-printable bytes as \xNN. */
static void
put_field(struct aw_buf *b, struct aw_req *req, const char *name)
{
    unsigned n = aw_req_form_count(req, name);
    aw_buf_printf(b, "%s:%u=", name, n);
    for (unsigned i = 0; i < n; i++) {
        struct aw_str v = aw_req_form(req, name, i);
        assert_non_null(v.ptr);
        assert_int_equal(v.ptr[v.len], '\0');
        for (size_t k = 0; k < v.len; k++) {
            unsigned char c = (unsigned char)v.ptr[k];
            if (c >= 0x20 && c < 0x7f && c != '\\')
                aw_buf_putc(b, (char)c);
            else
                aw_buf_printf(b, "\\x%02x", c);
        }
        aw_buf_putc(b, i + 1 < n ? ',' : ';');
    }
    if (n == 0)
        aw_buf_putc(b, ';');
    assert_null(aw_req_form(req, name, n).ptr);
}

/* Lists the form; asks for a cache the server must refuse (POST). */
static void
h_form(struct aw_req *req)
{
    struct aw_buf b = AW_BUF_INIT(8192);
    put_field(&b, req, "name");
    put_field(&b, req, "tag");
    put_field(&b, req, "t");
    put_field(&b, req, "bin");
    assert_int_equal(aw_req_form_count(req, "undeclared"), 0);
    assert_int_equal(aw_resp_header(req, "Cache-Control", "public, max-age=600"), AW_OK);
    aw_resp_send(req, 200, "text/plain", b.ptr ? b.ptr : "", b.len);
    aw_buf_free(&b);
}

static void
h_client(struct aw_req *req)
{
    char *out = aw_arena_printf(aw_req_arena(req), "addr=%s secure=%d", aw_req_client_addr(req),
                                aw_req_is_secure(req));
    aw_resp_send(req, 200, "text/plain", out, strlen(out));
}

static atomic_int cookie_ex_rc;

static void
h_cookies_ex(struct aw_req *req)
{
    int rc = 0;
    rc |= (int)aw_resp_cookie_ex(req, "sess", "s1", 3600, AW_COOKIE_SESSION);
    rc |= (int)aw_resp_cookie_ex(req, "strict", "s2", 60, AW_COOKIE_STRICT);
    rc |= (int)aw_resp_cookie_ex(req, "both", "s3", -1, AW_COOKIE_SESSION | AW_COOKIE_STRICT);
    rc |= (int)aw_resp_cookie_ex(req, "gone", "", 0, 0);
    rc |= (int)aw_resp_cookie(req, "plain", "p", -1);
    atomic_store(&cookie_ex_rc, rc);
    aw_resp_send(req, 200, "text/plain", "cookies", 7);
}

static atomic_int retry_rc;

static void
h_busy(struct aw_req *req)
{
    atomic_store(&retry_rc, (int)aw_resp_header(req, "Retry-After", "120"));
    aw_resp_error(req, 429);
}

static const struct aw_field echo_fields[] = {{"f", MAX_BODY, 0}, {NULL, 0, 0}};

static const struct aw_field form_fields[] = {
    {"name", 8, 0}, /* max_count 0: one value */
    {"tag", 4, 3},  {"t", 2, 300}, {"bin", 16, 0}, {NULL, 0, 0},
};

static const struct aw_route routes[] = {
    {"GET", "/", h_hello, NULL, NULL},
    {"GET", "/page", h_page, NULL, NULL},
    {"POST", "/echo", h_echo, echo_fields, NULL},
    {"POST", "/nofields", h_echo, NULL, NULL},
    {"POST", "/form", h_form, form_fields, NULL},
    {"GET", "/client", h_client, NULL, NULL},
    {"GET", "/cookies-ex", h_cookies_ex, NULL, NULL},
    {"POST", "/cookies-ex", h_cookies_ex, NULL, NULL},
    {"GET", "/busy", h_busy, NULL, NULL},
    {"GET", "/{lang}/item/{id}", h_param, NULL, NULL},
    {"GET", "/slow", h_slow, NULL, NULL},
    {"GET", "/headers", h_headers, NULL, NULL},
    {"GET", "/redir/evil", h_redir_evil, NULL, NULL},
    {"GET", "/redir/abs", h_redir_abs, NULL, NULL},
    {"GET", "/redir/backslash", h_redir_backslash, NULL, NULL},
    {"GET", "/redir/ok", h_redir_ok, NULL, NULL},
    {"GET", "/cookie", h_cookie, NULL, NULL},
    {"GET", "/none", h_none, NULL, NULL},
    {"GET", "/q", h_query, NULL, NULL},
    {"GET", "/forbidden", h_forbidden, NULL, NULL},
};

/* ---------------------------------------------------------------- server */

static char static_dir[256];
static char css_text[4096];

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int
group_setup(void **state)
{
    (void)state;
    char sub[300];
    signal(SIGPIPE, SIG_IGN);
    aw_log_set_level(AW_LOG_ERROR);
    snprintf(static_dir, sizeof(static_dir), "/tmp/aw_test_static_XXXXXX");
    if (!mkdtemp(static_dir))
        return -1;
    size_t o = 0;
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(css_text + o, sizeof(css_text) - o, ".c%d { color: #%03d; }\n", i, i);
    write_file(static_dir, "app.css", css_text);
    write_file(static_dir, "robots.txt", "User-agent: *\n");
    write_file(static_dir, ".hidden.css", "secret");
    write_file(static_dir, "tool.exe", "MZ");
    snprintf(sub, sizeof(sub), "%s/sub", static_dir);
    mkdir(sub, 0700);
    write_file(sub, "x.css", "a{}");
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", static_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct aw_server_opts
test_opts(void)
{
    struct aw_server_opts o;
    memset(&o, 0, sizeof(o));
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.max_connections = 64;
    o.max_per_ip = 32;
    o.idle_timeout_s = 30;
    o.header_timeout_s = 5;
    o.max_header_bytes = MAX_HEADER;
    o.max_body_bytes = MAX_BODY;
    o.max_url_bytes = MAX_URL;
    o.routes = routes;
    o.nroutes = sizeof(routes) / sizeof(routes[0]);
    o.static_dir = static_dir;
    o.access_log_fd = -1;
    return o;
}

static struct aw_server *
start(const struct aw_server_opts *o)
{
    struct aw_server *srv = NULL;
    char err[256] = "";
    enum aw_err rc = aw_server_start(o, &srv, err, sizeof(err));
    if (rc != AW_OK)
        fail_msg("aw_server_start: %s", err);
    assert_int_not_equal(aw_server_port(srv), 0);
    return srv;
}

static struct aw_server *
start_default(void)
{
    struct aw_server_opts o = test_opts();
    return start(&o);
}

/* ----------------------------------------------------------------- tests */

static void
test_ok_with_security_headers(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    struct resp r;
    get(aw_server_port(srv), "/", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello");
    assert_security_headers(&r);
    assert_hdr(&r, "Content-Type", "text/plain; charset=utf-8");
    assert_hdr(&r, "Cache-Control", "no-cache");
    assert_true(has_hdr(&r, "ETag"));
    assert_false(has_hdr(&r, "Connection"));
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_head_has_no_body(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    struct cli c;
    struct resp r;
    char v[64];
    assert_int_equal(cli_open(&c, aw_server_port(srv)), 0);
    /* HEAD then GET on one connection: if HEAD carried a body, the second
     * response would not parse. */
    assert_int_equal(cli_sends(&c, "HEAD /page HTTP/1.1\r\nHost: t\r\n\r\n"
                                   "GET / HTTP/1.1\r\nHost: t\r\n\r\n"),
                     0);
    assert_int_equal(cli_response(&c, true, &r), 0);
    assert_int_equal(r.status, 200);
    assert_security_headers(&r);
    assert_true(strtoul(hdr(&r, "Content-Length", v, sizeof(v)), NULL, 10) > 512);
    assert_true(has_hdr(&r, "ETag"));
    resp_free(&r);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello");
    resp_free(&r);
    cli_close(&c);
    aw_server_stop(srv);
}

static void
test_404_405_fixed_pages(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;

    get(port, "/nothing-here-xyzzy?<script>", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_security_headers(&r);
    assert_hdr(&r, "Content-Type", "text/html; charset=utf-8");
    assert_non_null(strstr(r.body, "<!DOCTYPE html>"));
    assert_non_null(strstr(r.body, "<h1>Not Found</h1>"));
    assert_non_null(strstr(r.body, "href=\"/\""));
    assert_null(strstr(r.body, "xyzzy"));
    assert_null(strstr(r.body, "script"));
    resp_free(&r);

    roundtrip(port, "POST /?zork HTTP/1.1\r\nHost: t\r\nX-Echo: plugh\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_hdr(&r, "Allow", "GET, HEAD");
    assert_security_headers(&r);
    assert_non_null(strstr(r.body, "<h1>Method Not Allowed</h1>"));
    assert_null(strstr(r.body, "zork"));
    assert_null(strstr(r.body, "plugh"));
    resp_free(&r);

    /* A handler's aw_resp_error gets the same fixed page. */
    get(port, "/forbidden", NULL, &r);
    assert_int_equal(r.status, 403);
    assert_security_headers(&r);
    assert_non_null(strstr(r.body, "<h1>Forbidden</h1>"));
    resp_free(&r);

    /* A handler that sends nothing gets 500. */
    get(port, "/none", NULL, &r);
    assert_int_equal(r.status, 500);
    assert_security_headers(&r);
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_etag_304(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;
    char etag[64], hdrs[512];

    get(port, "/page", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(hdr(&r, "ETag", etag, sizeof(etag)));
    assert_hdr(&r, "Cache-Control", "no-cache");
    resp_free(&r);

    snprintf(hdrs, sizeof(hdrs), "If-None-Match: %s\r\n", etag);
    get(port, "/page", hdrs, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    assert_hdr(&r, "ETag", etag);
    assert_security_headers(&r);
    resp_free(&r);

    /* In a list, with and without W/. */
    snprintf(hdrs, sizeof(hdrs), "If-None-Match: \"nope\", %s\r\n", etag + 2);
    get(port, "/page", hdrs, &r);
    assert_int_equal(r.status, 304);
    resp_free(&r);

    get(port, "/page", "If-None-Match: *\r\n", &r);
    assert_int_equal(r.status, 304);
    resp_free(&r);

    /* On one connection: the 304 carries the Content-Length of the 200 it
     * stands for (gzip included) but no body, so the next response parses. */
    struct cli c;
    char v[32];
    assert_int_equal(cli_open(&c, port), 0);
    snprintf(hdrs, sizeof(hdrs),
             "GET /page HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n"
             "GET /page HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nIf-None-Match: %s\r\n\r\n"
             "GET / HTTP/1.1\r\nHost: t\r\n\r\n",
             etag);
    assert_int_equal(cli_sends(&c, hdrs), 0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    size_t gzlen = r.body_len;
    resp_free(&r);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 304);
    assert_int_equal(strtoul(hdr(&r, "Content-Length", v, sizeof(v)), NULL, 10), gzlen);
    assert_hdr(&r, "Vary", "Accept-Encoding");
    resp_free(&r);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello");
    resp_free(&r);
    cli_close(&c);

    get(port, "/page", "If-None-Match: \"other\", W/\"0000000000000000\"\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.body_len > 512);
    resp_free(&r);
    aw_server_stop(srv);
}

static char *
gunzip(const char *in, size_t len, size_t *outlen)
{
    z_stream zs;
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (unsigned char *)out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    *outlen = zs.total_out;
    inflateEnd(&zs);
    return out;
}

struct ae_case {
    const char *accept;
    bool gzip;
};

static void
test_gzip(void **state)
{
    (void)state;
    static const struct ae_case cases[] = {
        {"gzip", true},
        {"gzip, deflate, br", true},
        {"br;q=1.0, gzip;q=0.1", true},
        {"*", true},
        {"*;q=0.5", true},
        {"GZIP", true},
        {"x-gzip", true},
        {"gzip;q=0", false},
        {"gzip; q=0.000", false},
        {"gzip;q=0, *;q=1", false},
        {"*;q=0", false},
        {"deflate, br", false},
        {"identity", false},
        {"gzip;q=bogus", false},
        {"gzipx", false},
        {NULL, false},
    };
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct aw_buf want = AW_BUF_INIT(1 << 20);
    page_text(&want);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct resp r;
        char hdrs[128] = "";
        if (cases[i].accept)
            snprintf(hdrs, sizeof(hdrs), "Accept-Encoding: %s\r\n", cases[i].accept);
        get(port, "/page", hdrs, &r);
        print_message("Accept-Encoding: %s\n", cases[i].accept ? cases[i].accept : "(none)");
        assert_int_equal(r.status, 200);
        assert_hdr(&r, "Vary", "Accept-Encoding");
        if (cases[i].gzip) {
            size_t n;
            assert_hdr(&r, "Content-Encoding", "gzip");
            assert_true(r.body_len < want.len);
            char *plain = gunzip(r.body, r.body_len, &n);
            assert_int_equal(n, want.len);
            assert_memory_equal(plain, want.ptr, n);
            free(plain);
        } else {
            assert_false(has_hdr(&r, "Content-Encoding"));
            assert_int_equal(r.body_len, want.len);
            assert_memory_equal(r.body, want.ptr, want.len);
        }
        resp_free(&r);
    }
    /* Small bodies are not compressed. */
    struct resp r;
    get(port, "/", "Accept-Encoding: gzip\r\n", &r);
    assert_false(has_hdr(&r, "Content-Encoding"));
    assert_string_equal(r.body, "hello");
    resp_free(&r);
    aw_buf_free(&want);
    aw_server_stop(srv);
}

/* POSTs a form body of n bytes, "f=bbb...", to /echo. */
static void
post_sized(unsigned port, size_t n, bool chunked, struct resp *r)
{
    struct cli c;
    char head[256];
    char *body = malloc(n + 1);
    memset(body, 'b', n);
    memcpy(body, "f=", 2);
    assert_int_equal(cli_open(&c, port), 0);
    if (chunked) {
        assert_int_equal(cli_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\n"
                                       "Content-Type: application/x-www-form-urlencoded\r\n"
                                       "Transfer-Encoding: chunked\r\n\r\n"),
                         0);
        for (size_t off = 0; off < n; off += 300) {
            size_t k = n - off < 300 ? n - off : 300;
            snprintf(head, sizeof(head), "%zx\r\n", k);
            assert_int_equal(cli_sends(&c, head), 0);
            assert_int_equal(cli_send(&c, body + off, k), 0);
            assert_int_equal(cli_sends(&c, "\r\n"), 0);
        }
        assert_int_equal(cli_sends(&c, "0\r\n\r\n"), 0);
    } else {
        snprintf(head, sizeof(head),
                 "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n\r\n",
                 n);
        assert_int_equal(cli_sends(&c, head), 0);
        /* The server may answer 413 and close before reading the body. */
        (void)cli_send(&c, body, n);
    }
    if (cli_response(&c, false, r) != 0)
        fail_msg("no response to a %zu-byte body", n);
    cli_close(&c);
    free(body);
}

static void
test_body_limit(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;
    char want[64];

    for (int chunked = 0; chunked < 2; chunked++) {
        for (size_t n = MAX_BODY - 1; n <= MAX_BODY + 1; n++) {
            post_sized(port, n, chunked, &r);
            print_message("body %zu chunked=%d -> %d\n", n, chunked, r.status);
            if (n <= MAX_BODY) {
                assert_int_equal(r.status, 200);
                snprintf(want, sizeof(want), "len=%zu first=f", n);
                assert_string_equal(r.body, want);
            } else {
                assert_int_equal(r.status, 413);
                assert_security_headers(&r);
                assert_hdr(&r, "Connection", "close");
            }
            resp_free(&r);
        }
    }
    /* Announced far beyond: refused at once, body never read. */
    roundtrip(port, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999\r\n\r\n", &r);
    assert_int_equal(r.status, 413);
    resp_free(&r);
    aw_server_stop(srv);
}

/* A GET whose request line plus headers is exactly total bytes on the wire. */
static void
get_with_header_size(unsigned port, size_t total, struct resp *r)
{
    const char *start = "GET / HTTP/1.1\r\nHost: t\r\nX-Pad: ";
    size_t fixed = strlen(start) + 2 /* CRLF after X-Pad */ + 2 /* blank line */;
    assert_true(total > fixed);
    size_t pad = total - fixed;
    char *req = malloc(total + 1);
    memcpy(req, start, strlen(start));
    memset(req + strlen(start), 'p', pad);
    memcpy(req + strlen(start) + pad, "\r\n\r\n", 5);
    assert_int_equal(strlen(req), total);
    struct cli c;
    assert_int_equal(cli_open(&c, port), 0);
    /* Far past the limit the server may stop reading and close early. */
    (void)cli_send(&c, req, total);
    if (cli_response(&c, false, r) != 0)
        fail_msg("no response to %zu bytes of headers", total);
    cli_close(&c);
    free(req);
}

static void
test_header_limit(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;

    get_with_header_size(port, MAX_HEADER - 1, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    get_with_header_size(port, MAX_HEADER, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    get_with_header_size(port, MAX_HEADER + 1, &r);
    assert_int_equal(r.status, 431);
    assert_security_headers(&r);
    assert_non_null(strstr(r.body, "<h1>Request Header Fields Too Large</h1>"));
    resp_free(&r);
    /* Far beyond the limit MHD's connection memory runs out first and MHD
     * answers 431 itself (its own page, without our headers). */
    get_with_header_size(port, 32 * 1024, &r);
    assert_int_equal(r.status, 431);
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_url_limit(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;
    char target[MAX_URL + 2];

    for (size_t n = MAX_URL - 1; n <= MAX_URL + 1; n++) {
        memset(target, 'u', n);
        target[0] = '/';
        target[n] = '\0';
        get(port, target, NULL, &r);
        print_message("target of %zu bytes -> %d\n", n, r.status);
        assert_int_equal(r.status, n <= MAX_URL ? 404 : 414);
        assert_security_headers(&r);
        resp_free(&r);
    }
    /* The query counts: it is part of the request target. */
    memset(target, 'q', MAX_URL + 1);
    memcpy(target, "/?q=", 4);
    target[MAX_URL + 1] = '\0';
    get(port, target, NULL, &r);
    assert_int_equal(r.status, 414);
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_keepalive(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    struct cli c;
    struct resp r;
    assert_int_equal(cli_open(&c, aw_server_port(srv)), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cli_sends(&c, i == 1 ? "GET /page HTTP/1.1\r\nHost: t\r\n\r\n"
                                              : "GET / HTTP/1.1\r\nHost: t\r\n\r\n"),
                         0);
        assert_int_equal(cli_response(&c, false, &r), 0);
        assert_int_equal(r.status, 200);
        assert_false(has_hdr(&r, "Connection"));
        resp_free(&r);
    }
    /* A POST with a body keeps the connection too. */
    assert_int_equal(cli_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                                   "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                                   "f=xyz"),
                     0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_string_equal(r.body, "len=5 first=f");
    assert_false(has_hdr(&r, "Connection"));
    resp_free(&r);
    assert_int_equal(cli_sends(&c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    cli_close(&c);
    aw_server_stop(srv);
}

/* Waits until the server closes c (EOF or reset) while optionally sending
 * one byte every 100 ms. true if it closed within limit_ms. */
static bool
wait_closed(struct cli *c, bool drip, long limit_ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (ms_since(&t0) < limit_ms) {
        if (drip && send(c->fd, "a", 1, MSG_NOSIGNAL) < 0)
            return true;
        if (cli_fill(c, 100) == 0)
            return true;
    }
    return false;
}

static void
test_header_timeout(void **state)
{
    (void)state;
    struct aw_server_opts o = test_opts();
    o.header_timeout_s = 1;
    o.idle_timeout_s = 60;
    struct aw_server *srv = start(&o);
    unsigned port = aw_server_port(srv);
    struct cli c;

    /* Slowloris: one header byte every 100 ms never trips the idle timeout;
     * the header deadline cuts it. */
    assert_int_equal(cli_open(&c, port), 0);
    assert_int_equal(cli_sends(&c, "GET / HTTP/1.1\r\nHost: t\r\nX-Slow: "), 0);
    assert_true(wait_closed(&c, true, 15000));
    if (c.len)
        assert_true(strncmp(c.buf, "HTTP/1.1 408 ", 13) == 0);
    cli_close(&c);

    /* A request line then silence: a 408 page, then close. */
    assert_int_equal(cli_open(&c, port), 0);
    assert_int_equal(cli_sends(&c, "GET / HTTP/1.1\r\nHost: t\r\n"), 0);
    assert_true(wait_closed(&c, false, 15000));
    assert_non_null(c.buf);
    assert_true(strncmp(c.buf, "HTTP/1.1 408 ", 13) == 0);
    assert_non_null(strstr(c.buf, "X-Content-Type-Options: nosniff"));
    assert_non_null(strstr(c.buf, "<h1>Request Timeout</h1>"));
    cli_close(&c);

    /* A connection that never sends anything is closed without a word. */
    assert_int_equal(cli_open(&c, port), 0);
    assert_true(wait_closed(&c, false, 15000));
    assert_int_equal(c.len, 0);
    cli_close(&c);

    /* A prompt client is unaffected, across keep-alive requests. */
    struct resp r;
    assert_int_equal(cli_open(&c, port), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cli_sends(&c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
        assert_int_equal(cli_response(&c, false, &r), 0);
        assert_int_equal(r.status, 200);
        resp_free(&r);
    }
    cli_close(&c);
    aw_server_stop(srv);
}

static void
test_per_ip_limit(void **state)
{
    (void)state;
    struct aw_server_opts o = test_opts();
    o.max_per_ip = 2;
    struct aw_server *srv = start(&o);
    unsigned port = aw_server_port(srv);
    struct cli c[3];
    struct resp r;

    for (int i = 0; i < 2; i++) {
        assert_int_equal(cli_open(&c[i], port), 0);
        assert_int_equal(cli_sends(&c[i], "GET / HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
        assert_int_equal(cli_response(&c[i], false, &r), 0);
        assert_int_equal(r.status, 200);
        resp_free(&r);
    }
    /* The third connection from the same address gets a fixed 503 at once
     * and is closed; the two others go on being served. */
    assert_int_equal(cli_open(&c[2], port), 0);
    (void)cli_sends(&c[2], "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cli_response(&c[2], false, &r), 0);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.head, "\r\nRetry-After: 1\r\n"));
    assert_non_null(strstr(r.head, "\r\nConnection: close\r\n"));
    assert_security_headers(&r);
    resp_free(&r);
    assert_true(wait_closed(&c[2], false, 5000));
    cli_close(&c[2]);
    assert_int_equal(cli_sends(&c[1], "GET / HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    assert_int_equal(cli_response(&c[1], false, &r), 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);

    /* Once one closes, a new connection is served again. */
    cli_close(&c[0]);
    bool served = false;
    for (int tries = 0; tries < 50 && !served; tries++) {
        struct cli d;
        assert_int_equal(cli_open(&d, port), 0);
        (void)cli_sends(&d, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        if (cli_response(&d, false, &r) == 0) {
            served = r.status == 200;
            resp_free(&r);
        } else {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        cli_close(&d);
    }
    assert_true(served);
    cli_close(&c[1]);
    aw_server_stop(srv);
}

struct slow_client {
    unsigned port;
    bool by_signal;
    struct aw_server *srv; /* stopped by the client thread unless by_signal */
    int status;
    char body[64];
};

static void *
slow_client_main(void *arg)
{
    struct slow_client *sc = arg;
    struct cli c;
    struct resp r;
    sc->status = -1;
    if (cli_open(&c, sc->port) != 0)
        return NULL;
    if (cli_sends(&c, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n") != 0)
        goto out;
    for (int i = 0; i < 500 && !atomic_load(&slow_entered); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (sc->by_signal)
        kill(getpid(), SIGTERM);
    if (cli_response(&c, false, &r) == 0) {
        sc->status = r.status;
        snprintf(sc->body, sizeof(sc->body), "%s", r.body);
        resp_free(&r);
    }
out:
    cli_close(&c);
    return NULL;
}

static void
graceful_stop(bool by_signal)
{
    sigset_t set, old;
    pthread_t t;
    struct slow_client sc;
    memset(&sc, 0, sizeof(sc));
    atomic_store(&slow_entered, 0);

    /* Block the signals here first, as main() of the program would, so the
     * client thread inherits the mask too. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &old);

    struct aw_server *srv = start_default();
    sc.port = aw_server_port(srv);
    sc.by_signal = by_signal;
    assert_int_equal(pthread_create(&t, NULL, slow_client_main, &sc), 0);
    if (by_signal) {
        aw_server_run_until_signal(srv);
    } else {
        for (int i = 0; i < 500 && !atomic_load(&slow_entered); i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        assert_true(atomic_load(&slow_entered));
    }
    aw_server_stop(srv);
    pthread_join(t, NULL);
    assert_int_equal(sc.status, 200);
    assert_string_equal(sc.body, "slow done");

    /* Nothing listens any more. */
    struct cli c;
    assert_int_equal(cli_open(&c, sc.port), -1);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Two requests in one packet are answered in order on the same connection;
 * the second is parsed only once the first answer is written. */
static void
test_pipelined(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    struct cli c;
    struct resp r;
    assert_int_equal(cli_open(&c, aw_server_port(srv)), 0);
    assert_int_equal(cli_sends(&c, "GET /fr/item/1 HTTP/1.1\r\nHost: t\r\n\r\n"
                                   "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                   "application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\n"
                                   "f=1GET /fr/item/2 HTTP/1.1\r\nHost: t\r\n\r\n"),
                     0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_string_equal(r.body, "lang=fr id=1 path=/fr/item/1");
    resp_free(&r);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_string_equal(r.body, "len=3 first=f");
    resp_free(&r);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_string_equal(r.body, "lang=fr id=2 path=/fr/item/2");
    resp_free(&r);
    cli_close(&c);
    aw_server_stop(srv);
}

/* A chunked form body is decoded before the form is parsed; Expect:
 * 100-continue gets its interim answer first. */
static void
test_chunked_and_continue(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct cli c;
    struct resp r;
    assert_int_equal(cli_open(&c, port), 0);
    assert_int_equal(cli_sends(&c, "POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                   "application/x-www-form-urlencoded\r\nTransfer-Encoding: "
                                   "chunked\r\n\r\n4\r\nname\r\n3;x=y\r\n=ab\r\n0\r\n\r\n"),
                     0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "name:1=ab;"));
    resp_free(&r);
    /* the connection stays usable */
    assert_int_equal(cli_sends(&c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    cli_close(&c);

    assert_int_equal(cli_open(&c, port), 0);
    assert_int_equal(cli_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                                   "Content-Type: application/x-www-form-urlencoded\r\n"
                                   "Content-Length: 3\r\n\r\n"),
                     0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 100);
    resp_free(&r);
    assert_int_equal(cli_sends(&c, "f=9"), 0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "len=3 first=f");
    resp_free(&r);
    cli_close(&c);

    /* A chunked body over max_body_bytes: 413 and close, without reading on. */
    assert_int_equal(cli_open(&c, port), 0);
    char chunk[64];
    snprintf(chunk, sizeof(chunk), "%x\r\n", MAX_BODY + 1);
    assert_int_equal(cli_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                   "application/x-www-form-urlencoded\r\nTransfer-Encoding: "
                                   "chunked\r\n\r\n"),
                     0);
    assert_int_equal(cli_sends(&c, chunk), 0);
    char *big = malloc(MAX_BODY + 1);
    assert_non_null(big);
    memset(big, 'a', MAX_BODY + 1);
    (void)cli_send(&c, big, MAX_BODY + 1);
    free(big);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.head, "\r\nConnection: close\r\n"));
    resp_free(&r);
    cli_close(&c);
    aw_server_stop(srv);
}

/* mod_reqtimeout's rule: a body must arrive within body_timeout_s, plus a
 * second per body_min_rate bytes received; a trickle is cut with 408. */
static void
test_body_timeout(void **state)
{
    (void)state;
    struct aw_server_opts o = test_opts();
    o.body_timeout_s = 1;
    o.body_min_rate = 500;
    struct aw_server *srv = start(&o);
    struct cli c;
    struct resp r;
    assert_int_equal(cli_open(&c, aw_server_port(srv)), 0);
    assert_int_equal(cli_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                   "application/x-www-form-urlencoded\r\nContent-Length: "
                                   "100\r\n\r\nf="),
                     0);
    /* one byte every 200 ms: each resets no idle timer; the deadline holds */
    bool answered = false;
    for (int i = 0; i < 50 && !answered; i++) {
        if (cli_sends(&c, "a") != 0 || cli_fill(&c, 200) != -1)
            answered = true;
    }
    assert_true(answered);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 408);
    assert_non_null(strstr(r.head, "\r\nConnection: close\r\n"));
    resp_free(&r);
    assert_true(wait_closed(&c, false, 5000));
    cli_close(&c);

    /* A body that keeps above the rate is not cut: 600 bytes in 1.2 s with a
     * 1 s base (1 s + 600/500 s = 2.2 s). */
    assert_int_equal(cli_open(&c, aw_server_port(srv)), 0);
    assert_int_equal(cli_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                   "application/x-www-form-urlencoded\r\nContent-Length: "
                                   "602\r\n\r\nf="),
                     0);
    char part[101];
    memset(part, 'b', 100);
    part[100] = '\0';
    for (int i = 0; i < 6; i++) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        assert_int_equal(cli_sends(&c, part), 0);
    }
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "len=602 first=f");
    resp_free(&r);
    cli_close(&c);
    aw_server_stop(srv);
}

struct queued_client {
    unsigned port;
    const char *path;
    int status;
    char retry[16];
};

static void *
queued_client_main(void *arg)
{
    struct queued_client *q = arg;
    struct cli c;
    struct resp r;
    char req[128];
    q->status = -1;
    if (cli_open(&c, q->port) != 0)
        return NULL;
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", q->path);
    if (cli_sends(&c, req) == 0 && cli_response(&c, false, &r) == 0) {
        q->status = r.status;
        if (!hdr(&r, "Retry-After", q->retry, sizeof(q->retry)))
            q->retry[0] = '\0';
        resp_free(&r);
    }
    cli_close(&c);
    return NULL;
}

/* One worker, a queue of one: with the worker busy and one request waiting,
 * the next gets 503 with Retry-After at once; static files are served all the
 * while, since they never wait for a worker. */
static void
test_queue_full(void **state)
{
    (void)state;
    struct aw_server_opts o = test_opts();
    o.threads = 1;
    o.max_queue = 1;
    struct aw_server *srv = start(&o);
    unsigned port = aw_server_port(srv);
    pthread_t t[2];
    struct queued_client q[2] = {{port, "/slow", 0, ""}, {port, "/slow", 0, ""}};
    struct resp r;
    atomic_store(&slow_entered, 0);
    assert_int_equal(pthread_create(&t[0], NULL, queued_client_main, &q[0]), 0);
    for (int i = 0; i < 500 && !atomic_load(&slow_entered); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(atomic_load(&slow_entered)); /* the worker is busy */
    assert_int_equal(pthread_create(&t[1], NULL, queued_client_main, &q[1]), 0);
    struct timespec ts = {0, 200 * 1000 * 1000}; /* let it reach the queue */
    nanosleep(&ts, NULL);
    get(port, "/", NULL, &r);
    assert_int_equal(r.status, 503);
    assert_hdr(&r, "Retry-After", "1");
    assert_security_headers(&r);
    resp_free(&r);
    get(port, "/static/app.css", NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    assert_int_equal(q[0].status, 200);
    assert_int_equal(q[1].status, 200);
    aw_server_stop(srv);
}

static void
test_graceful_stop(void **state)
{
    (void)state;
    graceful_stop(false);
}

static void
test_graceful_stop_on_signal(void **state)
{
    (void)state;
    graceful_stop(true);
}

static void
test_resp_header_refusals(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    struct resp r;
    get(aw_server_port(srv), "/headers", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(atomic_load(&hdr_rc_crlf), AW_EINVAL);
    assert_int_equal(atomic_load(&hdr_rc_lf_name), AW_EINVAL);
    assert_int_equal(atomic_load(&hdr_rc_managed), AW_EINVAL);
    assert_hdr(&r, "X-Ok", "fine");
    assert_hdr(&r, "Cache-Control", "private, max-age=60");
    assert_null(strcasestr(r.head, "Injected"));
    assert_false(has_hdr(&r, "X-Bad"));
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_redirects(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    static const char *const refused[] = {"/redir/evil", "/redir/abs", "/redir/backslash"};
    struct resp r;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        get(port, refused[i], NULL, &r);
        assert_int_equal(r.status, 500);
        assert_false(has_hdr(&r, "Location"));
        assert_null(strstr(r.body, "evil"));
        assert_security_headers(&r);
        resp_free(&r);
    }
    get(port, "/redir/ok", NULL, &r);
    assert_int_equal(r.status, 303);
    assert_hdr(&r, "Location", "/en/?a=1");
    assert_security_headers(&r);
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_bad_requests(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "/a/../b", "/..", "/%2e%2e/x", "/a%00b", "/%ff", "/%c3", "/%zz", "/%4", "/a%0ab",
    };
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        get(port, bad[i], NULL, &r);
        print_message("%s -> %d\n", bad[i], r.status);
        assert_int_equal(r.status, 400);
        assert_security_headers(&r);
        assert_non_null(strstr(r.body, "<h1>Bad Request</h1>"));
        resp_free(&r);
    }
    /* HTTP/1.1 requires Host. */
    roundtrip(port, "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    assert_security_headers(&r);
    resp_free(&r);
    roundtrip(port, "GET / HTTP/1.0\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    /* A request line without spaces: 400, and the connection is closed. */
    struct cli c;
    assert_int_equal(cli_open(&c, port), 0);
    assert_int_equal(cli_sends(&c, "GARBAGE\r\n\r\n"), 0);
    assert_true(wait_closed(&c, false, 10000));
    assert_true(strncmp(c.buf, "HTTP/1.1 400 ", 13) == 0);
    cli_close(&c);
    /* Absolute-form targets are accepted (RFC 9112 3.2.2) for their path;
     * one without a path is not. */
    roundtrip(port, "GET http://t/ HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    roundtrip(port, "GET http://t HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    /* Valid escapes decode; the router sees the decoded path. */
    get(port, "/fr/item/%C3%A9t%C3%A9", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "lang=fr id=\xc3\xa9t\xc3\xa9 path=/fr/item/\xc3\xa9t\xc3\xa9");
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_static_files(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;
    char etag[64], hdrs[128];
    size_t n;

    get(port, "/static/app.css", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, css_text);
    assert_hdr(&r, "Content-Type", "text/css; charset=utf-8");
    assert_hdr(&r, "Cache-Control", "public, max-age=86400");
    assert_hdr(&r, "Vary", "Accept-Encoding");
    assert_security_headers(&r);
    assert_non_null(hdr(&r, "ETag", etag, sizeof(etag)));
    resp_free(&r);

    get(port, "/static/app.css?v=42", "Accept-Encoding: gzip\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_hdr(&r, "Cache-Control", "public, max-age=86400, immutable");
    assert_hdr(&r, "Content-Encoding", "gzip");
    char *plain = gunzip(r.body, r.body_len, &n);
    assert_int_equal(n, strlen(css_text));
    assert_memory_equal(plain, css_text, n);
    free(plain);
    resp_free(&r);

    snprintf(hdrs, sizeof(hdrs), "If-None-Match: %s\r\n", etag);
    get(port, "/static/app.css", hdrs, &r);
    assert_int_equal(r.status, 304);
    assert_security_headers(&r);
    resp_free(&r);

    get(port, "/static/robots.txt", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_hdr(&r, "Content-Type", "text/plain; charset=utf-8");
    assert_string_equal(r.body, "User-agent: *\n");
    resp_free(&r);

    static const char *const missing[] = {"/static/.hidden.css", "/static/sub/x.css",
                                          "/static/tool.exe", "/static/", "/static/nope.css"};
    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
        get(port, missing[i], NULL, &r);
        assert_int_equal(r.status, 404);
        assert_null(strstr(r.body, "secret"));
        resp_free(&r);
    }
    get(port, "/static/../etc/passwd", NULL, &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);

    roundtrip(port, "POST /static/app.css HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_hdr(&r, "Allow", "GET, HEAD");
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_params_query_cookies(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;

    get(port, "/de/item/42", NULL, &r);
    assert_string_equal(r.body, "lang=de id=42 path=/de/item/42");
    resp_free(&r);

    get(port, "/q?q=caf%C3%A9", NULL, &r);
    assert_string_equal(r.body, "caf\xc3\xa9");
    resp_free(&r);
    get(port, "/q?q=%FF", NULL, &r);
    assert_string_equal(r.body, "(null)");
    resp_free(&r);

    get(port, "/cookie", "Cookie: a=1; sid=s3cr3t; b=2\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "s3cr3t");
    assert_int_equal(atomic_load(&cookie_rc_bad), AW_EINVAL);
    assert_non_null(strstr(r.head, "Set-Cookie: pref=dark; Path=/; Max-Age=3600; SameSite=Lax; "
                                   "HttpOnly\r\n"));
    assert_non_null(strstr(r.head, "Set-Cookie: sess=x1; Path=/; SameSite=Lax; HttpOnly\r\n"));
    assert_null(strstr(r.head, "bad="));
    resp_free(&r);
    aw_server_stop(srv);
}

/* ------------------------------------------------------------ forms etc. */

#define FORM_TYPE "application/x-www-form-urlencoded"

/* One POST on a fresh connection; ctype NULL sends no Content-Type. */
static void
post(unsigned port, const char *target, const char *ctype, const char *body, struct resp *r)
{
    char req[4096];
    char ct[256] = "";
    if (ctype)
        snprintf(ct, sizeof(ct), "Content-Type: %s\r\n", ctype);
    int n =
        snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: t\r\n%sContent-Length: %zu\r\n\r\n%s",
                 target, ct, strlen(body), body);
    assert_true(n > 0 && (size_t)n < sizeof(req));
    roundtrip(port, req, r);
}

struct form_case {
    const char *body;
    int status;
    const char *want; /* fragment of the handler's listing (200 only) */
};

static void
test_form_fields(void **state)
{
    (void)state;
    static const struct form_case cases[] = {
        {"name=ab&tag=x&tag=y", 200, "name:1=ab;tag:2=x,y;t:0=;bin:0=;"},
        {"", 200, "name:0=;tag:0=;t:0=;bin:0=;"},
        {"tag=a+b&tag=%20c", 200, "tag:2=a b, c;"},
        {"name=%e2%82%ac", 200, "name:1=\\xe2\\x82\\xac;"},
        {"bin=a%00b", 200, "bin:1=a\\x00b;"},
        {"bin=%ff", 200, "bin:1=\\xff;"},
        {"name=", 200, "name:1=;"},
        {"name&tag", 200, "name:1=;tag:1=;"},
        /* undeclared fields, bad escapes, empty names */
        {"csrf=1", 400, NULL},
        {"name=a&evil=1", 400, NULL},
        {"Name=a", 400, NULL},
        {"name=%zz", 400, NULL},
        {"name=%4", 400, NULL},
        {"=x", 400, NULL},
        /* max_bytes 8 at max-1, max, max+1 (decoded) */
        {"name=1234567", 200, "name:1=1234567;"},
        {"name=12345678", 200, "name:1=12345678;"},
        {"name=123456789", 413, NULL},
        {"name=%41%41%41%41%41%41%41%41", 200, "name:1=AAAAAAAA;"},
        {"name=%41%41%41%41%41%41%41%41%41", 413, NULL},
        /* max_count 3 at max-1, max, max+1; 0 means 1 */
        {"tag=a&tag=b", 200, "tag:2=a,b;"},
        {"tag=a&tag=b&tag=c", 200, "tag:3=a,b,c;"},
        {"tag=a&tag=b&tag=c&tag=d", 413, NULL},
        {"name=a&name=b", 413, NULL},
    };
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        post(port, "/form", FORM_TYPE, cases[i].body, &r);
        print_message("%s -> %d %s\n", cases[i].body, r.status, r.status == 200 ? r.body : "");
        assert_int_equal(r.status, cases[i].status);
        assert_security_headers(&r);
        if (r.status == 200) {
            assert_non_null(strstr(r.body, cases[i].want));
        } else {
            assert_hdr(&r, "Content-Type", "text/html; charset=utf-8");
            assert_hdr(&r, "Cache-Control", "no-store");
            assert_non_null(strstr(r.body, r.status == 400 ? "<h1>Bad Request</h1>"
                                                           : "<h1>Content Too Large</h1>"));
            assert_null(strstr(r.body, "evil"));
        }
        resp_free(&r);
    }
    aw_server_stop(srv);
}

/* "t&t&...": n fields with an empty value. */
static void
post_n_fields(unsigned port, size_t n, struct resp *r)
{
    char body[1024];
    size_t len = 0;
    assert_true(2 * n < sizeof(body));
    for (size_t i = 0; i < n; i++) {
        if (i)
            body[len++] = '&';
        body[len++] = 't';
    }
    body[len] = '\0';
    post(port, "/form", FORM_TYPE, body, r);
}

static void
test_form_field_cap(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;
    post_n_fields(port, 255, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "t:255="));
    resp_free(&r);
    post_n_fields(port, 256, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "t:256="));
    resp_free(&r);
    post_n_fields(port, 257, &r);
    assert_int_equal(r.status, 413);
    resp_free(&r);
    aw_server_stop(srv);
}

struct type_case {
    const char *ctype; /* NULL: no Content-Type */
    const char *body;
    int status;
};

static void
test_form_content_types(void **state)
{
    (void)state;
    static const struct type_case cases[] = {
        {FORM_TYPE, "name=a", 200},
        {"Application/X-WWW-Form-URLEncoded; charset=UTF-8", "name=a", 200},
        {FORM_TYPE "; charset=iso-8859-1", "name=a", 415},
        {"text/plain", "name=a", 415},
        {"multipart/form-data; boundary=x", "--x--", 415},
        {"application/json", "{}", 415},
        {NULL, "name=a", 415},
        {NULL, "", 200},
        {"text/plain", "", 415},
    };
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        post(port, "/form", cases[i].ctype, cases[i].body, &r);
        print_message("%s -> %d\n", cases[i].ctype ? cases[i].ctype : "(none)", r.status);
        assert_int_equal(r.status, cases[i].status);
        assert_security_headers(&r);
        if (r.status == 415) {
            assert_non_null(strstr(r.body, "<h1>Unsupported Media Type</h1>"));
            assert_hdr(&r, "Cache-Control", "no-store");
        }
        resp_free(&r);
    }
    /* A body to a route that declares no fields: 400, unless it is empty. */
    post(port, "/nofields", FORM_TYPE, "a=1", &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    post(port, "/nofields", NULL, "x", &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    post(port, "/nofields", NULL, "", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "len=0 first=-");
    resp_free(&r);
    roundtrip(port,
              "POST /nofields HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
              &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_string_equal(aw_http_reason(415), "Unsupported Media Type");
    assert_string_equal(aw_http_reason(429), "Too Many Requests");
    aw_server_stop(srv);
}

static void
test_post_never_cached(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    unsigned port = aw_server_port(srv);
    struct resp r;
    /* The handler asks for public caching: a POST answer is never stored. */
    post(port, "/form", FORM_TYPE, "name=a", &r);
    assert_int_equal(r.status, 200);
    assert_hdr(&r, "Cache-Control", "no-store");
    assert_false(has_hdr(&r, "ETag"));
    resp_free(&r);
    roundtrip(port,
              "POST /form HTTP/1.1\r\nHost: t\r\nIf-None-Match: *\r\nContent-Type: " FORM_TYPE
              "\r\nContent-Length: 6\r\n\r\nname=a",
              &r);
    assert_int_equal(r.status, 200);
    assert_false(has_hdr(&r, "ETag"));
    resp_free(&r);
    /* Neither is any answer that sets a cookie, GET included: no ETag, no 304. */
    get(port, "/cookies-ex", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_hdr(&r, "Cache-Control", "no-store");
    assert_false(has_hdr(&r, "ETag"));
    resp_free(&r);
    get(port, "/cookies-ex", "If-None-Match: *\r\n", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    /* A GET without cookies keeps its validator. */
    get(port, "/", NULL, &r);
    assert_hdr(&r, "Cache-Control", "no-cache");
    assert_true(has_hdr(&r, "ETag"));
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_keepalive_after_post(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    struct cli c;
    struct resp r;
    assert_int_equal(cli_open(&c, aw_server_port(srv)), 0);
    /* A form, a refused content type (its body drained), then a GET, all on
     * one connection. */
    assert_int_equal(cli_sends(&c, "POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: " FORM_TYPE
                                   "\r\nContent-Length: 14\r\n\r\nname=ab&tag=cd"),
                     0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "name:1=ab;tag:1=cd;"));
    assert_false(has_hdr(&r, "Connection"));
    resp_free(&r);
    assert_int_equal(cli_sends(&c, "POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
                                   "Content-Length: 6\r\n\r\nname=a"),
                     0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 415);
    assert_false(has_hdr(&r, "Connection"));
    resp_free(&r);
    assert_int_equal(cli_sends(&c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello");
    resp_free(&r);
    cli_close(&c);
    aw_server_stop(srv);
}

struct addr_case {
    const char *headers;
    const char *want; /* body of /client */
};

static void
client_cases(const char *proxies, const struct addr_case *cases, size_t n)
{
    struct aw_server_opts o = test_opts();
    struct aw_net_list l;
    char err[200];
    assert_true(aw_net_list_parse(proxies, &l, err, sizeof(err)));
    o.trusted_proxies = &l;
    struct aw_server *srv = start(&o);
    struct resp r;
    for (size_t i = 0; i < n; i++) {
        get(aw_server_port(srv), "/client", cases[i].headers, &r);
        print_message("proxies=\"%s\" %s-> %s\n", proxies, cases[i].headers, r.body);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, cases[i].want);
        resp_free(&r);
    }
    aw_server_stop(srv);
}

static void
test_client_addr(void **state)
{
    (void)state;
    static const struct addr_case untrusted[] = {
        {"", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-For: 1.2.3.4\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-Proto: https\r\n", "addr=127.0.0.1 secure=0"},
    };
    static const struct addr_case trusted[] = {
        {"", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-For: 1.2.3.4\r\n", "addr=1.2.3.4 secure=0"},
        {"X-Forwarded-For: 9.9.9.9, 1.2.3.4\r\n", "addr=1.2.3.4 secure=0"},
        {"X-Forwarded-For: 9.9.9.9,1.2.3.4  \r\n", "addr=1.2.3.4 secure=0"},
        {"X-Forwarded-For: 1.2.3.4, 2001:DB8:0:0::1\r\n", "addr=2001:db8::1 secure=0"},
        {"X-Forwarded-For: ::ffff:10.0.0.1\r\n", "addr=10.0.0.1 secure=0"},
        {"X-Forwarded-For: 5.5.5.5\r\nX-Forwarded-For: 6.6.6.6\r\n", "addr=6.6.6.6 secure=0"},
        /* the last entry is not an address: the socket's */
        {"X-Forwarded-For: 1.2.3.4, unknown\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-For: 1.2.3.4,\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-For: 1.2.3.4:8080\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-For: [::1]\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-For: 1.2.3.256\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-For: <script>\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-For: \r\n", "addr=127.0.0.1 secure=0"},
        /* X-Forwarded-Proto */
        {"X-Forwarded-Proto: https\r\n", "addr=127.0.0.1 secure=1"},
        {"X-Forwarded-Proto: HTTPS\r\n", "addr=127.0.0.1 secure=1"},
        {"X-Forwarded-Proto: http\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-Proto: https, http\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-Proto: httpsx\r\n", "addr=127.0.0.1 secure=0"},
        {"X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n", "addr=1.2.3.4 secure=1"},
    };
    client_cases("", untrusted, sizeof(untrusted) / sizeof(untrusted[0]));
    /* proxies elsewhere: the peer (127.0.0.1) is not one of them, its headers are ignored */
    client_cases("10.0.0.0/8, 127.0.0.2 ::1", untrusted, sizeof(untrusted) / sizeof(untrusted[0]));
    client_cases("127.0.0.1", trusted, sizeof(trusted) / sizeof(trusted[0]));
    client_cases("192.0.2.1, 127.0.0.0/8", trusted, sizeof(trusted) / sizeof(trusted[0]));
}

/* Number of Set-Cookie lines in a response head. */
static int
count_set_cookie(const struct resp *r)
{
    int n = 0;
    for (const char *p = r->head; (p = strstr(p, "\r\nSet-Cookie: ")) != NULL; p++)
        n++;
    return n;
}

static void
cookie_lines(bool trust, const char *headers, bool secure)
{
    static const char *const lines[] = {
        "sess=s1; Path=/; SameSite=Lax; HttpOnly",
        "strict=s2; Path=/; Max-Age=60; SameSite=Strict; HttpOnly",
        "both=s3; Path=/; SameSite=Strict; HttpOnly",
        "gone=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly",
        "plain=p; Path=/; SameSite=Lax; HttpOnly",
    };
    struct aw_server_opts o = test_opts();
    struct aw_net_list l;
    char err[200];
    assert_true(aw_net_list_parse(trust ? "127.0.0.1" : "", &l, err, sizeof(err)));
    o.trusted_proxies = &l;
    struct aw_server *srv = start(&o);
    struct resp r;
    char want[256];
    get(aw_server_port(srv), "/cookies-ex", headers, &r);
    print_message("trust=%d %s:\n%s", trust, headers, r.head);
    assert_int_equal(r.status, 200);
    assert_int_equal(atomic_load(&cookie_ex_rc), AW_OK);
    assert_int_equal(count_set_cookie(&r), 5);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        snprintf(want, sizeof(want), "\r\nSet-Cookie: %s%s\r\n", lines[i],
                 secure ? "; Secure" : "");
        if (!strstr(r.head, want))
            fail_msg("missing %s", want);
    }
    if (!secure)
        assert_null(strstr(r.head, "Secure"));
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_cookie_attributes(void **state)
{
    (void)state;
    cookie_lines(false, "", false);
    cookie_lines(false, "X-Forwarded-Proto: https\r\n", false);
    cookie_lines(true, "", false);
    cookie_lines(true, "X-Forwarded-Proto: http\r\n", false);
    cookie_lines(true, "X-Forwarded-Proto: https\r\n", true);
}

static void
test_429_retry_after(void **state)
{
    (void)state;
    struct aw_server *srv = start_default();
    struct resp r;
    get(aw_server_port(srv), "/busy", NULL, &r);
    assert_int_equal(r.status, 429);
    assert_int_equal(atomic_load(&retry_rc), AW_OK);
    assert_hdr(&r, "Retry-After", "120");
    assert_hdr(&r, "Cache-Control", "no-store");
    assert_security_headers(&r);
    assert_non_null(strstr(r.body, "<h1>Too Many Requests</h1>"));
    assert_non_null(strstr(r.body, "<title>429 Too Many Requests</title>"));
    resp_free(&r);
    aw_server_stop(srv);
}

static bool
custom_error_page(void *app, int status, const char *lang, const char **body, size_t *len)
{
    (void)app;
    if (status == 404 && strcmp(lang, "fr") == 0) {
        *body = "<!DOCTYPE html><title>Introuvable</title><h1>Page introuvable</h1>";
        *len = strlen(*body);
        return true;
    }
    if (status == 404 && strcmp(lang, "en") == 0) {
        *body = "<!DOCTYPE html><title>Missing</title><h1>Custom missing</h1>";
        *len = strlen(*body);
        return true;
    }
    return false;
}

static void
test_custom_error_page(void **state)
{
    (void)state;
    struct aw_server_opts o = test_opts();
    o.error_page = custom_error_page;
    struct aw_server *srv = start(&o);
    unsigned port = aw_server_port(srv);
    struct resp r;
    get(port, "/fr/nowhere", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "Page introuvable"));
    assert_security_headers(&r);
    resp_free(&r);
    get(port, "/fra/nowhere", NULL, &r);
    assert_non_null(strstr(r.body, "Custom missing"));
    resp_free(&r);
    get(port, "/FR/nowhere", NULL, &r);
    assert_non_null(strstr(r.body, "Custom missing"));
    resp_free(&r);
    /* Statuses the app does not cover fall back to the built-in page. */
    roundtrip(port, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_non_null(strstr(r.body, "<h1>Method Not Allowed</h1>"));
    resp_free(&r);
    aw_server_stop(srv);
}

static void
test_access_log(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct aw_server_opts o = test_opts();
    o.access_log_fd = p[1];
    struct aw_server *srv = start(&o);
    struct resp r;
    char line[2048];
    get(aw_server_port(srv), "/nope\"x?secret=1", NULL, &r);
    assert_int_equal(r.status, 404);
    resp_free(&r);
    struct pollfd pfd = {p[0], POLLIN, 0};
    assert_int_equal(poll(&pfd, 1, 10000), 1);
    ssize_t n = read(p[0], line, sizeof(line) - 1);
    assert_true(n > 0);
    line[n] = '\0';
    print_message("access log: %s", line);
    assert_non_null(strstr(line, " 127.0.0.1 GET \"/nope\\\"x\" 404 "));
    assert_null(strstr(line, "secret"));
    assert_int_equal(line[n - 1], '\n');
    /* A raw NUL in the path: 400, and the log shows the whole target, the NUL
     * escaped, never a path cut at it. */
    static const char nul_req[] = "GET /en/\0editions HTTP/1.1\r\nHost: t\r\n\r\n";
    struct cli c;
    assert_int_equal(cli_open(&c, aw_server_port(srv)), 0);
    assert_int_equal(send(c.fd, nul_req, sizeof(nul_req) - 1, 0), (ssize_t)(sizeof(nul_req) - 1));
    assert_int_equal(cli_response(&c, false, &r), 0);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    cli_close(&c);
    assert_int_equal(poll(&pfd, 1, 10000), 1);
    n = read(p[0], line, sizeof(line) - 1);
    assert_true(n > 0);
    line[n] = '\0';
    print_message("access log: %s", line);
    assert_non_null(strstr(line, " GET \"/en/\\x00editions\" 400 "));
    aw_server_stop(srv);
    close(p[0]);
    close(p[1]);
}

static void
test_bad_listen(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "8080", "127.0.0.1:", "127.0.0.1:70000", "[::1]8080", "example.org:80", "1.2.3:80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct aw_server_opts o = test_opts();
        struct aw_server *srv = (void *)1;
        char err[256] = "";
        o.listen = bad[i];
        assert_int_not_equal(aw_server_start(&o, &srv, err, sizeof(err)), AW_OK);
        assert_null(srv);
        assert_true(err[0] != '\0');
    }
    /* IPv6 loopback and every interface, when the machine has them. */
    struct aw_server_opts o = test_opts();
    struct aw_server *srv = NULL;
    char err[256];
    o.listen = ":0";
    assert_int_equal(aw_server_start(&o, &srv, err, sizeof(err)), AW_OK);
    struct resp r;
    get(aw_server_port(srv), "/", NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    aw_server_stop(srv);
    o.listen = "[::1]:0";
    if (aw_server_start(&o, &srv, err, sizeof(err)) == AW_OK)
        aw_server_stop(srv);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_with_security_headers),
        cmocka_unit_test(test_head_has_no_body),
        cmocka_unit_test(test_404_405_fixed_pages),
        cmocka_unit_test(test_etag_304),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_header_limit),
        cmocka_unit_test(test_url_limit),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_header_timeout),
        cmocka_unit_test(test_per_ip_limit),
        cmocka_unit_test(test_graceful_stop),
        cmocka_unit_test(test_graceful_stop_on_signal),
        cmocka_unit_test(test_resp_header_refusals),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_static_files),
        cmocka_unit_test(test_params_query_cookies),
        cmocka_unit_test(test_custom_error_page),
        cmocka_unit_test(test_access_log),
        cmocka_unit_test(test_bad_listen),
        cmocka_unit_test(test_form_fields),
        cmocka_unit_test(test_form_field_cap),
        cmocka_unit_test(test_form_content_types),
        cmocka_unit_test(test_post_never_cached),
        cmocka_unit_test(test_keepalive_after_post),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_chunked_and_continue),
        cmocka_unit_test(test_body_timeout),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_client_addr),
        cmocka_unit_test(test_cookie_attributes),
        cmocka_unit_test(test_429_retry_after),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
