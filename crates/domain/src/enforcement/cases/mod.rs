//! The case register (案件登记): kinds of case and the stages each goes through, who may move a case on
//! and how it may end, the time limit of every stage (限期结案), and the checks a case must pass whether it
//! is typed in by hand or read from a spreadsheet. "谁办案谁负责、谁决定谁负责": every stage after the
//! first names the person who decided it.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use crate::error::DomainError;

mod moves;
mod validate;

pub use moves::*;
pub use validate::*;

string_enum! {
    /// Where a case stands. The stored identifiers are the register's contract with the other parts.
    pub enum CaseStage ("案件阶段") {
        Received = ("received", "受案"),
        Filed = ("filed", "立案"),
        Investigation = ("investigation", "侦查调查"),
        Review = ("review", "审查起诉"),
        Trial = ("trial", "审理"),
        Judgment = ("judgment", "裁判"),
        Enforcement = ("enforcement", "执行"),
        Closed = ("closed", "结案"),
    }
}

string_enum! {
    /// How a closed case ended.
    pub enum CaseOutcome ("结案结果") {
        Withdrawn = ("withdrawn", "撤案"),
        NotProsecuted = ("not_prosecuted", "不起诉"),
        Judged = ("judged", "判决"),
        Mediated = ("mediated", "调解"),
        NotFiled = ("not_filed", "不予立案"),
        Other = ("other", "其他"),
    }
}

string_enum! {
    /// The kind of case, which fixes the stages it passes through.
    pub enum CaseKind ("案件类型") {
        Criminal = ("criminal", "刑事案件"),
        Administrative = ("administrative", "行政案件"),
        Civil = ("civil", "民事案件"),
        AdminLitigation = ("admin_litigation", "行政诉讼案件"),
    }
}

impl CaseKind {
    /// The stages in order. A case may skip ahead (a withdrawn case never reaches trial) but never goes back.
    pub fn stages(self) -> &'static [CaseStage] {
        use CaseStage::*;
        match self {
            CaseKind::Criminal => &[
                Received,
                Filed,
                Investigation,
                Review,
                Trial,
                Judgment,
                Enforcement,
                Closed,
            ],
            // 行政处罚 by the police: 受案、立案调查、处罚决定的执行.
            CaseKind::Administrative => &[Received, Filed, Investigation, Enforcement, Closed],
            CaseKind::Civil | CaseKind::AdminLitigation => {
                &[Received, Filed, Trial, Judgment, Enforcement, Closed]
            }
        }
    }

    fn position(self, stage: CaseStage) -> Option<usize> {
        self.stages().iter().position(|s| *s == stage)
    }

    /// The stages a case at `from` may move on to (closing is separate: it needs an outcome).
    pub fn next_stages(self, from: CaseStage) -> Vec<CaseStage> {
        match self.position(from) {
            Some(i) => self.stages()[i + 1..]
                .iter()
                .copied()
                .filter(|s| *s != CaseStage::Closed)
                .collect(),
            None => vec![],
        }
    }

    /// The outcomes a case at `from` may close with.
    pub fn outcomes_from(self, from: CaseStage) -> Vec<CaseOutcome> {
        CaseOutcome::all()
            .iter()
            .copied()
            .filter(|o| check_close(self, from, *o).is_ok())
            .collect()
    }
}

/// Whether a case of `kind` at `from` may move on to `to`.
pub fn check_advance(kind: CaseKind, from: CaseStage, to: CaseStage) -> Result<(), DomainError> {
    if from == CaseStage::Closed {
        return Err(DomainError::field("to", "案件已结案，不能再变更阶段"));
    }
    if to == CaseStage::Closed {
        return Err(DomainError::field(
            "to",
            "结案请使用结案办理，并选择结案结果",
        ));
    }
    let Some(to_at) = kind.position(to) else {
        return Err(DomainError::field(
            "to",
            format!("{}没有「{}」阶段", kind.label(), to.label()),
        ));
    };
    match kind.position(from) {
        Some(from_at) if to_at > from_at => Ok(()),
        Some(_) => Err(DomainError::field(
            "to",
            format!(
                "案件当前处于{}阶段，不能回到或停留在{}阶段",
                from.label(),
                to.label()
            ),
        )),
        None => Err(DomainError::field(
            "to",
            format!("{}没有「{}」阶段", kind.label(), from.label()),
        )),
    }
}

