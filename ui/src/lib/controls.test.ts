import { describe, expect, it } from "vitest";
import { ApiError } from "./api/backend";
import { availableControls, failureMessage, isUnavailable, refusedAsUnavailable, shortcutFor } from "./controls";
import { idle, playing, unavailable } from "./fixtures/player";

describe("availableControls", () => {
  it("offers speed and volume with nothing loaded, not the transport or the sleep timer", () => {
    expect(availableControls(idle, false)).toEqual({
      playPause: false,
      skip: false,
      seek: false,
      sleep: false,
      speed: true,
      volume: true,
      chapters: false,
    });
  });

  it("offers everything for a loaded track, seeking once its length is known", () => {
    expect(Object.values(availableControls(playing, false, true)).every(Boolean)).toBe(true);
    // Chapter skips only for an episode with chapters.
    expect(availableControls(playing, false).chapters).toBe(false);
    expect(availableControls({ ...playing, durationSecs: null }, false).seek).toBe(false);
  });

  it("offers nothing when the player is unavailable", () => {
    const none = availableControls(playing, true);
    expect(Object.values(none).some(Boolean)).toBe(false);
  });
});

describe("isUnavailable", () => {
  it("is said by the player's state or by a refused command", () => {
    expect(isUnavailable(unavailable, false)).toBe(true);
    expect(isUnavailable(idle, true)).toBe(true);
    expect(isUnavailable(idle, false)).toBe(false);
    // A track that cannot be read leaves the player itself usable.
    expect(isUnavailable({ ...playing, error: { code: "not_found", message: "Gone" } }, false)).toBe(false);
  });
});

describe("shortcutFor", () => {
  const key = (k: string, shiftKey = false) => ({ key: k, shiftKey });

  it("maps the keys to what the player can do now", () => {
    const all = availableControls(playing, false);
    expect(shortcutFor(key(" "), all)).toBe("toggle");
    expect(shortcutFor(key("ArrowLeft"), all)).toBe("skip-back");
    expect(shortcutFor(key("ArrowRight"), all)).toBe("skip-forward");
    expect(shortcutFor(key("ArrowLeft", true), all)).toBe("slower");
    expect(shortcutFor(key("+"), all)).toBe("faster");
    expect(shortcutFor(key("="), all)).toBe("faster");
    expect(shortcutFor(key("-"), all)).toBe("slower");
    expect(shortcutFor(key("a"), all)).toBe(null);
    // Chapter keys only when the episode has chapters.
    expect(shortcutFor(key("]"), all)).toBe(null);
    const chaptered = availableControls(playing, false, true);
    expect(shortcutFor(key("]"), chaptered)).toBe("next-chapter");
    expect(shortcutFor(key("["), chaptered)).toBe("previous-chapter");
  });

  it("asks nothing of a player that cannot act", () => {
    expect(shortcutFor(key(" "), availableControls(idle, false))).toBe(null);
    expect(shortcutFor(key("ArrowRight"), availableControls(idle, false))).toBe(null);
    expect(shortcutFor(key("-"), availableControls(playing, true))).toBe(null);
  });
});

describe("failureMessage", () => {
  it("is the core's sentence", () => {
    const refused = new ApiError({ kind: "playback", code: "unavailable", message: "GStreamer is not installed" });
    expect(failureMessage(refused)).toBe("GStreamer is not installed");
    expect(failureMessage({ code: "other", message: "The player stopped" })).toBe("The player stopped");
    expect(failureMessage(new Error("boom"))).toBe("boom");
    expect(failureMessage("plain")).toBe("plain");
  });
});

describe("refusedAsUnavailable", () => {
  it("knows a missing player from other failures", () => {
    expect(refusedAsUnavailable(new ApiError({ kind: "playback", code: "unavailable", message: "m" }))).toBe(true);
    expect(refusedAsUnavailable({ code: "unavailable", message: "m" })).toBe(true);
    expect(refusedAsUnavailable(new ApiError({ kind: "playback", code: "other", message: "m" }))).toBe(false);
    expect(refusedAsUnavailable(new ApiError({ kind: "library", code: "not_found", message: "m" }))).toBe(false);
    expect(refusedAsUnavailable(new Error("unavailable"))).toBe(false);
  });
});
