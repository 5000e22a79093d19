import { describe, expect, it } from "vitest";
import { RATES, formatRate, rateChoices, stepRate } from "./speed";

describe("speeds", () => {
  it("offers 0.5× to 3.0× in 0.1 steps", () => {
    expect(RATES[0]).toBe(0.5);
    expect(RATES.at(-1)).toBe(3);
    expect(RATES).toContain(1.3);
    expect(RATES).toHaveLength(26);
  });
  it("steps by 0.1 and stays in range", () => {
    expect(stepRate(1, 1)).toBe(1.1);
    expect(stepRate(1.2, -1)).toBe(1.1);
    expect(stepRate(3, 1)).toBe(3);
    expect(stepRate(0.5, -1)).toBe(0.5);
  });
  it("offers the player's own speed when it is not among the usual ones", () => {
    expect(rateChoices(1.5)).toEqual(RATES);
    const choices = rateChoices(1.25);
    expect(choices).toContain(1.25);
    expect(choices.indexOf(1.25)).toBe(choices.indexOf(1.2) + 1);
  });
  it("reads one decimal unless the speed has more", () => {
    expect(formatRate(1)).toBe("1.0×");
    expect(formatRate(1.1)).toBe("1.1×");
    expect(formatRate(1.25)).toBe("1.25×");
  });
});
