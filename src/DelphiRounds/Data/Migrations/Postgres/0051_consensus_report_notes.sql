-- What the facilitator writes for the report's CREDES items that the data cannot tell: why a Delphi study,
-- how the panel was chosen, the convenor's own interest, external validation and dissemination.
CREATE TABLE study_report_notes (
    study_id            bigint      NOT NULL PRIMARY KEY REFERENCES studies (id),
    delphi_rationale    text        NOT NULL DEFAULT '',
    panel_selection     text        NOT NULL DEFAULT '',
    convenor_interest   text        NOT NULL DEFAULT '',
    external_validation text        NOT NULL DEFAULT '',
    dissemination       text        NOT NULL DEFAULT '',
    updated_at          timestamptz NOT NULL
);
