/* cmd_share.c: what a partner does through the share form and the private
 * link: share, change, withdraw (domain.h). */
#include "domain_int.h"

#include "aw/i18n.h"
#include "aw/store.h"

enum aw_err
aw_cmd_share(const struct aw_cmd *c, const struct aw_share_draft *d, int64_t *sub_id)
{
    struct aw_uow u;
    struct aw_submission sub = d->sub;
    int64_t share_id = 0, id = 0;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    rc = aw_store_share_add(c->st, d->token_hash, d->contact_name, d->contact_email, c->now,
                            &share_id);
    sub.share_id = share_id;
    sub.activity_id = 0;
    sub.kind = AW_SUB_NEW;
    if (rc == AW_OK)
        rc = aw_store_submission_add(c->st, &sub, c->now, &id);
    if (rc == AW_OK)
        rc = aw_uow_audit(&u, "submit", aw_cmd_ref(c, "submission", id), sub.title);
    /* Nothing the sender typed goes into this mail (the address is not
     * verified yet): the site must not carry anyone's text to anyone. */
    if (rc == AW_OK)
        rc = aw_uow_mail(
            &u, d->contact_email, _("Your activity was received"),
            aw_arena_printf(c->arena,
                            _("Hello,\n\nthank you for sharing an activity for the %d "
                              "edition of the %s.\n\nIt will be published once it has been "
                              "checked. With this private link you can see it, change it or "
                              "withdraw it; keep it to yourself:\n\n%s\n\nIf you did not "
                              "send anything, you can ignore this message.\n"),
                            sub.edition_year, c->day_name, d->private_url));
    if (rc == AW_OK)
        rc = aw_uow_notify_moderators(&u, sub.country_code);
    rc = aw_uow_end(&u, rc);
    if (rc == AW_OK && sub_id)
        *sub_id = id;
    return rc;
}

enum aw_err
aw_cmd_change(const struct aw_cmd *c, const struct aw_share *share,
              const struct aw_submission *draft, int64_t *sub_id)
{
    struct aw_uow u;
    struct aw_submission sub = *draft;
    int64_t id = 0;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    /* One pending version per share: the new one replaces the one waiting. */
    sub.share_id = share->id;
    sub.activity_id = share->activity_id;
    sub.kind = share->activity_id ? AW_SUB_CHANGE : AW_SUB_NEW;
    rc = aw_store_submissions_supersede(c->st, share->id, c->now);
    if (rc == AW_OK)
        rc = aw_store_submission_add(c->st, &sub, c->now, &id);
    if (rc == AW_OK)
        rc = aw_uow_audit(&u, "change", aw_cmd_ref(c, "submission", id),
                          aw_cmd_ref(c, "share", share->id));
    if (rc == AW_OK)
        rc = aw_uow_notify_moderators(&u, sub.country_code);
    rc = aw_uow_end(&u, rc);
    if (rc == AW_OK && sub_id)
        *sub_id = id;
    return rc;
}

enum aw_err
aw_cmd_withdraw(const struct aw_cmd *c, const struct aw_share *share, int64_t pending_id)
{
    struct aw_uow u;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    /* Nothing is deleted: the pending version is cancelled, the published
     * activity hidden, and both are in the audit log. */
    if (pending_id)
        rc = aw_store_submission_decide(c->st, pending_id, AW_SUB_CANCELLED, 0,
                                        "withdrawn by the submitter", c->now);
    if (rc == AW_OK && share->activity_id)
        rc = aw_store_activity_set_status(c->st, share->activity_id, "withdrawn");
    if (rc == AW_OK)
        rc =
            aw_uow_audit(&u, "withdraw", aw_cmd_ref(c, "share", share->id),
                         share->activity_id ? aw_cmd_ref(c, "activity", share->activity_id) : NULL);
    return aw_uow_end(&u, rc);
}
