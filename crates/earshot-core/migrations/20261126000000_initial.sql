-- Shows the listener subscribed to. Feed bookkeeping (validators, errors) lives beside the show so
-- one refresh of one feed touches one row here plus its episodes.
CREATE TABLE shows (
    id                INTEGER PRIMARY KEY,
    feed_url          TEXT    NOT NULL UNIQUE,
    title             TEXT    NOT NULL,
    author            TEXT,
    description_html  TEXT    NOT NULL DEFAULT '',
    link              TEXT,
    artwork_url       TEXT,
    categories_json   TEXT    NOT NULL DEFAULT '[]',
    artwork_cached    INTEGER NOT NULL DEFAULT 0,
    etag              TEXT,
    last_modified     TEXT,
    body_sha256       TEXT,
    subscribed_at     INTEGER NOT NULL,
    refreshed_at      INTEGER,
    last_error        TEXT
);

CREATE TABLE episodes (
    id                INTEGER PRIMARY KEY,
    show_id           INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    guid              TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    published_at      INTEGER,
    duration_secs     REAL,
    enclosure_url     TEXT,
    enclosure_type    TEXT,
    enclosure_length  INTEGER,
    notes_html        TEXT    NOT NULL DEFAULT '',
    link              TEXT,
    feed_order        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (show_id, guid)
);
CREATE INDEX episodes_by_show_date ON episodes (show_id, published_at DESC);

-- The listener's own state per episode, kept apart from feed data so that a refresh which
-- rewrites an episode can never lose the place.
CREATE TABLE playback (
    episode_id     INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
    position_secs  REAL    NOT NULL DEFAULT 0,
    played         INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL
);
