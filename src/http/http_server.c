/* http_server.c: the HTTP server (http.h): listening sockets, the I/O
 * threads with their libuv loops, the workers that run handlers, the
 * connection counts behind max_connections and max_connections_per_ip, and
 * the graceful stop. One connection's life is in http_conn.c, the request
 * head parser in http_parse.c, responses in http_resp.c.
 * docs/internals/http.md walks through it; http_srv.h draws the threads.
 *
 * Why not a library's HTTP server: libmicrohttpd 0.9.75 (before) and h2o
 * 2.2.5 were both measured failing RFC 9112's framing rules in ways a caller
 * cannot check around, and libmicrohttpd stalled for tens of seconds at
 * max_connections. libuv (Debian's libuv1) does the event loop, sockets and
 * timers; the HTTP/1.1 rules are ours (see http_parse.c). */
#include "http_srv.h"

#include "aw/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* How long a graceful stop waits for requests in flight. */
#define STOP_WAIT_S 10

/* The listen backlog (the kernel caps it at net.core.somaxconn). */
#define LISTEN_BACKLOG 4096

/* Connections closed gently at once (after a refusal or Connection: close),
 * beyond max_connections; past this they are closed at once. */
#define MAX_LINGER 1024

/* Defaults for options left at 0. */
#define DEFAULT_MAX_QUEUE 1024

uint64_t
aw_http__now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
deadline_ts(struct timespec *ts, uint64_t add_us)
{
    uint64_t t;
    clock_gettime(CLOCK_MONOTONIC, ts);
    t = (uint64_t)ts->tv_nsec + (add_us % 1000000u) * 1000u;
    ts->tv_sec += (time_t)(add_us / 1000000u + t / 1000000000u);
    ts->tv_nsec = (long)(t % 1000000000u);
}

static void
cond_init_monotonic(pthread_cond_t *c)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(c, &attr);
    pthread_condattr_destroy(&attr);
}

static void
copy_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

const struct aw_server_opts *
aw_http__opts(const struct aw_server *srv)
{
    return &srv->opts;
}

const struct aw_static_set *
aw_http__statics(const struct aw_server *srv)
{
    return &srv->statics;
}

bool
aw_http__stopping(const struct aw_server *srv)
{
    return atomic_load_explicit(&srv->stopping, memory_order_relaxed);
}

/* --- admission --- */

