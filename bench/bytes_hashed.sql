-- What `ciiguard audit verify` feeds to SHA-256, computed from the database alone (see
-- lib/audit.c: preimage(), cg_audit_verify(), check_record()). Per event: its preimage, i.e.
-- the tag "ciiguard-audit-v1\n" (18 bytes) and the netstrings "<len>:<bytes>," of seq, at,
-- actor, action, entity_type, entity_id, state_hash, prev_hash; and its state JSON when not
-- NULL. Per current record: its canonical JSON, which equals the state of the entity's last
-- event when the trail verifies. Lengths are in bytes (CAST AS BLOB), not characters.
-- Output (one row, |-separated): events, events_with_state, records,
-- preimage_bytes, state_bytes, record_bytes, sha256_blocks.
WITH ev AS (
	SELECT length(CAST(seq AS TEXT)) AS l0,
	       length(CAST(at AS BLOB)) AS l1, length(CAST(actor AS BLOB)) AS l2,
	       length(CAST(action AS BLOB)) AS l3, length(CAST(entity_type AS BLOB)) AS l4,
	       length(CAST(entity_id AS BLOB)) AS l5, length(CAST(state_hash AS BLOB)) AS l6,
	       length(CAST(prev_hash AS BLOB)) AS l7, length(CAST(state AS BLOB)) AS ls
	FROM audit_events
), pre AS (
	SELECT 18 + (length(l0) + l0 + 2) + (length(l1) + l1 + 2) + (length(l2) + l2 + 2)
	          + (length(l3) + l3 + 2) + (length(l4) + l4 + 2) + (length(l5) + l5 + 2)
	          + (length(l6) + l6 + 2) + (length(l7) + l7 + 2) AS lp, ls
	FROM ev
), rec AS (
	SELECT length(CAST(state AS BLOB)) AS lr FROM audit_events
	WHERE state IS NOT NULL
	  AND seq IN (SELECT max(seq) FROM audit_events GROUP BY entity_type, entity_id)
), e AS (
	-- SHA-256 processes 64-byte blocks: message + 0x80 + 8 length bytes, rounded up.
	SELECT count(*) AS n, count(ls) AS ns, sum(lp) AS bp, coalesce(sum(ls), 0) AS bs,
	       sum((lp + 72) / 64) + coalesce(sum((ls + 72) / 64), 0) AS blocks
	FROM pre
), r AS (
	SELECT count(*) AS n, coalesce(sum(lr), 0) AS b, coalesce(sum((lr + 72) / 64), 0) AS blocks FROM rec
)
SELECT e.n, e.ns, r.n, e.bp, e.bs, r.b, e.blocks + r.blocks FROM e, r;
