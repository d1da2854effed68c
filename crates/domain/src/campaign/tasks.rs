//! Tasks (工作任务) sent to units: the life of one unit's copy, the checks on a new task, when it is
//! overdue, what the deadline scan writes, and who may send a task to whom.

use chrono::NaiveDate;

use super::parse_date;
use crate::error::DomainError;
use crate::org::clean_text;

string_enum! {
    /// Where one unit's copy of a task stands.
    pub enum TaskState ("任务状态") {
        Issued = ("issued", "已下发"),
        InProgress = ("in_progress", "办理中"),
        Submitted = ("submitted", "待验收"),
        Returned = ("returned", "已退回"),
        Accepted = ("accepted", "已验收"),
    }
}

impl TaskState {
    /// States in which the unit still owes work (so the deadline runs against it).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            TaskState::Issued | TaskState::InProgress | TaskState::Returned
        )
    }
}

/// What happens to a unit's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskAction {
    /// The unit reports progress (进展) with or without evidence.
    Progress,
    /// The unit reports it done and asks for acceptance.
    Submit,
    /// The issuer chases up (催办).
    Chase,
    /// The issuer sends the report back (退回) with a reason.
    Return,
    /// The issuer accepts the work.
    Accept,
}

impl TaskAction {
    pub fn all() -> &'static [TaskAction] {
        &[
            TaskAction::Progress,
            TaskAction::Submit,
            TaskAction::Chase,
            TaskAction::Return,
            TaskAction::Accept,
        ]
    }

    pub fn code(self) -> &'static str {
        match self {
            TaskAction::Progress => "progress",
            TaskAction::Submit => "submit",
            TaskAction::Chase => "chase",
            TaskAction::Return => "return",
            TaskAction::Accept => "accept",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskAction::Progress => "报送进展",
            TaskAction::Submit => "报请验收",
            TaskAction::Chase => "催办",
            TaskAction::Return => "退回",
            TaskAction::Accept => "验收通过",
        }
    }

    /// Done by the issuing side (else by the unit the task was sent to).
    pub fn by_issuer(self) -> bool {
        matches!(
            self,
            TaskAction::Chase | TaskAction::Return | TaskAction::Accept
        )
    }
}

/// The one transition function of a task at a unit.
pub fn next_task(state: TaskState, action: TaskAction) -> Result<TaskState, DomainError> {
    use TaskAction as A;
    use TaskState as S;
    match (state, action) {
        (S::Issued | S::InProgress | S::Returned, A::Progress) => Ok(S::InProgress),
        (S::Issued | S::InProgress | S::Returned, A::Submit) => Ok(S::Submitted),
        // Chasing changes nothing but the record: the unit still owes the work.
        (s @ (S::Issued | S::InProgress | S::Returned), A::Chase) => Ok(s),
        (S::Submitted, A::Return) => Ok(S::Returned),
        (S::Submitted, A::Accept) => Ok(S::Accepted),
        _ => Err(DomainError::new(format!(
            "任务当前状态为{}，不能{}",
            state.label(),
            action.label()
        ))),
    }
}

/// Actions legal in `state`, for showing forms.
pub fn task_actions(state: TaskState) -> Vec<TaskAction> {
    TaskAction::all()
        .iter()
        .copied()
        .filter(|a| next_task(state, *a).is_ok())
        .collect()
}

/// A task as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskDraft {
    pub title: String,
    pub body: String,
    pub deadline: String,
    pub leader: String,
    pub owner: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTask {
    pub title: String,
    pub body: String,
    pub deadline: NaiveDate,
    pub leader: String,
    pub owner: String,
}

