// Downloads as the UI shows them: one status per episode from what Rust listed and the progress
// events since, how far along it is, and the words for it. Pure, so the rules are unit-tested;
// the store (stores/downloads.svelte.ts) holds the state.
import { formatBytes, formatEta, formatSpeed } from "./format";
import type { AfterPlayed, Download, DownloadProgress, DownloadState, EpisodeDownload } from "./ipc/bindings";

/** Where one episode's download stands, with its speed while it runs. */
export type DownloadStatus = {
  state: Exclude<DownloadState, "removed">;
  bytesDone: number;
  bytesTotal: number | null;
  bytesPerSec: number | null;
  etaSecs: number | null;
  error: string | null;
};

/**
 * The episode's download now: the latest progress event wins over what was listed (events come
 * after Rust has stored the change); none when there is no download or it was removed.
 */
export function currentStatus(
  live: DownloadProgress | undefined,
  listed: EpisodeDownload | Download | null | undefined,
): DownloadStatus | null {
  if (live) {
    if (live.state === "removed") return null;
    return {
      state: live.state,
      bytesDone: live.bytesDone,
      bytesTotal: live.bytesTotal,
      bytesPerSec: live.state === "downloading" ? live.bytesPerSec : null,
      etaSecs: live.state === "downloading" ? live.etaSecs : null,
      error: live.error,
    };
  }
  if (!listed || listed.state === "removed") return null;
  return {
    state: listed.state,
    bytesDone: listed.bytesDone,
    bytesTotal: listed.bytesTotal,
    bytesPerSec: null,
    etaSecs: null,
    error: "error" in listed ? listed.error : null,
  };
}

/** Whole percent done, never 100 before the file is complete; null when the size is unknown. */
export function percentDone(status: Pick<DownloadStatus, "state" | "bytesDone" | "bytesTotal">): number | null {
  if (status.state === "done") return 100;
  const { bytesDone, bytesTotal } = status;
  if (bytesTotal == null || bytesTotal <= 0) return null;
  return Math.max(0, Math.min(99, Math.floor((bytesDone / bytesTotal) * 100)));
}

/** Queued or running: what a pause applies to. */
export function isActive(state: DownloadState): boolean {
  return state === "queued" || state === "downloading";
}

/** Not finished and not gone: what the Downloads view lists as under way. */
export function isUnfinished(state: DownloadState): boolean {
  return state !== "done" && state !== "removed";
}

/** How long a running download may go without news before it is called stalled. */
export const STALL_MS = 5000;

/**
 * Whether a running download has gone quiet: Rust reports progress as bytes arrive, so a server
 * that stops sending leaves the last speed standing; after `STALL_MS` it no longer holds.
 */
export function isStalled(status: DownloadStatus, heardAtMs: number | undefined, nowMs: number): boolean {
  return status.state === "downloading" && heardAtMs !== undefined && nowMs - heardAtMs > STALL_MS;
}

/**
 * `12 MB of 45 MB · 26% · 3.4 MB/s · 2 min left`, each part only when known and meaningful (no
 * `0 B` for what has not started; no speed once stalled).
 */
export function describeProgress(status: DownloadStatus, stalled = false): string {
  if (status.state === "done") return `${formatBytes(status.bytesDone)} · 100%`;
  const running = status.state === "downloading";
  const started = status.bytesDone > 0;
  const parts: string[] = [];
  if (started || (running && status.bytesTotal != null)) {
    parts.push(
      status.bytesTotal != null
        ? `${formatBytes(status.bytesDone)} of ${formatBytes(status.bytesTotal)}`
        : formatBytes(status.bytesDone),
    );
    const percent = percentDone(status);
    if (percent !== null) parts.push(`${percent}%`);
  }
  if (running && !stalled) {
    const speed = formatSpeed(status.bytesPerSec);
    const eta = formatEta(status.etaSecs);
    if (speed) parts.push(speed);
    if (eta) parts.push(eta);
  }
  return parts.join(" · ");
}

/** A state in words, for labels and the Downloads view. */
export function stateLabel(state: DownloadState): string {
  switch (state) {
    case "queued":
      return "Queued";
    case "downloading":
      return "Downloading";
    case "paused":
      return "Paused";
    case "done":
      return "Downloaded";
    case "failed":
      return "Failed";
    case "removed":
      return "Removed";
  }
}

/**
 * `downloads` with `progress` applied; `stale` when what the list holds can no longer be patched
 * (a new download, a change of state) and the list should be read again from Rust.
 */
export function applyProgress(
  downloads: Download[],
  progress: DownloadProgress,
): { downloads: Download[]; stale: boolean } {
  const index = downloads.findIndex((d) => d.episodeId === progress.episodeId);
  if (progress.state === "removed") {
    if (index < 0) return { downloads, stale: false };
    return { downloads: downloads.filter((_, i) => i !== index), stale: true };
  }
  const before = downloads[index];
  if (!before) return { downloads, stale: true };
  const after: Download = {
    ...before,
    state: progress.state,
    bytesDone: progress.bytesDone,
    bytesTotal: progress.bytesTotal ?? before.bytesTotal,
    error: progress.error,
  };
  const next = [...downloads];
  next[index] = after;
  return { downloads: next, stale: before.state !== progress.state };
}

/** Under way first, in the order they were asked for; then finished ones, the newest first. */
export function orderDownloads(downloads: Download[]): { unfinished: Download[]; finished: Download[] } {
  const unfinished = downloads
    .filter((d) => isUnfinished(d.state))
    .sort((a, b) => a.requestedAt - b.requestedAt || a.episodeId - b.episodeId);
  const finished = downloads
    .filter((d) => d.state === "done")
    .sort((a, b) => (b.completedAt ?? 0) - (a.completedAt ?? 0) || b.episodeId - a.episodeId);
  return { unfinished, finished };
}

/** The choices of a show's "Keep downloaded" rule; 0 is off. */
export const KEEP_NEWEST = [0, 1, 3, 5, 10];

export function keepLabel(newest: number): string {
  return newest === 0 ? "Off" : `Newest ${newest}`;
}

/** The choices offered for a show, with its current rule among them when set some other way. */
export function keepChoices(current: number): number[] {
  return KEEP_NEWEST.includes(current) ? KEEP_NEWEST : [...KEEP_NEWEST, current].sort((a, b) => a - b);
}

export type AfterPlayedKind = AfterPlayed["kind"];

/** The rule for `kind`, keeping the days already chosen when there were some. */
export function afterPlayed(kind: AfterPlayedKind, current: AfterPlayed, defaultDays = 7): AfterPlayed {
  if (kind === "afterDays") return { kind, days: current.kind === "afterDays" ? current.days : defaultDays };
  return { kind };
}
