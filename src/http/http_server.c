/* http_server.c: the HTTP server (http.h) on libmicrohttpd 0.9.75: limits,
 * dispatch to the route table and to static files, form bodies (parsed by
 * http_form.c), the client's address, cookies, the response pipeline
 * (security headers, ETag/304, gzip, error pages), the access log and the
 * graceful stop. docs/internals/http.md walks through a request.
 *
 * Threads: MHD runs an internal thread pool (epoll, or poll where epoll is
 * missing); every callback below runs on a pool thread. A timer thread of
 * ours enforces header_timeout_s (see "Header timeout" below). Shared state
 * (the connection list, the in-flight count, the stopping flag) is guarded by
 * srv->lock; everything in a struct aw_req belongs to the one pool thread
 * that serves the connection. */
#include "http_int.h"

#include "aw/log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* Header timeout: MHD 0.9.75 only has an idle timeout (reset by every byte
 * received), so a client sending one header byte per second would hold a
 * connection forever. MHD cannot be asked to close a connection from outside
 * its own thread (MHD_suspend/resume do not help, there is no "close now"),
 * so we do it at the socket level:
 *
 *  - MHD_OPTION_NOTIFY_CONNECTION (STARTED) records every connection in
 *    srv->conns with its socket and a deadline: accept time + header_timeout_s.
 *  - The URI log callback (request line received) pulls the deadline in to
 *    now + header_timeout_s for requests on a kept-alive connection.
 *  - The first access-handler call (headers complete) clears the deadline.
 *  - The completion callback re-arms it at now + max(idle, header) timeout:
 *    the next request on a kept-alive connection must have its headers in
 *    by then.
 *  - A timer thread wakes every TIMER_TICK_MS and, for each connection past
 *    its deadline, marks it killed, writes a fixed 408 response when a request
 *    line had arrived (nothing when the connection was merely idle) and calls
 *    shutdown(fd, SHUT_RDWR). MHD's poll then sees end-of-file and closes the
 *    connection itself, through its normal path (callbacks, per-IP counts).
 *
 * Safety: the timer only touches the socket while holding srv->lock, and the
 * CLOSED notification (which MHD sends before it closes the socket) takes the
 * same lock to unlink the connection, so the descriptor is never reused under
 * us. The first access-handler call checks the killed flag under the lock and
 * refuses the request if set, so our 408 bytes never interleave with a
 * response. (MHD's own early errors, such as its 400 for a malformed header
 * line, could in theory race with a 408 written in the same tick; the client
 * then sees garbage on a connection that was being closed anyway.) */
#define TIMER_TICK_MS 200

/* After the body passes max_body_bytes we keep reading (and discarding) this
 * much more so a chunked sender that overshoots by a little still gets a 413
 * (MHD cannot queue a response while a body is arriving); beyond it the
 * connection is closed without an answer. */
#define BODY_DRAIN_BYTES (64 * 1024)

/* Static files are loaded at start-up if they are smaller than this. */
#define STATIC_MAX_FILE (1024 * 1024)

/* Bodies below this are not worth compressing. */
#define GZIP_MIN_BYTES 512

/* How long a graceful stop waits for requests in flight. */
#define STOP_WAIT_S 10

#define CSP_VALUE                                                                                  \
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "                    \
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

struct hdr_const {
    const char *name;
    const char *value;
};

/* On every response we build, errors and 304 included. */
static const struct hdr_const security_headers[] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "strict-origin-when-cross-origin"},
    {"Content-Security-Policy", CSP_VALUE},
    {"X-Frame-Options", "DENY"},
    {"Permissions-Policy", "interest-cohort=()"},
};

/* Headers the module sets itself; aw_resp_header refuses them. */
static const char *const managed_headers[] = {
    "Content-Type",
    "Content-Length",
    "Content-Encoding",
    "Transfer-Encoding",
    "Connection",
    "Date",
    "ETag",
    "Location",
    "Set-Cookie",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Keep-Alive",
    "Upgrade",
};

struct static_type {
    const char *ext;
    const char *type;
    bool compress;
};

static const struct static_type static_types[] = {
    {"css", "text/css; charset=utf-8", true},
    {"js", "text/javascript; charset=utf-8", true},
    {"svg", "image/svg+xml", true},
    {"png", "image/png", false},
    {"ico", "image/x-icon", false},
    {"woff2", "font/woff2", false},
    {"txt", "text/plain; charset=utf-8", true},
    {"json", "application/json", true},
};

struct static_file {
    char *name; /* file name, the part of the URL after /static/ */
    const char *type;
    unsigned char *data;
    size_t len;
    unsigned char *gz; /* gzip variant, or NULL when it would not be smaller */
    size_t gzlen;
    bool compress;
    char etag[24]; /* W/"<16 hex>" */
};

/* One TCP connection (socket context). */
struct aw_conn {
    struct aw_conn *prev, *next;
    int fd;
    uint64_t deadline_us; /* monotonic; 0: headers complete, no deadline */
    bool req_line;        /* a request line arrived and its headers are pending */
    bool killed;          /* the timer shut the socket down */
    char addr[INET6_ADDRSTRLEN];
};

struct aw_server {
    struct aw_server_opts opts;
    struct MHD_Daemon *d;
    unsigned port;
    unsigned threads;

    struct static_file *files;
    size_t nfiles;

    char *raw408; /* complete 408 response written by the timer */
    size_t raw408_len;

    pthread_mutex_t lock;
    pthread_cond_t timer_cond; /* wakes the timer thread early (stop) */
    pthread_cond_t idle_cond;  /* signalled when inflight drops */
    struct aw_conn *conns;
    unsigned inflight;
    bool stopping;
    bool timer_running;
    bool timer_stop;
    pthread_t timer;
};

/* --- small helpers --- */

static uint64_t
now_us(void)
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

/* FNV-1a, 64 bits: cheap and good enough to tell two bodies apart. */
static uint64_t
fnv1a64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void
make_etag(char out[24], const void *body, size_t len)
{
    snprintf(out, 24, "W/\"%016llx\"", (unsigned long long)fnv1a64(body, len));
}

static bool
is_tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_token(const char *s)
{
    bool ok = s && *s;
    for (; ok && *s; s++)
        ok = is_tchar((unsigned char)*s);
    return ok;
}

