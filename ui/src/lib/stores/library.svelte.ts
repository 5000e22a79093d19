// The subscribed shows, reloaded whenever Rust says the library changed.
import type { Backend, Unlisten } from "../api/backend";
import type { RefreshProgress, Show, ShowId } from "../ipc/bindings";

export class LibraryStore {
  shows: Show[] = $state([]);
  loaded = $state(false);
  /** Bumped on every change so open pages know to reload. */
  version = $state(0);
  /** The refresh of everything under way, if any. */
  refreshing: RefreshProgress | null = $state(null);
  readonly #backend: Backend;
  #unlisten: Unlisten[] = [];

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async start(): Promise<void> {
    this.#unlisten.push(
      await this.#backend.onLibraryChanged(() => {
        void this.reload();
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

  async refreshAll(): Promise<void> {
    try {
      await this.#backend.refreshAll();
    } finally {
      this.refreshing = null;
    }
  }

  async reload(): Promise<void> {
    this.shows = await this.#backend.listShows();
    this.loaded = true;
    this.version += 1;
  }

  subscribe(url: string): Promise<Show> {
    return this.#backend.subscribe(url);
  }

  find(id: ShowId): Show | undefined {
    return this.shows.find((show) => show.id === id);
  }
}
