// Entry point: loads the bundle and status, then shows the screen the hash names.

import { errorMessage } from "./backend";
import { currentApp, loadApp, route } from "./app";
import { h, mount } from "./dom";
import { showFocus } from "./forms";
import { loginView } from "./views/login";
import { homeView } from "./views/home";
import { flushPendingSaves, householdView } from "./views/household";
import { villageView } from "./views/village";
import { syncView } from "./views/sync";
import { spotCheckView, spotHomeView, spotScreenView } from "./views/spotcheck";
import { problemsView } from "./views/problems";

const root = document.getElementById("app")!;

// A phone may end the app once it is in the background: what was typed is saved first.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") void flushPendingSaves();
});

async function show(): Promise<void> {
  const app = currentApp();
  const [screen, arg, focusId, focusField] = route();
  const focus = focusId ? { recordId: focusId, field: focusField ? decodeURIComponent(focusField) : undefined } : undefined;
  if (!app.status.enrolled) {
    mount(root, await loginView());
    return;
  }
  switch (screen) {
    case "login":
      // Another user signs in on this phone (the sync screen's 切换用户).
      mount(root, await loginView());
      break;
    case "household":
      mount(root, await householdView(arg ?? "", focus));
      break;
    case "village":
      mount(root, await villageView(arg ? { recordId: arg, field: focusId ? decodeURIComponent(focusId) : undefined } : undefined));
      break;
    case "sync":
      mount(root, await syncView());
      break;
    case "spot-check":
      mount(root, await spotCheckView(arg ?? ""));
      break;
    case "spot-screen":
      mount(root, await spotScreenView(arg ?? ""));
      break;
    case "problems":
      mount(root, await problemsView());
      break;
    default:
      // A supervisor's home is its worklist of drawn households (督导核查).
      mount(root, app.status.spot_checker ? await spotHomeView() : await homeView());
  }
  window.scrollTo(0, 0);
  const target = screen === "village" ? (arg ? { recordId: arg, field: focusId } : undefined) : focus;
  if (target) showFocus(root, target.recordId, target.field ? decodeURIComponent(target.field) : undefined);
}

async function start(): Promise<void> {
  try {
    await loadApp();
  } catch (e) {
    mount(root, h("div", { class: "fatal" }, "应用启动失败：", errorMessage(e)));
    return;
  }
  window.addEventListener("hashchange", () => {
    show().catch((e) => mount(root, h("div", { class: "fatal" }, errorMessage(e))));
  });
  await show();
}

start();