/* Header values: visible ASCII, UTF-8 bytes, space and tab; never CR, LF,
 * NUL or other controls. */
static bool
header_value_ok(const char *v)
{
    bool ok = v != NULL;
    for (; ok && *v; v++) {
        unsigned char c = (unsigned char)*v;
        ok = c == '\t' || (c >= 0x20 && c != 0x7f);
    }
    return ok;
}

static bool
is_managed_header(const char *name)
{
    bool found = false;
    for (size_t i = 0; i < AW_NELEM(managed_headers) && !found; i++)
        found = strcasecmp(name, managed_headers[i]) == 0;
    return found;
}

/* Media type (before the ";") is text/..., JSON, JavaScript or SVG. */
static bool
type_compressible(const char *type)
{
    size_t n = strcspn(type, "; ");
    struct aw_str t = {type, n};
    return aw_str_starts_with(t, "text/") || aw_str_eq_nocase(t, "application/json") ||
           aw_str_eq_nocase(t, "application/javascript") || aw_str_eq_nocase(t, "image/svg+xml");
}

/* "text/..." without a charset gets "; charset=utf-8". */
static const char *
type_with_charset(struct aw_arena *a, const char *type)
{
    const char *out = type;
    if (strncasecmp(type, "text/", 5) == 0 && !strstr(type, "charset="))
        out = aw_arena_printf(a, "%s; charset=utf-8", type);
    return out;
}

/* --- Accept-Encoding and If-None-Match --- */

static const char *
skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* A qvalue ("0", "0.5", "1.000") as thousandths; -1 when malformed. */
static int
parse_qvalue(const char *p, const char *end)
{
    int v = -1;
    if (p < end && (*p == '0' || *p == '1')) {
        int whole = *p - '0';
        int frac = 0, digits = 0;
        p++;
        if (p < end && *p == '.') {
            p++;
            while (p < end && isdigit((unsigned char)*p) && digits < 3) {
                frac = frac * 10 + (*p - '0');
                digits++;
                p++;
            }
        }
        while (digits++ < 3)
            frac *= 10;
        p = skip_ows(p, end);
        if (p == end && !(whole == 1 && frac > 0))
            v = whole * 1000 + frac;
    }
    return v;
}

/* True when the Accept-Encoding value admits gzip (RFC 9110 12.5.3): an
 * explicit gzip or x-gzip with q > 0, else "*" with q > 0. q=0 refuses. */
static bool
accepts_gzip(const char *ae)
{
    int gzip_q = -1, star_q = -1;
    const char *p = ae ? ae : "";
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *s = skip_ows(p, end);
        const char *tok = s;
        while (s < end && *s != ';' && *s != ' ' && *s != '\t')
            s++;
        struct aw_str coding = {tok, (size_t)(s - tok)};
        int q = 1000;
        while (s < end) {
            s = skip_ows(s, end);
            if (s < end && *s == ';') {
                s = skip_ows(s + 1, end);
                const char *pe = memchr(s, ';', (size_t)(end - s));
                if (!pe)
                    pe = end;
                if (pe - s >= 2 && (s[0] == 'q' || s[0] == 'Q') && s[1] == '=')
                    q = parse_qvalue(s + 2, pe);
                s = pe;
            } else {
                s = end;
            }
        }
        if (q < 0)
            q = 0; /* malformed weight: do not assume acceptance */
        if (aw_str_eq_nocase(coding, "gzip") || aw_str_eq_nocase(coding, "x-gzip"))
            gzip_q = gzip_q > q ? gzip_q : q;
        else if (aw_str_eq_c(coding, "*"))
            star_q = q;
        p = *end ? end + 1 : end;
    }
    return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

/* Weak comparison of If-None-Match against our etag (W/"..."): "*" or any
 * listed tag with the same opaque part. */
static bool
etag_matches(const char *inm, const char *etag)
{
    const char *opaque = etag[0] == 'W' ? etag + 2 : etag;
    size_t olen = strlen(opaque);
    const char *p = inm ? inm : "";
    bool hit = false;
    while (*p && !hit) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*') {
            hit = true;
            break;
        }
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            break; /* malformed: stop, no match */
        const char *q = strchr(p + 1, '"');
        if (!q)
            break;
        hit = (size_t)(q + 1 - p) == olen && memcmp(p, opaque, olen) == 0;
        p = q + 1;
    }
    return hit;
}

/* gzip (RFC 1952 wrapper) of in into out (capacity cap); 0 length on failure
 * or when the result would not be smaller. */
static size_t
gzip_into(const void *in, size_t len, unsigned char *out, size_t cap)
{
    z_stream zs;
    size_t n = 0;
    memset(&zs, 0, sizeof(zs));
    if (len > UINT32_MAX || cap > UINT32_MAX)
        goto out;
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        goto out;
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out < len)
        n = zs.total_out;
    deflateEnd(&zs);
out:
    return n;
}

/* --- static files --- */

static const struct static_type *
static_type_for(const char *name)
{
    const char *dot = strrchr(name, '.');
    const struct static_type *t = NULL;
    for (size_t i = 0; dot && i < AW_NELEM(static_types) && !t; i++)
        if (strcmp(dot + 1, static_types[i].ext) == 0)
            t = &static_types[i];
    return t;
}