static size_t
ip_bucket(const unsigned char key[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % AW_IP_BUCKETS;
}

bool
aw_http__conn_enter(struct aw_server *srv, const unsigned char key[16])
{
    bool ok = false;
    struct aw_ipcount *e;
    size_t b = ip_bucket(key);
    pthread_mutex_lock(&srv->lock);
    if (srv->opts.max_connections && srv->nconns >= srv->opts.max_connections)
        goto out;
    for (e = srv->ips[b]; e && memcmp(e->key, key, 16) != 0; e = e->next)
        ;
    if (e && srv->opts.max_per_ip && e->n >= srv->opts.max_per_ip)
        goto out;
    if (!e) {
        e = calloc(1, sizeof(*e));
        if (!e) {
            AW_ERROR("out of memory counting connections");
            abort();
        }
        memcpy(e->key, key, 16);
        e->next = srv->ips[b];
        srv->ips[b] = e;
    }
    e->n++;
    srv->nconns++;
    ok = true;
out:
    pthread_mutex_unlock(&srv->lock);
    return ok;
}

void
aw_http__conn_leave(struct aw_server *srv, const unsigned char key[16])
{
    struct aw_ipcount **pe;
    size_t b = ip_bucket(key);
    pthread_mutex_lock(&srv->lock);
    srv->nconns--;
    for (pe = &srv->ips[b]; *pe && memcmp((*pe)->key, key, 16) != 0; pe = &(*pe)->next)
        ;
    if (*pe && --(*pe)->n == 0) {
        struct aw_ipcount *dead = *pe;
        *pe = dead->next;
        free(dead);
    }
    pthread_mutex_unlock(&srv->lock);
}

bool
aw_http__linger_enter(struct aw_server *srv)
{
    bool ok;
    pthread_mutex_lock(&srv->lock);
    ok = srv->nlinger < MAX_LINGER;
    if (ok)
        srv->nlinger++;
    pthread_mutex_unlock(&srv->lock);
    return ok;
}

void
aw_http__linger_leave(struct aw_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    srv->nlinger--;
    pthread_mutex_unlock(&srv->lock);
}

void
aw_http__inflight(struct aw_server *srv, int delta)
{
    pthread_mutex_lock(&srv->lock);
    srv->inflight = (unsigned)((int)srv->inflight + delta);
    if (srv->inflight == 0)
        pthread_cond_broadcast(&srv->idle_cond);
    pthread_mutex_unlock(&srv->lock);
}

/* --- workers --- */

static size_t
route_index(const struct aw_server *srv, const struct aw_route *rt)
{
    return (size_t)(rt - srv->opts.routes);
}

unsigned
aw_http__lane(uint32_t cost_us)
{
    unsigned lane = 0;
    for (uint32_t c = cost_us >> 8; c && lane < AW_POOL_LANES - 1; c >>= 1)
        lane++;
    return lane;
}

bool
aw_http__pool_push(struct aw_server *srv, struct aw_req *req)
{
    struct aw_pool *p = &srv->pool;
    bool ok = false;
    uint32_t cost =
        atomic_load_explicit(&srv->route_cost[route_index(srv, req->route)], memory_order_relaxed);
    unsigned lane = aw_http__lane(cost);
    pthread_mutex_lock(&p->lock);
    if (p->stop || p->queued >= p->max)
        goto out;
    req->next = NULL;
    req->queued_us = aw_http__now_us();
    *p->tail[lane] = req;
    p->tail[lane] = &req->next;
    p->n[lane]++;
    p->queued++;
    pthread_cond_signal(&p->cond);
    ok = true;
out:
    pthread_mutex_unlock(&p->lock);
    return ok;
}

/* The next request (see struct aw_pool): the cheapest lane's oldest, or on
 * every fourth pick among several waiting lanes, the oldest of all. */
static struct aw_req *
pool_pop(struct aw_pool *p)
{
    unsigned lane = AW_POOL_LANES, oldest = AW_POOL_LANES, waiting = 0;
    for (unsigned i = 0; i < AW_POOL_LANES; i++) {
        if (!p->n[i])
            continue;
        waiting++;
        if (lane == AW_POOL_LANES)
            lane = i;
        if (oldest == AW_POOL_LANES || p->head[i]->queued_us < p->head[oldest]->queued_us)
            oldest = i;
    }
    if (waiting > 1 && (p->picks++ & 3) == 3)
        lane = oldest;
    struct aw_req *req = p->head[lane];
    p->head[lane] = req->next;
    if (!p->head[lane])
        p->tail[lane] = &p->head[lane];
    p->n[lane]--;
    p->queued--;
    req->next = NULL;
    return req;
}

static void
hand_back(struct aw_req *req)
{
    struct aw_loop *lp = req->loop;
    pthread_mutex_lock(&lp->lock);
    *lp->done_tail = req;
    lp->done_tail = &req->next;
    pthread_mutex_unlock(&lp->lock);
    uv_async_send(&lp->wake);
}

static uint64_t
thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void *
worker_main(void *arg)
{
    struct aw_server *srv = arg;
    struct aw_pool *p = &srv->pool;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->queued == 0)
            pthread_cond_wait(&p->cond, &p->lock);
        if (p->stop)
            break;
        struct aw_req *req = pool_pop(p);
        pthread_mutex_unlock(&p->lock);

        /* The cost of a route is the CPU time its handler used, not the wall
         * time: under load a cheap handler is often descheduled, and wall time
         * would push it into the slow lane exactly when the lanes matter. */
        uint64_t t0 = thread_cpu_us();
        aw_http__answer_route(req);
        uint64_t dt = thread_cpu_us() - t0;
        _Atomic uint32_t *cost = &srv->route_cost[route_index(srv, req->route)];
        uint32_t old = atomic_load_explicit(cost, memory_order_relaxed);
        uint64_t d = dt > UINT32_MAX ? UINT32_MAX : dt;
        atomic_store_explicit(cost, (uint32_t)((old * 7u + d) / 8u), memory_order_relaxed);
        hand_back(req);

        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Stops the workers after the request each one is running; requests still
 * queued stay with their connections, which are closed afterwards. */
static void
pool_stop(struct aw_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    p->started = 0;
}

/* --- I/O threads --- */

static void
on_connection(uv_stream_t *server, int status)
{
    struct aw_loop *lp = server->data;
    if (status < 0)
        AW_WARN("accept on loop %u: %s", lp->idx, uv_strerror(status));
    else
        aw_http__conn_accept(lp);
}

static void
on_tick(uv_timer_t *t)
{
    struct aw_loop *lp = t->data;
    const struct aw_server_opts *o = &lp->srv->opts;
    if (lp->refused_since_warn) {
        AW_WARN("answered %u connection(s) with 503 in the last second: max_connections (%u) "
                "or max_connections_per_ip (%u) reached",
                lp->refused_since_warn, o->max_connections, o->max_per_ip);
        lp->refused_since_warn = 0;
    }
}

static void
close_listener(struct aw_loop *lp)
{
    if (lp->listening) {
        lp->listening = false;
        uv_close((uv_handle_t *)&lp->listener, NULL);
    }
}

static void
on_wake(uv_async_t *a)
{
    struct aw_loop *lp = a->data;
    struct aw_req *done;
    unsigned cmd;
    pthread_mutex_lock(&lp->lock);
    done = lp->done;
    lp->done = NULL;
    lp->done_tail = &lp->done;
    cmd = lp->cmd;
    lp->cmd = 0;
    pthread_mutex_unlock(&lp->lock);
    if (cmd & LOOP_CMD_EXIT)
        done = NULL; /* their connections are closed below */
    while (done) {
        struct aw_req *next = done->next;
        done->next = NULL;
        aw_http__conn_done(done);
        done = next;
    }
    if (cmd & (LOOP_CMD_STOP_LISTEN | LOOP_CMD_EXIT)) {
        close_listener(lp);
        aw_http__conn_close_idle(lp);
    }
    if (cmd & LOOP_CMD_EXIT) {
        aw_http__conn_close_all(lp);
        uv_close((uv_handle_t *)&lp->tick, NULL);
        uv_close((uv_handle_t *)&lp->wake, NULL);
    }
}

static void
loop_command(struct aw_loop *lp, unsigned cmd)
{
    pthread_mutex_lock(&lp->lock);
    lp->cmd |= cmd;
    pthread_mutex_unlock(&lp->lock);
    uv_async_send(&lp->wake);
}

static void *
loop_main(void *arg)
{
    struct aw_loop *lp = arg;
    uv_run(&lp->uv, UV_RUN_DEFAULT);
    return NULL;
}

/* --- start, stop --- */

/* Parses "127.0.0.1:8080", "[::1]:8080" or ":8080" (every interface). */
static enum aw_err
parse_listen(const char *listen, struct sockaddr_storage *ss, bool *any, char *err, size_t errlen)
{
    enum aw_err rc = AW_ECONFIG;
    char host[INET6_ADDRSTRLEN + 1];
    const char *colon, *hs, *he;
    int64_t port;
    memset(ss, 0, sizeof(*ss));
    *any = false;
    if (!listen || !*listen) {
        copy_err(err, errlen, "listen address is empty");
        goto out;
    }
    if (listen[0] == '[') {
        hs = listen + 1;
        he = strchr(hs, ']');
        if (!he || he[1] != ':') {
            copy_err(err, errlen, "listen address: expected [IPv6]:PORT");
            goto out;
        }
        colon = he + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon) {
            copy_err(err, errlen, "listen address: expected ADDR:PORT");
            goto out;
        }
        hs = listen;
        he = colon;
    }
    if (aw_str_to_i64(aw_str_c(colon + 1), 0, 65535, &port) != 0) {
        copy_err(err, errlen, "listen address: bad port");
        goto out;
    }
    if ((size_t)(he - hs) >= sizeof(host)) {
        copy_err(err, errlen, "listen address: bad host");
        goto out;
    }
    memcpy(host, hs, (size_t)(he - hs));
    host[he - hs] = '\0';
    if (listen[0] == '[') {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
            copy_err(err, errlen, "listen address: bad IPv6 address");
            goto out;
        }
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        if (host[0] == '\0') {
            *any = true;
            s4->sin_addr.s_addr = htonl(INADDR_ANY);
        } else if (strcmp(host, "localhost") == 0) {
            s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        } else if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
            copy_err(err, errlen, "listen address: bad IPv4 address (names are not resolved)");
            goto out;
        }
    }
    rc = AW_OK;
