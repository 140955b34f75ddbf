-- Incident templates (Statuspage's incident_templates): the title, message,
-- status, components and notify flags an incident or an update starts
-- from, so nobody types from scratch during an outage.

-- +goose Up
CREATE TABLE incident_templates (
    id                        TEXT PRIMARY KEY,
    name                      TEXT NOT NULL CHECK (name <> ''),
    title                     TEXT NOT NULL DEFAULT '',
    body                      TEXT NOT NULL DEFAULT '',
    group_id                  TEXT NOT NULL DEFAULT '',
    update_status             TEXT NOT NULL DEFAULT '',
    should_tweet              BOOLEAN NOT NULL DEFAULT false,
    should_send_notifications BOOLEAN NOT NULL DEFAULT true,
    created_at                DATETIME NOT NULL,
    updated_at                DATETIME NOT NULL
);
CREATE INDEX incident_templates_name_idx ON incident_templates (group_id, name);

-- A template's components, each with the status it sets ('' only names it).
CREATE TABLE incident_template_components (
    template_id  TEXT NOT NULL REFERENCES incident_templates (id) ON DELETE CASCADE,
    component_id TEXT NOT NULL REFERENCES components (id) ON DELETE CASCADE,
    status       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (template_id, component_id)
);
CREATE INDEX incident_template_components_component_idx ON incident_template_components (component_id);

-- +goose Down
DROP TABLE incident_template_components;
DROP TABLE incident_templates;
