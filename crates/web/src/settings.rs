//! Time limits: the working days each step of a clue may take, and the working calendar's extra days
//! (a new year's holidays, a make-up working day) that the built-in State Council schedule does not know.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::clues::StepLimits;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings", get(show))
        .route("/settings/limits", post(save_limits))
        .route("/settings/calendar", post(save_day))
}

#[derive(Template)]
#[template(path = "settings/index.html")]
struct SettingsPage {
    nav: Nav,
    limits: StepLimits,
    days: Vec<(String, bool, String)>,
    preview: String,
    message: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    s: &Staff,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, Error> {
    let limits = state.store.step_limits().await?;
    let cal = state.store.calendar().await?;
    let today = store::clues::today();
    let preview = format!(
        "按当前日历，从今天（{today}）起第5个工作日是 {}，第30个工作日是 {}。",
        cal.add_workdays(today, 5),
        cal.add_workdays(today, 30)
    );
    let mut r = page(&SettingsPage {
        nav: s.nav("/settings"),
        limits,
        days: state.store.calendar_days().await?,
        preview,
        message,
        error: error.clone(),
    });
    if error.is_some() {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

async fn show(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    s.require(Permission::ConfigureLimits)?;
    render(&state, &s, None, None).await
}

#[derive(Deserialize)]
struct LimitsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    assign: String,
    #[serde(default)]
    dispose: String,
    #[serde(default)]
    verify: String,
    #[serde(default)]
    conclude: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    close: String,
}

fn days(v: &str, label: &str) -> Result<u32, String> {
    match v.trim().parse::<u32>() {
        Ok(n) if (1..=365).contains(&n) => Ok(n),
        _ => Err(format!("「{label}」应为1至365之间的整数（工作日）")),
    }
}

async fn save_limits(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<LimitsForm>,
) -> Result<Response, Error> {
    s.require(Permission::ConfigureLimits)?;
    s.check_csrf(&f.csrf)?;
    let parsed = (|| {
        Ok::<_, String>(StepLimits {
            assign: days(&f.assign, "分办")?,
            dispose: days(&f.dispose, "确定处置方式")?,
            verify: days(&f.verify, "核查")?,
            conclude: days(&f.conclude, "认定")?,
            handle: days(&f.handle, "处理")?,
            close: days(&f.close, "办结反馈")?,
        })
    })();
    match parsed {
        Ok(l) => {
            state.store.set_step_limits(&s.actor, &l).await?;
            render(
                &state,
                &s,
                Some("办理时限已保存，对此后进入各环节的线索生效。".into()),
                None,
            )
            .await
        }
        Err(e) => render(&state, &s, None, Some(e)).await,
    }
}

#[derive(Deserialize)]
struct DayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

async fn save_day(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<DayForm>,
) -> Result<Response, Error> {
    s.require(Permission::ConfigureLimits)?;
    s.check_csrf(&f.csrf)?;
    let Ok(day) = NaiveDate::parse_from_str(f.day.trim(), "%Y-%m-%d") else {
        return render(
            &state,
            &s,
            None,
            Some("请按 YYYY-MM-DD 格式填写日期".into()),
        )
        .await;
    };
    let workday = match f.kind.as_str() {
        "workday" => true,
        "holiday" => false,
        _ => return render(&state, &s, None, Some("请选择“放假”或“调休上班”".into())).await,
    };
    let note = match domain::org::clean_optional(Some(&f.note), "note", "说明", 100) {
        Ok(n) => n.unwrap_or_default(),
        Err(e) => return render(&state, &s, None, Some(e.message)).await,
    };
    state
        .store
        .set_calendar_day(&s.actor, day, workday, &note)
        .await?;
    Ok(Redirect::to("/settings").into_response())
}
