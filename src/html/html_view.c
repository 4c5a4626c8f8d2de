/* html_view.c: the view tree templates render (see view.h). Every node lives
 * in the request arena; maps are small insertion-ordered arrays searched
 * linearly, lists are arrays that double in the arena as they grow. */
#include "aw/view.h"
#include "html_int.h"

#include <string.h>

struct entry {
    const char *key;
    size_t keylen;
    struct aw_view *val;
};

struct aw_view {
    enum aw_view_type type;
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            const char *ptr;
            size_t len;
        } s;                     /* AW_VIEW_STR, AW_VIEW_URL */
        const struct aw_html *h; /* AW_VIEW_HTML */
        struct {
            struct aw_arena *arena;
            struct aw_view **items;
            size_t len, cap;
        } list;
        struct {
            struct aw_arena *arena;
            struct entry *e;
            size_t len, cap;
        } map;
    } u;
};

static struct aw_view *
node(struct aw_arena *a, enum aw_view_type t)
{
    struct aw_view *v = aw_arena_zalloc(a, sizeof(*v));
    v->type = t;
    return v;
}

struct aw_view *
aw_view_map(struct aw_arena *a)
{
    struct aw_view *v = node(a, AW_VIEW_MAP);
    v->u.map.arena = a;
    return v;
}

struct aw_view *
aw_view_list(struct aw_arena *a)
{
    struct aw_view *v = node(a, AW_VIEW_LIST);
    v->u.list.arena = a;
    return v;
}

struct aw_view *
aw_view_str(struct aw_arena *a, const char *s)
{
    if (s == NULL)
        return node(a, AW_VIEW_NULL);
    return aw_view_strn(a, s, strlen(s));
}

struct aw_view *
aw_view_strn(struct aw_arena *a, const char *s, size_t n)
{
    struct aw_view *v = node(a, AW_VIEW_STR);
    v->u.s.ptr = s ? s : "";
    v->u.s.len = s ? n : 0;
    return v;
}

struct aw_view *
aw_view_int(struct aw_arena *a, int64_t i)
{
    struct aw_view *v = node(a, AW_VIEW_INT);
    v->u.i = i;
    return v;
}

struct aw_view *
aw_view_num(struct aw_arena *a, double d)
{
    struct aw_view *v = node(a, AW_VIEW_NUM);
    v->u.d = d;
    return v;
}

struct aw_view *
aw_view_bool(struct aw_arena *a, bool b)
{
    struct aw_view *v = node(a, AW_VIEW_BOOL);
    v->u.b = b;
    return v;
}

struct aw_view *
aw_view_null(struct aw_arena *a)
{
    return node(a, AW_VIEW_NULL);
}

struct aw_view *
aw_view_html(struct aw_arena *a, const struct aw_html *h)
{
    struct aw_view *v = node(a, AW_VIEW_HTML);
    v->u.h = h ? h : AW_HTML_LIT(a, "");
    return v;
}

/* Grows an arena array of n elements of size bytes to hold one more; the old
 * block stays in the arena (it is freed with it). */
static void *
grow(struct aw_arena *a, void *old, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return old;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = aw_arena_calloc(a, ncap, size);
    if (n)
        memcpy(p, old, n * size);
    *cap = ncap;
    return p;
}

struct aw_view *
aw_view_set(struct aw_view *map, const char *key, struct aw_view *v)
{
    if (map == NULL || map->type != AW_VIEW_MAP || key == NULL)
        return v;
    if (v == NULL)
        v = node(map->u.map.arena, AW_VIEW_NULL);
    size_t kl = strlen(key);
    for (size_t i = 0; i < map->u.map.len; i++) {
        struct entry *e = &map->u.map.e[i];
        if (e->keylen == kl && memcmp(e->key, key, kl) == 0) {
            e->val = v;
            return v;
        }
    }
    map->u.map.e =
        grow(map->u.map.arena, map->u.map.e, map->u.map.len, &map->u.map.cap, sizeof(struct entry));
    map->u.map.e[map->u.map.len++] = (struct entry){key, kl, v};
    return v;
}

/* The arena of a container, or NULL when v is not one. */
static struct aw_arena *
arena_of(const struct aw_view *v)
{
    if (v == NULL)
        return NULL;
    if (v->type == AW_VIEW_MAP)
        return v->u.map.arena;
    if (v->type == AW_VIEW_LIST)
        return v->u.list.arena;
    return NULL;
}

struct aw_view *
aw_view_set_str(struct aw_view *map, const char *key, const char *s)
{
    struct aw_arena *a = arena_of(map);
    return a ? aw_view_set(map, key, aw_view_str(a, s)) : NULL;
}

struct aw_view *
aw_view_set_int(struct aw_view *map, const char *key, int64_t i)
{
    struct aw_arena *a = arena_of(map);
    return a ? aw_view_set(map, key, aw_view_int(a, i)) : NULL;
}