/* Reads one regular file (no symlinks) smaller than STATIC_MAX_FILE. */
static enum aw_err
read_small_file(int dirfd, const char *name, unsigned char **data, size_t *len)
{
    enum aw_err rc = AW_EIO;
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        goto out;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    if (st.st_size >= STATIC_MAX_FILE) {
        rc = AW_ETOOBIG;
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        AW_ERROR("out of memory reading a static file");
        abort();
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    *data = buf;
    *len = got;
    buf = NULL;
    rc = AW_OK;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

static void
free_static(struct aw_server *srv)
{
    for (size_t i = 0; i < srv->nfiles; i++) {
        free(srv->files[i].name);
        free(srv->files[i].data);
        free(srv->files[i].gz);
    }
    free(srv->files);
    srv->files = NULL;
    srv->nfiles = 0;
}

static int
cmp_static(const void *a, const void *b)
{
    return strcmp(((const struct static_file *)a)->name, ((const struct static_file *)b)->name);
}

/* Loads the regular files directly in dir (no dotfiles, no subdirectories,
 * known extensions only) with their ETag and gzip variant. */
static enum aw_err
load_static(struct aw_server *srv, const char *dir, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    size_t cap = 0;
    struct dirent *de;
    DIR *dp = opendir(dir);
    if (!dp) {
        if (err && errlen)
            snprintf(err, errlen, "static directory %s: %s", dir, strerror(errno));
        rc = AW_ECONFIG;
        goto out;
    }
    while ((de = readdir(dp)) != NULL) {
        const struct static_type *t;
        unsigned char *data = NULL;
        size_t len = 0;
        if (de->d_name[0] == '.' || !(t = static_type_for(de->d_name)))
            continue;
        enum aw_err r = read_small_file(dirfd(dp), de->d_name, &data, &len);
        if (r != AW_OK) {
            if (r == AW_ETOOBIG)
                AW_WARN("static file %s is 1 MiB or more: not served", de->d_name);
            continue;
        }
        if (srv->nfiles == cap) {
            cap = cap ? cap * 2 : 16;
            struct static_file *nf = realloc(srv->files, cap * sizeof(*nf));
            if (!nf) {
                AW_ERROR("out of memory loading static files");
                abort();
            }
            srv->files = nf;
        }
        struct static_file *f = &srv->files[srv->nfiles++];
        memset(f, 0, sizeof(*f));
        f->name = strdup(de->d_name);
        if (!f->name) {
            AW_ERROR("out of memory loading static files");
            abort();
        }
        f->type = t->type;
        f->data = data;
        f->len = len;
        f->compress = t->compress;
        make_etag(f->etag, data, len);
        if (t->compress && len >= GZIP_MIN_BYTES) {
            size_t cap_gz = compressBound((uLong)len) + 32;
            unsigned char *gz = malloc(cap_gz);
            if (!gz) {
                AW_ERROR("out of memory compressing static files");
                abort();
            }
            f->gzlen = gzip_into(data, len, gz, cap_gz);
            if (f->gzlen) {
                f->gz = gz;
            } else {
                free(gz);
            }
        }
    }
    if (srv->nfiles)
        qsort(srv->files, srv->nfiles, sizeof(*srv->files), cmp_static);
    AW_INFO("loaded %zu static files from %s", srv->nfiles, dir);
out:
    if (dp)
        closedir(dp);
    return rc;
}

static const struct static_file *
find_static(const struct aw_server *srv, const char *name)
{
    struct static_file key = {.name = (char *)(uintptr_t)name};
    const struct static_file *f = NULL;
    if (srv->nfiles)
        f = bsearch(&key, srv->files, srv->nfiles, sizeof(*srv->files), cmp_static);
    return f;
}

/* --- error pages --- */

static void
error_body(const struct aw_server *srv, int status, const char *lang, const char **body,
           size_t *len)
{
    *body = NULL;
    if (!srv->opts.error_page || !srv->opts.error_page(srv->opts.app, status, lang, body, len) ||
        !*body)
        *body = aw_http__error_page(status, len);
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

/* Canonical text of a binary address (family AF_INET or AF_INET6) into out
 * (INET6_ADDRSTRLEN bytes); an IPv4-mapped IPv6 address (a dual-stack
 * socket's IPv4 client) is written as IPv4. */
static void
addr_text(int family, const void *bin, char *out)
{
    const struct in6_addr *a6 = bin;
    if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(a6))
        inet_ntop(AF_INET, &a6->s6_addr[12], out, INET6_ADDRSTRLEN);
    else if (!inet_ntop(family, bin, out, INET6_ADDRSTRLEN))
        memcpy(out, "-", 2);
}

/* The peer address of a connection as text, "-" when unknown. */
static void
conn_addr_text(struct MHD_Connection *mc, char *out)
{
    const union MHD_ConnectionInfo *ai =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ai ? ai->client_addr : NULL;
    memcpy(out, "-", 2);
    if (sa && sa->sa_family == AF_INET)
        addr_text(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out);
    else if (sa && sa->sa_family == AF_INET6)
        addr_text(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out);
}

struct last_header {
    const char *name;
    const char *value;
};

static enum MHD_Result
find_last_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct last_header *lh = cls;
    (void)kind;
    if (key && value && strcasecmp(key, lh->name) == 0)
        lh->value = value;
    return MHD_YES;
}

/* The last comma-separated element of the last name header, without OWS;
 * AW_STR_NULL when there is no such header. A proxy appends its own entry
 * to what the client sent, so only the last one is the proxy's word. */
static struct aw_str
last_header_element(struct MHD_Connection *mc, const char *name)
{
    struct last_header lh = {name, NULL};
    struct aw_str v = AW_STR_NULL;
    MHD_get_connection_values(mc, MHD_HEADER_KIND, find_last_header, &lh);
    if (lh.value) {
        const char *comma = strrchr(lh.value, ',');
        v.ptr = comma ? comma + 1 : lh.value;
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

/* Decides aw_req_client_addr and aw_req_is_secure on the first call: the
 * socket's peer, or with trust_proxy the last X-Forwarded-For entry when it
 * is an IP address; secure only with trust_proxy and X-Forwarded-Proto
 * https (there is no TLS in this server). */
static void
read_client(struct aw_req *req)
{
    char text[INET6_ADDRSTRLEN];
    conn_addr_text(req->conn, text);
    if (req->srv->opts.trust_proxy) {
        struct aw_str xff = last_header_element(req->conn, "X-Forwarded-For");
        char tmp[INET6_ADDRSTRLEN];
        unsigned char bin[sizeof(struct in6_addr)];
        if (xff.len && xff.len < sizeof(tmp)) {
            memcpy(tmp, xff.ptr, xff.len);
            tmp[xff.len] = '\0';
            if (inet_pton(AF_INET, tmp, bin) == 1)
                addr_text(AF_INET, bin, text);
            else if (inet_pton(AF_INET6, tmp, bin) == 1)
                addr_text(AF_INET6, bin, text);
        }
        req->secure =
            aw_str_eq_nocase(last_header_element(req->conn, "X-Forwarded-Proto"), "https");
    }
    req->client_addr = aw_arena_strdup(req->arena, text);
}

/* --- connections (socket contexts) and the header timer --- */

static void
conn_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
            enum MHD_ConnectionNotificationCode code)
{
    struct aw_server *srv = cls;
    struct aw_conn *c = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fi;
        c = calloc(1, sizeof(*c));
        if (!c) {
            AW_ERROR("out of memory for a connection");
            abort();
        }
        fi = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
        c->fd = fi ? fi->connect_fd : -1;
        conn_addr_text(mc, c->addr);
        pthread_mutex_lock(&srv->lock);
        if (srv->opts.header_timeout_s)
            c->deadline_us = now_us() + (uint64_t)srv->opts.header_timeout_s * 1000000u;
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
        pthread_mutex_unlock(&srv->lock);
        *socket_context = c;
    } else if (c) {
        pthread_mutex_lock(&srv->lock);
        if (c->prev)
            c->prev->next = c->next;
        else
            srv->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&srv->lock);
        free(c);
        *socket_context = NULL;
    }
}

