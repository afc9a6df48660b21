// The supervisor's phone (督导核查, issue 13): the worklist of drawn households and villages to
// screen, the 入户核查表 of one household — the observation first, blind, then 封存, then the
// county's differences field by field, each classified, and the §5 findings — and the two
// screening forms of a village. Every label, code and section split comes from the domain
// (the form bundle, the worklist's `after_seal`); the seal and the comparison are the
// replica's (`seal_spot_check`, `reveal_spot_check`).

import {
  backend,
  errorMessage,
  type Fields,
  type FormDef,
  type RecordView,
  type SpotAssignment,
  type SpotHousehold,
  type SpotWorklist,
} from "../backend";
import { currentApp, go } from "../app";
import { codeLabel, displayValue, formFields, formFor, renderForm, syncBadge } from "../forms";
import { h, mount } from "../dom";
import { beijingToday, recordEditor } from "./household";
import { frame, toast } from "./shell";

/** The record kinds of the three check forms, as the domain's form bundle names them. */
const CHECK = "spot_check";
const SCREENED = "screened_household";
const SCREENING = "village_screening";
/** The code list of the stratum a household was drawn in. */
const HOUSEHOLD_TYPES = "spot_household_type";
/** Links the app keeps on a check record: never typed, never shown. */
const LINKS = ["village_id", "plan_id", "household_id"];

/** Where a household's check stands, in words. */
function checkState(hh: SpotHousehold): string {
  if (!hh.check) return "未核查";
  if (!hh.sealed) return "观察记录中";
  if (!hh.revealed) return "已封存，待比对";
  return "已比对";
}

/** The worklist: each assignment's households to check and villages to screen. */
export async function spotHomeView(): Promise<HTMLElement> {
  const app = currentApp();
  const list = await backend().spotWorklist();
  const body = h("div", { class: "spot-worklist", id: "spot-worklist" });
  if (!list.fetched) {
    mount(body, h("p", { class: "empty" }, "尚未取得核查任务，请联网同步"));
  } else if (list.assignments.length === 0) {
    mount(body, h("p", { class: "empty" }, "目前没有分配给您的核查任务"));
  } else {
    mount(
      body,
      list.assignments.map((a) =>
        h(
          "section",
          { class: "card spot-assignment", "data-assignment": a.id },
          h("h2", {}, a.plan_title),
          h("div", { class: "hint" }, `核查人：${a.checkers.join("、")}`),
          h("h3", {}, `入户核查（${a.households.length} 户）`),
          h(
            "div",
            { class: "household-list" },
            a.households.map((hh) =>
              h(
                "button",
                { class: "household-row spot-household", "data-id": hh.household_id, onclick: () => go(`#/spot-check/${hh.household_id}`) },
                h("span", { class: "name" }, hh.head_name || "（未填户主）"),
                h("span", { class: "number" }, hh.household_number),
                h("span", { class: "members" }, `${hh.town} ${hh.village}`),
                h("span", { class: "status" }, codeLabel(app.bundle, HOUSEHOLD_TYPES, hh.household_type)),
                h("span", { class: "badge muted", "data-check-state": "" }, checkState(hh)),
                hh.check ? syncBadge(hh.check.sync) : null,
              ),
            ),
          ),
          a.villages.length
            ? h(
                "div",
                {},
                h("h3", {}, `非建档立卡户排查（${a.villages.length} 个村）`),
                a.villages.map((v) =>
                  h(
                    "button",
                    { class: "household-row spot-village", "data-id": v.village_id, onclick: () => go(`#/spot-screen/${v.village_id}`) },
                    h("span", { class: "name" }, `${v.town} ${v.village}`),
                    h("span", { class: "status" }, `已排查 ${v.screened_households.length} 户`),
                  ),
                ),
              )
            : null,
        ),
      ),
    );
  }
  return frame("核查任务", body);
}

/** The household on the worklist, and the assignment that gives it. */
function findHousehold(list: SpotWorklist, householdId: string): [SpotAssignment, SpotHousehold] | null {
  for (const a of list.assignments) {
    const hh = a.households.find((x) => x.household_id === householdId);
    if (hh) return [a, hh];
  }
  return null;
}

/** A copy of a form with only the sections `keep` takes. */
function sectionsOf(form: FormDef, keep: (id: string) => boolean): FormDef {
  return { ...form, sections: form.sections.filter((s) => keep(s.id)) };
}

