/* test_tpl.c: awareday's own template rules on top of the Mustache spec
 * (which test_mustache_spec.c covers): escaping, raw tags for markup only,
 * translate blocks, strict mode, limits, syntax errors with line numbers,
 * loading a directory, layouts, and concurrent rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "aw/arena.h"
#include "aw/buf.h"
#include "aw/tpl.h"
#include "aw/view.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct src {
    const char *name, *text;
};

struct result {
    enum aw_err rc; /* of the first failing step */
    char out[4096];
    char err[256];
};

/* Loads the templates into a new set and renders "main" with view. */
static void
render_set_flags(unsigned flags, aw_tpl_translate_fn tr, void *ud, const struct src *srcs,
                 const struct aw_view *view, size_t outmax, struct result *res)
{
    struct aw_tpl_set *set = aw_tpl_set_new(flags, tr, ud);
    struct aw_buf out = AW_BUF_INIT(outmax);

    memset(res, 0, sizeof(*res));
    for (const struct src *s = srcs; s->name; s++) {
        res->rc = aw_tpl_add(set, s->name, s->text, strlen(s->text), res->err, sizeof(res->err));
        if (res->rc != AW_OK)
            goto out;
    }
    res->rc = aw_tpl_render(set, "main", view, &out, res->err, sizeof(res->err));
    snprintf(res->out, sizeof(res->out), "%s", aw_buf_cstr(&out));
out:
    aw_buf_free(&out);
    aw_tpl_set_free(set);
}

/* The same with AW_TPL_NO_ISOLATE: most tests here are about Mustache itself, whose output
 * the isolation of values would only clutter (test_isolation checks that). */
static void
render_set(unsigned flags, aw_tpl_translate_fn tr, void *ud, const struct src *srcs,
           const struct aw_view *view, size_t outmax, struct result *res)
{
    render_set_flags(flags | AW_TPL_NO_ISOLATE, tr, ud, srcs, view, outmax, res);
}

static void
render1(unsigned flags, const char *text, const struct aw_view *view, struct result *res)
{
    const struct src srcs[] = {{"main", text}, {NULL, NULL}};
    render_set(flags, NULL, NULL, srcs, view, 1 << 20, res);
}

#define assert_renders(flags, text, view, expected)                                                \
    do {                                                                                           \
        struct result res_;                                                                        \
        render1((flags), (text), (view), &res_);                                                   \
        if (res_.rc != AW_OK)                                                                      \
            fail_msg("%s: %s (%s)", (text), aw_strerror(res_.rc), res_.err);                       \
        assert_string_equal(res_.out, (expected));                                                 \
    } while (0)

#define assert_fails(flags, text, view, code, errtext)                                             \
    do {                                                                                           \
        struct result res_;                                                                        \
        render1((flags), (text), (view), &res_);                                                   \
        assert_int_equal(res_.rc, (code));                                                         \
        assert_string_equal(res_.err, (errtext));                                                  \
    } while (0)

static struct aw_view *
sample(struct aw_arena *a)
{
    struct aw_view *v = aw_view_map(a);
    aw_view_set_str(v, "name", "<Zo\xc3\xa9 & 'co'>");
    aw_view_set_str(v, "plain", "Ada");
    aw_view_set_html(v, "html", AW_HTML_LIT(a, "<em>ok</em>"));
    aw_view_set(v, "nothing", aw_view_null(a));
    aw_view_set_bool(v, "no", false);
    aw_view_set_bool(v, "yes", true);
    aw_view_set_int(v, "n", 42);
    aw_view_set_map(v, "empty");
    struct aw_view *user = aw_view_set_map(v, "user");
    aw_view_set_str(user, "login", "ada");
    struct aw_view *l = aw_view_set_list(v, "items");
    aw_view_push(l, aw_view_str(a, "a<"));
    aw_view_push(l, aw_view_str(a, "b"));
    return v;
}

/* Appends piece `times` times to the NUL-terminated buf of size bytes. */
static void
repeat(char *buf, size_t size, const char *piece, int times)
{
    size_t len = strlen(buf), pl = strlen(piece);
    for (int i = 0; i < times; i++) {
        assert_true(len + pl < size);
        memcpy(buf + len, piece, pl + 1);
        len += pl;
    }
}

static int
setup(void **state)
{
    *state = aw_arena_new(0);
    return 0;
}

static int
teardown(void **state)
{
    aw_arena_free(*state);
    return 0;
}

/* {{x}} escapes text and markup alike; {{{x}}} and {{&x}} emit markup as is. */
static void
test_escaping(void **state)
{
    struct aw_view *v = sample(*state);

    assert_renders(0, "<p>{{name}}</p>", v, "<p>&lt;Zo\xc3\xa9 &amp; &#39;co&#39;&gt;</p>");
    assert_renders(AW_TPL_STRICT, "{{html}}", v, "&lt;em&gt;ok&lt;/em&gt;");
    assert_renders(AW_TPL_STRICT, "{{{html}}}|{{&html}}|{{{ html }}}", v,
                   "<em>ok</em>|<em>ok</em>|<em>ok</em>");
    assert_renders(AW_TPL_STRICT, "{{#items}}[{{.}}]{{/items}}", v, "[a&lt;][b]");
    assert_renders(AW_TPL_STRICT, "{{user.login}} {{n}} {{yes}} {{no}} [{{nothing}}]", v,
                   "ada 42 true false []");
    assert_renders(AW_TPL_STRICT, "[{{{nothing}}}]", v, "[]");
}

