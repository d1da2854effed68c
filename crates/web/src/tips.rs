//! The sealed reporter identity on the staff side: a discipline inspector asks with a stated reason, the
//! custodian approves or refuses, and only the requester of an approved request sees the name and contact.
//! Every step is audited by the store; this module only decides who may reach which page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use serde::Deserialize;
use store::StoreError;
use store::tips::{ReporterIdentity, UnsealRequest};

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, fmt_time, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/unseal", get(index))
        .route("/unseal/request/{clue_id}", post(request))
        .route("/unseal/{id}/decide", post(decide))
        .route("/unseal/{id}/identity", get(identity))
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "待审批",
        "approved" => "已批准",
        "refused" => "已拒绝",
        _ => "未知",
    }
}

#[derive(Template)]
#[template(path = "tips/unseal.html")]
struct UnsealPage {
    nav: Nav,
    custodian: bool,
    pending: Vec<UnsealRequest>,
    /// Decided requests (custodian) or the inspector's own requests.
    history: Vec<UnsealRequest>,
    /// (request id, message): shown beside that request's form.
    error: Option<(String, String)>,
    /// What the custodian typed, kept when the decision is refused as invalid.
    note: String,
}

impl UnsealPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
    fn error_for(&self, id: &str) -> &str {
        match &self.error {
            Some((rid, msg)) if rid == id => msg,
            _ => "",
        }
    }
    /// An error about a request no longer pending (decided meanwhile) has no form to stand beside.
    fn top_error(&self) -> &str {
        match &self.error {
            Some((rid, msg)) if !self.pending.iter().any(|r| &r.id == rid) => msg,
            _ => "",
        }
    }
    fn note_for(&self, id: &str) -> &str {
        match &self.error {
            Some((rid, _)) if rid == id => &self.note,
            _ => "",
        }
    }
}

async fn unseal_page(
    state: &AppState,
    s: &Staff,
    error: Option<(String, String)>,
    note: String,
) -> Result<Response, Error> {
    if s.actor.role.can(Permission::DecideUnseal) {
        let pending = state.store.unseal_requests(Some("pending")).await?;
        let mut history = state.store.unseal_requests(Some("approved")).await?;
        history.extend(state.store.unseal_requests(Some("refused")).await?);
        history.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        history.truncate(500);
        Ok(page(&UnsealPage {
            nav: s.nav("/unseal"),
            custodian: true,
            pending,
            history,
            error,
            note,
        }))
    } else if s.actor.role.can(Permission::RequestUnseal) {
        let history = state.store.unseal_requests_of(&s.actor).await?;
        Ok(page(&UnsealPage {
            nav: s.nav("/unseal"),
            custodian: false,
            pending: vec![],
            history,
            error,
            note,
        }))
    } else {
        Err(Error::Forbidden)
    }
}

async fn index(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    unseal_page(&state, &s, None, String::new()).await
}

// ---------- request ----------

#[derive(Template)]
#[template(path = "tips/request.html")]
struct RequestPage {
    nav: Nav,
    clue_id: String,
    clue_number: String,
    reason: String,
    error: String,
}

#[derive(Deserialize)]
struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn request(
    State(state): State<AppState>,
    s: Staff,
    Path(clue_id): Path<String>,
    Form(f): Form<RequestForm>,
) -> Result<Response, Error> {
    s.require(Permission::RequestUnseal)?;
    s.check_csrf(&f.csrf)?;
    // Scope first, so a clue the requester cannot see answers 404 whatever the reason says.
    let clue = state.store.clue_in_scope(&s.actor, &clue_id).await?;
    match state
        .store
        .request_unseal(&s.actor, &clue_id, &f.reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/clues/{clue_id}")).into_response()),
        Err(StoreError::Invalid(e)) => {
            let mut r = page(&RequestPage {
                nav: s.nav("/unseal"),
                clue_id,
                clue_number: clue.number,
                reason: f.reason,
                error: e.message,
            });
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- decision ----------

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, Error> {
    s.require(Permission::DecideUnseal)?;
    s.check_csrf(&f.csrf)?;
    let fail = |msg: String| (id.clone(), msg);
    let approve = match f.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => {
            let mut r =
                unseal_page(&state, &s, Some(fail("请选择批准或拒绝。".into())), f.note).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    // A refusal must say why, so the requester knows what to add (the store allows an empty note).
    if !approve && f.note.trim().is_empty() {
        let mut r = unseal_page(
            &state,
            &s,
            Some(fail("拒绝时请填写审批意见，说明拒绝的理由。".into())),
            f.note,
        )
        .await?;
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(r);
    }
    match state
        .store
        .decide_unseal(&s.actor, &id, approve, &f.note)
        .await
    {
        Ok(()) => Ok(Redirect::to("/unseal").into_response()),
        Err(StoreError::Invalid(e)) => {
            let mut r = unseal_page(&state, &s, Some(fail(e.message)), f.note).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- the unsealed identity ----------

#[derive(Template)]
#[template(path = "tips/identity.html")]
struct IdentityPage {
    nav: Nav,
    who: ReporterIdentity,
    request: Option<UnsealRequest>,
}

async fn identity(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    s.require(Permission::RequestUnseal)?;
    // The store answers NotFound unless this actor asked and the custodian approved; the view is audited.
    let who = state.store.view_identity(&s.actor, &id).await?;
    let request = state
        .store
        .unseal_requests_of(&s.actor)
        .await?
        .into_iter()
        .find(|r| r.id == id);
    Ok(page(&IdentityPage {
        nav: s.nav("/unseal"),
        who,
        request,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_labels() {
        assert_eq!(status_label("pending"), "待审批");
        assert_eq!(status_label("approved"), "已批准");
        assert_eq!(status_label("refused"), "已拒绝");
        assert_eq!(status_label("x"), "未知");
    }
}
