-- Operator sign-in: a per-user session epoch and case-blind unique emails.

-- +goose Up

-- A console session remembers the epoch of its user at sign-in; moving the
-- epoch on (revoking sessions, changing the password, disabling the user)
-- ends every session made before.
ALTER TABLE users ADD COLUMN session_epoch bigint NOT NULL DEFAULT 0;

-- One account per address, whatever its case.
CREATE UNIQUE INDEX users_email_lower_idx ON users (lower(email));

-- Expired windows are swept by their start.
CREATE INDEX rate_limits_window_start_idx ON rate_limits (window_start);

-- +goose Down
DROP INDEX rate_limits_window_start_idx;
DROP INDEX users_email_lower_idx;
ALTER TABLE users DROP COLUMN session_epoch;
