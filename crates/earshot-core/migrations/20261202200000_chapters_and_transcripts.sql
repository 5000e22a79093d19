-- What is inside an episode, fetched once and kept: its chapters from each source, and its
-- transcript. Each row names the address it was read from; when the feed's address changes the
-- row is read again, and a failure is remembered (error, fetched_at) so it is retried only after
-- a while or when the address changes, never on every open.

-- One row per episode and source: 'podcast' (a podcast:chapters document), 'psc' (Podlove
-- Simple Chapters from the feed), 'audio' (ID3 or MP4 chapters in the audio's head).
CREATE TABLE episode_chapters (
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    -- The chapters as JSON ([] when the source had none); kept as read, merged when asked for.
    chapters_json TEXT NOT NULL DEFAULT '[]',
    fetched_at INTEGER NOT NULL,
    -- Why the last read failed; NULL when it worked.
    error TEXT,
    PRIMARY KEY (episode_id, source)
) WITHOUT ROWID;

CREATE TABLE episode_transcripts (
    episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    language TEXT,
    -- zstd of one line per cue: start, end, speaker, text, tab-separated. NULL when it failed.
    cues BLOB,
    cue_count INTEGER NOT NULL DEFAULT 0,
    fetched_at INTEGER NOT NULL,
    error TEXT,
    -- What was wrong with the cues that were kept (dropped or mended ones), logged once.
    problems TEXT,
    -- Whether its words are in the search file's transcripts_fts.
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX episode_transcripts_unindexed ON episode_transcripts (episode_id) WHERE NOT indexed;

-- Transcripts deleted (with their episode, or replaced) whose words the index still holds.
CREATE TABLE transcripts_removed (episode_id INTEGER PRIMARY KEY);
CREATE TRIGGER episode_transcripts_removed AFTER DELETE ON episode_transcripts BEGIN
    INSERT OR IGNORE INTO transcripts_removed (episode_id) VALUES (old.episode_id);
END;

-- The episodes that offer a transcript, newest first: what the background fetch looks through.
CREATE INDEX episodes_with_transcripts ON episodes (published_at) WHERE transcripts_json != '[]';
