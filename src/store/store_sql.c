/* store_sql.c: the store (struct aw_store_ops) over an SQL driver (sql.h).
 *
 * One struct aw_store_be per driver connection, used by one thread at a
 * time. At open: the driver's connection (sql_sqlite.c: WAL, synchronous =
 * FULL, a 5 s busy timeout...), the migrations of SHARE/sql/<dialect>/NNN_*.sql
 * above schema_version (each in a transaction), then every statement of the
 * table `sql` below is prepared once, so a typo or a missing table fails at
 * open. All data goes through bound parameters; no SQL text is ever built
 * from data. The row mapping lives here once, whatever the database.
 *
 * The second half of the file holds the moderation side (issue 3): users,
 * sessions, rate limits, shares, submissions, the audit log, the mail outbox
 * (tables of sql/<dialect>/002_moderation.sql). */
#include "store/sql.h"
#include "store/store_int.h"

#include "aw/buf.h"
#include "aw/log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the statement table ---- */

enum stmt_id {
    S_VERSION,
    S_COUNTRIES,
    S_COUNTRY,
    S_PUT_COUNTRY,
    S_EDITIONS,
    S_EDITION,
    S_EDITION_CURRENT,
    S_EDITION_ISSUERS,
    S_EDITION_ID,
    S_PUT_EDITION,
    S_DEL_ISSUERS,
    S_ADD_ISSUER,
    S_ORG,
    S_ORG_UPDATE,
    S_ORG_INSERT,
    S_ACTS_BY_EDITION,
    S_ACTS_BY_COUNTRY,
    S_ACTS_BY_ORG,
    S_ACT,
    S_ACT_KINDS,
    S_ACT_AUDIENCES,
    S_ACT_LANGUAGES,
    S_ACT_LINKS,
    S_ACT_BY_SOURCE,
    S_ACT_BY_ID,
    S_ACT_INSERT,
    S_ACT_UPDATE,
    S_ACT_DEL_KINDS,
    S_ACT_DEL_AUDIENCES,
    S_ACT_DEL_LANGUAGES,
    S_ACT_DEL_LINKS,
    S_ACT_ADD_KIND,
    S_ACT_ADD_AUDIENCE,
    S_ACT_ADD_LANGUAGE,
    S_ACT_ADD_LINK,
    S_TOOLS,
    S_TOOL_LANGUAGES,
    S_PUT_TOOL,
    S_TOOL_DEL_LANGUAGES,
    S_TOOL_ADD_LANGUAGE,
    S_STATEMENTS,
    S_PUT_STATEMENT,
    S_DOCUMENTS,
    S_PUT_DOCUMENT,
    S_HELP_ALL,
    S_HELP_COUNTRY,
    S_PUT_HELP,
    S_HELP_ID,
    S_ORG_FIND,
    S_ORGS,
    S_SECRET_GET,
    S_SECRET_PUT,
    S_USER_ADD,
    S_USER_BY_EMAIL,
    S_USER_BY_ID,
    S_USERS,
    S_USER_DISABLE,
    S_USER_PASSWORD,
    S_USER_LOGIN,
    S_SESSION_PRUNE,
    S_SESSION_ADD,
    S_SESSION_USER,
    S_SESSION_TOUCH,
    S_SESSION_DELETE,
    S_SESSIONS_DELETE_USER,
    S_CAT_TABLES,
    S_CAT_COLUMNS,
    S_RATE_LOCK,
    S_RATE_EXPIRE,
    S_RATE_WINDOW,
    S_RATE_NTH,
    S_RATE_LOG,
    S_RATE_REFUSED,
    S_RATE_PRUNE_LOG,
    S_RATE_PRUNE_REFUSALS,
    S_RATE_RESET_LOG,
    S_RATE_RESET_REFUSALS,
    S_SHARE_ADD,
    S_SHARE_BY_TOKEN,
    S_SHARE_BY_ID,
    S_SHARE_SET_ACT,
    S_SUB_SUPERSEDE,
    S_SUB_ADD,
    S_SUB,
    S_SUB_EXISTS,
    S_SUBS_PENDING,
    S_SUBS_BY_SHARE,
    S_SUB_UPDATE,
    S_SUB_DECIDE,
    S_ACT_SET_STATUS,
    S_ACT_TITLES,
    S_AUDIT_ADD,
    S_AUDIT_LIST,
    S_MAIL_QUEUE,
    S_MAIL_CLAIM,
    S_MAIL_SENT,
    S_MAIL_FAILED,
    S_NOTIFY,
    S_COUNT
};

#define COUNTRY_COLS                                                                               \
    "SELECT code, name_en, name_fr, coe_member, coe_joined_year, coe_left_year, lanzarote_year "   \
    "FROM countries "
#define PUBLISHED_COUNT                                                                            \
    "(SELECT COUNT(*) FROM activities a WHERE a.edition_id = e.id AND a.status = 'published')"
#define EDITION_COLS                                                                               \
    "SELECT e.id, e.year, e.number, e.theme, e.theme_why, e.invitation, "                          \
    "e.js_supported_count, " PUBLISHED_COUNT " FROM editions e "
#define ORG_COLS "o.id, o.slug, o.name, o.kind, o.country_code, o.website"
#define ACT_COLS                                                                                   \
    "SELECT a.id, a.slug, e.year, " ORG_COLS ", a.country_code, a.title, a.summary, "              \
    "a.start_date, a.end_date, a.place, a.online "                                                 \
    "FROM activities a JOIN editions e ON e.id = a.edition_id "                                    \
    "JOIN organisations o ON o.id = a.org_id "
#define HELP_COLS                                                                                  \
    "SELECT id, country_code, kind, name, organisation, url, phone, languages, source_url, "       \
    "confidence, verified_at, verified_by, retired_at FROM help_services "
#define HELP_VISIBLE "(?1 = 1 OR (verified_at IS NOT NULL AND retired_at IS NULL)) "
#define HELP_ORDER                                                                                 \
    "ORDER BY country_code, "                                                                      \
    "CASE kind WHEN 'report' THEN 0 WHEN 'helpline' THEN 1 ELSE 2 END, name"
#define USER_COLS                                                                                  \
    "u.id, u.email, u.password_hash, u.role, u.country_code, u.disabled, u.created_at, "           \
    "u.last_login_at"
#define SHARE_COLS                                                                                 \
    "SELECT id, activity_id, submitter_name, submitter_email, created_at FROM shares "
#define SUB_COLS                                                                                   \
    "SELECT id, share_id, activity_id, kind, status, edition_year, country_code, title, "          \
    "org_name, payload, source, created_at, decided_at, decided_by, reason FROM submissions "

