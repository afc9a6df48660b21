// Renders a form from the domain's FormDef: every section, label, unit, code list and
// relevance comes from the bundle; nothing about a particular form is written here.

import type { CodeEntry, CodeList, FieldDef, Fields, Finding, FormBundle, FormDef, Relevance, SyncState } from "./backend";
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

/** Widgets a one-line summary of a record shows: words and codes, not ids, numbers or notes. */
const SUMMARY_WIDGETS = new Set(["text", "code"]);

/**
 * A one-line summary of a record for a list: its first `n` answered text and code fields in
 * form order (codes by their zh-CN label), joined by " · ".
 */
export function recordSummary(bundle: FormBundle, kind: string, fields: Fields, n: number): string {
  const form = formFor(bundle, kind);
  if (!form) return "";
  return form.sections
    .flatMap((s) => s.fields)
    .filter((f) => SUMMARY_WIDGETS.has(f.widget) && !isEmpty(fields[f.path]))
    .slice(0, n)
    .map((f) => (f.widget === "code" ? codeLabel(bundle, f.code_list, fields[f.path]) : displayValue(fields[f.path])))
    .join(" · ");
}

/**
 * The answered values of `paths` of a record of `kind`, codes by their zh-CN label, in the
 * order given, joined by " · " (a member's card, a member change's line).
 */
export function fieldsText(bundle: FormBundle, kind: string, fields: Fields, paths: string[]): string {
  const defs = formFields(bundle, kind);
  return paths
    .filter((p) => !isEmpty(fields[p]))
    .map((p) => {
      const def = defs.find((d) => d.path === p);
      return def?.code_list ? codeLabel(bundle, def.code_list, fields[p]) : displayValue(fields[p]);
    })
    .join(" · ");
}

/** Every field of a record kind's form, in form order (none when the bundle has no such form). */
export function formFields(bundle: FormBundle, kind: string): FieldDef[] {
  return formFor(bundle, kind)?.sections.flatMap((s) => s.fields) ?? [];
}

/**
 * The zh-CN label of a field of a record kind's form, as the sync screen names it: the
 * field's label, "list label（column label）" for a column of a row, or the path itself when
 * the form has no such field.
 */
export function fieldLabel(bundle: FormBundle, kind: string | null, path: string): string {
  const fields = kind ? formFields(bundle, kind) : [];
  const exact = fields.find((f) => f.path === path);
  if (exact) return exact.label_zh;
  for (const f of fields) {
    const col = (f.columns ?? []).find((c) => path.startsWith(`${f.path}.`) && path.endsWith(`.${c.path}`));
    if (col) return `${f.label_zh}（${col.label_zh}）`;
  }
  return path;
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
   * Records to pick for `reference` / `references` fields, by the kind they refer to (the
   * field's `refers_to`). A reference field whose kinds have no list here is a link the app
   * keeps itself and is not shown; an empty list shows the field with what to enter first.
   */
  choices?: Choices;
}

/** A record offered for a reference field. */
export interface Choice {
  value: string;
  label: string;
  /** `data:` URL of a thumbnail (photos). */
  thumbnail?: string;
}

/**
 * The records reference fields pick from, by record kind. A view updates a list when a
 * record is added or renamed (a help unit just entered) and every picker showing it redraws,
 * keeping its value.
 */
export class Choices {
  private lists = new Map<string, Choice[]>();
  private watchers = new Set<() => void>();

  constructor(init: Record<string, Choice[]> = {}) {
    for (const [k, v] of Object.entries(init)) this.lists.set(k, v);
  }

  /** The records of `kinds` to pick from, or undefined when none of the kinds is offered. */
  for(kinds: string[] | undefined): Choice[] | undefined {
    const offered = (kinds ?? []).filter((k) => this.lists.has(k));
    if (offered.length === 0) return undefined;
    return offered.flatMap((k) => this.lists.get(k) ?? []);
  }

  set(kind: string, list: Choice[]): void {
    this.lists.set(kind, list);
    for (const w of [...this.watchers]) w();
  }

  /** Adds or replaces one record in the list of `kind`. */
  put(kind: string, choice: Choice): void {
    const list = [...(this.lists.get(kind) ?? [])];
    const i = list.findIndex((c) => c.value === choice.value);
    if (i >= 0) list[i] = choice;
    else list.push(choice);
    this.set(kind, list);
  }

  /** Calls `fn` after every change; returns the function that stops it. */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }
}

