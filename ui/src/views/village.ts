// Village screen: the 贫困村 form, its 帮扶单位, 帮扶责任人 and 驻村工作队员 (N6; units first,
// C7), its natural villages (自然村/村民小组) and the village exit measures (C3, C4), plus the
// village's GPS position.

import { backend, errorMessage, type Fields, type RecordView } from "../backend";
import { currentApp } from "../app";
import { h } from "../dom";
import { Choices, recordSummary, syncBadge, type Choice } from "../forms";
import { frame } from "./shell";
import { recordEditor, type Focus } from "./household";
import { gpsPanel } from "./gps";

/** A help unit as a choice: its name (and affiliation, to tell units of one name apart). */
export function unitChoice(r: RecordView): Choice {
  return { value: r.id, label: recordSummary(currentApp().bundle, "help_unit", r.fields, 2) || "（未填单位名称）" };
}

export async function villageView(focus?: Focus): Promise<HTMLElement> {
  const app = currentApp();
  const villageId = app.villageId;
  if (!villageId) return frame("村级", h("p", { class: "empty" }, "没有分配的村"));
  try {
    const b = await backend().village(villageId);
    const link = { village_id: villageId };
    const choices = new Choices({ help_unit: b.help_units.map(unitChoice) });
    const naturals = h(
      "div",
      { class: "children" },
      b.natural_villages.map((r) => recordEditor("natural_village", r, [], { link })),
    );
    return frame(
      "村级表单",
      h(
        "div",
        { class: "village" },
        recordEditor("village", b.village, [], { choices }),
        recordList({
          id: "help-units",
          kind: "help_unit",
          title: "帮扶单位",
          hint: "先录入帮扶单位，驻村工作队员和帮扶责任人的派出单位从已录入的单位中选择。",
          records: b.help_units,
          choices,
          focus,
          // A unit entered or renamed here is offered at once by every unit picker on the screen.
          onSaved: (r) => choices.put("help_unit", unitChoice(r)),
        }),
        recordList({ id: "helpers", kind: "helper", title: "帮扶责任人", records: b.helpers, choices, focus }),
        recordList({
          id: "work-team",
          kind: "work_team_member",
          title: "驻村工作队员",
          records: b.work_team_members,
          choices,
          focus,
          link,
        }),
        h(
          "section",
          { class: "panel", id: "natural-villages" },
          h("h2", {}, "自然村（村民小组）"),
          naturals,
          h(
            "button",
            {
              class: "secondary big",
              id: "add-natural_village",
              onclick: () => naturals.appendChild(recordEditor("natural_village", null, [], { link })),
            },
            "＋ 添加自然村",
          ),
        ),
        recordEditor("village_exit_measures", b.exit_measures, [], { link }),
        gpsPanel(b.village?.id ?? villageId, villageId, b.gps),
      ),
    );
  } catch (e) {
    return frame("村级", h("div", { class: "error-box" }, errorMessage(e)));
  }
}

interface ListOptions {
  id: string;
  kind: string;
  title: string;
  hint?: string;
  records: RecordView[];
  choices: Choices;
  focus?: Focus;
  /** Fields every save of a new record carries (the team member's village). */
  link?: Fields;
  onSaved?: (r: RecordView) => void;
}

/**
 * A list of records of one kind, each a line that opens its form; 添加 opens a blank form.
 * Forms are made when first opened, so a long list costs nothing until used.
 */
function recordList(o: ListOptions): HTMLElement {
  const app = currentApp();
  const list = h("div", { class: "record-list", "data-list": o.kind });
  // The heading counts the records saved; one entered here counts once it is saved.
  let saved = o.records.length;
  const heading = h("h2", {}, `${o.title}（${saved}）`);
  const empty = saved === 0 ? h("p", { class: "empty" }, `尚未录入${o.title}`) : null;
  const item = (record: RecordView | null) => {
    let current = record;
    const label = h("span", { class: "summary" }, summaryText(record));
    const badge = h("span", {}, record ? syncBadge(record.sync) : "");
    const detail = h("div", { class: "record-detail", hidden: true });
    const open = () => {
      if (detail.childElementCount === 0) {
        detail.appendChild(
          recordEditor(o.kind, current, [], {
            choices: o.choices,
            link: o.link,
            onSaved: (r) => {
              if (!current) heading.textContent = `${o.title}（${++saved}）`;
              current = r;
              label.textContent = summaryText(r);
              badge.replaceChildren(syncBadge(r.sync));
              card.dataset.id = r.id;
              o.onSaved?.(r);
            },
          }),
        );
      }
      detail.hidden = false;
    };
    const card = h(
      "div",
      { class: "list-item card", "data-id": record?.id ?? null },
      h(
        "div",
        { class: "member-head" },
        h("button", { class: "member-open", onclick: () => (detail.hidden ? open() : (detail.hidden = true)) }, label),
        badge,
      ),
      detail,
    );
    return { card, open };
  };
  const summaryText = (r: RecordView | null) =>
    r ? recordSummary(app.bundle, o.kind, r.fields, 3) || `（未填写的${o.title}）` : `新${o.title}`;
  for (const r of o.records) {
    const it = item(r);
    list.appendChild(it.card);
    if (o.focus?.recordId === r.id) it.open();
  }
  return h(
    "section",
    { class: "panel", id: o.id },
    heading,
    o.hint ? h("p", { class: "hint" }, o.hint) : null,
    empty,
    list,
    h(
      "button",
      {
        class: "secondary big",
        id: `add-${o.kind}`,
        onclick: () => {
          empty?.remove();
          const it = item(null);
          list.appendChild(it.card);
          it.open();
        },
      },
      `＋ 添加${o.title}`,
    ),
  );
}
