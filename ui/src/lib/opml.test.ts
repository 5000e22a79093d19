import { describe, expect, it } from "vitest";
import type { ImportSummary } from "./ipc/bindings";
import { importProgress, importSummary } from "./opml";

describe("importProgress", () => {
  it("names the file, then counts the new shows' first fetches", () => {
    expect(importProgress("subs.opml", null)).toBe("Importing subs.opml…");
    expect(importProgress("subs.opml", { done: 3, total: 40, last: null })).toBe(
      "Importing subs.opml: 3 of 40 shows fetched…",
    );
    expect(importProgress("one.opml", { done: 0, total: 1, last: null })).toBe("Importing one.opml: 0 of 1 show fetched…");
  });
});

describe("importSummary", () => {
  it("says what was added and what was not", () => {
    const summary: ImportSummary = { added: 1, alreadySubscribed: 0, problems: [], failed: [] };
    expect(importSummary(summary)).toBe("Added 1 show.");
    expect(
      importSummary({
        added: 3,
        alreadySubscribed: 2,
        problems: [{ entry: "x", reason: "not a feed address" }],
        failed: [{ showId: 1, title: "T", feedUrl: "https://x.example/f", outcome: { kind: "unchanged" } }],
      }),
    ).toBe("Added 3 shows, 2 already in your library, 1 skipped (not feed addresses), 1 could not be fetched yet: see their pages.");
  });
});
