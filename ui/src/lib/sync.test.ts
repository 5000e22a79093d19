import { describe, expect, it } from "vitest";
import type { SyncStatus } from "./ipc/bindings";
import { accountLabel, pendingText, syncLine } from "./sync";

const account = { kind: "gpodder" as const, server: "https://gpodder.example.org", user: "sam", device: "desk" };
const now = Date.UTC(2026, 11, 2, 12, 0, 0);
const status = (overrides: Partial<SyncStatus>): SyncStatus => ({
  account,
  password: "keyring",
  lastSyncAt: null,
  pendingChanges: 0,
  lastError: null,
  ...overrides,
});

describe("sync in words", () => {
  it("names the account", () => {
    expect(accountLabel(account)).toBe("sam on gpodder.example.org");
    expect(accountLabel({ ...account, kind: "nextcloud", server: "cloud.example.org" })).toBe(
      "sam on cloud.example.org (Nextcloud)",
    );
  });

  it("counts what waits", () => {
    expect(pendingText(0)).toBe("");
    expect(pendingText(1)).toBe("1 change waits to be sent");
    expect(pendingText(1200)).toBe("1,200 changes wait to be sent");
  });

  it("says how the last sync went", () => {
    expect(syncLine(status({ account: null }), now)).toBe("Not signed in");
    expect(syncLine(status({}), now)).toBe("Not synced yet");
    expect(syncLine(status({ lastSyncAt: now / 1000 - 120 }), now)).toBe("Synced 2 minutes ago");
    expect(syncLine(status({ password: "missing" }), now)).toBe("Sign in again: no password is kept");
    const unreachable = { kind: "unreachable" as const, message: "The server could not be reached" };
    expect(syncLine(status({ lastError: unreachable, pendingChanges: 12 }), now)).toBe(
      "The server could not be reached; 12 changes will be sent later",
    );
    expect(syncLine(status({ lastError: unreachable }), now)).toBe("The server could not be reached");
  });
});
