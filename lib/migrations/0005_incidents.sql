-- Migration 5: cybersecurity incidents. The whole record (figures, narrative, affected systems,
-- timeline of actions, grade history, report submissions) is one JSON document in `doc`, the
-- state the audit trail records; the columns beside it are what lists and clocks select on, and
-- are part of the audited state too. Times are RFC 3339 UTC.
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    discovered_at TEXT NOT NULL,
    handled_at TEXT,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX incidents_status ON incidents (status, discovered_at);
