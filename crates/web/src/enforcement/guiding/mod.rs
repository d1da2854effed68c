//! Guiding cases (案例指导) and case commentary (案件点评) pages: /guiding searches both in Chinese full
//! text with the matches highlighted, or lists the library and the sessions when nothing is asked; a
//! guiding case's page and form are here, a session's in `sessions`.

mod sessions;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use domain::access::Permission;
use domain::enforcement::cases::CaseKind;
use domain::enforcement::guiding::GuidingInput;
use serde::Deserialize;
use store::enforcement::guiding::{
    GuidingCase, GuidingSummary, KIND_COMMENTARY, KIND_GUIDING, SessionSummary,
};

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, bad_request, opts};
use crate::view::{Nav, Pager, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/guiding", get(index))
        .route("/guiding/cases/new", get(new_case).post(create_case))
        .route("/guiding/cases/{id}", get(case_page))
        .route("/guiding/cases/{id}/edit", get(edit_case).post(update_case))
        .merge(sessions::routes())
}

pub(crate) fn kind_label(code: &str) -> &'static str {
    CaseKind::parse(code).map(|k| k.label()).unwrap_or("其他")
}

/// Field errors as the forms show them.
pub(crate) fn errors_of(es: Vec<domain::DomainError>) -> Vec<(String, String)> {
    es.into_iter()
        .map(|e| (e.field.unwrap_or("form").to_string(), e.message))
        .collect()
}

pub(crate) fn err_text(errors: &[(String, String)], field: &str) -> String {
    errors
        .iter()
        .filter(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

// ---------- search and lists ----------

struct HitLine {
    link: String,
    kind: &'static str,
    title_html: String,
    snippet_html: String,
}

#[derive(Template)]
#[template(path = "guiding/index.html")]
struct IndexPage {
    nav: Nav,
    q: String,
    kind: String,
    kinds: Vec<Opt>,
    searched: bool,
    /// False when no text held the query as written and the hits hold its words instead.
    exact: bool,
    hits: Vec<HitLine>,
    cases: Vec<GuidingSummary>,
    sessions: Vec<SessionSummary>,
    pager: Pager,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
struct IndexQuery {
    q: Option<String>,
    kind: Option<String>,
    page: Option<u64>,
}

async fn index(
    State(state): State<AppState>,
    s: Staff,
    Query(iq): Query<IndexQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ReadGuidingCases)?;
    let query: String =
        iq.q.as_deref()
            .unwrap_or("")
            .trim()
            .chars()
            .take(search::fulltext::MAX_QUERY_CHARS)
            .collect();
    let kind = match iq.kind.as_deref().map(str::trim) {
        Some(KIND_GUIDING) => Some(KIND_GUIDING),
        Some(KIND_COMMENTARY) => Some(KIND_COMMENTARY),
        _ => None,
    };
    let per_page = 20;
    let page_no = iq.page.unwrap_or(1).clamp(1, 500);
    let offset = (page_no - 1) * per_page;
    let mut hits = Vec::new();
    let mut exact = true;
    let (mut cases, mut sessions) = (Vec::new(), Vec::new());
    let searched = !query.is_empty();
    let total = if searched {
        let r = state
            .store
            .search_guiding(&s.actor, &query, kind, offset, per_page)
            .await?;
        exact = r.exact || r.total == 0;
        hits = r
            .hits
            .into_iter()
            .map(|h| HitLine {
                link: if h.kind == KIND_COMMENTARY {
                    format!("/guiding/sessions/{}", h.id)
                } else {
                    format!("/guiding/cases/{}", h.id)
                },
                kind: if h.kind == KIND_COMMENTARY {
                    "案件点评"
                } else {
                    "指导案例"
                },
                title_html: h.title_html,
                snippet_html: h.snippet_html,
            })
            .collect();
        r.total as i64
    } else if kind == Some(KIND_COMMENTARY) {
        let (list, n) = state
            .store
            .commentaries(&s.actor, None, offset, per_page)
            .await?;
        sessions = list;
        n
    } else {
        let (list, n) = state.store.guiding_cases(offset, per_page).await?;
        cases = list;
        if kind.is_none() && page_no == 1 {
            sessions = state.store.commentaries(&s.actor, None, 0, 10).await?.0;
        }
        n
    };
    let base = format!("q={}&kind={}&", q(&query), q(kind.unwrap_or("")));
    Ok(page(&IndexPage {
        nav: s.nav("/guiding"),
        kinds: opts(
            [(KIND_GUIDING, "指导案例"), (KIND_COMMENTARY, "案件点评")].into_iter(),
            kind.unwrap_or(""),
        ),
        kind: kind.unwrap_or("").to_string(),
        q: query,
        searched,
        exact,
        hits,
        cases,
        sessions,
        pager: Pager::new(Some(page_no), per_page, total, base),
        can_manage: s.actor.role.can(Permission::ManageGuidingCases),
    }))
}

// ---------- a guiding case ----------

#[derive(Template)]
#[template(path = "guiding/case.html")]
struct CasePage {
    nav: Nav,
    g: GuidingCase,
    kind: &'static str,
    updated: String,
    citing: Vec<SessionSummary>,
    can_edit: bool,
}

async fn case_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    s.require(Permission::ReadGuidingCases)?;
    let g = state.store.guiding_case(&id).await?;
    let citing = state
        .store
        .commentaries(&s.actor, Some(&id), 0, 50)
        .await?
        .0;
    let can_edit = s.actor.role.can(Permission::ManageGuidingCases)
        && state
            .store
            .guiding_case_editable(&s.actor, &id)
            .await
            .is_ok();
    Ok(page(&CasePage {
        nav: s.nav("/guiding"),
        kind: kind_label(&g.kind),
        updated: fmt_time(g.updated_at),
        citing,
        can_edit,
        g,
    }))
}

#[derive(Deserialize, Default, Clone)]
struct CaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    gist: String,
    #[serde(default)]
    significance: String,
    #[serde(default)]
    full_text: String,
    #[serde(default)]
    issued_on: String,
}

