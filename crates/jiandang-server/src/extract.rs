//! The request side of the wire: a JSON extractor whose every rejection speaks our error
//! format, and the protocol-version check. A request refused here never reaches a handler,
//! so it changes nothing.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiandang_protocol::{ErrorCode, PROTOCOL_HEADER, PROTOCOL_VERSION};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::AppError;

/// A JSON body of protocol version [`PROTOCOL_VERSION`]: not `Content-Type:
/// application/json` → 415 `unsupported_media_type`, malformed → 400 `bad_request`, over the
/// body limit → 413 `too_large`, another version → 426 `protocol_version`.
pub struct Wire<T>(pub T);

impl<S, T> FromRequest<S> for Wire<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Wire<T>, AppError> {
        if !is_json(req.headers()) {
            return Err(AppError::new(
                ErrorCode::UnsupportedMediaType,
                "请求内容类型应为 application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| body_error(rejection.status()))?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|_| AppError::bad_request("请求内容不是有效的 JSON"))?;
        match value.get("protocol").and_then(Value::as_u64) {
            Some(v) if v == u64::from(PROTOCOL_VERSION) => {}
            Some(_) => return Err(version_error()),
            None => {
                return Err(AppError::bad_request("请求缺少协议版本字段 protocol"));
            }
        }
        let message = serde_json::from_value(value)
            .map_err(|e| AppError::bad_request(format!("请求内容格式不对：{e}")))?;
        Ok(Wire(message))
    }
}

/// Whether the request says its body is JSON (`application/json`, parameters allowed).
/// Checked so that a body sent as anything else (a form post from a browser page, say) is
/// never taken for a message.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// The error for a body that could not be read.
pub fn body_error(status: StatusCode) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(ErrorCode::TooLarge, "请求内容太大")
    } else {
        AppError::bad_request("请求内容读取失败")
    }
}

/// Refuses a request whose `Jiandang-Protocol` header names another version. A request
/// without the header (a browser fetching a photo) passes; JSON bodies carry the version too.
pub async fn check_protocol_header(req: Request, next: Next) -> Response {
    if let Some(value) = req.headers().get(PROTOCOL_HEADER)
        && value.to_str().ok().map(str::trim) != Some(PROTOCOL_VERSION.to_string().as_str())
    {
        return version_error().into_response();
    }
    next.run(req).await
}

fn version_error() -> AppError {
    AppError::new(
        ErrorCode::ProtocolVersion,
        format!("应用版本与服务器不一致（服务器协议版本 {PROTOCOL_VERSION}），请更新应用"),
    )
}
