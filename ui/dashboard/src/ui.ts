// Small pieces every screen of the dashboard uses: loading, empty and error states, dates in
// Beijing time, and the session's places by id.

import { h } from "../../src/dom";
import { codeLabel } from "../../src/forms";
import type { FormBundle } from "../../src/backend";
import { ApiFailure, type SessionInfo } from "./api";

/** What every screen gets: who is signed in, what they see, and the domain's forms. */
export interface Ctx {
  session: SessionInfo;
  bundle: FormBundle;
}

export function loading(text = "正在加载……"): HTMLElement {
  return h("div", { class: "state loading", role: "status" }, h("span", { class: "spinner" }), text);
}

/** An empty state: what is not there, and what to do about it. */
export function empty(what: string, todo: string): HTMLElement {
  return h("div", { class: "state empty" }, h("strong", {}, what), h("p", {}, todo));
}

/** An error: what happened (the server's message) and what to do. */
export function failure(e: unknown, retry?: () => void): HTMLElement {
  const msg = e instanceof ApiFailure ? e.message : "页面出错了：请刷新页面后重试";
  const todo =
    e instanceof ApiFailure && e.status === 403
      ? "您的账号没有这项权限；如需要，请联系县级管理员。"
      : e instanceof ApiFailure && e.status === 404
        ? "要找的内容不存在或不在您负责的范围内。"
        : "请稍后重试；一直不行请联系县级管理员。";
  return h(
    "div",
    { class: "error-box", role: "alert" },
    h("strong", {}, msg),
    h("p", {}, todo),
    retry ? h("button", { type: "button", onclick: retry }, "重试") : null,
  );
}

/** Runs `load` into `el`: a loading state first, then what `render` makes, or the error. */
export async function fill<T>(el: HTMLElement, load: () => Promise<T>, render: (t: T) => Node): Promise<void> {
  el.replaceChildren(loading());
  try {
    const t = await load();
    el.replaceChildren(render(t));
  } catch (e) {
    el.replaceChildren(failure(e, () => void fill(el, load, render)));
  }
}

const BEIJING = "Asia/Shanghai";

/** A moment as Beijing date and time, `2018-10-20 14:05`. */
export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const f = new Intl.DateTimeFormat("zh-CN", {
    timeZone: BEIJING,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A village's name (with its town's) by id, from the session's places. */
export function villageName(ctx: Ctx, id: string, withTown = false): string {
  const v = ctx.session.villages.find((x) => x.id === id);
  if (!v) return "（未知村）";
  if (!withTown) return v.name;
  const t = ctx.session.towns.find((x) => x.id === v.town_id);
  return t ? `${t.name} ${v.name}` : v.name;
}

/** A phase's zh-CN name, from the domain's code list of phases. */
export function phaseName(ctx: Ctx, code: string): string {
  return codeLabel(ctx.bundle, "phase", code);
}

/** A role's zh-CN name, as the server names it. */
export function roleName(ctx: Ctx, code: string): string {
  return ctx.session.roles.find((r) => r.code === code)?.zh ?? code;
}

/** A `<select>` of the user's towns and villages (grouped by town), with a first "all" choice. */
export function villageSelect(ctx: Ctx, attrs: Record<string, string>, all: string, value = ""): HTMLSelectElement {
  const sel = h("select", attrs, h("option", { value: "" }, all));
  for (const t of ctx.session.towns) {
    const group = h("optgroup", { label: t.name });
    for (const v of ctx.session.villages.filter((x) => x.town_id === t.id)) {
      group.append(h("option", { value: v.id }, v.name));
    }
    sel.append(group);
  }
  sel.value = value;
  return sel;
}

/** A value of a change or a conflict as people read it: codes by their label when known. */
export function valueText(ctx: Ctx, listId: string | undefined, v: unknown): string {
  if (v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) return "（空）";
  if (listId) {
    if (Array.isArray(v)) return v.map((x) => codeLabel(ctx.bundle, listId, x)).join("、");
    return codeLabel(ctx.bundle, listId, v);
  }
  if (typeof v === "boolean") return v ? "是" : "否";
  if (Array.isArray(v) && v.every((x) => typeof x !== "object")) return v.join("、");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** The field definition of `path` in any form (conflicts and changes name fields only). */
export function anyField(ctx: Ctx, kind: string | null, path: string) {
  const forms = kind ? ctx.bundle.forms.filter((f) => f.record === kind) : ctx.bundle.forms;
  for (const f of forms) {
    for (const s of f.sections) {
      const d = s.fields.find((x) => x.path === path);
      if (d) return { form: f, def: d };
    }
  }
  return null;
}

export function pageTitle(text: string, ...extra: (Node | string | null)[]): HTMLElement {
  return h("header", { class: "page-head" }, h("h1", {}, text), ...extra);
}

/** Goes to a screen (adds to the browser's history); the same screen again is drawn anew. */
export function go(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}
