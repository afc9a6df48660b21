//! Errors that cross HTTP: a stable machine code and a zh-CN message for the person.

use serde::{Deserialize, Serialize};

use crate::PROTOCOL_VERSION;

/// The stable machine code of an error or of a refused change. Never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No token, an unknown or revoked token, or a wrong user name or password (401).
    Unauthorized,
    /// The user's role may not do this (403).
    Forbidden,
    /// The user is not assigned the record's village (403).
    ForbiddenVillage,
    /// The entry window is closed for this village (403).
    EntryClosed,
    /// The peer speaks another protocol version (426).
    ProtocolVersion,
    /// The request is malformed (400).
    BadRequest,
    /// The body or blob is over its size limit (413).
    TooLarge,
    /// No such record, blob, conflict or user (404).
    NotFound,
    /// The request clashes with the server's state, e.g. a blob offset or a taken name (409).
    Conflict,
    /// A domain rule refuses the change, e.g. an exit that fails the standard (422).
    RuleRefused,
    /// An uploaded blob's bytes do not hash to its name (422).
    BlobMismatch,
    /// A change's clock stamp is further ahead of the server's clock than
    /// [`crate::CLOCK_TOLERANCE_MS`]: the device's clock is fast. The whole set is refused;
    /// the device stamps its waiting changes again by the server's time (the answer's
    /// [`crate::SERVER_TIME_HEADER`]) and resends them (422).
    ClockSkew,
    /// Too many failed sign-ins for this user name or from this address: try again after
    /// the answer's `Retry-After` seconds (429).
    TooManyAttempts,
    /// The request body is not of the content type the endpoint takes (415).
    UnsupportedMediaType,
    /// The county marked this device lost (`POST /api/v1/admin/devices/{id}/lost`): the
    /// device reports what it had not sent (`POST /api/v1/device/loss-report`) and erases its
    /// replica, key and photos (410).
    DeviceLost,
    /// The server failed; the request may be retried (500).
    Internal,
}

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden | ErrorCode::ForbiddenVillage | ErrorCode::EntryClosed => 403,
            ErrorCode::ProtocolVersion => 426,
            ErrorCode::BadRequest => 400,
            ErrorCode::TooLarge => 413,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::RuleRefused | ErrorCode::BlobMismatch | ErrorCode::ClockSkew => 422,
            ErrorCode::TooManyAttempts => 429,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::DeviceLost => 410,
            ErrorCode::Internal => 500,
        }
    }

    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::ForbiddenVillage => "forbidden_village",
            ErrorCode::EntryClosed => "entry_closed",
            ErrorCode::ProtocolVersion => "protocol_version",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RuleRefused => "rule_refused",
            ErrorCode::BlobMismatch => "blob_mismatch",
            ErrorCode::ClockSkew => "clock_skew",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::DeviceLost => "device_lost",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The body of every error answer: `{"protocol":2,"code":"...","message":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub protocol: u32,
    pub code: ErrorCode,
    /// What went wrong and what to do, in zh-CN. The UI never matches on it.
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            protocol: PROTOCOL_VERSION,
            code,
            message: message.into(),
        }
    }
}
