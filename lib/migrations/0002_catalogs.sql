-- Migration 2: rule libraries imported with `ciiguard catalog import` (docs/catalog-format.md).
-- The built-in libraries are compiled into the binary and have no rows here.
-- content is the YAML file exactly as imported; the audit trail records its SHA-256.

CREATE TABLE catalogs (
    urn TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    locale TEXT,
    content TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
