// The one door from the views to the app shell. Views call `backend()`; only this module
// calls `invoke`. `tauriBackend` talks to src-tauri; `setBackend` lets tests put another one in.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

// ---- Shapes the shell sends (mirrors of src-tauri/src/view.rs and the domain's JSON) ----

export type Severity = "warning" | "error";

export interface Finding {
  code: string;
  severity: Severity;
  path: string;
  message: string;
  requirement?: string;
}

export type Widget =
  | "text"
  | "text_area"
  | "integer"
  | "decimal"
  | "money"
  | "date"
  | "year"
  | "yes_no"
  | "code"
  | "codes"
  | "id_number"
  | "phone"
  | "reference"
  | "references"
  | "checklist"
  | "rows";

export type Relevance =
  | { op: "equals"; path: string; value: unknown }
  | { op: "any_of"; path: string; values: unknown[] }
  | { op: "present"; path: string }
  | { op: "all"; of: Relevance[] };

export interface FieldDef {
  path: string;
  label_zh: string;
  widget: Widget;
  unit?: string;
  code_list?: string;
  required: boolean;
  derived: boolean;
  relevance?: Relevance;
  national_code?: string;
  hint_zh?: string;
  /** For `rows` and `checklist`: the columns of each row, paths relative to the row. */
  columns?: FieldDef[];
  /** For `reference` and `references`: the record kinds the id may name. */
  refers_to?: string[];
  /** For `code`: the codes offered by the value of the field at `path` (变更原因 by 变更类型). */
  options_by?: { path: string; options: Record<string, string[]> };
}

export interface SectionDef {
  id: string;
  title_zh: string;
  fields: FieldDef[];
}

export interface FormDef {
  id: string;
  record: string;
  title_zh: string;
  sections: SectionDef[];
}

export interface CodeEntry {
  code: string;
  zh: string;
  en: string;
}

export interface CodeList {
  id: string;
  version: string;
  name_zh: string;
  entries: CodeEntry[];
}

export interface FormBundle {
  version: number;
  forms: FormDef[];
  code_lists: CodeList[];
  /** The code values the screens act on (the domain's; the UI compares none of its own). */
  facts: UiFacts;
}

/** `jiandang_domain::form::UiFacts`. */
export interface UiFacts {
  /** 与户主关系 of the 户主. */
  head_relationship: string;
  /** 人员状态 of a member who has left (已自然减少). */
  member_decreased: string;
  /** 变更类型 of 自然增加. */
  change_increase: string;
  /** 变更类型 of 自然减少. */
  change_decrease: string;
  /** 核实内容 of the household's members (the other visit sections are the form's section ids). */
  visit_members: string;
  /** 核实结果 无变化. */
  section_unchanged: string;
  /** 核实结果 有变化. */
  section_changed: string;
}

/** Flat field map: dot path -> JSON value. */
export type Fields = Record<string, unknown>;

/** Where a record stands between the device and the county. */
export type SyncState = "synced" | "waiting" | "refused" | "conflict";

export interface RecordView {
  id: string;
  kind: string;
  village_id: string;
  fields: Fields;
  sync: SyncState;
  /** Paths with a local edit the server has not yet accepted. */
  pending: string[];
}

export interface Village {
  id: string;
  name: string;
  town: string;
}

export interface AppStatus {
  enrolled: boolean;
  /** The enrolled server, or before enrolment the one the app was started for. */
  server_url: string | null;
  user: { username: string; display_name: string; role: string } | null;
  villages: Village[];
  /** True on desktop, where positions are typed or come from a test provider. */
  manual_position: boolean;
  /** The user checks the county's spot-check sample (督导核查): home is the worklist. */
  spot_checker: boolean;
}

export interface EnrollRequest {
  server_url: string;
  username: string;
  password: string;
}

export type HouseholdFilter =
  | "all"
  | "registered"
  | "exited_this_year"
  | "new"
  | "returned"
  | "has_errors"
  | "not_visited"
  | "waiting";

export interface HouseholdQuery {
  village_id: string | null;
  search: string;
  filter: HouseholdFilter;
}

export interface HouseholdRow {
  id: string;
  number: string;
  head_name: string;
  members: number;
  status_zh: string;
  sync: SyncState;
  errors: number;
  visited_this_year: boolean;
  /** This year's door visit: every section confirmed, a section changed, or none yet. */
  visit: VisitState;
}

export type VisitState = "verified" | "changed" | "none";

