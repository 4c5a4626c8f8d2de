/* tpl_compile.c: loading Mustache templates into a set (see tpl.h) and
 * compiling each one, once, into a flat instruction array (tpl_int.h).
 *
 * Whitespace rules (the spec's "standalone" lines, partial indentation and
 * the ~inheritance module's block reindentation) are all settled here, so
 * the renderer only follows instructions. docs/internals/templates.md walks
 * through the design. */
#include "tpl_int.h"

#include "aw/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_MAX_DEPTH 16
#define SUFFIX ".mustache"

/* One source being scanned: a template, or a translation compiled in place. */
struct src {
    const char *p;
    size_t n;
    size_t pos;  /* next byte to scan */
    size_t lpos; /* `line` is the line number of offset lpos */
    uint32_t line;
    struct aw_str otag, ctag; /* current delimiters */
};

struct tag {
    size_t start, end;  /* offsets of the opening delimiter and one past the closing one */
    char type;          /* 0 for a plain variable, else one of # ^ / ! > < $ = & { */
    struct aw_str name; /* trimmed content */
    uint32_t line;
};

/* An open section, inverted section, parent or block awaiting its close. */
struct open {
    uint32_t op;
    uint8_t code;
    bool override; /* a BLOCK directly inside a PARENT */
    bool lclear;   /* PARENT: only whitespace before the tag on its line */
    size_t end;    /* offset just past the opening tag */
    struct aw_str name;
    uint32_t line;
    struct aw_str saved_dedent;
};

struct comp {
    struct aw_tpl_set *set;
    const char *tname;
    struct aw_tpl__op *ops; /* heap while compiling, copied to the arena at the end */
    size_t nops, cap;
    struct open open[AW_TPL__MAX_NEST];
    unsigned nopen;
    struct aw_str dedent; /* whitespace stripped from line starts (override bodies) */
    bool bol;             /* the next output op starts a source line */
    bool in_translation;
    char *err;
    size_t errlen;
    enum aw_err rc;
};

static void fail(struct comp *c, uint32_t line, const char *fmt, ...) AW_PRINTF(3, 4);
static void errf(char *err, size_t errlen, const char *fmt, ...) AW_PRINTF(3, 4);

static void
fail(struct comp *c, uint32_t line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (c->rc != AW_OK)
        return;
    c->rc = AW_ESYNTAX;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->err && c->errlen)
        snprintf(c->err, c->errlen, "%s:%u: %s", c->tname, (unsigned)line, msg);
}

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool
is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static bool
is_name(struct aw_str n, const char *lit)
{
    return aw_str_eq_c(n, lit);
}

/* Line number of offset off (>= the previous query: scanning only moves forward). */
static uint32_t
line_at(struct src *s, size_t off)
{
    for (size_t i = s->lpos; i < off; i++)
        if (s->p[i] == '\n')
            s->line++;
    if (off > s->lpos)
        s->lpos = off;
    return s->line;
}

static uint32_t
emit(struct comp *c, enum aw_tpl__code code, uint32_t line, struct aw_str s)
{
    if (c->nops == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        struct aw_tpl__op *p = realloc(c->ops, ncap * sizeof(*p));
        if (p == NULL) {
            AW_ERROR("out of memory compiling template %s", c->tname);
            abort();
        }
        c->ops = p;
        c->cap = ncap;
    }
    if (c->nops >= UINT32_MAX - 1) {
        fail(c, line, "template too large");
        return 0;
    }
    c->ops[c->nops] = (struct aw_tpl__op){(uint8_t)code, 0, line, 0, s, AW_STR_NULL};
    return (uint32_t)c->nops++;
}

static bool
in_parent_body(const struct comp *c, unsigned base)
{
    return c->nopen > base && c->open[c->nopen - 1].code == AW_TPL__PARENT;
}

/* Marks the start of a source line that has output. */
static void
line_mark(struct comp *c)
{
    if (c->bol) {
        emit(c, AW_TPL__INDENT, 0, AW_STR_NULL);
        c->bol = false;
    }
}

/* Literal text [from, to): one TEXT op per line, an INDENT before each line
 * start, the override dedent stripped there. Dropped inside a parent tag,
 * whose only meaningful content is its blocks. */