static const char *const sql[S_COUNT] = {
    [S_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_version",

    [S_COUNTRIES] = COUNTRY_COLS "ORDER BY code",
    [S_COUNTRY] = COUNTRY_COLS "WHERE code = ?1",
    [S_PUT_COUNTRY] =
        "INSERT INTO countries (code, name_en, name_fr, coe_member, coe_joined_year, "
        "coe_left_year, lanzarote_year) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT (code) DO UPDATE SET name_en = excluded.name_en, "
        "name_fr = excluded.name_fr, coe_member = excluded.coe_member, "
        "coe_joined_year = excluded.coe_joined_year, coe_left_year = excluded.coe_left_year, "
        "lanzarote_year = excluded.lanzarote_year",

    [S_EDITIONS] = EDITION_COLS "ORDER BY e.year DESC",
    [S_EDITION] = EDITION_COLS "WHERE e.year = ?1",
    [S_EDITION_CURRENT] = EDITION_COLS "WHERE e.year <= ?1 AND (e.theme IS NOT NULL OR "
                                       "EXISTS (SELECT 1 FROM activities a WHERE a.edition_id = "
                                       "e.id AND a.status = 'published')) "
                                       "ORDER BY e.year DESC LIMIT 1",
    [S_EDITION_ISSUERS] =
        "SELECT country_code FROM edition_js_issuers WHERE edition_id = ?1 ORDER BY position",
    [S_EDITION_ID] = "SELECT id FROM editions WHERE year = ?1",
    [S_PUT_EDITION] =
        "INSERT INTO editions (year, number, theme, theme_why, invitation, js_supported_count) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT (year) DO UPDATE SET number = excluded.number, theme = excluded.theme, "
        "theme_why = excluded.theme_why, invitation = excluded.invitation, "
        "js_supported_count = excluded.js_supported_count RETURNING id",
    [S_DEL_ISSUERS] = "DELETE FROM edition_js_issuers WHERE edition_id = ?1",
    [S_ADD_ISSUER] = "INSERT INTO edition_js_issuers (edition_id, position, country_code) "
                     "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",

    [S_ORG] = "SELECT " ORG_COLS " FROM organisations o WHERE o.id = ?1",
    /* An organisation is found by its natural key (name, country) and
     * updated, or inserted with the first free slug: the unique constraints
     * decide (ON CONFLICT DO NOTHING gives no row), never a probe, so two
     * instances inserting at once cannot pick the same slug. */
    [S_ORG_UPDATE] = "UPDATE organisations SET kind = ?3, website = ?4 "
                     "WHERE name = ?1 AND country_key = COALESCE(?2, '') RETURNING id",
    [S_ORG_INSERT] = "INSERT INTO organisations (slug, name, kind, country_code, website) "
                     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING RETURNING id",

    [S_ACTS_BY_EDITION] = ACT_COLS "WHERE e.year = ?1 AND a.status = 'published' "
                                   "ORDER BY CASE WHEN a.country_code IS NULL THEN 1 ELSE 0 END, "
                                   "a.country_code, a.id",
    [S_ACTS_BY_COUNTRY] = ACT_COLS "WHERE a.country_code = ?1 AND a.status = 'published' "
                                   "ORDER BY e.year DESC, a.id",
    [S_ACTS_BY_ORG] =
        ACT_COLS "WHERE a.org_id = ?1 AND a.status = 'published' ORDER BY e.year DESC, a.id",
    [S_ACT] = ACT_COLS "WHERE a.id = ?1 AND a.status = 'published'",
    /* The multi-valued fields of a whole list of activities at once (?1: a
     * JSON array of their ids), so that a page costs the same few
     * statements whatever its length (PostgreSQL: dialect_sql). */
    [S_ACT_KINDS] = "SELECT activity_id, kind FROM activity_kinds WHERE activity_id IN (SELECT "
                    "value FROM json_each(?1)) ORDER BY activity_id, position",
    [S_ACT_AUDIENCES] = "SELECT activity_id, audience FROM activity_audiences WHERE activity_id IN "
                        "(SELECT value FROM json_each(?1)) ORDER BY activity_id, position",
    [S_ACT_LANGUAGES] = "SELECT activity_id, language FROM activity_languages WHERE activity_id IN "
                        "(SELECT value FROM json_each(?1)) ORDER BY activity_id, position",
    [S_ACT_LINKS] = "SELECT activity_id, label, url FROM activity_links WHERE activity_id IN "
                    "(SELECT value FROM json_each(?1)) ORDER BY activity_id, position",
    [S_ACT_BY_SOURCE] = "SELECT id FROM activities WHERE source_key = ?1",
    [S_ACT_BY_ID] = "SELECT id FROM activities WHERE id = ?1",
    [S_ACT_INSERT] =
        "INSERT INTO activities (slug, edition_id, org_id, country_code, title, summary, "
        "start_date, end_date, place, online, status, created_at, updated_at, source_key) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13) "
        "ON CONFLICT (slug) DO NOTHING RETURNING id",
    [S_ACT_UPDATE] =
        "UPDATE activities SET edition_id = ?2, org_id = ?3, country_code = ?4, title = ?5, "
        "summary = ?6, start_date = ?7, end_date = ?8, place = ?9, online = ?10, "
        "status = CASE WHEN status = 'pending' THEN ?11 ELSE status END, updated_at = ?12 "
        "WHERE id = ?1",
    [S_ACT_DEL_KINDS] = "DELETE FROM activity_kinds WHERE activity_id = ?1",
    [S_ACT_DEL_AUDIENCES] = "DELETE FROM activity_audiences WHERE activity_id = ?1",
    [S_ACT_DEL_LANGUAGES] = "DELETE FROM activity_languages WHERE activity_id = ?1",
    [S_ACT_DEL_LINKS] = "DELETE FROM activity_links WHERE activity_id = ?1",
    [S_ACT_ADD_KIND] = "INSERT INTO activity_kinds (activity_id, position, kind) "
                       "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [S_ACT_ADD_AUDIENCE] = "INSERT INTO activity_audiences (activity_id, position, audience) "
                           "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [S_ACT_ADD_LANGUAGE] = "INSERT INTO activity_languages (activity_id, position, language) "
                           "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [S_ACT_ADD_LINK] = "INSERT INTO activity_links (activity_id, position, label, url) "
                       "VALUES (?1, ?2, ?3, ?4)",

    [S_TOOLS] = "SELECT t.id, t.kind, t.title, t.description, t.url FROM tools t "
                "JOIN editions e ON e.id = t.edition_id WHERE e.year = ?1 ORDER BY t.id",
    [S_TOOL_LANGUAGES] = "SELECT language FROM tool_languages WHERE tool_id = ?1 ORDER BY position",
    [S_PUT_TOOL] = "INSERT INTO tools (edition_id, kind, title, description, url) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) "
                   "ON CONFLICT (edition_id, kind, title) DO UPDATE SET "
                   "description = excluded.description, url = excluded.url RETURNING id",
    [S_TOOL_DEL_LANGUAGES] = "DELETE FROM tool_languages WHERE tool_id = ?1",
    [S_TOOL_ADD_LANGUAGE] = "INSERT INTO tool_languages (tool_id, position, language) "
                            "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",

    [S_STATEMENTS] = "SELECT s.id, e.year, s.speaker, s.speaker_role, " ORG_COLS ", s.summary, "
                     "s.url FROM statements s JOIN editions e ON e.id = s.edition_id "
                     "JOIN organisations o ON o.id = s.org_id WHERE e.year = ?1 ORDER BY s.id",
    [S_PUT_STATEMENT] =
        "INSERT INTO statements (edition_id, org_id, speaker, speaker_role, summary, url) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT (edition_id, org_id, speaker) DO UPDATE SET "
        "speaker_role = excluded.speaker_role, summary = excluded.summary, url = excluded.url "
        "RETURNING id",
    [S_DOCUMENTS] = "SELECT d.id, e.year, d.title, d.kind, " ORG_COLS ", d.doc_date, d.url "
                    "FROM documents d JOIN editions e ON e.id = d.edition_id "
                    "JOIN organisations o ON o.id = d.org_id WHERE e.year = ?1 ORDER BY d.id",
    [S_PUT_DOCUMENT] = "INSERT INTO documents (edition_id, org_id, kind, title, doc_date, url) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                       "ON CONFLICT (edition_id, org_id, title) DO UPDATE SET "
                       "kind = excluded.kind, doc_date = excluded.doc_date, url = excluded.url "
                       "RETURNING id",

    [S_HELP_ALL] = HELP_COLS "WHERE " HELP_VISIBLE HELP_ORDER,
    [S_HELP_COUNTRY] = HELP_COLS "WHERE country_code = ?2 AND " HELP_VISIBLE HELP_ORDER,
    /* An entry that a person verified or retired is theirs: a re-import
     * leaves it alone (then RETURNING yields no row and S_HELP_ID is used). */
    [S_PUT_HELP] =
        "INSERT INTO help_services (country_code, kind, name, organisation, url, phone, "
        "languages, source_url, confidence, verified_at, verified_by, retired_at, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
        "ON CONFLICT (country_code, kind, name) DO UPDATE SET "
        "organisation = excluded.organisation, url = excluded.url, phone = excluded.phone, "
        "languages = excluded.languages, source_url = excluded.source_url, "
        "confidence = excluded.confidence "
        "WHERE help_services.verified_at IS NULL AND help_services.retired_at IS NULL "
        "RETURNING id",
    [S_HELP_ID] =
        "SELECT id FROM help_services WHERE country_code = ?1 AND kind = ?2 AND name = ?3",

    [S_ORG_FIND] = "SELECT " ORG_COLS " FROM organisations o "
                   "WHERE o.name = ?1 AND o.country_key = COALESCE(?2, '')",
    [S_ORGS] = "SELECT " ORG_COLS " FROM organisations o ORDER BY o.name, o.country_key, o.id",

    /* ---- moderation (002_moderation.sql) ---- */
    [S_SECRET_GET] = "SELECT value FROM settings WHERE name = 'secret'",
    [S_SECRET_PUT] = "INSERT INTO settings (name, value) VALUES ('secret', ?1) "
                     "ON CONFLICT (name) DO NOTHING",

    [S_USER_ADD] = "INSERT INTO users (email, password_hash, role, country_code, disabled, "
                   "created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5) RETURNING id",
    /* lower() on both sides: SQLite's column is COLLATE NOCASE, PostgreSQL's
     * has a unique index on lower(email); emails are ASCII (the mailer's rule) */
    [S_USER_BY_EMAIL] = "SELECT " USER_COLS " FROM users u WHERE lower(u.email) = lower(?1)",
    [S_USER_BY_ID] = "SELECT " USER_COLS " FROM users u WHERE u.id = ?1",
    /* lower(): the same order on both (SQLite's column is COLLATE NOCASE, PostgreSQL's is not) */
    [S_USERS] = "SELECT " USER_COLS " FROM users u ORDER BY lower(u.email), u.id",
    [S_USER_DISABLE] = "UPDATE users SET disabled = ?2 WHERE id = ?1",
    [S_USER_PASSWORD] = "UPDATE users SET password_hash = ?2 WHERE id = ?1",
    [S_USER_LOGIN] = "UPDATE users SET last_login_at = ?2 WHERE id = ?1",

    [S_SESSION_PRUNE] = "DELETE FROM sessions WHERE expires_at <= ?1",
    [S_SESSION_ADD] = "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_SESSION_USER] = "SELECT " USER_COLS ", s.last_seen FROM sessions s "
                       "JOIN users u ON u.id = s.user_id "
                       "WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
    [S_SESSION_TOUCH] = "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1",
    [S_SESSION_DELETE] = "DELETE FROM sessions WHERE id_hash = ?1",
    [S_SESSIONS_DELETE_USER] = "DELETE FROM sessions WHERE user_id = ?1",

    /* the sliding-window log (003_rate_log.sql); the rule is in store.c */
    /* The schema itself, for migrate-data: tables in the order they were
     * made (a table after those it refers to), and their stored columns
     * (not the generated ones). PostgreSQL: dialect_sql. */
    [S_CAT_TABLES] = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                     "'sqlite%' ORDER BY rowid",
    [S_CAT_COLUMNS] = "SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0 ORDER BY cid",
    /* SQLite: nothing to do, BEGIN IMMEDIATE took the database's write lock
     * (the PostgreSQL text is in dialect_sql below) */
    [S_RATE_LOCK] = "SELECT 1 WHERE ?1 IS NOT NULL",
    [S_RATE_EXPIRE] = "DELETE FROM rate_log WHERE key = ?1 AND at <= ?2",
    [S_RATE_WINDOW] = "SELECT COUNT(*), COALESCE(MIN(at), 0) FROM rate_log WHERE key = ?1",
    [S_RATE_NTH] = "SELECT at FROM rate_log WHERE key = ?1 ORDER BY at LIMIT 1 OFFSET ?2",
    [S_RATE_LOG] = "INSERT INTO rate_log (key, at) VALUES (?1, ?2)",
    [S_RATE_REFUSED] = "INSERT INTO rate_refusals (key, at) VALUES (?1, ?2) "
                       "ON CONFLICT (key) DO UPDATE SET at = excluded.at "
                       "WHERE rate_refusals.at <= ?3 RETURNING at",
    [S_RATE_PRUNE_LOG] = "DELETE FROM rate_log WHERE at <= ?1",
    [S_RATE_PRUNE_REFUSALS] = "DELETE FROM rate_refusals WHERE at <= ?1",
    [S_RATE_RESET_LOG] = "DELETE FROM rate_log WHERE key = ?1",
    [S_RATE_RESET_REFUSALS] = "DELETE FROM rate_refusals WHERE key = ?1",

    [S_SHARE_ADD] = "INSERT INTO shares (token_hash, submitter_name, submitter_email, created_at) "
                    "VALUES (?1, ?2, ?3, ?4) RETURNING id",
    [S_SHARE_BY_TOKEN] = SHARE_COLS "WHERE token_hash = ?1",
    [S_SHARE_BY_ID] = SHARE_COLS "WHERE id = ?1",
    [S_SHARE_SET_ACT] = "UPDATE shares SET activity_id = ?2 WHERE id = ?1",

    [S_SUB_SUPERSEDE] = "UPDATE submissions SET status = 'superseded', decided_at = ?2 "
                        "WHERE share_id = ?1 AND status = 'pending'",
    [S_SUB_ADD] = "INSERT INTO submissions (share_id, activity_id, kind, status, edition_year, "
                  "country_code, title, org_name, payload, source, created_at) "
                  "VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
    [S_SUB] = SUB_COLS "WHERE id = ?1",
    [S_SUB_EXISTS] = "SELECT id FROM submissions WHERE id = ?1",
    [S_SUBS_PENDING] =
        SUB_COLS "WHERE status = 'pending' AND (CAST(?1 AS TEXT) IS NULL OR country_code = ?1) "
                 "AND (?2 = 0 OR edition_year = ?2) ORDER BY created_at, id",
    [S_SUBS_BY_SHARE] = SUB_COLS "WHERE share_id = ?1 ORDER BY created_at DESC, id DESC",
    [S_SUB_UPDATE] = "UPDATE submissions SET payload = ?2, title = ?3, org_name = ?4, "
                     "country_code = ?5, edition_year = ?6 WHERE id = ?1 AND status = 'pending'",
    [S_SUB_DECIDE] = "UPDATE submissions SET status = ?2, decided_at = ?3, decided_by = ?4, "
                     "reason = ?5 WHERE id = ?1 AND status = 'pending'",

    [S_ACT_SET_STATUS] = "UPDATE activities SET status = ?2, updated_at = ?3 WHERE id = ?1",
    /* Published activities, then pending submissions (id 0) of the same
     * organisation and edition. */
    [S_ACT_TITLES] = "SELECT a.id, a.title FROM activities a JOIN editions e "
                     "ON e.id = a.edition_id WHERE a.org_id = ?1 AND e.year = ?2 "
                     "AND a.status IN ('published', 'pending') "
                     "UNION ALL SELECT 0, s.title FROM submissions s JOIN organisations o "
                     "ON o.name = s.org_name WHERE o.id = ?1 AND s.edition_year = ?2 "
                     "AND s.status = 'pending' ORDER BY 1 DESC",

    [S_AUDIT_ADD] = "INSERT INTO audit_log (at, actor, action, object, detail, ip) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_AUDIT_LIST] = "SELECT id, at, actor, action, object, detail, ip FROM audit_log "
                     "ORDER BY id DESC LIMIT ?1 OFFSET ?2",

    [S_MAIL_QUEUE] = "INSERT INTO mail_outbox (to_addr, subject, body, created_at, "
                     "next_attempt_at, attempts) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
    /* The oldest due mail nobody holds, held until ?3. The outer condition is
     * checked again on the row itself, so a claim made meanwhile by another
     * connection wins (PostgreSQL: see dialect_sql). */
    [S_MAIL_CLAIM] = "UPDATE mail_outbox SET claimed_until = ?3 WHERE id = (SELECT id FROM "
                     "mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= ?1 AND "
                     "attempts < ?2 AND (claimed_until IS NULL OR claimed_until <= ?1) "
                     "ORDER BY id LIMIT 1) AND (claimed_until IS NULL OR claimed_until <= ?1) "
                     "RETURNING id, to_addr, subject, body, attempts",
    /* The body may hold a private link: it is not kept once sent. */
    [S_MAIL_SENT] = "UPDATE mail_outbox SET sent_at = ?2, attempts = attempts + 1, "
                    "last_error = NULL, body = '', claimed_until = NULL "
                    "WHERE id = ?1 AND sent_at IS NULL",
    /* ?4 = 1: forget the body (the sender's last attempt). */
    [S_MAIL_FAILED] = "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?2, "
                      "last_error = ?3, body = CASE WHEN ?4 = 1 THEN '' ELSE body END, "
                      "claimed_until = NULL WHERE id = ?1 AND sent_at IS NULL",

    [S_NOTIFY] = "INSERT INTO notify_log (user_id, day) VALUES (?1, ?2) "
                 "ON CONFLICT (user_id, day) DO NOTHING RETURNING user_id",
};

/* The few statements whose text differs by dialect (sql.h's `dialect`):
 * everything else above is the same text on every database. */
static const struct {
    const char *dialect;
    enum stmt_id id;
    const char *text;
} dialect_sql[] = {
    /* PostgreSQL's BEGIN takes no lock: two instances counting the same key
     * would both see limit - 1 hits; a transaction-scoped advisory lock on
     * the key makes them take turns, as SQLite's write lock does. */
    {"pg", S_RATE_LOCK, "SELECT pg_advisory_xact_lock(hashtext(?1))"},
#define PG_IDS "(SELECT CAST(jsonb_array_elements_text(CAST(?1 AS jsonb)) AS BIGINT))"
    {"pg", S_ACT_KINDS,
     "SELECT activity_id, kind FROM activity_kinds WHERE activity_id IN " PG_IDS
     " ORDER BY activity_id, position"},
    {"pg", S_ACT_AUDIENCES,
     "SELECT activity_id, audience FROM activity_audiences WHERE activity_id IN " PG_IDS
     " ORDER BY activity_id, position"},
    {"pg", S_ACT_LANGUAGES,
     "SELECT activity_id, language FROM activity_languages WHERE activity_id IN " PG_IDS
     " ORDER BY activity_id, position"},
    {"pg", S_ACT_LINKS,
     "SELECT activity_id, label, url FROM activity_links WHERE activity_id IN " PG_IDS
     " ORDER BY activity_id, position"},
    {"pg", S_CAT_TABLES,
     "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
     "n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.oid"},
    {"pg", S_CAT_COLUMNS,
     "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
     "AND table_name = ?1 AND is_generated = 'NEVER' ORDER BY ordinal_position"},
    /* Two instances claiming at once: the second skips the row the first
     * holds and takes the next due mail, instead of waiting for it. */
    {"pg", S_MAIL_CLAIM,
     "UPDATE mail_outbox SET claimed_until = ?3 WHERE id = (SELECT id FROM mail_outbox WHERE "
     "sent_at IS NULL AND next_attempt_at <= ?1 AND attempts < ?2 AND (claimed_until IS NULL "
     "OR claimed_until <= ?1) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) AND (claimed_until IS "
     "NULL OR claimed_until <= ?1) RETURNING id, to_addr, subject, body, attempts"},
};

static const char *
sql_text(const char *dialect, int id)
{
    for (size_t i = 0; i < sizeof(dialect_sql) / sizeof(dialect_sql[0]); i++)
        if ((int)dialect_sql[i].id == id && strcmp(dialect_sql[i].dialect, dialect) == 0)
            return dialect_sql[i].text;
    return sql[id];
}

struct aw_store_be {
    struct aw_sql *db;
    struct aw_sql_stmt *stmt[S_COUNT];
    int version;
    int64_t queries; /* statements run (each ends in finish()): round trips on a server */
    char errmsg[512];
};

/* ---- small helpers ---- */

/* Records the failure of `what` (r: what the step gave; not AW_SQL_FAIL
 * means a statement that had to give a row gave none) and maps it to an
 * aw_err: a constraint is AW_EINVAL, "not now" AW_EUNAVAIL (the pages answer
 * 503 with the form as typed), the rest AW_EDB. */
static enum aw_err
fail(struct aw_store_be *be, const char *what, int r)
{
    if (r != AW_SQL_FAIL) {
        snprintf(be->errmsg, sizeof(be->errmsg), "%s: no result", what);
        return AW_EDB;
    }
    snprintf(be->errmsg, sizeof(be->errmsg), "%s: %s", what, aw_sql_errmsg(be->db));
    return aw_sql_fault_err(aw_sql_fault(be->db));
}

/* The same for a driver call that returned an aw_err itself. */
static enum aw_err
fail_rc(struct aw_store_be *be, const char *what, enum aw_err rc)
{
    if (rc != AW_OK)
        snprintf(be->errmsg, sizeof(be->errmsg), "%s: %s", what, aw_sql_errmsg(be->db));
    return rc;
}

/* NULL binds SQL NULL. The text must live until the statement is reset. */
static void
b_text(struct aw_store_be *be, struct aw_sql_stmt *s, int i, const char *v)
{
    (void)be;
    aw_sql_bind_text(s, i, v);
}

static void
b_int(struct aw_store_be *be, struct aw_sql_stmt *s, int i, int64_t v)
{
    (void)be;
    aw_sql_bind_int(s, i, v);
}

/* v when keep, else SQL NULL. */
static void
b_int_if(struct aw_store_be *be, struct aw_sql_stmt *s, int i, bool keep, int64_t v)
{
    (void)be;
    if (keep)
        aw_sql_bind_int(s, i, v);
    else
        aw_sql_bind_null(s, i);
}

static int
step(struct aw_store_be *be, struct aw_sql_stmt *s)
{
    (void)be;
    return (int)aw_sql_step(s);
}

static void
finish(struct aw_store_be *be, struct aw_sql_stmt *s)
{
    be->queries++;
    aw_sql_reset(s);
}

/* Runs a statement that returns no rows. */
static enum aw_err
run(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what)
{
    enum aw_err rc = AW_OK;
    int r = step(be, s);

    if (r != AW_SQL_DONE && r != AW_SQL_ROW)
        rc = fail(be, what, r);
    finish(be, s);
    return rc;
}

/* Runs a statement whose first column of its first row is an id. *found
 * tells whether there was a row. */
static enum aw_err
run_id(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what, int64_t *id, bool *found)
{
    enum aw_err rc = AW_OK;
    int r = step(be, s);

    *found = false;
    if (r == AW_SQL_ROW) {
        *id = aw_sql_int64(s, 0);
        *found = true;
        while ((r = step(be, s)) == AW_SQL_ROW)
            ;
    }
    if (r != AW_SQL_DONE)
        rc = fail(be, what, r);
    finish(be, s);
    return rc;
}

/* Runs a statement that returns no rows; *changed gets the number of rows
 * it inserted, updated or deleted. */
static enum aw_err
run_changes(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what, int *changed)
{
    enum aw_err rc = AW_OK;
    int r = step(be, s);

    *changed = 0;
    if (r == AW_SQL_DONE)
        *changed = (int)aw_sql_changes(be->db);
    else
        rc = fail(be, what, r);
    finish(be, s);
    return rc;
}

/* After a failed write: AW_EEXIST for a UNIQUE or PRIMARY KEY violation
 * (a duplicate), else rc. */
static enum aw_err
dup_or(struct aw_store_be *be, enum aw_err rc)
{
    if (rc == AW_EINVAL && aw_sql_fault(be->db) == AW_SQL_F_UNIQUE)
        rc = AW_EEXIST;
    return rc;
}

/* A put that writes several rows is all or nothing, inside or outside a
 * transaction: savepoint_begin() before, savepoint_end() with its result. */
static enum aw_err
savepoint_begin(struct aw_store_be *be)
{
    return fail_rc(be, "savepoint", aw_sql_savepoint(be->db));
}

static enum aw_err
savepoint_end(struct aw_store_be *be, enum aw_err rc)
{
    /* undone: be->errmsg keeps the failure, which fail() copied when it came */
    if (rc != AW_OK)
        aw_sql_savepoint_end(be->db, false);
    else
        rc = fail_rc(be, "release savepoint", aw_sql_savepoint_end(be->db, true));
    return rc;
}

/* Column i as an arena string; NULL for SQL NULL. */
static const char *
col_str(struct aw_arena *a, struct aw_sql_stmt *s, int i)
{
    const char *t = aw_sql_text(s, i);
    if (t == NULL)
        return NULL;
    return aw_arena_strndup(a, t, aw_sql_bytes(s, i));
}

/* The same, with "" also read as NULL (optional text). */
static const char *
col_str_nonempty(struct aw_arena *a, struct aw_sql_stmt *s, int i)
{
    const char *v = col_str(a, s, i);
    return (v != NULL && v[0] == '\0') ? NULL : v;
}

/* An array of n elements of size bytes with room for one more. */
static void *
grow(struct aw_arena *a, void *old, size_t *cap, size_t n, size_t size)
{
    void *p = old;

    if (n < *cap)
        goto out;
    *cap = *cap ? *cap * 2 : 8;
    p = aw_arena_calloc(a, *cap, size);
    if (n > 0)
        memcpy(p, old, n * size);
out:
    return p;
}

/* Fills the zeroed element elem from the current row of s; ctx is what the
 * caller of read_rows() passed along (may be NULL). */
typedef void row_fn(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem);

/* Runs a statement bound by the caller and reads every row into an arena
 * array of elements of size bytes, each zeroed and then filled by row();
 * "what" names the list in the error message. *out and *n are set only on
 * success. Finishes s. */
static enum aw_err
read_rows(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s, const char *what,
          size_t size, row_fn *row, const void *ctx, void **out, size_t *n)
{
    enum aw_err rc = AW_OK;
    unsigned char *v = NULL;
    size_t cap = 0, len = 0;
    int r;

    while ((r = step(be, s)) == AW_SQL_ROW) {
        v = grow(a, v, &cap, len, size);
        memset(v + len * size, 0, size);
        row(a, s, ctx, v + len * size);
        len++;
    }
    if (r != AW_SQL_DONE) {
        rc = fail(be, what, r);
        goto out;
    }
    *out = v;
    *n = len;
out:
    finish(be, s);
    return rc;
}

static void
row_string(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    const char **v = elem;

    (void)ctx;
    *v = col_str(a, s, 0);
}

/* Rows of a one-column statement keyed by ?1 = id, as an arena array. */
static enum aw_err
read_strings(struct aw_store_be *be, struct aw_arena *a, enum stmt_id sid, int64_t id,
             const char ***out, size_t *n)
{
    enum aw_err rc;
    void *v = NULL;
    size_t len = 0;

    b_int(be, be->stmt[sid], 1, id);
    rc = read_rows(be, a, be->stmt[sid], "reading a list", sizeof(**out), row_string, NULL, &v,
                   &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

/* Splits "a;b;c" (blanks around items dropped) into an arena array. */
static void
split_list(struct aw_arena *a, const char *s, const char ***out, size_t *n)
{
    const char **v = NULL;
    size_t cap = 0, len = 0;

    while (s != NULL && *s != '\0') {
        const char *end = strchr(s, ';');
        size_t l = end ? (size_t)(end - s) : strlen(s);
        const char *b = s, *e = s + l;
        while (b < e && *b == ' ')
            b++;
        while (e > b && e[-1] == ' ')
            e--;
        if (e > b) {
            v = grow(a, v, &cap, len, sizeof(*v));
            v[len++] = aw_arena_strndup(a, b, (size_t)(e - b));
        }
        s = end ? end + 1 : s + l;
    }
    *out = v;
    *n = len;
}

static const char *
pick_name(const char *lang, const char *en, const char *fr)
{
    if (lang != NULL && strcmp(lang, "fr") == 0 && fr != NULL && fr[0] != '\0')
        return fr;
    return en;
}

static enum aw_err
edition_id(struct aw_store_be *be, int year, int64_t *id)
{
    enum aw_err rc;
    bool found;
    struct aw_sql_stmt *s = be->stmt[S_EDITION_ID];

    b_int(be, s, 1, year);
    rc = run_id(be, s, "looking up an edition", id, &found);
    if (rc == AW_OK && !found) {
        snprintf(be->errmsg, sizeof(be->errmsg), "no edition %d", year);
        rc = AW_ENOTFOUND;
    }
    return rc;
}

/* The slugs tried for a new row, in order: the slug of base, then base-2,
 * base-3... (try 1, 2, 3...), each within AW_SLUG_MAX. */
#define SLUG_TRIES 10000
static void
slug_try(const char *stem, int i, char *out, size_t outlen)
{
    if (i <= 1) {
        snprintf(out, outlen, "%s", stem);
        return;
    }
    int room = AW_SLUG_MAX - snprintf(NULL, 0, "-%d", i);
    snprintf(out, outlen, "%.*s-%d", room, stem, i);
}

static enum aw_err
no_free_slug(struct aw_store_be *be, const char *stem)
{
    snprintf(be->errmsg, sizeof(be->errmsg), "no free slug for \"%s\"", stem);
    return AW_EEXIST;
}

/* ---- open, migrations, close ---- */

static const char *
share_dir(void)
{
    const char *d = getenv("AWAREDAY_SHARE_DIR");
    return (d != NULL && d[0] != '\0') ? d : AW_SHARE_DIR;
}

/* "NNN_name.sql": the migration number, or -1. */
static int
migration_number(const char *name)
{
    size_t len = strlen(name);
    int v = 0;

    if (len < 9 || strcmp(name + len - 4, ".sql") != 0 || name[3] != '_')
        return -1;
    for (int i = 0; i < 3; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

static int
migration_filter(const struct dirent *d)
{
    return migration_number(d->d_name) > 0;
}

static enum aw_err
exec_sql(struct aw_store_be *be, const char *text, const char *what, char *err, size_t errlen)
{
    enum aw_err rc = aw_sql_exec(be->db, text);
    if (rc != AW_OK)
        snprintf(err, errlen, "%s: %s", what, aw_sql_errmsg(be->db));
    return rc;
}

/* The version recorded in schema_version, read with a one-off statement
 * (the persistent ones are prepared after the migrations). */
static enum aw_err
read_version(struct aw_store_be *be, int *version, char *err, size_t errlen)
{
    struct aw_sql_stmt *s = NULL;
    enum aw_err rc = aw_sql_prepare(be->db, sql[S_VERSION], &s);

    *version = 0;
    if (rc == AW_OK && aw_sql_step(s) != AW_SQL_ROW)
        rc = AW_EDB;
    if (rc != AW_OK)
        snprintf(err, errlen, "reading schema_version: %s", aw_sql_errmsg(be->db));
    else
        *version = aw_sql_int(s, 0);
    aw_sql_finalize(s);
    return rc;
}

static enum aw_err
apply_migration(struct aw_store_be *be, const char *dir, const char *name, int number, char *err,
                size_t errlen)
{
    enum aw_err rc = AW_OK;
    char path[4400], what[4500], now[21];
    char *text = NULL;
    struct aw_sql_stmt *s = NULL;
    bool in_tx = false;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(what, sizeof(what), "migration %s", path);
    rc = aw_store__read_file(path, 4 * 1024 * 1024, &text, NULL);
    if (rc != AW_OK) {
        snprintf(err, errlen, "%s: cannot read: %s", path, aw_strerror(rc));
        goto out;
    }
    if ((rc = aw_sql_begin(be->db, true)) != AW_OK) {
        snprintf(err, errlen, "%s: %s", what, aw_sql_errmsg(be->db));
        goto out;
    }
    in_tx = true;
    rc = exec_sql(be, text, what, err, errlen);
    if (rc != AW_OK)
        goto out;
    aw_store__now(now);
    rc = aw_sql_prepare(be->db, "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
                        &s);
    if (rc == AW_OK) {
        aw_sql_bind_int(s, 1, number);
        aw_sql_bind_text(s, 2, now);
        if (aw_sql_step(s) != AW_SQL_DONE)
            rc = AW_EDB;
        aw_sql_reset(s);
    }
    if (rc != AW_OK) {
        snprintf(err, errlen, "%s: recording the version: %s", what, aw_sql_errmsg(be->db));
        goto out;
    }
    if ((rc = aw_sql_commit(be->db)) != AW_OK) {
        snprintf(err, errlen, "%s: %s", what, aw_sql_errmsg(be->db));
        goto out;
    }
    in_tx = false;
    AW_INFO("applied %s", what);
out:
    aw_sql_finalize(s);
    if (in_tx)
        aw_sql_rollback(be->db);
    free(text);
    return rc;
}

static enum aw_err
migrate(struct aw_store_be *be, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct dirent **names = NULL;
    char dir[4096];
    int n = -1, current = 0, last = 0;

    rc = exec_sql(be,
                  "CREATE TABLE IF NOT EXISTS schema_version ("
                  "version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)",
                  "creating schema_version", err, errlen);
    if (rc != AW_OK)
        goto out;
    rc = read_version(be, &current, err, errlen);
    if (rc != AW_OK)
        goto out;
    snprintf(dir, sizeof(dir), "%s/sql/%s", share_dir(), be->db->drv->dialect);
    n = scandir(dir, &names, migration_filter, alphasort);
    if (n < 0) {
        snprintf(err, errlen, "cannot read the migrations in %s: %s", dir, strerror(errno));
        rc = AW_ECONFIG;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        int number = migration_number(names[i]->d_name);
        if (number == last) {
            snprintf(err, errlen, "%s: two migrations numbered %03d", dir, number);
            rc = AW_ECONFIG;
            goto out;
        }
        last = number;
        if (number <= current)
            continue;
        rc = apply_migration(be, dir, names[i]->d_name, number, err, errlen);
        if (rc != AW_OK)
            goto out;
    }
out:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* The highest migration number of this awareday's dialect directory. */
static enum aw_err
latest_migration(struct aw_store_be *be, int *last, char *err, size_t errlen)
{
    struct dirent **names = NULL;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/sql/%s", share_dir(), be->db->drv->dialect);
    int n = scandir(dir, &names, migration_filter, alphasort);
    if (n < 0) {
        snprintf(err, errlen, "cannot read the migrations in %s: %s", dir, strerror(errno));
        return AW_ECONFIG;
    }
    *last = 0;
    for (int i = 0; i < n; i++) {
        int number = migration_number(names[i]->d_name);
        if (number > *last)
            *last = number;
        free(names[i]);
    }
    free(names);
    return AW_OK;
}

/* Without migrations (serve, the mailer), the database must be at this
 * awareday's schema exactly: an older one has not been migrated (its
 * statements might prepare and still mean something else), a newer one
 * belongs to a newer awareday. docs/DEPLOY.md, "Upgrades". */
static enum aw_err
check_version(struct aw_store_be *be, const char *target, char *err, size_t errlen)
{
    int current = 0, last = 0;
    enum aw_err rc = read_version(be, &current, err, errlen);
    if (rc != AW_OK) {
        size_t len = strlen(err);
        snprintf(err + len, errlen - len, " (no awareday schema here? `awareday init` makes it)");
        return rc;
    }
    if ((rc = latest_migration(be, &last, err, errlen)) != AW_OK)
        return rc;
    if (current < last) {
        snprintf(err, errlen,
                 "%s: the database is at schema version %d and this awareday needs %d: run "
                 "`awareday init` with this database to apply the migrations",
                 target, current, last);
        return AW_ECONFIG;
    }
    if (current > last) {
        snprintf(err, errlen,
                 "%s: the database is at schema version %d, newer than this awareday's %d: "
                 "run the awareday that migrated it",
                 target, current, last);
        return AW_ECONFIG;
    }
    return AW_OK;
}

static void
be_close(struct aw_store_be *be)
{
    if (be == NULL)
        return;
    for (int i = 0; i < S_COUNT; i++)
        aw_sql_finalize(be->stmt[i]);
    aw_sql_close(be->db); /* rolls back an open transaction */
    free(be);
}

static const struct aw_store_ops sql_ops;

enum aw_err
aw_store__sql_open(const struct aw_sql_driver *drv, const char *target, bool create,
                   bool migrate_now, bool readonly, const struct aw_store_ops **ops,
                   struct aw_store_be **out, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct aw_store_be *be = NULL;
    int64_t version = 0;
    bool found = false;

    *out = NULL;
    be = calloc(1, sizeof(*be));
    if (be == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = AW_ENOMEM;
        goto out;
    }
    if ((rc = drv->open(target, create, readonly, &be->db, err, errlen)) != AW_OK)
        goto out;
    if (readonly)
        migrate_now = false;
    rc = migrate_now ? migrate(be, err, errlen) : check_version(be, target, err, errlen);
    if (rc != AW_OK)
        goto out;
    for (int i = 0; i < S_COUNT; i++) {
        const char *text = sql_text(drv->dialect, i);
        if (aw_sql_prepare(be->db, text, &be->stmt[i]) != AW_OK) {
            snprintf(err, errlen, "%s: preparing \"%.48s...\": %s%s", target, text,
                     aw_sql_errmsg(be->db),
                     migrate_now ? "" : " (is the schema missing? open with migrations)");
            rc = AW_EDB;
            goto out;
        }
    }
    rc = run_id(be, be->stmt[S_VERSION], "reading schema_version", &version, &found);
    if (rc != AW_OK) {
        snprintf(err, errlen, "%s", be->errmsg);
        goto out;
    }
    be->version = (int)version;
    *ops = &sql_ops;
    *out = be;
    be = NULL;
out:
    be_close(be);
    return rc;
}

static int
be_schema_version(struct aw_store_be *be)
{
    return be->version;
}

static const char *
be_errmsg(struct aw_store_be *be)
{
    return be->errmsg;
}

static int64_t
be_queries(struct aw_store_be *be)
{
    return be->queries;
}

static bool
be_lost(struct aw_store_be *be)
{
    return aw_sql_lost(be->db);
}

/* ---- countries ---- */

/* A row_fn: ctx is the language. */
static void
read_country(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    const char *lang = ctx;
    struct aw_country *c = elem;
    const char *code = aw_sql_text(s, 0);

    memset(c, 0, sizeof(*c));
    snprintf(c->code, sizeof(c->code), "%s", code ? (const char *)code : "");
    c->name_en = col_str(a, s, 1);
    c->name_fr = col_str_nonempty(a, s, 2);
    c->name = pick_name(lang, c->name_en, c->name_fr);
    c->coe_member = aw_sql_int(s, 3) != 0;
    c->coe_joined_year = aw_sql_int(s, 4);
    c->coe_left_year = aw_sql_int(s, 5);
    c->lanzarote_year = aw_sql_int(s, 6);
}

static enum aw_err
be_countries(struct aw_store_be *be, struct aw_arena *a, const char *lang, struct aw_country **out,
             size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc = read_rows(be, a, be->stmt[S_COUNTRIES], "countries", sizeof(**out),
                               read_country, lang, &v, &len);

    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

static enum aw_err
be_country(struct aw_store_be *be, struct aw_arena *a, const char *lang, const char *code,
           struct aw_country *out)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_COUNTRY];
    int r;

    b_text(be, s, 1, code);
    r = step(be, s);
    if (r == AW_SQL_ROW)
        read_country(a, s, lang, out);
    else if (r == AW_SQL_DONE)
        rc = AW_ENOTFOUND;
    else
        rc = fail(be, "country", r);
    finish(be, s);
    return rc;
}

static enum aw_err
be_put_country(struct aw_store_be *be, const struct aw_country *c)
{
    struct aw_sql_stmt *s = be->stmt[S_PUT_COUNTRY];

    b_text(be, s, 1, c->code);
    b_text(be, s, 2, c->name_en);
    b_text(be, s, 3, (c->name_fr && c->name_fr[0]) ? c->name_fr : NULL);
    b_int(be, s, 4, c->coe_member ? 1 : 0);
    b_int_if(be, s, 5, c->coe_joined_year > 0, c->coe_joined_year);
    b_int_if(be, s, 6, c->coe_left_year > 0, c->coe_left_year);
    b_int_if(be, s, 7, c->lanzarote_year > 0, c->lanzarote_year);
    return run(be, s, "put_country");
}

/* ---- editions ---- */

static void
read_edition(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_edition *e = elem;

    (void)ctx;
    memset(e, 0, sizeof(*e));
    e->id = aw_sql_int64(s, 0);
    e->year = aw_sql_int(s, 1);
    e->number = aw_sql_int(s, 2);
    e->theme = col_str_nonempty(a, s, 3);
    e->theme_why = col_str_nonempty(a, s, 4);
    e->invitation = col_str_nonempty(a, s, 5);
    e->js_supported_count = aw_sql_is_null(s, 6) ? -1 : aw_sql_int(s, 6);
    e->activity_count = aw_sql_int(s, 7);
}

static enum aw_err
fill_issuers(struct aw_store_be *be, struct aw_arena *a, struct aw_edition *e, size_t n)
{
    enum aw_err rc = AW_OK;

    for (size_t i = 0; i < n && rc == AW_OK; i++)
        rc = read_strings(be, a, S_EDITION_ISSUERS, e[i].id, &e[i].js_issued_by, &e[i].js_issued_n);
    return rc;
}

static enum aw_err
be_editions(struct aw_store_be *be, struct aw_arena *a, const char *lang, struct aw_edition **out,
            size_t *n)
{
    enum aw_err rc;
    void *v = NULL;
    size_t len = 0;

    (void)lang; /* themes are stored in English only for now */
    rc = read_rows(be, a, be->stmt[S_EDITIONS], "editions", sizeof(**out), read_edition, NULL, &v,
                   &len);
    if (rc == AW_OK)
        rc = fill_issuers(be, a, v, len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

/* One edition from S_EDITION or S_EDITION_CURRENT bound to year. */
static enum aw_err
one_edition(struct aw_store_be *be, struct aw_arena *a, enum stmt_id sid, int year,
            struct aw_edition *out)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[sid];
    int r;

    b_int(be, s, 1, year);
    r = step(be, s);
    if (r == AW_SQL_DONE) {
        rc = AW_ENOTFOUND;
        goto out;
    }
    if (r != AW_SQL_ROW) {
        rc = fail(be, "edition", r);
        goto out;
    }
    read_edition(a, s, NULL, out);
    finish(be, s);
    rc = fill_issuers(be, a, out, 1);
out:
    finish(be, s);
    return rc;
}

static enum aw_err
be_edition(struct aw_store_be *be, struct aw_arena *a, const char *lang, int year,
           struct aw_edition *out)
{
    (void)lang;
    return one_edition(be, a, S_EDITION, year, out);
}

static enum aw_err
be_edition_current(struct aw_store_be *be, struct aw_arena *a, const char *lang, int year,
                   struct aw_edition *out)
{
    (void)lang;
    return one_edition(be, a, S_EDITION_CURRENT, year, out);
}

static enum aw_err
edition_rows(struct aw_store_be *be, const struct aw_edition *e)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_PUT_EDITION];
    int64_t id = 0;
    bool found;

    b_int(be, s, 1, e->year);
    b_int(be, s, 2, e->number);
    b_text(be, s, 3, e->theme);
    b_text(be, s, 4, e->theme_why);
    b_text(be, s, 5, e->invitation);
    b_int_if(be, s, 6, e->js_supported_count >= 0, e->js_supported_count);
    rc = run_id(be, s, "put_edition", &id, &found);
    if (rc != AW_OK)
        goto out;
    b_int(be, be->stmt[S_DEL_ISSUERS], 1, id);
    rc = run(be, be->stmt[S_DEL_ISSUERS], "put_edition: issuers");
    for (size_t i = 0; i < e->js_issued_n && rc == AW_OK; i++) {
        s = be->stmt[S_ADD_ISSUER];
        b_int(be, s, 1, id);
        b_int(be, s, 2, (int64_t)i);
        b_text(be, s, 3, e->js_issued_by[i]);
        rc = run(be, s, "put_edition: issuer");
    }
out:
    return rc;
}

static enum aw_err
be_put_edition(struct aw_store_be *be, const struct aw_edition *e)
{
    enum aw_err rc = savepoint_begin(be);

    if (rc == AW_OK)
        rc = savepoint_end(be, edition_rows(be, e));
    return rc;
}

/* ---- organisations ---- */

/* Six columns from k: id, slug, name, kind, country_code, website. */
static void
read_org(struct aw_arena *a, struct aw_sql_stmt *s, int k, struct aw_org *o)
{
    const char *kind = aw_sql_text(s, k + 3);

    o->id = aw_sql_int64(s, k);
    o->slug = col_str(a, s, k + 1);
    o->name = col_str(a, s, k + 2);
    if (kind == NULL || aw_org_kind_parse((const char *)kind, &o->kind) != 0)
        o->kind = AW_ORG_OTHER;
    o->country_code = col_str_nonempty(a, s, k + 4);
    o->website = col_str_nonempty(a, s, k + 5);
}

static enum aw_err
be_org(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_org *out)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_ORG];
    int r;

    b_int(be, s, 1, id);
    r = step(be, s);
    if (r == AW_SQL_ROW)
        read_org(a, s, 0, out);
    else if (r == AW_SQL_DONE)
        rc = AW_ENOTFOUND;
    else
        rc = fail(be, "org", r);
    finish(be, s);
    return rc;
}

static enum aw_err
be_put_org(struct aw_store_be *be, const struct aw_org *o, int64_t *id)
{
    enum aw_err rc = AW_OK;
    char stem[AW_SLUG_MAX + 1], slug[AW_SLUG_MAX + 1];
    int64_t rid = 0;
    bool found = false;
    const char *kind = aw_org_kind_str(o->kind);

    if (o->name == NULL || o->name[0] == '\0' || kind == NULL) {
        snprintf(be->errmsg, sizeof(be->errmsg), "put_org: a name and a valid kind are needed");
        return AW_EINVAL;
    }
    aw_store__slugify((o->slug && o->slug[0]) ? o->slug : o->name, stem, sizeof(stem));
    for (int i = 1; i <= SLUG_TRIES && rc == AW_OK && !found; i++) {
        /* the existing row (an update keeps its slug), else a new one */
        struct aw_sql_stmt *s = be->stmt[S_ORG_UPDATE];
        b_text(be, s, 1, o->name);
        b_text(be, s, 2, o->country_code);
        b_text(be, s, 3, kind);
        b_text(be, s, 4, o->website);
        rc = run_id(be, s, "put_org", &rid, &found);
        if (rc != AW_OK || found)
            break;
        s = be->stmt[S_ORG_INSERT];
        slug_try(stem, i, slug, sizeof(slug));
        b_text(be, s, 1, slug);
        b_text(be, s, 2, o->name);
        b_text(be, s, 3, kind);
        b_text(be, s, 4, o->country_code);
        b_text(be, s, 5, o->website);
        /* no row: the slug was taken, or the same organisation was just
         * inserted by another connection (the next round updates it) */
        rc = run_id(be, s, "put_org", &rid, &found);
    }
    if (rc == AW_OK && !found)
        rc = no_free_slug(be, stem);
    if (rc == AW_OK && id != NULL)
        *id = rid;
    return rc;
}

/* ---- activities ---- */

static void
read_activity(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_activity *act = elem;

    (void)ctx;
    memset(act, 0, sizeof(*act));
    act->id = aw_sql_int64(s, 0);
    act->slug = col_str(a, s, 1);
    act->edition_year = aw_sql_int(s, 2);
    read_org(a, s, 3, &act->org);
    act->country_code = col_str_nonempty(a, s, 9);
    act->title = col_str(a, s, 10);
    act->summary = col_str(a, s, 11);
    act->start_date = col_str_nonempty(a, s, 12);
    act->end_date = col_str_nonempty(a, s, 13);
    act->place = col_str_nonempty(a, s, 14);
    act->online = aw_sql_int(s, 15) != 0;
}

/* An activity's id and its place in the list, sorted by id to find it. */
struct by_id {
    int64_t id;
    size_t at;
};

static int
cmp_by_id(const void *x, const void *y)
{
    int64_t a = ((const struct by_id *)x)->id, b = ((const struct by_id *)y)->id;
    return (a > b) - (a < b);
}

static struct aw_activity *
activity_of(struct aw_activity *v, const struct by_id *order, size_t n, int64_t id)
{
    struct by_id key = {id, 0};
    const struct by_id *hit = bsearch(&key, order, n, sizeof(*order), cmp_by_id);
    return hit ? &v[hit->at] : NULL;
}

/* One child list of every activity of v: rows (activity_id, value...) in
 * activity order, each run appended to its activity's array. */
static enum aw_err
fill_list(struct aw_store_be *be, struct aw_arena *a, enum stmt_id sid, const char *ids,
          struct aw_activity *v, const struct by_id *order, size_t n, size_t *caps)
{
    struct aw_sql_stmt *s = be->stmt[sid];
    enum aw_err rc = AW_OK;
    int r;

    memset(caps, 0, n * sizeof(*caps));
    b_text(be, s, 1, ids);
    while ((r = step(be, s)) == AW_SQL_ROW) {
        struct aw_activity *act = activity_of(v, order, n, aw_sql_int64(s, 0));
        if (act == NULL)
            continue;
        size_t *cap = &caps[act - v];
        if (sid == S_ACT_LINKS) {
            act->links = grow(a, (void *)act->links, cap, act->links_n, sizeof(*act->links));
            act->links[act->links_n++] =
                (struct aw_link){.label = col_str(a, s, 1), .url = col_str(a, s, 2)};
            continue;
        }
        const char ***list = sid == S_ACT_KINDS       ? &act->kinds
                             : sid == S_ACT_AUDIENCES ? &act->audiences
                                                      : &act->languages;
        size_t *len = sid == S_ACT_KINDS       ? &act->kinds_n
                      : sid == S_ACT_AUDIENCES ? &act->audiences_n
                                               : &act->languages_n;
        *list = grow(a, (void *)*list, cap, *len, sizeof(**list));
        (*list)[(*len)++] = col_str(a, s, 1);
    }
    if (r != AW_SQL_DONE)
        rc = fail(be, "reading the activities' lists", r);
    finish(be, s);
    return rc;
}

/* The one place where the multi-valued fields of activities are read: four
 * statements for the whole list (kinds, audiences, languages, links), not
 * four per activity: on PostgreSQL each statement is a round trip, and the
 * edition page ran 241 of them (docs/BENCHMARKS.md, "SQLite and
 * PostgreSQL"). */
static enum aw_err
fill_activities(struct aw_store_be *be, struct aw_arena *a, struct aw_activity *v, size_t n)
{
    static const enum stmt_id lists[] = {S_ACT_KINDS, S_ACT_AUDIENCES, S_ACT_LANGUAGES,
                                         S_ACT_LINKS};
    enum aw_err rc = AW_OK;

    if (n == 0)
        return AW_OK;
    struct by_id *order = aw_arena_calloc(a, n, sizeof(*order));
    size_t *caps = aw_arena_calloc(a, n, sizeof(*caps));
    struct aw_buf ids = AW_BUF_INIT(1u << 20);
    aw_buf_putc(&ids, '[');
    for (size_t i = 0; i < n; i++) {
        order[i] = (struct by_id){v[i].id, i};
        aw_buf_printf(&ids, "%s%lld", i ? "," : "", (long long)v[i].id);
    }
    aw_buf_putc(&ids, ']');
    if (aw_buf_err(&ids) != AW_OK) {
        aw_buf_free(&ids);
        snprintf(be->errmsg, sizeof(be->errmsg), "too many activities in one list");
        return AW_ETOOBIG;
    }
    qsort(order, n, sizeof(*order), cmp_by_id);
    const char *text = aw_arena_strdup(a, aw_buf_cstr(&ids));
    aw_buf_free(&ids);
    for (size_t i = 0; i < AW_NELEM(lists) && rc == AW_OK; i++)
        rc = fill_list(be, a, lists[i], text, v, order, n, caps);
    return rc;
}

/* Runs an activity query bound by the caller and reads every row. */
static enum aw_err
activity_list(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s,
              struct aw_activity **out, size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc =
        read_rows(be, a, s, "activities", sizeof(**out), read_activity, NULL, &v, &len);

    if (rc == AW_OK)
        rc = fill_activities(be, a, v, len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

static enum aw_err
be_activities_by_edition(struct aw_store_be *be, struct aw_arena *a, int year,
                         struct aw_activity **out, size_t *n)
{
    b_int(be, be->stmt[S_ACTS_BY_EDITION], 1, year);
    return activity_list(be, a, be->stmt[S_ACTS_BY_EDITION], out, n);
}

static enum aw_err
be_activities_by_country(struct aw_store_be *be, struct aw_arena *a, const char *code,
                         struct aw_activity **out, size_t *n)
{
    b_text(be, be->stmt[S_ACTS_BY_COUNTRY], 1, code);
    return activity_list(be, a, be->stmt[S_ACTS_BY_COUNTRY], out, n);
}

static enum aw_err
be_activities_by_org(struct aw_store_be *be, struct aw_arena *a, int64_t org_id,
                     struct aw_activity **out, size_t *n)
{
    b_int(be, be->stmt[S_ACTS_BY_ORG], 1, org_id);
    return activity_list(be, a, be->stmt[S_ACTS_BY_ORG], out, n);
}

static enum aw_err
be_activity(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_activity *out)
{
    enum aw_err rc;
    struct aw_activity *v = NULL;
    size_t n = 0;

    b_int(be, be->stmt[S_ACT], 1, id);
    rc = activity_list(be, a, be->stmt[S_ACT], &v, &n);
    if (rc == AW_OK && n == 0)
        rc = AW_ENOTFOUND;
    if (rc == AW_OK)
        *out = v[0];
    return rc;
}

/* Replaces the rows of one child list (kinds, audiences or languages). */
static enum aw_err
put_strings(struct aw_store_be *be, enum stmt_id del, enum stmt_id add, int64_t id,
            const char *const *v, size_t n)
{
    enum aw_err rc;

    b_int(be, be->stmt[del], 1, id);
    rc = run(be, be->stmt[del], "replacing a list");
    for (size_t i = 0; i < n && rc == AW_OK; i++) {
        b_int(be, be->stmt[add], 1, id);
        b_int(be, be->stmt[add], 2, (int64_t)i);
        b_text(be, be->stmt[add], 3, v[i]);
        rc = run(be, be->stmt[add], "adding to a list");
    }
    return rc;
}

static enum aw_err
put_activity_children(struct aw_store_be *be, int64_t id, const struct aw_activity *act)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_ACT_ADD_LINK];

    rc = put_strings(be, S_ACT_DEL_KINDS, S_ACT_ADD_KIND, id, act->kinds, act->kinds_n);
    if (rc == AW_OK)
        rc = put_strings(be, S_ACT_DEL_AUDIENCES, S_ACT_ADD_AUDIENCE, id, act->audiences,
                         act->audiences_n);
    if (rc == AW_OK)
        rc = put_strings(be, S_ACT_DEL_LANGUAGES, S_ACT_ADD_LANGUAGE, id, act->languages,
                         act->languages_n);
    if (rc == AW_OK) {
        b_int(be, be->stmt[S_ACT_DEL_LINKS], 1, id);
        rc = run(be, be->stmt[S_ACT_DEL_LINKS], "put_activity: links");
    }
    for (size_t i = 0; i < act->links_n && rc == AW_OK; i++) {
        b_int(be, s, 1, id);
        b_int(be, s, 2, (int64_t)i);
        b_text(be, s, 3, act->links[i].label ? act->links[i].label : "");
        b_text(be, s, 4, act->links[i].url);
        rc = run(be, s, "put_activity: link");
    }
    return rc;
}

/* ?2..?12 of S_ACT_INSERT and S_ACT_UPDATE. */
static void
bind_activity(struct aw_store_be *be, struct aw_sql_stmt *s, const struct aw_activity *act,
              int64_t ed, const char *status, const char *now)
{
    b_int(be, s, 2, ed);
    b_int(be, s, 3, act->org.id);
    b_text(be, s, 4, act->country_code);
    b_text(be, s, 5, act->title);
    b_text(be, s, 6, act->summary ? act->summary : "");
    b_text(be, s, 7, act->start_date);
    b_text(be, s, 8, act->end_date);
    b_text(be, s, 9, act->place);
    b_int(be, s, 10, act->online ? 1 : 0);
    b_text(be, s, 11, status);
    b_text(be, s, 12, now);
}

static enum aw_err
activity_rows(struct aw_store_be *be, const struct aw_activity *act, const char *source_key,
              bool published, int64_t *id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s;
    int64_t ed = 0, rid = 0;
    bool found = false;
    char now[21], slug[AW_SLUG_MAX + 1];
    const char *status = published ? "published" : "pending";

    if (act->org.id <= 0 || act->title == NULL) {
        snprintf(be->errmsg, sizeof(be->errmsg), "put_activity: org.id and title are needed");
        rc = AW_EINVAL;
        goto out;
    }
    rc = edition_id(be, act->edition_year, &ed);
    if (rc != AW_OK)
        goto out;
    if (source_key != NULL) {
        b_text(be, be->stmt[S_ACT_BY_SOURCE], 1, source_key);
        rc = run_id(be, be->stmt[S_ACT_BY_SOURCE], "put_activity", &rid, &found);
    } else if (act->id > 0) {
        b_int(be, be->stmt[S_ACT_BY_ID], 1, act->id);
        rc = run_id(be, be->stmt[S_ACT_BY_ID], "put_activity", &rid, &found);
        if (rc == AW_OK && !found) {
            snprintf(be->errmsg, sizeof(be->errmsg), "put_activity: no activity %lld",
                     (long long)act->id);
            rc = AW_ENOTFOUND;
        }
    }
    if (rc != AW_OK)
        goto out;
    aw_store__now(now);
    if (found) {
        s = be->stmt[S_ACT_UPDATE];
        b_int(be, s, 1, rid);
        bind_activity(be, s, act, ed, status, now);
        rc = run(be, s, "put_activity");
    } else {
        /* the first free slug, as the unique constraint says (no probe) */
        char stem[AW_SLUG_MAX + 1];
        aw_store__slugify((act->slug && act->slug[0]) ? act->slug : act->title, stem, sizeof(stem));
        for (int i = 1; i <= SLUG_TRIES && rc == AW_OK && !found; i++) {
            s = be->stmt[S_ACT_INSERT];
            slug_try(stem, i, slug, sizeof(slug));
            b_text(be, s, 1, slug);
            b_text(be, s, 13, source_key);
            bind_activity(be, s, act, ed, status, now);
            rc = run_id(be, s, "put_activity", &rid, &found);
        }
        if (rc == AW_OK && !found)
            rc = no_free_slug(be, stem);
    }
    if (rc != AW_OK)
        goto out;
    rc = put_activity_children(be, rid, act);
    if (rc != AW_OK)
        goto out;
    if (id != NULL)
        *id = rid;
out:
    return rc;
}

static enum aw_err
be_put_activity(struct aw_store_be *be, const struct aw_activity *act, const char *source_key,
                bool published, int64_t *id)
{
    enum aw_err rc = savepoint_begin(be);

    if (rc == AW_OK)
        rc = savepoint_end(be, activity_rows(be, act, source_key, published, id));
    return rc;
}

/* ---- tools, statements, documents ---- */

static void
read_tool(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_tool *t = elem;

    (void)ctx;
    t->id = aw_sql_int64(s, 0);
    t->kind = col_str(a, s, 1);
    t->title = col_str(a, s, 2);
    t->description = col_str_nonempty(a, s, 3);
    t->url = col_str_nonempty(a, s, 4);
}

static enum aw_err
be_tools(struct aw_store_be *be, struct aw_arena *a, int year, struct aw_tool **out, size_t *n)
{
    enum aw_err rc;
    struct aw_tool *v = NULL;
    void *rows = NULL;
    size_t len = 0;

    b_int(be, be->stmt[S_TOOLS], 1, year);
    rc = read_rows(be, a, be->stmt[S_TOOLS], "tools", sizeof(*v), read_tool, NULL, &rows, &len);
    v = rows;
    for (size_t i = 0; i < len && rc == AW_OK; i++)
        rc = read_strings(be, a, S_TOOL_LANGUAGES, v[i].id, &v[i].languages, &v[i].languages_n);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

static enum aw_err
tool_rows(struct aw_store_be *be, int year, const struct aw_tool *t, int64_t *id)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_PUT_TOOL];
    int64_t ed = 0, rid = 0;
    bool found;

    rc = edition_id(be, year, &ed);
    if (rc != AW_OK)
        goto out;
    b_int(be, s, 1, ed);
    b_text(be, s, 2, t->kind);
    b_text(be, s, 3, t->title);
    b_text(be, s, 4, t->description);
    b_text(be, s, 5, t->url);
    rc = run_id(be, s, "put_tool", &rid, &found);
    if (rc != AW_OK)
        goto out;
    rc = put_strings(be, S_TOOL_DEL_LANGUAGES, S_TOOL_ADD_LANGUAGE, rid, t->languages,
                     t->languages_n);
    if (rc != AW_OK)
        goto out;
    if (id != NULL)
        *id = rid;
out:
    return rc;
}

static enum aw_err
be_put_tool(struct aw_store_be *be, int year, const struct aw_tool *t, int64_t *id)
{
    enum aw_err rc = savepoint_begin(be);

    if (rc == AW_OK)
        rc = savepoint_end(be, tool_rows(be, year, t, id));
    return rc;
}

static void
read_statement(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_statement *st = elem;

    (void)ctx;
    st->id = aw_sql_int64(s, 0);
    st->edition_year = aw_sql_int(s, 1);
    st->speaker = col_str_nonempty(a, s, 2);
    st->speaker_role = col_str_nonempty(a, s, 3);
    read_org(a, s, 4, &st->org);
    st->summary = col_str(a, s, 10);
    st->url = col_str_nonempty(a, s, 11);
}

static enum aw_err
be_statements(struct aw_store_be *be, struct aw_arena *a, int year, struct aw_statement **out,
              size_t *n)
{
    enum aw_err rc;
    void *v = NULL;
    size_t len = 0;

    b_int(be, be->stmt[S_STATEMENTS], 1, year);
    rc = read_rows(be, a, be->stmt[S_STATEMENTS], "statements", sizeof(**out), read_statement, NULL,
                   &v, &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

static enum aw_err
be_put_statement(struct aw_store_be *be, const struct aw_statement *st, int64_t *id)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_PUT_STATEMENT];
    int64_t ed = 0, rid = 0;
    bool found;

    rc = edition_id(be, st->edition_year, &ed);
    if (rc != AW_OK)
        goto out;
    b_int(be, s, 1, ed);
    b_int(be, s, 2, st->org.id);
    b_text(be, s, 3, st->speaker ? st->speaker : "");
    b_text(be, s, 4, st->speaker_role);
    b_text(be, s, 5, st->summary ? st->summary : "");
    b_text(be, s, 6, st->url);
    rc = run_id(be, s, "put_statement", &rid, &found);
    if (rc == AW_OK && id != NULL)
        *id = rid;
out:
    return rc;
}

static void
read_document(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_document *d = elem;

    (void)ctx;
    d->id = aw_sql_int64(s, 0);
    d->edition_year = aw_sql_int(s, 1);
    d->title = col_str(a, s, 2);
    d->kind = col_str(a, s, 3);
    read_org(a, s, 4, &d->org);
    d->date = col_str_nonempty(a, s, 10);
    d->url = col_str_nonempty(a, s, 11);
}

static enum aw_err
be_documents(struct aw_store_be *be, struct aw_arena *a, int year, struct aw_document **out,
             size_t *n)
{
    enum aw_err rc;
    void *v = NULL;
    size_t len = 0;

    b_int(be, be->stmt[S_DOCUMENTS], 1, year);
    rc = read_rows(be, a, be->stmt[S_DOCUMENTS], "documents", sizeof(**out), read_document, NULL,
                   &v, &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

static enum aw_err
be_put_document(struct aw_store_be *be, const struct aw_document *d, int64_t *id)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_PUT_DOCUMENT];
    int64_t ed = 0, rid = 0;
    bool found;

    rc = edition_id(be, d->edition_year, &ed);
    if (rc != AW_OK)
        goto out;
    b_int(be, s, 1, ed);
    b_int(be, s, 2, d->org.id);
    b_text(be, s, 3, d->kind ? d->kind : "other");
    b_text(be, s, 4, d->title);
    b_text(be, s, 5, d->date);
    b_text(be, s, 6, d->url);
    rc = run_id(be, s, "put_document", &rid, &found);
    if (rc == AW_OK && id != NULL)
        *id = rid;
out:
    return rc;
}

/* ---- help services ---- */

static void
read_help_service(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_help_service *h = elem;
    const char *cc = aw_sql_text(s, 1);
    const char *kind = aw_sql_text(s, 2);

    (void)ctx;
    h->id = aw_sql_int64(s, 0);
    snprintf(h->country_code, sizeof(h->country_code), "%s", cc ? (const char *)cc : "");
    if (kind == NULL || aw_help_kind_parse((const char *)kind, &h->kind) != 0)
        h->kind = AW_HELP_HELPLINE;
    h->name = col_str(a, s, 3);
    h->organisation = col_str(a, s, 4);
    h->url = col_str_nonempty(a, s, 5);
    h->phone = col_str_nonempty(a, s, 6);
    split_list(a, aw_sql_text(s, 7), &h->languages, &h->languages_n);
    h->source_url = col_str_nonempty(a, s, 8);
    h->confidence = col_str(a, s, 9);
    h->verified_at = col_str_nonempty(a, s, 10);
    h->verified_by = col_str_nonempty(a, s, 11);
    h->retired = !aw_sql_is_null(s, 12);
}

static enum aw_err
be_help_services(struct aw_store_be *be, struct aw_arena *a, const char *code,
                 bool include_unverified, struct aw_help_service **out, size_t *n)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[code ? S_HELP_COUNTRY : S_HELP_ALL];
    void *v = NULL;
    size_t len = 0;

    b_int(be, s, 1, include_unverified ? 1 : 0);
    if (code != NULL)
        b_text(be, s, 2, code);
    rc = read_rows(be, a, s, "help services", sizeof(**out), read_help_service, NULL, &v, &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

static enum aw_err
be_put_help_service(struct aw_store_be *be, const struct aw_help_service *h, int64_t *id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_PUT_HELP];
    struct aw_buf langs = AW_BUF_INIT(4096);
    char now[21], today[11];
    const char *kind = aw_help_kind_str(h->kind);
    int64_t rid = 0;
    bool found;

    if (kind == NULL || h->name == NULL || h->confidence == NULL) {
        snprintf(be->errmsg, sizeof(be->errmsg),
                 "put_help_service: a kind, a name and a confidence are needed");
        rc = AW_EINVAL;
        goto out;
    }
    for (size_t i = 0; i < h->languages_n; i++) {
        if (i > 0)
            aw_buf_putc(&langs, ';');
        aw_buf_puts(&langs, h->languages[i]);
    }
    if (aw_buf_err(&langs) != AW_OK) {
        snprintf(be->errmsg, sizeof(be->errmsg), "put_help_service: too many languages");
        rc = AW_ETOOBIG;
        goto out;
    }
    aw_store__now(now);
    aw_store__today(today);
    b_text(be, s, 1, h->country_code);
    b_text(be, s, 2, kind);
    b_text(be, s, 3, h->name);
    b_text(be, s, 4, h->organisation ? h->organisation : "");
    b_text(be, s, 5, h->url);
    b_text(be, s, 6, h->phone);
    b_text(be, s, 7, aw_buf_cstr(&langs));
    b_text(be, s, 8, h->source_url);
    b_text(be, s, 9, h->confidence);
    b_text(be, s, 10, h->verified_at);
    b_text(be, s, 11, h->verified_at ? h->verified_by : NULL);
    b_text(be, s, 12, h->retired ? today : NULL);
    b_text(be, s, 13, now);
    rc = run_id(be, s, "put_help_service", &rid, &found);
    if (rc != AW_OK)
        goto out;
    if (!found) {
        s = be->stmt[S_HELP_ID];
        b_text(be, s, 1, h->country_code);
        b_text(be, s, 2, kind);
        b_text(be, s, 3, h->name);
        rc = run_id(be, s, "put_help_service", &rid, &found);
        if (rc != AW_OK)
            goto out;
    }
    if (id != NULL)
        *id = rid;
out:
    aw_buf_free(&langs);
    return rc;
}

static enum aw_err
be_org_find(struct aw_store_be *be, struct aw_arena *a, const char *name, const char *country,
            struct aw_org *out)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_ORG_FIND];
    int r;

    b_text(be, s, 1, name);
    b_text(be, s, 2, (country && country[0]) ? country : NULL);
    r = step(be, s);
    if (r == AW_SQL_ROW)
        read_org(a, s, 0, out);
    else if (r == AW_SQL_DONE)
        rc = AW_ENOTFOUND;
    else
        rc = fail(be, "org_find", r);
    finish(be, s);
    return rc;
}

