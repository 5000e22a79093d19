// How a show's loaded episode rows follow the library's changes without a reload (pure, so the
// rules are tested without a page): a new place or a changed row is put where the row already
// is, and new episodes join where the list's order puts them. The list never gets shorter and
// its rows never move under the listener.
import type { Episode, EpisodeFilter, EpisodeId, EpisodeOrder, Progress } from "./ipc/bindings";

/** The most rows one request may ask for (the core's cap). */
export const MAX_PAGE = 500;

/** Puts the listener's new place into the row showing `episodeId`; false when none shows it. */
export function applyProgress(rows: Episode[], episodeId: EpisodeId, progress: Progress): boolean {
  const row = rows.find((e) => e.id === episodeId);
  if (!row) return false;
  if (row.progress.positionSecs !== progress.positionSecs || row.progress.played !== progress.played) {
    row.progress = progress;
  }
  return true;
}

/** Replaces the rows of the `fresh` episodes where they are; other rows are left alone. */
export function replaceRows(rows: Episode[], fresh: Episode[]): void {
  if (fresh.length === 0) return;
  const byId = new Map(fresh.map((e) => [e.id, e]));
  for (const [i, row] of rows.entries()) {
    const next = byId.get(row.id);
    if (next) rows[i] = next;
  }
}

/** Whether an episode belongs in a list narrowed by `filter`. */
export function passes(episode: Episode, filter: EpisodeFilter): boolean {
  switch (filter) {
    case "all":
      return true;
    case "unplayed":
      return !episode.progress.played;
    case "in-progress":
      return !episode.progress.played && (episode.progress.positionSecs ?? 0) > 0;
    case "downloaded":
      return episode.download?.state === "done";
  }
}

/**
 * Adds new episodes (`fresh`, any order) to the loaded rows: on top, newest first, when the
 * list is newest first; at the end, oldest first, when it is oldest first and every row is
 * already loaded (otherwise they arrive with the next page). Returns how many were added.
 */
export function insertNew(
  rows: Episode[],
  fresh: Episode[],
  order: EpisodeOrder,
  filter: EpisodeFilter,
  complete: boolean,
): number {
  const known = new Set(rows.map((e) => e.id));
  const joining = fresh.filter((e) => !known.has(e.id) && passes(e, filter));
  const newestFirst = (a: Episode, b: Episode) => (b.publishedAt ?? 0) - (a.publishedAt ?? 0) || b.id - a.id;
  joining.sort(newestFirst);
  if (order === "newest") {
    rows.unshift(...joining);
    return joining.length;
  }
  if (!complete) return 0;
  rows.push(...joining.reverse());
  return joining.length;
}

/**
 * The pages that reload `loaded` rows (at least `minimum`) without asking for more than the
 * core gives at once: offsets and limits, in order.
 */
export function reloadPages(loaded: number, minimum: number): { offset: number; limit: number }[] {
  const wanted = Math.max(loaded, minimum);
  const pages: { offset: number; limit: number }[] = [];
  for (let offset = 0; offset < wanted; offset += MAX_PAGE) {
    pages.push({ offset, limit: Math.min(MAX_PAGE, wanted - offset) });
  }
  return pages;
}