/** 入户核查表 of one drawn household. */
export async function spotCheckView(householdId: string): Promise<HTMLElement> {
  const app = currentApp();
  const list = await backend().spotWorklist();
  const found = findHousehold(list, householdId);
  const form = formFor(app.bundle, CHECK);
  if (!found || !form) return frame("入户核查表", h("p", { class: "empty" }, "核查任务中没有这一户"), { back: "#/spot" });
  const [assignment, hh] = found;
  const afterSeal = (id: string) => list.after_seal.includes(id);

  let id: string | null = hh.check?.id ?? null;
  let current: Fields = {
    ...(hh.check?.fields ?? { checked_on: beijingToday() }),
    village_id: hh.village_id,
    plan_id: assignment.plan_id,
    household_id: hh.household_id,
  };
  const state = h("div", { class: "save-state", "data-kind": CHECK }, hh.check ? "" : "未保存");
  let saving: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const saveNow = async () => {
    clearTimeout(timer);
    state.textContent = "正在保存……";
    try {
      const r = await backend().saveRecord({ id, kind: CHECK, village_id: hh.village_id, fields: current });
      id = r.record.id;
      state.textContent = r.record.sync === "synced" ? "已保存 · 已同步" : "已保存 · 待同步";
      state.dataset.state = r.record.sync;
    } catch (e) {
      state.textContent = `未保存：${errorMessage(e)}`;
      state.dataset.state = "error";
    }
  };
  const save = () => {
    saving = saving.then(saveNow);
    return saving;
  };
  const changed = (fields: Fields) => {
    current = { ...current, ...fields };
    state.textContent = "正在编辑……";
    clearTimeout(timer);
    timer = setTimeout(() => void save(), 600);
  };
  const reload = () => go(`#/spot-check/${householdId}`);

  const head = h(
    "div",
    { class: "card spot-head" },
    h("div", {}, h("strong", {}, hh.head_name), ` · ${hh.household_number}`),
    h("div", { class: "hint" }, `${hh.town} ${hh.village} · ${codeLabel(app.bundle, HOUSEHOLD_TYPES, hh.household_type)}`),
  );

  const blind = renderForm({
    bundle: app.bundle,
    form: sectionsOf(form, (s) => !afterSeal(s)),
    fields: current,
    pending: hh.check?.pending ?? [],
    hidden: LINKS,
    readOnly: hh.sealed,
    onChange: changed,
  });

  const parts: Node[] = [head];
  if (!hh.sealed) {
    parts.push(
      h("div", { class: "hint blind-note", id: "blind-note" }, "先如实记录入户所见，封存后才显示登记信息；封存后观察记录不能再改。"),
      h(
        "div",
        { class: "record-editor card", "data-record": CHECK, "data-record-id": id },
        h("div", { class: "editor-head" }, h("h2", {}, form.title_zh), state),
        blind.el,
        h("button", { class: "secondary", "data-save": CHECK, onclick: () => void save() }, "保存"),
      ),
      h(
        "button",
        {
          class: "primary",
          id: "spot-seal",
          onclick: async () => {
            await save();
            if (!id) return;
            try {
              const r = await backend().sealSpotCheck(id);
              if (!r.done) {
                toast(r.findings.map((f) => f.message).join("；"), "error");
                return;
              }
              toast("观察记录已封存");
              reload();
            } catch (e) {
              toast(errorMessage(e), "error");
            }
          },
        },
        "封存观察记录",
      ),
    );
  } else {
    const revealBox = h("div", { class: "spot-reveal", id: "spot-reveal" });
    const differences = Array.isArray(current["differences"]) ? (current["differences"] as Record<string, unknown>[]) : [];
    if (differences.length === 0) {
      mount(
        revealBox,
        h("p", { class: "hint" }, "观察记录已封存。联网后点“显示差异”，与登记信息逐项比对。"),
        h(
          "button",
          {
            class: "primary",
            id: "spot-reveal-button",
            onclick: async () => {
              try {
                const r = await backend().revealSpotCheck(id!);
                if (!r.done) {
                  toast(r.findings.map((f) => f.message).join("；"), "error");
                  return;
                }
                reload();
              } catch (e) {
                toast(errorMessage(e), "error");
              }
            },
          },
          "显示差异",
        ),
      );
    } else {
      mount(revealBox, differencesPanel(form, differences, (rows) => changed({ differences: rows })));
    }
    const findingsForm = sectionsOf(form, (s) => afterSeal(s) && !revealSection(form, s));
    const own = new Set(findingsForm.sections.flatMap((s) => s.fields.map((f) => f.path)));
    const findings = renderForm({
      bundle: app.bundle,
      form: findingsForm,
      fields: current,
      pending: hh.check?.pending ?? [],
      hidden: LINKS,
      // Only this part's own answers: the rest of its copy (the differences as first drawn)
      // would undo a classification made beside it.
      onChange: (fields) => changed(Object.fromEntries(Object.entries(fields).filter(([k]) => own.has(k)))),
    });
    parts.push(
      h(
        "div",
        { class: "record-editor card", "data-record": CHECK, "data-record-id": id },
        h("div", { class: "editor-head" }, h("h2", {}, form.title_zh), state),
        revealBox,
        findings.el,
        h("button", { class: "primary", "data-save": CHECK, onclick: () => void save() }, "保存"),
      ),
      h("details", { class: "card spot-observed" }, h("summary", {}, "入户观察记录（已封存）"), blind.el),
    );
  }
  return frame("入户核查表", h("div", {}, ...parts), { back: "#/spot" });
}

