import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { AppStatus, FieldDef, FormBundle, FormDef, HouseholdBundle, HouseholdList, RecordView, SaveRequest, SyncStatus, VillageBundle } from "../backend";
import { loadApp } from "../app";
import { homeView } from "./home";
import { beijingToday, flushPendingSaves, householdView } from "./household";
import { villageView } from "./village";
import { loginView } from "./login";
import { clockSentence, syncView } from "./sync";
import { syncSentence } from "./shell";

function field(path: string, widget: FieldDef["widget"], extra: Partial<FieldDef> = {}): FieldDef {
  return { path, label_zh: path, widget, required: false, derived: false, ...extra };
}
function form(record: string, title_zh: string, fields: FieldDef[]): FormDef {
  return { id: record, record, title_zh, sections: [{ id: "s", title_zh, fields }] };
}
// A small bundle in the domain's shape: the forms these screens render.
const bundle: FormBundle = {
  version: 2,
  facts: { head_relationship: "01", member_decreased: "2", change_increase: "1", change_decrease: "2", visit_members: "members", section_unchanged: "unchanged", section_changed: "changed" },
  forms: [
    form("household", "贫困户信息采集表", [
      field("basic.phone", "phone", { label_zh: "联系电话" }),
      field("basic.visited_on", "date", { label_zh: "入户核实日期" }),
      field("pairings", "rows", {
        label_zh: "帮扶责任人结对",
        columns: [field("helper_id", "reference", { label_zh: "帮扶责任人", refers_to: ["helper"] }), field("start", "date", { label_zh: "结对开始时间" })],
      }),
    ]),
    form("help_unit", "帮扶单位信息", [field("name", "text", { label_zh: "单位名称" }), field("affiliation", "code", { label_zh: "隶属关系", code_list: "affiliation" })]),
    form("helper", "帮扶责任人信息", [
      field("help_unit_id", "reference", { label_zh: "帮扶单位", refers_to: ["help_unit"] }),
      field("name", "text", { label_zh: "姓名" }),
    ]),
    form("work_team_member", "驻村工作队员信息", [
      field("help_unit_id", "reference", { label_zh: "派出单位", refers_to: ["help_unit"] }),
      field("name", "text", { label_zh: "姓名" }),
    ]),
    form("village", "贫困村信息采集表", [field("help.help_unit_ids", "references", { label_zh: "帮扶单位", refers_to: ["help_unit"] })]),
    form("member_change", "贫困户家庭成员自然增加/减少情况表", [
      field("household_id", "reference", { refers_to: ["household"] }),
      field("direction", "code", { label_zh: "变更类型", code_list: "change_direction" }),
      field("member_id", "reference", { refers_to: ["member"] }),
      field("reason", "code", {
        label_zh: "变更原因",
        code_list: "member_change_reason",
        options_by: { path: "direction", options: { "1": ["11"], "2": ["22"] } },
      }),
      field("date", "date", { label_zh: "变更时间" }),
      field("new_head_id", "reference", {
        label_zh: "新户主",
        refers_to: ["member"],
        relevance: { op: "equals", path: "direction", value: "2" },
      }),
      field("proof_photo_ids", "references", { label_zh: "证明材料照片", refers_to: ["photo"] }),
    ]),
    form("member", "家庭成员", [
      field("household_id", "reference", { refers_to: ["household"] }),
      field("name", "text", { label_zh: "姓名" }),
      field("relationship", "code", { label_zh: "与户主关系", code_list: "relationship" }),
      field("status", "code", { label_zh: "人员状态", code_list: "member_status" }),
    ]),
    form("exit_procedure", "贫困户退出程序", [
      field("household_id", "reference", { refers_to: ["household"] }),
      field("steps", "rows", {
        label_zh: "程序步骤",
        columns: [
          field("step", "code", { label_zh: "步骤", code_list: "exit_step" }),
          field("date", "date", { label_zh: "日期" }),
          field("outcome", "code", { label_zh: "结果", code_list: "step_outcome" }),
          field("notice_days", "integer", { label_zh: "公示天数", relevance: { op: "equals", path: "step", value: "village_notice" } }),
          field("signed_by", "reference", { label_zh: "签字认可的户主", refers_to: ["member"], relevance: { op: "equals", path: "step", value: "recognition" } }),
        ],
      }),
    ]),
  ],
  code_lists: [
    {
      id: "exit_step",
      version: "2018",
      name_zh: "退出程序步骤",
      entries: [{ code: "recognition", zh: "户主签字认可", en: "" }, { code: "village_notice", zh: "村内公示", en: "" }],
    },
    { id: "step_outcome", version: "2018", name_zh: "步骤结果", entries: [{ code: "passed", zh: "通过", en: "" }] },
    { id: "affiliation", version: "2018", name_zh: "隶属关系", entries: [{ code: "04", zh: "县", en: "county" }] },
    { id: "photo_kind", version: "2018", name_zh: "照片类型", entries: [{ code: "house_front", zh: "房屋正面", en: "" }] },
    { id: "change_direction", version: "2018", name_zh: "变更类型", entries: [{ code: "1", zh: "自然增加", en: "" }, { code: "2", zh: "自然减少", en: "" }] },
    {
      id: "member_change_reason",
      version: "2018",
      name_zh: "变更原因",
      entries: [{ code: "11", zh: "新生儿", en: "" }, { code: "22", zh: "婚出", en: "" }],
    },
    { id: "relationship", version: "2018", name_zh: "与户主关系", entries: [{ code: "01", zh: "户主", en: "" }, { code: "03", zh: "之子", en: "" }] },
    { id: "member_status", version: "2018", name_zh: "人员状态", entries: [{ code: "1", zh: "正常", en: "" }, { code: "2", zh: "已自然减少", en: "" }] },
  ],
};
function rec(id: string, kind: string, fields: Record<string, unknown>): RecordView {
  return { id, kind, village_id: "v1", fields, sync: "synced", pending: [] };
}
const status: AppStatus = {
  enrolled: true,
  server_url: "http://127.0.0.1:1",
  user: { username: "u", display_name: "调查员", role: "survey_worker" },
  villages: [{ id: "v1", name: "张庄村", town: "城关镇" }],
  manual_position: true,
  spot_checker: false,
};
const offline: SyncStatus = {
  online: false,
  running: false,
  waiting_changes: 3,
  photos_total: 2,
  photos_uploaded: 1,
  last_success: "2018-10-12 16:30",
  last_error: { code: "network", message: "无法连接县服务器：本机修改都已保存，联网后会自动重试。" },
  refused: [
    {
      change_id: "c1",
      record_id: "h1",
      field: "basic.phone",
      code: "entry_closed",
      message: "录入期已结束",
      kind: "household",
      household_id: "h1",
      household_number: "411400001",
    },
  ],
  conflicts: [],
  clock_wrong: false,
  clock_skew_ms: 1200,
};
const list: HouseholdList = {
  counts: { all: 2, registered: 2, exited_this_year: 0, new: 0, returned: 0, has_errors: 1, not_visited: 1, waiting: 1 },
  rows: [
    { id: "h1", number: "411400001", head_name: "王𠮷", members: 4, status_zh: "未脱贫", sync: "waiting", errors: 1, visited_this_year: true, visit: "verified" },
  ],
};