/// Whether a case of `kind` at `from` may close with `outcome`: each ending belongs to a point in the
/// procedure (不予立案 before filing, 不起诉 at review, 判决 after trial, ...).
pub fn check_close(
    kind: CaseKind,
    from: CaseStage,
    outcome: CaseOutcome,
) -> Result<(), DomainError> {
    use CaseStage::*;
    if from == Closed {
        return Err(DomainError::field("outcome", "案件已结案"));
    }
    let has_trial = kind.stages().contains(&Trial);
    let ok = match outcome {
        CaseOutcome::NotFiled => from == Received,
        CaseOutcome::Withdrawn => matches!(from, Filed | Investigation | Review | Trial),
        CaseOutcome::NotProsecuted => kind == CaseKind::Criminal && from == Review,
        CaseOutcome::Judged => has_trial && matches!(from, Trial | Judgment | Enforcement),
        CaseOutcome::Mediated => {
            matches!(kind, CaseKind::Civil | CaseKind::AdminLitigation)
                && matches!(from, Filed | Trial | Judgment | Enforcement)
        }
        CaseOutcome::Other => true,
    };
    if ok {
        Ok(())
    } else {
        Err(DomainError::field(
            "outcome",
            format!(
                "{}在{}阶段不能以「{}」结案",
                kind.label(),
                from.label(),
                outcome.label()
            ),
        ))
    }
}

/// Calendar days each stage may last, by kind. Procedure law counts these limits in days and months,
/// not working days. A stage without a limit (执行 of a prison sentence, 结案) has none.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct StageLimits {
    /// `"kind.stage"` → days set by the office; 0 means no limit. Anything not set takes the default.
    pub overrides: BTreeMap<String, u32>,
}

/// The built-in limits.
pub fn default_limit(kind: CaseKind, stage: CaseStage) -> Option<u32> {
    use CaseKind::*;
    use CaseStage::*;
    match (kind, stage) {
        (_, Closed) => None,
        // 公安机关办理刑事案件程序规定 §178: 受案后七日内（重大复杂三十日）决定是否立案.
        (Criminal, Received) => Some(7),
        // 民事诉讼法 §126, 行政诉讼法 §51: 七日内决定是否立案.
        (Civil | AdminLitigation, Received) => Some(7),
        (Administrative, Received) => Some(3),
        (_, Filed) => Some(30),
        // 刑事诉讼法 §156: 侦查羁押期限二个月.
        (Criminal, Investigation) => Some(60),
        // 治安管理处罚法 §99: 办理期限三十日.
        (Administrative, Investigation) => Some(30),
        // 刑事诉讼法 §172: 一个月，可延长十五日.
        (Criminal, Review) => Some(45),
        // 刑事诉讼法 §208: 二个月，至迟三个月.
        (Criminal, Trial) => Some(90),
        // 民事诉讼法 §152, 行政诉讼法 §81: 六个月.
        (Civil | AdminLitigation, Trial) => Some(180),
        // 上诉期（刑事十日、民事十五日）届满、送达生效.
        (_, Judgment) => Some(15),
        (Administrative, Enforcement) => Some(30),
        (Civil | AdminLitigation, Enforcement) => Some(180),
        (Criminal, Enforcement) => None,
        _ => None,
    }
}

fn limit_key(kind: CaseKind, stage: CaseStage) -> String {
    format!("{}.{}", kind.as_str(), stage.as_str())
}

impl StageLimits {
    pub fn limit_for(&self, kind: CaseKind, stage: CaseStage) -> Option<u32> {
        if stage == CaseStage::Closed || !kind.stages().contains(&stage) {
            return None;
        }
        match self.overrides.get(&limit_key(kind, stage)) {
            Some(0) => None,
            Some(n) => Some(*n),
            None => default_limit(kind, stage),
        }
    }

    /// The day a stage entered on `started` is due to end.
    pub fn due(&self, kind: CaseKind, stage: CaseStage, started: NaiveDate) -> Option<NaiveDate> {
        self.limit_for(kind, stage)
            .and_then(|n| started.checked_add_days(Days::new(u64::from(n))))
    }

