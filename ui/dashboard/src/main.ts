// The county dashboard: signs in with a session, then shows the screens the role opens,
// routed by the URL's fragment (`#/progress`, `#/households?q=…`, `#/household/<id>`, …).

import "./style.css";
import { h, mount } from "../../src/dom";
import { api, ApiFailure, whenSignedOut } from "./api";
import { type Ctx, failure, go, loading } from "./ui";
import { progressView } from "./views/progress";
import { householdsView, householdView } from "./views/households";
import { conflictsView } from "./views/conflicts";
import { adminView } from "./views/admin";
import { summaryView } from "./views/summary";
import { mapView } from "./views/map";
import { problemsView } from "./views/problems";
import { spotChecksView, tasksView } from "./views/spotchecks";

const root = document.getElementById("app")!;
let ctx: Ctx | null = null;

interface Screen {
  path: string;
  title: string;
  /** Only for users who administer the county. */
  admin?: boolean;
  /** Only for users who read the register (not a supervisor: its checks stay blind). */
  register?: boolean;
  /** Only for users who check spot-check households (a supervisor's worklist). */
  checker?: boolean;
  view: (ctx: Ctx, params: URLSearchParams, rest: string) => Promise<HTMLElement> | HTMLElement;
}

const SCREENS: Screen[] = [
  { path: "progress", title: "工作进度", register: true, view: progressView },
  { path: "households", title: "农户", register: true, view: householdsView },
  { path: "problems", title: "问题清单", register: true, view: problemsView },
  { path: "spotchecks", title: "抽样核查", admin: true, view: spotChecksView },
  { path: "tasks", title: "抽查任务", checker: true, view: tasksView },
  { path: "conflicts", title: "冲突", admin: true, view: conflictsView },
  { path: "map", title: "地图", register: true, view: mapView },
  { path: "admin", title: "管理", admin: true, view: adminView },
  { path: "summary", title: "总结", register: true, view: summaryView },
];

/** The screens the session opens (the server says what the role may; the endpoints check). */
function screensOf(c: Ctx): Screen[] {
  const s = c.session;
  return SCREENS.filter((x) => (!x.admin || s.administers) && (!x.register || s.sees_register) && (!x.checker || s.checks_spots));
}

function route(): { path: string; rest: string; params: URLSearchParams } {
  const hash = location.hash.replace(/^#\/?/, "");
  const [pathPart, query = ""] = hash.split("?");
  const [path, ...rest] = pathPart.split("/");
  return { path, rest: rest.join("/"), params: new URLSearchParams(query) };
}


async function render(): Promise<void> {
  if (!ctx) return;
  const screens = screensOf(ctx);
  const r = route();
  const { rest, params } = r;
  // No fragment: the first screen the role opens (工作进度; a supervisor's 抽查任务).
  const path = r.path || screens[0]?.path || "progress";
  const main = h("main", { id: "screen" }, loading());
  const nav = h(
    "nav",
    { class: "nav", "aria-label": "主菜单" },
    screens.map((s) =>
      h(
        "a",
        {
          href: `#/${s.path}`,
          id: `nav-${s.path}`,
          class: s.path === path || (path === "household" && s.path === "households") ? "active" : null,
        },
        s.title,
      ),
    ),
  );
  const user = ctx.session.user;
  const shell = h(
    "div",
    { class: "shell" },
    h(
      "header",
      { class: "top" },
      h("div", { class: "brand" }, "建档 · 县级看板"),
      nav,
      h(
        "div",
        { class: "who" },
        h("span", { id: "who" }, user.display_name === ctx.session.role_zh ? `${user.display_name} · ${user.username}` : `${user.display_name} · ${ctx.session.role_zh}`),
        h("button", { type: "button", id: "sign-out", class: "link", onclick: () => void signOut() }, "退出"),
      ),
    ),
    main,
  );
  mount(root, shell);
  const screen =
    path === "household" && ctx.session.sees_register ? { title: "农户档案", view: householdView } : screens.find((s) => s.path === path);
  if (!screen) {
    main.replaceChildren(failure(new ApiFailure(404, "not_found", "没有这个页面"), () => go(`#/${screens[0]?.path ?? ""}`)));
    return;
  }
  document.title = `${screen.title} · 建档县级看板`;
  try {
    main.replaceChildren(await screen.view(ctx, params, rest));
  } catch (e) {
    main.replaceChildren(failure(e, () => void render()));
  }
}

async function signOut(): Promise<void> {
  try {
    await api.signOut();
  } catch {
    // Signed out either way: the cookie is cleared by the answer, or the session is gone.
  }
  ctx = null;
  signInView();
}

function signInView(message?: string): void {
  const user = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("div", { class: "error-box", id: "sign-in-error", role: "alert", hidden: !message }, message ?? "");
  const button = h("button", { type: "submit", id: "sign-in" }, "登录");
  const form = h(
    "form",
    {
      class: "sign-in",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        button.disabled = true;
        button.textContent = "正在登录……";
        error.hidden = true;
        try {
          await api.signIn(user.value.trim(), pass.value);
          await start();
        } catch (e) {
          error.textContent = e instanceof ApiFailure ? e.message : "登录失败：请重试";
          error.hidden = false;
          button.disabled = false;
          button.textContent = "登录";
        }
      },
    },
    h("h1", {}, "建档 · 县级看板"),
    h("p", { class: "hint" }, "县级管理员、乡镇扶贫干部和督查员用本人账号登录。调查员和工作队员请使用建档应用。"),
    h("label", {}, "用户名", user),
    h("label", {}, "密码", pass),
    error,
    button,
  );
  mount(root, h("div", { class: "sign-in-page" }, form));
  user.focus();
}

async function start(): Promise<void> {
  mount(root, loading("正在加载县级看板……"));
  let session;
  try {
    session = await api.session();
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) return signInView();
    mount(root, failure(e, () => void start()));
    return;
  }
  try {
    ctx = { session, bundle: await api.forms() };
  } catch (e) {
    mount(root, failure(e, () => void start()));
    return;
  }
  await render();
}

whenSignedOut(() => {
  if (ctx) {
    ctx = null;
    signInView("登录已过期或已退出，请重新登录");
  }
});
window.addEventListener("hashchange", () => void render());
void start();
