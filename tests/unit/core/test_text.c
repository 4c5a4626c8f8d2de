/* test_text.c: unit tests for the text rules (src/core/core_text.c): control characters,
 * the bidirectional controls at the edges of their ranges (embeddings and overrides refused,
 * isolates balanced per line, marks allowed), raw HTML in Markdown, and the neutralisation of
 * text for an isolating element, plain text and one-line records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/arena.h"
#include "aw/text.h"

#include <string.h>

#define B(s) s, sizeof(s) - 1

/* The bidirectional controls, and their neighbours, in UTF-8. */
#define LRE "\xe2\x80\xaa" /* U+202A */
#define RLE "\xe2\x80\xab"
#define PDF "\xe2\x80\xac"
#define LRO "\xe2\x80\xad"
#define RLO "\xe2\x80\xae" /* U+202E */
#define LRI "\xe2\x81\xa6" /* U+2066 */
#define RLI "\xe2\x81\xa7"
#define FSI "\xe2\x81\xa8"
#define PDI "\xe2\x81\xa9"   /* U+2069 */
#define LRM "\xe2\x80\x8e"   /* U+200E */
#define RLM "\xe2\x80\x8f"   /* U+200F */
#define ALM "\xd8\x9c"       /* U+061C */
#define PS "\xe2\x80\xa9"    /* U+2029 PARAGRAPH SEPARATOR, just below LRE */
#define LS "\xe2\x80\xa8"    /* U+2028 LINE SEPARATOR (not a paragraph end) */
#define NNBSP "\xe2\x80\xaf" /* U+202F, just above RLO */
#define U2065 "\xe2\x81\xa5" /* just below LRI */
#define U206A "\xe2\x81\xaa" /* just above PDI (deprecated, not a direction control) */
#define ARABIC "\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a"

#define ML AW_TEXT_MULTILINE
#define MD (AW_TEXT_MULTILINE | AW_TEXT_MARKDOWN)

