/* http_conn.c: one connection's life on its I/O thread (http_srv.h): accept
 * and admission, reading and parsing requests (http_parse.c), the deadlines,
 * the body, handing the request to a worker or answering it here, writing the
 * response, keep-alive, and a gentle close. docs/internals/http.md,
 * "Request lifecycle", follows one request through it.
 *
 * States, in the order a request goes through them:
 *
 *   HEAD    waiting for a request head. Before its first byte the idle
 *           deadline applies (idle_timeout: close without a word); from its
 *           first byte the head must be complete within header_timeout (408).
 *   BODY    reading the body; the deadline is body_timeout plus one second per
 *           body_min_rate bytes received so far (408), Apache's
 *           mod_reqtimeout rule, so a trickled body cannot hold a connection.
 *   WORK    a worker runs the handler: nothing is read, no timer runs, the
 *           connection is never closed.
 *   WRITE   writing the response; closed when idle_timeout passes without the
 *           client taking any byte.
 *   LINGER  after an answer with Connection: close (or a refusal at a limit):
 *           our side is shut down and whatever the client still sends is
 *           read and dropped for at most LINGER_MS, so that the client reads
 *           the answer instead of a reset.
 *
 * Responses are never pipelined: the next request is parsed only once the
 * previous answer has been written, from bytes already buffered or read then. */
#include "http_srv.h"

#include "aw/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Room for reading beyond a head of max_header_bytes (bodies are read in
 * pieces of about this size). */
#define READ_EXTRA (16 * 1024)

/* How long a gentle close waits for the client, and how much it reads. */
#define LINGER_MS 2000
#define LINGER_MAX_BYTES (256 * 1024)

enum conn_state { C_HEAD, C_BODY, C_WORK, C_WRITE, C_LINGER, C_CLOSED };

struct aw_conn {
    struct aw_loop *lp;
    struct aw_conn *prev, *next; /* lp->conns */
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wr;
    uv_shutdown_t sd;
    enum conn_state st;
    int handles;    /* open libuv handles (tcp, timer); freed at 0 */
    bool counted;   /* in the server's connection counts (aw_http__conn_enter) */
    bool lingering; /* in the server's linger count */
    bool reading;
    bool started; /* a byte of the current request has arrived */
    uint64_t started_us;
    char *in; /* read buffer, incap bytes */
    size_t inlen, incap;
    struct aw_http_scan scan;
    struct aw_req *req; /* the current request */
    struct aw_http_limits lim;
    uint64_t body_left; /* AW_FRAMING_LENGTH: bytes still to come */
    struct aw_http_chunked ch;
    uint64_t body_start_ms;
    size_t wq_last; /* write queue size at the last WRITE deadline */
    size_t linger_bytes;
    unsigned char key[16];
    char addr[INET6_ADDRSTRLEN];
};

static void conn_close(struct aw_conn *c);
static void process(struct aw_conn *c);

static const struct aw_server_opts *
opts_of(const struct aw_conn *c)
{
    return aw_http__opts(c->lp->srv);
}

/* --- addresses --- */

/* Canonical text and a 16-byte key (IPv4 as IPv4-mapped IPv6) of the peer. */
static void
peer_of(struct aw_conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    memcpy(c->addr, "-", 2);
    memset(c->key, 0, sizeof(c->key));
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
        goto out;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
        c->key[10] = c->key[11] = 0xff;
        memcpy(c->key + 12, &s4->sin_addr, 4);
        inet_ntop(AF_INET, &s4->sin_addr, c->addr, sizeof(c->addr));
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
        memcpy(c->key, &s6->sin6_addr, 16);
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
            inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], c->addr, sizeof(c->addr));
        else
            inet_ntop(AF_INET6, &s6->sin6_addr, c->addr, sizeof(c->addr));
    }
out:
    return;
}

/* --- access log --- */

