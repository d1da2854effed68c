//! Inquiry records (过问案件登记, "逢问必录"): who asked about which case, when, how, what was said and how
//! it was handled; when an inquiry counts as interference (a leader who is not among the case's
//! officers); and the quarter each unit reports on, with a nil report (零报告) when nobody asked.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::error::DomainError;
use crate::org::{clean_optional, clean_text};

string_enum! {
    /// How the inquiry reached the officer.
    pub enum Channel ("过问方式") {
        InPerson = ("in_person", "当面"),
        Phone = ("phone", "电话"),
        Message = ("message", "短信微信"),
        Written = ("written", "书面"),
        Other = ("other", "其他"),
    }
}

/// Words in a position (职务) that make its holder a leading cadre (领导干部) for the 三个规定. A form flag
/// covers anyone these words miss.
const LEADER_WORDS: &[&str] = &[
    "领导",
    "书记",
    "局长",
    "院长",
    "检察长",
    "庭长",
    "处长",
    "科长",
    "所长",
    "队长",
    "部长",
    "厅长",
    "监狱长",
    "政委",
    "主任",
    "市长",
    "县长",
    "区长",
    "镇长",
    "乡长",
    "主席",
    "委员长",
    "署长",
];

/// Whether a position names a leading cadre.
pub fn is_leader_position(position: &str) -> bool {
    let p = position.trim();
    LEADER_WORDS.iter().any(|w| p.contains(w))
}

/// Why an inquiry was or was not flagged as interference (干预): shown beside the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterferenceCheck {
    pub leader: bool,
    pub interference: bool,
    pub because: String,
}

/// 领导干部干预司法活动、插手具体案件处理的记录、通报和责任追究规定: an inquiry by a leading cadre who is not
/// among the officers handling the case is interference; one by the case's own leader or decider is
/// part of handling it.
pub fn check_interference(
    flagged_leader: bool,
    position: &str,
    among_case_officers: bool,
) -> InterferenceCheck {
    let by_position = is_leader_position(position);
    let leader = flagged_leader || by_position;
    let why_leader = match (flagged_leader, by_position) {
        (true, _) => "登记为领导干部".to_string(),
        (false, true) => format!("职务“{}”属领导干部", position.trim()),
        _ => String::new(),
    };
    match (leader, among_case_officers) {
        (false, _) => InterferenceCheck {
            leader,
            interference: false,
            because: "过问人不是领导干部".into(),
        },
        (true, true) => InterferenceCheck {
            leader,
            interference: false,
            because: format!("{why_leader}，但系该案承办、决定或分管人员"),
        },
        (true, false) => InterferenceCheck {
            leader,
            interference: true,
            because: format!("{why_leader}，且不在该案办案人员之列，属干预司法"),
        },
    }
}

/// An inquiry as typed into the form.
#[derive(Debug, Clone, Default)]
pub struct InquiryInput {
    pub case_number: String,
    pub asker_name: String,
    pub asker_position: String,
    pub asker_unit: String,
    /// The asker's badge when they are on the roster.
    pub asker_badge: String,
    /// `2025-03-08T14:30` (a datetime-local field) or `2025-03-08 14:30`.
    pub asked_at: String,
    pub channel: String,
    pub content: String,
    pub handling: String,
    /// The form's "领导干部" box.
    pub leader: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidInquiry {
    pub case_number: String,
    pub asker_name: Option<String>,
    pub asker_position: Option<String>,
    pub asker_unit: Option<String>,
    pub asker_badge: Option<String>,
    /// Beijing local time.
    pub asked_at: NaiveDateTime,
    pub channel: Channel,
    pub content: String,
    pub handling: String,
    pub leader: bool,
}

/// A time as typed: date and minutes, `T` or a space between.
pub fn parse_local_time(s: &str) -> Option<NaiveDateTime> {
    let t = s.trim().replace('T', " ").replace('/', "-");
    ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&t, f).ok())
}