static void
row_org(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    (void)ctx;
    read_org(a, s, 0, elem);
}

static enum aw_err
be_orgs(struct aw_store_be *be, struct aw_arena *a, struct aw_org **out, size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc =
        read_rows(be, a, be->stmt[S_ORGS], "orgs", sizeof(**out), row_org, NULL, &v, &len);

    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

/* ======================================================================
 * Moderation, accounts, audit, mail (issue 3)
 * ====================================================================== */

/* The stored secret into out; *found tells whether there is one. */
static enum aw_err
secret_get(struct aw_store_be *be, char out[65], bool *found)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_SECRET_GET];
    int r = step(be, s);

    *found = false;
    if (r == AW_SQL_ROW) {
        const char *v = aw_sql_text(s, 0);
        snprintf(out, 65, "%s", v ? (const char *)v : "");
        *found = true;
    } else if (r != AW_SQL_DONE) {
        rc = fail(be, "secret", r);
    }
    finish(be, s);
    return rc;
}

static enum aw_err
be_secret(struct aw_store_be *be, const char *candidate_hex, char out[65])
{
    enum aw_err rc;
    bool found = false;

    rc = secret_get(be, out, &found);
    if (rc != AW_OK || found)
        goto out;
    /* another instance may win the race: read back whatever is stored */
    b_text(be, be->stmt[S_SECRET_PUT], 1, candidate_hex);
    rc = run(be, be->stmt[S_SECRET_PUT], "secret");
    if (rc == AW_OK)
        rc = secret_get(be, out, &found);
    if (rc == AW_OK && !found)
        rc = fail(be, "secret", AW_SQL_DONE);
out:
    return rc;
}

