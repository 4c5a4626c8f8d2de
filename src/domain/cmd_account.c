/* cmd_account.c: sign-in, sessions, sign-out, the accounts the command
 * line manages, and events recorded for the audit log alone (domain.h). */
#include "domain_int.h"

#include "aw/log.h"
#include "aw/store.h"

enum aw_err
aw_cmd_login(const struct aw_cmd *c, const struct aw_user *user, const char *id_hash,
             const char *old_hash)
{
    struct aw_uow u;
    struct aw_cmd as = *c;
    enum aw_err rc = aw_uow_begin(&u, &as);
    if (rc != AW_OK)
        return rc;
    as.user = user; /* the entry is the user's own */
    /* The session the browser brought is dropped (the id changes at login:
     * no fixation), and everyone's expired ones with it. */
    if (old_hash)
        rc = aw_store_session_delete(c->st, old_hash);
    if (rc == AW_OK)
        rc = aw_store_sessions_prune(c->st, c->now);
    if (rc == AW_OK)
        rc = aw_store_session_add(c->st, id_hash, user->id, c->now, c->now + AW_SESSION_SECONDS);
    if (rc == AW_OK)
        rc = aw_store_user_logged_in(c->st, user->id, c->now);
    if (rc == AW_OK)
        rc = aw_uow_audit(&u, "login", aw_cmd_ref(c, "user", user->id), NULL);
    return aw_uow_end(&u, rc);
}

enum aw_err
aw_cmd_logout(const struct aw_cmd *c, const char *id_hash)
{
    struct aw_uow u;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    if (id_hash)
        rc = aw_store_session_delete(c->st, id_hash);
    if (rc == AW_OK && c->user)
        rc = aw_uow_audit(&u, "logout", aw_cmd_ref(c, "user", c->user->id), NULL);
    return aw_uow_end(&u, rc);
}

enum aw_err
aw_cmd_session(const struct aw_cmd *c, const char *id_hash, struct aw_user *out)
{
    int64_t last_seen = 0;
    enum aw_err rc = aw_store_session_user(c->st, c->arena, id_hash, c->now, out, &last_seen);
    if (rc != AW_OK || last_seen + AW_SESSION_TOUCH_S > c->now)
        return rc;
    /* The session is valid whether or not its last use can be recorded: a
     * full disk must not sign a moderator out in the middle of an edit (the
     * edit then comes back with 503, app_page.c). One statement, its own
     * transaction. */
    enum aw_err trc = aw_store_session_touch(c->st, id_hash, c->now);
    if (trc == AW_EUNAVAIL)
        AW_WARN("session: last use not recorded: %s", aw_store_errmsg(c->st));
    else if (trc != AW_OK)
        rc = trc;
    return rc;
}

enum aw_err
aw_cmd_record(const struct aw_cmd *c, const char *action, const char *object, const char *detail)
{
    struct aw_uow u;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    return aw_uow_end(&u, aw_uow_audit(&u, action, object, detail));
}

enum aw_err
aw_cmd_user_add(const struct aw_cmd *c, const char *email, const char *pw_hash, enum aw_role role,
                const char *country, int64_t *id)
{
    struct aw_uow u;
    int64_t uid = 0;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    rc = aw_store_user_add(c->st, email, pw_hash, role, country, &uid);
    if (rc == AW_OK)
        rc = aw_uow_audit(&u, "user_add",
                          aw_arena_printf(c->arena, "user:%lld %s (%s%s%s)", (long long)uid, email,
                                          aw_role_str(role), country ? " " : "",
                                          country ? country : ""),
                          NULL);
    rc = aw_uow_end(&u, rc);
    if (rc == AW_OK && id)
        *id = uid;
    return rc;
}

enum aw_err
aw_cmd_user_disable(const struct aw_cmd *c, const struct aw_user *user, bool disabled)
{
    struct aw_uow u;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    rc = aw_store_user_set_disabled(c->st, user->id, disabled);
    if (rc == AW_OK && disabled)
        rc = aw_store_sessions_delete_user(c->st, user->id);
    if (rc == AW_OK)
        rc = aw_uow_audit(
            &u, disabled ? "user_disable" : "user_enable",
            aw_arena_printf(c->arena, "user:%lld %s", (long long)user->id, user->email), NULL);
    return aw_uow_end(&u, rc);
}

enum aw_err
aw_cmd_user_password(const struct aw_cmd *c, const struct aw_user *user, const char *pw_hash)
{
    struct aw_uow u;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    rc = aw_store_user_set_password(c->st, user->id, pw_hash);
    if (rc == AW_OK)
        rc = aw_store_sessions_delete_user(c->st, user->id);
    if (rc == AW_OK)
        rc = aw_uow_audit(
            &u, "user_passwd",
            aw_arena_printf(c->arena, "user:%lld %s", (long long)user->id, user->email), NULL);
    return aw_uow_end(&u, rc);
}
