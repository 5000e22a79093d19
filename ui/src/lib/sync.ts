// How sync stands, in words: the account, the last sync, what waits, what went wrong.
import { formatRelativeDate } from "./format";
import type { SyncAccount, SyncStatus } from "./ipc/bindings";

/** "sam on gpodder.example.org" / "sam on cloud.example.org (Nextcloud)". */
export function accountLabel(account: SyncAccount): string {
  let host = account.server;
  try {
    host = new URL(account.server).host || account.server;
  } catch {
    // Shown as typed.
  }
  return `${account.user} on ${host}${account.kind === "nextcloud" ? " (Nextcloud)" : ""}`;
}

/** "12 changes wait to be sent", or nothing when none wait. */
export function pendingText(count: number): string {
  if (count <= 0) return "";
  return count === 1 ? "1 change waits to be sent" : `${count.toLocaleString("en")} changes wait to be sent`;
}

/** The one line the sidebar and Settings show: the last sync, or why it failed. */
export function syncLine(status: SyncStatus, nowMs = Date.now()): string {
  if (!status.account) return "Not signed in";
  if (status.password === "missing") return "Sign in again: no password is kept";
  if (status.lastError) {
    const count = status.pendingChanges;
    if (count <= 0) return status.lastError.message;
    const later = count === 1 ? "1 change will be sent later" : `${count.toLocaleString("en")} changes will be sent later`;
    return `${status.lastError.message}; ${later}`;
  }
  if (status.lastSyncAt === null) return "Not synced yet";
  return `Synced ${formatRelativeDate(status.lastSyncAt, nowMs)}`;
}
