-- An action item's tracker link is internal unless the team chooses to
-- show it on the public postmortem.

-- +goose Up
ALTER TABLE action_items ADD COLUMN url_public BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE action_items DROP COLUMN url_public;
