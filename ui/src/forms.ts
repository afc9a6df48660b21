// Renders a form from the domain's FormDef: every section, label, unit, code list and
// relevance comes from the bundle; nothing about a particular form is written here.

import type { CodeList, FieldDef, Fields, Finding, FormBundle, FormDef, Relevance, SyncState } from "./backend";
import { h } from "./dom";

/** Whether a field applies, given the record's current answers. */
export function isRelevant(rel: Relevance | undefined, fields: Fields): boolean {
  if (!rel) return true;
  switch (rel.op) {
    case "equals":
      return sameValue(fields[rel.path], rel.value);
    case "any_of": {
      const v = fields[rel.path];
      if (Array.isArray(v)) return v.some((x) => rel.values.some((w) => sameValue(x, w)));
      return rel.values.some((w) => sameValue(v, w));
    }
    case "present":
      return !isEmpty(fields[rel.path]);
    case "all":
      return rel.of.every((r) => isRelevant(r, fields));
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
}

/**
 * The JSON value of what was typed, by widget. Numbers that do not parse stay text so the
 * domain rules can say what is wrong with them (the UI does not judge).
 */
export function parseInput(field: FieldDef, raw: string | string[] | boolean): unknown {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === "boolean") return raw;
  const s = raw.trim();
  if (s === "") return null;
  switch (field.widget) {
    case "integer":
    case "year":
      return /^-?\d+$/.test(s) ? Number(s) : s;
    case "decimal":
      return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
    case "money":
      // Money travels as a string with two decimals ("3400.00"), like the domain's Money.
      return /^\d+(\.\d{1,2})?$/.test(s) ? Number(s).toFixed(2) : s;
    case "yes_no":
      return s === "true" ? true : s === "false" ? false : null;
    default:
      return s;
  }
}

/** The text a value shows as in an input. */
export function displayValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  return String(v);
}

/** The zh-CN label of a code, or the code itself. */
export function codeLabel(bundle: FormBundle, listId: string | undefined, code: unknown): string {
  const list = bundle.code_lists.find((l) => l.id === listId);
  const e = list?.entries.find((x) => x.code === code);
  return e ? e.zh : displayValue(code);
}

export function formFor(bundle: FormBundle, record: string): FormDef | undefined {
  return bundle.forms.find((f) => f.record === record || f.id === record);
}

/** Findings about one field (exact path or an element of it, `members[2]...`). */
export function findingsFor(findings: Finding[], path: string): Finding[] {
  return findings.filter((f) => f.path === path);
}

/** Findings that are about no field of this form (record-level). */
export function recordLevelFindings(findings: Finding[], form: FormDef | undefined): Finding[] {
  const paths = new Set(form ? form.sections.flatMap((s) => s.fields.map((f) => f.path)) : []);
  return findings.filter((f) => !paths.has(f.path));
}

export const SYNC_LABEL: Record<SyncState, string> = {
  synced: "已同步",
  waiting: "待同步",
  refused: "被退回",
  conflict: "有冲突",
};

export function syncBadge(state: SyncState): HTMLElement {
  return h("span", { class: `badge sync-${state}`, "data-sync": state }, SYNC_LABEL[state]);
}

export interface FormOptions {
  bundle: FormBundle;
  form: FormDef;
  fields: Fields;
  pending: string[];
  /** Called with the whole answer map after each change. */
  onChange: (fields: Fields, path: string) => void;
  readOnly?: boolean;
  /** Paths set by the app (the link to the household or village): not shown. */
  hidden?: string[];
  /**
   * Choices for `reference` fields (path -> records to pick from). A reference field with no
   * choices is a link the app keeps itself and is not shown.
   */
  references?: Record<string, { value: string; label: string }[]>;
}

export interface RenderedForm {
  el: HTMLElement;
  /** Shows the findings beside their fields and hides those that no longer apply. */
  showFindings(findings: Finding[]): void;
  fields(): Fields;
}

