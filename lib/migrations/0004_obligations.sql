-- Migration 4: the obligation register. Which obligations apply is computed from the catalog
-- and the screening of each system; stored is only what people record: the status of an
-- obligation in a scope ('organisation' or a system id), and the evidence attached to it.
-- Evidence files are kept content-addressed by SHA-256, base64 in TEXT (portable, no BYTEA).
CREATE TABLE obligation_status (
    scope TEXT NOT NULL,
    urn TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'met', 'not_applicable')),
    owner TEXT,
    reason TEXT,
    last_met TEXT,
    due TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (scope, urn)
);
CREATE TABLE evidence (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- target is "sha256:HEX" for a stored file or "TYPE:ID" for an audited ciiguard record.
CREATE TABLE evidence_links (
    scope TEXT NOT NULL,
    urn TEXT NOT NULL,
    target TEXT NOT NULL,
    filename TEXT,
    note TEXT,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    PRIMARY KEY (scope, urn, target)
);
