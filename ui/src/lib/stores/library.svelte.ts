// The subscribed shows, reloaded whenever Rust says the library changed.
import type { Backend, Unlisten } from "../api/backend";
import type { Show, ShowId } from "../ipc/bindings";

export class LibraryStore {
  shows: Show[] = $state([]);
  loaded = $state(false);
  /** Bumped on every change so open pages know to reload. */
  version = $state(0);
  readonly #backend: Backend;
  #unlisten: Unlisten | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async start(): Promise<void> {
    this.#unlisten = await this.#backend.onLibraryChanged(() => {
      void this.reload();
    });
    await this.reload();
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
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
