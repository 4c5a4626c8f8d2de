/* http_int.h: internals of the http module shared by its files: the request
 * head parser (http_parse.c), forms (http_form.c), struct aw_req and its
 * accessors (http_req.c), responses (http_resp.c), static files
 * (http_static.c) and the built-in error pages (http_status.c). The event
 * loops, connections and workers are in http_srv.h. Not for use outside
 * src/http (the unit tests and the fuzz targets excepted). */
#ifndef AW_HTTP_INT_H
#define AW_HTTP_INT_H

#include "aw/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aw_conn;
struct aw_loop;

/* --- forms (http_form.c) --- */

/* Most values one form body may carry, all names together; more gets 413. */
#define AW_FORM_MAX_FIELDS 256

/* One decoded value; field is the index of its name in the route's fields. */
struct aw_form_value {
    unsigned field;
    struct aw_str value; /* arena memory, NUL-terminated: value.ptr[value.len] == '\0' */
};

/* A parsed body: its values in the order they came. Everything lives in the
 * arena given to aw_http__form_parse. */
struct aw_form {
    const struct aw_field *fields; /* the route's declaration; NULL: no form */
    struct aw_form_value *v;       /* n values */
    size_t n;
};

/* Why aw_http__form_parse refused a body, for the log (never for the page). */
struct aw_form_err {
    const char *why;    /* fixed text: "form field not accepted", ... */
    struct aw_str name; /* the raw name concerned (a slice of the body), or AW_STR_NULL */
};

/* Parses an application/x-www-form-urlencoded body (len bytes, any content,
 * not necessarily NUL-terminated) against fields (ending with {NULL}):
 * '&' separates pairs (empty pairs are skipped), the first '=' separates
 * name and value (no '=': empty value), '+' is a space and %XX a byte.
 * Returns 0 and fills *out, or the status to answer, with err->why set:
 *   400  a bad %-escape, an empty name, a name not in fields;
 *   413  a decoded value over its max_bytes, more values for a name than its
 *        max_count (0 means 1), more than AW_FORM_MAX_FIELDS values in all.
 * Pairs are taken left to right and the first problem decides. Decoded
 * values and the array are allocated in a (at most len + 2 bytes per pair
 * and one array); on error *out is empty. */
int aw_http__form_parse(struct aw_arena *a, const char *body, size_t len,
                        const struct aw_field *fields, struct aw_form *out,
                        struct aw_form_err *err);

/* The idx-th value of name, or AW_STR_NULL (no form, name not declared,
 * fewer values). */
struct aw_str aw_http__form_get(const struct aw_form *f, const char *name, unsigned idx);
/* How many values name has (0 when not declared or absent). */
unsigned aw_http__form_count(const struct aw_form *f, const char *name);

/* True when a Content-Type value is application/x-www-form-urlencoded
 * (case-insensitive) with no charset parameter or charset=utf-8. */
bool aw_http__form_type_ok(const char *content_type);

/* --- the request head (http_parse.c) --- */

#define AW_HTTP_MAX_FIELDS 100         /* header lines per request; 431 beyond */
#define AW_HTTP_MAX_METHOD 32          /* bytes of a method; 400 beyond */
#define AW_HTTP_MAX_CHUNK_DIGITS 15    /* hex digits of a chunk size (< 2^60) */
#define AW_HTTP_MAX_CHUNK_LINE 1024    /* bytes of a chunk size line with its extensions */
#define AW_HTTP_MAX_TRAILER (8 * 1024) /* bytes of trailer lines after the last chunk */

struct aw_http_limits {
    size_t max_header_bytes; /* request line, headers, the blank line; 431 beyond */
    size_t max_url_bytes;    /* request target; 414 beyond */
};

/* Progress of aw_http__head_end over one head; zero it for each new head. */
struct aw_http_scan {
    size_t pos;        /* bytes already examined */
    size_t line_start; /* where the current line starts */
    size_t sp1, sp2;   /* the request line's spaces, plus one (0: not seen) */
    bool seen_line;    /* the request line is complete */
};

/* Where in buf[0, len) the request head ends. Returns 0 when more bytes are
 * needed, the head's length (empty lines before the request line, and the
 * blank line, included) when it is complete, or a negated status when the
 * bytes seen already can never make a head within the limits: -400 for a
 * bare CR or LF, -414 for a target longer than max_url_bytes, -431 for a
 * head longer than max_header_bytes. Call again with the same scan after
 * more bytes arrive; each byte is examined once. */
long aw_http__head_end(const char *buf, size_t len, struct aw_http_scan *sc,
                       const struct aw_http_limits *lim);

