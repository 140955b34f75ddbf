-- Beacon's schema for the whole domain. Later migrations add columns and
-- indexes; this file is never edited once released.

-- +goose Up

-- Settings of the page that live in the database (the generated secret key,
-- the page id, ...). Values are text; the application types them.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

-- Components and groups. A group is a component row with is_group = true,
-- as in Statuspage's API; members point to it with group_id.
CREATE TABLE components (
    id                    TEXT PRIMARY KEY,
    group_id              TEXT REFERENCES components (id) ON DELETE SET NULL,
    is_group              BOOLEAN NOT NULL DEFAULT false,
    name                  TEXT NOT NULL CHECK (name <> ''),
    description           TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL DEFAULT 'operational' CHECK (status IN
                              ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
    position              INTEGER NOT NULL DEFAULT 0,
    showcase              BOOLEAN NOT NULL DEFAULT true,
    only_show_if_degraded BOOLEAN NOT NULL DEFAULT false,
    start_date            DATE,
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);
CREATE INDEX components_group_id_idx ON components (group_id);

-- Every status a component has had, with the time it began: the source of
-- uptime and of the 90-day bars.
CREATE TABLE component_status_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    component_id TEXT NOT NULL REFERENCES components (id) ON DELETE CASCADE,
    old_status   TEXT NOT NULL DEFAULT '',
    new_status   TEXT NOT NULL,
    incident_id  TEXT,
    actor        TEXT NOT NULL DEFAULT '',
    changed_at   DATETIME NOT NULL
);
CREATE INDEX component_status_changes_component_idx ON component_status_changes (component_id, changed_at);

-- Incidents and scheduled maintenance (kind = 'maintenance'), as Statuspage
-- keeps both in one resource.
CREATE TABLE incidents (
    id                          TEXT PRIMARY KEY,
    kind                        TEXT NOT NULL DEFAULT 'incident' CHECK (kind IN ('incident', 'maintenance')),
    name                        TEXT NOT NULL CHECK (name <> ''),
    status                      TEXT NOT NULL CHECK (status IN
                                    ('investigating', 'identified', 'monitoring', 'resolved', 'postmortem',
                                     'scheduled', 'in_progress', 'verifying', 'completed')),
    impact                      TEXT NOT NULL DEFAULT 'none' CHECK (impact IN ('none', 'minor', 'major', 'critical', 'maintenance')),
    impact_override             BOOLEAN NOT NULL DEFAULT false,
    backfilled                  BOOLEAN NOT NULL DEFAULT false,
    started_at                  DATETIME NOT NULL,
    identified_at               DATETIME,
    monitoring_at               DATETIME,
    resolved_at                 DATETIME,
    scheduled_for               DATETIME,
    scheduled_until             DATETIME,
    scheduled_remind_prior      BOOLEAN NOT NULL DEFAULT false,
    scheduled_reminded_at       DATETIME,
    scheduled_auto_in_progress  BOOLEAN NOT NULL DEFAULT false,
    scheduled_auto_completed    BOOLEAN NOT NULL DEFAULT false,
    created_by                  TEXT NOT NULL DEFAULT '',
    created_at                  DATETIME NOT NULL,
    updated_at                  DATETIME NOT NULL,
    deleted_at                  DATETIME,
    CHECK (scheduled_until IS NULL OR scheduled_for IS NULL OR scheduled_until > scheduled_for)
);
CREATE INDEX incidents_started_at_idx ON incidents (started_at DESC);
CREATE INDEX incidents_unresolved_idx ON incidents (kind, status) WHERE resolved_at IS NULL;

-- Components an incident affects.
CREATE TABLE incident_components (
    incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    component_id TEXT NOT NULL REFERENCES components (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, component_id)
);
CREATE INDEX incident_components_component_idx ON incident_components (component_id);

-- The timeline of an incident: public updates (kind 'update', Statuspage's
-- incident_updates), component status changes, maintenance transitions,
-- internal notes, notifications sent, postmortem published, external events.
CREATE TABLE timeline_events (
    id                    TEXT PRIMARY KEY,
    incident_id           TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind                  TEXT NOT NULL CHECK (kind IN
                              ('update', 'component_status', 'maintenance_transition', 'note',
                               'notification', 'postmortem_published', 'external')),
    visibility            TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
    status                TEXT NOT NULL DEFAULT '',
    body                  TEXT NOT NULL DEFAULT '',
    body_html             TEXT NOT NULL DEFAULT '',
    affected_components   TEXT NOT NULL DEFAULT '[]',
    deliver_notifications BOOLEAN NOT NULL DEFAULT false,
    source                TEXT NOT NULL DEFAULT '',
    actor                 TEXT NOT NULL DEFAULT '',
    data                  TEXT NOT NULL DEFAULT '{}',
    occurred_at           DATETIME NOT NULL,
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);
CREATE INDEX timeline_events_incident_idx ON timeline_events (incident_id, occurred_at);

