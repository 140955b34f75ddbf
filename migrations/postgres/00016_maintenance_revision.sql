-- A revision counter on incidents and maintenance, bumped by every change
-- (update, edit, deletion): the SEQUENCE of a maintenance's calendar event,
-- which must grow with each change even within one second. It starts at
-- what SEQUENCE was before (seconds from creation to the last change, one
-- more once deleted), so calendars already subscribed never see it fall.

-- +goose Up
ALTER TABLE incidents ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
UPDATE incidents SET revision = GREATEST(0, FLOOR(EXTRACT(EPOCH FROM COALESCE(deleted_at, updated_at) - created_at)))::bigint
    + (CASE WHEN deleted_at IS NOT NULL THEN 1 ELSE 0 END);

-- +goose Down
ALTER TABLE incidents DROP COLUMN revision;
