-- Postmortem milestones (impact started, detected, acknowledged, first
-- public communication, mitigated, resolved): the times an operator set
-- (impact_started_at is already there), and the timeline entry marked as
-- each. Unset ones are read from the timeline; every figure is counted
-- from them.

-- +goose Up
ALTER TABLE postmortems ADD COLUMN detected_at DATETIME;
ALTER TABLE postmortems ADD COLUMN acknowledged_at DATETIME;
ALTER TABLE postmortems ADD COLUMN first_communication_at DATETIME;
ALTER TABLE postmortems ADD COLUMN mitigated_at DATETIME;
ALTER TABLE postmortems ADD COLUMN resolved_at DATETIME;
ALTER TABLE postmortem_timeline_entries ADD COLUMN milestone TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE postmortem_timeline_entries DROP COLUMN milestone;
ALTER TABLE postmortems DROP COLUMN resolved_at;
ALTER TABLE postmortems DROP COLUMN mitigated_at;
ALTER TABLE postmortems DROP COLUMN first_communication_at;
ALTER TABLE postmortems DROP COLUMN acknowledged_at;
ALTER TABLE postmortems DROP COLUMN detected_at;
