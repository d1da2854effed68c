//! Public tips (群众举报): the problem categories, the receipt code a reporter keeps, the rules a
//! submitted tip and a message must meet, and the checks an uploaded attachment goes through.

use std::fmt;

use crate::error::DomainError;
use crate::org::{clean_optional, clean_text};

string_enum! {
    /// Problem categories (DOMAIN.md), the six stubborn problems (顽瘴痼疾) first.
    pub enum ProblemCategory ("问题类别") {
        Interference = ("interference", "违反防止干预司法“三个规定”"),
        IllegalBusiness = ("illegal_business", "违规经商办企业"),
        IllegalInvestmentLending = ("illegal_investment_lending", "违规参股借贷"),
        IllegalCommutation = ("illegal_commutation", "违规违法减刑、假释、暂予监外执行"),
        CaseSuppression = ("case_suppression", "有案不立、压案不查、有罪不究"),
        RevolvingDoor = ("revolving_door", "法官检察官离任后违规从事律师职业、充当司法掮客"),
        TwoFaced = ("two_faced", "对党不忠诚不老实的“两面人”"),
        ProtectionUmbrella = ("protection_umbrella", "黑恶势力“保护伞”"),
        JudicialCorruption = ("judicial_corruption", "执法司法腐败"),
        Conduct = ("conduct", "作风纪律"),
        Other = ("other", "其他"),
    }
}

impl ProblemCategory {
    /// One of the six stubborn problems (六大顽瘴痼疾) that get their own special rectification.
    pub fn is_stubborn(self) -> bool {
        matches!(
            self,
            ProblemCategory::Interference
                | ProblemCategory::IllegalBusiness
                | ProblemCategory::IllegalInvestmentLending
                | ProblemCategory::IllegalCommutation
                | ProblemCategory::CaseSuppression
                | ProblemCategory::RevolvingDoor
        )
    }
}

/// The code a reporter receives once and later types in to follow the tip (查询码): exactly 20
/// decimal digits. `Debug` hides it: whoever holds it can read the tip and write to the handler.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ReceiptCode(String);

impl ReceiptCode {
    pub const LEN: usize = 20;

    /// Accepts the code as people type or paste it: spaces, hyphens and full-width spaces between
    /// the groups are dropped; any other character is refused (full-width digits included, so the
    /// same code has one spelling only).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let mut digits = String::with_capacity(Self::LEN);
        for c in s.trim().chars() {
            match c {
                ' ' | '-' | '\u{3000}' => {}
                '0'..='9' => {
                    if digits.len() == Self::LEN {
                        return Err(Self::wrong_length());
                    }
                    digits.push(c);
                }
                _ => {
                    return Err(DomainError::field(
                        "receipt",
                        "查询码只能包含数字，请检查是否输入了字母或全角字符",
                    ));
                }
            }
        }
        Self::from_digits(digits)
    }

    /// For codes the server made: exactly 20 ASCII digits, nothing stripped.
    pub fn from_digits(d: String) -> Result<Self, DomainError> {
        if !d.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::field("receipt", "查询码只能包含数字"));
        }
        if d.len() != Self::LEN {
            return Err(Self::wrong_length());
        }
        Ok(ReceiptCode(d))
    }

    fn wrong_length() -> DomainError {
        DomainError::field("receipt", format!("查询码应为{}位数字", Self::LEN))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }

    /// Groups of four, as shown to the reporter: "1234 5678 9012 3456 7890".
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(Self::LEN + Self::LEN / 4);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }
}

impl fmt::Debug for ReceiptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReceiptCode(<hidden>)")
    }
}

impl serde::Serialize for ReceiptCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ReceiptCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        ReceiptCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

pub const TIP_DESCRIPTION_MIN: usize = 10;
pub const TIP_DESCRIPTION_MAX: usize = 20_000;
pub const NAME_MAX: usize = 50;
pub const UNIT_MAX: usize = 100;
pub const CONTACT_MAX: usize = 100;
pub const MESSAGE_MAX: usize = 5_000;