out:
    return rc;
}

/* A listening socket on ss (port as given), with SO_REUSEPORT so that every
 * I/O thread has its own and the kernel spreads connections over them. */
static int
listen_socket(const struct sockaddr_storage *ss, bool dual, char *err, size_t errlen)
{
    int one = 1, zero = 0;
    socklen_t len =
        ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
        goto fail;
    if (ss->ss_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? &zero : &one, sizeof(int)) != 0)
        goto fail;
    if (bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0)
        goto fail;
    return fd;
fail:
    if (err && errlen)
        snprintf(err, errlen, "%s", strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

static unsigned
bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    unsigned port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    return port;
}

static void
set_port(struct sockaddr_storage *ss, unsigned port)
{
    if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/* Raises the soft limit on open files to the hard one when max_connections
 * (plus the lingering ones, the database and the logs) would not fit. */
static void
check_fd_limit(const struct aw_server_opts *o)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)o->max_connections + MAX_LINGER + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        goto out;
    rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        AW_WARN("open files limited to %llu: max_connections %u may not be reached "
                "(raise ulimit -n)",
                (unsigned long long)rl.rlim_cur, o->max_connections);
out:
    return;
}

static void
server_free(struct aw_server *srv)
{
    for (unsigned i = 0; srv->loops && i < srv->nloops; i++) {
        struct aw_loop *lp = &srv->loops[i];
        if (lp->started) {
            uv_loop_close(&lp->uv);
            pthread_mutex_destroy(&lp->lock);
        }
    }
    free(srv->loops);
    for (size_t b = 0; b < AW_IP_BUCKETS; b++) {
        while (srv->ips[b]) {
            struct aw_ipcount *e = srv->ips[b];
            srv->ips[b] = e->next;
            free(e);
        }
    }
    aw_http__static_free(&srv->statics);
    free(srv->raw503);
    free(srv->pool.threads);
    free((void *)srv->route_cost);
    pthread_mutex_destroy(&srv->pool.lock);
    pthread_cond_destroy(&srv->pool.cond);
    pthread_cond_destroy(&srv->idle_cond);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

/* Sets up loop i on the listening socket fd (taken). */
static enum aw_err
loop_init(struct aw_server *srv, unsigned i, int fd, char *err, size_t errlen)
{
    struct aw_loop *lp = &srv->loops[i];
    int r;
    lp->srv = srv;
    lp->idx = i;
    lp->done_tail = &lp->done;
    if ((r = uv_loop_init(&lp->uv)) != 0) {
        close(fd);
        snprintf(err, errlen, "libuv: %s", uv_strerror(r));
        return AW_EIO;
    }
    pthread_mutex_init(&lp->lock, NULL);
    lp->started = true;
    uv_tcp_init(&lp->uv, &lp->listener);
    lp->listener.data = lp;
    lp->listening = true;
    uv_async_init(&lp->uv, &lp->wake, on_wake);
    lp->wake.data = lp;
    uv_timer_init(&lp->uv, &lp->tick);
    lp->tick.data = lp;
    uv_timer_start(&lp->tick, on_tick, 1000, 1000);
    if ((r = uv_tcp_open(&lp->listener, fd)) != 0 ||
        (r = uv_listen((uv_stream_t *)&lp->listener, LISTEN_BACKLOG, on_connection)) != 0) {
        snprintf(err, errlen, "libuv: %s", uv_strerror(r));
        return AW_EIO;
    }
    return AW_OK;
}

static unsigned
cores(void)
{
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    return nc > 0 ? (unsigned)nc : 1;
}

enum aw_err
aw_server_start(const struct aw_server_opts *opts, struct aw_server **out, char *err, size_t errlen)
{
    enum aw_err rc = AW_ECONFIG;
    struct aw_server *srv = NULL;
    struct sockaddr_storage ss;
    bool any = false, dual = false;
    sigset_t block, old;
    bool masked = false;
    int fd0 = -1;
    char why[256] = "";

    *out = NULL;
    if (!opts) {
        copy_err(err, errlen, "no options");
        goto out;
    }
    srv = calloc(1, sizeof(*srv));
    if (!srv) {
        AW_ERROR("out of memory starting the server");
        abort();
    }
    srv->opts = *opts;
    if (!srv->opts.max_header_bytes)
        srv->opts.max_header_bytes = 16384;
    if (!srv->opts.max_url_bytes)
        srv->opts.max_url_bytes = 2048;
    if (!srv->opts.idle_timeout_s)
        srv->opts.idle_timeout_s = 30;
    if (!srv->opts.header_timeout_s)
        srv->opts.header_timeout_s = 10;
    if (!srv->opts.body_timeout_s)
        srv->opts.body_timeout_s = 20;
    if (!srv->opts.max_queue)
        srv->opts.max_queue = DEFAULT_MAX_QUEUE;
    pthread_mutex_init(&srv->lock, NULL);
    cond_init_monotonic(&srv->idle_cond);
    pthread_mutex_init(&srv->pool.lock, NULL);
    pthread_cond_init(&srv->pool.cond, NULL);
    for (unsigned i = 0; i < AW_POOL_LANES; i++)
        srv->pool.tail[i] = &srv->pool.head[i];
    srv->pool.max = srv->opts.max_queue;
    srv->route_cost = calloc(opts->nroutes ? opts->nroutes : 1, sizeof(*srv->route_cost));
    if (!srv->route_cost) {
        AW_ERROR("out of memory starting the server");
        abort();
    }

    if ((rc = parse_listen(opts->listen, &ss, &any, err, errlen)) != AW_OK)
        goto out;
    if (opts->static_dir &&
        (rc = aw_http__static_load(&srv->statics, opts->static_dir, err, errlen)) != AW_OK)
        goto out;
    srv->raw503 = aw_http__raw_response(srv, 503, "Retry-After: 1\r\n", &srv->raw503_len);
    check_fd_limit(&srv->opts);

    srv->nloops = opts->io_threads ? opts->io_threads : cores();
    srv->pool.nthreads = opts->threads ? opts->threads : 2 * cores();

    /* ":port" listens on every address, IPv6 and IPv4 together when the
     * system allows it, IPv4 only otherwise. */
    if (any) {
        struct sockaddr_storage s6;
        memset(&s6, 0, sizeof(s6));
        ((struct sockaddr_in6 *)&s6)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&s6)->sin6_addr = in6addr_any;
        ((struct sockaddr_in6 *)&s6)->sin6_port = ((struct sockaddr_in *)&ss)->sin_port;
        if ((fd0 = listen_socket(&s6, true, why, sizeof(why))) >= 0) {
            ss = s6;
            dual = true;
        }
    }
    if (fd0 < 0 && (fd0 = listen_socket(&ss, false, why, sizeof(why))) < 0) {
        if (err && errlen)
            snprintf(err, errlen, "cannot listen on %s: %s", opts->listen, why);
        rc = AW_EIO;
        goto out;
    }
    srv->port = bound_port(fd0);
    set_port(&ss, srv->port);

    srv->loops = calloc(srv->nloops, sizeof(*srv->loops));
    srv->pool.threads = calloc(srv->pool.nthreads, sizeof(pthread_t));
    if (!srv->loops || !srv->pool.threads) {
        AW_ERROR("out of memory starting the server");
        abort();
    }
    for (unsigned i = 0; i < srv->nloops; i++) {
        int fd = i == 0 ? fd0 : listen_socket(&ss, dual, why, sizeof(why));
        fd0 = -1;
        if (fd < 0) {
            if (err && errlen)
                snprintf(err, errlen, "cannot listen on %s: %s", opts->listen, why);
            rc = AW_EIO;
            goto out;
        }
        if ((rc = loop_init(srv, i, fd, err, errlen)) != AW_OK)
            goto out;
    }

    /* Threads inherit the signal mask: start them with SIGTERM/SIGINT
     * blocked so only aw_server_run_until_signal's sigwait sees them; the
     * caller's own mask is restored below. */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    masked = true;
    for (unsigned i = 0; i < srv->pool.nthreads; i++) {
        if (pthread_create(&srv->pool.threads[i], NULL, worker_main, srv) != 0) {
            copy_err(err, errlen, "cannot start a worker thread");
            rc = AW_EIO;
            goto out;
        }
        srv->pool.started++;
    }
    for (unsigned i = 0; i < srv->nloops; i++) {
        if (pthread_create(&srv->loops[i].thread, NULL, loop_main, &srv->loops[i]) != 0) {
            copy_err(err, errlen, "cannot start an I/O thread");
            rc = AW_EIO;
            goto out;
        }
        srv->loops[i].thread_running = true;
    }
    AW_INFO("listening on %s (port %u, %u I/O threads, %u workers)", opts->listen, srv->port,
            srv->nloops, srv->pool.nthreads);
    *out = srv;
    srv = NULL;
    rc = AW_OK;
out:
    if (masked)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (fd0 >= 0)
        close(fd0);
    if (srv) {
        pool_stop(&srv->pool);
        for (unsigned i = 0; srv->loops && i < srv->nloops; i++) {
            struct aw_loop *lp = &srv->loops[i];
            if (lp->thread_running) {
                loop_command(lp, LOOP_CMD_EXIT);
                pthread_join(lp->thread, NULL);
            } else if (lp->started) {
                /* Never ran: close its handles here and let them go. */
                close_listener(lp);
                uv_close((uv_handle_t *)&lp->tick, NULL);
                uv_close((uv_handle_t *)&lp->wake, NULL);
                uv_run(&lp->uv, UV_RUN_DEFAULT);
            }
        }
        server_free(srv);
    }
    return rc;
}

