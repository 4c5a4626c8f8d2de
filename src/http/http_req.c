/* http_req.c: struct aw_req: making one, deciding its target (static file,
 * route or early error), the client's address, and the accessors handlers
 * use (path, route parameters, query arguments, headers, cookies, form
 * values, body). */
#include "http_int.h"

#include "aw/net.h"

#include "aw/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void
free_body(void *arg)
{
    aw_buf_free(arg);
}

struct aw_req *
aw_http__req_new(struct aw_server *srv, struct aw_conn *c, const char *peer, uint64_t start_us)
{
    const struct aw_server_opts *opts = aw_http__opts(srv);
    struct aw_arena *a = aw_arena_new(0);
    struct aw_req *req = aw_arena_zalloc(a, sizeof(*req));
    req->srv = srv;
    req->conn = c;
    req->arena = a;
    req->method = "-";
    req->raw_uri = "-";
    req->raw_uri_len = 1;
    req->peer = aw_arena_strdup(a, peer);
    req->client_addr = req->peer;
    req->start_us = start_us;
    req->hdrs_tail = &req->hdrs;
    memcpy(req->lang, "en", 3);
    aw_buf_init(&req->body, opts->max_body_bytes ? opts->max_body_bytes : 1);
    aw_arena_defer(a, free_body, &req->body);
    return req;
}

void
aw_http__req_guess(struct aw_req *req, const char *buf, size_t n)
{
    size_t lim = n < 1024 ? n : 1024, m = 0, ts, te;
    while (m < lim && buf[m] != ' ' && buf[m] != '\r' && buf[m] != '\n')
        m++;
    if (m == 0 || m >= lim || buf[m] != ' ')
        goto out;
    req->method = aw_arena_strndup(req->arena, buf, m < 32 ? m : 32);
    ts = te = m + 1;
    while (te < lim && buf[te] != ' ' && buf[te] != '\r' && buf[te] != '\n')
        te++;
    req->raw_uri = aw_arena_strndup(req->arena, buf + ts, te - ts);
    req->raw_uri_len = te - ts;
out:
    return;
}

/* The language of error pages: the first path segment when it is two
 * lowercase ASCII letters, else "en". Looks at the raw target so it works
 * for requests whose path did not decode. */
static void
pick_lang(struct aw_req *req)
{
    const char *u = req->raw_uri;
    memcpy(req->lang, "en", 3);
    if (u && u[0] == '/' && u[1] >= 'a' && u[1] <= 'z' && u[2] >= 'a' && u[2] <= 'z' &&
        (u[3] == '/' || u[3] == '\0' || u[3] == '?')) {
        req->lang[0] = u[1];
        req->lang[1] = u[2];
    }
}

/* --- path decoding --- */

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

/* Percent-decodes the path part of the target (n bytes). NULL when it does
 * not start with '/', has a bad escape, a control byte or NUL (raw or
 * decoded), contains "..", or is not valid UTF-8. */
