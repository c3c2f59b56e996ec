-- Catalog rebuild (issue 16): the run version whose facts the repository holds, in run.json or in the newest run status
-- record (runs/<plan>/<run>/status/<version>.json); a run whose version is newer gets a status record written.
ALTER TABLE runs ADD COLUMN status_version BIGINT;