static void
access_log(struct aw_req *req)
{
    int fd = aw_http__opts(req->srv)->access_log_fd;
    char line[1536], tbuf[32], path[1024], method[48];
    struct timespec ts;
    struct tm tm;
    const char *q = memchr(req->raw_uri, '?', req->raw_uri_len);
    size_t plen = q ? (size_t)(q - req->raw_uri) : req->raw_uri_len;
    if (fd < 0)
        goto out;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
    aw_log_repr(path, sizeof(path), req->raw_uri,
                plen < req->raw_uri_len ? plen : req->raw_uri_len);
    aw_log_redact_tokens(path); /* private links carry tokens */
    aw_log_repr(method, sizeof(method), req->method, strlen(req->method));
    int n = snprintf(line, sizeof(line), "%s.%03ldZ %s %s \"%s\" %d %zu %llu\n", tbuf,
                     ts.tv_nsec / 1000000L, req->client_addr, method, path, req->status_sent,
                     req->bytes_sent, (unsigned long long)(aw_http__now_us() - req->start_us));
    if (n > 0) {
        size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
        if (len == sizeof(line) - 1)
            line[len - 1] = '\n';
        ssize_t w = write(fd, line, len);
        (void)w;
    }
out:
    return;
}

/* The current request is over (answered, or the connection dropped). */
static void
finish_req(struct aw_conn *c)
{
    struct aw_req *req = c->req;
    if (req) {
        c->req = NULL;
        access_log(req);
        aw_http__inflight(c->lp->srv, -1);
        aw_arena_free(req->arena);
    }
}

/* --- timers and reading --- */

static void on_timer(uv_timer_t *t);

static void
arm(struct aw_conn *c, uint64_t ms)
{
    uv_timer_start(&c->timer, on_timer, ms ? ms : 1, 0);
}

static _Thread_local char discard[16 * 1024];

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct aw_conn *c = h->data;
    (void)suggested;
    if (c->st == C_LINGER) {
        *buf = uv_buf_init(discard, sizeof(discard));
    } else {
        *buf = uv_buf_init(c->in + c->inlen, (unsigned)(c->incap - c->inlen));
    }
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void
read_on(struct aw_conn *c)
{
    if (!c->reading && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = true;
}

static void
read_off(struct aw_conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

/* Drops the first n bytes of the read buffer. */
static void
consume(struct aw_conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->inlen - n);
    c->inlen -= n;
}

/* --- closing --- */

static void
on_closed(uv_handle_t *h)
{
    struct aw_conn *c = h->data;
    struct aw_loop *lp = c->lp;
    if (--c->handles > 0)
        goto out;
    finish_req(c);
    if (c->counted)
        aw_http__conn_leave(lp->srv, c->key);
    if (c->lingering)
        aw_http__linger_leave(lp->srv);
    if (c->prev)
        c->prev->next = c->next;
    else
        lp->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->in);
    free(c);
out:
    return;
}

static void
conn_close(struct aw_conn *c)
{
    if (c->st == C_CLOSED)
        goto out;
    c->st = C_CLOSED;
    read_off(c);
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_closed);
    uv_close((uv_handle_t *)&c->tcp, on_closed);
out:
    return;
}

static void
on_shutdown(uv_shutdown_t *sd, int status)
{
    struct aw_conn *c = sd->data;
    if (c->st == C_CLOSED)
        goto out;
    if (status < 0) {
        conn_close(c);
        goto out;
    }
    c->st = C_LINGER;
    c->inlen = 0;
    arm(c, LINGER_MS);
    read_on(c);
out:
    return;
}

/* After an answer with Connection: close, or a refusal: shut our side and
 * read what the client still sends for a while (see LINGER_MS), unless too
 * many connections are lingering already. */
