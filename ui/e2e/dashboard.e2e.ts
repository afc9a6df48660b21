// The county dashboard end to end: Debian's Chromium (through playwright-core) against a real
// `jiandang serve` on a copy of the demo county, as the county office and a town officer use
// it. The conflict is made by two real devices pushing; a revoked device's next sync and a
// push after the entry window closed are real requests of those devices. Every screen is
// captured at 1366×768 and at a tablet's 768×1024 under target/screenshots/dashboard-*.png.
//
// Run by scripts/dashboard-e2e.sh (from scripts/test.sh); it needs JIANDANG_BIN and the demo
// county (JIANDANG_E2E_DEMO_DB + JIANDANG_E2E_DEMO_OUT, made once per test run).

import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const SHOTS = join(ROOT, "target/screenshots");
const DESKTOP = { width: 1366, height: 768 };
const TABLET = { width: 768, height: 1024 };
const CHROMIUM = process.env.JIANDANG_CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"];

let server: ChildProcess;
let base = "";
let dir = "";
let browser: Browser;
let users: Map<string, string>;
/** How long each screen took to show, for the report (speed is not asserted in tests). */
const timings: [string, number][] = [];

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

/** The demo's printed table: 用户名 角色 密码 村数. */
function passwords(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = line.trim().match(/^(\S+)\s+(county_admin|town_officer|supervisor|survey_worker|work_team_member)\s+(\S+)\s+\d+$/);
    if (m) out.set(m[1], m[3]);
  }
  return out;
}