static enum aw_role
role_parse(const char *s)
{
    enum aw_role r;

    if (s == NULL || aw_role_parse(s, &r) != 0)
        r = AW_ROLE_FOCAL; /* cannot happen (CHECK): the least powerful role */
    return r;
}

/* Eight columns from 0: id, email, password_hash, role, country_code,
 * disabled, created_at, last_login_at. */
static void
read_user(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_user *u = elem;
    const char *cc = aw_sql_text(s, 4);

    (void)ctx;
    memset(u, 0, sizeof(*u));
    u->id = aw_sql_int64(s, 0);
    u->email = col_str(a, s, 1);
    u->password_hash = col_str(a, s, 2);
    u->role = role_parse(aw_sql_text(s, 3));
    snprintf(u->country_code, sizeof(u->country_code), "%s", cc ? (const char *)cc : "");
    u->disabled = aw_sql_int(s, 5) != 0;
    u->created_at = col_str(a, s, 6);
    u->last_login_at = col_str_nonempty(a, s, 7);
}

static enum aw_err
be_user_add(struct aw_store_be *be, const char *email, const char *pw_hash, enum aw_role role,
            const char *country, int64_t *id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_USER_ADD];
    const char *rs = aw_role_str(role);
    char now[21];
    int64_t rid = 0;
    bool found;

    if (email == NULL || email[0] == '\0' || pw_hash == NULL || rs == NULL) {
        snprintf(be->errmsg, sizeof(be->errmsg),
                 "user_add: an email, a password hash and a valid role are needed");
        rc = AW_EINVAL;
        goto out;
    }
    aw_store__now(now);
    b_text(be, s, 1, email);
    b_text(be, s, 2, pw_hash);
    b_text(be, s, 3, rs);
    b_text(be, s, 4, (country && country[0]) ? country : NULL);
    b_text(be, s, 5, now);
    rc = run_id(be, s, "user_add", &rid, &found);
    if (rc != AW_OK) {
        rc = dup_or(be, rc);
        goto out;
    }
    if (id != NULL)
        *id = rid;
