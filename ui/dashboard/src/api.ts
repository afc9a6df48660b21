// The dashboard's one door to the county server: `/api/v1` with the session cookie (sent by
// the browser, HttpOnly), the protocol header, and the dashboard's header that every request
// carries (the server refuses a state-changing request of a session without it: CSRF).
// Errors come back as ApiFailure with the server's stable code and its zh-CN message.

import type { FormBundle } from "../../src/backend";

export const PROTOCOL = 2;

export type Role = "survey_worker" | "work_team_member" | "supervisor" | "town_officer" | "county_admin";

export interface TownInfo {
  id: string;
  name: string;
}

export interface VillagePlace {
  id: string;
  name: string;
  town_id: string;
  lon: number | null;
  lat: number | null;
}

export interface BaseMap {
  url: string;
  gcj02: boolean;
}

export interface SessionInfo {
  user: { id: string; username: string; display_name: string; role: Role };
  role_zh: string;
  towns: TownInfo[];
  villages: VillagePlace[];
  sees_id_numbers: boolean;
  expires_ms: number;
  base_map: BaseMap | null;
  administers: boolean;
  household_states: Label[];
  roles: Label[];
  /** The register's screens open (a supervisor's do not: its checks stay blind). */
  sees_register: boolean;
  /** The spot-check worklist opens (a supervisor). */
  checks_spots: boolean;
  labels: DashboardLabels;
}

/** The domain's names for what the problem list and the spot-checks show. */
export interface DashboardLabels {
  problem_checks: CheckLabel[];
  plan_states: Label[];
  plan_presets: Label[];
  indicators: Label[];
  verdicts: Label[];
  interval_methods: Label[];
  check_states: Label[];
}

export interface CheckLabel {
  code: string;
  title: string;
  requirement: string;
  severity: string;
}

/** A problem-list item (问题清单), as the domain's `Problem` travels. */
export interface Problem {
  id: string;
  village_id: string;
  source: string | null;
  check: string;
  key: string;
  title: string;
  requirement: string | null;
  severity: string | null;
  record_kind: string | null;
  record_id: string | null;
  household_id: string | null;
  path: string;
  field_label: string | null;
  text: string;
  verify: string;
  rank: number | null;
  raised_by: string | null;
  raised_at: string | null;
  source_ref: string | null;
  state: string;
  verification: { verdict: string | null; note: string | null; photo_ids: string[]; gps_fix_id: string | null; by: string | null; at: string | null };
  correction: { note: string | null; by: string | null; at: string | null };
  sent_back: { reason: string | null; by: string | null; at: string | null; count: number };
  closing: { kind: string | null; note: string | null; by: string | null; at: string | null };
  recheck: { fault_gone: boolean | null; at: string | null };
}

/** What the county may do with an open problem now (the domain's actions decide). */
export interface CountyMoves {
  send_back: boolean;
  close: string[];
}

export interface ProblemList {
  problems: Problem[];
  total: number;
  by_state: Record<string, number>;
  by_village: Record<string, number>;
  by_check: Record<string, number>;
  moves: Record<string, CountyMoves>;
}

export interface ProblemQuery {
  village?: string;
  town?: string;
  check?: string;
  state?: string;
  offset?: number;
  limit?: number;
}

export interface CheckRun {
  faults: Record<string, number>;
  raised: number;
  updated: number;
}

export interface ProvinceImport {
  import_id: string;
  rows: number;
  matched_rows: number;
  raised: number;
  unmatched: { line: number; why: string; message: string }[];
}

export type PlanStateCode = "draft" | "drawn" | "published";

export type Take = "all" | { count: number };
export type Quota = "all" | { total: number } | { per_village: number };

export interface PlanSpec {
  year: number;
  village_method: string;
  household_method: string;
  villages: { village_type: string; take: Take }[];
  strata: { village_type: string; household_type: string; size: Quota }[];
}

