/* http_router.c: matches a method and a decoded path against the route table
 * (see aw_route_find in http.h).
 *
 * A pattern is a sequence of '/'-separated segments, each either literal or
 * "{name}" (one non-empty path segment, captured). Paths are compared segment
 * by segment with nothing stripped or added: "/en/" has the segments "en" and
 * "" and so matches "/{lang}/" but not "/{lang}"; the patterns decide. A GET
 * route also answers HEAD; a path that matches under other methods only gives
 * AW_ROUTE_BAD_METHOD and the Allow list. */
#include "aw/http.h"

#include <string.h>

/* The next segment of s starting at *pos (just after a '/'); sets *pos to the
 * '/' or NUL that ends it. */
static struct aw_str
next_segment(const char *s, size_t *pos)
{
    size_t start = *pos;
    size_t i = start;
    while (s[i] != '\0' && s[i] != '/')
        i++;
    *pos = i;
    return (struct aw_str){s + start, i - start};
}

static bool
is_capture(struct aw_str seg)
{
    return seg.len >= 3 && seg.ptr[0] == '{' && seg.ptr[seg.len - 1] == '}';
}

/* True when path matches pattern; captures go to params (which may be NULL). */
static bool
match(const char *pattern, const char *path, struct aw_route_params *params)
{
    bool ok = false;
    struct aw_route_params local;
    size_t pi = 1, si = 1;

    local.n = 0;
    if (pattern[0] != '/' || path[0] != '/')
        goto out;
    for (;;) {
        struct aw_str pseg = next_segment(pattern, &pi);
        struct aw_str sseg = next_segment(path, &si);
        if (is_capture(pseg)) {
            if (sseg.len == 0 || local.n == AW_NELEM(local.p))
                goto out;
            local.p[local.n].name = (struct aw_str){pseg.ptr + 1, pseg.len - 2};
            local.p[local.n].value = sseg;
            local.n++;
        } else if (!aw_str_eq(pseg, sseg)) {
            goto out;
        }
        if (pattern[pi] == '\0' || path[si] == '\0') {
            ok = pattern[pi] == '\0' && path[si] == '\0';
            break;
        }
        pi++; /* skip the '/' */
        si++;
    }
out:
    if (ok && params)
        *params = local;
    return ok;
}

/* Appends method to the comma-separated list in allow unless present. */
static void
allow_add(char *allow, size_t allow_len, const char *method)
{
    size_t mlen = strlen(method);
    const char *p = allow;
    bool present = false;
    while (*p && !present) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        present = n == mlen && memcmp(p, method, mlen) == 0;
        p = end ? end + 2 : p + n;
    }
    size_t used = strlen(allow);
    if (present || used + (used ? 2 : 0) + mlen + 1 > allow_len)
        goto out;
    if (used) {
        memcpy(allow + used, ", ", 2);
        used += 2;
    }
    memcpy(allow + used, method, mlen + 1);
out:
    return;
}

enum aw_route_match
aw_route_find(const struct aw_route *routes, size_t n, const char *method, const char *path,
              const struct aw_route **found, struct aw_route_params *params, char *allow,
              size_t allow_len)
{
    enum aw_route_match res = AW_ROUTE_NOT_FOUND;
    const struct aw_route *exact = NULL, *get_for_head = NULL;
    bool path_known = false;
    bool is_head = method && strcmp(method, "HEAD") == 0;

    if (found)
        *found = NULL;
    if (params)
        params->n = 0;
    if (allow && allow_len)
        allow[0] = '\0';
    if (!routes || !method || !path)
        goto out;
    for (size_t i = 0; i < n && !exact; i++) {
        const struct aw_route *r = &routes[i];
        if (!r->pattern || !r->method || !match(r->pattern, path, NULL))
            continue;
        path_known = true;
        if (strcmp(r->method, method) == 0)
            exact = r;
        else if (is_head && !get_for_head && strcmp(r->method, "GET") == 0)
            get_for_head = r;
    }
    if (!exact)
        exact = get_for_head;
    if (exact) {
        match(exact->pattern, path, params);
        if (found)
            *found = exact;
        res = AW_ROUTE_FOUND;
        goto out;
    }
    if (!path_known)
        goto out;
    res = AW_ROUTE_BAD_METHOD;
    if (!allow || !allow_len)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const struct aw_route *r = &routes[i];
        if (!r->pattern || !r->method || !match(r->pattern, path, NULL))
            continue;
        allow_add(allow, allow_len, r->method);
        if (strcmp(r->method, "GET") == 0)
            allow_add(allow, allow_len, "HEAD");
    }
out:
    return res;
}

static bool
unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

const char *
aw_route_path(const struct aw_route *routes, size_t nroutes, struct aw_arena *a, const char *name,
              const char *const *params, size_t nparams)
{
    const struct aw_route *r = NULL;
    for (size_t i = 0; i < nroutes && !r; i++)
        if (routes[i].name && strcmp(routes[i].name, name) == 0)
            r = &routes[i];
    if (!r)
        return NULL;
    static const char hex[] = "0123456789ABCDEF";
    struct aw_buf b;
    size_t used = 0, pos = 1;
    const char *pat = r->pattern, *out = NULL;
    aw_buf_init(&b, 4096);
    aw_buf_putc(&b, '/');
    while (pat[0] == '/') {
        struct aw_str seg = next_segment(pat, &pos);
        if (is_capture(seg)) {
            const char *v = used < nparams ? params[used] : NULL;
            used++;
            if (!v || !*v || strchr(v, '/'))
                goto out;
            for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
                if (unreserved(*p)) {
                    aw_buf_putc(&b, (char)*p);
                } else {
                    aw_buf_putc(&b, '%');
                    aw_buf_putc(&b, hex[*p >> 4]);
                    aw_buf_putc(&b, hex[*p & 15]);
                }
            }
        } else {
            aw_buf_append(&b, seg.ptr, seg.len);
        }
        if (pat[pos] == '\0')
            break;
        aw_buf_putc(&b, '/');
        pos++;
    }
    if (used == nparams && b.err == AW_OK)
        out = aw_arena_strndup(a, b.ptr, b.len);
out:
    aw_buf_free(&b);
    return out;
}
