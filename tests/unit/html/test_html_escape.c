/* test_html_escape.c: the output module's escapers (html.h): HTML escaping,
 * the URL scheme allowlist and safe Markdown. Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "aw/arena.h"
#include "aw/buf.h"
#include "aw/html.h"

#include <string.h>

struct esc_case {
    const char *in;
    size_t inlen; /* 0: strlen(in) */
    const char *out;
    size_t outlen;
};

static const struct esc_case esc_cases[] = {
    {"", 0, "", 0},
    {"plain text", 0, "plain text", 0},
    {"<script>alert(1)</script>", 0, "&lt;script&gt;alert(1)&lt;/script&gt;", 0},
    {"Tom & Jerry's \"show\"", 0, "Tom &amp; Jerry&#39;s &quot;show&quot;", 0},
    {"&amp;", 0, "&amp;amp;", 0},
    {"\xc3\xa9t\xc3\xa9 <", 0, "\xc3\xa9t\xc3\xa9 &lt;", 0},
    {"'", 0, "&#39;", 0},
    {"a\0<b", 4, "a\0&lt;b", 7}, /* lengths, not NUL terminators */
    {"<<>>", 0, "&lt;&lt;&gt;&gt;", 0},
    {"line\nbreak\ttab", 0, "line\nbreak\ttab", 0},
};

static void
test_escape_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
        const struct esc_case *c = &esc_cases[i];
        size_t inlen = c->inlen ? c->inlen : strlen(c->in);
        size_t outlen = c->outlen ? c->outlen : strlen(c->out);
        struct aw_buf b = AW_BUF_INIT(1024);

        aw_html_escape(&b, c->in, inlen);
        assert_int_equal(aw_buf_err(&b), AW_OK);
        assert_int_equal(b.len, outlen);
        assert_memory_equal(aw_buf_cstr(&b), c->out, outlen);
        aw_buf_free(&b);
    }
}

/* The escaper respects the buffer's maximum: at max it fits, one byte less fails. */
static void
test_escape_limit(void **state)
{
    (void)state;
    struct aw_buf b = AW_BUF_INIT(8); /* "&lt;&lt;" is 8 bytes */

    aw_html_escape(&b, "<<", 2);
    assert_int_equal(aw_buf_err(&b), AW_OK);
    assert_string_equal(aw_buf_cstr(&b), "&lt;&lt;");
    aw_buf_free(&b);

    b = AW_BUF_INIT(7);
    aw_html_escape(&b, "<<", 2);
    assert_int_equal(aw_buf_err(&b), AW_ETOOBIG);
    aw_buf_free(&b);
}

struct url_case {
    const char *url;
    size_t len; /* 0: strlen(url) */
    bool ok;
};

static const struct url_case url_cases[] = {
    /* relative */
    {"", 0, true},
    {"/", 0, true},
    {"/en/editions/2025?x=1#top", 0, true},
    {"#top", 0, true},
    {"?q=javascript:1", 0, true},
    {"#javascript:x", 0, true},
    {"page.html", 0, true},
    {"../up/one", 0, true},
    {"./a:b", 0, true},
    {"a/b:c", 0, true},
    {"//example.org/x", 0, true},
    /* No scheme (the '#' starts a fragment, or there is no ':'): harmless once
     * escaped into an attribute, which keeps the '&' from being decoded. */
    {"javascript&#58;alert(1)", 0, true},
    {"&#106;avascript:alert(1)", 0, true},
    /* allowed schemes, any case */
    {"http://example.org/", 0, true},
    {"https://example.org/a?b", 0, true},
    {"HTTPS://EXAMPLE.ORG", 0, true},
    {"HtTp:relative", 0, true},
    {"mailto:team@example.org", 0, true},
    {"MAILTO:team@example.org", 0, true},
    /* refused schemes */
    {"javascript:alert(1)", 0, false},
    {"JavaScript:alert(1)", 0, false},
    {"JAVASCRIPT:alert(1)", 0, false},
    {" javascript:alert(1)", 0, false},
    {"javascript :alert(1)", 0, false},
    {"java script:alert(1)", 0, false},
    {"data:text/html,<script>x</script>", 0, false},
    {"DATA:image/png;base64,AAAA", 0, false},
    {"vbscript:msgbox(1)", 0, false},
    {"file:///etc/passwd", 0, false},
    {"ftp://example.org/", 0, false},
    {"foo:bar", 0, false},
    {"https", 0, true}, /* a relative path named "https" */
    {"http:", 0, true},
    {":", 0, false},
    /* control characters, anywhere */
    {"java\tscript:alert(1)", 0, false},
    {"java\nscript:alert(1)", 0, false},
    {"java\rscript:alert(1)", 0, false},
    {"\x01javascript:alert(1)", 0, false},
    {"http://example.org/\x7f", 0, false},
    {"/ok\0javascript:x", 16, false},
    {"http://example.org/\x1f", 0, false},
};

