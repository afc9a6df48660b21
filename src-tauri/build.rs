//! Declares the app's own commands to Tauri's access control, so a capability must grant
//! each one (`permissions/field-app.toml` groups them; `capabilities/main.json` grants it).

const COMMANDS: &[&str] = &[
    "get_form_bundle",
    "app_status",
    "enroll",
    "list_households",
    "get_household",
    "get_village",
    "save_record",
    "validate_record",
    "member_change",
    "household_actions",
    "household_action",
    "record_exit_step",
    "record_visit",
    "set_test_position",
    "take_position",
    "add_photo",
    "sync_status",
    "sync_now",
    "resend",
    "spot_worklist",
    "seal_spot_check",
    "reveal_spot_check",
    "list_problems",
    "answer_problem",
    "write_window",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
