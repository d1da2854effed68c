//! Data-check pages (数据比对): the findings list with filters and its .xlsx export, a finding's page with
//! its evidence and the one-step clue. The rules' settings and runs are in `rules`, the imports of the
//! records they compare in `import`.

mod import;
mod rules;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::enforcement::checks::{CheckFamily, CheckRule, Evidence};
use serde::Deserialize;
use store::enforcement::checks::{CheckFinding, FindingFilter};

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, category_label, export_xlsx, opts, xlsx_download};
use crate::view::{Nav, Pager, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checks", get(list))
        .route("/checks/export", get(export))
        .route("/checks/findings/{id}", get(detail))
        .route("/checks/findings/{id}/clue", post(open_clue))
        .merge(rules::routes())
        .merge(import::routes())
}

fn nz(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The evidence as one text: the reason, then every fact.
fn evidence_text(e: &Evidence) -> String {
    let mut s = e.because.clone();
    for f in &e.facts {
        s.push_str(&format!("\n{}：{}", f.label, f.value));
    }
    s
}

#[derive(Deserialize, Default, Clone)]
struct ListQuery {
    rule: Option<String>,
    family: Option<String>,
    unit: Option<String>,
    /// `yes`: a clue was opened; `no`: not yet.
    clue: Option<String>,
    current: Option<String>,
    q: Option<String>,
    page: Option<u64>,
}

impl ListQuery {
    fn filter(&self) -> FindingFilter {
        FindingFilter {
            rule: nz(&self.rule).and_then(|v| CheckRule::parse(v).ok()),
            family: nz(&self.family).and_then(|v| CheckFamily::parse(v).ok()),
            unit_id: nz(&self.unit).map(str::to_string),
            has_clue: match nz(&self.clue) {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            },
            current_only: nz(&self.current).is_some(),
            q: nz(&self.q).map(|v| v.chars().take(50).collect()),
        }
    }

    fn base(&self) -> String {
        let mut s = String::new();
        for (k, v) in [
            ("rule", &self.rule),
            ("family", &self.family),
            ("unit", &self.unit),
            ("clue", &self.clue),
            ("current", &self.current),
            ("q", &self.q),
        ] {
            if let Some(v) = nz(v) {
                s.push_str(&format!("{k}={}&", q(v)));
            }
        }
        s
    }
}

/// One line of the findings table, formatted.
struct Row {
    id: String,
    number: String,
    rule: &'static str,
    unit: String,
    subject: String,
    summary: String,
    found: String,
    still_matches: bool,
    clue: Option<(String, String)>,
}

fn row(f: CheckFinding) -> Row {
    let subject = if f.subject_position.is_empty() {
        f.subject_name
    } else {
        format!("{}（{}）", f.subject_name, f.subject_position)
    };
    Row {
        id: f.id,
        number: f.number,
        rule: f.rule.label(),
        unit: f.unit_name,
        subject,
        summary: f.summary,
        found: fmt_time(f.created_at),
        still_matches: f.still_matches,
        clue: f.clue_id.zip(f.clue_number),
    }
}

struct RuleCard {
    rule: &'static str,
    label: &'static str,
    total: i64,
    waiting: i64,
}

struct FamilyCard {
    key: &'static str,
    label: &'static str,
    rules: Vec<RuleCard>,
}

#[derive(Template)]
#[template(path = "checks/list.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<Row>,
    pager: Pager,
    f: ListQuery,
    families: Vec<FamilyCard>,
    rule_opts: Vec<Opt>,
    unit_opts: Vec<Opt>,
    export_link: String,
    can_run: bool,
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCheckFindings)?;
    let per_page = 30;
    let page_no = lq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (found, total) = state
        .store
        .check_findings(&s.actor, &lq.filter(), (page_no - 1) * per_page, per_page)
        .await?;
    let counts = state.store.check_finding_counts(&s.actor).await?;
    let families = CheckFamily::all()
        .iter()
        .map(|fam| FamilyCard {
            key: fam.as_str(),
            label: fam.label(),
            rules: CheckRule::all()
                .iter()
                .filter(|r| r.family() == *fam)
                .map(|r| {
                    let c = counts.iter().find(|c| c.rule == r.as_str());
                    RuleCard {
                        rule: r.as_str(),
                        label: r.label(),
                        total: c.map(|c| c.total).unwrap_or(0),
                        waiting: c.map(|c| c.waiting).unwrap_or(0),
                    }
                })
                .collect(),
        })
        .collect();
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_labels: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let base = lq.base();
    Ok(page(&ListPage {
        nav: s.nav("/checks"),
        rows: found.into_iter().map(row).collect(),
        pager: Pager::new(Some(page_no), per_page, total, base.clone()),
        families,
        rule_opts: opts(
            CheckRule::all().iter().map(|r| (r.as_str(), r.label())),
            nz(&lq.rule).unwrap_or(""),
        ),
        unit_opts: opts(
            unit_labels.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            nz(&lq.unit).unwrap_or(""),
        ),
        export_link: format!("/checks/export?{base}"),
        can_run: s.actor.role.can(Permission::RunDataChecks),
        f: lq,
    }))
}

