-- Downloaded episodes. A row is the listener's wish to have an episode on disk and how far that
-- got; the file itself is `path` once complete and `path || '.part'` until then, so a file at
-- `path` is always whole. `removed` rows remember an episode the listener (or a retention rule)
-- deleted, so automatic downloads do not bring it back.
CREATE TABLE downloads (
    episode_id    INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
    state         TEXT    NOT NULL CHECK (state IN ('queued', 'downloading', 'paused', 'done', 'failed', 'removed')),
    path          TEXT    NOT NULL,
    bytes_done    INTEGER NOT NULL DEFAULT 0,
    bytes_total   INTEGER,
    -- The strong ETag or Last-Modified of the body the partial file is a prefix of (If-Range).
    validator     TEXT,
    error         TEXT,
    error_code    TEXT,
    automatic     INTEGER NOT NULL DEFAULT 0,
    requested_at  INTEGER NOT NULL,
    completed_at  INTEGER
);
CREATE INDEX downloads_by_state ON downloads (state, requested_at);

-- How many of the newest unplayed episodes to keep downloaded after each refresh (0: off).
ALTER TABLE shows ADD COLUMN auto_download INTEGER NOT NULL DEFAULT 0;

-- When the episode was finished, for "delete downloads N days after they are played".
ALTER TABLE playback ADD COLUMN played_at INTEGER;
UPDATE playback SET played_at = updated_at WHERE played = 1;
