-- Key rotation (issue 19): the service's keys that sign ledger heads, oldest first. The first key is the root;
-- every later key was introduced by `delphi key rotate`, which signed it with the key before it (canonical JSON
-- of {format, previous, next, spki, at}; ECDSA P-256, IEEE P1363, base64). Published with every ledger as `keys`,
-- so heads signed with an old key stay verifiable and a head signed with any other key is refused.
CREATE TABLE service_keys (
    fingerprint          text    PRIMARY KEY,
    position             integer NOT NULL UNIQUE,
    spki                 text    NOT NULL,
    previous_fingerprint text,
    introduced_at        text    NOT NULL,
    rotation_signature   text
);
