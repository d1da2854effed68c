//! A case's page: its stages with the deciding person at each, the officers who handled it and their
//! roles, the forms to move it on or close it, and for a gang case (涉黑恶) the one-step referral of a
//! protection-umbrella clue (保护伞) about one of its officers.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::enforcement::cases::{CaseKind, CaseStage, MoveInput, parse_date, validate_move};
use serde::Deserialize;
use store::enforcement::cases::CaseView;

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, bad_request, opts};
use crate::view::{Nav, fmt_time, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}", get(detail))
        .route("/cases/{id}/advance", post(advance))
        .route("/cases/{id}/close", post(close))
        .route("/cases/{id}/umbrella", post(umbrella))
}

#[derive(Deserialize, Default, Clone)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    decider: String,
    #[serde(default)]
    decision: String,
}

#[derive(Deserialize, Default, Clone)]
struct UmbrellaForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    officer: String,
    #[serde(default)]
    note: String,
}

/// Which form an error belongs to, and what was typed there.
#[derive(Default)]
struct Typed {
    form: &'static str,
    moved: MoveForm,
    note: String,
    errors: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "cases/detail.html")]
struct DetailPage {
    nav: Nav,
    v: CaseView,
    next_stages: Vec<Opt>,
    outcomes: Vec<Opt>,
    umbrella_officers: Vec<Opt>,
    can_manage: bool,
    can_refer: bool,
    can_read_clues: bool,
    can_record_inquiry: bool,
    can_view_inquiries: bool,
    today: String,
    typed: Typed,
}

impl DetailPage {
    /// The message for a field of one form (`advance`, `close` or `umbrella`).
    fn err(&self, form: &str, field: &str) -> String {
        if self.typed.form != form {
            return String::new();
        }
        self.typed
            .errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }

    /// What was typed into a field of a form, for showing it again after an error.
    fn typed(&self, form: &str, field: &str) -> String {
        if self.typed.form != form {
            return match field {
                "on" => self.today.clone(),
                _ => String::new(),
            };
        }
        let m = &self.typed.moved;
        match field {
            "on" => m.on.clone(),
            "decider" => m.decider.clone(),
            "decision" => m.decision.clone(),
            "note" => self.typed.note.clone(),
            _ => String::new(),
        }
    }

    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn render(state: &AppState, s: &Staff, id: &str, typed: Typed) -> Result<Response, Error> {
    s.require(Permission::ViewCases)?;
    let v = state.store.case_view(&s.actor, id).await?;
    let kind = CaseKind::parse(&v.case.kind).ok();
    let stage = CaseStage::parse(&v.case.stage).ok();
    let (next, outcomes) = match (kind, stage) {
        (Some(k), Some(st)) => (k.next_stages(st), k.outcomes_from(st)),
        _ => (vec![], vec![]),
    };
    let can_manage = s.actor.role.can(Permission::ManageCases) && stage != Some(CaseStage::Closed);
    let failed = !typed.errors.is_empty();
    let linked: Vec<&str> = v.clues.iter().map(|c| c.officer_id.as_str()).collect();
    let umbrella_officers: Vec<(String, String)> = v
        .officers
        .iter()
        .filter(|o| !linked.contains(&o.officer_id.as_str()))
        .map(|o| {
            let roles: Vec<&str> = o.roles.iter().map(|r| super::role_label(r)).collect();
            (
                o.officer_id.clone(),
                format!("{}（{}，{}）", o.name, o.badge, roles.join("、")),
            )
        })
        .collect();
    let r = page(&DetailPage {
        nav: s.nav("/cases"),
        next_stages: opts(
            next.iter().map(|s| (s.as_str(), s.label())),
            if typed.form == "advance" {
                typed.moved.to.as_str()
            } else {
                ""
            },
        ),
        outcomes: opts(
            outcomes.iter().map(|o| (o.as_str(), o.label())),
            if typed.form == "close" {
                typed.moved.outcome.as_str()
            } else {
                ""
            },
        ),
        umbrella_officers: opts(
            umbrella_officers
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str())),
            "",
        ),
        can_refer: v.case.gang && s.actor.role.can(Permission::RegisterClue),
        can_read_clues: s.actor.role.can(Permission::ReadClues),
        can_record_inquiry: s.actor.role.can(Permission::RecordInquiry),
        can_view_inquiries: s.actor.role.can(Permission::ViewInquiries),
        can_manage,
        today: store::clues::today().format("%Y-%m-%d").to_string(),
        typed,
        v,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn detail(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    render(&state, &s, &id, Typed::default()).await
}

async fn advance(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<MoveForm>,
) -> Result<Response, Error> {
    take_step(state, s, id, f, false).await
}

async fn close(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<MoveForm>,
) -> Result<Response, Error> {
    take_step(state, s, id, f, true).await
}

/// Moves the case on (or closes it): checked against its kind and current stage, then written with the
/// deciding person; any problem is shown beside the form it came from.
async fn take_step(
    state: AppState,
    s: Staff,
    id: String,
    f: MoveForm,
    closing: bool,
) -> Result<Response, Error> {
    s.require(Permission::ViewCases)?;
    s.require(Permission::ManageCases)?;
    s.check_csrf(&f.csrf)?;
    let case = state.store.case_in_scope(&s.actor, &id).await?;
    let form = if closing { "close" } else { "advance" };
    let fail = |errors: Vec<(String, String)>, f: MoveForm| Typed {
        form,
        moved: f,
        note: String::new(),
        errors,
    };
    let (Ok(kind), Ok(from)) = (CaseKind::parse(&case.kind), CaseStage::parse(&case.stage)) else {
        return Err(Error::bad("该案件的类型或阶段无法识别，请联系管理员。"));
    };
    let since = parse_date(&case.stage_since).unwrap_or_default();
    let input = MoveInput {
        to: f.to.clone(),
        outcome: f.outcome.clone(),
        on: f.on.clone(),
        decider_badge: f.decider.clone(),
        decision: f.decision.clone(),
    };
    let m = match validate_move(kind, from, since, &input, closing, store::clues::today()) {
        Ok(m) => m,
        Err(es) => {
            let errors = es
                .into_iter()
                .map(|e| (e.field.unwrap_or("form").to_string(), e.message))
                .collect();
            return render(&state, &s, &id, fail(errors, f)).await;
        }
    };
    match state.store.advance_case(&s.actor, &id, &m).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let field = e.field.unwrap_or("form").to_string();
            render(&state, &s, &id, fail(vec![(field, e.message)], f)).await
        }
        Err(store::StoreError::Conflict(m)) => {
            render(&state, &s, &id, fail(vec![("form".into(), m)], f)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn umbrella(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<UmbrellaForm>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCases)?;
    s.require(Permission::RegisterClue)?;
    s.check_csrf(&f.csrf)?;
    state.store.case_in_scope(&s.actor, &id).await?;
    match state
        .store
        .open_umbrella_clue(&s.actor, &id, f.officer.trim(), &f.note)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}#case-clues")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let typed = Typed {
                form: "umbrella",
                moved: MoveForm::default(),
                note: f.note.clone(),
                errors: vec![(e.field.unwrap_or("form").to_string(), e.message)],
            };
            render(&state, &s, &id, typed).await
        }
        Err(e) => Err(e.into()),
    }
}
