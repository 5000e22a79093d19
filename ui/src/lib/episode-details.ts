// What the feed says of an episode beyond its title, in words: its place in the show and who
// takes part.
import type { Episode } from "./ipc/bindings";

/** "Season 2, episode 14", "Episode 14", "Season 2"; null when the feed says neither. */
export function episodeNumbering(episode: Pick<Episode, "season" | "episodeNumber">): string | null {
  const { season, episodeNumber } = episode;
  if (season !== null && episodeNumber !== null) return `Season ${season}, episode ${episodeNumber}`;
  if (episodeNumber !== null) return `Episode ${episodeNumber}`;
  if (season !== null) return `Season ${season}`;
  return null;
}

/** A `podcast:person` role as a listener reads it ("host" → "Host", "guest" → "Guest"). */
export function roleLabel(role: string): string {
  const words = role.trim().toLowerCase();
  if (!words) return "Host";
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A feed's language code (`en-us`, `de`) as its name ("English (United States)", "German"). */
export function languageName(code: string, locale?: string): string {
  const tag = code.trim().replace(/_/g, "-");
  try {
    const names = new Intl.DisplayNames(locale ? [locale] : undefined, { type: "language" });
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}
