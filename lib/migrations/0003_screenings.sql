-- Migration 3: the history of screenings. Rows are never changed or deleted (not even with the
-- system they screened: the history of a decommissioned system is kept), so there is no
-- foreign key to systems.
CREATE TABLE screenings (
    id TEXT PRIMARY KEY,
    system_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    perimeter TEXT NOT NULL,
    rules TEXT NOT NULL,
    inputs TEXT NOT NULL,
    catalog_version TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX screenings_system ON screenings (system_id, seq);
