/* text.h: the rules every text a person types or imports must pass (the share
 * form, the moderators' forms, the CSV and JSON imports, the data files), and
 * how text is made harmless where it is shown without markup to isolate it.
 *
 * Well-formed text, as aw_text_check() decides it:
 *   - valid UTF-8;
 *   - no control character: C0 (U+0000 to U+001F), DEL, C1 (U+0080 to
 *     U+009F); with AW_TEXT_MULTILINE, line feed, carriage return and tab are
 *     allowed;
 *   - of the bidirectional controls (Unicode's Bidi_Control property):
 *       refused anywhere: the embeddings and overrides LRE, RLE, PDF, LRO, RLO
 *         (U+202A to U+202E), which reverse or re-embed the text after them;
 *       allowed when balanced: the isolates LRI, RLI, FSI (U+2066 to U+2068)
 *         and PDI (U+2069): every PDI closes an isolate opened before it on
 *         the same line, and every isolate is closed before the line ends
 *         (a line feed, a carriage return, U+2029 or the end of the value);
 *       allowed anywhere: the marks LRM (U+200E), RLM (U+200F) and ALM
 *         (U+061C), which have no scope;
 *   - with AW_TEXT_MARKDOWN, no raw HTML (an HTML block or inline tag, as
 *     cmark parses it): the Markdown renderer's safe mode drops it, so a text
 *     made of HTML would be published blank.
 * The form and the importers show the same verdict, each in its register:
 * aw_text_fault_message() for data files and imports, aw_text_fault_sentence()
 * (a msgid) for the forms. */
#ifndef AW_TEXT_H
#define AW_TEXT_H

#include "aw/buf.h"

#include <stdbool.h>
#include <stddef.h>

enum aw_text_fault {
    AW_TEXT_OK = 0,
    AW_TEXT_BAD_UTF8, /* not valid UTF-8 */
    AW_TEXT_CONTROL,  /* a control character */
    AW_TEXT_BIDI,     /* a bidirectional control that is not part of well-formed text */
    AW_TEXT_HTML,     /* raw HTML in Markdown (AW_TEXT_MARKDOWN) */
};

enum aw_text_flags {
    AW_TEXT_MULTILINE = 1 << 0, /* line breaks and tabs allowed */
    AW_TEXT_MARKDOWN = 1 << 1,  /* the text is Markdown: raw HTML refused */
};

/* The first rule the n bytes at s break, in the order of the enum (so
 * invalid UTF-8 wins over a control character), or AW_TEXT_OK. */
enum aw_text_fault aw_text_check(const char *s, size_t n, unsigned flags);

/* English, for data files and imports: "control characters are not allowed".
 * A static string; "" for AW_TEXT_OK. */
const char *aw_text_fault_message(enum aw_text_fault f);
/* The sentence a form shows next to the field, as a msgid for gettext (the
 * caller translates it): "This contains control characters, which are not
 * allowed." A static string; "" for AW_TEXT_OK. */
const char *aw_text_fault_sentence(enum aw_text_fault f);

/* Where a value is written, and so what must not reach it. */
enum aw_text_sink {
    /* Inside an isolating element (<bdi>): the embeddings and overrides
     * (U+202A to U+202E) are dropped, so that they cannot reverse the rest of
     * the value either; isolates and marks stay (the element closes an
     * isolate left open, and the bidi algorithm ignores an unmatched PDI). */
    AW_TEXT_ISOLATED,
    /* Text that nothing isolates (a <title>, an <option>, a plain-text mail):
     * every explicit direction control (U+202A to U+202E and U+2066 to
     * U+2069) is dropped; marks stay, they have no scope. */
    AW_TEXT_PLAIN,
    /* One line of a record (the audit log): as AW_TEXT_PLAIN, and each line
     * break (CR, LF or CR LF) or tab becomes a space, and any other control
     * character or invalid UTF-8 byte becomes U+FFFD. */
    AW_TEXT_LINE,
};

/* True when aw_text_neutral() would write s unchanged (the common case, found
 * without copying). */
bool aw_text_is_neutral(const char *s, size_t n, enum aw_text_sink sink);
/* Appends the n bytes at s to out as sink allows them (see the enum). */
void aw_text_neutral(struct aw_buf *out, const char *s, size_t n, enum aw_text_sink sink);
/* The same for a NUL-terminated string: s itself when it is neutral, else a
 * copy in arena a. NULL stays NULL. */
struct aw_arena;
const char *aw_text_neutral_str(struct aw_arena *a, const char *s, enum aw_text_sink sink);

/* Code points of valid UTF-8 (the unit of every length limit). */
size_t aw_text_chars(const char *s, size_t n);

#endif