const EXPORT_HEADERS: &[&str] = &[
    "编号",
    "比对规则",
    "问题类别",
    "所属单位",
    "涉及人员",
    "人员单位",
    "职务",
    "摘要",
    "比对依据与证据",
    "首次发现",
    "最近一次命中",
    "最近一次比对是否仍命中",
    "线索编号",
];

async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCheckFindings)?;
    let (st, actor, filter) = (state.clone(), s.actor.clone(), lq.filter());
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "check_findings",
        "数据比对发现",
        EXPORT_HEADERS,
        move |after| {
            let (st, actor, filter) = (st.clone(), actor.clone(), filter.clone());
            async move {
                use reports::Cell::Text;
                let page = st
                    .store
                    .check_findings_after(&actor, &filter, &after, 2000)
                    .await?;
                let last = page.last().map(|f| f.id.clone()).unwrap_or_default();
                let rows = page
                    .into_iter()
                    .map(|f| {
                        vec![
                            Text(f.number.clone()),
                            Text(f.rule.label().into()),
                            Text(category_label(&f.category).into()),
                            Text(f.unit_name.clone()),
                            Text(f.subject_name.clone()),
                            Text(f.subject_unit.clone()),
                            Text(f.subject_position.clone()),
                            Text(f.summary.clone()),
                            Text(evidence_text(&f.evidence)),
                            Text(fmt_time(f.created_at)),
                            Text(fmt_time(f.last_seen_at)),
                            Text(if f.still_matches { "是" } else { "否" }.into()),
                            Text(f.clue_number.clone().unwrap_or_default()),
                        ]
                    })
                    .collect();
                Ok((rows, last))
            }
        },
    )
    .await?;
    Ok(xlsx_download(
        bytes,
        "check-findings.xlsx",
        &format!(
            "数据比对发现-{}.xlsx",
            store::clues::today().format("%Y%m%d")
        ),
    ))
}

#[derive(Template)]
#[template(path = "checks/finding.html")]
struct DetailPage {
    nav: Nav,
    f: CheckFinding,
    family: &'static str,
    category: &'static str,
    found: String,
    seen: String,
    clue_opened: String,
    can_run: bool,
    message: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct DetailQuery {
    clue: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Query(dq): Query<DetailQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCheckFindings)?;
    let f = state.store.check_finding_in_scope(&s.actor, &id).await?;
    let message = match (dq.clue.as_deref(), &f.clue_id) {
        (Some("new"), Some(_)) => Some("已转为问题线索，可在「问题线索」中继续办理。"),
        (Some("existing"), Some(_)) => Some("该发现此前已转为问题线索，没有重复登记。"),
        _ => None,
    };
    Ok(page(&DetailPage {
        nav: s.nav("/checks"),
        family: f.rule.family().label(),
        category: category_label(&f.category),
        found: fmt_time(f.created_at),
        seen: fmt_time(f.last_seen_at),
        clue_opened: f.clue_opened_at.map(fmt_time).unwrap_or_default(),
        can_run: s.actor.role.can(Permission::RunDataChecks),
        message,
        f,
    }))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// One step from a finding to a clue (source: data check); repeating it changes nothing.
async fn open_clue(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCheckFindings)?;
    s.check_csrf(&form.csrf)?;
    let opened = state.store.open_clue_from_finding(&s.actor, &id).await?;
    let how = if opened.created { "new" } else { "existing" };
    Ok(Redirect::to(&format!("/checks/findings/{}?clue={how}", q(&id))).into_response())
}
