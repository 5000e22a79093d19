import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_TOASTS, TOAST_LIFETIME, ToastStore } from "./toasts.svelte";

describe("ToastStore", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("lets information go sooner than errors", () => {
    const toasts = new ToastStore();
    toasts.info("Imported 3 shows.");
    toasts.error("The disk is full.");
    vi.advanceTimersByTime(TOAST_LIFETIME.info);
    expect(toasts.toasts.map((t) => t.message)).toEqual(["The disk is full."]);
    vi.advanceTimersByTime(TOAST_LIFETIME.error);
    expect(toasts.toasts).toEqual([]);
  });

  it("shows a repeated message once, and keeps only the newest few", () => {
    const toasts = new ToastStore();
    toasts.error("Could not reach example.com");
    toasts.error("Could not reach example.com");
    expect(toasts.toasts).toHaveLength(1);
    for (let n = 0; n < MAX_TOASTS + 2; n++) toasts.info(`message ${n}`);
    expect(toasts.toasts).toHaveLength(MAX_TOASTS);
    expect(toasts.toasts.at(-1)?.message).toBe(`message ${MAX_TOASTS + 1}`);
  });

  it("dismisses by id", () => {
    const toasts = new ToastStore();
    const id = toasts.error("Oops");
    toasts.dismiss(id);
    expect(toasts.toasts).toEqual([]);
  });

  it("keeps a progress toast for as long as the work runs, then gives way to the summary", () => {
    const toasts = new ToastStore();
    const progress = toasts.progress("Importing subs.opml…");
    vi.advanceTimersByTime(TOAST_LIFETIME.error * 4);
    expect(toasts.toasts.map((t) => t.message)).toEqual(["Importing subs.opml…"]);
    toasts.update(progress, "Importing subs.opml: 3 of 40 shows fetched…");
    expect(toasts.toasts.map((t) => t.message)).toEqual(["Importing subs.opml: 3 of 40 shows fetched…"]);
    toasts.dismiss(progress);
    toasts.info("Added 40 shows.");
    expect(toasts.toasts.map((t) => t.message)).toEqual(["Added 40 shows."]);
    vi.advanceTimersByTime(TOAST_LIFETIME.info);
    expect(toasts.toasts).toEqual([]);
  });

  it("lets newer toasts push out older ones before the progress", () => {
    const toasts = new ToastStore();
    toasts.progress("Importing subs.opml…");
    for (let n = 0; n < MAX_TOASTS + 2; n++) toasts.error(`failure ${n}`);
    expect(toasts.toasts).toHaveLength(MAX_TOASTS);
    expect(toasts.toasts[0]?.message).toBe("Importing subs.opml…");
  });
});
