// 抽样核查 (county admin; issue 13, EVALUATION.md §3, §8): spot-check plans made from the
// domain's default specs, the draw with its strata and shortfalls, publication (after which
// the draw is locked: the screen says so), assignments of drawn households and villages to a
// pair of supervisors, the checks' results, and the estimates of 错退率, 漏评率 and 群众认可度
// with their intervals and the decision (likely pass / fail / uncertain, and how many more
// households would settle it). A supervisor's own worklist is `tasksView`.
// Names: the session's labels and the forms' code lists (spot_village_type, …).

import { h } from "../../../src/dom";
import { codeLabel } from "../../../src/forms";
import {
  api,
  type Decision,
  type IndicatorEstimate,
  type Label,
  type PlanEstimates,
  type PlanResults,
  type PlanView,
  type Quota,
  type ScopeEstimates,
  type Take,
  type UserView,
} from "../api";
import { type Ctx, dateTime, empty, failure, fill, go, pageTitle, villageName } from "../ui";

function label(list: Label[], code: string): string {
  return list.find((l) => l.code === code)?.zh ?? code;
}

function vtype(ctx: Ctx, code: string): string {
  return codeLabel(ctx.bundle, "spot_village_type", code);
}

function htype(ctx: Ctx, code: string): string {
  return codeLabel(ctx.bundle, "spot_household_type", code);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function takeText(t: Take): string {
  return t === "all" ? "全部" : `${t.count} 个村`;
}

function quotaText(q: Quota): string {
  if (q === "all") return "全部";
  if ("total" in q) return `共 ${q.total} 户`;
  return `每村 ${q.per_village} 户`;
}

export async function spotChecksView(ctx: Ctx, _params: URLSearchParams, rest: string): Promise<HTMLElement> {
  if (rest) return planView(ctx, rest);
  const [list, year] = await Promise.all([api.plans(), api.policyYear()]);
  const page = h(
    "div",
    { class: "page", id: "spotchecks" },
    pageTitle("抽样核查"),
    h("p", { class: "hint" }, "按第三方评估的办法抽样，由督查员两人一组到户盲查，估计错退率、漏评率和群众认可度，在评估前发现和整改问题。抽样发布后锁定，不能更换样本户。"),
    createForm(ctx, year),
  );
  if (list.plans.length === 0) {
    page.append(empty("还没有抽查方案", "在上面选择一种方案新建，然后抽样、发布并分配给督查员。"));
    return page;
  }
  page.append(
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "抽查方案"),
      h(
        "table",
        { class: "grid", id: "plan-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "方案名称"), h("th", {}, "年度"), h("th", {}, "状态"), h("th", { class: "num" }, "抽中村"), h("th", { class: "num" }, "抽中户"), h("th", { class: "num" }, "分组"), h("th", {}, "建立时间"), h("th", {}, "发布时间"))),
        h(
          "tbody",
          {},
          list.plans.map((p) =>
            h(
              "tr",
              { class: "clickable", "data-plan": p.id, onclick: () => go(`#/spotchecks/${p.id}`) },
              h("td", {}, h("a", { href: `#/spotchecks/${p.id}` }, p.title)),
              h("td", {}, p.year),
              h("td", {}, h("span", { class: `badge plan-${p.state}` }, label(ctx.session.labels.plan_states, p.state))),
              h("td", { class: "num" }, p.villages_drawn),
              h("td", { class: "num" }, p.households_drawn),
              h("td", { class: "num" }, p.assignments),
              h("td", {}, dateTime(p.created_ms)),
              h("td", {}, dateTime(p.published_ms)),
            ),
          ),
        ),
      ),
    ),
  );
  return page;
}

