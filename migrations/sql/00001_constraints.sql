-- +goose Up
-- The constraint store. A constraint is known by its sport and id (ITC2021
-- instances of different sports reuse ids); configuration holds what
-- scores it: params, hard, penalty.
CREATE TABLE constraints (
    sport         text        NOT NULL,
    id            text        NOT NULL,
    type          text        NOT NULL,
    name          text        NOT NULL DEFAULT '',
    version       integer     NOT NULL CHECK (version >= 1),
    priority      text        NOT NULL,
    configuration jsonb       NOT NULL,
    metadata      jsonb       NOT NULL DEFAULT '{}',
    active        boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sport, id)
);
CREATE INDEX constraints_active_by_sport ON constraints (sport) WHERE active;

-- Every version ever saved, so that any can be rolled back to. document
-- is the whole CONTRACT §2 document as it was.
CREATE TABLE constraint_versions (
    sport      text        NOT NULL,
    id         text        NOT NULL,
    version    integer     NOT NULL,
    document   jsonb       NOT NULL,
    change     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sport, id, version)
);

-- +goose Down
DROP TABLE constraint_versions;
DROP TABLE constraints;
