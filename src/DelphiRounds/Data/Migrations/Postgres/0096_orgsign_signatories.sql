-- Signing per organisation (issue 18, item 6). A signatory signs for an organisation of the panel
-- (organisation_id) or, with organisation_id NULL, for an outside party that is not on the panel.
-- The mandate is what the signatory states about their authority to sign; it is pre-filled from
-- registration and stated (confirmed or corrected) when signing. Four eyes: a second person of the same
-- organisation is registered as a signatory row that confirms (confirms_signatory_id) the first one's
-- signature with their own one-time link; until then the signature does not count.
ALTER TABLE signatories ADD COLUMN organisation_id bigint REFERENCES organisations (id);
ALTER TABLE signatories ADD COLUMN mandate text;
ALTER TABLE signatories ADD COLUMN confirms_signatory_id bigint REFERENCES signatories (id);
CREATE INDEX signatories_organisation ON signatories (organisation_id);
CREATE INDEX signatories_confirms ON signatories (confirms_signatory_id);

-- Hashed fields of entries since signing per organisation, kept beside the entry (a table of its own, so that a
-- rebuild of ledger_entries, as 0110 does on SQLite, cannot lose them): the stated mandate, whether the
-- organisation is on the panel (1/0), whether the endorsement waits for a second person's confirmation (1), and
-- for a confirmation the sequence of the endorsement it confirms. Older entries have no row: their hashes stay as they were.
CREATE TABLE ledger_entry_signing (
    study_id  bigint NOT NULL REFERENCES studies (id),
    sequence  bigint NOT NULL,
    mandate   text,
    on_panel  bigint,
    four_eyes bigint,
    confirms  bigint,
    PRIMARY KEY (study_id, sequence)
);
CREATE TRIGGER ledger_entry_signing_append_only BEFORE UPDATE OR DELETE ON ledger_entry_signing
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