function createForm(ctx: Ctx, year: number): HTMLElement {
  const presets = ctx.session.labels.plan_presets;
  const title = h("input", { id: "plan-title", required: true, value: `${year}年度退出评估模拟抽查` });
  const preset = h("select", { id: "plan-preset" }, presets.map((p) => h("option", { value: p.code }, p.zh)));
  const yearIn = h("input", { id: "plan-year", type: "number", min: 2014, max: 2030, value: year });
  const villages = h("input", { id: "plan-villages", type: "number", min: 1, max: 50, value: 2 });
  const status = h("div", { class: "form-status", role: "status" });
  const button = h("button", { type: "submit", class: "primary", id: "create-plan" }, "新建方案");
  return h(
    "form",
    {
      class: "panel stacked",
      id: "plan-form",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        button.disabled = true;
        try {
          const plan = await api.createPlan(title.value.trim(), { kind: preset.value, year: Number(yearIn.value), villages: Number(villages.value) });
          go(`#/spotchecks/${plan.id}`);
        } catch (e) {
          status.replaceChildren(failure(e));
          button.disabled = false;
        }
      },
    },
    h("h2", {}, "新建抽查方案"),
    h(
      "div",
      { class: "search plain-row" },
      h("label", { class: "grow" }, "方案名称", title),
      h("label", { class: "grow" }, "按哪种方案抽样", preset),
      h("label", {}, "评估年度", yearIn),
      h("label", {}, "快速自查：每类村抽几个村", villages),
      button,
    ),
    status,
  );
}

async function planView(ctx: Ctx, id: string): Promise<HTMLElement> {
  const plan = await api.plan(id);
  const page = h(
    "div",
    { class: "page", id: "plan", "data-plan": plan.id, "data-state": plan.state },
    pageTitle(
      plan.title,
      h("span", { class: `badge plan-${plan.state}`, id: "plan-state" }, label(ctx.session.labels.plan_states, plan.state)),
      h("span", { class: "sub" }, `${plan.spec.year} 年度`),
      h("a", { href: "#/spotchecks", class: "back" }, "← 全部方案"),
    ),
  );
  if (plan.state === "published") {
    page.append(
      h(
        "div",
        { class: "locked-box", id: "plan-locked" },
        h("strong", {}, `已于 ${dateTime(plan.published_ms)} 发布，抽样结果已锁定`),
        h("p", {}, "样本户不能再更换，方案不能重抽或修改；发布前系统已用随机种子和抽样框重新核验抽样结果。督查员只能看到分配给自己的户。"),
      ),
    );
  }
  // What the office acts on first: the draw to make or publish; once published, the checks'
  // progress, the estimates and the assignments; the draw and the spec below.
  if (plan.state !== "published") page.append(drawActions(ctx, plan));
  if (plan.state === "published") {
    const results = h("section", { class: "panel", id: "results" });
    const estimates = h("section", { class: "panel", id: "estimates" });
    const assign = h("section", { class: "panel", id: "assignments" }, h("h2", {}, "分配督查员"));
    page.append(results, estimates, assign);
    void fill(results, () => api.planResults(plan.id), (r) => resultsPanel(ctx, r));
    estimatesPanel(ctx, plan, estimates, null);
    void fill(assign, () => api.users(), (u) => assignments(ctx, plan, u.users));
  }
  if (plan.draw) page.append(drawPanel(ctx, plan));
  page.append(specPanel(ctx, plan));
  return page;
}

function specPanel(ctx: Ctx, plan: PlanView): HTMLElement {
  const s = plan.spec;
  return h(
    "section",
    { class: "panel", id: "plan-spec" },
    h("h2", {}, "抽样设置"),
    h(
      "dl",
      { class: "plain" },
      h("dt", {}, "抽村方式"),
      h("dd", {}, codeLabel(ctx.bundle, "spot_village_draw", s.village_method)),
      h("dt", {}, "抽户方式"),
      h("dd", {}, codeLabel(ctx.bundle, "spot_household_draw", s.household_method)),
      h("dt", {}, "抽村"),
      h("dd", {}, s.villages.map((v) => `${vtype(ctx, v.village_type)} ${takeText(v.take)}`).join("；")),
    ),
    h(
      "table",
      { class: "grid small" },
      h("thead", {}, h("tr", {}, h("th", {}, "村类型"), h("th", {}, "户类型"), h("th", {}, "样本量"))),
      h("tbody", {}, s.strata.map((q) => h("tr", {}, h("td", {}, vtype(ctx, q.village_type)), h("td", {}, htype(ctx, q.household_type)), h("td", {}, quotaText(q.size))))),
    ),
  );
}