    /// Sets one limit (`None` = no limit). Setting the default value removes the override.
    pub fn set(&mut self, kind: CaseKind, stage: CaseStage, days: Option<u32>) {
        let key = limit_key(kind, stage);
        let value = days.unwrap_or(0);
        if default_limit(kind, stage).unwrap_or(0) == value {
            self.overrides.remove(&key);
        } else {
            self.overrides.insert(key, value);
        }
    }
}

/// A limit typed into the settings form: blank or 0 is "no limit", at most ten years.
pub fn parse_limit(s: &str) -> Result<Option<u32>, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u32>() {
        Ok(0) => Ok(None),
        Ok(n) if n <= 3650 => Ok(Some(n)),
        _ => Err(DomainError::field(
            "limit",
            format!(
                "期限应为0至3650之间的天数（0或不填表示不设期限），而不是“{}”",
                shorten(t)
            ),
        )),
    }
}

/// An open stage past its due day.
pub fn is_overdue(stage: CaseStage, due: Option<NaiveDate>, today: NaiveDate) -> bool {
    stage != CaseStage::Closed && due.is_some_and(|d| d < today)
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}

/// A date as people type it: 2025-03-08, 2025/3/8 or 2025.3.8.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s
        .trim()
        .replace(['/', '.', '年', '月'], "-")
        .replace('日', "");
    let mut parts = t.split('-').map(str::trim);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (y, m, d) = (
        y.parse::<i32>().ok()?,
        m.parse::<u32>().ok()?,
        d.parse::<u32>().ok()?,
    );
    if !(1950..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// 是/否 as spreadsheets and forms say it; blank is 否.
pub fn parse_yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "否" | "0" | "n" | "no" | "false" | "不涉及" => Some(false),
        "是" | "1" | "y" | "yes" | "true" | "on" | "涉黑恶" | "涉黑" | "涉恶" => Some(true),
        _ => None,
    }
}

/// A kind, stage or outcome by its Chinese label or its identifier.
pub fn parse_kind(s: &str) -> Option<CaseKind> {
    let t = s.trim();
    CaseKind::all().iter().copied().find(|k| {
        k.label() == t
            || k.as_str().eq_ignore_ascii_case(t)
            || k.label().trim_end_matches("案件") == t
    })
}

pub fn parse_stage(s: &str) -> Option<CaseStage> {
    let t = s.trim();
    CaseStage::all()
        .iter()
        .copied()
        .find(|k| k.label() == t || k.as_str().eq_ignore_ascii_case(t))
}

pub fn parse_outcome(s: &str) -> Option<CaseOutcome> {
    let t = s.trim();
    CaseOutcome::all()
        .iter()
        .copied()
        .find(|k| k.label() == t || k.as_str().eq_ignore_ascii_case(t))
}

