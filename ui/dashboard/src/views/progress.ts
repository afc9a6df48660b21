// 工作进度: the phase the county is in and the days left, the figures per town and village
// (GET /api/v1/dashboard/progress, computed by the server through the domain), and a chart of
// the work over the days of the field and entry phases against the timeline.

import { h } from "../../../src/dom";
import { api, type Progress, type VillageProgress } from "../api";
import { type Ctx, dateTime, empty, pageTitle, phaseName } from "../ui";
import { use, init, type ComposeOption } from "echarts/core";
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkAreaComponentOption,
  type TooltipComponentOption,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

use([BarChart, LineChart, GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent, SVGRenderer]);

type Option = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | MarkAreaComponentOption | TooltipComponentOption
>;

const COLUMNS: [keyof VillageProgress, string][] = [
  ["households", "在册户数"],
  ["visited", "本年已入户"],
  ["exits_proposed", "拟脱贫"],
  ["exits_done", "已脱贫"],
  ["new_identified", "新识别"],
  ["returned", "返贫"],
  ["member_increases", "成员增加"],
  ["member_decreases", "成员减少"],
  ["unreadable", "无法读取"],
];

function sum(rows: VillageProgress[], key: keyof VillageProgress): number {
  return rows.reduce((n, r) => n + (Number(r[key]) || 0), 0);
}

function lastSeen(rows: VillageProgress[]): number | null {
  const seen = rows.map((r) => r.last_seen_ms).filter((x): x is number => x !== null);
  return seen.length ? Math.max(...seen) : null;
}

function figures(rows: VillageProgress[]): HTMLElement[] {
  return [
    ...COLUMNS.map(([k]) => h("td", { class: "num", "data-col": k }, sum(rows, k))),
    h("td", { class: "num" }, sum(rows, "devices")),
    h("td", {}, dateTime(lastSeen(rows))),
  ];
}

function percent(a: number, b: number): string {
  return b === 0 ? "—" : `${Math.round((a / b) * 100)}%`;
}

export async function progressView(ctx: Ctx): Promise<HTMLElement> {
  const p = await api.progress();
  const rows = p.villages;
  const all = h("div", { class: "page", id: "progress" });
  const phase = p.phase
    ? h(
        "div",
        { class: "phase-banner", id: "phase" },
        h("span", { class: "label" }, `${p.year} 年度 · 当前阶段`),
        h("strong", {}, phaseName(ctx, p.phase.name)),
        h("span", {}, `${p.phase.starts} 至 ${p.phase.ends}`),
        h("span", { class: p.days_left !== null && p.days_left <= 3 ? "days urgent" : "days" }, `还剩 ${p.days_left ?? "—"} 天`),
        h("span", { class: p.phase.writes_open ? "badge ok" : "badge closed" }, p.phase.writes_open ? "可以录入" : "录入已关闭"),
      )
    : h("div", { class: "phase-banner", id: "phase" }, h("strong", {}, `今天（${p.today}）不在本年的任何工作阶段内`));
  const households = sum(rows, "households");
  const visited = sum(rows, "visited");
  const cards = h(
    "div",
    { class: "cards" },
    card("在册户数", households, `${rows.length} 个村`),
    card("本年已入户", visited, `完成 ${percent(visited, households)}`),
    card("已脱贫 / 拟脱贫", `${sum(rows, "exits_done")} / ${sum(rows, "exits_proposed")}`, "本年度"),
    card("新识别 / 返贫", `${sum(rows, "new_identified")} / ${sum(rows, "returned")}`, "本年度"),
    card("成员增加 / 减少", `${sum(rows, "member_increases")} / ${sum(rows, "member_decreases")}`, "自然增减"),
  );
  all.append(pageTitle("工作进度", h("span", { class: "sub" }, `截至 ${p.today}`)), phase, cards);
  all.append(h("section", { class: "panel" }, h("h2", {}, "每日进度与工作时间表"), chart(ctx, p)));
  if (rows.length === 0) {
    all.append(
      empty(
        "您负责的范围内没有村的登记数据",
        "乡镇账号的乡镇由县级管理员在「管理」中分配；督查员看不到登记数据，抽查任务在手机应用中完成（盲查）。",
      ),
    );
    return all;
  }
  const table = h(
    "table",
    { class: "grid", id: "progress-table" },
    h(
      "thead",
      {},
      h("tr", {}, h("th", {}, "乡镇 / 村"), COLUMNS.map(([, label]) => h("th", { class: "num" }, label)), h("th", { class: "num" }, "设备"), h("th", {}, "设备最近同步")),
    ),
  );
  const body = h("tbody");
  for (const town of ctx.session.towns) {
    const villages = ctx.session.villages.filter((v) => v.town_id === town.id);
    const townRows = rows.filter((r) => villages.some((v) => v.id === r.village_id));
    if (townRows.length === 0) continue;
    body.append(h("tr", { class: "subtotal" }, h("th", { scope: "row" }, town.name), figures(townRows)));
    for (const v of villages) {
      const r = townRows.find((x) => x.village_id === v.id);
      if (!r) continue;
      body.append(
        h(
          "tr",
          { "data-village": v.id },
          h("td", { class: "indent" }, h("a", { href: `#/households?village=${v.id}` }, v.name)),
          figures([r]),
        ),
      );
    }
  }
  body.append(h("tr", { class: "total" }, h("th", { scope: "row" }, "合计"), figures(rows)));
  table.append(body);
  all.append(h("section", { class: "panel" }, h("h2", {}, "各乡镇、村进度"), h("div", { class: "table-wrap" }, table)));
  return all;
}

