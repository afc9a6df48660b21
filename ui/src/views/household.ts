// The household page: a section index; an existing household's sections to verify at the
// door (verify.ts), or a new household's whole form; members with natural increase/decrease,
// the exit action with its refusals, the W5 procedure steps, exit measures, GPS and photos.
// Answers are checked by the domain rules as they are typed.

import {
  backend,
  errorMessage,
  type ExitStepRecord,
  type Fields,
  type Finding,
  type FormBundle,
  type FormDef,
  type HouseholdActions,
  type HouseholdBundle,
  type MemberChangeDirection,
  type Offer,
  type PhotoView,
  type RecordView,
  type SectionDef,
} from "../backend";
import { currentApp, go } from "../app";
import {
  Choices,
  codeLabel,
  fieldLabel,
  fieldsText,
  formFields,
  formFor,
  recordLevelFindings,
  renderForm,
  syncBadge,
  type Choice,
  type RenderedForm,
} from "../forms";
import { h, mount } from "../dom";
import { frame, toast } from "./shell";
import {
  comparisonSheet,
  DoorVisit,
  formSection,
  hasError,
  inSection,
  lastVisitText,
  SectionIndex,
  sectionSnapshot,
  sectionValues,
  visitSections,
  type IndexEntry,
  type IndexMarks,
  type SheetPage,
} from "./verify";
import { gpsPanel } from "./gps";
import { writeNotice } from "./problems";
import { photoPanel } from "./photos";

/** How long typing may pause before the answers are checked and saved. */
const SAVE_DELAY_MS = 600;

/** A record (and field) to show when the page opens, from the sync screen. */
export interface Focus {
  recordId: string;
  field?: string;
}

export async function householdView(id: string, focus?: Focus): Promise<HTMLElement> {
  const app = currentApp();
  const villageId = app.villageId ?? "";
  if (id === "new") return newHousehold(villageId);
  let bundle: HouseholdBundle;
  try {
    bundle = await backend().household(id);
  } catch (e) {
    return frame("农户", h("div", { class: "error-box" }, errorMessage(e)), { back: "#/home" });
  }
  const hh = bundle.household;
  const title = headName(bundle) || "农户";
  // What the household's reference fields pick from: its village's natural villages and
  // helpers, its own members and photos (a photo just taken joins the list).
  const choices = new Choices({
    natural_village: bundle.natural_villages.map((n) => ({ value: n.id, label: n.name })),
    helper: bundle.helpers.map((x) => ({ value: x.id, label: x.name })),
    photo: bundle.photos.map(photoChoice),
  });
  const page = new HouseholdPage(bundle, choices, focus);
  const body = h(
    "div",
    { class: "household", "data-id": hh.id, "data-mode": bundle.verify ? "verify" : "full" },
    h("div", { class: "record-head" }, h("span", { id: "record-sync" }, syncBadge(hh.sync))),
    page.index.el,
    writeNotice(hh.id),
    page.visitBar(title),
    page.main(),
    membersPanel(bundle, choices, focus, page.membersBar()),
    exitPanel(bundle, choices),
    singlePanel("procedure", hh.id, bundle.procedure[0] ?? null, choices),
    singlePanel("household_exit_measures", hh.id, bundle.exit_measures, choices),
    gpsPanel(hh.id, hh.village_id, bundle.gps),
    photoPanel(hh.id, hh.village_id, bundle.photos, (p) => choices.put("photo", photoChoice(p))),
    page.sheetHost,
  );
  return frame(title, body, { back: "#/home" });
}

/**
 * Existing households the worker chose to see as the whole form (整表修改: typing a paper
 * sheet in, say), for as long as the app runs; the others open in verify mode.
 */
const wholeForm = new Set<string>();

/** The household page's panels after the form, as the index names them. */
const PANELS: IndexEntry[] = [
  { id: "exit", label: "脱贫", target: "#exit" },
  { id: "procedure", label: "程序", target: "#panel-procedure" },
  { id: "measures", label: "措施", target: "#panel-household_exit_measures" },
  { id: "gps", label: "定位", target: "#gps" },
  { id: "photos", label: "照片", target: "#photos" },
];

/**
 * The household form on the page: in verify mode (an existing household, C1) each section's
 * values with 无变化 / 修改 and the door visit they add up to; otherwise (a new household)
 * the whole form. Keeps the household as last saved and its findings, for the index's marks.
 */
class HouseholdPage {
  index: SectionIndex;
  sheetHost = h("div", { id: "sheet-host" });
  private app = currentApp();
  private form: FormDef | undefined;
  private current: RecordView;
  private findings: Finding[];
  private visit: DoorVisit | null;
  private progress = h("span", { id: "door-progress" });
  private result = h("div", { id: "door-result" });
  private general = h("div", { class: "record-findings", id: "household-findings" });
  private cards = new Map<string, () => void>();
  private closeOpen: (() => Promise<void>) | null = null;