// The views go through the real tauriBackend; mockIPC stands in for the shell.
function shell(overrides: Record<string, unknown> = {}) {
  const answers: Record<string, unknown> = {
    get_form_bundle: bundle,
    app_status: status,
    list_households: list,
    sync_status: offline,
    ...overrides,
  };
  const calls: [string, unknown][] = [];
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    if (cmd.startsWith("plugin:event|")) return 1;
    const a = answers[cmd];
    // An answer may be a function of the call (a save that hands back what it was given).
    return (typeof a === "function" ? a(args) : a) ?? null;
  });
  return calls;
}

/** Lets the mocked commands answer (each answer is a resolved promise). */
const settle = () => new Promise((r) => setTimeout(r, 10));

/** A save_record answer: the record as given, with an id for a new one. */
function echoSave(newId: string) {
  return ({ req }: { req: SaveRequest }) => ({ record: { ...rec(req.id ?? newId, req.kind, req.fields), sync: "waiting" }, findings: [] });
}

// jsdom lays nothing out, so it has no scrolling; the screens scroll what they open into view.
Element.prototype.scrollIntoView = () => {};

beforeEach(() => {
  clearMocks();
  location.hash = "";
});

// A test's typing is saved within that test (a save still waiting for the pause would reach
// the next test's shell and its recorded calls).
afterEach(async () => {
  await flushPendingSaves();
  await settle();
});

