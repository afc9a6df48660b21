// 问题清单: the county's problem list (issue 18, EVALUATION.md §6) on the server's problem API.
// Filters (town, village, 问题类别, state), counts per state, village and check, a page of
// problems, and for the county admin the county's side of the loop: run the county-wide
// checks, import the province's comparison file, send a problem back (退回) or close it (销号)
// by the moves the server offers. Raising one by hand is done on the record itself, in the
// household's file. Names come from the domain (the session's labels, the forms' code lists).

import { h } from "../../../src/dom";
import { codeLabel } from "../../../src/forms";
import { api, type CountyMoves, type Problem, type ProblemList } from "../api";
import { type Ctx, dateTime, empty, failure, fill, go, pageTitle, villageName, villageSelect } from "../ui";

const PAGE = 50;

/** The 问题类别 of a check code: the catalogue's, else the problem's own (a spot-check finding). */
function checkTitle(ctx: Ctx, code: string, fallback?: string): string {
  return ctx.session.labels.problem_checks.find((c) => c.code === code)?.title ?? fallback ?? code;
}

function stateName(ctx: Ctx, code: string): string {
  return codeLabel(ctx.bundle, "problem_state", code);
}

/** The county's own problems (its GPS position) have the nil village. */
function placeName(ctx: Ctx, village: string): string {
  return /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(village) ? "全县" : villageName(ctx, village, true);
}

export async function problemsView(ctx: Ctx, params: URLSearchParams): Promise<HTMLElement> {
  const q = {
    town: params.get("town") ?? "",
    village: params.get("village") ?? "",
    check: params.get("check") ?? "",
    state: params.get("state") ?? "",
    offset: Number(params.get("offset") ?? "0") || 0,
  };
  const towns = h(
    "select",
    { id: "filter-town", name: "town" },
    h("option", { value: "" }, "全部乡镇"),
    ctx.session.towns.map((t) => h("option", { value: t.id }, t.name)),
  );
  towns.value = q.town;
  const villages = villageSelect(ctx, { id: "filter-village", name: "village" }, "全部村", q.village);
  const checks = h(
    "select",
    { id: "filter-check", name: "check" },
    h("option", { value: "" }, "全部问题类别"),
    ctx.session.labels.problem_checks.map((c) => h("option", { value: c.code }, `${c.title}（${c.requirement}）`)),
  );
  checks.value = q.check;
  const states = h(
    "select",
    { id: "filter-state", name: "state" },
    h("option", { value: "" }, "全部状态"),
    (ctx.bundle.code_lists.find((l) => l.id === "problem_state")?.entries ?? []).map((e) => h("option", { value: e.code }, e.zh)),
  );
  states.value = q.state;
  const search = (change: Partial<typeof q> = {}) => {
    const next = { town: towns.value, village: villages.value, check: checks.value, state: states.value, offset: 0, ...change };
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) p.set(k, String(v));
    go(`#/problems?${p}`);
  };
  const form = h(
    "form",
    {
      class: "search",
      role: "search",
      id: "problem-filters",
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        search();
      },
    },
    h("label", {}, "乡镇", towns),
    h("label", {}, "村", villages),
    h("label", { class: "grow" }, "问题类别", checks),
    h("label", {}, "状态", states),
    h("button", { type: "submit", id: "filter-go" }, "筛选"),
    q.town || q.village || q.check || q.state ? h("a", { href: "#/problems", class: "back" }, "清除筛选") : null,
  );
  const tools = ctx.session.administers ? countyTools(ctx) : null;
  const results = h("div", { id: "problem-results" });
  const page = h(
    "div",
    { class: "page", id: "problems" },
    pageTitle("问题清单"),
    h("p", { class: "hint" }, "县级数据分析、省级比对、抽查核查发现的问题和县扶贫办退回的问题。村里到户核实并整改后，由县扶贫办销号。要对某户的某项内容提出问题，请在「农户」中打开该户档案。"),
    tools,
    form,
    results,
  );
  await fill(
    results,
    () => api.problems({ ...q, limit: PAGE }),
    (list) => listView(ctx, list, q.offset, search),
  );
  return page;
}

