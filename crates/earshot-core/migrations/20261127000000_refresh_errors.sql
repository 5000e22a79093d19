-- When the last refresh failed, so the show page can say "failed 5 minutes ago".
ALTER TABLE shows ADD COLUMN last_error_at INTEGER;
