-- The episodes whose notes are still to be packed: empty once they are, so looking for them each
-- time the library opens costs nothing rather than a scan of every episode.
CREATE INDEX episodes_unpacked ON episodes (id) WHERE notes_raw != '';