  constructor(
    private bundle: HouseholdBundle,
    private choices: Choices,
    private focus?: Focus,
  ) {
    this.form = formFor(this.app.bundle, "household");
    this.current = bundle.household;
    this.findings = bundle.findings;
    const sections = visitSections(this.app.bundle);
    this.visit = bundle.verify && !wholeForm.has(bundle.household.id) ? new DoorVisit(bundle.household.id, beijingToday(), sections.map((s) => s.code)) : null;
    const members = this.app.bundle.facts.visit_members;
    const entries: IndexEntry[] = [
      ...sections.map((s) => ({
        id: s.code,
        label: s.label,
        target: s.code === members ? "#members" : `#household-main [data-section="${s.code}"]`,
      })),
      ...PANELS,
    ];
    this.index = new SectionIndex(entries, (id) => this.marks(id));
  }

  private marks(id: string): IndexMarks {
    const b = this.bundle;
    const errorsOf = (r: RecordView | null | undefined) => Boolean(r && hasError(b.record_findings[r.id] ?? []));
    const unconfirmed = this.visit !== null && this.visit.total() > 0 && visitSections(this.app.bundle).some((s) => s.code === id) && !this.visit.outcome(id);
    const section = formSection(this.form, id);
    if (section) {
      return {
        error: this.findings.some((f) => f.severity === "error" && inSection(section, f.path)),
        unconfirmed,
        waiting: this.current.pending.some((p) => inSection(section, p)),
      };
    }
    switch (id) {
      case this.app.bundle.facts.visit_members:
        return { error: b.members.some(errorsOf), unconfirmed, waiting: b.members.some((m) => m.sync !== "synced") };
      case "procedure":
        return { error: errorsOf(b.procedure[0]), unconfirmed: false, waiting: (b.procedure[0]?.sync ?? "synced") !== "synced" };
      case "measures":
        return { error: errorsOf(b.exit_measures), unconfirmed: false, waiting: (b.exit_measures?.sync ?? "synced") !== "synced" };
      case "gps":
        return { error: false, unconfirmed: false, waiting: b.gps.some((g) => g.sync !== "synced") };
      case "photos":
        return { error: false, unconfirmed: false, waiting: b.photos.some((p) => !p.uploaded) };
      default:
        return { error: false, unconfirmed: false, waiting: false };
    }
  }

  private saved = (r: RecordView) => {
    this.current = r;
    this.index.refresh();
  };

  private judged = (fs: Finding[]) => {
    this.findings = fs;
    this.drawGeneral();
    this.index.refresh();
  };

  /** The door visit's state (verify mode) and the comparison sheet. */
  visitBar(title: string): HTMLElement | null {
    const id = this.bundle.household.id;
    if (!this.visit) {
      // An existing household shown whole on request: back to verifying it in one tap.
      if (!this.bundle.verify) return null;
      return h(
        "div",
        { class: "door-visit", id: "door-visit" },
        h("button", { class: "secondary", id: "verify-mode", type: "button", onclick: () => { wholeForm.delete(id); go(location.hash); } }, "逐项核实"),
      );
    }
    this.drawProgress();
    const last = lastVisitText(this.app.bundle, this.bundle.visits);
    return h(
      "div",
      { class: "door-visit", id: "door-visit" },
      h("div", { class: "door-line" }, this.progress, h("button", { class: "secondary", id: "open-sheet", type: "button", onclick: () => this.openSheet(title) }, "对照表")),
      last ? h("div", { class: "hint", id: "last-visit", "data-visit-id": last.id }, last.text) : null,
      this.result,
      h("button", { class: "link", id: "full-form", type: "button", onclick: () => { wholeForm.add(id); go(location.hash); } }, "整表修改"),
    );
  }

  private drawProgress(): void {
    if (!this.visit) return;
    this.progress.textContent = `入户核实：已核 ${this.visit.done()} / ${this.visit.total()} 项`;
    this.progress.dataset.done = String(this.visit.done());
  }

  /** The household form: its sections to verify, or the whole form for a new household. */
  main(): HTMLElement {
    if (!this.visit || !this.form) {
      return h(
        "div",
        { id: "household-main" },
        recordEditor("household", this.bundle.household, this.bundle.findings, {
          choices: this.choices,
          controls: (form) => visitPanel(form),
          onSaved: this.saved,
          onFindings: this.judged,
        }),
      );
    }
    this.drawGeneral();
    const cards = this.form.sections.map((s) => this.card(s));
    return h("div", { id: "household-main", "data-record-id": this.bundle.household.id }, this.general, cards);
  }

  private drawGeneral(): void {
    if (!this.visit) return;
    const general = this.findings.filter((f) => !(this.form?.sections ?? []).some((s) => inSection(s, f.path)));
    mount(this.general, general.map((f) => h("div", { class: `finding ${f.severity}`, "data-code": f.code }, f.message)));
  }

