import { describe, expect, it } from "vitest";
import { isClamped, notesToggle } from "./clamp";

describe("isClamped", () => {
  it("is true only when the text is taller than its box", () => {
    expect(isClamped({ scrollHeight: 120, clientHeight: 70 })).toBe(true);
    expect(isClamped({ scrollHeight: 40, clientHeight: 40 })).toBe(false);
    // Sub-pixel line heights round either way.
    expect(isClamped({ scrollHeight: 71, clientHeight: 70 })).toBe(false);
  });
});

describe("notesToggle", () => {
  it("offers Show more only when the lines hide something", () => {
    expect(notesToggle(false, true)).toBe("Show more…");
    expect(notesToggle(false, false)).toBe(null);
  });
  it("offers Show less once open", () => {
    expect(notesToggle(true, true)).toBe("Show less");
    expect(notesToggle(true, false)).toBe("Show less");
  });
});
