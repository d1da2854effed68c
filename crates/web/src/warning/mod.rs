//! Early-warning pages (队伍风险预警): the list for talks (谈心谈话) of officers at 关注 and 预警 in scope,
//! highest score first, with the facts behind each score and its .xlsx export; one officer's score with
//! every item counted; the 重新计算 button. The heat map of units is in `heatmap`, the office's weights,
//! window and thresholds in `settings`. Pages read stored scores only.

mod heatmap;
mod officer;
mod settings;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::warning::{Assessment, Level, WarningSettings, assess};
use serde::Deserialize;
use store::warning::{OfficerScore, ScoreFilter, WarningRun};

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, export_xlsx, opts, xlsx_download};
use crate::view::{Nav, Pager, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/warnings", get(list))
        .route("/warnings/export", get(export))
        .route("/warnings/recompute", post(recompute))
        .route("/warnings/officers/{id}", get(officer::show))
        .route("/warnings/heatmap", get(heatmap::show))
        .route(
            "/warnings/settings",
            get(settings::show).post(settings::save),
        )
}

pub(crate) fn level_label(code: &str) -> &'static str {
    Level::parse(code).map(|l| l.label()).unwrap_or("正常")
}

/// The tag class of a level: 预警 red, 关注 amber, 正常 green.
pub(crate) fn level_class(code: &str) -> &'static str {
    match code {
        "alert" => "w-alert",
        "watch" => "w-watch",
        _ => "l-lenient",
    }
}

/// The settings a stored score was computed with: the last run's, or the current ones before any run.
async fn scoring_settings(
    state: &AppState,
    run: &Option<WarningRun>,
) -> Result<WarningSettings, Error> {
    Ok(match run {
        Some(r) => r.settings,
        None => state.store.warning_settings().await?,
    })
}

/// "最近一次计算：…" for the list and the heat map.
pub(crate) fn run_line(run: &Option<WarningRun>) -> String {
    match run {
        Some(r) => format!(
            "最近一次计算于{}（统计期间{}至{}，{}名干警有计分事实）；分数线：关注≥{}分，预警≥{}分。",
            fmt_time(r.finished_at),
            r.since,
            r.as_of,
            r.officers,
            r.settings.watch,
            r.settings.alert
        ),
        None => "尚未计算风险分。".into(),
    }
}

#[derive(Deserialize, Default, Clone)]
struct ListQuery {
    unit: Option<String>,
    level: Option<String>,
    page: Option<u64>,
    recomputed: Option<u64>,
}

fn nz(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListQuery {
    /// The filter, with the unit checked against the person's scope (404 outside it, as for a row).
    async fn filter(&self, state: &AppState, s: &Staff) -> Result<ScoreFilter, Error> {
        let level = match nz(&self.level) {
            None => None,
            Some(v) => match Level::parse(v) {
                Ok(l @ (Level::Watch | Level::Alert)) => Some(l),
                _ => return Err(Error::bad("预警等级只能选择“预警”或“关注”。")),
            },
        };
        let unit_id = match nz(&self.unit) {
            None => None,
            Some(u) => Some(state.store.unit_in_scope(&s.actor, u).await?.id),
        };
        Ok(ScoreFilter { unit_id, level })
    }

    fn base(&self) -> String {
        let mut b = String::new();
        for (k, v) in [("unit", &self.unit), ("level", &self.level)] {
            if let Some(v) = nz(v) {
                b.push_str(&format!("{k}={}&", q(v)));
            }
        }
        b
    }
}

pub(crate) struct Row {
    pub rank: u64,
    pub s: OfficerScore,
    pub a: Assessment,
}

#[derive(Template)]
#[template(path = "warnings/list.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<Row>,
    pager: Pager,
    units: Vec<Opt>,
    levels: Vec<Opt>,
    unit_name: Option<String>,
    run_line: String,
    /// The saved settings differ from those the stored scores were computed with.
    stale: bool,
    export_link: String,
    can_configure: bool,
    message: Option<String>,
}

