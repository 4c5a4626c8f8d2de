/* domain_int.h: what the commands of src/domain/ share: the unit of work
 * (begin, audit, mail, commit or roll back) they are all written with. */
#ifndef AW_DOMAIN_INT_H
#define AW_DOMAIN_INT_H

#include "aw/domain.h"

/* One command's transaction. uow_begin() opens it; uow_audit() and
 * uow_mail() write into it and return their error, which the command passes
 * up; uow_end() commits when rc is AW_OK (and wakes the mailer when mail was
 * queued), rolls back otherwise, and returns the outcome. */
struct aw_uow {
    const struct aw_cmd *c;
    bool mailed;
};

enum aw_err aw_uow_begin(struct aw_uow *u, const struct aw_cmd *c) AW_WARN_UNUSED;
enum aw_err aw_uow_end(struct aw_uow *u, enum aw_err rc) AW_WARN_UNUSED;
/* Appends an audit entry with the command's actor and address. */
enum aw_err aw_uow_audit(struct aw_uow *u, const char *action, const char *object,
                         const char *detail) AW_WARN_UNUSED;
/* Queues a mail, sent once the unit of work commits. */
enum aw_err aw_uow_mail(struct aw_uow *u, const char *to, const char *subject,
                        const char *body) AW_WARN_UNUSED;
/* Tells the moderators whose scope covers `country` ("" for none) that
 * something waits, at most once a day each. */
enum aw_err aw_uow_notify_moderators(struct aw_uow *u, const char *country) AW_WARN_UNUSED;
/* The absolute URL of a page (c->link), "" without one. */
const char *aw_cmd_link(const struct aw_cmd *c, const char *route, const char *param);
/* "submission:12" and the like, in the arena. */
const char *aw_cmd_ref(const struct aw_cmd *c, const char *kind, int64_t id);

#endif