-- Earlier TEXTs of an edited timeline event.
CREATE TABLE timeline_event_revisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   TEXT NOT NULL REFERENCES timeline_events (id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    body_html  TEXT NOT NULL,
    edited_by  TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX timeline_event_revisions_event_idx ON timeline_event_revisions (event_id);

-- One postmortem per incident, draft or published.
CREATE TABLE postmortems (
    id                    TEXT PRIMARY KEY,
    incident_id           TEXT NOT NULL UNIQUE REFERENCES incidents (id) ON DELETE CASCADE,
    status                TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    impact_started_at     DATETIME,
    published_at          DATETIME,
    first_published_at    DATETIME,
    notified_subscribers  BOOLEAN NOT NULL DEFAULT false,
    revision              INTEGER NOT NULL DEFAULT 0,
    created_by            TEXT NOT NULL DEFAULT '',
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);

-- The Markdown sections of a postmortem (summary, impact, root_cause,
-- trigger, detection, resolution, went_well, went_wrong, lucky, notes).
CREATE TABLE postmortem_sections (
    postmortem_id TEXT NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    body_html     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (postmortem_id, key)
);

-- The postmortem's own timeline, drafted from the incident's events.
CREATE TABLE postmortem_timeline_entries (
    id            TEXT PRIMARY KEY,
    postmortem_id TEXT NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    event_id      TEXT REFERENCES timeline_events (id) ON DELETE SET NULL,
    occurred_at   DATETIME NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    body_html     TEXT NOT NULL DEFAULT '',
    position      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX postmortem_timeline_entries_pm_idx ON postmortem_timeline_entries (postmortem_id, position);

-- Every saved version of a published postmortem, as JSON.
CREATE TABLE postmortem_revisions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    postmortem_id TEXT NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    number        INTEGER NOT NULL,
    content       TEXT NOT NULL,
    edited_by     TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    UNIQUE (postmortem_id, number)
);

-- Remediation tracked in public.
CREATE TABLE action_items (
    id            TEXT PRIMARY KEY,
    postmortem_id TEXT NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    title         TEXT NOT NULL CHECK (title <> ''),
    owner         TEXT NOT NULL DEFAULT '',
    due_date      DATE,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'wont_do')),
    url           TEXT NOT NULL DEFAULT '',
    position      INTEGER NOT NULL DEFAULT 0,
    completed_at  DATETIME,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX action_items_open_idx ON action_items (status, due_date);

-- Email subscribers. all_components = true means the whole page.
CREATE TABLE subscribers (
    id                   TEXT PRIMARY KEY,
    email                TEXT NOT NULL,
    email_normalized     TEXT NOT NULL UNIQUE,
    status               TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    all_components       BOOLEAN NOT NULL DEFAULT true,
    notify_incidents     BOOLEAN NOT NULL DEFAULT true,
    notify_maintenance   BOOLEAN NOT NULL DEFAULT true,
    notify_postmortems   BOOLEAN NOT NULL DEFAULT true,
    token_version        INTEGER NOT NULL DEFAULT 1,
    source               TEXT NOT NULL DEFAULT '',
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    confirmation_sent_at DATETIME,
    confirmed_at         DATETIME,
    unsubscribed_at      DATETIME
);
CREATE INDEX subscribers_status_idx ON subscribers (status);

-- The components (or groups: then their members, now and later) a
-- subscriber chose.
CREATE TABLE subscriber_components (
    subscriber_id TEXT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    component_id  TEXT NOT NULL REFERENCES components (id) ON DELETE CASCADE,
    PRIMARY KEY (subscriber_id, component_id)
);
CREATE INDEX subscriber_components_component_idx ON subscriber_components (component_id);

-- The outbox: written in the same transaction as the change it announces.
-- subscriber_id is set for messages to one subscriber (a confirmation).
CREATE TABLE notifications (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL,
    incident_id    TEXT REFERENCES incidents (id) ON DELETE SET NULL,
    event_id       TEXT REFERENCES timeline_events (id) ON DELETE SET NULL,
    subscriber_id  TEXT REFERENCES subscribers (id) ON DELETE CASCADE,
    component_ids  TEXT NOT NULL DEFAULT '[]',
    subject        TEXT NOT NULL DEFAULT '',
    payload        TEXT NOT NULL DEFAULT '{}',
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dispatching', 'dispatched')),
    dispatch_cursor TEXT NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL,
    dispatched_at  DATETIME
);
CREATE INDEX notifications_pending_idx ON notifications (status, id);

-- One delivery per notification and subscriber.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    subscriber_id   TEXT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME NOT NULL,
    lease_until     DATETIME,
    leased_by       TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    sent_at         DATETIME,
    UNIQUE (notification_id, subscriber_id)
);
CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at);

-- Operators.
CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL DEFAULT '',
    role                TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
    password_hash       TEXT NOT NULL,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL,
    password_changed_at DATETIME,
    last_login_at       DATETIME,
    disabled_at         DATETIME
);

-- Server-side sessions, in the shape of scs's sqlite3store.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- API tokens, stored as SHA-256 hashes; prefix is shown to tell them apart.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL CHECK (name <> ''),
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'editor')),
    user_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);

-- Every change, by whom.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_type  TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}',
    ip          TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);

-- Counters for rate limits that must hold across replicas (logins, subscribes).
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY,
    count        INTEGER NOT NULL,
    window_start DATETIME NOT NULL
);

-- +goose Down
DROP TABLE rate_limits;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE deliveries;
DROP TABLE notifications;
DROP TABLE subscriber_components;
DROP TABLE subscribers;
DROP TABLE action_items;
DROP TABLE postmortem_revisions;
DROP TABLE postmortem_timeline_entries;
DROP TABLE postmortem_sections;
DROP TABLE postmortems;
DROP TABLE timeline_event_revisions;
DROP TABLE timeline_events;
DROP TABLE incident_components;
DROP TABLE incidents;
DROP TABLE component_status_changes;
DROP TABLE components;
DROP TABLE settings;