describe("village home", () => {
  it("shows the counts on top and the households with their sync state", async () => {
    const calls = shell();
    await loadApp();
    const el = await homeView();
    document.body.replaceChildren(el);
    expect(el.querySelector("[data-filter='has_errors'] .n")?.textContent).toBe("1");
    const row = el.querySelector("[data-id='h1']")!;
    expect(row.textContent).toContain("王𠮷");
    expect(row.querySelector("[data-sync]")?.textContent).toBe("待同步");
    expect(calls).toContainEqual(["list_households", { q: { village_id: "v1", search: "", filter: "all" } }]);
  });
});

describe("first run", () => {
  const fresh = { enrolled: false, user: null, villages: [], manual_position: true };
  it("fills in the server the app was started for, and leaves it editable", async () => {
    shell({ app_status: { ...fresh, server_url: "http://127.0.0.1:8080" } });
    await loadApp();
    const el = await loginView();
    const server = el.querySelector<HTMLInputElement>("#server-url")!;
    expect(server.value).toBe("http://127.0.0.1:8080");
    expect(server.readOnly).toBe(false);
  });

  it("leaves the address empty when no server is known", async () => {
    shell({ app_status: { ...fresh, server_url: null } });
    await loadApp();
    const el = await loginView();
    expect(el.querySelector<HTMLInputElement>("#server-url")!.value).toBe("");
  });

  it("fills in the server and user from a pasted enrollment code of the county dashboard", async () => {
    shell({ app_status: { ...fresh, server_url: null } });
    await loadApp();
    const el = await loginView();
    const code = el.querySelector<HTMLInputElement>("#enrollment-code")!;
    code.value = "jiandang:enroll?server=http%3A%2F%2F192.168.1.20%3A8080&user=dcy07";
    code.dispatchEvent(new Event("input"));
    expect(el.querySelector<HTMLInputElement>("#server-url")!.value).toBe("http://192.168.1.20:8080");
    expect(el.querySelector<HTMLInputElement>("#username")!.value).toBe("dcy07");
    code.value = "随便一段文字";
    code.dispatchEvent(new Event("input"));
    expect(el.querySelector("#enrollment-hint")?.textContent).toBe("这不是建档登记码");
  });
});

describe("sync screen", () => {
  it("says plainly that the server cannot be reached and lists refusals", async () => {
    shell();
    await loadApp();
    const el = await syncView();
    document.body.replaceChildren(el);
    expect(el.querySelector("#sync-sentence")?.textContent).toContain("无法连接县服务器");
    expect(el.querySelector("#photos-progress")?.textContent).toBe("1 / 2");
    expect(el.querySelector("#refused [data-code='entry_closed']")?.textContent).toContain("录入期已结束");
  });

  it("tells the user when the phone's clock is wrong, and only then", async () => {
    shell({ sync_status: { ...offline, clock_wrong: true, clock_skew_ms: -3 * 86_400_000 - 5_000 } });
    await loadApp();
    const el = await syncView();
    document.body.replaceChildren(el);
    expect(el.querySelector("#clock-wrong")?.textContent).toBe(
      "本机时间不准：比县服务器快约 3 天。请在手机设置中校正时间（打开“自动设置时间”）；在此之前，修改按服务器时间记录。",
    );
    shell();
    const fine = await syncView();
    expect(fine.querySelector("#clock-wrong")).toBeNull();
  });

  it.each([
    [-3 * 86_400_000, "快约 3 天"],
    [2 * 3_600_000 + 60_000, "慢约 2 小时"],
    [-7 * 60_000, "快约 7 分钟"],
  ])("clock off by %d ms reads %s", (skew, want) => {
    expect(clockSentence(skew)).toContain(want);
  });

  it("names the refused field by its form label and opens the record it is about", async () => {
    shell();
    await loadApp();
    const el = await syncView();
    document.body.replaceChildren(el);
    const item = el.querySelector("#refused [data-change='c1']")!;
    expect(item.querySelector(".refused-field")?.textContent).toBe("联系电话 · 贫困户信息采集表 · 户编号 411400001");
    expect(item.textContent).not.toContain("basic.phone");
    item.querySelector<HTMLButtonElement>("[data-action='open']")!.click();
    expect(location.hash).toBe("#/household/h1/h1/basic.phone");
  });

  it("resends that one change and says what happened", async () => {
    const calls = shell({ resend: { outcome: "requeued", change_id: "c9", status: { ...offline, refused: [] } } });
    await loadApp();
    const el = await syncView();
    document.body.replaceChildren(el);
    el.querySelector<HTMLButtonElement>("#refused [data-change='c1'] [data-action='resend']")!.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toContainEqual(["resend", { changeId: "c1" }]);
    expect(el.querySelector("#refused")).toBeNull();
    expect(el.querySelector("#resend-result")?.textContent).toBe("已重新提交，下次同步时上传");
  });

  it("lets another user of the phone sign in (issue 15: one user per replica)", async () => {
    shell();
    await loadApp();
    const el = await syncView();
    document.body.replaceChildren(el);
    el.querySelector<HTMLButtonElement>("#switch-user")!.click();
    expect(location.hash).toBe("#/login");
  });

  const cases: [Partial<SyncStatus>, string][] = [
    [{ online: false, waiting_changes: 2 }, "无法连接县服务器。2 项修改已保存在本机，联网后自动同步。"],
    [{ online: false, waiting_changes: 0 }, "无法连接县服务器。可以继续离线工作。"],
    [{ online: true, waiting_changes: 0, refused: [] }, "全部已同步"],
    [{ online: true, waiting_changes: 5, refused: [] }, "5 项修改待同步"],
    [{ running: true }, "正在同步……"],
  ];
  it.each(cases)("%j -> %s", (s, want) => {
    expect(syncSentence({ ...offline, refused: [], ...s })).toBe(want);
  });
});

