import { describe, expect, it } from "vitest";
import type { Show } from "./ipc/bindings";
import { testShow } from "./fixtures/show";
import { episodeCount, sortShows } from "./listing";

function show(id: number, title: string, unplayedCount: number, latestEpisodeAt: number | null): Show {
  return testShow(id, { title, unplayedCount, latestEpisodeAt });
}

describe("sortShows", () => {
  const shows = [show(1, "beta", 3, 100), show(2, "Alpha", 3, 300), show(3, "gamma", 9, null), show(4, "Show 10", 0, 200), show(5, "Show 9", 0, 200)];
  it("sorts by the newest episode, shows without one last", () => {
    expect(sortShows(shows, "updated").map((s) => s.id)).toEqual([2, 5, 4, 1, 3]);
  });
  it("sorts by title, ignoring case and reading numbers as numbers", () => {
    expect(sortShows(shows, "title").map((s) => s.id)).toEqual([2, 1, 3, 5, 4]);
  });
  it("sorts by most unplayed, then title", () => {
    expect(sortShows(shows, "unplayed").map((s) => s.id)).toEqual([3, 2, 1, 5, 4]);
  });
  it("does not reorder the list it was given", () => {
    const before = shows.map((s) => s.id);
    sortShows(shows, "title");
    expect(shows.map((s) => s.id)).toEqual(before);
  });
});

describe("episodeCount", () => {
  it("reads rows shown of the show's episodes", () => {
    expect(episodeCount(20, 534)).toEqual({ text: "(20/534)", label: "20 of 534 episodes shown" });
    expect(episodeCount(1, 1).label).toBe("1 of 1 episode shown");
  });
});
