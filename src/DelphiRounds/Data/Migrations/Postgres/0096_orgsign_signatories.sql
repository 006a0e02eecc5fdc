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

-- Hashed fields of entries since signing per organisation (NULL on older entries, whose hashes stay as they were):
-- the stated mandate, whether the organisation is on the panel (1/0), whether the endorsement waits for a
-- second person's confirmation (1), and for a confirmation the sequence of the endorsement it confirms.
ALTER TABLE ledger_entries ADD COLUMN mandate text;
ALTER TABLE ledger_entries ADD COLUMN on_panel bigint;
ALTER TABLE ledger_entries ADD COLUMN four_eyes bigint;
ALTER TABLE ledger_entries ADD COLUMN confirms bigint;
