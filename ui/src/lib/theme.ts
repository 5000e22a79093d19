// The colour scheme: `data-theme` on the root element is always "light" or "dark"; with the
// "system" setting it follows the system's preference as that changes.
import type { Theme } from "./ipc/bindings";

const darkQuery = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
let current: Theme = "system";

export function resolveTheme(theme: Theme, systemDark: boolean): "light" | "dark" {
  if (theme === "system") return systemDark ? "dark" : "light";
  return theme;
}

function paint() {
  document.documentElement.dataset.theme = resolveTheme(current, darkQuery?.matches ?? false);
}

darkQuery?.addEventListener("change", paint);

export function applyTheme(theme: Theme): void {
  current = theme;
  paint();
}
