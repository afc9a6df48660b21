// Sync screen: what waits, photos uploaded, last success, refusals with a way to resend,
// conflicts the county sent back; says plainly when the server cannot be reached.

import { backend, errorMessage, type SyncStatus } from "../backend";
import { h, mount } from "../dom";
import { frame, syncSentence } from "./shell";

function render(el: HTMLElement, s: SyncStatus, refresh: (s: SyncStatus) => void): void {
  mount(
    el,
    h("div", { class: `sync-summary ${s.online === false ? "offline" : ""}`, id: "sync-sentence" }, syncSentence(s)),
    s.last_error ? h("div", { class: "error-box", id: "sync-error", "data-code": s.last_error.code }, s.last_error.message) : null,
    h(
      "dl",
      { class: "sync-facts" },
      h("dt", {}, "待同步的修改"),
      h("dd", { id: "waiting-changes" }, String(s.waiting_changes)),
      h("dt", {}, "照片上传"),
      h("dd", { id: "photos-progress" }, `${s.photos_uploaded} / ${s.photos_total}`),
      h("dt", {}, "上次成功同步"),
      h("dd", { id: "last-success" }, s.last_success ?? "从未"),
    ),
    h("h2", {}, `被退回的修改（${s.refused.length}）`),
    s.refused.length === 0
      ? h("p", { class: "empty" }, "没有")
      : h(
          "ul",
          { class: "refused", id: "refused" },
          s.refused.map((r) =>
            h(
              "li",
              { "data-code": r.code },
              h("div", {}, r.message),
              h("div", { class: "hint" }, `字段：${r.field}`),
              h(
                "button",
                {
                  class: "secondary",
                  onclick: async () => {
                    try {
                      refresh(await backend().resend(r.change_id));
                    } catch (e) {
                      alert(errorMessage(e));
                    }
                  },
                },
                "修改后重新提交",
              ),
            ),
          ),
        ),
    h("h2", {}, `县里退回的冲突（${s.conflicts.length}）`),
    s.conflicts.length === 0
      ? h("p", { class: "empty" }, "没有")
      : h(
          "ul",
          { class: "conflicts", id: "conflicts" },
          s.conflicts.map((c) =>
            h("li", {}, `字段 ${c.field}：本机 ${JSON.stringify(c.mine)}，县里采用 ${JSON.stringify(c.theirs)}`),
          ),
        ),
  );
}

export async function syncView(): Promise<HTMLElement> {
  const box = h("div", { class: "sync-box", id: "sync-box" });
  const bar = h("progress", { id: "sync-progress", max: 1, value: 0 });
  const barText = h("div", { class: "progress-text", id: "sync-progress-text" }, "");
  const refresh = (s: SyncStatus) => {
    render(box, s, refresh);
    // The frame's status line was written when the screen opened; keep it in step.
    const line = document.getElementById("sync-line");
    if (line) line.textContent = syncSentence(s);
    if (line) line.dataset.state = s.online === false ? "offline" : s.refused.length ? "refused" : s.waiting_changes ? "waiting" : "ok";
  };
  refresh(await backend().syncStatus());
  const un = await backend().onSyncProgress((p) => {
    if (!document.body.contains(box)) {
      un();
      return;
    }
    bar.max = Math.max(p.total, 1);
    bar.value = p.done;
    barText.textContent = p.message;
    if (p.phase === "idle" || p.phase === "offline") backend().syncStatus().then(refresh);
  });
  const now = h(
    "button",
    {
      class: "primary big",
      id: "sync-now",
      onclick: async () => {
        now.disabled = true;
        try {
          refresh(await backend().syncNow());
        } catch (e) {
          barText.textContent = errorMessage(e);
        } finally {
          now.disabled = false;
        }
      },
    },
    "立即同步",
  );
  return frame("同步", h("div", {}, now, bar, barText, box));
}
