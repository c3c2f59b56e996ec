-- The audit log: every call under /api/v1 that changes something (POST, PUT, PATCH, DELETE), refused ones too.
CREATE TABLE audit_log (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    subject      TEXT        NOT NULL,   -- a static token's name, a JWT's principal, or (anonymous) / (invalid token)
    role         TEXT,                   -- the caller's highest Lockstep role, if any
    method       TEXT        NOT NULL,
    path         TEXT        NOT NULL,
    target_kind  TEXT,                   -- plan or run
    target_id    TEXT,
    status       INTEGER     NOT NULL,   -- the HTTP status of the answer
    detail       TEXT
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id);