function drawActions(ctx: Ctx, plan: PlanView): HTMLElement {
  const seed = h("input", { id: "draw-seed", placeholder: "16 位十六进制，留空由服务器随机生成", pattern: "[0-9a-fA-F]{16}", class: "mono" });
  const status = h("div", { class: "form-status", role: "status" });
  const draw = h(
    "button",
    {
      type: "button",
      class: plan.draw ? null : "primary",
      id: "draw-plan",
      onclick: async () => {
        draw.disabled = true;
        status.replaceChildren(h("div", { class: "state loading" }, h("span", { class: "spinner" }), "正在读取全县登记数据并抽样，可能需要几十秒……"));
        try {
          await api.drawPlan(plan.id, seed.value.trim() || null);
          go(`#/spotchecks/${plan.id}`);
        } catch (e) {
          status.replaceChildren(failure(e));
          draw.disabled = false;
        }
      },
    },
    plan.draw ? "重新抽样" : "抽样",
  );
  const publish = plan.draw
    ? h(
        "button",
        {
          type: "button",
          class: "primary",
          id: "publish-plan",
          onclick: async () => {
            if (!confirm("发布后抽样结果锁定，不能重抽或修改，督查员开始核查。确定发布？")) return;
            publish!.disabled = true;
            try {
              await api.publishPlan(plan.id);
              go(`#/spotchecks/${plan.id}`);
            } catch (e) {
              status.replaceChildren(failure(e));
              publish!.disabled = false;
            }
          },
        },
        "发布并锁定",
      )
    : null;
  void ctx;
  return h(
    "section",
    { class: "panel", id: "draw-actions" },
    h("h2", {}, plan.draw ? "抽样结果未发布" : "抽样"),
    h("p", { class: "hint" }, "同一随机种子、同一版登记数据抽出的样本相同，可复核。发布前可以重新抽样；发布后锁定。"),
    h("div", { class: "search plain-row" }, h("label", { class: "grow" }, "随机种子（可选）", seed), draw, publish),
    status,
  );
}

function drawPanel(ctx: Ctx, plan: PlanView): HTMLElement {
  const d = plan.draw!;
  const f = plan.frame;
  const perVillage = new Map<string, number>();
  for (const x of d.households) perVillage.set(x.village_id, (perVillage.get(x.village_id) ?? 0) + 1);
  const short = d.stratum_outcomes.reduce((n, o) => n + o.shortfall, 0) + d.village_outcomes.reduce((n, o) => n + o.shortfall, 0);
  return h(
    "section",
    { class: "panel", id: "draw" },
    h("h2", {}, `抽样结果：${d.villages.length} 个村，${d.households.length} 户`),
    h(
      "dl",
      { class: "plain" },
      h("dt", {}, "随机种子"),
      h("dd", { class: "mono", id: "draw-seed-used" }, d.seed),
      h("dt", {}, "登记数据版本"),
      h("dd", {}, String(d.frame_version)),
      f ? [h("dt", {}, "抽样框"), h("dd", {}, `${f.villages} 个村，${f.households} 户${f.left_out_villages || f.left_out_households ? `（未纳入：${f.left_out_villages} 个村、${f.left_out_households} 户，缺村属性或脱贫状态）` : ""}`)] : null,
    ),
    short
      ? h("div", { class: "warn-box", id: "shortfall" }, `有的层抽不够（共缺 ${short}）：抽样框里没有足够的村或户。非建档立卡户不在登记数据中，须在抽中村排查时发现。`)
      : null,
    h("h3", {}, "各类村"),
    h(
      "table",
      { class: "grid small", id: "village-outcomes" },
      h("thead", {}, h("tr", {}, h("th", {}, "村类型"), h("th", { class: "num" }, "抽样框"), h("th", { class: "num" }, "应抽"), h("th", { class: "num" }, "抽中"), h("th", { class: "num" }, "缺"))),
      h(
        "tbody",
        {},
        d.village_outcomes.map((o) =>
          h("tr", {}, h("td", {}, vtype(ctx, o.village_type)), h("td", { class: "num" }, o.frame), h("td", { class: "num" }, o.target), h("td", { class: "num" }, o.drawn), h("td", { class: o.shortfall ? "num bad" : "num" }, o.shortfall)),
        ),
      ),
    ),
    h("h3", {}, "各层（村类型 × 户类型）"),
    h(
      "table",
      { class: "grid small", id: "stratum-outcomes" },
      h("thead", {}, h("tr", {}, h("th", {}, "村类型"), h("th", {}, "户类型"), h("th", { class: "num" }, "抽样框户数"), h("th", { class: "num" }, "抽中村内可抽"), h("th", { class: "num" }, "应抽"), h("th", { class: "num" }, "抽中"), h("th", { class: "num" }, "缺"))),
      h(
        "tbody",
        {},
        d.stratum_outcomes.map((o) =>
          h(
            "tr",
            { class: o.shortfall ? "short" : null },
            h("td", {}, vtype(ctx, o.village_type)),
            h("td", {}, htype(ctx, o.household_type)),
            h("td", { class: "num" }, o.frame),
            h("td", { class: "num" }, o.available),
            h("td", { class: "num" }, o.target),
            h("td", { class: "num" }, o.drawn),
            h("td", { class: o.shortfall ? "num bad" : "num" }, o.shortfall),
          ),
        ),
      ),
    ),
    h("h3", {}, "抽中的村"),
    h(
      "table",
      { class: "grid small", id: "drawn-villages" },
      h("thead", {}, h("tr", {}, h("th", {}, "乡镇 村"), h("th", {}, "村类型"), h("th", { class: "num" }, "入样概率"), h("th", { class: "num" }, "抽中户数"))),
      h(
        "tbody",
        {},
        d.villages.map((v) =>
          h(
            "tr",
            { "data-village": v.village_id },
            h("td", {}, villageName(ctx, v.village_id, true)),
            h("td", {}, vtype(ctx, v.village_type), v.certainty ? h("span", { class: "badge" }, "必选") : null),
            h("td", { class: "num" }, v.probability.toFixed(3)),
            h("td", { class: "num" }, perVillage.get(v.village_id) ?? 0),
          ),
        ),
      ),
    ),
  );
}