static void
close_gently(struct aw_conn *c)
{
    c->sd.data = c;
    if (!c->lingering && aw_http__linger_enter(c->lp->srv))
        c->lingering = true;
    if (!c->lingering || uv_shutdown(&c->sd, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        conn_close(c);
    else
        uv_timer_stop(&c->timer);
}

/* --- writing --- */

static void
on_written(uv_write_t *wr, int status)
{
    struct aw_conn *c = wr->data;
    bool close = c->req ? c->req->out_close : true;
    finish_req(c);
    if (c->st == C_CLOSED)
        goto out;
    if (status < 0) {
        conn_close(c);
        goto out;
    }
    if (close) {
        close_gently(c);
        goto out;
    }
    /* Keep-alive: the next request, from what is buffered or still to come. */
    c->st = C_HEAD;
    c->started = false;
    memset(&c->scan, 0, sizeof(c->scan));
    arm(c, (uint64_t)opts_of(c)->idle_timeout_s * 1000u);
    read_on(c);
    process(c);
out:
    return;
}

/* Writes the response built in c->req. */
static void
write_resp(struct aw_conn *c)
{
    struct aw_req *req = c->req;
    uv_buf_t bufs[2];
    unsigned n = 0;
    c->st = C_WRITE;
    read_off(c);
    bufs[n++] = uv_buf_init(req->out_head, (unsigned)req->out_head_len);
    if (req->out_body_len)
        bufs[n++] = uv_buf_init((char *)(uintptr_t)req->out_body, (unsigned)req->out_body_len);
    c->wr.data = c;
    c->wq_last = SIZE_MAX;
    if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, bufs, n, on_written) != 0) {
        conn_close(c);
        goto out;
    }
    arm(c, (uint64_t)opts_of(c)->idle_timeout_s * 1000u);
out:
    return;
}

/* Answers status and closes: for errors found before a handler could run. */
static void
fail(struct aw_conn *c, int status, const char *why)
{
    struct aw_req *req = c->req;
    char esc[128];
    c->st = C_WORK;
    uv_timer_stop(&c->timer);
    read_off(c);
    req->must_close = true;
    if (why && *why)
        AW_INFO("%d to %s %s \"%s\": %s", status, req->client_addr, req->method,
                aw_log_repr(esc, sizeof(esc), req->raw_uri,
                            req->raw_uri_len < 64 ? req->raw_uri_len : 64),
                why);
    aw_http__answer_error(req, status);
    write_resp(c);
}

/* The request is complete: answer it here or give it to a worker. */
static void
dispatch(struct aw_conn *c)
{
    struct aw_req *req = c->req;
    c->st = C_WORK;
    uv_timer_stop(&c->timer);
    read_off(c);
    if (req->early_status) {
        aw_http__answer_error(req, req->early_status);
    } else if (req->target == AW_TARGET_STATIC) {
        aw_http__answer_static(req);
    } else if (aw_http__pool_push(c->lp->srv, req)) {
        goto out; /* aw_http__conn_done takes it back */
    } else {
        if (aw_resp_header(req, "Retry-After", "1") != AW_OK)
            AW_WARN("could not add Retry-After to a 503");
        AW_WARN("503 to %s: the handler queue is full (max_queue %u)", req->client_addr,
                opts_of(c)->max_queue);
        aw_http__answer_error(req, 503);
    }
    write_resp(c);
out:
    return;
}

void
aw_http__conn_done(struct aw_req *req)
{
    struct aw_conn *c = req->conn;
    write_resp(c);
}

/* --- the request --- */

static void
body_out(void *arg, const char *p, size_t n)
{
    struct aw_req *req = arg;
    size_t max = aw_http__opts(req->srv)->max_body_bytes;
    req->body_seen += n;
    if (req->body_seen > max)
        req->body_too_big = true;
    else if (req->target == AW_TARGET_ROUTE && req->route->fields)
        aw_buf_append(&req->body, p, n);
}

/* The deadline of a body: body_timeout, plus a second per body_min_rate
 * bytes received (mod_reqtimeout's MinRate). */
static uint64_t
body_deadline_ms(const struct aw_conn *c)
{
    const struct aw_server_opts *o = opts_of(c);
    uint64_t d = c->body_start_ms + (uint64_t)o->body_timeout_s * 1000u;
    if (o->body_min_rate)
        d += c->req->body_seen * 1000u / o->body_min_rate;
    return d;
}

