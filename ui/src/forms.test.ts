import { describe, expect, it } from "vitest";
import type { FieldDef, FormBundle, FormDef, Relevance } from "./backend";
import { Choices, codeOptionText, fieldLabel, isRelevant, offeredCodes, parseInput, recordLevelFindings, recordSummary, renderForm } from "./forms";

function field(path: string, widget: FieldDef["widget"], extra: Partial<FieldDef> = {}): FieldDef {
  return { path, label_zh: path, widget, required: false, derived: false, ...extra };
}

describe("isRelevant", () => {
  const cases: [Relevance | undefined, Record<string, unknown>, boolean][] = [
    [undefined, {}, true],
    [{ op: "equals", path: "a", value: "1" }, { a: "1" }, true],
    [{ op: "equals", path: "a", value: "1" }, { a: "2" }, false],
    [{ op: "any_of", path: "a", values: ["1", "3"] }, { a: "3" }, true],
    [{ op: "any_of", path: "a", values: ["1", "3"] }, { a: ["2", "3"] }, true],
    [{ op: "any_of", path: "a", values: ["1"] }, { a: ["2"] }, false],
    [{ op: "present", path: "a" }, { a: "" }, false],
    [{ op: "present", path: "a" }, { a: [] }, false],
    [{ op: "present", path: "a" }, { a: 0 }, true],
    [{ op: "all", of: [{ op: "present", path: "a" }, { op: "equals", path: "b", value: true }] }, { a: 1, b: true }, true],
    [{ op: "all", of: [{ op: "present", path: "a" }, { op: "equals", path: "b", value: true }] }, { a: 1, b: false }, false],
  ];
  it.each(cases)("%j on %j is %s", (rel, fields, want) => {
    expect(isRelevant(rel, fields)).toBe(want);
  });
});

describe("parseInput", () => {
  const cases: [FieldDef["widget"], string, unknown][] = [
    ["integer", "4", 4],
    ["integer", "4.5", "4.5"],
    ["integer", "", null],
    ["decimal", "2.5", 2.5],
    ["money", "3400", "3400.00"],
    ["money", "3400.5", "3400.50"],
    ["money", "abc", "abc"],
    ["yes_no", "true", true],
    ["yes_no", "false", false],
    ["text", "  王 ", "王"],
    ["date", "2018-10-01", "2018-10-01"],
  ];
  it.each(cases)("%s %j -> %j", (widget, raw, want) => {
    expect(parseInput(field("x", widget), raw)).toEqual(want);
  });
});

const bundle: FormBundle = {
  version: 1,
  facts: { head_relationship: "01", member_decreased: "2", change_increase: "1", change_decrease: "2", visit_members: "members", section_unchanged: "unchanged", section_changed: "changed" },
  code_lists: [
    { id: "yn", version: "2018", name_zh: "是否", entries: [{ code: "1", zh: "是", en: "yes" }, { code: "0", zh: "否", en: "no" }] },
  ],
  forms: [],
};
const form: FormDef = {
  id: "household",
  record: "household",
  title_zh: "贫困户信息采集表",
  sections: [
    {
      id: "basic",
      title_zh: "一、基本情况",
      fields: [
        field("basic.phone", "phone", { label_zh: "联系电话", required: true }),
        field("basic.relocated", "code", { label_zh: "是否搬迁", code_list: "yn" }),
        field("basic.relocation_year", "year", {
          label_zh: "搬迁年度",
          relevance: { op: "equals", path: "basic.relocated", value: "1" },
        }),
      ],
    },
  ],
};