impl CaseForm {
    fn of(g: &GuidingCase) -> CaseForm {
        CaseForm {
            csrf: String::new(),
            number: g.number.clone(),
            title: g.title.clone(),
            issuer: g.issuer.clone(),
            kind: g.kind.clone(),
            keywords: g.keywords.clone(),
            gist: g.gist.clone(),
            significance: g.significance.clone().unwrap_or_default(),
            full_text: g.full_text.clone(),
            issued_on: g.issued_on.clone().unwrap_or_default(),
        }
    }

    fn input(&self) -> GuidingInput {
        GuidingInput {
            number: self.number.clone(),
            title: self.title.clone(),
            issuer: self.issuer.clone(),
            kind: self.kind.clone(),
            keywords: self.keywords.clone(),
            gist: self.gist.clone(),
            significance: self.significance.clone(),
            full_text: self.full_text.clone(),
            issued_on: self.issued_on.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "guiding/case_form.html")]
struct CaseFormPage {
    nav: Nav,
    /// The case being changed; `None` for a new one.
    id: Option<String>,
    form: CaseForm,
    kinds: Vec<Opt>,
    errors: Vec<(String, String)>,
}

impl CaseFormPage {
    fn err(&self, field: &str) -> String {
        err_text(&self.errors, field)
    }
}

fn render_case_form(
    s: &Staff,
    id: Option<String>,
    form: CaseForm,
    errors: Vec<(String, String)>,
) -> Response {
    let failed = !errors.is_empty();
    let r = page(&CaseFormPage {
        nav: s.nav("/guiding"),
        id,
        kinds: opts(
            CaseKind::all().iter().map(|k| (k.as_str(), k.label())),
            &form.kind,
        ),
        form,
        errors,
    });
    if failed { bad_request(r) } else { r }
}

async fn new_case(s: Staff) -> Result<Response, Error> {
    s.require(Permission::ManageGuidingCases)?;
    Ok(render_case_form(&s, None, CaseForm::default(), vec![]))
}

async fn create_case(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<CaseForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageGuidingCases)?;
    s.check_csrf(&f.csrf)?;
    let valid =
        match domain::enforcement::guiding::validate_guiding(&f.input(), store::clues::today()) {
            Ok(v) => v,
            Err(es) => return Ok(render_case_form(&s, None, f, errors_of(es))),
        };
    match state.store.create_guiding_case(&s.actor, &valid).await {
        Ok(id) => Ok(Redirect::to(&format!("/guiding/cases/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => Ok(render_case_form(
            &s,
            None,
            f,
            vec![(e.field.unwrap_or("form").to_string(), e.message)],
        )),
        Err(e) => Err(e.into()),
    }
}

async fn edit_case(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    s.require(Permission::ManageGuidingCases)?;
    let g = state.store.guiding_case_editable(&s.actor, &id).await?;
    Ok(render_case_form(&s, Some(id), CaseForm::of(&g), vec![]))
}

async fn update_case(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<CaseForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageGuidingCases)?;
    s.check_csrf(&f.csrf)?;
    state.store.guiding_case_editable(&s.actor, &id).await?;
    let valid =
        match domain::enforcement::guiding::validate_guiding(&f.input(), store::clues::today()) {
            Ok(v) => v,
            Err(es) => return Ok(render_case_form(&s, Some(id), f, errors_of(es))),
        };
    match state.store.update_guiding_case(&s.actor, &id, &valid).await {
        Ok(()) => Ok(Redirect::to(&format!("/guiding/cases/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => Ok(render_case_form(
            &s,
            Some(id),
            f,
            vec![(e.field.unwrap_or("form").to_string(), e.message)],
        )),
        Err(e) => Err(e.into()),
    }
}