  /** One section in verify mode: values, findings, 无变化 and 修改. */
  private card(section: SectionDef): HTMLElement {
    const app = this.app;
    const visit = this.visit!;
    const values = h("div", { class: "values" });
    const notes = h("div", { class: "section-findings" });
    const state = h("span", { class: "outcome" });
    const editorHost = h("div", { class: "section-editor" });
    const confirm = h(
      "button",
      { class: "primary", type: "button", "data-confirm": section.id, onclick: () => this.confirm(section.id) },
      "无变化",
    );
    const edit = h("button", { class: "secondary", type: "button", "data-edit": section.id, onclick: () => void this.edit(section, editorHost) }, "修改");
    const actions = h("div", { class: "actions" }, confirm, edit);
    const el = h(
      "section",
      { class: "verify-section card", "data-section": section.id },
      h("div", { class: "verify-head" }, h("h2", {}, section.title_zh), state),
      notes,
      values,
      actions,
      editorHost,
    );
    const draw = () => {
      const v = sectionValues(app.bundle, section, this.current.fields, this.choices);
      mount(
        values,
        h("dl", { class: "value-list" }, v.lines.map((l) => [h("dt", {}, l.label), h("dd", { "data-path": l.path }, l.value)])),
        v.unanswered > 0 ? h("div", { class: "hint" }, `另有 ${v.unanswered} 项未填`) : null,
      );
      const mine = this.findings.filter((f) => inSection(section, f.path));
      mount(notes, mine.map((f) => h("div", { class: `finding ${f.severity}`, "data-code": f.code }, `${fieldLabel(app.bundle, "household", f.path)}：${f.message}`)));
      const outcome = visit.outcome(section.id);
      el.dataset.outcome = outcome ?? "";
      state.textContent = outcome ? codeLabel(app.bundle, outcomeList(app.bundle), outcome) : "未核实";
      state.className = `outcome badge ${outcome ? (outcome === app.bundle.facts.section_changed ? "changed" : "confirmed") : "muted"}`;
      confirm.hidden = outcome === app.bundle.facts.section_unchanged;
    };
    this.cards.set(section.id, draw);
    draw();
    // Opened at a field (the sync screen's or a problem's): that section's editor is open.
    if (this.focus?.recordId === this.bundle.household.id && this.focus.field && inSection(section, this.focus.field)) {
      void this.edit(section, editorHost);
    }
    return el;
  }

  /** 无变化: the section is confirmed; the next one not yet gone through comes into view. */
  private confirm(code: string): void {
    if (!this.visit) return;
    this.visit.set(code, this.app.bundle.facts.section_unchanged);
    this.afterOutcome(code);
  }

  private afterOutcome(code: string): void {
    this.cards.get(code)?.();
    this.drawProgress();
    this.index.refresh();
    if (this.visit?.complete()) {
      void this.record();
      return;
    }
    const next = visitSections(this.app.bundle).find((s) => !this.visit?.outcome(s.code));
    if (next) document.querySelector(this.index.targetOf(next.code))?.scrollIntoView({ block: "start" });
  }

  /** 修改: just this section's editor; 完成修改 marks it changed when a value changed. */
  private async edit(section: SectionDef, host: HTMLElement): Promise<void> {
    if (this.closeOpen) await this.closeOpen();
    const card = host.closest<HTMLElement>(".verify-section");
    const before = sectionSnapshot(section, this.current.fields);
    const editor = recordEditor("household", this.current, this.findings, {
      choices: this.choices,
      sections: [section.id],
      onSaved: this.saved,
      onFindings: this.judged,
    });
    const close = async () => {
      this.closeOpen = null;
      await flushPendingSaves();
      mount(host);
      card?.classList.remove("editing");
      if (this.visit && sectionSnapshot(section, this.current.fields) !== before) {
        this.visit.set(section.id, this.app.bundle.facts.section_changed);
        this.afterOutcome(section.id);
      } else {
        this.cards.get(section.id)?.();
      }
    };
    this.closeOpen = close;
    card?.classList.add("editing");
    mount(host, editor, h("button", { class: "primary big", type: "button", "data-done": section.id, onclick: () => void close() }, "完成修改"));
  }

  /** The members' 无变化 / 有变化 (their changes are made on their cards below). */
  membersBar(): HTMLElement | null {
    const visit = this.visit;
    if (!visit) return null;
    const code = this.app.bundle.facts.visit_members;
    const state = h("span", { class: "outcome badge" });
    const bar = h(
      "div",
      { class: "verify-bar", "data-section": code },
      state,
      h("div", { class: "actions" },
        h("button", { class: "primary", type: "button", "data-confirm": code, onclick: () => this.confirm(code) }, "无变化"),
        h("button", { class: "secondary", type: "button", "data-changed": code, onclick: () => {
          visit.set(code, this.app.bundle.facts.section_changed);
          this.afterOutcome(code);
        } }, "有变化"),
      ),
    );
    const draw = () => {
      const outcome = visit.outcome(code);
      bar.dataset.outcome = outcome ?? "";
      state.textContent = outcome ? codeLabel(this.app.bundle, outcomeList(this.app.bundle), outcome) : "未核实";
      state.className = `outcome badge ${outcome ? (outcome === this.app.bundle.facts.section_changed ? "changed" : "confirmed") : "muted"}`;
    };
    this.cards.set(code, draw);
    draw();
    return bar;
  }

