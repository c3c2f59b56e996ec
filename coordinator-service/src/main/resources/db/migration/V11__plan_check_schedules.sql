-- Scheduled repository checks per plan (issue 16). A check may be limited to one plan's backups (plan set), and a
-- plan with a "check" in its spec has one row here with the check's next fire time. A coordinator claims a due row
-- with SELECT ... FOR UPDATE SKIP LOCKED and advances next_fire_at in the transaction that records the check, so with
-- several coordinators a slot starts one check (and the one-running index keeps them from overlapping).
ALTER TABLE repository_checks ADD COLUMN plan TEXT;
CREATE INDEX repository_checks_plan ON repository_checks (plan, created_at DESC) WHERE plan IS NOT NULL;

CREATE TABLE plan_check_schedules (
    plan_name      TEXT PRIMARY KEY REFERENCES plans (name) ON DELETE CASCADE,
    schedule       TEXT        NOT NULL,
    timezone       TEXT        NOT NULL,
    next_fire_at   TIMESTAMPTZ NOT NULL,
    last_fired_at  TIMESTAMPTZ,
    last_check_id  UUID
);
CREATE INDEX plan_check_schedules_due ON plan_check_schedules (next_fire_at);