function assignments(ctx: Ctx, plan: PlanView, users: UserView[]): HTMLElement {
  const d = plan.draw!;
  const name = (id: string) => users.find((u) => u.id === id)?.display_name ?? "—";
  const taken = new Set(plan.assignments.flatMap((a) => a.households));
  const out = h("div", {}, h("h2", {}, "分配督查员"));
  if (plan.assignments.length) {
    out.append(
      h(
        "table",
        { class: "grid small", id: "assignment-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "督查员"), h("th", { class: "num" }, "核查户数"), h("th", {}, "排查村"))),
        h(
          "tbody",
          {},
          plan.assignments.map((a) =>
            h("tr", { "data-assignment": a.id }, h("td", {}, a.checkers.map(name).join("、")), h("td", { class: "num" }, a.households.length), h("td", {}, a.villages.map((v) => villageName(ctx, v)).join("、") || "—")),
          ),
        ),
      ),
    );
  }
  const left = d.households.filter((x) => !taken.has(x.household_id));
  if (left.length === 0) {
    out.append(h("p", { class: "ok-box", id: "all-assigned" }, "抽中的户都已分配。"));
    return out;
  }
  // The supervisors who may check (the role's users, enabled).
  const checkers = users.filter((u) => u.role === "supervisor" && !u.disabled);
  if (checkers.length < 2) {
    out.append(empty("督查员不足两人", "在「管理 → 用户」中添加督查员（督查员两人一组入户）。"));
    return out;
  }
  const pick = (id: string, i: number) => {
    const s = h("select", { id }, checkers.map((u) => h("option", { value: u.id }, `${u.display_name}（${u.username}）`)));
    s.selectedIndex = i;
    return s;
  };
  const a = pick("checker-1", 0);
  const b = pick("checker-2", 1);
  const byVillage = new Map<string, number>();
  for (const x of left) byVillage.set(x.village_id, (byVillage.get(x.village_id) ?? 0) + 1);
  const boxes = h(
    "fieldset",
    { class: "checks", id: "assign-villages" },
    h("legend", {}, "把这些村里尚未分配的抽中户交给这一组"),
    [...byVillage].map(([v, n]) => h("label", {}, h("input", { type: "checkbox", value: v, checked: true }), `${villageName(ctx, v, true)}（${n} 户）`)),
  );
  const screen = h("input", { type: "checkbox", id: "assign-screen", checked: true });
  const status = h("div", { class: "form-status", role: "status" });
  const button = h("button", { type: "submit", class: "primary", id: "assign" }, "分配");
  out.append(
    h(
      "form",
      {
        class: "stacked",
        id: "assign-form",
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          const villages = [...boxes.querySelectorAll<HTMLInputElement>("input:checked")].map((x) => x.value);
          button.disabled = true;
          try {
            await api.assignPlan(plan.id, {
              checkers: [a.value, b.value],
              households: left.filter((x) => villages.includes(x.village_id)).map((x) => x.household_id),
              villages: screen.checked ? villages : [],
            });
            go(`#/spotchecks/${plan.id}`);
          } catch (e) {
            status.replaceChildren(failure(e));
            button.disabled = false;
          }
        },
      },
      h("div", { class: "search plain-row" }, h("label", {}, "督查员甲", a), h("label", {}, "督查员乙", b)),
      boxes,
      h("label", { class: "inline" }, screen, "同时在这些村排查非建档立卡户（漏评）"),
      h("div", {}, button),
      status,
    ),
  );
  return out;
}

