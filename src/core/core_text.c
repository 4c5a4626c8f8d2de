/* core_text.c: the text rules of every input (see text.h) and the
 * neutralisation of text for places that cannot isolate it. The Markdown rule
 * parses with cmark (the renderer of src/html uses the same library), so that
 * "raw HTML" means exactly what the renderer drops. */
#include "aw/text.h"

#include "aw/arena.h"
#include "aw/str.h"

#include <cmark.h>
#include <string.h>

/* xgettext collects the sentences from here (scripts/update-po.sh). */
#define N_(s) s

/* The UTF-8 encodings of the bidirectional controls are E2 80 xx (U+200E,
 * U+200F, U+202A to U+202E), E2 81 xx (U+2066 to U+2069) and D8 9C (U+061C).
 * U+2029, the paragraph separator, is E2 80 A9. */
enum bidi {
    B_NONE,
    B_EMBED, /* LRE RLE PDF LRO RLO: U+202A to U+202E */
    B_OPEN,  /* LRI RLI FSI: U+2066 to U+2068 */
    B_CLOSE, /* PDI: U+2069 */
    B_PARA,  /* U+2029 PARAGRAPH SEPARATOR */
};

/* What the three bytes at s[i] are, if they are one of the above. */
static enum bidi
bidi_at(const unsigned char *s, size_t n, size_t i)
{
    if (s[i] != 0xE2 || i + 2 >= n)
        return B_NONE;
    if (s[i + 1] == 0x80 && s[i + 2] >= 0xAA && s[i + 2] <= 0xAE)
        return B_EMBED;
    if (s[i + 1] == 0x80 && s[i + 2] == 0xA9)
        return B_PARA;
    if (s[i + 1] == 0x81 && s[i + 2] >= 0xA6 && s[i + 2] <= 0xA8)
        return B_OPEN;
    if (s[i + 1] == 0x81 && s[i + 2] == 0xA9)
        return B_CLOSE;
    return B_NONE;
}

/* True when the Markdown source has an HTML block or inline HTML node. */
static bool
markdown_has_html(const char *s, size_t n)
{
    bool found = false;
    cmark_node *doc = cmark_parse_document(s, n, CMARK_OPT_DEFAULT);
    cmark_iter *it = NULL;

    if (doc == NULL)
        goto out;
    it = cmark_iter_new(doc);
    for (cmark_event_type ev; !found && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
        cmark_node_type t = cmark_node_get_type(cmark_iter_get_node(it));
        found =
            ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_HTML_BLOCK || t == CMARK_NODE_HTML_INLINE);
    }
out:
    if (it)
        cmark_iter_free(it);
    if (doc)
        cmark_node_free(doc);
    return found;
}

enum aw_text_fault
aw_text_check(const char *str, size_t n, unsigned flags)
{
    const unsigned char *s = (const unsigned char *)str;
    bool multi = flags & AW_TEXT_MULTILINE;
    enum aw_text_fault f = AW_TEXT_OK;
    size_t open = 0; /* isolates open on this line */

    if (n > 0 && str == NULL)
        return AW_TEXT_BAD_UTF8;
    if (!aw_utf8_valid(str, n)) {
        f = AW_TEXT_BAD_UTF8;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        bool line_end = false;

        if (c < 0x20 || c == 0x7F || (c == 0xC2 && i + 1 < n && s[i + 1] <= 0x9F)) {
            if (!(multi && (c == '\n' || c == '\r' || c == '\t'))) {
                f = AW_TEXT_CONTROL;
                goto out;
            }
            line_end = c != '\t';
        }
        switch (bidi_at(s, n, i)) {
        case B_EMBED:
            f = AW_TEXT_BIDI;
            goto out;
        case B_OPEN:
            open++;
            break;
        case B_CLOSE:
            if (open == 0) {
                f = AW_TEXT_BIDI;
                goto out;
            }
            open--;
            break;
        case B_PARA:
            line_end = true;
            break;
        case B_NONE:
            break;
        }
        if (line_end && open > 0) {
            f = AW_TEXT_BIDI;
            goto out;
        }
    }
    if (open > 0) {
        f = AW_TEXT_BIDI;
        goto out;
    }
    if ((flags & AW_TEXT_MARKDOWN) && markdown_has_html(str, n))
        f = AW_TEXT_HTML;
out:
    return f;
}

