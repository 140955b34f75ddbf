-- Operator sign-in: a per-user session epoch and case-blind unique emails;
-- session expiry stored as text times like every other time column.

-- +goose Up

-- A console session remembers the epoch of its user at sign-in; moving the
-- epoch on (revoking sessions, changing the password, disabling the user)
-- ends every session made before.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

-- One account per address, whatever its case.
CREATE UNIQUE INDEX users_email_lower_idx ON users (lower(email));

-- Expired windows are swept by their start.
CREATE INDEX rate_limits_window_start_idx ON rate_limits (window_start);

-- 00001 shaped sessions for scs's sqlite3store (expiry as a julian day,
-- REAL); Beacon's own store writes times as text, the way the driver
-- writes every other time. No session was ever stored in the old table.
DROP TABLE sessions;
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry DATETIME NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);
DROP INDEX rate_limits_window_start_idx;
DROP INDEX users_email_lower_idx;
ALTER TABLE users DROP COLUMN session_epoch;
