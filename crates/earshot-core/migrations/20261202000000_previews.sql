-- A show read or played from a directory without following it: kept like a followed show (so
-- its page, its episodes and the listener's place in them work the same), but out of the
-- library's lists, refreshes, search and exports until the listener subscribes.
ALTER TABLE shows ADD COLUMN followed INTEGER NOT NULL DEFAULT 1;
-- When a preview was last opened; previews left alone for long are forgotten.
ALTER TABLE shows ADD COLUMN previewed_at INTEGER;
