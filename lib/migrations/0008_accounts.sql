-- Migration 8: accounts of the HTTP API (issue 7). Passwords are kept as argon2id encoded hashes;
-- API tokens as the SHA-256 of their random secret; sessions of the web console by the SHA-256 of
-- their cookie. Sessions are short-lived and neither audited nor exported.
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'security_officer', 'principal', 'project_owner',
                                       'procurement', 'auditor')),
    password_hash TEXT NOT NULL,
    lang TEXT,
    disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    password_changed_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users (name),
    secret_sha256 TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users (name),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
