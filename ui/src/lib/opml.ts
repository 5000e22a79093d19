// What the listener reads while an OPML file is imported and once it is: the file's name and,
// while the new shows are first fetched, how many of them are done (from RefreshProgressed).
import type { ImportSummary, RefreshProgress } from "./ipc/bindings";

/** `Importing subs.opml…`, then `Importing subs.opml: 3 of 40 shows fetched…`. */
export function importProgress(fileName: string, progress: RefreshProgress | null): string {
  if (!progress || progress.total === 0) return `Importing ${fileName}…`;
  const shows = progress.total === 1 ? "show" : "shows";
  return `Importing ${fileName}: ${progress.done} of ${progress.total} ${shows} fetched…`;
}

/** `Added 3 shows, 1 already in your library, 2 skipped (not feed addresses).` */
export function importSummary(summary: ImportSummary): string {
  const parts = [`Added ${summary.added} ${summary.added === 1 ? "show" : "shows"}`];
  if (summary.alreadySubscribed) parts.push(`${summary.alreadySubscribed} already in your library`);
  if (summary.problems.length) parts.push(`${summary.problems.length} skipped (not feed addresses)`);
  if (summary.failed.length) parts.push(`${summary.failed.length} could not be fetched yet: see their pages`);
  return parts.join(", ") + ".";
}
