//! Moving a case on (进入下一阶段) or closing it (结案): the form's input checked against the case's kind,
//! current stage and the day that stage began, with the deciding person and the decision required.

use chrono::NaiveDate;

use super::{
    CaseKind, CaseOutcome, CaseStage, check_advance, check_close, clean_badge, parse_date,
    parse_outcome, parse_stage,
};
use crate::error::DomainError;
use crate::org::clean_text;

/// Moving a case on, as typed into the form.
#[derive(Debug, Clone, Default)]
pub struct MoveInput {
    /// The next stage, or empty when closing.
    pub to: String,
    /// The outcome when closing.
    pub outcome: String,
    pub on: String,
    pub decider_badge: String,
    pub decision: String,
}

/// A checked move: to a later stage, or to 结案 with an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMove {
    pub to: CaseStage,
    pub outcome: Option<CaseOutcome>,
    pub on: NaiveDate,
    pub decider_badge: String,
    pub decision: String,
}

/// Checks a move of a case of `kind` that has been at `from` since `since`. The date may not lie before
/// `since` nor after `today`; the deciding person and the decision are required.
pub fn validate_move(
    kind: CaseKind,
    from: CaseStage,
    since: NaiveDate,
    input: &MoveInput,
    closing: bool,
    today: NaiveDate,
) -> Result<ValidMove, Vec<DomainError>> {
    let mut errors = Vec::new();
    let (to, outcome) = if closing {
        match parse_outcome(&input.outcome) {
            Some(o) => {
                if let Err(e) = check_close(kind, from, o) {
                    errors.push(e);
                }
                (CaseStage::Closed, Some(o))
            }
            None => {
                errors.push(DomainError::field("outcome", "请选择结案结果"));
                (CaseStage::Closed, None)
            }
        }
    } else {
        match parse_stage(&input.to) {
            Some(s) => {
                if let Err(e) = check_advance(kind, from, s) {
                    errors.push(e);
                }
                (s, None)
            }
            None => {
                errors.push(DomainError::field("to", "请选择要进入的阶段"));
                (from, None)
            }
        }
    };
    let on = match parse_date(&input.on) {
        Some(d) if d > today => {
            errors.push(DomainError::field(
                "on",
                format!("决定日期不能晚于今天（{today}）"),
            ));
            None
        }
        Some(d) if d < since => {
            errors.push(DomainError::field(
                "on",
                format!("决定日期不能早于当前阶段的开始日期（{since}）"),
            ));
            None
        }
        Some(d) => Some(d),
        None => {
            errors.push(DomainError::field("on", "请按 YYYY-MM-DD 格式填写决定日期"));
            None
        }
    };
    let decider_badge = clean_badge(&input.decider_badge, "decider", "决定人警号")
        .map_err(|e| errors.push(e))
        .ok();
    let decision = clean_text(&input.decision, "decision", "决定内容", 2, 500)
        .map_err(|e| errors.push(e))
        .ok();
    match (on, decider_badge, decision) {
        (Some(on), Some(decider_badge), Some(decision)) if errors.is_empty() => Ok(ValidMove {
            to,
            outcome,
            on,
            decider_badge,
            decision,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_move_needs_a_later_stage_a_date_a_decider_and_a_decision() {
        let since = d("2025-03-01");
        let today = d("2025-03-10");
        let ok = validate_move(
            CaseKind::Criminal,
            CaseStage::Received,
            since,
            &MoveInput {
                to: "filed".into(),
                on: "2025-03-03".into(),
                decider_badge: "JA0001".into(),
                decision: "决定立案侦查".into(),
                ..MoveInput::default()
            },
            false,
            today,
        )
        .unwrap();
        assert_eq!(ok.to, CaseStage::Filed);
        let errs = validate_move(
            CaseKind::Criminal,
            CaseStage::Received,
            since,
            &MoveInput {
                to: "received".into(),
                on: "2025-02-01".into(),
                ..MoveInput::default()
            },
            false,
            today,
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().filter_map(|e| e.field).collect();
        assert_eq!(fields, vec!["to", "on", "decider", "decision"]);
        let close = validate_move(
            CaseKind::Criminal,
            CaseStage::Received,
            since,
            &MoveInput {
                outcome: "not_filed".into(),
                on: "2025-03-10".into(),
                decider_badge: "JA0001".into(),
                decision: "不符合立案条件".into(),
                ..MoveInput::default()
            },
            true,
            today,
        )
        .unwrap();
        assert_eq!(
            (close.to, close.outcome),
            (CaseStage::Closed, Some(CaseOutcome::NotFiled))
        );
    }
}
