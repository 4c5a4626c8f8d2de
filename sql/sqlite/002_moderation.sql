-- 002_moderation.sql: accounts, sessions, rate limits, partner submissions and
-- their moderation, the audit log, the mail outbox (issue 3; SQLite dialect).
--
-- Portable as 001 is: ISO 8601 text for dates shown to people, Unix seconds
-- (INTEGER) where the store compares times with a `now` (expires_at,
-- next_attempt_at, window_start), 0/1 booleans. Two SQLite-only spellings
-- that sql/pg/ will translate: `COLLATE NOCASE` on users.email (PostgreSQL: a
-- UNIQUE index on lower(email) and lookups by lower(email)) and the triggers'
-- RAISE(ABORT) (PostgreSQL: a plpgsql trigger function that raises).

-- Instance-wide values: 'secret' is the 32-byte instance secret (CSRF and
-- token MACs), hex-encoded, created at random on first use.
CREATE TABLE settings (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

-- The secretariat (admin, moderator) and national focal points (focal, tied
-- to one country). Emails are unique whatever their case.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'moderator', 'focal')),
    country_code TEXT REFERENCES countries (code),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL,
    last_login_at TEXT,
    CHECK (role <> 'focal' OR country_code IS NOT NULL)
);

-- Keyed by the hash of the cookie value, never the value itself.
CREATE TABLE sessions (
    id_hash TEXT NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL, -- Unix seconds
    last_seen INTEGER NOT NULL   -- Unix seconds, refreshed at most once a minute
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Fixed-window counters shared by every instance (window_start: Unix seconds).
CREATE TABLE rate_limits (
    key TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- A partner's private link (its token stored only as a hash) and contact.
CREATE TABLE shares (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    submitter_name TEXT NOT NULL,
    submitter_email TEXT NOT NULL,
    activity_id INTEGER REFERENCES activities (id), -- NULL until a first version is approved
    created_at TEXT NOT NULL
);

-- One version of an activity waiting for, or having had, a decision. Rows
-- from a bulk import have no share (share_id NULL). payload is JSON (see
-- struct aw_submission in include/aw/model.h).
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    share_id INTEGER REFERENCES shares (id),
    activity_id INTEGER REFERENCES activities (id), -- NULL for a new activity
    kind TEXT NOT NULL CHECK (kind IN ('new', 'change', 'withdraw')),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'superseded', 'cancelled')),
    edition_year INTEGER NOT NULL REFERENCES editions (year),
    country_code TEXT REFERENCES countries (code), -- NULL: no country
    title TEXT NOT NULL,
    org_name TEXT NOT NULL,
    payload TEXT NOT NULL,
    source TEXT NOT NULL, -- "form", "import:FILE"...
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by INTEGER REFERENCES users (id),
    reason TEXT
);
CREATE INDEX submissions_queue ON submissions (status, country_code, edition_year, created_at);
CREATE INDEX submissions_share ON submissions (share_id, status);

-- Nothing is ever deleted without a trace: the log only grows.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT,
    detail TEXT,
    ip TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Mail waiting to be sent (or sent: sent_at), retried with a backoff.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    next_attempt_at INTEGER NOT NULL, -- Unix seconds
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);

-- Moderators are notified of new submissions at most once per UTC day.
CREATE TABLE notify_log (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day TEXT NOT NULL, -- YYYY-MM-DD, UTC
    PRIMARY KEY (user_id, day)
);