function resultsPanel(ctx: Ctx, r: PlanResults): HTMLElement {
  const counts = new Map<string, number>();
  for (const x of r.households) counts.set(x.state, (counts.get(x.state) ?? 0) + 1);
  const wrong = r.households.reduce((n, x) => n + x.wrong_exit_persons, 0);
  return h(
    "div",
    {},
    h("h2", {}, "核查进度"),
    h(
      "div",
      { class: "cards", id: "check-states" },
      ctx.session.labels.check_states.map((s) =>
        h("div", { class: "card", "data-check-state": s.code }, h("div", { class: "card-label" }, s.zh), h("div", { class: "card-value" }, counts.get(s.code) ?? 0), h("div", { class: "card-note" }, "户")),
      ),
      h("div", { class: "card" }, h("div", { class: "card-label" }, "发现错退人数"), h("div", { class: "card-value", id: "wrong-exit-persons" }, wrong), h("div", { class: "card-note" }, "已完成核查的户")),
      h("div", { class: "card" }, h("div", { class: "card-label" }, "需整改的发现"), h("div", { class: "card-value" }, r.problems.length), h("div", { class: "card-note" }, "进入问题清单")),
    ),
    r.set_aside.length ? h("div", { class: "warn-box" }, `${r.set_aside.length} 条核查记录无法读取或不属于本次抽样，未计入。`) : null,
  );
}

function estimatesPanel(ctx: Ctx, plan: PlanView, el: HTMLElement, method: string | null): void {
  const select = h(
    "select",
    { id: "estimate-method", onchange: () => estimatesPanel(ctx, plan, el, select.value) },
    ctx.session.labels.interval_methods.map((m) => h("option", { value: m.code }, m.zh)),
  );
  if (method) select.value = method;
  const body = h("div", {});
  el.replaceChildren(
    h("div", { class: "panel-head" }, h("h2", {}, "评估指标估计"), h("label", { class: "inline" }, "置信区间", select)),
    h("p", { class: "hint" }, "按已完成核查的户估计，95% 置信区间。区间整体在标准以内为「大概率达标」，跨过标准时需增加样本，表中给出大约还需核查多少户。"),
    body,
  );
  void fill(body, () => api.estimates(plan.id, method ?? undefined), (e) => estimatesTable(ctx, e));
}

function decisionText(ctx: Ctx, d: Decision): string {
  const v = label(ctx.session.labels.verdicts, d.verdict);
  return d.more_households ? `${v}（约再查 ${d.more_households} 户）` : v;
}

function cell(ctx: Ctx, x: IndicatorEstimate | null): HTMLElement[] {
  if (!x) return [h("td", { class: "muted", colspan: 2 }, "无样本")];
  return [
    h(
      "td",
      { class: "num" },
      h("strong", {}, pct(x.interval.estimate)),
      h("div", { class: "interval" }, `${pct(x.interval.lower)} – ${pct(x.interval.upper)}`),
      h("div", { class: "interval found" }, `发现 ${x.found} / 样本 ${x.base}`),
    ),
    h(
      "td",
      { class: `verdict v-${x.decision.verdict}` },
      h("div", { class: "decision" }, decisionText(ctx, x.decision)),
      h("div", { class: "hint" }, `标准 ${x.decision.threshold / 100}% · 设计效应 ${x.design_effect.toFixed(2)}`),
      x.internal ? h("div", { class: "hint" }, `内控 ${x.internal.threshold / 100}%：${decisionText(ctx, x.internal)}`) : null,
    ),
  ];
}

