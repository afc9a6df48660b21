// 管理 (county admin): users (create, role, villages or towns, disable, password, the
// enrollment QR code for the field app), devices (revoke), the year's phases and the entry
// window, reopening a village after the window closed, and the map's base-map setting.

import { h } from "../../../src/dom";
import { renderSVG } from "uqr";
import { enrollmentText } from "../../../src/enrollment";
import { api, ApiFailure, type DeviceView, type Phase, type Role, type UserView } from "../api";
import { type Ctx, dateTime, empty, failure, fill, go, pageTitle, phaseName, roleName, villageName, villageSelect } from "../ui";

const TABS: [string, string][] = [
  ["users", "用户"],
  ["devices", "设备"],
  ["phases", "工作阶段与录入期"],
  ["settings", "地图设置"],
];

export async function adminView(ctx: Ctx, params: URLSearchParams): Promise<HTMLElement> {
  const tab = params.get("tab") ?? "users";
  const body = h("div", { class: "tab-body" });
  const page = h(
    "div",
    { class: "page", id: "admin" },
    pageTitle("管理"),
    h("nav", { class: "tabs" }, TABS.map(([id, label]) => h("a", { href: `#/admin?tab=${id}`, id: `tab-${id}`, class: id === tab ? "active" : null }, label))),
    body,
  );
  if (tab === "devices") await fill(body, () => Promise.all([api.devices(), api.users()]), ([d, u]) => devicesTab(d.devices, u.users));
  else if (tab === "phases") await fill(body, () => api.phases(), (p) => phasesTab(ctx, p.phases));
  else if (tab === "settings") body.append(settingsTab(ctx));
  else await fill(body, () => api.users(), (u) => usersTab(ctx, u.users));
  return page;
}

/** A status line under a form: what was saved, or what went wrong and what to do. */
function statusLine(): { el: HTMLElement; ok: (t: string) => void; fail: (e: unknown) => void } {
  const el = h("div", { class: "form-status", role: "status" });
  return {
    el,
    ok: (t) => el.replaceChildren(h("div", { class: "ok-box" }, t)),
    fail: (e) => el.replaceChildren(failure(e)),
  };
}

function placesOf(ctx: Ctx, u: UserView): string {
  if (u.towns.length) return u.towns.map((t) => ctx.session.towns.find((x) => x.id === t)?.name ?? "?").join("、");
  if (u.villages.length === 0) return u.role === ctx.session.user.role ? "全县" : "未分配";
  const names = u.villages.map((v) => villageName(ctx, v));
  return names.length > 3 ? `${names.slice(0, 3).join("、")} 等 ${names.length} 个村` : names.join("、");
}

