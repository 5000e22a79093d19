import { describe, expect, it } from "vitest";
import { SLEEP_CHOICES, describeSleep } from "./sleep";

describe("sleep timer", () => {
  it("offers off, minutes and end of episode", () => {
    expect(SLEEP_CHOICES[0]?.request).toEqual({ kind: "off" });
    expect(SLEEP_CHOICES.find((c) => c.value === "m30")?.request).toEqual({ kind: "after", seconds: 1800 });
    expect(SLEEP_CHOICES.at(-1)?.request).toEqual({ kind: "end_of_episode" });
  });
  it("reads a running timer", () => {
    expect(describeSleep(null)).toBe("");
    expect(describeSleep({ kind: "end_of_episode" })).toBe("Sleep at end");
    expect(describeSleep({ kind: "after", remainingSecs: 723.2 })).toBe("Sleep in 12:04");
  });
});
