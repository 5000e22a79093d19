import { describe, expect, it } from "vitest";
import type { Episode } from "./ipc/bindings";
import { applyProgress, insertNew, passes, reloadPages, replaceRows } from "./rows";

function episode(id: number, publishedAt: number, played = false, positionSecs = 0): Episode {
  return {
    id,
    showId: 1,
    guid: `g${id}`,
    title: `Episode ${id}`,
    publishedAt,
    durationSecs: 600,
    enclosureUrl: `https://x.example/${id}.mp3`,
    enclosureType: "audio/mpeg",
    enclosureLength: null,
    notesHtml: "",
    link: null,
    progress: { positionSecs, played },
    season: null,
    episodeNumber: null,
    episodeType: null,
    explicit: null,
    artworkUrl: null,
    chaptersUrl: null,
    transcripts: [],
    persons: [],
    download: null,
  };
}

describe("applyProgress", () => {
  it("changes only the row of that episode, in place", () => {
    const rows = [episode(3, 30), episode(2, 20), episode(1, 10)];
    const untouched = rows[0];
    expect(applyProgress(rows, 2, { positionSecs: 42, played: false })).toBe(true);
    expect(rows[1]?.progress.positionSecs).toBe(42);
    expect(rows[0]).toBe(untouched);
    expect(rows.map((e) => e.id)).toEqual([3, 2, 1]);
  });
  it("says so when no row shows the episode", () => {
    expect(applyProgress([episode(1, 10)], 9, { positionSecs: 1, played: false })).toBe(false);
  });
});

describe("replaceRows", () => {
  it("swaps changed rows where they are and never shortens the list", () => {
    const rows = Array.from({ length: 2200 }, (_, i) => episode(2200 - i, 2200 - i));
    const changed = { ...episode(1000, 1000), title: "Renamed" };
    replaceRows(rows, [changed, episode(99999, 5)]);
    expect(rows).toHaveLength(2200);
    expect(rows[1200]?.title).toBe("Renamed");
  });
});

describe("insertNew", () => {
  it("puts new episodes on top of a newest-first list, newest first", () => {
    const rows = [episode(3, 30), episode(2, 20)];
    expect(insertNew(rows, [episode(4, 40), episode(5, 50)], "newest", "all", false)).toBe(2);
    expect(rows.map((e) => e.id)).toEqual([5, 4, 3, 2]);
  });
  it("adds to an oldest-first list only once every row is loaded", () => {
    const rows = [episode(1, 10), episode(2, 20)];
    expect(insertNew(rows, [episode(3, 30)], "oldest", "all", false)).toBe(0);
    expect(insertNew(rows, [episode(4, 40), episode(3, 30)], "oldest", "all", true)).toBe(2);
    expect(rows.map((e) => e.id)).toEqual([1, 2, 3, 4]);
  });
  it("keeps out what the filter hides and what is already there", () => {
    const rows = [episode(2, 20)];
    expect(insertNew(rows, [episode(2, 20), episode(3, 30)], "newest", "in-progress", false)).toBe(0);
    expect(rows).toHaveLength(1);
  });
});

describe("passes", () => {
  it("follows the filters the core applies", () => {
    expect(passes(episode(1, 1, true), "unplayed")).toBe(false);
    expect(passes(episode(1, 1, false, 30), "in-progress")).toBe(true);
    expect(passes(episode(1, 1), "downloaded")).toBe(false);
  });
});

describe("reloadPages", () => {
  it("reloads every loaded row in pages the core accepts", () => {
    expect(reloadPages(2200, 100)).toEqual([
      { offset: 0, limit: 500 },
      { offset: 500, limit: 500 },
      { offset: 1000, limit: 500 },
      { offset: 1500, limit: 500 },
      { offset: 2000, limit: 200 },
    ]);
    expect(reloadPages(20, 100)).toEqual([{ offset: 0, limit: 100 }]);
  });
});
