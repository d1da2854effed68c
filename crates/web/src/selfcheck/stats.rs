//! The self-check window (set by the campaign office), statistics per unit and category, and the list,
//! export and versions of officers' reports.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::selfcheck::{Section, Window};
use domain::tips::ProblemCategory;
use serde::Deserialize;
use store::selfcheck::{CategoryStat, ReportSummary, UnitStat};

use super::{
    CampaignPick, Opt, VersionRow, bad_request, export_xlsx, opts, pick_campaign, short_label,
    version_rows, window_text, xlsx_download,
};
use crate::AppState;
use crate::auth::Staff;
use crate::charts;
use crate::error::Error;
use crate::view::{Nav, Pager, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/selfcheck/window", post(set_window))
        .route("/selfcheck/stats", get(stats))
        .route("/selfcheck/stats.xlsx", get(stats_export))
        .route("/selfcheck/reports", get(reports))
        .route("/selfcheck/reports/export", get(reports_export))
        .route("/selfcheck/reports/{id}", get(report))
}

// ---------- the window and the statistics ----------

#[derive(Template)]
#[template(path = "selfcheck/stats.html")]
struct StatsPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    window: String,
    can_set_window: bool,
    opens: String,
    closes: String,
    window_error: Option<(String, String)>,
    units: Vec<UnitStat>,
    cats: Vec<CategoryStat>,
    total: UnitStat,
    chart_units: String,
    chart_cats: String,
    message: Option<String>,
}

impl StatsPage {
    fn cat_label(&self, c: &ProblemCategory) -> &'static str {
        c.label()
    }
    fn indent(&self, depth: &usize) -> String {
        "　".repeat(*depth)
    }
}

#[derive(Deserialize, Default)]
struct StatsQuery {
    campaign: Option<String>,
    saved: Option<String>,
}

