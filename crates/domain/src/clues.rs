//! Problem clues (问题线索): where they come from, the one transition function of their life,
//! what may be decided at the end, the time each step may take, and what the reporter is told.

use chrono::NaiveDate;

use crate::calendar::WorkCalendar;
use crate::error::DomainError;

string_enum! {
    /// Where a clue came from (DOMAIN.md, `clue_source`).
    pub enum ClueSource ("线索来源") {
        PublicTip = ("public_tip", "群众举报"),
        SelfReport = ("self_report", "自查报告"),
        OrgCheck = ("org_check", "组织查处"),
        Inspection = ("inspection", "督导检查"),
        Petition = ("petition", "信访"),
        CaseReview = ("case_review", "案件评查"),
        UpperReferral = ("upper_referral", "上级交办"),
        AntiGangReferral = ("anti_gang_referral", "扫黑除恶移送"),
        DataCheck = ("data_check", "数据比对"),
    }
}

string_enum! {
    /// The life of a clue, in order.
    pub enum ClueState ("线索状态") {
        Registered = ("registered", "已登记"),
        Assigned = ("assigned", "已分办"),
        Disposing = ("disposing", "处置中"),
        Verified = ("verified", "已核查"),
        Concluded = ("concluded", "已认定"),
        Handled = ("handled", "已处理"),
        Closed = ("closed", "已办结"),
    }
}

string_enum! {
    /// The four ways of disposing of a clue (四种处置方式).
    pub enum DisposalMethod ("处置方式") {
        TalkOrLetter = ("talk_or_letter", "谈话函询"),
        PreliminaryCheck = ("preliminary_check", "初步核实"),
        Hold = ("hold", "暂存待查"),
        Close = ("close", "予以了结"),
    }
}

string_enum! {
    /// What verification established.
    pub enum Conclusion ("核查结论") {
        True = ("true", "属实"),
        PartlyTrue = ("partly_true", "部分属实"),
        False = ("false", "不属实"),
    }
}

string_enum! {
    /// The decision taken about the person: party discipline (《中国共产党纪律处分条例》),
    /// government sanctions (《公职人员政务处分法》), organisational handling, prosecution, or none.
    pub enum Outcome ("处理结果") {
        PartyWarning = ("party_warning", "警告（党纪）"),
        PartySeriousWarning = ("party_serious_warning", "严重警告"),
        PartyRemovePost = ("party_remove_post", "撤销党内职务"),
        PartyProbation = ("party_probation", "留党察看"),
        PartyExpel = ("party_expel", "开除党籍"),
        GovWarning = ("gov_warning", "警告（政务）"),
        GovDemerit = ("gov_demerit", "记过"),
        GovMajorDemerit = ("gov_major_demerit", "记大过"),
        GovDemotion = ("gov_demotion", "降级"),
        GovDismissal = ("gov_dismissal", "撤职"),
        GovExpel = ("gov_expel", "开除"),
        OrgAdmonish = ("org_admonish", "诫勉"),
        OrgSuspend = ("org_suspend", "停职检查"),
        OrgAdjust = ("org_adjust", "调整职务"),
        OrgRemove = ("org_remove", "免职"),
        Transfer = ("transfer", "移送司法"),
        None = ("none", "无"),
    }
}

impl Outcome {
    /// The family the outcome belongs to, for grouping in lists and statistics.
    pub fn group_label(self) -> &'static str {
        use Outcome::*;
        match self {
            PartyWarning | PartySeriousWarning | PartyRemovePost | PartyProbation | PartyExpel => {
                "党纪处分"
            }
            GovWarning | GovDemerit | GovMajorDemerit | GovDemotion | GovDismissal | GovExpel => {
                "政务处分"
            }
            OrgAdmonish | OrgSuspend | OrgAdjust | OrgRemove => "组织处理",
            Transfer => "移送司法",
            None => "无",
        }
    }

    /// The "four forms" of supervision and discipline (监督执纪“四种形态”), as defined in Art. 5 of
    /// 《中国共产党纪律处分条例》 (2023) and counted that way in the discipline commissions' statistics:
    /// 1 谈话提醒、批评教育、责令检查、诫勉; 2 党纪轻处分、组织调整; 3 党纪重处分、重大职务调整;
    /// 4 严重违纪涉嫌犯罪追究刑事责任. Light sanctions are 警告/严重警告 (party) and 警告/记过/记大过/
    /// 降级 (government); heavy ones are 撤销党内职务/留党察看/开除党籍 and 撤职/开除. 免职 is counted
    /// as a major change of post. Only a transfer for prosecution is the fourth form: expulsion
    /// without prosecution is the third.
    pub fn form(self) -> Option<u8> {
        use Outcome::*;
        match self {
            OrgAdmonish => Some(1),
            PartyWarning | PartySeriousWarning => Some(2),
            GovWarning | GovDemerit | GovMajorDemerit | GovDemotion => Some(2),
            OrgSuspend | OrgAdjust => Some(2),
            PartyRemovePost | PartyProbation | PartyExpel => Some(3),
            GovDismissal | GovExpel => Some(3),
            OrgRemove => Some(3),
            Transfer => Some(4),
            None => Option::None,
        }
    }
}

