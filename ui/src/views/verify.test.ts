// Verify mode of the household page (入户核实 at the door, C1, issue 17), over the real form
// bundle: the domain's own output, as its snapshot test keeps it
// (crates/jiandang-domain/tests/snapshots/form_bundle__form_bundle.snap), not a copy
// written here. The shell's commands are mocked (mockIPC); the screens are the real ones.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { AppStatus, FormBundle, HouseholdBundle, RecordView, SaveRequest, SectionCheck, SyncStatus, VisitRequest } from "../backend";
import { loadApp } from "../app";
import { formFor } from "../forms";
import { flushPendingSaves, householdView } from "./household";
import { sectionValues, visitSections } from "./verify";

/** The form bundle `jiandang_domain::catalog::bundle()` makes (insta's header cut off). */
function realBundle(): FormBundle {
  // Vitest runs from ui/ (npm test, scripts/test.sh).
  const snap = readFileSync(resolve(process.cwd(), "../crates/jiandang-domain/tests/snapshots/form_bundle__form_bundle.snap"), "utf8");
  return JSON.parse(snap.split(/^---$/m)[2]!) as FormBundle;
}
const bundle = realBundle();
const household = formFor(bundle, "household")!;
const facts = bundle.facts;

const status: AppStatus = {
  enrolled: true,
  server_url: "http://127.0.0.1:1",
  user: { username: "u", display_name: "调查员", role: "survey_worker" },
  villages: [{ id: "v1", name: "张庄村", town: "城关镇" }],
  manual_position: true,
  spot_checker: false,
};
const online: SyncStatus = {
  online: true, running: false, waiting_changes: 0, photos_total: 0, photos_uploaded: 0,
  last_success: null, last_error: null, refused: [], conflicts: [], clock_wrong: false, clock_skew_ms: 0,
};

function rec(id: string, kind: string, fields: Record<string, unknown>, pending: string[] = []): RecordView {
  return { id, kind, village_id: "v1", fields, sync: pending.length ? "waiting" : "synced", pending };
}

/** A household of the register, as the demo county has them. */
const values = {
  village_id: "v1",
  "basic.household_number": "411402001001",
  "basic.phone": "13800000000",
  "basic.identified_year": 2014,
  "income.wage": "3400.00",
  "living.dilapidated": false,
};

function householdBundle(over: Partial<HouseholdBundle> = {}): HouseholdBundle {
  return {
    household: rec("h1", "household", values),
    members: [rec("m1", "member", { name: "王𠮷", relationship: facts.head_relationship, household_id: "h1" })],
    member_changes: [], procedure: [], visits: [], exit_measures: null, gps: [], photos: [],
    findings: [], record_findings: {}, actions: null, natural_villages: [], helpers: [],
    verify: true,
    ...over,
  };
}

function shell(hb: HouseholdBundle) {
  const calls: [string, unknown][] = [];
  const answers: Record<string, unknown> = {
    get_form_bundle: bundle,
    app_status: status,
    sync_status: online,
    get_household: hb,
    validate_record: [],
    save_record: ({ req }: { req: SaveRequest }) => ({ record: rec("h1", "household", req.fields, ["income.wage"]), findings: [] }),
    record_visit: { done: true, records: [], findings: [] },
  };
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    if (cmd.startsWith("plugin:event|")) return 1;
    const a = answers[cmd];
    return (typeof a === "function" ? a(args) : a) ?? null;
  });
  return calls;
}

const settle = () => new Promise((r) => setTimeout(r, 10));
Element.prototype.scrollIntoView = () => {};

async function open(hb: HouseholdBundle = householdBundle()) {
  const calls = shell(hb);
  await loadApp();
  const el = await householdView("h1");
  document.body.replaceChildren(el);
  return { el, calls };
}

function click(el: ParentNode, css: string) {
  const b = el.querySelector<HTMLButtonElement>(css);
  if (!b) throw new Error(`no ${css}`);
  b.click();
}

/** The sections of the visit the domain defines, in order. */
const codes = visitSections(bundle).map((s) => s.code);

/** The visit recorded through the shell: its sections. */
function recorded(calls: [string, unknown][]): SectionCheck[] | undefined {
  const call = calls.find(([c]) => c === "record_visit");
  return call ? (call[1] as { sections: VisitRequest["sections"] }).sections : undefined;
}

