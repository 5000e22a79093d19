// Timecodes in show notes ("12:26 Cost of HTTP/2", "[1:02:21]", "(5:30)") become links that
// start the episode there. Pure text scanning here; Notes.svelte applies it to text nodes.

export type Timecode = { index: number; length: number; seconds: number };

// h:mm:ss or m:ss / mm:ss, not part of a longer run of digits and colons (dates, ratios, clocks
// with more parts).
const PATTERN = /(?<![\d:])(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?![\d:])/g;

/** The timecodes in `text`, skipping impossible ones (60+ minutes or seconds after an hour
 * part, 60+ seconds) and those past `durationSecs` when it is known. */
export function findTimecodes(text: string, durationSecs?: number | null): Timecode[] {
  const found: Timecode[] = [];
  for (const match of text.matchAll(PATTERN)) {
    const [whole, h, m, s] = match;
    const hours = h === undefined ? 0 : Number(h);
    const minutes = Number(m);
    const seconds = Number(s);
    if (seconds >= 60 || (h !== undefined && minutes >= 60)) continue;
    const total = hours * 3600 + minutes * 60 + seconds;
    if (durationSecs != null && durationSecs > 0 && total > durationSecs) continue;
    found.push({ index: match.index ?? 0, length: whole.length, seconds: total });
  }
  return found;
}
