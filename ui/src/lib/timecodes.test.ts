import { describe, expect, it } from "vitest";
import { findTimecodes } from "./timecodes";

const seconds = (text: string, duration?: number) => findTimecodes(text, duration).map((t) => t.seconds);

describe("findTimecodes", () => {
  it("reads m:ss, mm:ss and h:mm:ss", () => {
    expect(seconds("0:00 Intro")).toEqual([0]);
    expect(seconds("12:26 Cost of HTTP/2")).toEqual([746]);
    expect(seconds("5:30 and 1:02:21 wrap-up")).toEqual([330, 3741]);
  });
  it("finds them in brackets and parentheses", () => {
    expect(seconds("[8:45] Pool sizing (24:10) tuning")).toEqual([525, 1450]);
  });
  it("ignores impossible and out-of-range times", () => {
    expect(seconds("12:75 nope")).toEqual([]);
    expect(seconds("1:75:00 nope")).toEqual([]);
    expect(seconds("40:00 is past the end", 1466)).toEqual([]);
    expect(seconds("20:02 fits", 1466)).toEqual([1202]);
  });
  it("leaves dates, clocks and ratios alone", () => {
    expect(seconds("on 2026-11-24 at 10:00:00:00")).toEqual([]);
    expect(seconds("version 1.2:3")).toEqual([]);
    expect(seconds("12345:00")).toEqual([]);
  });
  it("reports where each one is", () => {
    expect(findTimecodes("at 3:10 we")).toEqual([{ index: 3, length: 4, seconds: 190 }]);
  });
});
