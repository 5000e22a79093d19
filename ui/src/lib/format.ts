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

/**
 * How long ago `unixSeconds` was, relative to `nowMs`, as a podcast directory says it: "just
 * now", "5 minutes ago", "3 days ago" (below a week), "2 weeks ago" (below a month), "4 months
 * ago", "1 year ago".
 */
export function formatRelativeDate(unixSeconds: number | null | undefined, nowMs: number = Date.now()): string {
  if (unixSeconds == null || !Number.isFinite(unixSeconds)) return "";
  const diff = Math.floor(nowMs / 1000 - unixSeconds);
  if (diff < 0) return "upcoming";
  const minute = 60;
  const hour = 60 * minute;
  const day = 24 * hour;
  const week = 7 * day;
  if (diff < minute) return "just now";
  if (diff < hour) return `${plural(Math.floor(diff / minute), "minute")} ago`;
  if (diff < day) return `${plural(Math.floor(diff / hour), "hour")} ago`;
  if (diff < week) return `${plural(Math.floor(diff / day), "day")} ago`;
  if (diff < 30 * day) return `${plural(Math.floor(diff / week), "week")} ago`;
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

// Sizes are in decimal units (1 MB = 1,000,000 bytes), as disks and the storage limit count them.
const BYTE_UNITS = ["KB", "MB", "GB", "TB"];

/** `512` → `512 B`, `1_234_567` → `1.2 MB`, `123_456_789` → `123 MB`; unknown → `""`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 999.5) return `${Math.round(bytes)} B`;
  let value = bytes / 1000;
  let unit = 0;
  // Step up before a figure would round to 1000 (999,999 B is 1.0 MB, not 1000 KB).
  while (value >= 999.5 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const figure = value < 99.95 ? value.toFixed(1) : String(Math.round(value));
  return `${figure} ${BYTE_UNITS[unit]}`;
}

/** `3_400_000` → `3.4 MB/s`; unknown or nothing moving → `""`. */
export function formatSpeed(bytesPerSec: number | null | undefined): string {
  if (bytesPerSec == null || !Number.isFinite(bytesPerSec) || bytesPerSec <= 0) return "";
  return `${formatBytes(bytesPerSec)}/s`;
}

/** Time left of a download: `40 s left`, `2 min left`, `1 h 5 min left`; unknown → `""`. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "";
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s left`;
  const minutes = Math.ceil(whole / 60);
  if (minutes < 60) return `${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min left` : `${hours} h left`;
}
