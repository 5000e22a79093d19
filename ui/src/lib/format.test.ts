import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatClock,
  formatEta,
  formatRelativeDate,
  formatRemaining,
  formatSpeed,
  formatSpokenDuration,
} from "./format";

describe("formatClock", () => {
  it("shows minutes and seconds, hours when needed", () => {
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(65)).toBe("1:05");
    expect(formatClock(724.9)).toBe("12:04");
    expect(formatClock(1466)).toBe("24:26");
    expect(formatClock(3741)).toBe("1:02:21");
  });
  it("treats unknown and nonsense as zero", () => {
    expect(formatClock(null)).toBe("0:00");
    expect(formatClock(undefined)).toBe("0:00");
    expect(formatClock(Number.NaN)).toBe("0:00");
    expect(formatClock(-5)).toBe("0:00");
  });
});

describe("formatSpokenDuration", () => {
  it("spells the length out", () => {
    expect(formatSpokenDuration(1466)).toBe("24 minutes 26 seconds");
    expect(formatSpokenDuration(3741)).toBe("1 hour 2 minutes 21 seconds");
    expect(formatSpokenDuration(3600)).toBe("1 hour");
    expect(formatSpokenDuration(61)).toBe("1 minute 1 second");
  });
  it("is empty when unknown", () => {
    expect(formatSpokenDuration(null)).toBe("");
    expect(formatSpokenDuration(0)).toBe("");
  });
});

describe("formatRelativeDate", () => {
  const now = Date.UTC(2026, 10, 26, 12, 0, 0);
  const ago = (seconds: number) => now / 1000 - seconds;
  it("uses the largest sensible unit", () => {
    expect(formatRelativeDate(ago(10), now)).toBe("just now");
    expect(formatRelativeDate(ago(5 * 60), now)).toBe("5 minutes ago");
    expect(formatRelativeDate(ago(3600), now)).toBe("1 hour ago");
    expect(formatRelativeDate(ago(2 * 86400), now)).toBe("2 days ago");
    expect(formatRelativeDate(ago(40 * 86400), now)).toBe("1 month ago");
    expect(formatRelativeDate(ago(400 * 86400), now)).toBe("1 year ago");
  });
  it("counts days below a week, then weeks below a month", () => {
    const day = 86400;
    expect(formatRelativeDate(ago(6 * day), now)).toBe("6 days ago");
    expect(formatRelativeDate(ago(7 * day), now)).toBe("1 week ago");
    expect(formatRelativeDate(ago(14 * day), now)).toBe("2 weeks ago");
    expect(formatRelativeDate(ago(29 * day), now)).toBe("4 weeks ago");
    expect(formatRelativeDate(ago(30 * day), now)).toBe("1 month ago");
    expect(formatRelativeDate(ago(200 * day), now)).toBe("6 months ago");
    expect(formatRelativeDate(ago(800 * day), now)).toBe("2 years ago");
  });
  it("handles the future and unknown dates", () => {
    expect(formatRelativeDate(ago(-100), now)).toBe("upcoming");
    expect(formatRelativeDate(null, now)).toBe("");
  });
});

describe("formatRemaining", () => {
  it("shows minutes left once started", () => {
    expect(formatRemaining(0, 1466)).toBe("");
    expect(formatRemaining(266, 1466)).toBe("20 min left");
    expect(formatRemaining(1460, 1466)).toBe("almost done");
    expect(formatRemaining(100, null)).toBe("");
  });
});

describe("formatBytes", () => {
  it("uses decimal units with one decimal below 100", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1000)).toBe("1.0 KB");
    expect(formatBytes(1_234_567)).toBe("1.2 MB");
    expect(formatBytes(45_600_000)).toBe("45.6 MB");
    expect(formatBytes(123_456_789)).toBe("123 MB");
    expect(formatBytes(2_500_000_000)).toBe("2.5 GB");
  });
  it("never shows 1000 of a unit", () => {
    expect(formatBytes(999_999)).toBe("1.0 MB");
    expect(formatBytes(999.7)).toBe("1.0 KB");
  });
  it("is empty when unknown", () => {
    expect(formatBytes(null)).toBe("");
    expect(formatBytes(Number.NaN)).toBe("");
    expect(formatBytes(-1)).toBe("");
  });
});

describe("formatSpeed", () => {
  it("is bytes per second, or nothing when stalled", () => {
    expect(formatSpeed(3_400_000)).toBe("3.4 MB/s");
    expect(formatSpeed(800)).toBe("800 B/s");
    expect(formatSpeed(0)).toBe("");
    expect(formatSpeed(null)).toBe("");
  });
});

describe("formatEta", () => {
  it("rounds up to the unit that fits", () => {
    expect(formatEta(0)).toBe("0 s left");
    expect(formatEta(40.2)).toBe("41 s left");
    expect(formatEta(100)).toBe("2 min left");
    expect(formatEta(3600)).toBe("1 h left");
    expect(formatEta(3900)).toBe("1 h 5 min left");
  });
  it("is empty when unknown", () => {
    expect(formatEta(null)).toBe("");
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe("");
  });
});
