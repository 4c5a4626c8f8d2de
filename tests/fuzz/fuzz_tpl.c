/* fuzz_tpl.c: libFuzzer target for the template engine. The input is
 * compiled as the template "self" (so {{>self}} and {{<self}} recurse) next
 * to a few fixed partials and a parent, then rendered with a small fixed view,
 * once leniently and once in strict mode with a translator. Checks that every
 * result code is one the contract allows and the output stays bounded. */
#include "aw/arena.h"
#include "aw/buf.h"
#include "aw/tpl.h"
#include "aw/view.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
translate(void *ud, const char *msgid)
{
    (void)ud;
    if (strcmp(msgid, "Hello {{name}}") == 0)
        return "Bonjour {{name}} {{#list}}{{.}}{{/list}}";
    return msgid;
}

static const struct {
    const char *name, *src;
} fixed[] = {
    {"p", "[{{name}}]\n"},
    {"indented", "  {{>p}}\n  {{#list}}\n    - {{.}}\n  {{/list}}\n"},
    {"layout", "<h1>{{$title}}T{{/title}}</h1>\n  {{$body}}\n  default\n  {{/body}}\n"},
};

static struct aw_view *
make_view(struct aw_arena *a)
{
    struct aw_view *root = aw_view_map(a);
    aw_view_set_str(root, "name", "<b>&'\"");
    aw_view_set_int(root, "n", 3);
    aw_view_set(root, "pi", aw_view_num(a, 3.14159));
    aw_view_set_bool(root, "yes", true);
    aw_view_set_bool(root, "no", false);
    aw_view_set(root, "nothing", aw_view_null(a));
    aw_view_set_html(root, "html", AW_HTML_LIT(a, "<i>ok</i>"));
    struct aw_view *list = aw_view_set_list(root, "list");
    aw_view_push(list, aw_view_int(a, 1));
    aw_view_push(list, aw_view_str(a, "x"));
    struct aw_view *m = aw_view_push_map(list);
    aw_view_set_str(m, "name", "inner");
    struct aw_view *map = aw_view_set_map(root, "map");
    aw_view_set_bool(map, "a", true);
    aw_view_set_map(map, "b");
    aw_view_set_list(root, "empty");
    return root;
}

static void
one(unsigned flags, aw_tpl_translate_fn tr, const uint8_t *data, size_t size,
    const struct aw_view *view)
{
    char err[256];
    struct aw_buf out = AW_BUF_INIT(OUT_MAX);
    struct aw_tpl_set *set = aw_tpl_set_new(flags, tr, NULL);

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (aw_tpl_add(set, fixed[i].name, fixed[i].src, strlen(fixed[i].src), err, sizeof(err)) !=
            AW_OK)
            abort();
    enum aw_err rc = aw_tpl_add(set, "self", (const char *)data, size, err, sizeof(err));
    if (rc != AW_OK) {
        if (rc != AW_ESYNTAX && rc != AW_ETOOBIG)
            abort();
        goto out;
    }
    rc = aw_tpl_render(set, "self", view, &out, err, sizeof(err));
    switch (rc) {
    case AW_OK:
    case AW_ETOOBIG:
    case AW_EUNKNOWN:
    case AW_EINVAL:
        break;
    default:
        abort();
    }
    if (out.len > OUT_MAX || strlen(aw_buf_cstr(&out)) > out.len)
        abort();
out:
    aw_buf_free(&out);
    aw_tpl_set_free(set);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aw_arena *a = aw_arena_new(0);
    struct aw_view *view = make_view(a);

    one(0, NULL, data, size, view);
    one(AW_TPL_STRICT, translate, data, size, view);
    aw_arena_free(a);
    return 0;
}
