-- When the run manifest (runs/<plan>/<runId>/run.json) was written to the backup repository.
ALTER TABLE runs ADD COLUMN manifest_written_at TIMESTAMPTZ;
CREATE INDEX runs_manifest_pending ON runs (ended_at) WHERE manifest_written_at IS NULL AND ended_at IS NOT NULL;