/* {{{x}}} with a string is an error in strict mode, escaped otherwise, and
 * verbatim only with AW_TPL_RAW_STRINGS (the spec test's mode). */
static void
test_raw_string(void **state)
{
    struct aw_view *v = sample(*state);

    assert_fails(AW_TPL_STRICT, "ok\n{{{name}}}", v, AW_EINVAL,
                 "main:2: raw tag 'name' needs trusted markup (AW_VIEW_HTML), not a plain value");
    assert_fails(AW_TPL_STRICT, "{{&n}}", v, AW_EINVAL,
                 "main:1: raw tag 'n' needs trusted markup (AW_VIEW_HTML), not a plain value");
    assert_renders(0, "{{{name}}}", v, "&lt;Zo\xc3\xa9 &amp; &#39;co&#39;&gt;");
    assert_renders(0, "{{&name}}", v, "&lt;Zo\xc3\xa9 &amp; &#39;co&#39;&gt;");
    assert_renders(AW_TPL_RAW_STRINGS, "{{{name}}}", v, "<Zo\xc3\xa9 & 'co'>");
}

static void
test_numbers(void **state)
{
    struct aw_arena *a = *state;
    struct aw_view *v = aw_view_map(a);
    aw_view_set(v, "a", aw_view_num(a, 1.210));
    aw_view_set(v, "b", aw_view_num(a, 0.1 + 0.2));
    aw_view_set(v, "c", aw_view_num(a, 1e21));
    aw_view_set(v, "d", aw_view_num(a, -0.5));
    aw_view_set(v, "e", aw_view_num(a, 3.0));
    aw_view_set_int(v, "min", INT64_MIN);
    aw_view_set_int(v, "max", INT64_MAX);

    assert_renders(AW_TPL_STRICT, "{{a}} {{b}} {{c}} {{d}} {{e}}", v,
                   "1.21 0.30000000000000004 1e+21 -0.5 3");
    assert_renders(AW_TPL_STRICT, "{{min}} {{max}}", v, "-9223372036854775808 9223372036854775807");
}

/* The fake translator: French for two msgids, counting its calls. */
struct fake_tr {
    int calls;
    char last[128];
};

static const char *
fake_translate(void *ud, const char *msgid)
{
    struct fake_tr *f = ud;
    f->calls++;
    snprintf(f->last, sizeof(f->last), "%s", msgid);
    if (strcmp(msgid, "Hello {{name}}") == 0)
        return "Bonjour {{name}}";
    if (strcmp(msgid, "You have {{n}} messages") == 0)
        return "Vous avez {{n}} messages{{#yes}} !{{/yes}}";
    if (strcmp(msgid, "Broken") == 0)
        return "Cass\xc3\xa9 {{#x}}";
    return msgid;
}

static void
test_translate(void **state)
{
    struct aw_view *v = sample(*state);
    struct fake_tr f = {0};
    struct result res;

    /* Whitespace collapsed and trimmed into the msgid; the translation is
     * Mustache, so its {{name}} is rendered (and escaped). */
    const struct src s1[] = {{"main", "<p>{{#_}}Hello\n   {{name}} {{/_}}</p>"}, {NULL, NULL}};
    render_set(AW_TPL_STRICT, fake_translate, &f, s1, v, 4096, &res);
    assert_int_equal(res.rc, AW_OK);
    assert_string_equal(res.out, "<p>Bonjour &lt;Zo\xc3\xa9 &amp; &#39;co&#39;&gt;</p>");
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.last, "Hello {{name}}");

    /* On its own lines: the block stands for text, the indentation stays. */
    const struct src s2[] = {
        {"main", "<p>\n  {{#_}}\n    You have {{n}}\n    messages\n  {{/_}}\n</p>\n"},
        {NULL, NULL}};
    render_set(AW_TPL_STRICT, fake_translate, &f, s2, v, 4096, &res);
    assert_int_equal(res.rc, AW_OK);
    assert_string_equal(res.out, "<p>\n  Vous avez 42 messages !\n</p>\n");

    /* No translation: the msgid itself. No translator: identity too. */
    const struct src s3[] = {{"main", "{{#_}}  Good\tbye  {{plain}} {{/_}}."}, {NULL, NULL}};
    render_set(AW_TPL_STRICT, fake_translate, &f, s3, v, 4096, &res);
    assert_string_equal(res.out, "Good bye Ada.");
    render_set(AW_TPL_STRICT, NULL, NULL, s3, v, 4096, &res);
    assert_int_equal(res.rc, AW_OK);
    assert_string_equal(res.out, "Good bye Ada.");

    /* `_` is not looked up in the data, even in strict mode... */
    assert_renders(AW_TPL_STRICT, "{{#_}}Hi{{/_}}", v, "Hi");
    /* ...and is reserved elsewhere. */
    assert_fails(0, "{{_}}", v, AW_ESYNTAX,
                 "main:1: '_' is reserved for translate blocks {{#_}}...{{/_}}");
    assert_fails(0, "\n{{^_}}x{{/_}}", v, AW_ESYNTAX,
                 "main:2: '_' is reserved for translate blocks {{#_}}...{{/_}}");
    assert_fails(0, "a\n{{#_}}Hello", v, AW_ESYNTAX, "main:2: unclosed translate block");
    assert_fails(0, "{{#_}}a {{#_}}b{{/_}}", v, AW_ESYNTAX, "main:1: nested translate block");

    /* A translation that does not compile is a load error. */
    const struct src s4[] = {{"main", "x\n{{#_}}Broken{{/_}}"}, {NULL, NULL}};
    render_set(0, fake_translate, &f, s4, v, 4096, &res);
    assert_int_equal(res.rc, AW_ESYNTAX);
    assert_string_equal(res.err, "main:2: unclosed section 'x'");
}

