// 问题清单 (issue 18 item 3): the county's problems of the village, synced like every record.
// Counts by state on top (the domain's states and labels), then the items: 问题类别 first, then
// the household and the field, what is wrong and what to verify at the door. Each item opens
// its household at the field in question; the worker answers 核实无误 (the register is right:
// 不属实 with a note) or, after correcting the data, 已整改. The domain's actions decide
// (through the replica); a refusal shows its reasons. Closed items (已销号) leave the open list
// and stay under their count.

import { backend, errorMessage, type Finding, type ProblemAnswer, type ProblemList, type ProblemRow } from "../backend";
import { currentApp, go } from "../app";
import { h, mount } from "../dom";
import { syncBadge } from "../forms";
import { frame, toast } from "./shell";

/** The list's filter: the open items, or one state the domain names. */
let shown: { open: true } | { state: string } = { open: true };

/** The village home's line: the open problems by state, a button to the list. */
export async function problemSummary(villageId: string): Promise<HTMLElement | null> {
  let list: ProblemList | null;
  try {
    list = await backend().listProblems(villageId);
  } catch {
    return null;
  }
  // No problem on the device (before the county's first run): no line.
  if (!list?.rows?.length) return null;
  return h(
    "button",
    { class: "problem-summary", id: "problem-summary", onclick: () => go("#/problems") },
    h("span", { class: "label" }, "问题清单"),
    list.states.map((s) => h("span", { class: "badge", "data-state": s.state }, `${s.label_zh} ${s.n}`)),
  );
}

export async function problemsView(): Promise<HTMLElement> {
  const app = currentApp();
  const villageId = app.villageId;
  if (!villageId) return frame("问题清单", h("p", { class: "empty" }, "没有分配的村"), { back: "#/home" });
  const counts = h("div", { class: "counts", id: "problem-counts" });
  const items = h("div", { class: "problem-list", id: "problem-list" });
  const refresh = async () => {
    let list: ProblemList;
    try {
      list = await backend().listProblems(villageId);
    } catch (e) {
      mount(items, h("div", { class: "error-box" }, errorMessage(e)));
      return;
    }
    const pick = (f: typeof shown) => () => {
      shown = f;
      void refresh();
    };
    mount(
      counts,
      h(
        "button",
        { class: `count ${"open" in shown ? "active" : ""}`, "data-filter": "open", onclick: pick({ open: true }) },
        h("span", { class: "n" }, String(list.counts.open)),
        h("span", { class: "label" }, "未销号"),
      ),
      list.states.map((s) =>
        h(
          "button",
          {
            class: `count ${"state" in shown && shown.state === s.state ? "active" : ""}`,
            "data-filter": s.state,
            onclick: pick({ state: s.state }),
          },
          h("span", { class: "n" }, String(s.n)),
          h("span", { class: "label" }, s.label_zh),
        ),
      ),
    );
    const rows = list.rows.filter((r) => ("open" in shown ? r.open : r.state === shown.state));
    mount(
      items,
      rows.length === 0
        ? h("p", { class: "empty", id: "problems-empty" }, "open" in shown ? "没有待处理的问题" : "没有该状态的问题")
        : rows.map((r) => problemCard(r, refresh)),
    );
  };
  await refresh();
  const village = app.status.villages.find((v) => v.id === villageId);
  return frame(
    "问题清单",
    h(
      "div",
      { class: "problems" },
      h(
        "p",
        { class: "hint" },
        village ? `${village.town} ${village.name}：` : "",
        "县扶贫办下发的问题，到户核实。登记有误的先更正数据再标记已整改；登记无误的写明核实情况。",
      ),
      counts,
      items,
    ),
    { back: "#/home" },
  );
}

/** Where the household page opens for a problem: the record and field it is about. */
export function problemTarget(r: ProblemRow): string | null {
  // A village-side record (贫困村, 自然村 …) opens on the village screen.
  if (!r.household_id) return r.record_id ? `#/village/${r.record_id}${r.path ? `/${encodeURIComponent(r.path)}` : ""}` : null;
  const parts = [`#/household/${r.household_id}`];
  if (r.record_id) {
    parts.push(r.record_id);
    if (r.path) parts.push(encodeURIComponent(r.path));
  }
  return parts.join("/");
}

