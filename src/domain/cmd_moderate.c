/* cmd_moderate.c: the moderators' decisions: approve (one or a batch),
 * reject, edit (domain.h). */
#include "domain_int.h"

#include "aw/i18n.h"
#include "aw/load.h"
#include "aw/store.h"

#include <stdio.h>

/* One approval inside the batch's unit of work. */
static enum aw_err
approve_one(struct aw_uow *u, const struct aw_submission *sub, char *err, size_t errlen)
{
    const struct aw_cmd *c = u->c;
    int64_t act_id = 0;
    struct aw_share share;
    bool has_share = false;
    enum aw_err rc = AW_OK;
    if (sub->status != AW_SUB_PENDING) {
        snprintf(err, errlen, "submission %lld is not pending", (long long)sub->id);
        return AW_EINVAL;
    }
    if (sub->share_id) {
        rc = aw_store_share_by_id(c->st, c->arena, sub->share_id, &share);
        has_share = rc == AW_OK;
        if (rc == AW_ENOTFOUND)
            rc = AW_OK;
    }
    if (rc == AW_OK) {
        rc = aw_load_apply_submission(c->st, sub->payload, sub->edition_year, sub->activity_id,
                                      &act_id, err, errlen);
        /* not JSON, too big: a payload that cannot be applied, like a refused one */
        if (rc == AW_ESYNTAX || rc == AW_ETOOBIG)
            rc = AW_EINVAL;
    }
    if (rc == AW_OK && has_share && share.activity_id != act_id)
        rc = aw_store_share_set_activity(c->st, sub->share_id, act_id);
    if (rc == AW_OK)
        rc = aw_store_submission_decide(c->st, sub->id, AW_SUB_APPROVED, c->user ? c->user->id : 0,
                                        NULL, c->now);
    if (rc == AW_OK)
        rc = aw_uow_audit(u, "approve", aw_cmd_ref(c, "submission", sub->id),
                          aw_cmd_ref(c, "activity", act_id));
    if (rc == AW_OK && has_share)
        rc = aw_uow_mail(
            u, share.submitter_email, _("Your activity is published"),
            aw_arena_printf(
                c->arena,
                _("Hello %s,\n\n\"%s\" has been checked and is now "
                  "published:\n\n%s\n"),
                share.submitter_name, sub->title,
                aw_cmd_link(c, "activity", aw_arena_printf(c->arena, "%lld", (long long)act_id))));
    if (rc != AW_OK && rc != AW_EINVAL && err[0] == '\0')
        snprintf(err, errlen, "%s", aw_store_errmsg(c->st));
    return rc;
}

enum aw_err
aw_cmd_approve(const struct aw_cmd *c, const struct aw_submission *subs, size_t n, char *err,
               size_t errlen)
{
    struct aw_uow u;
    enum aw_err rc;
    err[0] = '\0';
    if ((rc = aw_uow_begin(&u, c)) != AW_OK)
        return rc;
    for (size_t i = 0; i < n && rc == AW_OK; i++)
        rc = approve_one(&u, &subs[i], err, errlen);
    return aw_uow_end(&u, rc);
}

enum aw_err
aw_cmd_reject(const struct aw_cmd *c, const struct aw_submission *sub, const char *reason)
{
    struct aw_uow u;
    struct aw_share share;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    rc = aw_store_submission_decide(c->st, sub->id, AW_SUB_REJECTED, c->user ? c->user->id : 0,
                                    reason, c->now);
    if (rc == AW_OK)
        rc = aw_uow_audit(&u, "reject", aw_cmd_ref(c, "submission", sub->id), reason);
    if (rc == AW_OK && sub->share_id) {
        rc = aw_store_share_by_id(c->st, c->arena, sub->share_id, &share);
        if (rc == AW_OK)
            rc = aw_uow_mail(&u, share.submitter_email, _("Your activity was not published"),
                             aw_arena_printf(c->arena,
                                             _("Hello %s,\n\n\"%s\" was checked and cannot be "
                                               "published as it is.\n\nReason: %s\n\nYou can "
                                               "change it and send it again with the private "
                                               "link you received.\n"),
                                             share.submitter_name, sub->title, reason));
        else if (rc == AW_ENOTFOUND)
            rc = AW_OK;
    }
    return aw_uow_end(&u, rc);
}

enum aw_err
aw_cmd_edit(const struct aw_cmd *c, const struct aw_submission *sub)
{
    struct aw_uow u;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    rc = aw_store_submission_update(c->st, sub);
    if (rc == AW_OK)
        rc = aw_uow_audit(&u, "edit", aw_cmd_ref(c, "submission", sub->id), NULL);
    return aw_uow_end(&u, rc);
}
