-- Show notes are stored packed (zstd) in `notes`. Rows stored before keep theirs in `notes_raw`
-- until the library packs them when it opens (after which `notes_raw` is '').
ALTER TABLE episodes ADD COLUMN notes BLOB;
