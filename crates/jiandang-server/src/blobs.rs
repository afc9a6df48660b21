//! Photo blobs, named by the SHA-256 of their bytes and uploaded in chunks that resume
//! where the server's copy ends: `HEAD` says how much is held, `PUT` appends a chunk at
//! exactly that offset, and the last chunk is verified against the name.
//!
//! A blob belongs to the photo records that name it, and so to their villages: it may be
//! read, and uploaded, by a caller who may see one of those records (the device pushes a
//! photo's record before its bytes). A partial upload is its uploader's own, invisible to
//! others and expiring after [`PARTIAL_TTL_MS`]: nobody can block another's upload by
//! sending junk under the photo's name first. A complete blob is verified, and shared.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiandang_protocol::{BlobStatus, ErrorCode, PROTOCOL_VERSION};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::body_error;
use crate::storage::Store;

/// Largest blob (a photo scaled to 1600 px is far below).
pub const MAX_BLOB: u64 = 8 * 1024 * 1024;
/// Largest chunk of one `PUT`.
pub const MAX_CHUNK: usize = 1024 * 1024;

/// The query of a `PUT`.
#[derive(Debug, Deserialize)]
pub struct PutQuery {
    pub offset: u64,
    pub total: u64,
}

/// `HEAD /api/v1/blobs/{sha256}`: 200 with `Upload-Offset` and `Upload-Complete`, or 404.
/// A complete blob shows to whoever may read it; a partial only to its uploader.
pub async fn head(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
) -> Result<Response, AppError> {
    let sha = check_name(&sha)?;
    let since = state.clock.now_ms().saturating_sub(PARTIAL_TTL_MS);
    let held = state
        .db
        .read(move |conn| {
            if let Some(total) = complete(conn, &sha)?
                && may_read(conn, &caller, &sha)?
            {
                return Ok(Some((total, true)));
            }
            Ok(partial(conn, &sha, &caller, since)?.map(|(held, _)| (held, false)))
        })
        .await?;
    match held {
        Some((held, complete)) => Ok(status_headers(held, complete).into_response()),
        None => Ok(StatusCode::NOT_FOUND.into_response()),
    }
}

/// `GET /api/v1/blobs/{sha256}`: the bytes of a complete blob a photo record of the
/// caller's villages names (else 404, the same as for a blob that does not exist).
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
) -> Result<Response, AppError> {
    let sha = check_name(&sha)?;
    let bytes: Option<Vec<u8>> = state
        .db
        .read(move |conn| {
            if !may_read(conn, &caller, &sha)? {
                return Ok(None);
            }
            Ok(conn
                .prepare_cached("SELECT bytes FROM blobs WHERE sha256 = ?1 AND complete = 1")?
                .query_row([&sha], |r| r.get(0))
                .optional()?)
        })
        .await?;
    let bytes = bytes.ok_or_else(|| AppError::not_found("没有这个文件，或尚未上传完整"))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok((headers, bytes).into_response())
}

/// `PUT /api/v1/blobs/{sha256}?offset=N&total=T`: appends the body (`application/
/// octet-stream`) at `N` of the caller's own partial upload. Only a blob a photo record of
/// the caller's villages names may be uploaded: the device pushes the record first.
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    headers: HeaderMap,
    query: Result<Query<PutQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let sha = check_name(&sha)?;
    require_octet_stream(&headers)?;
    let Query(PutQuery { offset, total }) =
        query.map_err(|_| AppError::bad_request("offset 和 total 应为非负整数"))?;
    if total > MAX_BLOB {
        return Err(AppError::new(
            ErrorCode::TooLarge,
            format!("文件太大（上限 {} MiB）", MAX_BLOB / 1024 / 1024),
        ));
    }
    let chunk = body.map_err(|r| body_error(r.status()))?;
    if chunk.len() > MAX_CHUNK {
        return Err(AppError::new(
            ErrorCode::TooLarge,
            "单次上传的分块太大（上限 1 MiB）",
        ));
    }
    let len = chunk.len() as u64;
    // Checked: an offset near 2^64 wrapped (or panicked, in a debug build) here.
    let end = offset
        .checked_add(len)
        .filter(|end| *end <= total)
        .ok_or_else(|| AppError::bad_request("分块超出文件总长度"))?;
    if len == 0 && offset != total {
        return Err(AppError::bad_request("分块为空"));
    }
    let now = state.clock.now_ms();
    let upload = Upload {
        sha,
        uploader: caller.user_id.to_string(),
        offset,
        end,
        total,
        now,
    };
    let status = state
        .db
        .call(move |conn| append(conn, &caller, &upload, &chunk))
        .await?;
    let mut response = Json(&status).into_response();
    response
        .headers_mut()
        .extend(status_headers(status.held, status.complete));
    Ok(response)
}

/// How long a partial upload is kept after its last chunk: a phone that comes back within
/// three days goes on where it stopped; after that it starts the photo again.
pub const PARTIAL_TTL_MS: i64 = 72 * 3_600_000;

/// One chunk being appended.
struct Upload {
    sha: String,
    uploader: String,
    offset: u64,
    end: u64,
    total: u64,
    now: i64,
}