describe("renderForm", () => {
  it("renders labels and code lists from the definition, hides fields that do not apply", () => {
    const r = renderForm({ bundle, form, fields: {}, pending: [], onChange: () => {} });
    document.body.replaceChildren(r.el);
    expect(r.el.querySelector("h3")?.textContent).toBe("一、基本情况");
    expect(r.el.textContent).toContain("联系电话");
    const options = [...r.el.querySelectorAll("select[name='basic.relocated'] option")].map((o) => o.textContent);
    expect(options).toEqual(["请选择", "1 是", "0 否"]);
    const year = r.el.querySelector<HTMLElement>("[data-field='basic.relocation_year']")!;
    expect(year.hidden).toBe(true);
    const sel = r.el.querySelector<HTMLSelectElement>("select[name='basic.relocated']")!;
    sel.value = "1";
    sel.dispatchEvent(new Event("change"));
    expect(year.hidden).toBe(false);
    expect(r.fields()).toEqual({ "basic.relocated": "1" });
  });

  it("reports each change with the whole answer map", () => {
    const seen: unknown[] = [];
    const r = renderForm({ bundle, form, fields: { "basic.phone": "1" }, pending: ["basic.phone"], onChange: (f) => seen.push(f) });
    const input = r.el.querySelector<HTMLInputElement>("input[name='basic.phone']")!;
    expect(input.value).toBe("1");
    expect(r.el.querySelector("[data-field='basic.phone'] .sync-waiting")?.textContent).toBe("待同步");
    input.value = "13800000000";
    input.dispatchEvent(new Event("input"));
    expect(seen).toEqual([{ "basic.phone": "13800000000" }]);
  });

  it("shows findings beside their field and clears them when they go away", () => {
    const r = renderForm({ bundle, form, fields: {}, pending: [], onChange: () => {} });
    r.showFindings([{ code: "household.phone_shape", severity: "error", path: "basic.phone", message: "联系电话应为11位数字" }]);
    const row = r.el.querySelector("[data-field='basic.phone']")!;
    expect(row.classList.contains("has-error")).toBe(true);
    expect(row.querySelector(".finding.error")?.textContent).toBe("联系电话应为11位数字");
    r.showFindings([]);
    expect(row.classList.contains("has-error")).toBe(false);
    expect(row.querySelector(".finding")).toBeNull();
  });

  it("keeps findings about no field of the form for the record-level list", () => {
    const fs = [
      { code: "a", severity: "error" as const, path: "basic.phone", message: "x" },
      { code: "b", severity: "warning" as const, path: "members[0].id_number", message: "y" },
    ];
    expect(recordLevelFindings(fs, form).map((f) => f.code)).toEqual(["b"]);
  });
});

