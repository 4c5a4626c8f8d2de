/* view.h: the data a template renders: a small tree of maps, lists, strings,
 * numbers, booleans and trusted markup, allocated in a request arena.
 *
 * Strings are not copied: the caller keeps them alive at least as long as the
 * arena (arena-allocated or static strings). Keys are compared byte-wise.
 * Maps keep insertion order; setting an existing key replaces its value. */
#ifndef AW_VIEW_H
#define AW_VIEW_H

#include "aw/arena.h"
#include "aw/html.h"
#include <stdbool.h>
#include <stdint.h>

enum aw_view_type {
    AW_VIEW_NULL = 0,
    AW_VIEW_BOOL,
    AW_VIEW_INT,
    AW_VIEW_NUM, /* double */
    AW_VIEW_STR,
    AW_VIEW_HTML, /* trusted markup: the only type {{{x}}} emits verbatim */
    AW_VIEW_URL,  /* a checked URL (aw_html_url_ok): the only text an href or src takes */
    AW_VIEW_LIST,
    AW_VIEW_MAP
};

struct aw_view;

struct aw_view *aw_view_map(struct aw_arena *a);
struct aw_view *aw_view_list(struct aw_arena *a);
struct aw_view *aw_view_str(struct aw_arena *a, const char *s); /* NULL s: null */
struct aw_view *aw_view_strn(struct aw_arena *a, const char *s, size_t n);
struct aw_view *aw_view_int(struct aw_arena *a, int64_t v);
struct aw_view *aw_view_num(struct aw_arena *a, double v);
struct aw_view *aw_view_bool(struct aw_arena *a, bool v);
struct aw_view *aw_view_null(struct aw_arena *a);
struct aw_view *aw_view_html(struct aw_arena *a, const struct aw_html *h);
/* A URL for an href, src or action: the URL node when aw_html_url_ok()
 * accepts it (relative, http:, https:, mailto:, tel:), else false (so that
 * {{#url}}...{{/url}} leaves the link out). The template engine writes
 * nothing else in those attributes (strict mode: an error; otherwise a
 * plain string there is checked the same way). */
struct aw_view *aw_view_url(struct aw_arena *a, const char *url);

/* Map setters; `key` must outlive the arena (literals or arena strings).
 * Each returns the value it stored (for chaining into nested maps/lists). */
struct aw_view *aw_view_set(struct aw_view *map, const char *key, struct aw_view *v);
struct aw_view *aw_view_set_str(struct aw_view *map, const char *key, const char *s);
struct aw_view *aw_view_set_int(struct aw_view *map, const char *key, int64_t v);
struct aw_view *aw_view_set_bool(struct aw_view *map, const char *key, bool v);
struct aw_view *aw_view_set_html(struct aw_view *map, const char *key, const struct aw_html *h);
struct aw_view *aw_view_set_url(struct aw_view *map, const char *key, const char *url);
struct aw_view *aw_view_set_map(struct aw_view *map, const char *key);  /* new child map */
struct aw_view *aw_view_set_list(struct aw_view *map, const char *key); /* new child list */
/* List append; returns v. */
struct aw_view *aw_view_push(struct aw_view *list, struct aw_view *v);
struct aw_view *aw_view_push_map(struct aw_view *list); /* new map appended */

enum aw_view_type aw_view_type(const struct aw_view *v);
/* Lookup of one key in a map (no dots); NULL when absent or v not a map. */
const struct aw_view *aw_view_get(const struct aw_view *v, const char *key, size_t keylen);
size_t aw_view_len(const struct aw_view *v);                         /* list length, else 0 */
const struct aw_view *aw_view_at(const struct aw_view *v, size_t i); /* list item */
/* Scalars; 0 / NULL / false when the type differs. */
bool aw_view_as_bool(const struct aw_view *v);
int64_t aw_view_as_int(const struct aw_view *v);
double aw_view_as_num(const struct aw_view *v);
const char *aw_view_as_str(const struct aw_view *v, size_t *len); /* strings and URLs */
const struct aw_html *aw_view_as_html(const struct aw_view *v);   /* NULL if not markup */
/* Mustache truthiness: null, false, empty list, empty string and empty
 * markup are false; everything else (0 included) is true. */
bool aw_view_truthy(const struct aw_view *v);

#endif
