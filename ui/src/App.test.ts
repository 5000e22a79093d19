import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import App from "./App.svelte";
import type { Backend } from "./lib/api/backend";

describe("App", () => {
  it("keeps the OPML file chooser out of sight: only the Import button shows", () => {
    const { body } = render(App, { props: { backend: {} as Backend } });
    const input = body.match(/<input[^>]*data-testid="opml-file"[^>]*>/)?.[0] ?? "";
    expect(input).toContain('type="file"');
    // Visually hidden by class, so that nothing (a test, an extension) un-hiding it draws it.
    expect(input).toMatch(/class="[^"]*\bvisually-hidden\b/);
    expect(input).toContain('tabindex="-1"');
    expect(input).toContain('aria-hidden="true"');
    expect(body).toContain('data-testid="import-opml"');
  });
});
