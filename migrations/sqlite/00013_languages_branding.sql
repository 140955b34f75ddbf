-- A subscriber's language: the page's language where they subscribed, so
-- their emails speak it ('' is the page's default). Branding: the page's
-- logo, favicon and stylesheet as uploaded (served under content-hashed
-- URLs); its accent colour and links are rows of settings.

-- +goose Up
ALTER TABLE subscribers ADD COLUMN language TEXT NOT NULL DEFAULT '';
CREATE TABLE branding_assets (
    kind         TEXT PRIMARY KEY, -- logo, favicon, stylesheet
    content_type TEXT NOT NULL,
    body         BLOB NOT NULL,
    hash         TEXT NOT NULL,
    updated_at   DATETIME NOT NULL
);

-- +goose Down
DROP TABLE branding_assets;
ALTER TABLE subscribers DROP COLUMN language;
