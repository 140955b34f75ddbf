-- A draft incident (opened by an alert, say) is seen only in the console and
-- the management API until someone publishes it. Integrations gain the jira
-- kind: SQLite cannot change a CHECK constraint, so the integration tables
-- are rebuilt (children first copied to new tables pointing at the new
-- parent, so dropping the old ones cascades nothing; renaming the new
-- parent rewrites its children's references).

-- +goose Up
ALTER TABLE incidents ADD COLUMN draft BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE integrations_new (
    id            text PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('alertmanager', 'slack', 'pagerduty', 'github', 'gitlab', 'jira')),
    name          text NOT NULL,
    token         text NOT NULL UNIQUE,
    secret_sealed text NOT NULL DEFAULT '',
    settings      text NOT NULL DEFAULT '{}',
    created_by    text NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    deleted_at    DATETIME
);
INSERT INTO integrations_new (id, kind, name, token, secret_sealed, settings, created_by, created_at, updated_at, deleted_at)
    SELECT id, kind, name, token, secret_sealed, settings, created_by, created_at, updated_at, deleted_at FROM integrations;

CREATE TABLE integration_deliveries_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id text NOT NULL REFERENCES integrations_new (id) ON DELETE CASCADE,
    accepted       BOOLEAN NOT NULL,
    status_code    INTEGER NOT NULL,
    reason         text NOT NULL DEFAULT '',
    summary        text NOT NULL DEFAULT '',
    received_at    DATETIME NOT NULL
);
INSERT INTO integration_deliveries_new (id, integration_id, accepted, status_code, reason, summary, received_at)
    SELECT id, integration_id, accepted, status_code, reason, summary, received_at FROM integration_deliveries;

CREATE TABLE integration_receipts_new (
    integration_id text NOT NULL REFERENCES integrations_new (id) ON DELETE CASCADE,
    key            text NOT NULL,
    received_at    DATETIME NOT NULL,
    PRIMARY KEY (integration_id, key)
);
INSERT INTO integration_receipts_new (integration_id, key, received_at)
    SELECT integration_id, key, received_at FROM integration_receipts;

CREATE TABLE integration_alerts_new (
    id             text PRIMARY KEY,
    integration_id text NOT NULL REFERENCES integrations_new (id) ON DELETE CASCADE,
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
INSERT INTO integration_alerts_new (id, integration_id, fingerprint, status, component_id, incident_id, source, actor, body, signal, occurred_at, attach_until, received_at)
    SELECT id, integration_id, fingerprint, status, component_id, incident_id, source, actor, body, signal, occurred_at, attach_until, received_at FROM integration_alerts;

CREATE TABLE integration_channels_new (
    integration_id text NOT NULL REFERENCES integrations_new (id) ON DELETE CASCADE,
    channel_id     text NOT NULL,
    incident_id    text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    linked_at      DATETIME NOT NULL,
    PRIMARY KEY (integration_id, channel_id)
);
INSERT INTO integration_channels_new (integration_id, channel_id, incident_id, linked_at)
    SELECT integration_id, channel_id, incident_id, linked_at FROM integration_channels;

DROP TABLE integration_channels;
DROP TABLE integration_alerts;
DROP TABLE integration_receipts;
DROP TABLE integration_deliveries;
DROP TABLE integrations;

ALTER TABLE integrations_new RENAME TO integrations;
ALTER TABLE integration_deliveries_new RENAME TO integration_deliveries;
ALTER TABLE integration_receipts_new RENAME TO integration_receipts;
ALTER TABLE integration_alerts_new RENAME TO integration_alerts;
ALTER TABLE integration_channels_new RENAME TO integration_channels;

CREATE INDEX integration_deliveries_idx ON integration_deliveries (integration_id, id DESC);
CREATE INDEX integration_receipts_received_idx ON integration_receipts (received_at);
CREATE INDEX integration_alerts_pending_idx ON integration_alerts (component_id, attach_until) WHERE incident_id IS NULL;

-- +goose Down
-- The jira kind stays allowed (forward-only: a jira integration may exist).
ALTER TABLE incidents DROP COLUMN draft;
