// Notes shown a few lines deep offer "Show more…" only when the lines hide something: a box is
// clamped when its text is taller than the box. Measured when the box is drawn and again when
// its size changes (the window resized), through one shared ResizeObserver, which reports after
// layout and skips rows the browser is not laying out, so a long list costs no extra layouts.

/** Whether a clamped box hides part of its text (a pixel of rounding hides nothing). */
export function isClamped(box: { scrollHeight: number; clientHeight: number }): boolean {
  return box.scrollHeight - box.clientHeight > 1;
}

/** The toggle under notes, or null when everything already shows. */
export function notesToggle(open: boolean, clamped: boolean): string | null {
  if (open) return "Show less";
  return clamped ? "Show more…" : null;
}

let observer: ResizeObserver | null = null;
const measures = new WeakMap<Element, () => void>();

/** Calls `measure` once `element` is laid out and whenever its size changes, until stopped. */
export function whenResized(element: Element, measure: () => void): () => void {
  if (typeof ResizeObserver === "undefined") {
    measure();
    return () => {};
  }
  observer ??= new ResizeObserver((entries) => {
    for (const entry of entries) measures.get(entry.target)?.();
  });
  measures.set(element, measure);
  observer.observe(element);
  return () => {
    observer?.unobserve(element);
    measures.delete(element);
  };
}