static void
emit_text(struct comp *c, const struct src *s, size_t from, size_t to, unsigned base)
{
    if (in_parent_body(c, base))
        return;
    while (from < to && c->rc == AW_OK) {
        if (c->bol) {
            line_mark(c);
            for (size_t k = 0; k < c->dedent.len && from < to && s->p[from] == c->dedent.ptr[k];
                 k++)
                from++;
            if (from == to)
                break;
        }
        const char *nl = memchr(s->p + from, '\n', to - from);
        size_t end = nl ? (size_t)(nl - s->p) + 1 : to;
        emit(c, AW_TPL__TEXT, 0, (struct aw_str){s->p + from, end - from});
        c->bol = nl != NULL;
        from = end;
    }
}

/* True when a tag closing the block blk starts at offset at. */
static bool
close_at(const struct src *s, size_t at, const struct open *blk)
{
    size_t i = at;

    if (s->n - i < s->otag.len || memcmp(s->p + i, s->otag.ptr, s->otag.len) != 0)
        return false;
    i += s->otag.len;
    if (i >= s->n || s->p[i] != '/')
        return false;
    i++;
    while (i < s->n && is_ws(s->p[i]))
        i++;
    if (s->n - i < blk->name.len || memcmp(s->p + i, blk->name.ptr, blk->name.len) != 0)
        return false;
    i += blk->name.len;
    while (i < s->n && is_ws(s->p[i]))
        i++;
    return s->n - i >= s->ctag.len && memcmp(s->p + i, s->ctag.ptr, s->ctag.len) == 0;
}

/* True when only spaces and tabs separate offset at from the start of its line;
 * *ls is then where that whitespace begins. The body of a block (blk, when
 * not NULL) is an inline template of its own: its start counts as a line
 * start for the first tag in it. */
static bool
clear_left(const struct src *s, size_t at, const struct open *blk, size_t *ls)
{
    size_t i = at;

    while (i > 0 && (s->p[i - 1] == ' ' || s->p[i - 1] == '\t'))
        i--;
    if (i > 0 && s->p[i - 1] != '\n' && !(blk && i == blk->end))
        return false;
    *ls = i;
    return true;
}

/* True when only spaces and tabs follow offset at up to a line end (LF, CRLF),
 * the end, or the close of the block blk (if not NULL); *re is then just past
 * that line end, or at that close tag. */
static bool
clear_right(const struct src *s, size_t at, const struct open *blk, size_t *re)
{
    size_t i = at;

    while (i < s->n && (s->p[i] == ' ' || s->p[i] == '\t'))
        i++;
    if (i == s->n || (blk && close_at(s, i, blk))) {
        *re = i;
        return true;
    }
    if (s->p[i] == '\n') {
        *re = i + 1;
        return true;
    }
    if (s->p[i] == '\r' && i + 1 < s->n && s->p[i + 1] == '\n') {
        *re = i + 2;
        return true;
    }
    return false;
}

/* The leading whitespace of the first non-blank line at or after from: a
 * block's "intrinsic" indentation. False when there is none. */
static bool
intrinsic(const struct src *s, size_t from, struct aw_str *out)
{
    size_t i = from;

    while (i < s->n) {
        size_t ws = i;
        while (i < s->n && (s->p[i] == ' ' || s->p[i] == '\t'))
            i++;
        if (i < s->n && s->p[i] != '\n' && s->p[i] != '\r') {
            *out = (struct aw_str){s->p + ws, i - ws};
            return true;
        }
        const char *nl = memchr(s->p + i, '\n', s->n - i);
        if (nl == NULL)
            break;
        i = (size_t)(nl - s->p) + 1;
    }
    return false;
}

/* ws without its common prefix with the current dedent. */
static struct aw_str
undent(const struct comp *c, struct aw_str ws)
{
    size_t k = 0;

    while (k < ws.len && k < c->dedent.len && ws.ptr[k] == c->dedent.ptr[k])
        k++;
    return (struct aw_str){ws.ptr + k, ws.len - k};
}

/* "." or dot-separated non-empty parts without whitespace. */
static bool
valid_name(struct aw_str n)
{
    if (n.len == 0)
        return false;
    if (is_name(n, "."))
        return true;
    if (n.ptr[0] == '.' || n.ptr[n.len - 1] == '.')
        return false;
    for (size_t i = 0; i < n.len; i++) {
        if (is_ws(n.ptr[i]))
            return false;
        if (n.ptr[i] == '.' && n.ptr[i + 1] == '.')
            return false;
    }
    return true;
}