/// A tip as the public form sends it; nothing is trusted yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TipInput {
    pub accused_name: Option<String>,
    pub accused_unit: Option<String>,
    pub accused_position: Option<String>,
    pub category: String,
    pub description: String,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
}

/// A tip that passed [`validate_tip`]: trimmed, within limits, blank optional fields as `None`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValidTip {
    pub accused_name: Option<String>,
    pub accused_unit: Option<String>,
    pub accused_position: Option<String>,
    pub category: ProblemCategory,
    pub description: String,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
}

/// Checks every field and returns every error at once, so the reporter fixes the form in one go.
/// The accused may be unknown (DOMAIN.md); the reporter is anonymous unless they fill in a name.
pub fn validate_tip(input: &TipInput) -> Result<ValidTip, Vec<DomainError>> {
    let mut errors = Vec::new();
    let mut optional = |v: &Option<String>, field: &'static str, label: &str, max: usize| {
        collect(&mut errors, clean_optional(v.as_deref(), field, label, max)).flatten()
    };
    let accused_name = optional(
        &input.accused_name,
        "accused_name",
        "被反映人姓名",
        NAME_MAX,
    );
    let accused_unit = optional(
        &input.accused_unit,
        "accused_unit",
        "被反映人单位",
        UNIT_MAX,
    );
    let accused_position = optional(
        &input.accused_position,
        "accused_position",
        "被反映人职务",
        UNIT_MAX,
    );
    let reporter_name = optional(
        &input.reporter_name,
        "reporter_name",
        "举报人姓名",
        NAME_MAX,
    );
    let reporter_contact = optional(
        &input.reporter_contact,
        "reporter_contact",
        "联系方式",
        CONTACT_MAX,
    );
    let category = if input.category.trim().is_empty() {
        Err(DomainError::field("category", "请选择问题类别"))
    } else {
        ProblemCategory::parse(&input.category).map_err(|e| e.at("category"))
    };
    let category = collect(&mut errors, category);
    let description = collect(
        &mut errors,
        clean_text(
            &input.description,
            "description",
            "举报内容",
            TIP_DESCRIPTION_MIN,
            TIP_DESCRIPTION_MAX,
        ),
    );

    match (category, description) {
        (Some(category), Some(description)) if errors.is_empty() => Ok(ValidTip {
            accused_name,
            accused_unit,
            accused_position,
            category,
            description,
            reporter_name,
            reporter_contact,
        }),
        _ => {
            // Same order as the form, so the page lists them top to bottom.
            errors.sort_by_key(|e| FORM_ORDER.iter().position(|f| Some(*f) == e.field));
            Err(errors)
        }
    }
}

const FORM_ORDER: [&str; 7] = [
    "accused_name",
    "accused_unit",
    "accused_position",
    "category",
    "description",
    "reporter_name",
    "reporter_contact",
];

fn collect<T>(errors: &mut Vec<DomainError>, r: Result<T, DomainError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// A message between reporter and handler: 1 to 5000 characters.
pub fn validate_message(body: &str) -> Result<String, DomainError> {
    clean_text(body, "body", "留言内容", 1, MESSAGE_MAX)
}

pub const MAX_ATTACHMENTS: usize = 5;
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

string_enum! {
    /// The file types a tip may carry, recognised by content, never by name.
    pub enum AttachmentKind ("附件类型") {
        Jpeg = ("jpeg", "JPG 图片"),
        Png = ("png", "PNG 图片"),
        Pdf = ("pdf", "PDF 文档"),
        /// docx and xlsx are ZIP containers; the content is not opened here.
        Zip = ("zip", "Word/Excel 文档"),
        Text = ("text", "纯文本"),
    }
}

impl AttachmentKind {
    pub fn mime(self) -> &'static str {
        match self {
            AttachmentKind::Jpeg => "image/jpeg",
            AttachmentKind::Png => "image/png",
            AttachmentKind::Pdf => "application/pdf",
            AttachmentKind::Zip => "application/zip",
            AttachmentKind::Text => "text/plain; charset=utf-8",
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            AttachmentKind::Jpeg => "jpg",
            AttachmentKind::Png => "png",
            AttachmentKind::Pdf => "pdf",
            AttachmentKind::Zip => "zip",
            AttachmentKind::Text => "txt",
        }
    }
}

