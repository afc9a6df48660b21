// 农户: the search (name, ID number, 户编号; village; state) and a household's whole file:
// every record shown through the field app's form rendering (ui/src/forms.ts, read-only),
// the judgement's findings, photos (the scoped blob API), GPS fixes, and each record's full
// history (who, when, which device, old → new).

import { h } from "../../../src/dom";
import { codeLabel, displayValue, fieldLabel, formFor, isEmpty, isRelevant, recordSummary } from "../../../src/forms";
import type { FieldDef, Fields, FormDef } from "../../../src/backend";
import { api, type FileRecord, type HistoryEntry, type HouseholdFile } from "../api";
import { type Ctx, anyField, dateTime, empty, failure, fill, go, pageTitle, valueText, villageName, villageSelect } from "../ui";

const PAGE = 50;

export async function householdsView(ctx: Ctx, params: URLSearchParams): Promise<HTMLElement> {
  const q = params.get("q") ?? "";
  const village = params.get("village") ?? "";
  const state = params.get("state") ?? "";
  const offset = Number(params.get("offset") ?? "0") || 0;
  const text = h("input", {
    id: "search-q",
    type: "search",
    name: "q",
    value: q,
    placeholder: ctx.session.sees_id_numbers ? "户主或成员姓名、证件号码（至少 4 位）、户编号" : "户主或成员姓名、户编号、完整证件号码",
  });
  const villages = villageSelect(ctx, { id: "search-village", name: "village" }, "全部村", village);
  const states = h(
    "select",
    { id: "search-state", name: "state" },
    h("option", { value: "" }, "全部状态"),
    ctx.session.household_states.map((s) => h("option", { value: s.code }, s.zh)),
  );
  states.value = state;
  const search = (off = 0) => {
    const p = new URLSearchParams();
    if (text.value.trim()) p.set("q", text.value.trim());
    if (villages.value) p.set("village", villages.value);
    if (states.value) p.set("state", states.value);
    if (off) p.set("offset", String(off));
    go(`#/households?${p}`);
  };
  const form = h(
    "form",
    {
      class: "search",
      role: "search",
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        search();
      },
    },
    h("label", { class: "grow" }, "查找", text),
    h("label", {}, "村", villages),
    h("label", {}, "状态", states),
    h("button", { type: "submit", id: "search-go" }, "查找"),
  );
  const results = h("div", { id: "search-results" });
  const page = h("div", { class: "page", id: "households" }, pageTitle("农户"), form, results);
  await fill(
    results,
    () => api.households({ q, village, state, offset, limit: PAGE }),
    (res) => {
      if (res.total === 0) {
        return empty(
          q || village || state ? "没有找到符合条件的农户" : "您负责的村还没有农户",
          q ? "请检查姓名或号码是否输入正确，或换一个村、状态再找。" : "农户由调查员在建档应用中登记，同步后显示在这里。",
        );
      }
      const table = h(
        "table",
        { class: "grid", id: "household-table" },
        h(
          "thead",
          {},
          h("tr", {}, h("th", {}, "户主"), h("th", {}, "证件号码"), h("th", {}, "户编号"), h("th", {}, "乡镇 村"), h("th", {}, "状态"), h("th", { class: "num" }, "人数"), h("th", { class: "num" }, "错误")),
        ),
        h(
          "tbody",
          {},
          res.rows.map((r) =>
            h(
              "tr",
              { class: "clickable", "data-household": r.id, onclick: () => go(`#/household/${r.id}`) },
              h("td", {}, h("a", { href: `#/household/${r.id}` }, r.head_name ?? "（未填户主）")),
              h("td", { class: "mono" }, r.head_id_number ?? ""),
              h("td", { class: "mono" }, r.number ?? ""),
              h("td", {}, villageName(ctx, r.village_id, true)),
              h("td", {}, h("span", { class: "badge" }, r.state_zh)),
              h("td", { class: "num" }, r.members),
              h("td", { class: r.errors ? "num bad" : "num" }, r.errors),
            ),
          ),
        ),
      );
      const pager = h(
        "div",
        { class: "pager" },
        h("span", { id: "search-total" }, `共 ${res.total} 户，第 ${offset + 1}–${Math.min(offset + PAGE, res.total)} 户`),
        h("button", { type: "button", disabled: offset === 0, onclick: () => search(Math.max(0, offset - PAGE)) }, "上一页"),
        h("button", { type: "button", disabled: offset + PAGE >= res.total, onclick: () => search(offset + PAGE) }, "下一页"),
      );
      return h("div", {}, h("div", { class: "table-wrap" }, table), pager);
    },
  );
  return page;
}

