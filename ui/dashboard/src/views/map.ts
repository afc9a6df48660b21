// 地图: the households' GPS points (WGS-84 as stored) of a village, a town or the county, on a
// plain background with a scale bar (no online base map assumed). Village centres are marked;
// points further from their village's centre than the server's limit stand out in red and are
// listed, each a link to its household.

import { h } from "../../../src/dom";
import { api, type MapPoint } from "../api";
import { type Ctx, empty, fill, go, pageTitle, villageName } from "../ui";

const SVG = "http://www.w3.org/2000/svg";
const W = 900;
const H = 560;
const PAD = 30;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export async function mapView(ctx: Ctx, params: URLSearchParams): Promise<HTMLElement> {
  // The scope: `village:<id>`, `town:<id>`, or the whole of what the user sees.
  const scope = params.get("scope") ?? (ctx.session.villages[0] ? `village:${ctx.session.villages[0].id}` : "");
  const select = h("select", { id: "map-scope", onchange: () => go(`#/map?scope=${encodeURIComponent(select.value)}`) });
  if (ctx.session.administers) select.append(h("option", { value: "county" }, "全县"));
  for (const t of ctx.session.towns) {
    const g = h("optgroup", { label: t.name }, h("option", { value: `town:${t.id}` }, `${t.name}（全镇）`));
    for (const v of ctx.session.villages.filter((x) => x.town_id === t.id)) g.append(h("option", { value: `village:${v.id}` }, v.name));
    select.append(g);
  }
  select.value = scope;
  const [kind, id] = scope.split(":");
  const body = h("div", { class: "map-body" });
  const page = h("div", { class: "page", id: "map" }, pageTitle("地图", h("label", { class: "inline" }, "范围", select)), body);
  await fill(
    body,
    () => api.map(kind === "village" ? { village: id } : kind === "town" ? { town: id } : {}),
    (res) => {
      if (res.points.length === 0) return empty("这里还没有定位的农户", "调查员在户门口用建档应用定位并同步后，点显示在这里。");
      const villages = ctx.session.villages.filter((v) => v.lon !== null && v.lat !== null && res.points.some((p) => p.village_id === v.id));
      return h("div", { class: "map-split" }, drawMap(ctx, res.points, villages, res.far_m), farList(ctx, res.points, res.far_m));
    },
  );
  return page;
}

/** Equirectangular projection around the points' middle latitude: fine at a county's size. */
function drawMap(ctx: Ctx, points: MapPoint[], villages: Ctx["session"]["villages"], farM: number): SVGSVGElement {
  const lons = [...points.map((p) => p.lon), ...villages.map((v) => v.lon!)];
  const lats = [...points.map((p) => p.lat), ...villages.map((v) => v.lat!)];
  const minLon = Math.min(...lons);
  const maxLon = Math.max(...lons);
  const minLat = Math.min(...lats);
  const maxLat = Math.max(...lats);
  const midLat = ((minLat + maxLat) / 2) * (Math.PI / 180);
  const mPerDegLat = 111_320;
  const mPerDegLon = 111_320 * Math.cos(midLat);
  const widthM = Math.max((maxLon - minLon) * mPerDegLon, 200);
  const heightM = Math.max((maxLat - minLat) * mPerDegLat, 200);
  const scale = Math.min((W - 2 * PAD) / widthM, (H - 2 * PAD) / heightM); // px per metre
  const cx = (minLon + maxLon) / 2;
  const cy = (minLat + maxLat) / 2;
  const x = (lon: number) => W / 2 + (lon - cx) * mPerDegLon * scale;
  const y = (lat: number) => H / 2 - (lat - cy) * mPerDegLat * scale;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "map-svg", id: "map-svg", role: "img", "aria-label": "农户定位图" });
  root.append(svg("rect", { x: 0, y: 0, width: W, height: H, class: "map-bg" }));
  for (const v of villages) {
    root.append(svg("circle", { cx: x(v.lon!), cy: y(v.lat!), r: farM * scale, class: "village-ring" }));
  }
  for (const p of points) {
    const dot = svg("circle", { cx: x(p.lon), cy: y(p.lat), r: p.far ? 5 : 3, class: p.far ? "pt far" : "pt", "data-household": p.household_id });
    dot.append(svg("title", {}, `${p.head_name ?? "（未填户主）"} · ${villageName(ctx, p.village_id)}${p.distance_m !== null ? ` · 距村中心 ${Math.round(p.distance_m)} 米` : ""}`));
    dot.addEventListener("click", () => go(`#/household/${p.household_id}`));
    root.append(dot);
  }
  for (const v of villages) {
    root.append(svg("rect", { x: x(v.lon!) - 5, y: y(v.lat!) - 5, width: 10, height: 10, class: "village-mark" }));
    root.append(svg("text", { x: x(v.lon!) + 8, y: y(v.lat!) - 8, class: "village-label" }, v.name));
  }
  // A scale bar of a round length near a sixth of the width.
  const target = (W / 6) / scale;
  const pow = 10 ** Math.floor(Math.log10(target));
  const len = [1, 2, 5, 10].map((m) => m * pow).filter((m) => m <= target).pop() ?? pow;
  const px = len * scale;
  const sy = H - 16;
  root.append(
    svg("line", { x1: 16, y1: sy, x2: 16 + px, y2: sy, class: "scale" }),
    svg("line", { x1: 16, y1: sy - 5, x2: 16, y2: sy, class: "scale" }),
    svg("line", { x1: 16 + px, y1: sy - 5, x2: 16 + px, y2: sy, class: "scale" }),
    svg("text", { x: 16, y: sy - 8, class: "scale-label" }, len >= 1000 ? `${len / 1000} 公里` : `${len} 米`),
    svg("text", { x: W - 12, y: H - 10, class: "scale-label", "text-anchor": "end" }, "WGS-84 · 北 ↑"),
  );
  return root;
}

function farList(ctx: Ctx, points: MapPoint[], farM: number): HTMLElement {
  const far = points.filter((p) => p.far).sort((a, b) => (b.distance_m ?? 0) - (a.distance_m ?? 0));
  return h(
    "aside",
    { class: "panel far-list", id: "far-list" },
    h("h2", {}, `远离村中心的点（${far.length}）`),
    h("p", { class: "hint" }, `共 ${points.length} 户有定位；红点离村中心超过 ${farM / 1000} 公里，请核实是否在户门口定位。`),
    far.length
      ? h(
          "ul",
          {},
          far.slice(0, 50).map((p) =>
            h("li", {}, h("a", { href: `#/household/${p.household_id}` }, p.head_name ?? "（未填户主）"), ` ${villageName(ctx, p.village_id)} · ${Math.round((p.distance_m ?? 0) / 100) / 10} 公里`),
          ),
        )
      : h("p", {}, "没有远离村中心的点。"),
  );
}
