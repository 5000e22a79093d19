// Which of the player's controls can act, what a shortcut asks for, and how a failed request
// reads: pure, so the player bar, the keyboard and the store share one rule.
//
// A control that cannot act is disabled rather than failing when used: with nothing loaded the
// transport (play/pause, skip, seek) and the sleep timer have nothing to act on, while speed and
// volume are kept for the next episode; with the player unavailable (GStreamer missing) nothing
// can act.
import { ApiError } from "./api/backend";
import type { PlayerState } from "./ipc/bindings";

export interface Controls {
  playPause: boolean;
  skip: boolean;
  seek: boolean;
  sleep: boolean;
  speed: boolean;
  volume: boolean;
  /** Chapter skips: the episode in the player has chapters. */
  chapters: boolean;
}

/** The player cannot play at all: its state or a refused command said `unavailable`. */
export function isUnavailable(state: PlayerState, refused: boolean): boolean {
  return refused || state.error?.code === "unavailable";
}

export function availableControls(state: PlayerState, unavailable: boolean, hasChapters = false): Controls {
  const loaded = !unavailable && state.track !== null;
  return {
    playPause: loaded,
    skip: loaded,
    seek: loaded && (state.durationSecs ?? 0) > 0,
    sleep: loaded,
    speed: !unavailable,
    volume: !unavailable,
    chapters: loaded && hasChapters,
  };
}

export type Shortcut =
  | "toggle"
  | "skip-back"
  | "skip-forward"
  | "slower"
  | "faster"
  | "previous-chapter"
  | "next-chapter";

/** What a key press asks of the player, or null when it asks nothing the player can do now. */
export function shortcutFor(key: { key: string; shiftKey: boolean }, controls: Controls): Shortcut | null {
  const wanted = shortcutOf(key);
  if (wanted === null) return null;
  const able = {
    toggle: controls.playPause,
    "skip-back": controls.skip,
    "skip-forward": controls.skip,
    slower: controls.speed,
    faster: controls.speed,
    "previous-chapter": controls.chapters,
    "next-chapter": controls.chapters,
  }[wanted];
  return able ? wanted : null;
}

function shortcutOf({ key, shiftKey }: { key: string; shiftKey: boolean }): Shortcut | null {
  switch (key) {
    case " ":
      return "toggle";
    case "ArrowLeft":
      return shiftKey ? "slower" : "skip-back";
    case "ArrowRight":
      return shiftKey ? "faster" : "skip-forward";
    case "+":
    case "=":
      return "faster";
    case "-":
      return "slower";
    case "[":
      return "previous-chapter";
    case "]":
      return "next-chapter";
    default:
      return null;
  }
}

/** The speed the player has (1× until it says otherwise). */
export function currentRate(state: PlayerState): number {
  return state.rate ?? 1;
}

/** The core's sentence for a failed request (errors from Rust carry `{ code, message }`). */
export function failureMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    return error.message;
  }
  return String(error);
}

/** Whether a request failed because there is no player (GStreamer or a plugin missing). */
export function refusedAsUnavailable(error: unknown): boolean {
  const detail: unknown = error instanceof ApiError ? error.detail : error;
  return (
    typeof detail === "object" &&
    detail !== null &&
    "code" in detail &&
    detail.code === "unavailable" &&
    (!("kind" in detail) || detail.kind === "playback")
  );
}
