//! Photo blobs, named by the SHA-256 of their bytes and uploaded in chunks that resume
//! where the server's copy ends: `HEAD` says how much is held, `PUT` appends a chunk at
//! exactly that offset, and the last chunk is verified against the name.

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
pub async fn head(
    State(state): State<AppState>,
    _caller: Caller,
    Path(sha): Path<String>,
) -> Result<Response, AppError> {
    let sha = check_name(&sha)?;
    let held = state.db.read(move |conn| held(conn, &sha)).await?;
    match held {
        Some((held, _total, complete)) => Ok(status_headers(held, complete).into_response()),
        None => Ok(StatusCode::NOT_FOUND.into_response()),
    }
}

/// `GET /api/v1/blobs/{sha256}`: the bytes of a complete blob.
pub async fn get(
    State(state): State<AppState>,
    _caller: Caller,
    Path(sha): Path<String>,
) -> Result<Response, AppError> {
    let sha = check_name(&sha)?;
    let bytes: Option<Vec<u8>> = state
        .db
        .read(move |conn| {
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

/// `PUT /api/v1/blobs/{sha256}?offset=N&total=T`: appends the body at `N`.
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    query: Result<Query<PutQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let sha = check_name(&sha)?;
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
    if offset + len > total {
        return Err(AppError::bad_request("分块超出文件总长度"));
    }
    if len == 0 && offset != total {
        return Err(AppError::bad_request("分块为空"));
    }
    let now = state.clock.now_ms();
    let user = caller.user_id.to_string();
    let status = state
        .db
        .call(move |conn| append(conn, &sha, offset, total, &chunk, &user, now))
        .await?;
    let mut response = Json(&status).into_response();
    response
        .headers_mut()
        .extend(status_headers(status.held, status.complete));
    Ok(response)
}

fn append(
    conn: &mut Connection,
    sha: &str,
    offset: u64,
    total: u64,
    chunk: &[u8],
    user: &str,
    now: i64,
) -> Result<BlobStatus, AppError> {
    let tx = conn.transaction()?;
    let status = |held: u64, complete: bool| BlobStatus {
        protocol: PROTOCOL_VERSION,
        sha256: sha.to_owned(),
        held,
        total,
        complete,
    };
    match held(&tx, sha)? {
        Some((held, _, true)) => return Ok(status(held, true)),
        Some((held, held_total, false)) => {
            if held_total != total {
                return Err(
                    AppError::new(ErrorCode::Conflict, "文件总长度与已上传部分不一致")
                        .with_upload_offset(held),
                );
            }
            if held != offset {
                return Err(offset_error(held));
            }
            tx.prepare_cached(
                "UPDATE blobs SET held = held + ?2, updated_ms = ?3 WHERE sha256 = ?1",
            )?
            .execute(params![sha, chunk.len() as u64, now])?;
        }
        None => {
            if offset != 0 {
                return Err(offset_error(0));
            }
            tx.prepare_cached(
                "INSERT INTO blobs (sha256, total, held, complete, uploaded_by, updated_ms)
                 VALUES (?1, ?2, ?3, 0, ?4, ?5)",
            )?
            .execute(params![sha, total, chunk.len() as u64, user, now])?;
        }
    }
    tx.prepare_cached("INSERT INTO blob_chunks (sha256, offset, bytes) VALUES (?1, ?2, ?3)")?
        .execute(params![sha, offset, chunk])?;
    let held_now = offset + chunk.len() as u64;
    if held_now < total {
        tx.commit()?;
        return Ok(status(held_now, false));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    {
        let mut stmt =
            tx.prepare_cached("SELECT bytes FROM blob_chunks WHERE sha256 = ?1 ORDER BY offset")?;
        let mut rows = stmt.query([sha])?;
        while let Some(row) = rows.next()? {
            bytes.extend_from_slice(
                row.get_ref(0)?
                    .as_blob()
                    .map_err(|e| AppError::internal(format!("blob chunk: {e}")))?,
            );
        }
    }
    let ok = hex::encode(Sha256::digest(&bytes)) == sha;
    tx.prepare_cached("DELETE FROM blob_chunks WHERE sha256 = ?1")?
        .execute([sha])?;
    if !ok {
        tx.prepare_cached("DELETE FROM blobs WHERE sha256 = ?1")?
            .execute([sha])?;
        tx.commit()?;
        return Err(AppError::new(
            ErrorCode::BlobMismatch,
            "文件校验失败（SHA-256 不符），已丢弃，请重新上传",
        ));
    }
    tx.prepare_cached("UPDATE blobs SET complete = 1, bytes = ?2 WHERE sha256 = ?1")?
        .execute(params![sha, bytes])?;
    tx.commit()?;
    Ok(status(total, true))
}

/// `(held, total, complete)` of a blob, if any part is held.
fn held(conn: &Connection, sha: &str) -> Result<Option<(u64, u64, bool)>, AppError> {
    Ok(conn
        .prepare_cached("SELECT held, total, complete FROM blobs WHERE sha256 = ?1")?
        .query_row([sha], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
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
