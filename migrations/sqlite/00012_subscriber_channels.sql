-- Subscribers on other channels than email: webhooks (Statuspage's
-- payload, signed with a per-subscriber secret), Slack, Discord and Teams
-- incoming webhooks. endpoint is where they are posted; email is the
-- contact address (told when the endpoint is quarantined), '' for chat.
-- email_normalized stays unique: for these channels it is
-- "<channel>:<endpoint>". failures counts consecutive failed attempts;
-- quarantined_at is set when there were too many (no more deliveries until
-- an operator reactivates it). A delivery keeps the channel it goes by, so
-- each channel's workers claim their own.

-- +goose Up
ALTER TABLE subscribers ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
ALTER TABLE subscribers ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN secret TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscribers ADD COLUMN quarantined_at DATETIME;
ALTER TABLE deliveries ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
CREATE INDEX deliveries_channel_due_idx ON deliveries (status, channel, next_attempt_at);

-- +goose Down
DROP INDEX deliveries_channel_due_idx;
ALTER TABLE deliveries DROP COLUMN channel;
ALTER TABLE subscribers DROP COLUMN quarantined_at;
ALTER TABLE subscribers DROP COLUMN failures;
ALTER TABLE subscribers DROP COLUMN secret;
ALTER TABLE subscribers DROP COLUMN endpoint;
ALTER TABLE subscribers DROP COLUMN channel;
