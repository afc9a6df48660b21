//! Rebuild when a server migration is added or changed (they are embedded with include_str!)
//! or when the dashboard's built assets change (embedded by rust-embed in release builds).

fn main() {
    println!("cargo:rerun-if-changed=../../migrations/server");
    println!("cargo:rerun-if-changed=../../ui/dist-dashboard");
    let built = std::path::Path::new("../../ui/dist-dashboard/index.html").exists();
    if !built && std::env::var("PROFILE").as_deref() == Ok("release") {
        println!(
            "cargo:warning=the dashboard is not built (ui/dist-dashboard): this binary will serve no dashboard; run (cd ui && npm run build) first"
        );
    }
}