describe("rows and checklist widgets", () => {
  const lists: FormBundle = {
    version: 1,
    facts: { head_relationship: "01", member_decreased: "2", change_increase: "1", change_decrease: "2", visit_members: "members", section_unchanged: "unchanged", section_changed: "changed" },
    forms: [],
    code_lists: [
      { id: "measure", version: "2018", name_zh: "措施", entries: [{ code: "01", zh: "产业扶贫", en: "" }, { code: "02", zh: "就业扶贫", en: "" }] },
      { id: "step", version: "2018", name_zh: "步骤", entries: [{ code: "apply", zh: "农户申请", en: "" }] },
    ],
  };
  const sheet: FormDef = {
    id: "household_exit_measures",
    record: "household_exit_measures",
    title_zh: "2018年脱贫户脱贫措施信息采集表",
    sections: [
      {
        id: "m",
        title_zh: "脱贫措施",
        fields: [
          field("household_id", "reference", { refers_to: ["household"] }),
          field("measures", "checklist", { code_list: "measure", columns: [field("first_year", "year", { label_zh: "首次享受年度" })] }),
          field("steps", "rows", {
            columns: [field("step", "code", { code_list: "step" }), field("date", "date"), field("attachment_photo_ids", "references", { refers_to: ["photo"] })],
          }),
        ],
      },
    ],
  };

  it("asks a row's column only in the rows its relevance names (公示天数 on the notice step)", () => {
    const steps: FormDef = {
      id: "exit_procedure",
      record: "exit_procedure",
      title_zh: "贫困户退出程序",
      sections: [
        {
          id: "p",
          title_zh: "退出程序",
          fields: [
            field("steps", "rows", {
              columns: [
                field("step", "code", { code_list: "step" }),
                field("notice_days", "integer", { relevance: { op: "equals", path: "step", value: "notice" } }),
              ],
            }),
          ],
        },
      ],
    };
    const withNotice: FormBundle = {
      ...lists,
      code_lists: [{ id: "step", version: "2018", name_zh: "步骤", entries: [{ code: "apply", zh: "农户申请", en: "" }, { code: "notice", zh: "公示", en: "" }] }],
    };
    const r = renderForm({
      bundle: withNotice,
      form: steps,
      fields: { steps: [{ step: "apply" }, { step: "notice", notice_days: 7 }] },
      pending: [],
      onChange: () => undefined,
    });
    const days = () => [...r.el.querySelectorAll<HTMLElement>("[data-column='notice_days']")].map((l) => l.hidden);
    expect(days()).toEqual([true, false]);
    const step = r.el.querySelector<HTMLSelectElement>("[data-row='0'] select[name='steps.step']")!;
    step.value = "notice";
    step.dispatchEvent(new Event("change"));
    expect(days()).toEqual([false, false]);
  });

  it("ticks a kind once and keeps its columns in the row; app-kept links are not shown", () => {
    let last: Record<string, unknown> = {};
    const r = renderForm({ bundle: lists, form: sheet, fields: {}, pending: [], onChange: (f) => (last = f) });
    expect(r.el.querySelector("[data-field='household_id']")).toBeNull();
    const boxes = r.el.querySelectorAll<HTMLInputElement>("[data-name='measures'] input[type=checkbox]");
    boxes[1].checked = true;
    boxes[1].dispatchEvent(new Event("change"));
    boxes[0].checked = true;
    boxes[0].dispatchEvent(new Event("change"));
    expect(last["measures"]).toEqual([{ kind: "01" }, { kind: "02" }]);
    const year = r.el.querySelector<HTMLInputElement>("[data-name='measures'] input[name='measures.first_year']")!;
    year.value = "2016";
    year.dispatchEvent(new Event("input"));
    expect(last["measures"]).toEqual([{ kind: "01", first_year: 2016 }, { kind: "02" }]);
    boxes[1].checked = false;
    boxes[1].dispatchEvent(new Event("change"));
    expect(last["measures"]).toEqual([{ kind: "01", first_year: 2016 }]);
  });

  it("shows a code's national number but not the app's own identifiers", () => {
    const r = renderForm({ bundle: lists, form: sheet, fields: { steps: [{ step: "apply" }] }, pending: [], onChange: () => {} });
    const options = [...r.el.querySelectorAll("select[name='steps.step'] option")].map((o) => o.textContent);
    expect(options).toEqual(["请选择", "农户申请"]);
  });

  it.each([
    ["01", "户主", "01 户主"],
    ["0101", "种植业", "0101 种植业"],
    ["new_identification", "新识别", "新识别"],
    ["house_front", "房屋正面", "房屋正面"],
  ])("option of %s %s is %s", (code, zh, want) => {
    expect(codeOptionText({ code, zh, en: "" })).toBe(want);
  });

  it("adds and removes rows; the whole list is one value", () => {
    let last: Record<string, unknown> = {};
    const r = renderForm({ bundle: lists, form: sheet, fields: { steps: [{ step: "apply", date: "2018-10-08" }] }, pending: [], onChange: (f) => (last = f) });
    const rows = () => r.el.querySelectorAll("[data-name='steps'] .row");
    expect(rows().length).toBe(1);
    expect(r.el.querySelector("[data-name='steps'] [data-column='attachment_photo_ids']")).toBeNull();
    r.el.querySelector<HTMLButtonElement>("[data-add-row='steps']")!.click();
    expect(rows().length).toBe(2);
    const date = rows()[1].querySelector<HTMLInputElement>("input[name='steps.date']")!;
    date.value = "2018-10-15";
    date.dispatchEvent(new Event("input"));
    expect(last["steps"]).toEqual([{ step: "apply", date: "2018-10-08" }, { date: "2018-10-15" }]);
    rows()[0].querySelector<HTMLButtonElement>("button")!.click();
    expect(last["steps"]).toEqual([{ date: "2018-10-15" }]);
  });
});

