//! Versioned code lists (代码表): every coded answer of the forms, as data with its code,
//! Chinese label and English name, and as a typed Rust enum generated from that same data.
//!
//! A list is declared once with [`code_list!`]; the macro gives the enum (serialised as its
//! code string, so JSON holds the official codes), the static [`CodeList`] the UI and the
//! exports read, and the lookups both ways. [`all`] is the registry of every list.

pub mod household;
pub mod village;

use serde::Serialize;

/// One entry of a code list: the official code, its zh-CN label and an English name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CodeEntry {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// A versioned code list. `version` names the form year the list was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CodeList {
    pub id: &'static str,
    pub version: &'static str,
    pub name_zh: &'static str,
    pub entries: &'static [CodeEntry],
}

impl CodeList {
    /// The entry with this code, if the list has it.
    pub fn get(&self, code: &str) -> Option<&'static CodeEntry> {
        self.entries.iter().find(|e| e.code == code)
    }

    /// The zh-CN label of a code, or the code itself when the list does not know it.
    pub fn label<'a>(&self, code: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.get(code).map_or(code, |e| e.zh)
    }
}

/// A typed code-list value: what every enum made by [`code_list!`] implements.
pub trait Coded: Sized + Copy + 'static {
    /// The list this type's values come from.
    const LIST: &'static CodeList;
    /// Every value, in the list's order.
    const ALL: &'static [Self];
    /// The official code of this value.
    fn code(self) -> &'static str;
    /// The value with this official code.
    fn from_code(code: &str) -> Option<Self>;
    /// The zh-CN label of this value.
    fn zh(self) -> &'static str {
        Self::LIST.label(self.code())
    }
}

/// Declares a code list: a Rust enum whose variants carry the official code, the zh-CN
/// label and the English name, plus its [`CodeList`] data.
///
/// ```
/// use jiandang_domain::code_list;
/// use jiandang_domain::codes::Coded;
/// code_list! {
///     /// 性别
///     pub enum Sex: "sex_demo", "2018", "性别" {
///         Male = ("1", "男", "male"),
///         Female = ("2", "女", "female"),
///     }
/// }
/// assert_eq!(Sex::from_code("2"), Some(Sex::Female));
/// assert_eq!(Sex::Male.zh(), "男");
/// assert_eq!(serde_json::to_string(&Sex::Male).unwrap(), "\"1\"");
/// ```
#[macro_export]
macro_rules! code_list {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $id:literal, $version:literal, $name_zh:literal {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $crate::codes::Coded for $name {
            const LIST: &'static $crate::codes::CodeList = &$crate::codes::CodeList {
                id: $id,
                version: $version,
                name_zh: $name_zh,
                entries: &[ $( $crate::codes::CodeEntry { code: $code, zh: $zh, en: $en } ),+ ],
            };
            const ALL: &'static [Self] = &[ $( $name::$variant ),+ ];
            fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }
            fn from_code(code: &str) -> Option<Self> {
                match code { $( $code => Some($name::$variant), )+ _ => None }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::codes::Coded::code(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                <$name as $crate::codes::Coded>::from_code(&code).ok_or_else(|| {
                    ::serde::de::Error::custom(format!(
                        "unknown code {:?} for code list {} ({})", code, $id, $name_zh
                    ))
                })
            }
        }
    };
}
