//! Rebuilds the crate when a device migration is added or changed: they are embedded with
//! `include_str!`, which cargo does not watch by directory.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations/device");
}
