-- Migration 1: the operator profile, the system inventory and the audit trail.
-- Portable SQL: TEXT, INTEGER, BIGINT only; booleans are INTEGER 0/1; times are RFC 3339 text.
-- The SQLite backend turns "BIGINT PRIMARY KEY" into "INTEGER PRIMARY KEY" (a rowid alias).

CREATE TABLE operator (
    id TEXT PRIMARY KEY CHECK (id = 'operator'),
    name TEXT NOT NULL,
    sector TEXT NOT NULL,
    protection_department TEXT NOT NULL,
    notified_cii INTEGER NOT NULL CHECK (notified_cii IN (0, 1)),
    notified_at TEXT,
    central_or_state_organ INTEGER NOT NULL CHECK (central_or_state_organ IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE systems (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    description TEXT NOT NULL,
    sector TEXT NOT NULL,
    supports_core_business INTEGER NOT NULL CHECK (supports_core_business IN (0, 1)),
    harm_if_compromised TEXT NOT NULL,
    cross_sector_impact INTEGER NOT NULL CHECK (cross_sector_impact IN (0, 1)),
    notified_cii INTEGER NOT NULL CHECK (notified_cii IN (0, 1)),
    notified_at TEXT,
    serves_cii_operators INTEGER NOT NULL CHECK (serves_cii_operators IN (0, 1)),
    ai_kind TEXT,
    ai_model_source TEXT,
    ai_public_generative_service INTEGER NOT NULL CHECK (ai_public_generative_service IN (0, 1)),
    data_pi_subjects BIGINT NOT NULL CHECK (data_pi_subjects >= 0),
    data_sensitive_pi_subjects BIGINT NOT NULL CHECK (data_sensitive_pi_subjects >= 0),
    data_important_data INTEGER NOT NULL CHECK (data_important_data IN (0, 1)),
    data_core_data INTEGER NOT NULL CHECK (data_core_data IN (0, 1)),
    users BIGINT NOT NULL CHECK (users >= 0),
    mlps_level INTEGER CHECK (mlps_level BETWEEN 1 AND 5),
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE system_links (
    system_id TEXT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    to_id TEXT NOT NULL REFERENCES systems (id),
    kind TEXT NOT NULL,
    PRIMARY KEY (system_id, to_id, kind)
);
CREATE INDEX system_links_to ON system_links (to_id);

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    state TEXT,
    state_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity_id, seq);
