import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Backend } from "../api/backend";
import type { DirectorySearch, DirectoryShow } from "../ipc/bindings";
import { DiscoverStore, episodeCountText, looksLikeAddress } from "./discover.svelte";

function listing(title: string, overrides: Partial<DirectoryShow> = {}): DirectoryShow {
  return {
    title,
    author: null,
    feed_url: `https://x.example/${encodeURIComponent(title)}`,
    artwork_url: null,
    categories: [],
    source: "itunes",
    episode_count: null,
    subscribed: false,
    description: null,
    itunes_id: null,
    ...overrides,
  };
}

/** A backend whose searches answer when the test says, recording what was asked. */
function fakeBackend() {
  const asked: string[] = [];
  const answer = new Map<string, (update: DirectorySearch) => void>();
  const finish = new Map<string, () => void>();
  let cancelled = 0;
  const backend = {
    searchDirectories: (query: string, onUpdate: (update: DirectorySearch) => void) => {
      asked.push(query);
      answer.set(query, onUpdate);
      return new Promise<void>((resolve) => finish.set(query, resolve));
    },
    cancelDirectorySearch: async () => {
      cancelled += 1;
    },
  } as unknown as Backend;
  const send = (query: string, results: DirectoryShow[], done: boolean) => {
    answer.get(query)?.({ query, results, pending: done ? [] : ["fyyd"], failures: [], done });
    if (done) finish.get(query)?.();
  };
  return { backend, asked, send, cancelled: () => cancelled };
}

describe("DiscoverStore", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("searches once typing pauses, never on every key", async () => {
    const { backend, asked } = fakeBackend();
    const store = new DiscoverStore(backend, 400);
    for (const text of ["r", "ru", "rus", "rust"]) {
      store.type(text);
      await vi.advanceTimersByTimeAsync(150);
    }
    expect(asked).toEqual([]);
    expect(store.searching).toBe(true);
    await vi.advanceTimersByTimeAsync(400);
    expect(asked).toEqual(["rust"]);
  });

  it("shows results as each directory answers, and drops a superseded query's answers", async () => {
    const { backend, send } = fakeBackend();
    const store = new DiscoverStore(backend, 400);
    store.type("rust");
    await vi.advanceTimersByTimeAsync(400);
    store.type("go lang");
    await vi.advanceTimersByTimeAsync(400);
    send("rust", [listing("Rustacean Station")], false);
    expect(store.results).toEqual([]);
    send("go lang", [listing("Go Time")], false);
    expect(store.results.map((r) => r.title)).toEqual(["Go Time"]);
    expect(store.pending).toEqual(["fyyd"]);
    expect(store.searching).toBe(true);
    expect(store.timing?.first).not.toBeNull();
    send("go lang", [listing("Go Time"), listing("Gopher Talk")], true);
    expect(store.results).toHaveLength(2);
    expect(store.searching).toBe(false);
    expect(store.timing?.all).not.toBeNull();
    expect(store.query).toBe("go lang");
  });

  it("clearing ends the search under way and forgets its results", async () => {
    const { backend, send, cancelled } = fakeBackend();
    const store = new DiscoverStore(backend, 400);
    store.type("rust");
    await vi.advanceTimersByTimeAsync(400);
    store.type("");
    expect(cancelled()).toBe(1);
    send("rust", [listing("Rustacean Station")], true);
    expect(store.results).toEqual([]);
    expect(store.query).toBe("");
    expect(store.searching).toBe(false);
  });

  it("marks a listing followed once subscribed", async () => {
    const { backend, send } = fakeBackend();
    const store = new DiscoverStore(backend, 0);
    void store.search("rust");
    const show = listing("Rustacean Station");
    send("rust", [show], true);
    store.markSubscribed(show.feed_url ?? "");
    expect(store.results[0]?.subscribed).toBe(true);
  });
});

describe("looksLikeAddress", () => {
  it("tells addresses from words", () => {
    for (const address of [
      "https://example.com/feed.xml",
      "example.com/feed",
      "feed://x.org/rss",
      "podcasts.apple.com/us/podcast/x/id123",
      "localhost:8080/feed",
    ]) {
      expect(looksLikeAddress(address), address).toBe(true);
    }
    for (const words of ["rust", "the daily", "true crime", "", "  ", "Café Babel"]) {
      expect(looksLikeAddress(words), words).toBe(false);
    }
  });
});

describe("episodeCountText", () => {
  it("counts, or says nothing when unknown", () => {
    expect(episodeCountText(null)).toBe("");
    expect(episodeCountText(1)).toBe("1 episode");
    expect(episodeCountText(1250)).toBe("1,250 episodes");
  });
});
