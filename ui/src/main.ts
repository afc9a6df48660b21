// Entry point: loads the bundle and status, then shows the screen the hash names.

import { errorMessage } from "./backend";
import { currentApp, loadApp, route } from "./app";
import { h, mount } from "./dom";
import { loginView } from "./views/login";
import { homeView } from "./views/home";
import { householdView } from "./views/household";
import { villageView } from "./views/village";
import { syncView } from "./views/sync";

const root = document.getElementById("app")!;

async function show(): Promise<void> {
  const app = currentApp();
  const [screen, arg] = route();
  if (!app.status.enrolled) {
    mount(root, await loginView());
    return;
  }
  switch (screen) {
    case "household":
      mount(root, await householdView(arg ?? ""));
      break;
    case "village":
      mount(root, await villageView());
      break;
    case "sync":
      mount(root, await syncView());
      break;
    default:
      mount(root, await homeView());
  }
  window.scrollTo(0, 0);
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