struct aw_view *
aw_view_set_bool(struct aw_view *map, const char *key, bool b)
{
    struct aw_arena *a = arena_of(map);
    return a ? aw_view_set(map, key, aw_view_bool(a, b)) : NULL;
}

struct aw_view *
aw_view_url(struct aw_arena *a, const char *url)
{
    if (url == NULL || !aw_html_url_ok(url, strlen(url)))
        return aw_view_bool(a, false);
    struct aw_view *v = node(a, AW_VIEW_URL);
    v->u.s.ptr = url;
    v->u.s.len = strlen(url);
    return v;
}

struct aw_view *
aw_view_set_url(struct aw_view *map, const char *key, const char *url)
{
    struct aw_arena *a = arena_of(map);
    return a ? aw_view_set(map, key, aw_view_url(a, url)) : NULL;
}

struct aw_view *
aw_view_set_html(struct aw_view *map, const char *key, const struct aw_html *h)
{
    struct aw_arena *a = arena_of(map);
    return a ? aw_view_set(map, key, aw_view_html(a, h)) : NULL;
}

struct aw_view *
aw_view_set_map(struct aw_view *map, const char *key)
{
    struct aw_arena *a = arena_of(map);
    return a ? aw_view_set(map, key, aw_view_map(a)) : NULL;
}

struct aw_view *
aw_view_set_list(struct aw_view *map, const char *key)
{
    struct aw_arena *a = arena_of(map);
    return a ? aw_view_set(map, key, aw_view_list(a)) : NULL;
}

struct aw_view *
aw_view_push(struct aw_view *list, struct aw_view *v)
{
    if (list == NULL || list->type != AW_VIEW_LIST)
        return v;
    if (v == NULL)
        v = node(list->u.list.arena, AW_VIEW_NULL);
    list->u.list.items = grow(list->u.list.arena, list->u.list.items, list->u.list.len,
                              &list->u.list.cap, sizeof(struct aw_view *));
    list->u.list.items[list->u.list.len++] = v;
    return v;
}

struct aw_view *
aw_view_push_map(struct aw_view *list)
{
    if (list == NULL || list->type != AW_VIEW_LIST)
        return NULL;
    return aw_view_push(list, aw_view_map(list->u.list.arena));
}

enum aw_view_type
aw_view_type(const struct aw_view *v)
{
    return v ? v->type : AW_VIEW_NULL;
}

const struct aw_view *
aw_view_get(const struct aw_view *v, const char *key, size_t keylen)
{
    if (v == NULL || v->type != AW_VIEW_MAP || (key == NULL && keylen))
        return NULL;
    for (size_t i = 0; i < v->u.map.len; i++) {
        const struct entry *e = &v->u.map.e[i];
        if (e->keylen == keylen && (keylen == 0 || memcmp(e->key, key, keylen) == 0))
            return e->val;
    }
    return NULL;
}

size_t
aw_view_len(const struct aw_view *v)
{
    return v && v->type == AW_VIEW_LIST ? v->u.list.len : 0;
}

const struct aw_view *
aw_view_at(const struct aw_view *v, size_t i)
{
    if (v == NULL || v->type != AW_VIEW_LIST || i >= v->u.list.len)
        return NULL;
    return v->u.list.items[i];
}

bool
aw_view_as_bool(const struct aw_view *v)
{
    return v && v->type == AW_VIEW_BOOL ? v->u.b : false;
}

int64_t
aw_view_as_int(const struct aw_view *v)
{
    return v && v->type == AW_VIEW_INT ? v->u.i : 0;
}

double
aw_view_as_num(const struct aw_view *v)
{
    return v && v->type == AW_VIEW_NUM ? v->u.d : 0.0;
}

const char *
aw_view_as_str(const struct aw_view *v, size_t *len)
{
    if (v == NULL || (v->type != AW_VIEW_STR && v->type != AW_VIEW_URL)) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = v->u.s.len;
    return v->u.s.ptr;
}

const struct aw_html *
aw_view_as_html(const struct aw_view *v)
{
    if (v == NULL || v->type != AW_VIEW_HTML)
        return NULL;
    return v->u.h;
}

/* Empty markup counts as an empty string: {{#body}}<div>{{{body}}}</div>{{/body}}
 * should drop the wrapper when the rendered Markdown is empty. */
bool
aw_view_truthy(const struct aw_view *v)
{
    if (v == NULL)
        return false;
    switch (v->type) {
    case AW_VIEW_NULL:
        return false;
    case AW_VIEW_BOOL:
        return v->u.b;
    case AW_VIEW_STR:
    case AW_VIEW_URL:
        return v->u.s.len > 0;
    case AW_VIEW_HTML:
        return v->u.h->len > 0;
    case AW_VIEW_LIST:
        return v->u.list.len > 0;
    case AW_VIEW_INT:
    case AW_VIEW_NUM:
    case AW_VIEW_MAP:
        return true;
    }
    return false;
}
