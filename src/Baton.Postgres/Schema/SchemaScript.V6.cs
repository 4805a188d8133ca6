namespace Baton.Postgres.Schema;

/// <summary>
/// Schema v6: the hot path as plain SQL statements (see <see cref="Sessions.Statements"/>), which need the member in a
/// session setting and no leftover row under the session's own process id; and breaking a lock.
/// </summary>
internal static partial class SchemaScript
{
    private const string V6Text = """
-- A leftover row is moved to a negative pid drawn here, so that it can never be taken for a row of a later session
-- that gets the same process id (the plain-SQL acquire leaves the session's own row alone). Unlogged where it can
-- be: it is emptied by crash recovery together with the holds table.
DO $ids$ BEGIN
    IF current_setting('server_version_num')::integer >= 150000 THEN
        EXECUTE 'CREATE UNLOGGED SEQUENCE IF NOT EXISTS @S.leftover_ids AS integer MAXVALUE 2147483647 CYCLE';
    ELSE
        EXECUTE 'CREATE SEQUENCE IF NOT EXISTS @S.leftover_ids AS integer MAXVALUE 2147483647 CYCLE';
    END IF;
END $ids$;

-- The holds an operator broke and whose sessions have not let them go yet: what every coordinator looks for at
-- each check. Only the rare 'b' rows are in it, and no statement of the hot path changes ended (it sets the
-- null it finds), so holds are still updated in place.
CREATE INDEX IF NOT EXISTS holds_broken ON @S.holds (pid) WHERE ended = 'b';

-- Tokens of holds whose sessions a break had to end: their coordinators read here why their sessions ended.
CREATE UNLOGGED TABLE IF NOT EXISTS @S.broken_tokens (
    token bigint PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp());

-- hello, plus the member as a session setting (the acquiring statements write it without a parameter), and the
-- rows an earlier session with this process id left held moved aside as the leftovers they are.
CREATE OR REPLACE FUNCTION @S.hello6(p_member text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM @S.hello(p_member);
    PERFORM set_config('baton.member', p_member, false);
    UPDATE @S.holds SET pid = -nextval('@S.leftover_ids')::integer WHERE pid = pg_backend_pid() AND held;
END $$;

-- try_upgrade, which also refuses to upgrade a hold a break has marked (outcome 'b'): the reader is to let it go.
CREATE OR REPLACE FUNCTION @S.try_upgrade6(p_space integer, p_key integer, p_upgrade_key integer, p_wait boolean, p_token bigint,
    OUT o_outcome "char", OUT o_token bigint) LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM @S.holds WHERE key = p_key AND pid = pg_backend_pid() AND token = p_token AND ended = 'b') THEN
        o_outcome := 'b';
        RETURN;
    END IF;
    SELECT r.o_outcome, r.o_token INTO o_outcome, o_token FROM @S.try_upgrade(p_space, p_key, p_upgrade_key, p_wait, p_token) r;
END $$;

-- finish_upgrade, except that a hold a break marked while it waited is not upgraded (null): the exclusive lock it
-- has just been granted and the upgrade key go again, and the reader lets its shared hold go as broken.
CREATE OR REPLACE FUNCTION @S.finish_upgrade6(p_space integer, p_key integer, p_upgrade_key integer, p_token bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    result bigint;
BEGIN
    PERFORM pg_advisory_lock(p_space, p_key);
    IF EXISTS (SELECT 1 FROM @S.holds WHERE key = p_key AND pid = pg_backend_pid() AND token = p_token AND ended = 'b') THEN
        PERFORM pg_advisory_unlock(p_space, p_key);
        PERFORM pg_advisory_unlock(p_space, p_upgrade_key);
        RETURN NULL;
    END IF;
    result := current_setting('baton.epoch')::bigint * 17592186044416 + nextval('@S.fencing_fast');
    UPDATE @S.holds SET mode = 'x', token = result
        WHERE key = p_key AND pid = pg_backend_pid() AND token = p_token;
    PERFORM pg_advisory_unlock_shared(p_space, p_key);
    PERFORM pg_advisory_unlock(p_space, p_upgrade_key);
    RETURN result;
END $$;

-- Breaks a name: marks the live holds of it (granted in pg_locks, with their rows) and returns them. Their
-- coordinators let them go at their next check (release_broken); break_wait ends the sessions of those that do not.
CREATE OR REPLACE FUNCTION @S.break_mark(p_space integer, p_kind smallint, p_name text)
RETURNS TABLE (o_pid integer, o_key integer, o_token bigint, o_mode text, o_member text, o_since timestamptz)
LANGUAGE sql AS $$
    UPDATE @S.holds h SET ended = 'b'
    FROM @S.names n
    WHERE n.kind = p_kind AND n.name = p_name AND n.slot >= 0 AND (n.slot > 0) = (p_kind = 1)
      AND h.key = n.id AND h.held AND h.pid > 0
      AND EXISTS (SELECT 1 FROM pg_locks l
                  WHERE l.locktype = 'advisory' AND l.classid = p_space AND l.objid::bigint = h.key AND l.objsubid = 2
                    AND l.pid = h.pid AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
    RETURNING h.pid, h.key, h.token, h.mode::text, h.member, h.since;
$$;

-- Waits up to p_grace_ms for the marked holds to end (released, or let go after the break); returns the sessions
-- that still hold one, with their tokens recorded in broken_tokens (committed before break_end ends them, so their
-- coordinators can read why).
CREATE OR REPLACE FUNCTION @S.break_wait(p_space integer, p_pids integer[], p_keys integer[], p_tokens bigint[], p_grace_ms integer)
RETURNS integer[] LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + p_grace_ms * interval '1 millisecond';
    pending integer[];
BEGIN
    LOOP
        SELECT array_agg(DISTINCT b.pid) INTO pending FROM unnest(p_pids, p_keys, p_tokens) b(pid, key, token)
            WHERE EXISTS (SELECT 1 FROM @S.holds h WHERE h.key = b.key AND h.pid = b.pid AND h.token = b.token AND h.held);
        EXIT WHEN pending IS NULL OR clock_timestamp() >= deadline;
        PERFORM pg_sleep(0.02);
    END LOOP;
    DELETE FROM @S.broken_tokens WHERE at < clock_timestamp() - interval '1 hour';
    INSERT INTO @S.broken_tokens (token) SELECT b.token FROM unnest(p_pids, p_tokens) b(pid, token) WHERE b.pid = ANY (pending)
        ON CONFLICT (token) DO NOTHING;
    RETURN coalesce(pending, '{}');
END $$;

-- Ends the sessions among p_pids that still hold one of p_keys; returns them. PostgreSQL 14+ waits (up to 5 s)
-- until each session is gone, and its locks with it.
CREATE OR REPLACE FUNCTION @S.break_end(p_space integer, p_pids integer[], p_keys integer[])
RETURNS integer[] LANGUAGE plpgsql AS $$
DECLARE
    terminated integer[] := '{}';
    p integer;
BEGIN
    FOREACH p IN ARRAY p_pids LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.classid = p_space AND l.objsubid = 2 AND l.pid = p AND l.granted
              AND l.objid::bigint = ANY (p_keys));
        IF current_setting('server_version_num')::integer >= 140000 THEN
            EXECUTE 'SELECT pg_terminate_backend($1, 5000)' USING p;
        ELSE
            PERFORM pg_terminate_backend(p);
        END IF;
        terminated := terminated || p;
    END LOOP;
    RETURN terminated;
END $$;

-- A coordinator lets a broken hold go: its row moves aside still held and marked, so the next holder is told
-- that it was broken, and the lock is unlocked.
CREATE OR REPLACE FUNCTION @S.release_broken(p_space integer, p_key integer, p_shared boolean, p_token bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE @S.holds SET pid = -nextval('@S.leftover_ids')::integer
        WHERE key = p_key AND pid = pg_backend_pid() AND token = p_token;
    IF p_shared THEN
        PERFORM pg_advisory_unlock_shared(p_space, p_key);
    ELSE
        PERFORM pg_advisory_unlock(p_space, p_key);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION @S.@MARKER() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$;
""";
}