static void *
timer_main(void *arg)
{
    struct aw_server *srv = arg;
    pthread_mutex_lock(&srv->lock);
    while (!srv->timer_stop) {
        uint64_t now = now_us();
        for (struct aw_conn *c = srv->conns; c; c = c->next) {
            if (c->killed || c->deadline_us == 0 || now < c->deadline_us || c->fd < 0)
                continue;
            c->killed = true;
            if (c->req_line) {
                ssize_t w = send(c->fd, srv->raw408, srv->raw408_len, MSG_NOSIGNAL | MSG_DONTWAIT);
                (void)w;
            }
            shutdown(c->fd, SHUT_RDWR);
            AW_DEBUG("header timeout: closing connection from %s", c->addr);
        }
        struct timespec ts;
        deadline_ts(&ts, TIMER_TICK_MS * 1000u);
        pthread_cond_timedwait(&srv->timer_cond, &srv->lock, &ts);
    }
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

/* --- MHD callbacks: request lifecycle --- */

static struct aw_conn *
conn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void
free_body(void *arg)
{
    aw_buf_free(arg);
}

/* Called by MHD once the request line has arrived: makes the request, whose
 * pointer MHD hands back as *con_cls to every later callback. */
static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *mc)
{
    struct aw_server *srv = cls;
    struct aw_arena *a = aw_arena_new(0);
    struct aw_req *req = aw_arena_zalloc(a, sizeof(*req));
    req->srv = srv;
    req->conn = mc;
    req->arena = a;
    req->cs = conn_of(mc);
    req->raw_uri = aw_arena_strdup(a, uri ? uri : "");
    req->raw_uri_len = strlen(req->raw_uri);
    req->start_us = now_us();
    req->hdrs_tail = &req->hdrs;
    aw_buf_init(&req->body, srv->opts.max_body_bytes ? srv->opts.max_body_bytes : 1);
    aw_arena_defer(a, free_body, &req->body);
    pick_lang(req);
    if (req->cs && srv->opts.header_timeout_s) {
        uint64_t dl = req->start_us + (uint64_t)srv->opts.header_timeout_s * 1000000u;
        pthread_mutex_lock(&srv->lock);
        req->cs->req_line = true;
        if (req->cs->deadline_us == 0 || dl < req->cs->deadline_us)
            req->cs->deadline_us = dl;
        pthread_mutex_unlock(&srv->lock);
    }
    return req;
}

static void
access_log(struct aw_req *req)
{
    struct aw_server *srv = req->srv;
    char line[1536], tbuf[32], path[1024], method[48];
    struct timespec ts;
    struct tm tm;
    size_t plen = strcspn(req->raw_uri, "?");
    int status = req->status_sent;
    if (status == 0) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_HTTP_STATUS);
        if (ci)
            status = (int)ci->http_status;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
    aw_log_repr(path, sizeof(path), req->raw_uri, plen);
    aw_log_redact_tokens(path); /* private links carry tokens */
    aw_log_repr(method, sizeof(method), req->method ? req->method : "-",
                req->method ? strlen(req->method) : 1);
    const char *addr = req->client_addr ? req->client_addr : req->cs ? req->cs->addr : "-";
    int n = snprintf(line, sizeof(line), "%s.%03ldZ %s %s \"%s\" %d %zu %llu\n", tbuf,
                     ts.tv_nsec / 1000000L, addr, method, path, status, req->bytes_sent,
                     (unsigned long long)(now_us() - req->start_us));
    if (n > 0) {
        size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
        if (len == sizeof(line) - 1)
            line[len - 1] = '\n';
        ssize_t w = write(srv->opts.access_log_fd, line, len);
        (void)w;
    }
}

/* MHD_OPTION_NOTIFY_COMPLETED: the response was sent (or the connection
 * dropped). Logs, re-arms the header timer and frees the request. */
static void
completed(void *cls, struct MHD_Connection *mc, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    struct aw_server *srv = cls;
    struct aw_req *req = *con_cls;
    (void)mc;
    (void)toe;
    if (!req)
        goto out;
    if (srv->opts.access_log_fd >= 0)
        access_log(req);
    pthread_mutex_lock(&srv->lock);
    if (req->counted) {
        srv->inflight--;
        if (srv->inflight == 0)
            pthread_cond_broadcast(&srv->idle_cond);
    }
    if (req->cs && srv->opts.header_timeout_s) {
        unsigned wait = srv->opts.idle_timeout_s > srv->opts.header_timeout_s
                            ? srv->opts.idle_timeout_s
                            : srv->opts.header_timeout_s;
        req->cs->req_line = false;
        req->cs->deadline_us = now_us() + (uint64_t)wait * 1000000u;
    }
    pthread_mutex_unlock(&srv->lock);
    aw_arena_free(req->arena);
    *con_cls = NULL;
out:
    return;
}

/* --- building and queueing responses --- */

/* Everything one response needs; filled by the answer paths below. */
struct out {
    int status;
    const char *type; /* complete Content-Type value */
    const void *body;
    size_t len;
    const char *cache; /* Cache-Control, or NULL */
    const char *etag;  /* precomputed (static); NULL: computed for 200 GET/HEAD */
    const void *gz;    /* precomputed gzip variant (static) */
    size_t gzlen;
    bool is_static;    /* no on-the-fly compression */
    bool conditional;  /* ETag and 304 apply */
    bool close;        /* Connection: close */
    const char *allow; /* Allow header (405) */
};