describe("reference fields", () => {
  const refs: FormDef = {
    id: "helper",
    record: "helper",
    title_zh: "帮扶责任人信息",
    sections: [
      {
        id: "s",
        title_zh: "派出单位",
        fields: [
          field("help_unit_id", "reference", { label_zh: "帮扶单位", refers_to: ["help_unit"], required: true }),
          field("proof_photo_ids", "references", { label_zh: "证明材料照片", refers_to: ["photo"] }),
          field("household_id", "reference", { refers_to: ["household"] }),
          field("pairings", "rows", {
            label_zh: "帮扶责任人结对",
            columns: [field("helper_id", "reference", { label_zh: "帮扶责任人", refers_to: ["helper"] }), field("start", "date")],
          }),
        ],
      },
    ],
  };
  const withTitles: FormBundle = { ...bundle, forms: [{ ...refs, id: "help_unit", record: "help_unit", title_zh: "帮扶单位信息", sections: [] }] };

  it("offers the records of the kind a field refers to, and hides links the app keeps", () => {
    let last: Record<string, unknown> = {};
    const choices = new Choices({ help_unit: [{ value: "u1", label: "县扶贫办 · 县" }] });
    const r = renderForm({ bundle: withTitles, form: refs, fields: {}, pending: [], choices, onChange: (f) => (last = f) });
    expect(r.el.querySelector("[data-field='household_id']")).toBeNull();
    expect(r.el.querySelector("[data-field='proof_photo_ids']")).toBeNull();
    const sel = r.el.querySelector<HTMLSelectElement>("select[name='help_unit_id']")!;
    expect([...sel.options].map((o) => o.textContent)).toEqual(["请选择", "县扶贫办 · 县"]);
    sel.value = "u1";
    sel.dispatchEvent(new Event("change"));
    expect(last["help_unit_id"]).toBe("u1");
  });

  it("says what to enter first when there is nothing to pick", () => {
    const r = renderForm({ bundle: withTitles, form: refs, fields: {}, pending: [], choices: new Choices({ help_unit: [] }), onChange: () => {} });
    expect(r.el.querySelector("[data-field='help_unit_id'] .nothing-to-pick")?.textContent).toBe("尚无可选记录，请先录入帮扶单位信息");
  });

  it("redraws when a record is added, keeping the value; keeps a value it cannot name", () => {
    const choices = new Choices({ help_unit: [{ value: "u1", label: "甲单位" }] });
    const r = renderForm({ bundle, form: refs, fields: { help_unit_id: "u9" }, pending: [], choices, onChange: () => {} });
    const sel = () => r.el.querySelector<HTMLSelectElement>("select[name='help_unit_id']")!;
    expect(sel().value).toBe("u9");
    expect(sel().selectedOptions[0].textContent).toBe("（本机尚无此记录）");
    choices.put("help_unit", { value: "u2", label: "乙单位" });
    expect([...sel().options].map((o) => o.value)).toEqual(["", "u1", "u2", "u9"]);
    expect(sel().value).toBe("u9");
    choices.put("help_unit", { value: "u9", label: "丙单位" });
    expect(sel().selectedOptions[0].textContent).toBe("丙单位");
  });

  it("picks several photos with their thumbnails, in the order offered", () => {
    let last: Record<string, unknown> = {};
    const choices = new Choices({
      photo: [
        { value: "p1", label: "房屋正面 · 2018-10-12 16:30", thumbnail: "data:image/jpeg;base64,AAAA" },
        { value: "p2", label: "厨房 · 2018-10-12 16:31", thumbnail: "data:image/jpeg;base64,BBBB" },
      ],
    });
    const r = renderForm({ bundle, form: refs, fields: {}, pending: [], choices, onChange: (f) => (last = f) });
    const boxes = r.el.querySelectorAll<HTMLInputElement>("[data-name='proof_photo_ids'] input[type=checkbox]");
    expect(r.el.querySelectorAll("[data-name='proof_photo_ids'] img").length).toBe(2);
    boxes[1].checked = true;
    boxes[1].dispatchEvent(new Event("change"));
    boxes[0].checked = true;
    boxes[0].dispatchEvent(new Event("change"));
    expect(last["proof_photo_ids"]).toEqual(["p1", "p2"]);
    boxes[1].checked = false;
    boxes[1].dispatchEvent(new Event("change"));
    expect(last["proof_photo_ids"]).toEqual(["p1"]);
  });

  it("picks a reference inside a row (the household's 帮扶责任人)", () => {
    let last: Record<string, unknown> = {};
    const choices = new Choices({ helper: [{ value: "hp1", label: "李四（县扶贫办）" }] });
    const r = renderForm({ bundle, form: refs, fields: { pairings: [{ start: "2018-01-01" }] }, pending: [], choices, onChange: (f) => (last = f) });
    const sel = r.el.querySelector<HTMLSelectElement>("[data-name='pairings'] select[name='pairings.helper_id']")!;
    sel.value = "hp1";
    sel.dispatchEvent(new Event("change"));
    expect(last["pairings"]).toEqual([{ start: "2018-01-01", helper_id: "hp1" }]);
    // The picker takes the row's whole width: helpers are named with their unit.
    expect(sel.closest(".row-field")?.classList.contains("wide")).toBe(true);
    expect(r.el.querySelector("[data-column='start']")?.classList.contains("wide")).toBe(false);
  });
});

