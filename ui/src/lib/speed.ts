// Playback speeds offered to the listener; the player clamps and rounds the same way.

/** Speeds offered: 0.5× to 3.0× in steps of 0.1. */
export const RATES: readonly number[] = Array.from({ length: 26 }, (_, i) => Math.round((0.5 + i * 0.1) * 10) / 10);

/** The next offered speed up (`+1`) or down (`-1`) from `rate`, staying in range. */
export function stepRate(rate: number, direction: 1 | -1): number {
  const next = Math.round((rate + direction * 0.1) * 10) / 10;
  return Math.min(3, Math.max(0.5, next));
}

/** The speeds the menu offers: the usual ones, and the player's own when it is not among them. */
export function rateChoices(rate: number): number[] {
  if (RATES.includes(rate)) return [...RATES];
  return [...RATES, rate].sort((a, b) => a - b);
}

/** `1` → `1.0×`, `1.25` → `1.25×`: one decimal unless the speed has more. */
export function formatRate(rate: number): string {
  const tenths = rate * 10;
  return `${Math.abs(tenths - Math.round(tenths)) < 1e-9 ? rate.toFixed(1) : String(rate)}×`;
}