/** What the form's inputs need besides their own field. */
interface Ctx {
  bundle: FormBundle;
  choices?: Choices;
  /** The form's current answers, for fields whose choices depend on another's value. */
  values?: Fields;
}

export interface RenderedForm {
  el: HTMLElement;
  /** Shows the findings beside their fields and hides those that no longer apply. */
  showFindings(findings: Finding[]): void;
  fields(): Fields;
  /** Sets a field as if typed (the app's 今日已入户核实): redraws its input, reports the change. */
  set(path: string, value: unknown): void;
}

/** Renders every section of `form`; the caller saves and validates through the backend. */
export function renderForm(opts: FormOptions): RenderedForm {
  const values: Fields = { ...opts.fields };
  const ctx: Ctx = { bundle: opts.bundle, choices: opts.choices, values };
  const rows = new Map<string, { row: HTMLElement; msgs: HTMLElement; def: FieldDef; input: HTMLElement }>();
  const setters = new Map<string, (v: unknown) => void>();

  // A code field whose choices follow another field (options_by) is drawn again when it changes.
  const redrawDependents = (path: string) => {
    for (const r of rows.values()) {
      const set = setters.get(r.def.path);
      if (r.def.options_by?.path !== path || !set) continue;
      const input = fieldInput(r.def, ctx, values[r.def.path], Boolean(opts.readOnly || r.def.derived), set);
      r.input.replaceWith(input);
      r.input = input;
    }
  };
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
        const set = (v: unknown) => {
          values[def.path] = v;
          refreshRelevance();
          redrawDependents(def.path);
          opts.onChange({ ...values }, def.path);
        };
        const readOnly = Boolean(opts.readOnly || def.derived);
        const input = fieldInput(def, ctx, values[def.path], readOnly, set);
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
        rows.set(def.path, { row, msgs, def, input });
        setters.set(def.path, set);
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
    set(path: string, value: unknown) {
      const r = rows.get(path);
      const set = setters.get(path);
      if (r && set) {
        const input = fieldInput(r.def, ctx, value, Boolean(opts.readOnly || r.def.derived), set);
        r.input.replaceWith(input);
        r.input = input;
        set(value);
      } else {
        values[path] = value;
        opts.onChange({ ...values }, path);
      }
    },
  };
}

/** Whether a field is asked on the form (app-kept links and hidden paths are not). */
function shown(def: FieldDef, opts: FormOptions): boolean {
  if ((opts.hidden ?? []).includes(def.path)) return false;
  return !isReference(def) || opts.choices?.for(def.refers_to) !== undefined;
}

function isReference(def: FieldDef): boolean {
  return def.widget === "reference" || def.widget === "references";
}

/** What to enter first when a reference has nothing to pick: the forms of its kinds. */
function nothingToPick(def: FieldDef, bundle: FormBundle): string {
  const titles = (def.refers_to ?? []).map((k) => formFor(bundle, k)?.title_zh ?? k);
  return `尚无可选记录，请先录入${titles.join("、")}`;
}

/**
 * A reference picker that redraws when its choices change. A value that names no record
 * offered here (not yet on this device) stays chosen and is shown as such, never dropped.
 */