/** The title of a record: its form's, or what the record is when it has no form. */
function recordTitle(ctx: Ctx, r: FileRecord): string {
  const form = formFor(ctx.bundle, r.kind);
  if (form) {
    const summary = r.id === currentHousehold ? "" : recordSummary(ctx.bundle, r.kind, r.fields as Fields, 2);
    return summary ? `${form.title_zh}：${summary}` : form.title_zh;
  }
  if ("thumb_sha256" in r.fields) return "照片";
  if ("accuracy_m" in r.fields) return "GPS 定位";
  return "记录";
}

/** The household whose file is shown (its own record is titled by its form alone). */
let currentHousehold = "";

export async function householdView(ctx: Ctx, _params: URLSearchParams, id: string): Promise<HTMLElement> {
  const file = await api.household(id);
  currentHousehold = file.id;
  const head = file.head_name ?? "";
  const page = h(
    "div",
    { class: "page", id: "household-file", "data-household": file.id },
    pageTitle(
      head ? `${head} 户` : "农户档案",
      h("span", { class: "sub" }, villageName(ctx, file.village_id, true)),
      h("span", { class: "badge", id: "household-state" }, file.state_zh),
      h("a", { href: "#/households", class: "back" }, "← 返回查找"),
    ),
  );
  if (!ctx.session.sees_id_numbers) {
    page.append(h("p", { class: "hint" }, "证件号码已部分隐藏：只有县级管理员能看到完整号码。"));
  }
  const photos = file.records.filter((r) => "thumb_sha256" in r.fields);
  const fixes = file.records.filter((r) => "accuracy_m" in r.fields && !("thumb_sha256" in r.fields));
  const others = file.records.filter((r) => !photos.includes(r) && !fixes.includes(r));
  const findings = file.records.flatMap((r) => r.findings.map((f) => ({ r, f })));
  const toc = h(
    "nav",
    { class: "toc" },
    others.map((r) => h("a", { href: `#rec-${r.id}`, onclick: (ev: Event) => jump(ev, r.id) }, recordTitle(ctx, r))),
    photos.length ? h("a", { href: "#photos", onclick: (ev: Event) => jump(ev, "photos") }, `照片（${photos.length}）`) : null,
    h("a", { href: "#gps", onclick: (ev: Event) => jump(ev, "gps") }, "GPS"),
  );
  page.append(toc);
  if (findings.length) {
    page.append(
      h(
        "section",
        { class: "panel findings", id: "findings" },
        h("h2", {}, `审核发现（${findings.length}）`),
        h(
          "ul",
          {},
          findings.map(({ r, f }) =>
            h("li", { class: `finding ${f.severity}` }, h("span", { class: "badge" }, f.severity === "error" ? "错误" : "提醒"), ` ${recordTitle(ctx, r)}：${f.message}`),
          ),
        ),
      ),
    );
  }
  for (const r of others) page.append(recordPanel(ctx, r));
  page.append(photoPanel(photos), gpsPanel(fixes));
  return page;
}

function jump(ev: Event, id: string): void {
  ev.preventDefault();
  document.getElementById(id.startsWith("photos") || id === "gps" ? id : `rec-${id}`)?.scrollIntoView({ behavior: "smooth" });
}

function recordPanel(ctx: Ctx, r: FileRecord): HTMLElement {
  const form = formFor(ctx.bundle, r.kind);
  const body = h("div", { class: "record-body" });
  if (form) {
    body.append(recordGrid(ctx, form, r));
  } else {
    body.append(plainFields(r.fields));
  }
  const history = h("div", { class: "history", id: `history-${r.id}` });
  const toggle = h(
    "button",
    {
      type: "button",
      class: "link history-toggle",
      "data-record": r.id,
      onclick: () => {
        if (history.childElementCount) {
          history.replaceChildren();
          toggle.textContent = "修改记录";
          return;
        }
        toggle.textContent = "收起修改记录";
        void fill(history, () => api.history(r.id), (res) => historyTable(ctx, r.kind, res.entries));
      },
    },
    "修改记录",
  );
  const raise = form && ctx.session.administers ? raiseBox(ctx, form, r) : null;
  return h(
    "section",
    { class: "panel record", id: `rec-${r.id}`, "data-kind": r.kind },
    h("div", { class: "panel-head" }, h("h2", {}, recordTitle(ctx, r)), h("div", { class: "actions" }, raise?.toggle, toggle)),
    raise?.box,
    history,
    body,
  );
}

