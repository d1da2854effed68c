//! The campaign (整顿活动): the two templates of phases from the speeches, each phase's exit criteria
//! and their evaluation against a unit's facts (a checklist that explains itself), the per-unit phase
//! state machine (advance, override with a reason, rework), the life of a task sent to a unit, and the
//! four levels of the responsibility matrix (责任体系).

use chrono::NaiveDate;

use crate::error::DomainError;
use crate::org::clean_text;

mod responsibility;
mod tasks;

pub use responsibility::*;
pub use tasks::*;

string_enum! {
    /// Where a campaign's phases come from.
    pub enum CampaignTemplate ("整顿模板") {
        /// 学习教育 → 查纠整改 → 总结提升 (the first speech's three key links).
        Education = ("education", "政法队伍教育整顿"),
        /// 学习动员 → 自查自纠 → 对照检查 → 整改提高 (the second speech's four steps).
        Discipline = ("discipline", "思想作风纪律整顿"),
        Custom = ("custom", "自定义阶段"),
    }
}

/// What must hold before a unit may leave a phase. Every part is optional, so each phase is configured
/// on its own; stored as JSON with the phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ExitCriteria {
    /// Least share, in percent, of the unit's officers who have finished their study.
    pub study_rate: Option<u8>,
    /// Every officer of the unit has filed the self-report (自查事项报告).
    pub self_reports: bool,
    /// No clue of the unit is still open past its time limit.
    pub clues_disposed: bool,
    /// Every rectification row of the unit is accepted (销号).
    pub rectification_accepted: bool,
    /// Every task of this phase sent to the unit is accepted.
    pub tasks_accepted: bool,
}

/// The study rate a template asks for (the office may change it per phase).
pub const DEFAULT_STUDY_RATE: u8 = 90;

/// A phase as a template defines it: a stable key, its name and the criteria it starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplatePhase {
    pub key: &'static str,
    pub name: &'static str,
    pub criteria: ExitCriteria,
}

impl CampaignTemplate {
    /// The template's phases in order; a custom campaign has none until the office names them.
    pub fn phases(self) -> Vec<TemplatePhase> {
        let c = |study: bool, reports: bool, clues: bool, rect: bool| ExitCriteria {
            study_rate: study.then_some(DEFAULT_STUDY_RATE),
            self_reports: reports,
            clues_disposed: clues,
            rectification_accepted: rect,
            tasks_accepted: true,
        };
        let p = |key, name, criteria| TemplatePhase {
            key,
            name,
            criteria,
        };
        match self {
            CampaignTemplate::Education => vec![
                p("study", "学习教育", c(true, false, false, false)),
                p(
                    "investigate_rectify",
                    "查纠整改",
                    c(false, true, true, false),
                ),
                p("consolidate", "总结提升", c(false, false, true, true)),
            ],
            CampaignTemplate::Discipline => vec![
                p("mobilize", "学习动员", c(true, false, false, false)),
                p("self_check", "自查自纠", c(false, true, false, false)),
                p("compare_check", "对照检查", c(false, false, true, false)),
                p("rectify_improve", "整改提高", c(false, false, false, true)),
            ],
            CampaignTemplate::Custom => vec![],
        }
    }
}

pub const MAX_PHASES: usize = 8;

/// One phase as typed into the form, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhaseDraft {
    pub name: String,
    pub starts: String,
    pub ends: String,
    /// Percent, blank for "not required".
    pub study_rate: String,
    pub self_reports: bool,
    pub clues_disposed: bool,
    pub rectification_accepted: bool,
    pub tasks_accepted: bool,
}

/// A checked phase: its window is real and in order with the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseSpec {
    pub key: String,
    pub name: String,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    pub criteria: ExitCriteria,
}

fn parse_date(s: &str, field: &'static str, what: &str) -> Result<NaiveDate, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DomainError::field(field, format!("请填写{what}")));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| DomainError::field(field, format!("{what}应为 YYYY-MM-DD 格式的日期")))
}