function referenceInput(
  def: FieldDef,
  ctx: Ctx,
  value: unknown,
  readOnly: boolean,
  set: (v: unknown) => void,
): HTMLElement {
  const multiple = def.widget === "references";
  let current: string[] = multiple
    ? Array.isArray(value)
      ? value.map(String)
      : []
    : typeof value === "string" && value !== ""
      ? [value]
      : [];
  const box = h("div", { class: "reference", "data-name": def.path });
  const draw = () => {
    const choices = ctx.choices?.for(def.refers_to) ?? [];
    const known = new Set(choices.map((c) => c.value));
    const unknown = current.filter((v) => !known.has(v));
    const empty = choices.length === 0 ? h("div", { class: "hint nothing-to-pick" }, nothingToPick(def, ctx.bundle)) : null;
    if (!multiple) {
      const sel = h(
        "select",
        {
          name: def.path,
          disabled: readOnly,
          onchange: () => {
            current = sel.value === "" ? [] : [sel.value];
            set(current[0] ?? null);
          },
        },
        h("option", { value: "" }, "请选择"),
        choices.map((c) => h("option", { value: c.value, selected: current.includes(c.value) }, c.label)),
        unknown.map((v) => h("option", { value: v, selected: true }, "（本机尚无此记录）")),
      );
      box.replaceChildren(sel, ...(empty ? [empty] : []));
      return;
    }
    const emit = () => {
      const order = [...choices.map((c) => c.value), ...unknown];
      current = order.filter((v) => current.includes(v));
      set([...current]);
    };
    const tick = (v: string) => (ev: Event) => {
      const on = (ev.target as HTMLInputElement).checked;
      current = on ? [...current.filter((x) => x !== v), v] : current.filter((x) => x !== v);
      emit();
    };
    const item = (c: Choice) =>
      h(
        "label",
        { class: `choice${c.thumbnail ? " with-thumb" : ""}`, "data-value": c.value },
        h("input", { type: "checkbox", name: def.path, value: c.value, checked: current.includes(c.value), disabled: readOnly, onchange: tick(c.value) }),
        c.thumbnail ? h("img", { src: c.thumbnail, alt: c.label }) : null,
        h("span", {}, c.label),
      );
    box.replaceChildren(
      h(
        "div",
        { class: "choices" },
        choices.map(item),
        unknown.map((v) => item({ value: v, label: "（本机尚无此记录）" })),
      ),
      ...(empty ? [empty] : []),
    );
  };
  draw();
  // A screen makes its own Choices, so these watchers go with the screen.
  ctx.choices?.watch(draw);
  return box;
}

/**
 * The text of a code's option: the national number before the label, as on the printed
 * forms ("01 户主"); codes that are the app's own identifiers (procedure steps, photo kinds)
 * are not shown, only their label.
 */
export function codeOptionText(e: CodeEntry): string {
  return /^\d+$/.test(e.code) ? `${e.code} ${e.zh}` : e.zh;
}

/**
 * The entries a code field offers: those its `options_by` gives for the controlling field's
 * current value, else all. The value already chosen stays offered, so nothing is dropped
 * silently; the domain's rules judge it.
 */
export function offeredCodes(def: FieldDef, entries: CodeEntry[], values: Fields, current: unknown): CodeEntry[] {
  const by = def.options_by;
  const key = by ? values[by.path] : undefined;
  const allowed = by && typeof key === "string" ? by.options[key] : undefined;
  return allowed ? entries.filter((e) => allowed.includes(e.code) || e.code === current) : entries;
}

function codeList(bundle: FormBundle, id: string | undefined): CodeList | undefined {
  return bundle.code_lists.find((l) => l.id === id);
}

type Row = Record<string, unknown>;

function rowsOf(value: unknown): Row[] {
  return Array.isArray(value) ? value.filter((r): r is Row => typeof r === "object" && r !== null).map((r) => ({ ...r })) : [];
}

/**
 * One row's columns, each an input bound to the row's key. A column asked only in some rows
 * (its relevance reads the row's own values: 公示天数 for the notice step) shows only there.
 */
