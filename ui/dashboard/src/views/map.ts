// 地图: the households' GPS points (WGS-84 as stored) of a village, a town or the county, on a
// plain background with a scale bar (no online base map assumed). Village centres are marked;
// points further from their village's centre than the server's limit stand out in red and are
// listed, each a link to its household.

import { h } from "../../../src/dom";
import { api, type MapPoint } from "../api";
import { type Ctx, empty, fill, go, pageTitle, villageName } from "../ui";
import { fitZoom, metresPerPx, wgsToGcj, worldPx } from "../geo";

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

/**
 * Web Mercator at the zoom that fits the points (the projection of tile servers): a base
 * map's tiles, when the county set one, line up under the points. On GCJ-02 tiles the points
 * are shifted to GCJ-02 for drawing only.
 */
function drawMap(ctx: Ctx, points: MapPoint[], villages: Ctx["session"]["villages"], farM: number): SVGSVGElement {
  const base = ctx.session.base_map;
  const shown = (lon: number, lat: number): [number, number] => (base?.gcj02 ? wgsToGcj(lon, lat) : [lon, lat]);
  const all: [number, number][] = [...points.map((p) => shown(p.lon, p.lat)), ...villages.map((v) => shown(v.lon!, v.lat!))];
  // At least ~400 m across, so one point alone still gets a sensible zoom.
  const z = Math.min(fitZoom(all, W - 2 * PAD, H - 2 * PAD), 17);
  const px = all.map(([lon, lat]) => worldPx(lon, lat, z));
  const cx = (Math.min(...px.map((p) => p[0])) + Math.max(...px.map((p) => p[0]))) / 2;
  const cy = (Math.min(...px.map((p) => p[1])) + Math.max(...px.map((p) => p[1]))) / 2;
  const at = (lon: number, lat: number): [number, number] => {
    const [x, y] = worldPx(...shown(lon, lat), z);
    return [W / 2 + x - cx, H / 2 + y - cy];
  };
  const midLat = (Math.min(...all.map((p) => p[1])) + Math.max(...all.map((p) => p[1]))) / 2;
  const mPerPx = metresPerPx(midLat, z);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "map-svg", id: "map-svg", role: "img", "aria-label": "农户定位图" });
  root.append(svg("rect", { x: 0, y: 0, width: W, height: H, class: "map-bg" }));
  if (base) root.append(tiles(base.url, z, cx, cy));
  for (const v of villages) {
    const [x, y] = at(v.lon!, v.lat!);
    root.append(svg("circle", { cx: x, cy: y, r: farM / mPerPx, class: "village-ring" }));
  }
  for (const p of points) {
    const [x, y] = at(p.lon, p.lat);
    const dot = svg("circle", { cx: x, cy: y, r: p.far ? 5 : 3, class: p.far ? "pt far" : "pt", "data-household": p.household_id });
    dot.append(svg("title", {}, `${p.head_name ?? "（未填户主）"} · ${villageName(ctx, p.village_id)}${p.distance_m !== null ? ` · 距村中心 ${Math.round(p.distance_m)} 米` : ""}`));
    dot.addEventListener("click", () => go(`#/household/${p.household_id}`));
    root.append(dot);
  }
  for (const v of villages) {
    const [x, y] = at(v.lon!, v.lat!);
    root.append(svg("rect", { x: x - 5, y: y - 5, width: 10, height: 10, class: "village-mark" }));
    root.append(svg("text", { x: x + 8, y: y - 8, class: "village-label" }, v.name));
  }
  // A scale bar of a round length near a sixth of the width.
  const target = (W / 6) * mPerPx;
  const pow = 10 ** Math.floor(Math.log10(target));
  const len = [1, 2, 5, 10].map((m) => m * pow).filter((m) => m <= target).pop() ?? pow;
  const barPx = len / mPerPx;
  const sy = H - 16;
  root.append(
    svg("rect", { x: 8, y: sy - 24, width: barPx + 24, height: 32, class: "scale-bg" }),
    svg("line", { x1: 16, y1: sy, x2: 16 + barPx, y2: sy, class: "scale" }),
    svg("line", { x1: 16, y1: sy - 5, x2: 16, y2: sy, class: "scale" }),
    svg("line", { x1: 16 + barPx, y1: sy - 5, x2: 16 + barPx, y2: sy, class: "scale" }),
    svg("text", { x: 16, y: sy - 8, class: "scale-label" }, len >= 1000 ? `${len / 1000} 公里` : `${len} 米`),
    svg("text", { x: W - 12, y: H - 10, class: "scale-label", "text-anchor": "end" }, base?.gcj02 ? "GCJ-02 显示（存储为 WGS-84）· 北 ↑" : "WGS-84 · 北 ↑"),
  );
  return root;
}

/** The base map's tiles covering the view, at the whole zoom below `z`, scaled to it. */
function tiles(url: string, z: number, cx: number, cy: number): SVGGElement {
  const g = svg("g", { class: "tiles" });
  const tz = Math.max(0, Math.floor(z));
  const k = 2 ** (z - tz);
  const size = 256 * k;
  const left = cx - W / 2;
  const top = cy - H / 2;
  const n = 2 ** tz;
  for (let tx = Math.floor(left / size); tx <= Math.floor((left + W) / size); tx++) {
    for (let ty = Math.floor(top / size); ty <= Math.floor((top + H) / size); ty++) {
      if (ty < 0 || ty >= n) continue;
      const href = url.replace("{z}", String(tz)).replace("{x}", String(((tx % n) + n) % n)).replace("{y}", String(ty));
      g.append(svg("image", { href, x: tx * size - left, y: ty * size - top, width: size, height: size }));
    }
  }
  return g;
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
