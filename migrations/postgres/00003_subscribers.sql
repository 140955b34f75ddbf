-- Subscribers: the console and the API list them newest first.

-- +goose Up
CREATE INDEX subscribers_created_idx ON subscribers (created_at, id);

-- +goose Down
DROP INDEX subscribers_created_idx;
