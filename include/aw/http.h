/* http.h: the HTTP/1.1 server (libuv I/O threads and a pool of workers that
 * run the handlers), the router and the response API. Nothing but this module
 * writes response bytes.
 *
 * Every response gets Content-Type with charset, X-Content-Type-Options:
 * nosniff, Referrer-Policy, a Content-Security-Policy (default-src 'self',
 * no 'unsafe-inline', frame-ancestors 'none') and, for 200 answers to GET/HEAD,
 * an ETag (with 304 on a matching If-None-Match) and gzip when the client
 * accepts it and the body is worth compressing. Answers to POST and answers
 * that set a cookie get Cache-Control: no-store and no ETag. Error answers
 * are fixed text per status and never echo the request.
 *
 * Limits (struct aw_server_opts) are enforced before a handler runs: header
 * bytes (431), target bytes (414), body bytes (413), connections in total and
 * per address (a fixed 503 to the connection over the limit), the handler
 * queue (503), the idle timeout, and the time allowed to receive the headers
 * and the body (408). Requests that break RFC 9112's framing rules get 400,
 * 501 or 505 and the connection is closed (docs/internals/http.md). */
#ifndef AW_HTTP_H
#define AW_HTTP_H

#include "aw/arena.h"
#include "aw/buf.h"
#include "aw/err.h"
#include "aw/str.h"
#include <stdbool.h>
#include <stdint.h>

struct aw_req; /* one request; valid only inside the handler call */

typedef void (*aw_handler_fn)(struct aw_req *req);

/* One row of the route table (src/app/routes.c). A GET route also answers
 * HEAD. pattern segments are literal or {name} (one non-empty segment,
 * available through aw_req_param). A path that matches a pattern under
 * another method gets 405 with an Allow header; no match at all gets 404. */
struct aw_field;
struct aw_route {
    const char *method;
    const char *pattern;
    aw_handler_fn handler;
    /* POST routes: the form fields accepted, ending with {NULL}. A body with
     * a field not listed gets 400, a body that is not
     * application/x-www-form-urlencoded (charset utf-8 if any) 415; NULL
     * accepts no body at all (400 unless it is empty). */
    const struct aw_field *fields;
    /* The name links are built from (aw_route_path); routes of one pattern
     * under several methods share it. NULL: no link leads there. */
    const char *name;
};

/* One declared form field (application/x-www-form-urlencoded). A value over
 * max_bytes (decoded; 0 admits only empty values), or more than max_count
 * values, gets 413 before the handler runs, as does a body of more than 256
 * values in all; handlers apply their own, smaller limits with a message to
 * the user. */
struct aw_field {
    const char *name;
    size_t max_bytes;
    unsigned max_count; /* 0 means 1 */
};

struct aw_net_list;

struct aw_server_opts {
    const char *listen;        /* "127.0.0.1:8080", "[::1]:8080", ":8080" */
    unsigned threads;          /* workers running handlers; 0: twice the number of cores */
    unsigned io_threads;       /* I/O threads (event loops); 0: number of cores */
    unsigned max_connections;  /* connections served at once; 0: no limit */
    unsigned max_per_ip;       /* of which from one address; 0: no limit */
    unsigned max_queue;        /* requests waiting for a worker; 0: 1024; 503 beyond */
    unsigned idle_timeout_s;   /* keep-alive wait, and a client that reads nothing; 0: 30 */
    unsigned header_timeout_s; /* from a request's first byte to the end of its head; 0: 10 */
    unsigned body_timeout_s;   /* the body: this long (0: 20)... */
    unsigned body_min_rate;    /* ...plus one second per this many bytes received; 0: none */
    size_t max_header_bytes;   /* request line + headers; 431 beyond */
    size_t max_body_bytes;     /* request body; 413 beyond */
    size_t max_url_bytes;      /* 414 beyond */
    const struct aw_route *routes;
    size_t nroutes;
    const char *static_dir; /* served under /static/ with Cache-Control; may be NULL */
    void *app;              /* handed to handlers through aw_req_app() */
    /* Optional fixed error page for a status, computed once per status and
     * language at start-up by the app (never from the request). NULL: built-in. */
    bool (*error_page)(void *app, int status, const char *lang, const char **body, size_t *len);
    /* When set, every route's handler is called through it (around(app,
     * req, handler) must call handler(req) once): the app sets and resets
     * per-request state there (the thread's language), in one place. */
    void (*around)(void *app, struct aw_req *req, aw_handler_fn handler);
    int access_log_fd; /* -1: no access log */
    /* The reverse proxies in front (net.h: addresses and ranges): from a
     * peer in this list, and only from one, aw_req_client_addr and
     * aw_req_is_secure believe X-Forwarded-For and X-Forwarded-Proto, which
     * such a proxy sets (replacing any the client sent). A client that
     * reaches the server directly cannot claim another address. NULL or
     * empty: nobody is believed. */
    const struct aw_net_list *trusted_proxies;
};

struct aw_server;

/* Binds and starts serving; returns at once. err gets a reason on failure. */
enum aw_err aw_server_start(const struct aw_server_opts *opts, struct aw_server **out, char *err,
                            size_t errlen) AW_WARN_UNUSED;
/* The port actually bound (useful with port 0). */
unsigned aw_server_port(const struct aw_server *srv);
/* Blocks until SIGTERM or SIGINT, then stops accepting, lets requests in
 * flight finish, and returns. */
