// The frame around every screen after enrolment: title bar (back and a one-line title),
// sync line, and the navigation in a bottom bar, where a thumb reaches it on a phone.

import { backend, type SyncStatus } from "../backend";
import { currentApp, go } from "../app";
import { h } from "../dom";

/** The plain sentence about sync the user sees at the top of each screen. */
export function syncSentence(s: SyncStatus): string {
  if (s.running) return "正在同步……";
  if (s.online === false) {
    return s.waiting_changes > 0
      ? `无法连接县服务器。${s.waiting_changes} 项修改已保存在本机，联网后自动同步。`
      : "无法连接县服务器。可以继续离线工作。";
  }
  if (s.refused.length > 0) return `${s.refused.length} 项修改被服务器退回，请到“同步”页处理。`;
  if (s.waiting_changes > 0) return `${s.waiting_changes} 项修改待同步`;
  return "全部已同步";
}

export function frame(title: string, body: Node, opts: { back?: string } = {}): HTMLElement {
  const line = h("div", { class: "sync-line", id: "sync-line" }, "");
  backend()
    .syncStatus()
    .then((s) => {
      line.textContent = syncSentence(s);
      line.dataset.state = s.online === false ? "offline" : s.refused.length ? "refused" : s.waiting_changes ? "waiting" : "ok";
    })
    .catch(() => {
      line.textContent = "";
    });
  return h(
    "div",
    { class: "screen" },
    h(
      "header",
      { class: "topbar" },
      opts.back ? h("button", { class: "nav back", onclick: () => go(opts.back!) }, "‹ 返回") : null,
      // A long name is cut with an ellipsis rather than wrapped; the whole name is its title.
      h("h1", { title }, title),
    ),
    line,
    h("main", {}, body),
    h(
      "nav",
      { class: "bottom-nav", id: "bottom-nav" },
      // A supervisor works from its worklist; the register's pages are not its own.
      currentApp().status.spot_checker
        ? h("button", { class: "nav", id: "nav-home", onclick: () => go("#/home") }, "核查任务")
        : [
            h("button", { class: "nav", id: "nav-home", onclick: () => go("#/home") }, "农户"),
            h("button", { class: "nav", id: "nav-village", onclick: () => go("#/village") }, "村级"),
          ],
      h("button", { class: "nav", id: "nav-sync", onclick: () => go("#/sync") }, "同步"),
    ),
  );
}

/** A short message that fades (saved, refused...). */
export function toast(text: string, kind: "ok" | "error" = "ok"): void {
  const el = h("div", { class: `toast ${kind}`, role: "status" }, text);
  document.body.appendChild(el);
  setTimeout(() => el.remove(), 3000);
}
