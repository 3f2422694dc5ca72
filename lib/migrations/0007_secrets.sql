-- Migration 7: secrets of this database, made by ciiguard when first needed (lib/secret.c). The
-- first: the key of the keyed hash (HMAC-SHA-256) under which personal fields of the registers
-- enter the audit trail, so that the trail cannot be searched by guessing short values.
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
);
