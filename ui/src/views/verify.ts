// Verify mode of the household page (入户核实 at the door, C1): each section of the household
// form shows its current values read-only with its findings; one tap confirms it unchanged,
// 修改 opens just that section; once every section is gone through the door visit is
// recorded through the domain's action. Also the section index (jump, with marks for errors,
// unconfirmed and waiting sections) and the comparison sheet (对照表) shown to the household.
// Sections, labels and codes all come from the form bundle.

import type { FieldDef, Fields, Finding, FormBundle, FormDef, RecordView, SectionCheck, SectionDef } from "../backend";
import { codeLabel, displayValue, formFor, isEmpty, isRelevant, type Choices } from "../forms";
import { h, mount } from "../dom";

/** One line of a section's values: a field's label and what it holds, as words. */
export interface ValueLine {
  path: string;
  label: string;
  value: string;
}

/**
 * What a field holds, as the household would read it: codes by their label, yes/no as 是/否,
 * units after numbers, picked records by name. Empty for a link the app keeps itself.
 */
export function valueText(bundle: FormBundle, def: FieldDef, value: unknown, choices?: Choices): string {
  if (isEmpty(value)) return "";
  const unit = def.unit ? ` ${def.unit}` : "";
  switch (def.widget) {
    case "code":
      return codeLabel(bundle, def.code_list, value);
    case "codes":
      return (Array.isArray(value) ? value : []).map((c) => codeLabel(bundle, def.code_list, c)).join("、");
    case "yes_no":
      return value === true ? "是" : value === false ? "否" : displayValue(value);
    case "reference":
    case "references": {
      const offered = choices?.for(def.refers_to);
      if (!offered) return "";
      const ids = Array.isArray(value) ? value.map(String) : [String(value)];
      return ids.map((id) => offered.find((c) => c.value === id)?.label ?? "（本机尚无此记录）").join("、");
    }
    case "rows":
    case "checklist":
      return rowsText(bundle, def, value, choices).join("；");
    default:
      return `${displayValue(value)}${unit}`;
  }
}

/** Each row of a list field as one line: its answered columns ("姓名：李四，联系电话：…"). */
function rowsText(bundle: FormBundle, def: FieldDef, value: unknown, choices?: Choices): string[] {
  const rows = Array.isArray(value) ? value.filter((r): r is Record<string, unknown> => typeof r === "object" && r !== null) : [];
  return rows.map((row) =>
    (def.columns ?? [])
      .map((c) => {
        const text = valueText(bundle, c, row[c.path], choices);
        // A checklist's kind is the row's name; other columns are labelled.
        if (!text) return "";
        return def.widget === "checklist" && c.path === "kind" ? text : `${c.label_zh}：${text}`;
      })
      .filter((t) => t)
      .join("，"),
  );
}

/**
 * A section's answered values in form order (fields that apply to this household), and how
 * many of the fields that apply are unanswered.
 */
export function sectionValues(
  bundle: FormBundle,
  section: SectionDef,
  fields: Fields,
  choices?: Choices,
): { lines: ValueLine[]; unanswered: number } {
  const lines: ValueLine[] = [];
  let unanswered = 0;
  for (const def of section.fields) {
    if (!isRelevant(def.relevance, fields)) continue;
    const isLink = (def.widget === "reference" || def.widget === "references") && !choices?.for(def.refers_to);
    if (isLink) continue;
    if (def.widget === "rows" || def.widget === "checklist") {
      const rows = rowsText(bundle, def, fields[def.path], choices);
      if (rows.length === 0) unanswered += 1;
      rows.forEach((text, i) => lines.push({ path: def.path, label: rows.length > 1 ? `${def.label_zh} ${i + 1}` : def.label_zh, value: text }));
      continue;
    }
    const text = valueText(bundle, def, fields[def.path], choices);
    if (text) lines.push({ path: def.path, label: def.label_zh, value: text });
    else unanswered += 1;
  }
  return { lines, unanswered };
}

