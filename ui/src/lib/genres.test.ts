import { describe, expect, it } from "vitest";
import { countryChoices, countryName } from "./countries";
import { chartIsFresh, genreFor } from "./genres";

const genres = [
  { id: 1318, name: "Technology" },
  { id: 1324, name: "Society & Culture" },
  { id: 1309, name: "TV & Film" },
];

describe("genreFor", () => {
  it("finds the genre a category names, however it is written", () => {
    expect(genreFor("Technology", genres)?.id).toBe(1318);
    expect(genreFor("society and culture", genres)?.id).toBe(1324);
    expect(genreFor("TV & Film", genres)?.id).toBe(1309);
    expect(genreFor("Tech News", genres)).toBeNull();
  });
});

describe("chartIsFresh", () => {
  it("is fresh for a day", () => {
    const now = Date.UTC(2026, 11, 2) ;
    expect(chartIsFresh(now / 1000 - 3600, now)).toBe(true);
    expect(chartIsFresh(now / 1000 - 25 * 3600, now)).toBe(false);
  });
});

describe("countries", () => {
  it("names countries and keeps an unusual current one", () => {
    expect(countryName("de", "en")).toBe("Germany");
    const choices = countryChoices("is");
    expect(choices.some((c) => c.code === "is")).toBe(true);
    expect(choices.some((c) => c.code === "us")).toBe(true);
    const names = choices.map((c) => c.name);
    expect([...names].sort((a, b) => a.localeCompare(b))).toEqual(names);
  });
});
