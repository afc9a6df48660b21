//! Telephone numbers as the forms take them (联系电话): an 11-digit mobile number, or a
//! fixed line with its area code. Pure shape checks; the rules decide how much a wrong shape
//! weighs on each form.

/// Whether `s` is an 11-digit mobile number (`13812345678`).
pub fn is_mobile_phone(s: &str) -> bool {
    let s = s.trim();
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

/// An 11-digit mobile number, or a fixed line with area code (`0370-1234567`, 10–12 digits
/// once the dashes and spaces are left out).
pub fn is_phone(s: &str) -> bool {
    let digits: String = s
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    (digits.len() == 11 && digits.starts_with('1'))
        || (digits.starts_with('0') && (10..=12).contains(&digits.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        for (s, mobile, phone) in [
            ("13812345678", true, true),
            (" 13812345678 ", true, true),
            ("1381234567", false, false),
            ("0370-1234567", false, true),
            ("0370 12345678", false, true),
            ("23812345678", false, false),
            ("1381234567x", false, false),
        ] {
            assert_eq!(is_mobile_phone(s), mobile, "{s}");
            assert_eq!(is_phone(s), phone, "{s}");
        }
    }
}
