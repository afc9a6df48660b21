//! What a command fails with, as the UI sees it: `{code, message}`, a stable machine code
//! and a zh-CN sentence. The UI matches on `code`, never on the message.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CmdError {
    pub code: String,
    pub message: String,
}

pub type CmdResult<T> = Result<T, CmdError>;

impl CmdError {
    pub fn new(code: &str, message: impl Into<String>) -> CmdError {
        CmdError {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn bad_input(message: impl Into<String>) -> CmdError {
        CmdError::new("bad_input", message)
    }
}

impl From<jiandang_replica::Error> for CmdError {
    fn from(e: jiandang_replica::Error) -> CmdError {
        let code = e.code();
        // A dead network is the everyday case in the village: say it plainly.
        let message = match &e {
            jiandang_replica::Error::Network(_) => {
                "无法连接县服务器。修改已保存在本机，联网后会自动同步。".to_owned()
            }
            other => other.to_string(),
        };
        CmdError {
            code: code.to_owned(),
            message,
        }
    }
}

impl From<tauri::Error> for CmdError {
    fn from(e: tauri::Error) -> CmdError {
        CmdError::new("internal", format!("应用内部错误：{e}"))
    }
}

impl From<serde_json::Error> for CmdError {
    fn from(e: serde_json::Error) -> CmdError {
        CmdError::new("bad_data", format!("数据格式有误：{e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_shape_is_code_and_message() {
        let e = CmdError::new("not_found", "没有找到该记录");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "not_found", "message": "没有找到该记录"})
        );
    }

    #[test]
    fn a_network_error_says_the_edits_are_kept() {
        let e: CmdError = jiandang_replica::Error::Network("connection refused".into()).into();
        assert_eq!(e.code, "network");
        assert!(e.message.contains("无法连接县服务器"), "{}", e.message);
    }
}