static const char continue_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* A head is complete (n bytes): parse it and decide what comes next. */
static void
head_done(struct aw_conn *c, size_t n)
{
    struct aw_req *req = c->req;
    const struct aw_server_opts *o = opts_of(c);
    const char *why;
    int status = aw_http__head_parse(req->arena, c->in, n, &c->lim, &req->head, &why);
    if (req->head.method) {
        req->method = req->head.method;
        req->raw_uri = req->head.target;
        req->raw_uri_len = req->head.target_len;
    } else {
        aw_http__req_guess(req, c->in, n);
    }
    consume(c, n);
    if (status) {
        fail(c, status, why);
        goto out;
    }
    aw_http__req_route(req);
    if (req->head.framing == AW_FRAMING_NONE) {
        dispatch(c);
        goto out;
    }
    if (req->head.framing == AW_FRAMING_LENGTH && req->head.content_length > o->max_body_bytes) {
        req->body_too_big = true;
        fail(c, 413, NULL);
        goto out;
    }
    if (req->early_status) {
        fail(c, req->early_status, NULL); /* the body is not read: close after the answer */
        goto out;
    }
    if (req->head.expect_continue) {
        uv_buf_t b = uv_buf_init((char *)(uintptr_t)continue_100, sizeof(continue_100) - 1);
        if (uv_try_write((uv_stream_t *)&c->tcp, &b, 1) != (int)b.len)
            AW_DEBUG("could not send 100 Continue at once to %s", c->addr);
    }
    c->st = C_BODY;
    c->body_left = req->head.content_length;
    memset(&c->ch, 0, sizeof(c->ch));
    c->body_start_ms = uv_now(&c->lp->uv);
    arm(c, body_deadline_ms(c) - c->body_start_ms);
out:
    return;
}

/* Bytes of the body are in c->in. */
static void
body_more(struct aw_conn *c)
{
    struct aw_req *req = c->req;
    bool done = false;
    if (req->head.framing == AW_FRAMING_LENGTH) {
        size_t take = c->inlen < c->body_left ? c->inlen : (size_t)c->body_left;
        body_out(req, c->in, take);
        consume(c, take);
        c->body_left -= take;
        done = c->body_left == 0;
    } else {
        size_t used = 0;
        const char *why;
        int rc = aw_http__chunked(&c->ch, c->in, c->inlen, &used, body_out, req, &why);
        consume(c, used);
        if (rc == 400) {
            fail(c, 400, why);
            goto out;
        }
        done = rc == 1;
    }
    if (req->body_too_big) {
        fail(c, 413, NULL);
        goto out;
    }
    if (done) {
        dispatch(c);
        goto out;
    }
    uint64_t now = uv_now(&c->lp->uv), dl = body_deadline_ms(c);
    arm(c, dl > now ? dl - now : 1);
out:
    return;
}

/* Makes progress with what the read buffer holds. */
static void
process(struct aw_conn *c)
{
    struct aw_server *srv = c->lp->srv;
    long r;
    if (c->st == C_HEAD && c->inlen > 0) {
        if (!c->started) {
            c->started = true;
            c->started_us = aw_http__now_us();
            arm(c, (uint64_t)opts_of(c)->header_timeout_s * 1000u);
        }
        r = aw_http__head_end(c->in, c->inlen, &c->scan, &c->lim);
        if (r == 0)
            goto out;
        c->req = aw_http__req_new(srv, c, c->addr, c->started_us);
        c->req->loop = c->lp;
        aw_http__inflight(srv, 1);
        if (r < 0) {
            aw_http__req_guess(c->req, c->in, c->inlen);
            fail(c, (int)-r,
                 r == -400   ? "a bare CR or LF in the request head"
                 : r == -414 ? "a request target longer than max_url_bytes"
                             : "a request head larger than max_header_bytes");
            goto out;
        }
        head_done(c, (size_t)r);
    }
    if (c->st == C_BODY && c->inlen > 0)
        body_more(c);
out:
    return;
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct aw_conn *c = s->data;
    (void)buf;
    if (c->st == C_LINGER) {
        if (n < 0 || (c->linger_bytes += (size_t)n) > LINGER_MAX_BYTES)
            conn_close(c);
        goto out;
    }
    if (n < 0) {
        if (c->st == C_BODY || (c->st == C_HEAD && c->started))
            AW_DEBUG("%s closed the connection in the middle of a request", c->addr);
        conn_close(c);
        goto out;
    }
    c->inlen += (size_t)n;
    process(c);
out:
    return;
}

