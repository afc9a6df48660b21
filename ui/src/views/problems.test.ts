import { beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { AppStatus, FormBundle, ProblemList, ProblemRow } from "../backend";
import { loadApp } from "../app";
import { problemSummary, problemTarget, problemsView, writeNotice } from "./problems";

// The screen draws what the replica answers (jiandang_replica::problems): its states, labels
// and rows come from the domain; the UI decides nothing.
const bundle: FormBundle = { version: 2, facts: {}, forms: [], code_lists: [] } as unknown as FormBundle;
const status: AppStatus = {
  enrolled: true,
  server_url: "http://127.0.0.1:1",
  user: { username: "u", display_name: "调查员", role: "survey_worker" },
  villages: [{ id: "v1", name: "张庄村", town: "城关镇" }],
  manual_position: true,
  spot_checker: false,
};

function problem(id: string, extra: Partial<ProblemRow> = {}): ProblemRow {
  return {
    id,
    title: "重要指标为空",
    check: "county.national.required",
    requirement: "§7.1",
    severity_zh: "须整改",
    state: "pending",
    state_zh: "待核实",
    open: true,
    household_id: "h1",
    household_number: "411400001",
    head_name: "王𠮷",
    record_kind: "household",
    record_id: "h1",
    path: "basic.phone",
    field_label: "联系电话",
    text: "联系电话为空",
    verify: "到户核实并补填所缺指标",
    rank: null,
    verdict_zh: null,
    verification_note: null,
    correction_note: null,
    sent_back_reason: null,
    fault_gone: false,
    closing_zh: null,
    waiting: false,
    ...extra,
  };
}

const list: ProblemList = {
  counts: { pending: 1, verified: 0, corrected: 0, closed: 1, open: 1 },
  states: [
    { state: "pending", label_zh: "待核实", n: 1 },
    { state: "verified", label_zh: "已核实", n: 0 },
    { state: "corrected", label_zh: "已整改", n: 0 },
    { state: "closed", label_zh: "已销号", n: 1 },
  ],
  rows: [
    problem("p1"),
    problem("p2", { state: "closed", state_zh: "已销号", open: false, closing_zh: "整改销号", title: "应退未退" }),
  ],
};

function shell(answers: Record<string, unknown>) {
  const calls: [string, unknown][] = [];
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    if (cmd.startsWith("plugin:event|")) return 1;
    const all: Record<string, unknown> = { get_form_bundle: bundle, app_status: status, sync_status: null, ...answers };
    const a = all[cmd];
    return (typeof a === "function" ? a(args) : a) ?? null;
  });
  return calls;
}

const settle = () => new Promise((r) => setTimeout(r, 10));

beforeEach(() => {
  clearMocks();
  location.hash = "";
});

describe("问题清单", () => {
  it("lists the open problems, category first, then the household and the field", async () => {
    shell({ list_problems: list });
    await loadApp();
    const el = await problemsView();
    document.body.replaceChildren(el);
    const cards = el.querySelectorAll("#problem-list .problem");
    expect(cards).toHaveLength(1);
    const card = cards[0]!;
    expect(card.querySelector(".title")?.textContent).toBe("重要指标为空");
    expect(card.querySelector(".household")?.textContent).toContain("王𠮷");
    expect(card.querySelector(".field")?.textContent).toBe("联系电话");
    expect(el.querySelector("[data-filter='open'] .n")?.textContent).toBe("1");
    expect(el.querySelector("[data-filter='closed'] .label")?.textContent).toBe("已销号");
  });

  it("shows the closed ones under their state's count", async () => {
    shell({ list_problems: list });
    await loadApp();
    const el = await problemsView();
    document.body.replaceChildren(el);
    (el.querySelector("[data-filter='closed']") as HTMLButtonElement).click();
    await settle();
    const cards = el.querySelectorAll("#problem-list .problem");
    expect(cards).toHaveLength(1);
    expect(cards[0]!.querySelector(".closing")?.textContent).toContain("整改销号");
    expect(cards[0]!.querySelector("[data-answer]")).toBeNull();
    (el.querySelector("[data-filter='open']") as HTMLButtonElement).click();
    await settle();
  });

  it("sends the worker's answer with the note and shows a refusal's reasons", async () => {
    const calls = shell({
      list_problems: list,
      answer_problem: { done: false, records: [], findings: [{ code: "problem.verify_note_missing", severity: "error", path: "verification.note", message: "核实不属实须写明核实情况" }] },
    });
    await loadApp();
    const el = await problemsView();
    document.body.replaceChildren(el);
    const card = el.querySelector("#problem-list .problem")!;
    (card.querySelector("textarea") as HTMLTextAreaElement).value = "到户核实，登记无误";
    (card.querySelector("[data-answer='not_true']") as HTMLButtonElement).click();
    await settle();
    expect(calls).toContainEqual(["answer_problem", { problemId: "p1", answer: { answer: "not_true", note: "到户核实，登记无误" } }]);
    expect(card.querySelector(".reasons")?.textContent).toContain("核实不属实须写明核实情况");
  });

  it("opens the household at the problem's field", () => {
    expect(problemTarget(problem("p1"))).toBe("#/household/h1/h1/basic.phone");
    expect(problemTarget(problem("p3", { household_id: null, record_id: "v9", path: "" }))).toBe("#/village/v9");
  });

  it("puts the counts by state on the village home", async () => {
    shell({ list_problems: list });
    await loadApp();
    const el = await problemSummary("v1");
    expect(el?.textContent).toContain("问题清单");
    expect(el?.textContent).toContain("待核实 1");
  });

  it("says plainly when a record can no longer be changed, naming the phase", async () => {
    shell({
      write_window: {
        open: false,
        phase_zh: "问题核实",
        refusal: { code: "phase.no_open_problem", severity: "error", path: "", message: "当前为“问题核实”阶段，只能核实、整改问题清单所列的问题；本记录没有待处理的问题" },
      },
    });
    const el = writeNotice("h2");
    await settle();
    expect(el.hidden).toBe(false);
    expect(el.textContent).toContain("问题核实");
  });
});
