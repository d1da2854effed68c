//! People and units: roles, data scopes, unit kinds, the validated identifiers of accounts and
//! units, the 身份证号, and the text cleaning every free-text field goes through.

use std::fmt;

use chrono::NaiveDate;

use crate::error::DomainError;

string_enum! {
    /// What a user may do (DOMAIN.md, "Who uses it"). A role grants actions; the scope limits rows.
    pub enum Role ("角色") {
        Sysadmin = ("sysadmin", "系统管理员"),
        CampaignOffice = ("campaign_office", "整顿办"),
        UnitLiaison = ("unit_liaison", "单位联络员"),
        UnitLeader = ("unit_leader", "单位负责人"),
        DisciplineInspector = ("discipline_inspector", "纪检监察人员"),
        Inspector = ("inspector", "督导组成员"),
        Officer = ("officer", "干警"),
        Custodian = ("custodian", "举报人信息保管员"),
        Auditor = ("auditor", "审计员"),
    }
}

string_enum! {
    /// Which rows of the unit tree a user sees (数据权限).
    pub enum DataScope ("数据范围") {
        OwnUnit = ("own", "本单位"),
        Subtree = ("subtree", "本单位及下级"),
        All = ("all", "全部"),
    }
}

string_enum! {
    /// The kinds of political-legal units.
    pub enum UnitKind ("单位类型") {
        Committee = ("committee", "政法委"),
        Court = ("court", "法院"),
        Procuratorate = ("procuratorate", "检察院"),
        Police = ("police", "公安"),
        Justice = ("justice", "司法行政"),
        Prison = ("prison", "监狱"),
    }
}

/// A unit's short code, e.g. `SZJ-GA-01`: 2 to 32 ASCII letters, digits, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let n = t.chars().count();
        if !(2..=32).contains(&n) {
            return Err(DomainError::field("code", "单位代码应为2至32个字符"));
        }
        if !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(DomainError::field(
                "code",
                "单位代码只能包含英文字母、数字、下划线和连字符",
            ));
        }
        Ok(UnitCode(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A login name: 3 to 32 of `a-z 0-9 _ . -`, compared in lower case so `ZhangSan` and `zhangsan`
/// cannot be two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim().to_lowercase();
        let n = t.chars().count();
        if !(3..=32).contains(&n) {
            return Err(DomainError::field("username", "用户名应为3至32个字符"));
        }
        if !t
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
        {
            return Err(DomainError::field(
                "username",
                "用户名只能包含英文字母、数字和 _ . -",
            ));
        }
        Ok(Username(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// At least 10 characters with a letter and a digit; at most 128 so hashing stays cheap.
pub fn check_password_strength(pw: &str) -> Result<(), DomainError> {
    let n = pw.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(DomainError::field(
            "password",
            format!("密码不能少于{PASSWORD_MIN_CHARS}个字符"),
        ));
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(DomainError::field(
            "password",
            format!("密码不能超过{PASSWORD_MAX_CHARS}个字符"),
        ));
    }
    let has_letter = pw.chars().any(char::is_alphabetic);
    let has_digit = pw.chars().any(|c| c.is_ascii_digit());
    if !has_letter || !has_digit {
        return Err(DomainError::field("password", "密码须同时包含字母和数字"));
    }
    Ok(())
}

/// A resident identity number (居民身份证号码, GB 11643-1999): 6-digit region, 8-digit birth date,
/// 3-digit sequence, check character. Stored with an upper-case `X`.
/// `Debug` shows only the masked form, so a stray `{:?}` never logs the number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

// GB 11643-1999: weights 2^(17-i) mod 11 and the check character for (sum mod 11).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [u8; 11] = *b"10X98765432";

impl IdNumber {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() != 18 || !t.is_ascii() {
            return Err(DomainError::field("id_number", "身份证号应为18位"));
        }
        if !b[..17].iter().all(u8::is_ascii_digit) {
            return Err(DomainError::field("id_number", "身份证号前17位应为数字"));
        }
        let last = b[17].to_ascii_uppercase();
        if !(last.is_ascii_digit() || last == b'X') {
            return Err(DomainError::field(
                "id_number",
                "身份证号最后一位应为数字或X",
            ));
        }
        let sum: u32 = b[..17]
            .iter()
            .zip(ID_WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        if ID_CHECK[(sum % 11) as usize] != last {
            return Err(DomainError::field(
                "id_number",
                "身份证号校验位不正确，请核对",
            ));
        }
        if birth_date(b).is_none() {
            return Err(DomainError::field("id_number", "身份证号中的出生日期无效"));
        }
        let mut norm = t[..17].to_string();
        norm.push(char::from(last));
        Ok(IdNumber(norm))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in positions 7 to 14.
    pub fn birth_date(&self) -> NaiveDate {
        birth_date(self.0.as_bytes()).expect("checked in parse")
    }

    /// First four and last four characters, e.g. `3201**********123X`.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.0[..4], "*".repeat(10), &self.0[14..])
    }
}

fn birth_date(b: &[u8]) -> Option<NaiveDate> {
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let year = num(6..10);
    // No clock here, so no "not in the future" check; the range only rules out nonsense.
    if !(1900..=2100).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, num(10..12), num(12..14))
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// Serde for the validated newtypes: out as the plain string, in through `parse`.
macro_rules! string_newtype_serde {
    ($($t:ty),+) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    )+};
}
string_newtype_serde!(UnitCode, Username, IdNumber);

/// Characters that have no place in what people type: control characters other than newline and
/// tab, and the bidirectional overrides that can make a text read differently from what it is.
fn is_forbidden_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Trims, checks the length in characters (not bytes) and refuses control characters.
/// Line breaks are normalised to `\n` first: browsers submit a textarea's lines as CRLF.
pub fn clean_text(
    s: &str,
    field: &'static str,
    label_zh: &str,
    min_chars: usize,
    max_chars: usize,
) -> Result<String, DomainError> {
    let normalized = if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    };
    let t = normalized.trim();
    let n = t.chars().count();
    if n == 0 && min_chars > 0 {
        return Err(DomainError::field(field, format!("{label_zh}不能为空")));
    }
    if n < min_chars {
        return Err(DomainError::field(
            field,
            format!("{label_zh}不能少于{min_chars}个字"),
        ));
    }
    if n > max_chars {
        return Err(DomainError::field(
            field,
            format!("{label_zh}不能超过{max_chars}个字（现有{n}个字）"),
        ));
    }
    if t.chars().any(is_forbidden_char) {
        return Err(DomainError::field(
            field,
            format!("{label_zh}含有不可见的控制字符，请删除后重试"),
        ));
    }
    Ok(t.to_string())
}