static void
on_timer(uv_timer_t *t)
{
    struct aw_conn *c = t->data;
    struct aw_server *srv = c->lp->srv;
    size_t q;
    switch (c->st) {
    case C_HEAD:
        if (!c->started) {
            conn_close(c); /* idle: nothing to answer */
            break;
        }
        c->req = aw_http__req_new(srv, c, c->addr, c->started_us);
        c->req->loop = c->lp;
        aw_http__inflight(srv, 1);
        aw_http__req_guess(c->req, c->in, c->inlen);
        fail(c, 408, "the request head took longer than header_timeout");
        break;
    case C_BODY:
        fail(c, 408, "the body came slower than body_timeout and body_min_rate allow");
        break;
    case C_WRITE:
        q = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
        if (q == 0 || q < c->wq_last) {
            c->wq_last = q;
            arm(c, (uint64_t)opts_of(c)->idle_timeout_s * 1000u);
        } else {
            AW_INFO("%s took no byte of its response for idle_timeout: closing", c->addr);
            conn_close(c);
        }
        break;
    case C_LINGER:
        conn_close(c);
        break;
    case C_WORK:
    case C_CLOSED:
    default:
        break;
    }
}

/* --- accepting --- */

void
aw_http__conn_accept(struct aw_loop *lp)
{
    struct aw_server *srv = lp->srv;
    const struct aw_server_opts *o = aw_http__opts(srv);
    struct aw_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        AW_ERROR("out of memory for a connection");
        abort();
    }
    c->lp = lp;
    c->st = C_HEAD;
    c->lim.max_header_bytes = o->max_header_bytes;
    c->lim.max_url_bytes = o->max_url_bytes;
    uv_tcp_init(&lp->uv, &c->tcp);
    uv_timer_init(&lp->uv, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->handles = 2;
    c->next = lp->conns;
    if (lp->conns)
        lp->conns->prev = c;
    lp->conns = c;
    if (uv_accept((uv_stream_t *)&lp->listener, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        goto out;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_of(c);
    if (aw_http__stopping(srv)) {
        conn_close(c);
        goto out;
    }
    if (!aw_http__conn_enter(srv, c->key)) {
        /* At a limit: a fixed 503 at once, while every connection already
         * accepted goes on being served. */
        uv_buf_t b = uv_buf_init(srv->raw503, (unsigned)srv->raw503_len);
        lp->refused_since_warn++;
        if (uv_try_write((uv_stream_t *)&c->tcp, &b, 1) == (int)b.len)
            close_gently(c);
        else
            conn_close(c);
        goto out;
    }
    c->counted = true;
    c->incap = o->max_header_bytes + READ_EXTRA;
    c->in = malloc(c->incap);
    if (!c->in) {
        AW_ERROR("out of memory for a connection");
        abort();
    }
    arm(c, (uint64_t)o->header_timeout_s * 1000u);
    read_on(c);
out:
    return;
}

void
aw_http__conn_close_idle(struct aw_loop *lp)
{
    for (struct aw_conn *c = lp->conns; c; c = c->next)
        if (c->st == C_HEAD)
            conn_close(c);
}

void
aw_http__conn_close_all(struct aw_loop *lp)
{
    for (struct aw_conn *c = lp->conns; c; c = c->next)
        conn_close(c);
}