beforeAll(async () => {
  const bin = process.env.JIANDANG_BIN ?? join(ROOT, "target/debug/jiandang");
  const db = process.env.JIANDANG_E2E_DEMO_DB;
  const demoOut = process.env.JIANDANG_E2E_DEMO_OUT;
  if (!db || !demoOut || !existsSync(db)) throw new Error("JIANDANG_E2E_DEMO_DB and JIANDANG_E2E_DEMO_OUT must name the demo county (scripts/dashboard-e2e.sh)");
  if (!existsSync(bin)) throw new Error(`${bin} is not built`);
  users = passwords(readFileSync(demoOut, "utf8"));
  dir = mkdtempSync(join(tmpdir(), "jiandang-dashboard-e2e-"));
  // A copy, so the shared demo county stays as made for the other suites.
  for (const ext of ["", "-wal", "-shm"]) if (existsSync(db + ext)) copyFileSync(db + ext, join(dir, "county.db" + ext));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ["serve", "--db", join(dir, "county.db"), "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  // The county's figures are assembled once the server listens (seconds in a debug build on
  // a busy machine): the screens are timed as the office meets them, after that.
  const ready = new Promise<void>((ok) => {
    server.stdout!.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (chunk.toString().includes("dashboard figures")) ok();
    });
  });
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.race([ready, new Promise((r) => setTimeout(r, 180_000))]);
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

afterAll(async () => {
  await browser?.close();
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (timings.length) {
    console.log("dashboard e2e: time to show each screen (ms)\n" + timings.map(([n, ms]) => `  ${n.padEnd(28)} ${ms}`).join("\n"));
  }
});

function password(user: string): string {
  const p = users.get(user);
  if (!p) throw new Error(`no password for ${user} in the demo output`);
  return p;
}

async function signedIn(user: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: DESKTOP, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await ctx.newPage();
  await page.goto(base + "/");
  await page.fill("#username", user);
  await page.fill("#password", password(user));
  await page.click("#sign-in");
  await page.waitForSelector("#who");
  return { ctx, page };
}

/** Goes to a screen and waits until `ready` shows, timing it. */
async function open(page: Page, name: string, hash: string, ready: string): Promise<void> {
  const t0 = Date.now();
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector(ready);
  timings.push([name, Date.now() - t0]);
}

/** Captures the page at the desktop size and at a tablet's (scrolled to `at` when given). */
async function shoot(page: Page, name: string, ready?: string, at?: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  if (at) await page.locator(at).first().evaluate((el) => el.scrollIntoView({ block: "start" }));
  await page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`) });
  await page.setViewportSize(TABLET);
  if (ready) await page.waitForSelector(ready);
  await page.screenshot({ path: join(SHOTS, `dashboard-${name}-tablet.png`) });
  await page.setViewportSize(DESKTOP);
}

/** A device of the demo county: enrolled with the user's password, pushing and pulling. */
class Device {
  token = "";
  id = "";
  villages: string[] = [];
  constructor(readonly user: string) {}
  async enroll(name: string): Promise<this> {
    const r = await this.call("POST", "/api/v1/enroll", { username: this.user, password: password(this.user), device_name: name });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    this.token = r.body.token;
    this.id = r.body.device_id;
    this.villages = r.body.villages.map((v: { id: string }) => v.id);
    return this;
  }
  async call(method: string, path: string, body?: object): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { "Jiandang-Protocol": "2", "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const res = await fetch(base + path, { method, headers, body: body ? JSON.stringify({ protocol: 2, ...body }) : undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  /** Several fields of one record in one change set, each stamped after the last. */
  async pushFields(record: { id: string; village: string; kind: string }, fields: Record<string, unknown>, baseSeq: number) {
    const wall = Date.now();
    return this.call("POST", "/api/v1/push", {
      change_set_id: crypto.randomUUID(),
      device_id: this.id,
      changes: Object.entries(fields).map(([field, value], i) => ({
        change_id: crypto.randomUUID(),
        record_id: record.id,
        kind: record.kind,
        village_id: record.village,
        field,
        old: null,
        new: value,
        base_seq: baseSeq,
        hlc: `${String(wall).padStart(15, "0")}-${String(i).padStart(5, "0")}-${this.id}`,
      })),
    });
  }
  async push(record: { id: string; village: string }, field: string, value: unknown, baseSeq: number, wallMs: number) {
    return this.call("POST", "/api/v1/push", {
      change_set_id: crypto.randomUUID(),
      device_id: this.id,
      changes: [
        {
          change_id: crypto.randomUUID(),
          record_id: record.id,
          kind: "household",
          village_id: record.village,
          field,
          old: null,
          new: value,
          base_seq: baseSeq,
          hlc: `${String(wallMs).padStart(15, "0")}-00000-${this.id}`,
        },
      ],
    });
  }
}

describe("the county dashboard", () => {
  it("does not open for a survey worker's or a work-team member's password", async () => {
    const ctx = await browser.newContext({ viewport: DESKTOP });
    const page = await ctx.newPage();
    await page.goto(base + "/");
    await page.waitForSelector("#sign-in");
    await shoot(page, "sign-in");
    for (const user of ["dcy01", "gzd01"]) {
      await page.fill("#username", user);
      await page.fill("#password", password(user));
      await page.click("#sign-in");
      await expect.poll(() => page.locator("#sign-in-error").isVisible()).toBe(true);
      expect(await page.locator("#sign-in-error").textContent()).toMatch(/看板|权限|不能/);
      expect(await page.locator("#who").count()).toBe(0);
    }
    await ctx.close();
  });

  it("shows the county admin the progress of every village, the phase and the days left", async () => {
    const { ctx, page } = await signedIn("admin");
    await open(page, "工作进度", "#/progress", "#progress-table");
    const session = await (await page.request.get(`${base}/api/v1/session`)).json();
    const rows = page.locator("#progress-table tbody tr[data-village]");
    expect(await rows.count()).toBe(session.villages.length);
    // The 合计 row adds up the villages' rows.
    const households = await page.locator('#progress-table tr[data-village] td[data-col="households"]').allTextContents();
    const total = await page.locator('#progress-table tr.total td[data-col="households"]').textContent();
    expect(Number(total)).toBe(households.reduce((n, x) => n + Number(x), 0));
    expect(Number(total)).toBeGreaterThan(0);
    expect(await page.locator("#phase").textContent()).toMatch(/还剩 \d+ 天/);
    await page.waitForSelector("#progress-chart svg");
    await shoot(page, "progress", "#progress-chart svg");
    await ctx.close();
  });

  it("finds a household by its head's name and opens its file and history", async () => {
    const { ctx, page } = await signedIn("admin");
    const found = await (await page.request.get(`${base}/api/v1/dashboard/households?limit=1`)).json();
    const name: string = found.rows[0].head_name;
    await open(page, "农户查找", "#/households", "#household-table");
    await page.fill("#search-q", name);
    const t0 = Date.now();
    await page.click("#search-go");
    await page.waitForSelector(`#household-table tr[data-household="${found.rows[0].id}"]`);
    timings.push(["农户查找（按姓名）", Date.now() - t0]);
    // The household is found by its head's name (others may come too: a member's name).
    expect(await page.locator(`#household-table tr[data-household="${found.rows[0].id}"] td:first-child`).textContent()).toBe(name);
    expect(Number((await page.locator("#search-total").textContent())?.match(/共 (\d+) 户/)?.[1])).toBeLessThan(found.total);
    // The admin sees ID numbers in full.
    expect(await page.locator("#household-table tbody tr td:nth-child(2)").first().textContent()).not.toContain("*");
    await shoot(page, "households");
    const t1 = Date.now();
    await page.click(`#household-table tr[data-household="${found.rows[0].id}"] a`);
    await page.waitForSelector("#household-file");
    timings.push(["农户档案", Date.now() - t1]);
    expect(await page.locator("#household-file h1").textContent()).toContain(name);
    // Records are named for a reader: a problem by its category's name, never its check code.
    const toc = (await page.locator("#household-file nav.toc").textContent()) ?? "";
    expect(toc).not.toMatch(/\b(county|national)\.[a-z_]+/);
    await page.click(`#rec-${found.rows[0].id} .history-toggle`);
    const history = page.locator(`#history-${found.rows[0].id} table tbody tr`);
    await history.first().waitFor();
    expect(await history.count()).toBeGreaterThan(0);
    // Who, when, which device, old → new: each row names a user and a device.
    const first = await history.first().locator("td").allTextContents();
    expect(first[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(first[1]).not.toBe("");
    expect(first[2]).not.toBe("");
    await shoot(page, "household-file");
    await ctx.close();
  });

  const phone = new Device("dcy01");
  const tablet = new Device("gzd01");

  it("shows a conflict of two devices side by side and resolves it with one click", async () => {
    await phone.enroll("e2e 调查员手机");
    await tablet.enroll("e2e 工作队平板");
    const { ctx, page } = await signedIn("admin");
    // The survey worker and the work-team member of the same village.
    expect(tablet.villages).toEqual(phone.villages);
    const record = await householdOf(page, phone);
    const hist = await (await page.request.get(`${base}/api/v1/records/${record.id}/history`)).json();
    const baseSeq = Math.max(...hist.entries.map((e: { seq: number }) => e.seq));
    const now = Date.now();
    // Both devices edited the same field without seeing the other's change.
    const a = await phone.push(record, "income.wage", "1111.00", baseSeq, now - 60_000);
    expect(a.body.results?.[0]?.outcome.status, `${a.status} ${JSON.stringify(a.body)}`).toBe("accepted");
    const b = await tablet.push(record, "income.wage", "2222.00", baseSeq, now - 30_000);
    expect(JSON.stringify(b.body.results[0].outcome)).not.toContain("refused");

    await open(page, "冲突", "#/conflicts", ".conflict");
    const card = page.locator(".conflict").filter({ hasText: "1111" }).filter({ hasText: "2222" });
    expect(await card.count()).toBe(1);
    expect(await card.textContent()).toContain("e2e 调查员手机");
    expect(await card.textContent()).toContain("e2e 工作队平板");
    await shoot(page, "conflicts");
    // Keep the earlier device's value.
    await card.locator(".side", { hasText: "1111" }).locator("button.keep").click();
    await page.locator(".conflict .resolution", { hasText: "1111" }).waitFor();
    const after = await (await page.request.get(`${base}/api/v1/records/${record.id}/history`)).json();
    const last = after.entries[after.entries.length - 1];
    expect([last.field, last.new]).toEqual(["income.wage", "1111.00"]);
    await ctx.close();
  });

  it("revokes a device: its next sync is refused", async () => {
    const { ctx, page } = await signedIn("admin");
    expect((await phone.call("GET", "/api/v1/pull?after=0&limit=1")).status).toBe(200);
    await open(page, "管理·设备", "#/admin?tab=devices", "#device-table");
    await shoot(page, "admin-devices");
    page.once("dialog", (d) => void d.accept());
    await page.click(`#device-table tr[data-device="${phone.id}"] button.revoke`);
    await page.locator(`#device-table tr[data-device="${phone.id}"]`, { hasText: "已停用" }).waitFor();
    expect((await phone.call("GET", "/api/v1/pull?after=0&limit=1")).status).toBe(401);
    await ctx.close();
  });

  it("runs the county's checks, filters the problem list, sends a verified problem back and closes another", async () => {
    const worker = await new Device("dcy03").enroll("e2e 问题核实手机");
    const village = worker.villages[0];
    const { ctx, page } = await signedIn("admin");
    await open(page, "问题清单（全县）", "#/problems", "#problem-table");
    // The county runs its checks again: a re-run raises nothing already open.
    await page.click("#run-checks");
    await page.locator("#run-result").waitFor({ timeout: 200_000 });
    expect(await page.locator("#run-result").textContent()).toMatch(/检查完成：发现 \d+ 处疑点/);
    // Counts per village and per check add up to the list's total.
    const total = Number(await page.locator("#problems-total").textContent());
    expect(total).toBeGreaterThan(0);
    const sum = async (table: string) => (await page.locator(`${table} tbody td.num`).allTextContents()).reduce((n, x) => n + Number(x), 0);
    expect(await sum("#by-village")).toBe(total);
    expect(await sum("#by-check")).toBe(total);
    // Check titles, never codes.
    expect(await page.locator("#by-check").textContent()).not.toMatch(/county\.[a-z_]+/);
    await shoot(page, "problems");

    // Filter: the worker's village, 待核实.
    await page.selectOption("#filter-village", village);
    await page.selectOption("#filter-state", "pending");
    const t0 = Date.now();
    await page.click("#filter-go");
    await page.waitForURL(/village=/);
    await page.waitForSelector("#problem-table");
    timings.push(["问题清单（一个村·待核实）", Date.now() - t0]);
    const rows = page.locator("#problem-table tbody tr[data-problem]");
    expect(await rows.count()).toBeGreaterThan(1);
    for (const s of await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute("data-state")))) expect(s).toBe("pending");
    expect(Object.keys(await page.locator("#by-village tbody tr").evaluateAll((rs) => Object.fromEntries(rs.map((r) => [r.getAttribute("data-village"), 1]))))).toEqual([village]);
    const [first, second] = await rows.evaluateAll((rs) => rs.slice(0, 2).map((r) => r.getAttribute("data-problem")!));

    // The worker answers the first as 不属实 at the door and syncs.
    const hist = await (await page.request.get(`${base}/api/v1/records/${first}/history`)).json();
    const baseSeq = Math.max(...hist.entries.map((e: { seq: number }) => e.seq));
    const answer = await worker.pushFields(
      { id: first, village, kind: "problem" },
      { "verification.verdict": "not_true", "verification.note": "e2e：到户核实，情况不属实", "verification.at": new Date().toISOString(), state: "verified" },
      baseSeq,
    );
    expect(JSON.stringify(answer.body), `${answer.status}`).not.toContain("refused");

    // The county sees it 已核实, and sends it back with a reason.
    await page.selectOption("#filter-state", "verified");
    await page.click("#filter-go");
    await page.waitForURL(/state=verified/);
    const row = page.locator(`#problem-table tr[data-problem="${first}"]`);
    await row.waitFor();
    await row.locator("button.open-problem").click();
    const detail = page.locator(`#problem-${first}`);
    expect(await detail.textContent()).toContain("e2e：到户核实，情况不属实");
    // The moves offered are the domain's: 退回, 核实不属实销号 or 县级撤销.
    expect(await detail.locator("select.close-kind option").allTextContents()).toEqual(["核实不属实销号", "县级撤销"]);
    await detail.locator("input.send-back-reason").fill("e2e：核实依据不足，请补充照片");
    await detail.locator("button.send-back").click();
    await detail.locator(".ok-box").waitFor();
    expect(await row.getAttribute("data-state")).toBe("pending");
    await shoot(page, "problems-send-back", undefined, "#problem-table");
    const back = await (await page.request.get(`${base}/api/v1/problems?village=${village}&state=pending`)).json();
    const sent = back.problems.find((p: { id: string }) => p.id === first);
    expect(sent.sent_back).toMatchObject({ reason: "e2e：核实依据不足，请补充照片", count: 1 });

    // The second, still 待核实, may only be withdrawn with a note: 销号.
    await page.goto(`${base}/#/problems?village=${village}&state=pending`);
    const row2 = page.locator(`#problem-table tr[data-problem="${second}"]`);
    await row2.waitFor();
    await row2.locator("button.open-problem").click();
    const detail2 = page.locator(`#problem-${second}`);
    expect(await detail2.locator("button.send-back").count()).toBe(0);
    expect(await detail2.locator("select.close-kind option").allTextContents()).toEqual(["县级撤销"]);
    await detail2.locator("input.close-note").fill("e2e：县里已核实，撤销");
    await detail2.locator("button.close").click();
    await detail2.locator(".ok-box").waitFor();
    expect(await row2.getAttribute("data-state")).toBe("closed");
    const history = await (await page.request.get(`${base}/api/v1/records/${second}/history`)).json();
    expect(history.entries.map((e: { field: string }) => e.field)).toContain("closing.kind");
    await ctx.close();
  });

  it("lets a town officer read its towns' problems only, and change none", async () => {
    const { ctx, page } = await signedIn("xz01");
    const me = await (await page.request.get(`${base}/api/v1/session`)).json();
    const mine = new Set<string>(me.villages.map((v: { id: string }) => v.id));
    await open(page, "问题清单（乡镇）", "#/problems", "#problem-table");
    const villages = await page.locator("#by-village tbody tr").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-village")!));
    expect(villages.length).toBeGreaterThan(0);
    for (const v of villages) expect(mine.has(v)).toBe(true);
    expect(await page.locator("#run-checks").count()).toBe(0);
    await page.locator("#problem-table button.open-problem").first().click();
    expect(await page.locator("#problem-table .moves").count()).toBe(0);
    await shoot(page, "town-officer-problems");
    await ctx.close();
  });

  it("creates, draws, publishes and assigns a spot-check plan, and reads its estimates", async () => {
    const { ctx, page } = await signedIn("admin");
    await open(page, "抽样核查", "#/spotchecks", "#plan-form");
    await page.fill("#plan-title", "e2e 快速自查");
    await page.selectOption("#plan-preset", "quick_check");
    await page.fill("#plan-villages", "1");
    await page.click("#create-plan");
    await page.waitForSelector("#plan #draw-actions");
    expect(await page.locator("#plan-state").textContent()).toBe("草稿");
    await page.fill("#draw-seed", "00000000000007e2");
    await page.click("#draw-plan");
    await page.waitForSelector("#plan #draw", { timeout: 200_000 });
    expect(await page.locator("#plan-state").textContent()).toBe("已抽样");
    expect(await page.locator("#draw-seed-used").textContent()).toBe("00000000000007e2");
    // Strata by their names; the non-registered strata fall short (the register has none).
    expect(await page.locator("#stratum-outcomes").textContent()).toContain("未脱贫户");
    expect(await page.locator("#stratum-outcomes td.bad").count()).toBeGreaterThan(0);
    expect(await page.locator("#shortfall").isVisible()).toBe(true);
    await shoot(page, "spotcheck-drawn");
    const planId = (await page.locator("#plan").getAttribute("data-plan"))!;
    page.once("dialog", (d) => void d.accept());
    await page.click("#publish-plan");
    await page.waitForSelector("#plan-locked");
    // Locked: the screen says so, and offers no new draw.
    expect(await page.locator("#plan-state").textContent()).toBe("已发布");
    expect(await page.locator("#plan-locked").textContent()).toContain("已锁定");
    expect(await page.locator("#draw-plan").count()).toBe(0);
    const redraw = await page.request.post(`${base}/api/v1/spotchecks/plans/${planId}/draw`, { headers: { "Jiandang-Dashboard": "1", "Jiandang-Protocol": "2" }, data: { protocol: 2 } });
    expect(redraw.status()).toBe(409);

    // Assign every drawn household to 督查员 shy01 and shy02.
    await page.waitForSelector("#assign-form");
    const users = (await (await page.request.get(`${base}/api/v1/admin/users`)).json()).users as { id: string; username: string }[];
    const id = (u: string) => users.find((x) => x.username === u)!.id;
    await page.selectOption("#checker-1", id("shy01"));
    await page.selectOption("#checker-2", id("shy02"));
    await page.click("#assign");
    await page.waitForSelector("#assignment-table");
    await page.waitForSelector("#all-assigned");
    await page.waitForSelector("#estimate-table, #estimates .state.empty");
    await shoot(page, "spotcheck-published");

    // The pair checks the households blind on their phones: clean, all but one recognising.
    const plan = await (await page.request.get(`${base}/api/v1/spotchecks/plans/${planId}`)).json();
    const checker = await new Device("shy01").enroll("e2e 督查员手机");
    const drawn = plan.draw.households as { household_id: string; village_id: string }[];
    const sealed = new Date().toISOString();
    for (const [i, x] of drawn.entries()) {
      const r = await checker.pushFields(
        { id: crypto.randomUUID(), village: x.village_id, kind: "spot_check" },
        { plan_id: planId, household_id: x.household_id, checked_on: sealed.slice(0, 10), met_household: true, "recognition.recognises": i !== 0, observed_at: sealed },
        0,
      );
      expect(JSON.stringify(r.body), `${r.status}`).not.toContain("refused");
    }
    await page.reload();
    await page.waitForSelector("#estimate-table");
    expect(await page.locator('#check-states [data-check-state="sealed"] .card-value').textContent()).toBe(String(drawn.length));
    const county = page.locator('#estimate-table tr[data-scope="county"]');
    const text = (await county.textContent()) ?? "";
    // 错退率 0 over the sampled persons with its interval; 认可度 n−1 of n; a decision each.
    expect(text).toMatch(/发现 0 \/ 样本 \d+/);
    expect(text).toContain(`发现 ${drawn.length - 1} / 样本 ${drawn.length}`);
    expect(text).toMatch(/\d+\.\d\d% – \d+\.\d\d%/);
    expect(text).toMatch(/大概率达标|大概率不达标|尚不确定/);
    expect(await page.locator("#estimate-table tr.subtotal").count()).toBeGreaterThan(0);
    expect(await page.locator("#estimate-table tr.subtotal th").first().textContent()).toMatch(/镇|乡/);
    await page.selectOption("#estimate-method", "clopper_pearson");
    await page.waitForSelector("#estimate-table");
    await shoot(page, "spotcheck-estimates", undefined, "#results");
    await ctx.close();
  });

  it("closes the entry window: a device's push is refused", async () => {
    const { ctx, page } = await signedIn("admin");
    await open(page, "管理·用户", "#/admin?tab=users", "#user-table");
    await page.click('#user-table tr[data-user="dcy02"] button.link');
    await page.waitForSelector("#enrollment svg");
    expect(await page.locator("#enrollment-text").textContent()).toContain("user=dcy02");
    await shoot(page, "admin-users");
    await open(page, "管理·工作阶段", "#/admin?tab=phases", "#phase-table");
    await shoot(page, "admin-phases");
    // Every phase closed to writes.
    for (const box of await page.locator("#phase-table input[type=checkbox]").all()) await box.uncheck();
    await page.click("#save-phases");
    await page.locator("#phases-form .ok-box").waitFor();
    const own = await householdOf(page, tablet);
    const r = await tablet.push(own, "income.pension", "321.00", 0, Date.now());
    expect(r.body.results?.[0]?.outcome.status, `${r.status} ${JSON.stringify(r.body)}`).toBe("refused");
    expect(r.body.results[0].outcome.code).toBe("entry_closed");
    await ctx.close();
  });

  it("shows the year's summary and prints it", async () => {
    const { ctx, page } = await signedIn("admin");
    const t0 = Date.now();
    await page.goto(`${base}/#/summary`);
    const frame = page.frameLocator("#summary-frame");
    await frame.locator("table").first().waitFor({ timeout: 120_000 });
    timings.push(["总结（全县）", Date.now() - t0]);
    expect(await frame.locator("body").textContent()).toContain("脱贫");
    await shoot(page, "summary");
    // The print button prints the report itself (its own A4 stylesheet), not the dashboard.
    const handle = await page.$("#summary-frame");
    const inner = await handle!.contentFrame();
    await inner!.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => void ((window as unknown as { printed: number }).printed += 1);
    });
    await page.click("#print-summary");
    expect(await inner!.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    const css = await inner!.evaluate(() => [...document.styleSheets].flatMap((s) => [...s.cssRules].map((r) => r.cssText)).join("\n"));
    expect(css).toMatch(/@page\s*\{[^}]*size:\s*a4/i);
    await ctx.close();
  });

  it("shows the map with points far from their village standing out", async () => {
    const { ctx, page } = await signedIn("admin");
    await open(page, "地图（一个村）", "#/map", "#map-svg");
    expect(await page.locator("#map-svg circle.pt").count()).toBeGreaterThan(0);
    await shoot(page, "map", "#map-svg");

    // The county's own tile server (here a small one of this test, drawing each tile's
    // z/x/y): set in 管理, the map asks it for the tiles under the points.
    const asked: string[] = [];
    const tileServer = createHttpServer((req, res) => {
      asked.push(req.url ?? "");
      const [z, x, y] = (req.url ?? "").replace(/\.svg$/, "").split("/").slice(1);
      res.writeHead(200, { "Content-Type": "image/svg+xml" });
      res.end(`<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#e8efe0" stroke="#b5c4a5"/><text x="8" y="20" font-size="14" fill="#7a8a6a">${z}/${x}/${y}</text></svg>`);
    });
    await new Promise<void>((ok) => tileServer.listen(0, "127.0.0.1", ok));
    const tilePort = (tileServer.address() as { port: number }).port;
    await open(page, "管理·地图设置", "#/admin?tab=settings", "#base-map-url");
    await page.fill("#base-map-url", `http://127.0.0.1:${tilePort}/{z}/{x}/{y}.svg`);
    await page.click("#admin form button[type=submit]");
    await page.locator("#admin .ok-box").waitFor();
    await page.goto(`${base}/#/map`);
    await page.reload();
    await page.waitForSelector("#map-svg image");
    await expect.poll(() => asked.length).toBeGreaterThan(0);
    for (const url of asked) expect(url).toMatch(/^\/1[0-9]\/\d+\/\d+\.svg$/);
    await shoot(page, "map-base-map", "#map-svg image");
    tileServer.close();
    await ctx.close();
  });

  it("lets a town officer see its own towns' villages only, masked, and change nothing", async () => {
    const { ctx, page } = await signedIn("xz01");
    const me = await (await page.request.get(`${base}/api/v1/session`)).json();
    const mine = new Set<string>(me.villages.map((v: { id: string }) => v.id));
    await open(page, "工作进度（乡镇）", "#/progress", "#progress-table");
    const shown = await page.locator("#progress-table tr[data-village]").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-village")!));
    expect(shown.length).toBe(mine.size);
    for (const v of shown) expect(mine.has(v)).toBe(true);
    // No 管理 or 冲突 in its menu.
    expect(await page.locator("#nav-admin").count()).toBe(0);
    expect(await page.locator("#nav-conflicts").count()).toBe(0);
    await shoot(page, "town-officer-progress", "#progress-chart svg");
    await open(page, "农户（乡镇）", "#/households", "#household-table");
    for (const v of await page.locator("#household-table tbody tr").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-household")!))) {
      expect(v).not.toBe("");
    }
    expect(await page.locator("#household-table tbody tr td:nth-child(2)").first().textContent()).toContain("*");
    // Another town's household, opened by its address: not found for this officer.
    const admin = await browser.newContext();
    const ap = await admin.newPage();
    await ap.goto(base + "/");
    await ap.fill("#username", "admin");
    await ap.fill("#password", password("admin"));
    await ap.click("#sign-in");
    await ap.waitForSelector("#who");
    const county = await (await ap.request.get(`${base}/api/v1/session`)).json();
    const elsewhere = county.villages.find((v: { id: string }) => !mine.has(v.id));
    const all = await (await ap.request.get(`${base}/api/v1/dashboard/households?village=${elsewhere.id}&limit=1`)).json();
    const other = all.rows[0];
    expect(other, "the county has households outside xz01's towns").toBeTruthy();
    await admin.close();
    await page.goto(`${base}/#/household/${other.id}`);
    await page.locator("main .error-box").waitFor();
    expect(await page.locator("#household-file").count()).toBe(0);
    await shoot(page, "town-officer-forbidden");
    // Its session cannot change the phases, even with the dashboard's header.
    const put = await page.request.put(`${base}/api/v1/admin/phases`, { headers: { "Jiandang-Dashboard": "1", "Jiandang-Protocol": "2" }, data: { protocol: 2, phases: [] } });
    expect(put.status()).toBe(403);
    await ctx.close();
  });

  it("lets the county admin add a town officer, who then sees that town only", async () => {
    const { ctx, page } = await signedIn("admin");
    const county = await (await page.request.get(`${base}/api/v1/session`)).json();
    const town = county.towns[1];
    await open(page, "管理·用户", "#/admin?tab=users", "#new-user");
    await page.fill("#new-username", "xz_e2e");
    await page.fill("#new-display-name", "乡镇干部（测试）");
    await page.fill("#new-password", "e2e-password-1");
    await page.selectOption("#new-role", "town_officer");
    await page.check(`#new-towns input[value="${town.id}"]`);
    await page.click("#save-user");
    await page.locator('#user-table tr[data-user="xz_e2e"]').waitFor();
    expect(await page.locator('#user-table tr[data-user="xz_e2e"]').textContent()).toContain(town.name);
    await ctx.close();
    users.set("xz_e2e", "e2e-password-1");
    const officer = await signedIn("xz_e2e");
    const me = await (await officer.page.request.get(`${base}/api/v1/session`)).json();
    const expected = county.villages.filter((v: { town_id: string }) => v.town_id === town.id).map((v: { id: string }) => v.id);
    expect(me.villages.map((v: { id: string }) => v.id).sort()).toEqual(expected.sort());
    await officer.ctx.close();
  });

  it("shows a supervisor its spot-check assignments and nothing of the register", async () => {
    const { ctx, page } = await signedIn("shy01");
    const me = await (await page.request.get(`${base}/api/v1/session`)).json();
    expect(me.villages).toEqual([]);
    // Its first screen is its worklist: the households the county gave its pair.
    await page.waitForSelector("#tasks .task");
    expect(await page.locator("#tasks .task-households tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator("#tasks").textContent()).toContain("e2e 快速自查");
    // No register screen in its menu, and none by its address.
    for (const nav of ["progress", "households", "problems", "map", "summary", "admin", "spotchecks"]) {
      expect(await page.locator(`#nav-${nav}`).count()).toBe(0);
    }
    await shoot(page, "supervisor-tasks");
    await page.goto(`${base}/#/progress`);
    await page.locator("main .error-box").waitFor();
    expect(await page.locator("#progress-table").count()).toBe(0);
    expect((await page.request.get(`${base}/api/v1/problems`)).status()).toBe(200);
    expect((await (await page.request.get(`${base}/api/v1/problems`)).json()).problems).toEqual([]);
    expect((await page.request.get(`${base}/api/v1/spotchecks/plans`)).status()).toBe(403);
    await ctx.close();
  });

  it("signs out: the session no longer opens the dashboard", async () => {
    const { ctx, page } = await signedIn("admin");
    await page.click("#sign-out");
    await page.waitForSelector("#sign-in");
    expect((await page.request.get(`${base}/api/v1/dashboard/progress`)).status()).toBe(401);
    await ctx.close();
  });
});

/** A household of the device's (first) village, as the county admin's search finds it. */
async function householdOf(page: Page, d: Device): Promise<{ id: string; village: string }> {
  const village = d.villages[0];
  const rows = await (await page.request.get(`${base}/api/v1/dashboard/households?village=${village}&limit=1`)).json();
  return { id: rows.rows[0].id, village };
}