function estimatesTable(ctx: Ctx, e: PlanEstimates): HTMLElement {
  if (e.checks === 0) {
    return empty("还没有完成核查的户", "督查员在手机应用中完成核查并同步后，这里按抽样结果估计各项指标。");
  }
  const ind = ctx.session.labels.indicators;
  const townName = (code: string) => {
    const v = e.town_villages[code]?.[0];
    const place = v ? ctx.session.villages.find((x) => x.id === v) : undefined;
    return ctx.session.towns.find((t) => t.id === place?.town_id)?.name ?? code;
  };
  const scopeName = (s: ScopeEstimates) => (s.scope.level === "county" ? "全县" : s.scope.level === "town" ? townName(s.scope.id) : villageName(ctx, s.scope.id, true));
  const rows = [e.county, ...e.towns, ...e.villages];
  return h(
    "div",
    { class: "table-wrap" },
    h("p", { class: "hint" }, `已完成核查 ${e.checks} 户；评估标准 ${e.policy}。`),
    h(
      "table",
      { class: "grid", id: "estimate-table" },
      h(
        "thead",
        {},
        h("tr", {}, h("th", { rowspan: 2 }, "范围"), ind.map((i) => h("th", { colspan: 2 }, i.zh))),
        h("tr", {}, ind.map(() => [h("th", { class: "num" }, "估计（95% 区间）"), h("th", {}, "判断")])),
      ),
      h(
        "tbody",
        {},
        rows.map((s) =>
          h(
            "tr",
            { class: s.scope.level === "county" ? "total" : s.scope.level === "town" ? "subtotal" : null, "data-scope": s.scope.level === "county" ? "county" : s.scope.id },
            h("th", { scope: "row" }, scopeName(s)),
            cell(ctx, s.wrong_exit),
            cell(ctx, s.missed),
            cell(ctx, s.recognition),
          ),
        ),
      ),
    ),
  );
}

/** 抽查任务: a supervisor's own assignments, blind (whom to visit, not what the register says). */
export async function tasksView(ctx: Ctx): Promise<HTMLElement> {
  const list = await api.worklist();
  const page = h(
    "div",
    { class: "page", id: "tasks" },
    pageTitle("抽查任务"),
    h("p", { class: "hint" }, "这是县里分配给您这一组的抽查户和排查村。核查在手机应用中进行：先如实记录所见并封存，封存后才显示登记信息（盲查）。看板不显示这些户的登记数据。"),
  );
  if (list.assignments.length === 0) {
    page.append(empty("还没有分配给您的抽查任务", "县扶贫办发布抽查方案并分组后，任务显示在这里和手机应用中。"));
    return page;
  }
  for (const a of list.assignments) {
    const place = (id: string) => {
      const p = a.places.find((x) => x.id === id);
      return p ? `${p.town} ${p.name}` : "—";
    };
    page.append(
      h(
        "section",
        { class: "panel task", "data-assignment": a.id },
        h("div", { class: "panel-head" }, h("h2", {}, `${a.plan_title}（${a.year} 年度）`), h("span", { class: "badge" }, `同组：${a.checkers.map((c) => c.display_name).join("、")}`)),
        h(
          "table",
          { class: "grid small task-households" },
          h("thead", {}, h("tr", {}, h("th", {}, "乡镇 村"), h("th", {}, "户编号"), h("th", {}, "户主"), h("th", {}, "户类型"))),
          h(
            "tbody",
            {},
            a.households.map((x) =>
              h("tr", { "data-household": x.household_id }, h("td", {}, place(x.village_id)), h("td", { class: "mono" }, x.household_number ?? "—"), h("td", {}, x.head_name ?? "—"), h("td", {}, htype(ctx, x.household_type))),
            ),
          ),
        ),
        a.screen_villages.length ? h("p", {}, `排查非建档立卡户的村：${a.screen_villages.map(place).join("、")}`) : null,
      ),
    );
  }
  return page;
}
