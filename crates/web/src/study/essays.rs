//! Reflection essays: officers write and rework theirs; unit leaders and the office review the essays of
//! their units (approve, or return with a reason).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::study::{EssayState, essay_text};
use reports::Cell;
use serde::Deserialize;
use store::StoreError;
use store::study::{Essay, EssayEvent, EssayFilter};

use super::{Campaigns, FieldErrors, Opt, opts, render};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, Pager, fmt_time, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/study/essays", get(list))
        .route("/study/essays/export", get(export))
        .route("/study/essays/new", get(new_page).post(submit))
        .route("/study/essays/{id}", get(detail))
        .route("/study/essays/{id}/review", post(review))
        .route("/study/essays/{id}/resubmit", post(resubmit))
}

fn may_read(s: &Staff) -> Result<(), Error> {
    if s.actor.role.can(Permission::ReviewEssays) || s.actor.role.can(Permission::TakeStudy) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    campaign: Option<String>,
    state: Option<String>,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "study/essays.html")]
struct ListPage {
    nav: Nav,
    campaigns: Vec<Opt>,
    states: Vec<Opt>,
    essays: Vec<Essay>,
    pager: Pager,
    reviewer: bool,
    campaign: String,
}

impl ListPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    may_read(&s)?;
    let c = Campaigns::load(&state, lq.campaign.as_deref()).await?;
    let state_sel = lq.state.clone().unwrap_or_default();
    let filter = EssayFilter {
        campaign_id: c.current.as_ref().map(|c| c.id.clone()),
        state: EssayState::parse(&state_sel).ok(),
    };
    let per_page = 20;
    let page_no = lq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (essays, total) = state
        .store
        .essays(&s.actor, &filter, (page_no - 1) * per_page, per_page)
        .await?;
    let base = format!("campaign={}&state={}&", q(c.id()), q(&state_sel));
    Ok(render(
        &ListPage {
            nav: s.nav("/study/essays"),
            campaigns: c.options(),
            states: opts(
                EssayState::all().iter().map(|s| (s.as_str(), s.label())),
                &state_sel,
            ),
            essays,
            pager: Pager::new(Some(page_no), per_page, total, base),
            reviewer: s.actor.role.can(Permission::ReviewEssays),
            campaign: c.id().to_string(),
        },
        false,
    ))
}

const EXPORT_HEADERS: &[&str] = &[
    "标题",
    "干警",
    "警号",
    "单位",
    "状态",
    "修改次数",
    "提交时间",
    "审阅时间",
    "审阅意见",
];

/// The list with its filters, every page, without the essays' bodies (they are read one by one).
async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    may_read(&s)?;
    let c = Campaigns::load(&state, lq.campaign.as_deref()).await?;
    let filter = EssayFilter {
        campaign_id: c.current.as_ref().map(|c| c.id.clone()),
        state: EssayState::parse(lq.state.as_deref().unwrap_or("")).ok(),
    };
    let (actor, st) = (s.actor.clone(), state.clone());
    let (bytes, n) = super::export_xlsx("体会文章", EXPORT_HEADERS, move |tx| async move {
        let mut n = 0u64;
        let per = 2000;
        loop {
            let (page, _) = st.store.essays(&actor, &filter, n, per).await?;
            let last = (page.len() as u64) < per;
            for e in page {
                n += 1;
                let row = vec![
                    Cell::Text(e.title.clone()),
                    Cell::Text(e.officer_name.clone()),
                    Cell::Text(e.badge.clone()),
                    Cell::Text(e.unit_name.clone()),
                    Cell::Text(e.state_label().into()),
                    Cell::Int(e.revision),
                    Cell::Text(fmt_time(e.submitted_at)),
                    Cell::Text(e.reviewed_at.map(fmt_time).unwrap_or_default()),
                    Cell::Text(e.review_note.clone().unwrap_or_default()),
                ];
                if tx.send(row).await.is_err() {
                    return Ok(n);
                }
            }
            if last {
                return Ok(n);
            }
        }
    })
    .await?;
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "study.essays_export",
            &format!("campaign:{}", c.id()),
            &format!("{n} rows"),
        )
        .await?;
    Ok(super::xlsx_download(
        bytes,
        &format!("essays-{}.xlsx", super::stamp()),
        &format!("体会文章-{}.xlsx", super::stamp()),
    ))
}

#[derive(Deserialize, Default, Clone)]
struct EssayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

#[derive(Template)]
#[template(path = "study/essay_new.html")]
struct NewPage {
    nav: Nav,
    campaigns: Vec<Opt>,
    form: EssayForm,
    errors: FieldErrors,
}

async fn new_for(
    state: &AppState,
    s: &Staff,
    form: EssayForm,
    errors: FieldErrors,
) -> Result<Response, Error> {
    let c = Campaigns::load(state, Some(&form.campaign)).await?;
    let failed = errors.any();
    Ok(render(
        &NewPage {
            nav: s.nav("/study/essays"),
            campaigns: c.options(),
            form,
            errors,
        },
        failed,
    ))
}

