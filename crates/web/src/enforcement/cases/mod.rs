//! Case register pages (案件登记): the scoped list with filters, the overdue list and the .xlsx export,
//! here; adding a case by hand and the stage time limits in `form`; the Excel import in `import`; a
//! case's page with its stages, officers, moves and the anti-gang referral in `detail`.

mod detail;
mod form;
mod import;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use domain::access::Permission;
use domain::enforcement::cases::{CaseKind, CaseOutcome, CaseStage};
use serde::Deserialize;
use store::enforcement::cases::{Case, CaseFilter};

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, bad_request, export_xlsx, opts, xlsx_download};
use crate::view::{Nav, Pager, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list))
        .route("/cases/export", get(export))
        .route("/cases/template.xlsx", get(import::template))
        .route(
            "/cases/import",
            post(import::import).layer(DefaultBodyLimit::max(import::MAX_UPLOAD)),
        )
        .merge(form::routes())
        .merge(detail::routes())
}

pub fn stage_label(code: &str) -> &'static str {
    CaseStage::parse(code).map(|s| s.label()).unwrap_or("未知")
}
pub fn kind_label(code: &str) -> &'static str {
    CaseKind::parse(code).map(|s| s.label()).unwrap_or("其他")
}
pub fn outcome_label(code: &Option<String>) -> &'static str {
    code.as_deref()
        .and_then(|c| CaseOutcome::parse(c).ok())
        .map(|o| o.label())
        .unwrap_or("")
}
pub fn role_label(code: &str) -> &'static str {
    match code {
        "handler" => "承办人",
        "assistant" => "协办人",
        "decider" => "决定人",
        "leader" => "分管领导",
        _ => "办案人员",
    }
}

fn nz(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[derive(Deserialize, Default, Clone)]
struct ListQuery {
    unit: Option<String>,
    kind: Option<String>,
    stage: Option<String>,
    overdue: Option<String>,
    gang: Option<String>,
    q: Option<String>,
    page: Option<u64>,
    imported: Option<usize>,
}

impl ListQuery {
    fn filter(&self) -> CaseFilter {
        CaseFilter {
            unit_id: nz(&self.unit).map(str::to_string),
            kind: nz(&self.kind).and_then(|v| CaseKind::parse(v).ok()),
            stage: nz(&self.stage).and_then(|v| CaseStage::parse(v).ok()),
            overdue: nz(&self.overdue).is_some(),
            gang: match nz(&self.gang) {
                Some("1") => Some(true),
                Some("0") => Some(false),
                _ => None,
            },
            q: nz(&self.q).map(|v| v.chars().take(50).collect()),
        }
    }

    fn base(&self) -> String {
        let mut s = String::new();
        for (k, v) in [
            ("unit", &self.unit),
            ("kind", &self.kind),
            ("stage", &self.stage),
            ("overdue", &self.overdue),
            ("gang", &self.gang),
            ("q", &self.q),
        ] {
            if let Some(v) = nz(v) {
                s.push_str(&format!("{k}={}&", q(v)));
            }
        }
        s
    }
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    nav: Nav,
    title: &'static str,
    cases: Vec<Case>,
    pager: Pager,
    f: ListQuery,
    units: Vec<Opt>,
    kinds: Vec<Opt>,
    stages: Vec<Opt>,
    total: i64,
    open: i64,
    overdue: i64,
    gang: i64,
    export_link: String,
    can_manage: bool,
    errors: Vec<reports::RowError>,
    more_errors: usize,
    message: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    let message = lq.imported.map(|n| format!("导入成功，共导入{n}件案件。"));
    render_list(&state, &s, lq, vec![], message).await
}

/// The register; with import errors it answers 400.
async fn render_list(
    state: &AppState,
    s: &Staff,
    lq: ListQuery,
    errors: Vec<reports::RowError>,
    message: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCases)?;
    let filter = lq.filter();
    let per_page = 30;
    let page_no = lq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (cases, total_rows) = state
        .store
        .cases(&s.actor, &filter, (page_no - 1) * per_page, per_page)
        .await?;
    let (total, open, overdue, gang) = state.store.case_counts(&s.actor).await?;
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let base = lq.base();
    let (errors, more_errors) = import::shown(errors);
    let failed = !errors.is_empty();
    let r = page(&ListPage {
        nav: s.nav("/cases"),
        title: if filter.overdue {
            "超期未结案件"
        } else {
            "案件登记"
        },
        cases,
        pager: Pager::new(Some(page_no), per_page, total_rows, base.clone()),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            nz(&lq.unit).unwrap_or(""),
        ),
        kinds: opts(
            CaseKind::all().iter().map(|c| (c.as_str(), c.label())),
            nz(&lq.kind).unwrap_or(""),
        ),
        stages: opts(
            CaseStage::all().iter().map(|c| (c.as_str(), c.label())),
            nz(&lq.stage).unwrap_or(""),
        ),
        total,
        open,
        overdue,
        gang,
        export_link: format!("/cases/export?{base}"),
        can_manage: s.actor.role.can(Permission::ManageCases),
        errors,
        more_errors,
        message,
        f: lq,
    });
    Ok(if failed { bad_request(r) } else { r })
}

const EXPORT_HEADERS: &[&str] = &[
    "案件编号",
    "案件名称",
    "案件类型",
    "承办单位",
    "承办人",
    "分管领导",
    "受案日期",
    "当前阶段",
    "阶段开始日期",
    "阶段期限",
    "超期天数",
    "结案日期",
    "结果",
    "是否涉黑恶",
];

async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCases)?;
    let (st, actor, filter) = (state.clone(), s.actor.clone(), lq.filter());
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "case",
        "案件登记",
        EXPORT_HEADERS,
        move |after| {
            let (st, actor, filter) = (st.clone(), actor.clone(), filter.clone());
            async move {
                use reports::Cell::{Empty, Int, Text};
                let page = st.store.cases_after(&actor, &filter, &after, 2000).await?;
                let last = page.last().map(|c| c.id.clone()).unwrap_or_default();
                let rows = page
                    .into_iter()
                    .map(|c| {
                        vec![
                            Text(c.number.clone()),
                            Text(c.title.clone()),
                            Text(kind_label(&c.kind).into()),
                            Text(c.unit_name.clone()),
                            Text(c.handler_name.clone()),
                            Text(c.leader_name.clone()),
                            Text(c.received_on.clone()),
                            Text(stage_label(&c.stage).into()),
                            Text(c.stage_since.clone()),
                            Text(c.stage_due.clone().unwrap_or_default()),
                            if c.overdue { Int(c.days_over) } else { Empty },
                            Text(c.closed_on.clone().unwrap_or_default()),
                            Text(outcome_label(&c.outcome).into()),
                            Text(if c.gang { "是" } else { "否" }.into()),
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
        "cases.xlsx",
        &format!("案件登记-{}.xlsx", store::clues::today().format("%Y%m%d")),
    ))
}
