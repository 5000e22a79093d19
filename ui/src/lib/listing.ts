// How lists are narrowed and ordered: the library's shows and a show's episodes. Pure functions,
// so the rules are tested without a page.
import type { Episode, Show } from "./ipc/bindings";

export type EpisodeFilter = "all" | "unplayed" | "in-progress";
export type EpisodeOrder = "newest" | "oldest";
export type ShowOrder = "updated" | "title" | "unplayed";

export const episodeFilters: { value: EpisodeFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "unplayed", label: "Unplayed" },
  { value: "in-progress", label: "In progress" },
];

export const showOrders: { value: ShowOrder; label: string }[] = [
  { value: "updated", label: "Recently updated" },
  { value: "title", label: "Title" },
  { value: "unplayed", label: "Most unplayed" },
];

/** Started and not finished. */
export function inProgress(episode: Episode): boolean {
  return !episode.progress.played && (episode.progress.positionSecs ?? 0) > 0;
}

/** The episodes that pass `filter`, in `order` (by date; undated ones last either way). */
export function listEpisodes(episodes: Episode[], filter: EpisodeFilter, order: EpisodeOrder): Episode[] {
  const kept = episodes.filter((episode) => {
    switch (filter) {
      case "unplayed":
        return !episode.progress.played;
      case "in-progress":
        return inProgress(episode);
      default:
        return true;
    }
  });
  // The list arrives newest first (with feed order breaking ties); oldest first is its reverse,
  // keeping undated episodes at the end.
  if (order === "oldest") {
    const dated = kept.filter((e) => e.publishedAt !== null).reverse();
    const undated = kept.filter((e) => e.publishedAt === null);
    return [...dated, ...undated];
  }
  return kept;
}

const byTitle = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

/** The library's shows in `order`; ties fall back to the title. */
export function sortShows(shows: Show[], order: ShowOrder): Show[] {
  const sorted = [...shows];
  sorted.sort((a, b) => {
    let difference = 0;
    if (order === "updated") difference = (b.latestEpisodeAt ?? -Infinity) - (a.latestEpisodeAt ?? -Infinity);
    else if (order === "unplayed") difference = b.unplayedCount - a.unplayedCount;
    if (Number.isNaN(difference)) difference = 0;
    return difference !== 0 ? difference : byTitle.compare(a.title, b.title);
  });
  return sorted;
}