static const struct {
    const char *message;  /* data files and imports */
    const char *sentence; /* forms (msgid) */
} faults[] = {
    [AW_TEXT_OK] = {"", ""},
    [AW_TEXT_BAD_UTF8] = {"invalid UTF-8",
                          N_("This contains bytes that are not valid UTF-8 text. Please type it "
                             "again or paste it as plain text.")},
    [AW_TEXT_CONTROL] = {"control characters are not allowed",
                         N_("This contains control characters, which are not allowed.")},
    [AW_TEXT_BIDI] = {"direction controls are not allowed (only isolates U+2066 to U+2069 "
                      "closed on the same line, and the marks U+200E, U+200F, U+061C)",
                      N_("This contains invisible characters that change the direction of the "
                         "text around them, which are not allowed. Only isolates (U+2066 to "
                         "U+2069) closed on the same line, and direction marks, may be used.")},
    [AW_TEXT_HTML] = {"HTML is not kept: write the text in Markdown",
                      N_("HTML is not kept on this site, so this text would be published without "
                         "it. Write it in Markdown instead (for example *emphasis*, lists or "
                         "[a link](https://example.org)), or remove the tags.")},
};

const char *
aw_text_fault_message(enum aw_text_fault f)
{
    return (size_t)f < AW_NELEM(faults) ? faults[f].message : "";
}

const char *
aw_text_fault_sentence(enum aw_text_fault f)
{
    return (size_t)f < AW_NELEM(faults) ? faults[f].sentence : "";
}

/* The character at s[i] (one byte for what is not a direction control, when
 * sink looks at nothing else): returns its length in bytes and sets *keep, or
 * *rep to its replacement (NULL: dropped). */
static size_t
step(const unsigned char *s, size_t n, size_t i, enum aw_text_sink sink, bool *keep,
     const char **rep)
{
    unsigned char c = s[i];
    size_t k;

    *keep = true;
    *rep = NULL;
    switch (bidi_at(s, n, i)) {
    case B_EMBED:
        *keep = false;
        return 3;
    case B_OPEN:
    case B_CLOSE:
        *keep = sink == AW_TEXT_ISOLATED;
        return 3;
    default:
        break;
    }
    if (sink != AW_TEXT_LINE || (c >= 0x20 && c < 0x7F))
        return 1;
    *keep = false;
    if (c == '\r' || c == '\n' || c == '\t') {
        *rep = " ";
        return c == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
    }
    *rep = "\xEF\xBF\xBD";
    if (c < 0x80)
        return 1; /* C0 or DEL */
    k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + k > n || !aw_utf8_valid((const char *)s + i, k))
        return 1; /* one invalid byte */
    if (c == 0xC2 && s[i + 1] <= 0x9F)
        return 2; /* C1 */
    *keep = true;
    *rep = NULL;
    return k;
}

bool
aw_text_is_neutral(const char *str, size_t n, enum aw_text_sink sink)
{
    const unsigned char *s = (const unsigned char *)str;
    bool keep = true;
    const char *rep;

    for (size_t i = 0; i < n && keep;) {
        /* Only E2 starts a direction control: the rest is skipped unless the
         * sink looks at controls and encodings too. */
        if (s[i] != 0xE2 && (sink != AW_TEXT_LINE || (s[i] >= 0x20 && s[i] < 0x7F))) {
            i++;
            continue;
        }
        i += step(s, n, i, sink, &keep, &rep);
    }
    return keep;
}

void
aw_text_neutral(struct aw_buf *out, const char *str, size_t n, enum aw_text_sink sink)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t run = 0, i = 0;

    while (i < n) {
        bool keep;
        const char *rep;
        size_t k = step(s, n, i, sink, &keep, &rep);
        if (!keep) {
            if (i > run)
                aw_buf_append(out, str + run, i - run);
            if (rep)
                aw_buf_puts(out, rep);
            run = i + k;
        }
        i += k;
    }
    if (n > run)
        aw_buf_append(out, str + run, n - run);
}

const char *
aw_text_neutral_str(struct aw_arena *a, const char *s, enum aw_text_sink sink)
{
    const char *res = s;
    size_t n = s ? strlen(s) : 0;
    struct aw_buf b = AW_BUF_INIT(n * 3 + 1);

    if (s == NULL || aw_text_is_neutral(s, n, sink))
        goto out;
    aw_text_neutral(&b, s, n, sink);
    res = aw_arena_strdup(a, aw_buf_cstr(&b));
out:
    aw_buf_free(&b);
    return res;
}

size_t
aw_text_chars(const char *s, size_t n)
{
    size_t chars = 0;

    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars;
}
