/* test_parse.c: the request head and chunked body parsers (http_parse.c),
 * table-driven. Every head case is also fed one byte at a time, which must
 * give the same verdict as feeding it whole. */
#include "aw/arena.h"
#include "http/http_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#define LIM_HEADER 256
#define LIM_URL 64

static const struct aw_http_limits lim = {LIM_HEADER, LIM_URL};

/* A string literal with its length, NULs included. */
#define B(s) s, sizeof(s) - 1

struct head_case {
    const char *name;
    const char *raw;
    size_t len;
    int status;                   /* 0: parses; else the status (from either function) */
    enum aw_http_framing framing; /* when status is 0 */
    uint64_t content_length;      /* when framing is LENGTH */
    int keep_alive;               /* when status is 0: 1 or 0 */
};

static const struct head_case heads[] = {
    {"simple", B("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0, AW_FRAMING_NONE, 0, 1},
    {"http/1.0 no host", B("GET / HTTP/1.0\r\n\r\n"), 0, AW_FRAMING_NONE, 0, 0},
    {"http/1.0 keep-alive", B("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 0,
     AW_FRAMING_NONE, 0, 1},
    {"connection close", B("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n"), 0,
     AW_FRAMING_NONE, 0, 0},
    {"connection list", B("GET / HTTP/1.1\r\nHost: a\r\nConnection: x, close\r\n\r\n"), 0,
     AW_FRAMING_NONE, 0, 0},
    {"http/1.2 is 1.1", B("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 0, AW_FRAMING_NONE, 0, 1},
    {"leading empty lines", B("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0, AW_FRAMING_NONE, 0,
     1},
    {"content-length", B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n"), 0,
     AW_FRAMING_LENGTH, 12, 1},
    {"content-length 0", B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"), 0,
     AW_FRAMING_NONE, 0, 1},
    {"content-length OWS", B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \t 7 \r\n\r\n"), 0,
     AW_FRAMING_LENGTH, 7, 1},
    {"chunked", B("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), 0,
     AW_FRAMING_CHUNKED, 0, 1},
    {"chunked any case", B("POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: Chunked\r\n\r\n"), 0,
     AW_FRAMING_CHUNKED, 0, 1},
    {"obs-text in value", B("GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n"), 0,
     AW_FRAMING_NONE, 0, 1},
    {"empty value", B("GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n"), 0, AW_FRAMING_NONE, 0, 1},
    {"host with port", B("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"), 0, AW_FRAMING_NONE, 0, 1},
    {"expect 100-continue",
     B("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n"), 0,
     AW_FRAMING_LENGTH, 1, 1},

    /* RFC 9112 6.1 and 6.3: framing that a proxy could read differently. */
    {"cl and te",
     B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"),
     400, AW_FRAMING_NONE, 0, 0},
    {"te and cl",
     B("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"),
     400, AW_FRAMING_NONE, 0, 0},
    {"two different cl",
     B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 30\r\n\r\n"), 400,
     AW_FRAMING_NONE, 0, 0},
    {"two equal cl",
     B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"), 400,
     AW_FRAMING_NONE, 0, 0},
    {"cl list", B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n"), 400,
     AW_FRAMING_NONE, 0, 0},
    {"cl abc", B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n"), 400, AW_FRAMING_NONE,
     0, 0},
    {"cl -1", B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"), 400, AW_FRAMING_NONE,
     0, 0},
    {"cl +1", B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n"), 400, AW_FRAMING_NONE,
     0, 0},
    {"cl empty", B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n"), 400, AW_FRAMING_NONE,
     0, 0},
    {"cl 19 digits", B("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000000000\r\n\r\n"),
     400, AW_FRAMING_NONE, 0, 0},
    {"te gzip, chunked",
     B("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501,
     AW_FRAMING_NONE, 0, 0},
    {"te identity", B("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n"), 501,
     AW_FRAMING_NONE, 0, 0},
    {"te chunked twice",
     B("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "chunked\r\n\r\n"),
     501, AW_FRAMING_NONE, 0, 0},
    {"te in http/1.0", B("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400,
     AW_FRAMING_NONE, 0, 0},

    /* The request line. */
    {"nul in path", B("GET /en/\0x HTTP/1.1\r\nHost: a\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"control in path", B("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"non-ascii in path", B("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), 400, AW_FRAMING_NONE,
     0, 0},
    {"two spaces", B("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"no version", B("GET /\r\nHost: a\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"one word", B("GARBAGE\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"not http", B("GET / FOO/1.1\r\nHost: a\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"lowercase http", B("GET / http/1.1\r\nHost: a\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"http/2", B("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505, AW_FRAMING_NONE, 0, 0},
    {"h2 preface", B("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505, AW_FRAMING_NONE, 0, 0},
    {"bad method", B("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"long method", B("GETGETGETGETGETGETGETGETGETGETGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400,
     AW_FRAMING_NONE, 0, 0},
    {"target at max",
     B("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: "
       "a\r\n\r\n"),
     0, AW_FRAMING_NONE, 0, 1},
    {"target over max",
     B("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: "
       "a\r\n\r\n"),
     414, AW_FRAMING_NONE, 0, 0},

    /* Header lines. */
    {"no host", B("GET / HTTP/1.1\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"two hosts", B("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"two hosts in 1.0", B("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), 400, AW_FRAMING_NONE, 0,
     0},
    {"host with slash", B("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"host with at", B("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"host with space", B("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"nul in value", B("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"control in value", B("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n"), 400, AW_FRAMING_NONE,
     0, 0},
    {"space before colon", B("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"no colon", B("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"empty name", B("GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"obs-fold", B("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"bare lf", B("GET / HTTP/1.1\nHost: a\n\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"bare lf in a header", B("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"), 400, AW_FRAMING_NONE, 0,
     0},
    {"bare cr", B("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), 400, AW_FRAMING_NONE, 0, 0},
    {"expect other", B("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n"), 417,
     AW_FRAMING_NONE, 0, 0},
    {"head over max",
     B("GET / HTTP/1.1\r\nHost: a\r\nX-Long: "
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"),
     431, AW_FRAMING_NONE, 0, 0},
};

/* Runs one case: feeding whole, or step bytes at a time. Returns the status
 * (0 when it parsed) and fills h. */
static int
run_head(const struct head_case *c, size_t step, struct aw_arena *a, struct aw_http_head *h)
{
    struct aw_http_scan sc;
    long end = 0;
    size_t fed = 0;
    const char *why;
    memset(&sc, 0, sizeof(sc));
    while (end == 0 && fed < c->len) {
        fed = fed + step < c->len ? fed + step : c->len;
        end = aw_http__head_end(c->raw, fed, &sc, &lim);
    }
    if (end < 0)
        return (int)-end;
    if (end == 0)
        return -1; /* never complete */
    return aw_http__head_parse(a, c->raw, (size_t)end, &lim, h, &why);
}

static void
test_heads(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
        const struct head_case *c = &heads[i];
        for (size_t step = 1; step <= c->len; step = step == 1 ? c->len : c->len + 1) {
            struct aw_arena *a = aw_arena_new(0);
            struct aw_http_head h;
            int st = run_head(c, step, a, &h);
            if (st != c->status)
                fail_msg("%s (step %zu): status %d, expected %d", c->name, step, st, c->status);
            if (st == 0) {
                if (h.framing != c->framing || h.content_length != c->content_length ||
                    (int)h.keep_alive != c->keep_alive)
                    fail_msg("%s: framing %d length %llu keep-alive %d", c->name, (int)h.framing,
                             (unsigned long long)h.content_length, (int)h.keep_alive);
            }
            aw_arena_free(a);
        }
    }
}

/* What is left after a head is the next request or the body. */
static void
test_head_end_stops_at_blank_line(void **state)
{
    (void)state;
    static const char raw[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\n";
    struct aw_http_scan sc = {0};
    assert_int_equal(aw_http__head_end(raw, sizeof(raw) - 1, &sc, &lim), 27);
    /* An incomplete head within the limits asks for more. */
    memset(&sc, 0, sizeof(sc));
    assert_int_equal(aw_http__head_end(raw, 20, &sc, &lim), 0);
    /* A target that is already too long is refused before its line ends. */
    char big[LIM_URL + 16];
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /", 5);
    memset(&sc, 0, sizeof(sc));
    assert_int_equal(aw_http__head_end(big, sizeof(big), &sc, &lim), -414);
    /* A head that passes the limit without its blank line: 431 at byte
     * max_header_bytes + 1, not before. */
    char hdr[LIM_HEADER + 1];
    memset(hdr, 'x', sizeof(hdr));
    memcpy(hdr, "GET / HTTP/1.1\r\nX: ", 19);
    memset(&sc, 0, sizeof(sc));
    assert_int_equal(aw_http__head_end(hdr, sizeof(hdr), &sc, &lim), -431);
    memset(&sc, 0, sizeof(sc));
    assert_int_equal(aw_http__head_end(hdr, sizeof(hdr) - 1, &sc, &lim), 0);
}

static void
test_fields_kept(void **state)
{
    (void)state;
    static const char raw[] = "GET /a?b=c HTTP/1.1\r\nHost: h\r\nX-One: \t1 \r\nCookie: a=1\r\n"
                              "cookie: b=2\r\n\r\n";
    struct aw_arena *a = aw_arena_new(0);
    struct aw_http_head h;
    const char *why;
    assert_int_equal(aw_http__head_parse(a, raw, sizeof(raw) - 1, &lim, &h, &why), 0);
    assert_string_equal(h.method, "GET");
    assert_string_equal(h.target, "/a?b=c");
    assert_int_equal(h.nfields, 4);
    assert_string_equal(aw_http__head_field(&h, "x-one"), "1");
    assert_string_equal(aw_http__head_field(&h, "COOKIE"), "a=1");
    assert_null(aw_http__head_field(&h, "X-Two"));
    aw_arena_free(a);
}

/* More than AW_HTTP_MAX_FIELDS header lines: 431. */
static void
test_field_count(void **state)
{
    (void)state;
    static const struct aw_http_limits big = {1 << 20, 64};
    char raw[8192];
    for (int n = AW_HTTP_MAX_FIELDS - 1; n <= AW_HTTP_MAX_FIELDS; n++) {
        size_t len = (size_t)snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\n");
        for (int i = 0; i < n; i++)
            len += (size_t)snprintf(raw + len, sizeof(raw) - len, "X%d: v\r\n", i);
        len += (size_t)snprintf(raw + len, sizeof(raw) - len, "%s", "\r\n");
        /* n - 1 X headers + Host */
        struct aw_arena *a = aw_arena_new(0);
        struct aw_http_head h;
        const char *why;
        char *with_host = aw_arena_printf(a, "GET / HTTP/1.1\r\nHost: a\r\n%s", raw + 16);
        int st = aw_http__head_parse(a, with_host, strlen(with_host), &big, &h, &why);
        assert_int_equal(st, n + 1 > AW_HTTP_MAX_FIELDS ? 431 : 0);
        aw_arena_free(a);
    }
}

/* --- chunked bodies --- */

struct chunk_case {
    const char *name;
    const char *raw;
    size_t len;
    int rc;           /* 1 done, 0 more, 400 */
    const char *body; /* decoded, when rc is 1 */
    size_t used;      /* bytes consumed, when rc is 1 */
};

static const struct chunk_case chunks[] = {
    {"one chunk", B("5\r\nhello\r\n0\r\n\r\n"), 1, "hello", 15},
    {"two chunks", B("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), 1, "abcde", 20},
    {"hex case", B("A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n"), 1, "01234567890123456789",
     35},
    {"extension", B("3;name=value\r\nabc\r\n0\r\n\r\n"), 1, "abc", 24},
    {"trailer", B("3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"), 1, "abc", 21},
    {"next request after", B("1\r\nx\r\n0\r\n\r\nGET"), 1, "x", 11},
    {"empty", B("0\r\n\r\n"), 1, "", 5},
    {"incomplete", B("5\r\nhel"), 0, NULL, 0},
    {"no size", B("\r\nabc\r\n"), 400, NULL, 0},
    {"bad size", B("g\r\nabc\r\n"), 400, NULL, 0},
    {"negative", B("-1\r\nabc\r\n"), 400, NULL, 0},
    {"too many digits", B("0000000000000001\r\nx\r\n"), 400, NULL, 0},
    {"bare lf after size", B("3\nabc\r\n0\r\n\r\n"), 400, NULL, 0},
    {"no crlf after data", B("3\r\nabcd\r\n0\r\n\r\n"), 400, NULL, 0},
    {"bare lf after data", B("3\r\nabc\n0\r\n\r\n"), 400, NULL, 0},
    {"nul in trailer", B("0\r\nX: \0\r\n\r\n"), 400, NULL, 0},
    {"control in extension", B("3;\x01\r\nabc\r\n0\r\n\r\n"), 400, NULL, 0},
};

struct sink {
    char buf[256];
    size_t len;
};

static void
sink_out(void *arg, const char *p, size_t n)
{
    struct sink *s = arg;
    assert_true(s->len + n <= sizeof(s->buf));
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static void
test_chunked(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        const struct chunk_case *c = &chunks[i];
        /* whole, then one byte at a time */
        for (int mode = 0; mode < 2; mode++) {
            struct aw_http_chunked st = {0};
            struct sink s = {{0}, 0};
            size_t pos = 0, used;
            const char *why;
            int rc = 0;
            while (rc == 0 && pos < c->len) {
                size_t n = mode == 0 ? c->len - pos : 1;
                rc = aw_http__chunked(&st, c->raw + pos, n, &used, sink_out, &s, &why);
                pos += used;
            }
            if (rc != c->rc)
                fail_msg("%s (mode %d): rc %d, expected %d", c->name, mode, rc, c->rc);
            if (rc == 1) {
                assert_int_equal(pos, c->used);
                assert_int_equal(s.len, strlen(c->body));
                assert_memory_equal(s.buf, c->body, s.len);
            }
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heads),       cmocka_unit_test(test_head_end_stops_at_blank_line),
        cmocka_unit_test(test_fields_kept), cmocka_unit_test(test_field_count),
        cmocka_unit_test(test_chunked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
