import { describe, expect, it } from "vitest";
import {
  afterPlayed,
  applyProgress,
  currentStatus,
  describeProgress,
  isStalled,
  keepChoices,
  keepLabel,
  orderDownloads,
  percentDone,
  STALL_MS,
  type DownloadStatus,
} from "./downloads";
import type { Download, DownloadProgress } from "./ipc/bindings";

function download(episodeId: number, state: Download["state"], extra: Partial<Download> = {}): Download {
  return {
    episodeId,
    showId: 1,
    episodeTitle: `Episode ${episodeId}`,
    showTitle: "Show",
    state,
    path: `/data/downloads/Show/Episode ${episodeId}.mp3`,
    bytesDone: 0,
    bytesTotal: 1_000_000,
    error: null,
    errorCode: null,
    automatic: false,
    requestedAt: 100 + episodeId,
    completedAt: null,
    ...extra,
  };
}

function progress(episodeId: number, state: DownloadProgress["state"], extra: Partial<DownloadProgress> = {}): DownloadProgress {
  return {
    episodeId,
    showId: 1,
    state,
    bytesDone: 0,
    bytesTotal: 1_000_000,
    bytesPerSec: null,
    etaSecs: null,
    error: null,
    ...extra,
  };
}

function status(extra: Partial<DownloadStatus>): DownloadStatus {
  return { state: "downloading", bytesDone: 0, bytesTotal: null, bytesPerSec: null, etaSecs: null, error: null, ...extra };
}

describe("currentStatus", () => {
  it("prefers the latest event to what was listed", () => {
    const listed = { state: "queued" as const, bytesDone: 0, bytesTotal: null };
    const live = progress(1, "downloading", { bytesDone: 250_000, bytesPerSec: 50_000, etaSecs: 15 });
    expect(currentStatus(live, listed)).toEqual({
      state: "downloading",
      bytesDone: 250_000,
      bytesTotal: 1_000_000,
      bytesPerSec: 50_000,
      etaSecs: 15,
      error: null,
    });
  });
  it("falls back to what was listed, with its error", () => {
    const failed = download(1, "failed", { error: "The disk is full." });
    expect(currentStatus(undefined, failed)?.error).toBe("The disk is full.");
    expect(currentStatus(undefined, { state: "done", bytesDone: 9, bytesTotal: 9 })?.state).toBe("done");
  });
  it("is nothing when there is no download or it was removed", () => {
    expect(currentStatus(undefined, null)).toBeNull();
    expect(currentStatus(undefined, { state: "removed", bytesDone: 0, bytesTotal: null })).toBeNull();
    expect(currentStatus(progress(1, "removed"), { state: "done", bytesDone: 9, bytesTotal: 9 })).toBeNull();
  });
  it("drops speed and time left once a download stops running", () => {
    const paused = currentStatus(progress(1, "paused", { bytesPerSec: 10, etaSecs: 5 }), null);
    expect(paused?.bytesPerSec).toBeNull();
    expect(paused?.etaSecs).toBeNull();
  });
});

describe("percentDone", () => {
  it("rounds down and reaches 100 only when done", () => {
    expect(percentDone(status({ bytesDone: 0, bytesTotal: 200 }))).toBe(0);
    expect(percentDone(status({ bytesDone: 53, bytesTotal: 200 }))).toBe(26);
    expect(percentDone(status({ bytesDone: 200, bytesTotal: 200 }))).toBe(99);
    expect(percentDone(status({ state: "done", bytesDone: 200, bytesTotal: null }))).toBe(100);
  });
  it("is unknown without a size", () => {
    expect(percentDone(status({ bytesDone: 53, bytesTotal: null }))).toBeNull();
    expect(percentDone(status({ bytesDone: 53, bytesTotal: 0 }))).toBeNull();
  });
});

