/* html_int.h: the one definition of struct aw_html (html.h keeps it opaque),
 * for the three files that make or read markup: html_escape.c (literals,
 * Markdown), html_view.c (views holding it), tpl_render.c (writing it). */
#ifndef AW_HTML_INT_H
#define AW_HTML_INT_H

#include "aw/html.h"

struct aw_html {
    const char *ptr;
    size_t len;
};

#endif
