//! The rectification ledger (整改台账) and the rules register (建章立制): where a ledger row comes from,
//! its life from measures to acceptance (验收销号) or rework (返工) as one transition function, the
//! checks a row must pass, and the life of a rule from drafting to abolition.

use chrono::NaiveDate;

use crate::error::DomainError;
use crate::org::clean_text;
use crate::tips::ProblemCategory;

string_enum! {
    /// Where a ledger row comes from (DOMAIN.md: self-checks, findings, inspections, case reviews and the
    /// special rectification of each stubborn problem).
    pub enum ItemSource ("整改来源") {
        SelfReport = ("self_report", "自查自纠"),
        Finding = ("finding", "组织查处"),
        Inspection = ("inspection", "督导检查"),
        CaseReview = ("case_review", "案件评查"),
        Special = ("special", "顽瘴痼疾专项整治"),
    }
}

string_enum! {
    /// Where a ledger row stands.
    pub enum ItemState ("整改状态") {
        Open = ("open", "整改中"),
        Submitted = ("submitted", "待验收"),
        Rework = ("rework", "返工整改"),
        Accepted = ("accepted", "已销号"),
    }
}

/// What a person does to a ledger row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemAction {
    /// The unit records progress (进展), optionally with evidence.
    Progress,
    /// The unit reports the row done and asks for acceptance (报请验收).
    Submit,
    /// The inspector accepts it: 验收销号.
    Accept,
    /// The inspector sends it back with a reason: 返工.
    Reject,
}

impl ItemAction {
    pub fn label(self) -> &'static str {
        match self {
            ItemAction::Progress => "报送进展",
            ItemAction::Submit => "报请验收",
            ItemAction::Accept => "验收销号",
            ItemAction::Reject => "退回返工",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ItemAction::Progress => "progress",
            ItemAction::Submit => "submit",
            ItemAction::Accept => "accept",
            ItemAction::Reject => "reject",
        }
    }

    pub fn parse(s: &str) -> Result<ItemAction, DomainError> {
        [
            ItemAction::Progress,
            ItemAction::Submit,
            ItemAction::Accept,
            ItemAction::Reject,
        ]
        .into_iter()
        .find(|a| a.name() == s.trim())
        .ok_or_else(|| DomainError::field("action", "未知的整改操作"))
    }
}

/// The ledger row's life: every legal move is in this one match.
pub fn next(state: ItemState, action: ItemAction) -> Result<ItemState, DomainError> {
    use ItemAction as A;
    use ItemState as S;
    match (state, action) {
        (S::Open | S::Rework, A::Progress) => Ok(state),
        (S::Open | S::Rework, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::Accept) => Ok(S::Accepted),
        (S::Submitted, A::Reject) => Ok(S::Rework),
        _ => Err(DomainError::new(format!(
            "整改事项当前状态为{}，不能{}",
            state.label(),
            action.label()
        ))),
    }
}

/// The actions legal in `state`, for showing forms.
pub fn allowed_actions(state: ItemState) -> &'static [ItemAction] {
    match state {
        ItemState::Open | ItemState::Rework => &[ItemAction::Progress, ItemAction::Submit],
        ItemState::Submitted => &[ItemAction::Accept, ItemAction::Reject],
        ItemState::Accepted => &[],
    }
}

/// A row not yet accepted whose deadline has passed.
pub fn is_overdue(state: ItemState, deadline: NaiveDate, today: NaiveDate) -> bool {
    state != ItemState::Accepted && deadline < today
}

/// A ledger row as typed into the form.
#[derive(Debug, Clone, Default)]
pub struct ItemInput {
    pub source: String,
    pub category: String,
    pub problem: String,
    pub measures: String,
    pub leader: String,
    pub person: String,
    pub deadline: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidItem {
    pub source: ItemSource,
    pub category: ProblemCategory,
    pub problem: String,
    pub measures: String,
    pub leader: String,
    pub person: String,
    pub deadline: NaiveDate,
}

/// Checks a new ledger row; every field's problem comes back at once. A special-rectification row must
/// be about one of the six stubborn problems; a new deadline may not lie in the past.
pub fn validate_item(input: &ItemInput, today: NaiveDate) -> Result<ValidItem, Vec<DomainError>> {
    let mut errors = Vec::new();
    let source = ItemSource::parse(&input.source)
        .map_err(|_| errors.push(DomainError::field("source", "请选择整改来源")))
        .ok();
    let category = ProblemCategory::parse(&input.category)
        .map_err(|_| errors.push(DomainError::field("category", "请选择问题类别")))
        .ok();
    if let (Some(ItemSource::Special), Some(c)) = (source, category)
        && !c.is_stubborn()
    {
        errors.push(DomainError::field(
            "category",
            format!("专项整治只针对六类顽瘴痼疾，「{}」不在其中", c.label()),
        ));
    }
    let mut text = |v: &str, field: &'static str, label: &str, min: usize, max: usize| {
        clean_text(v, field, label, min, max)
            .map_err(|e| errors.push(e))
            .ok()
    };
    let problem = text(&input.problem, "problem", "问题描述", 5, 2000);
    let measures = text(&input.measures, "measures", "整改措施", 5, 2000);
    let leader = text(&input.leader, "leader", "责任领导", 1, 50);
    let person = text(&input.person, "person", "责任人", 1, 50);
    let deadline = match NaiveDate::parse_from_str(input.deadline.trim(), "%Y-%m-%d") {
        Ok(d) if d < today => {
            errors.push(DomainError::field(
                "deadline",
                format!("整改时限不能早于今天（{today}）"),
            ));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(DomainError::field(
                "deadline",
                "请按 YYYY-MM-DD 格式填写整改时限",
            ));
            None
        }
    };
    match (
        source, category, problem, measures, leader, person, deadline,
    ) {
        (
            Some(source),
            Some(category),
            Some(problem),
            Some(measures),
            Some(leader),
            Some(person),
            Some(deadline),
        ) if errors.is_empty() => Ok(ValidItem {
            source,
            category,
            problem,
            measures,
            leader,
            person,
            deadline,
        }),
        _ => Err(errors),
    }
}

