//! Guiding cases (案例指导) and case commentary sessions (案件点评): what an entry must hold before it goes
//! into the library, and how the lists of case numbers typed into a session are read.

use chrono::NaiveDate;

use crate::enforcement::cases::CaseKind;
use crate::error::DomainError;
use crate::org::{clean_optional, clean_text};

/// Keywords of one guiding case.
pub const MAX_KEYWORDS: usize = 10;
/// Case numbers (of the register, or of guiding cases) one session may name.
pub const MAX_NUMBERS: usize = 50;
/// Characters of a guiding case's full text.
pub const MAX_FULL_TEXT: usize = 100_000;

/// A guiding case as typed into the form.
#[derive(Debug, Clone, Default)]
pub struct GuidingInput {
    pub number: String,
    pub title: String,
    pub issuer: String,
    pub kind: String,
    pub keywords: String,
    pub gist: String,
    pub significance: String,
    pub full_text: String,
    pub issued_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidGuiding {
    pub number: String,
    pub title: String,
    pub issuer: String,
    pub kind: CaseKind,
    pub keywords: Vec<String>,
    /// 裁判要点.
    pub gist: String,
    /// 指导意义.
    pub significance: Option<String>,
    pub full_text: String,
    pub issued_on: Option<NaiveDate>,
}

/// Splits a typed list at line breaks, commas, 顿号 and semicolons (Chinese or not); blanks dropped,
/// repeats dropped, order kept.
pub fn split_list(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in raw.split(['\n', '\r', ',', '，', '、', ';', '；']) {
        let t = piece.trim();
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

fn date(raw: &str, field: &'static str, label: &str) -> Result<Option<NaiveDate>, DomainError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| DomainError::field(field, format!("请按 YYYY-MM-DD 格式填写{label}")))
}

/// Checks a guiding case; every field's problem comes back at once. `today` keeps the issue date from
/// lying in the future.
pub fn validate_guiding(
    input: &GuidingInput,
    today: NaiveDate,
) -> Result<ValidGuiding, Vec<DomainError>> {
    let mut errors = Vec::new();
    let mut text = |v: &str, field: &'static str, label: &str, min: usize, max: usize| {
        clean_text(v, field, label, min, max)
            .map_err(|e| errors.push(e))
            .ok()
    };
    let number = text(&input.number, "number", "案例编号", 2, 50);
    let title = text(&input.title, "title", "案例标题", 4, 200);
    let issuer = text(&input.issuer, "issuer", "发布机关", 2, 100);
    let gist = text(&input.gist, "gist", "裁判要点", 10, 5000);
    let full_text = text(&input.full_text, "full_text", "案例全文", 20, MAX_FULL_TEXT);
    let significance = clean_optional(Some(&input.significance), "significance", "指导意义", 5000)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let kind = CaseKind::parse(&input.kind)
        .map_err(|_| errors.push(DomainError::field("kind", "请选择案件类型")))
        .ok();
    let keywords = split_list(&input.keywords);
    if keywords.is_empty() {
        errors.push(DomainError::field("keywords", "请至少填写一个关键词"));
    } else if keywords.len() > MAX_KEYWORDS {
        errors.push(DomainError::field(
            "keywords",
            format!("关键词最多{MAX_KEYWORDS}个"),
        ));
    } else if keywords.iter().any(|k| k.chars().count() > 20) {
        errors.push(DomainError::field("keywords", "每个关键词不超过20个字"));
    }
    let issued_on = match date(&input.issued_on, "issued_on", "发布日期") {
        Ok(Some(d)) if d > today => {
            errors.push(DomainError::field(
                "issued_on",
                format!("发布日期不能晚于今天（{today}）"),
            ));
            None
        }
        Ok(d) => d,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    match (number, title, issuer, gist, full_text, kind) {
        (Some(number), Some(title), Some(issuer), Some(gist), Some(full_text), Some(kind))
            if errors.is_empty() =>
        {
            Ok(ValidGuiding {
                number,
                title,
                issuer,
                kind,
                keywords,
                gist,
                significance,
                full_text,
                issued_on,
            })
        }
        _ => Err(errors),
    }
}

/// A commentary session as typed into the form (the unit is checked against the person's scope by the
/// store).
#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    pub held_on: String,
    pub title: String,
    pub presenter: String,
    pub case_numbers: String,
    pub guiding_numbers: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSession {
    pub held_on: NaiveDate,
    pub title: String,
    pub presenter: String,
    /// Numbers of the register's cases discussed.
    pub case_numbers: Vec<String>,
    /// Numbers of the guiding cases cited.
    pub guiding_numbers: Vec<String>,
    pub notes: String,
}

fn numbers(
    raw: &str,
    field: &'static str,
    label: &str,
    errors: &mut Vec<DomainError>,
) -> Vec<String> {
    let list = split_list(raw);
    if list.len() > MAX_NUMBERS {
        errors.push(DomainError::field(
            field,
            format!("{label}最多{MAX_NUMBERS}个"),
        ));
    } else if let Some(long) = list.iter().find(|n| n.chars().count() > 60) {
        let shown: String = long.chars().take(20).collect();
        errors.push(DomainError::field(
            field,
            format!("{label}「{shown}…」过长，请每行填写一个编号"),
        ));
    }
    list
}

/// Checks a commentary session; every field's problem comes back at once. A session is recorded after
/// it was held: its date may not lie after `today`.
pub fn validate_session(
    input: &SessionInput,
    today: NaiveDate,
) -> Result<ValidSession, Vec<DomainError>> {
    let mut errors = Vec::new();
    let held_on = match date(&input.held_on, "held_on", "点评日期") {
        Ok(Some(d)) if d > today => {
            errors.push(DomainError::field(
                "held_on",
                format!("点评日期不能晚于今天（{today}）"),
            ));
            None
        }
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.push(DomainError::field("held_on", "请填写点评日期"));
            None
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mut text = |v: &str, field: &'static str, label: &str, min: usize, max: usize| {
        clean_text(v, field, label, min, max)
            .map_err(|e| errors.push(e))
            .ok()
    };
    let title = text(&input.title, "title", "点评主题", 4, 200);
    let presenter = text(&input.presenter, "presenter", "点评人", 2, 50);
    let notes = text(&input.notes, "notes", "点评内容", 10, 20_000);
    let case_numbers = numbers(&input.case_numbers, "case_numbers", "点评案件", &mut errors);
    let guiding_numbers = numbers(
        &input.guiding_numbers,
        "guiding_numbers",
        "引用的指导案例",
        &mut errors,
    );
    if case_numbers.is_empty() {
        errors.push(DomainError::field(
            "case_numbers",
            "请至少填写一个点评案件的案号",
        ));
    }
    match (held_on, title, presenter, notes) {
        (Some(held_on), Some(title), Some(presenter), Some(notes)) if errors.is_empty() => {
            Ok(ValidSession {
                held_on,
                title,
                presenter,
                case_numbers,
                guiding_numbers,
                notes,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
    }

    #[test]
    fn lists_split_on_every_separator() {
        assert_eq!(
            split_list(" A1，A2、A3;A4；A5\r\nA6,\n\nA1 "),
            ["A1", "A2", "A3", "A4", "A5", "A6"]
        );
        assert!(split_list(" ，、\n").is_empty());
    }

    #[test]
    fn guiding_case_checks() {
        let ok = GuidingInput {
            number: "指导案例第32号".into(),
            title: "张某某、金某危险驾驶案".into(),
            issuer: "最高人民法院".into(),
            kind: "criminal".into(),
            keywords: "刑事，危险驾驶罪、追逐竞驶".into(),
            gist: "机动车驾驶人员出于竞技、追求刺激等目的，在道路上追逐竞驶的，属于危险驾驶罪中的追逐竞驶。".into(),
            significance: String::new(),
            full_text: "被告人张某某、金某在城市主干道上驾驶改装摩托车高速追逐，多次闯红灯，危及公共安全。".into(),
            issued_on: "2014-12-18".into(),
        };
        let v = validate_guiding(&ok, today()).unwrap();
        assert_eq!(v.keywords, ["刑事", "危险驾驶罪", "追逐竞驶"]);
        assert_eq!(v.significance, None);
        let bad = GuidingInput {
            kind: "x".into(),
            keywords: " ，".into(),
            issued_on: "2026-05-02".into(),
            gist: "太短".into(),
            ..ok.clone()
        };
        let fields: Vec<_> = validate_guiding(&bad, today())
            .unwrap_err()
            .into_iter()
            .filter_map(|e| e.field)
            .collect();
        assert_eq!(fields, ["gist", "kind", "keywords", "issued_on"]);
        let many = GuidingInput {
            keywords: (0..11)
                .map(|i| format!("词{i}"))
                .collect::<Vec<_>>()
                .join("，"),
            issued_on: "2014/12/18".into(),
            ..ok
        };
        let fields: Vec<_> = validate_guiding(&many, today())
            .unwrap_err()
            .into_iter()
            .filter_map(|e| e.field)
            .collect();
        assert_eq!(fields, ["keywords", "issued_on"]);
    }

    #[test]
    fn session_checks() {
        let ok = SessionInput {
            held_on: "2026-05-01".into(),
            title: "不起诉案件质量点评".into(),
            presenter: "王检察长".into(),
            case_numbers: "（2025）甲检刑不诉12号\n（2025）甲检刑不诉13号".into(),
            guiding_numbers: "".into(),
            notes: "两起案件均存在证据审查不细、不起诉理由说理不充分的问题。".into(),
        };
        let v = validate_session(&ok, today()).unwrap();
        assert_eq!(v.case_numbers.len(), 2);
        assert!(v.guiding_numbers.is_empty());
        let bad = SessionInput {
            held_on: "2026-05-02".into(),
            case_numbers: "，".into(),
            guiding_numbers: "号".repeat(61),
            ..ok.clone()
        };
        let fields: Vec<_> = validate_session(&bad, today())
            .unwrap_err()
            .into_iter()
            .filter_map(|e| e.field)
            .collect();
        assert_eq!(fields, ["held_on", "guiding_numbers", "case_numbers"]);
        let empty = SessionInput {
            held_on: " ".into(),
            ..ok
        };
        let errs = validate_session(&empty, today()).unwrap_err();
        assert_eq!(errs[0].message, "请填写点评日期");
    }
}