export interface HouseholdList {
  counts: Record<HouseholdFilter, number>;
  rows: HouseholdRow[];
}

export interface PhotoView {
  id: string;
  subject_id: string;
  kind: string;
  /** `data:image/jpeg;base64,...` of the thumbnail. */
  thumbnail: string;
  uploaded: boolean;
  taken_at: string;
  /** Only when just added: why the photo has no position. */
  note?: string;
}

export interface GpsView {
  id: string;
  subject_id: string;
  lon: number;
  lat: number;
  accuracy_m: number;
  samples: number;
  source: string;
  taken_at: string;
  sync: SyncState;
}

export interface GpsResult {
  fix: GpsView;
  warnings: Finding[];
}

export interface HouseholdBundle {
  household: RecordView;
  members: RecordView[];
  member_changes: RecordView[];
  procedure: RecordView[];
  /** 入户核实 records. */
  visits: RecordView[];
  exit_measures: RecordView | null;
  gps: GpsView[];
  photos: PhotoView[];
  findings: Finding[];
  /** Each attached record's own findings, by id. */
  record_findings: Record<string, Finding[]>;
  /** What the page offers on the way out of poverty (null before the county's policy). */
  actions: HouseholdActions | null;
  /** The village's natural villages, to pick the household's 所在组 from. */
  natural_villages: { id: string; name: string }[];
  /** The village's 帮扶责任人 (name and unit), to pair the household with. */
  helpers: { id: string; name: string }[];
  /** An existing household, verified at the door section by section (C1); a new one is collected whole. */
  verify: boolean;
}

/** One section as the door visit found it (`jiandang_domain::visit::SectionCheck`). */
export interface SectionCheck {
  kind: string;
  outcome: string;
  note?: string | null;
}

export interface VisitRequest {
  household_id: string;
  date: string;
  visited_by: string | null;
  sections: SectionCheck[];
  note: string | null;
}

export interface VillageBundle {
  village: RecordView | null;
  natural_villages: RecordView[];
  exit_measures: RecordView | null;
  gps: GpsView[];
  /** 帮扶单位 on the device (county-wide). */
  help_units: RecordView[];
  helpers: RecordView[];
  work_team_members: RecordView[];
}

export interface SaveRequest {
  id: string | null;
  kind: string;
  village_id: string;
  fields: Fields;
}

export interface SaveResult {
  record: RecordView;
  findings: Finding[];
}

export type MemberChangeDirection = "increase" | "decrease";

/**
 * 自然增加 / 自然减少 (W6): the sheet as typed, and the new member's form (arrival) or the
 * member who leaves (departure). The domain's action writes every record or none.
 */
export type MemberChangeRequest = {
  household_id: string;
  /** Answers of the member-change form (reason, date, 新户主, ...). */
  change_fields: Fields;
} & ({ direction: "arrival"; member: Fields } | { direction: "departure"; member_id: string });

/** An action's answer: done (the records it wrote, the household's findings after it) or
 * refused with the domain's reasons, nothing saved. */
export interface ActionAnswer {
  done: boolean;
  records: RecordView[];
  findings: Finding[];
}

/** The household page's actions (the domain offers them; the page draws what it offers). */
export type ActionName =
  | "propose_exit"
  | "record_exit_step"
  | "mark_exited"
  | "return_to_poverty"
  | "register_identification";

/** One action offered, and whether the domain allows it now (no reasons: allowed). */
export interface Offer {
  action: ActionName;
  label_zh: string;
  /** For the exit procedure's step: which step is next (an `exit_step` code). */
  step?: string;
  reasons: Finding[];
}

/** One step of the exit procedure as recorded. */
export interface ExitStepRecord {
  step: string;
  date: string | null;
  outcome: string | null;
  notice_days: number | null;
  signed_by: string | null;
  note: string | null;
  attachment_photo_ids: string[];
}

/** Where a household stands on its way out of poverty, and what the page offers. */
export interface HouseholdActions {
  state: { state: string; year?: number };
  state_zh: string;
  exit_procedure_id: string | null;
  steps: ExitStepRecord[];
  offers: Offer[];
}

/** Where the record a refusal or conflict is about opens. */
export interface RecordPlace {
  /** The record's kind (its form names the field); null when the record is not on the device. */
  kind: string | null;
  /** The household page it sits on; the village page when null. */
  household_id: string | null;
  household_number: string | null;
}

export interface RefusedChange extends RecordPlace {
  change_id: string;
  record_id: string;
  field: string;
  code: string;
  message: string;
}