describe("village screen (N6)", () => {
  const village: VillageBundle = {
    village: rec("vr", "village", {}),
    natural_villages: [],
    exit_measures: null,
    gps: [],
    help_units: [rec("u1", "help_unit", { name: "县扶贫办", affiliation: "04" })],
    helpers: [rec("hp1", "helper", { name: "李四", help_unit_id: "u1" })],
    work_team_members: [],
  };

  it("lists help units, helpers and team members, units first, each opening its form", async () => {
    shell({ get_village: village });
    await loadApp();
    const el = await villageView();
    document.body.replaceChildren(el);
    const order = [...el.querySelectorAll("section.panel")].map((s) => s.id);
    expect(order.slice(0, 3)).toEqual(["help-units", "helpers", "work-team"]);
    expect(el.querySelector("#help-units .list-item .summary")?.textContent).toBe("县扶贫办 · 县");
    expect(el.querySelector("#work-team .empty")?.textContent).toBe("尚未录入驻村工作队员");
    el.querySelector<HTMLButtonElement>("#helpers .list-item .member-open")!.click();
    const unit = el.querySelector<HTMLSelectElement>("#helpers select[name='help_unit_id']")!;
    expect(unit.value).toBe("u1");
    expect([...unit.options].map((o) => o.textContent)).toEqual(["请选择", "县扶贫办 · 县"]);
    // The village form picks its units from the same list.
    expect(el.querySelectorAll("[data-record='village'] [data-name='help.help_unit_ids'] input[type=checkbox]").length).toBe(1);
  });

  it("offers a unit just entered to the helper and team-member forms at once", async () => {
    const saved = rec("u2", "help_unit", { name: "市林业局", affiliation: "04" });
    const calls = shell({ get_village: village, save_record: { record: { ...saved, sync: "waiting" }, findings: [] } });
    await loadApp();
    const el = await villageView();
    document.body.replaceChildren(el);
    el.querySelector<HTMLButtonElement>("#add-work_team_member")!.click();
    el.querySelector<HTMLButtonElement>("#add-help_unit")!.click();
    const editors = el.querySelectorAll("#help-units [data-record='help_unit']");
    const fresh = editors[editors.length - 1];
    const name = fresh.querySelector<HTMLInputElement>("input[name='name']")!;
    name.value = "市林业局";
    name.dispatchEvent(new Event("input"));
    fresh.querySelector<HTMLButtonElement>("[data-save='help_unit']")!.click();
    await new Promise((r) => setTimeout(r, 0));
    const save = calls.find(([c]) => c === "save_record")![1] as { req: { kind: string; fields: Record<string, unknown> } };
    expect(save.req.kind).toBe("help_unit");
    expect(save.req.fields["name"]).toBe("市林业局");
    const teamUnit = el.querySelector<HTMLSelectElement>("#work-team select[name='help_unit_id']")!;
    expect([...teamUnit.options].map((o) => o.textContent)).toEqual(["请选择", "县扶贫办 · 县", "市林业局 · 县"]);
  });

  it("counts a unit entered here once it is saved", async () => {
    shell({ get_village: { ...village, help_units: [] }, save_record: echoSave("u2"), validate_record: [] });
    await loadApp();
    const el = await villageView();
    document.body.replaceChildren(el);
    expect(el.querySelector("#help-units h2")?.textContent).toBe("帮扶单位（0）");
    expect(el.querySelector("#help-units .empty")?.textContent).toBe("尚未录入帮扶单位");
    el.querySelector<HTMLButtonElement>("#add-help_unit")!.click();
    expect(el.querySelector("#help-units .empty")).toBeNull();
    const save = el.querySelector<HTMLButtonElement>("#help-units [data-save='help_unit']")!;
    save.click();
    await settle();
    expect(el.querySelector("#help-units h2")?.textContent).toBe("帮扶单位（1）");
    save.click();
    await settle();
    expect(el.querySelector("#help-units h2")?.textContent).toBe("帮扶单位（1）");
  });

  it("a second save of a new record waits for the first and carries its id", async () => {
    const calls = shell({ get_village: { ...village, village: null }, save_record: echoSave("vr1"), validate_record: [] });
    await loadApp();
    const el = await villageView();
    document.body.replaceChildren(el);
    const save = el.querySelector<HTMLButtonElement>("[data-record='village'] [data-save='village']")!;
    save.click();
    save.click();
    await settle();
    const ids = calls.filter(([c]) => c === "save_record").map(([, a]) => (a as { req: SaveRequest }).req.id);
    expect(ids).toEqual([null, "vr1"]);
  });

  it("a team member is saved with its village", async () => {
    const calls = shell({ get_village: village, save_record: { record: rec("t1", "work_team_member", { name: "王五" }), findings: [] } });
    await loadApp();
    const el = await villageView();
    document.body.replaceChildren(el);
    el.querySelector<HTMLButtonElement>("#add-work_team_member")!.click();
    el.querySelector<HTMLButtonElement>("#work-team [data-save='work_team_member']")!.click();
    await new Promise((r) => setTimeout(r, 0));
    const save = calls.find(([c]) => c === "save_record")![1] as { req: { fields: Record<string, unknown> } };
    expect(save.req.fields["village_id"]).toBe("v1");
  });
});

