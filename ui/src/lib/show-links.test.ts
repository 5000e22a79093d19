import { describe, expect, it } from "vitest";
import { copyFeedAddress, websiteOf } from "./show-links";

function notices() {
  const said: { info: string[]; error: string[] } = { info: [], error: [] };
  return { said, notices: { info: (m: string) => said.info.push(m), error: (m: string) => said.error.push(m) } };
}

describe("copyFeedAddress", () => {
  it("puts the feed's address on the clipboard and says so", async () => {
    const copied: string[] = [];
    const { said, notices: to } = notices();
    await copyFeedAddress({ feedUrl: "https://x.example/feed.xml" }, { writeText: async (t) => void copied.push(t) }, to);
    expect(copied).toEqual(["https://x.example/feed.xml"]);
    expect(said).toEqual({ info: ["Feed address copied"], error: [] });
  });

  it("says why when the clipboard refuses", async () => {
    const { said, notices: to } = notices();
    const refusing = {
      writeText: async () => {
        throw new Error("not allowed");
      },
    };
    await copyFeedAddress({ feedUrl: "https://x.example/feed.xml" }, refusing, to);
    await copyFeedAddress({ feedUrl: "https://x.example/feed.xml" }, undefined, to);
    expect(said.info).toEqual([]);
    expect(said.error).toEqual([
      "The feed address could not be copied: not allowed",
      "The feed address could not be copied: there is no clipboard here",
    ]);
  });
});

describe("websiteOf", () => {
  it("is the show's web address, when it has one", () => {
    expect(websiteOf({ link: "https://show.example/" })).toBe("https://show.example/");
    expect(websiteOf({ link: " http://show.example " })).toBe("http://show.example");
    expect(websiteOf({ link: null })).toBe(null);
    expect(websiteOf({ link: "" })).toBe(null);
    expect(websiteOf({ link: "javascript:alert(1)" })).toBe(null);
  });
});
