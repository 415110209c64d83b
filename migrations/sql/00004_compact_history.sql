-- +goose Up
-- One row per request (issue 9): the summary row (constraint_id '') now
-- carries its violated constraints too, in results, as a JSON array of
-- the result's own entries (constraint_id, version, kind, hard,
-- deviation, cost, violations). A record is then one row under one key,
-- so ON CONFLICT DO NOTHING keeps it whole: a redelivery that evaluated
-- differently can no longer add its violation rows to the first
-- attempt's summary. Rows written before stay as they are (results NULL,
-- a row per violated constraint); history.Rebuild reads both.
ALTER TABLE evaluation_history ADD COLUMN results jsonb;

-- +goose Down
-- Back to a row per violated constraint, so that nothing written since
-- is lost.
INSERT INTO evaluation_history (request_ts, request_id, replay_id, constraint_id,
    schedule_id, sport, revision, status, constraint_set, version, kind, hard,
    deviation, cost, detail, stream_seq, evaluated_at)
SELECT h.request_ts, h.request_id, h.replay_id, e->>'constraint_id',
    h.schedule_id, h.sport, h.revision, h.status, h.constraint_set,
    (e->>'version')::integer, e->>'kind', (e->>'hard')::boolean,
    (e->>'deviation')::bigint, (e->>'cost')::numeric,
    coalesce(e->'violations', 'null'::jsonb), h.stream_seq, h.evaluated_at
FROM evaluation_history h, jsonb_array_elements(h.results) e
WHERE h.constraint_id = '' AND h.results IS NOT NULL
ON CONFLICT DO NOTHING;
ALTER TABLE evaluation_history DROP COLUMN results;