static void
add_header(struct MHD_Response *r, const char *name, const char *value)
{
    if (MHD_add_response_header(r, name, value) != MHD_YES)
        AW_WARN("could not add response header %s", name);
}

static enum MHD_Result
queue(struct aw_req *req, struct out *o)
{
    struct aw_server *srv = req->srv;
    enum MHD_Result ret;
    int status = o->status;
    const void *body = o->body;
    size_t len = o->len;
    bool gz = false, vary = false;
    const char *etag = o->etag;
    char etag_buf[24];

    if (o->conditional && !etag) {
        make_etag(etag_buf, o->body, o->len);
        etag = etag_buf;
    }
    if (status == 200 && type_compressible(o->type) && o->len >= GZIP_MIN_BYTES)
        vary = true;
    if (vary && accepts_gzip(aw_req_header(req, "Accept-Encoding"))) {
        if (o->gz) {
            body = o->gz;
            len = o->gzlen;
            gz = true;
        } else if (!o->is_static) {
            size_t cap = compressBound((uLong)o->len) + 32;
            unsigned char *zb = aw_arena_alloc(req->arena, cap);
            size_t zlen = gzip_into(o->body, o->len, zb, cap);
            if (zlen) {
                body = zb;
                len = zlen;
                gz = true;
            }
        }
    }
    /* A 304 keeps the body of the 200 it stands for: MHD sends no body for
     * 304 but does send Content-Length, which RFC 9110 8.6 wants equal to
     * that of the 200 (never a made-up 0). */
    if (etag && etag_matches(aw_req_header(req, "If-None-Match"), etag))
        status = 304;
    /* The memory stays valid until the completion callback frees the arena
     * (or for the server's lifetime), after MHD is done with it. */
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        AW_ERROR("MHD_create_response_from_buffer failed");
        ret = MHD_NO;
        goto out;
    }
    add_header(r, "Content-Type", o->type);
    for (size_t i = 0; i < AW_NELEM(security_headers); i++)
        add_header(r, security_headers[i].name, security_headers[i].value);
    if (o->cache)
        add_header(r, "Cache-Control", o->cache);
    if (etag)
        add_header(r, "ETag", etag);
    if (vary)
        add_header(r, "Vary", "Accept-Encoding");
    if (gz)
        add_header(r, "Content-Encoding", "gzip");
    if (o->allow)
        add_header(r, "Allow", o->allow);
    for (const struct aw_resp_hdr *h = req->hdrs; h; h = h->next)
        add_header(r, h->name, h->value);
    pthread_mutex_lock(&srv->lock);
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->lock);
    if (o->close || stopping)
        add_header(r, "Connection", "close");
    ret = MHD_queue_response(req->conn, (unsigned)status, r);
    MHD_destroy_response(r);
    req->status_sent = status;
    req->bytes_sent = (req->is_head || status == 304) ? 0 : len;
out:
    req->phase = AW_REQ_ANSWERED;
    return ret;
}

static bool
status_closes(int status)
{
    return status == 400 || status == 408 || status == 413 || status == 414 || status == 431;
}

static enum MHD_Result
queue_error(struct aw_req *req, int status)
{
    struct out o = {0};
    o.status = status;
    o.type = "text/html; charset=utf-8";
    o.cache = "no-store";
    o.close = status_closes(status);
    if (status == 405 && req->allow[0])
        o.allow = req->allow;
    error_body(req->srv, status, req->lang, (const char **)&o.body, &o.len);
    return queue(req, &o);
}

static enum MHD_Result
answer_static(struct aw_req *req)
{
    const struct static_file *f = req->static_file;
    struct out o = {0};
    bool versioned = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "v") != NULL;
    o.status = 200;
    o.type = f->type;
    o.body = f->data;
    o.len = f->len;
    o.gz = f->gz;
    o.gzlen = f->gzlen;
    o.etag = f->etag;
    o.is_static = true;
    o.conditional = true;
    o.cache = versioned ? "public, max-age=86400, immutable" : "public, max-age=86400";
    return queue(req, &o);
}

/* The body check before a handler runs: a body to a route without fields is
 * refused (400); a route with fields wants a form (415 otherwise), parsed
 * once here against its declaration (400 or 413 on a bad form). 0 when the
 * handler may run, else the status to answer. */
static int
check_body(struct aw_req *req)
{
    const struct aw_route *rt = req->route;
    const char *ct = aw_req_header(req, "Content-Type");
    struct aw_form_err ferr;
    char esc[96];
    int status = 0;
    if (!rt->fields) {
        if (req->body_seen > 0) {
            status = 400;
            AW_INFO("%s %s: 400, a body to a route that declares no form fields", rt->method,
                    rt->pattern);
        }
        goto out;
    }
    if (ct ? !aw_http__form_type_ok(ct) : req->body.len > 0) {
        status = 415;
        AW_INFO("%s %s: 415, the body is not application/x-www-form-urlencoded", rt->method,
                rt->pattern);
        goto out;
    }
    status = aw_http__form_parse(req->arena, aw_buf_cstr(&req->body), req->body.len, rt->fields,
                                 &req->form, &ferr);
    if (status) {
        size_t n = ferr.name.len < 48 ? ferr.name.len : 48;
        AW_INFO("%s %s: %d, %s (\"%s\")", rt->method, rt->pattern, status, ferr.why,
                aw_log_repr(esc, sizeof(esc), ferr.name.ptr ? ferr.name.ptr : "", n));
    }
out:
    return status;
}

