import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import AddPodcast from "./AddPodcast.svelte";

function dialog(link: string | null) {
  const body = render(AddPodcast, {
    props: { link, subscribe: async () => Promise.reject(new Error("unused")), onadded: () => {}, onclose: () => {} },
  }).body;
  const field = body.match(/<input[^>]*data-testid="add-podcast-url"[^>]*>/)?.[0] ?? "";
  const submit = body.match(/<button[^>]*data-testid="add-podcast-submit"[^>]*>/)?.[0] ?? "";
  return { field, submit };
}

describe("AddPodcast", () => {
  it("takes a bare address: a text field the browser does not validate as a URL", () => {
    const { field, submit } = dialog("example.com/feed");
    expect(field).toContain('type="text"');
    expect(field).not.toContain('type="url"');
    expect(field).toContain('inputmode="url"');
    expect(field).toContain('autocomplete="off"');
    expect(field).toContain('spellcheck="false"');
    expect(field).toContain('value="example.com/feed"');
    expect(submit).not.toContain("disabled");
  });

  it("asks only for something to be typed", () => {
    expect(dialog(null).submit).toContain("disabled");
    expect(dialog("   ").submit).toContain("disabled");
  });
});
