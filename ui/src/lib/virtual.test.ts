import { describe, expect, it } from "vitest";
import { columnsFor, spacers, visibleRows } from "./virtual";

describe("visibleRows", () => {
  const layout = { rows: 100, rowHeight: 50, top: 200, scrollTop: 0, viewHeight: 500, overscan: 2 };

  it("draws every row until the page can be measured", () => {
    expect(visibleRows({ ...layout, viewHeight: 0 })).toEqual({ first: 0, last: 100 });
    expect(visibleRows({ ...layout, rowHeight: 0 })).toEqual({ first: 0, last: 100 });
  });

  it("draws the rows in view and a few either side", () => {
    // The list starts 200 px down: at the top, rows 0–5 are in view.
    expect(visibleRows(layout)).toEqual({ first: 0, last: 8 });
    // Scrolled to 1,200 px: rows 20–29 are in view.
    expect(visibleRows({ ...layout, scrollTop: 1200 })).toEqual({ first: 18, last: 32 });
  });

  it("never runs past the end, even scrolled beyond a list that just shrank", () => {
    expect(visibleRows({ ...layout, scrollTop: 4800 })).toEqual({ first: 90, last: 100 });
    expect(visibleRows({ ...layout, rows: 3, scrollTop: 4800 })).toEqual({ first: 2, last: 3 });
    expect(visibleRows({ ...layout, rows: 0 })).toEqual({ first: 0, last: 0 });
  });
});

describe("columnsFor", () => {
  it("fits as many columns as CSS grid's auto-fill does", () => {
    // 168 px tiles with 24 px gaps: 5 fit in 936 px (5 × 168 + 4 × 24), not in 935.
    expect(columnsFor(936, 168, 24)).toBe(5);
    expect(columnsFor(935, 168, 24)).toBe(4);
    expect(columnsFor(100, 168, 24)).toBe(1);
    expect(columnsFor(0, 168, 24)).toBe(1);
  });
});

describe("spacers", () => {
  it("keeps the list its whole height around the drawn rows", () => {
    expect(spacers({ first: 18, last: 32 }, 100, 50)).toEqual({ above: 900, below: 3400 });
    expect(spacers({ first: 0, last: 100 }, 100, 50)).toEqual({ above: 0, below: 0 });
  });
});