describe("labels and summaries", () => {
  it("names a field by its form label, a row column by list and column", () => {
    const b: FormBundle = { ...bundle, forms: [form, { ...sheetLike, id: "procedure", record: "procedure" }] };
    expect(fieldLabel(b, "household", "basic.phone")).toBe("联系电话");
    expect(fieldLabel(b, "procedure", "steps.0.date")).toBe("程序步骤（日期）");
    expect(fieldLabel(b, "household", "basic.unknown")).toBe("basic.unknown");
    expect(fieldLabel(b, null, "basic.phone")).toBe("basic.phone");
  });

  it("summarises a record by its first text and code answers", () => {
    const b: FormBundle = { ...bundle, forms: [form] };
    expect(recordSummary(b, "household", { "basic.phone": "138", "basic.relocated": "1" }, 3)).toBe("是");
  });
});

const sheetLike: FormDef = {
  id: "x",
  record: "x",
  title_zh: "x",
  sections: [{ id: "s", title_zh: "s", fields: [field("steps", "rows", { label_zh: "程序步骤", columns: [field("date", "date", { label_zh: "日期" })] })] }],
};

describe("choices that follow another answer (options_by)", () => {
  const reasons = [
    { code: "11", zh: "新生儿", en: "" },
    { code: "21", zh: "死亡", en: "" },
    { code: "22", zh: "婚出", en: "" },
  ];
  const reason = field("reason", "code", {
    code_list: "member_change_reason",
    options_by: { path: "direction", options: { "1": ["11"], "2": ["21", "22"] } },
  });
  const direction = field("direction", "code", { code_list: "change_direction" });
  const bundle: FormBundle = {
    version: 2,
    facts: { head_relationship: "01", member_decreased: "2", change_increase: "1", change_decrease: "2", visit_members: "members", section_unchanged: "unchanged", section_changed: "changed" },
    forms: [],
    code_lists: [
      { id: "member_change_reason", version: "2018", name_zh: "变更原因", entries: reasons },
      { id: "change_direction", version: "2018", name_zh: "变更类型", entries: [{ code: "1", zh: "自然增加", en: "" }, { code: "2", zh: "自然减少", en: "" }] },
    ],
  };
  const form: FormDef = { id: "member_change", record: "member_change", title_zh: "变更", sections: [{ id: "s", title_zh: "s", fields: [direction, reason] }] };
  const offered = (el: HTMLElement) => [...el.querySelectorAll("select[name='reason'] option")].map((o) => o.textContent);

  it("offers the reasons of the chosen direction, and all before one is chosen", () => {
    expect(offeredCodes(reason, reasons, {}, undefined).map((e) => e.code)).toEqual(["11", "21", "22"]);
    expect(offeredCodes(reason, reasons, { direction: "2" }, undefined).map((e) => e.code)).toEqual(["21", "22"]);
    // An answer already given stays offered (the rules flag it); nothing is dropped.
    expect(offeredCodes(reason, reasons, { direction: "1" }, "22").map((e) => e.code)).toEqual(["11", "22"]);
  });

  it("redraws the reasons when the direction changes", () => {
    const r = renderForm({ bundle, form, fields: { direction: "1" }, pending: [], onChange: () => {} });
    expect(offered(r.el)).toEqual(["请选择", "11 新生儿"]);
    const sel = r.el.querySelector<HTMLSelectElement>("select[name='direction']")!;
    sel.value = "2";
    sel.dispatchEvent(new Event("change"));
    expect(offered(r.el)).toEqual(["请选择", "21 死亡", "22 婚出"]);
  });
});