async fn render_stats(
    state: &AppState,
    s: &Staff,
    campaign: Option<&str>,
    typed: Option<(String, String)>,
    window_error: Option<(String, String)>,
    message: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let pick = pick_campaign(state, &s.actor, campaign).await?;
    let (mut window, mut units, mut cats) = (None, Vec::new(), Vec::new());
    if let Some(p) = &pick {
        window = state.store.selfcheck_window(p.id()).await?;
        (units, cats) = state.store.self_report_stats(&s.actor, p.id()).await?;
    }
    let mut total = UnitStat {
        unit_id: String::new(),
        unit_name: "合计".into(),
        depth: 0,
        officers: 0,
        filed: 0,
        nil_reports: 0,
        with_problems: 0,
        problems: 0,
    };
    for u in &units {
        total.officers += u.officers;
        total.filed += u.filed;
        total.nil_reports += u.nil_reports;
        total.with_problems += u.with_problems;
        total.problems += u.problems;
    }
    let chart_units = charts::bars(
        "各单位填报率（%）",
        &units
            .iter()
            .filter(|u| u.officers > 0)
            .take(20)
            .map(|u| (u.unit_name.clone(), u.rate()))
            .collect::<Vec<_>>(),
    );
    let chart_cats = charts::bars(
        "各类别报告问题数",
        &cats
            .iter()
            .map(|c| (short_label(c.category).to_string(), c.reported))
            .collect::<Vec<_>>(),
    );
    let (opens, closes) = typed.unwrap_or_else(|| {
        window
            .map(|w| (w.opens.to_string(), w.closes.to_string()))
            .unwrap_or_default()
    });
    let failed = window_error.is_some();
    let r = page(&StatsPage {
        nav: s.nav("/selfcheck/stats"),
        window: window_text(&window),
        can_set_window: s.actor.role.can(Permission::SetSelfCheckWindow)
            && pick
                .as_ref()
                .is_some_and(|p| s.actor.covers_path(&p.campaign.unit_path)),
        opens,
        closes,
        window_error,
        units,
        cats,
        total,
        chart_units,
        chart_cats,
        message,
        pick,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn stats(
    State(state): State<AppState>,
    s: Staff,
    Query(sq): Query<StatsQuery>,
) -> Result<Response, Error> {
    let message = sq
        .saved
        .map(|_| "自查期限已保存，已据此重新判定各查实问题的处理政策。".to_string());
    render_stats(&state, &s, sq.campaign.as_deref(), None, None, message).await
}

#[derive(Deserialize)]
struct WindowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
}

async fn set_window(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<WindowForm>,
) -> Result<Response, Error> {
    s.require(Permission::SetSelfCheckWindow)?;
    s.check_csrf(&f.csrf)?;
    let Some(pick) = pick_campaign(&state, &s.actor, Some(&f.campaign)).await? else {
        return Err(Error::NotFound);
    };
    // A district office sees the city's campaign but does not set its window: only an office whose
    // scope covers the unit running the campaign does.
    if !s.actor.covers_path(&pick.campaign.unit_path) {
        return Err(Error::Forbidden);
    }
    let w = match Window::parse(&f.opens, &f.closes) {
        Ok(w) => w,
        Err(e) => {
            let typed = (
                f.opens.chars().take(20).collect(),
                f.closes.chars().take(20).collect(),
            );
            return render_stats(
                &state,
                &s,
                Some(pick.id()),
                Some(typed),
                Some((e.field.unwrap_or("opens").to_string(), e.message)),
                None,
            )
            .await;
        }
    };
    state
        .store
        .set_selfcheck_window(&s.actor, pick.id(), w)
        .await?;
    Ok(Redirect::to(&format!(
        "/selfcheck/stats?campaign={}&saved=1",
        q(pick.id())
    ))
    .into_response())
}

const STATS_HEADERS: &[&str] = &[
    "单位",
    "在岗干警",
    "已填报",
    "填报率（%）",
    "零报告",
    "报告有问题的人数",
    "报告问题项数",
];

async fn stats_export(
    State(state): State<AppState>,
    s: Staff,
    Query(sq): Query<StatsQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let Some(pick) = pick_campaign(&state, &s.actor, sq.campaign.as_deref()).await? else {
        return Err(Error::NotFound);
    };
    let (units, _) = state.store.self_report_stats(&s.actor, pick.id()).await?;
    let mut rows = Some(units);
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "selfcheck_stats",
        "自查填报统计",
        STATS_HEADERS,
        move |_| {
            let page = rows.take().unwrap_or_default();
            async move {
                use reports::Cell::{Int, Text};
                let last = page.last().map(|u| u.unit_id.clone()).unwrap_or_default();
                let rows = page
                    .into_iter()
                    .map(|u| {
                        vec![
                            Text(u.unit_name.clone()),
                            Int(u.officers),
                            Int(u.filed),
                            Int(u.rate()),
                            Int(u.nil_reports),
                            Int(u.with_problems),
                            Int(u.problems),
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
        "selfcheck-stats.xlsx",
        &format!(
            "自查填报统计-{}.xlsx",
            store::clues::today().format("%Y%m%d")
        ),
    ))
}

// ---------- officers' reports ----------

#[derive(Deserialize, Default)]
struct ReportsQuery {
    campaign: Option<String>,
    unit: Option<String>,
    page: Option<u64>,
}

impl ReportsQuery {
    fn unit(&self) -> Option<&str> {
        self.unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }
}

#[derive(Template)]
#[template(path = "selfcheck/reports.html")]
struct ReportsPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    reports: Vec<ReportSummary>,
    pager: Pager,
    units: Vec<Opt>,
    export_link: String,
}

impl ReportsPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn reports(
    State(state): State<AppState>,
    s: Staff,
    Query(rq): Query<ReportsQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let pick = pick_campaign(&state, &s.actor, rq.campaign.as_deref()).await?;
    let per_page = 50;
    let page_no = rq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (list, total) = match &pick {
        Some(p) => {
            state
                .store
                .self_reports(
                    &s.actor,
                    p.id(),
                    rq.unit(),
                    (page_no - 1) * per_page,
                    per_page,
                )
                .await?
        }
        None => (vec![], 0),
    };
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let cid = pick
        .as_ref()
        .map(|p| p.id().to_string())
        .unwrap_or_default();
    let base = format!("campaign={}&unit={}&", q(&cid), q(rq.unit().unwrap_or("")));
    Ok(page(&ReportsPage {
        nav: s.nav("/selfcheck/stats"),
        reports: list,
        pager: Pager::new(Some(page_no), per_page, total, base.clone()),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            rq.unit().unwrap_or(""),
        ),
        export_link: format!("/selfcheck/reports/export?{base}"),
        pick,
    }))
}

const REPORT_HEADERS: &[&str] = &[
    "单位",
    "姓名",
    "警号",
    "版本数",
    "最近提交时间",
    "是否零报告",
    "报告问题项数",
    "首次提交时间",
];

async fn reports_export(
    State(state): State<AppState>,
    s: Staff,
    Query(rq): Query<ReportsQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let Some(pick) = pick_campaign(&state, &s.actor, rq.campaign.as_deref()).await? else {
        return Err(Error::NotFound);
    };
    let unit = rq.unit().map(str::to_string);
    let (st, actor, cid) = (state.clone(), s.actor.clone(), pick.id().to_string());
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "self_reports",
        "自查事项报告",
        REPORT_HEADERS,
        move |after| {
            let (st, actor, cid, unit) = (st.clone(), actor.clone(), cid.clone(), unit.clone());
            async move {
                use reports::Cell::{Int, Text};
                let page = st
                    .store
                    .self_reports_after(&actor, &cid, unit.as_deref(), &after, 2000)
                    .await?;
                let last = page.last().map(|r| r.id.clone()).unwrap_or_default();
                let rows = page
                    .into_iter()
                    .map(|r| {
                        vec![
                            Text(r.unit_name),
                            Text(r.officer_name),
                            Text(r.badge),
                            Int(r.latest_version.into()),
                            Text(fmt_time(r.updated_at)),
                            Text(if r.problems == 0 { "是" } else { "否" }.into()),
                            Int(r.problems.into()),
                            Text(fmt_time(r.created_at)),
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
        "self-reports.xlsx",
        &format!(
            "自查事项报告-{}.xlsx",
            store::clues::today().format("%Y%m%d")
        ),
    ))
}

#[derive(Template)]
#[template(path = "selfcheck/report.html")]
struct ReportPage {
    nav: Nav,
    r: ReportSummary,
    versions: Vec<VersionRow>,
    /// (category code, label) reported in the latest version, for "列入整改台账".
    latest_problems: Vec<(&'static str, &'static str)>,
    can_ledger: bool,
}

async fn report(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let (r, versions) = state.store.self_report_in_scope(&s.actor, &id).await?;
    let latest_problems = versions
        .first()
        .map(|v| {
            v.sections
                .iter()
                .filter(|(_, s)| matches!(s, Section::Text(_)))
                .map(|(c, _)| (c.as_str(), c.label()))
                .collect()
        })
        .unwrap_or_default();
    Ok(page(&ReportPage {
        nav: s.nav("/selfcheck/stats"),
        versions: version_rows(&versions),
        latest_problems,
        can_ledger: s.actor.role.can(Permission::ManageLedger),
        r,
    }))
}