/// "第一种形态" … "第四种形态" for a value of [`Outcome::form`].
pub fn form_label(form: u8) -> &'static str {
    match form {
        1 => "第一种形态",
        2 => "第二种形态",
        3 => "第三种形态",
        4 => "第四种形态",
        _ => "",
    }
}

/// What a handler does to a clue; each step carries the decision it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClueAction {
    Assign,
    ChooseDisposal(DisposalMethod),
    RecordVerification,
    Conclude(Conclusion),
    Handle(Outcome),
    Close,
}

impl ClueAction {
    pub fn label(&self) -> &'static str {
        match self {
            ClueAction::Assign => "分办",
            ClueAction::ChooseDisposal(_) => "确定处置方式",
            ClueAction::RecordVerification => "核查完毕",
            ClueAction::Conclude(_) => "认定",
            ClueAction::Handle(_) => "处理",
            ClueAction::Close => "办结",
        }
    }

    /// The name used by [`allowed_actions`], in routes and forms.
    pub fn name(&self) -> &'static str {
        match self {
            ClueAction::Assign => "assign",
            ClueAction::ChooseDisposal(_) => "dispose",
            ClueAction::RecordVerification => "verify",
            ClueAction::Conclude(_) => "conclude",
            ClueAction::Handle(_) => "handle",
            ClueAction::Close => "close",
        }
    }
}

/// The clue's life: every legal move is in this one match; anything else is refused with a message
/// naming the state and the action.
pub fn next(state: ClueState, action: &ClueAction) -> Result<ClueState, DomainError> {
    use ClueAction as A;
    use ClueState as S;
    match (state, action) {
        (S::Registered, A::Assign) => Ok(S::Assigned),
        // Reassignment to another unit or handler before a disposal method is chosen.
        (S::Assigned, A::Assign) => Ok(S::Assigned),
        (S::Assigned, A::ChooseDisposal(_)) => Ok(S::Disposing),
        (S::Disposing, A::RecordVerification) => Ok(S::Verified),
        (S::Verified, A::Conclude(_)) => Ok(S::Concluded),
        (S::Concluded, A::Handle(_)) => Ok(S::Handled),
        (S::Handled, A::Close) => Ok(S::Closed),
        _ => Err(DomainError::new(format!(
            "线索当前状态为{}，不能执行{}",
            state.label(),
            action.label()
        ))),
    }
}

/// A conclusion of 不属实 admits no sanction; 属实 and 部分属实 admit any outcome, none included
/// (e.g. a true but minor matter already dealt with).
pub fn check_outcome(conclusion: Conclusion, outcome: Outcome) -> Result<(), DomainError> {
    if conclusion == Conclusion::False && outcome != Outcome::None {
        return Err(DomainError::field(
            "outcome",
            format!(
                "核查结论为{}，不能给予{}，处理结果只能为“无”",
                conclusion.label(),
                outcome.label()
            ),
        ));
    }
    Ok(())
}

/// Names of the actions legal in `state` (see [`ClueAction::name`]), for showing buttons.
pub fn allowed_actions(state: ClueState) -> &'static [&'static str] {
    match state {
        ClueState::Registered => &["assign"],
        ClueState::Assigned => &["assign", "dispose"],
        ClueState::Disposing => &["verify"],
        ClueState::Verified => &["conclude"],
        ClueState::Concluded => &["handle"],
        ClueState::Handled => &["close"],
        ClueState::Closed => &[],
    }
}

/// Working days a clue may stay in each state before its next step is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct StepLimits {
    pub assign: u32,
    pub dispose: u32,
    pub verify: u32,
    pub conclude: u32,
    pub handle: u32,
    pub close: u32,
}

impl Default for StepLimits {
    fn default() -> Self {
        StepLimits {
            assign: 5,
            dispose: 5,
            verify: 30,
            conclude: 15,
            handle: 30,
            close: 15,
        }
    }
}

