// Measures a list and the area it scrolls in, for `visibleRows` (see `virtual.ts`).
import { columnsFor, spacers, visibleRows, type RowWindow } from "./virtual";

/** The nearest ancestor of `element` that scrolls vertically. */
function scrollParent(element: HTMLElement): HTMLElement | null {
  for (let node = element.parentElement; node; node = node.parentElement) {
    const overflow = getComputedStyle(node).overflowY;
    if (overflow === "auto" || overflow === "scroll") return node;
  }
  return null;
}

export interface VirtualOptions {
  /** A row's height with its gap before one is measured, so the first frame draws about a
   * screenful rather than everything. */
  estimate: number;
  /** The list scrolls itself (the sidebar's) rather than inside an ancestor (the library's). */
  scrollsItself?: boolean;
  /** For a grid: the narrowest a column may be, and the gap between tiles. */
  columnWidth?: number;
  /** The gap below each row, in pixels. */
  gap?: number;
}

/** A list drawn in part. Attach `attach` to the list element; draw `slice(items)` with
 * `above`/`below` pixels of padding; `offset` is the first drawn item's index. Until the page is
 * laid out (and where there is no window at all, as in server rendering) every item is drawn. */
export class VirtualList {
  #scrollTop = $state(0);
  // Until measured: the window's size, which the scrolling area is at most.
  #viewHeight = $state(typeof window === "undefined" ? 0 : window.innerHeight);
  #width = $state(typeof window === "undefined" ? 0 : window.innerWidth);
  #top = $state(0);
  #rowHeight = $state(0);
  readonly #count: () => number;
  readonly #options: VirtualOptions;

  /** `count` says how many items the list has now. */
  constructor(count: () => number, options: VirtualOptions) {
    this.#count = count;
    this.#options = options;
    this.#rowHeight = options.estimate;
  }

  /** Items per row. */
  readonly columns = $derived.by(() =>
    this.#options.columnWidth === undefined ? 1 : columnsFor(this.#width, this.#options.columnWidth, this.#options.gap ?? 0),
  );
  readonly #rows = $derived.by(() => Math.ceil(this.#count() / this.columns));
  readonly window: RowWindow = $derived(
    visibleRows({
      rows: this.#rows,
      rowHeight: this.#rowHeight,
      top: this.#top,
      scrollTop: this.#scrollTop,
      viewHeight: this.#viewHeight,
    }),
  );
  readonly #spacers = $derived(spacers(this.window, this.#rows, this.#rowHeight));

  get above(): number {
    return this.#spacers.above;
  }
  get below(): number {
    return this.#spacers.below;
  }
  get offset(): number {
    return this.window.first * this.columns;
  }

  /** The items to draw, of `items` (all of them until the page is measured). */
  slice<T>(items: T[]): T[] {
    return items.slice(this.offset, this.window.last * this.columns);
  }

  /** For `{@attach}` on the list element: follows its scrolling area's scroll and size. */
  readonly attach = (list: HTMLElement): (() => void) => {
    const scroller = this.#options.scrollsItself ? list : scrollParent(list);
    if (!scroller) return () => {};
    const measure = () => {
      this.#scrollTop = scroller.scrollTop;
      this.#viewHeight = scroller.clientHeight;
      this.#width = list.clientWidth;
      this.#top = this.#options.scrollsItself
        ? 0
        : list.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
      // Rows are alike: the first drawn one, with its gap, measures them all.
      const row = list.firstElementChild as HTMLElement | null;
      if (row && row.offsetHeight > 0) this.#rowHeight = row.offsetHeight + (this.#options.gap ?? 0);
    };
    let frame = 0;
    const soon = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        measure();
      });
    };
    measure();
    scroller.addEventListener("scroll", soon, { passive: true });
    const resized = new ResizeObserver(soon);
    resized.observe(scroller);
    resized.observe(list);
    return () => {
      if (frame) cancelAnimationFrame(frame);
      scroller.removeEventListener("scroll", soon);
      resized.disconnect();
    };
  };
}