void aw_server_run_until_signal(struct aw_server *srv);
/* Graceful stop (no new connections, in-flight requests finish) and free. */
void aw_server_stop(struct aw_server *srv);

/* --- request --- */
const char *aw_req_method(const struct aw_req *req); /* "GET", "HEAD", ... */
const char *aw_req_path(const struct aw_req *req);   /* decoded path, no query */
/* Route capture by name ({year} -> "year"); AW_STR_NULL when absent. */
struct aw_str aw_req_param(const struct aw_req *req, const char *name);
/* Query argument / header / cookie value, or NULL. Owned by the request. */
const char *aw_req_query(const struct aw_req *req, const char *name);
const char *aw_req_header(const struct aw_req *req, const char *name);
const char *aw_req_cookie(const struct aw_req *req, const char *name);
/* Form values of a POST (decoded; may hold any bytes, including invalid
 * UTF-8, which handlers must check): the idx-th value of name, or
 * AW_STR_NULL; how many values name has. Owned by the request. */
struct aw_str aw_req_form(const struct aw_req *req, const char *name, unsigned idx);
unsigned aw_req_form_count(const struct aw_req *req, const char *name);
/* The idx-th value of the body in the order it came, with its declared field
 * name; false past the last. */
bool aw_req_form_at(const struct aw_req *req, size_t idx, const char **name, struct aw_str *value);
/* The client's address as text ("127.0.0.1", "::1"): the socket's peer or,
 * when the peer is a trusted proxy, the last entry of X-Forwarded-For when it
 * is an IP address. Owned by the request. */
const char *aw_req_client_addr(const struct aw_req *req);
/* True when the request came over TLS or, from a trusted proxy, when
 * X-Forwarded-Proto is https. */
bool aw_req_is_secure(const struct aw_req *req);
/* The body received so far (POST); n set to its length. */
const char *aw_req_body(const struct aw_req *req, size_t *n);
/* The request's arena: freed when the response is done. */
struct aw_arena *aw_req_arena(struct aw_req *req);
void *aw_req_app(const struct aw_req *req);
/* Per-request value slot for the app (language, etc.). */
void aw_req_set_ctx(struct aw_req *req, void *ctx);
void *aw_req_ctx(const struct aw_req *req);

/* --- response: exactly one of the aw_resp_send* calls per request --- */

/* Adds a header. Refuses (AW_EINVAL) names or values with CR, LF or NUL. */
enum aw_err aw_resp_header(struct aw_req *req, const char *name, const char *value);
/* Set-Cookie with Path=/, SameSite=Lax, HttpOnly; max_age < 0 omits Max-Age.
 * Value limited to cookie-octets, else AW_EINVAL. */
enum aw_err aw_resp_cookie(struct aw_req *req, const char *name, const char *value, long max_age);
/* As aw_resp_cookie (which is this with flags 0); AW_COOKIE_SESSION omits
 * Max-Age whatever max_age is, max_age 0 deletes the cookie, and the Secure
 * attribute is added whenever aw_req_is_secure(req). */
enum { AW_COOKIE_SESSION = 1 << 0, AW_COOKIE_STRICT = 1 << 1 /* SameSite=Strict */ };
enum aw_err aw_resp_cookie_ex(struct aw_req *req, const char *name, const char *value, long max_age,
                              unsigned flags);
/* Sends body (copied) with the given status and content type (a charset is
 * appended for text/ types that lack one). */
void aw_resp_send(struct aw_req *req, int status, const char *content_type, const void *body,
                  size_t len);
/* Sends an HTML page; takes the buffer's memory (b is reset). A buffer in
 * error sends 500 instead. */
void aw_resp_send_html(struct aw_req *req, int status, struct aw_buf *b);
/* Redirect (301, 302, 303, 307, 308) to a local path; refuses anything that
 * is not an absolute path on this site (no scheme, no //host). */
void aw_resp_redirect(struct aw_req *req, int status, const char *location);
/* Fixed error page for status (400, 403, 404, 405, 408, 413, 414, 429, 431,
 * 500, 503...). */
void aw_resp_error(struct aw_req *req, int status);

/* Standard reason phrase for a status ("Not Found"). */
const char *aw_http_reason(int status);

/* --- router (exposed for unit tests) --- */
enum aw_route_match { AW_ROUTE_FOUND, AW_ROUTE_NOT_FOUND, AW_ROUTE_BAD_METHOD };
struct aw_route_params {
    size_t n;
    struct {
        struct aw_str name;
        struct aw_str value;
    } p[8];
};
/* Matches method + path against the table. On AW_ROUTE_BAD_METHOD, allow (if
 * not NULL) receives "GET, HEAD" style text (buffer of allow_len bytes). */
enum aw_route_match aw_route_find(const struct aw_route *routes, size_t n, const char *method,
                                  const char *path, const struct aw_route **found,
                                  struct aw_route_params *params, char *allow, size_t allow_len);
/* Reverse routing: the path of the first route named `name`, its captures
 * replaced in order by params[0..nparams), each percent-encoded as one path
 * segment (only RFC 3986's unreserved characters kept), in the arena; the
 * matcher above finds that route again for it. NULL when no route has that
 * name, the count differs from the pattern's captures, or a value is empty or
 * holds a '/' (a decoded path could not give it back). */
const char *aw_route_path(const struct aw_route *routes, size_t nroutes, struct aw_arena *a,
                          const char *name, const char *const *params, size_t nparams);

#endif