describe("describeProgress", () => {
  it("says how much, how fast and how long while running", () => {
    expect(
      describeProgress(status({ bytesDone: 12_300_000, bytesTotal: 45_600_000, bytesPerSec: 3_400_000, etaSecs: 100 })),
    ).toBe("12.3 MB of 45.6 MB · 26% · 3.4 MB/s · 2 min left");
  });
  it("leaves out what is not known", () => {
    expect(describeProgress(status({ bytesDone: 2_000_000 }))).toBe("2.0 MB");
    expect(describeProgress(status({ state: "paused", bytesDone: 500, bytesTotal: 1000, bytesPerSec: 9 }))).toBe(
      "500 B of 1.0 KB · 50%",
    );
  });
  it("says nothing of sizes before anything arrived, except for a running download", () => {
    expect(describeProgress(status({ state: "queued", bytesTotal: 1000 }))).toBe("");
    expect(describeProgress(status({ state: "failed" }))).toBe("");
    expect(describeProgress(status({ bytesTotal: 1000 }))).toBe("0 B of 1.0 KB · 0%");
  });
  it("drops a speed that no longer holds once stalled", () => {
    const stale = status({ bytesDone: 8_100, bytesTotal: 482_000, bytesPerSec: 16_900_000, etaSecs: 1 });
    expect(describeProgress(stale, true)).toBe("8.1 KB of 482 KB · 1%");
  });
  it("gives the size of a finished file", () => {
    expect(describeProgress(status({ state: "done", bytesDone: 45_600_000, bytesTotal: 45_600_000 }))).toBe(
      "45.6 MB · 100%",
    );
  });
});

describe("isStalled", () => {
  const running = status({ bytesDone: 10 });
  it("is a running download not heard from for a while", () => {
    expect(isStalled(running, 1_000, 1_000 + STALL_MS + 1)).toBe(true);
    expect(isStalled(running, 1_000, 1_000 + STALL_MS)).toBe(false);
    expect(isStalled(running, undefined, 1e12)).toBe(false);
    expect(isStalled(status({ state: "paused" }), 0, 1e12)).toBe(false);
  });
});

describe("applyProgress", () => {
  const listed = [download(1, "downloading"), download(2, "done")];
  it("patches a running download in place without asking for the list again", () => {
    const { downloads, stale } = applyProgress(listed, progress(1, "downloading", { bytesDone: 400 }));
    expect(stale).toBe(false);
    expect(downloads[0]?.bytesDone).toBe(400);
    expect(downloads[1]).toBe(listed[1]);
    expect(listed[0]?.bytesDone).toBe(0);
  });
  it("asks for the list again on a change of state or a new download", () => {
    const finished = applyProgress(listed, progress(1, "done", { bytesDone: 1_000_000 }));
    expect(finished.stale).toBe(true);
    expect(finished.downloads[0]?.state).toBe("done");
    expect(applyProgress(listed, progress(3, "queued")).stale).toBe(true);
  });
  it("drops a removed download", () => {
    const { downloads, stale } = applyProgress(listed, progress(2, "removed"));
    expect(downloads.map((d) => d.episodeId)).toEqual([1]);
    expect(stale).toBe(true);
    expect(applyProgress(listed, progress(9, "removed")).stale).toBe(false);
  });
  it("keeps a known size when an event has none", () => {
    const { downloads } = applyProgress(listed, progress(1, "paused", { bytesTotal: null }));
    expect(downloads[0]?.bytesTotal).toBe(1_000_000);
  });
});

describe("orderDownloads", () => {
  it("lists what is under way in request order, then the newest finished", () => {
    const { unfinished, finished } = orderDownloads([
      download(1, "done", { completedAt: 10 }),
      download(2, "failed", { requestedAt: 50 }),
      download(3, "downloading", { requestedAt: 20 }),
      download(4, "done", { completedAt: 30 }),
      download(5, "removed"),
    ]);
    expect(unfinished.map((d) => d.episodeId)).toEqual([3, 2]);
    expect(finished.map((d) => d.episodeId)).toEqual([4, 1]);
  });
});

describe("keep downloaded", () => {
  it("offers off and a few sizes, and any other current rule", () => {
    expect(keepChoices(3)).toEqual([0, 1, 3, 5, 10]);
    expect(keepChoices(2)).toEqual([0, 1, 2, 3, 5, 10]);
    expect(keepLabel(0)).toBe("Off");
    expect(keepLabel(5)).toBe("Newest 5");
  });
});

describe("afterPlayed", () => {
  it("keeps the days already chosen", () => {
    expect(afterPlayed("afterDays", { kind: "afterDays", days: 3 })).toEqual({ kind: "afterDays", days: 3 });
    expect(afterPlayed("afterDays", { kind: "never" })).toEqual({ kind: "afterDays", days: 7 });
    expect(afterPlayed("immediately", { kind: "afterDays", days: 3 })).toEqual({ kind: "immediately" });
  });
});
