import { beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { AppStatus, FormBundle, HouseholdList, SyncStatus } from "../backend";
import { loadApp } from "../app";
import { homeView } from "./home";
import { syncView } from "./sync";
import { syncSentence } from "./shell";

const bundle: FormBundle = { version: 1, forms: [], code_lists: [] };
const status: AppStatus = {
  enrolled: true,
  server_url: "http://127.0.0.1:1",
  user: { username: "u", display_name: "调查员", role: "survey_worker" },
  villages: [{ id: "v1", name: "张庄村", town: "城关镇" }],
  manual_position: true,
};
const offline: SyncStatus = {
  online: false,
  running: false,
  waiting_changes: 3,
  photos_total: 2,
  photos_uploaded: 1,
  last_success: "2018-10-12 16:30",
  last_error: { code: "network", message: "无法连接县服务器：本机修改都已保存，联网后会自动重试。" },
  refused: [{ change_id: "c1", record_id: "h1", field: "basic.phone", code: "entry_closed", message: "录入期已结束" }],
  conflicts: [],
};
const list: HouseholdList = {
  counts: { all: 2, registered: 2, exited_this_year: 0, new: 0, returned: 0, has_errors: 1, not_visited: 1, waiting: 1 },
  rows: [
    { id: "h1", number: "411400001", head_name: "王𠮷", members: 4, status_zh: "未脱贫", sync: "waiting", errors: 1, visited_this_year: true },
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
    return answers[cmd] ?? null;
  });
  return calls;
}

beforeEach(() => clearMocks());

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
