import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { tauriBackend } from "./lib/api/backend";
import { markDrawn } from "./lib/startup";
import { applyTheme } from "./lib/theme";

// The system's scheme until the settings say otherwise, so the first paint is already right.
applyTheme("system");

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");
const app = mount(App, { target });
markDrawn("firstPaint", tauriBackend.uiDrawn);
export default app;