/// Checks an inquiry; every field's problem comes back at once. The name may be left blank only when a
/// badge is given (the roster fills it in); the time may not lie in the future (`now`, Beijing time).
pub fn validate_inquiry(
    input: &InquiryInput,
    now: NaiveDateTime,
) -> Result<ValidInquiry, Vec<DomainError>> {
    let mut errors = Vec::new();
    let case_number = match clean_text(&input.case_number, "case", "案件编号", 2, 64) {
        Ok(n) => Some(n),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let badge = input.asker_badge.trim();
    let asker_badge = if badge.is_empty() {
        None
    } else if (2..=32).contains(&badge.chars().count())
        && badge.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Some(badge.to_string())
    } else {
        errors.push(DomainError::field(
            "asker_badge",
            "过问人警号应为2至32位字母或数字；过问人不在花名册中的请不填",
        ));
        None
    };
    let mut opt = |v: &str, field: &'static str, label: &str, max: usize| {
        clean_optional(Some(v), field, label, max)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
    };
    let asker_name = opt(&input.asker_name, "asker_name", "过问人姓名", 50);
    let asker_position = opt(&input.asker_position, "asker_position", "过问人职务", 50);
    let asker_unit = opt(&input.asker_unit, "asker_unit", "过问人单位", 100);
    if asker_name.is_none() && asker_badge.is_none() && input.asker_name.trim().is_empty() {
        errors.push(DomainError::field(
            "asker_name",
            "请填写过问人姓名（过问人是本系统花名册中的干警时，也可只填警号）",
        ));
    }
    let asked_at = match parse_local_time(&input.asked_at) {
        Some(t) if t > now + chrono::Duration::minutes(5) => {
            errors.push(DomainError::field("asked_at", "过问时间不能晚于现在"));
            None
        }
        Some(t) if t.year() < 2000 => {
            errors.push(DomainError::field("asked_at", "过问时间不正确"));
            None
        }
        Some(t) => Some(t),
        None => {
            errors.push(DomainError::field(
                "asked_at",
                "请填写过问时间，如 2025-03-08 14:30",
            ));
            None
        }
    };
    let channel = Channel::parse(&input.channel)
        .map_err(|_| errors.push(DomainError::field("channel", "请选择过问方式")))
        .ok();
    let content = clean_text(&input.content, "content", "过问内容", 5, 5000)
        .map_err(|e| errors.push(e))
        .ok();
    let handling = clean_text(&input.handling, "handling", "处理情况", 2, 2000)
        .map_err(|e| errors.push(e))
        .ok();
    match (case_number, asked_at, channel, content, handling) {
        (Some(case_number), Some(asked_at), Some(channel), Some(content), Some(handling))
            if errors.is_empty() =>
        {
            Ok(ValidInquiry {
                case_number,
                asker_name,
                asker_position,
                asker_unit,
                asker_badge,
                asked_at,
                channel,
                content,
                handling,
                leader: input.leader,
            })
        }
        _ => Err(errors),
    }
}

/// A calendar quarter, written `2025-Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub q: u32,
}

impl Quarter {
    pub fn of(d: NaiveDate) -> Quarter {
        Quarter {
            year: d.year(),
            q: (d.month() - 1) / 3 + 1,
        }
    }

    pub fn parse(s: &str) -> Result<Quarter, DomainError> {
        let bad = || DomainError::field("quarter", "季度应写作如 2025-Q3");
        let t = s.trim().to_ascii_uppercase();
        let (y, q) = t.split_once("-Q").ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let q: u32 = q.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) || !(1..=4).contains(&q) {
            return Err(bad());
        }
        Ok(Quarter { year, q })
    }

    pub fn previous(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or_default()
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    /// The last quarter that has ended by `today`: what units report on now.
    pub fn last_finished(today: NaiveDate) -> Quarter {
        Quarter::of(today).previous()
    }

    pub fn as_string(self) -> String {
        format!("{}-Q{}", self.year, self.q)
    }

    pub fn label(self) -> String {
        format!("{}年第{}季度", self.year, self.q)
    }
}

