import { describe, expect, it } from "vitest";
import type { Episode, Show } from "./ipc/bindings";
import { inProgress, listEpisodes, sortShows } from "./listing";

function episode(id: number, publishedAt: number | null, positionSecs = 0, played = false): Episode {
  return {
    id,
    showId: 1,
    guid: `g${id}`,
    title: `Episode ${id}`,
    publishedAt,
    durationSecs: 600,
    enclosureUrl: null,
    enclosureType: null,
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
  };
}

function show(id: number, title: string, unplayedCount: number, latestEpisodeAt: number | null): Show {
  return {
    id,
    feedUrl: `https://x.example/${id}`,
    title,
    author: null,
    descriptionHtml: "",
    link: null,
    categories: [],
    hasArtwork: false,
    refreshedAt: null,
    lastError: null,
    lastErrorAt: null,
    goneAt: null,
    episodeCount: 10,
    unplayedCount,
    latestEpisodeAt,
    language: null,
    explicit: null,
    podcastGuid: null,
    funding: [],
  };
}

// Newest first, as Rust sends them; one undated.
const episodes = [
  episode(4, 400),
  episode(3, 300, 120),
  episode(2, 200, 0, true),
  episode(1, 100, 50, true),
  episode(5, null),
];

describe("listEpisodes", () => {
  it("keeps everything, newest first, by default", () => {
    expect(listEpisodes(episodes, "all", "newest").map((e) => e.id)).toEqual([4, 3, 2, 1, 5]);
  });
  it("reverses for oldest first, undated still last", () => {
    expect(listEpisodes(episodes, "all", "oldest").map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
  });
  it("filters unplayed and in progress", () => {
    expect(listEpisodes(episodes, "unplayed", "newest").map((e) => e.id)).toEqual([4, 3, 5]);
    expect(listEpisodes(episodes, "in-progress", "oldest").map((e) => e.id)).toEqual([3]);
  });
  it("counts a played episode with a leftover position as finished", () => {
    expect(inProgress(episode(9, 1, 50, true))).toBe(false);
    expect(inProgress(episode(9, 1, 50, false))).toBe(true);
    expect(inProgress(episode(9, 1, 0, false))).toBe(false);
  });
});

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
