// A show's addresses, as a podcast directory page offers them: the feed's, to copy into another
// app, and the show's website, opened in the system browser (never in the app window).
import type { Show } from "./ipc/bindings";

/** Where a notice goes (the toasts). */
export interface Notices {
  info(message: string): unknown;
  error(message: string): unknown;
}

/** Puts the feed's address on the clipboard and says so, or says why it could not. */
export async function copyFeedAddress(
  show: Pick<Show, "feedUrl">,
  clipboard: Pick<Clipboard, "writeText"> | undefined,
  notices: Notices,
): Promise<void> {
  try {
    if (!clipboard) throw new Error("there is no clipboard here");
    await clipboard.writeText(show.feedUrl);
    notices.info("Feed address copied");
  } catch (e) {
    notices.error(`The feed address could not be copied: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The show's website when the feed gives a web address for it, else null. */
export function websiteOf(show: Pick<Show, "link">): string | null {
  const link = show.link?.trim();
  if (!link) return null;
  return /^https?:\/\//i.test(link) ? link : null;
}
