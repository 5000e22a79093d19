// The one player store: fed by PlaybackChanged events from Rust, never polled. No playback logic
// lives here; it only mirrors the player's state and forwards the listener's requests.
import type { Backend, Unlisten } from "../api/backend";
import type { EpisodeId, PlayerState, SkipDirection, SleepRequest } from "../ipc/bindings";
import { stepRate } from "../speed";

const idle: PlayerState = {
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

export class PlayerStore {
  /** Replaced whole on every change (several times a second while playing), never mutated. */
  state: PlayerState = $state.raw(idle);
  // Derived values only notify their readers when they change, not at every position tick: a
  // list of a thousand rows that asks "is this row the current one?" is asked again only when
  // the episode or the play state changes.
  readonly isPlaying: boolean = $derived(this.state.status === "playing" || this.state.status === "buffering");
  readonly currentEpisode: EpisodeId | null = $derived(this.state.track?.id ?? null);
  readonly #backend: Backend;
  #unlisten: Unlisten | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async start(): Promise<void> {
    this.#unlisten = await this.#backend.onPlaybackChanged((next) => {
      this.state = next;
    });
    this.state = await this.#backend.getPlayerState();
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
  }

  play(episodeId: EpisodeId): Promise<void> {
    return this.#backend.playEpisode(episodeId);
  }

  toggle(): Promise<void> {
    return this.#backend.togglePlayback();
  }

  /** Plays `episodeId` from `seconds`: a seek when it is the episode in the player. */
  async playFrom(episodeId: EpisodeId, seconds: number): Promise<void> {
    const status = this.state.status;
    if (this.currentEpisode === episodeId && status !== "stopped" && status !== "ended") {
      await this.seek(seconds);
      if (!this.isPlaying) await this.toggle();
    } else {
      await this.#backend.playEpisodeAt(episodeId, seconds);
    }
  }

  /** Play/pause for `episodeId`: toggles it when it is in the player, else starts it. */
  async playOrToggle(episodeId: EpisodeId): Promise<void> {
    if (this.currentEpisode === episodeId && this.state.status !== "stopped") await this.toggle();
    else await this.play(episodeId);
  }

  seek(positionSecs: number): Promise<void> {
    return this.#backend.seekPlayback(positionSecs);
  }

  setVolume(volume: number): Promise<void> {
    return this.#backend.setVolume(volume);
  }

  toggleMute(): Promise<void> {
    return this.#backend.setMuted(!this.state.muted);
  }

  skip(direction: SkipDirection): Promise<void> {
    return this.#backend.skipPlayback(direction);
  }

  setRate(rate: number): Promise<void> {
    return this.#backend.setPlaybackRate(rate);
  }

  sleep(request: SleepRequest): Promise<void> {
    return this.#backend.setSleepTimer(request);
  }

  changeRate(direction: 1 | -1): Promise<void> {
    return this.setRate(stepRate(this.state.rate ?? 1, direction));
  }
}
