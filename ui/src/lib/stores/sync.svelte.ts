// How sync stands, kept current from Rust's SyncChanged events (after every sync, sign-in and
// sign-out); the sidebar and Settings read it from here.
import type { Backend, Unlisten } from "../api/backend";
import type { SyncAccount, SyncReport, SyncStatus } from "../ipc/bindings";

export class SyncStore {
  status: SyncStatus | null = $state.raw(null);
  /** A sync the listener asked for is under way. */
  syncing = $state(false);
  readonly signedIn: boolean = $derived(this.status?.account != null);
  readonly #backend: Backend;
  #unlisten: Unlisten | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async start(): Promise<void> {
    this.#unlisten = await this.#backend.onSyncChanged((status) => {
      this.status = status;
    });
    this.status = await this.#backend.syncStatus();
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
  }

  async signIn(account: SyncAccount, password: string): Promise<void> {
    this.status = await this.#backend.syncLogin(account, password);
  }

  async syncNow(): Promise<SyncReport> {
    this.syncing = true;
    try {
      const report = await this.#backend.syncNow();
      this.status = await this.#backend.syncStatus();
      return report;
    } finally {
      this.syncing = false;
    }
  }

  async signOut(): Promise<void> {
    await this.#backend.syncLogout();
    this.status = await this.#backend.syncStatus();
  }
}
