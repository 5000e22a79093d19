import { describe, expect, it } from "vitest";
import type { Backend } from "../api/backend";
import type { DiskUsage, Download, DownloadProgress } from "../ipc/bindings";
import { DownloadsStore } from "./downloads.svelte";

function download(episodeId: number, state: Download["state"], bytesDone = 0): Download {
  return {
    episodeId,
    showId: 7,
    episodeTitle: `Episode ${episodeId}`,
    showTitle: "Show",
    state,
    path: `/d/Show/Episode ${episodeId}.mp3`,
    bytesDone,
    bytesTotal: 1000,
    error: null,
    errorCode: null,
    automatic: false,
    requestedAt: episodeId,
    completedAt: state === "done" ? 50 : null,
  };
}

/** A backend with only what the store uses: a list Rust would give, and a way to send events. */
function fakeBackend(listed: Download[]) {
  let send: ((progress: DownloadProgress) => void) | null = null;
  const calls = { list: 0, unlistened: false };
  const backend = {
    onDownloadProgressed: async (listener: (progress: DownloadProgress) => void) => {
      send = listener;
      return () => {
        calls.unlistened = true;
      };
    },
    listDownloads: async () => {
      calls.list += 1;
      return listed.map((d) => ({ ...d }));
    },
    getDiskUsage: async (): Promise<DiskUsage> => {
      const done = listed.filter((d) => d.state === "done");
      const bytes = done.reduce((sum, d) => sum + d.bytesDone, 0);
      return { shows: done.length ? [{ showId: 7, showTitle: "Show", bytes, episodes: done.length }] : [], totalBytes: bytes };
    },
  } as unknown as Backend;
  const emit = (progress: DownloadProgress) => send?.(progress);
  return { backend, emit, calls };
}

function event(episodeId: number, state: DownloadProgress["state"], bytesDone: number, bytesPerSec: number | null = null): DownloadProgress {
  return { episodeId, showId: 7, state, bytesDone, bytesTotal: 1000, bytesPerSec, etaSecs: bytesPerSec ? 3 : null, error: null };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("DownloadsStore", () => {
  it("follows progress events without reading the list again", async () => {
    const listed = [download(1, "downloading", 100)];
    const { backend, emit, calls } = fakeBackend(listed);
    const store = new DownloadsStore(backend);
    await store.start();
    expect(calls.list).toBe(1);
    emit(event(1, "downloading", 400, 200));
    await settle();
    expect(calls.list).toBe(1);
    expect(store.status(1)).toMatchObject({ state: "downloading", bytesDone: 400, bytesPerSec: 200, etaSecs: 3 });
    expect(store.activeCount).toBe(1);
    expect(store.heardAt(1)).toBeTypeOf("number");
    expect(store.heardAt(2)).toBeUndefined();
  });

  it("gives a failed download's reason to an episode list that has only its state", async () => {
    const failed = { ...download(3, "failed"), error: "The disk is full." };
    const { backend } = fakeBackend([failed]);
    const store = new DownloadsStore(backend);
    await store.start();
    expect(store.status(3, { state: "failed", bytesDone: 0, bytesTotal: null })?.error).toBe("The disk is full.");
    expect(store.status(3, null)).toBeNull();
  });

  it("reads the list and the usage again when a download finishes", async () => {
    const listed = [download(1, "downloading", 100)];
    const { backend, emit, calls } = fakeBackend(listed);
    const store = new DownloadsStore(backend);
    await store.start();
    listed[0] = download(1, "done", 1000);
    emit(event(1, "done", 1000));
    await settle();
    expect(calls.list).toBe(2);
    expect(store.status(1)?.state).toBe("done");
    expect(store.usage.totalBytes).toBe(1000);
    expect(store.ordered.finished.map((d) => d.episodeId)).toEqual([1]);
    expect(store.activeCount).toBe(0);
  });

  it("forgets a removed download at once, even where an episode list still has it", async () => {
    const { backend, emit } = fakeBackend([download(2, "done", 1000)]);
    const store = new DownloadsStore(backend);
    await store.start();
    emit(event(2, "removed", 0));
    expect(store.downloads).toEqual([]);
    expect(store.status(2, { state: "done", bytesDone: 1000, bytesTotal: 1000 })).toBeNull();
  });

  it("stops listening", async () => {
    const { backend, calls } = fakeBackend([]);
    const store = new DownloadsStore(backend);
    await store.start();
    store.stop();
    expect(calls.unlistened).toBe(true);
  });
});
