/* app_cmd.c: the page as the actor of a domain command (domain.h): every
 * handler that changes something builds its struct aw_cmd here and calls
 * the command, which owns the transaction. */
#include "app_int.h"

#include "aw/http.h"
#include "aw/i18n.h"
#include "aw/log.h"

const char *
aw_page_abs_url(struct aw_page *pg, const char *path)
{
    return aw_arena_printf(pg->arena, "%s%s", pg->app->cfg->public_url, path);
}

/* The links in mails: absolute, from the route table, in the page's language. */
static const char *
page_link(const struct aw_cmd *c, const char *route, const char *param)
{
    struct aw_page *pg = c->link_ctx;
    return aw_page_abs_url(pg, param ? aw_page_url(pg, route, param, NULL)
                                     : aw_page_url(pg, route, NULL));
}

struct aw_cmd
aw_page_cmd(struct aw_page *pg)
{
    return (struct aw_cmd){
        .st = pg->store,
        .arena = pg->arena,
        .now = aw_now(),
        .user = pg->user,
        .actor = "visitor",
        .addr = aw_req_client_addr(pg->req),
        .link = page_link,
        .link_ctx = pg,
        .day_name = _(pg->app->cfg->day_name),
        .mailer = pg->app->mailer,
    };
}

enum aw_err
aw_page_record(struct aw_page *pg, const char *action, const char *object, const char *detail)
{
    struct aw_cmd cmd = aw_page_cmd(pg);
    enum aw_err rc = aw_cmd_record(&cmd, action, object, detail);
    if (rc != AW_OK)
        AW_ERROR("audit log write failed: %s %s: %s", action, object, aw_store_errmsg(pg->store));
    return rc;
}
