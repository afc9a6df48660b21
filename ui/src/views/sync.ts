// Sync screen: what waits, photos uploaded, last success, refusals (the field by its form
// label, the server's reason, a way to open the record and to resend that one change),
// conflicts the county sent back; says plainly when the server cannot be reached, and when
// the phone's clock is wrong.

import { backend, errorMessage, type RecordPlace, type SyncStatus } from "../backend";
import { currentApp, go } from "../app";
import { h, mount } from "../dom";
import { fieldLabel, formFor } from "../forms";
import { frame, syncSentence } from "./shell";

/** The page that shows a record: its household's, or the village page. */
export function recordHash(p: RecordPlace, recordId: string, field: string): string {
  const f = encodeURIComponent(field);
  return p.household_id ? `#/household/${p.household_id}/${recordId}/${f}` : `#/village/${recordId}/${f}`;
}

/** "贫困户信息采集表 · 户编号 …": which form and which household a change is about. */
function whereText(p: RecordPlace): string {
  const app = currentApp();
  const form = p.kind ? formFor(app.bundle, p.kind)?.title_zh ?? p.kind : "本机没有的记录";
  return p.household_number ? `${form} · 户编号 ${p.household_number}` : form;
}

/** The line that tells the user the phone's clock is wrong; `skewMs` is server minus device. */
export function clockSentence(skewMs: number): string {
  const off = Math.abs(skewMs);
  const minutes = Math.round(off / 60_000);
  const hours = Math.round(off / 3_600_000);
  const days = Math.round(off / 86_400_000);
  const amount = days >= 1 ? `${days} 天` : hours >= 1 ? `${hours} 小时` : `${minutes} 分钟`;
  return `本机时间不准：比县服务器${skewMs < 0 ? "快" : "慢"}约 ${amount}。请在手机设置中校正时间（打开“自动设置时间”）；在此之前，修改按服务器时间记录。`;
}

const RESENT: Record<string, string> = {
  requeued: "已重新提交，下次同步时上传",
  superseded: "该字段之后已有新的修改，会随新修改一起上传，无需重新提交",
  not_refused: "这项修改已不在退回列表中",
};

function render(el: HTMLElement, s: SyncStatus, refresh: (s: SyncStatus) => void): void {
  const app = currentApp();
  const note = h("div", { id: "resend-result", role: "status" });
  mount(
    el,
    h("div", { class: `sync-summary ${s.online === false ? "offline" : ""}`, id: "sync-sentence" }, syncSentence(s)),
    s.last_error ? h("div", { class: "error-box", id: "sync-error", "data-code": s.last_error.code }, s.last_error.message) : null,
    s.clock_wrong && s.clock_skew_ms !== null ? h("div", { class: "error-box", id: "clock-wrong" }, clockSentence(s.clock_skew_ms)) : null,
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
    note,
    s.refused.length === 0
      ? h("p", { class: "empty" }, "没有")
      : h(
          "ul",
          { class: "refused", id: "refused" },
          s.refused.map((r) =>
            h(
              "li",
              { "data-code": r.code, "data-change": r.change_id, class: "card" },
              h("div", { class: "refused-field" }, h("strong", {}, fieldLabel(app.bundle, r.kind, r.field)), " · ", whereText(r)),
              h("div", { class: "refused-reason" }, `退回原因：${r.message}`),
              h(
                "div",
                { class: "actions" },
                h(
                  "button",
                  { class: "secondary", "data-action": "open", onclick: () => go(recordHash(r, r.record_id, r.field)) },
                  "打开记录修改",
                ),
                h(
                  "button",
                  {
                    class: "primary",
                    "data-action": "resend",
                    onclick: async () => {
                      try {
                        const a = await backend().resend(r.change_id);
                        refresh(a.status);
                        mount(document.getElementById("resend-result") ?? note, h("div", { class: "ok-box" }, RESENT[a.outcome]));
                      } catch (e) {
                        mount(note, h("div", { class: "error-box" }, errorMessage(e)));
                      }
                    },
                  },
                  "重新提交",
                ),
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
            h(
              "li",
              { class: "card" },
              h("div", {}, h("strong", {}, fieldLabel(app.bundle, c.kind, c.field)), " · ", whereText(c)),
              h("div", {}, `本机填写 ${JSON.stringify(c.mine)}，县里采用 ${JSON.stringify(c.theirs)}`),
              h("button", { class: "secondary", onclick: () => go(recordHash(c, c.record_id, c.field)) }, "打开记录"),
            ),
          ),
        ),
    // Another user of this phone signs in here: this user's data (unsent edits too) stays
    // sealed on the phone, encrypted, until they sign in again (docs/app.md).
    h("h2", {}, "切换用户"),
    h("p", { class: "hint" }, "换人使用本机时登录自己的账号。当前用户的数据（含未上传的修改）加密保存在本机，其再次登录后继续同步。"),
    h("button", { class: "secondary", id: "switch-user", onclick: () => go("#/login") }, "切换用户"),
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
