import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import type { Backend } from "../../lib/api/backend";
import type { DirectoryShow } from "../../lib/ipc/bindings";
import { DiscoverStore } from "../../lib/stores/discover.svelte";
import DiscoverPage from "./DiscoverPage.svelte";

const genres = [
  { id: 1318, name: "Technology" },
  { id: 1303, name: "Comedy" },
];

function listing(title: string, overrides: Partial<DirectoryShow> = {}): DirectoryShow {
  return {
    title,
    author: "Sam Rivera",
    feed_url: "https://x.example/feed.xml",
    artwork_url: "https://img.example/cover.jpg",
    categories: ["Technology"],
    source: "itunes",
    episode_count: 24,
    subscribed: false,
    description: null,
    itunes_id: 42,
    ...overrides,
  };
}

function page(discover: DiscoverStore, genre: number | null = null) {
  return render(DiscoverPage, {
    props: {
      backend: {} as Backend,
      discover,
      genres,
      genre,
      ongenre: () => {},
      onopen: async () => {},
    },
  }).body;
}

describe("DiscoverPage", () => {
  it("offers Explore with every genre until something is searched", () => {
    const body = page(new DiscoverStore({} as Backend), 1318);
    expect(body).toContain('data-testid="explore"');
    expect(body).toContain("Technology");
    expect(body).toContain("Comedy");
    expect(body).toContain("Top shows");
    expect(body).not.toContain('data-testid="discover-results"');
  });

  it("lists merged results with what is known of each, marks followed shows and names a failed directory quietly", () => {
    const discover = new DiscoverStore({} as Backend);
    discover.query = "backend";
    discover.results = [
      listing("The Backend Hour", { subscribed: true }),
      listing("Bäckerei Talk", { author: null, episode_count: null, feed_url: null, artwork_url: null }),
    ];
    discover.failures = [{ source: "fyyd", message: "fyyd did not answer within 10 s" }];
    const body = page(discover);
    expect(body).toContain("2 shows for “backend”");
    expect(body).toContain("The Backend Hour");
    expect(body).toContain("Bäckerei Talk");
    expect(body).toContain("Technology · 24 episodes");
    expect(body.match(/data-testid="listing-following"/g)).toHaveLength(1);
    expect(body).toContain("fyyd did not answer within 10 s");
    // Artwork comes through Rust, never from the directory's server.
    expect(body).toContain("artwork://localhost/listed?url=https%3A%2F%2Fimg.example%2Fcover.jpg");
    expect(body).not.toContain('src="https://img.example');
  });

  it("says so when nothing was found", () => {
    const discover = new DiscoverStore({} as Backend);
    discover.query = "zzzz";
    const body = page(discover);
    expect(body).toContain("No shows found for “zzzz”.");
  });
});
