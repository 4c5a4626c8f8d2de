/* http_int.h: internals of the http module shared by http_server.c,
 * http_form.c and http_status.c: struct aw_req, the form parser and the
 * built-in error pages. Not for use outside src/http (the unit tests and the
 * fuzz target of the form parser excepted). */
#ifndef AW_HTTP_INT_H
#define AW_HTTP_INT_H

#include "aw/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct aw_conn;

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

/* One header added by the handler (aw_resp_header, aw_resp_cookie). Name
 * and value live in the request arena. */
struct aw_resp_hdr {
    struct aw_resp_hdr *next;
    const char *name;
    const char *value;
};

/* Where a request stands between the access handler's calls (see
 * docs/internals/http.md, "Request lifecycle"). */
enum aw_req_phase {
    AW_REQ_NEW = 0, /* made by the URI log callback; headers not complete */
    AW_REQ_BODY,    /* first access-handler call done; body chunks may follow */
    AW_REQ_ANSWERED /* a response was queued */
};

/* What the request resolved to on the first call. */
enum aw_req_target {
    AW_TARGET_NONE = 0, /* an early error: see early_status */
    AW_TARGET_ROUTE,
    AW_TARGET_STATIC
};

/* One request. Allocated in its own arena by the URI log callback, freed in
 * the completion callback (MHD_OPTION_NOTIFY_COMPLETED) after the response
 * has been sent or the connection dropped. */
struct aw_req {
    struct aw_server *srv;
    struct MHD_Connection *conn;
    struct aw_conn *cs; /* per-connection state; may be NULL */
    struct aw_arena *arena;

    /* Request line. */
    const char *method;  /* arena copy; NULL before the first call */
    const char *raw_uri; /* as received: path?query (arena) */
    size_t raw_uri_len;
    char *path;   /* decoded path, no query (arena); NULL if invalid */
    char lang[3]; /* for error pages: "en" or the first segment */

    /* Dispatch. */
    enum aw_req_phase phase;
    enum aw_req_target target;
    int early_status; /* error found on the first call, sent on the last */
    const struct aw_route *route;
    const void *static_file; /* struct static_file * when target is static */
    struct aw_route_params params;
    char allow[64]; /* Allow header for 405 */

    /* Body. */
    struct aw_buf body; /* stored body (heap, freed with the arena) */
    size_t body_seen;   /* bytes received, stored or discarded */
    bool body_too_big;
    bool is_head;
    bool counted; /* included in the server's in-flight count */

    struct aw_form form; /* parsed on the last call for routes with fields */

    /* Client, decided on the first call (see aw_req_client_addr). */
    const char *client_addr; /* arena; NULL before the first call */
    bool secure;             /* aw_req_is_secure */

    void *ctx; /* aw_req_set_ctx */

    /* Response prepared by the handler, queued after it returns. */
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

    /* Access log. */
    uint64_t start_us; /* monotonic, when the request line arrived */
    int status_sent;
    size_t bytes_sent;
};

/* The built-in error page for status: a fixed, valid HTML5 document with a
 * title, an h1, one sentence and a link home. Static storage; never NULL
 * (unknown statuses get a generic page). */
const char *aw_http__error_page(int status, size_t *len);

#endif