/// Checks a new task; every field's problem is reported at once. The deadline may not be in the past.
pub fn validate_task(d: &TaskDraft, today: NaiveDate) -> Result<ValidTask, Vec<DomainError>> {
    let mut errors = Vec::new();
    let title = clean_text(&d.title, "title", "任务名称", 2, 100)
        .map_err(|e| errors.push(e))
        .ok();
    let body = clean_text(&d.body, "body", "任务要求", 5, 5000)
        .map_err(|e| errors.push(e))
        .ok();
    let deadline = match parse_date(&d.deadline, "deadline", "完成时限") {
        Ok(day) if day < today => {
            errors.push(DomainError::field(
                "deadline",
                format!("完成时限（{day}）不能早于今天（{today}）"),
            ));
            None
        }
        Ok(day) => Some(day),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let leader = clean_text(&d.leader, "leader", "责任领导", 2, 50)
        .map_err(|e| errors.push(e))
        .ok();
    let owner = clean_text(&d.owner, "owner", "责任人", 2, 50)
        .map_err(|e| errors.push(e))
        .ok();
    match (title, body, deadline, leader, owner) {
        (Some(title), Some(body), Some(deadline), Some(leader), Some(owner))
            if errors.is_empty() =>
        {
            Ok(ValidTask {
                title,
                body,
                deadline,
                leader,
                owner,
            })
        }
        _ => Err(errors),
    }
}

/// A task the unit still owes is overdue the day after its deadline.
pub fn task_overdue(state: TaskState, deadline: NaiveDate, today: NaiveDate) -> bool {
    state.is_open() && deadline < today
}

string_enum! {
    /// What the deadline scan writes about a task.
    pub enum TaskNotice ("任务提醒") {
        Reminder = ("task_reminder", "到期提醒"),
        Overdue = ("task_overdue", "超期预警"),
    }
}

/// Reminds the working day before the deadline (anything due by the next working day) and warns once the
/// deadline has passed; nothing for work the unit no longer owes.
pub fn task_notice(
    state: TaskState,
    deadline: NaiveDate,
    today: NaiveDate,
    next_workday: NaiveDate,
) -> Option<TaskNotice> {
    if !state.is_open() {
        None
    } else if deadline < today {
        Some(TaskNotice::Overdue)
    } else if deadline <= next_workday {
        Some(TaskNotice::Reminder)
    } else {
        None
    }
}

/// Whether a person in a unit at `actor_path` may send a task to the unit at `target_path`: the campaign
/// office to any unit in its scope, everyone else only to units below their own (下级单位).
pub fn may_issue_to(office: bool, actor_path: &str, target_path: &str, in_scope: bool) -> bool {
    in_scope && (office || (target_path.starts_with(actor_path) && target_path != actor_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The legal table, written apart from `next_task`.
    fn legal(s: TaskState, a: TaskAction) -> Option<TaskState> {
        use TaskAction as A;
        use TaskState as S;
        Some(match (s, a) {
            (S::Issued, A::Progress)
            | (S::InProgress, A::Progress)
            | (S::Returned, A::Progress) => S::InProgress,
            (S::Issued, A::Submit) | (S::InProgress, A::Submit) | (S::Returned, A::Submit) => {
                S::Submitted
            }
            (S::Issued, A::Chase) => S::Issued,
            (S::InProgress, A::Chase) => S::InProgress,
            (S::Returned, A::Chase) => S::Returned,
            (S::Submitted, A::Return) => S::Returned,
            (S::Submitted, A::Accept) => S::Accepted,
            _ => return None,
        })
    }

    #[test]
    fn task_life_matches_the_table() {
        let mut refused = 0;
        for s in TaskState::all() {
            for a in TaskAction::all() {
                match (next_task(*s, *a), legal(*s, *a)) {
                    (Ok(got), Some(want)) => assert_eq!(got, want, "{s:?} {a:?}"),
                    (Err(e), None) => {
                        assert_eq!(
                            e.message,
                            format!("任务当前状态为{}，不能{}", s.label(), a.label())
                        );
                        refused += 1;
                    }
                    (got, want) => panic!("{s:?} {a:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert_eq!(refused, 25 - 11);
        assert!(task_actions(TaskState::Accepted).is_empty());
        assert_eq!(
            task_actions(TaskState::Submitted),
            [TaskAction::Return, TaskAction::Accept]
        );
        // The whole path: issued, progress, done, sent back, done again, accepted.
        let mut s = TaskState::Issued;
        for a in [
            TaskAction::Chase,
            TaskAction::Progress,
            TaskAction::Submit,
            TaskAction::Return,
            TaskAction::Submit,
            TaskAction::Accept,
        ] {
            s = next_task(s, a).unwrap();
        }
        assert_eq!(s, TaskState::Accepted);
    }

    #[test]
    fn new_task_checks_every_field() {
        let today = d(2026, 3, 10);
        let good = TaskDraft {
            title: "报送学习教育实施方案".into(),
            body: "各单位于限期内报送本单位实施方案".into(),
            deadline: "2026-03-20".into(),
            leader: "王副书记".into(),
            owner: "李科长".into(),
        };
        let t = validate_task(&good, today).unwrap();
        assert_eq!(t.deadline, d(2026, 3, 20));
        assert!(
            validate_task(
                &TaskDraft {
                    deadline: "2026-03-10".into(),
                    ..good.clone()
                },
                today
            )
            .is_ok()
        );

        let bad = TaskDraft {
            title: "x".into(),
            body: "".into(),
            deadline: "2026-03-09".into(),
            leader: "".into(),
            owner: "李".into(),
        };
        let e = validate_task(&bad, today).unwrap_err();
        let fields: Vec<_> = e.iter().map(|x| x.field.unwrap()).collect();
        assert_eq!(fields, ["title", "body", "deadline", "leader", "owner"]);
        assert_eq!(
            e[2].message,
            "完成时限（2026-03-09）不能早于今天（2026-03-10）"
        );
        let e = validate_task(
            &TaskDraft {
                deadline: "明天".into(),
                ..good
            },
            today,
        )
        .unwrap_err();
        assert_eq!(e[0].message, "完成时限应为 YYYY-MM-DD 格式的日期");
    }

    #[test]
    fn reminders_and_overdue() {
        let today = d(2026, 3, 13); // a Friday; the next working day is Monday the 16th
        let next = d(2026, 3, 16);
        use TaskNotice::*;
        assert_eq!(
            task_notice(TaskState::Issued, d(2026, 3, 16), today, next),
            Some(Reminder)
        );
        assert_eq!(
            task_notice(TaskState::InProgress, d(2026, 3, 14), today, next),
            Some(Reminder)
        );
        assert_eq!(
            task_notice(TaskState::Returned, today, today, next),
            Some(Reminder)
        );
        assert_eq!(
            task_notice(TaskState::Issued, d(2026, 3, 17), today, next),
            None
        );
        assert_eq!(
            task_notice(TaskState::Issued, d(2026, 3, 12), today, next),
            Some(Overdue)
        );
        assert_eq!(
            task_notice(TaskState::Submitted, d(2026, 3, 12), today, next),
            None
        );
        assert_eq!(
            task_notice(TaskState::Accepted, d(2026, 3, 12), today, next),
            None
        );
        assert!(task_overdue(TaskState::Returned, d(2026, 3, 12), today));
        assert!(!task_overdue(TaskState::Submitted, d(2026, 3, 12), today));
        assert!(!task_overdue(TaskState::Issued, today, today));
    }

    #[test]
    fn who_may_receive_a_task() {
        let city = "/a/";
        let district = "/a/b/";
        let station = "/a/b/c/";
        assert!(may_issue_to(true, city, district, true));
        assert!(may_issue_to(true, city, city, true));
        assert!(!may_issue_to(true, city, district, false));
        assert!(may_issue_to(false, district, station, true));
        assert!(!may_issue_to(false, district, district, true));
        assert!(!may_issue_to(false, district, city, true));
        assert!(!may_issue_to(false, district, "/a/x/", true));
    }
}