describe("household page references", () => {
  const hb: HouseholdBundle = {
    verify: false,
    household: rec("h1", "household", { "basic.phone": "13800000000", pairings: [{ helper_id: "hp1", start: "2018-01-01" }] }),
    members: [rec("m1", "member", { name: "王𠮷", relationship: "01", household_id: "h1" })],
    member_changes: [],
    procedure: [],
    exit_measures: null,
    gps: [],
    photos: [
      { id: "p1", subject_id: "h1", kind: "house_front", thumbnail: "data:image/jpeg;base64,AAAA", uploaded: false, taken_at: "2018-10-12 16:30" },
    ],
    findings: [],
    visits: [],
    record_findings: {},
    actions: null,
    natural_villages: [],
    helpers: [
      { id: "hp1", name: "李四（县扶贫办）" },
      { id: "hp2", name: "赵六（市林业局）" },
    ],
  };

  it("pairs the household with one of the village's helpers", async () => {
    shell({ get_household: hb });
    await loadApp();
    const el = await householdView("h1");
    document.body.replaceChildren(el);
    const sel = el.querySelector<HTMLSelectElement>("[data-record='household'] select[name='pairings.helper_id']")!;
    expect(sel.value).toBe("hp1");
    expect([...sel.options].map((o) => o.textContent)).toEqual(["请选择", "李四（县扶贫办）", "赵六（市林业局）"]);
  });

  it("the decrease sheet picks proof photos by thumbnail and never asks for the member it is about", async () => {
    shell({ get_household: hb });
    await loadApp();
    const el = await householdView("h1");
    document.body.replaceChildren(el);
    el.querySelector<HTMLButtonElement>("[data-member='m1'] [data-action='decrease']")!.click();
    const dialog = el.querySelector("#member-change-dialog")!;
    expect(dialog.querySelector("[data-field='member_id']")).toBeNull();
    expect(dialog.querySelector("[data-field='household_id']")).toBeNull();
    const photo = dialog.querySelector("[data-name='proof_photo_ids'] [data-value='p1']")!;
    expect(photo.querySelector("img")?.getAttribute("src")).toBe("data:image/jpeg;base64,AAAA");
    expect(photo.textContent).toBe("房屋正面 · 2018-10-12 16:30");
  });

  it("says why a photo just added has no position, and shows a refusal's message", async () => {
    const added = { id: "p2", subject_id: "h1", kind: "house_front", thumbnail: "data:image/jpeg;base64,BBBB", uploaded: false, taken_at: "2018-10-12 16:30" };
    const note = "照片的拍摄信息（EXIF）已损坏，读不出拍摄位置。照片已保存；需要位置时请在“GPS 定位”里记录。";
    let answer: () => unknown = () => ({ ...added, note });
    shell({ get_household: hb, add_photo: () => answer() });
    await loadApp();
    const el = await householdView("h1");
    document.body.replaceChildren(el);
    const input = el.querySelector<HTMLInputElement>("#photo-file")!;
    const choose = async () => {
      // jsdom's File has no arrayBuffer(): the chosen file is one that has.
      const file = { name: "a.jpg", arrayBuffer: async () => new Uint8Array([0xff, 0xd8, 0xff]).buffer };
      Object.defineProperty(input, "files", { value: [file], configurable: true });
      input.dispatchEvent(new Event("change"));
      await settle();
    };
    await choose();
    expect(el.querySelector("#photo-result .ok-box")?.textContent).toBe("照片已保存 · 待上传");
    expect(el.querySelector("#photo-note")?.textContent).toBe(note);
    expect(el.querySelector("#photo-grid [data-id='p2']")).not.toBeNull();

    const refusal = "这张照片是 HEIC 格式，本应用读不了，没有保存。";
    answer = () => Promise.reject({ code: "photo_format", message: refusal });
    await choose();
    expect(el.querySelector("#photo-result .error-box")?.textContent).toBe(refusal);
    expect(el.querySelector("#photo-note")).toBeNull();
  });

  it("opens on the record and field the sync screen points to", async () => {
    shell({ get_household: hb });
    await loadApp();
    const el = await householdView("h1", { recordId: "m1", field: "name" });
    document.body.replaceChildren(el);
    expect(el.querySelector("[data-record-id='m1'] input[name='name']")).not.toBeNull();
  });
});

