-- The sessions table, owned by this app (versioned by sqlx's migrator). It
-- runs in the schema `leptos_sessions`, the first on the store's search_path,
-- where sqlx keeps its `_sqlx_migrations` table too: apart from any other
-- application's tables and migrations in the same database.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    -- The encoded record (MessagePack).
    data BYTEA NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- For the expired-session sweep.
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Earlier versions kept sessions in tower-sessions-sqlx-store's table; live
-- ones move here. Instances of an earlier version still running would fail
-- their store calls from now on (503s): stop them before starting this one.
DO $$
BEGIN
    IF to_regclass('tower_sessions.session') IS NOT NULL THEN
        INSERT INTO sessions (id, data, expires_at)
        SELECT id, data, expiry_date FROM tower_sessions.session WHERE expiry_date > now();
        DROP TABLE tower_sessions.session;
    END IF;
END
$$;
