// Formatting of times, durations and dates for display. Pure functions, unit-tested.

/** `65` → `1:05`, `3741` → `1:02:21`; unknown or negative → `0:00`. */
export function formatClock(totalSeconds: number | null | undefined): string {
  if (totalSeconds == null || !Number.isFinite(totalSeconds) || totalSeconds < 0) return "0:00";
  const whole = Math.floor(totalSeconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const seconds = whole % 60;
  const ss = String(seconds).padStart(2, "0");
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, "0")}:${ss}`;
  return `${minutes}:${ss}`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** `1466` → `24 minutes 26 seconds`, `3741` → `1 hour 2 minutes 21 seconds`; unknown → `""`. */
export function formatSpokenDuration(totalSeconds: number | null | undefined): string {
  if (totalSeconds == null || !Number.isFinite(totalSeconds) || totalSeconds <= 0) return "";
  const whole = Math.round(totalSeconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const seconds = whole % 60;
  const parts: string[] = [];
  if (hours) parts.push(plural(hours, "hour"));
  if (minutes) parts.push(plural(minutes, "minute"));
  if (seconds) parts.push(plural(seconds, "second"));
  return parts.join(" ");
}

/** How long ago `unixSeconds` was, relative to `nowMs`: "just now", "5 minutes ago", "2 days ago", "1 year ago". */
export function formatRelativeDate(unixSeconds: number | null | undefined, nowMs: number = Date.now()): string {
  if (unixSeconds == null || !Number.isFinite(unixSeconds)) return "";
  const diff = Math.floor(nowMs / 1000 - unixSeconds);
  if (diff < 0) return "upcoming";
  const minute = 60;
  const hour = 60 * minute;
  const day = 24 * hour;
  if (diff < minute) return "just now";
  if (diff < hour) return `${plural(Math.floor(diff / minute), "minute")} ago`;
  if (diff < day) return `${plural(Math.floor(diff / hour), "hour")} ago`;
  if (diff < 30 * day) return `${plural(Math.floor(diff / day), "day")} ago`;
  if (diff < 365 * day) return `${plural(Math.floor(diff / (30 * day)), "month")} ago`;
  return `${plural(Math.floor(diff / (365 * day)), "year")} ago`;
}

/** The full date for tooltips, in the listener's locale. */
export function formatFullDate(unixSeconds: number | null | undefined): string {
  if (unixSeconds == null) return "";
  return new Date(unixSeconds * 1000).toLocaleDateString(undefined, {
    year: "numeric",
    month: "long",
    day: "numeric",
  });
}

/** What remains of an episode, for the episode list: "12 min left", or "" when not started. */
export function formatRemaining(position: number, duration: number | null): string {
  if (position <= 0 || duration == null || duration <= 0) return "";
  const left = Math.max(0, Math.round((duration - position) / 60));
  return left <= 0 ? "almost done" : `${left} min left`;
}
