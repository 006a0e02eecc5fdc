-- What the facilitator writes for the report's CREDES items that the data cannot tell: why a Delphi study,
-- how the panel was chosen, the convenor's own interest, external validation and dissemination.
CREATE TABLE study_report_notes (
    study_id            INTEGER NOT NULL PRIMARY KEY REFERENCES studies (id),
    delphi_rationale    TEXT    NOT NULL DEFAULT '',
    panel_selection     TEXT    NOT NULL DEFAULT '',
    convenor_interest   TEXT    NOT NULL DEFAULT '',
    external_validation TEXT    NOT NULL DEFAULT '',
    dissemination       TEXT    NOT NULL DEFAULT '',
    updated_at          TEXT    NOT NULL
);