/* Parses the tag whose opening delimiter is at offset at. */
static bool
parse_tag(struct comp *c, struct src *s, size_t at, struct tag *t)
{
    char needle[AW_TPL__MAX_DELIM + 1];
    size_t nlen = 0;
    size_t p = at + s->otag.len;

    t->start = at;
    t->line = line_at(s, at);
    t->type = 0;
    if (p < s->n && s->p[p] != '\0' && strchr("#^/!><$=&{", s->p[p])) {
        t->type = s->p[p];
        p++;
    }
    if (t->type == '{' || t->type == '=')
        needle[nlen++] = t->type == '{' ? '}' : '=';
    memcpy(needle + nlen, s->ctag.ptr, s->ctag.len);
    nlen += s->ctag.len;

    const char *close = p <= s->n ? memmem(s->p + p, s->n - p, needle, nlen) : NULL;
    if (close == NULL) {
        fail(c, t->line, "unclosed tag");
        return false;
    }
    size_t b = p, e = (size_t)(close - s->p);
    t->end = e + nlen;
    while (b < e && is_ws(s->p[b]))
        b++;
    while (e > b && is_ws(s->p[e - 1]))
        e--;
    t->name = (struct aw_str){s->p + b, e - b};
    if (t->type == '!' || t->type == '=')
        return true;
    if (t->name.len == 0) {
        fail(c, t->line, "empty tag");
        return false;
    }
    if (!valid_name(t->name)) {
        fail(c, t->line, "bad name '%.*s'", (int)(t->name.len > 64 ? 64 : t->name.len),
             t->name.ptr);
        return false;
    }
    return true;
}

/* {{=open close=}}: two non-empty delimiters without whitespace or '='. */
static void
set_delims(struct comp *c, struct src *s, const struct tag *t)
{
    struct aw_str d = t->name;
    size_t i = 0, j;

    while (i < d.len && !is_ws(d.ptr[i]))
        i++;
    j = i;
    while (j < d.len && is_ws(d.ptr[j]))
        j++;
    struct aw_str o = {d.ptr, i}, cl = {d.ptr + j, d.len - j};
    bool ok = o.len > 0 && cl.len > 0 && o.len <= AW_TPL__MAX_DELIM &&
              cl.len <= AW_TPL__MAX_DELIM && !memchr(o.ptr, '=', o.len) &&
              !memchr(cl.ptr, '=', cl.len);
    for (size_t k = 0; ok && k < cl.len; k++)
        if (is_ws(cl.ptr[k]))
            ok = false;
    if (!ok) {
        fail(c, t->line, "bad delimiter '%.*s'", (int)(d.len > 64 ? 64 : d.len), d.ptr);
        return;
    }
    s->otag = o;
    s->ctag = cl;
}

static void
push_open(struct comp *c, const struct tag *t, uint32_t op, enum aw_tpl__code code, bool ovr,
          bool lclear)
{
    if (c->nopen == AW_TPL__MAX_NEST) {
        fail(c, t->line, "sections nested too deeply (max %d)", AW_TPL__MAX_NEST);
        return;
    }
    c->open[c->nopen++] =
        (struct open){op, (uint8_t)code, ovr, lclear, t->end, t->name, t->line, c->dedent};
}

/* Whether the close tag of a parent at offset at clears on the left. Its line
 * before it is either all parent body (the line starts after the open tag),
 * or else it shares the open tag's line, and that tag's left decides:
 * "{{<p}}{{/p}}" alone on a line is standalone, "x {{<p}}{{/p}}" is not. */
static bool
parent_close_clear(const struct src *s, const struct open *o, size_t at)
{
    return memrchr(s->p + o->end, '\n', at - o->end) != NULL || o->lclear;
}

