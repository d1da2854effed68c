//! Case commentary sessions (案件点评): recording one (the date, the unit, who presented, the register's
//! cases discussed by number, the guiding cases cited, the notes), its page, and changing it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use domain::access::Permission;
use domain::enforcement::guiding::SessionInput;
use serde::Deserialize;
use store::enforcement::guiding::Session;

use super::{err_text, errors_of};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, bad_request, opts};
use crate::view::{Nav, fmt_time, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/guiding/sessions/new",
            get(new_session).post(create_session),
        )
        .route("/guiding/sessions/{id}", get(session_page))
        .route(
            "/guiding/sessions/{id}/edit",
            get(edit_session).post(update_session),
        )
}

#[derive(Template)]
#[template(path = "guiding/session.html")]
struct SessionPage {
    nav: Nav,
    s: Session,
    updated: String,
    can_edit: bool,
    can_view_cases: bool,
}

async fn session_page(
    State(state): State<AppState>,
    st: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    st.require(Permission::ReadGuidingCases)?;
    let s = state.store.commentary_in_scope(&st.actor, &id).await?;
    Ok(page(&SessionPage {
        nav: st.nav("/guiding"),
        updated: fmt_time(s.updated_at),
        can_edit: st.actor.role.can(Permission::ManageGuidingCases),
        can_view_cases: st.actor.role.can(Permission::ViewCases),
        s,
    }))
}

#[derive(Deserialize, Default, Clone)]
struct SessionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    presenter: String,
    #[serde(default)]
    case_numbers: String,
    #[serde(default)]
    guiding_numbers: String,
    #[serde(default)]
    notes: String,
}

impl SessionForm {
    fn of(s: &Session) -> SessionForm {
        let list = |v: &[store::enforcement::guiding::Named]| {
            v.iter()
                .map(|n| n.number.clone())
                .collect::<Vec<_>>()
                .join("\n")
        };
        SessionForm {
            csrf: String::new(),
            unit: s.unit_id.clone(),
            held_on: s.held_on.clone(),
            title: s.title.clone(),
            presenter: s.presenter.clone(),
            case_numbers: list(&s.cases),
            guiding_numbers: list(&s.cited),
            notes: s.notes.clone(),
        }
    }

    fn input(&self) -> SessionInput {
        SessionInput {
            held_on: self.held_on.clone(),
            title: self.title.clone(),
            presenter: self.presenter.clone(),
            case_numbers: self.case_numbers.clone(),
            guiding_numbers: self.guiding_numbers.clone(),
            notes: self.notes.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "guiding/session_form.html")]
struct SessionFormPage {
    nav: Nav,
    id: Option<String>,
    form: SessionForm,
    units: Vec<Opt>,
    errors: Vec<(String, String)>,
}

impl SessionFormPage {
    fn err(&self, field: &str) -> String {
        err_text(&self.errors, field)
    }
}

async fn render_form(
    state: &AppState,
    st: &Staff,
    id: Option<String>,
    form: SessionForm,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    let units = state.store.units_in_scope(&st.actor).await?;
    let chosen = if form.unit.is_empty() {
        st.actor.unit_id.clone()
    } else {
        form.unit.clone()
    };
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let failed = !errors.is_empty();
    let r = page(&SessionFormPage {
        nav: st.nav("/guiding"),
        id,
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            &chosen,
        ),
        form,
        errors,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn new_session(State(state): State<AppState>, st: Staff) -> Result<Response, Error> {
    st.require(Permission::ManageGuidingCases)?;
    let form = SessionForm {
        held_on: store::clues::today().format("%Y-%m-%d").to_string(),
        ..Default::default()
    };
    render_form(&state, &st, None, form, vec![]).await
}

/// Saves a new session (`id` is `None`) or a change, re-rendering the form with the messages on error.
async fn save(
    state: &AppState,
    st: &Staff,
    id: Option<String>,
    f: SessionForm,
) -> Result<Response, Error> {
    let valid =
        match domain::enforcement::guiding::validate_session(&f.input(), store::clues::today()) {
            Ok(v) => v,
            Err(es) => return render_form(state, st, id, f, errors_of(es)).await,
        };
    let saved = match &id {
        None => {
            state
                .store
                .create_commentary(&st.actor, f.unit.trim(), &valid)
                .await
        }
        Some(i) => state
            .store
            .update_commentary(&st.actor, i, f.unit.trim(), &valid)
            .await
            .map(|_| i.clone()),
    };
    match saved {
        Ok(sid) => Ok(Redirect::to(&format!("/guiding/sessions/{sid}")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let field = e.field.unwrap_or("form").to_string();
            render_form(state, st, id, f, vec![(field, e.message)]).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_session(
    State(state): State<AppState>,
    st: Staff,
    Form(f): Form<SessionForm>,
) -> Result<Response, Error> {
    st.require(Permission::ManageGuidingCases)?;
    st.check_csrf(&f.csrf)?;
    save(&state, &st, None, f).await
}

async fn edit_session(
    State(state): State<AppState>,
    st: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    st.require(Permission::ManageGuidingCases)?;
    let s = state.store.commentary_in_scope(&st.actor, &id).await?;
    render_form(&state, &st, Some(id), SessionForm::of(&s), vec![]).await
}

async fn update_session(
    State(state): State<AppState>,
    st: Staff,
    Path(id): Path<String>,
    Form(f): Form<SessionForm>,
) -> Result<Response, Error> {
    st.require(Permission::ManageGuidingCases)?;
    st.check_csrf(&f.csrf)?;
    state.store.commentary_in_scope(&st.actor, &id).await?;
    save(&state, &st, Some(id), f).await
}