  /** Every section gone through: the door visit, through the domain's action. */
  private async record(): Promise<void> {
    const visit = this.visit;
    if (!visit) return;
    mount(this.result, h("div", { class: "hint" }, "正在记录入户核实……"));
    try {
      await flushPendingSaves();
      const a = await backend().recordVisit({
        household_id: this.bundle.household.id,
        date: beijingToday(),
        visited_by: this.app.status.user?.display_name ?? null,
        sections: visit.checks(),
        note: null,
      });
      if (a.done) {
        visit.clear();
        toast("入户核实已记录 · 待同步");
        // The action set the household's 入户核实日期: the page is drawn again with it.
        go(location.hash);
        return;
      }
      mount(this.result, h("div", { class: "error-box" }, h("strong", {}, "未能记录入户核实："), h("ul", {}, a.findings.map((f) => h("li", { "data-code": f.code }, f.message)))));
    } catch (e) {
      mount(this.result, h("div", { class: "error-box" }, errorMessage(e)));
    }
  }

  /** The comparison sheet over the page: each section's current values in large text. */
  private openSheet(title: string): void {
    const app = this.app;
    const pages: SheetPage[] = visitSections(app.bundle).map((s) => {
      const section = formSection(this.form, s.code);
      if (section) return { title: section.title_zh, lines: sectionValues(app.bundle, section, this.current.fields, this.choices).lines };
      return {
        title: s.label,
        lines: this.bundle.members
          .filter((m) => !hasLeft(m))
          .map((m) => ({ path: m.id, label: String(m.fields["name"] ?? "家庭成员"), value: fieldsText(app.bundle, "member", m.fields, MEMBER_SHEET) })),
      };
    });
    mount(this.sheetHost, comparisonSheet(title, pages, () => mount(this.sheetHost)));
  }
}

/** What the comparison sheet says of each member. */
const MEMBER_SHEET = ["relationship", "sex", "birth_date", "health", "labor_skill"];

/** The code list of the visit's 核实结果 (the visit form's column). */
function outcomeList(bundle: FormBundle): string | undefined {
  const visit = formFor(bundle, "visit");
  const list = visit?.sections.flatMap((s) => s.fields).find((f) => f.widget === "checklist");
  return list?.columns?.find((c) => c.widget === "code")?.code_list;
}

