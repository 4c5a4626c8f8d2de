/* store_sql.c: the store over an SQL driver (sql.h).
 *
 * One struct aw_store_be per driver connection, used by one thread at a
 * time. At open: the driver's connection (sql_sqlite.c: WAL, synchronous =
 * FULL, a 5 s busy timeout...), the migrations of SHARE/sql/<dialect>/NNN_*.sql
 * above schema_version (each in a transaction), then every statement of the
 * table `sql` below is prepared once, so a typo or a missing table fails at
 * open. All data goes through bound parameters; no SQL text is ever built
 * from data. The row mapping lives here once, whatever the database.
 *
 * This file: the statement table, the helpers, open and close, transactions;
 * the operations are in the files store_sql_int.h lists. */
#include "store_sql_int.h"

/* ---- the statement table ---- */

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

    /* the vocabularies (store_vocab.c): terms by list and code, so that a
     * term's labels are read together */
    [S_VOCAB_TERMS] = "SELECT list, code, position, retired, organiser FROM vocabulary "
                      "ORDER BY list, position, code",
    [S_VOCAB_LABELS] = "SELECT list, code, lang, label FROM vocabulary_labels ORDER BY list, "
                       "code, lang",
    [S_TERM_NEXT_POS] = "SELECT COALESCE(MAX(position), 0) + 1 FROM vocabulary WHERE list = ?1",
    [S_TERM_ADD] = "INSERT INTO vocabulary (list, code, position, retired, organiser) VALUES (?1, "
                   "?2, ?3, ?4, ?5) ON CONFLICT (list, code) DO NOTHING",
    [S_TERM_UPDATE] = "UPDATE vocabulary SET position = ?3, retired = ?4, organiser = ?5 WHERE "
                      "list = ?1 AND code = ?2",
    [S_TERM_LABELS_DEL] = "DELETE FROM vocabulary_labels WHERE list = ?1 AND code = ?2",
    [S_TERM_LABEL_ADD] = "INSERT INTO vocabulary_labels (list, code, lang, label) VALUES (?1, ?2, "
                         "?3, ?4) ON CONFLICT (list, code, lang) DO NOTHING",
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
     * made, the tables each refers to (store_copy.c puts a table after
     * those: a rebuilt table is made after the ones that refer to it), and
     * their stored columns (not the generated ones). PostgreSQL: dialect_sql. */
    [S_CAT_TABLES] = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                     "'sqlite%' ORDER BY rowid",
    [S_CAT_COLUMNS] = "SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0 ORDER BY cid",
    [S_CAT_REFS] = "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)",
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
    {"pg", S_CAT_REFS,
     "SELECT DISTINCT r.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN "
     "pg_class r ON r.oid = k.confrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
     "k.contype = 'f' AND n.nspname = current_schema() AND c.relname = ?1"},
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

/* ---- small helpers ---- */

/* Records the failure of `what` (r: what the step gave; not AW_SQL_FAIL
 * means a statement that had to give a row gave none) and maps it to an
 * aw_err: a constraint is AW_EINVAL, "not now" AW_EUNAVAIL (the pages answer
 * 503 with the form as typed), the rest AW_EDB. */
enum aw_err
sq_fail(struct aw_store_be *be, const char *what, int r)
{
    if (r != AW_SQL_FAIL) {
        snprintf(be->errmsg, sizeof(be->errmsg), "%s: no result", what);
        return AW_EDB;
    }
    snprintf(be->errmsg, sizeof(be->errmsg), "%s: %s", what, aw_sql_errmsg(be->db));
    return aw_sql_fault_err(aw_sql_fault(be->db));
}

/* The same for a driver call that returned an aw_err itself. */
enum aw_err
sq_fail_rc(struct aw_store_be *be, const char *what, enum aw_err rc)
{
    if (rc != AW_OK)
        snprintf(be->errmsg, sizeof(be->errmsg), "%s: %s", what, aw_sql_errmsg(be->db));
    return rc;
}

/* NULL binds SQL NULL. The text must live until the statement is reset. */
void
sq_b_text(struct aw_store_be *be, struct aw_sql_stmt *s, int i, const char *v)
{
    (void)be;
    aw_sql_bind_text(s, i, v);
}

void
sq_b_int(struct aw_store_be *be, struct aw_sql_stmt *s, int i, int64_t v)
{
    (void)be;
    aw_sql_bind_int(s, i, v);
}

/* v when keep, else SQL NULL. */
void
sq_b_int_if(struct aw_store_be *be, struct aw_sql_stmt *s, int i, bool keep, int64_t v)
{
    (void)be;
    if (keep)
        aw_sql_bind_int(s, i, v);
    else
        aw_sql_bind_null(s, i);
}

int
sq_step(struct aw_store_be *be, struct aw_sql_stmt *s)
{
    (void)be;
    return (int)aw_sql_step(s);
}

void
sq_finish(struct aw_store_be *be, struct aw_sql_stmt *s)
{
    be->queries++;
    aw_sql_reset(s);
}