function card(label: string, value: string | number, note: string): HTMLElement {
  return h("div", { class: "card" }, h("div", { class: "card-label" }, label), h("div", { class: "card-value" }, value), h("div", { class: "card-note" }, note));
}

/** Daily changes (bars) and visits to date (line) over the days, with the phases shaded. */
function chart(ctx: Ctx, p: Progress): HTMLElement {
  const el = h("div", { class: "chart", id: "progress-chart" });
  if (p.days.length === 0) {
    el.append(empty("还没有每日进度", "入户调查阶段开始后，这里按天显示收到的修改和入户核实。"));
    return el;
  }
  let total = 0;
  const visitsToDate = p.days.map((d) => (total += d.visits));
  const dates = p.days.map((d) => d.date);
  const first = dates[0];
  const last = dates[dates.length - 1];
  const areas = p.phases
    .filter((ph) => ph.ends >= first && ph.starts <= last)
    .map((ph) => [
      { name: phaseName(ctx, ph.name), xAxis: ph.starts < first ? first : ph.starts },
      { xAxis: ph.ends > last ? last : ph.ends },
    ]);
  const option: Option = {
    animation: false,
    grid: { left: 56, right: 56, top: 40, bottom: 32 },
    tooltip: { trigger: "axis" },
    legend: { data: ["当天收到的修改", "累计入户核实户数"], top: 0 },
    xAxis: { type: "category", data: dates },
    yAxis: [
      { type: "value", name: "修改", minInterval: 1 },
      { type: "value", name: "户", minInterval: 1 },
    ],
    series: [
      {
        name: "当天收到的修改",
        type: "bar",
        data: p.days.map((d) => d.changes),
        itemStyle: { color: "#8fb3de" },
        markArea: {
          silent: true,
          itemStyle: { color: "rgba(200, 60, 40, 0.06)", borderColor: "rgba(200, 60, 40, 0.3)", borderWidth: 1 },
          label: { color: "#555", position: "insideTop" },
          data: areas as never,
        },
      },
      { name: "累计入户核实户数", type: "line", yAxisIndex: 1, data: visitsToDate, itemStyle: { color: "#c0392b" }, showSymbol: false },
    ],
  };
  // ECharts needs the element in the page to measure it: draw once it is there.
  requestAnimationFrame(() => {
    const c = init(el, undefined, { renderer: "svg" });
    c.setOption(option);
    new ResizeObserver(() => c.resize()).observe(el);
  });
  return el;
}
