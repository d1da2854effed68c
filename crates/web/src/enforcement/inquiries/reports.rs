//! Quarterly inquiry reports (季度报告、零报告): each unit's state for a quarter, the units that have not
//! filed, and the form to file; and the patterns page: one person asking about many cases, one case
//! asked about by many.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use domain::access::Permission;
use domain::enforcement::inquiries::Quarter;
use serde::Deserialize;
use store::enforcement::inquiries::{AskerPattern, CasePattern, UnitReport};

use super::{ListQuery, nz};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, bad_request, opts};
use crate::view::{Nav, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inquiries/reports", get(reports_page).post(file))
        .route("/inquiries/patterns", get(patterns))
}

/// The last eight finished quarters, newest first: what a unit may report on.
fn recent_quarters() -> Vec<Quarter> {
    let mut q = Quarter::last_finished(store::clues::today());
    let mut v = Vec::new();
    for _ in 0..8 {
        v.push(q);
        q = q.previous();
    }
    v
}

#[derive(Deserialize, Default, Clone)]
struct ReportsQuery {
    quarter: Option<String>,
    missing: Option<String>,
    filed: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    quarter: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    summary: String,
}

#[derive(Template)]
#[template(path = "inquiries/reports.html")]
struct ReportsPage {
    nav: Nav,
    quarter: Quarter,
    quarters: Vec<Opt>,
    rows: Vec<UnitReport>,
    missing_only: bool,
    filed_count: usize,
    missing_count: usize,
    can_file: bool,
    units: Vec<Opt>,
    form: ReportForm,
    errors: Vec<(String, String)>,
    message: Option<String>,
}

impl ReportsPage {
    fn err(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
    fn indent(&self, depth: &usize) -> String {
        "　".repeat(*depth)
    }
}

fn require_reports(s: &Staff) -> Result<(), Error> {
    if s.actor.role.can(Permission::ViewInquiries)
        || s.actor.role.can(Permission::FileInquiryReport)
    {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

async fn render_reports(
    state: &AppState,
    s: &Staff,
    rq: ReportsQuery,
    form: ReportForm,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    require_reports(s)?;
    let quarter = match nz(&rq.quarter) {
        Some(t) => Quarter::parse(t).map_err(Error::Invalid)?,
        None => Quarter::last_finished(store::clues::today()),
    };
    let mut rows = state.store.inquiry_reports(&s.actor, quarter).await?;
    let filed_count = rows.iter().filter(|r| r.report.is_some()).count();
    let missing_count = rows.len() - filed_count;
    let missing_only = nz(&rq.missing).is_some();
    if missing_only {
        rows.retain(|r| r.report.is_none());
    }
    let can_file = s.actor.role.can(Permission::FileInquiryReport);
    let units = if can_file {
        state.store.units_in_scope(&s.actor).await?
    } else {
        vec![]
    };
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let chosen_unit = if form.unit.is_empty() {
        s.actor.unit_id.clone()
    } else {
        form.unit.clone()
    };
    let quarter_strings: Vec<(String, String)> = recent_quarters()
        .into_iter()
        .map(|q| (q.as_string(), q.label()))
        .collect();
    let chosen_quarter = if form.quarter.is_empty() {
        quarter.as_string()
    } else {
        form.quarter.clone()
    };
    let failed = !errors.is_empty();
    let r = page(&ReportsPage {
        nav: s.nav("/inquiries"),
        quarters: opts(
            quarter_strings
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str())),
            &chosen_quarter,
        ),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            &chosen_unit,
        ),
        quarter,
        rows,
        missing_only,
        filed_count,
        missing_count,
        can_file,
        form,
        errors,
        message: nz(&rq.filed).map(|_| "报告已报送。".to_string()),
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn reports_page(
    State(state): State<AppState>,
    s: Staff,
    Query(rq): Query<ReportsQuery>,
) -> Result<Response, Error> {
    render_reports(&state, &s, rq, ReportForm::default(), vec![]).await
}

async fn file(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<ReportForm>,
) -> Result<Response, Error> {
    s.require(Permission::FileInquiryReport)?;
    s.check_csrf(&f.csrf)?;
    let back = ReportsQuery {
        quarter: Some(f.quarter.clone()).filter(|q| Quarter::parse(q).is_ok()),
        ..ReportsQuery::default()
    };
    let mut errors = Vec::new();
    let quarter = Quarter::parse(&f.quarter)
        .map_err(|e| errors.push(("quarter".to_string(), e.message)))
        .ok();
    let nil = match f.kind.as_str() {
        "nil" => Some(true),
        "report" => Some(false),
        _ => {
            errors.push(("nil".into(), "请选择报送季度报告还是零报告".into()));
            None
        }
    };
    let (Some(quarter), Some(nil)) = (quarter, nil) else {
        return render_reports(&state, &s, back, f, errors).await;
    };
    match state
        .store
        .file_inquiry_report(&s.actor, f.unit.trim(), quarter, nil, &f.summary)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/inquiries/reports?quarter={}&filed=1",
            q(&quarter.as_string())
        ))
        .into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let field = e.field.unwrap_or("form").to_string();
            render_reports(&state, &s, back, f, vec![(field, e.message)]).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- patterns ----------

#[derive(Deserialize, Default, Clone)]
struct PatternQuery {
    from: Option<String>,
    to: Option<String>,
    min_cases: Option<i64>,
    min_askers: Option<i64>,
}

#[derive(Template)]
#[template(path = "inquiries/patterns.html")]
struct PatternsPage {
    nav: Nav,
    f: PatternQuery,
    min_cases: i64,
    min_askers: i64,
    askers: Vec<AskerPattern>,
    cases: Vec<CasePattern>,
}

impl PatternsPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn patterns(
    State(state): State<AppState>,
    s: Staff,
    Query(pq): Query<PatternQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewInquiries)?;
    let filter = ListQuery {
        from: pq.from.clone(),
        to: pq.to.clone(),
        ..ListQuery::default()
    }
    .filter();
    let min_cases = pq.min_cases.unwrap_or(2).clamp(1, 1000);
    let min_askers = pq.min_askers.unwrap_or(2).clamp(1, 1000);
    let askers = state
        .store
        .inquiry_askers(&s.actor, &filter, min_cases, 50)
        .await?;
    let cases = state
        .store
        .inquiry_hot_cases(&s.actor, &filter, min_askers, 50)
        .await?;
    Ok(page(&PatternsPage {
        nav: s.nav("/inquiries"),
        f: pq,
        min_cases,
        min_askers,
        askers,
        cases,
    }))
}
