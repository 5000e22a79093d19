-- The episode search index moves to its own file (earshot-search.db, attached as `search`), so
-- it can be written while a refresh stores feeds; the library code creates it there and fills it
-- from the backlog. It is derived data: deleting that file only makes Earshot index again.
DROP TRIGGER IF EXISTS episodes_fts_delete;
DROP TABLE IF EXISTS episodes_fts;

-- An episode queued again after its content changed must lose its old words first.
ALTER TABLE search_backlog ADD COLUMN reindex INTEGER NOT NULL DEFAULT 0;

-- Episodes deleted (unsubscribing) whose words the indexer still has to remove.
CREATE TABLE search_removed (episode_id INTEGER PRIMARY KEY);
CREATE TRIGGER episodes_search_removed AFTER DELETE ON episodes BEGIN
    INSERT OR IGNORE INTO search_removed (episode_id) VALUES (old.id);
END;