static const struct {
    const char *s;
    size_t n;
    unsigned flags;
    enum aw_text_fault want;
    const char *what;
} check_cases[] = {
    {B(""), 0, AW_TEXT_OK, "empty"},
    {B("Parents' evening, 18 November"), 0, AW_TEXT_OK, "plain text"},
    {B(ARABIC " (NGO)"), 0, AW_TEXT_OK, "Arabic"},
    {B("caf\xc3\xa9 \xc2\xa0 \xf0\x9f\x98\x80"), 0, AW_TEXT_OK, "NBSP (U+00A0) and emoji"},
    /* control characters */
    {B("a\x01"), 0, AW_TEXT_CONTROL, "U+0001"},
    {B("a\0b"), 0, AW_TEXT_CONTROL, "NUL"},
    {B("\x1b[31m"), 0, AW_TEXT_CONTROL, "ESC"},
    {B("\x7f"), 0, AW_TEXT_CONTROL, "DEL"},
    {B("\xc2\x80"), 0, AW_TEXT_CONTROL, "U+0080, first C1"},
    {B("\xc2\x85"), ML, AW_TEXT_CONTROL, "NEL is C1 even in multi-line text"},
    {B("\xc2\x9f"), 0, AW_TEXT_CONTROL, "U+009F, last C1"},
    {B("\t=1+1"), 0, AW_TEXT_CONTROL, "leading tab in one-line text"},
    {B("a\nb"), 0, AW_TEXT_CONTROL, "line feed in one-line text"},
    {B("a\rb"), 0, AW_TEXT_CONTROL, "carriage return in one-line text"},
    {B("\ta\r\nb\n"), ML, AW_TEXT_OK, "tab and line breaks in multi-line text"},
    {B("a\x0b"), ML, AW_TEXT_CONTROL, "vertical tab in multi-line text"},
    {B("\xff\x01"), 0, AW_TEXT_BAD_UTF8, "invalid UTF-8 wins over a control"},
    {B("\xe2\x80"), 0, AW_TEXT_BAD_UTF8, "a direction control cut short"},
    /* embeddings and overrides: refused anywhere */
    {B("(Non-governmental organisation) " RLO "x"), 0, AW_TEXT_BIDI, "RLO"},
    {B(RLO "x" PDF), 0, AW_TEXT_BIDI, "RLO closed by PDF is still refused"},
    {B(LRE "x" PDF), 0, AW_TEXT_BIDI, "LRE, first of the range"},
    {B(RLE), 0, AW_TEXT_BIDI, "RLE"},
    {B(PDF), 0, AW_TEXT_BIDI, "PDF alone"},
    {B(LRO), 0, AW_TEXT_BIDI, "LRO"},
    {B("line one\n" RLO), ML, AW_TEXT_BIDI, "RLO in multi-line text"},
    /* neighbours of the ranges are ordinary characters */
    {B("a" PS "b"), 0, AW_TEXT_OK, "U+2029 outside an isolate"},
    {B("a" NNBSP "b"), 0, AW_TEXT_OK, "U+202F"},
    {B(U2065 U206A), 0, AW_TEXT_OK, "U+2065 and U+206A"},
    {B("a\xe2\x80\x8d"
       "b"),
     0, AW_TEXT_OK, "zero width joiner"},
    /* marks: no scope, allowed anywhere */
    {B(LRM), 0, AW_TEXT_OK, "LRM"},
    {B(RLM "x" RLM), 0, AW_TEXT_OK, "RLM"},
    {B(ALM ARABIC), 0, AW_TEXT_OK, "ALM"},
    /* isolates: balanced on each line */
    {B("Conference " FSI ARABIC PDI " 2025"), 0, AW_TEXT_OK, "FSI ... PDI"},
    {B(LRI "a" PDI RLI "b" PDI), 0, AW_TEXT_OK, "LRI and RLI, one after the other"},
    {B(FSI RLI LRI "a" PDI PDI PDI), 0, AW_TEXT_OK, "three levels"},
    {B(FSI "a"), 0, AW_TEXT_BIDI, "FSI never closed"},
    {B(LRI), 0, AW_TEXT_BIDI, "LRI alone"},
    {B("a" PDI), 0, AW_TEXT_BIDI, "PDI without an isolate"},
    {B(PDI FSI), 0, AW_TEXT_BIDI, "PDI before its FSI"},
    {B(FSI FSI "a" PDI), 0, AW_TEXT_BIDI, "one of two isolates left open"},
    {B(FSI "a" PDI PDI), 0, AW_TEXT_BIDI, "one PDI too many"},
    {B(FSI "a\nb" PDI), ML, AW_TEXT_BIDI, "isolate closed on the next line"},
    {B(FSI "a\r\n" PDI), ML, AW_TEXT_BIDI, "isolate open across CR LF"},
    {B(FSI "a\r" PDI), ML, AW_TEXT_BIDI, "isolate open across CR"},
    {B(FSI "a" PDI "\n" RLI "b" PDI), ML, AW_TEXT_OK, "an isolate per line"},
    {B(FSI "a\tb" PDI), ML, AW_TEXT_OK, "a tab does not end the line"},
    {B(FSI "a" PS "b" PDI), 0, AW_TEXT_BIDI, "isolate open across U+2029"},
    {B(FSI "a" LS "b" PDI), 0, AW_TEXT_OK, "U+2028 does not end the paragraph"},
    /* Markdown: raw HTML is what the renderer drops */
    {B("*Free*, in [two](https://example.org) languages."), MD, AW_TEXT_OK, "Markdown"},
    {B("Children < 12 and a <3"), MD, AW_TEXT_OK, "angle brackets that are not tags"},
    {B("<https://example.org/programme>"), MD, AW_TEXT_OK, "autolink"},
    {B("Use `<b>` for bold"), MD, AW_TEXT_OK, "a tag in a code span"},
    {B("Example:\n\n    <b>x</b>\n"), MD, AW_TEXT_OK, "a tag in an indented code block"},
    {B("<b>bold</b>"), MD, AW_TEXT_HTML, "inline tags"},
    {B("A <span>word</span>."), MD, AW_TEXT_HTML, "inline tag in a sentence"},
    {B("<div>\nWorkshops\n</div>"), MD, AW_TEXT_HTML, "HTML block"},
    {B("Text <!-- note -->"), MD, AW_TEXT_HTML, "comment"},
    {B("<b>bold</b>"), ML, AW_TEXT_OK, "a tag is fine where the text is not Markdown"},
    {B("<b>" RLO "</b>"), MD, AW_TEXT_BIDI, "the character rules come first"},
};

