-- Up Next: the episodes to play after the current one, in order.
CREATE TABLE queue (
    episode_id  INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL
);
CREATE INDEX queue_by_position ON queue (position);
