/* html_escape.c: the output module's escapers (see html.h): HTML text and
 * attribute escaping, the URL scheme allowlist for href/src, and Markdown
 * through cmark in its safe default mode. */
#include "aw/arena.h"
#include "html_int.h"

#include <cmark.h>
#include <string.h>

void
aw_html_escape(struct aw_buf *out, const char *s, size_t n)
{
    size_t run = 0; /* start of the pending run of bytes that need no escape */

    for (size_t i = 0; i < n; i++) {
        const char *rep;
        size_t replen;

        switch (s[i]) {
        case '&':
            rep = "&amp;", replen = 5;
            break;
        case '<':
            rep = "&lt;", replen = 4;
            break;
        case '>':
            rep = "&gt;", replen = 4;
            break;
        case '"':
            rep = "&quot;", replen = 6;
            break;
        case '\'':
            rep = "&#39;", replen = 5;
            break;
        default:
            continue;
        }
        if (i > run)
            aw_buf_append(out, s + run, i - run);
        aw_buf_append(out, rep, replen);
        run = i + 1;
    }
    if (n > run)
        aw_buf_append(out, s + run, n - run);
}

/* True when the n bytes at s equal the lower-case ASCII word w, ignoring case. */
static bool
scheme_is(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);

    if (n != wl)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return false;
    }
    return true;
}

/* A URL is relative unless a ':' comes before the first '/', '?' or '#'.
 * Whatever precedes that ':' is taken as the scheme, even when it is not a
 * well-formed one (" javascript", "java script"): browsers strip or ignore
 * such bytes, so only an exact allowed scheme passes. Control characters
 * (which browsers also strip, turning "java\tscript:" into "javascript:")
 * are refused anywhere in the URL. */
bool
aw_html_url_ok(const char *url, size_t n)
{
    size_t colon = n;

    if (url == NULL)
        return n == 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c < 0x20 || c == 0x7f)
            return false;
        if (colon == n) {
            if (c == '/' || c == '?' || c == '#')
                colon = n + 1; /* path, query or fragment reached: relative */
            else if (c == ':')
                colon = i;
        }
    }
    if (colon >= n)
        return true;
    return scheme_is(url, colon, "http") || scheme_is(url, colon, "https") ||
           scheme_is(url, colon, "mailto") || scheme_is(url, colon, "tel");
}

const struct aw_html *
aw_html__literal(struct aw_arena *a, const char *lit, size_t n)
{
    struct aw_html *h = aw_arena_alloc(a, sizeof(*h));
    h->ptr = lit;
    h->len = n;
    return h;
}

const char *
aw_html_bytes(const struct aw_html *h, size_t *len)
{
    if (len)
        *len = h ? h->len : 0;
    return h ? h->ptr : "";
}

const struct aw_html *
aw_html_markdown(struct aw_arena *a, const char *md, size_t n)
{
    struct aw_html *h = aw_arena_alloc(a, sizeof(*h));
    h->ptr = "";
    h->len = 0;
    /* CMARK_OPT_DEFAULT: raw HTML becomes a comment and javascript:, vbscript:,
     * file: and most data: links are emptied. Never CMARK_OPT_UNSAFE. */
    char *html = cmark_markdown_to_html(md ? md : "", md ? n : 0, CMARK_OPT_DEFAULT);

    if (html == NULL)
        return h;
    size_t len = strlen(html);
    char *copy = aw_arena_alloc(a, len + 1);
    memcpy(copy, html, len + 1);
    h->ptr = copy;
    h->len = len;
    cmark_get_default_mem_allocator()->free(html);
    return h;
}
