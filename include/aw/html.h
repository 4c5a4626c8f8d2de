/* html.h: the output module's escapers and the trusted-markup type.
 *
 * struct aw_html is markup that is safe to emit verbatim. It is opaque: no
 * file outside src/html/ can build one from text, and only two ways make
 * one: AW_HTML_LIT() on a string literal and the Markdown renderer (cmark,
 * safe mode); the template engine writes them. Everything else is text and
 * goes through aw_html_escape() (lint rule "html" keeps aw_html__literal
 * behind its macro). */
#ifndef AW_HTML_H
#define AW_HTML_H

#include "aw/buf.h"
#include <stdbool.h>

struct aw_html;
struct aw_arena;

/* Only string literals can become markup this way ("" s fails to compile
 * for anything else); the handle lives in arena a. */
#define AW_HTML_LIT(a, s) aw_html__literal((a), "" s, sizeof(s) - 1)
const struct aw_html *aw_html__literal(struct aw_arena *a, const char *lit, size_t n);

/* The markup's bytes (reading markup is safe; making it is what is kept
 * here). NULL h: "" and 0. */
const char *aw_html_bytes(const struct aw_html *h, size_t *len);

/* Appends text with & < > " ' escaped (&amp; &lt; &gt; &quot; &#39;). */
void aw_html_escape(struct aw_buf *out, const char *s, size_t n);

/* True when url may be put in an href/src attribute: relative URLs
 * (starting with '/', '#', '?', or a path without a scheme), http:, https:,
 * mailto: and tel:. Rejects javascript:, data:, vbscript:, file: and anything
 * with control characters (cmark's _scan_dangerous_url, stricter). */
bool aw_html_url_ok(const char *url, size_t n);

/* Renders Markdown (CommonMark) to markup with cmark's safe default (raw HTML
 * suppressed, unsafe links emptied). The result lives in arena a. */
const struct aw_html *aw_html_markdown(struct aw_arena *a, const char *md, size_t n);

#endif