out:
    return rc;
}

/* One user from a statement bound by the caller (S_USER_BY_*). */
static enum aw_err
one_user(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s, struct aw_user *out)
{
    enum aw_err rc = AW_OK;
    int r = step(be, s);

    if (r == AW_SQL_ROW)
        read_user(a, s, NULL, out);
    else if (r == AW_SQL_DONE)
        rc = AW_ENOTFOUND;
    else
        rc = fail(be, "user", r);
    finish(be, s);
    return rc;
}

static enum aw_err
be_user_by_email(struct aw_store_be *be, struct aw_arena *a, const char *email, struct aw_user *out)
{
    b_text(be, be->stmt[S_USER_BY_EMAIL], 1, email);
    return one_user(be, a, be->stmt[S_USER_BY_EMAIL], out);
}

static enum aw_err
be_user_by_id(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_user *out)
{
    b_int(be, be->stmt[S_USER_BY_ID], 1, id);
    return one_user(be, a, be->stmt[S_USER_BY_ID], out);
}

static enum aw_err
be_users(struct aw_store_be *be, struct aw_arena *a, struct aw_user **out, size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc =
        read_rows(be, a, be->stmt[S_USERS], "users", sizeof(**out), read_user, NULL, &v, &len);

    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

/* Runs an UPDATE bound by the caller whose ?1 is a row id: AW_ENOTFOUND when
 * no row changed. */
static enum aw_err
update_one(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what)
{
    int changed = 0;
    enum aw_err rc = run_changes(be, s, what, &changed);

    if (rc == AW_OK && changed == 0) {
        snprintf(be->errmsg, sizeof(be->errmsg), "%s: no such row", what);
        rc = AW_ENOTFOUND;
    }
    return rc;
}

static enum aw_err
be_user_set_disabled(struct aw_store_be *be, int64_t id, bool disabled)
{
    struct aw_sql_stmt *s = be->stmt[S_USER_DISABLE];

    b_int(be, s, 1, id);
    b_int(be, s, 2, disabled ? 1 : 0);
    return update_one(be, s, "user_set_disabled");
}

static enum aw_err
be_user_set_password(struct aw_store_be *be, int64_t id, const char *pw_hash)
{
    struct aw_sql_stmt *s = be->stmt[S_USER_PASSWORD];

    b_int(be, s, 1, id);
    b_text(be, s, 2, pw_hash);
    return update_one(be, s, "user_set_password");
}

static enum aw_err
be_user_logged_in(struct aw_store_be *be, int64_t id, int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_USER_LOGIN];
    char at[21];

    aw_store__iso(now, at);
    b_int(be, s, 1, id);
    b_text(be, s, 2, at);
    return update_one(be, s, "user_logged_in");
}