beforeEach(() => {
  clearMocks();
  localStorage.clear();
  location.hash = "#/household/h1";
});

afterEach(async () => {
  await flushPendingSaves();
  await settle();
});

describe("verify mode (入户核实, C1)", () => {
  it("shows every section of the domain's household form with its values, read-only", async () => {
    const { el } = await open();
    const cards = [...el.querySelectorAll<HTMLElement>(".verify-section")];
    expect(cards.map((c) => c.dataset.section)).toEqual(household.sections.map((s) => s.id));
    expect(cards.map((c) => c.querySelector("h2")?.textContent)).toEqual(household.sections.map((s) => s.title_zh));
    const income = el.querySelector(".verify-section[data-section='income']")!;
    expect(income.querySelector("dd[data-path='income.wage']")?.textContent).toBe("3400.00 元");
    expect(el.querySelector(".verify-section[data-section='living'] dd[data-path='living.dilapidated']")?.textContent).toBe("否");
    // Nothing to type into until a section is opened for a change.
    expect(el.querySelectorAll("#household-main input, #household-main select")).toHaveLength(0);
    expect(el.querySelector("#door-progress")?.textContent).toBe(`入户核实：已核 0 / ${codes.length} 项`);
  });

  it("confirms each section in one tap and records the visit, every section unchanged, after the last", async () => {
    const { el, calls } = await open();
    for (const [i, code] of codes.entries()) {
      expect(recorded(calls)).toBeUndefined();
      click(el, `[data-confirm='${code}']`);
      expect(el.querySelector("#door-progress")?.textContent).toBe(`入户核实：已核 ${i + 1} / ${codes.length} 项`);
    }
    await settle();
    expect(recorded(calls)).toEqual(codes.map((kind) => ({ kind, outcome: facts.section_unchanged, note: null })));
    const call = calls.find(([c]) => c === "record_visit")![1] as Record<string, unknown>;
    expect(call.householdId).toBe("h1");
    expect(call.visitedBy).toBe("调查员");
    expect(localStorage.length).toBe(0);
  });

  it("opens only the income section to correct it, and records income changed and the rest confirmed", async () => {
    const { el, calls } = await open();
    click(el, "[data-edit='income']");
    await settle();
    const editor = el.querySelector(".verify-section[data-section='income'] .section-editor")!;
    const names = [...editor.querySelectorAll<HTMLInputElement>("input[name]")].map((i) => i.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith("income."))).toBe(true);
    expect(el.querySelector("input[name='basic.phone']")).toBeNull();
    const wage = editor.querySelector<HTMLInputElement>("input[name='income.wage']")!;
    // Money opens the phone's numeric keyboard with a decimal point.
    expect(wage.getAttribute("inputmode")).toBe("decimal");
    wage.value = "5200";
    wage.dispatchEvent(new Event("input"));
    click(el, "[data-done='income']");
    await settle();
    const save = calls.find(([c]) => c === "save_record")![1] as { req: SaveRequest };
    // The section's save carries the household's other answers unchanged.
    expect(save.req.fields).toMatchObject({ ...values, "income.wage": "5200.00" });
    expect(el.querySelector(".verify-section[data-section='income']")?.getAttribute("data-outcome")).toBe(facts.section_changed);
    expect(el.querySelector("dd[data-path='income.wage']")?.textContent).toBe("5200.00 元");
    for (const code of codes.filter((c) => c !== "income")) click(el, `[data-confirm='${code}']`);
    await settle();
    expect(recorded(calls)).toEqual(
      codes.map((kind) => ({ kind, outcome: kind === "income" ? facts.section_changed : facts.section_unchanged, note: null })),
    );
  });

  it("closing a section without changing it leaves it to confirm", async () => {
    const { el } = await open();
    click(el, "[data-edit='basic']");
    await settle();
    click(el, "[data-done='basic']");
    await settle();
    expect(el.querySelector(".verify-section[data-section='basic']")?.getAttribute("data-outcome")).toBe("");
  });

  it("keeps what was confirmed when the page is drawn again (after a member's change)", async () => {
    const { el } = await open();
    click(el, "[data-confirm='basic']");
    click(el, `[data-confirm='${facts.visit_members}']`);
    const again = await householdView("h1");
    expect(again.querySelector("#door-progress")?.textContent).toBe(`入户核实：已核 2 / ${codes.length} 项`);
    expect(again.querySelector(".verify-section[data-section='basic']")?.getAttribute("data-outcome")).toBe(facts.section_unchanged);
  });

  it("says what the last visit found", async () => {
    const visit = rec("v9", "visit", {
      date: "2018-10-20",
      sections: codes.map((kind) => ({ kind, outcome: kind === "income" ? facts.section_changed : facts.section_unchanged })),
    });
    const { el } = await open(householdBundle({ visits: [visit] }));
    expect(el.querySelector("#last-visit")?.textContent).toBe("最近入户核实：2018-10-20 · 收入有变化，其余无变化");
    expect(el.querySelector<HTMLElement>("#last-visit")?.dataset.visitId).toBe("v9");
  });

  it("shows an existing household whole on request (整表修改), and back to verifying", async () => {
    const { el } = await open();
    click(el, "#full-form");
    const whole = await householdView("h1");
    expect(whole.querySelector("[data-confirm]")).toBeNull();
    expect(whole.querySelector("input[name='basic.phone']")).not.toBeNull();
    click(whole, "#verify-mode");
    const again = await householdView("h1");
    expect(again.querySelectorAll("[data-confirm]").length).toBe(codes.length);
  });

  it("collects a new household whole (C1: everything for new ones)", async () => {
    const { el } = await open(householdBundle({ verify: false }));
    expect(el.querySelector("[data-confirm]")).toBeNull();
    expect(el.querySelector("input[name='basic.phone']")).not.toBeNull();
    expect(el.querySelector("input[name='income.wage']")).not.toBeNull();
  });
});

