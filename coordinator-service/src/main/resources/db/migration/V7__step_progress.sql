-- What a running step has done so far (objects, files or documents), and when its agent last said so: the API's
-- per-step progress and the run event stream show it.
ALTER TABLE steps ADD COLUMN items BIGINT;
ALTER TABLE steps ADD COLUMN progress_at TIMESTAMPTZ;
