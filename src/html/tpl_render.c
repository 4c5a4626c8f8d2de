/* tpl_render.c: runs a compiled template (tpl_int.h) against a view, appending
 * to the caller's buffer. All render state lives on the caller's stack, so a
 * loaded set can be rendered from many threads at once.
 *
 * While it writes, the renderer follows where the output is in the HTML (text
 * between tags, inside a tag, inside <title>, <textarea>, <option>, <script>
 * or <style>) from the markup it writes itself, so that every value is
 * written for its place: in text, isolated in a <bdi> (a direction override
 * in a value cannot reverse the page around it); where nothing can isolate
 * it (<title>, <option>), without direction controls; in an attribute or a
 * <textarea>, escaped only. See docs/internals/templates.md. */
#include "tpl_int.h"

#include "aw/text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The overrides of one parent tag being rendered; innermost first. */
struct frame {
    const struct frame *next;
    const struct aw_tpl__tpl *tpl;
    uint32_t op; /* index of the PARENT op; its BLOCK ops follow it */
};

/* Where the output is in the HTML, from the markup written so far (template
 * text and trusted markup; escaped values never contain '<', '>' or quotes). */
enum hstate {
    H_DATA = 0, /* text between tags */
    H_LT,       /* after '<' */
    H_NAME,     /* a tag name */
    H_ATTRS,    /* the rest of a tag, attribute values included */
    H_BANG,     /* "<!" */
    H_BANG_DASH,
    H_COMMENT, /* "<!--" up to "-->" */
    H_BOGUS,   /* <!DOCTYPE ...>, <?...> up to '>' */
    H_RAW,     /* the text of a <title>, <textarea>, <script> or <style> */
    H_RAW_LT,
    H_RAW_END, /* "</" and a name inside H_RAW: the end tag if it is the element's */
};

enum hraw { R_NONE = 0, R_TITLE, R_TEXTAREA, R_SCRIPT, R_STYLE };

struct html_pos {
    uint8_t state;  /* enum hstate */
    uint8_t raw;    /* enum hraw: the element whose text H_RAW is */
    char quote;     /* the quote of the attribute value we are in, or 0 */
    bool end;       /* the tag being read is an end tag */
    bool option;    /* inside <option> (its text is plain text) */
    uint8_t dashes; /* '-' just seen in a comment, up to 2 */
    uint8_t nlen;   /* name length; sizeof(name) + 1: too long for any we know */
    char name[10];  /* lowercase */
    /* The attribute being read (H_ATTRS): its name, whether its '=' came,
     * and whether we are at the very start of a quoted value of a URL
     * attribute (href, src, action...), where only a checked URL may go. */
    uint8_t alen;   /* sizeof(attr) + 1: too long for any we know */
    char attr[12];  /* lowercase */
    bool anew;      /* the next name character starts a new attribute name */
    bool eq;        /* its '=' was seen */
    bool unquoted;  /* in an unquoted value */
    bool url_start; /* at the start of a URL attribute's value, nothing written in it yet */
};

struct rs {
    const struct aw_tpl_set *set;
    struct aw_buf *out;
    char *err;
    size_t errlen;
    const struct aw_view *ctx[AW_TPL__MAX_RUN + 2]; /* context stack, top last */
    unsigned nctx;
    struct aw_str indent[AW_TPL__MAX_DEPTH + 2]; /* indentation pieces, outer first */
    unsigned nindent;
    unsigned ibase; /* pieces below it belong to lines an inline partial continues */
    unsigned depth; /* nested instruction ranges */
    unsigned incl;  /* nested partials, parents and overrides */
    uint32_t steps;
    enum aw_err rc;
    bool isolate; /* !(set->flags & AW_TPL_NO_ISOLATE) */
    struct html_pos pos;
};

static void fail(struct rs *r, enum aw_err rc, const struct aw_tpl__tpl *t, uint32_t line,
                 const char *fmt, ...) AW_PRINTF(5, 6);

