// Start-up marks: the moments the listener first sees something, reported once each so the log
// (and `cargo xtask bench --app`) can tell how long start-up took.
import type { DrawnMark } from "./ipc/bindings";

const reported = new Set<DrawnMark>();

/** Calls `report(mark)` once, after the frame now being prepared is on screen. */
export function markDrawn(mark: DrawnMark, report: (mark: DrawnMark) => Promise<void>): void {
  if (reported.has(mark)) return;
  reported.add(mark);
  // The first callback runs before the frame is painted, the second after it.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      Promise.resolve()
        .then(() => report(mark))
        .catch(() => {});
    }),
  );
}

/** Settles when the pictures among `images` have been decoded (or failed to), so a mark after it
 * counts the artwork in view as drawn. */
export async function imagesDecoded(images: Iterable<HTMLImageElement>): Promise<void> {
  await Promise.allSettled([...images].map((image) => image.decode()));
}