const PER_PAGE: u64 = 30;

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewWarnings)?;
    let filter = lq.filter(&state, &s).await?;
    let page_no = lq.page.unwrap_or(1).clamp(1, 100_000);
    let (scores, total) = state
        .store
        .warning_list(&s.actor, &filter, (page_no - 1) * PER_PAGE, PER_PAGE)
        .await?;
    let run = state.store.last_warning_run().await?;
    let used = scoring_settings(&state, &run).await?;
    let current = state.store.warning_settings().await?;
    let offset = (page_no - 1) * PER_PAGE;
    let rows = scores
        .into_iter()
        .enumerate()
        .map(|(i, sc)| Row {
            rank: offset + i as u64 + 1,
            a: assess(&sc.facts, &used),
            s: sc,
        })
        .collect();
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_name = filter
        .unit_id
        .as_ref()
        .and_then(|id| units.iter().find(|u| &u.id == id))
        .map(|u| u.name.clone());
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let base = lq.base();
    Ok(page(&ListPage {
        nav: s.nav("/warnings"),
        rows,
        pager: Pager::new(Some(page_no), PER_PAGE, total, base.clone()),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            filter.unit_id.as_deref().unwrap_or(""),
        ),
        levels: opts(
            [Level::Alert, Level::Watch]
                .iter()
                .map(|l| (l.as_str(), l.label())),
            filter.level.map(|l| l.as_str()).unwrap_or(""),
        ),
        unit_name,
        stale: run.as_ref().is_some_and(|r| r.settings != current),
        run_line: run_line(&run),
        export_link: format!("/warnings/export?{base}"),
        can_configure: s.actor.role.can(Permission::ConfigureWarnings),
        message: lq
            .recomputed
            .map(|n| format!("已重新计算，{n}名干警有计分事实。")),
    }))
}

const EXPORT_HEADERS: &[&str] = &[
    "姓名",
    "警号",
    "单位",
    "职务",
    "风险分",
    "预警等级",
    "计分构成",
    "统计期间",
    "计算时间",
];

async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewWarnings)?;
    let filter = lq.filter(&state, &s).await?;
    let run = state.store.last_warning_run().await?;
    let used = scoring_settings(&state, &run).await?;
    let window = run
        .as_ref()
        .map(|r| format!("{}至{}", r.since, r.as_of))
        .unwrap_or_default();
    let (st, actor) = (state.clone(), s.actor.clone());
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "warning",
        "风险预警名单",
        EXPORT_HEADERS,
        move |after| {
            let (st, actor, filter, window) =
                (st.clone(), actor.clone(), filter.clone(), window.clone());
            async move {
                use reports::Cell::{Int, Text};
                let batch = st
                    .store
                    .warning_list_after(&actor, &filter, &after, 2000)
                    .await?;
                let last = batch
                    .last()
                    .map(store::warning::score_cursor)
                    .unwrap_or_default();
                let rows = batch
                    .into_iter()
                    .map(|w| {
                        let a = assess(&w.facts, &used);
                        vec![
                            Text(w.name),
                            Text(w.badge),
                            Text(w.unit_name),
                            Text(w.position),
                            Int(w.score),
                            Text(level_label(&w.level).into()),
                            Text(a.summary()),
                            Text(window.clone()),
                            Text(fmt_time(w.computed_at)),
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
        "warnings.xlsx",
        &format!(
            "风险预警名单-{}.xlsx",
            store::clues::today().format("%Y%m%d")
        ),
    ))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Recomputes every score now. Office only: it rewrites the whole city's scores in one transaction.
async fn recompute(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    s.require(Permission::ConfigureWarnings)?;
    s.check_csrf(&f.csrf)?;
    let n = state.store.recompute_warnings_for(&s.actor).await?;
    Ok(Redirect::to(&format!("/warnings?recomputed={n}")).into_response())
}