/* Strict mode: a name that resolves to nothing is an error with template
 * and line; null and false values are known. */
static void
test_strict(void **state)
{
    struct aw_view *v = sample(*state);

    assert_fails(AW_TPL_STRICT, "line 1\n{{#user}}\n  {{missing}}\n{{/user}}\n", v, AW_EUNKNOWN,
                 "main:3: unknown name 'missing'");
    assert_fails(AW_TPL_STRICT, "{{#nope}}x{{/nope}}", v, AW_EUNKNOWN,
                 "main:1: unknown name 'nope'");
    assert_fails(AW_TPL_STRICT, "\n\n{{^nope}}x{{/nope}}", v, AW_EUNKNOWN,
                 "main:3: unknown name 'nope'");
    assert_fails(AW_TPL_STRICT, "{{user.nope}}", v, AW_EUNKNOWN,
                 "main:1: unknown name 'user.nope'");
    assert_fails(AW_TPL_STRICT, "{{plain.length}}", v, AW_EUNKNOWN,
                 "main:1: unknown name 'plain.length'");
    assert_fails(AW_TPL_STRICT, "{{>nope}}", v, AW_EUNKNOWN, "main:1: unknown partial 'nope'");
    assert_fails(AW_TPL_STRICT, "{{<nope}}{{/nope}}", v, AW_EUNKNOWN,
                 "main:1: unknown parent 'nope'");
    /* A section's names resolve in every enclosing context... */
    assert_renders(AW_TPL_STRICT, "{{#user}}{{login}} {{plain}}{{/user}}", v, "ada Ada");
    /* ...null and false exist... */
    assert_renders(AW_TPL_STRICT,
                   "[{{nothing}}{{#nothing}}x{{/nothing}}{{^nothing}}y{{/nothing}}"
                   "{{#no}}x{{/no}}{{^no}}n{{/no}}{{nothing.deeper}}]",
                   v, "[yn]");
    /* ...and names not rendered are not checked. */
    assert_renders(AW_TPL_STRICT, "{{#no}}{{missing}}{{/no}}ok", v, "ok");
    /* Lenient mode renders unknown names as nothing (the spec). */
    assert_renders(0, "[{{missing}}{{#nope}}x{{/nope}}{{^nope}}y{{/nope}}{{>nope}}]", v, "[y]");
}

/* Partials and parents recursing forever stop at the depth limit. */
static void
test_recursion_limit(void **state)
{
    struct aw_arena *a = *state;
    struct result res;

    const struct src s1[] = {{"main", "{{>r}}"}, {"r", "x{{>r}}"}, {NULL, NULL}};
    render_set(0, NULL, NULL, s1, NULL, 1 << 20, &res);
    assert_int_equal(res.rc, AW_ETOOBIG);
    assert_string_equal(res.err, "r:1: 'r': partials nested too deeply (max 32)");

    const struct src s2[] = {{"main", "{{<p}}{{/p}}"}, {"p", "{{<p}}{{/p}}"}, {NULL, NULL}};
    render_set(0, NULL, NULL, s2, NULL, 1 << 20, &res);
    assert_int_equal(res.rc, AW_ETOOBIG);

    /* An override that uses its own block. */
    const struct src s3[] = {
        {"main", "{{<p}}{{$b}}[{{$b}}{{/b}}]{{/b}}{{/p}}"}, {"p", "{{$b}}{{/b}}"}, {NULL, NULL}};
    render_set(0, NULL, NULL, s3, NULL, 1 << 20, &res);
    assert_int_equal(res.rc, AW_ETOOBIG);

    /* Data-driven recursion: a tree 10 deep renders, 40 deep does not. */
    const struct src s4[] = {
        {"main", "{{>node}}"}, {"node", "{{v}}({{#kids}}{{>node}}{{/kids}})"}, {NULL, NULL}};
    for (int depth = 10; depth <= 40; depth += 30) {
        struct aw_view *root = aw_view_map(a), *n = root;
        for (int i = 0; i < depth; i++) {
            aw_view_set_int(n, "v", i % 10);
            n = aw_view_push_map(aw_view_set_list(n, "kids"));
        }
        aw_view_set_int(n, "v", 9);
        aw_view_set_list(n, "kids"); /* else {{#kids}} finds the parent's: endless */
        render_set(AW_TPL_STRICT, NULL, NULL, s4, root, 1 << 20, &res);
        if (depth == 10) {
            assert_int_equal(res.rc, AW_OK);
            assert_string_equal(res.out, "0(1(2(3(4(5(6(7(8(9(9()))))))))))");
        } else {
            assert_int_equal(res.rc, AW_ETOOBIG);
        }
    }
}

