// Long lists drawn in part: only the rows in view (and a few either side) exist in the page, with
// padding standing in for the rest, so 500 shows or thousands of episodes cost the web process
// what one screenful does. These are the rules; `virtual.svelte.ts` measures the page for them.

/** Rows `[first, last)` of a list to put in the page. */
export interface RowWindow {
  first: number;
  last: number;
}

export interface Layout {
  /** How many rows the whole list has. */
  rows: number;
  /** One row's height with the gap below it, in pixels; 0 when not measured yet. */
  rowHeight: number;
  /** Where the list begins inside the scrolling area's content, in pixels. */
  top: number;
  /** How far the scrolling area is scrolled. */
  scrollTop: number;
  /** The scrolling area's visible height; 0 when the page is not laid out (then every row is drawn). */
  viewHeight: number;
  /** Rows drawn beyond each edge of the view, so a quick scroll never shows a blank. */
  overscan?: number;
}

/** The rows to draw for `layout`: every row until the page can be measured. */
export function visibleRows(layout: Layout): RowWindow {
  const { rows, rowHeight, top, scrollTop, viewHeight } = layout;
  const overscan = layout.overscan ?? 3;
  if (rows <= 0) return { first: 0, last: 0 };
  if (viewHeight <= 0 || rowHeight <= 0) return { first: 0, last: rows };
  const from = scrollTop - top;
  // Scrolled past the end (the list just shrank): the last rows, until the scroll catches up.
  const first = Math.min(rows - 1, Math.max(0, Math.floor(from / rowHeight) - overscan));
  const last = Math.max(first + 1, Math.min(rows, Math.ceil((from + viewHeight) / rowHeight) + overscan));
  return { first, last };
}

/** How many columns of at least `minWidth` fit in `width` with `gap` between them (CSS grid's
 * `repeat(auto-fill, minmax(minWidth, 1fr))`). */
export function columnsFor(width: number, minWidth: number, gap: number): number {
  if (width <= 0) return 1;
  return Math.max(1, Math.floor((width + gap) / (minWidth + gap)));
}

/** The padding above and below the drawn rows that keeps the list its full height. */
export function spacers(window: RowWindow, rows: number, rowHeight: number): { above: number; below: number } {
  if (rowHeight <= 0) return { above: 0, below: 0 };
  return { above: window.first * rowHeight, below: Math.max(0, rows - window.last) * rowHeight };
}