export interface ConflictView extends RecordPlace {
  record_id: string;
  field: string;
  mine: unknown;
  theirs: unknown;
}

/** What resending one refused change did. */
export type ResendOutcome =
  | { outcome: "requeued"; change_id: string }
  | { outcome: "superseded" }
  | { outcome: "not_refused" };

export type ResendAnswer = ResendOutcome & { status: SyncStatus };

export interface SyncStatus {
  online: boolean | null;
  running: boolean;
  waiting_changes: number;
  photos_total: number;
  photos_uploaded: number;
  last_success: string | null;
  last_error: { code: string; message: string } | null;
  refused: RefusedChange[];
  conflicts: ConflictView[];
  /** The device's clock is off by more than the server tolerates (5 minutes). */
  clock_wrong: boolean;
  /** Server minus device, ms, as measured on the server's last answer (null: never heard). */
  clock_skew_ms: number | null;
}

export interface SyncProgress {
  phase: "snapshot" | "push" | "photos" | "pull" | "idle" | "offline";
  done: number;
  total: number;
  message: string;
}

/** What a command failed with: a stable code and a zh-CN message. */
export interface AppError {
  code: string;
  message: string;
}

export function isAppError(e: unknown): e is AppError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as AppError).code === "string" &&
    typeof (e as AppError).message === "string"
  );
}

/** The zh-CN message of anything a command threw. */
export function errorMessage(e: unknown): string {
  if (isAppError(e)) return e.message;
  return "操作失败，请重试";
}

/** A drawn household on the supervisor's worklist, and its check on this device. */
export interface SpotHousehold {
  household_id: string;
  village_id: string;
  /** `spot_household_type`: the stratum it was drawn in. */
  household_type: string;
  household_number: string;
  head_name: string;
  village: string;
  town: string;
  check: RecordView | null;
  sealed: boolean;
  revealed: boolean;
}

/** A village to screen for non-registered households, and its forms on this device. */
export interface SpotVillage {
  village_id: string;
  village: string;
  town: string;
  screenings: RecordView[];
  screened_households: RecordView[];
}

export interface SpotAssignment {
  id: string;
  plan_id: string;
  plan_title: string;
  year: number;
  checkers: string[];
  households: SpotHousehold[];
  villages: SpotVillage[];
}

/** The supervisor's worklist (from the device, offline). */
export interface SpotWorklist {
  /** False before the first sync brought one. */
  fetched: boolean;
  assignments: SpotAssignment[];
  /** Sections of 入户核查表 shown only after the seal (the domain's list). */
  after_seal: string[];
}

// ---- The problem list (问题清单; src-tauri/src/problems.rs, jiandang_replica::problems) ----

/** One state's count, in the domain's order, with its label. */
export interface ProblemStateCount {
  state: string;
  label_zh: string;
  n: number;
}

export interface ProblemRow {
  id: string;
  /** 问题类别. */
  title: string;
  check: string;
  requirement: string | null;
  severity_zh: string;
  state: string;
  state_zh: string;
  /** Not 已销号. */
  open: boolean;
  household_id: string | null;
  household_number: string | null;
  head_name: string | null;
  record_kind: string | null;
  record_id: string | null;
  path: string;
  field_label: string | null;
  text: string;
  verify: string;
  rank: number | null;
  verdict_zh: string | null;
  verification_note: string | null;
  correction_note: string | null;
  sent_back_reason: string | null;
  /** 复核已消除. */
  fault_gone: boolean;
  closing_zh: string | null;
  waiting: boolean;
}

export interface ProblemList {
  counts: { pending: number; verified: number; corrected: number; closed: number; open: number };
  states: ProblemStateCount[];
  rows: ProblemRow[];
}

/** The worker's answer: 核实无误 (不属实, a note) or 已整改 (what was corrected). */
export type ProblemAnswer = { answer: "not_true"; note: string } | { answer: "corrected"; note: string };

/** Whether a record may be written today by the year's phases. */
export interface WriteWindow {
  open: boolean;
  phase_zh: string | null;
  refusal: Finding | null;
}

