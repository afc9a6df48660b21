import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { bytesToBase64, errorMessage, tauriBackend } from "./backend";

afterEach(() => clearMocks());

describe("tauriBackend", () => {
  it("calls each command by its name with its arguments", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === "household_action" ? { done: false, records: [], findings: [] } : null;
    });
    await tauriBackend.householdAction("h1", "mark_exited");
    await tauriBackend.household("h1");
    await tauriBackend.validateRecord("household", { "basic.phone": "1" }, null, "v1");
    await tauriBackend.takePosition("h1", "v1", 5);
    await tauriBackend.addPhoto("h1", "v1", "house_front", new Uint8Array([0xff, 0xd8]));
    expect(calls).toEqual([
      ["household_action", { householdId: "h1", action: "mark_exited" }],
      ["get_household", { id: "h1" }],
      ["validate_record", { kind: "household", fields: { "basic.phone": "1" }, recordId: null, villageId: "v1" }],
      ["take_position", { subjectId: "h1", villageId: "v1", samples: 5 }],
      ["add_photo", { subjectId: "h1", villageId: "v1", kind: "house_front", data: "/9g=" }],
    ]);
  });

  it("passes a command's {code, message} error through", async () => {
    mockIPC(() => {
      throw { code: "network", message: "无法连接县服务器" };
    });
    await expect(tauriBackend.syncNow()).rejects.toEqual({ code: "network", message: "无法连接县服务器" });
    let caught: unknown;
    try {
      await tauriBackend.syncNow();
    } catch (e) {
      caught = e;
    }
    expect(errorMessage(caught)).toBe("无法连接县服务器");
    expect(errorMessage(new Error("x"))).toBe("操作失败，请重试");
  });
});

describe("bytesToBase64", () => {
  it.each([
    [[], ""],
    [[102], "Zg=="],
    [[102, 111, 111], "Zm9v"],
  ])("%j -> %s", (bytes, want) => {
    expect(bytesToBase64(new Uint8Array(bytes))).toBe(want);
  });
});
