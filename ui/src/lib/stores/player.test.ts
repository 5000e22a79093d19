import { describe, expect, it } from "vitest";
import { ApiError, type Backend } from "../api/backend";
import { idle, playing, unavailable } from "../fixtures/player";
import type { NowChapters, PlayerState } from "../ipc/bindings";
import { PlayerStore } from "./player.svelte";

const busy = new ApiError({ kind: "playback", code: "other", message: "The player did not answer." });
const missing = new ApiError({ kind: "playback", code: "unavailable", message: "Playback needs GStreamer." });

/** A backend whose player refuses every request with `refusal` (or takes them all). */
function fakeBackend(state: PlayerState, refusal: unknown = null) {
  let send: ((next: PlayerState) => void) | null = null;
  let sendChapters: ((next: NowChapters) => void) | null = null;
  const answer = async () => {
    if (refusal) throw refusal;
  };
  const backend = {
    onPlaybackChanged: async (listener: (next: PlayerState) => void) => {
      send = listener;
      return () => {};
    },
    getPlayerState: async () => {
      if (refusal) throw refusal;
      return state;
    },
    onChaptersChanged: async (listener: (next: NowChapters) => void) => {
      sendChapters = listener;
      return () => {};
    },
    getNowChapters: async () => ({ episodeId: null, chapters: [], current: null }),
    skipChapter: answer,
    togglePlayback: answer,
    skipPlayback: answer,
    seekPlayback: answer,
    setPlaybackRate: answer,
    setSleepTimer: answer,
    setMuted: answer,
    setVolume: answer,
    playEpisode: answer,
  } as unknown as Backend;
  return {
    backend,
    emit: (next: PlayerState) => send?.(next),
    emitChapters: (next: NowChapters) => sendChapters?.(next),
  };
}

function store(backend: Backend) {
  const reported: string[] = [];
  return { player: new PlayerStore(backend, (message) => reported.push(message)), reported };
}

describe("PlayerStore controls", () => {
  it("report a refusal with the core's sentence instead of failing silently", async () => {
    const { backend } = fakeBackend(playing, busy);
    const { player, reported } = store(backend);
    player.state = playing;
    const answers = [
      await player.toggle(),
      await player.skip("forward"),
      await player.seek(30),
      await player.setRate(1.5),
      await player.changeRate(1),
      await player.sleep({ kind: "off" }),
      await player.toggleMute(),
      await player.setVolume(0.5),
    ];
    expect(answers.every((taken) => taken === false)).toBe(true);
    expect(reported).toHaveLength(answers.length);
    expect(new Set(reported)).toEqual(new Set(["The player did not answer."]));
    expect(player.unavailable).toBe(false);
  });

  it("say nothing when the request is taken", async () => {
    const { backend } = fakeBackend(playing);
    const { player, reported } = store(backend);
    expect(await player.skip("back")).toBe(true);
    expect(reported).toEqual([]);
  });

  it("know the player is unavailable from a refused command", async () => {
    const { backend } = fakeBackend(playing, missing);
    const { player, reported } = store(backend);
    player.state = playing;
    await player.toggle();
    expect(reported).toEqual(["Playback needs GStreamer."]);
    expect(player.unavailable).toBe(true);
  });

  it("know the player is unavailable from start-up or from its state", async () => {
    const refused = store(fakeBackend(idle, missing).backend).player;
    await expect(refused.start()).rejects.toThrow("Playback needs GStreamer.");
    expect(refused.unavailable).toBe(true);

    const { backend, emit } = fakeBackend(idle);
    const { player } = store(backend);
    await player.start();
    expect(player.unavailable).toBe(false);
    emit(unavailable);
    expect(player.unavailable).toBe(true);
  });

  it("let playing an episode throw for the page that asked, noting a missing player", async () => {
    const { backend } = fakeBackend(idle, missing);
    const { player, reported } = store(backend);
    await expect(player.play(7)).rejects.toBe(missing);
    expect(reported).toEqual([]);
    expect(player.unavailable).toBe(true);
  });

  it("follow the chapter playing as Rust announces it, and report a refused chapter skip", async () => {
    const { backend, emitChapters } = fakeBackend(playing);
    const { player } = store(backend);
    await player.start();
    expect(player.hasChapters).toBe(false);
    expect(player.currentChapter).toBe(null);
    const chapter = (startSecs: number, title: string) => ({
      startSecs,
      title,
      url: null,
      image: null,
      source: "podcast" as const,
    });
    emitChapters({ episodeId: 7, chapters: [chapter(0, "Intro"), chapter(60, "News")], current: 1 });
    expect(player.hasChapters).toBe(true);
    expect(player.currentChapter?.title).toBe("News");

    const refused = store(fakeBackend(playing, busy).backend);
    expect(await refused.player.skipChapter("next")).toBe(false);
    expect(refused.reported).toEqual(["The player did not answer."]);
  });
});
