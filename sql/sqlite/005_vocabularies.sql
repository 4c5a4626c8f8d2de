-- 005_vocabularies.sql: the lists of codes the data uses are data (issue 8): kinds of
-- partner, kinds of activity, audiences, tool kinds and document kinds, each term with its
-- labels per language, its place in the list, a retired flag and, for kinds of partner, the
-- organiser flag (include/aw/vocab.h). data/reference/vocabularies.csv ships the European
-- Day's lists; admins edit them at /{lang}/admin/vocabularies. SQLite dialect.
--
-- The CHECK constraints that listed the kinds of partner and of tool go: the vocabulary is
-- the list now. SQLite cannot drop a constraint, so both tables are rebuilt (sqlite.org's
-- "making other kinds of table schema changes"); the migration runs with foreign keys off
-- and checked once before its commit (sql.h: schema_begin/schema_end).

CREATE TABLE vocabulary (
    list TEXT NOT NULL
        CHECK (list IN ('org_kind', 'activity_kind', 'audience', 'tool_kind', 'document_kind')),
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    position INTEGER NOT NULL,
    retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    organiser INTEGER NOT NULL DEFAULT 0 CHECK (organiser IN (0, 1)),
    PRIMARY KEY (list, code)
);

CREATE TABLE vocabulary_labels (
    list TEXT NOT NULL,
    code TEXT NOT NULL,
    lang TEXT NOT NULL CHECK (length(lang) = 2),
    label TEXT NOT NULL CHECK (length(label) > 0),
    PRIMARY KEY (list, code, lang),
    FOREIGN KEY (list, code) REFERENCES vocabulary (list, code) ON DELETE CASCADE
);

CREATE TABLE organisations_new (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    country_code TEXT REFERENCES countries (code),
    country_key TEXT GENERATED ALWAYS AS (COALESCE(country_code, '')) STORED,
    website TEXT,
    UNIQUE (name, country_key)
);
INSERT INTO organisations_new (id, slug, name, kind, country_code, website)
    SELECT id, slug, name, kind, country_code, website FROM organisations;
DROP TABLE organisations;
ALTER TABLE organisations_new RENAME TO organisations;
CREATE INDEX organisations_country ON organisations (country_code);

CREATE TABLE tools_new (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id),
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    title TEXT NOT NULL,
    description TEXT,
    url TEXT,
    UNIQUE (edition_id, kind, title)
);
INSERT INTO tools_new (id, edition_id, kind, title, description, url)
    SELECT id, edition_id, kind, title, description, url FROM tools;
DROP TABLE tools;
ALTER TABLE tools_new RENAME TO tools;

-- A database made before this migration keeps meaning what it meant: every code in use
-- becomes a term (labelled by the next 'awareday init', which adds the shipped lists'
-- labels and missing terms and changes nothing an admin set).
INSERT INTO vocabulary (list, code, position, organiser)
    SELECT 'org_kind', kind, row_number() OVER (ORDER BY kind), kind = 'coe_body'
    FROM (SELECT DISTINCT kind FROM organisations);
INSERT INTO vocabulary (list, code, position)
    SELECT 'activity_kind', kind, row_number() OVER (ORDER BY kind)
    FROM (SELECT DISTINCT kind FROM activity_kinds);
INSERT INTO vocabulary (list, code, position)
    SELECT 'audience', audience, row_number() OVER (ORDER BY audience)
    FROM (SELECT DISTINCT audience FROM activity_audiences);
INSERT INTO vocabulary (list, code, position)
    SELECT 'tool_kind', kind, row_number() OVER (ORDER BY kind)
    FROM (SELECT DISTINCT kind FROM tools);
INSERT INTO vocabulary (list, code, position)
    SELECT 'document_kind', kind, row_number() OVER (ORDER BY kind)
    FROM (SELECT DISTINCT kind FROM documents);