/* Runs a statement that returns no rows. */
enum aw_err
sq_run(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what)
{
    enum aw_err rc = AW_OK;
    int r = sq_step(be, s);

    if (r != AW_SQL_DONE && r != AW_SQL_ROW)
        rc = sq_fail(be, what, r);
    sq_finish(be, s);
    return rc;
}

/* Runs a statement whose first column of its first row is an id. *found
 * tells whether there was a row. */
enum aw_err
sq_run_id(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what, int64_t *id, bool *found)
{
    enum aw_err rc = AW_OK;
    int r = sq_step(be, s);

    *found = false;
    if (r == AW_SQL_ROW) {
        *id = aw_sql_int64(s, 0);
        *found = true;
        while ((r = sq_step(be, s)) == AW_SQL_ROW)
            ;
    }
    if (r != AW_SQL_DONE)
        rc = sq_fail(be, what, r);
    sq_finish(be, s);
    return rc;
}

/* Runs a statement that returns no rows; *changed gets the number of rows
 * it inserted, updated or deleted. */
enum aw_err
sq_run_changes(struct aw_store_be *be, struct aw_sql_stmt *s, const char *what, int *changed)
{
    enum aw_err rc = AW_OK;
    int r = sq_step(be, s);

    *changed = 0;
    if (r == AW_SQL_DONE)
        *changed = (int)aw_sql_changes(be->db);
    else
        rc = sq_fail(be, what, r);
    sq_finish(be, s);
    return rc;
}

/* After a failed write: AW_EEXIST for a UNIQUE or PRIMARY KEY violation
 * (a duplicate), else rc. */
enum aw_err
sq_dup_or(struct aw_store_be *be, enum aw_err rc)
{
    if (rc == AW_EINVAL && aw_sql_fault(be->db) == AW_SQL_F_UNIQUE)
        rc = AW_EEXIST;
    return rc;
}

/* A put that writes several rows is all or nothing, inside or outside a
 * transaction: sq_savepoint_begin() before, sq_savepoint_end() with its result. */
enum aw_err
sq_savepoint_begin(struct aw_store_be *be)
{
    return sq_fail_rc(be, "savepoint", aw_sql_savepoint(be->db));
}

enum aw_err
sq_savepoint_end(struct aw_store_be *be, enum aw_err rc)
{
    /* undone: be->errmsg keeps the failure, which sq_fail() copied when it came */
    if (rc != AW_OK)
        aw_sql_savepoint_end(be->db, false);
    else
        rc = sq_fail_rc(be, "release savepoint", aw_sql_savepoint_end(be->db, true));
    return rc;
}

/* Column i as an arena string; NULL for SQL NULL. */
const char *
sq_col_str(struct aw_arena *a, struct aw_sql_stmt *s, int i)
{
    const char *t = aw_sql_text(s, i);
    if (t == NULL)
        return NULL;
    return aw_arena_strndup(a, t, aw_sql_bytes(s, i));
}

/* The same, with "" also read as NULL (optional text). */
const char *
sq_col_str_nonempty(struct aw_arena *a, struct aw_sql_stmt *s, int i)
{
    const char *v = sq_col_str(a, s, i);
    return (v != NULL && v[0] == '\0') ? NULL : v;
}

/* An array of n elements of size bytes with room for one more. */
void *
sq_grow(struct aw_arena *a, void *old, size_t *cap, size_t n, size_t size)
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
 * caller of sq_read_rows() passed along (may be NULL). */

/* Runs a statement bound by the caller and reads every row into an arena
 * array of elements of size bytes, each zeroed and then filled by row();
 * "what" names the list in the error message. *out and *n are set only on
 * success. Finishes s. */
enum aw_err
sq_read_rows(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s, const char *what,
             size_t size, row_fn *row, const void *ctx, void **out, size_t *n)
{
    enum aw_err rc = AW_OK;
    unsigned char *v = NULL;
    size_t cap = 0, len = 0;
    int r;

    while ((r = sq_step(be, s)) == AW_SQL_ROW) {
        v = sq_grow(a, v, &cap, len, size);
        memset(v + len * size, 0, size);
        row(a, s, ctx, v + len * size);
        len++;
    }
    if (r != AW_SQL_DONE) {
        rc = sq_fail(be, what, r);
        goto out;
    }
    *out = v;
    *n = len;
out:
    sq_finish(be, s);
    return rc;
}

enum aw_err
sq_read_one(struct aw_store_be *be, struct aw_arena *a, struct aw_sql_stmt *s, const char *what,
            size_t size, row_fn *row, const void *ctx, void *out)
{
    enum aw_err rc = AW_OK;
    int r = sq_step(be, s);

    if (r == AW_SQL_ROW) {
        memset(out, 0, size);
        row(a, s, ctx, out);
    } else if (r == AW_SQL_DONE) {
        rc = AW_ENOTFOUND;
    } else {
        rc = sq_fail(be, what, r);
    }
    sq_finish(be, s);
    return rc;
}

