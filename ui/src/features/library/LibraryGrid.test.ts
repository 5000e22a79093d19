import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import type { Show } from "../../lib/ipc/bindings";
import { testShow } from "../../lib/fixtures/show";
import LibraryGrid from "./LibraryGrid.svelte";

const show: Show = testShow(1, { feedUrl: "https://x.example/feed.xml", title: "A show" });

function grid(props: { shows?: Show[]; loaded: boolean; loadError?: string | null }) {
  return render(LibraryGrid, {
    props: { shows: [], onretry: async () => {}, onopen: () => {}, onadd: () => {}, ...props },
  }).body;
}

describe("LibraryGrid", () => {
  it("says it is loading while the shows are read", () => {
    const body = grid({ loaded: false });
    expect(body).toContain("Loading your shows…");
    expect(body).not.toContain("No podcasts yet");
  });

  it("says why the shows could not be read, with a Retry", () => {
    const body = grid({ loaded: true, loadError: "The library could not be opened: disk full" });
    expect(body).toContain("The library could not be opened: disk full");
    expect(body).toContain('data-testid="library-retry"');
    expect(body).not.toContain("No podcasts yet");
  });

  it("offers to add a podcast when there are none", () => {
    const body = grid({ loaded: true });
    expect(body).toContain("No podcasts yet");
    expect(body).toContain('data-testid="library-add"');
  });

  it("keeps the shows when a later read fails, and offers a Retry", () => {
    const body = grid({ loaded: true, shows: [show], loadError: "No answer" });
    expect(body).toContain("A show");
    expect(body).toContain("No answer");
    expect(body).toContain('data-testid="library-retry"');
  });
});
