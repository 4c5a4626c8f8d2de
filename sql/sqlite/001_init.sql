-- 001_init.sql: the first awareday schema (SQLite dialect).
--
-- Applied by store_sql.c inside one transaction, which then records the
-- version in schema_version. sql/pg/001_init.sql is the same schema in
-- PostgreSQL's dialect: keep the two in step. Dates and times are ISO 8601
-- text (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ), booleans are 0/1 integers, ids
-- are INTEGER PRIMARY KEY (identity columns in PostgreSQL).

CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL PRIMARY KEY,
    applied_at TEXT NOT NULL
);

-- Council of Europe member states (and former members), keyed by ISO 3166-1 alpha-2.
CREATE TABLE countries (
    code TEXT NOT NULL PRIMARY KEY CHECK (length(code) = 2),
    name_en TEXT NOT NULL,
    name_fr TEXT,
    coe_member INTEGER NOT NULL DEFAULT 1 CHECK (coe_member IN (0, 1)),
    coe_joined_year INTEGER,
    coe_left_year INTEGER,
    lanzarote_year INTEGER
);

CREATE TABLE editions (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL UNIQUE,
    number INTEGER NOT NULL,
    theme TEXT,
    theme_why TEXT,
    invitation TEXT,
    js_supported_count INTEGER -- NULL: not known
);

-- The member states that issued an edition's joint statement.
CREATE TABLE edition_js_issuers (
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    country_code TEXT NOT NULL REFERENCES countries (code),
    PRIMARY KEY (edition_id, country_code)
);

-- country_key makes the natural key (name, country) unique even when
-- country_code is NULL (NULLs are distinct in a UNIQUE constraint).
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('state_body', 'parliament', 'ombudsperson', 'ngo',
                                       'intl_org', 'coe_body', 'company', 'other')),
    country_code TEXT REFERENCES countries (code),
    country_key TEXT GENERATED ALWAYS AS (COALESCE(country_code, '')) STORED,
    website TEXT,
    UNIQUE (name, country_key)
);
CREATE INDEX organisations_country ON organisations (country_code);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    edition_id INTEGER NOT NULL REFERENCES editions (id),
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    country_code TEXT REFERENCES countries (code),
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    start_date TEXT,
    end_date TEXT,
    place TEXT,
    online INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('published', 'pending', 'rejected', 'withdrawn')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    source_key TEXT UNIQUE -- "YEAR/key" for rows from a data file, NULL for submissions
);
CREATE INDEX activities_edition ON activities (edition_id, status, country_code);
CREATE INDEX activities_country ON activities (country_code, status);
CREATE INDEX activities_org ON activities (org_id, status);

CREATE TABLE activity_kinds (
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (activity_id, kind)
);

CREATE TABLE activity_audiences (
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    audience TEXT NOT NULL,
    PRIMARY KEY (activity_id, audience)
);

CREATE TABLE activity_languages (
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    language TEXT NOT NULL,
    PRIMARY KEY (activity_id, language)
);

CREATE TABLE activity_links (
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (activity_id, position)
);

-- Material the organiser offers for an edition (leaflets, videos...).
CREATE TABLE tools (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id),
    kind TEXT NOT NULL CHECK (kind IN ('leaflet_general', 'leaflet_thematic', 'video_tutorial',
                                       'booklet_parents', 'banner')),
    title TEXT NOT NULL,
    description TEXT,
    url TEXT,
    UNIQUE (edition_id, kind, title)
);

CREATE TABLE tool_languages (
    tool_id INTEGER NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    language TEXT NOT NULL,
    PRIMARY KEY (tool_id, language)
);

-- speaker is '' (never NULL) for a body's statement, so that the natural key
-- is a plain UNIQUE constraint; the store reads '' back as NULL.
CREATE TABLE statements (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id),
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    speaker TEXT NOT NULL DEFAULT '',
    speaker_role TEXT,
    summary TEXT NOT NULL,
    url TEXT,
    UNIQUE (edition_id, org_id, speaker)
);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id),
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    doc_date TEXT,
    url TEXT,
    UNIQUE (edition_id, org_id, title)
);
CREATE INDEX statements_org ON statements (org_id);
CREATE INDEX documents_org ON documents (org_id);

-- Where to report, where a child gets help, where to get prevention help.
-- country_code is not a foreign key: the reference file also lists services
-- of Council of Europe observer states (CA, JP, US) that are not in countries.
-- languages: ISO 639-1 codes separated by ';'. The public sees a row only when
-- verified_at is set and retired_at is not.
CREATE TABLE help_services (
    id INTEGER PRIMARY KEY,
    country_code TEXT NOT NULL CHECK (length(country_code) = 2),
    kind TEXT NOT NULL CHECK (kind IN ('report', 'helpline', 'prevention')),
    name TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    url TEXT,
    phone TEXT,
    languages TEXT NOT NULL DEFAULT '',
    source_url TEXT,
    confidence TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
    verified_at TEXT,
    verified_by TEXT,
    retired_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (country_code, kind, name)
);
CREATE INDEX help_services_public ON help_services (verified_at, retired_at);