/**
 * 提出问题 (county admin): 退回 with a comment on this record or one of its fields, through
 * `POST /api/v1/problems`; it joins the problem list and reaches the village's devices.
 */
function raiseBox(ctx: Ctx, form: FormDef, r: FileRecord): { toggle: HTMLElement; box: HTMLElement } {
  const box = h("div", { class: "raise-box", hidden: true });
  const field = h(
    "select",
    { class: "raise-path" },
    h("option", { value: "" }, "整条记录"),
    form.sections.map((s) => h("optgroup", { label: s.title_zh }, s.fields.filter((f) => !f.derived).map((f) => h("option", { value: f.path }, f.label_zh)))),
  );
  const text = h("input", { class: "raise-text", placeholder: "问题描述：哪里不对、要村里核实什么（必填）" });
  const severity = h(
    "select",
    { class: "raise-severity" },
    (ctx.bundle.code_lists.find((l) => l.id === "problem_severity")?.entries ?? []).map((e) => h("option", { value: e.code }, e.zh)),
  );
  const status = h("div", { class: "form-status", role: "status" });
  const submit = h(
    "button",
    {
      type: "button",
      class: "primary raise-submit",
      onclick: async () => {
        submit.disabled = true;
        try {
          const res = await api.raiseProblem({ record_id: r.id, path: field.value, text: text.value, severity: severity.value });
          status.replaceChildren(
            h("div", { class: "ok-box" }, `已提出问题（${res.problem.field_label ?? "整条记录"}），已列入问题清单，村里同步后到户核实。`, h("a", { href: `#/problems?village=${res.problem.village_id}` }, "查看问题清单")),
          );
          text.value = "";
        } catch (e) {
          status.replaceChildren(failure(e));
        } finally {
          submit.disabled = false;
        }
      },
    },
    "提出问题",
  );
  box.append(h("div", { class: "search plain-row" }, h("label", {}, "所涉内容", field), h("label", { class: "grow" }, "问题描述", text), h("label", {}, "程度", severity), submit), status);
  const toggle = h("button", { type: "button", class: "link raise-toggle", onclick: () => (box.hidden = !box.hidden) }, "退回 / 提出问题");
  return { toggle, box };
}

/**
 * A record read-only, as an office reads it: each section of its form a grid of label and
 * value (codes by their zh-CN label, units after numbers), lists of rows as small tables;
 * fields the form's relevance hides are left out, a finding shows under its field.
 */
function recordGrid(ctx: Ctx, form: FormDef, r: FileRecord): HTMLElement {
  const fields = r.fields as Fields;
  const out = h("div", { class: "record-grid" });
  for (const section of form.sections) {
    const shown = section.fields.filter((f) => !f.derived || !isEmpty(fields[f.path])).filter((f) => isRelevant(f.relevance, fields));
    if (shown.length === 0) continue;
    const grid = h("dl", { class: "kv" });
    const wide: HTMLElement[] = [];
    for (const f of shown) {
      const findings = r.findings.filter((x) => x.path === f.path);
      const note = findings.map((x) => h("div", { class: `field-finding ${x.severity}` }, x.message));
      if (f.columns && Array.isArray(fields[f.path])) {
        wide.push(h("div", { class: "kv-wide" }, h("div", { class: "kv-label" }, f.label_zh), rowsTable(ctx, f, fields[f.path] as Fields[]), note));
      } else {
        grid.append(h("div", { class: findings.length ? "kv-item flagged" : "kv-item" }, h("dt", {}, f.label_zh), h("dd", {}, valueOf(ctx, f, fields[f.path])), note));
      }
    }
    out.append(h("h3", {}, section.title_zh), grid, ...wide);
  }
  return out;
}