export interface Draw {
  seed: string;
  frame_version: number;
  algorithm: number;
  villages: { village_id: string; village_type: string; probability: number; certainty: boolean }[];
  households: { household_id: string; village_id: string; village_type: string; household_type: string; probability: number }[];
  village_outcomes: { village_type: string; frame: number; target: number; drawn: number; shortfall: number }[];
  stratum_outcomes: { village_type: string; household_type: string; frame: number; available: number; target: number; drawn: number; shortfall: number }[];
}

export interface Assignment {
  id: string;
  plan_id: string;
  checkers: [string, string];
  households: string[];
  villages: string[];
}

export interface PlanView {
  id: string;
  title: string;
  state: PlanStateCode;
  spec: PlanSpec;
  draw: Draw | null;
  seed_source: "given" | "server" | null;
  frame: {
    version: number;
    villages: number;
    households: number;
    left_out_villages: number;
    left_out_households: number;
    strata: { village_type: string; household_type: string; households: number; persons: number }[];
  } | null;
  created_ms: number;
  updated_ms: number;
  published_ms: number | null;
  assignments: Assignment[];
}

export interface PlanSummary {
  id: string;
  title: string;
  state: PlanStateCode;
  year: number;
  villages_drawn: number;
  households_drawn: number;
  assignments: number;
  created_ms: number;
  published_ms: number | null;
}

export type CheckState = "unassigned" | "assigned" | "observing" | "sealed" | "not_met";

export interface PlanResults {
  plan_id: string;
  households: {
    household_id: string;
    village_id: string;
    household_type: string;
    assignment_id: string | null;
    check_id: string | null;
    state: CheckState;
    extra_checks: number;
    wrong_exit_persons: number;
    missed_persons: number;
    recognises: boolean | null;
    findings: number;
    differences: number;
  }[];
  villages: { village_id: string; village_type: string; screen_assigned: boolean; screened_households: number; non_registered_persons: number | null; missed_persons: number }[];
  problems: { village_id: string; code: string; text_zh: string; verify_zh: string }[];
  set_aside: string[];
}

export interface Decision {
  /** In basis points (200 = 2 %). */
  threshold: number;
  verdict: string;
  more_households: number | null;
}

export interface IndicatorEstimate {
  indicator: string;
  found: number;
  base: number;
  households: number;
  interval: { estimate: number; lower: number; upper: number };
  method: string;
  design_effect: number;
  decision: Decision;
  internal: Decision | null;
}

export interface ScopeEstimates {
  scope: { level: "county" } | { level: "town"; id: string } | { level: "village"; id: string };
  wrong_exit: IndicatorEstimate | null;
  missed: IndicatorEstimate | null;
  recognition: IndicatorEstimate | null;
}

export interface PlanEstimates {
  plan_id: string;
  policy: string;
  method: string;
  assumed_rho: number;
  checks: number;
  county: ScopeEstimates;
  towns: ScopeEstimates[];
  villages: ScopeEstimates[];
  town_villages: Record<string, string[]>;
}

export interface WorkAssignment {
  id: string;
  plan_id: string;
  plan_title: string;
  year: number;
  checkers: { id: string; display_name: string }[];
  households: { household_id: string; village_id: string; household_type: string; household_number: string | null; head_name: string | null; natural_village_id: string | null }[];
  screen_villages: string[];
  places: { id: string; name: string; town: string }[];
}

export interface Label {
  code: string;
  zh: string;
}

export interface Phase {
  name: string;
  starts: string;
  ends: string;
  writes_open: boolean;
}

export interface VillageProgress {
  village_id: string;
  households: number;
  visited: number;
  exits_proposed: number;
  exits_done: number;
  new_identified: number;
  returned: number;
  member_increases: number;
  member_decreases: number;
  unreadable: number;
  devices: number;
  last_seen_ms: number | null;
}

export interface Progress {
  year: number;
  today: string;
  phase: Phase | null;
  days_left: number | null;
  phases: Phase[];
  villages: VillageProgress[];
  days: { date: string; changes: number; visits: number }[];
}

export interface HouseholdRow {
  id: string;
  village_id: string;
  number: string | null;
  head_name: string | null;
  head_id_number: string | null;
  state: string;
  state_zh: string;
  members: number;
  errors: number;
}

