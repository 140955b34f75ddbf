-- Postmortems: each timeline entry remembers what kind of event it was
-- drafted from and the status it announced (the durations are computed
-- from them), and whether it is shown publicly (internal notes and
-- external events are drafted unticked).

-- +goose Up
ALTER TABLE postmortem_timeline_entries ADD COLUMN kind TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE postmortem_timeline_entries ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE postmortem_timeline_entries ADD COLUMN included BOOLEAN NOT NULL DEFAULT true;

-- The /postmortems index, newest first.
CREATE INDEX postmortems_published_idx ON postmortems (published_at DESC) WHERE status = 'published';

-- A postmortem's remediation list.
CREATE INDEX action_items_postmortem_idx ON action_items (postmortem_id, position);

-- +goose Down
DROP INDEX action_items_postmortem_idx;
DROP INDEX postmortems_published_idx;
ALTER TABLE postmortem_timeline_entries DROP COLUMN included;
ALTER TABLE postmortem_timeline_entries DROP COLUMN status;
ALTER TABLE postmortem_timeline_entries DROP COLUMN kind;
