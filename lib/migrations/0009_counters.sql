-- Migration 9: counters for identifiers ciiguard allocates (incident ids, INC-YYYYMMDD-NNN), so
-- that allocating one is a key lookup, not a scan of the day's ids. Derived data: neither
-- audited nor exported; a counter that is missing (after an import) is rebuilt from the ids.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
