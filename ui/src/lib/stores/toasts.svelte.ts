// Passing messages in the corner of the window: what an import did, why something failed and
// what to do about it. Information goes after a few seconds; errors stay until dismissed, or
// longer, so they can be read; progress stays until the work ends, and is the last to make
// room for newer toasts. The same message is never shown twice at once.

export type ToastKind = "info" | "error";

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** Work under way: stays until dismissed, however long the work takes. */
  lasting: boolean;
}

/** How long a toast stays, in milliseconds, by kind. */
export const TOAST_LIFETIME: Record<ToastKind, number> = { info: 6000, error: 15000 };

/** At most this many at once; the oldest goes first. */
export const MAX_TOASTS = 4;

export class ToastStore {
  toasts = $state<Toast[]>([]);
  #next = 1;
  /** Not reactive: only the toasts themselves are drawn. */
  #timers: Record<number, ReturnType<typeof setTimeout>> = {};

  info(message: string): number {
    return this.#show("info", message);
  }

  error(message: string): number {
    return this.#show("error", message);
  }

  /** Information about work under way; stays until dismissed, its message updated meanwhile. */
  progress(message: string): number {
    return this.#show("info", message, true);
  }

  /** Says something new in the toast `id`, where it is, if it is still shown. */
  update(id: number, message: string) {
    this.toasts = this.toasts.map((t) => (t.id === id ? { ...t, message } : t));
  }

  dismiss(id: number) {
    const timer = this.#timers[id];
    if (timer !== undefined) clearTimeout(timer);
    delete this.#timers[id];
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  #show(kind: ToastKind, message: string, lasting = false): number {
    const same = this.toasts.find((t) => t.kind === kind && t.message === message && !t.lasting);
    if (same) this.dismiss(same.id);
    const id = this.#next++;
    this.toasts = [...this.toasts, { id, kind, message, lasting }];
    while (this.toasts.length > MAX_TOASTS) {
      const oldest = this.toasts.find((t) => !t.lasting) ?? this.toasts[0];
      if (!oldest) break;
      this.dismiss(oldest.id);
    }
    if (!lasting) this.#timers[id] = setTimeout(() => this.dismiss(id), TOAST_LIFETIME[kind]);
    return id;
  }
}
