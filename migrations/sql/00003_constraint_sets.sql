-- +goose Up
-- The composition of every constraint set a result names: the version of
-- each constraint in it, by id. A set is written once, the first time a
-- history record names it, instead of with every request; together with
-- evaluation_history's rows it rebuilds which version of every constraint,
-- satisfied ones included, scored a request.
CREATE TABLE constraint_sets (
    id         text        PRIMARY KEY,
    sport      text        NOT NULL,
    versions   jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE constraint_sets;