/** Whether a section of the form holds the differences (drawn by `differencesPanel`). */
function revealSection(form: FormDef, sectionId: string): boolean {
  return form.sections.some((s) => s.id === sectionId && s.fields.some((f) => f.path === "differences"));
}

/**
 * The differences the county listed, field by field: the item, the registered and the
 * observed value (codes by their label), and the checkers' classification and note, with
 * the labels and code list of the form's `differences` columns.
 */
function differencesPanel(
  form: FormDef,
  rows: Record<string, unknown>[],
  onChange: (rows: Record<string, unknown>[]) => void,
): HTMLElement {
  const app = currentApp();
  const def = form.sections.flatMap((s) => s.fields).find((f) => f.path === "differences");
  const column = (path: string) => def?.columns?.find((c) => c.path === path);
  const classification = column("classification");
  const note = column("note");
  const valueText = (d: Record<string, unknown>, v: unknown) => {
    const record = d["record"] as { kind?: string } | null | undefined;
    const field = formFields(app.bundle, record?.kind ?? "household").find((f) => f.path === d["field"]);
    if (v === null || v === undefined || v === "") return "（空）";
    if (field?.code_list) return Array.isArray(v) ? v.map((x) => codeLabel(app.bundle, field.code_list, x)).join("、") : codeLabel(app.bundle, field.code_list, v);
    if (typeof v === "boolean") return v ? "是" : "否";
    return Array.isArray(v) ? v.map(displayValue).join("、") : displayValue(v);
  };
  const list = classification?.code_list ? app.bundle.code_lists.find((l) => l.id === classification.code_list) : undefined;
  const copy = rows.map((r) => ({ ...r }));
  return h(
    "div",
    { class: "differences", "data-field": "differences" },
    h("h3", {}, def?.label_zh ?? ""),
    copy.map((d, i) =>
      h(
        "div",
        { class: "difference card", "data-difference": i, "data-path": String(d["field"] ?? "") },
        h("div", { class: "difference-label" }, String(d["label_zh"] ?? "")),
        h(
          "div",
          { class: "difference-values" },
          h("div", { class: "registered" }, `登记：${valueText(d, d["registered"])}`),
          h("div", { class: "observed" }, `核查：${valueText(d, d["observed"])}`),
        ),
        h(
          "label",
          { class: "row-field" },
          classification?.label_zh ?? "",
          h(
            "select",
            {
              name: "classification",
              onchange: (ev: Event) => {
                const v = (ev.target as HTMLSelectElement).value;
                if (v) d["classification"] = v;
                else delete d["classification"];
                onChange(copy.map((r) => ({ ...r })));
              },
            },
            h("option", { value: "" }, "请选择"),
            (list?.entries ?? []).map((e) => h("option", { value: e.code, selected: e.code === d["classification"] }, e.zh)),
          ),
        ),
        h(
          "label",
          { class: "row-field" },
          note?.label_zh ?? "",
          h("input", {
            name: "note",
            type: "text",
            value: displayValue(d["note"]),
            oninput: (ev: Event) => {
              const v = (ev.target as HTMLInputElement).value.trim();
              if (v) d["note"] = v;
              else delete d["note"];
              onChange(copy.map((r) => ({ ...r })));
            },
          }),
        ),
      ),
    ),
  );
}

/** A village to screen: its 村排查情况表 and the 非建档立卡户排查表 of the households met. */
export async function spotScreenView(villageId: string): Promise<HTMLElement> {
  const app = currentApp();
  const list = await backend().spotWorklist();
  const a = list.assignments.find((x) => x.villages.some((v) => v.village_id === villageId));
  const v = a?.villages.find((x) => x.village_id === villageId);
  if (!a || !v) return frame("排查", h("p", { class: "empty" }, "核查任务中没有这个村"), { back: "#/spot" });
  // The editors save under the village being worked on.
  app.villageId = villageId;
  const link: Fields = { village_id: villageId, plan_id: a.plan_id };
  const screened = h("div", { class: "screened-households", id: "screened-households" });
  const add = (r: RecordView | null) => screened.appendChild(recordEditor(SCREENED, r, [], { link }));
  v.screened_households.forEach(add);
  return frame(
    `${v.town} ${v.village} · 排查`,
    h(
      "div",
      {},
      recordEditor(SCREENING, v.screenings[0] ?? null, [], { link }),
      h("h3", {}, formFor(app.bundle, SCREENED)?.title_zh ?? ""),
      screened,
      h("button", { class: "secondary", id: "spot-add-screened", onclick: () => add(null) }, "＋ 新增排查户"),
    ),
    { back: "#/spot" },
  );
}
