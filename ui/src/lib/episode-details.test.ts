import { describe, expect, it } from "vitest";
import { episodeNumbering, languageName, roleLabel } from "./episode-details";

describe("episodeNumbering", () => {
  it("says what the feed gives", () => {
    expect(episodeNumbering({ season: 2, episodeNumber: 14 })).toBe("Season 2, episode 14");
    expect(episodeNumbering({ season: null, episodeNumber: 14 })).toBe("Episode 14");
    expect(episodeNumbering({ season: 3, episodeNumber: null })).toBe("Season 3");
    expect(episodeNumbering({ season: null, episodeNumber: null })).toBe(null);
  });
});

describe("roleLabel", () => {
  it("reads a role as a word", () => {
    expect(roleLabel("guest")).toBe("Guest");
    expect(roleLabel("HOST")).toBe("Host");
    expect(roleLabel("")).toBe("Host");
    expect(roleLabel("cover art designer")).toBe("Cover art designer");
  });
});

describe("languageName", () => {
  it("names a feed's language, keeping codes it cannot read", () => {
    expect(languageName("de", "en")).toBe("German");
    expect(languageName("en-us", "en")).toBe("American English");
    expect(languageName("not a code!", "en")).toBe("not a code!");
  });
});
