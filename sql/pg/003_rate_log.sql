-- 003_rate_log.sql: rate limits as an exact sliding-window log (issue 6),
-- replacing the fixed-window counters of 002, which let up to twice a limit
-- through across a window boundary (SQLite dialect; portable as 002 is).
--
-- The rule is in src/store/store.c (aw_store_rate_hit): a hit is logged
-- only when fewer than `limit` hits of its key are younger than the window,
-- so a key holds at most `limit` rows however hard it is hammered.
-- The counters of 002 cannot be turned into times: an upgrade starts every
-- key afresh.
DROP TABLE rate_limits;

-- One row per allowed hit (at: Unix seconds). Not unique: two hits of one
-- key may come in the same second.
CREATE TABLE rate_log (
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX rate_log_key ON rate_log (key, at); -- a key's window, oldest first
CREATE INDEX rate_log_at ON rate_log (at);       -- pruning every key's old hits

-- The first refusal of a key's current episode (at: Unix seconds): a refusal
-- is the first of an episode when none is recorded in the window before it,
-- so callers can report a throttled key once per window, not once per hit.
CREATE TABLE rate_refusals (
    key TEXT NOT NULL PRIMARY KEY,
    at BIGINT NOT NULL
);
CREATE INDEX rate_refusals_at ON rate_refusals (at);
