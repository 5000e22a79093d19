-- Show notes are stored as the publisher wrote them and sanitized whenever they are read, so a
-- refresh never pays for sanitizing notes nobody opens, and a stricter sanitizer applies to
-- everything already stored. (Notes stored before this were sanitized already; sanitizing them
-- again changes nothing.)
ALTER TABLE episodes RENAME COLUMN notes_html TO notes_raw;

-- Feed order now counts up from the oldest entry (newest has the highest number), so the
-- newest-first list reads one index in order: published date, then feed order, both descending.
UPDATE episodes SET feed_order = -feed_order;
DROP INDEX episodes_by_show_date;
CREATE INDEX episodes_by_show_newest ON episodes (show_id, published_at DESC, feed_order DESC);