static void
test_check(void **state)
{
    (void)state;
    for (size_t i = 0; i < AW_NELEM(check_cases); i++) {
        enum aw_text_fault got =
            aw_text_check(check_cases[i].s, check_cases[i].n, check_cases[i].flags);
        if (got != check_cases[i].want)
            fail_msg("check case %zu (%s): got %d, want %d", i, check_cases[i].what, (int)got,
                     (int)check_cases[i].want);
    }
    assert_int_equal(aw_text_check(NULL, 0, 0), AW_TEXT_OK);
}

/* Every fault has a message for the imports and a sentence for the forms. */
static void
test_messages(void **state)
{
    (void)state;
    assert_string_equal(aw_text_fault_message(AW_TEXT_OK), "");
    assert_string_equal(aw_text_fault_message(AW_TEXT_CONTROL),
                        "control characters are not allowed");
    assert_string_equal(aw_text_fault_message(AW_TEXT_BAD_UTF8), "invalid UTF-8");
    for (int f = AW_TEXT_BAD_UTF8; f <= AW_TEXT_HTML; f++) {
        assert_true(strlen(aw_text_fault_message((enum aw_text_fault)f)) > 10);
        assert_true(strlen(aw_text_fault_sentence((enum aw_text_fault)f)) > 30);
    }
    assert_non_null(strstr(aw_text_fault_message(AW_TEXT_BIDI), "direction controls"));
    assert_non_null(strstr(aw_text_fault_sentence(AW_TEXT_HTML), "HTML is not kept"));
    assert_string_equal(aw_text_fault_message((enum aw_text_fault)99), "");
}

#define FFFD "\xef\xbf\xbd"