describe("section index", () => {
  it("names every section of the visit and the page's panels, marking errors, unconfirmed and waiting", async () => {
    const { el } = await open(
      householdBundle({
        household: rec("h1", "household", values, ["basic.phone"]),
        findings: [{ code: "income.negative", severity: "error", path: "income.wage", message: "收入不能为负" }],
      }),
    );
    const entries = [...el.querySelectorAll<HTMLElement>("#section-index [data-index]")];
    expect(entries.map((e) => e.textContent)).toEqual([...visitSections(bundle).map((s) => s.label), "脱贫", "程序", "措施", "定位", "照片"]);
    const marks = (id: string) => el.querySelector<HTMLElement>(`#section-index [data-index='${id}']`)!.dataset.marks;
    expect(marks("income")).toBe("error unconfirmed");
    expect(marks("basic")).toBe("unconfirmed waiting");
    expect(marks("living")).toBe("unconfirmed");
    click(el, "[data-confirm='living']");
    expect(marks("living")).toBe("");
    // The finding shows on its section, named by its field's label.
    expect(el.querySelector(".verify-section[data-section='income'] .finding.error")?.textContent).toBe("工资性收入：收入不能为负");
  });
});

describe("comparison sheet (对照表)", () => {
  it("shows the household its values one section a screen", async () => {
    const { el } = await open();
    click(el, "#open-sheet");
    const sheet = el.querySelector("#sheet")!;
    expect(sheet.querySelector("#sheet-title")?.textContent).toBe(household.sections[0]!.title_zh);
    expect(sheet.querySelector("dd[data-path='basic.phone']")?.textContent).toBe("13800000000");
    for (let i = 0; i < 3; i++) click(sheet, "#sheet-next");
    expect(sheet.querySelector("#sheet-title")?.textContent).toBe(household.sections[3]!.title_zh);
    expect(sheet.querySelector("dd[data-path='income.wage']")?.textContent).toBe("3400.00 元");
    expect(sheet.querySelector("#sheet-counter")?.textContent).toBe(`4 / ${codes.length}`);
    click(sheet, "#sheet-close");
    expect(el.querySelector("#sheet")).toBeNull();
  });

  it("words every value the way the form labels it", () => {
    const basic = household.sections.find((s) => s.id === "basic")!;
    const v = sectionValues(bundle, basic, values);
    // The village is a link the app keeps, not a value to read out.
    expect(v.lines.map((l) => l.label)).toEqual(["户编号", "联系电话", "识别年度"].filter((l) => basic.fields.some((f) => f.label_zh === l)));
    expect(v.unanswered).toBeGreaterThan(0);
  });
});
