/* domain.h: the commands that change what awareday holds (src/domain/).
 *
 * Each command is one unit of work: it opens the transaction, makes its
 * writes, appends its audit entry, queues its mails and commits, or changes
 * nothing at all and passes the error up (AW_EUNAVAIL when the database
 * cannot take it now, with the store's reason in aw_store_errmsg()). So "the
 * mail exists if and only if the action happened" and "every action is in the
 * audit log" hold by construction, on SQLite and on PostgreSQL alike (where a
 * failed statement aborts the transaction, so nothing may be logged and
 * skipped). The web handlers (src/app/), the command line (src/cli/) and the
 * bulk import call these; none of them opens a transaction (lint: "tx").
 *
 * Mails are worded in the calling thread's language (aw_i18n_use), which is
 * the visitor's on a page. Policy lives here, not in the store: which
 * pending version a new one supersedes, how often a session's last use is
 * recorded, who is told what. */
#ifndef AW_DOMAIN_H
#define AW_DOMAIN_H

#include "aw/arena.h"
#include "aw/err.h"
#include "aw/model.h"
#include "aw/vocab.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aw_store;
struct aw_mailer;

/* Who acts, when and where: given to every command. */
struct aw_cmd {
    struct aw_store *st;
    struct aw_arena *arena;     /* the request's (or the command line's) */
    int64_t now;                /* Unix seconds */
    const struct aw_user *user; /* the signed-in account, or NULL */
    const char *actor;          /* audit actor when user is NULL: "visitor", "cli"... */
    const char *addr;           /* the client's address, or NULL */
    /* For mails: the absolute URL of a page of the site, from the caller's
     * route table (a route name and its one parameter, NULL for none: e.g.
     * "activity", "12"), in the language the mail is written in; and the
     * Day's name as the mail says it (already translated). */
    const char *(*link)(const struct aw_cmd *c, const char *route, const char *param);
    void *link_ctx;
    const char *day_name;
    /* Told to send at once after a commit that queued mail; may be NULL
     * (the mailer finds the mail on its next round, or none runs). */
    struct aw_mailer *mailer;
};

/* Whether u may act on something in `country` ("" or NULL: no country):
 * focal points only in their own country, the other roles everywhere. */
bool aw_user_may_country(const struct aw_user *u, const char *country);

/* --- partners: share, change, withdraw (cmd_share.c) --- */

/* A first version from the share form: the share (its private token kept as
 * a hash), the pending submission, the audit entry, the acknowledgement to
 * the contact (which quotes nothing they typed: the address is not verified)
 * and the daily note to the moderators whose scope covers the country.
 * private_url is the absolute private link the acknowledgement gives. */
struct aw_share_draft {
    const char *token_hash;
    const char *contact_name;
    const char *contact_email;
    const char *private_url;
    struct aw_submission sub; /* kind, edition_year, country, title, org_name, payload, source */
};
enum aw_err aw_cmd_share(const struct aw_cmd *c, const struct aw_share_draft *d,
                         int64_t *sub_id) AW_WARN_UNUSED;

/* A new version through the private link: supersedes the share's pending
 * one, audits, tells the moderators. */
enum aw_err aw_cmd_change(const struct aw_cmd *c, const struct aw_share *share,
                          const struct aw_submission *sub, int64_t *sub_id) AW_WARN_UNUSED;

/* Withdrawal through the private link: the pending version cancelled, the
 * published activity hidden (nothing deleted), audited. pending_id is the
 * share's pending submission or 0. */
enum aw_err aw_cmd_withdraw(const struct aw_cmd *c, const struct aw_share *share,
                            int64_t pending_id) AW_WARN_UNUSED;

/* --- moderation (cmd_moderate.c) --- */

/* Approves subs[0..n) all or nothing: each payload applied (creating or
 * updating its activity), each decision recorded and audited, each
 * submitter told. A payload that cannot be applied gives AW_EINVAL with the
 * reason in err and publishes nothing. */
enum aw_err aw_cmd_approve(const struct aw_cmd *c, const struct aw_submission *subs, size_t n,
                           char *err, size_t errlen) AW_WARN_UNUSED;
/* Rejects a pending submission with a reason the submitter is told. */
enum aw_err aw_cmd_reject(const struct aw_cmd *c, const struct aw_submission *sub,
                          const char *reason) AW_WARN_UNUSED;
/* A moderator's edit of a pending submission (payload, title, country...). */
enum aw_err aw_cmd_edit(const struct aw_cmd *c, const struct aw_submission *sub) AW_WARN_UNUSED;

/* --- accounts and sessions (cmd_account.c) --- */

/* Sessions last this long, and their last use is recorded at most this
 * often (most requests then only read). */
#define AW_SESSION_SECONDS (12 * 3600)
#define AW_SESSION_TOUCH_S 60

/* Signs u in with a new session (id_hash: the hash of the new cookie value),
 * dropping the one the browser brought (old_hash, may be NULL) and expired
 * ones, recording the login time and the audit entry. */
enum aw_err aw_cmd_login(const struct aw_cmd *c, const struct aw_user *u, const char *id_hash,
                         const char *old_hash) AW_WARN_UNUSED;
/* Ends the session (id_hash may be NULL) and audits it for c->user. */
enum aw_err aw_cmd_logout(const struct aw_cmd *c, const char *id_hash) AW_WARN_UNUSED;
/* The user of a valid session (AW_ENOTFOUND otherwise), recording its use
 * every AW_SESSION_TOUCH_S; a session stays valid when that record cannot
 * be written (a full disk must not sign moderators out). */
enum aw_err aw_cmd_session(const struct aw_cmd *c, const char *id_hash,
                           struct aw_user *out) AW_WARN_UNUSED;

/* An event that changes nothing else but must be in the audit log (a
 * refused action, a failed or throttled sign-in, a filled honeypot). */
enum aw_err aw_cmd_record(const struct aw_cmd *c, const char *action, const char *object,
                          const char *detail) AW_WARN_UNUSED;

/* Accounts (the command line): each write with its audit entry. Changing the
 * password or disabling an account ends its sessions. */
enum aw_err aw_cmd_user_add(const struct aw_cmd *c, const char *email, const char *pw_hash,
                            enum aw_role role, const char *country, int64_t *id) AW_WARN_UNUSED;
enum aw_err aw_cmd_user_disable(const struct aw_cmd *c, const struct aw_user *u,
                                bool disabled) AW_WARN_UNUSED;
enum aw_err aw_cmd_user_password(const struct aw_cmd *c, const struct aw_user *u,
                                 const char *pw_hash) AW_WARN_UNUSED;

/* --- the secretariat's workspace (cmd_vocab.c) --- */

/* Adds a term (before NULL) or changes one (before: the term as it was,
 * the same list and code: a code is never renamed), auditing both states;
 * admins only (AW_EINVAL for anyone else). AW_EEXIST for a code its list
 * has already, AW_ENOTFOUND for a term that went away. */
enum aw_err aw_cmd_term_save(const struct aw_cmd *c, const struct aw_term *before,
                             const struct aw_term *after) AW_WARN_UNUSED;

#endif
