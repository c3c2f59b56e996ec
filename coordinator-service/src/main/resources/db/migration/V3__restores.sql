-- Restores, restore drills and re-verifications are runs too: they point at the backup they use, carry the
-- operator's options, and their steps run in ordered waves.
ALTER TABLE runs ADD COLUMN source_run_id UUID REFERENCES runs (id);
ALTER TABLE runs ADD COLUMN options TEXT;
-- What the run found: a dry run's report, a drill's figures.
ALTER TABLE runs ADD COLUMN result TEXT;
-- On a backup: whether a restore drill passed on it, when, and the drill's figures (RTO, counts).
ALTER TABLE runs ADD COLUMN verified BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE runs ADD COLUMN verified_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN verification TEXT;
CREATE INDEX runs_by_source ON runs (source_run_id) WHERE source_run_id IS NOT NULL;

ALTER TABLE steps ADD COLUMN wave INT NOT NULL DEFAULT 0;
ALTER TABLE steps ADD COLUMN parameters TEXT NOT NULL DEFAULT '{}';
ALTER TABLE steps ADD COLUMN expected_sha256 TEXT;