export interface HouseholdPage {
  total: number;
  rows: HouseholdRow[];
}

export interface FileFinding {
  code: string;
  severity: "warning" | "error";
  path: string;
  message: string;
}

export interface FileRecord {
  id: string;
  kind: string;
  fields: Record<string, unknown>;
  findings: FileFinding[];
}

export interface HouseholdFile {
  id: string;
  village_id: string;
  head_name: string | null;
  state: string;
  state_zh: string;
  records: FileRecord[];
}

export interface HistoryEntry {
  seq: number;
  field: string;
  old: unknown;
  new: unknown;
  outcome: "accepted" | "superseded";
  received_ms: number;
  user_id: string;
  username: string;
  device_id: string;
  device_name: string;
}

export interface ConflictSide {
  value: unknown;
  /** The stamp, `wall_ms-counter-node` (wall_ms zero-padded). */
  hlc: string;
  user_id: string;
  device_id: string;
}

export interface Conflict {
  id: number;
  record_id: string;
  village_id: string;
  field: string;
  losing: ConflictSide;
  winning: ConflictSide;
  seq: number;
  resolution: { value: unknown; resolved_by: string; resolved_ms: number; seq: number } | null;
}

export interface UserView {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  disabled: boolean;
  villages: string[];
  towns: string[];
}

export interface DeviceView {
  id: string;
  user_id: string;
  name: string;
  revoked: boolean;
  enrolled_ms: number;
  last_seen_ms: number | null;
}

export interface MapPoint {
  household_id: string;
  village_id: string;
  lon: number;
  lat: number;
  accuracy_m: number | null;
  distance_m: number | null;
  far: boolean;
  head_name: string | null;
}

export interface MapPoints {
  far_m: number;
  points: MapPoint[];
}

export interface VillageWindow {
  village_id: string;
  writes_open: boolean;
  reopened_until: string | null;
}