/// The form fields for the date and the deciding person of a stage entered after the first: where an
/// error about them is shown, and what the import's columns are called.
pub fn decision_fields(stage: CaseStage) -> (&'static str, &'static str) {
    use CaseStage::*;
    match stage {
        Received => ("received_on", "received_by"),
        Filed => ("filed_on", "filed_by"),
        Investigation => ("investigation_on", "investigation_by"),
        Review => ("review_on", "review_by"),
        Trial => ("trial_on", "trial_by"),
        Judgment => ("judgment_on", "judgment_by"),
        Enforcement => ("enforcement_on", "enforcement_by"),
        Closed => ("closed_on", "closed_by"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn stages_only_move_forward_within_the_kind() {
        use CaseStage::*;
        assert!(check_advance(CaseKind::Criminal, Received, Filed).is_ok());
        assert!(check_advance(CaseKind::Criminal, Filed, Review).is_ok());
        assert!(check_advance(CaseKind::Criminal, Review, Filed).is_err());
        assert!(check_advance(CaseKind::Criminal, Filed, Filed).is_err());
        assert!(check_advance(CaseKind::Civil, Filed, Investigation).is_err());
        assert!(check_advance(CaseKind::Criminal, Trial, Closed).is_err());
        assert!(check_advance(CaseKind::Criminal, Closed, Enforcement).is_err());
        assert_eq!(
            CaseKind::Civil.next_stages(Filed),
            vec![Trial, Judgment, Enforcement]
        );
        assert!(CaseKind::Criminal.next_stages(Closed).is_empty());
    }

    #[test]
    fn each_outcome_belongs_to_its_point_in_the_procedure() {
        use CaseOutcome::*;
        use CaseStage::*;
        assert!(check_close(CaseKind::Criminal, Received, NotFiled).is_ok());
        assert!(check_close(CaseKind::Criminal, Filed, NotFiled).is_err());
        assert!(check_close(CaseKind::Criminal, Review, NotProsecuted).is_ok());
        assert!(check_close(CaseKind::Civil, Review, NotProsecuted).is_err());
        assert!(check_close(CaseKind::Criminal, Investigation, Judged).is_err());
        assert!(check_close(CaseKind::Criminal, Judgment, Judged).is_ok());
        assert!(check_close(CaseKind::Administrative, Enforcement, Judged).is_err());
        assert!(check_close(CaseKind::Civil, Trial, Mediated).is_ok());
        assert!(check_close(CaseKind::Criminal, Trial, Mediated).is_err());
        assert!(check_close(CaseKind::Criminal, Closed, Other).is_err());
        let e = check_close(CaseKind::Criminal, Filed, NotProsecuted).unwrap_err();
        assert_eq!(e.message, "刑事案件在立案阶段不能以「不起诉」结案");
    }

    #[test]
    fn limits_default_by_kind_and_can_be_overridden() {
        let mut l = StageLimits::default();
        assert_eq!(
            l.limit_for(CaseKind::Criminal, CaseStage::Received),
            Some(7)
        );
        assert_eq!(l.limit_for(CaseKind::Criminal, CaseStage::Review), Some(45));
        assert_eq!(l.limit_for(CaseKind::Civil, CaseStage::Trial), Some(180));
        assert_eq!(l.limit_for(CaseKind::Civil, CaseStage::Review), None);
        assert_eq!(l.limit_for(CaseKind::Criminal, CaseStage::Closed), None);
        assert_eq!(
            l.due(CaseKind::Criminal, CaseStage::Received, d("2025-02-25")),
            Some(d("2025-03-04"))
        );
        l.set(CaseKind::Criminal, CaseStage::Received, Some(3));
        assert_eq!(
            l.limit_for(CaseKind::Criminal, CaseStage::Received),
            Some(3)
        );
        l.set(CaseKind::Criminal, CaseStage::Trial, None);
        assert_eq!(l.limit_for(CaseKind::Criminal, CaseStage::Trial), None);
        l.set(CaseKind::Criminal, CaseStage::Received, Some(7));
        assert!(!l.overrides.contains_key("criminal.received"));
        let json = serde_json::to_string(&l).unwrap();
        let back: StageLimits = serde_json::from_str(&json).unwrap();
        assert_eq!(back, l);
        assert_eq!(parse_limit(" 15 "), Ok(Some(15)));
        assert_eq!(parse_limit(""), Ok(None));
        assert_eq!(parse_limit("0"), Ok(None));
        assert!(parse_limit("-1").is_err());
        assert!(parse_limit("九十").is_err());
        assert!(parse_limit("99999").is_err());
    }

    #[test]
    fn overdue_is_strictly_after_the_due_day() {
        let due = Some(d("2025-03-08"));
        assert!(!is_overdue(CaseStage::Filed, due, d("2025-03-08")));
        assert!(is_overdue(CaseStage::Filed, due, d("2025-03-09")));
        assert!(!is_overdue(CaseStage::Closed, due, d("2025-04-09")));
        assert!(!is_overdue(CaseStage::Trial, None, d("2030-01-01")));
    }

    #[test]
    fn dates_and_flags_as_people_type_them() {
        assert_eq!(parse_date("2025/3/8"), Some(d("2025-03-08")));
        assert_eq!(parse_date("2025.03.08"), Some(d("2025-03-08")));
        assert_eq!(parse_date("2025年3月8日"), Some(d("2025-03-08")));
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(parse_date("昨天"), None);
        assert_eq!(parse_date("45000"), None);
        assert_eq!(parse_yes_no("是"), Some(true));
        assert_eq!(parse_yes_no(""), Some(false));
        assert_eq!(parse_yes_no("也许"), None);
        assert_eq!(parse_kind("刑事"), Some(CaseKind::Criminal));
        assert_eq!(parse_stage("审查起诉"), Some(CaseStage::Review));
        assert_eq!(parse_outcome("judged"), Some(CaseOutcome::Judged));
    }
}
