//! Checking a case as typed by hand or read from a spreadsheet, and a move of a case to its next stage
//! or to 结案: every problem is reported at once, tied to its field (and so to its spreadsheet column).

use chrono::NaiveDate;

use super::{
    CaseKind, CaseOutcome, CaseStage, StageLimits, check_close, decision_fields, parse_date,
    parse_kind, parse_outcome, parse_stage, parse_yes_no, shorten,
};
use crate::error::DomainError;
use crate::org::clean_text;

/// A case as typed: every value is the text someone entered.
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    pub number: String,
    pub title: String,
    pub kind: String,
    pub unit_code: String,
    pub handler_badge: String,
    pub leader_badge: String,
    /// Assisting officers' badges, separated by commas, 、 or spaces.
    pub assistant_badges: String,
    pub received_on: String,
    pub stage: String,
    pub stage_since: String,
    pub stage_due: String,
    pub closed_on: String,
    pub outcome: String,
    pub gang: String,
    /// For stages after 受案: (stage, date, deciding person's badge) as typed; blank ones may be left out.
    pub decisions: Vec<(CaseStage, String, String)>,
}

/// One stage of a checked case, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStage {
    pub stage: CaseStage,
    pub started_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub decider_badge: Option<String>,
    pub decision: String,
}

/// A checked case: badges and the unit code are still to be looked up on the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCase {
    pub number: String,
    pub title: String,
    pub kind: CaseKind,
    pub unit_code: String,
    pub handler_badge: String,
    pub leader_badge: Option<String>,
    pub assistant_badges: Vec<String>,
    pub received_on: NaiveDate,
    pub gang: bool,
    /// From 受案 to the current stage; the last one is where the case stands.
    pub stages: Vec<PlannedStage>,
    pub outcome: Option<CaseOutcome>,
}

impl ValidCase {
    pub fn current(&self) -> &PlannedStage {
        self.stages
            .last()
            .expect("a case has at least its first stage")
    }

    /// Every badge the case names, for looking them up at once.
    pub fn badges(&self) -> Vec<&str> {
        let mut v = vec![self.handler_badge.as_str()];
        v.extend(self.leader_badge.as_deref());
        v.extend(self.assistant_badges.iter().map(String::as_str));
        v.extend(
            self.stages
                .iter()
                .filter_map(|s| s.decider_badge.as_deref()),
        );
        v
    }
}

/// A case number as the handling unit wrote it (e.g. 甲公（刑）立字〔2025〕123号): 2 to 64 characters.
pub fn clean_number(s: &str) -> Result<String, DomainError> {
    clean_text(s, "number", "案件编号", 2, 64)
}

/// A badge (警号) as typed: 2 to 32 letters, digits or hyphens.
pub fn clean_badge(s: &str, field: &'static str, label: &str) -> Result<String, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DomainError::field(field, format!("请填写{label}")));
    }
    let n = t.chars().count();
    if !(2..=32).contains(&n) || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(DomainError::field(
            field,
            format!("{label}应为2至32位字母或数字，而不是“{}”", shorten(t)),
        ));
    }
    Ok(t.to_string())
}

fn decision_text(stage: CaseStage, outcome: Option<CaseOutcome>) -> String {
    match (stage, outcome) {
        (CaseStage::Received, _) => "受案登记".into(),
        (CaseStage::Closed, Some(o)) => format!("结案（{}）", o.label()),
        (s, _) => format!("决定进入{}阶段", s.label()),
    }
}

/// A date field: blank is `None` (an error when `required`), and no day after `today`.
fn typed_date(
    errors: &mut Vec<DomainError>,
    s: &str,
    field: &'static str,
    label: &str,
    required: bool,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let t = s.trim();
    if t.is_empty() {
        if required {
            errors.push(DomainError::field(field, format!("请填写{label}")));
        }
        return None;
    }
    match parse_date(t) {
        Some(d) if d > today => {
            errors.push(DomainError::field(
                field,
                format!("{label}不能晚于今天（{today}）"),
            ));
            None
        }
        Some(d) => Some(d),
        None => {
            errors.push(DomainError::field(
                field,
                format!("{label}应为日期，如 2025-03-08，而不是“{}”", shorten(t)),
            ));
            None
        }
    }
}

