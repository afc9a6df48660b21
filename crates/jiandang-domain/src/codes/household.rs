//! Code lists of the household and member forms (FORMS.md §1–§2).

use super::{CodeList, Coded};
use crate::code_list;

code_list! {
    /// 是否 (yes/no as the national forms code it: 1 是, 0 否).
    pub enum YesNo: "yes_no", "2018", "是否" {
        Yes = ("1", "是", "yes"),
        No = ("0", "否", "no"),
    }
}

/// The lists of this module, for [`super::all`].
pub fn lists() -> Vec<&'static CodeList> {
    vec![YesNo::LIST]
}
