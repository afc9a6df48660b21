// Village screen: the 贫困村 form, its natural villages (自然村/村民小组) and the village
// exit measures (C3, C4), plus the village's GPS position.

import { backend, errorMessage } from "../backend";
import { currentApp } from "../app";
import { h } from "../dom";
import { frame } from "./shell";
import { recordEditor } from "./household";
import { gpsPanel } from "./gps";

export async function villageView(): Promise<HTMLElement> {
  const app = currentApp();
  const villageId = app.villageId;
  if (!villageId) return frame("村级", h("p", { class: "empty" }, "没有分配的村"));
  try {
    const b = await backend().village(villageId);
    const link = { village_id: villageId };
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
        recordEditor("village", b.village, []),
        h(
          "section",
          { class: "panel", id: "natural-villages" },
          h("h2", {}, "自然村（村民小组）"),
          naturals,
          h(
            "button",
            {
              class: "secondary big",
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
