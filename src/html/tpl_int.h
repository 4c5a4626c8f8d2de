/* tpl_int.h: the template engine's private structures, shared by
 * tpl_compile.c (source -> instruction array) and tpl_render.c (instruction
 * array + view -> bytes). See docs/internals/templates.md. */
#ifndef AW_TPL_INT_H
#define AW_TPL_INT_H

#include "aw/arena.h"
#include "aw/str.h"
#include "aw/tpl.h"

#include <stdbool.h>
#include <stdint.h>

/* Limits. A template file over AW_TPL__MAX_SIZE is refused at load; sections
 * nest at most AW_TPL__MAX_NEST deep in one template; partials, parents and
 * block overrides nest at most AW_TPL__MAX_DEPTH deep at render; a render runs
 * at most AW_TPL__MAX_STEPS instructions (sections over lists can otherwise
 * multiply work without producing output). */
#define AW_TPL__MAX_SIZE ((size_t)1 << 20)
#define AW_TPL__MAX_NEST 64
#define AW_TPL__MAX_DEPTH 32
#define AW_TPL__MAX_RUN 256 /* nested instruction ranges (sections + includes) */
#define AW_TPL__MAX_STEPS ((uint32_t)1 << 24)
#define AW_TPL__MAX_DELIM 16

enum aw_tpl__code {
    AW_TPL__TEXT,     /* emit s verbatim */
    AW_TPL__INDENT,   /* a source line starts: emit the current indentation */
    AW_TPL__VAR,      /* {{s}}: escaped */
    AW_TPL__RAW,      /* {{{s}}} or {{&s}}: markup only */
    AW_TPL__SECTION,  /* {{#s}}: body is [i + 1, jump), ops[jump] is its END */
    AW_TPL__INVERTED, /* {{^s}}: same layout */
    AW_TPL__END,      /* closes SECTION, INVERTED, PARENT and BLOCK */
    AW_TPL__PARTIAL,  /* {{>s}}, indented by `indent` */
    AW_TPL__PARENT,   /* {{<s}}: [i + 1, jump) holds only BLOCK ops, the overrides */
    AW_TPL__BLOCK     /* {{$s}}: default body [i + 1, jump); an override is
                       * rendered indented by `indent` */
};

/* PARTIAL, PARENT, BLOCK: the tag was standalone, so what it includes starts
 * a line of its own and every line of it is indented by `indent`. Otherwise
 * the included text continues the current line: its first INDENT is skipped. */
#define AW_TPL__F_STANDALONE 1

struct aw_tpl__op {
    uint8_t code;
    uint8_t flags;
    uint32_t line;        /* source line, for error messages */
    uint32_t jump;        /* index of the matching END (SECTION .. BLOCK) */
    struct aw_str s;      /* TEXT: the bytes; otherwise the name */
    struct aw_str indent; /* PARTIAL, PARENT, BLOCK: whitespace to add per line */
};

/* One compiled template; everything lives in the set's arena. */
struct aw_tpl__tpl {
    const char *name;
    size_t namelen;
    const struct aw_tpl__op *ops;
    uint32_t nops;
};

struct aw_tpl_set {
    unsigned flags;
    aw_tpl_translate_fn translate;
    void *ud;
    struct aw_arena *arena;     /* templates, sources, translations */
    struct aw_tpl__tpl **slots; /* open-addressing hash table (heap) */
    size_t cap;                 /* power of two */
    size_t count;
};

/* The template called name (len bytes), or NULL. Read-only: safe from many
 * threads once the set is loaded. */
const struct aw_tpl__tpl *aw_tpl__find(const struct aw_tpl_set *set, const char *name, size_t len);

#endif
