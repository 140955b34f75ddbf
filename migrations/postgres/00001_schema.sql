-- Beacon's schema for the whole domain. Later migrations add columns and
-- indexes; this file is never edited once released.

-- +goose Up

-- Settings of the page that live in the database (the generated secret key,
-- the page id, ...). Values are text; the application types them.
CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Components and groups. A group is a component row with is_group = true,
-- as in Statuspage's API; members point to it with group_id.
CREATE TABLE components (
    id                    text PRIMARY KEY,
    group_id              text REFERENCES components (id) ON DELETE SET NULL,
    is_group              boolean NOT NULL DEFAULT false,
    name                  text NOT NULL CHECK (name <> ''),
    description           text NOT NULL DEFAULT '',
    status                text NOT NULL DEFAULT 'operational' CHECK (status IN
                              ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
    position              integer NOT NULL DEFAULT 0,
    showcase              boolean NOT NULL DEFAULT true,
    only_show_if_degraded boolean NOT NULL DEFAULT false,
    start_date            date,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX components_group_id_idx ON components (group_id);

-- Every status a component has had, with the time it began: the source of
-- uptime and of the 90-day bars.
CREATE TABLE component_status_changes (
    id           bigserial PRIMARY KEY,
    component_id text NOT NULL REFERENCES components (id) ON DELETE CASCADE,
    old_status   text NOT NULL DEFAULT '',
    new_status   text NOT NULL,
    incident_id  text,
    actor        text NOT NULL DEFAULT '',
    changed_at   timestamptz NOT NULL
);
CREATE INDEX component_status_changes_component_idx ON component_status_changes (component_id, changed_at);

-- Incidents and scheduled maintenance (kind = 'maintenance'), as Statuspage
-- keeps both in one resource.
CREATE TABLE incidents (
    id                          text PRIMARY KEY,
    kind                        text NOT NULL DEFAULT 'incident' CHECK (kind IN ('incident', 'maintenance')),
    name                        text NOT NULL CHECK (name <> ''),
    status                      text NOT NULL CHECK (status IN
                                    ('investigating', 'identified', 'monitoring', 'resolved', 'postmortem',
                                     'scheduled', 'in_progress', 'verifying', 'completed')),
    impact                      text NOT NULL DEFAULT 'none' CHECK (impact IN ('none', 'minor', 'major', 'critical', 'maintenance')),
    impact_override             boolean NOT NULL DEFAULT false,
    backfilled                  boolean NOT NULL DEFAULT false,
    started_at                  timestamptz NOT NULL,
    identified_at               timestamptz,
    monitoring_at               timestamptz,
    resolved_at                 timestamptz,
    scheduled_for               timestamptz,
    scheduled_until             timestamptz,
    scheduled_remind_prior      boolean NOT NULL DEFAULT false,
    scheduled_reminded_at       timestamptz,
    scheduled_auto_in_progress  boolean NOT NULL DEFAULT false,
    scheduled_auto_completed    boolean NOT NULL DEFAULT false,
    created_by                  text NOT NULL DEFAULT '',
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    deleted_at                  timestamptz,
    CHECK (scheduled_until IS NULL OR scheduled_for IS NULL OR scheduled_until > scheduled_for)
);
CREATE INDEX incidents_started_at_idx ON incidents (started_at DESC);
CREATE INDEX incidents_unresolved_idx ON incidents (kind, status) WHERE resolved_at IS NULL;

-- Components an incident affects.
CREATE TABLE incident_components (
    incident_id  text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    component_id text NOT NULL REFERENCES components (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, component_id)
);
CREATE INDEX incident_components_component_idx ON incident_components (component_id);

-- The timeline of an incident: public updates (kind 'update', Statuspage's
-- incident_updates), component status changes, maintenance transitions,
-- internal notes, notifications sent, postmortem published, external events.
CREATE TABLE timeline_events (
    id                    text PRIMARY KEY,
    incident_id           text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind                  text NOT NULL CHECK (kind IN
                              ('update', 'component_status', 'maintenance_transition', 'note',
                               'notification', 'postmortem_published', 'external')),
    visibility            text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
    status                text NOT NULL DEFAULT '',
    body                  text NOT NULL DEFAULT '',
    body_html             text NOT NULL DEFAULT '',
    affected_components   text NOT NULL DEFAULT '[]',
    deliver_notifications boolean NOT NULL DEFAULT false,
    source                text NOT NULL DEFAULT '',
    actor                 text NOT NULL DEFAULT '',
    data                  text NOT NULL DEFAULT '{}',
    occurred_at           timestamptz NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX timeline_events_incident_idx ON timeline_events (incident_id, occurred_at);

-- Earlier texts of an edited timeline event.
CREATE TABLE timeline_event_revisions (
    id         bigserial PRIMARY KEY,
    event_id   text NOT NULL REFERENCES timeline_events (id) ON DELETE CASCADE,
    body       text NOT NULL,
    body_html  text NOT NULL,
    edited_by  text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);
CREATE INDEX timeline_event_revisions_event_idx ON timeline_event_revisions (event_id);

-- One postmortem per incident, draft or published.
CREATE TABLE postmortems (
    id                    text PRIMARY KEY,
    incident_id           text NOT NULL UNIQUE REFERENCES incidents (id) ON DELETE CASCADE,
    status                text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    impact_started_at     timestamptz,
    published_at          timestamptz,
    first_published_at    timestamptz,
    notified_subscribers  boolean NOT NULL DEFAULT false,
    revision              integer NOT NULL DEFAULT 0,
    created_by            text NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);

-- The Markdown sections of a postmortem (summary, impact, root_cause,
-- trigger, detection, resolution, went_well, went_wrong, lucky, notes).
CREATE TABLE postmortem_sections (
    postmortem_id text NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    key           text NOT NULL,
    body          text NOT NULL DEFAULT '',
    body_html     text NOT NULL DEFAULT '',
    PRIMARY KEY (postmortem_id, key)
);

-- The postmortem's own timeline, drafted from the incident's events.
CREATE TABLE postmortem_timeline_entries (
    id            text PRIMARY KEY,
    postmortem_id text NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    event_id      text REFERENCES timeline_events (id) ON DELETE SET NULL,
    occurred_at   timestamptz NOT NULL,
    body          text NOT NULL DEFAULT '',
    body_html     text NOT NULL DEFAULT '',
    position      integer NOT NULL DEFAULT 0
);
CREATE INDEX postmortem_timeline_entries_pm_idx ON postmortem_timeline_entries (postmortem_id, position);

-- Every saved version of a published postmortem, as JSON.
CREATE TABLE postmortem_revisions (
    id            bigserial PRIMARY KEY,
    postmortem_id text NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    number        integer NOT NULL,
    content       text NOT NULL,
    edited_by     text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    UNIQUE (postmortem_id, number)
);

-- Remediation tracked in public.
CREATE TABLE action_items (
    id            text PRIMARY KEY,
    postmortem_id text NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    title         text NOT NULL CHECK (title <> ''),
    owner         text NOT NULL DEFAULT '',
    due_date      date,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'wont_do')),
    url           text NOT NULL DEFAULT '',
    position      integer NOT NULL DEFAULT 0,
    completed_at  timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX action_items_open_idx ON action_items (status, due_date);

-- Email subscribers. all_components = true means the whole page.
CREATE TABLE subscribers (
    id                   text PRIMARY KEY,
    email                text NOT NULL,
    email_normalized     text NOT NULL UNIQUE,
    status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    all_components       boolean NOT NULL DEFAULT true,
    notify_incidents     boolean NOT NULL DEFAULT true,
    notify_maintenance   boolean NOT NULL DEFAULT true,
    notify_postmortems   boolean NOT NULL DEFAULT true,
    token_version        integer NOT NULL DEFAULT 1,
    source               text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    confirmation_sent_at timestamptz,
    confirmed_at         timestamptz,
    unsubscribed_at      timestamptz
);
CREATE INDEX subscribers_status_idx ON subscribers (status);

-- The components (or groups: then their members, now and later) a
-- subscriber chose.
CREATE TABLE subscriber_components (
    subscriber_id text NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    component_id  text NOT NULL REFERENCES components (id) ON DELETE CASCADE,
    PRIMARY KEY (subscriber_id, component_id)
);
CREATE INDEX subscriber_components_component_idx ON subscriber_components (component_id);

-- The outbox: written in the same transaction as the change it announces.
-- subscriber_id is set for messages to one subscriber (a confirmation).
CREATE TABLE notifications (
    id             bigserial PRIMARY KEY,
    kind           text NOT NULL,
    incident_id    text REFERENCES incidents (id) ON DELETE SET NULL,
    event_id       text REFERENCES timeline_events (id) ON DELETE SET NULL,
    subscriber_id  text REFERENCES subscribers (id) ON DELETE CASCADE,
    component_ids  text NOT NULL DEFAULT '[]',
    subject        text NOT NULL DEFAULT '',
    payload        text NOT NULL DEFAULT '{}',
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dispatching', 'dispatched')),
    dispatch_cursor text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    dispatched_at  timestamptz
);
CREATE INDEX notifications_pending_idx ON notifications (status, id);

-- One delivery per notification and subscriber.
CREATE TABLE deliveries (
    id              bigserial PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    subscriber_id   text NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    email           text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_until     timestamptz,
    leased_by       text NOT NULL DEFAULT '',
    message_id      text NOT NULL DEFAULT '',
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    UNIQUE (notification_id, subscriber_id)
);
CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at);

-- Operators.
CREATE TABLE users (
    id                  text PRIMARY KEY,
    email               text NOT NULL UNIQUE,
    name                text NOT NULL DEFAULT '',
    role                text NOT NULL CHECK (role IN ('admin', 'editor')),
    password_hash       text NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    password_changed_at timestamptz,
    last_login_at       timestamptz,
    disabled_at         timestamptz
);

-- Server-side sessions, in the shape of scs's postgresstore.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- API tokens, stored as SHA-256 hashes; prefix is shown to tell them apart.
CREATE TABLE api_tokens (
    id           text PRIMARY KEY,
    name         text NOT NULL CHECK (name <> ''),
    prefix       text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    role         text NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'editor')),
    user_id      text REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Every change, by whom.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    actor_type  text NOT NULL,
    actor_id    text NOT NULL DEFAULT '',
    actor_name  text NOT NULL DEFAULT '',
    action      text NOT NULL,
    target_type text NOT NULL DEFAULT '',
    target_id   text NOT NULL DEFAULT '',
    detail      text NOT NULL DEFAULT '{}',
    ip          text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);

-- Counters for rate limits that must hold across replicas (logins, subscribes).
CREATE TABLE rate_limits (
    key          text PRIMARY KEY,
    count        integer NOT NULL,
    window_start timestamptz NOT NULL
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
