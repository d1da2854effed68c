//! The office's early-warning settings: the window, the two thresholds and the weight of each kind of
//! fact. A bad value re-shows the form with the message beside its field (400); nothing is saved.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::Permission;
use domain::warning::{FactKind, SettingsInput, WarningSettings, parse_settings};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::bad_request;
use crate::view::{Nav, page};

pub(crate) struct WeightField {
    pub field: &'static str,
    pub label: &'static str,
    pub rule: &'static str,
    pub unit: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "warnings/settings.html")]
struct SettingsPage {
    nav: Nav,
    window_days: String,
    watch: String,
    alert: String,
    weights: Vec<WeightField>,
    errors: Vec<(String, String)>,
    message: Option<String>,
}

impl SettingsPage {
    fn err(&self, field: &str) -> &str {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .unwrap_or("")
    }
}

fn form_of(s: &WarningSettings) -> SettingsInput {
    SettingsInput {
        window_days: s.window_days.to_string(),
        watch: s.watch.to_string(),
        alert: s.alert.to_string(),
        weights: FactKind::all()
            .iter()
            .map(|k| (*k, s.weights.get(*k).to_string()))
            .collect(),
    }
}

fn render(
    s: &Staff,
    input: SettingsInput,
    errors: Vec<(String, String)>,
    message: Option<String>,
) -> Response {
    let failed = !errors.is_empty();
    let weights = FactKind::all()
        .iter()
        .map(|k| WeightField {
            field: k.field(),
            label: k.label(),
            rule: k.rule(),
            unit: k.unit(),
            value: input
                .weights
                .iter()
                .find(|(kind, _)| kind == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        })
        .collect();
    let r = page(&SettingsPage {
        nav: s.nav("/warnings"),
        window_days: input.window_days,
        watch: input.watch,
        alert: input.alert,
        weights,
        errors,
        message,
    });
    if failed { bad_request(r) } else { r }
}

#[derive(Deserialize, Default)]
pub(super) struct ShowQuery {
    saved: Option<String>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    s: Staff,
    Query(sq): Query<ShowQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ConfigureWarnings)?;
    let current = state.store.warning_settings().await?;
    let message = sq
        .saved
        .map(|_| "预警参数已保存，点击“重新计算”或等待夜间自动计算后生效。".to_string());
    Ok(render(&s, form_of(&current), vec![], message))
}

pub(super) async fn save(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, Error> {
    s.require(Permission::ConfigureWarnings)?;
    s.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    // Long values are cut before they are echoed back into the form.
    let value = |k: &str| -> String {
        f.get(k)
            .map(|v| v.chars().take(20).collect())
            .unwrap_or_default()
    };
    let input = SettingsInput {
        window_days: value("window_days"),
        watch: value("watch"),
        alert: value("alert"),
        weights: FactKind::all()
            .iter()
            .map(|k| (*k, value(k.field())))
            .collect(),
    };
    let settings = match parse_settings(&input) {
        Ok(v) => v,
        Err(es) => {
            let errors = es
                .into_iter()
                .map(|e| (e.field.unwrap_or("form").to_string(), e.message))
                .collect();
            return Ok(render(&s, input, errors, None));
        }
    };
    state
        .store
        .set_warning_settings(&s.actor, &settings)
        .await?;
    Ok(Redirect::to("/warnings/settings?saved=1").into_response())
}
