// The subscribed shows, kept current from the library's change events: a change to one show
// reloads that show's tile only (changes that arrive together are fetched together), and pages
// that show episodes hear the same events through `onChange`. Only when changes were missed is
// everything reloaded (`version` tells open pages to reload too).
import type { Backend, Unlisten } from "../api/backend";
import type { Change, RefreshProgress, SameGuid, Show, ShowId } from "../ipc/bindings";

/** More changed shows than this at once are fetched as one list. */
const ONE_BY_ONE = 20;

export class LibraryStore {
  shows: Show[] = $state([]);
  loaded = $state(false);
  /** Why the shows could not be read, when they could not. */
  loadError: string | null = $state(null);
  /** Bumped when changes were missed, so open pages know to reload. */
  version = $state(0);
  /** The refresh of everything under way, if any. */
  refreshing: RefreshProgress | null = $state(null);
  readonly #backend: Backend;
  #unlisten: Unlisten[] = [];
  // Bookkeeping, not state: nothing renders from these.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #listeners = new Set<(change: Change) => void>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #pending = new Set<ShowId>();
  /** A flush is waiting to run. */
  #scheduled = false;
  /** Flushes run one after another, so an older answer never overwrites a newer one. */
  #flushes: Promise<void> = Promise.resolve();

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async start(): Promise<void> {
    this.#unlisten.push(
      await this.#backend.onLibraryChanged((change) => this.#follow(change)),
      await this.#backend.onChangesMissed(() => {
        void this.reload().then(() => {
          this.version += 1;
        });
      }),
      await this.#backend.onRefreshProgressed((progress) => {
        this.refreshing = progress.done < progress.total ? progress : null;
      }),
    );
    await this.reload();
  }

  stop(): void {
    for (const unlisten of this.#unlisten) unlisten();
    this.#unlisten = [];
  }

  /** Calls `listener` with every change to the library until the returned function is called. */
  onChange(listener: (change: Change) => void): Unlisten {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async refreshAll(): Promise<void> {
    try {
      await this.#backend.refreshAll();
    } finally {
      this.refreshing = null;
    }
  }

  async reload(): Promise<void> {
    try {
      this.shows = await this.#backend.listShows();
      this.loadError = null;
    } catch (e) {
      this.loadError = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      this.loaded = true;
    }
  }

  subscribe(url: string, sameGuid?: SameGuid): Promise<Show> {
    return this.#backend.subscribe(url, sameGuid);
  }

  find(id: ShowId): Show | undefined {
    return this.shows.find((show) => show.id === id);
  }

  #follow(change: Change): void {
    for (const listener of this.#listeners) listener(change);
    switch (change.kind) {
      case "showAdded":
      case "showRefreshed":
      case "showUpdated":
        this.#pending.add(change.showId);
        if (!this.#scheduled) {
          this.#scheduled = true;
          this.#flushes = this.#flushes.then(() => this.#flush());
        }
        break;
      case "showChecked": {
        // Only the time of the check: no fetch for it.
        const show = this.find(change.showId);
        if (show) show.refreshedAt = change.refreshedAt;
        break;
      }
      case "showRemoved":
        this.#pending.delete(change.showId);
        this.shows = this.shows.filter((show) => show.id !== change.showId);
        break;
      // A place or a download changes no tile; a played episode's count arrives as showUpdated.
      case "progressSaved":
      case "downloadChanged":
      case "queueChanged":
        break;
    }
  }

  /** Fetches the shows that changed since the last flush and puts each in its tile. */
  async #flush(): Promise<void> {
    // Changes that arrive in the same moment are taken together.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ids = [...this.#pending];
    this.#pending.clear();
    this.#scheduled = false;
    if (ids.length === 0) return;
    try {
      if (ids.length > ONE_BY_ONE) {
        this.shows = await this.#backend.listShows();
        return;
      }
      const fetched = await Promise.all(ids.map((id) => this.#backend.getShow(id).catch(() => null)));
      for (const [index, id] of ids.entries()) this.#put(id, fetched[index] ?? null);
    } catch {
      // The next change, or a missed-changes reload, brings the tiles back in step.
    }
  }

  #put(id: ShowId, show: Show | null): void {
    const at = this.shows.findIndex((s) => s.id === id);
    // A preview is not in the library until it is followed.
    if (show === null || !show.followed) {
      if (at >= 0) this.shows.splice(at, 1);
    } else if (at >= 0) {
      this.shows[at] = show;
    } else {
      this.shows.push(show);
    }
  }
}
