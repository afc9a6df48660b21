// The household page: every section of the household form, members with natural
// increase/decrease, the exit action with its refusals, the W5 procedure steps, exit
// measures, GPS and photos. Answers are checked by the domain rules as they are typed.

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
} from "../backend";
import { currentApp, go } from "../app";
import {
  Choices,
  codeLabel,
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
  const body = h(
    "div",
    { class: "household", "data-id": hh.id },
    h("div", { class: "record-head" }, h("span", { id: "record-sync" }, syncBadge(hh.sync))),
    writeNotice(hh.id),
    recordEditor("household", hh, bundle.findings, { choices, controls: (form) => visitPanel(form) }),
    membersPanel(bundle, choices, focus),
    exitPanel(bundle, choices),
    singlePanel("procedure", hh.id, bundle.procedure[0] ?? null, choices),
    singlePanel("household_exit_measures", hh.id, bundle.exit_measures, choices),
    gpsPanel(hh.id, hh.village_id, bundle.gps),
    photoPanel(hh.id, hh.village_id, bundle.photos, (p) => choices.put("photo", photoChoice(p))),
  );
  return frame(title, body, { back: "#/home" });
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

/**
 * Saves every answer still waiting for typing to pause, now: the app calls it when it goes to
 * the background (a phone may end it there), and tests call it so one test's typing is saved
 * within that test.
 */
export async function flushPendingSaves(): Promise<void> {
  const all = [...pendingSaves];
  pendingSaves.clear();
  await Promise.all(all.map((f) => f()));
}

interface EditorOptions {
  /** Controls drawn above the form that set its fields (the visit button). */
  controls?: (form: RenderedForm) => Node;
  /** Records the reference fields pick from (see FormOptions.choices). */
  choices?: Choices;
  /** Fields every save of a new record carries (the link to its household). */
  link?: Fields;
  onSaved?: (r: RecordView) => void;
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
  const form = formFor(app.bundle, kind);
  if (!form) return h("div", { class: "error-box" }, `缺少表单定义：${kind}`);
  let id = record?.id ?? null;
  const villageId = record?.village_id ?? app.villageId ?? "";
  const state = h("div", { class: "save-state", "data-kind": kind }, record ? "" : "未保存");
  const general = h("div", { class: "record-findings" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flush: (() => Promise<void>) | undefined;
  let rendered: RenderedForm;

  const show = (fs: Finding[]) => {
    rendered.showFindings(fs);
    mount(
      general,
      recordLevelFindings(fs, form).map((f) =>
        h("div", { class: `finding ${f.severity}`, "data-code": f.code }, f.message),
      ),
    );
  };

  // Saves run one after another: the first save of a new record makes its id, and a later
  // one (typing went on while it ran) must carry that id, not make a second record.
  let saving: Promise<void> = Promise.resolve();
  const save = (fields: Fields): Promise<void> => {
    saving = saving.then(() => saveNow(fields));
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
function membersPanel(b: HouseholdBundle, choices: Choices, focus?: Focus): HTMLElement {
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