export interface Backend {
  formBundle(): Promise<FormBundle>;
  status(): Promise<AppStatus>;
  enroll(req: EnrollRequest): Promise<AppStatus>;
  listHouseholds(q: HouseholdQuery): Promise<HouseholdList>;
  household(id: string): Promise<HouseholdBundle>;
  village(villageId: string): Promise<VillageBundle>;
  saveRecord(req: SaveRequest): Promise<SaveResult>;
  validateRecord(kind: string, fields: Fields, recordId: string | null, villageId: string): Promise<Finding[]>;
  memberChange(req: MemberChangeRequest): Promise<ActionAnswer>;
  /** An offered action that takes nothing but the household. */
  householdAction(householdId: string, action: ActionName): Promise<ActionAnswer>;
  recordExitStep(householdId: string, step: ExitStepRecord): Promise<ActionAnswer>;
  /** 入户核实 (C1): the door visit with every section's outcome, through the domain's action. */
  recordVisit(req: VisitRequest): Promise<ActionAnswer>;
  setTestPosition(lon: number, lat: number, accuracyM: number): Promise<void>;
  takePosition(subjectId: string, villageId: string, samples: number): Promise<GpsResult>;
  addPhoto(subjectId: string, villageId: string, kind: string, bytes: Uint8Array): Promise<PhotoView>;
  syncStatus(): Promise<SyncStatus>;
  syncNow(): Promise<SyncStatus>;
  resend(changeId: string): Promise<ResendAnswer>;
  onSyncProgress(handler: (p: SyncProgress) => void): Promise<() => void>;
  spotWorklist(): Promise<SpotWorklist>;
  /** 封存: seals a check's observation (the domain's seal). */
  sealSpotCheck(id: string): Promise<ActionAnswer>;
  /** 显示差异: the county's differences for a sealed check (online). */
  revealSpotCheck(id: string): Promise<ActionAnswer>;
  listProblems(villageId: string): Promise<ProblemList>;
  answerProblem(problemId: string, answer: ProblemAnswer): Promise<ActionAnswer>;
  /** `null` before the county's policy has arrived, or for a record not on the device. */
  writeWindow(recordId: string): Promise<WriteWindow | null>;
}

/** Event the shell emits while syncing. */
export const SYNC_PROGRESS_EVENT = "sync-progress";

export const tauriBackend: Backend = {
  formBundle: () => invoke("get_form_bundle"),
  status: () => invoke("app_status"),
  enroll: (req) => invoke("enroll", { req }),
  listHouseholds: (q) => invoke("list_households", { q }),
  household: (id) => invoke("get_household", { id }),
  village: (villageId) => invoke("get_village", { villageId }),
  saveRecord: (req) => invoke("save_record", { req }),
  validateRecord: (kind, fields, recordId, villageId) =>
    invoke("validate_record", { kind, fields, recordId, villageId }),
  memberChange: (req) => invoke("member_change", { req }),
  householdAction: (householdId, action) => invoke("household_action", { householdId, action }),
  recordExitStep: (householdId, step) => invoke("record_exit_step", { householdId, step }),
  recordVisit: (req) =>
    invoke("record_visit", {
      householdId: req.household_id,
      date: req.date,
      visitedBy: req.visited_by,
      sections: req.sections,
      note: req.note,
    }),
  setTestPosition: (lon, lat, accuracyM) =>
    invoke("set_test_position", { lon, lat, accuracyM }),
  takePosition: (subjectId, villageId, samples) =>
    invoke("take_position", { subjectId, villageId, samples }),
  addPhoto: (subjectId, villageId, kind, bytes) =>
    invoke("add_photo", { subjectId, villageId, kind, data: bytesToBase64(bytes) }),
  syncStatus: () => invoke("sync_status"),
  syncNow: () => invoke("sync_now"),
  resend: (changeId) => invoke("resend", { changeId }),
  spotWorklist: () => invoke("spot_worklist"),
  sealSpotCheck: (id) => invoke("seal_spot_check", { id }),
  revealSpotCheck: (id) => invoke("reveal_spot_check", { id }),
  listProblems: (villageId) => invoke("list_problems", { villageId }),
  answerProblem: (problemId, answer) => invoke("answer_problem", { problemId, answer }),
  writeWindow: (recordId) => invoke("write_window", { recordId }),
  onSyncProgress: async (handler) => {
    const un: UnlistenFn = await listen<SyncProgress>(SYNC_PROGRESS_EVENT, (e) =>
      handler(e.payload),
    );
    return un;
  },
};

let current: Backend = tauriBackend;

/** The backend the views use. */
export function backend(): Backend {
  return current;
}

/** Puts another backend in (tests). */
export function setBackend(b: Backend): void {
  current = b;
}

/** Base64 of bytes, in chunks so large photos do not overflow the argument list. */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(s);
}
