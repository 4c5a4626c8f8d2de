/* html.h: the output module's escapers and the trusted-markup type.
 *
 * struct aw_html is markup that is safe to emit verbatim. Only three places
 * make one: AW_HTML_LIT() on a string literal, the template engine (tpl.h)
 * and the Markdown renderer (cmark, safe mode). Everything else is text and
 * goes through aw_html_escape(). */
#ifndef AW_HTML_H
#define AW_HTML_H

#include "aw/buf.h"
#include <stdbool.h>

struct aw_html {
    const char *ptr;
    size_t len;
};

/* Only string literals can become markup this way. */
#define AW_HTML_LIT(s) ((struct aw_html){"" s, sizeof(s) - 1})

/* Appends text with & < > " ' escaped (&amp; &lt; &gt; &quot; &#39;). */
void aw_html_escape(struct aw_buf *out, const char *s, size_t n);

/* True when url may be put in an href/src attribute: relative URLs
 * (starting with '/', '#', '?', or a path without a scheme), http:, https:
 * and mailto:. Rejects javascript:, data:, vbscript:, file: and anything
 * with control characters (cmark's _scan_dangerous_url, stricter). */
bool aw_html_url_ok(const char *url, size_t n);

/* Renders Markdown (CommonMark) to markup with cmark's safe default (raw HTML
 * suppressed, unsafe links emptied). The result lives in arena a. */
struct aw_arena;
struct aw_html aw_html_markdown(struct aw_arena *a, const char *md, size_t n);

#endif
