import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import type { Backend } from "../../lib/api/backend";
import { DownloadsStore } from "../../lib/stores/downloads.svelte";
import { PlayerStore } from "../../lib/stores/player.svelte";
import EpisodeView from "./EpisodeView.svelte";

function view(episodeId: number | null, nowPlaying = false) {
  const backend = {} as Backend;
  return render(EpisodeView, {
    props: {
      backend,
      player: new PlayerStore(backend, () => {}),
      downloads: new DownloadsStore(backend),
      episodeId,
      nowPlaying,
      onopenshow: () => {},
    },
  }).body;
}

describe("EpisodeView", () => {
  it("says it is loading until the episode is read", () => {
    expect(view(5)).toContain("Loading the episode…");
    expect(view(5, true)).toContain("Loading the episode…");
  });

  it("says nothing is playing in the now-playing view with nothing loaded", () => {
    const body = view(null, true);
    expect(body).toContain("Nothing is playing");
    expect(body).not.toContain("Loading");
  });
});
