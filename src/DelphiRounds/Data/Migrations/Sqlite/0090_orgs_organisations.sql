-- Organisations of a study's panel (issue 18): each belongs to one stakeholder group; a KvK number, when
-- given, is unique within the study. A panel member belongs to at most one organisation (the primary key).
CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    study_id   INTEGER NOT NULL REFERENCES studies (id),
    group_id   INTEGER NOT NULL REFERENCES stakeholder_groups (id),
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,
    kvk        TEXT,
    email      TEXT,
    created_at TEXT    NOT NULL,
    UNIQUE (study_id, name_key),
    UNIQUE (study_id, kvk)
);
CREATE INDEX organisations_group ON organisations (study_id, group_id);

CREATE TABLE organisation_members (
    participant_id  INTEGER PRIMARY KEY REFERENCES participants (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id)
);
CREATE INDEX organisation_members_organisation ON organisation_members (organisation_id);
