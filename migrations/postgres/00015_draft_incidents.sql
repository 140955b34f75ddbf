-- A draft incident (opened by an alert, say) is seen only in the console and
-- the management API until someone publishes it.

-- +goose Up
ALTER TABLE incidents ADD COLUMN draft BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE incidents DROP COLUMN draft;
