// Up Next, mirrored from Rust: reloaded on QueueChanged events, changed only through commands.
import type { Backend, Unlisten } from "../api/backend";
import type { Episode, EpisodeId, Placement } from "../ipc/bindings";

export class QueueStore {
  episodes: Episode[] = $state([]);
  readonly #backend: Backend;
  #unlisten: Unlisten | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async start(): Promise<void> {
    this.#unlisten = await this.#backend.onQueueChanged((queue) => {
      this.episodes = queue;
    });
    this.episodes = await this.#backend.getQueue();
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
  }

  has(id: EpisodeId): boolean {
    return this.episodes.some((episode) => episode.id === id);
  }

  add(id: EpisodeId, placement: Placement): Promise<void> {
    return this.#backend.enqueueEpisode(id, placement);
  }

  remove(id: EpisodeId): Promise<void> {
    return this.#backend.dequeueEpisode(id);
  }

  move(id: EpisodeId, index: number): Promise<void> {
    return this.#backend.moveQueuedEpisode(id, Math.max(0, index));
  }

  clear(): Promise<void> {
    return this.#backend.clearQueue();
  }
}
