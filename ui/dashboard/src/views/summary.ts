// 总结: the year's summary report as the exports make it (GET /api/v1/exports/summary.html,
// docs/exports.md), shown in the page and printed from its own print stylesheet (A4).

import { h } from "../../../src/dom";
import { api } from "../api";
import { type Ctx, go, pageTitle } from "../ui";

export function summaryView(ctx: Ctx, params: URLSearchParams): HTMLElement {
  // The county for whoever administers it; a town officer its towns, one at a time.
  const scopes: { value: string; label: string }[] = ctx.session.administers ? [{ value: "", label: "全县" }] : [];
  for (const t of ctx.session.towns) scopes.push({ value: `town:${t.id}`, label: t.name });
  const chosen = params.get("scope") ?? scopes[0]?.value ?? "";
  const select = h(
    "select",
    { id: "summary-scope", onchange: () => go(`#/summary?scope=${encodeURIComponent(select.value)}`) },
    scopes.map((s) => h("option", { value: s.value }, s.label)),
  );
  select.value = chosen;
  const [kind, id] = chosen.split(":");
  const src = api.summaryUrl(kind === "town" ? { town: id } : {});
  const frame = h("iframe", { id: "summary-frame", class: "summary-frame", title: "工作总结", src });
  const note = h("p", { class: "hint" }, "正在生成工作总结……");
  frame.addEventListener("load", () => {
    const doc = frame.contentDocument;
    note.textContent = "打印时选择 A4 纸；表头在每页重复。";
    // The report's own height, so the page scrolls as one document.
    if (doc?.body) frame.style.height = `${doc.documentElement.scrollHeight + 24}px`;
  });
  const print = h(
    "button",
    { type: "button", class: "primary", id: "print-summary", onclick: () => frame.contentWindow?.print() },
    "打印",
  );
  return h(
    "div",
    { class: "page", id: "summary" },
    pageTitle("总结", h("label", { class: "inline" }, "范围", select), print),
    note,
    frame,
  );
}
