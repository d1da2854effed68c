//! The office's and each unit's dashboard: counts by state, category, source and unit, overdue and
//! supervised clues, the four forms, registrations per month, and the unit's notices.
//!
//! The aggregates are cached per data scope for [`DASHBOARD_TTL`]: on the province data set they scan
//! 100,000 clues (about a quarter of a second, measured by `mingjing bench`), and every dashboard view
//! repeated that work. Counts a few seconds old are fine on a dashboard; lists, details and notices are
//! never cached.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::access::Permission;
use store::clues::Dashboard;
use store::jobs::Notification;
use store::{Actor, Store};

use crate::AppState;
use crate::auth::{Staff, home_for};
use crate::cache::Cache;
use crate::charts;
use crate::clues::{category_label, source_label, state_label};
use crate::error::Error;
use crate::view::{Nav, fmt_time, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/home", get(home))
        .route("/dashboard", get(dashboard))
}

async fn home(s: Staff) -> Response {
    Redirect::to(home_for(&s.actor)).into_response()
}

#[derive(Template)]
#[template(path = "dashboard/index.html")]
struct DashboardPage {
    nav: Nav,
    d: Dashboard,
    chart_state: String,
    chart_category: String,
    chart_source: String,
    chart_unit: String,
    chart_month: String,
    chart_form: String,
    notices: Vec<(String, String, Option<String>, String)>,
}

fn labelled(data: &[(String, i64)], f: fn(&str) -> &'static str) -> Vec<(String, i64)> {
    data.iter().map(|(k, v)| (f(k).to_string(), *v)).collect()
}

async fn dashboard(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    s.require(Permission::ViewDashboard)?;
    // Inspectors see the dashboard but not clue rows; their counts are the same scoped aggregates.
    let d = Dashboard::clone(&*dashboard_of(&state.dashboard_cache, &state.store, &s.actor).await?);
    let notices: Vec<Notification> = state.store.notifications(&s.actor, 20).await?;
    Ok(page(&DashboardPage {
        nav: s.nav("/dashboard"),
        chart_state: charts::donut("线索办理状态", &labelled(&d.by_state, state_label)),
        chart_category: charts::bars("问题类别", &labelled(&d.by_category, category_label)),
        chart_source: charts::bars("线索来源", &labelled(&d.by_source, source_label)),
        chart_unit: charts::bars("承办单位（前12）", &d.by_unit),
        chart_month: charts::columns("近12个月登记线索", &d.by_month),
        chart_form: charts::bars("四种形态", &d.by_form),
        notices: notices
            .into_iter()
            .map(|n| {
                (
                    if n.kind == "overdue" {
                        "超期".to_string()
                    } else {
                        "提醒".to_string()
                    },
                    n.message,
                    n.clue_id,
                    fmt_time(n.created_at),
                )
            })
            .collect(),
        d,
    }))
}

/// How long cached aggregates are served before one refresh starts (the stale copy is served meanwhile).
pub const DASHBOARD_TTL: Duration = Duration::from_secs(30);

/// Dashboard aggregates per data scope.
pub type DashboardCache = Cache<Dashboard>;

/// Everything the store's scope filter reads from the actor: scope, unit, and the officer's own id
/// (an officer never counts clues about themself).
pub(crate) fn scope_key(a: &Actor) -> String {
    format!(
        "{:?}|{}|{}|{}",
        a.scope,
        a.unit_id,
        a.unit_path,
        a.officer_id.as_deref().unwrap_or("")
    )
}

async fn dashboard_of(
    cache: &DashboardCache,
    store: &Store,
    actor: &Actor,
) -> Result<Arc<Dashboard>, Error> {
    let (store, a) = (store.clone(), actor.clone());
    cache
        .get(&scope_key(actor), move || async move {
            Ok(store.dashboard(&a).await?)
        })
        .await
}