describe("natural member changes (W6)", () => {
  const hb: HouseholdBundle = {
    verify: false,
    household: rec("h1", "household", {}),
    members: [
      rec("m1", "member", { name: "王𠮷", household_id: "h1", status: "1", relationship: "01" }),
      rec("m2", "member", { name: "王小宝", household_id: "h1", status: "1", relationship: "03" }),
      rec("m3", "member", { name: "李芳", household_id: "h1", status: "2" }),
    ],
    member_changes: [
      rec("c2", "member_change", { member_id: "m3", direction: "2", reason: "22", date: "2018-09-01" }),
      rec("c1", "member_change", { member_id: "m2", direction: "1", reason: "11", date: "2018-08-15" }),
    ],
    procedure: [],
    exit_measures: null,
    gps: [],
    photos: [],
    findings: [],
    visits: [],
    record_findings: {},
    actions: null,
    natural_villages: [],
    helpers: [],
  };

  it("lists those present, then those who left, marked; each with its change", async () => {
    shell({ get_household: hb });
    await loadApp();
    const el = await householdView("h1");
    document.body.replaceChildren(el);
    expect(el.querySelector("#members h2")?.textContent).toBe("家庭成员（2 人）");
    const present = [...el.querySelectorAll("#members-present [data-member]")].map((e) => e.getAttribute("data-member"));
    expect(present).toEqual(["m1", "m2"]);
    expect(el.querySelector("[data-member='m1'] .member-change")).toBeNull();
    // Each card says who the member is in the household.
    expect(el.querySelector("[data-member='m1'] .member-open")?.textContent).toBe("王𠮷 · 户主");
    expect(el.querySelector("[data-member='m2'] .member-open")?.textContent).toBe("王小宝 · 之子");
    expect(el.querySelector("[data-member='m2'] .member-change")?.textContent).toBe("自然增加 · 新生儿 · 2018-08-15");
    const gone = el.querySelector("#members-decreased [data-member='m3']")!;
    expect(gone.getAttribute("data-member-status")).toBe("decreased");
    expect(gone.querySelector(".badge.muted")?.textContent).toBe("已自然减少");
    expect(gone.querySelector(".member-change")?.textContent).toBe("自然减少 · 婚出 · 2018-09-01");
    expect(gone.querySelector("[data-action='decrease']")).toBeNull();
  });

  it("the decrease sheet names who leaves and asks who becomes head", async () => {
    shell({ get_household: hb });
    await loadApp();
    const el = await householdView("h1");
    document.body.replaceChildren(el);
    el.querySelector<HTMLButtonElement>("[data-member='m1'] [data-action='decrease']")!.click();
    const dialog = el.querySelector("#member-change-dialog .dialog")!;
    expect(dialog.querySelector("h3")?.textContent).toBe("家庭成员自然减少：王𠮷");
    const head = dialog.querySelector<HTMLElement>("[data-field='new_head_id']")!;
    expect(head.hidden).toBe(false);
    expect([...head.querySelectorAll("option")].map((o) => o.textContent)).toEqual(["请选择", "王小宝"]);
  });

  it("a sheet refused by the domain saves nothing, is checked as typed, and the next 保存 makes the member once", async () => {
    const made = rec("c9", "member_change", { household_id: "h1", member_id: "m9", direction: "1", reason: "11" });
    const answers = [
      { done: false, records: [], findings: [{ code: "member_change.reason_missing", severity: "error", path: "reason", message: "请选择增加原因" }] },
      { done: true, records: [rec("m9", "member", { household_id: "h1", name: "王小二", status: "1" }), made], findings: [] },
    ];
    const calls = shell({
      get_household: hb,
      member_change: () => answers.shift(),
      save_record: echoSave("x"),
      validate_record: [],
    });
    await loadApp();
    const el = await householdView("h1");
    document.body.replaceChildren(el);
    el.querySelector<HTMLButtonElement>("#member-increase")!.click();
    const dialog = el.querySelector("#member-change-dialog")!;
    const name = dialog.querySelector<HTMLInputElement>("[data-form='member'] input[name='name']")!;
    name.value = "王小二";
    name.dispatchEvent(new Event("input"));
    dialog.querySelector<HTMLButtonElement>("#member-change-save")!.click();
    await settle();
    expect(dialog.querySelector("[data-findings-for='reason']")?.textContent).toBe("请选择增加原因");
    const reason = dialog.querySelector<HTMLSelectElement>("[data-form='member_change'] select[name='reason']")!;
    // An increase offers only increase reasons.
    expect([...reason.options].map((o) => o.value)).toEqual(["", "11"]);
    reason.value = "11";
    reason.dispatchEvent(new Event("change"));
    await settle();
    // Checked again as answered: the finding is gone before the next 保存.
    expect(dialog.querySelector("[data-findings-for='reason']")?.textContent).toBe("");
    const draft = calls.filter(([c]) => c === "validate_record").at(-1)![1] as { kind: string; fields: Record<string, unknown> };
    expect(draft.kind).toBe("member_change");
    expect(draft.fields).toMatchObject({ household_id: "h1", direction: "1", reason: "11" });
    dialog.querySelector<HTMLButtonElement>("#member-change-save")!.click();
    await settle();
    const sent = calls.filter(([c]) => c === "member_change").map(([, a]) => (a as { req: Record<string, unknown> }).req);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ household_id: "h1", direction: "arrival", change_fields: { reason: "11" }, member: { name: "王小二" } });
    expect(calls.filter(([c]) => c === "save_record")).toEqual([]);
    // Saved: the page opens at the new member.
    expect(location.hash).toBe("#/household/h1/m9");
  });
});

