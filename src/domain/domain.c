/* domain.c: the unit of work every command of src/domain/ is written with
 * (domain_int.h), and the moderators' daily note. */
#include "domain_int.h"

#include "aw/i18n.h"
#include "aw/mail.h"
#include "aw/store.h"

#include <string.h>

enum aw_err
aw_uow_begin(struct aw_uow *u, const struct aw_cmd *c)
{
    u->c = c;
    u->mailed = false;
    return aw_store_begin(c->st);
}

enum aw_err
aw_uow_end(struct aw_uow *u, enum aw_err rc)
{
    if (rc != AW_OK) {
        /* the error is the command's; the store keeps its message */
        (void)aw_store_rollback(u->c->st);
        return rc;
    }
    rc = aw_store_commit(u->c->st);
    if (rc == AW_OK && u->mailed)
        aw_mailer_kick(u->c->mailer);
    return rc;
}

static const char *
actor_of(const struct aw_cmd *c)
{
    if (c->user)
        return aw_arena_printf(c->arena, "user:%lld %s", (long long)c->user->id, c->user->email);
    return c->actor ? c->actor : "visitor";
}

enum aw_err
aw_uow_audit(struct aw_uow *u, const char *action, const char *object, const char *detail)
{
    const struct aw_cmd *c = u->c;
    return aw_store_audit(c->st, actor_of(c), action, object, detail, c->addr, c->now);
}

enum aw_err
aw_uow_mail(struct aw_uow *u, const char *to, const char *subject, const char *body)
{
    enum aw_err rc = aw_store_mail_queue(u->c->st, to, subject, body, u->c->now);
    if (rc == AW_OK)
        u->mailed = true;
    return rc;
}

const char *
aw_cmd_link(const struct aw_cmd *c, const char *route, const char *param)
{
    return c->link ? c->link(c, route, param) : "";
}

const char *
aw_cmd_ref(const struct aw_cmd *c, const char *kind, int64_t id)
{
    return aw_arena_printf(c->arena, "%s:%lld", kind, (long long)id);
}

bool
aw_user_may_country(const struct aw_user *u, const char *country)
{
    if (!u)
        return false;
    if (u->role != AW_ROLE_FOCAL)
        return true;
    return country && country[0] && strcmp(u->country_code, country) == 0;
}

enum aw_err
aw_uow_notify_moderators(struct aw_uow *u, const char *country)
{
    const struct aw_cmd *c = u->c;
    struct aw_user *users = NULL;
    size_t n = 0;
    enum aw_err rc = aw_store_users(c->st, c->arena, &users, &n);
    const char *url = aw_cmd_link(c, "moderation", NULL);
    for (size_t i = 0; rc == AW_OK && i < n; i++) {
        bool due = false;
        if (users[i].disabled || !aw_user_may_country(&users[i], country))
            continue;
        if ((rc = aw_store_notify_due(c->st, users[i].id, c->now, &due)) != AW_OK || !due)
            continue;
        rc = aw_uow_mail(u, users[i].email, _("Activities wait for moderation"),
                         aw_arena_printf(c->arena,
                                         _("Hello,\n\nnew or changed activities wait for "
                                           "moderation in your scope on %s.\n\nOpen the queue: "
                                           "%s\n\nYou get this message at most once a day.\n"),
                                         c->day_name, url));
    }
    return rc;
}
