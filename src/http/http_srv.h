/* http_srv.h: the server's threads and their hand-offs, shared by
 * http_server.c (start, limits, workers, stop) and http_conn.c (one
 * connection's life on an I/O thread). docs/internals/http.md, "Threads",
 * draws the picture:
 *
 *   I/O threads (io_threads, one libuv loop each, one SO_REUSEPORT listening
 *   socket each) accept, enforce the connection limits, read and parse
 *   requests, enforce the deadlines, answer static files and early errors
 *   themselves, and write every response.
 *
 *   Workers (threads) run the handlers: a request whose route is known goes
 *   into a bounded queue with two lanes (routes that have been cheap, routes
 *   that have been slow), a worker runs it and hands it back to its I/O
 *   thread, which writes it.
 *
 * A connection and its current request belong to their I/O thread, except
 * that between aw_http__pool_push and the I/O thread taking it back from its
 * done list, the request belongs to the worker (and the connection does
 * nothing: it reads nothing, its timer is off, it is never closed). */
#ifndef AW_HTTP_SRV_H
#define AW_HTTP_SRV_H

#include "http_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <uv.h>

/* One I/O thread. */
struct aw_loop {
    struct aw_server *srv;
    unsigned idx;
    uv_loop_t uv;
    uv_tcp_t listener;
    uv_async_t wake; /* workers finished a request; or a command from the server */
    uv_timer_t tick; /* once a second: rate-limited warnings */
    pthread_t thread;
    bool started;        /* uv_loop_init done */
    bool thread_running; /* its thread runs uv_run */

    pthread_mutex_t lock;             /* guards done and cmd */
    struct aw_req *done, **done_tail; /* requests whose handler has run */
    unsigned cmd;                     /* LOOP_CMD_* */

    /* I/O thread only. */
    struct aw_conn *conns; /* every open connection of this loop */
    bool listening;
    unsigned refused_since_warn; /* connections refused since the last warning */
};

enum { LOOP_CMD_STOP_LISTEN = 1u << 0, LOOP_CMD_EXIT = 1u << 1 };

/* The handler queue: AW_POOL_LANES lanes by the cost of the route (its
 * handler's CPU time, measured), bounded in all by max_queue. A worker takes
 * the oldest request of the cheapest lane that has one, except every fourth
 * pick when several lanes wait: then the request that has waited longest,
 * whatever its lane. Cheap pages go ahead of expensive ones; an expensive one
 * still gets a quarter of the workers' picks. */
#define AW_POOL_LANES 8

struct aw_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct aw_req *head[AW_POOL_LANES], **tail[AW_POOL_LANES];
    unsigned n[AW_POOL_LANES];
    unsigned queued, max;
    unsigned picks;
    bool stop;
    pthread_t *threads;
    unsigned nthreads, started;
};

/* Requests per address, for max_per_ip. */
struct aw_ipcount {
    struct aw_ipcount *next;
    unsigned char key[16]; /* IPv6, or IPv4-mapped */
    unsigned n;
};

#define AW_IP_BUCKETS 1024

struct aw_server {
    struct aw_server_opts opts;
    unsigned port;
    unsigned nloops;
    struct aw_loop *loops;
    struct aw_static_set statics;
    struct aw_pool pool;

    char *raw503; /* the answer at a connection limit */
    size_t raw503_len;

    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t idle_cond;
    unsigned nconns;   /* connections being served */
    unsigned nlinger;  /* refused or finished connections being closed gently */
    unsigned inflight; /* requests from their complete head to their last byte */
    struct aw_ipcount *ips[AW_IP_BUCKETS];

    atomic_bool stopping;
    /* Per route (index in opts.routes): the handler's wall time in
     * microseconds, an exponentially weighted mean (1/8 per request). */
    _Atomic uint32_t *route_cost;
};

/* The lane of a route that costs cost_us of CPU per request: 0 below 256 us,
 * then one lane per doubling, the last from 32 ms up. */
unsigned aw_http__lane(uint32_t cost_us);

/* A connection's socket was accepted on lp: takes it (http_conn.c). */
void aw_http__conn_accept(struct aw_loop *lp);
/* Runs on lp's thread when a worker handed requests back. */
void aw_http__conn_done(struct aw_req *req);
/* Closes every connection of lp that is not serving a request (stop), or
 * every connection (exit). */
void aw_http__conn_close_idle(struct aw_loop *lp);
void aw_http__conn_close_all(struct aw_loop *lp);

/* Admission (http_server.c): counts a new connection from the binary
 * address key; false when max_connections or max_per_ip is reached (then
 * nothing is counted). aw_http__conn_leave undoes a successful enter. */
bool aw_http__conn_enter(struct aw_server *srv, const unsigned char key[16]);
void aw_http__conn_leave(struct aw_server *srv, const unsigned char key[16]);
/* Connections being closed gently (a refusal, or Connection: close after an
 * answer): false when there are already too many, then close at once. */
bool aw_http__linger_enter(struct aw_server *srv);
void aw_http__linger_leave(struct aw_server *srv);
/* Requests in flight (for the graceful stop). */
void aw_http__inflight(struct aw_server *srv, int delta);

/* Queues req for a worker; false when the queue is full. */
bool aw_http__pool_push(struct aw_server *srv, struct aw_req *req);

#endif
