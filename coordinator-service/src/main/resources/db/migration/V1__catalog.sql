-- The coordinator's catalog: what agents announced, what operators planned, what ran.

CREATE TABLE agents (
    id            TEXT PRIMARY KEY,
    kind          TEXT        NOT NULL,
    version       TEXT,
    started_at    TIMESTAMPTZ,
    last_seen     TIMESTAMPTZ NOT NULL,
    active_steps  TEXT        NOT NULL DEFAULT '[]'
);

CREATE TABLE stores (
    id          TEXT PRIMARY KEY,
    kind        TEXT        NOT NULL,
    agent_id    TEXT        NOT NULL REFERENCES agents (id),
    databases   TEXT        NOT NULL DEFAULT '[]',
    attributes  TEXT        NOT NULL DEFAULT '{}',
    last_seen   TIMESTAMPTZ NOT NULL
);

CREATE TABLE plans (
    name        TEXT PRIMARY KEY,
    spec        TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT      NOT NULL DEFAULT 0
);

CREATE TABLE runs (
    id                 UUID PRIMARY KEY,
    plan_name          TEXT        NOT NULL,
    type               TEXT        NOT NULL,
    state              TEXT        NOT NULL,
    phase              TEXT        NOT NULL,
    label              TEXT,
    pinned             BOOLEAN     NOT NULL DEFAULT FALSE,
    plan_spec          TEXT        NOT NULL,
    consistency_point  TIMESTAMPTZ,
    bytes              BIGINT      NOT NULL DEFAULT 0,
    error              TEXT,
    created_at         TIMESTAMPTZ NOT NULL,
    started_at         TIMESTAMPTZ,
    ended_at           TIMESTAMPTZ,
    version            BIGINT      NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_plan ON runs (plan_name, created_at DESC);
CREATE INDEX runs_by_state ON runs (state);

CREATE TABLE steps (
    id              UUID PRIMARY KEY,
    run_id          UUID        NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq             INT         NOT NULL,
    store_id        TEXT        NOT NULL,
    store_kind      TEXT        NOT NULL,
    action          TEXT        NOT NULL,
    database_name   TEXT,
    state           TEXT        NOT NULL,
    agent_id        TEXT,
    artifact        TEXT,
    bytes           BIGINT,
    sha256          TEXT,
    evidence        TEXT        NOT NULL DEFAULT '{}',
    error           TEXT,
    deadline        TIMESTAMPTZ,
    snapshot_at     TIMESTAMPTZ,
    snapshot_lsn    TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    dispatched_at   TIMESTAMPTZ,
    accepted_at     TIMESTAMPTZ,
    started_at      TIMESTAMPTZ,
    ended_at        TIMESTAMPTZ,
    version         BIGINT      NOT NULL DEFAULT 0
);
CREATE INDEX steps_by_run ON steps (run_id, seq);

-- Every handled event id, so a replayed event is a no-op.
CREATE TABLE processed_events (
    event_id      TEXT PRIMARY KEY,
    type          TEXT        NOT NULL,
    processed_at  TIMESTAMPTZ NOT NULL
);

-- Transactional outbox: commands and run events written with the state change that causes them,
-- relayed to Kafka afterwards.
CREATE TABLE outbox (
    id           BIGSERIAL PRIMARY KEY,
    topic        TEXT        NOT NULL,
    message_key  TEXT,
    payload      TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