static enum MHD_Result
answer_route(struct aw_req *req)
{
    struct out o = {0};
    enum MHD_Result ret;
    int status = check_body(req);
    bool no_store;
    if (status) {
        ret = queue_error(req, status);
        goto out;
    }
    req->route->handler(req);
    if (!req->resp_set) {
        AW_ERROR("handler for %s %s sent no response", req->route->method, req->route->pattern);
        ret = queue_error(req, 500);
        goto out;
    }
    if (req->resp_is_error) {
        ret = queue_error(req, req->resp_status);
        goto out;
    }
    /* Answers to POST and answers that set a cookie are never stored, and get
     * no ETag (so no 304 either): they belong to one client and one moment. */
    no_store = strcmp(req->method, "POST") == 0 || req->has_cookie;
    o.status = req->resp_status;
    o.type = req->resp_type;
    o.body = req->resp_body;
    o.len = req->resp_len;
    o.cache = no_store ? "no-store" : req->resp_cache ? req->resp_cache : "no-cache";
    o.conditional =
        !no_store && o.status == 200 && (req->is_head || strcmp(req->method, "GET") == 0);
    ret = queue(req, &o);
out:
    return ret;
}

/* Validates the request on the first access-handler call (headers complete)
 * and decides its target; errors are only recorded here (early_status) and
 * sent on the last call, except an announced body that is too large. */
static enum MHD_Result
first_call(struct aw_req *req, const char *method, const char *version)
{
    struct aw_server *srv = req->srv;
    const struct aw_server_opts *opts = &srv->opts;
    enum MHD_Result ret = MHD_YES;
    const union MHD_ConnectionInfo *ci;
    const char *cl;

    if (req->cs) {
        bool killed;
        pthread_mutex_lock(&srv->lock);
        killed = req->cs->killed;
        req->cs->req_line = false;
        req->cs->deadline_us = 0;
        pthread_mutex_unlock(&srv->lock);
        if (killed) {
            ret = MHD_NO; /* the header timer answered 408 and shut the socket */
            goto out;
        }
    }
    pthread_mutex_lock(&srv->lock);
    srv->inflight++;
    req->counted = true;
    pthread_mutex_unlock(&srv->lock);

    req->method = aw_arena_strdup(req->arena, method);
    req->is_head = strcmp(method, "HEAD") == 0;
    req->phase = AW_REQ_BODY;
    read_client(req);

    ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (ci && ci->header_size > opts->max_header_bytes) {
        req->early_status = 431;
        goto out;
    }
    if (req->raw_uri_len > opts->max_url_bytes) {
        req->early_status = 414;
        goto out;
    }
    if (version && strcmp(version, "HTTP/1.1") == 0 && !aw_req_header(req, "Host")) {
        req->early_status = 400; /* RFC 9112 3.2: Host is mandatory in HTTP/1.1 */
        goto out;
    }
    cl = aw_req_header(req, "Content-Length");
    if (cl) {
        int64_t v;
        if (aw_str_to_i64(aw_str_c(cl), 0, INT64_MAX, &v) != 0) {
            req->early_status = 400;
            goto out;
        }
        if ((uint64_t)v > opts->max_body_bytes) {
            /* Answer now, on the first call: MHD then closes the connection
             * without reading the body, which is what we want here. */
            req->body_too_big = true;
            ret = queue_error(req, 413);
            goto out;
        }
    }
    req->path = decode_path(req->arena, req->raw_uri, strcspn(req->raw_uri, "?"));
    if (!req->path) {
        req->early_status = 400;
        goto out;
    }
    if (srv->nfiles || opts->static_dir) {
        if (strncmp(req->path, "/static/", 8) == 0) {
            const char *name = req->path + 8;
            if (strcmp(method, "GET") != 0 && !req->is_head) {
                memcpy(req->allow, "GET, HEAD", sizeof("GET, HEAD"));
                req->early_status = 405;
            } else if (!(req->static_file = find_static(srv, name))) {
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
    return ret;
}

/* Takes one chunk of body. Stores it while within max_body_bytes and the
 * request goes to a route that declares form fields; discards it otherwise
 * (a body to a route without fields is refused on the last call). */
static enum MHD_Result
body_chunk(struct aw_req *req, const char *data, size_t n)
{
    const struct aw_server_opts *opts = &req->srv->opts;
    enum MHD_Result ret = MHD_YES;
    req->body_seen += n;
    if (req->body_seen > opts->max_body_bytes || req->body_seen < n) {
        req->body_too_big = true;
        if (req->body_seen - opts->max_body_bytes > BODY_DRAIN_BYTES || req->body_seen < n)
            ret = MHD_NO; /* stop reading: close without an answer */
        goto out;
    }
    if (req->target == AW_TARGET_ROUTE && req->route->fields && !req->body_too_big)
        aw_buf_append(&req->body, data, n);
out:
    return ret;
}

/* The access handler. MHD calls it (1) once the headers are in, (2) once per
 * body chunk, (3) once more with *upload_data_size == 0 at the end. A
 * response queued on call (1) makes MHD close the connection afterwards, so
 * everything but the "announced body too large" case answers on call (3). */
static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
               const char *version, const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    struct aw_req *req = *con_cls;
    enum MHD_Result ret = MHD_YES;
    if (!req) {
        req = uri_log(cls, url, mc);
        *con_cls = req;
    }
    if (req->phase == AW_REQ_NEW) {
        ret = first_call(req, method, version);
        goto out;
    }
    if (req->phase == AW_REQ_ANSWERED) {
        *upload_data_size = 0; /* cannot happen in practice: drain */
        goto out;
    }
    if (*upload_data_size) {
        ret = body_chunk(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        goto out;
    }
    if (req->body_too_big)
        ret = queue_error(req, 413);
    else if (req->early_status)
        ret = queue_error(req, req->early_status);
    else if (req->target == AW_TARGET_STATIC)
        ret = answer_static(req);
    else
        ret = answer_route(req);
out:
    return ret;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap) AW_PRINTF(2, 0);

/* MHD's diagnostics, into our log (escaped: they may quote request bytes). */
static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[512], esc[1024];
    (void)cls;
    if (vsnprintf(msg, sizeof(msg), fmt, ap) >= 0) {
        size_t len = strlen(msg);
        while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
            len--;
        AW_WARN("libmicrohttpd: %s", aw_log_repr(esc, sizeof(esc), msg, len));
    }
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

/* The complete 408 response the timer writes to a connection whose headers
 * are late. */
static void
build_raw408(struct aw_server *srv)
{
    struct aw_buf b = AW_BUF_INIT(64 * 1024);
    const char *body;
    size_t len;
    error_body(srv, 408, "en", &body, &len);
    aw_buf_printf(&b, "HTTP/1.1 408 %s\r\nConnection: close\r\n", aw_http_reason(408));
    aw_buf_puts(&b, "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n");
    for (size_t i = 0; i < AW_NELEM(security_headers); i++)
        aw_buf_printf(&b, "%s: %s\r\n", security_headers[i].name, security_headers[i].value);
    aw_buf_printf(&b, "Content-Length: %zu\r\n\r\n", len);
    aw_buf_append(&b, body, len);
    if (aw_buf_err(&b) == AW_OK)
        srv->raw408 = aw_buf_steal(&b, &srv->raw408_len);
    aw_buf_free(&b);
}

static struct MHD_Daemon *
start_daemon(struct aw_server *srv, unsigned flags, const struct sockaddr *sa)
{
    const struct aw_server_opts *o = &srv->opts;
    struct MHD_OptionItem items[12];
    size_t n = 0;
    size_t pool = 2 * o->max_header_bytes + o->max_url_bytes + 16 * 1024;

    items[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, (void *)(uintptr_t)sa};
    items[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)pool, NULL};
    if (srv->threads > 1)
        items[n++] =
            (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)srv->threads, NULL};
    if (o->max_connections)
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
                                             (intptr_t)o->max_connections, NULL};
    if (o->max_per_ip)
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                             (intptr_t)o->max_per_ip, NULL};
    if (o->idle_timeout_s)
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                             (intptr_t)o->idle_timeout_s, NULL};
    items[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    /* The logger first, so that MHD's messages about later options reach it. */
    return MHD_start_daemon(
        flags, 0, NULL, NULL, access_handler, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
        MHD_OPTION_URI_LOG_CALLBACK, uri_log, srv, MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, conn_notify, srv, MHD_OPTION_ARRAY, items, MHD_OPTION_END);
}