/// Checks a case typed in by hand or read from a spreadsheet; every problem comes back at once. Dates
/// must follow the order of the stages and may not lie after `today`; a stage's time limit comes from
/// `limits` unless the current stage's deadline (阶段期限) is given.
pub fn validate_case(
    input: &CaseInput,
    limits: &StageLimits,
    today: NaiveDate,
) -> Result<ValidCase, Vec<DomainError>> {
    let mut errors = Vec::new();
    let mut keep = |r: Result<String, DomainError>| r.map_err(|e| errors.push(e)).ok();
    let number = keep(clean_number(&input.number));
    let title = keep(clean_text(&input.title, "title", "案件名称", 2, 200));
    let handler_badge = keep(clean_badge(&input.handler_badge, "handler", "承办人警号"));
    let leader_badge = if input.leader_badge.trim().is_empty() {
        None
    } else {
        keep(clean_badge(&input.leader_badge, "leader", "分管领导警号"))
    };
    let mut assistant_badges = Vec::new();
    for b in input
        .assistant_badges
        .split([',', '，', '、', ';', '；', ' ', '\n'])
        .filter(|b| !b.trim().is_empty())
    {
        if let Some(b) = keep(clean_badge(b, "assistants", "协办人警号"))
            && !assistant_badges.contains(&b)
        {
            assistant_badges.push(b);
        }
    }
    let unit_code = input.unit_code.trim().to_string();
    if unit_code.is_empty() {
        errors.push(DomainError::field("unit", "请填写承办单位"));
    }
    let kind = parse_kind(&input.kind);
    if kind.is_none() {
        errors.push(DomainError::field(
            "kind",
            format!(
                "案件类型应为：{}",
                CaseKind::all()
                    .iter()
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ));
    }
    let gang = parse_yes_no(&input.gang);
    if gang.is_none() {
        errors.push(DomainError::field("gang", "是否涉黑恶应填写“是”或“否”"));
    }
    let received_on = typed_date(
        &mut errors,
        &input.received_on,
        "received_on",
        "受案日期",
        true,
        today,
    );
    let closed_on = typed_date(
        &mut errors,
        &input.closed_on,
        "closed_on",
        "结案日期",
        false,
        today,
    );
    let stage_since_typed = typed_date(
        &mut errors,
        &input.stage_since,
        "stage_since",
        "阶段开始日期",
        false,
        today,
    );
    let mut decided = Vec::new();
    for (stage, on, by) in &input.decisions {
        let (df, bf) = decision_fields(*stage);
        let label = format!("{}日期", stage.label());
        let d = typed_date(&mut errors, on, df, &label, false, today);
        let badge = if by.trim().is_empty() {
            None
        } else {
            match clean_badge(by, bf, &format!("{}决定人警号", stage.label())) {
                Ok(b) => Some(b),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };
        decided.push((*stage, d, badge));
    }
    // The stage: blank means 受案.
    let stage = if input.stage.trim().is_empty() {
        Some(CaseStage::Received)
    } else {
        let s = parse_stage(&input.stage);
        if s.is_none() {
            errors.push(DomainError::field(
                "stage",
                format!(
                    "当前阶段应为：{}",
                    CaseStage::all()
                        .iter()
                        .map(|s| s.label())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ));
        }
        s
    };
    let outcome = if input.outcome.trim().is_empty() {
        None
    } else {
        let o = parse_outcome(&input.outcome);
        if o.is_none() {
            errors.push(DomainError::field(
                "outcome",
                format!(
                    "结果应为：{}",
                    CaseOutcome::all()
                        .iter()
                        .map(|s| s.label())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ));
        }
        o
    };
    let (Some(kind), Some(stage), Some(received_on)) = (kind, stage, received_on) else {
        return Err(errors);
    };
    let Some(current_at) = kind.position(stage) else {
        errors.push(DomainError::field(
            "stage",
            format!("{}没有「{}」阶段", kind.label(), stage.label()),
        ));
        return Err(errors);
    };
    let closed = stage == CaseStage::Closed;
    match (
        closed,
        closed_on.is_some() || !input.closed_on.trim().is_empty(),
    ) {
        (true, false) => errors.push(DomainError::field(
            "closed_on",
            "已结案的案件请填写结案日期",
        )),
        (false, true) => errors.push(DomainError::field(
            "closed_on",
            "案件尚未结案，不应填写结案日期（或请把当前阶段填为结案）",
        )),
        _ => {}
    }
    match (
        closed,
        outcome.is_some() || !input.outcome.trim().is_empty(),
    ) {
        (true, false) => errors.push(DomainError::field("outcome", "已结案的案件请填写结果")),
        (false, true) => errors.push(DomainError::field(
            "outcome",
            "案件尚未结案，不应填写结果（或请把当前阶段填为结案）",
        )),
        _ => {}
    }
    // Where the current stage began: 结案日期 for a closed case, 受案日期 for a new one.
    let current_start = if closed {
        if let (Some(c), Some(s)) = (closed_on, stage_since_typed)
            && c != s
        {
            errors.push(DomainError::field(
                "stage_since",
                "已结案的案件，阶段开始日期应与结案日期相同",
            ));
        }
        closed_on
    } else if stage == CaseStage::Received {
        if let Some(s) = stage_since_typed
            && s != received_on
        {
            errors.push(DomainError::field(
                "stage_since",
                "处于受案阶段的案件，阶段开始日期应与受案日期相同",
            ));
        }
        Some(received_on)
    } else {
        if stage_since_typed.is_none() && input.stage_since.trim().is_empty() {
            errors.push(DomainError::field("stage_since", "请填写阶段开始日期"));
        }
        stage_since_typed
    };
    let stage_due = if input.stage_due.trim().is_empty() {
        None
    } else {
        match parse_date(&input.stage_due) {
            Some(d) => Some(d),
            None => {
                errors.push(DomainError::field(
                    "stage_due",
                    format!(
                        "阶段期限应为日期，如 2025-03-08，而不是“{}”",
                        shorten(&input.stage_due)
                    ),
                ));
                None
            }
        }
    };
    if closed && stage_due.is_some() {
        errors.push(DomainError::field("stage_due", "已结案的案件没有阶段期限"));
    }
    if let Some(o) = outcome
        && closed
    {
        // A closed case's outcome must fit the stage it closed from: the last one with a date.
        let from = decided
            .iter()
            .filter(|(s, d, _)| d.is_some() && kind.position(*s).is_some_and(|p| p < current_at))
            .map(|(s, ..)| *s)
            .max_by_key(|s| kind.position(*s))
            .unwrap_or(CaseStage::Received);
        if let Err(e) = check_close(kind, from, o) {
            errors.push(e);
        }
    }
    let Some(current_start) = current_start else {
        return Err(errors);
    };
    // The stages from 受案 to now, each with its start, in order.
    let mut stages = vec![PlannedStage {
        stage: CaseStage::Received,
        started_on: received_on,
        due_on: None,
        ended_on: None,
        decider_badge: None,
        decision: decision_text(CaseStage::Received, None),
    }];
    for (at, s) in kind.stages().iter().enumerate().skip(1) {
        let given = decided.iter().find(|(ds, ..)| ds == s);
        let (on, by) = match given {
            Some((_, on, by)) => (*on, by.clone()),
            None => (None, None),
        };
        if at < current_at {
            if let Some(d) = on {
                stages.push(PlannedStage {
                    stage: *s,
                    started_on: d,
                    due_on: None,
                    ended_on: None,
                    decider_badge: by,
                    decision: decision_text(*s, None),
                });
            } else if by.is_some() {
                let (df, _) = decision_fields(*s);
                errors.push(DomainError::field(
                    df,
                    format!("填写了{}决定人，请同时填写{}日期", s.label(), s.label()),
                ));
            }
        } else if at == current_at {
            if let Some(d) = on
                && d != current_start
                && *s != CaseStage::Closed
            {
                let (df, _) = decision_fields(*s);
                errors.push(DomainError::field(
                    df,
                    format!("{}日期应与阶段开始日期（{current_start}）相同", s.label()),
                ));
            }
            stages.push(PlannedStage {
                stage: *s,
                started_on: current_start,
                due_on: None,
                ended_on: None,
                decider_badge: by,
                decision: decision_text(*s, outcome),
            });
        } else if on.is_some() || by.is_some() {
            let (df, _) = decision_fields(*s);
            errors.push(DomainError::field(
                df,
                format!(
                    "案件当前处于{}阶段，不应填写之后{}阶段的日期或决定人",
                    stage.label(),
                    s.label()
                ),
            ));
        }
    }
    // Dates follow the stages' order.
    for w in stages.windows(2) {
        if w[1].started_on < w[0].started_on {
            let field = if w[1].stage == stage {
                if closed { "closed_on" } else { "stage_since" }
            } else {
                decision_fields(w[1].stage).0
            };
            errors.push(DomainError::field(
                field,
                format!(
                    "{}日期（{}）早于{}日期（{}）",
                    w[1].stage.label(),
                    w[1].started_on,
                    w[0].stage.label(),
                    w[0].started_on
                ),
            ));
        }
    }
    if let Some(d) = stage_due
        && d < current_start
    {
        errors.push(DomainError::field(
            "stage_due",
            format!("阶段期限（{d}）早于阶段开始日期（{current_start}）"),
        ));
    }
    let n = stages.len();
    for i in 0..n {
        let next_start = stages.get(i + 1).map(|s| s.started_on);
        let st = &mut stages[i];
        st.ended_on = next_start;
        st.due_on = if i + 1 == n && stage_due.is_some() {
            stage_due
        } else {
            limits.due(kind, st.stage, st.started_on)
        };
    }
    match (number, title, handler_badge, gang) {
        (Some(number), Some(title), Some(handler_badge), Some(gang)) if errors.is_empty() => {
            Ok(ValidCase {
                number,
                title,
                kind,
                unit_code,
                handler_badge,
                leader_badge,
                assistant_badges,
                received_on,
                gang,
                stages,
                outcome,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input() -> CaseInput {
        CaseInput {
            number: "甲公（刑）立字〔2025〕12号".into(),
            title: "张某某故意伤害案".into(),
            kind: "刑事案件".into(),
            unit_code: "JA-GA".into(),
            handler_badge: "JA1001".into(),
            leader_badge: "JA0001".into(),
            received_on: "2025-03-01".into(),
            ..CaseInput::default()
        }
    }

    #[test]
    fn a_new_case_starts_at_its_first_stage_with_its_limit() {
        let v = validate_case(&input(), &StageLimits::default(), d("2025-03-05")).unwrap();
        assert_eq!(v.stages.len(), 1);
        assert_eq!(v.current().stage, CaseStage::Received);
        assert_eq!(v.current().due_on, Some(d("2025-03-08")));
        assert!(!v.gang);
        assert_eq!(v.leader_badge.as_deref(), Some("JA0001"));
    }

    #[test]
    fn an_imported_case_keeps_every_stage_with_its_decider() {
        let mut i = input();
        i.stage = "审查起诉".into();
        i.stage_since = "2025-05-10".into();
        i.gang = "是".into();
        i.assistant_badges = "JA1002、JA1003,JA1002".into();
        i.decisions = vec![
            (CaseStage::Filed, "2025-03-03".into(), "JA0001".into()),
            (CaseStage::Investigation, "2025/3/4".into(), "JA0002".into()),
            (CaseStage::Review, "".into(), "JA0003".into()),
        ];
        let v = validate_case(&i, &StageLimits::default(), d("2025-06-01")).unwrap();
        let got: Vec<(CaseStage, NaiveDate, Option<NaiveDate>, Option<&str>)> = v
            .stages
            .iter()
            .map(|s| {
                (
                    s.stage,
                    s.started_on,
                    s.ended_on,
                    s.decider_badge.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    CaseStage::Received,
                    d("2025-03-01"),
                    Some(d("2025-03-03")),
                    None
                ),
                (
                    CaseStage::Filed,
                    d("2025-03-03"),
                    Some(d("2025-03-04")),
                    Some("JA0001")
                ),
                (
                    CaseStage::Investigation,
                    d("2025-03-04"),
                    Some(d("2025-05-10")),
                    Some("JA0002")
                ),
                (CaseStage::Review, d("2025-05-10"), None, Some("JA0003")),
            ]
        );
        assert_eq!(v.current().due_on, Some(d("2025-06-24")));
        assert_eq!(v.stages[2].due_on, Some(d("2025-05-03")));
        assert_eq!(v.assistant_badges, vec!["JA1002", "JA1003"]);
        assert!(v.gang);
    }

    #[test]
    fn a_closed_case_needs_its_date_and_a_fitting_outcome() {
        let mut i = input();
        i.stage = "结案".into();
        i.closed_on = "2025-04-01".into();
        i.outcome = "判决".into();
        i.decisions = vec![(CaseStage::Filed, "2025-03-02".into(), "JA0001".into())];
        let errs = validate_case(&i, &StageLimits::default(), d("2025-06-01")).unwrap_err();
        assert!(errs.iter().any(|e| e.field == Some("outcome")), "{errs:?}");
        i.outcome = "撤案".into();
        let v = validate_case(&i, &StageLimits::default(), d("2025-06-01")).unwrap();
        assert_eq!(v.outcome, Some(CaseOutcome::Withdrawn));
        assert_eq!(v.current().stage, CaseStage::Closed);
        assert_eq!(v.current().due_on, None);
        assert_eq!(v.current().started_on, d("2025-04-01"));
        i.closed_on = String::new();
        let errs = validate_case(&i, &StageLimits::default(), d("2025-06-01")).unwrap_err();
        assert!(errs.iter().any(|e| e.field == Some("closed_on")));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let i = CaseInput {
            number: "".into(),
            title: "案".into(),
            kind: "离婚".into(),
            unit_code: "".into(),
            handler_badge: "警 号".into(),
            received_on: "2099-01-01".into(),
            gang: "也许".into(),
            stage: "上诉".into(),
            ..CaseInput::default()
        };
        let errs = validate_case(&i, &StageLimits::default(), d("2025-06-01")).unwrap_err();
        let fields: Vec<&str> = errs.iter().filter_map(|e| e.field).collect();
        for f in [
            "number",
            "title",
            "kind",
            "unit",
            "handler",
            "received_on",
            "gang",
            "stage",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn dates_out_of_order_and_later_stages_are_refused() {
        let mut i = input();
        i.stage = "侦查调查".into();
        i.stage_since = "2025-03-02".into();
        i.decisions = vec![
            (CaseStage::Filed, "2025-03-05".into(), "JA0001".into()),
            (CaseStage::Trial, "2025-03-06".into(), "".into()),
        ];
        let errs = validate_case(&i, &StageLimits::default(), d("2025-06-01")).unwrap_err();
        let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("早于立案日期")), "{msgs:?}");
        assert!(
            msgs.iter().any(|m| m.contains("不应填写之后审理阶段")),
            "{msgs:?}"
        );
    }
}
