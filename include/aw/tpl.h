/* tpl.h: Mustache templates, compiled once into instruction arrays.
 *
 * Follows the Mustache spec (comments, delimiters, interpolation, inverted,
 * partials, sections, ~inheritance) with awareday's safety rules:
 *   {{x}}   escapes text; a AW_VIEW_HTML value is escaped too.
 *           Where the value lands is followed from the markup written so far:
 *           in text between tags a string (or escaped markup) is wrapped in
 *           <bdi>...</bdi>, with the embeddings and overrides U+202A-U+202E
 *           dropped, so that no value can reverse the page around it; in a
 *           <title> or an <option>, which cannot hold an element, every
 *           direction control is dropped instead (text.h, AW_TEXT_PLAIN); in a
 *           tag (attribute values), a <textarea>, <script> or <style> it is
 *           escaped only. Numbers and booleans are written as they are. The
 *           set flag AW_TPL_NO_ISOLATE turns this off (plain Mustache output).
 *   {{{x}}} and {{&x}} emit only AW_VIEW_HTML verbatim; any other value is an
 *           error in strict mode and is escaped otherwise (unless the set was
 *           loaded with AW_TPL_RAW_STRINGS, used only by the spec test).
 *   {{#_}}Text{{/_}} is a translate block: its raw inner text, whitespace
 *           collapsed and trimmed, is a msgid passed to the set's translate
 *           callback at compile time; the translation is then compiled as
 *           Mustache, so it may contain {{tags}}. One set is compiled per
 *           language. scripts/tpl-xgettext.sh extracts these msgids.
 * Strict mode (AW_TPL_STRICT, on in tests): a name that resolves to nothing
 * is a render error naming the template and line, instead of empty output.
 *
 * A set is immutable once loaded and may be rendered from many threads. */
#ifndef AW_TPL_H
#define AW_TPL_H

#include "aw/buf.h"
#include "aw/err.h"
#include "aw/view.h"

enum aw_tpl_flags {
    AW_TPL_STRICT = 1 << 0,
    AW_TPL_RAW_STRINGS = 1 << 1, /* spec conformance only: {{{x}}} emits strings raw */
    AW_TPL_NO_ISOLATE = 1 << 2   /* spec conformance and engine tests only: see below */
};

/* Returns the translation of msgid (NUL-terminated), or msgid itself. The
 * result must stay valid until the set is freed (gettext's do). */
typedef const char *(*aw_tpl_translate_fn)(void *ud, const char *msgid);

struct aw_tpl_set;

/* An empty set. translate may be NULL (identity). */
struct aw_tpl_set *aw_tpl_set_new(unsigned flags, aw_tpl_translate_fn translate, void *ud);
void aw_tpl_set_free(struct aw_tpl_set *set);

/* Compiles `src` (n bytes) as the template `name` (used by partials {{>name}}
 * and parents {{<name}}). On a syntax error returns AW_ESYNTAX and writes
 * "name:line: message" to err; AW_EEXIST for a name already in the set;
 * AW_ETOOBIG over 1 MiB; AW_ESYNTAX for invalid UTF-8. */
enum aw_err aw_tpl_add(struct aw_tpl_set *set, const char *name, const char *src, size_t n,
                       char *err, size_t errlen);

/* Adds every *.mustache file under dir (recursively); a file a/b.mustache is
 * named "a/b". Errors as aw_tpl_add, or AW_EIO with the path. */
enum aw_err aw_tpl_add_dir(struct aw_tpl_set *set, const char *dir, char *err, size_t errlen);

/* Renders template `name` with ctx (a map, usually) appended to out. Returns
 * AW_ENOTFOUND for an unknown template, AW_EUNKNOWN in strict mode for an
 * unresolved name (err says which, with template and line), AW_EINVAL in
 * strict mode for {{{x}}} on a value that is not AW_VIEW_HTML (or null),
 * AW_ETOOBIG when out's maximum or the partial depth is reached. */
enum aw_err aw_tpl_render(const struct aw_tpl_set *set, const char *name, const struct aw_view *ctx,
                          struct aw_buf *out, char *err, size_t errlen);

/* True if the set has a template of that name. */
bool aw_tpl_has(const struct aw_tpl_set *set, const char *name);

#endif
