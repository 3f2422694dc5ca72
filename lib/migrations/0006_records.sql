-- Migration 6: the governance registers (vendors, agreements, procurements, people, ...). One
-- JSON document per record, keyed by its register (kind) and id; the audit trail records it
-- with personal fields as hashes (lib/register.c).
CREATE TABLE records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