struct aw_http_field {
    const char *name, *value; /* NUL-terminated copies in the arena; value OWS-trimmed */
    size_t name_len, value_len;
};

enum aw_http_framing {
    AW_FRAMING_NONE = 0, /* no body */
    AW_FRAMING_LENGTH,   /* content_length bytes (> 0) */
    AW_FRAMING_CHUNKED
};

/* A parsed head. Strings live in the arena given to aw_http__head_parse. */
struct aw_http_head {
    const char *method; /* NULL when the request line did not parse */
    const char *target; /* as received (path?query) */
    size_t target_len;
    int minor; /* HTTP/1.minor: 0 or 1 (1.2 and up count as 1.1) */
    struct aw_http_field *fields;
    size_t nfields;
    enum aw_http_framing framing;
    uint64_t content_length;
    bool keep_alive; /* the connection may serve another request after this one */
    bool close_requested, keep_alive_requested; /* Connection: close / keep-alive */
    bool expect_continue;                       /* Expect: 100-continue (HTTP/1.1) */
    size_t head_bytes;                          /* the head's length as given */
};

/* Parses a complete head buf[0, n) (n as returned by aw_http__head_end).
 * Returns 0, or the status to answer with *why set to a fixed text for the
 * log (never for the page):
 *   400  a malformed request line or header line, a control byte or NUL in
 *        the target or in a header value, white space before a colon,
 *        obsolete line folding, no Host in HTTP/1.1 or more than one Host, a
 *        Host that is not a host, a Content-Length that is not a number or
 *        given more than once, Content-Length together with
 *        Transfer-Encoding, Transfer-Encoding in HTTP/1.0;
 *   414  a target longer than max_url_bytes;
 *   417  an Expect other than 100-continue;
 *   431  a head longer than max_header_bytes, more than AW_HTTP_MAX_FIELDS
 *        header lines;
 *   501  a Transfer-Encoding other than exactly "chunked";
 *   505  an HTTP major version other than 1.
 * h->method and h->target are set whenever the request line parsed. */
int aw_http__head_parse(struct aw_arena *a, const char *buf, size_t n,
                        const struct aw_http_limits *lim, struct aw_http_head *h, const char **why);

/* The first value of a header (case-insensitive name), or NULL. */
const char *aw_http__head_field(const struct aw_http_head *h, const char *name);

/* State of a chunked body being decoded; zero it for each body. */
struct aw_http_chunked {
    int state;
    unsigned digits;
    uint64_t left;
    size_t line, trailer;
};

/* Decodes in[0, n): decoded bytes go to out(arg, p, len), *used gets the
 * bytes consumed. Returns 0 when more input is needed (everything was used),
 * 1 when the body is complete (bytes after *used belong to the next
 * request), or 400 with *why set for a malformed body. Trailer fields are
 * checked for bare LF and NUL, bounded, and dropped. */
int aw_http__chunked(struct aw_http_chunked *c, const char *in, size_t n, size_t *used,
                     void (*out)(void *arg, const char *p, size_t len), void *arg,
                     const char **why);

/* One header added by the handler (aw_resp_header, aw_resp_cookie). Name
 * and value live in the request arena. */
struct aw_resp_hdr {
    struct aw_resp_hdr *next;
    const char *name;
    const char *value;
};

/* What the request resolved to once its head was in. */
enum aw_req_target {
    AW_TARGET_NONE = 0, /* an early error: see early_status */
    AW_TARGET_ROUTE,
    AW_TARGET_STATIC
};

/* One request, allocated in its own arena when its head is complete (or when
 * the connection must answer an error before that) and freed when the
 * response has been written or the connection dropped. It belongs to the I/O
 * thread of its connection, except while a worker runs its handler
 * (http_srv.h): the handoffs go through mutex-protected queues. */
struct aw_req {
    struct aw_server *srv;
    struct aw_conn *conn;
    struct aw_loop *loop; /* the I/O thread of conn */
    struct aw_arena *arena;
    struct aw_req *next; /* in the worker queue or a loop's list of finished requests */

    struct aw_http_head head;
    const char *method;  /* head.method, or "-" */
    const char *raw_uri; /* as received: path?query ("-" when unknown) */
    size_t raw_uri_len;
    char *path;   /* decoded path, no query (arena); NULL if invalid */
    char lang[3]; /* for error pages: "en" or the first segment */
    bool is_head;

    /* Dispatch (aw_http__req_route). */
    enum aw_req_target target;
    int early_status; /* error found before the handler, answered instead */
    const struct aw_route *route;
    const void *static_file; /* struct aw_static_file * when target is static */
    struct aw_route_params params;
    char allow[64]; /* Allow header for 405 */

