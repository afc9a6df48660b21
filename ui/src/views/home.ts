// Village home: counts on top, search and filters, the household list.

import { backend, type HouseholdFilter, type HouseholdList, type VisitState } from "../backend";
import { currentApp, go } from "../app";
import { syncBadge } from "../forms";
import { h, mount } from "../dom";
import { frame } from "./shell";
import { problemSummary } from "./problems";

export const FILTER_LABEL: Record<HouseholdFilter, string> = {
  all: "全部",
  registered: "在册贫困户",
  exited_this_year: "本年脱贫",
  new: "新识别",
  returned: "返贫",
  has_errors: "有错误",
  not_visited: "本年未走访",
  waiting: "待同步",
};

const FILTERS = Object.keys(FILTER_LABEL) as HouseholdFilter[];

/** This year's door visit as the list shows it, without opening the household. */
export const VISIT_LABEL: Record<VisitState, string> = {
  verified: "已核实",
  changed: "有变化",
  none: "未走访",
};

let lastFilter: HouseholdFilter = "all";
let lastSearch = "";

export async function homeView(): Promise<HTMLElement> {
  const app = currentApp();
  const list = h("div", { class: "household-list", id: "household-list" });
  const counts = h("div", { class: "counts", id: "counts" });
  const search = h("input", {
    id: "search",
    type: "search",
    placeholder: "搜索：户主姓名、户编号、证件号后几位",
    value: lastSearch,
  });

  const villageSel =
    app.status.villages.length > 1
      ? h(
          "select",
          {
            id: "village-select",
            onchange: (ev: Event) => {
              app.villageId = (ev.target as HTMLSelectElement).value;
              refresh();
            },
          },
          app.status.villages.map((v) =>
            h("option", { value: v.id, selected: v.id === app.villageId }, `${v.town} ${v.name}`),
          ),
        )
      : null;

  let seq = 0;
  const refresh = async () => {
    const mine = ++seq;
    const result: HouseholdList = await backend().listHouseholds({
      village_id: app.villageId,
      search: search.value.trim(),
      filter: lastFilter,
    });
    if (mine !== seq) return;
    mount(
      counts,
      FILTERS.map((f) =>
        h(
          "button",
          {
            class: `count ${f === lastFilter ? "active" : ""}`,
            "data-filter": f,
            onclick: () => {
              lastFilter = f;
              refresh();
            },
          },
          h("span", { class: "n" }, String(result.counts[f] ?? 0)),
          h("span", { class: "label" }, FILTER_LABEL[f]),
        ),
      ),
    );
    mount(
      list,
      result.rows.length === 0
        ? h("p", { class: "empty" }, "没有符合条件的农户")
        : result.rows.map((r) =>
            h(
              "button",
              { class: "household-row", "data-id": r.id, onclick: () => go(`#/household/${r.id}`) },
              h(
                "span",
                { class: "row-main" },
                h("span", { class: "name" }, r.head_name || "（未填户主）"),
                h("span", { class: "members" }, `${r.members} 人`),
                h("span", { class: "status" }, r.status_zh),
              ),
              h(
                "span",
                { class: "row-marks" },
                h("span", { class: "number" }, r.number || "新户"),
                h("span", { class: `badge visit-${r.visit}`, "data-visit": r.visit }, VISIT_LABEL[r.visit]),
                r.errors > 0 ? h("span", { class: "badge error" }, `${r.errors} 个错误`) : null,
                syncBadge(r.sync),
              ),
            ),
          ),
    );
  };
  search.addEventListener("input", () => {
    lastSearch = search.value;
    refresh();
  });
  await refresh();

  const village = app.status.villages.find((v) => v.id === app.villageId);
  const problems = app.villageId ? await problemSummary(app.villageId) : null;
  return frame(
    village ? `${village.town} ${village.name}` : "农户",
    h(
      "div",
      {},
      villageSel,
      problems,
      counts,
      h("div", { class: "search-bar" }, search),
      h("button", { class: "secondary", id: "new-household", onclick: () => go("#/household/new") }, "＋ 新识别农户"),
      list,
    ),
  );
}