enum aw_err
aw_server_start(const struct aw_server_opts *opts, struct aw_server **out, char *err, size_t errlen)
{
    enum aw_err rc = AW_ECONFIG;
    struct aw_server *srv = NULL;
    struct sockaddr_storage ss;
    bool any = false;
    sigset_t block, old;
    bool masked = false;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;

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
    pthread_mutex_init(&srv->lock, NULL);
    cond_init_monotonic(&srv->timer_cond);
    cond_init_monotonic(&srv->idle_cond);

    if ((rc = parse_listen(opts->listen, &ss, &any, err, errlen)) != AW_OK)
        goto out;
    if (opts->static_dir && (rc = load_static(srv, opts->static_dir, err, errlen)) != AW_OK)
        goto out;
    build_raw408(srv);

    srv->threads = opts->threads;
    if (srv->threads == 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        srv->threads = nc > 0 ? (unsigned)nc : 1;
    }
    if (opts->max_connections && srv->threads > opts->max_connections)
        srv->threads = opts->max_connections;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;

    /* Threads inherit the signal mask: start MHD's pool and our timer with
     * SIGTERM/SIGINT blocked so only aw_server_run_until_signal's sigwait
     * sees them; the caller's own mask is restored below. */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    masked = true;

    if (any) {
        struct sockaddr_in6 s6;
        memset(&s6, 0, sizeof(s6));
        s6.sin6_family = AF_INET6;
        s6.sin6_addr = in6addr_any;
        s6.sin6_port = ((struct sockaddr_in *)&ss)->sin_port;
        srv->d = start_daemon(srv, flags | MHD_USE_DUAL_STACK, (const struct sockaddr *)&s6);
    }
    if (!srv->d)
        srv->d = start_daemon(srv, flags | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
                              (const struct sockaddr *)&ss);
    if (!srv->d) {
        if (err && errlen)
            snprintf(err, errlen, "cannot listen on %s (address in use or not available)",
                     opts->listen);
        rc = AW_EIO;
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : 0;
    if (opts->header_timeout_s) {
        if (pthread_create(&srv->timer, NULL, timer_main, srv) != 0) {
            copy_err(err, errlen, "cannot start the header timer thread");
            rc = AW_EIO;
            goto out;
        }
        srv->timer_running = true;
    }
    AW_INFO("listening on %s (port %u, %u threads, %s)", opts->listen, srv->port, srv->threads,
            (flags & MHD_USE_EPOLL) ? "epoll" : "poll");
    *out = srv;
    srv = NULL;
    rc = AW_OK;
out:
    if (masked)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (srv) {
        if (srv->d)
            MHD_stop_daemon(srv->d);
        free_static(srv);
        free(srv->raw408);
        pthread_cond_destroy(&srv->timer_cond);
        pthread_cond_destroy(&srv->idle_cond);
        pthread_mutex_destroy(&srv->lock);
        free(srv);
    }
    return rc;
}

unsigned
aw_server_port(const struct aw_server *srv)
{
    return srv ? srv->port : 0;
}

/* Stops accepting, waits up to STOP_WAIT_S for requests in flight, stops
 * the timer and MHD. Idempotent. */
static void
server_shutdown(struct aw_server *srv)
{
    struct timespec ts;
    unsigned left;
    if (!srv->d)
        goto out;
    pthread_mutex_lock(&srv->lock);
    srv->stopping = true;
    pthread_mutex_unlock(&srv->lock);

    MHD_socket lfd = MHD_quiesce_daemon(srv->d);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);

    deadline_ts(&ts, (uint64_t)STOP_WAIT_S * 1000000u);
    pthread_mutex_lock(&srv->lock);
    while (srv->inflight > 0)
        if (pthread_cond_timedwait(&srv->idle_cond, &srv->lock, &ts) == ETIMEDOUT)
            break;
    left = srv->inflight;
    srv->timer_stop = true;
    pthread_cond_broadcast(&srv->timer_cond);
    pthread_mutex_unlock(&srv->lock);
    if (left)
        AW_WARN("stopping with %u request(s) still in flight", left);
    if (srv->timer_running) {
        pthread_join(srv->timer, NULL);
        srv->timer_running = false;
    }
    MHD_stop_daemon(srv->d);
    srv->d = NULL;
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
    free_static(srv);
    free(srv->raw408);
    pthread_cond_destroy(&srv->timer_cond);
    pthread_cond_destroy(&srv->idle_cond);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
out:
    return;
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

const char *
aw_req_query(const struct aw_req *req, const char *name)
{
    const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
    if (v && !aw_utf8_valid(v, strlen(v)))
        v = NULL; /* handlers only ever see valid UTF-8 */
    return v;
}

const char *
aw_req_header(const struct aw_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
aw_req_cookie(const struct aw_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
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
    return req->srv->opts.app;
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

/* --- responses --- */

static void
push_header(struct aw_req *req, const char *name, const char *value)
{
    struct aw_resp_hdr *h = aw_arena_alloc(req->arena, sizeof(*h));
    h->next = NULL;
    h->name = name;
    h->value = aw_arena_strdup(req->arena, value);
    *req->hdrs_tail = h;
    req->hdrs_tail = &h->next;
}

enum aw_err
aw_resp_header(struct aw_req *req, const char *name, const char *value)
{
    enum aw_err rc = AW_EINVAL;
    if (req->resp_set || !is_token(name) || !header_value_ok(value) || is_managed_header(name))
        goto out;
    if (strcasecmp(name, "Cache-Control") == 0)
        req->resp_cache = aw_arena_strdup(req->arena, value);
    else
        push_header(req, aw_arena_strdup(req->arena, name), value);
    rc = AW_OK;
out:
    return rc;
}

static bool
cookie_value_ok(const char *v)
{
    bool ok = v != NULL;
    for (; ok && *v; v++) {
        unsigned char c = (unsigned char)*v;
        ok = c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
             (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
    }
    return ok;
}

/* Secure follows aw_req_is_secure: without TLS or a trusted proxy saying
 * https, a Secure cookie would simply not come back over plain HTTP. */
enum aw_err
aw_resp_cookie_ex(struct aw_req *req, const char *name, const char *value, long max_age,
                  unsigned flags)
{
    enum aw_err rc = AW_EINVAL;
    struct aw_buf b = AW_BUF_INIT(4096);
    if (req->resp_set || !is_token(name) || !cookie_value_ok(value))
        goto out;
    aw_buf_printf(&b, "%s=%s; Path=/", name, value);
    if (max_age >= 0 && !(flags & AW_COOKIE_SESSION))
        aw_buf_printf(&b, "; Max-Age=%ld", max_age);
    aw_buf_puts(&b, (flags & AW_COOKIE_STRICT) ? "; SameSite=Strict" : "; SameSite=Lax");
    aw_buf_puts(&b, "; HttpOnly");
    if (aw_req_is_secure(req))
        aw_buf_puts(&b, "; Secure");
    if (aw_buf_err(&b)) {
        rc = AW_ETOOBIG;
        goto out;
    }
    push_header(req, "Set-Cookie", aw_buf_cstr(&b));
    req->has_cookie = true;
    rc = AW_OK;
out:
    aw_buf_free(&b);
    return rc;
}

enum aw_err
aw_resp_cookie(struct aw_req *req, const char *name, const char *value, long max_age)
{
    return aw_resp_cookie_ex(req, name, value, max_age, 0);
}

/* Claims the single response slot; false (and a warning) on a second call. */
static bool
claim(struct aw_req *req, const char *what)
{
    bool ok = !req->resp_set;
    if (ok)
        req->resp_set = true;
    else
        AW_WARN("%s: a response was already sent for this request", what);
    return ok;
}

/* A handler bug (bad status, refused redirect, broken page): answer 500. */
static void
internal_error(struct aw_req *req)
{
    req->resp_is_error = true;
    req->resp_status = 500;
}

void
aw_resp_send(struct aw_req *req, int status, const char *content_type, const void *body, size_t len)
{
    void *copy;
    if (!claim(req, "aw_resp_send"))
        goto out;
    if (status < 200 || status > 599 || !content_type || !header_value_ok(content_type)) {
        AW_ERROR("aw_resp_send: bad status %d or content type", status);
        internal_error(req);
        goto out;
    }
    copy = aw_arena_alloc(req->arena, len ? len : 1);
    if (len)
        memcpy(copy, body, len);
    req->resp_status = status;
    req->resp_type = type_with_charset(req->arena, content_type);
    req->resp_body = copy;
    req->resp_len = len;
out:
    return;
}

static void
free_heap(void *p)
{
    free(p);
}

void
aw_resp_send_html(struct aw_req *req, int status, struct aw_buf *b)
{
    size_t len = 0;
    char *p;
    if (!claim(req, "aw_resp_send_html"))
        goto out;
    if (aw_buf_err(b) || status < 200 || status > 599) {
        AW_ERROR("aw_resp_send_html: status %d, page buffer: %s", status,
                 aw_strerror(aw_buf_err(b)));
        internal_error(req);
        goto out;
    }
    p = aw_buf_steal(b, &len);
    if (p)
        aw_arena_defer(req->arena, free_heap, p);
    req->resp_status = status;
    req->resp_type = "text/html; charset=utf-8";
    req->resp_body = p ? p : "";
    req->resp_len = len;
out:
    aw_buf_free(b); /* after a steal: nothing left to free, b is reset */
}

/* A local absolute path: "/" followed by visible ASCII, and not "//host" or
 * "/\host" (which browsers read as a network path). */
static bool
local_location_ok(const char *loc)
{
    bool ok = loc && loc[0] == '/' && loc[1] != '/' && loc[1] != '\\';
    for (const char *p = loc; ok && *p; p++)
        ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f && *p != '\\';
    return ok;
}

void
aw_resp_redirect(struct aw_req *req, int status, const char *location)
{
    if (!claim(req, "aw_resp_redirect"))
        goto out;
    if ((status != 301 && status != 302 && status != 303 && status != 307 && status != 308) ||
        !local_location_ok(location)) {
        AW_ERROR("aw_resp_redirect: refused status %d or a non-local location", status);
        internal_error(req);
        goto out;
    }
    push_header(req, "Location", location);
    req->resp_status = status;
    req->resp_type = "text/plain; charset=utf-8";
    req->resp_body = "";
    req->resp_len = 0;
out:
    return;
}

void
aw_resp_error(struct aw_req *req, int status)
{
    if (claim(req, "aw_resp_error")) {
        req->resp_is_error = true;
        req->resp_status = status >= 400 && status <= 599 ? status : 500;
    }
}
