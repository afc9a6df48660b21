//! Identity numbers (公民身份号码, GB 11643-1999) and second-generation disability
//! certificate numbers (残疾人证号), parsed once into a type that is valid by construction.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codes::household::{IdType, Sex};
use crate::time::Date;

/// A valid 18-character citizen identity number (公民身份号码), stored upper-case, or a
/// 20-character disability certificate number (残疾人证号: the holder's 18-character ID number
/// followed by the 残疾类别 and 残疾等级 digits).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    text: String,
    birth_date: Date,
    sex: Sex,
}

/// Why an ID number was refused. `code()` is stable; `Display` is the zh-CN message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("证件号码为空")]
    Empty,
    #[error("15位旧身份证号码需升级为18位后再录入")]
    NeedsUpgrade,
    #[error("证件号码含占位号“99999”，请录入真实号码")]
    Placeholder,
    #[error("身份证号码应为18位（证件类型为残疾人证时为20位）")]
    Length,
    #[error("身份证号码前17位应为数字，最后一位为数字或X")]
    Characters,
    #[error("身份证号码前6位地区码不合规")]
    Region,
    #[error("身份证号码中的出生日期不存在")]
    BirthDate,
    #[error("身份证号码校验位错误，请核对号码")]
    CheckDigit,
    #[error("残疾人证号码后两位应为残疾类别（1–7）和残疾等级（1–4）")]
    DisabilitySuffix,
}

impl IdNumberError {
    /// Stable machine code, used as the finding code suffix.
    pub fn code(&self) -> &'static str {
        match self {
            IdNumberError::Empty => "empty",
            IdNumberError::NeedsUpgrade => "needs_upgrade",
            IdNumberError::Placeholder => "placeholder",
            IdNumberError::Length => "length",
            IdNumberError::Characters => "characters",
            IdNumberError::Region => "region",
            IdNumberError::BirthDate => "birth_date",
            IdNumberError::CheckDigit => "check_digit",
            IdNumberError::DisabilitySuffix => "disability_suffix",
        }
    }
}

/// Weights of GB 11643-1999's ISO 7064 MOD 11-2 check.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder mod 11.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

impl IdNumber {
    /// Parses an 18-character citizen ID number (lower-case `x` accepted, stored as `X`).
    pub fn parse(s: &str) -> Result<IdNumber, IdNumberError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(IdNumberError::Empty);
        }
        if s.contains("99999") {
            return Err(IdNumberError::Placeholder);
        }
        let n = s.chars().count();
        if n == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdNumberError::NeedsUpgrade);
        }
        if n != 18 {
            return Err(IdNumberError::Length);
        }
        IdNumber::parse18(s)
    }

    /// Parses a number of the given 证件类型: 18 characters for 居民身份证, 20 for 残疾人证.
    pub fn parse_as(id_type: IdType, s: &str) -> Result<IdNumber, IdNumberError> {
        match id_type {
            IdType::ResidentId => IdNumber::parse(s),
            IdType::DisabilityCert => {
                let s = s.trim();
                if s.is_empty() {
                    return Err(IdNumberError::Empty);
                }
                if s.contains("99999") {
                    return Err(IdNumberError::Placeholder);
                }
                if s.chars().count() != 20 || !s.is_ascii() {
                    return Err(IdNumberError::Length);
                }
                let (id, suffix) = s.split_at(18);
                let mut parsed = IdNumber::parse18(id)?;
                let b = suffix.as_bytes();
                if !(b'1'..=b'7').contains(&b[0]) || !(b'1'..=b'4').contains(&b[1]) {
                    return Err(IdNumberError::DisabilitySuffix);
                }
                parsed.text.push_str(suffix);
                Ok(parsed)
            }
        }
    }

    fn parse18(s: &str) -> Result<IdNumber, IdNumberError> {
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(IdNumberError::Length);
        }
        let last = b[17].to_ascii_uppercase();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(last.is_ascii_digit() || last == b'X') {
            return Err(IdNumberError::Characters);
        }
        // Region: a province code 11–82 and a non-zero prefecture+county part.
        let province = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
        if !(11..=82).contains(&province) || &s[2..6] == "0000" {
            return Err(IdNumberError::Region);
        }
        let birth_date = Date::parse_compact(&s[6..14]).map_err(|_| IdNumberError::BirthDate)?;
        if birth_date.year() < 1880 {
            return Err(IdNumberError::BirthDate);
        }
        if check_char(&b[..17]) != last {
            return Err(IdNumberError::CheckDigit);
        }
        let sex = if (b[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        };
        let mut text = s[..17].to_owned();
        text.push(char::from(last));
        Ok(IdNumber {
            text,
            birth_date,
            sex,
        })
    }

    /// The number as stored (upper-case X).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The holder's birth date (characters 7–14).
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The holder's sex (character 17: odd = male).
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// The 6-digit administrative division code of first registration.
    pub fn region(&self) -> &str {
        &self.text[..6]
    }

    /// Whether this is a 20-character disability certificate number.
    pub fn is_disability_cert(&self) -> bool {
        self.text.len() == 20
    }
}

/// The GB 11643-1999 check character for the first 17 digits (ASCII bytes).
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d.wrapping_sub(b'0')) * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Shows only the region and the last character: ID numbers never go to logs whole.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({}…{})", self.region(), &self.text[17..18])
    }
}

impl Serialize for IdNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let parsed = if s.trim().chars().count() == 20 {
            IdNumber::parse_as(IdType::DisabilityCert, &s)
        } else {
            IdNumber::parse(&s)
        };
        parsed.map_err(serde::de::Error::custom)
    }
}
