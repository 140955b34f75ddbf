-- A draft incident (opened by an alert, say) is seen only in the console and
-- the management API until someone publishes it. Integrations gain the jira
-- kind.

-- +goose Up
ALTER TABLE incidents ADD COLUMN draft BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE integrations DROP CONSTRAINT integrations_kind_check;
ALTER TABLE integrations ADD CONSTRAINT integrations_kind_check
    CHECK (kind IN ('alertmanager', 'slack', 'pagerduty', 'github', 'gitlab', 'jira'));

-- +goose Down
-- The jira kind stays allowed (forward-only: a jira integration may exist).
ALTER TABLE incidents DROP COLUMN draft;
