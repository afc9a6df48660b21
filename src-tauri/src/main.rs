//! The desktop entry point; phones enter through `jiandang_app_lib::run` (mobile_entry_point).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    jiandang_app_lib::run()
}