function valueOf(ctx: Ctx, f: FieldDef, v: unknown): string {
  if (isEmpty(v)) return "—";
  if (f.code_list) return Array.isArray(v) ? v.map((x) => codeLabel(ctx.bundle, f.code_list, x)).join("、") : codeLabel(ctx.bundle, f.code_list, v);
  if (typeof v === "boolean") return v ? "是" : "否";
  const text = Array.isArray(v) ? v.map(displayValue).join("、") : displayValue(v);
  return f.unit ? `${text} ${f.unit}` : text;
}

function rowsTable(ctx: Ctx, f: FieldDef, rows: Fields[]): HTMLElement {
  const cols = f.columns ?? [];
  if (rows.length === 0) return h("div", { class: "hint" }, "（无）");
  return h(
    "table",
    { class: "grid small" },
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, c.label_zh)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, cols.map((c) => h("td", {}, valueOf(ctx, c, row[c.path])))))),
  );
}

function plainFields(fields: Record<string, unknown>): HTMLElement {
  return h(
    "dl",
    { class: "plain" },
    Object.entries(fields).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))]),
  );
}

function historyTable(ctx: Ctx, kind: string, entries: HistoryEntry[]): HTMLElement {
  if (entries.length === 0) return empty("没有修改记录", "这条记录还没有经过同步的修改。");
  return h(
    "table",
    { class: "grid history-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "时间"), h("th", {}, "人员"), h("th", {}, "设备"), h("th", {}, "项目"), h("th", {}, "原值"), h("th", {}, "新值"), h("th", {}, "结果"))),
    h(
      "tbody",
      {},
      entries.map((e) => {
        const list = anyField(ctx, kind, e.field)?.def.code_list;
        return h(
          "tr",
          { class: e.outcome === "superseded" ? "superseded" : null },
          h("td", {}, dateTime(e.received_ms)),
          h("td", {}, e.username),
          h("td", {}, e.device_name),
          h("td", {}, fieldLabel(ctx.bundle, kind, e.field)),
          h("td", {}, valueText(ctx, list, e.old)),
          h("td", {}, valueText(ctx, list, e.new)),
          h("td", {}, e.outcome === "superseded" ? "被更晚的修改取代" : "已采用"),
        );
      }),
    ),
  );
}

function photoPanel(photos: FileRecord[]): HTMLElement {
  const panel = h("section", { class: "panel", id: "photos" }, h("h2", {}, "照片"));
  if (photos.length === 0) {
    panel.append(empty("还没有照片", "调查员在建档应用中拍照并同步后，照片显示在这里。"));
    return panel;
  }
  panel.append(
    h(
      "div",
      { class: "photos" },
      photos.map((p) => {
        const thumb = String(p.fields["thumb_sha256"] ?? "");
        const full = String(p.fields["sha256"] ?? "");
        return h(
          "a",
          { href: `/api/v1/blobs/${full}`, target: "_blank", rel: "noopener" },
          h("img", { src: `/api/v1/blobs/${thumb}`, alt: "农户照片", loading: "lazy" }),
        );
      }),
    ),
  );
  return panel;
}

function gpsPanel(fixes: FileRecord[]): HTMLElement {
  const panel = h("section", { class: "panel", id: "gps" }, h("h2", {}, "GPS 定位"));
  if (fixes.length === 0) {
    panel.append(empty("还没有定位", "调查员在户门口用建档应用定位并同步后，位置显示在这里。"));
    return panel;
  }
  panel.append(plainList(fixes));
  return panel;
}

function plainList(fixes: FileRecord[]): HTMLElement {
  return h(
    "ul",
    { class: "fixes" },
    fixes.map((f) => {
      const point = f.fields["point"] as { x?: number; y?: number } | undefined;
      const lon = point?.x ?? (f.fields["point.x"] as number | undefined);
      const lat = point?.y ?? (f.fields["point.y"] as number | undefined);
      const acc = f.fields["accuracy_m"];
      return h("li", {}, `经度 ${fmt(lon)}，纬度 ${fmt(lat)}（WGS-84），精度 ±${fmt(acc as number, 0)} 米`);
    }),
  );
}

function fmt(n: number | undefined, digits = 6): string {
  return typeof n === "number" ? n.toFixed(digits) : "—";
}

export type { HouseholdFile };
