import { describe, expect, it } from "vitest";
import type { Backend } from "../api/backend";
import type { Change, Show } from "../ipc/bindings";
import { testShow } from "../fixtures/show";
import { LibraryStore } from "./library.svelte";


/** A backend with what the store uses, counting the calls that read shows. */
function fakeBackend(library: Map<number, Show>) {
  let send: ((change: Change) => void) | null = null;
  let missed: (() => void) | null = null;
  const calls = { list: 0, get: [] as number[] };
  const backend = {
    onLibraryChanged: async (listener: (change: Change) => void) => {
      send = listener;
      return () => {};
    },
    onChangesMissed: async (listener: () => void) => {
      missed = listener;
      return () => {};
    },
    onRefreshProgressed: async () => () => {},
    listShows: async () => {
      calls.list += 1;
      return [...library.values()].map((s) => ({ ...s }));
    },
    getShow: async (id: number) => {
      calls.get.push(id);
      const found = library.get(id);
      if (!found) throw new Error("not found");
      return { ...found };
    },
  } as unknown as Backend;
  return { backend, calls, emit: (change: Change) => send?.(change), miss: () => missed?.() };
}

function show(id: number, title = `Show ${id}`, unplayedCount = 3): Show {
  return testShow(id, { title, unplayedCount });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 80));

describe("LibraryStore", () => {
  it("reads nothing when only an episode's place changed", async () => {
    const library = new Map([[1, show(1)]]);
    const { backend, calls, emit } = fakeBackend(library);
    const store = new LibraryStore(backend);
    await store.start();
    for (let second = 0; second < 60; second += 10) {
      emit({ kind: "progressSaved", showId: 1, episodeId: 5, progress: { positionSecs: second, played: false } });
    }
    await settle();
    expect(calls.list).toBe(1);
    expect(calls.get).toEqual([]);
    expect(store.version).toBe(0);
  });

  it("reloads one tile for a change to one show, and tells listeners", async () => {
    const library = new Map([
      [1, show(1)],
      [2, show(2)],
    ]);
    const { backend, calls, emit } = fakeBackend(library);
    const store = new LibraryStore(backend);
    await store.start();
    const heard: Change[] = [];
    const stop = store.onChange((change) => heard.push(change));
    library.set(2, show(2, "Renamed", 2));
    emit({ kind: "showUpdated", showId: 2 });
    emit({ kind: "showRefreshed", showId: 2, newEpisodes: [], changedEpisodes: [] });
    await settle();
    expect(calls.get).toEqual([2]);
    expect(store.find(2)?.title).toBe("Renamed");
    expect(store.find(1)?.title).toBe("Show 1");
    expect(heard).toHaveLength(2);
    stop();
    emit({ kind: "showUpdated", showId: 1 });
    expect(heard).toHaveLength(2);
  });

  it("takes the time of a check that found nothing new without fetching", async () => {
    const library = new Map([[1, show(1)]]);
    const { backend, calls, emit } = fakeBackend(library);
    const store = new LibraryStore(backend);
    await store.start();
    emit({ kind: "showChecked", showId: 1, refreshedAt: 1234 });
    await settle();
    expect(store.find(1)?.refreshedAt).toBe(1234);
    expect(calls.get).toEqual([]);
    expect(calls.list).toBe(1);
  });

  it("never lets an older answer overwrite a newer one", async () => {
    const library = new Map([[1, show(1, "Imported title")]]);
    const { backend, emit } = fakeBackend(library);
    let slow = true;
    const getShow = backend.getShow.bind(backend);
    backend.getShow = async (id) => {
      // The first answer (the title from the OPML file) arrives after the second one.
      const answer = await getShow(id);
      if (slow) {
        slow = false;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return answer;
    };
    const store = new LibraryStore(backend);
    await store.start();
    emit({ kind: "showAdded", showId: 1 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    library.set(1, show(1, "The feed's title"));
    emit({ kind: "showRefreshed", showId: 1, newEpisodes: [], changedEpisodes: [] });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(store.find(1)?.title).toBe("The feed's title");
  });

  it("adds and removes tiles", async () => {
    const library = new Map([[1, show(1)]]);
    const { backend, emit } = fakeBackend(library);
    const store = new LibraryStore(backend);
    await store.start();
    library.set(3, show(3));
    emit({ kind: "showAdded", showId: 3 });
    emit({ kind: "showRemoved", showId: 1 });
    await settle();
    expect(store.shows.map((s) => s.id)).toEqual([3]);
  });

  it("reads the whole list once for many shows at once, and after missed changes", async () => {
    const library = new Map(Array.from({ length: 30 }, (_, i) => [i + 1, show(i + 1)] as const));
    const { backend, calls, emit, miss } = fakeBackend(library);
    const store = new LibraryStore(backend);
    await store.start();
    for (let id = 1; id <= 30; id++) emit({ kind: "showRefreshed", showId: id, newEpisodes: [], changedEpisodes: [] });
    await settle();
    expect(calls.list).toBe(2);
    expect(calls.get).toEqual([]);
    miss();
    await settle();
    expect(calls.list).toBe(3);
    expect(store.version).toBe(1);
  });

  it("says why the shows could not be read", async () => {
    const backend = {
      onLibraryChanged: async () => () => {},
      onChangesMissed: async () => () => {},
      onRefreshProgressed: async () => () => {},
      listShows: async () => {
        throw new Error("the library could not be opened");
      },
    } as unknown as Backend;
    const store = new LibraryStore(backend);
    await expect(store.start()).rejects.toThrow();
    expect(store.loaded).toBe(true);
    expect(store.loadError).toBe("the library could not be opened");
  });
});