describe("入户核实", () => {
  it.each([
    [Date.UTC(2018, 8, 30, 15, 59), "2018-09-30"],
    [Date.UTC(2018, 8, 30, 16, 0), "2018-10-01"],
  ])("Beijing date of %d is %s", (ms, want) => {
    expect(beijingToday(ms)).toBe(want);
  });

  it("records today's visit through the household form, saved with the other answers", async () => {
    const hh = rec("h1", "household", { "basic.phone": "13800000000" });
    const calls = shell({
      get_household: {
        household: hh, members: [], member_changes: [], procedure: [], exit_measures: null,
        gps: [], photos: [], findings: [], natural_villages: [], helpers: [], visits: [], record_findings: {}, actions: null,
      },
      save_record: { record: { ...hh, sync: "waiting" }, findings: [] },
      validate_record: [],
    });
    await loadApp();
    const el = await householdView("h1");
    document.body.replaceChildren(el);
    expect(el.querySelector("#visit-state")?.textContent).toBe("尚未记录入户核实");
    el.querySelector<HTMLButtonElement>("#record-visit")!.click();
    const today = beijingToday();
    expect(el.querySelector<HTMLInputElement>("input[name='basic.visited_on']")!.value).toBe(today);
    expect(el.querySelector("#visit-state")?.textContent).toBe(`最近入户核实：${today}`);
    el.querySelector<HTMLButtonElement>("[data-save='household']")!.click();
    await new Promise((r) => setTimeout(r, 0));
    const save = calls.find(([c]) => c === "save_record")![1] as { req: { fields: Record<string, unknown> } };
    expect(save.req.fields).toMatchObject({ "basic.phone": "13800000000", "basic.visited_on": today });
  });
});

