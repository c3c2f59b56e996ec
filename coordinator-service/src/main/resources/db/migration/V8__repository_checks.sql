-- Repository checks (issue 16): one row per check, run in the background by the coordinator that accepted it, with
-- its progress and summary as JSON. At most one check runs at a time (the partial unique index).
CREATE TABLE repository_checks (
    id             UUID PRIMARY KEY,
    state          TEXT NOT NULL,
    read_data      BOOLEAN NOT NULL,
    sample_percent INTEGER NOT NULL,
    requested_by   TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    progress_at    TIMESTAMPTZ NOT NULL,
    ended_at       TIMESTAMPTZ,
    progress       TEXT,
    summary        TEXT,
    error          TEXT
);
CREATE UNIQUE INDEX repository_checks_one_running ON repository_checks ((state)) WHERE state = 'RUNNING';
CREATE INDEX repository_checks_created ON repository_checks (created_at DESC);

-- What the last checks found wrong with a backup's artifacts; null while nothing is known to be wrong.
ALTER TABLE runs ADD COLUMN damage TEXT;
