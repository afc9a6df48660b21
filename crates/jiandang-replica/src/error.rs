//! The replica's errors. Each has a stable `code` and a zh-CN message for the app.

use jiandang_protocol::ErrorCode;

/// What went wrong in the replica or its sync.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("本机数据库出错：{0}")]
    Database(#[from] rusqlite::Error),
    #[error("读写本机文件出错：{0}")]
    Io(#[from] std::io::Error),
    #[error("数据格式有误：{0}")]
    Json(#[from] serde_json::Error),
    #[error("没有找到该记录")]
    NotFound,
    #[error("记录与已有记录的类型或所属村不一致")]
    RecordMismatch,
    #[error("本机尚未登记到服务器，请先联网登录")]
    NotEnrolled,
    /// A form's answer that does not fit its field (the path names it).
    #[error("表单中“{0}”的填写有误")]
    Form(String),
    /// No year's policy from the county yet: the device judges only by the county's own.
    #[error("本机还没有县里的本年度政策，请先联网同步一次")]
    NoPolicy,
    #[error("网络不通或连接中断，稍后会自动重试：{0}")]
    Network(String),
    #[error("{message}")]
    Server {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// A server address over plain `http://` that is not this machine: passwords and tokens
    /// go only over HTTPS ([`crate::sync::require_secure`]).
    #[error(
        "服务器地址 {0} 未加密（http://）。为保护密码和登录凭证，请使用 https:// 开头的县级服务器地址"
    )]
    InsecureServer(String),
    #[error("服务器答复无法识别：{0}")]
    BadResponse(String),
    /// A file refused as a photo; the message says what to do instead.
    #[error("{0}")]
    Photo(#[from] crate::photo::Refusal),
    /// The encoder failed on a decoded picture (it writes to memory: not expected to
    /// happen); the cause is in the log.
    #[error("照片压缩失败，请重新拍照")]
    PhotoEncode(String),
    #[error("服务器上的照片校验不一致，将重新上传")]
    BlobMismatch,
    /// A field over the limits the server keeps (`jiandang_protocol::limits`): refused
    /// here, at once, rather than by the server days later.
    #[error("字段 {path} 无法保存：{error}")]
    FieldLimit {
        path: String,
        error: jiandang_protocol::LimitError,
    },
    /// The platform's key store refused or failed (its words hold no personal data).
    #[error("无法读取本机密钥库：{0}")]
    KeyStore(crate::keystore::KeyStoreError),
    /// The replica file is encrypted and its key is gone (or does not open it).
    #[error("本机数据已加密，但密钥已丢失，无法打开；请联系县里重新登记本机")]
    ReplicaLocked,
    /// Erasing was asked of a plain (unencrypted) replica, which only tests open.
    #[error("本机数据库未加密")]
    NotEncrypted,
}

impl Error {
    /// The stable machine code the app matches on (never the message).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Database(_) | Error::Io(_) => "storage",
            Error::Json(_) => "bad_data",
            Error::NotFound => "not_found",
            Error::RecordMismatch => "record_mismatch",
            Error::NotEnrolled => "not_enrolled",
            Error::NoPolicy => "no_policy",
            Error::Form(_) => "bad_input",
            Error::Network(_) => "network",
            Error::Server { code, .. } => code.as_str(),
            Error::InsecureServer(_) => "insecure_server",
            Error::BadResponse(_) => "bad_response",
            Error::Photo(refusal) => refusal.code(),
            Error::PhotoEncode(_) => "photo_encode",
            Error::BlobMismatch => "blob_mismatch",
            Error::FieldLimit { .. } => "field_limit",
            Error::KeyStore(_) => "key_store",
            Error::ReplicaLocked => "replica_locked",
            Error::NotEncrypted => "not_encrypted",
        }
    }

    /// Whether trying again later may succeed (a cut, a timeout, a server restart).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Network(_) | Error::BadResponse(_) | Error::BlobMismatch => true,
            Error::Server { status, .. } => *status >= 500 || *status == 409 || *status == 429,
            _ => false,
        }
    }
}