impl StepLimits {
    /// The limit for leaving `state`; a closed clue has none.
    pub fn limit_for(&self, state: ClueState) -> Option<u32> {
        match state {
            ClueState::Registered => Some(self.assign),
            ClueState::Assigned => Some(self.dispose),
            ClueState::Disposing => Some(self.verify),
            ClueState::Verified => Some(self.conclude),
            ClueState::Concluded => Some(self.handle),
            ClueState::Handled => Some(self.close),
            ClueState::Closed => None,
        }
    }

    /// The day the next step is due for a clue that entered `state` on `entered`.
    pub fn due_date(
        &self,
        calendar: &WorkCalendar,
        state: ClueState,
        entered: NaiveDate,
    ) -> Option<NaiveDate> {
        self.limit_for(state)
            .map(|n| calendar.add_workdays(entered, n))
    }
}

/// What the reporter sees with the receipt code: no internal detail, just where it stands.
pub fn public_status(state: ClueState) -> &'static str {
    match state {
        ClueState::Registered => "已受理",
        ClueState::Closed => "已办结",
        _ => "办理中",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action, with every payload, so no variant escapes the table test.
    fn every_action() -> Vec<ClueAction> {
        let mut v = vec![
            ClueAction::Assign,
            ClueAction::RecordVerification,
            ClueAction::Close,
        ];
        v.extend(
            DisposalMethod::all()
                .iter()
                .map(|m| ClueAction::ChooseDisposal(*m)),
        );
        v.extend(Conclusion::all().iter().map(|c| ClueAction::Conclude(*c)));
        v.extend(Outcome::all().iter().map(|o| ClueAction::Handle(*o)));
        v
    }

    /// The legal table, written independently of `next`.
    fn legal(state: ClueState, action: &str) -> Option<ClueState> {
        use ClueState::*;
        match (state, action) {
            (Registered, "assign") => Some(Assigned),
            (Assigned, "assign") => Some(Assigned),
            (Assigned, "dispose") => Some(Disposing),
            (Disposing, "verify") => Some(Verified),
            (Verified, "conclude") => Some(Concluded),
            (Concluded, "handle") => Some(Handled),
            (Handled, "close") => Some(Closed),
            _ => None,
        }
    }

    #[test]
    fn every_transition_matches_the_table() {
        let mut legal_count = 0;
        let mut refused = 0;
        for state in ClueState::all() {
            for action in every_action() {
                match (next(*state, &action), legal(*state, action.name())) {
                    (Ok(got), Some(want)) => {
                        assert_eq!(got, want, "{state:?} {action:?}");
                        legal_count += 1;
                    }
                    (Err(e), None) => {
                        assert_eq!(
                            e.message,
                            format!(
                                "线索当前状态为{}，不能执行{}",
                                state.label(),
                                action.label()
                            )
                        );
                        refused += 1;
                    }
                    (got, want) => panic!("{state:?} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        let per_state = every_action().len();
        assert_eq!(legal_count + refused, ClueState::all().len() * per_state);
        assert!(refused > legal_count);
    }

    #[test]
    fn allowed_actions_agree_with_next() {
        for state in ClueState::all() {
            let mut names: Vec<&str> = every_action()
                .iter()
                .filter(|a| next(*state, a).is_ok())
                .map(|a| a.name())
                .collect();
            names.dedup();
            assert_eq!(names.as_slice(), allowed_actions(*state), "{state:?}");
        }
    }

    #[test]
    fn refusal_message_example() {
        let e = next(
            ClueState::Registered,
            &ClueAction::Conclude(Conclusion::True),
        )
        .unwrap_err();
        assert_eq!(e.message, "线索当前状态为已登记，不能执行认定");
    }

    #[test]
    fn legal_path_end_to_end() {
        let path = [
            ClueAction::Assign,
            ClueAction::Assign,
            ClueAction::ChooseDisposal(DisposalMethod::PreliminaryCheck),
            ClueAction::RecordVerification,
            ClueAction::Conclude(Conclusion::PartlyTrue),
            ClueAction::Handle(Outcome::PartyWarning),
            ClueAction::Close,
        ];
        let mut s = ClueState::Registered;
        let mut seen = vec![s];
        for a in &path {
            s = next(s, a).unwrap();
            seen.push(s);
        }
        use ClueState::*;
        assert_eq!(
            seen,
            [
                Registered, Assigned, Assigned, Disposing, Verified, Concluded, Handled, Closed
            ]
        );
        assert!(allowed_actions(Closed).is_empty());
    }

    #[test]
    fn outcome_must_fit_conclusion() {
        for o in Outcome::all() {
            assert!(check_outcome(Conclusion::True, *o).is_ok());
            assert!(check_outcome(Conclusion::PartlyTrue, *o).is_ok());
            assert_eq!(
                check_outcome(Conclusion::False, *o).is_ok(),
                *o == Outcome::None,
                "{o:?}"
            );
        }
        let e = check_outcome(Conclusion::False, Outcome::GovDemerit).unwrap_err();
        assert_eq!(e.field, Some("outcome"));
        assert!(e.message.contains("不属实"));
    }

    #[test]
    fn four_forms() {
        use Outcome::*;
        let expect = [
            (OrgAdmonish, Some(1)),
            (PartyWarning, Some(2)),
            (PartySeriousWarning, Some(2)),
            (GovWarning, Some(2)),
            (GovDemerit, Some(2)),
            (GovMajorDemerit, Some(2)),
            (GovDemotion, Some(2)),
            (OrgSuspend, Some(2)),
            (OrgAdjust, Some(2)),
            (PartyRemovePost, Some(3)),
            (PartyProbation, Some(3)),
            (PartyExpel, Some(3)),
            (GovDismissal, Some(3)),
            (GovExpel, Some(3)),
            (OrgRemove, Some(3)),
            (Transfer, Some(4)),
            (None, Option::None),
        ];
        assert_eq!(expect.len(), Outcome::all().len());
        for (o, f) in expect {
            assert_eq!(o.form(), f, "{o:?}");
        }
        assert_eq!(form_label(4), "第四种形态");
    }

    #[test]
    fn outcome_names_and_groups() {
        use Outcome::*;
        assert_eq!(PartySeriousWarning.as_str(), "party_serious_warning");
        assert_eq!(GovMajorDemerit.label(), "记大过");
        assert_eq!(Outcome::parse("none"), Ok(None));
        assert_eq!(PartyExpel.group_label(), "党纪处分");
        assert_eq!(GovExpel.group_label(), "政务处分");
        assert_eq!(OrgRemove.group_label(), "组织处理");
        assert_eq!(Transfer.group_label(), "移送司法");
        assert_eq!(None.group_label(), "无");
        assert_eq!(Outcome::all().len(), 17);
    }

    #[test]
    fn enum_identifiers() {
        assert_eq!(ClueSource::AntiGangReferral.as_str(), "anti_gang_referral");
        assert_eq!(ClueSource::DataCheck.label(), "数据比对");
        assert_eq!(
            DisposalMethod::parse("talk_or_letter"),
            Ok(DisposalMethod::TalkOrLetter)
        );
        assert_eq!(Conclusion::parse("false"), Ok(Conclusion::False));
        assert_eq!(Conclusion::PartlyTrue.label(), "部分属实");
        assert_eq!(ClueState::Disposing.label(), "处置中");
        assert_eq!(
            serde_json::to_string(&ClueState::Closed).unwrap(),
            "\"closed\""
        );
        for s in ClueSource::all() {
            assert_eq!(ClueSource::parse(s.as_str()), Ok(*s));
        }
        for o in Outcome::all() {
            let j = serde_json::to_string(o).unwrap();
            assert_eq!(serde_json::from_str::<Outcome>(&j).unwrap(), *o);
        }
    }

    #[test]
    fn step_limits() {
        let l = StepLimits::default();
        assert_eq!(l.limit_for(ClueState::Registered), Some(5));
        assert_eq!(l.limit_for(ClueState::Assigned), Some(5));
        assert_eq!(l.limit_for(ClueState::Disposing), Some(30));
        assert_eq!(l.limit_for(ClueState::Verified), Some(15));
        assert_eq!(l.limit_for(ClueState::Concluded), Some(30));
        assert_eq!(l.limit_for(ClueState::Handled), Some(15));
        assert_eq!(l.limit_for(ClueState::Closed), Option::None);
        let partial: StepLimits = serde_json::from_str(r#"{"verify": 60}"#).unwrap();
        assert_eq!(partial.verify, 60);
        assert_eq!(partial.assign, 5);
        // registered on Friday 2025-09-26; the 5 working days run over the make-up Sunday 09-28
        // and stop before the National Day holiday: 09-28, 29, 30 are 1..3, then 10-09, 10-10.
        let cal = WorkCalendar::china();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            l.due_date(&cal, ClueState::Registered, d(2025, 9, 26)),
            Some(d(2025, 10, 10))
        );
        assert_eq!(
            l.due_date(&cal, ClueState::Closed, d(2025, 9, 26)),
            Option::None
        );
    }

    #[test]
    fn public_status_hides_detail() {
        assert_eq!(public_status(ClueState::Registered), "已受理");
        for s in &ClueState::all()[1..6] {
            assert_eq!(public_status(*s), "办理中");
        }
        assert_eq!(public_status(ClueState::Closed), "已办结");
    }
}