/** Today in Beijing (the policy's calendar), from the device clock. */
export function beijingToday(nowMs: number = Date.now()): string {
  return new Date(nowMs + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

/**
 * 入户核实 (C1): whether the household was visited this year, and a button that records
 * today's visit in its 入户核实日期 through the household form (saved like a typed answer).
 * The domain decides what counts as this year's visit; the list's 本年未走访 follows it.
 */
function visitPanel(form: RenderedForm): HTMLElement {
  const state = h("span", { id: "visit-state" });
  const draw = () => {
    const on = form.fields()["basic.visited_on"];
    state.textContent = typeof on === "string" && on ? `最近入户核实：${on}` : "尚未记录入户核实";
  };
  draw();
  return h(
    "div",
    { class: "visit", id: "visit" },
    state,
    h(
      "button",
      {
        class: "secondary",
        id: "record-visit",
        onclick: () => {
          form.set("basic.visited_on", beijingToday());
          draw();
        },
      },
      "今日已入户核实",
    ),
  );
}

/** A photo to pick as proof or attachment: its thumbnail, kind and when it was taken. */
export function photoChoice(p: PhotoView): Choice {
  return { value: p.id, label: `${codeLabel(currentApp().bundle, "photo_kind", p.kind)} · ${p.taken_at}`, thumbnail: p.thumbnail };
}

function headName(b: HouseholdBundle): string {
  const facts = currentApp().bundle.facts;
  const head = b.members.find((m) => m.fields["relationship"] === facts.head_relationship);
  return typeof head?.fields["name"] === "string" ? (head.fields["name"] as string) : "";
}

async function newHousehold(villageId: string): Promise<HTMLElement> {
  const saveFirst = h(
    "button",
    {
      class: "primary big",
      id: "create-household",
      onclick: async () => {
        try {
          const r = await backend().saveRecord({ id: null, kind: "household", village_id: villageId, fields: {} });
          go(`#/household/${r.record.id}`);
        } catch (e) {
          toast(errorMessage(e), "error");
        }
      },
    },
    "建立新识别农户",
  );
  return frame("新识别农户", h("div", { class: "card" }, h("p", {}, "先建立农户记录，再填写各部分信息和家庭成员。"), saveFirst), {
    back: "#/home",
  });
}

/** Saves waiting for typing to pause, by editor: run at once by [`flushPendingSaves`]. */
const pendingSaves = new Set<() => Promise<void>>();
/** Saves under way (their answer not yet back). */
const runningSaves = new Set<Promise<void>>();

/**
 * Saves every answer still waiting for typing to pause, now: the app calls it when it goes to
 * the background (a phone may end it there), and tests call it so one test's typing is saved
 * within that test.
 */
export async function flushPendingSaves(): Promise<void> {
  const all = [...pendingSaves];
  pendingSaves.clear();
  await Promise.all([...all.map((f) => f()), ...runningSaves]);
}

interface EditorOptions {
  /** Controls drawn above the form that set its fields (the visit button). */
  controls?: (form: RenderedForm) => Node;
  /** Records the reference fields pick from (see FormOptions.choices). */
  choices?: Choices;
  /** Fields every save of a new record carries (the link to its household). */
  link?: Fields;
  /** Only these sections of the form (verify mode's 修改 of one section); all when absent. */
  sections?: string[];
  onSaved?: (r: RecordView) => void;
  /** The record's findings each time the domain judged it (the section index's marks). */
  onFindings?: (findings: Finding[]) => void;
}

/**
 * One record's form: validates through the domain as typed, saves after a pause, shows
 * field findings beside the field and record-level ones on top.
 */
export function recordEditor(
  kind: string,
  record: RecordView | null,
  findings: Finding[],
  opts: EditorOptions = {},
): HTMLElement {
  const app = currentApp();
  const whole = formFor(app.bundle, kind);
  if (!whole) return h("div", { class: "error-box" }, `缺少表单定义：${kind}`);
  const only = opts.sections;
  const form: FormDef = only ? { ...whole, sections: whole.sections.filter((s) => only.includes(s.id)) } : whole;
  let id = record?.id ?? null;
  const villageId = record?.village_id ?? app.villageId ?? "";
  const state = h("div", { class: "save-state", "data-kind": kind }, record ? "" : "未保存");
  const general = h("div", { class: "record-findings" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flush: (() => Promise<void>) | undefined;
  let rendered: RenderedForm;

  const show = (fs: Finding[]) => {
    rendered.showFindings(fs);
    opts.onFindings?.(fs);
    // Findings about the sections not shown belong to those sections, not to the record.
    const elsewhere = (f: Finding) => only !== undefined && whole.sections.some((s) => !only.includes(s.id) && inSection(s, f.path));
    mount(
      general,
      recordLevelFindings(fs, form).filter((f) => !elsewhere(f)).map((f) =>
        h("div", { class: `finding ${f.severity}`, "data-code": f.code }, f.message),
      ),
    );
  };

  // Saves run one after another: the first save of a new record makes its id, and a later
  // one (typing went on while it ran) must carry that id, not make a second record.
  let saving: Promise<void> = Promise.resolve();
  const save = (fields: Fields): Promise<void> => {
    saving = saving.then(() => saveNow(fields));
    const mine = saving;
    runningSaves.add(mine);
    void mine.finally(() => runningSaves.delete(mine));
    return saving;
  };
  const saveNow = async (fields: Fields) => {
    state.textContent = "正在保存……";
    try {
      const r = await backend().saveRecord({ id, kind, village_id: villageId, fields: { ...opts.link, ...fields } });
      id = r.record.id;
      editor.dataset.recordId = id;
      show(r.findings);
      state.textContent = r.record.sync === "synced" ? "已保存 · 已同步" : "已保存 · 待同步";
      state.dataset.state = r.record.sync;
      opts.onSaved?.(r.record);
    } catch (e) {
      state.textContent = `未保存：${errorMessage(e)}`;
      state.dataset.state = "error";
    }
  };

  rendered = renderForm({
    bundle: app.bundle,
    form,
    fields: record?.fields ?? {},
    pending: record?.pending ?? [],
    hidden: Object.keys(opts.link ?? {}),
    choices: opts.choices,
    onChange: (fields) => {
      state.textContent = "正在检查……";
      backend()
        .validateRecord(kind, { ...opts.link, ...fields }, id, villageId)
        .then(show)
        .catch(() => undefined);
      clearTimeout(timer);
      if (flush) pendingSaves.delete(flush);
      const pending = () => {
        clearTimeout(timer);
        if (flush) pendingSaves.delete(flush);
        return save(fields);
      };
      flush = pending;
      pendingSaves.add(pending);
      timer = setTimeout(pending, SAVE_DELAY_MS);
    },
  });
  show(findings);
  const editor = h(
    "div",
    { class: "record-editor card", "data-record": kind, "data-record-id": record?.id ?? null },
    h("div", { class: "editor-head" }, h("h2", {}, form.title_zh), state),
    general,
    opts.controls ? opts.controls(rendered) : null,
    rendered.el,
    h("button", { class: "primary", "data-save": kind, onclick: () => save(rendered.fields()) }, "保存"),
  );
  return editor;
}

/** What a member's card says of them: who they are in the household at a glance. */
const MEMBER_CARD = ["name", "relationship", "sex", "birth_date"];

/** Whether a member has left the household (人员状态 已自然减少, the domain's code). */
function hasLeft(m: RecordView): boolean {
  return m.fields["status"] === currentApp().bundle.facts.member_decreased;
}

/**
 * The member-change record's line on its member's card: direction, reason and date as the
 * change form labels them ("自然减少 · 死亡 · 2018-08-20").
 */
export function memberChangeText(bundle: FormBundle, change: RecordView): string {
  return fieldsText(bundle, "member_change", change.fields, ["direction", "reason", "date"]);
}

/**
 * The members: those present, each with its form and 自然减少; then those who left this
 * year, kept on record and marked 已自然减少 (nothing is deleted, W6). A member added or
 * removed by a change shows that change on its card.
 */
function membersPanel(b: HouseholdBundle, choices: Choices, focus: Focus | undefined, verifyBar: HTMLElement | null): HTMLElement {
  const app = currentApp();
  const present = b.members.filter((m) => !hasLeft(m));
  const gone = b.members.filter((m) => hasLeft(m));
  const statusList = formFields(app.bundle, "member").find((f) => f.path === "status")?.code_list;
  const summary = (m: RecordView) => fieldsText(app.bundle, "member", m.fields, MEMBER_CARD);
  // The latest change of each member (by date, then as entered).
  const changes = new Map<string, RecordView>();
  for (const c of [...b.member_changes].sort((x, y) => String(x.fields["date"] ?? "").localeCompare(String(y.fields["date"] ?? "")))) {
    changes.set(String(c.fields["member_id"]), c);
  }
  const card = (m: RecordView, decreased: boolean) => {
    const detail = h("div", { class: "member-detail", hidden: true });
    if (focus?.recordId === m.id) {
      detail.appendChild(recordEditor("member", m, [], { link: { household_id: b.household.id } }));
      detail.hidden = false;
    }
    const change = changes.get(m.id);
    return h(
      "div",
      { class: `member card${decreased ? " decreased" : ""}`, "data-member": m.id, "data-member-status": decreased ? "decreased" : "present" },
      h(
        "div",
        { class: "member-head" },
        h(
          "button",
          {
            class: "member-open",
            onclick: () => {
              if (detail.hidden && detail.childElementCount === 0) {
                detail.appendChild(
                  recordEditor("member", m, [], {
                    link: { household_id: b.household.id },
                  }),
                );
              }
              detail.hidden = !detail.hidden;
            },
          },
          summary(m) || "家庭成员",
        ),
        decreased ? h("span", { class: "badge muted" }, codeLabel(app.bundle, statusList, app.bundle.facts.member_decreased)) : null,
        syncBadge(m.sync),
        decreased
          ? null
          : h(
              "button",
              { class: "secondary", "data-action": "decrease", onclick: () => openChange(b, "decrease", m, choices) },
              "自然减少",
            ),
      ),
      change
        ? h("div", { class: "member-change hint", "data-change": change.id }, memberChangeText(app.bundle, change))
        : null,
      detail,
    );
  };
  return h(
    "section",
    { class: "panel", id: "members" },
    h("h2", {}, `家庭成员（${present.length} 人）`),
    verifyBar,
    h("div", { class: "members", id: "members-present" }, present.map((m) => card(m, false))),
    gone.length > 0
      ? h(
          "div",
          { class: "members", id: "members-decreased" },
          h("h3", {}, `本户已自然减少的成员（${gone.length} 人）`),
          gone.map((m) => card(m, true)),
        )
      : null,
    h(
      "button",
      { class: "secondary big", id: "member-increase", onclick: () => openChange(b, "increase", null, choices) },
      "＋ 家庭成员自然增加",
    ),
    h("div", { id: "member-change-dialog" }),
  );
}

/**
 * The natural increase / decrease sheet (W6): the member-change form, plus the new member's
 * form. 保存 is the domain's action (the `member_change` command): all its records or none.
 * Refused, the sheet stays open with the reasons beside their fields and checks the answers
 * as typed; the next 保存 tries again (one member added, never two).
 */
function openChange(b: HouseholdBundle, direction: MemberChangeDirection, member: RecordView | null, householdChoices: Choices): void {
  const app = currentApp();
  const host = document.getElementById("member-change-dialog");
  if (!host) return;
  const changeForm = formFor(app.bundle, "member_change");
  const memberForm = formFor(app.bundle, "member");
  if (!changeForm || !memberForm) {
    mount(host, h("div", { class: "error-box" }, "缺少表单定义：member_change / member"));
    return;
  }
  // 变更类型 is not asked, but the form's relevance reads it: 新户主 is asked only on a
  // decrease. The domain's action sets it again.
  const facts = app.bundle.facts;
  let changeFields: Fields = { direction: direction === "increase" ? facts.change_increase : facts.change_decrease };
  let memberFields: Fields = { household_id: b.household.id };
  // Refused once (nothing saved): the answers are checked as typed from then on.
  let refused = false;
  // A draft change is judged alone (its member not yet made): only its own fields' findings.
  const changeFieldPaths = new Set(changeForm.sections.flatMap((sec) => sec.fields.map((f) => f.path)));
  const errors = h("div", { class: "record-findings" });
  const present = b.members.filter((m) => !hasLeft(m) && m.id !== member?.id);
  // The change names its household, direction and member itself; the user picks the new
  // head (from those who stay) and the proof photos (from the household's photos).
  const choices = new Choices({
    photo: householdChoices.for(["photo"]) ?? [],
    ...(direction === "decrease"
      ? { member: present.map((m) => ({ value: m.id, label: String(m.fields["name"] ?? "家庭成员") })) }
      : {}),
  });
  const changeEditor = renderForm({
    bundle: app.bundle,
    form: changeForm,
    fields: changeFields,
    pending: [],
    hidden: ["direction", "household_id", "member_id"],
    choices,
    onChange: (f) => {
      changeFields = f;
      // Once refused, the sheet checks its answers as typed, like any form, so a corrected
      // answer loses its finding before the next 保存.
      if (refused) {
        const link = { household_id: b.household.id, ...(member ? { member_id: member.id } : {}) };
        backend()
          .validateRecord("member_change", { ...link, ...f }, null, b.household.village_id)
          .then((fs) => showChangeFindings(fs.filter((x) => changeFieldPaths.has(x.path))))
          .catch(() => undefined);
      }
    },
  });
  const showChangeFindings = (fs: Finding[]) => {
    changeEditor.showFindings(fs);
    mount(
      errors,
      fs.filter((f) => f.severity === "error").map((f) => h("div", { class: `finding ${f.severity}`, "data-code": f.code }, f.message)),
    );
  };
  const memberEditor =
    direction === "increase"
      ? renderForm({
          bundle: app.bundle,
          form: memberForm,
          fields: memberFields,
          pending: [],
          hidden: ["status"],
          onChange: (f) => {
            memberFields = f;
          },
        })
      : null;
  // The member the change is about: the one leaving, or the one just added.
  const memberOf = (change: RecordView) => member?.id ?? String(change.fields["member_id"]);
  // The first 保存 is the domain's action: every record or none, refused with its reasons.
  // Once done, a later 保存 corrects the same records (the member form's own findings).
  // 保存 is the domain's action: every record or none. Refused, nothing is saved and the
  // sheet shows why; a later 保存 tries again with the corrected answers.
  const submit = async (): Promise<{ record: RecordView | null; findings: Finding[] }> => {
    const base = { household_id: b.household.id, change_fields: changeFields };
    const a = await backend().memberChange(
      member
        ? { ...base, direction: "departure", member_id: member.id }
        : { ...base, direction: "arrival", member: memberFields },
    );
    const change = a.done ? a.records.find((r) => r.kind === "member_change") : undefined;
    return { record: change ?? null, findings: a.findings };
  };
  const done = (change: RecordView) => go(`#/household/${b.household.id}/${memberOf(change)}`);
  const name = typeof member?.fields["name"] === "string" ? (member.fields["name"] as string) : "";
  mount(
    host,
    h(
      "div",
      { class: "dialog card", "data-direction": direction },
      h("h3", {}, direction === "increase" ? "家庭成员自然增加" : `家庭成员自然减少${name ? `：${name}` : ""}`),
      changeEditor.el,
      memberEditor ? memberEditor.el : null,
      errors,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            class: "primary",
            id: "member-change-save",
            onclick: async () => {
              try {
                const r = await submit();
                // Refused: nothing was saved; the sheet stays open with the reasons.
                if (!r.record) {
                  showChangeFindings(r.findings);
                  refused = true;
                  return;
                }
                toast("已保存 · 待同步");
                done(r.record);
              } catch (e) {
                mount(errors, h("div", { class: "finding error" }, errorMessage(e)));
              }
            },
          },
          "保存",
        ),
        // Nothing is saved until the domain's action is done: cancelling closes the sheet.
        h("button", { class: "secondary", id: "member-change-cancel", onclick: () => mount(host) }, "取消"),
      ),
    ),
  );
  host.scrollIntoView({ block: "start" });
}

/**
 * 脱贫退出 (W1, W2, C9, Q2): where the household stands, the exit procedure's steps so far,
 * and the actions the domain offers in that state (申请预脱贫, the next step, 标记脱贫, …).
 * The page draws what the domain offers and shows the domain's reasons when it refuses; it
 * decides nothing itself.
 */
function exitPanel(b: HouseholdBundle, choices: Choices): HTMLElement {
  const app = currentApp();
  const out = h("div", { id: "exit-result", class: "exit-result" });
  const stepHost = h("div", { id: "exit-step-form" });
  const acts = b.actions;
  const householdId = b.household.id;
  const refusals = (title: string, reasons: Finding[]) =>
    h(
      "div",
      { class: "error-box", id: "exit-refusals" },
      h("strong", {}, `不能${title}：`),
      h("ul", {}, reasons.map((f) => h("li", { "data-code": f.code }, f.message))),
    );
  const done = (a: { done: boolean; findings: Finding[] }, offer: Offer) => {
    if (a.done) {
      // The action changed the household: redraw the page so every form holds the new
      // values and a later save does not put the old ones back.
      toast(`${offer.label_zh} · 已保存 · 待同步`);
      go(location.hash);
      return;
    }
    mount(out, refusals(offer.label_zh, a.findings));
    out.scrollIntoView({ block: "center" });
  };
  const press = (offer: Offer) => async () => {
    mount(out);
    try {
      if (offer.step !== undefined) {
        // The step picks its signer from the members present, its attachments from the photos.
        const stepChoices = new Choices({
          member: b.members
            .filter((m) => !hasLeft(m))
            .map((m) => ({ value: m.id, label: String(m.fields["name"] ?? "家庭成员") })),
          photo: choices.for(["photo"]) ?? [],
        });
        mount(stepHost, stepForm(householdId, offer, stepChoices, (a) => done(a, offer)));
        stepHost.scrollIntoView({ block: "start" });
        return;
      }
      done(await backend().householdAction(householdId, offer.action), offer);
    } catch (e) {
      mount(out, h("div", { class: "error-box" }, errorMessage(e)));
    }
  };
  return h(
    "section",
    { class: "panel", id: "exit", "data-procedure-id": acts?.exit_procedure_id ?? null },
    h("h2", {}, "脱贫退出"),
    acts
      ? h("p", { id: "household-state", "data-state": acts.state.state }, `当前状态：${acts.state_zh}`)
      : h("p", { class: "hint" }, "本机还没有县里的本年度政策，联网同步一次后可办理脱贫退出。"),
    acts ? stepsList(acts) : null,
    acts
      ? h(
          "div",
          { class: "actions exit-actions" },
          acts.offers.map((o) =>
            h(
              "button",
              {
                class: o.reasons.length === 0 ? "primary" : "secondary",
                "data-action": o.action,
                "data-allowed": String(o.reasons.length === 0),
                onclick: press(o),
              },
              o.label_zh,
            ),
          ),
        )
      : null,
    stepHost,
    out,
    h("p", { class: "hint" }, `按顺序：${(codeListLabels(app.bundle, "exit_step")).join(" → ")}，各步有日期；标记脱贫须程序完成且两不愁三保障已解决、人均纯收入超过当年标准。`),
  );
}

/** The labels of a code list, in its order. */
function codeListLabels(bundle: FormBundle, listId: string): string[] {
  return (bundle.code_lists.find((l) => l.id === listId)?.entries ?? []).map((e) => e.zh);
}

/** The steps recorded so far: each with its date, outcome and notice days. */
function stepsList(acts: HouseholdActions): HTMLElement | null {
  const app = currentApp();
  if (acts.steps.length === 0) return null;
  return h(
    "ol",
    { class: "exit-steps", id: "exit-steps" },
    acts.steps.map((st) =>
      h(
        "li",
        { "data-step": st.step },
        [
          codeLabel(app.bundle, "exit_step", st.step),
          st.date ?? "",
          st.outcome ? codeLabel(app.bundle, "step_outcome", st.outcome) : "",
          st.notice_days != null ? `公示 ${st.notice_days} 天` : "",
        ]
          .filter((x) => x)
          .join(" · "),
      ),
    ),
  );
}

/**
 * The next step's sheet: the exit-procedure form's step columns (日期, 结果, and what the
 * form asks for that step: 公示天数, 签字认可的户主, by its relevance), recorded through the
 * domain's action.
 */
function stepForm(
  householdId: string,
  offer: Offer,
  householdChoices: Choices,
  answered: (a: { done: boolean; findings: Finding[] }) => void,
): HTMLElement {
  const app = currentApp();
  const steps = formFields(app.bundle, "exit_procedure").find((f) => (f.columns ?? []).length > 0);
  if (!steps?.columns) return h("div", { class: "error-box" }, "缺少表单定义：exit_procedure");
  const form: FormDef = {
    id: "exit_step",
    record: "exit_procedure",
    title_zh: offer.label_zh,
    sections: [{ id: "step", title_zh: offer.label_zh, fields: steps.columns }],
  };
  let fields: Fields = { step: offer.step };
  const rendered = renderForm({
    bundle: app.bundle,
    form,
    fields,
    pending: [],
    hidden: ["step"],
    choices: householdChoices,
    onChange: (f) => {
      fields = f;
    },
  });
  const record = (): ExitStepRecord => ({
    step: String(offer.step),
    date: typeof fields.date === "string" && fields.date ? fields.date : null,
    outcome: typeof fields.outcome === "string" && fields.outcome ? fields.outcome : null,
    notice_days: typeof fields.notice_days === "number" ? fields.notice_days : null,
    signed_by: typeof fields.signed_by === "string" && fields.signed_by ? fields.signed_by : null,
    note: typeof fields.note === "string" && fields.note ? fields.note : null,
    attachment_photo_ids: Array.isArray(fields.attachment_photo_ids) ? fields.attachment_photo_ids.map(String) : [],
  });
  return h(
    "div",
    { class: "dialog card", "data-step": String(offer.step) },
    rendered.el,
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          class: "primary",
          id: "exit-step-save",
          onclick: async () => {
            try {
              answered(await backend().recordExitStep(householdId, record()));
            } catch (e) {
              answered({ done: false, findings: [{ code: "error", severity: "error", path: "", message: errorMessage(e) }] });
            }
          },
        },
        "保存此步",
      ),
    ),
  );
}

/** A record the household has at most one of (the W5 procedure, the exit measures). */
function singlePanel(kind: string, householdId: string, record: RecordView | null, choices: Choices): HTMLElement {
  return h(
    "section",
    { class: "panel", id: `panel-${kind}` },
    recordEditor(kind, record, [], { link: { household_id: householdId }, choices }),
  );
}
