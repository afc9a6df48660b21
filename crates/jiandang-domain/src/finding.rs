//! Findings: what a rule says about a record. Every rule in this crate returns them; the
//! app shows them beside the field, the server stores them, `jiandang check` prints them.

use serde::{Deserialize, Serialize};

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informs; the action goes on (a collector may confirm it with a note).
    Warning,
    /// Blocks the action (save, submit, exit, registration).
    Error,
}

/// One thing a rule found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable machine code, e.g. `exit.no_worries_unresolved`. Never changes meaning.
    pub code: String,
    pub severity: Severity,
    /// Dot path of the field the finding is about, in the record's JSON form
    /// (`members[2].id_number`, `income.wage`), or empty for the record as a whole.
    pub path: String,
    /// What is wrong and what to do, in zh-CN, for the collector. No names or ID numbers.
    pub message: String,
    /// The NOTICE.md requirement the rule enforces (`W2`), or FORMS.md section (`§7.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
}

impl Finding {
    pub fn error(code: &str, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Error, code, path, message)
    }

    pub fn warning(code: &str, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Warning, code, path, message)
    }

    fn new(
        severity: Severity,
        code: &str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            code: code.to_owned(),
            severity,
            path: path.into(),
            message: message.into(),
            requirement: None,
        }
    }

    /// Names the requirement this finding enforces.
    pub fn requirement(mut self, id: &str) -> Finding {
        self.requirement = Some(id.to_owned());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Whether any finding blocks the action.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}

/// Keeps the first of findings alike in code, path and message (two rules that reach the same
/// conclusion say it once).
pub fn dedup(findings: &mut Vec<Finding>) {
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert((f.code.clone(), f.path.clone(), f.message.clone())));
}
