// Reading a transcript beside the audio: which cue is being spoken, and how cues are grouped
// under their speakers. Pure, so the view stays a view.
import type { TranscriptCue } from "./ipc/bindings";

/** The cue being spoken at `position` (the last one started), or -1 before the first. */
export function cueAt(cues: readonly TranscriptCue[], position: number): number {
  let low = 0;
  let high = cues.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((cues[middle]?.startSecs ?? 0) <= position + 0.05) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** A run of cues by one speaker (or none named), drawn as a paragraph. */
export type Turn = { speaker: string | null; first: number; cues: { index: number; cue: TranscriptCue }[] };

/** Cues grouped into turns: a new turn wherever the speaker changes. */
export function turns(cues: readonly TranscriptCue[]): Turn[] {
  const out: Turn[] = [];
  cues.forEach((cue, index) => {
    const last = out.at(-1);
    if (last && (cue.speaker === null || cue.speaker === last.speaker)) {
      last.cues.push({ index, cue });
    } else {
      out.push({ speaker: cue.speaker, first: index, cues: [{ index, cue }] });
    }
  });
  return out;
}