describe("脱贫退出 (W1, C9, Q2)", () => {
  const refusal = { code: "exit.not_pre_exit", severity: "error" as const, path: "", message: "须先申请预脱贫", requirement: "C9" };
  const hb = (actions: HouseholdBundle["actions"]): HouseholdBundle => ({
    verify: false,
    household: rec("h1", "household", {}),
    members: [rec("m1", "member", { name: "王𠮷", household_id: "h1", status: "1" })],
    member_changes: [], procedure: [], visits: [], exit_measures: null, gps: [], photos: [],
    findings: [], record_findings: {}, natural_villages: [], helpers: [], actions,
  });

  it("draws what the domain offers and shows its reasons when it refuses", async () => {
    const calls = shell({
      get_household: hb({
        state: { state: "registered" }, state_zh: "未脱贫", exit_procedure_id: null, steps: [],
        offers: [
          { action: "propose_exit", label_zh: "申请预脱贫", reasons: [] },
          { action: "mark_exited", label_zh: "标记脱贫", reasons: [refusal] },
        ],
      }),
      household_action: { done: false, records: [], findings: [refusal] },
    });
    await loadApp();
    const el = await householdView("h1");
    document.body.replaceChildren(el);
    expect(el.querySelector("#household-state")?.textContent).toBe("当前状态：未脱贫");
    const buttons = [...el.querySelectorAll<HTMLButtonElement>("#exit [data-action]")];
    expect(buttons.map((b) => [b.textContent, b.dataset.allowed])).toEqual([["申请预脱贫", "true"], ["标记脱贫", "false"]]);
    buttons[1].click();
    await settle();
    expect(calls).toContainEqual(["household_action", { householdId: "h1", action: "mark_exited" }]);
    expect(el.querySelector("#exit-refusals")?.textContent).toBe("不能标记脱贫：须先申请预脱贫");
  });

  it("asks a step what the form asks of it (公示天数 for the notice, not a signer) and records it", async () => {
    const calls = shell({
      get_household: hb({
        state: { state: "pre_exit" }, state_zh: "预脱贫", exit_procedure_id: "p1",
        steps: [{ step: "recognition", date: "2018-10-19", outcome: "passed", notice_days: null, signed_by: "m1", note: null, attachment_photo_ids: [] }],
        offers: [{ action: "record_exit_step", label_zh: "记录：村内公示", step: "village_notice", reasons: [] }],
      }),
      record_exit_step: { done: false, records: [], findings: [{ ...refusal, message: "公示不足 7 天" }] },
    });
    await loadApp();
    const el = await householdView("h1");
    document.body.replaceChildren(el);
    expect(el.querySelector("#exit-steps")?.textContent).toBe("户主签字认可 · 2018-10-19 · 通过");
    el.querySelector<HTMLButtonElement>("#exit [data-action='record_exit_step']")!.click();
    await settle();
    const sheet = el.querySelector("#exit-step-form")!;
    expect(sheet.querySelector<HTMLElement>("[data-field='notice_days']")!.hidden).toBe(false);
    expect(sheet.querySelector<HTMLElement>("[data-field='signed_by']")!.hidden).toBe(true);
    expect(sheet.querySelector("[data-field='step']")).toBeNull();
    const date = sheet.querySelector<HTMLInputElement>("input[name='date']")!;
    date.value = "2018-10-20";
    date.dispatchEvent(new Event("input"));
    const days = sheet.querySelector<HTMLInputElement>("input[name='notice_days']")!;
    days.value = "5";
    days.dispatchEvent(new Event("input"));
    sheet.querySelector<HTMLButtonElement>("#exit-step-save")!.click();
    await settle();
    const call = calls.find(([c]) => c === "record_exit_step")![1] as { step: Record<string, unknown> };
    expect(call.step).toMatchObject({ step: "village_notice", date: "2018-10-20", notice_days: 5, signed_by: null });
    expect(el.querySelector("#exit-refusals")?.textContent).toBe("不能记录：村内公示：公示不足 7 天");
  });
});
