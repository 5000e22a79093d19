// How lists are ordered and narrowed: the library's shows here (pure, so the rules are tested
// without a page); a show's episodes are filtered and ordered by Rust, a page at a time.
import type { EpisodeFilter, Show } from "./ipc/bindings";

export type ShowOrder = "updated" | "title" | "unplayed";

export const episodeFilters: { value: EpisodeFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "unplayed", label: "Unplayed" },
  { value: "in-progress", label: "In progress" },
  { value: "downloaded", label: "Downloaded" },
];

export const showOrders: { value: ShowOrder; label: string }[] = [
  { value: "updated", label: "Recently updated" },
  { value: "title", label: "Title" },
  { value: "unplayed", label: "Most unplayed" },
];

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

/**
 * The heading's count of a show's episodes, shown of total: `(20/534)` is 20 rows in the list
 * (those that pass the filter and are loaded) of the show's 534 episodes.
 */
export function episodeCount(shown: number, total: number): { text: string; label: string } {
  return {
    text: `(${shown}/${total})`,
    label: `${shown} of ${total} ${total === 1 ? "episode" : "episodes"} shown`,
  };
}