static char *
decode_path(struct aw_arena *a, const char *raw, size_t n)
{
    char *out = NULL;
    size_t o = 0;
    if (n == 0 || raw[0] != '/')
        goto out;
    out = aw_arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '%') {
            if (i + 2 >= n) {
                out = NULL;
                goto out;
            }
            int hi = hexval((unsigned char)raw[i + 1]);
            int lo = hexval((unsigned char)raw[i + 2]);
            if (hi < 0 || lo < 0) {
                out = NULL;
                goto out;
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f) {
            out = NULL;
            goto out;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    if (strstr(out, "..") || !aw_utf8_valid(out, o))
        out = NULL;
out:
    return out;
}

/* --- client addresses --- */

/* The last comma-separated element of the last name header, without OWS;
 * AW_STR_NULL when there is no such header. A proxy appends its own entry
 * to what the client sent, so only the last one is the proxy's word. */
static struct aw_str
last_header_element(const struct aw_req *req, const char *name)
{
    const char *last = NULL;
    struct aw_str v = AW_STR_NULL;
    for (size_t i = 0; i < req->head.nfields; i++)
        if (strcasecmp(req->head.fields[i].name, name) == 0)
            last = req->head.fields[i].value;
    if (last) {
        const char *comma = strrchr(last, ',');
        v.ptr = comma ? comma + 1 : last;
        v.len = strlen(v.ptr);
        while (v.len && (*v.ptr == ' ' || *v.ptr == '\t')) {
            v.ptr++;
            v.len--;
        }
        while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t'))
            v.len--;
    }
    return v;
}

/* Decides aw_req_client_addr and aw_req_is_secure: the socket's peer, or,
 * when the peer is one of the trusted proxies, the last X-Forwarded-For entry
 * when it is an IP address; secure only from a trusted proxy with
 * X-Forwarded-Proto https (there is no TLS in this server). */
static void
read_client(struct aw_req *req)
{
    if (aw_net_list_has(aw_http__opts(req->srv)->trusted_proxies, req->peer)) {
        struct aw_str xff = last_header_element(req, "X-Forwarded-For");
        char tmp[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN];
        unsigned char bin[sizeof(struct in6_addr)];
        if (xff.len && xff.len < sizeof(tmp)) {
            memcpy(tmp, xff.ptr, xff.len);
            tmp[xff.len] = '\0';
            if (inet_pton(AF_INET, tmp, bin) == 1 && inet_ntop(AF_INET, bin, text, sizeof(text)))
                req->client_addr = aw_arena_strdup(req->arena, text);
            else if (inet_pton(AF_INET6, tmp, bin) == 1 &&
                     (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin)
                          ? inet_ntop(AF_INET, bin + 12, text, sizeof(text))
                          : inet_ntop(AF_INET6, bin, text, sizeof(text))))
                req->client_addr = aw_arena_strdup(req->arena, text);
        }
        req->secure = aw_str_eq_nocase(last_header_element(req, "X-Forwarded-Proto"), "https");
    }
}

/* --- the target --- */

/* The path part of an absolute-form target ("http://host/p?q" -> "/p?q"),
 * which RFC 9112 3.2.2 says a server must accept; origin-form as it is. */
static const char *
origin_form(const char *t)
{
    const char *p = t;
    if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
        const char *auth = strstr(t, "//") + 2;
        p = auth + strcspn(auth, "/?");
        if (*p != '/')
            p = NULL; /* "http://host" or "http://host?q": no path */
    }
    return p;
}

void
aw_http__req_route(struct aw_req *req)
{
    const struct aw_server_opts *opts = aw_http__opts(req->srv);
    const struct aw_static_set *statics = aw_http__statics(req->srv);
    const char *method = req->head.method;
    const char *target;
    req->method = method;
    req->raw_uri = req->head.target;
    req->raw_uri_len = req->head.target_len;
    req->is_head = strcmp(method, "HEAD") == 0;
    pick_lang(req);
    read_client(req);
    target = origin_form(req->raw_uri);
    if (!target || !(req->path = decode_path(req->arena, target, strcspn(target, "?")))) {
        req->early_status = 400;
        goto out;
    }
    if (statics->n || opts->static_dir) {
        if (strncmp(req->path, "/static/", 8) == 0) {
            const char *name = req->path + 8;
            if (strcmp(method, "GET") != 0 && !req->is_head) {
                memcpy(req->allow, "GET, HEAD", sizeof("GET, HEAD"));
                req->early_status = 405;
            } else if (!(req->static_file = aw_http__static_find(statics, name))) {
                req->early_status = 404;
            } else {
                req->target = AW_TARGET_STATIC;
            }
            goto out;
        }
    }
    switch (aw_route_find(opts->routes, opts->nroutes, method, req->path, &req->route, &req->params,
                          req->allow, sizeof(req->allow))) {
    case AW_ROUTE_FOUND:
        req->target = AW_TARGET_ROUTE;
        break;
    case AW_ROUTE_BAD_METHOD:
        req->early_status = 405;
        break;
    case AW_ROUTE_NOT_FOUND:
    default:
        req->early_status = 404;
        break;
    }
out:
    return;
}

/* --- query arguments and cookies --- */

/* Percent-decodes s[0, n) ('+' is a space when plus) into the arena; NULL on
 * a bad escape. */
