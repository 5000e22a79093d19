// What a page shows while its data comes, when it cannot come, and when there is none: one
// rule, so no page is ever blank. What is already shown stays shown when a reload fails.

export type Loading = "loading" | "failed" | "empty" | "ready";

/** `count`: how many things there are to show (0 until loaded); `error`: why the last load failed. */
export function loadingState({ loaded, error, count }: { loaded: boolean; error: string | null; count: number }): Loading {
  if (count > 0) return "ready";
  if (error !== null) return "failed";
  return loaded ? "empty" : "loading";
}
