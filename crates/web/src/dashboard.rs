//! The office's and each unit's dashboard: counts by state, category, source and unit, overdue and
//! supervised clues, the four forms, registrations per month, and the unit's notices.
//!
//! The aggregates are cached per data scope for [`DASHBOARD_TTL`]: on the province data set they scan
//! 100,000 clues (about a quarter of a second, measured by `mingjing bench`), and every dashboard view
//! repeated that work. Counts a few seconds old are fine on a dashboard; lists, details and notices are
//! never cached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    let d = Dashboard::clone(&*state.dashboard_cache.get(&state.store, &s.actor).await?);
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

/// Different scopes seen at most; beyond that the map starts over (each user has one scope).
const MAX_SCOPES: usize = 1000;

/// Dashboard aggregates per data scope: computed once, then served while one background refresh runs.
#[derive(Default)]
pub struct DashboardCache {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

#[derive(Default)]
struct Slot {
    value: Mutex<Option<(Arc<Dashboard>, Instant)>>,
    refreshing: AtomicBool,
    /// Held while the first value is computed, so a burst of first views makes one computation.
    first: tokio::sync::Mutex<()>,
}

impl Slot {
    fn current(&self) -> Option<(Arc<Dashboard>, Instant)> {
        self.value.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, d: Arc<Dashboard>) {
        *self.value.lock().unwrap_or_else(|e| e.into_inner()) = Some((d, Instant::now()));
    }
}

/// Clears the refresh flag however the refresh ends, panics included.
struct Refreshing(Arc<Slot>);

impl Drop for Refreshing {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

/// Everything the store's scope filter reads from the actor: scope, unit, and the officer's own id
/// (an officer never counts clues about themself).
fn scope_key(a: &Actor) -> String {
    format!(
        "{:?}|{}|{}|{}",
        a.scope,
        a.unit_id,
        a.unit_path,
        a.officer_id.as_deref().unwrap_or("")
    )
}

impl DashboardCache {
    fn slot(&self, key: String) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots.len() >= MAX_SCOPES && !slots.contains_key(&key) {
            slots.clear();
        }
        slots.entry(key).or_default().clone()
    }

    pub async fn get(&self, store: &Store, actor: &Actor) -> Result<Arc<Dashboard>, Error> {
        let slot = self.slot(scope_key(actor));
        if let Some((d, at)) = slot.current() {
            if at.elapsed() >= DASHBOARD_TTL && !slot.refreshing.swap(true, Ordering::AcqRel) {
                let guard = Refreshing(slot.clone());
                let (store, actor) = (store.clone(), actor.clone());
                tokio::spawn(async move {
                    match store.dashboard(&actor).await {
                        Ok(d) => guard.0.set(Arc::new(d)),
                        Err(e) => {
                            tracing::warn!(error = %e, "dashboard refresh failed; serving the older counts")
                        }
                    }
                    drop(guard);
                });
            }
            return Ok(d);
        }
        let _first = slot.first.lock().await;
        if let Some((d, _)) = slot.current() {
            return Ok(d);
        }
        let d = Arc::new(store.dashboard(actor).await?);
        slot.set(d.clone());
        Ok(d)
    }
}
