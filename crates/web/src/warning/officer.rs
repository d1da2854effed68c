//! One officer's warning: the score line by line (count × weight = points) and every item counted, each
//! saying what it is and linking to the clue, case or finding it came from.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use domain::access::Permission;
use domain::clues::{ClueSource, Conclusion};
use domain::enforcement::cases::CaseStage;
use domain::enforcement::review::Grade;
use domain::selfcheck::Leniency;
use domain::warning::{Assessment, FactKind, assess};
use store::warning::{OfficerWarning, WarningItem};

use super::{level_class, level_label, run_line, scoring_settings};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::category_label;
use crate::view::{Nav, fmt_time, page};

/// One counted item as the page shows it.
pub(crate) struct ItemRow {
    pub href: String,
    pub number: String,
    pub text: String,
}

/// The items of one kind with the rule that counted them.
pub(crate) struct KindGroup {
    pub label: &'static str,
    pub rule: &'static str,
    pub items: Vec<ItemRow>,
}

fn day_of(i: &WarningItem) -> String {
    match (&i.on_date, i.at_ms) {
        (Some(d), _) => d.clone(),
        (None, Some(ms)) => fmt_time(ms),
        (None, None) => String::new(),
    }
}

fn stage_label(code: &str) -> &'static str {
    CaseStage::parse(code).map(|s| s.label()).unwrap_or("办案")
}

fn source_label(code: &str) -> &'static str {
    ClueSource::parse(code).map(|s| s.label()).unwrap_or("其他")
}

/// What an item is, in a sentence, and where its link goes.
fn describe(i: &WarningItem) -> ItemRow {
    use FactKind::*;
    let when = day_of(i);
    let detail = i.detail.as_deref().unwrap_or("");
    let extra = i.extra.as_deref().unwrap_or("");
    let case = format!("/cases/{}", i.ref_id);
    let (href, text) = match i.kind {
        Clue | Complaint => (
            format!("/clues/{}", i.ref_id),
            format!(
                "{}，来源：{}，登记于{when}，尚未认定",
                category_label(detail),
                source_label(extra)
            ),
        ),
        ClueSubstantiated => (
            format!("/clues/{}", i.ref_id),
            format!(
                "{}，登记于{when}，经核查认定{}",
                category_label(detail),
                Conclusion::parse(extra)
                    .map(|c| c.label())
                    .unwrap_or("属实")
            ),
        ),
        CaseOverdue => (
            case,
            format!("{}环节应于{when}前办结，至今未结", stage_label(detail)),
        ),
        StageLate => (
            case,
            format!(
                "{}环节应于{extra}前办结，实际{when}办结",
                stage_label(detail)
            ),
        ),
        Inquiry | Interference => (
            case,
            format!(
                "过问登记{detail}，过问时间{when}{}",
                if i.kind == Interference {
                    "，已认定为干预司法"
                } else {
                    ""
                }
            ),
        ),
        ReviewFlawed | ReviewFailed => (
            case,
            format!(
                "{when}评查为{}",
                Grade::parse(detail).map(|g| g.label()).unwrap_or("")
            ),
        ),
        ReviewDefect => (
            case,
            format!(
                "{when}评查（{}）发现问题{}项",
                Grade::parse(detail)
                    .map(|g| g.label())
                    .unwrap_or("未定等次"),
                i.qty
            ),
        ),
        SelfReportStrict | SelfReportPartial => (
            format!("/selfcheck/findings/{}", i.ref_id),
            format!(
                "{}，查实于{when}，比对结论：{}",
                category_label(detail),
                Leniency::parse(extra).map(|l| l.label()).unwrap_or("")
            ),
        ),
    };
    ItemRow {
        href,
        number: i.ref_no.clone(),
        text,
    }
}

pub(crate) fn groups(items: &[WarningItem]) -> Vec<KindGroup> {
    let mut out: Vec<KindGroup> = Vec::new();
    for i in items {
        match out.last_mut() {
            Some(g) if g.label == i.kind.label() => g.items.push(describe(i)),
            _ => out.push(KindGroup {
                label: i.kind.label(),
                rule: i.kind.rule(),
                items: vec![describe(i)],
            }),
        }
    }
    out
}

#[derive(Template)]
#[template(path = "warnings/officer.html")]
struct OfficerPage {
    nav: Nav,
    w: OfficerWarning,
    a: Option<Assessment>,
    level: String,
    computed: String,
    groups: Vec<KindGroup>,
    run_line: String,
    computed_ever: bool,
}

pub(super) async fn show(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewWarnings)?;
    let w = state.store.officer_warning(&s.actor, id.trim()).await?;
    let run = state.store.last_warning_run().await?;
    let used = scoring_settings(&state, &run).await?;
    let a = w.score.as_ref().map(|sc| assess(&sc.facts, &used));
    let level = w
        .score
        .as_ref()
        .map(|sc| sc.level.clone())
        .unwrap_or_else(|| "normal".into());
    let computed = w
        .score
        .as_ref()
        .map(|sc| fmt_time(sc.computed_at))
        .unwrap_or_default();
    Ok(page(&OfficerPage {
        nav: s.nav("/warnings"),
        groups: groups(&w.items),
        a,
        level,
        computed,
        computed_ever: run.is_some(),
        run_line: run_line(&run),
        w,
    }))
}

impl OfficerPage {
    fn level_label(&self) -> &'static str {
        level_label(&self.level)
    }
    fn level_class(&self) -> &'static str {
        level_class(&self.level)
    }
}
