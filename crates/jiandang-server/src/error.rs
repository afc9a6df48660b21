//! The one error type of the handlers: a stable code and a zh-CN message on the wire, the
//! internal cause in the log only.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiandang_protocol::{ApiError, ErrorCode};

/// An error answer. `cause` is logged, never sent.
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    cause: Option<String>,
    /// The bytes of a blob held, for a 409 on a blob upload.
    upload_offset: Option<u64>,
    /// Seconds to wait, for a 429 (`Retry-After`).
    retry_after: Option<u64>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
            cause: None,
            upload_offset: None,
            retry_after: None,
        }
    }

    pub fn internal(cause: impl Into<String>) -> AppError {
        AppError {
            cause: Some(cause.into()),
            ..AppError::new(ErrorCode::Internal, "服务器内部错误，请稍后重试")
        }
    }

    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::BadRequest, message)
    }

    pub fn unauthorized() -> AppError {
        AppError::new(
            ErrorCode::Unauthorized,
            "未登录或登录已失效，请重新登录本设备",
        )
    }

    pub fn forbidden() -> AppError {
        AppError::new(ErrorCode::Forbidden, "当前角色无权进行此操作")
    }

    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::NotFound, message)
    }

    /// The internal cause, for a command line tool that reports it (never sent on the wire).
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    pub fn with_upload_offset(mut self, held: u64) -> AppError {
        self.upload_offset = Some(held);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> AppError {
        self.retry_after = Some(seconds);
        self
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> AppError {
        AppError::internal(format!("sqlite: {e}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> AppError {
        AppError::internal(format!("json: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.code.as_str(), cause = %cause, "request failed");
        } else {
            tracing::debug!(code = self.code.as_str(), "request refused");
        }
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ApiError::new(self.code, self.message);
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(held) = self.upload_offset {
            response
                .headers_mut()
                .insert("Upload-Offset", HeaderValue::from(held));
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
