-- What podcasts carry beyond RSS, feed health, private feeds, and the search index.

ALTER TABLE shows ADD COLUMN language TEXT;
ALTER TABLE shows ADD COLUMN explicit INTEGER;
-- podcast:guid: the show's identity whatever its address; used to spot duplicate subscriptions.
ALTER TABLE shows ADD COLUMN podcast_guid TEXT;
ALTER TABLE shows ADD COLUMN locked INTEGER;
ALTER TABLE shows ADD COLUMN funding_json TEXT NOT NULL DEFAULT '[]';
-- When the server answered 410 Gone: the UI offers to unsubscribe.
ALTER TABLE shows ADD COLUMN gone_at INTEGER;
-- A 429/503 with Retry-After: no fetch before this time.
ALTER TABLE shows ADD COLUMN retry_after INTEGER;
-- HTTP Basic credentials for a private feed. Never logged, never part of feed_url.
ALTER TABLE shows ADD COLUMN auth_user TEXT;
ALTER TABLE shows ADD COLUMN auth_password TEXT;
CREATE INDEX shows_by_podcast_guid ON shows (podcast_guid) WHERE podcast_guid IS NOT NULL;

ALTER TABLE episodes ADD COLUMN season INTEGER;
ALTER TABLE episodes ADD COLUMN episode_number INTEGER;
ALTER TABLE episodes ADD COLUMN episode_type TEXT;
ALTER TABLE episodes ADD COLUMN explicit INTEGER;
ALTER TABLE episodes ADD COLUMN artwork_url TEXT;
ALTER TABLE episodes ADD COLUMN chapters_url TEXT;
ALTER TABLE episodes ADD COLUMN transcripts_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE episodes ADD COLUMN persons_json TEXT NOT NULL DEFAULT '[]';
-- A hash of everything the feed said about the episode: a refresh rewrites (and re-indexes)
-- only the episodes whose hash changed.
ALTER TABLE episodes ADD COLUMN content_sha256 TEXT;

-- Library search. Contentless: the text lives in the tables above; the index holds only what
-- search needs (notes as plain text, without markup). Rows are kept in step by the library code
-- on insert and update, and by triggers on delete.
-- detail=column: which rows and columns hold a word, not where in them. A third of the size and
-- of the writing; search matches words, not phrases, so positions would never be read.
CREATE VIRTUAL TABLE episodes_fts USING fts5(
    title, notes, content='', contentless_delete=1, detail=column,
    tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE shows_fts USING fts5(
    title, author, description, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 2'
);
-- Episodes rank by BM25 with a title match worth ten matches in the notes.
INSERT INTO episodes_fts (episodes_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)');
CREATE TRIGGER episodes_fts_delete AFTER DELETE ON episodes BEGIN
    DELETE FROM episodes_fts WHERE rowid = old.id;
END;
CREATE TRIGGER shows_fts_delete AFTER DELETE ON shows BEGIN
    DELETE FROM shows_fts WHERE rowid = old.id;
END;
-- Libraries from before this migration: index what is there (markup and all; the next change to
-- an episode re-indexes it as plain text).
INSERT INTO episodes_fts (rowid, title, notes) SELECT id, title, notes_html FROM episodes;
INSERT INTO shows_fts (rowid, title, author, description)
    SELECT id, title, COALESCE(author, ''), description_html FROM shows;