fn append(
    conn: &mut Connection,
    caller: &Caller,
    up: &Upload,
    chunk: &[u8],
) -> Result<BlobStatus, AppError> {
    let tx = conn.transaction()?;
    let status = |held: u64, complete: bool| BlobStatus {
        protocol: PROTOCOL_VERSION,
        sha256: up.sha.clone(),
        held,
        total: up.total,
        complete,
    };
    if !may_read(&tx, caller, &up.sha)? {
        return Err(AppError::new(
            ErrorCode::ForbiddenVillage,
            "本人所在村没有照片记录引用这个文件：请先同步照片记录，再上传照片",
        ));
    }
    // Expired partials go (anyone's: they hold nothing anyone can read).
    tx.prepare_cached("DELETE FROM blob_uploads WHERE updated_ms < ?1")?
        .execute([up.now.saturating_sub(PARTIAL_TTL_MS)])?;
    if let Some(total) = complete(&tx, &up.sha)? {
        return Ok(BlobStatus {
            total,
            ..status(total, true)
        });
    }
    match partial(&tx, &up.sha, caller, i64::MIN)? {
        Some((held, held_total)) => {
            if held_total != up.total {
                return Err(
                    AppError::new(ErrorCode::Conflict, "文件总长度与已上传部分不一致")
                        .with_upload_offset(held),
                );
            }
            if held != up.offset {
                return Err(offset_error(held));
            }
            tx.prepare_cached(
                "UPDATE blob_uploads SET held = ?3, updated_ms = ?4
                 WHERE sha256 = ?1 AND uploader = ?2",
            )?
            .execute(params![up.sha, up.uploader, up.end, up.now])?;
        }
        None => {
            if up.offset != 0 {
                return Err(offset_error(0));
            }
            tx.prepare_cached(
                "INSERT INTO blob_uploads (sha256, uploader, total, held, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![up.sha, up.uploader, up.total, up.end, up.now])?;
        }
    }
    tx.prepare_cached(
        "INSERT INTO blob_upload_chunks (sha256, uploader, offset, bytes) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![up.sha, up.uploader, up.offset, chunk])?;
    if up.end < up.total {
        tx.commit()?;
        return Ok(status(up.end, false));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(up.total).unwrap_or(0));
    {
        let mut stmt = tx.prepare_cached(
            "SELECT bytes FROM blob_upload_chunks WHERE sha256 = ?1 AND uploader = ?2
             ORDER BY offset",
        )?;
        let mut rows = stmt.query(params![up.sha, up.uploader])?;
        while let Some(row) = rows.next()? {
            bytes.extend_from_slice(
                row.get_ref(0)?
                    .as_blob()
                    .map_err(|e| AppError::internal(format!("blob chunk: {e}")))?,
            );
        }
    }
    let ok = hex::encode(Sha256::digest(&bytes)) == up.sha;
    if !ok {
        // Only the caller's own partial goes: nobody else's upload is touched.
        tx.prepare_cached("DELETE FROM blob_uploads WHERE sha256 = ?1 AND uploader = ?2")?
            .execute(params![up.sha, up.uploader])?;
        tx.commit()?;
        return Err(AppError::new(
            ErrorCode::BlobMismatch,
            "文件校验失败（SHA-256 不符），已丢弃，请重新上传",
        ));
    }
    tx.prepare_cached(
        "INSERT INTO blobs (sha256, total, held, bytes, complete, uploaded_by, updated_ms)
         VALUES (?1, ?2, ?2, ?3, 1, ?4, ?5)",
    )?
    .execute(params![up.sha, up.total, bytes, up.uploader, up.now])?;
    // The verified blob serves everyone: every partial of it is moot now.
    tx.prepare_cached("DELETE FROM blob_uploads WHERE sha256 = ?1")?
        .execute([&up.sha])?;
    tx.commit()?;
    Ok(status(up.total, true))
}

/// Whether the caller may read (and so upload) a blob: a photo record of one of the
/// caller's villages names it, as its photo or its thumbnail. Blobs have no village of
/// their own; they have the villages of the photos that show them.
fn may_read(conn: &Connection, caller: &Caller, sha: &str) -> Result<bool, AppError> {
    Ok(Store::new(conn)
        .villages_showing(sha)?
        .into_iter()
        .any(|v| caller.may_access(v)))
}

/// The total of a complete blob, if the server holds one.
fn complete(conn: &Connection, sha: &str) -> Result<Option<u64>, AppError> {
    Ok(conn
        .prepare_cached("SELECT total FROM blobs WHERE sha256 = ?1 AND complete = 1")?
        .query_row([sha], |r| r.get(0))
        .optional()?)
}

/// `(held, total)` of the caller's own partial upload, if it was touched after `since`.
fn partial(
    conn: &Connection,
    sha: &str,
    caller: &Caller,
    since: i64,
) -> Result<Option<(u64, u64)>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT held, total FROM blob_uploads
             WHERE sha256 = ?1 AND uploader = ?2 AND updated_ms >= ?3",
        )?
        .query_row(params![sha, caller.user_id.to_string(), since], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// A chunk is raw bytes: `Content-Type: application/octet-stream`, else 415.
fn require_octet_stream(headers: &HeaderMap) -> Result<(), AppError> {
    let kind = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if kind.as_deref() == Some("application/octet-stream") {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::UnsupportedMediaType,
            "上传内容类型应为 application/octet-stream",
        ))
    }
}

fn offset_error(held: u64) -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        format!("上传位置不对：服务器已有 {held} 字节，请从该位置继续"),
    )
    .with_upload_offset(held)
}

fn status_headers(held: u64, complete: bool) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("Upload-Offset", HeaderValue::from(held));
    headers.insert(
        "Upload-Complete",
        HeaderValue::from_static(if complete { "?1" } else { "?0" }),
    );
    headers
}

/// A blob's name is the lowercase hex SHA-256 of its bytes.
fn check_name(sha: &str) -> Result<String, AppError> {
    if sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(sha.to_owned())
    } else {
        Err(AppError::bad_request(
            "文件名应为 64 位小写十六进制 SHA-256",
        ))
    }
}
