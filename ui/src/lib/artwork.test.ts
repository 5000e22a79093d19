import { describe, expect, it } from "vitest";
import { drawsArtwork } from "./artwork";

describe("drawsArtwork", () => {
  const withoutArt = "artwork://localhost/show/1?size=48";
  const withArt = "artwork://localhost/show/2?size=48";

  it("tries the next show's picture after one failed", () => {
    // A show without artwork played first: its image failed.
    expect(drawsArtwork(withoutArt, withoutArt)).toBe(false);
    // The next show's picture is drawn, not the first one's initials.
    expect(drawsArtwork(withArt, withoutArt)).toBe(true);
  });

  it("draws nothing without a picture", () => {
    expect(drawsArtwork(null, null)).toBe(false);
    expect(drawsArtwork(withArt, null)).toBe(true);
  });
});
