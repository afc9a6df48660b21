// 冲突: two devices changed one field at the same time. Each conflict side by side (both
// values, who, when, which device); one click keeps a value through the server's resolve
// endpoint, which logs the choice as a change every device pulls.

import { h } from "../../../src/dom";
import { fieldLabel } from "../../../src/forms";
import { api, ApiFailure, type Conflict, type ConflictSide, type DeviceView, type UserView } from "../api";
import { type Ctx, anyField, dateTime, empty, failure, pageTitle, valueText, villageName } from "../ui";

export async function conflictsView(ctx: Ctx, params: URLSearchParams): Promise<HTMLElement> {
  const showAll = params.get("all") === "1";
  const [list, users, devices] = await Promise.all([api.conflicts(!showAll), api.users(), api.devices()]);
  const page = h(
    "div",
    { class: "page", id: "conflicts" },
    pageTitle(
      "冲突",
      h("a", { href: showAll ? "#/conflicts" : "#/conflicts?all=1", class: "back", id: "conflicts-toggle" }, showAll ? "只看未处理" : "也看已处理"),
    ),
    h("p", { class: "hint" }, "两台设备同时修改了同一项内容时，系统先采用时间较晚的修改，另一项保留在这里。请核对后选定正确的值，选定后各设备下次同步时更新。"),
  );
  if (list.conflicts.length === 0) {
    page.append(empty(showAll ? "还没有发生过冲突" : "没有待处理的冲突", "两台设备同时修改同一户的同一项内容时，冲突显示在这里。"));
    return page;
  }
  for (const c of list.conflicts) page.append(conflictCard(ctx, c, users.users, devices.devices));
  return page;
}

function conflictCard(ctx: Ctx, c: Conflict, users: UserView[], devices: DeviceView[]): HTMLElement {
  const found = anyField(ctx, null, c.field);
  const kind = found?.form.record ?? null;
  const list = found?.def.code_list;
  const label = fieldLabel(ctx.bundle, kind, c.field);
  const card = h("article", { class: "panel conflict", "data-conflict": c.id });
  const status = h("div", { class: "conflict-status", role: "status" });
  const side = (title: string, s: ConflictSide, current: boolean) => {
    const user = users.find((u) => u.id === s.user_id);
    const device = devices.find((d) => d.id === s.device_id);
    const chosen = c.resolution !== null && JSON.stringify(c.resolution.value) === JSON.stringify(s.value);
    return h(
      "div",
      { class: chosen ? "side chosen" : "side" },
      h("div", { class: "side-title" }, title, current ? h("span", { class: "badge" }, "当前值") : null),
      h("div", { class: "value" }, valueText(ctx, list, s.value)),
      h("dl", {}, h("dt", {}, "修改人"), h("dd", {}, user ? `${user.display_name}（${user.username}）` : "—"), h("dt", {}, "设备"), h("dd", {}, device?.name ?? "—"), h("dt", {}, "修改时间"), h("dd", {}, dateTime(Number(s.hlc.split("-")[0])))),
      c.resolution === null
        ? h(
            "button",
            {
              type: "button",
              class: "primary keep",
              onclick: async (ev: Event) => {
                const b = ev.currentTarget as HTMLButtonElement;
                card.querySelectorAll("button").forEach((x) => ((x as HTMLButtonElement).disabled = true));
                b.textContent = "正在保存……";
                try {
                  const done = await api.resolve(c.id, s.value);
                  card.replaceWith(conflictCard(ctx, done, users, devices));
                } catch (e) {
                  status.replaceChildren(failure(e instanceof ApiFailure ? e : new ApiFailure(0, "internal", "保存失败")));
                  card.querySelectorAll("button").forEach((x) => ((x as HTMLButtonElement).disabled = false));
                  b.textContent = "采用这个值";
                }
              },
            },
            "采用这个值",
          )
        : null,
    );
  };
  card.append(
    h("div", { class: "panel-head" }, h("h2", {}, `${villageName(ctx, c.village_id, true)} · ${label}`), c.resolution ? h("span", { class: "badge ok" }, "已处理") : h("span", { class: "badge closed" }, "待处理")),
    h("div", { class: "sides" }, side("较早的修改（未采用）", c.losing, false), side("较晚的修改（已采用）", c.winning, c.resolution === null)),
    status,
  );
  if (c.resolution) {
    status.before(h("p", { class: "resolution" }, `已于 ${dateTime(c.resolution.resolved_ms)} 选定：${valueText(ctx, list, c.resolution.value)}`));
  }
  return card;
}