/// A percentage from 1 to 100, or `None` for a blank field.
pub fn parse_rate(s: &str) -> Result<Option<u8>, DomainError> {
    let t = s.trim().trim_end_matches(['%', '％']);
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u8>() {
        Ok(n) if (1..=100).contains(&n) => Ok(Some(n)),
        _ => Err(DomainError::field(
            "phases",
            "学习完成率要求应为1至100之间的整数",
        )),
    }
}

/// Checks one phase (the `n`-th, from 1) on its own: dates, name, rate.
pub fn check_phase(
    n: usize,
    key: &str,
    name: &str,
    d: &PhaseDraft,
) -> Result<PhaseSpec, DomainError> {
    let at = |e: DomainError| DomainError::field("phases", format!("第{n}阶段：{}", e.message));
    let name = clean_text(name, "phases", "阶段名称", 2, 30).map_err(at)?;
    let starts = parse_date(&d.starts, "phases", "开始日期").map_err(at)?;
    let ends = parse_date(&d.ends, "phases", "结束日期").map_err(at)?;
    if ends < starts {
        return Err(at(DomainError::new(format!(
            "结束日期（{ends}）不能早于开始日期（{starts}）"
        ))));
    }
    let study_rate = parse_rate(&d.study_rate).map_err(at)?;
    Ok(PhaseSpec {
        key: key.to_string(),
        name,
        starts,
        ends,
        criteria: ExitCriteria {
            study_rate,
            self_reports: d.self_reports,
            clues_disposed: d.clues_disposed,
            rectification_accepted: d.rectification_accepted,
            tasks_accepted: d.tasks_accepted,
        },
    })
}