function usersTab(ctx: Ctx, users: UserView[]): HTMLElement {
  const qr = h("div", { class: "qr-box", id: "enrollment" });
  const formBox = h("div", {}, userForm(ctx, null));
  const table = h(
    "table",
    { class: "grid", id: "user-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "用户名"), h("th", {}, "姓名"), h("th", {}, "角色"), h("th", {}, "负责范围"), h("th", {}, "状态"), h("th", {}, "操作"))),
    h(
      "tbody",
      {},
      users.map((u) =>
        h(
          "tr",
          { "data-user": u.username, class: u.disabled ? "muted" : null },
          h("td", { class: "mono" }, u.username),
          h("td", {}, u.display_name),
          h("td", {}, roleName(ctx, u.role)),
          h("td", {}, placesOf(ctx, u)),
          h("td", {}, u.disabled ? "已停用" : "正常"),
          h(
            "td",
            {},
            h(
            "div",
            { class: "actions" },
            h("button", { type: "button", class: "link", onclick: () => showQr(qr, u) }, "登记码"),
            h("button", { type: "button", class: "link edit", onclick: () => {
                  formBox.replaceChildren(userForm(ctx, u));
                  formBox.scrollIntoView({ block: "nearest", behavior: "smooth" });
                } }, "修改"),
            u.id === ctx.session.user.id
              ? null
              : h(
                  "button",
                  {
                    type: "button",
                    class: "link",
                    onclick: async () => {
                      try {
                        await api.updateUser(u.id, { disabled: !u.disabled });
                        go("#/admin?tab=users");
                      } catch (e) {
                        qr.replaceChildren(failure(e));
                      }
                    },
                  },
                  u.disabled ? "启用" : "停用",
                ),
          ),
          ),
        ),
      ),
    ),
  );
  return h("div", { class: "admin-users" }, h("div", { class: "split" }, h("section", { class: "panel" }, h("h2", {}, `用户（${users.length}）`), h("div", { class: "table-wrap" }, table)), h("div", { class: "side-col" }, qr, formBox)));
}

function showQr(box: HTMLElement, u: UserView): void {
  const text = enrollmentText({ server: location.origin, username: u.username });
  const svg = h("div", { class: "qr" });
  // uqr makes the SVG markup from the text alone: nothing of the user's input is markup.
  svg.innerHTML = renderSVG(text, { border: 2 });
  box.replaceChildren(
    h("h2", {}, `${u.display_name} 的登记码`),
    svg,
    h("p", { class: "hint" }, "在建档应用的登录页扫描或粘贴这段登记码，自动填入服务器地址和用户名；密码另行告知。"),
    h("code", { class: "enroll-text", id: "enrollment-text" }, text),
  );
  box.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

/** Adds a user (`u` null) or changes one: name, role, towns or villages, password, enabled. */
function userForm(ctx: Ctx, u: UserView | null): HTMLElement {
  const status = statusLine();
  const username = h("input", { name: "username", id: "new-username", required: true, autocomplete: "off", value: u?.username ?? "", disabled: u !== null });
  const display = h("input", { name: "display_name", id: "new-display-name", required: true, value: u?.display_name ?? "" });
  const password = h("input", { name: "password", id: "new-password", type: "password", required: u === null, minlength: 8, autocomplete: "new-password" });
  const role = h("select", { name: "role", id: "new-role" }, ctx.session.roles.map((r) => h("option", { value: r.code }, r.zh)));
  if (u) role.value = u.role;
  const towns = h(
    "fieldset",
    { class: "checks", id: "new-towns" },
    h("legend", {}, "乡镇（乡镇扶贫干部）"),
    ctx.session.towns.map((t) => h("label", {}, h("input", { type: "checkbox", value: t.id, checked: u?.towns.includes(t.id) ?? false }), t.name)),
  );
  const villages = villageSelect(ctx, { id: "new-villages", multiple: "true", size: "6" }, "（按住 Ctrl 多选）");
  for (const o of villages.options) o.selected = o.value !== "" && (u?.villages.includes(o.value) ?? false);
  if (u?.towns.length) for (const o of villages.options) o.selected = false;
  const form = h(
    "form",
    {
      class: "panel stacked",
      id: "new-user",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const chosenTowns = [...towns.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);
        const chosenVillages = [...villages.selectedOptions].map((o) => o.value).filter((v) => v);
        try {
          if (u) {
            await api.updateUser(u.id, {
              display_name: display.value.trim(),
              role: role.value as Role,
              villages: chosenTowns.length ? [] : chosenVillages,
              towns: chosenTowns,
              ...(password.value ? { password: password.value } : {}),
            });
            status.ok(`已保存用户 ${u.username}`);
            setTimeout(() => go("#/admin?tab=users"), 600);
            return;
          }
          const made = await api.createUser({
            username: username.value.trim(),
            display_name: display.value.trim(),
            password: password.value,
            role: role.value as Role,
            villages: chosenVillages,
            towns: chosenTowns,
          });
          status.ok(`已添加用户 ${made.username}`);
          setTimeout(() => go("#/admin?tab=users"), 600);
        } catch (e) {
          status.fail(e);
        }
      },
    },
    h("h2", {}, u ? `修改用户 ${u.username}` : "添加用户"),
    h("label", {}, "用户名", username),
    h("label", {}, "姓名", display),
    h("label", {}, u ? "新密码（不改则不填）" : "初始密码（至少 8 位）", password),
    h("label", {}, "角色", role),
    towns,
    h("label", {}, "村（调查员、工作队员、督查员）", villages),
    status.el,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary", id: "save-user" }, u ? "保存" : "添加"),
      u ? h("button", { type: "button", onclick: () => form.replaceWith(userForm(ctx, null)) }, "取消") : null,
    ),
  );
  return form;
}

function devicesTab(devices: DeviceView[], users: UserView[]): HTMLElement {
  if (devices.length === 0) return empty("还没有登记的设备", "调查员在建档应用中第一次登录后，设备显示在这里。");
  const status = statusLine();
  const sorted = [...devices].sort((a, b) => Number(a.revoked) - Number(b.revoked) || (b.last_seen_ms ?? 0) - (a.last_seen_ms ?? 0));
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, `设备（${devices.length}）`),
    h("p", { class: "hint" }, "设备丢失或人员离岗时停用该设备：它之后的同步都会被拒绝，本机未同步的修改不会进入县服务器。"),
    status.el,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "grid", id: "device-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "设备"), h("th", {}, "使用人"), h("th", {}, "登记时间"), h("th", {}, "最近同步"), h("th", {}, "状态"), h("th", {}, "操作"))),
        h(
          "tbody",
          {},
          sorted.map((d) => {
            const u = users.find((x) => x.id === d.user_id);
            return h(
              "tr",
              { "data-device": d.id, class: d.revoked ? "muted" : null },
              h("td", {}, d.name),
              h("td", {}, u ? `${u.display_name}（${u.username}）` : "—"),
              h("td", {}, dateTime(d.enrolled_ms)),
              h("td", {}, dateTime(d.last_seen_ms)),
              h("td", {}, d.revoked ? "已停用" : "正常"),
              h(
                "td",
                {},
                d.revoked
                  ? null
                  : h(
                      "button",
                      {
                        type: "button",
                        class: "danger revoke",
                        onclick: async () => {
                          if (!confirm(`停用设备“${d.name}”？停用后它不能再同步。`)) return;
                          try {
                            await api.revoke(d.id);
                            go("#/admin?tab=devices");
                          } catch (e) {
                            status.fail(e);
                          }
                        },
                      },
                      "停用",
                    ),
              ),
            );
          }),
        ),
      ),
    ),
  );
}