static const struct {
    const char *s;
    size_t n;
    enum aw_text_sink sink;
    const char *want;
} neutral_cases[] = {
    {B(""), AW_TEXT_ISOLATED, ""},
    {B("plain"), AW_TEXT_PLAIN, "plain"},
    {B("plain"), AW_TEXT_LINE, "plain"},
    /* in an isolating element: embeddings and overrides go, isolates and marks stay */
    {B("Org " RLO "(NGO)" PDF " x"), AW_TEXT_ISOLATED, "Org (NGO) x"},
    {B(LRE RLE PDF LRO RLO), AW_TEXT_ISOLATED, ""},
    {B(FSI ARABIC PDI LRM RLM ALM), AW_TEXT_ISOLATED, FSI ARABIC PDI LRM RLM ALM},
    {B(FSI "left open"), AW_TEXT_ISOLATED, FSI "left open"},
    {B("a\n\tb\x01"), AW_TEXT_ISOLATED, "a\n\tb\x01"},
    {B(PS NNBSP U2065 U206A), AW_TEXT_ISOLATED, PS NNBSP U2065 U206A},
    /* plain text: every direction control goes, marks stay */
    {B("Title " RLO "reversed"), AW_TEXT_PLAIN, "Title reversed"},
    {B("Day " FSI ARABIC PDI " 2025"), AW_TEXT_PLAIN, "Day " ARABIC " 2025"},
    {B(LRI RLI FSI PDI), AW_TEXT_PLAIN, ""},
    {B(LRM "x" RLM ALM), AW_TEXT_PLAIN, LRM "x" RLM ALM},
    {B("Hello,\n\nline two\r\n"), AW_TEXT_PLAIN, "Hello,\n\nline two\r\n"},
    {B(PS NNBSP U2065 U206A), AW_TEXT_PLAIN, PS NNBSP U2065 U206A},
    /* one line: as plain text, with line breaks and tabs as spaces, other controls and
     * invalid bytes as U+FFFD */
    {B("report\r\n2025.csv"), AW_TEXT_LINE, "report 2025.csv"},
    {B("a\nb\rc\td"), AW_TEXT_LINE, "a b c d"},
    {B("\r\r\n"), AW_TEXT_LINE, "  "},
    {B("bell\x07"
       "esc\x1b"
       "del\x7f"),
     AW_TEXT_LINE, "bell" FFFD "esc" FFFD "del" FFFD},
    {B("nul\0x"), AW_TEXT_LINE, "nul" FFFD "x"},
    {B("c1\xc2\x85\xc2\x9b"), AW_TEXT_LINE, "c1" FFFD FFFD},
    {B("\xff"
       "caf\xc3\xa9"),
     AW_TEXT_LINE, FFFD "caf\xc3\xa9"},
    {B("\xe2\x80"), AW_TEXT_LINE, FFFD FFFD},
    {B("file" RLO "vsc.exe"), AW_TEXT_LINE, "filevsc.exe"},
    {B(ARABIC " \xf0\x9f\x98\x80 " LRM), AW_TEXT_LINE, ARABIC " \xf0\x9f\x98\x80 " LRM},
};

static void
test_neutral(void **state)
{
    (void)state;
    for (size_t i = 0; i < AW_NELEM(neutral_cases); i++) {
        struct aw_buf b = AW_BUF_INIT(1024);
        const char *want = neutral_cases[i].want;
        bool same = strlen(want) == neutral_cases[i].n &&
                    memcmp(want, neutral_cases[i].s, neutral_cases[i].n) == 0;
        aw_text_neutral(&b, neutral_cases[i].s, neutral_cases[i].n, neutral_cases[i].sink);
        if (strcmp(aw_buf_cstr(&b), want) != 0)
            fail_msg("neutral case %zu: got \"%s\", want \"%s\"", i, aw_buf_cstr(&b), want);
        if (aw_text_is_neutral(neutral_cases[i].s, neutral_cases[i].n, neutral_cases[i].sink) !=
            same)
            fail_msg("neutral case %zu: aw_text_is_neutral says %s", i, same ? "no" : "yes");
        aw_buf_free(&b);
    }
}

/* What the check accepts, plain text keeps but for the direction controls. */
static void
test_neutral_str(void **state)
{
    struct aw_arena *a = aw_arena_new(0);
    const char *kept = "nothing to change";
    (void)state;
    assert_ptr_equal(aw_text_neutral_str(a, kept, AW_TEXT_PLAIN), kept);
    assert_null(aw_text_neutral_str(a, NULL, AW_TEXT_LINE));
    assert_string_equal(aw_text_neutral_str(a, "a" RLO "b\nc", AW_TEXT_LINE), "ab c");
    assert_string_equal(aw_text_neutral_str(a, "a" RLO "b\nc", AW_TEXT_PLAIN), "ab\nc");
    aw_arena_free(a);
}

static void
test_chars(void **state)
{
    (void)state;
    assert_int_equal(aw_text_chars(B("")), 0);
    assert_int_equal(aw_text_chars(B("abc")), 3);
    assert_int_equal(aw_text_chars(B("\xc3\xa9t\xc3\xa9")), 3);
    assert_int_equal(aw_text_chars(B(RLO "\xf0\x9f\x98\x80")), 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),   cmocka_unit_test(test_messages),
        cmocka_unit_test(test_neutral), cmocka_unit_test(test_neutral_str),
        cmocka_unit_test(test_chars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