/* ---- sessions ---- */

static enum aw_err
be_session_add(struct aw_store_be *be, const char *id_hash, int64_t user_id, int64_t now,
               int64_t expires)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_SESSION_ADD];
    char at[21];

    if (id_hash == NULL || id_hash[0] == '\0' || expires <= now) {
        snprintf(be->errmsg, sizeof(be->errmsg),
                 "session_add: an id hash and an expiry after now are needed");
        rc = AW_EINVAL;
        goto out;
    }
    aw_store__iso(now, at);
    b_text(be, s, 1, id_hash);
    b_int(be, s, 2, user_id);
    b_text(be, s, 3, at);
    b_int(be, s, 4, expires);
    b_int(be, s, 5, now);
    rc = dup_or(be, run(be, s, "session_add"));
out:
    return rc;
}

static enum aw_err
be_session_user(struct aw_store_be *be, struct aw_arena *a, const char *id_hash, int64_t now,
                struct aw_user *out, int64_t *last_seen)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_SESSION_USER];
    int r;

    *last_seen = 0;
    b_text(be, s, 1, id_hash);
    b_int(be, s, 2, now);
    r = step(be, s);
    if (r == AW_SQL_ROW) {
        read_user(a, s, NULL, out);
        *last_seen = aw_sql_int64(s, 8);
    } else if (r == AW_SQL_DONE) {
        rc = AW_ENOTFOUND;
    } else {
        rc = fail(be, "session_user", r);
    }
    finish(be, s);
    return rc;
}

static enum aw_err
be_session_touch(struct aw_store_be *be, const char *id_hash, int64_t now)
{
    b_text(be, be->stmt[S_SESSION_TOUCH], 1, id_hash);
    b_int(be, be->stmt[S_SESSION_TOUCH], 2, now);
    return run(be, be->stmt[S_SESSION_TOUCH], "session_touch");
}

static enum aw_err
be_sessions_prune(struct aw_store_be *be, int64_t now)
{
    b_int(be, be->stmt[S_SESSION_PRUNE], 1, now);
    return run(be, be->stmt[S_SESSION_PRUNE], "sessions_prune");
}

static enum aw_err
be_session_delete(struct aw_store_be *be, const char *id_hash)
{
    b_text(be, be->stmt[S_SESSION_DELETE], 1, id_hash);
    return run(be, be->stmt[S_SESSION_DELETE], "session_delete");
}

static enum aw_err
be_sessions_delete_user(struct aw_store_be *be, int64_t user_id)
{
    b_int(be, be->stmt[S_SESSIONS_DELETE_USER], 1, user_id);
    return run(be, be->stmt[S_SESSIONS_DELETE_USER], "sessions_delete_user");
}

/* ---- rate limits ---- */

/* Plain statements; the rule that strings them together is store.c's
 * (aw_store_rate_hit), inside the transaction it opened with be_begin.
 * S_RATE_LOCK, first, serialises the hits of one key across connections and
 * instances (SQLite: BEGIN IMMEDIATE's lock already did; PostgreSQL: an
 * advisory lock on the key until the transaction ends). */

static enum aw_err
be_rate_window(struct aw_store_be *be, const char *key, int64_t expired, int64_t *count,
               int64_t *oldest)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_RATE_LOCK];
    int r;

    *count = 0;
    *oldest = 0;
    b_text(be, s, 1, key);
    while ((r = step(be, s)) == AW_SQL_ROW)
        ;
    rc = r == AW_SQL_DONE ? AW_OK : fail(be, "rate_window: taking the key's lock", r);
    finish(be, s);
    if (rc != AW_OK)
        goto out;
    s = be->stmt[S_RATE_EXPIRE];
    b_text(be, s, 1, key);
    b_int(be, s, 2, expired);
    rc = run(be, s, "rate_window: expiring");
    if (rc != AW_OK)
        goto out;
    s = be->stmt[S_RATE_WINDOW];
    b_text(be, s, 1, key);
    r = step(be, s);
    if (r == AW_SQL_ROW) {
        *count = aw_sql_int64(s, 0);
        *oldest = aw_sql_int64(s, 1);
    } else {
        rc = fail(be, "rate_window", r);
    }
    finish(be, s);
out:
    return rc;
}

static enum aw_err
be_rate_nth(struct aw_store_be *be, const char *key, int64_t n, int64_t *at)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_RATE_NTH];
    bool found = false;

    b_text(be, s, 1, key);
    b_int(be, s, 2, n);
    rc = run_id(be, s, "rate_nth", at, &found);
    if (rc == AW_OK && !found)
        rc = fail(be, "rate_nth", AW_SQL_DONE);
    return rc;
}

static enum aw_err
be_rate_log(struct aw_store_be *be, const char *key, int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_RATE_LOG];

    b_text(be, s, 1, key);
    b_int(be, s, 2, now);
    return run(be, s, "rate_log");
}

/* The upsert returns a row only when it inserted or updated one. */
static enum aw_err
be_rate_refused(struct aw_store_be *be, const char *key, int64_t now, int64_t since, bool *recorded)
{
    struct aw_sql_stmt *s = be->stmt[S_RATE_REFUSED];
    int64_t at = 0;

    b_text(be, s, 1, key);
    b_int(be, s, 2, now);
    b_int(be, s, 3, since);
    return run_id(be, s, "rate_refused", &at, recorded);
}

