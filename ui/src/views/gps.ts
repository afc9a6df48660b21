// GPS positions (C5): take a position averaged over several fixes, warn when the accuracy
// is worse than 20 m or the point is far from the village, keep the history.

import { backend, errorMessage, type GpsView } from "../backend";
import { currentApp } from "../app";
import { syncBadge } from "../forms";
import { h, mount } from "../dom";

/** A typed position's accuracy (metres) unless the user says otherwise. */
const TYPED_ACCURACY_M = 5;

export function gpsRow(g: GpsView): HTMLElement {
  return h(
    "li",
    { class: "gps-fix", "data-id": g.id },
    `${g.lat.toFixed(6)}, ${g.lon.toFixed(6)} · 精度 ${g.accuracy_m.toFixed(1)} 米 · ${g.samples} 次平均 · ${g.taken_at}`,
    " ",
    syncBadge(g.sync),
  );
}

export function gpsPanel(subjectId: string, villageId: string, history: GpsView[]): HTMLElement {
  const app = currentApp();
  const out = h("div", { class: "gps-result", id: "gps-result" });
  const list = h("ul", { class: "gps-history", id: "gps-history" }, history.map(gpsRow));
  const samples = h("input", { id: "gps-samples", type: "number", min: 1, max: 20, value: 5, inputmode: "numeric" });
  // On desktop there is no receiver: the position is typed (or set by a test) and then taken
  // through the same command as on a phone.
  const lon = h("input", { id: "gps-lon", inputmode: "decimal", placeholder: "经度，如 115.65" });
  const lat = h("input", { id: "gps-lat", inputmode: "decimal", placeholder: "纬度，如 34.41" });
  const acc = h("input", { id: "gps-accuracy", inputmode: "decimal", value: TYPED_ACCURACY_M });
  const manual = app.status.manual_position
    ? h(
        "div",
        { class: "manual-position" },
        h("p", { class: "hint" }, "本设备没有卫星定位：请输入位置（WGS-84）。"),
        h("label", {}, "经度", lon),
        h("label", {}, "纬度", lat),
        h("label", {}, "精度（米）", acc),
      )
    : null;

  const take = async () => {
    mount(out, h("div", { class: "hint" }, "正在定位……"));
    try {
      if (app.status.manual_position) {
        const x = Number(lon.value);
        const y = Number(lat.value);
        const a = acc.value ? Number(acc.value) : TYPED_ACCURACY_M;
        if (!Number.isFinite(x) || !Number.isFinite(y) || lon.value === "" || lat.value === "") {
          mount(out, h("div", { class: "error-box" }, "请输入经度和纬度"));
          return;
        }
        await backend().setTestPosition(x, y, a);
      }
      const r = await backend().takePosition(subjectId, villageId, Number(samples.value) || 1);
      list.prepend(gpsRow(r.fix));
      mount(
        out,
        h("div", { class: "ok-box" }, `已记录：精度 ${r.fix.accuracy_m.toFixed(1)} 米 · 待同步`),
        r.warnings.map((w) => h("div", { class: `finding ${w.severity}`, "data-code": w.code }, w.message)),
      );
    } catch (e) {
      mount(out, h("div", { class: "error-box" }, errorMessage(e)));
    }
  };

  return h(
    "section",
    { class: "panel", id: "gps" },
    h("h2", {}, "GPS 定位"),
    manual,
    h("label", {}, "定位次数（取平均）", samples),
    h("button", { class: "primary big", id: "gps-take", onclick: take }, "获取位置"),
    out,
    h("h3", {}, "历史记录"),
    list,
  );
}
