-- The sessions table, owned by this app (versioned by sqlx's migrator).
--
-- Earlier versions kept sessions in tower-sessions-sqlx-store's table
-- `tower_sessions`, with the expiry as RFC 3339 text; live ones move here.
-- Creating that table when it is missing makes the move a no-op on a new file.
CREATE TABLE IF NOT EXISTS tower_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    -- The encoded record (MessagePack).
    data BLOB NOT NULL,
    -- Unix milliseconds.
    expires_at INTEGER NOT NULL
) STRICT;

-- For the expired-session sweep.
CREATE INDEX sessions_expires_at ON sessions (expires_at);

INSERT INTO sessions (id, data, expires_at)
SELECT id, data, CAST(unixepoch(expiry_date, 'subsec') * 1000 AS INTEGER)
FROM tower_sessions
WHERE unixepoch(expiry_date, 'subsec') > unixepoch('now', 'subsec');

DROP TABLE tower_sessions;