static void
row_string(struct aw_arena *a, struct aw_sql_stmt *s, const void *ctx, void *elem)
{
    const char **v = elem;

    (void)ctx;
    *v = sq_col_str(a, s, 0);
}

/* Rows of a one-column statement keyed by ?1 = id, as an arena array. */
enum aw_err
sq_read_strings(struct aw_store_be *be, struct aw_arena *a, enum stmt_id sid, int64_t id,
                const char ***out, size_t *n)
{
    enum aw_err rc;
    void *v = NULL;
    size_t len = 0;

    sq_b_int(be, be->stmt[sid], 1, id);
    rc = sq_read_rows(be, a, be->stmt[sid], "reading a list", sizeof(**out), row_string, NULL, &v,
                      &len);
    if (rc == AW_OK) {
        *out = v;
        *n = len;
    }
    return rc;
}

/* Splits "a;b;c" (blanks around items dropped) into an arena array. */
void
sq_split_list(struct aw_arena *a, const char *s, const char ***out, size_t *n)
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
            v = sq_grow(a, v, &cap, len, sizeof(*v));
            v[len++] = aw_arena_strndup(a, b, (size_t)(e - b));
        }
        s = end ? end + 1 : s + l;
    }
    *out = v;
    *n = len;
}

const char *
sq_pick_name(const char *lang, const char *en, const char *fr)
{
    if (lang != NULL && strcmp(lang, "fr") == 0 && fr != NULL && fr[0] != '\0')
        return fr;
    return en;
}

enum aw_err
sq_edition_id(struct aw_store_be *be, int year, int64_t *id)
{
    enum aw_err rc;
    bool found;
    struct aw_sql_stmt *s = be->stmt[S_EDITION_ID];

    sq_b_int(be, s, 1, year);
    rc = sq_run_id(be, s, "looking up an edition", id, &found);
    if (rc == AW_OK && !found) {
        snprintf(be->errmsg, sizeof(be->errmsg), "no edition %d", year);
        rc = AW_ENOTFOUND;
    }
    return rc;
}

/* The slugs tried for a new row, in order: the slug of base, then base-2,
 * base-3... (try 1, 2, 3...), each within AW_SLUG_MAX. */
void
sq_slug_try(const char *stem, int i, char *out, size_t outlen)
{
    if (i <= 1) {
        snprintf(out, outlen, "%s", stem);
        return;
    }
    int room = AW_SLUG_MAX - snprintf(NULL, 0, "-%d", i);
    snprintf(out, outlen, "%.*s-%d", room, stem, i);
}

enum aw_err
sq_no_free_slug(struct aw_store_be *be, const char *stem)
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
    if ((rc = aw_sql_schema_begin(be->db)) != AW_OK) {
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
    in_tx = false;
    if ((rc = aw_sql_schema_end(be->db, true)) != AW_OK) {
        snprintf(err, errlen, "%s: %s", what, aw_sql_errmsg(be->db));
        goto out;
    }
    AW_INFO("applied %s", what);
out:
    aw_sql_finalize(s);
    if (in_tx)
        (void)aw_sql_schema_end(be->db, false);
    free(text);
    return rc;
}

enum aw_err
sq_migrate(struct aw_store_be *be, char *err, size_t errlen)
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

void
aw_be_close(struct aw_store_be *be)
{
    if (be == NULL)
        return;
    for (int i = 0; i < S_COUNT; i++)
        aw_sql_finalize(be->stmt[i]);
    aw_sql_close(be->db); /* rolls back an open transaction */
    free(be);
}

enum aw_err
aw_store__sql_open(const struct aw_sql_driver *drv, const char *target, bool create,
                   bool migrate_now, bool readonly, struct aw_store_be **out, char *err,
                   size_t errlen)
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
    rc = migrate_now ? sq_migrate(be, err, errlen) : check_version(be, target, err, errlen);
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
    rc = sq_run_id(be, be->stmt[S_VERSION], "reading schema_version", &version, &found);
    if (rc != AW_OK) {
        snprintf(err, errlen, "%s", be->errmsg);
        goto out;
    }
    be->version = (int)version;
    *out = be;
    be = NULL;
out:
    aw_be_close(be);
    return rc;
}

int
aw_be_schema_version(struct aw_store_be *be)
{
    return be->version;
}

const char *
aw_be_errmsg(struct aw_store_be *be)
{
    return be->errmsg;
}

int64_t
aw_be_queries(struct aw_store_be *be)
{
    return be->queries;
}

bool
aw_be_lost(struct aw_store_be *be)
{
    return aw_sql_lost(be->db);
}

/* ---- transactions ---- */

enum aw_err
aw_be_begin(struct aw_store_be *be, bool durable)
{
    return sq_fail_rc(be, "begin", aw_sql_begin(be->db, durable));
}

enum aw_err
aw_be_commit(struct aw_store_be *be)
{
    return sq_fail_rc(be, "commit", aw_sql_commit(be->db));
}

enum aw_err
aw_be_rollback(struct aw_store_be *be)
{
    return sq_fail_rc(be, "rollback", aw_sql_rollback(be->db));
}
