-- Schedules and retention (issue 5).

-- One row per plan with a schedule. A coordinator claims due rows with SELECT ... FOR UPDATE SKIP LOCKED and
-- advances next_fire_at in the transaction that starts the run, so with several coordinators a slot fires once.
CREATE TABLE plan_schedules (
    plan_name      TEXT PRIMARY KEY REFERENCES plans (name) ON DELETE CASCADE,
    schedule       TEXT        NOT NULL,
    timezone       TEXT        NOT NULL,
    next_fire_at   TIMESTAMPTZ NOT NULL,
    last_fired_at  TIMESTAMPTZ,
    -- Set when a staleness alarm was published; cleared by the next CONSISTENT run (one alarm per episode).
    stale_since    TIMESTAMPTZ
);
CREATE INDEX plan_schedules_due ON plan_schedules (next_fire_at);

-- Expiry: retention decided (expiring_at, with the rule), then every artifact deleted (expired_at).
ALTER TABLE runs ADD COLUMN expiring_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN expired_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN expiry_reason TEXT;
CREATE INDEX runs_expiring ON runs (expiring_at) WHERE expiring_at IS NOT NULL AND expired_at IS NULL;

-- Named leases shared by coordinators on one catalog (retention passes, blob garbage collection).
CREATE TABLE coordinator_leases (
    name    TEXT PRIMARY KEY,
    holder  TEXT        NOT NULL,
    until   TIMESTAMPTZ NOT NULL
);
