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
  let payload: string | undefined;
  if (body !== undefined) {
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
};
