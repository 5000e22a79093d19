// Apple's genres as Explore offers them, and the genre a show's category chip opens.
import type { Genre } from "./ipc/bindings";

const folded = (name: string) =>
  name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\band\b/g, "&")
    .replace(/[^a-z0-9&]+/g, "");

/** The genre a category names ("Society & Culture", "society and culture"), if any. */
export function genreFor(category: string, genres: readonly Genre[]): Genre | null {
  const wanted = folded(category);
  return genres.find((genre) => folded(genre.name) === wanted) ?? null;
}

/** Whether a chart fetched at `fetchedAt` (Unix seconds) is younger than a day at `now` (ms). */
export function chartIsFresh(fetchedAt: number, now = Date.now()): boolean {
  return now / 1000 - fetchedAt < 24 * 60 * 60;
}