/* Sections over lists multiply work without output: bounded by a step budget. */
static void
test_step_limit(void **state)
{
    struct aw_arena *a = *state;
    struct aw_view *v = aw_view_map(a);
    struct aw_view *l = aw_view_set_list(v, "l");
    for (int i = 0; i < 20; i++)
        aw_view_push(l, aw_view_int(a, i));
    char tpl[512] = "";
    repeat(tpl, sizeof(tpl), "{{#l}}", 7);
    repeat(tpl, sizeof(tpl), "{{/l}}", 7);
    struct result res;
    render1(0, tpl, v, &res);
    assert_int_equal(res.rc, AW_ETOOBIG);
    assert_string_equal(res.err, "main:1: render takes too many steps");
}

/* Syntax errors name the template and line. */
static void
test_syntax_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *err;
    } cases[] = {
        {"a\n{{#x}}\nb\n", "main:2: unclosed section 'x'"},
        {"{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}", "main:3: mismatched close 'a': 'b' opened on line 2 "
                                           "is still open"},
        {"\n{{/x}}", "main:2: close tag 'x' without an open section"},
        {"x\n\n{{=<% =}}", "main:3: bad delimiter '<%'"},
        {"{{= a b c =}}", "main:1: bad delimiter 'a b c'"},
        {"{{=a= b=}}", "main:1: bad delimiter 'a= b'"},
        {"ok\nstill {{ok", "main:2: unclosed tag"},
        {"{{{x}}", "main:1: unclosed tag"},
        {"{{}}", "main:1: empty tag"},
        {"{{a b}}", "main:1: bad name 'a b'"},
        {"{{a..b}}", "main:1: bad name 'a..b'"},
        {"{{#.a}}{{/.a}}", "main:1: bad name '.a'"},
        {"{{<p}}\n{{x}}{{/p}}", "main:2: only blocks may appear inside a parent tag"},
        {"{{<p}}{{#s}}{{/s}}{{/p}}", "main:1: only blocks may appear inside a parent tag"},
        {"{{=<% %>=}}\n<%#a%>\n<%/b%>", "main:3: mismatched close 'b': 'a' opened on line 2 is "
                                        "still open"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct result res;
        render1(0, cases[i].text, NULL, &res);
        if (res.rc != AW_ESYNTAX || strcmp(res.err, cases[i].err) != 0)
            fail_msg("%s: got %s \"%s\", expected \"%s\"", cases[i].text, aw_strerror(res.rc),
                     res.err, cases[i].err);
    }

    /* Nesting: 64 levels compile, 65 do not. */
    for (int depth = 64; depth <= 65; depth++) {
        char tpl[1024] = "";
        repeat(tpl, sizeof(tpl), "{{#a}}", depth);
        repeat(tpl, sizeof(tpl), "{{/a}}", depth);
        struct result res;
        render1(0, tpl, NULL, &res);
        assert_int_equal(res.rc, depth == 64 ? AW_OK : AW_ESYNTAX);
    }

    /* Invalid UTF-8 and oversize sources are refused by aw_tpl_add too. */
    struct aw_tpl_set *set = aw_tpl_set_new(0, NULL, NULL);
    char err[128];
    assert_int_equal(aw_tpl_add(set, "bad", "a\xff", 2, err, sizeof(err)), AW_ESYNTAX);
    assert_string_equal(err, "bad: invalid UTF-8");
    assert_int_equal(aw_tpl_add(set, "ok", "x", 1, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_tpl_add(set, "ok", "y", 1, err, sizeof(err)), AW_EEXIST);
    assert_true(aw_tpl_has(set, "ok"));
    assert_false(aw_tpl_has(set, "bad"));
    char *big = malloc((1 << 20) + 1);
    assert_non_null(big);
    memset(big, 'x', (1 << 20) + 1);
    assert_int_equal(aw_tpl_add(set, "max", big, 1 << 20, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_tpl_add(set, "big", big, (1 << 20) + 1, err, sizeof(err)), AW_ETOOBIG);
    free(big);
    aw_tpl_set_free(set);
}

/* The output buffer's maximum is the render's: max-1 fails, max fits. */
static void
test_output_limit(void **state)
{
    struct aw_view *v = sample(*state);
    const struct src srcs[] = {{"main", "{{plain}}{{plain}}"}, {NULL, NULL}};
    struct result res;

    render_set(0, NULL, NULL, srcs, v, 6, &res);
    assert_int_equal(res.rc, AW_OK);
    assert_string_equal(res.out, "AdaAda");
    render_set(0, NULL, NULL, srcs, v, 5, &res);
    assert_int_equal(res.rc, AW_ETOOBIG);
    assert_string_equal(res.err, "main: output exceeds the buffer's maximum");

    struct aw_tpl_set *set = aw_tpl_set_new(0, NULL, NULL);
    struct aw_buf out = AW_BUF_INIT(64);
    char err[64];
    assert_int_equal(aw_tpl_render(set, "none", v, &out, err, sizeof(err)), AW_ENOTFOUND);
    assert_string_equal(err, "unknown template 'none'");
    aw_buf_free(&out);
    aw_tpl_set_free(set);
}

/* A page extends a layout; blocks default, override, and see the context. */
static void
test_layout(void **state)
{
    struct aw_view *v = sample(*state);
    struct result res;
    const struct src srcs[] = {{"layout", "<!doctype html>\n"
                                          "<title>{{$title}}Awareday{{/title}}</title>\n"
                                          "<body>\n"
                                          "  {{>nav}}\n"
                                          "  <main>\n"
                                          "    {{$content}}\n"
                                          "    <p>empty</p>\n"
                                          "    {{/content}}\n"
                                          "  </main>\n"
                                          "</body>\n"},
                               {"nav", "<nav>{{$nav}}home{{/nav}}</nav>\n"},
                               {"main", "{{<layout}}\n"
                                        "{{$title}}{{plain}}'s page{{/title}}\n"
                                        "{{$content}}\n"
                                        "<ul>\n"
                                        "  {{#items}}\n"
                                        "  <li>{{.}}</li>\n"
                                        "  {{/items}}\n"
                                        "</ul>\n"
                                        "{{/content}}\n"
                                        "{{$nav}}back{{/nav}}\n"
                                        "{{/layout}}\n"},
                               {NULL, NULL}};

    render_set(AW_TPL_STRICT, NULL, NULL, srcs, v, 4096, &res);
    assert_int_equal(res.rc, AW_OK);
    assert_string_equal(res.out, "<!doctype html>\n"
                                 "<title>Ada's page</title>\n"
                                 "<body>\n"
                                 "  <nav>back</nav>\n"
                                 "  <main>\n"
                                 "    <ul>\n"
                                 "      <li>a&lt;</li>\n"
                                 "      <li>b</li>\n"
                                 "    </ul>\n"
                                 "  </main>\n"
                                 "</body>\n");
}

static void
write_file(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

static void
test_add_dir(void **state)
{
    struct aw_view *v = sample(*state);
    char dir[] = "/tmp/aw_tpl_test_XXXXXX";
    char path[256], err[512];
    struct aw_buf out = AW_BUF_INIT(4096);

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/sub", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/sub/deeper", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/page.mustache", dir);
    write_file(path, "[{{>sub/part}}]", 15);
    snprintf(path, sizeof(path), "%s/sub/part.mustache", dir);
    write_file(path, "{{plain}}{{>sub/deeper/x}}", 26);
    snprintf(path, sizeof(path), "%s/sub/deeper/x.mustache", dir);
    write_file(path, "!", 1);
    snprintf(path, sizeof(path), "%s/notes.txt", dir);
    write_file(path, "{{#broken", 9);
    snprintf(path, sizeof(path), "%s/.hidden.mustache", dir);
    write_file(path, "{{#broken", 9);

    struct aw_tpl_set *set = aw_tpl_set_new(AW_TPL_STRICT, NULL, NULL);
    assert_int_equal(aw_tpl_add_dir(set, dir, err, sizeof(err)), AW_OK);
    assert_true(aw_tpl_has(set, "page"));
    assert_true(aw_tpl_has(set, "sub/part"));
    assert_true(aw_tpl_has(set, "sub/deeper/x"));
    assert_false(aw_tpl_has(set, "notes"));
    assert_false(aw_tpl_has(set, ".hidden"));
    assert_int_equal(aw_tpl_render(set, "page", v, &out, err, sizeof(err)), AW_OK);
    assert_string_equal(aw_buf_cstr(&out), "[<bdi>Ada</bdi>!]");
    aw_tpl_set_free(set);

    /* A syntax error names the template and line. */
    snprintf(path, sizeof(path), "%s/sub/bad.mustache", dir);
    write_file(path, "ok\n{{#x}}", 9);
    set = aw_tpl_set_new(0, NULL, NULL);
    assert_int_equal(aw_tpl_add_dir(set, dir, err, sizeof(err)), AW_ESYNTAX);
    assert_string_equal(err, "sub/bad:2: unclosed section 'x'");
    aw_tpl_set_free(set);
    unlink(path);

    /* Invalid UTF-8. */
    snprintf(path, sizeof(path), "%s/sub/latin1.mustache", dir);
    write_file(path, "caf\xe9", 4);
    set = aw_tpl_set_new(0, NULL, NULL);
    assert_int_equal(aw_tpl_add_dir(set, dir, err, sizeof(err)), AW_ESYNTAX);
    assert_non_null(strstr(err, "latin1.mustache: invalid UTF-8"));
    aw_tpl_set_free(set);
    unlink(path);

    /* 1 MiB is the most a file may hold. */
    char *big = malloc((1 << 20) + 1);
    assert_non_null(big);
    memset(big, 'x', (1 << 20) + 1);
    snprintf(path, sizeof(path), "%s/big.mustache", dir);
    write_file(path, big, 1 << 20);
    set = aw_tpl_set_new(0, NULL, NULL);
    assert_int_equal(aw_tpl_add_dir(set, dir, err, sizeof(err)), AW_OK);
    aw_tpl_set_free(set);
    write_file(path, big, (1 << 20) + 1);
    set = aw_tpl_set_new(0, NULL, NULL);
    assert_int_equal(aw_tpl_add_dir(set, dir, err, sizeof(err)), AW_ETOOBIG);
    assert_non_null(strstr(err, "big.mustache: template too big"));
    aw_tpl_set_free(set);
    unlink(path);
    free(big);

    /* A missing directory. */
    set = aw_tpl_set_new(0, NULL, NULL);
    assert_int_equal(aw_tpl_add_dir(set, "/nonexistent/aw/templates", err, sizeof(err)), AW_EIO);
    aw_tpl_set_free(set);

    snprintf(path, sizeof(path), "%s/sub/deeper/x.mustache", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/sub/part.mustache", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/sub/deeper", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/sub", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/page.mustache", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/notes.txt", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/.hidden.mustache", dir);
    unlink(path);
    rmdir(dir);
    aw_buf_free(&out);
}

/* Indentation of standalone partials follows each rendered line. */
static void
test_indentation(void **state)
{
    struct aw_view *v = sample(*state);
    struct result res;
    const struct src srcs[] = {{"main", "<ul>\n  {{>li}}\n</ul>\n"},
                               {"li", "{{#items}}\n<li>\n  {{.}}\n</li>\n{{/items}}\n"},
                               {NULL, NULL}};

    render_set(AW_TPL_STRICT, NULL, NULL, srcs, v, 4096, &res);
    assert_int_equal(res.rc, AW_OK);
    assert_string_equal(res.out,
                        "<ul>\n  <li>\n    a&lt;\n  </li>\n  <li>\n    b\n  </li>\n</ul>\n");
}

/* One loaded set rendered from several threads at once gives the same bytes. */
/* Values are written for where they land in the HTML: isolated in <bdi> in text, without
 * direction controls in <title> and <option>, escaped only in attributes, <textarea>,
 * <script>, <style> and comments. The position is followed from the markup written so far:
 * template text, partials, and trusted markup. */
#define RLO "\xe2\x80\xae"
#define FSI "\xe2\x81\xa8"
#define PDI "\xe2\x81\xa9"

static void
test_isolation(void **state)
{
    struct aw_arena *a = *state;
    struct aw_view *v = aw_view_map(a);
    static const struct {
        const char *src, *want;
    } cases[] = {
        {"<p>{{name}}</p>", "<p><bdi>Zo\xc3\xa9 &amp; co</bdi></p>"},
        /* the override goes, and the element ends whatever the value opened */
        {"<dd>{{org}} ({{kind}})</dd>",
         "<dd><bdi>Kids (NGO) x</bdi> (<bdi>Non-governmental organisation</bdi>)</dd>"},
        {"<p>{{iso}}</p>", "<p><bdi>A " FSI "B" PDI " C</bdi></p>"},
        {"<a href=\"{{url}}\" title='{{name}}'>{{name}}</a>",
         "<a href=\"/en/x?a=1&amp;b=2\" title='Zo\xc3\xa9 &amp; co'><bdi>Zo\xc3\xa9 &amp; "
         "co</bdi></a>"},
        {"<td class=x>{{name}}</td>", "<td class=x><bdi>Zo\xc3\xa9 &amp; co</bdi></td>"},
        {"<a title=\"x > y\">{{name}}</a>",
         "<a title=\"x > y\"><bdi>Zo\xc3\xa9 &amp; co</bdi></a>"},
        {"<h{{n}}>{{name}}</h{{n}}>", "<h3><bdi>Zo\xc3\xa9 &amp; co</bdi></h3>"},
        {"<p>{{n}} items, [{{empty}}]</p>", "<p>3 items, []</p>"},
        {"<p>{{html}}</p>", "<p><bdi>&lt;em&gt;ok&lt;/em&gt;</bdi></p>"},
        /* nothing isolates in a title or an option: the direction controls go */
        {"<title>{{org}} | {{iso}}</title><h1>{{org}}</h1>",
         "<title>Kids (NGO) x | A B C</title><h1><bdi>Kids (NGO) x</bdi></h1>"},
        {"<TITLE>{{iso}}</Title >{{iso}}", "<TITLE>A B C</Title ><bdi>A " FSI "B" PDI " C</bdi>"},
        {"<title>{{iso}}</titles>{{iso}}</title>", "<title>A B C</titles>A B C</title>"},
        {"<select name=\"o\"><option value=\"{{org}}\">{{org}}</option></select><p>{{org}}</p>",
         "<select name=\"o\"><option value=\"Kids " RLO "(NGO) x\">Kids (NGO) x</option>"
         "</select><p><bdi>Kids (NGO) x</bdi></p>"},
        /* a form control's value comes back exactly as typed */
        {"<textarea name=\"s\">{{org}}</textarea><p>{{org}}</p>",
         "<textarea name=\"s\">Kids " RLO "(NGO) x</textarea><p><bdi>Kids (NGO) x</bdi></p>"},
        {"<input type=\"text\" value=\"{{org}}\">",
         "<input type=\"text\" value=\"Kids " RLO "(NGO) x\">"},
        {"<style>{{name}}</style><script>{{name}}</script>{{n}}",
         "<style>Zo\xc3\xa9 &amp; co</style><script>Zo\xc3\xa9 &amp; co</script>3"},
        {"<!DOCTYPE html><!-- {{name}} > --><p>{{name}}</p>",
         "<!DOCTYPE html><!-- Zo\xc3\xa9 &amp; co > --><p><bdi>Zo\xc3\xa9 &amp; co</bdi></p>"},
        /* trusted markup moves the position too */
        {"{{{open}}}{{name}}\">{{name}}</span>",
         "<span title=\"Zo\xc3\xa9 &amp; co\"><bdi>Zo\xc3\xa9 &amp; co</bdi></span>"},
        {"{{#list}}<li>{{.}}</li>{{/list}}", "<li><bdi>a</bdi></li><li><bdi>b</bdi></li>"},
    };

    aw_view_set_str(v, "name", "Zo\xc3\xa9 & co");
    aw_view_set_str(v, "org", "Kids " RLO "(NGO) x");
    aw_view_set_str(v, "kind", "Non-governmental organisation");
    aw_view_set_str(v, "iso", "A " FSI "B" PDI " C");
    aw_view_set_url(v, "url", "/en/x?a=1&b=2");
    aw_view_set_str(v, "empty", "");
    aw_view_set_int(v, "n", 3);
    aw_view_set_html(v, "html", AW_HTML_LIT(a, "<em>ok</em>"));
    aw_view_set_html(v, "open", AW_HTML_LIT(a, "<span title=\""));
    struct aw_view *l = aw_view_set_list(v, "list");
    aw_view_push(l, aw_view_str(a, "a"));
    aw_view_push(l, aw_view_str(a, "b"));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct src srcs[] = {{"main", cases[i].src}, {NULL, NULL}};
        struct result res;
        render_set_flags(AW_TPL_STRICT, NULL, NULL, srcs, v, 4096, &res);
        if (res.rc != AW_OK)
            fail_msg("case %zu: %s (%s)", i, aw_strerror(res.rc), res.err);
        if (strcmp(res.out, cases[i].want) != 0)
            fail_msg("case %zu: got\n  %s\nwant\n  %s", i, res.out, cases[i].want);
    }
    /* a partial starts where its includer is: in a title, its values are plain text */
    const struct src srcs[] = {
        {"main", "<title>{{>t}}</title>{{>t}}"}, {"t", "{{org}}"}, {NULL, NULL}};
    struct result res;
    render_set_flags(AW_TPL_STRICT, NULL, NULL, srcs, v, 4096, &res);
    assert_string_equal(res.out, "<title>Kids (NGO) x</title><bdi>Kids (NGO) x</bdi>");
    /* AW_TPL_NO_ISOLATE: plain Mustache */
    render_set_flags(AW_TPL_STRICT | AW_TPL_NO_ISOLATE, NULL, NULL, srcs, v, 4096, &res);
    assert_string_equal(res.out, "<title>Kids " RLO "(NGO) x</title>Kids " RLO "(NGO) x");
}

/* href, src, action...: a value at the start of such an attribute must be a checked URL
 * (aw_view_url); strict mode refuses text there, and without it text is checked the same way. */
static void
test_url_attributes(void **state)
{
    struct aw_arena *a = *state;
    struct aw_view *v = aw_view_map(a);
    aw_view_set_url(v, "ok", "/en/editions/2017");
    aw_view_set_url(v, "ext", "https://example.org/a?b=1&c=2");
    aw_view_set_url(v, "bad", "javascript:alert(1)");
    aw_view_set_str(v, "text", "/en/share");
    aw_view_set_str(v, "evil", "javascript:alert(1)");
    aw_view_set_str(v, "id", "field-title");
    aw_view_set_int(v, "n", 7);
    static const struct {
        const char *src;
        bool strict_ok;   /* renders in strict mode */
        const char *want; /* strict output when it renders, else the lenient one */
    } cases[] = {
        {"<a href=\"{{ok}}\">x</a>", true, "<a href=\"/en/editions/2017\">x</a>"},
        {"<a href=\"{{ext}}\">x</a>", true, "<a href=\"https://example.org/a?b=1&amp;c=2\">x</a>"},
        {"<img src='{{ok}}'>", true, "<img src='/en/editions/2017'>"},
        {"<form method=\"post\" action=\"{{ok}}\"></form>", true,
         "<form method=\"post\" action=\"/en/editions/2017\"></form>"},
        /* a refused URL is false: the section leaves the link out */
        {"{{#bad}}<a href=\"{{bad}}\">x</a>{{/bad}}-", true, "-"},
        /* after the template's own text (a fragment, a path) the value is no scheme */
        {"<a href=\"#{{id}}\">x</a>", true, "<a href=\"#field-title\">x</a>"},
        {"<a href=\"/en/{{n}}\">x</a>", true, "<a href=\"/en/7\">x</a>"},
        /* other attributes take text */
        {"<a title=\"{{text}}\" data-href=\"{{evil}}\">x</a>", true,
         "<a title=\"/en/share\" data-href=\"javascript:alert(1)\">x</a>"},
        /* text at the start of a URL attribute: refused in strict mode; otherwise checked */
        {"<a href=\"{{text}}\">x</a>", false, "<a href=\"/en/share\">x</a>"},
        {"<a href=\"{{evil}}\">x</a>", false, "<a href=\"\">x</a>"},
        {"<a HREF = '{{evil}}'>x</a>", false, "<a HREF = ''>x</a>"},
        {"<a class=x href={{dummy}}\"{{evil}}\">x</a>", false, "<a class=x href=\"\">x</a>"},
        {"<iframe src=\"{{n}}\"></iframe>", false, "<iframe src=\"\"></iframe>"},
        /* after an unquoted value the next attribute is still followed */
        {"<img alt={{text}} src=\"{{evil}}\">", false, "<img alt=/en/share src=\"\">"},
        {"<a title={{id}} href='{{evil}}'>x</a>", false, "<a title=field-title href=''>x</a>"},
        {"<a href=/en/{{id}}>x</a>", true, "<a href=/en/field-title>x</a>"},
    };
    aw_view_set_str(v, "dummy", "");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct src srcs[] = {{"main", cases[i].src}, {NULL, NULL}};
        struct result res;
        render_set_flags(AW_TPL_STRICT, NULL, NULL, srcs, v, 4096, &res);
        if (cases[i].strict_ok) {
            if (res.rc != AW_OK)
                fail_msg("case %zu: %s (%s)", i, aw_strerror(res.rc), res.err);
            if (strcmp(res.out, cases[i].want) != 0)
                fail_msg("case %zu: got\n  %s\nwant\n  %s", i, res.out, cases[i].want);
            continue;
        }
        if (res.rc != AW_EINVAL || !strstr(res.err, "must be a checked URL"))
            fail_msg("case %zu: strict mode let it through (%s)", i, res.out);
        render_set_flags(0, NULL, NULL, srcs, v, 4096, &res);
        if (res.rc != AW_OK || strcmp(res.out, cases[i].want) != 0)
            fail_msg("case %zu (lenient): got\n  %s\nwant\n  %s", i, res.out, cases[i].want);
    }
    assert_int_equal(aw_view_type(aw_view_url(a, "javascript:x")), AW_VIEW_BOOL);
    assert_int_equal(aw_view_type(aw_view_url(a, "tel:+3225551234")), AW_VIEW_URL);
    assert_int_equal(aw_view_type(aw_view_url(a, NULL)), AW_VIEW_BOOL);
}

struct job {
    const struct aw_tpl_set *set;
    const struct aw_view *view;
    const char *expected;
    int failures;
};

static void *
worker(void *arg)
{
    struct job *j = arg;
    for (int i = 0; i < 300; i++) {
        struct aw_buf out = AW_BUF_INIT(1 << 16);
        char err[128];
        if (aw_tpl_render(j->set, "main", j->view, &out, err, sizeof(err)) != AW_OK ||
            strcmp(aw_buf_cstr(&out), j->expected) != 0)
            j->failures++;
        aw_buf_free(&out);
    }
    return NULL;
}

static void
test_threads(void **state)
{
    struct aw_view *v = sample(*state);
    struct aw_tpl_set *set = aw_tpl_set_new(AW_TPL_STRICT, NULL, NULL);
    const char *main_src = "{{<base}}{{$b}}{{#items}}\n  {{>p}}\n{{/items}}{{/b}}{{/base}}";
    char err[128];
    struct aw_buf ref = AW_BUF_INIT(1 << 16);
    pthread_t th[4];
    struct job jobs[4];

    assert_int_equal(aw_tpl_add(set, "main", main_src, strlen(main_src), err, sizeof(err)), AW_OK);
    assert_int_equal(aw_tpl_add(set, "base", "<{{$b}}{{/b}}>", 14, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_tpl_add(set, "p", "{{.}}|{{user.login}}\n", 21, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_tpl_render(set, "main", v, &ref, err, sizeof(err)), AW_OK);
    /* values isolated: the position in the HTML is per render, never shared */
    assert_string_equal(aw_buf_cstr(&ref),
                        "<  <bdi>a&lt;</bdi>|<bdi>ada</bdi>\n  <bdi>b</bdi>|<bdi>ada</bdi>\n>");
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct job){set, v, aw_buf_cstr(&ref), 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
    aw_buf_free(&ref);
    aw_tpl_set_free(set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_translate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recursion_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indentation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