    /* Body. */
    struct aw_buf body; /* stored body (heap, freed with the arena) */
    uint64_t body_seen; /* bytes received, stored or not */
    bool body_too_big;

    struct aw_form form; /* parsed before the handler for routes with fields */

    /* Client, decided when the head is in (see aw_req_client_addr). */
    const char *peer;        /* the socket's peer as text */
    const char *client_addr; /* arena */
    bool secure;             /* aw_req_is_secure */

    void *ctx; /* aw_req_set_ctx */

    /* Response prepared by the handler, built into bytes after it returns. */
    bool resp_set;
    bool resp_is_error; /* body is a fixed error page */
    int resp_status;
    const char *resp_type;
    const void *resp_body;
    size_t resp_len;
    const char *resp_cache; /* Cache-Control chosen by the handler, or NULL */
    bool has_cookie;        /* a Set-Cookie was added: no-store, no ETag */
    struct aw_resp_hdr *hdrs;
    struct aw_resp_hdr **hdrs_tail;

    /* The response as bytes (aw_http__build...): the head in the arena, the
     * body in the arena or in memory that outlives the server's requests. */
    bool must_close; /* the connection cannot serve another request */
    char *out_head;
    size_t out_head_len;
    const void *out_body;
    size_t out_body_len;
    bool out_close; /* Connection: close was sent */

    /* Access log. */
    uint64_t start_us;  /* monotonic, when the first byte of the request arrived */
    uint64_t queued_us; /* monotonic, when it was queued for a worker */
    int status_sent;
    size_t bytes_sent;
};

/* --- requests (http_req.c) --- */

/* A new request in its own arena on srv, for the connection c. */
struct aw_req *aw_http__req_new(struct aw_server *srv, struct aw_conn *c, const char *peer,
                                uint64_t start_us);
/* Fills the request from its parsed head: method, target, language of error
 * pages, client address, the decoded path and its target (static file,
 * route, or an early error in req->early_status: 400 for a path that does
 * not decode, 404, 405 with Allow). */
void aw_http__req_route(struct aw_req *req);
/* Best-effort method and target for the access log when the head did not
 * parse: the first line of buf[0, n), bounded. */
void aw_http__req_guess(struct aw_req *req, const char *buf, size_t n);

/* --- responses (http_resp.c) --- */

/* Builds req's answer into out_head / out_body. aw_http__answer_error:
 * the fixed page for status; _static: the static file (304 when it
 * matches); _route: the body check, the handler and its response (this one
 * runs on a worker). */
void aw_http__answer_error(struct aw_req *req, int status);
void aw_http__answer_static(struct aw_req *req);
void aw_http__answer_route(struct aw_req *req);
/* A complete fixed response for status with Connection: close and the given
 * extra header lines (each ending in CRLF, may be ""), in heap memory the
 * caller frees; written to sockets the server refuses (503 at the limit). */
char *aw_http__raw_response(struct aw_server *srv, int status, const char *extra, size_t *len);

/* --- static files (http_static.c) --- */

struct aw_static_file {
    char *name; /* file name, the part of the URL after /static/ */
    const char *type;
    unsigned char *data;
    size_t len;
    unsigned char *gz; /* gzip variant, or NULL when it would not be smaller */
    size_t gzlen;
    bool compress;
    char etag[24]; /* W/"<16 hex>" */
};

struct aw_static_set {
    struct aw_static_file *files;
    size_t n;
};

/* Loads the regular files directly in dir (see docs/internals/http.md). */
enum aw_err aw_http__static_load(struct aw_static_set *set, const char *dir, char *err,
                                 size_t errlen);
const struct aw_static_file *aw_http__static_find(const struct aw_static_set *set,
                                                  const char *name);
void aw_http__static_free(struct aw_static_set *set);

/* --- shared helpers (http_resp.c) --- */

/* Weak ETag W/"<FNV-1a 64 of body>". */
void aw_http__etag(char out[24], const void *body, size_t len);
/* gzip of in into out (capacity cap); 0 on failure or when not smaller. */
size_t aw_http__gzip(const void *in, size_t len, unsigned char *out, size_t cap);
/* The server's options and static files, for the files above. */
const struct aw_server_opts *aw_http__opts(const struct aw_server *srv);
const struct aw_static_set *aw_http__statics(const struct aw_server *srv);
bool aw_http__stopping(const struct aw_server *srv);

/* The built-in error page for status: a fixed, valid HTML5 document with a
 * title, an h1, one sentence and a link home. Static storage; never NULL
 * (unknown statuses get a generic page). */
const char *aw_http__error_page(int status, size_t *len);

/* Monotonic microseconds. */
uint64_t aw_http__now_us(void);

#endif