/** Renders every section of `form`; the caller saves and validates through the backend. */
export function renderForm(opts: FormOptions): RenderedForm {
  const values: Fields = { ...opts.fields };
  const rows = new Map<string, { row: HTMLElement; msgs: HTMLElement; def: FieldDef }>();

  const refreshRelevance = () => {
    for (const { row, def } of rows.values()) {
      row.hidden = !isRelevant(def.relevance, values);
    }
  };

  const sections = opts.form.sections.map((section) =>
    h(
      "section",
      { class: "form-section", "data-section": section.id },
      h("h3", {}, section.title_zh),
      section.fields.filter((def) => shown(def, opts)).map((def) => {
        const msgs = h("div", { class: "field-findings", "data-findings-for": def.path });
        const choices = opts.references?.[def.path];
        const set = (v: unknown) => {
          values[def.path] = v;
          refreshRelevance();
          opts.onChange({ ...values }, def.path);
        };
        const readOnly = Boolean(opts.readOnly || def.derived);
        const input = choices
          ? referenceSelect(def, choices, values[def.path], readOnly, set)
          : fieldInput(def, opts.bundle, values[def.path], readOnly, set);
        const row = h(
          "div",
          { class: "field", "data-field": def.path },
          h(
            "label",
            { class: "field-label" },
            def.label_zh,
            def.required ? h("span", { class: "required", title: "必填" }, "*") : null,
            def.unit ? h("span", { class: "unit" }, `（${def.unit}）`) : null,
            opts.pending.includes(def.path) ? h("span", { class: "badge sync-waiting" }, "待同步") : null,
          ),
          input,
          def.hint_zh ? h("div", { class: "hint" }, def.hint_zh) : null,
          msgs,
        );
        rows.set(def.path, { row, msgs, def });
        return row;
      }),
    ),
  );
  refreshRelevance();

  return {
    el: h("div", { class: "form", "data-form": opts.form.id }, sections),
    showFindings(findings: Finding[]) {
      for (const { row, msgs, def } of rows.values()) {
        const mine = findingsFor(findings, def.path);
        msgs.replaceChildren(
          ...mine.map((f) => h("div", { class: `finding ${f.severity}`, "data-code": f.code }, f.message)),
        );
        row.classList.toggle("has-error", mine.some((f) => f.severity === "error"));
        row.classList.toggle("has-warning", mine.some((f) => f.severity === "warning"));
      }
    },
    fields: () => ({ ...values }),
  };
}

/** Whether a field is asked on the form (app-kept links and hidden paths are not). */
function shown(def: FieldDef, opts: FormOptions): boolean {
  if ((opts.hidden ?? []).includes(def.path)) return false;
  if (def.widget === "reference") return Boolean(opts.references?.[def.path]);
  return true;
}

function referenceSelect(
  def: FieldDef,
  choices: { value: string; label: string }[],
  value: unknown,
  readOnly: boolean,
  set: (v: unknown) => void,
): HTMLElement {
  const sel = h(
    "select",
    { name: def.path, disabled: readOnly, onchange: () => set(sel.value === "" ? null : sel.value) },
    h("option", { value: "" }, "请选择"),
    choices.map((c) => h("option", { value: c.value, selected: c.value === value }, c.label)),
  );
  return sel;
}

function codeList(bundle: FormBundle, id: string | undefined): CodeList | undefined {
  return bundle.code_lists.find((l) => l.id === id);
}

type Row = Record<string, unknown>;

function rowsOf(value: unknown): Row[] {
  return Array.isArray(value) ? value.filter((r): r is Row => typeof r === "object" && r !== null).map((r) => ({ ...r })) : [];
}

/** One row's columns, each an input bound to the row's key. */
function rowEditor(def: FieldDef, bundle: FormBundle, row: Row, readOnly: boolean, changed: () => void, skip: string[] = []): HTMLElement {
  return h(
    "div",
    { class: "row-fields" },
    (def.columns ?? [])
      .filter((c) => !skip.includes(c.path) && c.widget !== "reference")
      .map((c) =>
        h(
          "label",
          { class: "row-field", "data-column": c.path },
          c.label_zh,
          c.unit ? h("span", { class: "unit" }, `（${c.unit}）`) : null,
          fieldInput({ ...c, path: `${def.path}.${c.path}` }, bundle, row[c.path], readOnly, (v) => {
            if (v === null) delete row[c.path];
            else row[c.path] = v;
            changed();
          }),
        ),
      ),
  );
}

/** 帮扶结对, 帮扶措施, 程序步骤: rows added and removed freely; the whole list is one value. */
function rowsInput(def: FieldDef, bundle: FormBundle, value: unknown, readOnly: boolean, set: (v: unknown) => void): HTMLElement {
  const rows = rowsOf(value);
  const box = h("div", { class: "rows", "data-name": def.path });
  const emit = () => set(rows.map((r) => ({ ...r })));
  const draw = () => {
    box.replaceChildren(
      ...rows.map((row, i) =>
        h(
          "div",
          { class: "row card", "data-row": i },
          rowEditor(def, bundle, row, readOnly, emit),
          readOnly
            ? null
            : h(
                "button",
                {
                  class: "secondary",
                  type: "button",
                  onclick: () => {
                    rows.splice(i, 1);
                    draw();
                    emit();
                  },
                },
                "删除此行",
              ),
        ),
      ),
      readOnly
        ? h("span")
        : h(
            "button",
            {
              class: "secondary",
              type: "button",
              "data-add-row": def.path,
              onclick: () => {
                rows.push({});
                draw();
              },
            },
            "＋ 添加一行",
          ),
    );
  };
  draw();
  return box;
}

