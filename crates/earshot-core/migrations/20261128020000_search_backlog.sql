-- Episodes stored but not yet in the search index. A refresh writes each feed in its own small
-- transaction and lists what changed here; the index is then brought up to date in a few large
-- transactions, which costs the search index far less than a small update per feed. A crash in
-- between leaves the list, and the next refresh or search finishes the job.
CREATE TABLE search_backlog (
    episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE
);
