/* app.h: the awareday application: configuration, languages, templates and
 * the store wired to the HTTP server. main.c's serve command uses it. */
#ifndef AW_APP_H
#define AW_APP_H

#include "aw/config.h"
#include "aw/err.h"
#include "aw/http.h"

struct aw_app;

/* Loads templates (one compiled set per language), checks that the database
 * opens with its statements prepared, and renders the fixed error pages.
 * cfg must outlive the app. strict: unknown template names are errors. */
enum aw_err aw_app_new(const struct aw_config *cfg, bool strict, struct aw_app **out, char *err,
                       size_t errlen) AW_WARN_UNUSED;
void aw_app_free(struct aw_app *app);

/* Serves until SIGTERM/SIGINT (graceful). */
enum aw_err aw_app_serve(struct aw_app *app, char *err, size_t errlen);

/* Password rules and hashing (Argon2id), shared with `awareday user`. */
#define AW_PASSWORD_MIN 12
#define AW_PASSWORD_MAX 256
/* Hashes pw with libsodium's crypto_pwhash_str; out holds 128 bytes. */
enum aw_err aw_auth_hash_password(const char *pw, char out[128]);

/* The route table (src/app/routes.c). */
const struct aw_route *aw_app_routes(size_t *n);

#endif
