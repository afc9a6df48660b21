//! Photo blobs belong to the photo records that name them, so to villages (issue 11, items 4
//! and 5): read and written only by a caller who may see such a record; a partial upload is
//! its uploader's own and expires, so nobody can block another's upload.

mod support;

use axum::http::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{At, County, Token, outcome};
use uuid::Uuid;

const OCTETS: [(&str, &str); 2] = [
    ("Content-Type", "application/octet-stream"),
    ("Jiandang-Protocol", "2"),
];

/// A photo record of `village` naming the blob `sha`, pushed by `who`.
async fn photo_record(county: &County, who: &Token, village: Uuid, sha: &str) {
    let at = At {
        record: Uuid::new_v4(),
        kind: "photo",
        village,
    };
    let answer = county
        .push(who, vec![county.change(who, &at, "sha256", json!(sha), 0)])
        .await;
    assert_eq!(outcome(&answer, 0)["status"], "accepted", "{answer}");
}

async fn put(
    county: &County,
    who: &Token,
    sha: &str,
    offset: u64,
    total: u64,
    chunk: &[u8],
) -> (StatusCode, Value, Option<u64>) {
    let uri = format!("/api/v1/blobs/{sha}?offset={offset}&total={total}");
    let (status, headers, body) = county
        .send(
            "PUT",
            &uri,
            Some(&who.token),
            &OCTETS,
            Some(chunk.to_vec()),
            None,
        )
        .await;
    let held = headers
        .get("Upload-Offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        held,
    )
}

/// `HEAD`: the status and the offset held.
async fn head(county: &County, who: &Token, sha: &str) -> (StatusCode, Option<u64>) {
    let (status, headers, _) = county
        .send(
            "HEAD",
            &format!("/api/v1/blobs/{sha}"),
            Some(&who.token),
            &[],
            None,
            None,
        )
        .await;
    let held = headers
        .get("Upload-Offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, held)
}

async fn get(county: &County, who: &Token, sha: &str) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = county
        .send(
            "GET",
            &format!("/api/v1/blobs/{sha}"),
            Some(&who.token),
            &[],
            None,
            None,
        )
        .await;
    (status, body)
}

fn photo_bytes(seed: u8) -> (Vec<u8>, String) {
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8 ^ seed).collect();
    let sha = hex::encode(Sha256::digest(&bytes));
    (bytes, sha)
}

#[tokio::test]
async fn a_photo_is_read_only_by_callers_who_may_see_its_record() {
    let county = County::new().await;
    let worker = county.enroll("worker_a").await;
    let (bytes, sha) = photo_bytes(1);
    photo_record(&county, &worker, county.village_a, &sha).await;
    let (status, body, _) = put(&county, &worker, &sha, 0, bytes.len() as u64, &bytes).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    for (user, sees) in [
        ("worker_a", true),
        ("team_a", true),
        // A supervisor sees nothing of its villages' register: a spot-check stays blind.
        ("super_a", false),
        ("admin", true),
        ("worker_b", false),
    ] {
        let who = county.enroll(user).await;
        let (status, got) = get(&county, &who, &sha).await;
        let (head_status, _) = head(&county, &who, &sha).await;
        if sees {
            assert_eq!((status, got == bytes), (StatusCode::OK, true), "{user}");
            assert_eq!(head_status, StatusCode::OK, "{user}");
        } else {
            // The same answer as for a blob that does not exist: nothing to probe.
            assert_eq!(
                (status, head_status),
                (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
                "{user}"
            );
        }
    }
    // Village B may not upload it either, nor a blob no record names.
    let outsider = county.enroll("worker_b").await;
    let (status, body, _) = put(&county, &outsider, &sha, 0, 3, b"abc").await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden_village"))
    );
    let (_, unnamed) = photo_bytes(2);
    let (status, _, _) = put(&county, &worker, &unnamed, 0, 3, b"abc").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn junk_sent_first_under_a_photos_name_does_not_block_its_owner() {
    let county = County::new().await;
    let owner = county.enroll("worker_a").await;
    let squatter = county.enroll("worker_b").await;
    let (bytes, sha) = photo_bytes(3);
    photo_record(&county, &owner, county.village_a, &sha).await;
    // The squatter learnt the photo's hash and names it from a record of its own village,
    // then sends junk under it with another total.
    photo_record(&county, &squatter, county.village_b, &sha).await;
    let (status, _, _) = put(&county, &squatter, &sha, 0, 1_000, &[0u8; 500]).await;
    assert_eq!(status, StatusCode::OK);

    // The owner sees nothing held, uploads from 0 in two chunks, and the blob verifies.
    assert_eq!(
        head(&county, &owner, &sha).await,
        (StatusCode::NOT_FOUND, None)
    );
    let half = bytes.len() / 2;
    let total = bytes.len() as u64;
    let (status, body, held) = put(&county, &owner, &sha, 0, total, &bytes[..half]).await;
    assert_eq!(
        (status, held),
        (StatusCode::OK, Some(half as u64)),
        "{body}"
    );
    // The squatter's part is still the squatter's, and the owner's is the owner's.
    assert_eq!(
        head(&county, &squatter, &sha).await,
        (StatusCode::OK, Some(500))
    );
    assert_eq!(
        head(&county, &owner, &sha).await,
        (StatusCode::OK, Some(half as u64))
    );
    let (status, body, _) = put(&county, &owner, &sha, half as u64, total, &bytes[half..]).await;
    assert_eq!(
        (status, body["complete"].clone()),
        (StatusCode::OK, json!(true)),
        "{body}"
    );
    assert_eq!(
        get(&county, &owner, &sha).await,
        (StatusCode::OK, bytes.clone())
    );
    // The squatter's partial is moot; its next chunk hears the blob is complete.
    let (status, body, _) = put(&county, &squatter, &sha, 500, 1_000, &[0u8; 500]).await;
    assert_eq!(
        (status, body["complete"].clone()),
        (StatusCode::OK, json!(true))
    );
    assert_eq!(get(&county, &owner, &sha).await.1, bytes);
}

#[tokio::test]
async fn a_partial_upload_expires_and_the_upload_starts_again() {
    let county = County::new().await;
    let owner = county.enroll("worker_a").await;
    let (bytes, sha) = photo_bytes(4);
    photo_record(&county, &owner, county.village_a, &sha).await;
    let total = bytes.len() as u64;
    let (status, _, _) = put(&county, &owner, &sha, 0, total, &bytes[..1000]).await;
    assert_eq!(status, StatusCode::OK);
    county
        .clock
        .advance(jiandang_server::blobs::PARTIAL_TTL_MS + 1);
    assert_eq!(
        head(&county, &owner, &sha).await,
        (StatusCode::NOT_FOUND, None)
    );
    let (status, _, held) = put(&county, &owner, &sha, 1000, total, &bytes[1000..2000]).await;
    assert_eq!((status, held), (StatusCode::CONFLICT, Some(0)));
    let (status, body, _) = put(&county, &owner, &sha, 0, total, &bytes).await;
    assert_eq!(
        (status, body["complete"].clone()),
        (StatusCode::OK, json!(true))
    );
}
