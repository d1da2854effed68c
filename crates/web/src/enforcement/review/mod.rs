//! Case review pages (案件评查): the plans and the samples given to me at /reviews, a new plan with its
//! draw (random with a seed, or by rule), the plan's samples and their reviewers. A sampled case's page,
//! its score sheet, its defects in the ledger and trace-back are in `sample`.

mod sample;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::enforcement::cases::CaseKind;
use domain::enforcement::review::{Grade, MAX_SEED, PlanInput, SampleMethod, SampleRule};
use serde::Deserialize;
use store::enforcement::review::{Plan, Reviewer, SampleRow};

use crate::AppState;
use crate::auth::Staff;
use crate::campaign::field;
use crate::error::Error;
use crate::selfcheck::{Opt, bad_request, opts};
use crate::view::{Nav, Pager, fmt_time, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews", get(index))
        .route("/reviews/new", get(new_page).post(create))
        .route("/reviews/plans/{id}", get(plan_page))
        .route("/reviews/samples/{id}/assign", post(assign))
        .merge(sample::routes())
}

pub(crate) fn grade_label(code: &str) -> &'static str {
    Grade::parse(code).map(|g| g.label()).unwrap_or("未评查")
}

pub(crate) fn kind_label(code: &str) -> &'static str {
    CaseKind::parse(code).map(|k| k.label()).unwrap_or("其他")
}

fn method_text(p: &Plan) -> String {
    let method = SampleMethod::parse(&p.method)
        .map(|m| m.label())
        .unwrap_or("随机抽取");
    match p.rule.as_deref().and_then(|r| SampleRule::parse(r).ok()) {
        Some(r) => format!("{method}（{}）", r.label()),
        None => method.to_string(),
    }
}

fn filters_text(p: &Plan) -> String {
    let mut parts = vec![format!("{}及下级单位", p.unit_name)];
    if let Some(k) = &p.kind {
        parts.push(kind_label(k).to_string());
    }
    match (&p.closed_from, &p.closed_to) {
        (Some(a), Some(b)) => parts.push(format!("{a}至{b}结案")),
        (Some(a), None) => parts.push(format!("{a}以后结案")),
        (None, Some(b)) => parts.push(format!("{b}以前结案")),
        (None, None) => {}
    }
    parts.join("，")
}

// ---------- the list ----------

struct PlanLine {
    p: Plan,
    method: String,
    filters: String,
    created: String,
}

#[derive(Template)]
#[template(path = "reviews/index.html")]
struct IndexPage {
    nav: Nav,
    plans: Vec<PlanLine>,
    pager: Pager,
    mine: Vec<SampleRow>,
    can_plan: bool,
    can_score: bool,
}

#[derive(Deserialize, Default)]
struct IndexQuery {
    page: Option<u64>,
}

async fn index(
    State(state): State<AppState>,
    s: Staff,
    Query(iq): Query<IndexQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewReviews)?;
    let per_page = 20;
    let page_no = iq.page.unwrap_or(1).clamp(1, 100_000);
    let (plans, total) = state
        .store
        .review_plans(&s.actor, (page_no - 1) * per_page, per_page)
        .await?;
    let can_score = s.actor.role.can(Permission::ScoreReviews);
    let mine = if can_score {
        state.store.my_review_samples(&s.actor, 100).await?
    } else {
        vec![]
    };
    Ok(page(&IndexPage {
        nav: s.nav("/reviews"),
        plans: plans
            .into_iter()
            .map(|p| PlanLine {
                method: method_text(&p),
                filters: filters_text(&p),
                created: fmt_time(p.created_at),
                p,
            })
            .collect(),
        pager: Pager::new(Some(page_no), per_page, total, String::new()),
        mine,
        can_plan: s.actor.role.can(Permission::ManageReviews),
        can_score,
    }))
}

// ---------- a new plan ----------

#[derive(Default, Clone)]
struct PlanForm {
    name: String,
    unit: String,
    kind: String,
    closed_from: String,
    closed_to: String,
    method: String,
    rule: String,
    seed: String,
    size: String,
    reviewers: Vec<String>,
}

impl PlanForm {
    fn from_pairs(f: &[(String, String)]) -> PlanForm {
        PlanForm {
            name: field(f, "name").to_string(),
            unit: field(f, "unit").to_string(),
            kind: field(f, "kind").to_string(),
            closed_from: field(f, "closed_from").to_string(),
            closed_to: field(f, "closed_to").to_string(),
            method: field(f, "method").to_string(),
            rule: field(f, "rule").to_string(),
            seed: field(f, "seed").to_string(),
            size: field(f, "size").to_string(),
            reviewers: f
                .iter()
                .filter(|(k, _)| k == "reviewer")
                .map(|(_, v)| v.clone())
                .collect(),
        }
    }
}

struct ReviewerOpt {
    r: Reviewer,
    checked: bool,
}

