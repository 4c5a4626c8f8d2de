/* http_int.h: internals of the http module shared by http_server.c and
 * http_status.c: struct aw_req and the built-in error pages. Not for use
 * outside src/http. */
#ifndef AW_HTTP_INT_H
#define AW_HTTP_INT_H

#include "aw/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct aw_conn;

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

    void *ctx; /* aw_req_set_ctx */

    /* Response prepared by the handler, queued after it returns. */
    bool resp_set;
    bool resp_is_error; /* body is a fixed error page */
    int resp_status;
    const char *resp_type;
    const void *resp_body;
    size_t resp_len;
    const char *resp_cache; /* Cache-Control chosen by the handler, or NULL */
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
