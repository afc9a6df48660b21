//! The blob upload: a sequence of `PUT`s (any offset, total, content type, chunk of the
//! real photo or junk) to a blob a photo record names, to one no record names, and to a bad
//! name, through the real router. Oracles: never a 5xx; a blob the server serves hashes to
//! its name.

#![no_main]

use std::sync::OnceLock;

use arbitrary::Unstructured;
use jiandang_fuzz::{assert_not_failed, county};
use jiandang_protocol::Hlc;
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The photo's bytes and name, its record pushed once.
fn photo() -> &'static (Vec<u8>, String) {
    static PHOTO: OnceLock<(Vec<u8>, String)> = OnceLock::new();
    PHOTO.get_or_init(|| {
        let c = county();
        let bytes: Vec<u8> = (0..3_000u32).map(|i| (i % 253) as u8).collect();
        let sha = hex::encode(Sha256::digest(&bytes));
        let set = json!({"protocol": 2, "change_set_id": Uuid::new_v4(), "device_id": c.device,
            "changes": [{"change_id": Uuid::new_v4(), "record_id": Uuid::new_v4(), "kind": "photo",
                "village_id": c.village_a, "field": "sha256", "old": null, "new": sha, "base_seq": 0,
                "hlc": Hlc { wall_ms: c.now_ms, counter: 0, node: c.device.to_string() }}]});
        let (status, _) = c.send("POST", "/api/v1/push", "application/json", set.to_string().into_bytes());
        assert!(status.is_success());
        (bytes, sha)
    })
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let c = county();
    let (bytes, sha) = photo();
    let unnamed = "cd".repeat(32);
    let steps = u.int_in_range(1..=8)?;
    for _ in 0..steps {
        let name = match u.int_in_range(0..=5)? {
            0 => unnamed.clone(),
            1 => u.arbitrary::<String>()?,
            _ => sha.clone(),
        };
        let (offset, total, chunk): (u64, u64, Vec<u8>) = if u.ratio(2, 3)? {
            // A slice of the real photo at its place.
            let start = u.int_in_range(0..=bytes.len())?;
            let end = u.int_in_range(start..=bytes.len())?;
            (start as u64, bytes.len() as u64, bytes[start..end].to_vec())
        } else {
            (u.arbitrary()?, u.arbitrary()?, u.arbitrary()?)
        };
        let content_type = if u.ratio(7, 8)? {
            "application/octet-stream"
        } else {
            "application/json"
        };
        let uri = format!("/api/v1/blobs/{name}?offset={offset}&total={total}");
        if !uri.is_ascii() || uri.contains(['#', '?', ' ', '/', '%']) && !name.is_ascii() {
            continue;
        }
        let Ok(uri) = uri.parse::<axum::http::Uri>() else {
            continue;
        };
        let (status, answer) = c.send("PUT", &uri.to_string(), content_type, chunk);
        assert_not_failed(status, &answer);
    }
    let (status, got) = c.send(
        "GET",
        &format!("/api/v1/blobs/{sha}"),
        "application/json",
        Vec::new(),
    );
    assert_not_failed(status, &got);
    if status.is_success() {
        assert_eq!(
            &hex::encode(Sha256::digest(&got)),
            sha,
            "the served blob hashes to its name"
        );
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