static char *
decode_arg(struct aw_arena *a, const char *s, size_t n, bool plus)
{
    char *out = aw_arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int h1 = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int h2 = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (h1 < 0 || h2 < 0)
                return NULL;
            c = (unsigned char)(h1 * 16 + h2);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

/* --- request accessors --- */

const char *
aw_req_method(const struct aw_req *req)
{
    return req->method ? req->method : "";
}

const char *
aw_req_path(const struct aw_req *req)
{
    return req->path ? req->path : "/";
}

struct aw_str
aw_req_param(const struct aw_req *req, const char *name)
{
    struct aw_str v = AW_STR_NULL;
    for (size_t i = 0; i < req->params.n; i++) {
        if (aw_str_eq_c(req->params.p[i].name, name)) {
            v = req->params.p[i].value;
            break;
        }
    }
    return v;
}

/* The first argument called name in the query ("a=1&b=2", '+' a space,
 * %XX a byte; "a" alone has the empty value), decoded; NULL when absent,
 * badly escaped or not valid UTF-8 (handlers only ever see valid UTF-8). */
const char *
aw_req_query(const struct aw_req *req, const char *name)
{
    struct aw_req *r = (struct aw_req *)(uintptr_t)req; /* the arena is the request's own */
    const char *q = req->raw_uri ? strchr(req->raw_uri, '?') : NULL;
    const char *v = NULL;
    while (q && *q && !v) {
        const char *p = q + 1, *end = p + strcspn(p, "&"), *eq = memchr(p, '=', (size_t)(end - p));
        const char *kend = eq ? eq : end;
        char *key = decode_arg(r->arena, p, (size_t)(kend - p), true);
        if (key && strcmp(key, name) == 0) {
            v = eq ? decode_arg(r->arena, eq + 1, (size_t)(end - eq - 1), true) : "";
            if (!v)
                break;
        }
        q = *end ? end : NULL;
    }
    if (v && !aw_utf8_valid(v, strlen(v)))
        v = NULL;
    return v;
}

const char *
aw_req_header(const struct aw_req *req, const char *name)
{
    return aw_http__head_field(&req->head, name);
}

/* RFC 6265 5.4 cookie-string: "a=1; b=2", in every Cookie header; the first
 * cookie called name wins. A value in double quotes loses them. */
const char *
aw_req_cookie(const struct aw_req *req, const char *name)
{
    struct aw_req *r = (struct aw_req *)(uintptr_t)req;
    size_t nlen = strlen(name);
    const char *v = NULL;
    for (size_t i = 0; i < req->head.nfields && !v; i++) {
        if (strcasecmp(req->head.fields[i].name, "Cookie") != 0)
            continue;
        const char *p = req->head.fields[i].value;
        while (*p && !v) {
            while (*p == ' ' || *p == ';')
                p++;
            const char *end = p + strcspn(p, ";"), *eq = memchr(p, '=', (size_t)(end - p));
            if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
                const char *vs = eq + 1, *ve = end;
                while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
                    ve--;
                if (ve - vs >= 2 && vs[0] == '"' && ve[-1] == '"') {
                    vs++;
                    ve--;
                }
                v = aw_arena_strndup(r->arena, vs, (size_t)(ve - vs));
            }
            p = end;
        }
    }
    return v;
}

const char *
aw_req_client_addr(const struct aw_req *req)
{
    return req->client_addr ? req->client_addr : "-";
}

bool
aw_req_is_secure(const struct aw_req *req)
{
    return req->secure;
}

const char *
aw_req_body(const struct aw_req *req, size_t *n)
{
    *n = req->body.len;
    return aw_buf_cstr(&req->body);
}

struct aw_arena *
aw_req_arena(struct aw_req *req)
{
    return req->arena;
}

void *
aw_req_app(const struct aw_req *req)
{
    return aw_http__opts(req->srv)->app;
}

void
aw_req_set_ctx(struct aw_req *req, void *ctx)
{
    req->ctx = ctx;
}

void *
aw_req_ctx(const struct aw_req *req)
{
    return req->ctx;
}