/// Recognises an upload by its magic bytes. Text only when the whole file is valid UTF-8 with no
/// NUL, so a binary with an unknown header is refused rather than served as text.
pub fn sniff_attachment(bytes: &[u8]) -> Option<AttachmentKind> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(AttachmentKind::Jpeg)
    } else if bytes.starts_with(PNG) {
        Some(AttachmentKind::Png)
    } else if bytes.starts_with(b"%PDF-") {
        Some(AttachmentKind::Pdf)
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some(AttachmentKind::Zip)
    } else if !bytes.is_empty() && !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        Some(AttachmentKind::Text)
    } else {
        None
    }
}

/// Size and type of one upload, with the message the reporter reads.
pub fn check_attachment(bytes: &[u8]) -> Result<AttachmentKind, DomainError> {
    if bytes.is_empty() {
        return Err(DomainError::field("attachments", "附件是空文件"));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(DomainError::field(
            "attachments",
            format!("每个附件不能超过{}MB", MAX_ATTACHMENT_BYTES / 1024 / 1024),
        ));
    }
    sniff_attachment(bytes).ok_or_else(|| {
        DomainError::field(
            "attachments",
            "附件只能是JPG、PNG图片，PDF、Word（docx）、Excel（xlsx）文档或纯文本",
        )
    })
}

const FILENAME_MAX_CHARS: usize = 100;
const FILENAME_FALLBACK: &str = "附件";

/// A file name safe to show and to put in a download header: no directories (either slash), no
/// "..", no control or bidi characters, no leading dots, at most 100 characters with the extension
/// kept, never empty. Files are stored under server-made names; this is only the display name.
pub fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut s: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        // reserved on Windows, and quotes would break a Content-Disposition header
        .map(|c| {
            if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    while s.contains("..") {
        s = s.replace("..", ".");
    }
    let s = trim_name(&s);
    if s.chars().count() <= FILENAME_MAX_CHARS {
        return if s.is_empty() {
            FILENAME_FALLBACK.to_string()
        } else {
            s.to_string()
        };
    }
    // Too long: shorten the stem, keep a short extension so the file still opens.
    let (stem, ext) = match s.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && (1..=10).contains(&ext.chars().count()) => {
            (stem, Some(ext))
        }
        _ => (s, None),
    };
    let room = FILENAME_MAX_CHARS - ext.map_or(0, |e| e.chars().count() + 1);
    let short: String = stem.chars().take(room).collect();
    let short = trim_name(&short);
    let short = if short.is_empty() {
        FILENAME_FALLBACK
    } else {
        short
    };
    match ext {
        Some(ext) => format!("{short}.{ext}"),
        None => short.to_string(),
    }
}

