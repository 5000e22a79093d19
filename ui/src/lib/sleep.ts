// The sleep timer's choices and how a running one reads.
import type { SleepRequest, SleepTimer } from "./ipc/bindings";
import { formatClock } from "./format";

export type SleepChoice = { value: string; label: string; request: SleepRequest };

export const SLEEP_CHOICES: readonly SleepChoice[] = [
  { value: "off", label: "Sleep: off", request: { kind: "off" } },
  ...[5, 10, 15, 30, 45, 60, 90].map((minutes) => ({
    value: `m${minutes}`,
    label: `${minutes} minutes`,
    request: { kind: "after", seconds: minutes * 60 } as SleepRequest,
  })),
  { value: "end", label: "End of episode", request: { kind: "end_of_episode" } },
];

/** `Sleep in 12:04`, `Sleep at end`, or "" when no timer runs. */
export function describeSleep(sleep: SleepTimer | null): string {
  if (!sleep) return "";
  if (sleep.kind === "end_of_episode") return "Sleep at end";
  return `Sleep in ${formatClock(Math.ceil(sleep.remainingSecs ?? 0))}`;
}