/** Whether a finding is about a field of `section` (the field, an element or a column of it). */
export function inSection(section: SectionDef, path: string): boolean {
  return section.fields.some((f) => path === f.path || path.startsWith(`${f.path}.`) || path.startsWith(`${f.path}[`));
}

/** The section's fields' values (to tell whether an edit changed anything). */
export function sectionSnapshot(section: SectionDef, fields: Fields): string {
  return JSON.stringify(section.fields.map((f) => fields[f.path] ?? null));
}

/** The sections a door visit goes through, in order: the visit's code list (the domain's). */
export function visitSections(bundle: FormBundle): { code: string; label: string }[] {
  const list = bundle.code_lists.find((l) => l.id === visitSectionList(bundle));
  return (list?.entries ?? []).map((e) => ({ code: e.code, label: e.zh }));
}

/** The id of the code list the visit form's 核实内容 uses. */
function visitSectionList(bundle: FormBundle): string | undefined {
  const visit = formFor(bundle, "visit");
  return visit?.sections.flatMap((s) => s.fields).find((f) => f.widget === "checklist")?.code_list;
}

/** The household form's section a visit section names (none for the members). */
export function formSection(form: FormDef | undefined, code: string): SectionDef | undefined {
  return form?.sections.find((s) => s.id === code);
}

/**
 * The visit in progress on this device: each section's outcome so far, kept per household
 * and day in local storage, so going to a member's change and back (the page is drawn again)
 * or a phone ending the app keeps what was confirmed.
 */
export class DoorVisit {
  private outcomes: Record<string, string> = {};
  private key: string;

  constructor(
    householdId: string,
    private date: string,
    private sections: string[],
  ) {
    this.key = `jiandang.door-visit.${householdId}`;
    try {
      const saved = JSON.parse(localStorage.getItem(this.key) ?? "null") as { date: string; outcomes: Record<string, string> } | null;
      if (saved && saved.date === date) this.outcomes = saved.outcomes;
    } catch {
      this.outcomes = {};
    }
  }

  outcome(section: string): string | undefined {
    return this.outcomes[section];
  }

  set(section: string, outcome: string): void {
    this.outcomes[section] = outcome;
    localStorage.setItem(this.key, JSON.stringify({ date: this.date, outcomes: this.outcomes }));
  }

  done(): number {
    return this.sections.filter((s) => this.outcomes[s] !== undefined).length;
  }

  total(): number {
    return this.sections.length;
  }

  complete(): boolean {
    return this.done() === this.total();
  }

  /** Every section with its outcome, in the visit's order (what the domain's action takes). */
  checks(): SectionCheck[] {
    return this.sections.map((kind) => ({ kind, outcome: this.outcomes[kind] ?? "", note: null }));
  }

  clear(): void {
    this.outcomes = {};
    localStorage.removeItem(this.key);
  }
}

/**
 * The latest visit recorded for the household, in a sentence: "最近入户核实：2018-10-20 ·
 * 收入有变化，其余无变化".
 */
export function lastVisitText(bundle: FormBundle, visits: RecordView[]): { id: string; text: string } | null {
  const latest = [...visits].sort((a, b) => String(a.fields["date"] ?? "").localeCompare(String(b.fields["date"] ?? ""))).pop();
  if (!latest) return null;
  const sections = Array.isArray(latest.fields["sections"]) ? (latest.fields["sections"] as SectionCheck[]) : [];
  const list = visitSectionList(bundle);
  const changed = sections.filter((s) => s.outcome === bundle.facts.section_changed).map((s) => codeLabel(bundle, list, s.kind));
  const what = changed.length === 0 ? "各项无变化" : `${changed.join("、")}有变化，其余无变化`;
  return { id: latest.id, text: `最近入户核实：${displayValue(latest.fields["date"])} · ${what}` };
}

/** One entry of the section index: where it jumps to and its marks. */
export interface IndexEntry {
  id: string;
  label: string;
  /** A selector of the element the entry scrolls to. */
  target: string;
}

