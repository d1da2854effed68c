//! Recording an inquiry (逢问必录): any staff member who is asked about a case records who asked, when,
//! how, what was said and how it was handled. An officer records inquiries about the cases they handle
//! and may pick one of them; a leader's inquiry from outside the case is flagged as interference.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::TimeZone;
use domain::access::Permission;
use domain::enforcement::inquiries::{Channel, InquiryInput, validate_inquiry};
use serde::Deserialize;
use store::enforcement::cases::Case;

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, bad_request, opts};
use crate::view::{Nav, page};

pub fn routes() -> Router<AppState> {
    Router::new().route("/inquiries/new", get(new_page).post(create))
}

#[derive(Deserialize, Default, Clone)]
struct RecordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case: String,
    #[serde(default)]
    asker_name: String,
    #[serde(default)]
    asker_position: String,
    #[serde(default)]
    asker_unit: String,
    #[serde(default)]
    asker_badge: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    asked_at: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    handling: String,
}

#[derive(Template)]
#[template(path = "inquiries/new.html")]
struct NewPage {
    nav: Nav,
    form: RecordForm,
    channels: Vec<Opt>,
    /// An officer's own cases, to pick from.
    my_cases: Vec<Case>,
    errors: Vec<(String, String)>,
}

impl NewPage {
    fn err(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// Now in Beijing time, as the datetime field wants it.
fn local_now() -> chrono::NaiveDateTime {
    store::clues::local_offset()
        .timestamp_millis_opt(store::now_ms())
        .single()
        .map(|t| t.naive_local())
        .unwrap_or_default()
}

async fn render(
    state: &AppState,
    s: &Staff,
    form: RecordForm,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::RecordInquiry)?;
    let my_cases = match &s.actor.officer_id {
        Some(o) => state.store.cases_of_officer(o, 50).await?,
        None => vec![],
    };
    let failed = !errors.is_empty();
    let r = page(&NewPage {
        nav: s.nav("/inquiries"),
        channels: opts(
            Channel::all().iter().map(|c| (c.as_str(), c.label())),
            &form.channel,
        ),
        my_cases,
        errors,
        form,
    });
    Ok(if failed { bad_request(r) } else { r })
}

#[derive(Deserialize, Default)]
struct NewQuery {
    case: Option<String>,
}

async fn new_page(
    State(state): State<AppState>,
    s: Staff,
    Query(nq): Query<NewQuery>,
) -> Result<Response, Error> {
    let form = RecordForm {
        case: nq.case.unwrap_or_default().chars().take(64).collect(),
        asked_at: local_now().format("%Y-%m-%dT%H:%M").to_string(),
        ..RecordForm::default()
    };
    render(&state, &s, form, vec![]).await
}

async fn create(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<RecordForm>,
) -> Result<Response, Error> {
    s.require(Permission::RecordInquiry)?;
    s.check_csrf(&f.csrf)?;
    let input = InquiryInput {
        case_number: f.case.clone(),
        asker_name: f.asker_name.clone(),
        asker_position: f.asker_position.clone(),
        asker_unit: f.asker_unit.clone(),
        asker_badge: f.asker_badge.clone(),
        asked_at: f.asked_at.clone(),
        channel: f.channel.clone(),
        content: f.content.clone(),
        handling: f.handling.clone(),
        leader: !f.leader.is_empty(),
    };
    let valid = match validate_inquiry(&input, local_now()) {
        Ok(v) => v,
        Err(es) => {
            let errors = es
                .into_iter()
                .map(|e| (e.field.unwrap_or("form").to_string(), e.message))
                .collect();
            return render(&state, &s, f, errors).await;
        }
    };
    match state.store.record_inquiry(&s.actor, &valid).await {
        Ok(r) => Ok(Redirect::to(&format!("/inquiries/{}", r.id)).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let field = e.field.unwrap_or("form").to_string();
            render(&state, &s, f, vec![(field, e.message)]).await
        }
        Err(e) => Err(e.into()),
    }
}
