import { describe, expect, it } from "vitest";
import { loadingState } from "./loading";

describe("loadingState", () => {
  it("says loading until the first answer", () => {
    expect(loadingState({ loaded: false, error: null, count: 0 })).toBe("loading");
  });
  it("says why when nothing could be read", () => {
    expect(loadingState({ loaded: true, error: "The library could not be opened", count: 0 })).toBe("failed");
    expect(loadingState({ loaded: false, error: "No answer", count: 0 })).toBe("failed");
  });
  it("tells an empty answer from one not yet given", () => {
    expect(loadingState({ loaded: true, error: null, count: 0 })).toBe("empty");
  });
  it("keeps what is shown when a later read fails", () => {
    expect(loadingState({ loaded: true, error: "No answer", count: 3 })).toBe("ready");
  });
});
