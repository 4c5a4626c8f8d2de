-- 005_vocabularies.sql: the lists of codes the data uses are data (issue 8). The same
-- schema as sql/sqlite/005_vocabularies.sql, in PostgreSQL's dialect: see its comments.

CREATE TABLE vocabulary (
    list TEXT NOT NULL
        CHECK (list IN ('org_kind', 'activity_kind', 'audience', 'tool_kind', 'document_kind')),
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    position BIGINT NOT NULL,
    retired BIGINT NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    organiser BIGINT NOT NULL DEFAULT 0 CHECK (organiser IN (0, 1)),
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

ALTER TABLE organisations DROP CONSTRAINT organisations_kind_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_kind_check
    CHECK (length(kind) BETWEEN 1 AND 40);
ALTER TABLE tools DROP CONSTRAINT tools_kind_check;
ALTER TABLE tools ADD CONSTRAINT tools_kind_check CHECK (length(kind) BETWEEN 1 AND 40);

INSERT INTO vocabulary (list, code, position, organiser)
    SELECT 'org_kind', kind, row_number() OVER (ORDER BY kind),
           CASE WHEN kind = 'coe_body' THEN 1 ELSE 0 END
    FROM (SELECT DISTINCT kind FROM organisations) k;
INSERT INTO vocabulary (list, code, position)
    SELECT 'activity_kind', kind, row_number() OVER (ORDER BY kind)
    FROM (SELECT DISTINCT kind FROM activity_kinds) k;
INSERT INTO vocabulary (list, code, position)
    SELECT 'audience', audience, row_number() OVER (ORDER BY audience)
    FROM (SELECT DISTINCT audience FROM activity_audiences) k;
INSERT INTO vocabulary (list, code, position)
    SELECT 'tool_kind', kind, row_number() OVER (ORDER BY kind)
    FROM (SELECT DISTINCT kind FROM tools) k;
INSERT INTO vocabulary (list, code, position)
    SELECT 'document_kind', kind, row_number() OVER (ORDER BY kind)
    FROM (SELECT DISTINCT kind FROM documents) k;