/// Checks a quarterly report: the quarter must have ended; a nil report (零报告) only when the unit
/// recorded no inquiry in it; a report with inquiries needs a summary.
pub fn check_report(
    quarter: Quarter,
    today: NaiveDate,
    nil: bool,
    recorded: i64,
    summary: &str,
) -> Result<Option<String>, DomainError> {
    if quarter.last_day() >= today {
        return Err(DomainError::field(
            "quarter",
            format!("{}尚未结束，结束后再报送", quarter.label()),
        ));
    }
    if nil && recorded > 0 {
        return Err(DomainError::field(
            "nil",
            format!(
                "本单位{}登记了{recorded}条过问记录，不能报送零报告",
                quarter.label()
            ),
        ));
    }
    if nil {
        return clean_optional(Some(summary), "summary", "说明", 2000);
    }
    if recorded == 0 {
        return Err(DomainError::field(
            "nil",
            format!(
                "本单位{}没有登记过问记录，如确无过问情况请报送零报告",
                quarter.label()
            ),
        ));
    }
    clean_text(summary, "summary", "情况说明", 5, 2000).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        parse_local_time("2025-06-10 09:00").unwrap()
    }

    fn input() -> InquiryInput {
        InquiryInput {
            case_number: "甲公（刑）立字〔2025〕12号".into(),
            asker_name: "钱某".into(),
            asker_position: "副局长".into(),
            asker_unit: "甲区某局".into(),
            asked_at: "2025-06-09T16:20".into(),
            channel: "phone".into(),
            content: "询问案件进展，希望从轻处理".into(),
            handling: "已告知依法办理".into(),
            ..InquiryInput::default()
        }
    }

    #[test]
    fn leaders_are_known_by_position_or_flag() {
        assert!(is_leader_position("副局长"));
        assert!(is_leader_position("刑庭庭长"));
        assert!(is_leader_position("县委书记"));
        assert!(!is_leader_position("民警"));
        assert!(!is_leader_position("审判员"));
        assert!(!is_leader_position(""));
    }

    #[test]
    fn only_a_leader_outside_the_case_interferes() {
        let c = check_interference(false, "副局长", false);
        assert!(c.leader && c.interference);
        assert!(
            c.because.contains("副局长") && c.because.contains("干预"),
            "{}",
            c.because
        );
        let c = check_interference(false, "副局长", true);
        assert!(c.leader && !c.interference);
        let c = check_interference(false, "民警", false);
        assert!(!c.leader && !c.interference);
        let c = check_interference(true, "某公司顾问", false);
        assert!(c.leader && c.interference);
        assert!(c.because.starts_with("登记为领导干部"));
    }

    #[test]
    fn an_inquiry_is_checked_whole() {
        let v = validate_inquiry(&input(), now()).unwrap();
        assert_eq!(v.channel, Channel::Phone);
        assert_eq!(v.asked_at, parse_local_time("2025-06-09 16:20").unwrap());
        assert_eq!(v.asker_badge, None);
        let mut bad = input();
        bad.case_number = " ".into();
        bad.asker_name = String::new();
        bad.asked_at = "2025-06-11 09:00".into();
        bad.channel = "pigeon".into();
        bad.content = "问".into();
        bad.handling = String::new();
        let errs = validate_inquiry(&bad, now()).unwrap_err();
        let fields: Vec<&str> = errs.iter().filter_map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                "case",
                "asker_name",
                "asked_at",
                "channel",
                "content",
                "handling"
            ]
        );
        // On the roster, a badge alone is enough.
        let mut by_badge = input();
        by_badge.asker_name = String::new();
        by_badge.asker_badge = "JA0001".into();
        assert!(validate_inquiry(&by_badge, now()).is_ok());
        by_badge.asker_badge = "甲0001".into();
        assert!(validate_inquiry(&by_badge, now()).is_err());
    }

    #[test]
    fn quarters() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let q = Quarter::of(d("2025-02-15"));
        assert_eq!(q, Quarter { year: 2025, q: 1 });
        assert_eq!(q.previous().as_string(), "2024-Q4");
        assert_eq!(q.next().as_string(), "2025-Q2");
        assert_eq!(q.first_day(), d("2025-01-01"));
        assert_eq!(q.last_day(), d("2025-03-31"));
        assert_eq!(Quarter::parse("2024-q4"), Ok(Quarter { year: 2024, q: 4 }));
        assert!(Quarter::parse("2024-Q5").is_err());
        assert!(Quarter::parse("2024Q1").is_err());
        assert_eq!(
            Quarter::last_finished(d("2025-04-01")).label(),
            "2025年第1季度"
        );
        assert_eq!(
            Quarter::last_finished(d("2025-03-31")).as_string(),
            "2024-Q4"
        );
    }

    #[test]
    fn nil_reports_only_when_nobody_asked() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let q = Quarter::parse("2025-Q1").unwrap();
        let today = d("2025-04-02");
        assert_eq!(check_report(q, today, true, 0, ""), Ok(None));
        let e = check_report(q, today, true, 3, "").unwrap_err();
        assert!(e.message.contains("3条") && e.field == Some("nil"));
        assert!(check_report(q, today, false, 0, "情况说明一二三").is_err());
        assert!(check_report(q, today, false, 2, "短").is_err());
        assert!(check_report(q, today, false, 2, "均已如实登记并报告").is_ok());
        let e = check_report(q, d("2025-03-31"), true, 0, "").unwrap_err();
        assert!(e.message.contains("尚未结束"));
    }
}
