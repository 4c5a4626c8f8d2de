/* fuzz_http_parse.c: libFuzzer target for the HTTP/1.1 request head and
 * chunked body parsers (src/http/http_parse.c). The input is what a client
 * sends. Invariants: aw_http__head_end answers the same whether the bytes come
 * whole or one at a time; a complete head never exceeds the header limit; a
 * head that parses has a method, a target within the URL limit, at most
 * AW_HTTP_MAX_FIELDS fields without CR, LF or NUL, one framing, and never both
 * a Content-Length and chunked; statuses are only those documented. The bytes
 * after the head go through the chunked decoder, whole and one at a time,
 * with the same verdict and the same decoded bytes. */
/* src/ is not on a fuzz target's include path (CMakeLists.txt): reach the internal
 * header relative to this file. */
#include "../../src/http/http_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct aw_http_limits lim = {1024, 256};

static void
check(bool ok)
{
    if (!ok)
        abort();
}

struct sink {
    unsigned char *buf;
    size_t len, cap;
};

static void
sink_out(void *arg, const char *p, size_t n)
{
    struct sink *s = arg;
    check(s->len + n <= s->cap);
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

/* Decodes in[0, n) fed in pieces of step bytes; returns the verdict. */
static int
decode(const char *in, size_t n, size_t step, struct sink *s, size_t *used_total)
{
    struct aw_http_chunked st = {0};
    size_t pos = 0, used;
    const char *why;
    int rc = 0;
    while (rc == 0 && pos < n) {
        size_t k = n - pos < step ? n - pos : step;
        rc = aw_http__chunked(&st, in + pos, k, &used, sink_out, s, &why);
        check(used <= k);
        check(rc != 0 || used == k);
        pos += used;
    }
    check(rc == 0 || rc == 1 || rc == 400);
    *used_total = pos;
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    struct aw_http_scan whole = {0}, bytes = {0};
    long end = aw_http__head_end(in, size, &whole, &lim), end1 = 0;
    for (size_t i = 1; i <= size && end1 == 0; i++)
        end1 = aw_http__head_end(in, i, &bytes, &lim);
    check(end == end1);
    check(end == 0 || end == -400 || end == -414 || end == -431 ||
          (end > 0 && (size_t)end <= size && (size_t)end <= lim.max_header_bytes));
    if (end > 0) {
        struct aw_arena *a = aw_arena_new(0);
        struct aw_http_head h;
        const char *why = NULL;
        int st = aw_http__head_parse(a, in, (size_t)end, &lim, &h, &why);
        check(why != NULL);
        check(st == 0 || st == 400 || st == 414 || st == 417 || st == 431 || st == 501 ||
              st == 505);
        if (st == 0) {
            check(h.method && h.target && h.target_len <= lim.max_url_bytes);
            check(h.nfields <= AW_HTTP_MAX_FIELDS);
            for (size_t i = 0; i < h.nfields; i++) {
                check(strlen(h.fields[i].name) == h.fields[i].name_len);
                check(strlen(h.fields[i].value) == h.fields[i].value_len);
                check(!strpbrk(h.fields[i].value, "\r\n"));
            }
            check(h.framing != AW_FRAMING_CHUNKED || !aw_http__head_field(&h, "Content-Length"));
            check(h.framing != AW_FRAMING_LENGTH || h.content_length > 0);
        }
        aw_arena_free(a);
    }
    /* The rest (or everything) as a chunked body. */
    size_t off = end > 0 ? (size_t)end : 0;
    struct sink s1 = {malloc(size + 1), 0, size + 1}, s2 = {malloc(size + 1), 0, size + 1};
    check(s1.buf && s2.buf);
    size_t u1, u2;
    int r1 = decode(in + off, size - off, size - off ? size - off : 1, &s1, &u1);
    int r2 = decode(in + off, size - off, 1, &s2, &u2);
    check(r1 == r2);
    if (r1 == 1) {
        check(u1 == u2 && s1.len == s2.len && memcmp(s1.buf, s2.buf, s1.len) == 0);
        check(s1.len <= u1);
    }
    free(s1.buf);
    free(s2.buf);
    return 0;
}