static void
test_url_ok_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
        const struct url_case *c = &url_cases[i];
        size_t len = c->len ? c->len : strlen(c->url);
        bool got = aw_html_url_ok(c->url, len);
        if (got != c->ok)
            fail_msg("aw_html_url_ok(\"%s\") = %d, expected %d", c->url, got, c->ok);
    }
}

struct md_case {
    const char *md;
    const char *must;     /* substring the HTML must contain, or NULL */
    const char *must_not; /* substring it must not contain, or NULL */
};

static const struct md_case md_cases[] = {
    {"# Title", "<h1>Title</h1>", NULL},
    {"*em* and **strong**", "<em>em</em> and <strong>strong</strong>", NULL},
    {"<script>alert(1)</script>", "raw HTML omitted", "<script"},
    {"text <b onmouseover=x>bold</b>", "raw HTML omitted", "<b "},
    {"[click](javascript:alert(1))", "<a href=\"\">click</a>", "javascript"},
    {"[click](JavaScript:alert(1))", "<a href=\"\">", "avaScript"},
    {"![img](vbscript:x)", "src=\"\"", "vbscript"},
    {"[ok](https://example.org/?a=1&b=2)", "href=\"https://example.org/?a=1&amp;b=2\"", NULL},
    {"a < b & c", "a &lt; b &amp; c", NULL},
    {"", NULL, "<"},
};

static void
test_markdown_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(md_cases) / sizeof(md_cases[0]); i++) {
        const struct md_case *c = &md_cases[i];
        struct aw_arena *a = aw_arena_new(0);
        size_t hn;
        const char *h = aw_html_bytes(aw_html_markdown(a, c->md, strlen(c->md)), &hn);

        assert_non_null(h);
        assert_int_equal(strlen(h), hn);
        if (c->must && strstr(h, c->must) == NULL)
            fail_msg("markdown(\"%s\") = \"%s\", lacks \"%s\"", c->md, h, c->must);
        if (c->must_not && strstr(h, c->must_not) != NULL)
            fail_msg("markdown(\"%s\") = \"%s\", has \"%s\"", c->md, h, c->must_not);
        aw_arena_free(a);
    }
}

/* Only the n bytes given are read: no NUL terminator needed. */
static void
test_markdown_length(void **state)
{
    (void)state;
    struct aw_arena *a = aw_arena_new(0);
    size_t hn;
    assert_string_equal(aw_html_bytes(aw_html_markdown(a, "*a*<script>", 3), NULL),
                        "<p><em>a</em></p>\n");
    assert_string_equal(aw_html_bytes(aw_html_markdown(a, NULL, 0), &hn), "");
    assert_int_equal(hn, 0);
    aw_arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_table),    cmocka_unit_test(test_escape_limit),
        cmocka_unit_test(test_url_ok_table),    cmocka_unit_test(test_markdown_table),
        cmocka_unit_test(test_markdown_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
