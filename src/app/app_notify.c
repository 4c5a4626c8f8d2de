/* app_notify.c: e-mails the app sends (queued in the outbox, sent by the
 * mailer thread, src/mail/mail_outbox.c) and the daily note to moderators. */
#include "app_int.h"

#include "aw/log.h"

#include <string.h>

const char *
aw_page_abs_url(struct aw_page *pg, const char *path)
{
    return aw_arena_printf(pg->arena, "%s%s", pg->app->cfg->public_url, path);
}

void
aw_page_mail(struct aw_page *pg, const char *to, const char *subject, const char *body)
{
    if (aw_store_mail_queue(pg->store, to, subject, body, aw_now()) != AW_OK)
        AW_ERROR("could not queue an e-mail");
}

void
aw_page_mail_kick(struct aw_page *pg)
{
    if (pg->app->mailer)
        aw_mailer_kick(pg->app->mailer);
}

void
aw_page_notify_moderators(struct aw_page *pg, const char *country)
{
    struct aw_user *users = NULL;
    size_t n = 0;
    if (aw_store_users(pg->store, pg->arena, &users, &n) != AW_OK)
        return;
    const char *url =
        aw_page_abs_url(pg, aw_arena_printf(pg->arena, "/%s/moderation", pg->lang->code));
    for (size_t i = 0; i < n; i++) {
        bool due = false;
        if (users[i].disabled || !aw_auth_may_country(&users[i], country))
            continue;
        if (aw_store_notify_due(pg->store, users[i].id, aw_now(), &due) != AW_OK || !due)
            continue;
        aw_page_mail(pg, users[i].email, _("Activities wait for moderation"),
                     aw_arena_printf(pg->arena,
                                     _("Hello,\n\nnew or changed activities wait for moderation "
                                       "in your scope on %s.\n\nOpen the queue: %s\n\nYou get "
                                       "this message at most once a day.\n"),
                                     _(pg->app->cfg->day_name), url));
    }
}
