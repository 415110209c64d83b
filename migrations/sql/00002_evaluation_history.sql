-- +goose Up
-- Evaluation history, compact but complete: per request one row with
-- constraint_id '' holding the totals and the constraint_set, and one row
-- per violated constraint with its violations. Satisfied constraints are
-- implied by the set and its versions.
--
-- Partitioned by request_ts, the request's JetStream timestamp: a
-- redelivery does not change it, so the primary key (which Postgres
-- requires to include the partition key) makes a redelivered message
-- write nothing twice. A replay writes under its own replay_id.
CREATE TABLE evaluation_history (
    request_ts     timestamptz NOT NULL,
    request_id     text        NOT NULL,
    replay_id      text        NOT NULL DEFAULT '',
    constraint_id  text        NOT NULL DEFAULT '',
    schedule_id    text        NOT NULL,
    sport          text        NOT NULL,
    revision       bigint,
    status         text        NOT NULL,
    constraint_set text        NOT NULL,
    version        integer,
    kind           text,
    hard           boolean,
    deviation      bigint,
    cost           numeric(24, 6),
    detail         jsonb,
    stream_seq     bigint,
    evaluated_at   timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_ts, request_id, replay_id, constraint_id)
) PARTITION BY RANGE (request_ts);

CREATE INDEX evaluation_history_constraint ON evaluation_history (constraint_id, created_at);
CREATE INDEX evaluation_history_created ON evaluation_history (created_at);
CREATE INDEX evaluation_history_request ON evaluation_history (request_id);

-- +goose Down
DROP TABLE evaluation_history;