function problemCard(r: ProblemRow, refresh: () => Promise<void>): HTMLElement {
  const who = [r.head_name || (r.household_id ? "（未填户主）" : ""), r.household_number ?? ""].filter(Boolean).join(" · ");
  const target = problemTarget(r);
  const reasons = h("div", { class: "reasons" });
  const note = h("textarea", { class: "problem-note", rows: 2, placeholder: "核实情况或整改说明" });
  const answer = async (a: ProblemAnswer, done: string) => {
    try {
      const result = await backend().answerProblem(r.id, a);
      if (!result.done) {
        mount(reasons, result.findings.map((f: Finding) => h("div", { class: "error-box" }, f.message)));
        return;
      }
      toast(done);
      await refresh();
    } catch (e) {
      mount(reasons, h("div", { class: "error-box" }, errorMessage(e)));
    }
  };
  const answers = r.open
    ? h(
        "div",
        { class: "problem-answer" },
        note,
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              class: "secondary",
              "data-answer": "not_true",
              onclick: () => answer({ answer: "not_true", note: note.value }, "已记录：核实无误"),
            },
            "核实无误（不属实）",
          ),
          h(
            "button",
            {
              class: "primary",
              "data-answer": "corrected",
              onclick: () => answer({ answer: "corrected", note: note.value }, "已标记整改"),
            },
            "已整改",
          ),
        ),
        reasons,
      )
    : null;
  return h(
    "div",
    { class: "list-item card problem", "data-id": r.id, "data-state": r.state, "data-check": r.check },
    h(
      "div",
      { class: "problem-head" },
      h("strong", { class: "title" }, r.title),
      h("span", { class: "badge state" }, r.state_zh),
      r.fault_gone ? h("span", { class: "badge sync-synced fault-gone" }, "复核已消除") : null,
      r.waiting ? syncBadge("waiting") : null,
    ),
    h(
      "div",
      { class: "problem-where" },
      who ? h("span", { class: "household" }, who) : null,
      r.field_label ? h("span", { class: "field" }, r.field_label) : null,
      h("span", { class: "hint" }, `${r.severity_zh}${r.requirement ? ` · ${r.requirement}` : ""}`),
    ),
    h("p", { class: "text" }, r.text),
    h("p", { class: "hint verify" }, "核实要点：", r.verify),
    r.sent_back_reason ? h("p", { class: "error-box sent-back" }, "县扶贫办退回：", r.sent_back_reason) : null,
    r.verdict_zh
      ? h("p", { class: "verdict" }, `核实结论：${r.verdict_zh}`, r.verification_note ? `（${r.verification_note}）` : "")
      : null,
    r.correction_note ? h("p", { class: "correction" }, `整改说明：${r.correction_note}`) : null,
    r.closing_zh ? h("p", { class: "closing" }, `已销号：${r.closing_zh}`) : null,
    target
      ? h(
          "button",
          { class: "secondary open-household", onclick: () => go(target) },
          `${r.household_id ? "打开农户" : "打开村级表单"}${r.field_label ? `：${r.field_label}` : ""}`,
        )
      : null,
    answers,
  );
}

/**
 * After the entry window (the year's phases), a line on a record's screen saying plainly
 * whether it may still be changed: only records an open problem covers, in the verification
 * and correction phases. Empty while writes are open. Filled when the answer comes.
 */
export function writeNotice(recordId: string): HTMLElement {
  const el = h("div", { class: "write-notice", id: "write-notice", hidden: true });
  backend()
    .writeWindow(recordId)
    .then((w) => {
      if (w?.refusal) {
        el.className = "write-notice error-box";
        mount(el, w.refusal.message, "。本机可以保存，但县服务器不会接收。");
        el.hidden = false;
      }
    })
    .catch(() => {});
  return el;
}