export interface IndexMarks {
  error: boolean;
  unconfirmed: boolean;
  waiting: boolean;
}

/**
 * The section index: one button per section of the page that scrolls to it, marked when the
 * section has an error (!), is not yet confirmed at the door (?) or waits to sync (↑).
 */
export class SectionIndex {
  el: HTMLElement;
  private buttons = new Map<string, HTMLButtonElement>();

  constructor(
    private entries: IndexEntry[],
    private marks: (id: string) => IndexMarks,
  ) {
    this.el = h("nav", { class: "section-index", id: "section-index", "aria-label": "分项" });
    mount(
      this.el,
      entries.map((e) => {
        const b = h(
          "button",
          {
            class: "index-entry",
            type: "button",
            "data-index": e.id,
            onclick: () => document.querySelector(e.target)?.scrollIntoView({ block: "start" }),
          },
          e.label,
        );
        this.buttons.set(e.id, b);
        return b;
      }),
    );
    this.refresh();
  }

  /** The selector an entry scrolls to. */
  targetOf(id: string): string {
    return this.entries.find((e) => e.id === id)?.target ?? `#${id}`;
  }

  /** Draws the marks again (after a confirmation, a save, new findings). */
  refresh(): void {
    for (const e of this.entries) {
      const b = this.buttons.get(e.id);
      if (!b) continue;
      const m = this.marks(e.id);
      b.classList.toggle("has-error", m.error);
      b.classList.toggle("unconfirmed", m.unconfirmed);
      b.classList.toggle("waiting", m.waiting);
      b.dataset.marks = [m.error ? "error" : "", m.unconfirmed ? "unconfirmed" : "", m.waiting ? "waiting" : ""].filter((x) => x).join(" ");
      b.title = [m.error ? "有错误" : "", m.unconfirmed ? "未核实" : "", m.waiting ? "待同步" : ""].filter((x) => x).join("、");
    }
  }
}

/** A page of the comparison sheet: a section's title and its values. */
export interface SheetPage {
  title: string;
  lines: ValueLine[];
}

/**
 * The comparison sheet (对照表) on the phone: the household's current values, one screen
 * per section in large text, to show the household before asking what changed.
 */
export function comparisonSheet(title: string, pages: SheetPage[], close: () => void): HTMLElement {
  let at = 0;
  const body = h("div", { class: "sheet-body" });
  const counter = h("span", { class: "sheet-counter", id: "sheet-counter" });
  const prev = h("button", { class: "secondary", id: "sheet-prev", type: "button", onclick: () => show(at - 1) }, "上一项");
  const next = h("button", { class: "primary", id: "sheet-next", type: "button", onclick: () => show(at + 1) }, "下一项");
  const show = (i: number) => {
    at = Math.max(0, Math.min(pages.length - 1, i));
    const p = pages[at];
    if (!p) return;
    mount(
      body,
      h("h2", { class: "sheet-title", id: "sheet-title" }, p.title),
      p.lines.length === 0
        ? h("p", { class: "empty" }, "（未填写）")
        : h("dl", { class: "sheet-values" }, p.lines.map((l) => [h("dt", {}, l.label), h("dd", { "data-path": l.path }, l.value)])),
    );
    counter.textContent = `${at + 1} / ${pages.length}`;
    prev.disabled = at === 0;
    next.disabled = at === pages.length - 1;
  };
  show(0);
  return h(
    "div",
    { class: "sheet", id: "sheet", role: "dialog" },
    h("div", { class: "sheet-head" }, h("span", { class: "sheet-name" }, `对照表 · ${title}`), h("button", { class: "secondary", id: "sheet-close", type: "button", onclick: close }, "关闭")),
    body,
    h("div", { class: "sheet-nav" }, prev, counter, next),
  );
}

/** Errors among findings (what the index marks). */
export function hasError(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === "error");
}
