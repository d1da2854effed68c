//! Adding a case by hand (it starts at 受案 with its time limit), and the stage time limits (限期结案)
//! per kind of case: everyone who reads the register may see them, the office sets them.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use domain::access::Permission;
use domain::enforcement::cases::{
    CaseInput, CaseKind, CaseStage, StageLimits, default_limit, parse_limit, validate_case,
};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{Opt, bad_request, opts};
use crate::view::{Nav, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/new", get(new_page).post(create))
        .route("/cases/limits", get(limits_page).post(set_limits))
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    handler: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    assistants: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    gang: String,
}

#[derive(Template)]
#[template(path = "cases/new.html")]
struct NewPage {
    nav: Nav,
    form: NewForm,
    units: Vec<Opt>,
    kinds: Vec<Opt>,
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
    form: NewForm,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::ManageCases)?;
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let chosen = if form.unit.is_empty() {
        s.actor.unit_id.clone()
    } else {
        form.unit.clone()
    };
    let failed = !errors.is_empty();
    let r = page(&NewPage {
        nav: s.nav("/cases"),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            &chosen,
        ),
        kinds: opts(
            CaseKind::all().iter().map(|k| (k.as_str(), k.label())),
            &form.kind,
        ),
        errors,
        form,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn new_page(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    let form = NewForm {
        received_on: store::clues::today().format("%Y-%m-%d").to_string(),
        ..NewForm::default()
    };
    render_new(&state, &s, form, vec![]).await
}

async fn create(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<NewForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageCases)?;
    s.check_csrf(&f.csrf)?;
    let mut errors: Vec<(String, String)> = Vec::new();
    // The form names the unit by id; the rules take its code, and only units in scope have one here.
    let code = state
        .store
        .units_in_scope(&s.actor)
        .await?
        .into_iter()
        .find(|u| u.id == f.unit.trim())
        .map(|u| u.code);
    if code.is_none() {
        errors.push(("unit".into(), "请选择本人权限范围内的承办单位".into()));
    }
    let input = CaseInput {
        number: f.number.clone(),
        title: f.title.clone(),
        kind: f.kind.clone(),
        unit_code: code.clone().unwrap_or_else(|| "-".into()),
        handler_badge: f.handler.clone(),
        leader_badge: f.leader.clone(),
        assistant_badges: f.assistants.clone(),
        received_on: f.received_on.clone(),
        gang: if f.gang.is_empty() {
            "否".into()
        } else {
            "是".into()
        },
        ..CaseInput::default()
    };
    let limits = state.store.case_stage_limits().await?;
    let valid = match validate_case(&input, &limits, store::clues::today()) {
        Ok(v) => Some(v),
        Err(es) => {
            errors.extend(
                es.into_iter()
                    .filter(|e| e.field != Some("unit"))
                    .map(|e| (e.field.unwrap_or("form").to_string(), e.message)),
            );
            None
        }
    };
    let Some(valid) = valid.filter(|_| errors.is_empty()) else {
        return render_new(&state, &s, f, errors).await;
    };
    let planned = state
        .store
        .plan_cases(&s.actor, std::slice::from_ref(&valid))
        .await?
        .pop();
    let case = match planned {
        Some(Ok(c)) => c,
        Some(Err(es)) => {
            let errors = es
                .into_iter()
                .map(|e| (e.field.unwrap_or("form").to_string(), e.message))
                .collect();
            return render_new(&state, &s, f, errors).await;
        }
        None => return Err(Error::bad("案件信息不完整，请检查后重试。")),
    };
    match state.store.add_case(&s.actor, &case).await {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let field = e.field.unwrap_or("form").to_string();
            render_new(&state, &s, f, vec![(field, e.message)]).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- stage time limits ----------

struct LimitCell {
    name: String,
    value: String,
    default: String,
    error: String,
}

struct LimitRow {
    kind: &'static str,
    cells: Vec<(&'static str, Option<LimitCell>)>,
}

#[derive(Template)]
#[template(path = "cases/limits.html")]
struct LimitsPage {
    nav: Nav,
    stages: Vec<&'static str>,
    rows: Vec<LimitRow>,
    can_set: bool,
    saved: bool,
    failed: bool,
}

/// The stages that can carry a limit, in order (结案 has none).
fn limited_stages() -> Vec<CaseStage> {
    CaseStage::all()
        .iter()
        .copied()
        .filter(|s| *s != CaseStage::Closed)
        .collect()
}

fn limit_rows(
    limits: &StageLimits,
    typed: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<LimitRow> {
    CaseKind::all()
        .iter()
        .map(|k| LimitRow {
            kind: k.label(),
            cells: limited_stages()
                .into_iter()
                .map(|s| {
                    let cell = k.stages().contains(&s).then(|| {
                        let name = format!("{}.{}", k.as_str(), s.as_str());
                        LimitCell {
                            value: typed.get(&name).cloned().unwrap_or_else(|| {
                                limits
                                    .limit_for(*k, s)
                                    .map(|n| n.to_string())
                                    .unwrap_or_default()
                            }),
                            default: default_limit(*k, s)
                                .map(|n| format!("默认{n}天"))
                                .unwrap_or_else(|| "默认不设期限".into()),
                            error: errors.get(&name).cloned().unwrap_or_default(),
                            name,
                        }
                    });
                    (s.label(), cell)
                })
                .collect(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn limits_page(
    State(state): State<AppState>,
    s: Staff,
    Query(sq): Query<SavedQuery>,
) -> Result<Response, Error> {
    if !(s.actor.role.can(Permission::ViewCases) || s.actor.role.can(Permission::ConfigureLimits)) {
        return Err(Error::Forbidden);
    }
    let limits = state.store.case_stage_limits().await?;
    Ok(page(&LimitsPage {
        nav: s.nav("/cases"),
        stages: limited_stages().iter().map(|s| s.label()).collect(),
        rows: limit_rows(&limits, &HashMap::new(), &HashMap::new()),
        can_set: s.actor.role.can(Permission::ConfigureLimits),
        saved: sq.saved.is_some(),
        failed: false,
    }))
}

async fn set_limits(
    State(state): State<AppState>,
    s: Staff,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, Error> {
    s.require(Permission::ConfigureLimits)?;
    s.check_csrf(form.get("csrf").map(String::as_str).unwrap_or(""))?;
    let mut limits = state.store.case_stage_limits().await?;
    let mut errors = HashMap::new();
    for k in CaseKind::all() {
        for st in k.stages().iter().filter(|s| **s != CaseStage::Closed) {
            let name = format!("{}.{}", k.as_str(), st.as_str());
            let Some(typed) = form.get(&name) else {
                continue;
            };
            match parse_limit(typed) {
                Ok(days) => limits.set(*k, *st, days),
                Err(e) => {
                    errors.insert(name, e.message);
                }
            }
        }
    }
    if !errors.is_empty() {
        let r = page(&LimitsPage {
            nav: s.nav("/cases"),
            stages: limited_stages().iter().map(|s| s.label()).collect(),
            rows: limit_rows(&limits, &form, &errors),
            can_set: true,
            saved: false,
            failed: true,
        });
        return Ok(bad_request(r));
    }
    state.store.set_case_stage_limits(&s.actor, &limits).await?;
    Ok(Redirect::to("/cases/limits?saved=1").into_response())
}