/* A msgid: the raw text with runs of whitespace collapsed to one space, trimmed. */
static char *
collapse(const char *p, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    bool space = false;

    if (out == NULL) {
        AW_ERROR("out of memory collapsing a msgid");
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        if (is_ws(p[i])) {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = p[i];
    }
    out[o] = '\0';
    return out;
}

static void compile_src(struct comp *c, struct src *s);

/* {{#_}}text{{/_}}: looks the collapsed raw text up through the set's
 * translate callback and compiles the translation in place. The block is
 * never standalone: it stands for text. */
static void
translate_block(struct comp *c, struct src *s, const struct tag *t, size_t *text_start,
                unsigned base)
{
    struct tag ct;
    size_t at = t->end;

    if (in_parent_body(c, base)) {
        fail(c, t->line, "only blocks may appear inside a parent tag");
        return;
    }
    if (c->in_translation) {
        fail(c, t->line, "translate block inside a translation");
        return;
    }
    for (;;) {
        const char *hit = memmem(s->p + at, s->n - at, s->otag.ptr, s->otag.len);
        if (hit == NULL) {
            fail(c, t->line, "unclosed translate block");
            return;
        }
        if (!parse_tag(c, s, (size_t)(hit - s->p), &ct))
            return;
        if (ct.type == '/' && is_name(ct.name, "_"))
            break;
        if (ct.type == '=') {
            fail(c, ct.line, "delimiter change inside a translate block");
            return;
        }
        if ((ct.type == '#' || ct.type == '^') && is_name(ct.name, "_")) {
            fail(c, ct.line, "nested translate block");
            return;
        }
        at = ct.end;
    }
    emit_text(c, s, *text_start, t->start, base);

    char *msgid = collapse(s->p + t->end, ct.start - t->end);
    const char *tr = NULL;
    if (msgid[0] && c->set->translate)
        tr = c->set->translate(c->set->ud, msgid);
    if (tr == NULL)
        tr = msgid;
    size_t tl = strlen(tr);
    char *copy = aw_arena_strndup(c->set->arena, tr, tl);
    free(msgid);

    struct src sub = {copy, tl, 0, 0, t->line, s->otag, s->ctag};
    c->in_translation = true;
    compile_src(c, &sub);
    c->in_translation = false;
    s->pos = *text_start = ct.end;
}

/* Closes the innermost open construct with {{/name}}. */
static void
close_tag(struct comp *c, const struct tag *t, unsigned base)
{
    if (c->nopen == base) {
        fail(c, t->line, "close tag '%.*s' without an open section",
             (int)(t->name.len > 64 ? 64 : t->name.len), t->name.ptr);
        return;
    }
    struct open *o = &c->open[c->nopen - 1];
    if (!aw_str_eq(o->name, t->name)) {
        fail(c, t->line, "mismatched close '%.*s': '%.*s' opened on line %u is still open",
             (int)(t->name.len > 64 ? 64 : t->name.len), t->name.ptr,
             (int)(o->name.len > 64 ? 64 : o->name.len), o->name.ptr, (unsigned)o->line);
        return;
    }
    uint32_t end = emit(c, AW_TPL__END, t->line, t->name);
    c->ops[o->op].jump = end;
    if (o->override)
        c->dedent = o->saved_dedent;
    c->nopen--;
}

/* Everything but interpolations and translate blocks: these may be standalone
 * (only whitespace around them on their line), in which case the line's
 * indentation and line end disappear with the tag. For inheritance: text
 * inside a parent tag is ignored, so the side of a tag that faces a parent's
 * body never stops it from being standalone (the parent tag's right, an
 * override's opening tag's left and closing tag's right); the parent's close
 * tag is clear on the left if its line starts inside the parent or the parent
 * tag was. And a block's body is an inline template: its start and end count
 * as line boundaries for the tags just inside it. */
static void
other_tag(struct comp *c, struct src *s, const struct tag *t, size_t *text_start, unsigned base)
{
    bool in_parent = in_parent_body(c, base);
    const struct open *top = c->nopen > base ? &c->open[c->nopen - 1] : NULL;
    char ty = t->type;

    if (in_parent && ty != '$' && ty != '!' && ty != '=' && ty != '/') {
        fail(c, t->line, "only blocks may appear inside a parent tag");
        return;
    }
    if ((ty == '^' || ty == '$' || ty == '<' || ty == '>') && is_name(t->name, "_")) {
        fail(c, t->line, "'_' is reserved for translate blocks {{#_}}...{{/_}}");
        return;
    }

    /* The block whose body directly holds this tag, if any. */
    const struct open *blk = ty == '/' ? (c->nopen > base + 1 ? top - 1 : NULL) : top;
    if (blk && blk->code != AW_TPL__BLOCK)
        blk = NULL;
    bool left_irrel = in_parent && ty != '/';
    bool right_irrel =
        ty == '<' || (ty == '/' && top && top->override) || (in_parent && (ty == '!' || ty == '='));
    size_t ls = t->start, re = t->end;
    bool lclear = left_irrel || clear_left(s, t->start, blk, &ls);
    if (in_parent && ty == '/') {
        /* The parent's own close: what precedes it on its line is parent body
         * (ignored) or the parent's open tag's line. */
        lclear = parent_close_clear(s, top, t->start);
        left_irrel = true;
    }
    bool rclear = right_irrel || clear_right(s, t->end, blk, &re);
    bool standalone = lclear && rclear;
    struct aw_str lead = AW_STR_NULL;
    size_t cut = t->start, after = t->end;

    if (!left_irrel && lclear)
        lead = (struct aw_str){s->p + ls, t->start - ls};
    if (standalone) {
        if (!left_irrel)
            cut = ls;
        if (!right_irrel)
            after = re;
    }
    emit_text(c, s, *text_start, cut, base);
    if (!standalone && !in_parent && ty != '/')
        line_mark(c);

    uint32_t op;
    switch (ty) {
    case '!':
        break;
    case '=':
        set_delims(c, s, t);
        break;
    case '#':
    case '^':
        op = emit(c, ty == '#' ? AW_TPL__SECTION : AW_TPL__INVERTED, t->line, t->name);
        push_open(c, t, op, ty == '#' ? AW_TPL__SECTION : AW_TPL__INVERTED, false, false);
        break;
    case '>':
        op = emit(c, AW_TPL__PARTIAL, t->line, t->name);
        if (standalone) {
            c->ops[op].indent = undent(c, lead);
            c->ops[op].flags |= AW_TPL__F_STANDALONE;
        }
        break;
    case '<':
        op = emit(c, AW_TPL__PARENT, t->line, t->name);
        if (standalone) {
            c->ops[op].indent = undent(c, lead);
            c->ops[op].flags |= AW_TPL__F_STANDALONE;
        }
        push_open(c, t, op, AW_TPL__PARENT, false, lclear);
        break;
    case '$':
        op = emit(c, AW_TPL__BLOCK, t->line, t->name);
        push_open(c, t, op, AW_TPL__BLOCK, in_parent, false);
        if (in_parent) {
            /* An override: its body loses its own indentation here and gets the
             * use site's when rendered. */
            struct aw_str d = AW_STR_NULL;
            if (standalone && !intrinsic(s, after, &d))
                d = AW_STR_NULL;
            c->dedent = d;
        } else if (standalone) {
            struct aw_str d;
            if (!intrinsic(s, after, &d))
                d = lead;
            c->ops[op].indent = undent(c, d);
            c->ops[op].flags |= AW_TPL__F_STANDALONE;
        } else if (lclear) {
            /* "  {{$b}}...": continuation lines of an override line up with it. */
            c->ops[op].indent = undent(c, lead);
        }
        break;
    case '/':
        close_tag(c, t, base);
        if (!standalone && !in_parent_body(c, base))
            line_mark(c);
        break;
    default:
        fail(c, t->line, "unexpected tag");
        break;
    }
    if (standalone) {
        if (!right_irrel)
            c->bol = true;
    } else {
        c->bol = false;
    }
    s->pos = *text_start = after;
}

static void
compile_src(struct comp *c, struct src *s)
{
    unsigned base = c->nopen;
    size_t text_start = s->pos;

    while (c->rc == AW_OK) {
        const char *hit = memmem(s->p + s->pos, s->n - s->pos, s->otag.ptr, s->otag.len);
        if (hit == NULL) {
            emit_text(c, s, text_start, s->n, base);
            s->pos = s->n;
            break;
        }
        struct tag t;
        if (!parse_tag(c, s, (size_t)(hit - s->p), &t))
            break;
        if (t.type == '#' && is_name(t.name, "_")) {
            translate_block(c, s, &t, &text_start, base);
        } else if (t.type == 0 || t.type == '&' || t.type == '{') {
            if (in_parent_body(c, base)) {
                fail(c, t.line, "only blocks may appear inside a parent tag");
                break;
            }
            if (is_name(t.name, "_")) {
                fail(c, t.line, "'_' is reserved for translate blocks {{#_}}...{{/_}}");
                break;
            }
            emit_text(c, s, text_start, t.start, base);
            line_mark(c);
            emit(c, t.type == 0 ? AW_TPL__VAR : AW_TPL__RAW, t.line, t.name);
            s->pos = text_start = t.end;
        } else {
            other_tag(c, s, &t, &text_start, base);
        }
    }
    if (c->rc == AW_OK && c->nopen > base) {
        const struct open *o = &c->open[c->nopen - 1];
        fail(c, o->line, "unclosed section '%.*s'", (int)(o->name.len > 64 ? 64 : o->name.len),
             o->name.ptr);
    }
}

/* ---- the set ---- */

static uint64_t
hash(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

const struct aw_tpl__tpl *
aw_tpl__find(const struct aw_tpl_set *set, const char *name, size_t len)
{
    if (set == NULL || set->cap == 0)
        return NULL;
    size_t mask = set->cap - 1;
    for (size_t i = hash(name, len) & mask; set->slots[i]; i = (i + 1) & mask) {
        const struct aw_tpl__tpl *t = set->slots[i];
        if (t->namelen == len && memcmp(t->name, name, len) == 0)
            return t;
    }
    return NULL;
}

static void
insert(struct aw_tpl_set *set, struct aw_tpl__tpl *t)
{
    if ((set->count + 1) * 2 > set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 16;
        struct aw_tpl__tpl **slots = calloc(ncap, sizeof(*slots));
        if (slots == NULL) {
            AW_ERROR("out of memory growing a template set");
            abort();
        }
        for (size_t i = 0; i < set->cap; i++) {
            struct aw_tpl__tpl *o = set->slots[i];
            if (o == NULL)
                continue;
            size_t j = hash(o->name, o->namelen) & (ncap - 1);
            while (slots[j])
                j = (j + 1) & (ncap - 1);
            slots[j] = o;
        }
        free(set->slots);
        set->slots = slots;
        set->cap = ncap;
    }
    size_t j = hash(t->name, t->namelen) & (set->cap - 1);
    while (set->slots[j])
        j = (j + 1) & (set->cap - 1);
    set->slots[j] = t;
    set->count++;
}

struct aw_tpl_set *
aw_tpl_set_new(unsigned flags, aw_tpl_translate_fn translate, void *ud)
{
    struct aw_tpl_set *set = calloc(1, sizeof(*set));
    if (set == NULL) {
        AW_ERROR("out of memory creating a template set");
        abort();
    }
    set->flags = flags;
    set->translate = translate;
    set->ud = ud;
    set->arena = aw_arena_new(64 * 1024);
    return set;
}

void
aw_tpl_set_free(struct aw_tpl_set *set)
{
    if (set == NULL)
        return;
    free(set->slots);
    aw_arena_free(set->arena);
    free(set);
}

bool
aw_tpl_has(const struct aw_tpl_set *set, const char *name)
{
    return name && aw_tpl__find(set, name, strlen(name)) != NULL;
}

enum aw_err
aw_tpl_add(struct aw_tpl_set *set, const char *name, const char *src, size_t n, char *err,
           size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct comp c = {0};

    if (err && errlen)
        err[0] = '\0';
    if (set == NULL || name == NULL || (src == NULL && n > 0)) {
        errf(err, errlen, "aw_tpl_add: bad arguments");
        rc = AW_EINVAL;
        goto out;
    }
    if (n > AW_TPL__MAX_SIZE) {
        errf(err, errlen, "%s: template too big (%zu bytes, max %zu)", name, n, AW_TPL__MAX_SIZE);
        rc = AW_ETOOBIG;
        goto out;
    }
    if (!aw_utf8_valid(src, n)) {
        errf(err, errlen, "%s: invalid UTF-8", name);
        rc = AW_ESYNTAX;
        goto out;
    }
    if (aw_tpl__find(set, name, strlen(name))) {
        errf(err, errlen, "%s: template already defined", name);
        rc = AW_EEXIST;
        goto out;
    }

    char *copy = aw_arena_alloc(set->arena, n + 1);
    if (n)
        memcpy(copy, src, n);
    copy[n] = '\0';
    struct src s = {copy, n, 0, 0, 1, AW_STR_LIT("{{"), AW_STR_LIT("}}")};
    c.set = set;
    c.tname = name;
    c.bol = true;
    c.err = err;
    c.errlen = errlen;
    compile_src(&c, &s);
    rc = c.rc;
    if (rc != AW_OK)
        goto out;

    struct aw_tpl__tpl *t = aw_arena_zalloc(set->arena, sizeof(*t));
    struct aw_tpl__op *ops = aw_arena_calloc(set->arena, c.nops ? c.nops : 1, sizeof(*ops));
    if (c.nops)
        memcpy(ops, c.ops, c.nops * sizeof(*ops));
    t->namelen = strlen(name);
    t->name = aw_arena_strndup(set->arena, name, t->namelen);
    t->ops = ops;
    t->nops = (uint32_t)c.nops;
    insert(set, t);
out:
    free(c.ops);
    return rc;
}

/* ---- loading a directory ---- */

static enum aw_err
add_file(struct aw_tpl_set *set, const char *path, const char *name, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    char *buf = NULL;
    size_t len = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0) {
        errf(err, errlen, "%s: %s", path, strerror(errno));
        rc = AW_EIO;
        goto out;
    }
    if ((uint64_t)st.st_size > AW_TPL__MAX_SIZE) {
        errf(err, errlen, "%s: template too big (max %zu bytes)", path, AW_TPL__MAX_SIZE);
        rc = AW_ETOOBIG;
        goto out;
    }
    buf = malloc(AW_TPL__MAX_SIZE + 1);
    if (buf == NULL) {
        AW_ERROR("out of memory reading %s", path);
        abort();
    }
    for (;;) {
        ssize_t r = read(fd, buf + len, AW_TPL__MAX_SIZE + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            errf(err, errlen, "%s: %s", path, strerror(errno));
            rc = AW_EIO;
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > AW_TPL__MAX_SIZE) {
            errf(err, errlen, "%s: template too big (max %zu bytes)", path, AW_TPL__MAX_SIZE);
            rc = AW_ETOOBIG;
            goto out;
        }
    }
    if (!aw_utf8_valid(buf, len)) {
        errf(err, errlen, "%s: invalid UTF-8", path);
        rc = AW_ESYNTAX;
        goto out;
    }
    rc = aw_tpl_add(set, name, buf, len, err, errlen);
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum aw_err
add_tree(struct aw_tpl_set *set, const char *dir, const char *rel, int depth, char *err,
         size_t errlen)
{
    enum aw_err rc = AW_OK;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d = opendir(dir);

    if (d == NULL) {
        errf(err, errlen, "%s: %s", dir, strerror(errno));
        rc = AW_EIO;
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* ".", "..", hidden files and editor droppings */
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **p = realloc(names, cap * sizeof(*p));
            if (p == NULL) {
                AW_ERROR("out of memory listing %s", dir);
                abort();
            }
            names = p;
        }
        names[n] = strdup(de->d_name);
        if (names[n] == NULL) {
            AW_ERROR("out of memory listing %s", dir);
            abort();
        }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_names); /* deterministic errors */

    for (size_t i = 0; i < n && rc == AW_OK; i++) {
        char path[PATH_MAX], sub[PATH_MAX];
        struct stat st;
        int pl = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        int sl = snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", names[i]);
        if (pl < 0 || (size_t)pl >= sizeof(path) || sl < 0 || (size_t)sl >= sizeof(sub)) {
            errf(err, errlen, "%s/%s: path too long", dir, names[i]);
            rc = AW_EIO;
            break;
        }
        if (stat(path, &st) != 0) {
            errf(err, errlen, "%s: %s", path, strerror(errno));
            rc = AW_EIO;
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth >= DIR_MAX_DEPTH) {
                errf(err, errlen, "%s: directories nested too deeply", path);
                rc = AW_EIO;
                break;
            }
            rc = add_tree(set, path, sub, depth + 1, err, errlen);
            continue;
        }
        size_t sublen = (size_t)sl, sfx = sizeof(SUFFIX) - 1;
        if (!S_ISREG(st.st_mode) || sublen <= sfx || strcmp(sub + sublen - sfx, SUFFIX) != 0)
            continue;
        sub[sublen - sfx] = '\0';
        rc = add_file(set, path, sub, err, errlen);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

enum aw_err
aw_tpl_add_dir(struct aw_tpl_set *set, const char *dir, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (set == NULL || dir == NULL) {
        errf(err, errlen, "aw_tpl_add_dir: bad arguments");
        return AW_EINVAL;
    }
    return add_tree(set, dir, "", 0, err, errlen);
}