static enum aw_err
be_rate_prune(struct aw_store_be *be, int64_t before)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_RATE_PRUNE_LOG];

    b_int(be, s, 1, before);
    rc = run(be, s, "rate_prune");
    if (rc != AW_OK)
        goto out;
    s = be->stmt[S_RATE_PRUNE_REFUSALS];
    b_int(be, s, 1, before);
    rc = run(be, s, "rate_prune: refusals");
out:
    return rc;
}

static enum aw_err
reset_rows(struct aw_store_be *be, const char *key)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_RATE_RESET_LOG];

    b_text(be, s, 1, key);
    rc = run(be, s, "rate_reset");
    if (rc != AW_OK)
        goto out;
    s = be->stmt[S_RATE_RESET_REFUSALS];
    b_text(be, s, 1, key);
    rc = run(be, s, "rate_reset: refusals");
out:
    return rc;
}

static enum aw_err
be_rate_reset(struct aw_store_be *be, const char *key)
{
    enum aw_err rc = savepoint_begin(be);

    if (rc == AW_OK)
        rc = savepoint_end(be, reset_rows(be, key));
    return rc;
}

/* ---- shares ---- */

static enum aw_err
be_share_add(struct aw_store_be *be, const char *token_hash, const char *name, const char *email,
             int64_t now, int64_t *id)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_SHARE_ADD];
    char at[21];
    int64_t rid = 0;
    bool found;

    aw_store__iso(now, at);
    b_text(be, s, 1, token_hash);
    b_text(be, s, 2, name);
    b_text(be, s, 3, email);
    b_text(be, s, 4, at);
    rc = run_id(be, s, "share_add", &rid, &found);
    if (rc != AW_OK)
        rc = dup_or(be, rc);
    else if (id != NULL)
        *id = rid;
    return rc;
}

static enum aw_err
one_share(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s, struct aw_share *out)
{
    enum aw_err rc = AW_OK;
    int r = step(be, s);

    if (r == AW_SQL_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = aw_sql_int64(s, 0);
        out->activity_id = aw_sql_int64(s, 1); /* NULL reads as 0 */
        out->submitter_name = col_str(a, s, 2);
        out->submitter_email = col_str(a, s, 3);
        out->created_at = col_str(a, s, 4);
    } else if (r == AW_SQL_DONE) {
        rc = AW_ENOTFOUND;
    } else {
        rc = fail(be, "share", r);
    }
    finish(be, s);
    return rc;
}

static enum aw_err
be_share_by_token(struct aw_store_be *be, struct aw_arena *a, const char *token_hash,
                  struct aw_share *out)
{
    b_text(be, be->stmt[S_SHARE_BY_TOKEN], 1, token_hash);
    return one_share(be, a, be->stmt[S_SHARE_BY_TOKEN], out);
}

static enum aw_err
be_share_by_id(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_share *out)
{
    b_int(be, be->stmt[S_SHARE_BY_ID], 1, id);
    return one_share(be, a, be->stmt[S_SHARE_BY_ID], out);
}

static enum aw_err
be_share_set_activity(struct aw_store_be *be, int64_t share_id, int64_t activity_id)
{
    struct aw_sql_stmt *s = be->stmt[S_SHARE_SET_ACT];

    b_int(be, s, 1, share_id);
    b_int_if(be, s, 2, activity_id > 0, activity_id);
    return update_one(be, s, "share_set_activity");
}

/* ---- submissions ---- */

static enum aw_sub_kind
sub_kind_parse(const char *s)
{
    for (int k = AW_SUB_NEW; k <= AW_SUB_WITHDRAW; k++)
        if (s != NULL && strcmp(aw_sub_kind_str((enum aw_sub_kind)k), s) == 0)
            return (enum aw_sub_kind)k;
    return AW_SUB_NEW;
}

static enum aw_sub_status
sub_status_parse(const char *s)
{
    for (int k = AW_SUB_PENDING; k <= AW_SUB_CANCELLED; k++)
        if (s != NULL && strcmp(aw_sub_status_str((enum aw_sub_status)k), s) == 0)
            return (enum aw_sub_status)k;
    return AW_SUB_PENDING;
}

/* The fifteen columns of SUB_COLS. */
static void
read_submission(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_submission *sub = elem;
    const char *cc = aw_sql_text(s, 6);

    (void)ctx;
    memset(sub, 0, sizeof(*sub));
    sub->id = aw_sql_int64(s, 0);
    sub->share_id = aw_sql_int64(s, 1);
    sub->activity_id = aw_sql_int64(s, 2);
    sub->kind = sub_kind_parse(aw_sql_text(s, 3));
    sub->status = sub_status_parse(aw_sql_text(s, 4));
    sub->edition_year = aw_sql_int(s, 5);
    snprintf(sub->country_code, sizeof(sub->country_code), "%s", cc ? (const char *)cc : "");
    sub->title = col_str(a, s, 7);
    sub->org_name = col_str(a, s, 8);
    sub->payload = col_str(a, s, 9);
    sub->source = col_str(a, s, 10);
    sub->created_at = col_str(a, s, 11);
    sub->decided_at = col_str_nonempty(a, s, 12);
    sub->decided_by = aw_sql_int64(s, 13);
    sub->reason = col_str_nonempty(a, s, 14);
}

static enum aw_err
submission_rows(struct aw_store_be *be, const struct aw_submission *sub, int64_t now, int64_t *id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s;
    const char *kind = aw_sub_kind_str(sub->kind);
    char at[21];
    int64_t rid = 0;
    bool found;

    if (kind == NULL) {
        snprintf(be->errmsg, sizeof(be->errmsg), "submission_add: invalid kind");
        rc = AW_EINVAL;
        goto out;
    }
    aw_store__iso(now, at);
    s = be->stmt[S_SUB_ADD];
    b_int_if(be, s, 1, sub->share_id > 0, sub->share_id);
    b_int_if(be, s, 2, sub->activity_id > 0, sub->activity_id);
    b_text(be, s, 3, kind);
    b_int(be, s, 4, sub->edition_year);
    b_text(be, s, 5, sub->country_code[0] ? sub->country_code : NULL);
    b_text(be, s, 6, sub->title);
    b_text(be, s, 7, sub->org_name);
    b_text(be, s, 8, sub->payload);
    b_text(be, s, 9, sub->source ? sub->source : "form");
    b_text(be, s, 10, at);
    rc = run_id(be, s, "submission_add", &rid, &found);
    if (rc == AW_OK && id != NULL)
        *id = rid;
out:
    return rc;
}

static enum aw_err
be_submission_add(struct aw_store_be *be, const struct aw_submission *sub, int64_t now, int64_t *id)
{
    return submission_rows(be, sub, now, id);
}

static enum aw_err
be_submissions_supersede(struct aw_store_be *be, int64_t share_id, int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_SUB_SUPERSEDE];
    char at[21];

    aw_store__iso(now, at);
    b_int(be, s, 1, share_id);
    b_text(be, s, 2, at);
    return run(be, s, "submissions_supersede");
}

/* Runs a submission query bound by the caller and reads every row. */
static enum aw_err
submission_list(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s,
                struct aw_submission **out, size_t *n)
{
    void *v = NULL;
    size_t len = 0;
    enum aw_err rc =
        read_rows(be, a, s, "submissions", sizeof(**out), read_submission, NULL, &v, &len);

    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

static enum aw_err
be_submission(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_submission *out)
{
    enum aw_err rc;
    struct aw_submission *v = NULL;
    size_t n = 0;

    b_int(be, be->stmt[S_SUB], 1, id);
    rc = submission_list(be, a, be->stmt[S_SUB], &v, &n);
    if (rc == AW_OK && n == 0)
        rc = AW_ENOTFOUND;
    if (rc == AW_OK)
        *out = v[0];
    return rc;
}

static enum aw_err
be_submissions_pending(struct aw_store_be *be, struct aw_arena *a, const char *country, int year,
                       struct aw_submission **out, size_t *n)
{
    struct aw_sql_stmt *s = be->stmt[S_SUBS_PENDING];

    b_text(be, s, 1, country);
    b_int(be, s, 2, year);
    return submission_list(be, a, s, out, n);
}

static enum aw_err
be_submissions_by_share(struct aw_store_be *be, struct aw_arena *a, int64_t share_id,
                        struct aw_submission **out, size_t *n)
{
    b_int(be, be->stmt[S_SUBS_BY_SHARE], 1, share_id);
    return submission_list(be, a, be->stmt[S_SUBS_BY_SHARE], out, n);
}

/* After an UPDATE ... WHERE id = ?1 AND status = 'pending' changed nothing:
 * AW_ENOTFOUND when there is no such submission, else AW_EINVAL. */
static enum aw_err
not_pending(struct aw_store_be *be, int64_t id, const char *what)
{
    enum aw_err rc;
    int64_t other = 0;
    bool found = false;

    b_int(be, be->stmt[S_SUB_EXISTS], 1, id);
    rc = run_id(be, be->stmt[S_SUB_EXISTS], what, &other, &found);
    if (rc == AW_OK) {
        snprintf(be->errmsg, sizeof(be->errmsg), "%s: submission %lld %s", what, (long long)id,
                 found ? "is not pending" : "does not exist");
        rc = found ? AW_EINVAL : AW_ENOTFOUND;
    }
    return rc;
}

static enum aw_err
be_submission_update(struct aw_store_be *be, const struct aw_submission *sub)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_SUB_UPDATE];
    int changed = 0;

    b_int(be, s, 1, sub->id);
    b_text(be, s, 2, sub->payload);
    b_text(be, s, 3, sub->title);
    b_text(be, s, 4, sub->org_name);
    b_text(be, s, 5, sub->country_code[0] ? sub->country_code : NULL);
    b_int(be, s, 6, sub->edition_year);
    rc = run_changes(be, s, "submission_update", &changed);
    if (rc == AW_OK && changed == 0)
        rc = not_pending(be, sub->id, "submission_update");
    return rc;
}

static enum aw_err
be_submission_decide(struct aw_store_be *be, int64_t id, enum aw_sub_status status, int64_t user_id,
                     const char *reason, int64_t now)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_SUB_DECIDE];
    char at[21];
    int changed = 0;

    aw_store__iso(now, at);
    b_int(be, s, 1, id);
    b_text(be, s, 2, aw_sub_status_str(status));
    b_text(be, s, 3, at);
    b_int_if(be, s, 4, user_id > 0, user_id);
    b_text(be, s, 5, (reason && reason[0]) ? reason : NULL);
    rc = run_changes(be, s, "submission_decide", &changed);
    if (rc == AW_OK && changed == 0)
        rc = not_pending(be, id, "submission_decide");
    return rc;
}

static enum aw_err
be_activity_set_status(struct aw_store_be *be, int64_t activity_id, const char *status)
{
    struct aw_sql_stmt *s = be->stmt[S_ACT_SET_STATUS];
    char now[21];

    aw_store__now(now);
    b_int(be, s, 1, activity_id);
    b_text(be, s, 2, status);
    b_text(be, s, 3, now);
    return update_one(be, s, "activity_set_status");
}

static enum aw_err
be_activity_similar(struct aw_store_be *be, int64_t org_id, int year, const char *title, bool *dup,
                    int64_t *dup_id)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_ACT_TITLES];
    int r;

    /* the rule is in C (store.c), the same for every backend */
    b_int(be, s, 1, org_id);
    b_int(be, s, 2, year);
    while ((r = step(be, s)) == AW_SQL_ROW) {
        const char *t = aw_sql_text(s, 1);
        if (t != NULL && aw_store__titles_similar(title, t, year)) {
            *dup = true;
            if (dup_id != NULL)
                *dup_id = aw_sql_int64(s, 0);
            r = AW_SQL_DONE;
            break;
        }
    }
    if (r != AW_SQL_DONE)
        rc = fail(be, "activity_similar", r);
    finish(be, s);
    return rc;
}

/* ---- audit log ---- */

static enum aw_err
be_audit(struct aw_store_be *be, const char *actor, const char *action, const char *object,
         const char *detail, const char *ip, int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_AUDIT_ADD];
    char at[21];

    aw_store__iso(now, at);
    b_text(be, s, 1, at);
    b_text(be, s, 2, actor);
    b_text(be, s, 3, action);
    b_text(be, s, 4, object);
    b_text(be, s, 5, detail);
    b_text(be, s, 6, ip);
    return run(be, s, "audit");
}

static void
read_audit_entry(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    struct aw_audit_entry *e = elem;

    (void)ctx;
    e->id = aw_sql_int64(s, 0);
    e->at = col_str(a, s, 1);
    e->actor = col_str(a, s, 2);
    e->action = col_str(a, s, 3);
    e->object = col_str(a, s, 4);
    e->detail = col_str(a, s, 5);
    e->ip = col_str(a, s, 6);
}

static enum aw_err
be_audit_list(struct aw_store_be *be, struct aw_arena *a, size_t limit, size_t offset,
              struct aw_audit_entry **out, size_t *n)
{
    enum aw_err rc;
    struct aw_sql_stmt *s = be->stmt[S_AUDIT_LIST];
    void *v = NULL;
    size_t len = 0;