/// Checks a campaign's phases. A template's phases keep the template's keys and names (what the speeches
/// call them); a custom list is named by the office, keys `p1`, `p2`, …. Phases follow one another: each
/// starts no earlier than the one before it ends. Every problem is reported at once.
pub fn validate_phases(
    template: CampaignTemplate,
    drafts: &[PhaseDraft],
) -> Result<Vec<PhaseSpec>, Vec<DomainError>> {
    let fixed = template.phases();
    if template != CampaignTemplate::Custom && drafts.len() != fixed.len() {
        return Err(vec![DomainError::field(
            "phases",
            format!(
                "「{}」模板有{}个阶段，提交了{}个",
                template.label(),
                fixed.len(),
                drafts.len()
            ),
        )]);
    }
    if drafts.is_empty() {
        return Err(vec![DomainError::field("phases", "请至少设置一个阶段")]);
    }
    if drafts.len() > MAX_PHASES {
        return Err(vec![DomainError::field(
            "phases",
            format!("最多设置{MAX_PHASES}个阶段"),
        )]);
    }
    let mut errors = Vec::new();
    let mut out: Vec<PhaseSpec> = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        let (key, name) = match fixed.get(i) {
            Some(t) => (t.key.to_string(), t.name.to_string()),
            None => (format!("p{}", i + 1), d.name.clone()),
        };
        match check_phase(i + 1, &key, &name, d) {
            Ok(p) => {
                if let Some(prev) = out.last().filter(|prev| p.starts < prev.ends) {
                    errors.push(DomainError::field(
                        "phases",
                        format!(
                            "第{}阶段：开始日期（{}）不能早于上一阶段「{}」的结束日期（{}）",
                            i + 1,
                            p.starts,
                            prev.name,
                            prev.ends
                        ),
                    ));
                }
                out.push(p);
            }
            Err(e) => errors.push(e),
        }
    }
    if out
        .iter()
        .map(|p| &p.name)
        .collect::<std::collections::HashSet<_>>()
        .len()
        != out.len()
    {
        errors.push(DomainError::field("phases", "各阶段名称不能重复"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A campaign's name: 2 to 100 characters.
pub fn check_campaign_name(s: &str) -> Result<String, DomainError> {
    clean_text(s, "name", "活动名称", 2, 100)
}

// ---------- exit criteria, evaluated ----------

string_enum! {
    /// One line of a phase's checklist.
    pub enum Criterion ("退出条件") {
        StudyRate = ("study_rate", "学习完成率"),
        SelfReports = ("self_reports", "自查事项报告"),
        CluesDisposed = ("clues_disposed", "问题线索按时处置"),
        RectificationAccepted = ("rectification_accepted", "整改问题验收销号"),
        TasksAccepted = ("tasks_accepted", "阶段任务验收"),
    }
}

/// `done` out of `of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Count {
    pub done: i64,
    pub of: i64,
}

impl Count {
    pub fn new(done: i64, of: i64) -> Count {
        Count { done, of }
    }
}

/// What the system knows about one unit in one phase, read from the other modules' data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct UnitFacts {
    /// Officers who finished their study, of all officers of the unit.
    pub study: Count,
    /// Officers who filed a self-report, of all officers of the unit.
    pub self_reports: Count,
    /// Open clues of the unit past their time limit.
    pub overdue_clues: i64,
    /// Rectification rows accepted, of all rows of the unit.
    pub rectification: Count,
    /// Tasks of this phase accepted, of all tasks of this phase sent to the unit.
    pub tasks: Count,
}

/// One checked criterion and the facts behind the answer, as the page shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckItem {
    pub criterion: Criterion,
    pub met: bool,
    pub fact: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Checklist {
    pub items: Vec<CheckItem>,
}

impl Checklist {
    /// True when every criterion holds (an empty checklist holds).
    pub fn passed(&self) -> bool {
        self.items.iter().all(|i| i.met)
    }

    pub fn failing(&self) -> Vec<&CheckItem> {
        self.items.iter().filter(|i| !i.met).collect()
    }

    /// "学习完成率 82%（41/50人），要求 ≥ 90%；…": what blocks the unit, in one line.
    pub fn blocking_text(&self) -> String {
        self.failing()
            .iter()
            .map(|i| i.fact.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// Whole percent, rounded down, so a shown figure never looks like a pass when it is not one.
fn percent(c: Count) -> i64 {
    if c.of <= 0 {
        0
    } else {
        c.done.max(0) * 100 / c.of
    }
}

/// Checks each chosen criterion against the facts and says why it holds or not.
pub fn evaluate(criteria: &ExitCriteria, f: &UnitFacts) -> Checklist {
    let mut items = Vec::new();
    if let Some(rate) = criteria.study_rate {
        let (met, fact) = if f.study.of <= 0 {
            (
                false,
                format!("本单位花名册中没有干警，无法计算学习完成率（要求 ≥ {rate}%）"),
            )
        } else {
            // Compared in integers: 89.9% is not 90%.
            let met = f.study.done * 100 >= i64::from(rate) * f.study.of;
            (
                met,
                format!(
                    "学习完成率 {}%（{}/{}人），要求 ≥ {rate}%",
                    percent(f.study),
                    f.study.done,
                    f.study.of
                ),
            )
        };
        items.push(CheckItem {
            criterion: Criterion::StudyRate,
            met,
            fact,
        });
    }
    if criteria.self_reports {
        let c = f.self_reports;
        let (met, fact) = if c.of <= 0 {
            (
                false,
                "本单位花名册中没有干警，无法核对自查事项报告".to_string(),
            )
        } else if c.done >= c.of {
            (
                true,
                format!("自查事项报告已全部报送（{}/{}人）", c.done, c.of),
            )
        } else {
            (
                false,
                format!(
                    "自查事项报告已报送 {}/{}人，尚缺 {}人，要求全部报送",
                    c.done,
                    c.of,
                    c.of - c.done
                ),
            )
        };
        items.push(CheckItem {
            criterion: Criterion::SelfReports,
            met,
            fact,
        });
    }
    if criteria.clues_disposed {
        let n = f.overdue_clues;
        let (met, fact) = if n <= 0 {
            (true, "没有超过办理时限未处置的问题线索".to_string())
        } else {
            (
                false,
                format!("有 {n} 条问题线索超过办理时限未处置，要求为 0"),
            )
        };
        items.push(CheckItem {
            criterion: Criterion::CluesDisposed,
            met,
            fact,
        });
    }
    if criteria.rectification_accepted {
        let c = f.rectification;
        let (met, fact) = if c.of <= 0 {
            (true, "本单位没有整改问题".to_string())
        } else if c.done >= c.of {
            (
                true,
                format!("整改问题已全部验收销号（{}/{}条）", c.done, c.of),
            )
        } else {
            (
                false,
                format!(
                    "整改问题已验收销号 {}/{}条，尚有 {}条未销号，要求全部销号",
                    c.done,
                    c.of,
                    c.of - c.done
                ),
            )
        };
        items.push(CheckItem {
            criterion: Criterion::RectificationAccepted,
            met,
            fact,
        });
    }
    if criteria.tasks_accepted {
        let c = f.tasks;
        let (met, fact) = if c.of <= 0 {
            (true, "本阶段没有下发给本单位的任务".to_string())
        } else if c.done >= c.of {
            (
                true,
                format!("本阶段任务已全部验收（{}/{}项）", c.done, c.of),
            )
        } else {
            (
                false,
                format!(
                    "本阶段任务已验收 {}/{}项，尚有 {}项未验收，要求全部验收",
                    c.done,
                    c.of,
                    c.of - c.done
                ),
            )
        };
        items.push(CheckItem {
            criterion: Criterion::TasksAccepted,
            met,
            fact,
        });
    }
    Checklist { items }
}

// ---------- a unit's phase state ----------

/// Where one unit stands in a campaign: the index of its phase, or done with them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PhaseState {
    pub phase: usize,
    pub completed: bool,
}

impl PhaseState {
    pub fn start() -> PhaseState {
        PhaseState {
            phase: 0,
            completed: false,
        }
    }
}

/// What the office or an inspector does to a unit's phase state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseAction<'a> {
    /// Move on because the checklist of the current phase holds.
    Advance(&'a Checklist),
    /// Move on although it may not hold, on the office's written reason.
    Override {
        checklist: &'a Checklist,
        reason: &'a str,
    },
    /// Send the unit back (返工) to phase `to` with the reasons.
    Rework { to: usize, reasons: &'a str },
}

impl PhaseAction<'_> {
    pub fn code(&self) -> &'static str {
        match self {
            PhaseAction::Advance(_) => "advance",
            PhaseAction::Override { .. } => "override",
            PhaseAction::Rework { .. } => "rework",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            PhaseAction::Advance(_) => "推进",
            PhaseAction::Override { .. } => "特批推进",
            PhaseAction::Rework { .. } => "返工",
        }
    }
}

/// A legal move and why it happened, for the history and the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseMove {
    pub to: PhaseState,
    pub because: Vec<String>,
}

/// The shortest reason a person may give for an override, a rework or a returned report.
pub const MIN_REASON_CHARS: usize = 5;

/// A written reason: at least [`MIN_REASON_CHARS`] characters, at most 2000.
pub fn check_reason(s: &str, field: &'static str, label: &str) -> Result<String, DomainError> {
    let t = s.trim();
    if t.chars().count() < MIN_REASON_CHARS {
        return Err(DomainError::field(
            field,
            format!("请填写{label}（不少于{MIN_REASON_CHARS}个字）"),
        ));
    }
    clean_text(t, field, label, MIN_REASON_CHARS, 2000)
}

/// The one transition function of a unit's phases. `phases` are the campaign's phase names in order.
pub fn next_phase(
    phases: &[String],
    state: PhaseState,
    action: &PhaseAction,
) -> Result<PhaseMove, DomainError> {
    let n = phases.len();
    let name = |i: usize| phases.get(i).map(String::as_str).unwrap_or("未知阶段");
    if n == 0 || state.phase >= n {
        return Err(DomainError::new("该活动的阶段设置有误"));
    }
    let current = name(state.phase);
    // The step after the current phase: the next phase, or the end of the campaign for this unit.
    let forward = || {
        if state.phase + 1 == n {
            (
                PhaseState {
                    phase: state.phase,
                    completed: true,
                },
                format!("「{current}」是最后一个阶段，本单位整顿活动完成"),
            )
        } else {
            (
                PhaseState {
                    phase: state.phase + 1,
                    completed: false,
                },
                format!("由「{current}」进入「{}」阶段", name(state.phase + 1)),
            )
        }
    };
    match *action {
        PhaseAction::Advance(checklist) => {
            if state.completed {
                return Err(DomainError::new("本单位已完成全部阶段，不能再推进"));
            }
            let failing = checklist.failing();
            if !failing.is_empty() {
                return Err(DomainError::new(format!(
                    "「{current}」阶段尚有{}项退出条件未满足：{}。如确需推进，须由整顿办填写理由特批",
                    failing.len(),
                    checklist.blocking_text()
                )));
            }
            let (to, step) = forward();
            let mut because = vec![step];
            if checklist.items.is_empty() {
                because.push("本阶段未设退出条件".to_string());
            }
            because.extend(
                checklist
                    .items
                    .iter()
                    .map(|i| format!("已满足：{}", i.fact)),
            );
            Ok(PhaseMove { to, because })
        }
        PhaseAction::Override { checklist, reason } => {
            if state.completed {
                return Err(DomainError::new("本单位已完成全部阶段，不能再推进"));
            }
            let reason = check_reason(reason, "reason", "特批理由")?;
            let (to, step) = forward();
            let mut because = vec![step, format!("整顿办特批：{reason}")];
            if checklist.passed() {
                because.push("特批时各项退出条件均已满足".to_string());
            } else {
                because.extend(
                    checklist
                        .failing()
                        .iter()
                        .map(|i| format!("未满足：{}", i.fact)),
                );
            }
            Ok(PhaseMove { to, because })
        }
        PhaseAction::Rework { to, reasons } => {
            if to >= n {
                return Err(DomainError::field("to", "请选择返工到的阶段"));
            }
            if !state.completed && to > state.phase {
                return Err(DomainError::field(
                    "to",
                    format!("本单位正处于「{current}」阶段，只能返工到本阶段或此前的阶段"),
                ));
            }
            let reasons = check_reason(reasons, "reasons", "返工理由")?;
            let from = if state.completed {
                "已完成".to_string()
            } else {
                format!("「{current}」阶段")
            };
            Ok(PhaseMove {
                to: PhaseState {
                    phase: to,
                    completed: false,
                },
                because: vec![
                    format!("由{from}返工至「{}」阶段", name(to)),
                    format!("返工理由：{reasons}"),
                ],
            })
        }
    }
}

/// The campaign is complete when every unit in it (`units` of them) has completed its last phase.
pub fn campaign_complete(units: i64, completed: i64) -> bool {
    units > 0 && completed >= units
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn names(t: CampaignTemplate) -> Vec<String> {
        t.phases().iter().map(|p| p.name.to_string()).collect()
    }

    fn all_criteria() -> ExitCriteria {
        ExitCriteria {
            study_rate: Some(90),
            self_reports: true,
            clues_disposed: true,
            rectification_accepted: true,
            tasks_accepted: true,
        }
    }

    fn good_facts() -> UnitFacts {
        UnitFacts {
            study: Count::new(46, 50),
            self_reports: Count::new(50, 50),
            overdue_clues: 0,
            rectification: Count::new(3, 3),
            tasks: Count::new(2, 2),
        }
    }

    #[test]
    fn templates_follow_the_speeches() {
        assert_eq!(
            names(CampaignTemplate::Education),
            ["学习教育", "查纠整改", "总结提升"]
        );
        let keys: Vec<&str> = CampaignTemplate::Education
            .phases()
            .iter()
            .map(|p| p.key)
            .collect();
        assert_eq!(keys, ["study", "investigate_rectify", "consolidate"]);
        assert_eq!(
            names(CampaignTemplate::Discipline),
            ["学习动员", "自查自纠", "对照检查", "整改提高"]
        );
        assert!(CampaignTemplate::Custom.phases().is_empty());
        // The study phase asks for the study rate; the self-check phase for every self-report.
        assert_eq!(
            CampaignTemplate::Education.phases()[0].criteria.study_rate,
            Some(90)
        );
        assert!(
            CampaignTemplate::Discipline.phases()[1]
                .criteria
                .self_reports
        );
    }

    fn draft(name: &str, starts: &str, ends: &str) -> PhaseDraft {
        PhaseDraft {
            name: name.into(),
            starts: starts.into(),
            ends: ends.into(),
            study_rate: "90".into(),
            tasks_accepted: true,
            ..PhaseDraft::default()
        }
    }

    #[test]
    fn template_phases_keep_their_names_and_check_windows() {
        let drafts = [
            draft("随便", "2026-03-01", "2026-04-15"),
            draft("", "2026-04-15", "2026-06-10"),
            draft("", "2026-06-11", "2026-06-30"),
        ];
        let p = validate_phases(CampaignTemplate::Education, &drafts).unwrap();
        assert_eq!(p[0].name, "学习教育");
        assert_eq!(p[1].key, "investigate_rectify");
        assert_eq!(p[2].ends, d(2026, 6, 30));
        assert_eq!(p[0].criteria.study_rate, Some(90));

        let e = validate_phases(CampaignTemplate::Education, &drafts[..2]).unwrap_err();
        assert!(e[0].message.contains("有3个阶段，提交了2个"), "{e:?}");
    }

    #[test]
    fn every_bad_phase_is_named() {
        let drafts = [
            draft("动员", "2026-03-01", "2026-02-01"), // ends before it starts
            draft("查摆", "2026-03-0x", "2026-04-01"), // bad date
            draft("整改", "2026-03-20", "2026-05-01"), // fine alone
            draft("总结", "2026-04-01", "2026-06-01"), // starts before 整改 ends
            PhaseDraft {
                study_rate: "120".into(),
                ..draft("巩固", "2026-06-02", "2026-07-01")
            },
        ];
        let e = validate_phases(CampaignTemplate::Custom, &drafts).unwrap_err();
        let m: Vec<&str> = e.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(e.len(), 4, "{m:?}");
        assert!(
            m[0].starts_with("第1阶段：结束日期（2026-02-01）不能早于开始日期"),
            "{m:?}"
        );
        assert!(m[1].starts_with("第2阶段：开始日期应为"), "{m:?}");
        assert!(
            m[2].contains("第4阶段") && m[2].contains("「整改」的结束日期（2026-05-01）"),
            "{m:?}"
        );
        assert!(m[3].starts_with("第5阶段：学习完成率要求"), "{m:?}");
        assert!(e.iter().all(|x| x.field == Some("phases")));

        let p = validate_phases(
            CampaignTemplate::Custom,
            &[draft("动员", "2026-03-01", "2026-03-31")],
        )
        .unwrap();
        assert_eq!((p[0].key.as_str(), p[0].name.as_str()), ("p1", "动员"));
        assert!(validate_phases(CampaignTemplate::Custom, &[]).is_err());
        let dup = [
            draft("动员", "2026-03-01", "2026-03-31"),
            draft("动员", "2026-04-01", "2026-04-30"),
        ];
        assert!(
            validate_phases(CampaignTemplate::Custom, &dup).unwrap_err()[0]
                .message
                .contains("不能重复")
        );
        assert_eq!(parse_rate(" 85% "), Ok(Some(85)));
        assert_eq!(parse_rate(""), Ok(None));
        assert!(parse_rate("0").is_err());
    }

    #[test]
    fn checklist_states_the_facts() {
        let mut f = good_facts();
        f.study = Count::new(41, 50);
        let c = evaluate(&all_criteria(), &f);
        assert_eq!(c.items.len(), 5);
        assert!(!c.passed());
        assert_eq!(c.items[0].fact, "学习完成率 82%（41/50人），要求 ≥ 90%");
        assert!(!c.items[0].met);
        assert!(c.items[1..].iter().all(|i| i.met), "{c:?}");
        assert_eq!(c.blocking_text(), "学习完成率 82%（41/50人），要求 ≥ 90%");

        // 89.9% is below 90%, shown rounded down; exactly 90% passes.
        f.study = Count::new(899, 1000);
        assert!(!evaluate(&all_criteria(), &f).items[0].met);
        assert!(
            evaluate(&all_criteria(), &f).items[0]
                .fact
                .starts_with("学习完成率 89%")
        );
        f.study = Count::new(45, 50);
        assert!(evaluate(&all_criteria(), &f).passed());
    }

    #[test]
    fn each_criterion_fails_on_its_own_fact() {
        let cases: [(fn(&mut UnitFacts), Criterion, &str); 5] = [
            (
                |f| f.study = Count::new(0, 0),
                Criterion::StudyRate,
                "本单位花名册中没有干警，无法计算学习完成率（要求 ≥ 90%）",
            ),
            (
                |f| f.self_reports = Count::new(47, 50),
                Criterion::SelfReports,
                "自查事项报告已报送 47/50人，尚缺 3人，要求全部报送",
            ),
            (
                |f| f.overdue_clues = 2,
                Criterion::CluesDisposed,
                "有 2 条问题线索超过办理时限未处置，要求为 0",
            ),
            (
                |f| f.rectification = Count::new(1, 4),
                Criterion::RectificationAccepted,
                "整改问题已验收销号 1/4条，尚有 3条未销号，要求全部销号",
            ),
            (
                |f| f.tasks = Count::new(0, 1),
                Criterion::TasksAccepted,
                "本阶段任务已验收 0/1项，尚有 1项未验收，要求全部验收",
            ),
        ];
        for (spoil, which, fact) in cases {
            let mut f = good_facts();
            spoil(&mut f);
            let c = evaluate(&all_criteria(), &f);
            let failing = c.failing();
            assert_eq!(failing.len(), 1, "{which:?}: {c:?}");
            assert_eq!(failing[0].criterion, which);
            assert_eq!(failing[0].fact, fact);
        }
        // Nothing to accept is not a failure; criteria not chosen are not checked at all.
        let mut f = good_facts();
        f.rectification = Count::new(0, 0);
        f.tasks = Count::new(0, 0);
        assert!(evaluate(&all_criteria(), &f).passed());
        f.overdue_clues = 9;
        let only_study = ExitCriteria {
            study_rate: Some(80),
            ..ExitCriteria::default()
        };
        let c = evaluate(&only_study, &f);
        assert_eq!(c.items.len(), 1);
        assert!(c.passed());
        assert!(evaluate(&ExitCriteria::default(), &f).items.is_empty());
    }

    fn phases() -> Vec<String> {
        names(CampaignTemplate::Education)
    }

    #[test]
    fn cannot_advance_while_any_criterion_fails() {
        let mut f = good_facts();
        f.overdue_clues = 1;
        f.self_reports = Count::new(49, 50);
        let c = evaluate(&all_criteria(), &f);
        let e = next_phase(&phases(), PhaseState::start(), &PhaseAction::Advance(&c)).unwrap_err();
        assert!(
            e.message
                .starts_with("「学习教育」阶段尚有2项退出条件未满足："),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("自查事项报告已报送 49/50人")
                && e.message.contains("有 1 条问题线索"),
            "{}",
            e.message
        );

        let ok = evaluate(&all_criteria(), &good_facts());
        let m = next_phase(&phases(), PhaseState::start(), &PhaseAction::Advance(&ok)).unwrap();
        assert_eq!(
            m.to,
            PhaseState {
                phase: 1,
                completed: false
            }
        );
        assert_eq!(m.because[0], "由「学习教育」进入「查纠整改」阶段");
        assert!(
            m.because
                .contains(&"已满足：学习完成率 92%（46/50人），要求 ≥ 90%".to_string()),
            "{:?}",
            m.because
        );
    }

    #[test]
    fn override_needs_a_reason_and_records_what_it_overrode() {
        let mut f = good_facts();
        f.study = Count::new(40, 50);
        let c = evaluate(&all_criteria(), &f);
        let s = PhaseState::start();
        for short in ["", "   ", "因工作", "四个字啊"] {
            let e = next_phase(
                &phases(),
                s,
                &PhaseAction::Override {
                    checklist: &c,
                    reason: short,
                },
            )
            .unwrap_err();
            assert_eq!(e.field, Some("reason"), "{short:?}");
            assert_eq!(e.message, "请填写特批理由（不少于5个字）");
        }
        let m = next_phase(
            &phases(),
            s,
            &PhaseAction::Override {
                checklist: &c,
                reason: " 部分干警借调省厅，经领导小组研究同意 ",
            },
        )
        .unwrap();
        assert_eq!(m.to.phase, 1);
        assert_eq!(
            m.because[1],
            "整顿办特批：部分干警借调省厅，经领导小组研究同意"
        );
        assert_eq!(
            m.because[2],
            "未满足：学习完成率 80%（40/50人），要求 ≥ 90%"
        );
    }

    #[test]
    fn rework_returns_the_unit_with_its_reasons() {
        let ok = evaluate(&all_criteria(), &good_facts());
        let at2 = PhaseState {
            phase: 2,
            completed: false,
        };
        let m = next_phase(
            &phases(),
            at2,
            &PhaseAction::Rework {
                to: 1,
                reasons: "整改台账不实，多项问题未真正整改",
            },
        )
        .unwrap();
        assert_eq!(
            m.to,
            PhaseState {
                phase: 1,
                completed: false
            }
        );
        assert_eq!(
            m.because,
            [
                "由「总结提升」阶段返工至「查纠整改」阶段",
                "返工理由：整改台账不实，多项问题未真正整改"
            ]
        );

        assert_eq!(
            next_phase(
                &phases(),
                at2,
                &PhaseAction::Rework {
                    to: 1,
                    reasons: "不行"
                }
            )
            .unwrap_err()
            .field,
            Some("reasons")
        );
        // Not forward, not past the end.
        let at0 = PhaseState::start();
        assert!(
            next_phase(
                &phases(),
                at0,
                &PhaseAction::Rework {
                    to: 1,
                    reasons: "走过场，需要返工"
                }
            )
            .unwrap_err()
            .message
            .contains("只能返工到本阶段或此前的阶段")
        );
        assert!(
            next_phase(
                &phases(),
                at2,
                &PhaseAction::Rework {
                    to: 3,
                    reasons: "走过场，需要返工"
                }
            )
            .is_err()
        );
        // A completed unit that fails acceptance goes back to any phase, and may then move on again.
        let done = PhaseState {
            phase: 2,
            completed: true,
        };
        let m = next_phase(
            &phases(),
            done,
            &PhaseAction::Rework {
                to: 2,
                reasons: "验收不合格，重新整顿",
            },
        )
        .unwrap();
        assert_eq!(
            m.to,
            PhaseState {
                phase: 2,
                completed: false
            }
        );
        assert!(m.because[0].starts_with("由已完成返工至「总结提升」"));
        assert!(
            next_phase(&phases(), m.to, &PhaseAction::Advance(&ok))
                .unwrap()
                .to
                .completed
        );
    }

    #[test]
    fn the_last_phase_completes_the_campaign() {
        let ok = evaluate(&all_criteria(), &good_facts());
        let mut s = PhaseState::start();
        let mut seen = vec![s];
        for _ in 0..3 {
            s = next_phase(&phases(), s, &PhaseAction::Advance(&ok))
                .unwrap()
                .to;
            seen.push(s);
        }
        assert_eq!(
            seen.last(),
            Some(&PhaseState {
                phase: 2,
                completed: true
            })
        );
        let last = next_phase(
            &phases(),
            PhaseState {
                phase: 2,
                completed: false,
            },
            &PhaseAction::Advance(&ok),
        )
        .unwrap();
        assert_eq!(
            last.because[0],
            "「总结提升」是最后一个阶段，本单位整顿活动完成"
        );
        let e = next_phase(&phases(), s, &PhaseAction::Advance(&ok)).unwrap_err();
        assert_eq!(e.message, "本单位已完成全部阶段，不能再推进");
        assert!(
            next_phase(
                &phases(),
                s,
                &PhaseAction::Override {
                    checklist: &ok,
                    reason: "再推进一次看看"
                }
            )
            .is_err()
        );

        assert!(campaign_complete(40, 40));
        assert!(!campaign_complete(40, 39));
        assert!(!campaign_complete(0, 0));
        assert!(next_phase(&[], PhaseState::start(), &PhaseAction::Advance(&ok)).is_err());
    }

    #[test]
    fn reasons_are_checked() {
        assert_eq!(
            check_reason("  说明理由五个字 ", "reason", "理由").unwrap(),
            "说明理由五个字"
        );
        assert!(check_reason("a\u{1b}bcdef", "reason", "理由").is_err());
    }
}