static void
fail(struct rs *r, enum aw_err rc, const struct aw_tpl__tpl *t, uint32_t line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (r->rc != AW_OK)
        return;
    r->rc = rc;
    if (r->err == NULL || r->errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s:%u: %s", t->name, (unsigned)line, msg);
}

#define NAMEF(s) (int)((s).len > 64 ? 64 : (s).len), (s).ptr

static bool
name_is(const struct html_pos *h, const char *w)
{
    return h->nlen == strlen(w) && memcmp(h->name, w, h->nlen) == 0;
}

static void
name_add(struct html_pos *h, char c)
{
    if (h->nlen < sizeof(h->name))
        h->name[h->nlen++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    else
        h->nlen = sizeof(h->name) + 1;
}

static bool
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static const char *const raw_names[] = {"", "title", "textarea", "script", "style"};

/* The attributes whose value is a URL a browser follows or loads. */
static bool
url_attr(const struct html_pos *h)
{
    static const char *const names[] = {"href", "src", "action", "formaction", "poster", "cite"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (h->alen == strlen(names[i]) && memcmp(h->attr, names[i], h->alen) == 0)
            return true;
    return false;
}

static void
attr_add(struct html_pos *h, char c)
{
    if (h->alen < sizeof(h->attr))
        h->attr[h->alen++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    else
        h->alen = sizeof(h->attr) + 1;
}

static void
attr_reset(struct html_pos *h)
{
    h->alen = 0;
    h->anew = true;
    h->eq = false;
    h->unquoted = false;
    h->url_start = false;
}

/* A tag ends ('>'): the state of what follows it. */
static void
tag_done(struct html_pos *h)
{
    h->state = H_DATA;
    if (h->end) {
        if (name_is(h, "option") || name_is(h, "optgroup") || name_is(h, "select"))
            h->option = false;
        return;
    }
    for (uint8_t k = R_TITLE; k <= R_STYLE; k++)
        if (name_is(h, raw_names[k])) {
            h->raw = k;
            h->state = H_RAW;
            return;
        }
    if (name_is(h, "option"))
        h->option = true;
}

/* Follows the n bytes of markup at p (see struct html_pos). */
static void
track(struct html_pos *h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        switch ((enum hstate)h->state) {
        case H_DATA: {
            const char *lt = memchr(p + i, '<', n - i);
            if (lt == NULL)
                return;
            i = (size_t)(lt - p);
            h->state = H_LT;
            break;
        }
        case H_LT:
            h->nlen = 0;
            if (c == '/' || is_alpha(c)) {
                h->end = c == '/';
                if (!h->end)
                    name_add(h, c);
                h->state = H_NAME;
            } else {
                h->state = c == '!' ? H_BANG : c == '?' ? H_BOGUS : c == '<' ? H_LT : H_DATA;
            }
            break;
        case H_NAME:
            if (is_alnum(c)) {
                name_add(h, c);
            } else if (c == '>') {
                tag_done(h);
            } else {
                h->quote = 0;
                attr_reset(h);
                h->state = H_ATTRS;
            }
            break;
        case H_ATTRS:
            if (h->quote) {
                if (c == h->quote) {
                    h->quote = 0;
                    attr_reset(h);
                } else {
                    h->url_start = false; /* the template wrote into the value itself */
                }
            } else if (c == '"' || c == '\'') {
                h->quote = c;
                h->url_start = h->eq && !h->unquoted && url_attr(h);
            } else if (c == '>') {
                tag_done(h);
            } else if (c == '=' && !h->eq) {
                h->eq = true;
                h->url_start = url_attr(h); /* an unquoted value may follow */
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
                       (c == '/' && !h->eq)) {
                if (!h->eq)
                    h->anew = true;
                else if (h->unquoted)
                    attr_reset(h); /* an unquoted value ends: the next attribute */
            } else if (h->eq) {
                h->unquoted = true; /* the template wrote an unquoted value */
                h->url_start = false;
            } else {
                if (h->anew) {
                    h->alen = 0;
                    h->anew = false;
                }
                attr_add(h, c);
            }
            break;
        case H_BANG:
            h->state = c == '-' ? H_BANG_DASH : c == '>' ? H_DATA : H_BOGUS;
            break;
        case H_BANG_DASH:
            h->dashes = 0;
            h->state = c == '-' ? H_COMMENT : c == '>' ? H_DATA : H_BOGUS;
            break;
        case H_COMMENT:
            if (c == '>' && h->dashes >= 2)
                h->state = H_DATA;
            else if (c == '-')
                h->dashes = h->dashes < 2 ? h->dashes + 1 : 2;
            else
                h->dashes = 0;
            break;
        case H_BOGUS:
            if (c == '>')
                h->state = H_DATA;
            break;
        case H_RAW:
            if (c == '<')
                h->state = H_RAW_LT;
            break;
        case H_RAW_LT:
            h->nlen = 0;
            h->state = c == '/' ? H_RAW_END : c == '<' ? H_RAW_LT : H_RAW;
            break;
        case H_RAW_END:
            if (is_alpha(c)) {
                name_add(h, c);
            } else if (name_is(h, raw_names[h->raw])) {
                h->raw = R_NONE;
                h->end = true;
                h->quote = 0;
                if (c == '>')
                    tag_done(h);
                else
                    h->state = H_ATTRS;
            } else {
                h->state = c == '<' ? H_RAW_LT : H_RAW;
            }
            break;
        }
    }
}

/* Markup: template text, indentation, trusted markup. */
static void
put(struct rs *r, const char *p, size_t n)
{
    if (n == 0)
        return;
    aw_buf_append(r->out, p, n);
    if (r->isolate)
        track(&r->pos, p, n);
}

/* Escaped text, made neutral for sink first when it needs to be. */
static void
escape_for(struct rs *r, const char *p, size_t n, enum aw_text_sink sink)
{
    struct aw_buf tmp;

    if (aw_text_is_neutral(p, n, sink)) {
        aw_html_escape(r->out, p, n);
        return;
    }
    aw_buf_init(&tmp, n + 1); /* dropping only: never longer */
    aw_text_neutral(&tmp, p, n, sink);
    aw_html_escape(r->out, tmp.ptr ? tmp.ptr : "", tmp.len);
    aw_buf_free(&tmp);
}

/* A value as text, written for where the output is (see the top of the
 * file). Escaped values do not change the position. */
static void
put_escaped(struct rs *r, const char *p, size_t n)
{
    const struct html_pos *h = &r->pos;

    if (n == 0)
        return;
    if (!r->isolate) {
        aw_html_escape(r->out, p, n);
    } else if (h->state == H_DATA && !h->option) {
        aw_buf_append(r->out, "<bdi>", 5);
        escape_for(r, p, n, AW_TEXT_ISOLATED);
        aw_buf_append(r->out, "</bdi>", 6);
    } else if ((h->state == H_DATA && h->option) ||
               (h->raw == R_TITLE &&
                (h->state == H_RAW || h->state == H_RAW_LT || h->state == H_RAW_END))) {
        escape_for(r, p, n, AW_TEXT_PLAIN);
    } else {
        aw_html_escape(r->out, p, n);
    }
}

/* A source line starts: the indentation of the standalone partials and
 * blocks it sits in. */
static void
indent(struct rs *r)
{
    for (unsigned i = r->ibase; i < r->nindent; i++)
        put(r, r->indent[i].ptr, r->indent[i].len);
}

/* The first op of [from, to), past an INDENT that would indent a line the
 * caller has already started (an inline partial or override). */
static uint32_t
skip_indent(const struct aw_tpl__tpl *t, uint32_t from, uint32_t to)
{
    return from < to && t->ops[from].code == AW_TPL__INDENT ? from + 1 : from;
}

/* Resolves a (dotted) name against the context stack. *known is false when
 * the name resolves to nothing; a name whose chain stops at null or false is
 * known (and yields NULL). */
static const struct aw_view *
lookup(const struct rs *r, struct aw_str name, bool *known)
{
    const struct aw_view *v = NULL;
    const char *p = name.ptr, *end = name.ptr + name.len;

    *known = true;
    if (name.len == 1 && name.ptr[0] == '.')
        return r->nctx ? r->ctx[r->nctx - 1] : NULL;

    const char *dot = memchr(p, '.', name.len);
    size_t first = dot ? (size_t)(dot - p) : name.len;
    unsigned i = r->nctx;
    while (i > 0) {
        v = aw_view_get(r->ctx[--i], p, first);
        if (v)
            break;
    }
    if (v == NULL) {
        *known = false;
        return NULL;
    }
    p += first;
    while (p < end) {
        p++; /* the '.' */
        dot = memchr(p, '.', (size_t)(end - p));
        size_t len = dot ? (size_t)(dot - p) : (size_t)(end - p);
        enum aw_view_type ty = aw_view_type(v);
        if (ty == AW_VIEW_NULL || (ty == AW_VIEW_BOOL && !aw_view_as_bool(v)))
            return NULL; /* known but empty: {{a.b}} with a null */
        v = aw_view_get(v, p, len);
        if (v == NULL) {
            *known = false;
            return NULL;
        }
        p += len;
    }
    return v;
}

/* Where a value goes into a URL attribute (href, src...) at its start, only a
 * checked URL (AW_VIEW_URL, aw_view_url) may be written: in strict mode
 * anything else is an error; otherwise a string is checked here the same way
 * and left out when it fails. True when v may be written. */
static bool
url_place_ok(struct rs *r, const struct aw_view *v, const struct aw_tpl__tpl *t,
             const struct aw_tpl__op *op)
{
    if (!r->isolate || r->pos.state != H_ATTRS || !r->pos.url_start)
        return true;
    enum aw_view_type ty = aw_view_type(v);
    if (ty == AW_VIEW_URL)
        return true;
    if (r->set->flags & AW_TPL_STRICT) {
        fail(r, AW_EINVAL, t, op->line,
             "'%.*s' starts a URL attribute: it must be a checked URL (aw_view_url), not %s",
             NAMEF(op->s), ty == AW_VIEW_STR ? "text" : "another value");
        return false;
    }
    size_t len;
    const char *s = aw_view_as_str(v, &len);
    return s && aw_html_url_ok(s, len);
}

/* Scalars as text: integers in decimal, doubles in the shortest of %.15g and
 * %.17g that reads back exactly (1.21, not 1.2099999999999999645). */
static void
put_scalar(struct rs *r, const struct aw_view *v, bool escape)
{
    char num[40];
    int n = 0;
    size_t len;
    const char *s;

    switch (aw_view_type(v)) {
    case AW_VIEW_STR:
    case AW_VIEW_URL:
        s = aw_view_as_str(v, &len);
        if (escape)
            put_escaped(r, s, len);
        else
            put(r, s, len);
        return;
    case AW_VIEW_HTML: {
        size_t hn;
        const char *h = aw_html_bytes(aw_view_as_html(v), &hn);
        if (escape)
            put_escaped(r, h, hn);
        else
            put(r, h, hn);
        return;
    }
    case AW_VIEW_INT:
        n = snprintf(num, sizeof(num), "%" PRId64, aw_view_as_int(v));
        break;
    case AW_VIEW_NUM: {
        double d = aw_view_as_num(v);
        n = snprintf(num, sizeof(num), "%.15g", d);
        if (n > 0 && (size_t)n < sizeof(num) && strtod(num, NULL) != d)
            n = snprintf(num, sizeof(num), "%.17g", d);
        break;
    }
    case AW_VIEW_BOOL:
        n = snprintf(num, sizeof(num), "%s", aw_view_as_bool(v) ? "true" : "false");
        break;
    case AW_VIEW_NULL:
    case AW_VIEW_LIST:
    case AW_VIEW_MAP:
        return;
    }
    if (n > 0 && (size_t)n < sizeof(num))
        put(r, num, (size_t)n);
}

static void run(struct rs *r, const struct aw_tpl__tpl *t, uint32_t from, uint32_t to,
                const struct frame *chain);

static void interpolate_value(struct rs *r, const struct aw_tpl__tpl *t,
                              const struct aw_tpl__op *op);

/* {{name}} and {{{name}}}. Escaped values do not move the HTML position,
 * with one exception: a value written right after "name=" is an unquoted
 * attribute value, so what follows it up to a blank belongs to that value
 * (and is no new attribute, no URL's start). */
static void
interpolate(struct rs *r, const struct aw_tpl__tpl *t, const struct aw_tpl__op *op)
{
    bool bare = r->isolate && r->pos.state == H_ATTRS && !r->pos.quote && r->pos.eq;
    size_t before = r->out->len;
    interpolate_value(r, t, op);
    if (bare && r->out->len > before) {
        r->pos.unquoted = true;
        r->pos.url_start = false;
    }
}

static void
interpolate_value(struct rs *r, const struct aw_tpl__tpl *t, const struct aw_tpl__op *op)
{
    bool known;
    bool strict = r->set->flags & AW_TPL_STRICT;
    const struct aw_view *v = lookup(r, op->s, &known);
    enum aw_view_type ty = aw_view_type(v);

    if (!known) {
        if (strict)
            fail(r, AW_EUNKNOWN, t, op->line, "unknown name '%.*s'", NAMEF(op->s));
        return;
    }
    if (ty != AW_VIEW_NULL && !url_place_ok(r, v, t, op))
        return;
    if (op->code == AW_TPL__VAR || ty == AW_VIEW_NULL) {
        put_scalar(r, v, true);
        return;
    }
    if (ty == AW_VIEW_HTML || (r->set->flags & AW_TPL_RAW_STRINGS)) {
        put_scalar(r, v, false);
        return;
    }
    if (strict) {
        fail(r, AW_EINVAL, t, op->line,
             "raw tag '%.*s' needs trusted markup (AW_VIEW_HTML), not a plain value", NAMEF(op->s));
        return;
    }
    put_scalar(r, v, true);
}

static void
push_ctx(struct rs *r, const struct aw_view *v)
{
    r->ctx[r->nctx++] = v; /* bounded: one push per run() level, checked there */
}

/* The override for block `name` visible through chain: the outermost parent
 * tag that passes one wins. */
static bool
find_override(const struct frame *chain, struct aw_str name, const struct aw_tpl__tpl **tpl,
              uint32_t *op)
{
    bool found = false;

    for (const struct frame *f = chain; f; f = f->next) {
        const struct aw_tpl__op *ops = f->tpl->ops;
        uint32_t end = ops[f->op].jump;
        /* The compiler puts nothing but BLOCKs directly in a parent. */
        for (uint32_t j = f->op + 1; j < end && ops[j].code == AW_TPL__BLOCK; j = ops[j].jump + 1) {
            if (aw_str_eq(ops[j].s, name)) {
                *tpl = f->tpl;
                *op = j;
                found = true;
                break;
            }
        }
    }
    return found;
}

/* Renders t2's range [from, to) for op (a partial, parent or override),
 * guarding the include depth. A standalone op indents every line of it by
 * op->indent; an inline one continues the current line. An inline partial or
 * parent is a template of its own whose later lines are not indented
 * (reset); an inline override is text of the line it is put in. */
static void
include(struct rs *r, const struct aw_tpl__tpl *t, const struct aw_tpl__op *op,
        const struct aw_tpl__tpl *t2, uint32_t from, uint32_t to, bool reset,
        const struct frame *chain)
{
    bool standalone = op->flags & AW_TPL__F_STANDALONE;
    unsigned saved = r->nindent, saved_base = r->ibase;

    if (r->incl >= AW_TPL__MAX_DEPTH) {
        fail(r, AW_ETOOBIG, t, op->line, "'%.*s': partials nested too deeply (max %d)",
             NAMEF(op->s), AW_TPL__MAX_DEPTH);
        return;
    }
    if (!standalone && reset)
        r->ibase = r->nindent;
    if (op->indent.len)
        r->indent[r->nindent++] = op->indent;
    if (!standalone)
        from = skip_indent(t2, from, to);
    r->incl++;
    run(r, t2, from, to, chain);
    r->incl--;
    r->nindent = saved;
    r->ibase = saved_base;
}

static void
run(struct rs *r, const struct aw_tpl__tpl *t, uint32_t from, uint32_t to,
    const struct frame *chain)
{
    bool strict = r->set->flags & AW_TPL_STRICT;

    if (r->depth >= AW_TPL__MAX_RUN) {
        fail(r, AW_ETOOBIG, t, from < t->nops ? t->ops[from].line : 0,
             "templates nested too deeply");
        return;
    }
    r->depth++;
    for (uint32_t i = from; i < to && r->rc == AW_OK; i++) {
        const struct aw_tpl__op *op = &t->ops[i];
        const struct aw_tpl__tpl *t2;
        const struct aw_view *v;
        bool known;

        if (r->out->err) {
            r->rc = r->out->err;
            break;
        }
        if (++r->steps > AW_TPL__MAX_STEPS) {
            fail(r, AW_ETOOBIG, t, op->line, "render takes too many steps");
            break;
        }
        switch ((enum aw_tpl__code)op->code) {
        case AW_TPL__TEXT:
            put(r, op->s.ptr, op->s.len);
            break;
        case AW_TPL__INDENT:
            indent(r);
            break;
        case AW_TPL__VAR:
        case AW_TPL__RAW:
            interpolate(r, t, op);
            break;
        case AW_TPL__SECTION:
            v = lookup(r, op->s, &known);
            if (!known && strict) {
                fail(r, AW_EUNKNOWN, t, op->line, "unknown name '%.*s'", NAMEF(op->s));
                break;
            }
            if (aw_view_type(v) == AW_VIEW_LIST) {
                size_t n = aw_view_len(v);
                for (size_t k = 0; k < n && r->rc == AW_OK; k++) {
                    push_ctx(r, aw_view_at(v, k));
                    run(r, t, i + 1, op->jump, chain);
                    r->nctx--;
                }
            } else if (aw_view_truthy(v)) {
                push_ctx(r, v);
                run(r, t, i + 1, op->jump, chain);
                r->nctx--;
            }
            i = op->jump;
            break;
        case AW_TPL__INVERTED:
            v = lookup(r, op->s, &known);
            if (!known && strict) {
                fail(r, AW_EUNKNOWN, t, op->line, "unknown name '%.*s'", NAMEF(op->s));
                break;
            }
            if (!aw_view_truthy(v))
                run(r, t, i + 1, op->jump, chain);
            i = op->jump;
            break;
        case AW_TPL__END:
            break;
        case AW_TPL__PARTIAL:
            t2 = aw_tpl__find(r->set, op->s.ptr, op->s.len);
            if (t2 == NULL) {
                if (strict)
                    fail(r, AW_EUNKNOWN, t, op->line, "unknown partial '%.*s'", NAMEF(op->s));
                break;
            }
            include(r, t, op, t2, 0, t2->nops, true, chain);
            break;
        case AW_TPL__PARENT: {
            t2 = aw_tpl__find(r->set, op->s.ptr, op->s.len);
            if (t2 == NULL) {
                if (strict)
                    fail(r, AW_EUNKNOWN, t, op->line, "unknown parent '%.*s'", NAMEF(op->s));
            } else {
                struct frame f = {chain, t, i};
                include(r, t, op, t2, 0, t2->nops, true, &f);
            }
            i = op->jump;
            break;
        }
        case AW_TPL__BLOCK: {
            uint32_t j;
            if (find_override(chain, op->s, &t2, &j)) {
                uint32_t b0 = j + 1, b1 = t2->ops[j].jump;
                if (op->flags & AW_TPL__F_STANDALONE) {
                    /* The override starts a line of its own, indented even if
                     * it began inline where it was written. */
                    unsigned saved = r->nindent;
                    if (op->indent.len)
                        r->indent[r->nindent++] = op->indent;
                    indent(r);
                    r->nindent = saved;
                    b0 = skip_indent(t2, b0, b1);
                }
                include(r, t, op, t2, b0, b1, false, chain);
            } else {
                run(r, t, i + 1, op->jump, chain);
            }
            i = op->jump;
            break;
        }
        }
    }
    r->depth--;
}

enum aw_err
aw_tpl_render(const struct aw_tpl_set *set, const char *name, const struct aw_view *ctx,
              struct aw_buf *out, char *err, size_t errlen)
{
    struct rs *r = NULL;
    enum aw_err rc = AW_OK;
    const struct aw_tpl__tpl *t;

    if (err && errlen)
        err[0] = '\0';
    if (set == NULL || name == NULL || out == NULL) {
        rc = AW_EINVAL;
        goto out;
    }
    t = aw_tpl__find(set, name, strlen(name));
    if (t == NULL) {
        if (err && errlen)
            snprintf(err, errlen, "unknown template '%s'", name);
        rc = AW_ENOTFOUND;
        goto out;
    }
    if (out->err) {
        rc = out->err;
        goto out;
    }
    /* A few KiB: on the heap rather than a worker thread's stack. */
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        rc = AW_ENOMEM;
        goto out;
    }
    r->set = set;
    r->isolate = !(set->flags & AW_TPL_NO_ISOLATE);
    r->out = out;
    r->err = err;
    r->errlen = errlen;
    if (ctx)
        r->ctx[r->nctx++] = ctx;
    run(r, t, 0, t->nops, NULL);
    rc = r->rc;
    if (rc == AW_OK && out->err)
        rc = out->err;
    if (rc == AW_ETOOBIG && out->err && err && errlen && err[0] == '\0')
        snprintf(err, errlen, "%s: output exceeds the buffer's maximum", name);
out:
    free(r);
    return rc;
}