/// Like [`clean_text`] for a field that may be left empty: empty or blank input is `None`.
pub fn clean_optional(
    s: Option<&str>,
    field: &'static str,
    label_zh: &str,
    max_chars: usize,
) -> Result<Option<String>, DomainError> {
    match s {
        Some(v) if !v.trim().is_empty() => clean_text(v, field, label_zh, 1, max_chars).map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn enums_round_trip() {
        for r in Role::all() {
            assert_eq!(Role::parse(r.as_str()), Ok(*r));
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), *r);
        }
        assert_eq!(Role::all().len(), 9);
        assert_eq!(Role::CampaignOffice.label(), "整顿办");
        assert_eq!(Role::Custodian.as_str(), "custodian");
        assert!(Role::parse("root").is_err());
        assert_eq!(DataScope::parse("own"), Ok(DataScope::OwnUnit));
        assert_eq!(DataScope::Subtree.label(), "本单位及下级");
        assert_eq!(UnitKind::parse(" prison "), Ok(UnitKind::Prison));
        assert_eq!(UnitKind::Justice.label(), "司法行政");
        assert!("court".parse::<UnitKind>().is_ok());
    }

    #[test]
    fn newtypes_deserialize_through_parse() {
        let u: Username = serde_json::from_str("\"ZhangSan\"").unwrap();
        assert_eq!(u.as_str(), "zhangsan");
        assert!(serde_json::from_str::<Username>("\"x\"").is_err());
        assert!(serde_json::from_str::<IdNumber>("\"110105194912310021\"").is_err());
        assert!(serde_json::from_str::<DataScope>("\"own_unit\"").is_err());
    }

    #[test]
    fn unit_code_rules() {
        assert_eq!(UnitCode::parse(" GA-01 ").unwrap().as_str(), "GA-01");
        assert!(UnitCode::parse("a").is_err());
        assert!(UnitCode::parse(&"a".repeat(33)).is_err());
        assert!(UnitCode::parse("公安局").is_err());
        assert!(UnitCode::parse("a b").is_err());
        assert!(UnitCode::parse("a_b-C9").is_ok());
    }

    #[test]
    fn username_rules() {
        assert_eq!(Username::parse("ZhangSan").unwrap().as_str(), "zhangsan");
        assert_eq!(Username::parse("li.si-01_").unwrap().as_str(), "li.si-01_");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("张三abc").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse("a@b.c").is_err());
    }

    #[test]
    fn password_rules() {
        assert!(check_password_strength("abcdefghi1").is_ok());
        assert!(check_password_strength("abcdefgh1").is_err());
        assert!(check_password_strength("abcdefghij").is_err());
        assert!(check_password_strength("1234567890").is_err());
        let long = format!("a1{}", "x".repeat(127));
        assert!(check_password_strength(&long).is_err());
        assert_eq!(
            check_password_strength("short").unwrap_err().field,
            Some("password")
        );
    }

    #[test]
    fn id_number_checksum() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        // lower-case x is accepted and stored upper-case
        assert_eq!(
            IdNumber::parse("11010519491231002x").unwrap().as_str(),
            "11010519491231002X"
        );
        for wrong in ['0', '1', '2', '9'] {
            let s = format!("11010519491231002{wrong}");
            let e = IdNumber::parse(&s).unwrap_err();
            assert!(e.message.contains("校验位"), "{s}: {e}");
        }
        assert!(IdNumber::parse("11010519491231002").is_err());
        assert!(IdNumber::parse("11010519491231002XX").is_err());
        assert!(IdNumber::parse("1101051949123100２X").is_err());
    }

    #[test]
    fn id_number_birth_date() {
        // valid checksum but 1949-02-30 does not exist
        let body = "11010519490230002";
        let s = with_check(body);
        assert!(
            IdNumber::parse(&s)
                .unwrap_err()
                .message
                .contains("出生日期")
        );
        let ok = with_check("32010219800101123");
        assert!(IdNumber::parse(&ok).is_ok());
    }

    fn with_check(body: &str) -> String {
        let sum: u32 = body
            .bytes()
            .zip(ID_WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        format!("{body}{}", char::from(ID_CHECK[(sum % 11) as usize]))
    }

    #[test]
    fn id_number_masked_and_debug() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(id.masked().chars().count(), 18);
        let dbg = format!("{id:?}");
        assert!(!dbg.contains("19491231"), "{dbg}");
    }

    #[test]
    fn clean_text_rules() {
        assert_eq!(clean_text("  你好  ", "f", "内容", 1, 10).unwrap(), "你好");
        // counts characters, not bytes: 10 Chinese characters are 30 bytes
        assert!(clean_text(&"字".repeat(10), "f", "内容", 10, 10).is_ok());
        let e = clean_text(&"字".repeat(9), "description", "举报内容", 10, 100).unwrap_err();
        assert_eq!(e.message, "举报内容不能少于10个字");
        assert_eq!(e.field, Some("description"));
        assert!(clean_text(&"字".repeat(11), "f", "内容", 1, 10).is_err());
        assert_eq!(
            clean_text("   ", "f", "内容", 1, 10).unwrap_err().message,
            "内容不能为空"
        );
        assert_eq!(
            clean_text("a\r\nb\rc\td", "f", "内容", 1, 10).unwrap(),
            "a\nb\nc\td"
        );
        assert!(clean_text("a\u{0}b", "f", "内容", 1, 10).is_err());
        assert!(clean_text("a\u{1b}b", "f", "内容", 1, 10).is_err());
        assert!(clean_text("a\u{202E}b", "f", "内容", 1, 10).is_err());
        assert_eq!(clean_text("", "f", "内容", 0, 10).unwrap(), "");
    }

    #[test]
    fn clean_optional_rules() {
        assert_eq!(clean_optional(None, "f", "姓名", 5), Ok(None));
        assert_eq!(clean_optional(Some(" \n "), "f", "姓名", 5), Ok(None));
        assert_eq!(
            clean_optional(Some(" 张三 "), "f", "姓名", 5),
            Ok(Some("张三".to_string()))
        );
        assert!(clean_optional(Some("张三李四王五"), "f", "姓名", 5).is_err());
    }

    proptest! {
        #[test]
        fn id_number_parse_never_panics(s in "\\PC{0,40}") {
            let _ = IdNumber::parse(&s);
        }

        #[test]
        fn id_number_parse_never_panics_near_valid(s in "[0-9]{17}[0-9Xx]") {
            if let Ok(id) = IdNumber::parse(&s) {
                prop_assert_eq!(id.as_str().len(), 18);
                let _ = id.birth_date();
            }
        }

        #[test]
        fn clean_text_never_panics(s in "\\PC{0,50}|[\\x00-\\x7f]{0,50}") {
            let _ = clean_text(&s, "f", "内容", 0, 30);
        }
    }
}
