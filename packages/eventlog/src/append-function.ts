/**
 * `meshgate_append(batch jsonb, lock_key bigint)`: a whole append as one statement, so that an
 * append costs one round trip whatever its size, and the batch crosses the wire as one jsonb
 * parameter (no per-element array escaping by the driver, no array parsing by the server).
 *
 * Called outside an explicit transaction, the call is its own transaction: the advisory lock
 * it takes is released at COMMIT, after the rows are visible, so sequence order stays commit
 * order (see sql-event-store.ts). The lock is taken first and the batch is planned by a second
 * statement: in READ COMMITTED each statement of a function takes a fresh snapshot, so the
 * planning sees every append committed before the lock was granted. The jsonb parameter is
 * parsed before the function runs, so the lock is not held while the server parses the batch.
 *
 * Batch elements: {s: streamId, t: type, d: data, m: metadata, k: dedupKey, e: expectedVersion}.
 * Returns {head, at, dup: [1-based positions skipped as duplicates], versions: [stream version of
 * each written event, in order]}; written events take sequences head+1, head+2, … in order.
 * An expected-version conflict raises SQLSTATE MGCON with the first conflict as JSON in DETAIL,
 * after which nothing of the batch is written.
 */
export const CONFLICT_SQLSTATE = 'MGCON';

export const APPEND_FUNCTION_SQL = `
CREATE FUNCTION meshgate_append(batch jsonb, lock_key bigint) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_head bigint;
  v_at timestamptz;
  v_conflict jsonb;
  v_dup int[];
  v_versions bigint[];
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  v_at := date_trunc('milliseconds', clock_timestamp());
  SELECT coalesce(max(sequence), 0) INTO v_head FROM events;
  WITH input AS (
    SELECT x.ord::int AS ord, x.el->>'s' AS s, x.el->>'t' AS t, coalesce(x.el->'d', 'null'::jsonb) AS d,
           coalesce(x.el->'m', '{}'::jsonb) AS m, x.el->>'k' AS k, (x.el->>'e')::bigint AS e
      FROM jsonb_array_elements(batch) WITH ORDINALITY AS x(el, ord)
  ),
  -- A key already in the log, or seen earlier in the batch (the first one wins), is skipped.
  marked AS (
    SELECT i.*, (i.k IS NOT NULL AND (row_number() OVER (PARTITION BY i.k ORDER BY i.ord) > 1
                 OR EXISTS (SELECT 1 FROM events ev WHERE ev.dedup_key = i.k))) AS dup
      FROM input i
  ),
  planned AS (
    SELECT m.*, v_head + row_number() OVER (ORDER BY m.ord) AS sequence,
           coalesce(st.version, 0) + row_number() OVER (PARTITION BY m.s ORDER BY m.ord) AS version
      FROM marked m LEFT JOIN streams st ON st.stream_id = m.s
     WHERE NOT m.dup
  ),
  -- The running version before each event is version - 1; deduplicated events are not checked.
  conflicts AS (
    SELECT jsonb_build_object('streamId', p.s, 'expected', p.e, 'actual', p.version - 1) AS c
      FROM planned p WHERE p.e IS NOT NULL AND p.e <> p.version - 1 ORDER BY p.ord LIMIT 1
  ),
  written AS (
    INSERT INTO events (sequence, stream_id, stream_version, type, data, metadata, dedup_key, recorded_at)
    SELECT p.sequence, p.s, p.version, p.t, p.d, p.m, p.k, v_at FROM planned p
     WHERE NOT EXISTS (SELECT 1 FROM conflicts)
  ),
  bumped AS (
    INSERT INTO streams (stream_id, version)
    SELECT p.s, max(p.version) FROM planned p WHERE NOT EXISTS (SELECT 1 FROM conflicts) GROUP BY p.s
    ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version
  )
  -- Data-modifying CTEs run to completion whether or not the query reads them.
  SELECT (SELECT c FROM conflicts),
         (SELECT coalesce(array_agg(ord ORDER BY ord), '{}') FROM marked WHERE dup),
         (SELECT coalesce(array_agg(version ORDER BY ord), '{}') FROM planned)
    INTO v_conflict, v_dup, v_versions;
  IF v_conflict IS NOT NULL THEN
    RAISE EXCEPTION 'expected version conflict' USING ERRCODE = '${CONFLICT_SQLSTATE}', DETAIL = v_conflict::text;
  END IF;
  RETURN jsonb_build_object(
    'head', v_head,
    'at', to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'dup', to_jsonb(v_dup),
    'versions', to_jsonb(v_versions));
END
$fn$`;