    b_int(be, s, 1, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    b_int(be, s, 2, offset > INT64_MAX ? INT64_MAX : (int64_t)offset);
    rc = read_rows(be, a, s, "audit_list", sizeof(**out), read_audit_entry, NULL, &v, &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

/* ---- mail outbox ---- */

static enum aw_err
be_mail_queue(struct aw_store_be *be, const char *to, const char *subject, const char *body,
              int64_t now)
{
    struct aw_sql_stmt *s = be->stmt[S_MAIL_QUEUE];
    char at[21];

    aw_store__iso(now, at);
    b_text(be, s, 1, to);
    b_text(be, s, 2, subject);
    b_text(be, s, 3, body);
    b_text(be, s, 4, at);
    b_int(be, s, 5, now);
    return run(be, s, "mail_queue");
}

static enum aw_err
be_mail_claim(struct aw_store_be *be, struct aw_arena *a, int64_t now, int64_t until,
              int max_attempts, struct aw_mail *out)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_MAIL_CLAIM];
    int r;

    b_int(be, s, 1, now);
    b_int(be, s, 2, max_attempts);
    b_int(be, s, 3, until);
    r = step(be, s);
    if (r == AW_SQL_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = aw_sql_int64(s, 0);
        out->to = col_str(a, s, 1);
        out->subject = col_str(a, s, 2);
        out->body = col_str(a, s, 3);
        out->attempts = aw_sql_int(s, 4);
    } else if (r == AW_SQL_DONE) {
        rc = AW_ENOTFOUND;
    } else {
        rc = fail(be, "mail_claim", r);
    }
    /* RETURNING gives one row at most; the statement ends at the next step */
    while (r == AW_SQL_ROW && (r = step(be, s)) == AW_SQL_ROW)
        ;
    if (r == AW_SQL_FAIL && rc == AW_OK)
        rc = fail(be, "mail_claim", r);
    finish(be, s);
    return rc;
}

static enum aw_err
be_mail_done(struct aw_store_be *be, int64_t id, bool sent, const char *error, int64_t now,
             int64_t next_at, bool forget_body)
{
    struct aw_sql_stmt *s;
    char at[21];

    if (sent) {
        s = be->stmt[S_MAIL_SENT];
        aw_store__iso(now, at);
        b_int(be, s, 1, id);
        b_text(be, s, 2, at);
    } else {
        s = be->stmt[S_MAIL_FAILED];
        b_int(be, s, 1, id);
        b_int(be, s, 2, next_at);
        b_text(be, s, 3, error ? error : "unknown error");
        b_int(be, s, 4, forget_body ? 1 : 0);
    }
    return update_one(be, s, "mail_done");
}

static enum aw_err
be_notify_due(struct aw_store_be *be, int64_t user_id, const char *day, bool *due)
{
    struct aw_sql_stmt *s = be->stmt[S_NOTIFY];
    int64_t uid = 0;

    b_int(be, s, 1, user_id);
    b_text(be, s, 2, day);
    /* RETURNING yields a row only when the row was inserted */
    return run_id(be, s, "notify_due", &uid, due);
}

/* ---- transactions ---- */

static enum aw_err
be_begin(struct aw_store_be *be, bool durable)
{
    return fail_rc(be, "begin", aw_sql_begin(be->db, durable));
}

static enum aw_err
be_commit(struct aw_store_be *be)
{
    return fail_rc(be, "commit", aw_sql_commit(be->db));
}

static enum aw_err
be_rollback(struct aw_store_be *be)
{
    return fail_rc(be, "rollback", aw_sql_rollback(be->db));
}

/* ---- a whole site from one database to another (migrate-data) ---- */

static int
cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The one place where SQL text is put together at run time: from the
 * schema's own table and column names, as the catalog gives them, each
 * checked to be a plain identifier. Never from data. */
static bool
ident_ok(const char *s)
{
    if (s == NULL || !((*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

struct table {
    const char *name;
    const char **cols;
    size_t ncols;
    bool has_id;
};

/* Every table but schema_version, in the order they were made, with their
 * stored columns. */
static enum aw_err
tables(struct aw_store_be *be, struct aw_arena *a, struct table **out, size_t *n)
{
    enum aw_err rc = AW_OK;
    struct aw_sql_stmt *s = be->stmt[S_CAT_TABLES];
    struct table *t = NULL;
    size_t cap = 0, len = 0;
    int r;

    while ((r = step(be, s)) == AW_SQL_ROW) {
        const char *name = col_str(a, s, 0);
        if (strcmp(name, "schema_version") == 0)
            continue;
        t = grow(a, t, &cap, len, sizeof(*t));
        t[len++] = (struct table){.name = name};
    }
    if (r != AW_SQL_DONE)
        rc = fail(be, "listing the tables", r);
    finish(be, s);
    for (size_t i = 0; rc == AW_OK && i < len; i++) {
        size_t ccap = 0;
        if (!ident_ok(t[i].name)) {
            snprintf(be->errmsg, sizeof(be->errmsg), "table name \"%.64s\" refused", t[i].name);
            return AW_EINVAL;
        }
        s = be->stmt[S_CAT_COLUMNS];
        b_text(be, s, 1, t[i].name);
        while ((r = step(be, s)) == AW_SQL_ROW) {
            const char *col = col_str(a, s, 0);
            t[i].cols = grow(a, t[i].cols, &ccap, t[i].ncols, sizeof(*t[i].cols));
            t[i].cols[t[i].ncols++] = col;
            t[i].has_id |= strcmp(col, "id") == 0;
            if (!ident_ok(col)) {
                snprintf(be->errmsg, sizeof(be->errmsg), "column name \"%.64s\" refused", col);
                rc = AW_EINVAL;
            }
        }
        if (r != AW_SQL_DONE && rc == AW_OK)
            rc = fail(be, "listing the columns", r);
        finish(be, s);
    }
    *out = t;
    *n = len;
    return rc;
}

static char *
select_all(struct aw_arena *a, const struct table *t)
{
    struct aw_buf b = AW_BUF_INIT(65536);
    aw_buf_puts(&b, "SELECT ");
    for (size_t i = 0; i < t->ncols; i++)
        aw_buf_printf(&b, "%s\"%s\"", i ? ", " : "", t->cols[i]);
    aw_buf_printf(&b, " FROM \"%s\"", t->name);
    char *q = aw_arena_strdup(a, aw_buf_cstr(&b));
    aw_buf_free(&b);
    return q;
}

/* Every row of t as one string (columns separated by 0x1f, NULL as 0x01),
 * sorted: two databases compare whatever their collations. */
static enum aw_err
rows_of(struct aw_store_be *be, struct aw_arena *a, const struct table *t, char ***out, size_t *n)
{
    struct aw_sql_stmt *s = NULL;
    char **rows = NULL;
    size_t cap = 0, len = 0;
    enum aw_err rc = aw_sql_prepare(be->db, select_all(a, t), &s);
    int r = AW_SQL_DONE;

    if (rc != AW_OK)
        return fail_rc(be, t->name, rc);
    while ((r = step(be, s)) == AW_SQL_ROW) {
        struct aw_buf b = AW_BUF_INIT(64u << 20);
        for (size_t i = 0; i < t->ncols; i++) {
            if (i)
                aw_buf_putc(&b, '\x1f');
            if (aw_sql_is_null(s, (int)i))
                aw_buf_putc(&b, '\x01');
            else
                aw_buf_append(&b, aw_sql_text(s, (int)i), aw_sql_bytes(s, (int)i));
        }
        rows = grow(a, rows, &cap, len, sizeof(*rows));
        rows[len++] = aw_arena_strdup(a, aw_buf_cstr(&b));
        aw_buf_free(&b);
    }
    if (r != AW_SQL_DONE)
        rc = fail(be, t->name, r);
    finish(be, s);
    aw_sql_finalize(s);
    if (len > 1) /* qsort wants a pointer even for nothing */
        qsort(rows, len, sizeof(*rows), cmp_cstr);
    *out = rows;
    *n = len;
    return rc;
}

static enum aw_err
be_copy_to(struct aw_store_be *from, struct aw_store_be *to, struct aw_arena *a, int64_t *rows,
           size_t *ntables)
{
    struct table *ft = NULL, *tt = NULL;
    size_t fn = 0, tn = 0;
    enum aw_err rc;

    *rows = 0;
    *ntables = 0;
    to->errmsg[0] = '\0';
    if ((rc = tables(from, a, &ft, &fn)) != AW_OK)
        return rc;
    if ((rc = tables(to, a, &tt, &tn)) != AW_OK)
        goto out;
    /* the same tables and columns on both sides, the destination empty */
    for (size_t i = 0; i < fn; i++) {
        size_t k = 0;
        while (k < tn && strcmp(tt[k].name, ft[i].name) != 0)
            k++;
        bool same = k < tn && tt[k].ncols == ft[i].ncols;
        for (size_t c = 0; same && c < ft[i].ncols; c++)
            same = strcmp(tt[k].cols[c], ft[i].cols[c]) == 0;
        if (!same) {
            snprintf(from->errmsg, sizeof(from->errmsg),
                     "table %s is not the same in the destination's schema", ft[i].name);
            return AW_EINVAL;
        }
        char **r = NULL;
        size_t n = 0;
        if ((rc = rows_of(to, a, &tt[k], &r, &n)) != AW_OK)
            goto out;
        if (n > 0) {
            snprintf(from->errmsg, sizeof(from->errmsg),
                     "the destination is not empty (%zu rows in %s)", n, ft[i].name);
            return AW_EEXIST;
        }
    }
    /* one transaction: all of it or nothing */
    if ((rc = fail_rc(to, "begin", aw_sql_begin(to->db, true))) != AW_OK)
        goto out;
    for (size_t i = 0; rc == AW_OK && i < fn; i++) {
        const struct table *t = &ft[i];
        struct aw_sql_stmt *sel = NULL, *ins = NULL;
        struct aw_buf q = AW_BUF_INIT(65536);
        aw_buf_printf(&q, "INSERT INTO \"%s\" (", t->name);
        for (size_t c = 0; c < t->ncols; c++)
            aw_buf_printf(&q, "%s\"%s\"", c ? ", " : "", t->cols[c]);
        aw_buf_puts(&q, ") VALUES (");
        for (size_t c = 0; c < t->ncols; c++)
            aw_buf_printf(&q, "%s?%zu", c ? ", " : "", c + 1);
        aw_buf_puts(&q, ")");
        rc = fail_rc(from, t->name, aw_sql_prepare(from->db, select_all(a, t), &sel));
        if (rc == AW_OK)
            rc = fail_rc(to, t->name, aw_sql_prepare(to->db, aw_buf_cstr(&q), &ins));
        aw_buf_free(&q);
        int r = AW_SQL_DONE;
        while (rc == AW_OK && (r = step(from, sel)) == AW_SQL_ROW) {
            for (size_t c = 0; c < t->ncols; c++)
                aw_sql_bind_text(ins, (int)c + 1, aw_sql_text(sel, (int)c));
            int w = step(to, ins);
            if (w != AW_SQL_DONE)
                rc = fail(to, t->name, w);
            finish(to, ins);
            (*rows)++;
        }
        if (rc == AW_OK && r != AW_SQL_DONE)
            rc = fail(from, t->name, r);
        if (sel)
            finish(from, sel);
        aw_sql_finalize(sel);
        aw_sql_finalize(ins);
        if (rc == AW_OK && t->has_id)
            rc = fail_rc(to, t->name, aw_sql_reset_ids(to->db, t->name));
        (*ntables)++;
    }
    if (rc == AW_OK)
        rc = fail_rc(to, "commit", aw_sql_commit(to->db));
    else
        aw_sql_rollback(to->db);
out:
    /* the reason, on whichever side it was, is the source's errmsg */
    if (rc != AW_OK && to->errmsg[0])
        snprintf(from->errmsg, sizeof(from->errmsg), "destination: %.400s", to->errmsg);
    return rc;
}

static enum aw_err
be_compare(struct aw_store_be *x, struct aw_store_be *y, struct aw_arena *a, int64_t *rows,
           size_t *ntables)
{
    struct table *xt = NULL, *yt = NULL;
    size_t xn = 0, yn = 0;
    enum aw_err rc;

    *rows = 0;
    *ntables = 0;
    if ((rc = tables(x, a, &xt, &xn)) != AW_OK || (rc = tables(y, a, &yt, &yn)) != AW_OK)
        return rc;
    if (xn != yn) {
        snprintf(x->errmsg, sizeof(x->errmsg), "%zu tables against %zu", xn, yn);
        return AW_ENOTFOUND;
    }
    for (size_t i = 0; i < xn; i++) {
        char **xr = NULL, **yr = NULL;
        size_t xc = 0, yc = 0;
        if (strcmp(xt[i].name, yt[i].name) != 0 || xt[i].ncols != yt[i].ncols) {
            snprintf(x->errmsg, sizeof(x->errmsg), "table %s against %s", xt[i].name, yt[i].name);
            return AW_ENOTFOUND;
        }
        if ((rc = rows_of(x, a, &xt[i], &xr, &xc)) != AW_OK)
            return rc;
        if ((rc = rows_of(y, a, &yt[i], &yr, &yc)) != AW_OK) {
            snprintf(x->errmsg, sizeof(x->errmsg), "%s", y->errmsg);
            return rc;
        }
        for (size_t k = 0; k < xc || k < yc; k++) {
            if (k >= xc || k >= yc || strcmp(xr[k], yr[k]) != 0) {
                snprintf(x->errmsg, sizeof(x->errmsg),
                         "table %s: %zu rows against %zu, first difference at sorted row %zu",
                         xt[i].name, xc, yc, k + 1);
                return AW_ENOTFOUND;
            }
        }
        *rows += (int64_t)xc;
        (*ntables)++;
    }
    return AW_OK;
}

static const struct aw_store_ops sql_ops = {
    .name = "sql",
    .close = be_close,
    .schema_version = be_schema_version,
    .errmsg = be_errmsg,
    .lost = be_lost,
    .queries = be_queries,
    .copy_to = be_copy_to,
    .compare = be_compare,
    .editions = be_editions,
    .edition = be_edition,
    .edition_current = be_edition_current,
    .tools = be_tools,
    .activities_by_edition = be_activities_by_edition,
    .activities_by_country = be_activities_by_country,
    .activities_by_org = be_activities_by_org,
    .activity = be_activity,
    .statements = be_statements,
    .documents = be_documents,
    .org = be_org,
    .countries = be_countries,
    .country = be_country,
    .help_services = be_help_services,
    .begin = be_begin,
    .commit = be_commit,
    .rollback = be_rollback,
    .put_country = be_put_country,
    .put_edition = be_put_edition,
    .put_org = be_put_org,
    .put_activity = be_put_activity,
    .put_tool = be_put_tool,
    .put_statement = be_put_statement,
    .put_document = be_put_document,
    .put_help_service = be_put_help_service,
    .org_find = be_org_find,
    .secret = be_secret,
    .user_add = be_user_add,
    .user_by_email = be_user_by_email,
    .user_by_id = be_user_by_id,
    .users = be_users,
    .user_set_disabled = be_user_set_disabled,
    .user_set_password = be_user_set_password,
    .user_logged_in = be_user_logged_in,
    .session_add = be_session_add,
    .session_user = be_session_user,
    .session_touch = be_session_touch,
    .sessions_prune = be_sessions_prune,
    .session_delete = be_session_delete,
    .sessions_delete_user = be_sessions_delete_user,
    .rate_window = be_rate_window,
    .rate_nth = be_rate_nth,
    .rate_log = be_rate_log,
    .rate_refused = be_rate_refused,
    .rate_prune = be_rate_prune,
    .rate_reset = be_rate_reset,
    .share_add = be_share_add,
    .share_by_token = be_share_by_token,
    .share_by_id = be_share_by_id,
    .share_set_activity = be_share_set_activity,
    .submission_add = be_submission_add,
    .submissions_supersede = be_submissions_supersede,
    .submission = be_submission,
    .submissions_pending = be_submissions_pending,
    .submissions_by_share = be_submissions_by_share,
    .submission_update = be_submission_update,
    .submission_decide = be_submission_decide,
    .activity_set_status = be_activity_set_status,
    .activity_similar = be_activity_similar,
    .orgs = be_orgs,
    .audit = be_audit,
    .audit_list = be_audit_list,
    .mail_queue = be_mail_queue,
    .mail_claim = be_mail_claim,
    .mail_done = be_mail_done,
    .notify_due = be_notify_due,
};