#[derive(Template)]
#[template(path = "reviews/new.html")]
struct NewPage {
    nav: Nav,
    form: PlanForm,
    units: Vec<Opt>,
    kinds: Vec<Opt>,
    methods: Vec<Opt>,
    rules: Vec<Opt>,
    reviewers: Vec<ReviewerOpt>,
    max_seed: u64,
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

async fn render_new(
    state: &AppState,
    s: &Staff,
    form: PlanForm,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    let units = state.store.units_in_scope(&s.actor).await?;
    let chosen = if units.iter().any(|u| u.id == form.unit) {
        form.unit.clone()
    } else {
        s.actor.unit_id.clone()
    };
    let reviewers = state
        .store
        .review_reviewers(&chosen)
        .await?
        .into_iter()
        .map(|r| ReviewerOpt {
            checked: form.reviewers.contains(&r.id),
            r,
        })
        .collect();
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let failed = !errors.is_empty();
    let method = if form.method.is_empty() {
        "random"
    } else {
        form.method.as_str()
    };
    let r = page(&NewPage {
        nav: s.nav("/reviews"),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            &chosen,
        ),
        kinds: opts(
            CaseKind::all().iter().map(|k| (k.as_str(), k.label())),
            &form.kind,
        ),
        methods: opts(
            SampleMethod::all().iter().map(|k| (k.as_str(), k.label())),
            method,
        ),
        rules: opts(
            SampleRule::all().iter().map(|k| (k.as_str(), k.label())),
            &form.rule,
        ),
        reviewers,
        max_seed: MAX_SEED,
        errors,
        form,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn new_page(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    s.require(Permission::ManageReviews)?;
    let form = PlanForm {
        size: "20".into(),
        ..Default::default()
    };
    render_new(&state, &s, form, vec![]).await
}

async fn create(
    State(state): State<AppState>,
    s: Staff,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    s.require(Permission::ManageReviews)?;
    s.check_csrf(field(&pairs, "csrf"))?;
    let mut form = PlanForm::from_pairs(&pairs);
    if form.seed.trim().is_empty() {
        // A blank seed is drawn here and shown with the plan, so the draw can be repeated.
        form.seed = (rand::random::<u64>() % (MAX_SEED + 1)).to_string();
    }
    let input = PlanInput {
        name: form.name.clone(),
        kind: form.kind.clone(),
        closed_from: form.closed_from.clone(),
        closed_to: form.closed_to.clone(),
        method: form.method.clone(),
        rule: form.rule.clone(),
        seed: form.seed.clone(),
        size: form.size.clone(),
    };
    let plan = match domain::enforcement::review::validate_plan(&input) {
        Ok(p) => p,
        Err(es) => {
            let errors = es
                .into_iter()
                .map(|e| (e.field.unwrap_or("form").to_string(), e.message))
                .collect();
            return render_new(&state, &s, form, errors).await;
        }
    };
    match state
        .store
        .create_review_plan(
            &s.actor,
            form.unit.trim(),
            &plan,
            &form.reviewers,
            store::clues::today(),
        )
        .await
    {
        Ok((id, _)) => Ok(Redirect::to(&format!("/reviews/plans/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let f = e.field.unwrap_or("form").to_string();
            render_new(&state, &s, form, vec![(f, e.message)]).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- a plan ----------

struct SampleLine {
    s: SampleRow,
    reviewers: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "reviews/plan.html")]
struct PlanPage {
    nav: Nav,
    p: Plan,
    method: String,
    filters: String,
    created: String,
    samples: Vec<SampleLine>,
    /// (grade label, count) over the samples shown.
    grades: Vec<(&'static str, usize)>,
    can_assign: bool,
    error: Option<String>,
}

async fn render_plan(
    state: &AppState,
    s: &Staff,
    id: &str,
    error: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewReviews)?;
    let p = state.store.review_plan_in_scope(&s.actor, id).await?;
    let rows = state.store.review_samples(&s.actor, id).await?;
    let plan_unit = state.store.unit_by_id(&p.unit_id).await?;
    let can_assign =
        s.actor.role.can(Permission::ManageReviews) && s.actor.covers_path(&plan_unit.path);
    let eligible = if can_assign {
        state.store.review_reviewers(&p.unit_id).await?
    } else {
        vec![]
    };
    let grades = Grade::all()
        .iter()
        .map(|g| {
            (
                g.label(),
                rows.iter()
                    .filter(|r| r.grade.as_deref() == Some(g.as_str()))
                    .count(),
            )
        })
        .collect();
    let samples = rows
        .into_iter()
        .map(|r| SampleLine {
            reviewers: opts(
                eligible.iter().map(|e| (e.id.as_str(), e.name.as_str())),
                r.reviewer_id.as_deref().unwrap_or(""),
            ),
            s: r,
        })
        .collect();
    let failed = error.is_some();
    let r = page(&PlanPage {
        nav: s.nav("/reviews"),
        method: method_text(&p),
        filters: filters_text(&p),
        created: fmt_time(p.created_at),
        samples,
        grades,
        can_assign,
        error,
        p,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn plan_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    render_plan(&state, &s, &id, None).await
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reviewer: String,
}

async fn assign(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<AssignForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageReviews)?;
    s.check_csrf(&f.csrf)?;
    let d = state.store.review_sample_in_scope(&s.actor, &id).await?;
    let reviewer = Some(f.reviewer.as_str()).filter(|r| !r.trim().is_empty());
    match state
        .store
        .assign_review_sample(&s.actor, &id, reviewer)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/reviews/plans/{}", d.row.plan_id)).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            render_plan(&state, &s, &d.row.plan_id, Some(e.message)).await
        }
        Err(store::StoreError::Conflict(m)) => {
            render_plan(&state, &s, &d.row.plan_id, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}
