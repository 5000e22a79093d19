// Directory search as the listener types: a query goes out after a pause in typing (never on
// every key), a newer query supersedes the one under way, and the merged results arrive as each
// directory answers. Answers to a superseded query are dropped here too, should any still come.
import type { Backend } from "../api/backend";
import type { DirectoryFailure, DirectoryShow, DirectorySource } from "../ipc/bindings";

/** How long typing must pause before a query goes out. */
export const TYPING_PAUSE_MS = 400;

/** When a query's answers came, in milliseconds after its last keystroke. */
export type SearchTiming = {
  /** `performance.now()` at the last keystroke. */
  typedAt: number;
  /** The query went out (the typing pause ended). */
  sent: number;
  /** The first directory's answer arrived. */
  first: number | null;
  /** Every directory had answered or failed. */
  all: number | null;
};

export class DiscoverStore {
  /** The query the results are for (what was typed, trimmed). */
  query = $state("");
  results: DirectoryShow[] = $state.raw([]);
  pending: DirectorySource[] = $state.raw([]);
  failures: DirectoryFailure[] = $state.raw([]);
  /** A query is waiting for the typing pause or for its answers. */
  searching = $state(false);
  /** Why the search could not be made at all. */
  error: string | null = $state(null);
  timing: SearchTiming | null = $state.raw(null);
  readonly #backend: Backend;
  readonly #pause: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Counts queries; answers to any but the latest are dropped. */
  #generation = 0;
  #typedAt = 0;

  constructor(backend: Backend, pauseMs = TYPING_PAUSE_MS) {
    this.#backend = backend;
    this.#pause = pauseMs;
  }

  /** The listener typed: search for `text` once typing pauses. */
  type(text: string): void {
    this.#typedAt = performance.now();
    if (this.#timer !== null) clearTimeout(this.#timer);
    const query = text.trim();
    if (!query) {
      this.clear();
      return;
    }
    this.searching = true;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.search(query);
    }, this.#pause);
  }

  /** Searches for `query` now (Enter, or a query handed over from elsewhere). */
  async search(query: string): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    query = query.trim();
    if (!query) {
      this.clear();
      return;
    }
    const generation = ++this.#generation;
    const typedAt = this.#typedAt || performance.now();
    const timing: SearchTiming = { typedAt, sent: performance.now() - typedAt, first: null, all: null };
    this.query = query;
    this.results = [];
    this.pending = [];
    this.failures = [];
    this.error = null;
    this.searching = true;
    this.timing = timing;
    try {
      await this.#backend.searchDirectories(query, (update) => {
        if (generation !== this.#generation || update.query !== query) return;
        const at = performance.now() - typedAt;
        if (timing.first === null && (update.results.length > 0 || update.done)) timing.first = at;
        if (update.done) timing.all = at;
        this.results = update.results;
        this.pending = update.pending;
        this.failures = update.failures;
        this.timing = { ...timing };
        if (update.done) this.searching = false;
      });
    } catch (e) {
      if (generation === this.#generation) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (generation === this.#generation) this.searching = false;
    }
  }

  /** Forgets the query and its results, and ends the search under way. */
  clear(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const wasSearching = this.searching;
    this.#generation += 1;
    this.query = "";
    this.results = [];
    this.pending = [];
    this.failures = [];
    this.error = null;
    this.searching = false;
    this.timing = null;
    if (wasSearching) void this.#backend.cancelDirectorySearch().catch(() => {});
  }

  /** Marks a listing as followed once the listener subscribed to it. */
  markSubscribed(feedUrl: string): void {
    this.results = this.results.map((r) => (r.feed_url === feedUrl ? { ...r, subscribed: true } : r));
  }
}

/** Directory names as the listener reads them. */
export function sourceName(source: DirectorySource): string {
  switch (source) {
    case "itunes":
      return "Apple Podcasts";
    case "fyyd":
      return "fyyd";
    case "podcastindex":
      return "Podcast Index";
  }
}

/** Text that is a feed or page address (to subscribe to) rather than words to search for. */
export function looksLikeAddress(text: string): boolean {
  const t = text.trim();
  if (!t || /\s/.test(t)) return false;
  return /^[a-z][a-z0-9+.-]*:/i.test(t) || /^[^/]+\.[a-z]{2,}(\/|$|:\d)/i.test(t);
}

/** "1 episode", "240 episodes"; nothing when unknown. */
export function episodeCountText(count: number | null): string {
  if (count === null) return "";
  return count === 1 ? "1 episode" : `${count.toLocaleString("en")} episodes`;
}
