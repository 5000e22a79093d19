// Episode downloads, mirrored from Rust: listed once, then kept current by DownloadProgressed
// events (never polled). Running downloads are patched in place as their progress arrives; a
// change of state reads the list and the disk usage again. Changes go through commands only.
import { SvelteMap } from "svelte/reactivity";
import type { Backend, Unlisten } from "../api/backend";
import type { DiskUsage, Download, DownloadProgress, EpisodeDownload, EpisodeId } from "../ipc/bindings";
import { applyProgress, currentStatus, isActive, orderDownloads, type DownloadStatus } from "../downloads";

export class DownloadsStore {
  /** Every download the listener has (removed ones aside). */
  downloads: Download[] = $state([]);
  usage: DiskUsage = $state({ shows: [], totalBytes: 0 });
  loaded = $state(false);
  /** The list by episode, for the many rows that ask. */
  readonly #listed: Record<EpisodeId, Download> = $derived(
    Object.fromEntries(this.downloads.map((d) => [d.episodeId, d])),
  );
  readonly #backend: Backend;
  /**
   * The latest event of each episode (newer than any list, and the only place speeds are), with
   * when it arrived in milliseconds, to tell a stalled download.
   */
  readonly #live = new SvelteMap<EpisodeId, { progress: DownloadProgress; heardAt: number }>();
  #unlisten: Unlisten | null = null;
  #reloading: Promise<void> | null = null;
  #again = false;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async start(): Promise<void> {
    this.#unlisten = await this.#backend.onDownloadProgressed((progress) => this.#observe(progress));
    await this.reload();
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
  }

  /** Under way first, then finished ones, the newest first. Worked out once per change. */
  readonly ordered: { unfinished: Download[]; finished: Download[] } = $derived(orderDownloads(this.downloads));

  /** How many are queued or running (for the sidebar's count). Worked out once per change. */
  readonly activeCount: number = $derived(
    this.downloads.filter((download) => {
      const status = this.status(download.episodeId, download);
      return status !== null && isActive(status.state);
    }).length,
  );

  /**
   * Where the episode's download stands: from the latest event, else from what an episode list
   * said (`listed`) or this store's list. The store's entry is taken when both agree, since it
   * carries the reason a download failed.
   */
  status(episodeId: EpisodeId, listed?: EpisodeDownload | Download | null): DownloadStatus | null {
    const mine = this.#listed[episodeId];
    const known = listed === undefined || (mine && listed && mine.state === listed.state) ? mine : listed;
    return currentStatus(this.#live.get(episodeId)?.progress, known);
  }

  /** When the episode's latest event arrived, in milliseconds; none since start-up: undefined. */
  heardAt(episodeId: EpisodeId): number | undefined {
    return this.#live.get(episodeId)?.heardAt;
  }

  /** Reads the list and the disk usage; calls made while a read runs share one more read. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      try {
        do {
          this.#again = false;
          const [downloads, usage] = await Promise.all([
            this.#backend.listDownloads(),
            this.#backend.getDiskUsage(),
          ]);
          this.downloads = downloads;
          this.usage = usage;
          this.loaded = true;
        } while (this.#again);
      } finally {
        this.#reloading = null;
      }
    })();
    return this.#reloading;
  }

  async download(episodeId: EpisodeId): Promise<void> {
    await this.#backend.downloadEpisode(episodeId);
  }

  async pause(episodeId: EpisodeId): Promise<void> {
    await this.#backend.pauseDownload(episodeId);
  }

  /** Continues a paused download or retries a failed one. */
  async resume(episodeId: EpisodeId): Promise<void> {
    await this.#backend.resumeDownload(episodeId);
  }

  /** Stops an unfinished download and forgets what arrived. */
  cancel(episodeId: EpisodeId): Promise<void> {
    return this.#backend.cancelDownload(episodeId);
  }

  /** Deletes the episode's file. */
  remove(episodeId: EpisodeId): Promise<void> {
    return this.#backend.deleteDownload(episodeId);
  }

  #observe(progress: DownloadProgress) {
    this.#live.set(progress.episodeId, { progress, heardAt: Date.now() });
    const { downloads, stale } = applyProgress(this.downloads, progress);
    if (downloads !== this.downloads) this.downloads = downloads;
    if (stale) this.reload().catch(() => {});
  }
}
