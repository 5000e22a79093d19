import { describe, expect, it } from "vitest";
import type { TranscriptCue } from "./ipc/bindings";
import { cueAt, turns } from "./transcript";

const cue = (startSecs: number, text: string, speaker: string | null = null): TranscriptCue => ({
  startSecs,
  endSecs: startSecs + 4,
  speaker,
  text,
});

describe("cueAt", () => {
  const cues = [cue(0, "a"), cue(4, "b"), cue(9.5, "c"), cue(20, "d")];
  it("finds the cue being spoken", () => {
    expect(cueAt(cues, 0)).toBe(0);
    expect(cueAt(cues, 3.9)).toBe(0);
    expect(cueAt(cues, 4)).toBe(1);
    expect(cueAt(cues, 15)).toBe(2);
    expect(cueAt(cues, 5000)).toBe(3);
    expect(cueAt([cue(2, "late")], 1)).toBe(-1);
    expect(cueAt([], 10)).toBe(-1);
  });
});

describe("turns", () => {
  it("starts a paragraph where the speaker changes, keeping unnamed cues with the last speaker", () => {
    const grouped = turns([
      cue(0, "Hi", "Sam"),
      cue(2, "and welcome", null),
      cue(4, "Thanks", "Lee"),
      cue(6, "Back to you", "Sam"),
    ]);
    expect(grouped.map((t) => [t.speaker, t.cues.map((c) => c.index)])).toEqual([
      ["Sam", [0, 1]],
      ["Lee", [2]],
      ["Sam", [3]],
    ]);
  });
});
