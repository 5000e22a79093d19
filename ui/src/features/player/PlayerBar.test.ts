import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import type { Backend } from "../../lib/api/backend";
import { idle, playing, unavailable } from "../../lib/fixtures/player";
import type { PlayerState } from "../../lib/ipc/bindings";
import { PlayerStore } from "../../lib/stores/player.svelte";
import { QueueStore } from "../../lib/stores/queue.svelte";
import PlayerBar from "./PlayerBar.svelte";

/** The player bar's markup for `state`, each control's tag found by its test id. */
function bar(state: PlayerState, refused = false) {
  const backend = { togglePlayback: async () => {} } as unknown as Backend;
  const player = new PlayerStore(backend, () => {});
  player.state = state;
  if (refused) player.state = { ...state, error: unavailable.error };
  const { body } = render(PlayerBar, { props: { player, queue: new QueueStore(backend), onopen: () => {} } });
  const tag = (testid: string) => body.match(new RegExp(`<[^>]*data-testid="${testid}"[^>]*>`))?.[0] ?? "";
  const disabled = (testid: string) => /\sdisabled(=""|\s|>|\/)/.test(tag(testid));
  return { body, tag, disabled };
}

const controls = [
  "player-toggle",
  "player-skip-back",
  "player-skip-forward",
  "player-seek",
  "player-sleep",
  "player-rate",
  "player-mute",
  "player-volume",
];

describe("PlayerBar", () => {
  it("with nothing loaded, disables what cannot act and keeps speed and volume", () => {
    const { disabled } = bar(idle);
    for (const id of ["player-toggle", "player-skip-back", "player-skip-forward", "player-seek", "player-sleep"]) {
      expect(disabled(id), id).toBe(true);
    }
    for (const id of ["player-rate", "player-mute", "player-volume"]) expect(disabled(id), id).toBe(false);
  });

  it("with a track loaded, enables every control", () => {
    const { disabled } = bar(playing);
    for (const id of controls) expect(disabled(id), id).toBe(false);
  });

  it("with the player unavailable, disables every control and says why", () => {
    const { disabled, body } = bar(playing, true);
    for (const id of controls) expect(disabled(id), id).toBe(true);
    expect(body).toContain("Playback needs GStreamer, which is not installed.");
  });

  it("shows the speed the player has, even one the menu does not usually offer", () => {
    const { body } = bar({ ...playing, rate: 1.25 });
    const menu = body.slice(body.indexOf('data-testid="player-rate"'));
    const options = menu.slice(0, menu.indexOf("</select>"));
    expect(options).toMatch(/<option[^>]*value="1\.25"[^>]*selected[^>]*>1\.25×<\/option>/);
    expect(options.match(/selected/g)?.length).toBe(1);
  });
});
