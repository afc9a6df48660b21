// The household page: every section of the household form, members with natural
// increase/decrease, the exit action with its refusals, the W5 procedure steps, exit
// measures, GPS and photos. Answers are checked by the domain rules as they are typed.

import {
  backend,
  errorMessage,
  type Fields,
  type Finding,
  type FormBundle,
  type HouseholdBundle,
  type MemberChangeDirection,
  type PhotoView,
  type RecordView,
  type SaveResult,
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
    recordEditor("household", hh, bundle.findings, { choices, controls: (form) => visitPanel(form) }),
    membersPanel(bundle, choices, focus),
    exitPanel(hh.id),
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
  const head = b.members.find((m) => m.fields["relationship"] === "01" || m.fields["relationship"] === "1");
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
        .validateRecord(kind, { ...opts.link, ...fields }, id)
        .then(show)
        .catch(() => undefined);
      clearTimeout(timer);
      timer = setTimeout(() => save(fields), SAVE_DELAY_MS);
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

/** 人员状态 (the member_status code list): "1" 正常, "2" 已自然减少. */
const PRESENT = "1";
const DECREASED = "2";

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
  const present = b.members.filter((m) => m.fields["status"] !== DECREASED);
  const gone = b.members.filter((m) => m.fields["status"] === DECREASED);
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
        decreased ? h("span", { class: "badge muted" }, codeLabel(app.bundle, statusList, DECREASED)) : null,
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
 * form. The first 保存 makes the records (the `member_change` command); when the domain
 * still finds errors the sheet stays open, and a later 保存 corrects those same records
 * rather than adding another member.
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
  // 变更类型 (change_direction "1" 自然增加, "2" 自然减少) is not asked, but the form's
  // relevance reads it: 新户主 is asked only on a decrease. The shell sets it again on save.
  let changeFields: Fields = { direction: direction === "increase" ? "1" : "2" };
  let memberFields: Fields = { household_id: b.household.id };
  let saved: RecordView | null = null;
  const errors = h("div", { class: "record-findings" });
  const present = b.members.filter((m) => m.fields["status"] !== DECREASED && m.id !== member?.id);
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
      // Once saved with errors, the sheet checks its answers as typed, like any form, so a
      // corrected answer loses its finding before the next 保存.
      if (saved) {
        backend()
          .validateRecord("member_change", { ...saved.fields, ...f }, saved.id)
          .then(showChangeFindings)
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
  const submit = async (): Promise<SaveResult> => {
    if (!saved) {
      return backend().memberChange({
        household_id: b.household.id,
        direction,
        change_fields: changeFields,
        member_id: member?.id ?? null,
        member_fields: memberEditor ? { ...memberFields, household_id: b.household.id } : null,
      });
    }
    if (memberEditor) {
      await backend().saveRecord({
        id: memberOf(saved),
        kind: "member",
        village_id: saved.village_id,
        fields: { ...memberFields, household_id: b.household.id, status: PRESENT },
      });
    }
    return backend().saveRecord({ id: saved.id, kind: "member_change", village_id: saved.village_id, fields: { ...saved.fields, ...changeFields } });
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
                saved = r.record;
                showChangeFindings(r.findings);
                if (r.findings.some((f) => f.severity === "error")) return;
                toast("已保存 · 待同步");
                done(r.record);
              } catch (e) {
                mount(errors, h("div", { class: "finding error" }, errorMessage(e)));
              }
            },
          },
          "保存",
        ),
        // Records already made stay (nothing entered is lost); the page then shows them.
        h("button", { class: "secondary", id: "member-change-cancel", onclick: () => (saved ? done(saved) : mount(host)) }, "取消"),
      ),
    ),
  );
  host.scrollIntoView({ block: "start" });
}

/** 标记脱贫: asks the domain and shows every reason it refuses (W1, W2). */
function exitPanel(householdId: string): HTMLElement {
  const out = h("div", { id: "exit-result", class: "exit-result" });
  return h(
    "section",
    { class: "panel", id: "exit" },
    h("h2", {}, "脱贫退出"),
    h("p", { class: "hint" }, "标记脱贫前，两不愁三保障各项须已解决，人均纯收入须超过当年标准。"),
    h(
      "button",
      {
        class: "primary big",
        id: "request-exit",
        onclick: async () => {
          try {
            const a = await backend().requestExit(householdId);
            if (a.allowed) {
              // The shell changed 脱贫状态: redraw the page so the form holds it and a later
              // save of the form does not put the old status back.
              toast("已标记为本年脱贫 · 待同步");
              go(location.hash);
              return;
            }
            mount(
              out,
              a.allowed
                ? h("div", { class: "ok-box" }, "已标记为本年脱贫 · 待同步")
                : h(
                    "div",
                    { class: "error-box", id: "exit-refusals" },
                    h("strong", {}, "不能标记脱贫："),
                    h(
                      "ul",
                      {},
                      a.refusals.map((f) => h("li", { "data-code": f.code }, f.message)),
                    ),
                  ),
            );
            out.scrollIntoView({ block: "center" });
          } catch (e) {
            mount(out, h("div", { class: "error-box" }, errorMessage(e)));
          }
        },
      },
      "标记脱贫",
    ),
    out,
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