function rowEditor(def: FieldDef, ctx: Ctx, row: Row, readOnly: boolean, changed: () => void, skip: string[] = []): HTMLElement {
  const labels: [FieldDef, HTMLElement][] = [];
  const refresh = () => {
    for (const [c, label] of labels) label.hidden = !isRelevant(c.relevance, row as Fields);
  };
  const box = h(
    "div",
    { class: "row-fields" },
    (def.columns ?? [])
      .filter((c) => !skip.includes(c.path) && (!isReference(c) || ctx.choices?.for(c.refers_to) !== undefined))
      .map((c) => {
        const label = h(
          "label",
          // A picker takes the whole line: the names it offers ("李四（县扶贫办）") are long.
          { class: isReference(c) ? "row-field wide" : "row-field", "data-column": c.path },
          c.label_zh,
          c.unit ? h("span", { class: "unit" }, `（${c.unit}）`) : null,
          fieldInput({ ...c, path: `${def.path}.${c.path}` }, ctx, row[c.path], readOnly, (v) => {
            if (v === null || (Array.isArray(v) && v.length === 0)) delete row[c.path];
            else row[c.path] = v;
            refresh();
            changed();
          }),
        );
        labels.push([c, label]);
        return label;
      }),
  );
  refresh();
  return box;
}

/** 帮扶结对, 帮扶措施, 程序步骤: rows added and removed freely; the whole list is one value. */
function rowsInput(def: FieldDef, ctx: Ctx, value: unknown, readOnly: boolean, set: (v: unknown) => void): HTMLElement {
  const rows = rowsOf(value);
  const box = h("div", { class: "rows", "data-name": def.path });
  const emit = () => set(rows.map((r) => ({ ...r })));
  const draw = () => {
    box.replaceChildren(
      ...rows.map((row, i) =>
        h(
          "div",
          { class: "row card", "data-row": i },
          rowEditor(def, ctx, row, readOnly, emit),
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
function checklistInput(def: FieldDef, ctx: Ctx, value: unknown, readOnly: boolean, set: (v: unknown) => void): HTMLElement {
  const list = codeList(ctx.bundle, def.code_list);
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
        detail.replaceChildren(...(row ? [rowEditor(def, ctx, row, readOnly, emit, ["kind"])] : []));
      };
      drawDetail();
      return h(
        "div",
        { class: "checklist-item", "data-code": e.code },
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
  ctx: Ctx,
  value: unknown,
  readOnly: boolean,
  set: (v: unknown) => void,
): HTMLElement {
  const name = def.path;
  const bundle = ctx.bundle;
  switch (def.widget) {
    case "rows":
      return rowsInput(def, ctx, value, readOnly, set);
    case "checklist":
      return checklistInput(def, ctx, value, readOnly, set);
    case "reference":
    case "references":
      return referenceInput(def, ctx, value, readOnly, set);
    case "code": {
      const list = codeList(bundle, def.code_list);
      const sel = h(
        "select",
        { name, disabled: readOnly, onchange: () => set(parseInput(def, sel.value)) },
        h("option", { value: "" }, "请选择"),
        offeredCodes(def, list?.entries ?? [], ctx.values ?? {}, value).map((e) =>
          h("option", { value: e.code, selected: e.code === value }, codeOptionText(e)),
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

/**
 * Brings a record's field into view and marks it (the sync screen's 打开记录): the field in
 * the record's form, else the record's form, else nothing. Returns the element shown.
 */
export function showFocus(root: ParentNode, recordId: string, field?: string): HTMLElement | null {
  const q = (s: string) => s.replace(/["\\]/g, "\\$&");
  const editor = root.querySelector<HTMLElement>(`[data-record-id="${q(recordId)}"]`);
  const target = (editor && field ? editor.querySelector<HTMLElement>(`[data-field="${q(field)}"]`) : null) ?? editor;
  if (!target) return null;
  target.classList.add("focused");
  target.scrollIntoView({ block: "center" });
  return target;
}