unsigned
aw_server_port(const struct aw_server *srv)
{
    return srv ? srv->port : 0;
}

/* Stops accepting, waits up to STOP_WAIT_S for requests in flight, stops the
 * workers and the I/O threads. Idempotent. */
static void
server_shutdown(struct aw_server *srv)
{
    struct timespec ts;
    unsigned left;
    if (atomic_exchange(&srv->stopping, true))
        goto out;
    for (unsigned i = 0; i < srv->nloops; i++)
        loop_command(&srv->loops[i], LOOP_CMD_STOP_LISTEN);
    deadline_ts(&ts, (uint64_t)STOP_WAIT_S * 1000000u);
    pthread_mutex_lock(&srv->lock);
    while (srv->inflight > 0)
        if (pthread_cond_timedwait(&srv->idle_cond, &srv->lock, &ts) == ETIMEDOUT)
            break;
    left = srv->inflight;
    pthread_mutex_unlock(&srv->lock);
    if (left)
        AW_WARN("stopping with %u request(s) still in flight", left);
    for (size_t i = 0; i < srv->opts.nroutes; i++) {
        uint32_t c = atomic_load_explicit(&srv->route_cost[i], memory_order_relaxed);
        if (c)
            AW_DEBUG("route %s %s: %u us of CPU per request (lane %u)", srv->opts.routes[i].method,
                     srv->opts.routes[i].pattern, c, aw_http__lane(c));
    }
    pool_stop(&srv->pool);
    for (unsigned i = 0; i < srv->nloops; i++) {
        struct aw_loop *lp = &srv->loops[i];
        if (lp->thread_running) {
            loop_command(lp, LOOP_CMD_EXIT);
            pthread_join(lp->thread, NULL);
            lp->thread_running = false;
        }
    }
out:
    return;
}

void
aw_server_run_until_signal(struct aw_server *srv)
{
    sigset_t set;
    int sig = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* Stays blocked afterwards: a second signal during the stop is held. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    while (sigwait(&set, &sig) != 0)
        ;
    AW_INFO("signal %d: stopping (requests in flight may finish)", sig);
    server_shutdown(srv);
}

void
aw_server_stop(struct aw_server *srv)
{
    if (!srv)
        goto out;
    server_shutdown(srv);
    server_free(srv);
out:
    return;
}