fn trim_name(s: &str) -> &str {
    s.trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn categories() {
        assert_eq!(ProblemCategory::all().len(), 11);
        let stubborn: Vec<_> = ProblemCategory::all()
            .iter()
            .filter(|c| c.is_stubborn())
            .collect();
        assert_eq!(stubborn.len(), 6);
        assert_eq!(
            ProblemCategory::all()[..6]
                .iter()
                .filter(|c| c.is_stubborn())
                .count(),
            6
        );
        assert_eq!(
            ProblemCategory::parse("illegal_investment_lending"),
            Ok(ProblemCategory::IllegalInvestmentLending)
        );
        assert_eq!(ProblemCategory::Conduct.as_str(), "conduct");
        assert_eq!(ProblemCategory::IllegalBusiness.label(), "违规经商办企业");
        for c in ProblemCategory::all() {
            assert_eq!(ProblemCategory::parse(c.as_str()), Ok(*c));
        }
    }

    #[test]
    fn receipt_code_parse() {
        let plain = "12345678901234567890";
        let c = ReceiptCode::parse(plain).unwrap();
        assert_eq!(c.digits(), plain);
        assert_eq!(c.grouped(), "1234 5678 9012 3456 7890");
        for grouped in [
            "1234 5678 9012 3456 7890",
            "1234-5678-9012-3456-7890",
            "1234\u{3000}5678\u{3000}9012 3456-7890",
            "  12345678901234567890\n",
        ] {
            assert_eq!(
                ReceiptCode::parse(grouped).unwrap().digits(),
                plain,
                "{grouped}"
            );
        }
        assert!(ReceiptCode::parse("1234567890123456789").is_err());
        assert!(ReceiptCode::parse("123456789012345678901").is_err());
        assert!(ReceiptCode::parse("1234567890123456789a").is_err());
        assert!(ReceiptCode::parse("ABCD 5678 9012 3456 7890").is_err());
        // full-width digits are refused, not folded
        assert!(ReceiptCode::parse("１２３４５６７８９０１２３４５６７８９０").is_err());
        assert!(ReceiptCode::parse("1234_5678_9012_3456_7890").is_err());
        assert!(ReceiptCode::parse("").is_err());
        assert_eq!(
            ReceiptCode::parse("123").unwrap_err().message,
            "查询码应为20位数字"
        );
    }

    #[test]
    fn receipt_code_from_digits_and_debug() {
        assert!(ReceiptCode::from_digits("12345678901234567890".into()).is_ok());
        assert!(ReceiptCode::from_digits("1234 5678901234567890".into()).is_err());
        assert!(ReceiptCode::from_digits("1".repeat(21)).is_err());
        let c = ReceiptCode::from_digits("12345678901234567890".into()).unwrap();
        assert!(!format!("{c:?}").contains("1234"));
        let back: ReceiptCode = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    fn good_tip() -> TipInput {
        TipInput {
            accused_name: Some("张某".into()),
            accused_unit: Some("  某区人民法院 ".into()),
            accused_position: Some("".into()),
            category: "interference".into(),
            description: "某法官多次私下会见案件当事人并收受财物。".into(),
            reporter_name: None,
            reporter_contact: Some("   ".into()),
        }
    }

    #[test]
    fn validate_tip_accepts_and_cleans() {
        let t = validate_tip(&good_tip()).unwrap();
        assert_eq!(t.accused_unit.as_deref(), Some("某区人民法院"));
        assert_eq!(t.accused_position, None);
        assert_eq!(t.reporter_contact, None);
        assert_eq!(t.category, ProblemCategory::Interference);
    }

    #[test]
    fn validate_tip_collects_several_errors() {
        let input = TipInput {
            accused_name: Some("名".repeat(51)),
            category: "nonsense".into(),
            description: "太短了".into(),
            reporter_contact: Some("a\u{0}b".into()),
            ..good_tip()
        };
        let errors = validate_tip(&input).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.unwrap()).collect();
        assert_eq!(
            fields,
            [
                "accused_name",
                "category",
                "description",
                "reporter_contact"
            ]
        );
        assert_eq!(errors[2].message, "举报内容不能少于10个字");

        let empty = validate_tip(&TipInput::default()).unwrap_err();
        let fields: Vec<_> = empty.iter().map(|e| e.field.unwrap()).collect();
        assert_eq!(fields, ["category", "description"]);
        assert_eq!(empty[0].message, "请选择问题类别");
    }

    #[test]
    fn validate_tip_limits() {
        let mut t = good_tip();
        t.description = "字".repeat(TIP_DESCRIPTION_MAX);
        assert!(validate_tip(&t).is_ok());
        t.description.push('字');
        assert!(validate_tip(&t).is_err());
        let mut t = good_tip();
        t.accused_position = Some("职".repeat(100));
        t.reporter_name = Some("名".repeat(50));
        assert!(validate_tip(&t).is_ok());
        t.accused_position = Some("职".repeat(101));
        assert_eq!(
            validate_tip(&t).unwrap_err()[0].field,
            Some("accused_position")
        );
    }

    #[test]
    fn tip_input_from_form_with_missing_fields() {
        let t: TipInput = serde_json::from_str(r#"{"description":"x"}"#).unwrap();
        assert_eq!(t.category, "");
    }

    #[test]
    fn message_rules() {
        assert_eq!(validate_message(" 您好 ").unwrap(), "您好");
        assert!(validate_message("  ").is_err());
        assert!(validate_message(&"字".repeat(5000)).is_ok());
        assert!(validate_message(&"字".repeat(5001)).is_err());
    }

    #[test]
    fn sniff() {
        assert_eq!(
            sniff_attachment(b"\xFF\xD8\xFF\xE0\0\x10JFIF"),
            Some(AttachmentKind::Jpeg)
        );
        assert_eq!(
            sniff_attachment(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(AttachmentKind::Png)
        );
        assert_eq!(sniff_attachment(b"%PDF-1.7\n"), Some(AttachmentKind::Pdf));
        assert_eq!(
            sniff_attachment(b"PK\x03\x04\x14\0\x06\0"),
            Some(AttachmentKind::Zip)
        );
        assert_eq!(
            sniff_attachment("举报材料\n第二行".as_bytes()),
            Some(AttachmentKind::Text)
        );
        assert_eq!(sniff_attachment(b"text\0with nul"), None);
        assert_eq!(sniff_attachment(b"\xC3\x28 invalid utf8"), None);
        assert_eq!(sniff_attachment(b"MZ\x90\0 exe"), None);
        assert_eq!(sniff_attachment(b""), None);
        assert_eq!(AttachmentKind::Zip.mime(), "application/zip");
        assert_eq!(AttachmentKind::Jpeg.ext(), "jpg");
    }

    #[test]
    fn check_attachment_messages() {
        assert!(check_attachment(b"").is_err());
        assert!(check_attachment(&vec![b'a'; MAX_ATTACHMENT_BYTES + 1]).is_err());
        assert_eq!(
            check_attachment(&vec![b'a'; MAX_ATTACHMENT_BYTES]),
            Ok(AttachmentKind::Text)
        );
        assert!(check_attachment(b"\x7fELF\x02\x01\x01\0\0").is_err());
    }

    #[test]
    fn filenames() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\a\\b.pdf"), "b.pdf");
        assert_eq!(sanitize_filename("\u{0}x.png"), "x.png");
        assert_eq!(sanitize_filename(""), "附件");
        assert_eq!(sanitize_filename(".."), "附件");
        assert_eq!(sanitize_filename("dir/"), "附件");
        assert_eq!(sanitize_filename("...hidden"), "hidden");
        assert_eq!(sanitize_filename("a..b.pdf"), "a.b.pdf");
        assert_eq!(sanitize_filename("报告\"x\".docx"), "报告_x_.docx");
        assert_eq!(sanitize_filename("举报材料 2024.pdf"), "举报材料 2024.pdf");
        let long = format!("{}.pdf", "长".repeat(300));
        let s = sanitize_filename(&long);
        assert_eq!(s.chars().count(), 100);
        assert!(s.ends_with(".pdf"));
        let long_no_ext = "x".repeat(300);
        assert_eq!(sanitize_filename(&long_no_ext).chars().count(), 100);
    }

    proptest! {
        #[test]
        fn receipt_parse_never_panics(s in "\\PC{0,60}") {
            let _ = ReceiptCode::parse(&s);
        }

        #[test]
        fn receipt_parse_accepts_any_grouping(d in "[0-9]{20}", seps in proptest::collection::vec(0usize..4, 20)) {
            let mut s = String::new();
            for (c, k) in d.chars().zip(seps) {
                s.push(c);
                s.push_str(["", " ", "-", "\u{3000}"][k]);
            }
            let code = ReceiptCode::parse(&s).unwrap();
            prop_assert_eq!(code.digits(), d.as_str());
        }

        #[test]
        fn sanitized_names_are_safe(s in "\\PC{0,200}|[\\x00-\\x7f]{0,200}") {
            let f = sanitize_filename(&s);
            prop_assert!(!f.is_empty());
            prop_assert!(f.chars().count() <= 100);
            prop_assert!(!f.contains('/') && !f.contains('\\') && !f.contains(".."));
            prop_assert!(!f.starts_with('.'));
            prop_assert!(!f.chars().any(char::is_control));
        }
    }
}
