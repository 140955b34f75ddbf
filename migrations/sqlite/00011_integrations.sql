-- Integrations: inbound webhooks (Alertmanager/Grafana, Slack, PagerDuty,
-- GitHub) that write to incidents' timelines. Each has an unguessable URL
-- token and a signing secret sealed with SECRET_KEY; its last deliveries
-- are kept for the console; receipts deduplicate re-sends; alerts that
-- found no incident wait, unattached, for one to open; Slack channels are
-- linked to incidents. Timeline events and postmortem entries carry the
-- signal an integration recorded (alert, acknowledgement, recovery, chat).

-- +goose Up
CREATE TABLE integrations (
    id            text PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('alertmanager', 'slack', 'pagerduty', 'github', 'gitlab')),
    name          text NOT NULL,
    token         text NOT NULL UNIQUE,
    secret_sealed text NOT NULL DEFAULT '',
    settings      text NOT NULL DEFAULT '{}',
    created_by    text NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    deleted_at    DATETIME
);

CREATE TABLE integration_deliveries (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id text NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    accepted       BOOLEAN NOT NULL,
    status_code    INTEGER NOT NULL,
    reason         text NOT NULL DEFAULT '',
    summary        text NOT NULL DEFAULT '',
    received_at    DATETIME NOT NULL
);
CREATE INDEX integration_deliveries_idx ON integration_deliveries (integration_id, id DESC);

CREATE TABLE integration_receipts (
    integration_id text NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    key            text NOT NULL,
    received_at    DATETIME NOT NULL,
    PRIMARY KEY (integration_id, key)
);
CREATE INDEX integration_receipts_received_idx ON integration_receipts (received_at);

CREATE TABLE integration_alerts (
    id             text PRIMARY KEY,
    integration_id text NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    fingerprint    text NOT NULL,
    status         text NOT NULL,
    component_id   text NOT NULL REFERENCES components (id) ON DELETE CASCADE,
    incident_id    text REFERENCES incidents (id) ON DELETE SET NULL,
    source         text NOT NULL DEFAULT '',
    actor          text NOT NULL DEFAULT '',
    body           text NOT NULL DEFAULT '',
    signal         text NOT NULL DEFAULT '',
    occurred_at    DATETIME NOT NULL,
    attach_until   DATETIME NOT NULL,
    received_at    DATETIME NOT NULL
);
CREATE INDEX integration_alerts_pending_idx ON integration_alerts (component_id, attach_until) WHERE incident_id IS NULL;

CREATE TABLE integration_channels (
    integration_id text NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    channel_id     text NOT NULL,
    incident_id    text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    linked_at      DATETIME NOT NULL,
    PRIMARY KEY (integration_id, channel_id)
);

ALTER TABLE timeline_events ADD COLUMN signal text NOT NULL DEFAULT '';
ALTER TABLE postmortem_timeline_entries ADD COLUMN signal text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE postmortem_timeline_entries DROP COLUMN signal;
ALTER TABLE timeline_events DROP COLUMN signal;
DROP TABLE integration_channels;
DROP TABLE integration_alerts;
DROP TABLE integration_receipts;
DROP TABLE integration_deliveries;
DROP TABLE integrations;