/// The note an action needs: a rejection must say why, progress must say what was done.
pub fn check_note(action: ItemAction, note: &str) -> Result<String, DomainError> {
    match action {
        ItemAction::Reject => clean_text(note, "note", "退回理由", 5, 2000),
        ItemAction::Progress => clean_text(note, "note", "整改进展", 5, 2000),
        ItemAction::Submit => clean_text(note, "note", "完成情况", 5, 2000),
        ItemAction::Accept => clean_text(note, "note", "验收意见", 0, 2000),
    }
}

string_enum! {
    /// Where a rule of the register stands.
    pub enum RuleState ("制度状态") {
        Drafting = ("drafting", "起草中"),
        Adopted = ("adopted", "施行"),
        Revised = ("revised", "修订后施行"),
        Abolished = ("abolished", "已废止"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleAction {
    Adopt,
    Revise,
    Abolish,
}

impl RuleAction {
    pub fn label(self) -> &'static str {
        match self {
            RuleAction::Adopt => "印发施行",
            RuleAction::Revise => "修订",
            RuleAction::Abolish => "废止",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RuleAction::Adopt => "adopt",
            RuleAction::Revise => "revise",
            RuleAction::Abolish => "abolish",
        }
    }

    pub fn parse(s: &str) -> Result<RuleAction, DomainError> {
        [RuleAction::Adopt, RuleAction::Revise, RuleAction::Abolish]
            .into_iter()
            .find(|a| a.name() == s.trim())
            .ok_or_else(|| DomainError::field("action", "未知的制度操作"))
    }
}

/// A rule's life: drafted, adopted, revised any number of times while in force, abolished at the end.
pub fn next_rule(state: RuleState, action: RuleAction) -> Result<RuleState, DomainError> {
    use RuleAction as A;
    use RuleState as S;
    match (state, action) {
        (S::Drafting, A::Adopt) => Ok(S::Adopted),
        (S::Adopted | S::Revised, A::Revise) => Ok(S::Revised),
        (S::Adopted | S::Revised, A::Abolish) => Ok(S::Abolished),
        _ => Err(DomainError::new(format!(
            "制度当前状态为{}，不能{}",
            state.label(),
            action.label()
        ))),
    }
}

pub fn allowed_rule_actions(state: RuleState) -> &'static [RuleAction] {
    match state {
        RuleState::Drafting => &[RuleAction::Adopt],
        RuleState::Adopted | RuleState::Revised => &[RuleAction::Revise, RuleAction::Abolish],
        RuleState::Abolished => &[],
    }
}

/// Revising and abolishing must say what changed or why; adopting may carry the document number.
pub fn check_rule_note(action: RuleAction, note: &str) -> Result<String, DomainError> {
    match action {
        RuleAction::Adopt => clean_text(note, "note", "印发说明", 0, 2000),
        RuleAction::Revise => clean_text(note, "note", "修订内容", 5, 2000),
        RuleAction::Abolish => clean_text(note, "note", "废止理由", 5, 2000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: [ItemAction; 4] = [
        ItemAction::Progress,
        ItemAction::Submit,
        ItemAction::Accept,
        ItemAction::Reject,
    ];

    /// The legal table, written apart from `next`.
    fn legal(s: ItemState, a: ItemAction) -> Option<ItemState> {
        use ItemAction::*;
        use ItemState::*;
        match (s, a) {
            (Open, Progress) => Some(Open),
            (Rework, Progress) => Some(Rework),
            (Open, Submit) | (Rework, Submit) => Some(Submitted),
            (Submitted, Accept) => Some(Accepted),
            (Submitted, Reject) => Some(Rework),
            _ => None,
        }
    }

    #[test]
    fn ledger_transitions_match_the_table() {
        let mut legal_moves = 0;
        for s in ItemState::all() {
            for a in ACTIONS {
                match (next(*s, a), legal(*s, a)) {
                    (Ok(got), Some(want)) => {
                        assert_eq!(got, want, "{s:?} {a:?}");
                        legal_moves += 1;
                    }
                    (Err(e), None) => assert_eq!(
                        e.message,
                        format!("整改事项当前状态为{}，不能{}", s.label(), a.label())
                    ),
                    (got, want) => panic!("{s:?} {a:?}: got {got:?}, want {want:?}"),
                }
            }
            let shown: Vec<ItemAction> = ACTIONS
                .into_iter()
                .filter(|a| next(*s, *a).is_ok())
                .collect();
            assert_eq!(shown.as_slice(), allowed_actions(*s), "{s:?}");
        }
        assert_eq!(legal_moves, 6);
    }

    #[test]
    fn rework_then_acceptance() {
        use ItemAction::*;
        let mut s = ItemState::Open;
        for a in [Progress, Submit, Reject, Progress, Submit, Accept] {
            s = next(s, a).unwrap();
        }
        assert_eq!(s, ItemState::Accepted);
        // An accepted row is closed for good; an inspector cannot accept what was never submitted.
        assert!(next(ItemState::Accepted, Progress).is_err());
        assert_eq!(
            next(ItemState::Open, Accept).unwrap_err().message,
            "整改事项当前状态为整改中，不能验收销号"
        );
    }

    #[test]
    fn overdue_rule() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(is_overdue(
            ItemState::Open,
            d("2025-06-01"),
            d("2025-06-02")
        ));
        assert!(!is_overdue(
            ItemState::Open,
            d("2025-06-02"),
            d("2025-06-02")
        ));
        assert!(is_overdue(
            ItemState::Submitted,
            d("2025-06-01"),
            d("2025-06-02")
        ));
        assert!(!is_overdue(
            ItemState::Accepted,
            d("2025-06-01"),
            d("2025-06-02")
        ));
    }

    #[test]
    fn notes() {
        assert!(check_note(ItemAction::Reject, "不行").is_err());
        assert_eq!(
            check_note(ItemAction::Reject, " 佐证材料不全，缺少制度文件 ").unwrap(),
            "佐证材料不全，缺少制度文件"
        );
        assert_eq!(check_note(ItemAction::Accept, "").unwrap(), "");
        assert_eq!(
            check_note(ItemAction::Progress, "").unwrap_err().field,
            Some("note")
        );
        assert_eq!(ItemAction::parse("accept"), Ok(ItemAction::Accept));
        assert!(ItemAction::parse("delete").is_err());
    }

    fn input() -> ItemInput {
        ItemInput {
            source: "special".into(),
            category: "interference".into(),
            problem: "部分干警对过问案件未如实登记".into(),
            measures: "开展专项检查，建立月报制度".into(),
            leader: "吴建国".into(),
            person: "孙磊".into(),
            deadline: "2025-07-31".into(),
        }
    }

    #[test]
    fn item_validation() {
        let today = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let ok = validate_item(&input(), today).unwrap();
        assert_eq!(ok.source, ItemSource::Special);
        assert_eq!(ok.deadline, NaiveDate::from_ymd_opt(2025, 7, 31).unwrap());
        let mut bad = input();
        bad.category = "conduct".into();
        bad.deadline = "2025-05-31".into();
        bad.leader = "  ".into();
        let errs = validate_item(&bad, today).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![Some("category"), Some("leader"), Some("deadline")]
        );
        assert!(errs[0].message.contains("六类顽瘴痼疾"));
        assert!(errs[2].message.contains("不能早于今天"));
        bad = input();
        bad.source = "x".into();
        bad.deadline = "明天".into();
        let errs = validate_item(&bad, today).unwrap_err();
        assert_eq!(errs.len(), 2);
        // A non-special row may be about any category.
        bad = input();
        bad.source = "finding".into();
        bad.category = "conduct".into();
        assert!(validate_item(&bad, today).is_ok());
    }

    #[test]
    fn rule_life() {
        use RuleAction::*;
        use RuleState::*;
        assert_eq!(next_rule(Drafting, Adopt), Ok(Adopted));
        assert_eq!(next_rule(Adopted, Revise), Ok(Revised));
        assert_eq!(next_rule(Revised, Revise), Ok(Revised));
        assert_eq!(next_rule(Revised, Abolish), Ok(Abolished));
        assert!(next_rule(Drafting, Revise).is_err());
        assert!(next_rule(Abolished, Adopt).is_err());
        assert_eq!(
            next_rule(Abolished, Revise).unwrap_err().message,
            "制度当前状态为已废止，不能修订"
        );
        for s in RuleState::all() {
            for a in [Adopt, Revise, Abolish] {
                assert_eq!(
                    next_rule(*s, a).is_ok(),
                    allowed_rule_actions(*s).contains(&a),
                    "{s:?} {a:?}"
                );
            }
        }
        assert!(check_rule_note(Abolish, "").is_err());
        assert!(check_rule_note(Adopt, "").is_ok());
    }
}