function phasesTab(ctx: Ctx, phases: Phase[]): HTMLElement {
  const status = statusLine();
  const rows = phases.map((p) => ({
    p,
    starts: h("input", { type: "date", value: p.starts, required: true }),
    ends: h("input", { type: "date", value: p.ends, required: true }),
    open: h("input", { type: "checkbox", checked: p.writes_open }),
  }));
  const form = h(
    "form",
    {
      class: "panel",
      id: "phases-form",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        try {
          await api.putPhases(rows.map((r) => ({ name: r.p.name, starts: r.starts.value, ends: r.ends.value, writes_open: r.open.checked })));
          status.ok("已保存工作阶段：各设备下次同步时按新的录入期执行");
        } catch (e) {
          status.fail(e);
        }
      },
    },
    h("h2", {}, "工作阶段"),
    h("p", { class: "hint" }, "勾选「可录入」的阶段内，各设备的修改可以同步进县服务器；其他时间修改会被拒绝并保留在设备上。录入期结束后如需个别村补录，在下方重新开放该村。"),
    h(
      "table",
      { class: "grid", id: "phase-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "阶段"), h("th", {}, "开始"), h("th", {}, "结束"), h("th", {}, "可录入"))),
      h(
        "tbody",
        {},
        rows.map((r) => h("tr", { "data-phase": r.p.name }, h("td", {}, phaseName(ctx, r.p.name)), h("td", {}, r.starts), h("td", {}, r.ends), h("td", {}, r.open))),
      ),
    ),
    status.el,
    h("button", { type: "submit", class: "primary", id: "save-phases" }, "保存工作阶段"),
  );
  return h("div", {}, form, reopenForm(ctx));
}

function reopenForm(ctx: Ctx): HTMLElement {
  const status = statusLine();
  const village = villageSelect(ctx, { id: "reopen-village", required: "true" }, "请选择村");
  const until = h("input", { type: "date", id: "reopen-until", required: true });
  const state = h("div", { class: "window-state", id: "window-state" });
  village.addEventListener("change", () => {
    if (!village.value) return state.replaceChildren();
    void fill(state, () => api.window(village.value), (w) =>
      h("p", {}, w.writes_open ? "该村现在可以录入" : "该村现在不能录入", w.reopened_until ? `（重新开放至 ${w.reopened_until}）` : ""),
    );
  });
  return h(
    "form",
    {
      class: "panel stacked",
      id: "reopen-form",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        try {
          const w = await api.reopen(village.value, until.value);
          status.ok(`已重新开放 ${villageName(ctx, w.village_id, true)}，至 ${w.reopened_until ?? until.value} 止`);
        } catch (e) {
          status.fail(e);
        }
      },
    },
    h("h2", {}, "重新开放村的录入"),
    h("label", {}, "村", village),
    state,
    h("label", {}, "开放至（含当天）", until),
    status.el,
    h("button", { type: "submit", class: "primary" }, "重新开放"),
  );
}

function settingsTab(ctx: Ctx): HTMLElement {
  const status = statusLine();
  const url = h("input", { type: "url", id: "base-map-url", value: ctx.session.base_map?.url ?? "", placeholder: "https://瓦片服务器/{z}/{x}/{y}.png（不填则不显示底图）" });
  const gcj = h("input", { type: "checkbox", id: "base-map-gcj", checked: ctx.session.base_map?.gcj02 ?? false });
  return h(
    "form",
    {
      class: "panel stacked",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        try {
          const v = url.value.trim();
          const res = await api.settings(v ? { url: v, gcj02: gcj.checked } : null);
          ctx.session.base_map = res.base_map;
          status.ok("已保存地图设置");
        } catch (e) {
          status.fail(e instanceof ApiFailure ? e : new ApiFailure(0, "internal", "保存失败"));
        }
      },
    },
    h("h2", {}, "地图底图"),
    h("p", { class: "hint" }, "县服务器不依赖外网。有可用的瓦片服务（如县内的离线瓦片）时填入地址，地图页会在农户位置下显示底图。"),
    h("label", {}, "瓦片地址", url),
    h("label", { class: "inline" }, gcj, "瓦片使用 GCJ-02 坐标（国内地图服务商）"),
    status.el,
    h("button", { type: "submit", class: "primary" }, "保存"),
  );
}
