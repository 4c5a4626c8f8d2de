/* app_auth.c: moderator accounts (Argon2id via libsodium), sessions (random
 * cookie, stored only as a hash, rotated at login), role and country checks,
 * and CSRF tokens (an HMAC of a per-browser cookie with the instance secret,
 * checked on every POST). */
#include "app_int.h"

#include "aw/http.h"
#include "aw/log.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t
aw_now(void)
{
    return (int64_t)time(NULL);
}

enum aw_err
aw_auth_hash_password(const char *pw, char out[128])
{
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "password hash buffer");
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return AW_ENOMEM;
    return AW_OK;
}

bool
aw_auth_check_password(const char *hash, const char *pw)
{
    if (!hash || !*hash)
        return false;
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

/* 32 random bytes as 64 hex digits, in the arena. */
char *
aw_auth_random_hex(struct aw_arena *a)
{
    unsigned char raw[32];
    char *hex = aw_arena_alloc(a, 65);
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(hex, 65, raw, sizeof(raw));
    return hex;
}

/* Hex of BLAKE2b-256(value): what the database keeps instead of a token. */
char *
aw_auth_hash_hex(struct aw_arena *a, const char *value)
{
    unsigned char h[32];
    char *hex = aw_arena_alloc(a, 65);
    crypto_generichash(h, sizeof(h), (const unsigned char *)value, strlen(value), NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof(h));
    return hex;
}

bool
aw_auth_token_shape(const char *v)
{
    if (!v || strlen(v) != 64)
        return false;
    for (const char *p = v; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

enum aw_err
aw_auth_load(struct aw_page *pg)
{
    const char *cookie = aw_req_cookie(pg->req, AW_SESSION_COOKIE);
    pg->user = NULL;
    /* A read-only site has no forms and cannot record a session: nobody is
     * signed in (the moderation pages lead to the closed login page). */
    if (pg->app->cfg->read_only || !aw_auth_token_shape(cookie))
        return AW_OK;
    char *h = aw_auth_hash_hex(pg->arena, cookie);
    struct aw_user *u = aw_arena_zalloc(pg->arena, sizeof(*u));
    struct aw_cmd cmd = aw_page_cmd(pg);
    enum aw_err rc = aw_cmd_session(&cmd, h, u);
    if (rc == AW_OK) {
        pg->user = u;
        pg->session_hash = h;
    }
    return rc == AW_ENOTFOUND ? AW_OK : rc;
}

static void
set_csrf_cookie(struct aw_page *pg, const char *value)
{
    pg->csrf_cookie = value;
    aw_resp_cookie_ex(pg->req, AW_CSRF_COOKIE, value, -1, AW_COOKIE_SESSION | AW_COOKIE_STRICT);
}

enum aw_err
aw_auth_login(struct aw_page *pg, const struct aw_user *u)
{
    char *sid = aw_auth_random_hex(pg->arena);
    const char *old = aw_req_cookie(pg->req, AW_SESSION_COOKIE);
    struct aw_cmd cmd = aw_page_cmd(pg);
    enum aw_err rc =
        aw_cmd_login(&cmd, u, aw_auth_hash_hex(pg->arena, sid),
                     aw_auth_token_shape(old) ? aw_auth_hash_hex(pg->arena, old) : NULL);
    if (rc != AW_OK)
        return rc;
    aw_resp_cookie_ex(pg->req, AW_SESSION_COOKIE, sid, -1, AW_COOKIE_SESSION);
    set_csrf_cookie(pg, aw_auth_random_hex(pg->arena));
    pg->user = aw_arena_zalloc(pg->arena, sizeof(*pg->user));
    *pg->user = *u;
    return AW_OK;
}

enum aw_err
aw_auth_logout(struct aw_page *pg)
{
    struct aw_cmd cmd = aw_page_cmd(pg);
    enum aw_err rc = aw_cmd_logout(&cmd, pg->session_hash);
    if (rc != AW_OK)
        return rc;
    aw_resp_cookie_ex(pg->req, AW_SESSION_COOKIE, "", 0, 0);
    set_csrf_cookie(pg, aw_auth_random_hex(pg->arena));
    pg->user = NULL;
    return AW_OK;
}

int
aw_auth_require(struct aw_page *pg, unsigned roles)
{
    if (pg->user && (roles & (1u << pg->user->role)))
        return 0;
    if (!pg->user && strcmp(aw_req_method(pg->req), "GET") == 0) {
        aw_resp_redirect(pg->req, 303, aw_page_url(pg, "login", NULL));
        return -1;
    }
    aw_resp_error(pg->req, 403);
    return -1;
}

/* HMAC-SHA256(secret, "csrf:" + cookie) as hex. */
static const char *
csrf_for(struct aw_page *pg, const char *cookie)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char *hex = aw_arena_alloc(pg->arena, sizeof(mac) * 2 + 1);
    const unsigned char *key = pg->app->csrf_key;
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, sizeof(pg->app->csrf_key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"csrf:", 5);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)cookie, strlen(cookie));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof(st));
    sodium_bin2hex(hex, sizeof(mac) * 2 + 1, mac, sizeof(mac));
    return hex;
}

const char *
aw_csrf_token(struct aw_page *pg)
{
    /* A read-only site shows no forms (and may have no secret stored). */
    if (pg->app->cfg->read_only)
        return "";
    /* One cookie per response: a token made earlier in this request wins. */
    const char *cookie = pg->csrf_cookie ? pg->csrf_cookie : aw_req_cookie(pg->req, AW_CSRF_COOKIE);
    if (!aw_auth_token_shape(cookie)) {
        cookie = aw_auth_random_hex(pg->arena);
        set_csrf_cookie(pg, cookie);
    }
    return csrf_for(pg, cookie);
}

bool
aw_csrf_ok(struct aw_page *pg)
{
    const char *cookie = aw_req_cookie(pg->req, AW_CSRF_COOKIE);
    struct aw_str sent = aw_req_form(pg->req, "csrf", 0);
    if (!aw_auth_token_shape(cookie) || !sent.ptr)
        return false;
    const char *want = csrf_for(pg, cookie);
    if (!want || sent.len != strlen(want))
        return false;
    return sodium_memcmp(want, sent.ptr, sent.len) == 0;
}