/** 脱贫措施: one row per ticked kind of the code list (ticked once however often received). */
function checklistInput(def: FieldDef, bundle: FormBundle, value: unknown, readOnly: boolean, set: (v: unknown) => void): HTMLElement {
  const list = codeList(bundle, def.code_list);
  const rows = rowsOf(value);
  const emit = () => {
    const order = (list?.entries ?? []).map((e) => e.code);
    rows.sort((a, b) => order.indexOf(String(a.kind)) - order.indexOf(String(b.kind)));
    set(rows.map((r) => ({ ...r })));
  };
  return h(
    "div",
    { class: "checklist", "data-name": def.path },
    (list?.entries ?? []).map((e) => {
      const detail = h("div", { class: "checklist-detail" });
      const drawDetail = () => {
        const row = rows.find((r) => r.kind === e.code);
        detail.replaceChildren(...(row ? [rowEditor(def, bundle, row, readOnly, emit, ["kind"])] : []));
      };
      drawDetail();
      return h(
        "div",
        { class: "checklist-item" },
        h(
          "label",
          { class: "choice" },
          h("input", {
            type: "checkbox",
            value: e.code,
            checked: rows.some((r) => r.kind === e.code),
            disabled: readOnly,
            onchange: (ev: Event) => {
              const on = (ev.target as HTMLInputElement).checked;
              const i = rows.findIndex((r) => r.kind === e.code);
              if (on && i < 0) rows.push({ kind: e.code });
              if (!on && i >= 0) rows.splice(i, 1);
              drawDetail();
              emit();
            },
          }),
          e.zh,
        ),
        detail,
      );
    }),
  );
}

function fieldInput(
  def: FieldDef,
  bundle: FormBundle,
  value: unknown,
  readOnly: boolean,
  set: (v: unknown) => void,
): HTMLElement {
  const name = def.path;
  switch (def.widget) {
    case "rows":
      return rowsInput(def, bundle, value, readOnly, set);
    case "checklist":
      return checklistInput(def, bundle, value, readOnly, set);
    case "code": {
      const list = codeList(bundle, def.code_list);
      const sel = h(
        "select",
        { name, disabled: readOnly, onchange: () => set(parseInput(def, sel.value)) },
        h("option", { value: "" }, "请选择"),
        (list?.entries ?? []).map((e) =>
          h("option", { value: e.code, selected: e.code === value }, `${e.code} ${e.zh}`),
        ),
      );
      return sel;
    }
    case "codes": {
      const list = codeList(bundle, def.code_list);
      const chosen = new Set(Array.isArray(value) ? (value as string[]) : []);
      return h(
        "div",
        { class: "choices", "data-name": name },
        (list?.entries ?? []).map((e) =>
          h(
            "label",
            { class: "choice" },
            h("input", {
              type: "checkbox",
              value: e.code,
              checked: chosen.has(e.code),
              disabled: readOnly,
              onchange: (ev: Event) => {
                const box = ev.target as HTMLInputElement;
                if (box.checked) chosen.add(e.code);
                else chosen.delete(e.code);
                const order = (list?.entries ?? []).map((x) => x.code);
                set(order.filter((c) => chosen.has(c)));
              },
            }),
            e.zh,
          ),
        ),
      );
    }
    case "yes_no": {
      const sel = h(
        "select",
        { name, disabled: readOnly, onchange: () => set(parseInput(def, sel.value)) },
        h("option", { value: "" }, "请选择"),
        h("option", { value: "true", selected: value === true }, "是"),
        h("option", { value: "false", selected: value === false }, "否"),
      );
      return sel;
    }
    case "text_area": {
      const ta = h("textarea", { name, rows: 3, disabled: readOnly, oninput: () => set(parseInput(def, ta.value)) });
      ta.value = displayValue(value);
      return ta;
    }
    default: {
      const type =
        def.widget === "date" ? "date" : def.widget === "phone" ? "tel" : "text";
      const mode =
        def.widget === "integer" || def.widget === "year"
          ? "numeric"
          : def.widget === "decimal" || def.widget === "money"
            ? "decimal"
            : null;
      const inp = h("input", {
        name,
        type,
        inputmode: mode,
        value: displayValue(value),
        readonly: readOnly,
        oninput: () => set(parseInput(def, inp.value)),
      });
      return inp;
    }
  }
}
