-- Sync with a gpodder.net-compatible server or Nextcloud's gPodder Sync (see src/sync/).

-- The one account this library syncs with, and how far each stream has been read. Never the
-- password: that lives in the system keyring. Kept here rather than in settings.json so the
-- cursors move in the same transaction as the remote changes they cover.
CREATE TABLE sync_account (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    kind                 TEXT    NOT NULL CHECK (kind IN ('gpodder', 'nextcloud')),
    server               TEXT    NOT NULL,
    user_name            TEXT    NOT NULL,
    device               TEXT    NOT NULL,
    -- The server's `since` for the next read of each stream; NULL until the first sync.
    subscriptions_since  INTEGER,
    actions_since        INTEGER,
    -- gpodder: the `since` of each other device's subscription list, as a JSON object.
    device_cursors       TEXT    NOT NULL DEFAULT '{}',
    last_sync_at         INTEGER,
    last_error           TEXT,
    last_error_kind      TEXT,
    signed_in_at         INTEGER NOT NULL
);

-- What the listener did here and the server has not been told yet, written by the triggers below
-- in the same transaction as the change itself, so a quit or a crash can never lose one. A row is
-- deleted only once the server has acknowledged the batch that carried it. Copies of the feed
-- and episode addresses are kept so a row still says what it means after its show is gone.
-- One row per show and per episode at most: a newer change to the same thing replaces the
-- older, which no other device needs since the newest action wins.
CREATE TABLE sync_pending (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('subscribe', 'unsubscribe', 'episode')),
    feed_url       TEXT    NOT NULL,
    episode_id     INTEGER,
    episode_guid   TEXT,
    episode_url    TEXT,
    position_secs  REAL,
    played         INTEGER,
    duration_secs  REAL,
    at             INTEGER NOT NULL
);
CREATE INDEX sync_pending_by_episode ON sync_pending (episode_id) WHERE episode_id IS NOT NULL;
CREATE INDEX sync_pending_by_feed ON sync_pending (feed_url);

-- Holds a row only inside the transaction that applies the server's changes (and is emptied
-- before it commits), so the triggers can tell those writes from the listener's own and do not
-- queue them to be sent back. Other connections never see the row: SQLite has one writer at a
-- time and nobody reads another's uncommitted rows.
CREATE TABLE sync_applying (one INTEGER PRIMARY KEY CHECK (one = 1));

CREATE TRIGGER sync_show_followed AFTER INSERT ON shows
WHEN new.followed AND EXISTS (SELECT 1 FROM sync_account)
    AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    DELETE FROM sync_pending WHERE kind != 'episode' AND feed_url = new.feed_url;
    INSERT INTO sync_pending (kind, feed_url, at) VALUES ('subscribe', new.feed_url, new.subscribed_at);
END;

CREATE TRIGGER sync_preview_followed AFTER UPDATE OF followed ON shows
WHEN new.followed AND NOT old.followed AND EXISTS (SELECT 1 FROM sync_account)
    AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    DELETE FROM sync_pending WHERE kind != 'episode' AND feed_url = new.feed_url;
    INSERT INTO sync_pending (kind, feed_url, at) VALUES ('subscribe', new.feed_url, new.subscribed_at);
END;

CREATE TRIGGER sync_show_removed AFTER DELETE ON shows
WHEN old.followed AND EXISTS (SELECT 1 FROM sync_account)
    AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    DELETE FROM sync_pending WHERE kind != 'episode' AND feed_url = old.feed_url;
    INSERT INTO sync_pending (kind, feed_url, at)
        VALUES ('unsubscribe', old.feed_url, CAST(strftime('%s', 'now') AS INTEGER));
END;

-- A feed that moved (a permanent redirect, itunes:new-feed-url): the old address goes, the new
-- one comes, as other devices must follow it.
CREATE TRIGGER sync_show_moved AFTER UPDATE OF feed_url ON shows
WHEN new.followed AND old.feed_url != new.feed_url AND EXISTS (SELECT 1 FROM sync_account)
    AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    DELETE FROM sync_pending WHERE kind != 'episode' AND feed_url IN (old.feed_url, new.feed_url);
    INSERT INTO sync_pending (kind, feed_url, at)
        VALUES ('unsubscribe', old.feed_url, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO sync_pending (kind, feed_url, at)
        VALUES ('subscribe', new.feed_url, CAST(strftime('%s', 'now') AS INTEGER));
END;

CREATE TRIGGER sync_place_saved AFTER INSERT ON playback
WHEN EXISTS (SELECT 1 FROM sync_account) AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    DELETE FROM sync_pending WHERE episode_id = new.episode_id;
    INSERT INTO sync_pending (kind, feed_url, episode_id, episode_guid, episode_url, position_secs,
            played, duration_secs, at)
        SELECT 'episode', s.feed_url, e.id, e.guid, e.enclosure_url, new.position_secs, new.played,
            e.duration_secs, new.updated_at
        FROM episodes e JOIN shows s ON s.id = e.show_id
        WHERE e.id = new.episode_id AND s.followed;
END;

CREATE TRIGGER sync_place_changed AFTER UPDATE ON playback
WHEN (old.position_secs IS NOT new.position_secs OR old.played IS NOT new.played)
    AND EXISTS (SELECT 1 FROM sync_account) AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    DELETE FROM sync_pending WHERE episode_id = new.episode_id;
    INSERT INTO sync_pending (kind, feed_url, episode_id, episode_guid, episode_url, position_secs,
            played, duration_secs, at)
        SELECT 'episode', s.feed_url, e.id, e.guid, e.enclosure_url, new.position_secs, new.played,
            e.duration_secs, new.updated_at
        FROM episodes e JOIN shows s ON s.id = e.show_id
        WHERE e.id = new.episode_id AND s.followed;
END;
