// The one player store: fed by PlaybackChanged events from Rust, never polled. No playback logic
// lives here; it only mirrors the player's state and forwards the listener's requests.
//
// The controls (play/pause, skip, seek, speed, sleep, mute, volume) never fail silently: a
// refused request is reported with the core's sentence and resolves to `false`. Playing an
// episode (`play`, `playFrom`, `playOrToggle`) throws instead, for the page that asked.
import type { Backend, Unlisten } from "../api/backend";
import { failureMessage, isUnavailable, refusedAsUnavailable } from "../controls";
import type {
  Chapter,
  ChapterStep,
  EpisodeId,
  NowChapters,
  PlayerState,
  SkipDirection,
  SleepRequest,
} from "../ipc/bindings";
import { stepRate } from "../speed";

/** Nothing loaded: the state before Rust has said anything. */
export const idle: PlayerState = {
  status: "stopped",
  track: null,
  positionSecs: 0,
  durationSecs: null,
  rate: 1,
  volume: 1,
  muted: false,
  bufferingPercent: 100,
  error: null,
  sleep: null,
  seeking: false,
};

/** No chapters: nothing in the player, or an episode without them. */
export const noChapters: NowChapters = { episodeId: null, chapters: [], current: null };

export class PlayerStore {
  /** Replaced whole on every change (several times a second while playing), never mutated. */
  state: PlayerState = $state.raw(idle);
  /** The chapters of the episode in the player and the one playing (from Rust, on change). */
  chapters: NowChapters = $state.raw(noChapters);
  readonly currentChapter: Chapter | null = $derived(
    this.chapters.current === null ? null : (this.chapters.chapters[this.chapters.current] ?? null),
  );
  readonly hasChapters: boolean = $derived(this.chapters.chapters.length > 0);
  // Derived values only notify their readers when they change, not at every position tick: a
  // list of a thousand rows that asks "is this row the current one?" is asked again only when
  // the episode or the play state changes.
  readonly isPlaying: boolean = $derived(this.state.status === "playing" || this.state.status === "buffering");
  readonly currentEpisode: EpisodeId | null = $derived(this.state.track?.id ?? null);
  /** A command was refused because there is no player; it does not come back while running. */
  #refused = $state(false);
  /** The player cannot play at all (GStreamer or a required plugin is missing). */
  readonly unavailable: boolean = $derived(isUnavailable(this.state, this.#refused));
  readonly #backend: Backend;
  readonly #report: (message: string) => void;
  #unlisten: Unlisten[] = [];

  /** `report` hears why a control's request failed, in the core's words. */
  constructor(backend: Backend, report: (message: string) => void) {
    this.#backend = backend;
    this.#report = report;
  }

  async start(): Promise<void> {
    this.#unlisten.push(
      await this.#backend.onPlaybackChanged((next) => {
        this.state = next;
      }),
      await this.#backend.onChaptersChanged((next) => {
        this.chapters = next;
      }),
    );
    this.#backend
      .getNowChapters()
      .then((now) => (this.chapters = now))
      .catch(() => {});
    try {
      this.state = await this.#backend.getPlayerState();
    } catch (error) {
      if (refusedAsUnavailable(error)) this.#refused = true;
      throw error;
    }
  }

  stop(): void {
    for (const unlisten of this.#unlisten) unlisten();
    this.#unlisten = [];
  }

  play(episodeId: EpisodeId): Promise<void> {
    return this.#asked(() => this.#backend.playEpisode(episodeId));
  }

  toggle(): Promise<boolean> {
    return this.#control(() => this.#backend.togglePlayback());
  }

  /** Plays `episodeId` from `seconds`: a seek when it is the episode in the player. */
  playFrom(episodeId: EpisodeId, seconds: number): Promise<void> {
    const status = this.state.status;
    if (this.currentEpisode === episodeId && status !== "stopped" && status !== "ended") {
      return this.#asked(async () => {
        await this.#backend.seekPlayback(seconds);
        if (!this.isPlaying) await this.#backend.togglePlayback();
      });
    }
    return this.#asked(() => this.#backend.playEpisodeAt(episodeId, seconds));
  }

  /** Play/pause for `episodeId`: toggles it when it is in the player, else starts it. */
  playOrToggle(episodeId: EpisodeId): Promise<void> {
    if (this.currentEpisode === episodeId && this.state.status !== "stopped") {
      return this.#asked(() => this.#backend.togglePlayback());
    }
    return this.play(episodeId);
  }

  seek(positionSecs: number): Promise<boolean> {
    return this.#control(() => this.#backend.seekPlayback(positionSecs));
  }

  setVolume(volume: number): Promise<boolean> {
    return this.#control(() => this.#backend.setVolume(volume));
  }

  toggleMute(): Promise<boolean> {
    return this.#control(() => this.#backend.setMuted(!this.state.muted));
  }

  skip(direction: SkipDirection): Promise<boolean> {
    return this.#control(() => this.#backend.skipPlayback(direction));
  }

  setRate(rate: number): Promise<boolean> {
    return this.#control(() => this.#backend.setPlaybackRate(rate));
  }

  sleep(request: SleepRequest): Promise<boolean> {
    return this.#control(() => this.#backend.setSleepTimer(request));
  }

  skipChapter(step: ChapterStep): Promise<boolean> {
    return this.#control(() => this.#backend.skipChapter(step));
  }

  changeRate(direction: 1 | -1): Promise<boolean> {
    return this.setRate(stepRate(this.state.rate ?? 1, direction));
  }

  /** Sends a control's request; a refusal is reported, never thrown. */
  async #control(send: () => Promise<void>): Promise<boolean> {
    try {
      await this.#asked(send);
      return true;
    } catch (error) {
      this.#report(failureMessage(error));
      return false;
    }
  }

  /** Sends a request, noting a player that is not there before passing the refusal on. */
  async #asked(send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (refusedAsUnavailable(error)) this.#refused = true;
      throw error;
    }
  }
}