/** An answer of the server that is not a success: its code, its message for people. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the server says the session has ended (401), to show the sign-in again. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

/** One request of the dashboard. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { "Jiandang-Protocol": String(PROTOCOL), "Jiandang-Dashboard": "1" };
  let payload: string | Blob | undefined;
  if (body instanceof Blob) {
    // A file as it is (the province's comparison file): the server reads its bytes.
    headers["Content-Type"] = "application/octet-stream";
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify({ protocol: PROTOCOL, ...(body as object) });
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiFailure(0, "offline", "无法连接县服务器：请检查网络，或确认服务器已启动，然后重试");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const err = (json ?? {}) as { code?: string; message?: string };
    const failure = new ApiFailure(response.status, err.code ?? "internal", err.message ?? `服务器返回错误（${response.status}），请稍后重试`);
    if (response.status === 401 && !path.endsWith("/session")) onSignedOut();
    throw failure;
  }
  return json as T;
}

export const api = {
  session: () => call<SessionInfo>("GET", "/api/v1/session"),
  signIn: (username: string, password: string) => call<SessionInfo>("POST", "/api/v1/session", { username, password }),
  signOut: () => call<void>("DELETE", "/api/v1/session"),
  forms: () => call<FormBundle>("GET", "/api/v1/forms"),
  progress: () => call<Progress>("GET", "/api/v1/dashboard/progress"),
  households: (q: { q?: string; village?: string; state?: string; offset?: number; limit?: number }) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") params.set(k, String(v));
    return call<HouseholdPage>("GET", `/api/v1/dashboard/households?${params}`);
  },
  household: (id: string) => call<HouseholdFile>("GET", `/api/v1/dashboard/households/${id}`),
  history: (id: string) => call<{ entries: HistoryEntry[] }>("GET", `/api/v1/records/${id}/history`),
  map: (q: { village?: string; town?: string }) => {
    const params = new URLSearchParams();
    if (q.village) params.set("village", q.village);
    if (q.town) params.set("town", q.town);
    return call<MapPoints>("GET", `/api/v1/dashboard/map?${params}`);
  },
  conflicts: (open: boolean) => call<{ conflicts: Conflict[] }>("GET", `/api/v1/conflicts?open=${open}`),
  summaryUrl: (scope: { village?: string; town?: string }) => {
    const params = new URLSearchParams(scope as Record<string, string>);
    return `/api/v1/exports/summary.html?${params}`;
  },
  resolve: (id: number, value: unknown) => call<Conflict>("POST", `/api/v1/conflicts/${id}/resolve`, { value }),
  users: () => call<{ users: UserView[] }>("GET", "/api/v1/admin/users"),
  createUser: (u: { username: string; display_name: string; password: string; role: Role; villages: string[]; towns: string[] }) =>
    call<UserView>("POST", "/api/v1/admin/users", u),
  updateUser: (id: string, u: Partial<{ display_name: string; role: Role; disabled: boolean; password: string; villages: string[]; towns: string[] }>) =>
    call<UserView>("PUT", `/api/v1/admin/users/${id}`, u),
  devices: () => call<{ devices: DeviceView[] }>("GET", "/api/v1/admin/devices"),
  revoke: (id: string) => call<DeviceView>("POST", `/api/v1/admin/devices/${id}/revoke`, {}),
  phases: () => call<{ phases: Phase[] }>("GET", "/api/v1/admin/phases"),
  putPhases: (phases: Phase[]) => call<{ phases: Phase[] }>("PUT", "/api/v1/admin/phases", { phases }),
  window: (village: string) => call<VillageWindow>("GET", `/api/v1/admin/villages/${village}/window`),
  reopen: (village: string, until: string) => call<VillageWindow>("POST", `/api/v1/admin/villages/${village}/reopen`, { until }),
  settings: (base_map: BaseMap | null) => call<{ base_map: BaseMap | null }>("PUT", "/api/v1/admin/settings", { base_map }),
  policyYear: async () => (await call<{ policy: { year: number } }>("GET", "/api/v1/policy")).policy.year,
  problems: (q: ProblemQuery) => call<ProblemList>("GET", `/api/v1/problems?${query(q)}`),
  runChecks: () => call<CheckRun>("POST", "/api/v1/admin/checks/run", {}),
  raiseProblem: (p: { record_id: string; path: string; text: string; verify?: string; severity?: string }) =>
    call<{ problem: Problem }>("POST", "/api/v1/problems", p),
  sendBack: (id: string, reason: string) => call<{ problem: Problem }>("POST", `/api/v1/problems/${id}/send-back`, { reason }),
  closeProblem: (id: string, kind: string, note: string | null) => call<{ problem: Problem }>("POST", `/api/v1/problems/${id}/close`, { kind, note }),
  provinceFile: (file: Blob) => call<ProvinceImport>("POST", "/api/v1/admin/province-file", file),
  plans: () => call<{ plans: PlanSummary[] }>("GET", "/api/v1/spotchecks/plans"),
  plan: (id: string) => call<PlanView>("GET", `/api/v1/spotchecks/plans/${id}`),
  createPlan: (title: string, preset: { kind: string; year: number; villages: number }) =>
    call<PlanView>("POST", "/api/v1/spotchecks/plans", { title, preset }),
  drawPlan: (id: string, seed: string | null) => call<PlanView>("POST", `/api/v1/spotchecks/plans/${id}/draw`, seed ? { seed } : {}),
  publishPlan: (id: string) => call<PlanView>("POST", `/api/v1/spotchecks/plans/${id}/publish`, {}),
  assignPlan: (id: string, a: { checkers: [string, string]; households: string[]; villages: string[] }) =>
    call<PlanView>("POST", `/api/v1/spotchecks/plans/${id}/assignments`, a),
  planResults: (id: string) => call<PlanResults>("GET", `/api/v1/spotchecks/plans/${id}/results`),
  estimates: (id: string, method?: string) =>
    call<PlanEstimates>("GET", `/api/v1/spotchecks/plans/${id}/estimates${method ? `?method=${encodeURIComponent(method)}` : ""}`),
  worklist: () => call<{ assignments: WorkAssignment[] }>("GET", "/api/v1/spotchecks/assignments"),
};

/** A query string of the values given (empty ones left out). */
function query(q: object): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  return params;
}
