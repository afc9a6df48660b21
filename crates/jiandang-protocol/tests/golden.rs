//! Golden files hold the wire format: each message type has one file in `tests/golden/`;
//! the value below must serialise to exactly that file and the file must parse back to the
//! value. `UPDATE_GOLDEN=1 cargo test -p jiandang-protocol` rewrites the files after a
//! deliberate change (which is a protocol change: bump PROTOCOL_VERSION).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::PathBuf;

use jiandang_domain::{Finding, RecordKind};
use jiandang_protocol::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

fn hlc(wall_ms: i64, counter: u32, node: Uuid) -> Hlc {
    Hlc {
        wall_ms,
        counter,
        node: node.to_string(),
    }
}

const DEVICE: u128 = 0xd1;
const USER: u128 = 0x71;
const VILLAGE: u128 = 0x51;
const HOUSEHOLD: u128 = 0xa1;

fn change() -> Change {
    Change {
        change_id: id(0xc1),
        record_id: id(HOUSEHOLD),
        kind: RecordKind::Household,
        village_id: id(VILLAGE),
        field: "income.wage".to_owned(),
        old: json!("1200.00"),
        new: json!("3600.00"),
        base_seq: 41,
        hlc: hlc(1_541_930_400_000, 0, id(DEVICE)),
    }
}

fn check<T: Serialize + DeserializeOwned + PartialEq + Debug>(name: &str, value: T) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(&value).expect("serialise") + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).expect("write golden file");
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(
        text, golden,
        "{name}: serialised form differs from the golden file"
    );
    let parsed: T = serde_json::from_str(&golden).expect("golden file parses");
    assert_eq!(parsed, value, "{name}: golden file parses to another value");
}

#[test]
fn change_set() {
    let mut second = change();
    second.change_id = id(0xc2);
    second.field = "basic.main_cause".to_owned();
    second.old = json!(null);
    second.new = json!("illness");
    second.base_seq = 0;
    second.hlc = hlc(1_541_930_400_000, 1, id(DEVICE));
    check(
        "change_set",
        ChangeSet::new(id(0x5e1), id(DEVICE), vec![change(), second]),
    );
}

#[test]
fn push_response() {
    check(
        "push_response",
        PushResponse {
            protocol: PROTOCOL_VERSION,
            change_set_id: id(0x5e1),
            results: vec![
                ChangeResult {
                    change_id: id(0xc1),
                    outcome: Outcome::Accepted { seq: 1042 },
                },
                ChangeResult {
                    change_id: id(0xc2),
                    outcome: Outcome::Superseded {
                        seq: 1040,
                        current: json!("disability"),
                    },
                },
                ChangeResult {
                    change_id: id(0xc3),
                    outcome: Outcome::Refused {
                        code: ErrorCode::EntryClosed,
                        message: "录入期已结束（11月30日24时），请联系县扶贫办重新开放本村"
                            .to_owned(),
                    },
                },
            ],
            findings: vec![RecordFindings {
                record_id: id(HOUSEHOLD),
                findings: vec![
                    Finding::warning(
                        "income.below_line",
                        "income",
                        "人均纯收入低于当年脱贫标准 3400 元",
                    )
                    .requirement("W1"),
                ],
            }],
            // Left out of the golden form: an answer without it (an older server's) reads.
            server_id: None,
        },
    );
}

#[test]
fn pull_page() {
    check(
        "pull_page",
        PullPage {
            protocol: PROTOCOL_VERSION,
            changes: vec![LoggedChange {
                seq: 1042,
                change: change(),
                user_id: id(USER),
                device_id: id(DEVICE),
            }],
            next_after: 1042,
            more: false,
            server_id: Some(id(0x5e7)),
        },
    );
}

#[test]
fn snapshot() {
    check(
        "snapshot",
        Snapshot::build(
            1042,
            Some(hlc(1_541_930_400_000, 0, id(DEVICE))),
            vec![
                SnapshotRecord {
                    id: id(HOUSEHOLD),
                    kind: RecordKind::Household,
                    village_id: id(VILLAGE),
                    leaves: BTreeMap::from([
                        ("income.wage".to_owned(), json!("3600.00")),
                        ("basic.causes".to_owned(), json!(["illness", "disability"])),
                    ]),
                },
                SnapshotRecord {
                    id: id(0xa2),
                    kind: RecordKind::Member,
                    village_id: id(VILLAGE),
                    leaves: BTreeMap::from([
                        ("household_id".to_owned(), json!(id(HOUSEHOLD))),
                        ("name".to_owned(), json!("张三")),
                    ]),
                },
                SnapshotRecord {
                    id: id(0xa3),
                    kind: RecordKind::Member,
                    village_id: id(VILLAGE),
                    leaves: BTreeMap::from([("household_id".to_owned(), json!(id(HOUSEHOLD)))]),
                },
            ],
        ),
    );
}

#[test]
fn enroll_request() {
    check(
        "enroll_request",
        EnrollRequest {
            protocol: PROTOCOL_VERSION,
            username: "dcy01".to_owned(),
            password: "correct horse".to_owned(),
            device_name: "调查员手机 A".to_owned(),
        },
    );
}

#[test]
fn enroll_response() {
    check(
        "enroll_response",
        EnrollResponse {
            protocol: PROTOCOL_VERSION,
            token: "jdt_3q2xv8".to_owned(),
            device_id: id(DEVICE),
            user: UserInfo {
                id: id(USER),
                username: "dcy01".to_owned(),
                display_name: "调查员01".to_owned(),
                role: Role::SurveyWorker,
            },
            villages: vec![VillageInfo {
                id: id(VILLAGE),
                name: "李庄村".to_owned(),
                town: "城关镇".to_owned(),
            }],
            server_id: None,
        },
    );
}

#[test]
fn server_identity() {
    check(
        "server_identity",
        ServerIdentity {
            protocol: PROTOCOL_VERSION,
            server_id: id(0x5e7),
            shared_seq: 1040,
        },
    );
}

#[test]
fn api_error() {
    check(
        "api_error",
        ApiError::new(ErrorCode::Unauthorized, "用户名或密码错误"),
    );
}

#[test]
fn error_codes_are_snake_case() {
    for (code, text) in [
        (ErrorCode::Unauthorized, "unauthorized"),
        (ErrorCode::ForbiddenVillage, "forbidden_village"),
        (ErrorCode::EntryClosed, "entry_closed"),
        (ErrorCode::ProtocolVersion, "protocol_version"),
        (ErrorCode::BadRequest, "bad_request"),
        (ErrorCode::TooLarge, "too_large"),
        (ErrorCode::NotFound, "not_found"),
        (ErrorCode::Conflict, "conflict"),
        (ErrorCode::RuleRefused, "rule_refused"),
        (ErrorCode::BlobMismatch, "blob_mismatch"),
    ] {
        assert_eq!(serde_json::to_value(code).expect("code"), json!(text));
        assert_eq!(code.as_str(), text);
    }
}