#[derive(Deserialize, Default)]
struct NewQuery {
    campaign: Option<String>,
}

async fn new_page(
    State(state): State<AppState>,
    s: Staff,
    Query(nq): Query<NewQuery>,
) -> Result<Response, Error> {
    s.require(Permission::TakeStudy)?;
    new_for(
        &state,
        &s,
        EssayForm {
            campaign: nq.campaign.unwrap_or_default(),
            ..EssayForm::default()
        },
        FieldErrors::default(),
    )
    .await
}

async fn submit(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<EssayForm>,
) -> Result<Response, Error> {
    s.require(Permission::TakeStudy)?;
    s.check_csrf(&f.csrf)?;
    let (title, body) = match essay_text(&f.title, &f.body) {
        Ok(t) => t,
        Err(errs) => return new_for(&state, &s, f, FieldErrors(errs)).await,
    };
    match state
        .store
        .submit_essay(&s.actor, &f.campaign, &title, &body)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/study/essays/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => new_for(&state, &s, f, FieldErrors(vec![e])).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "study/essay.html")]
struct DetailPage {
    nav: Nav,
    e: Essay,
    events: Vec<EssayEvent>,
    can_review: bool,
    can_rework: bool,
    errors: FieldErrors,
    note: String,
    title: String,
    body: String,
}

impl DetailPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

struct Retry {
    errors: FieldErrors,
    note: String,
    text: Option<(String, String)>,
}

async fn detail_for(
    state: &AppState,
    s: &Staff,
    id: &str,
    retry: Retry,
) -> Result<Response, Error> {
    may_read(s)?;
    let e = state.store.essay_in_scope(&s.actor, id).await?;
    let events = state.store.essay_events(&s.actor, id).await?;
    let mine = s.actor.officer_id.as_deref() == Some(e.officer_id.as_str());
    let (title, body) = retry
        .text
        .unwrap_or_else(|| (e.title.clone(), e.body.clone()));
    let failed = retry.errors.any();
    Ok(render(
        &DetailPage {
            nav: s.nav("/study/essays"),
            can_review: s.actor.role.can(Permission::ReviewEssays)
                && !mine
                && e.state == EssayState::Submitted.as_str(),
            can_rework: mine && e.state == EssayState::Returned.as_str(),
            events,
            errors: retry.errors,
            note: retry.note,
            title,
            body,
            e,
        },
        failed,
    ))
}

async fn detail(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    detail_for(
        &state,
        &s,
        &id,
        Retry {
            errors: FieldErrors::default(),
            note: String::new(),
            text: None,
        },
    )
    .await
}

#[derive(Deserialize)]
struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn review(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, Error> {
    s.require(Permission::ReviewEssays)?;
    s.check_csrf(&f.csrf)?;
    state.store.essay_in_scope(&s.actor, &id).await?;
    let approve = match f.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => {
            let e = domain::DomainError::field("decision", "请选择审核结果");
            return detail_for(
                &state,
                &s,
                &id,
                Retry {
                    errors: FieldErrors(vec![e]),
                    note: f.note,
                    text: None,
                },
            )
            .await;
        }
    };
    match state
        .store
        .review_essay(&s.actor, &id, approve, &f.note)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/study/essays/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => {
            detail_for(
                &state,
                &s,
                &id,
                Retry {
                    errors: FieldErrors(vec![e]),
                    note: f.note,
                    text: None,
                },
            )
            .await
        }
        Err(StoreError::Conflict(m)) => {
            detail_for(
                &state,
                &s,
                &id,
                Retry {
                    errors: FieldErrors(vec![domain::DomainError::new(m)]),
                    note: f.note,
                    text: None,
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn resubmit(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<EssayForm>,
) -> Result<Response, Error> {
    s.require(Permission::TakeStudy)?;
    s.check_csrf(&f.csrf)?;
    state.store.essay_in_scope(&s.actor, &id).await?;
    let again = |errs: Vec<domain::DomainError>| Retry {
        errors: FieldErrors(errs),
        note: String::new(),
        text: Some((f.title.clone(), f.body.clone())),
    };
    let (title, body) = match essay_text(&f.title, &f.body) {
        Ok(t) => t,
        Err(errs) => return detail_for(&state, &s, &id, again(errs)).await,
    };
    match state
        .store
        .resubmit_essay(&s.actor, &id, &title, &body)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/study/essays/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => detail_for(&state, &s, &id, again(vec![e])).await,
        Err(StoreError::Conflict(m)) => {
            detail_for(&state, &s, &id, again(vec![domain::DomainError::new(m)])).await
        }
        Err(e) => Err(e.into()),
    }
}