/** The county's own actions on the whole list: run the checks, import the province's file. */
function countyTools(ctx: Ctx): HTMLElement {
  const status = h("div", { class: "form-status", id: "tools-status", role: "status" });
  const run = h(
    "button",
    {
      type: "button",
      class: "primary",
      id: "run-checks",
      onclick: async () => {
        run.disabled = true;
        run.textContent = "正在检查全县数据……";
        status.replaceChildren();
        try {
          const r = await api.runChecks();
          const found = Object.values(r.faults).reduce((a, b) => a + b, 0);
          status.replaceChildren(
            h("div", { class: "ok-box", id: "run-result" }, `检查完成：发现 ${found} 处疑点，新提出 ${r.raised} 个问题，更新 ${r.updated} 个问题。`, h("button", { type: "button", class: "link", onclick: () => go("#/problems") }, "刷新清单")),
          );
        } catch (e) {
          status.replaceChildren(failure(e));
        } finally {
          run.disabled = false;
          run.textContent = "运行全县检查";
        }
      },
    },
    "运行全县检查",
  );
  const file = h("input", { type: "file", id: "province-file", accept: ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" });
  const upload = h(
    "button",
    {
      type: "button",
      id: "province-upload",
      onclick: async () => {
        const f = file.files?.[0];
        if (!f) {
          status.replaceChildren(h("div", { class: "error-box" }, "请先选择省里下发的比对结果文件（xlsx 或 csv）"));
          return;
        }
        upload.disabled = true;
        upload.textContent = "正在导入……";
        try {
          const r = await api.provinceFile(f);
          status.replaceChildren(
            h(
              "div",
              { class: r.unmatched.length ? "error-box" : "ok-box", id: "province-result" },
              `已读取 ${r.rows} 行，${r.matched_rows} 行对上本县人员，新提出 ${r.raised} 个问题。`,
              r.unmatched.length
                ? h(
                    "div",
                    {},
                    `${r.unmatched.length} 行没有对上任何人，请核对后报省里：`,
                    h("ul", { id: "province-unmatched" }, r.unmatched.map((u) => h("li", {}, `第 ${u.line} 行：${u.message}`))),
                  )
                : null,
            ),
          );
        } catch (e) {
          status.replaceChildren(failure(e));
        } finally {
          upload.disabled = false;
          upload.textContent = "导入比对结果";
        }
      },
    },
    "导入比对结果",
  );
  void ctx;
  return h(
    "section",
    { class: "panel tools" },
    h("div", { class: "tool-row" }, run, h("span", { class: "hint" }, "按全县登记数据重新检查；已销号或核实不属实的问题不会重复提出。")),
    h("div", { class: "tool-row" }, h("label", { class: "inline" }, "省级比对结果", file), upload),
    status,
  );
}

function listView(ctx: Ctx, list: ProblemList, offset: number, search: (c: Record<string, string | number>) => void): HTMLElement {
  const out = h("div", {});
  const stateEntries = ctx.bundle.code_lists.find((l) => l.id === "problem_state")?.entries ?? [];
  out.append(
    h(
      "div",
      { class: "cards", id: "problem-counts" },
      h("div", { class: "card" }, h("div", { class: "card-label" }, "符合条件的问题"), h("div", { class: "card-value", id: "problems-total" }, list.total), h("div", { class: "card-note" }, "当前筛选")),
      stateEntries.map((e) =>
        h(
          "a",
          { class: "card link-card", href: "#", "data-state": e.code, onclick: (ev: Event) => (ev.preventDefault(), search({ state: e.code })) },
          h("div", { class: "card-label" }, e.zh),
          h("div", { class: "card-value" }, list.by_state[e.code] ?? 0),
          h("div", { class: "card-note" }, "点击只看这一状态"),
        ),
      ),
    ),
  );
  if (list.total === 0) {
    out.append(
      empty(
        "没有符合条件的问题",
        ctx.session.administers ? "换一个筛选条件，或点击「运行全县检查」按全县数据重新检查。" : "换一个筛选条件再看；问题由县扶贫办检查后下发。",
      ),
    );
    return out;
  }
  const villages = Object.entries(list.by_village).sort((a, b) => b[1] - a[1]);
  const checks = Object.entries(list.by_check).sort((a, b) => b[1] - a[1]);
  const titleOf = new Map(list.problems.map((p) => [p.check, p.title]));
  out.append(
    h(
      "div",
      { class: "split-even" },
      h(
        "section",
        { class: "panel" },
        h("h2", {}, "各村问题数"),
        h(
          "div",
          { class: "table-wrap scroll" },
          h(
            "table",
            { class: "grid small", id: "by-village" },
            h("thead", {}, h("tr", {}, h("th", {}, "乡镇 村"), h("th", { class: "num" }, "问题数"))),
            h(
              "tbody",
              {},
              villages.map(([v, n]) =>
                h("tr", { "data-village": v }, h("td", {}, h("a", { href: "#", onclick: (ev: Event) => (ev.preventDefault(), search({ village: v })) }, placeName(ctx, v))), h("td", { class: "num" }, n)),
              ),
            ),
          ),
        ),
      ),
      h(
        "section",
        { class: "panel" },
        h("h2", {}, "各类问题数"),
        h(
          "div",
          { class: "table-wrap scroll" },
          h(
            "table",
            { class: "grid small", id: "by-check" },
            h("thead", {}, h("tr", {}, h("th", {}, "问题类别"), h("th", { class: "num" }, "问题数"))),
            h(
              "tbody",
              {},
              checks.map(([c, n]) =>
                h("tr", { "data-check": c }, h("td", {}, h("a", { href: "#", onclick: (ev: Event) => (ev.preventDefault(), search({ check: c })) }, checkTitle(ctx, c, titleOf.get(c)))), h("td", { class: "num" }, n)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  const body = h("tbody");
  for (const p of list.problems) body.append(...problemRows(ctx, p, list.moves[p.id]));
  out.append(
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "问题"),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "grid", id: "problem-table" },
          h("thead", {}, h("tr", {}, h("th", {}, "乡镇 村"), h("th", {}, "问题类别"), h("th", {}, "所涉内容"), h("th", {}, "问题描述"), h("th", {}, "程度"), h("th", {}, "状态"), h("th", {}, ""))),
          body,
        ),
      ),
      h(
        "div",
        { class: "pager" },
        h("span", { id: "problems-range" }, `共 ${list.total} 个，第 ${offset + 1}–${Math.min(offset + PAGE, list.total)} 个`),
        h("button", { type: "button", disabled: offset === 0, onclick: () => search({ offset: Math.max(0, offset - PAGE) }) }, "上一页"),
        h("button", { type: "button", disabled: offset + PAGE >= list.total, onclick: () => search({ offset: offset + PAGE }) }, "下一页"),
      ),
    ),
  );
  return out;
}

/** A problem's row, and its detail row (shown on 详情) with the county's moves. */
function problemRows(ctx: Ctx, p: Problem, moves: CountyMoves | undefined): HTMLElement[] {
  const detail = h("tr", { class: "detail", id: `problem-${p.id}`, hidden: true }, h("td", { colspan: 7 }, problemDetail(ctx, p, moves)));
  const about = [p.field_label, p.rank ? `第 ${p.rank} 位` : null].filter(Boolean).join(" · ") || "整条记录";
  const row = h(
    "tr",
    { "data-problem": p.id, "data-state": p.state },
    h("td", {}, placeName(ctx, p.village_id)),
    h("td", {}, p.title || checkTitle(ctx, p.check)),
    h("td", {}, about),
    h("td", { class: "wrap" }, p.text),
    h("td", {}, p.severity ? h("span", { class: `badge sev-${p.severity}` }, codeLabel(ctx.bundle, "problem_severity", p.severity)) : "—"),
    h("td", {}, h("span", { class: "badge state" }, stateName(ctx, p.state)), p.recheck.fault_gone ? h("span", { class: "badge ok" }, "复核已消除") : null),
    h(
      "td",
      {},
      h(
        "button",
        {
          type: "button",
          class: "link open-problem",
          onclick: () => {
            detail.hidden = !detail.hidden;
          },
        },
        moves ? "处理" : "详情",
      ),
    ),
  );
  return [row, detail];
}

function problemDetail(ctx: Ctx, p: Problem, moves: CountyMoves | undefined): HTMLElement {
  const at = (t: string | null) => (t ? dateTime(Date.parse(t)) : "");
  const facts: [string, string | Node | null][] = [
    ["问题来源", p.source ? codeLabel(ctx.bundle, "problem_source", p.source) : null],
    ["依据", p.requirement],
    ["核实要点", p.verify],
    ["提出时间", at(p.raised_at)],
    ["核实结论", p.verification.verdict ? `${codeLabel(ctx.bundle, "problem_verdict", p.verification.verdict)}${p.verification.note ? `：${p.verification.note}` : ""}` : null],
    ["整改说明", p.correction.note],
    ["退回", p.sent_back.count ? `${p.sent_back.count} 次，最近：${p.sent_back.reason ?? ""}` : null],
    ["销号", p.closing.kind ? `${codeLabel(ctx.bundle, "problem_closing", p.closing.kind)}${p.closing.note ? `：${p.closing.note}` : ""}（${at(p.closing.at)}）` : null],
    ["复核", p.recheck.fault_gone ? "重新检查时问题已消除，可整改销号" : null],
  ];
  const box = h(
    "div",
    { class: "problem-detail" },
    h(
      "dl",
      { class: "plain" },
      facts.filter(([, v]) => v).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v as string)]),
    ),
    p.household_id ? h("a", { href: `#/household/${p.household_id}`, class: "open-household" }, "打开该户档案 →") : null,
  );
  if (moves) box.append(movesForm(ctx, p, moves));
  return box;
}

/** 退回 and 销号, as the server offers them for this problem now. */
function movesForm(ctx: Ctx, p: Problem, moves: CountyMoves): HTMLElement {
  const status = h("div", { class: "form-status", role: "status" });
  const done = (q: Problem, what: string) => {
    status.replaceChildren(h("div", { class: "ok-box" }, `${what}：现在是「${stateName(ctx, q.state)}」`));
    const row = document.querySelector(`tr[data-problem="${p.id}"]`);
    row?.setAttribute("data-state", q.state);
    row?.querySelector(".badge.state")?.replaceChildren(stateName(ctx, q.state));
    box.querySelectorAll("button, input, select, textarea").forEach((x) => ((x as HTMLButtonElement).disabled = true));
  };
  const box = h("div", { class: "moves" });
  if (moves.send_back) {
    const reason = h("input", { class: "send-back-reason", placeholder: "退回原因（必填，村里会看到）" });
    const button = h(
      "button",
      {
        type: "button",
        class: "send-back",
        onclick: async () => {
          button.disabled = true;
          try {
            done((await api.sendBack(p.id, reason.value)).problem, "已退回");
          } catch (e) {
            status.replaceChildren(failure(e));
            button.disabled = false;
          }
        },
      },
      "退回重新核实",
    );
    box.append(h("div", { class: "move" }, h("label", { class: "grow" }, "退回", reason), button));
  }
  if (moves.close.length) {
    const kind = h("select", { class: "close-kind" }, moves.close.map((k) => h("option", { value: k }, codeLabel(ctx.bundle, "problem_closing", k))));
    const note = h("input", { class: "close-note", placeholder: "销号说明（县级撤销时必填）" });
    const button = h(
      "button",
      {
        type: "button",
        class: "primary close",
        onclick: async () => {
          button.disabled = true;
          try {
            done((await api.closeProblem(p.id, kind.value, note.value.trim() || null)).problem, "已销号");
          } catch (e) {
            status.replaceChildren(failure(e));
            button.disabled = false;
          }
        },
      },
      "销号",
    );
    box.append(h("div", { class: "move" }, h("label", {}, "销号方式", kind), h("label", { class: "grow" }, "说明", note), button));
  }
  box.append(status);
  return box;
}
