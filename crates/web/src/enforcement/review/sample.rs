//! One sampled case: the register's facts with who decided each stage, the score sheet (for the reviewer
//! it was given to), the grade with its reasons, the defects and their rectification rows, and — for a
//! case graded 不合格 — trace-back (跟进倒查, 一案双查): the deciding persons and the responsible leader,
//! with a clue opened about each in one step.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Days;
use domain::access::Permission;
use domain::enforcement::cases::{CaseOutcome, CaseStage};
use domain::enforcement::review::{
    Dimension, GradeDecision, RectifyInput, ScoreInput, Scores, defects_field, points_field,
};
use domain::tips::ProblemCategory;
use serde::Deserialize;
use store::enforcement::review::SampleDetail;

use crate::AppState;
use crate::auth::Staff;
use crate::campaign::field;
use crate::error::Error;
use crate::selfcheck::{Opt, bad_request, opts};
use crate::view::{Nav, fmt_time, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews/samples/{id}", get(sample_page))
        .route("/reviews/samples/{id}/score", post(score))
        .route("/reviews/samples/{id}/ledger", post(ledger))
        .route("/reviews/samples/{id}/traceback", post(traceback))
}

fn stage_label(code: &str) -> String {
    CaseStage::parse(code)
        .map(|s| s.label().to_string())
        .unwrap_or_else(|_| code.to_string())
}

#[derive(Deserialize, Default, Clone)]
struct ScoreForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    points_facts: String,
    #[serde(default)]
    points_law: String,
    #[serde(default)]
    points_procedure: String,
    #[serde(default)]
    points_documents: String,
    #[serde(default)]
    points_effect: String,
    #[serde(default)]
    defects_facts: String,
    #[serde(default)]
    defects_law: String,
    #[serde(default)]
    defects_procedure: String,
    #[serde(default)]
    defects_documents: String,
    #[serde(default)]
    defects_effect: String,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    rect_category: String,
    #[serde(default)]
    rect_measures: String,
    #[serde(default)]
    rect_deadline: String,
}

impl ScoreForm {
    fn blank() -> ScoreForm {
        ScoreForm {
            rect_category: ProblemCategory::Other.as_str().into(),
            rect_measures: "对照评查意见逐项整改，举一反三完善办案流程和制度".into(),
            rect_deadline: store::clues::today()
                .checked_add_days(Days::new(30))
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            ..Default::default()
        }
    }

    fn points(&self) -> [String; 5] {
        [
            self.points_facts.clone(),
            self.points_law.clone(),
            self.points_procedure.clone(),
            self.points_documents.clone(),
            self.points_effect.clone(),
        ]
    }

    fn defects(&self) -> [String; 5] {
        [
            self.defects_facts.clone(),
            self.defects_law.clone(),
            self.defects_procedure.clone(),
            self.defects_documents.clone(),
            self.defects_effect.clone(),
        ]
    }
}

/// One row of the score sheet, as a form row or as a result.
struct DimLine {
    label: &'static str,
    max: u32,
    points_name: &'static str,
    defects_name: &'static str,
    points_value: String,
    defects_value: String,
}

struct StageLine {
    stage: String,
    started_on: String,
    due_on: String,
    ended_on: String,
    decision: String,
    decider: String,
    overdue: bool,
}

struct DefectLine {
    dimension: &'static str,
    text: String,
    ledger: Option<(String, String)>,
}

struct PersonLine {
    key: String,
    name: String,
    duties: String,
    on_roster: bool,
    clue: Option<(String, String)>,
    /// Whether a clue exists is shown only to those who open them, and never to the person it is about.
    clue_hidden: bool,
}

#[derive(Template)]
#[template(path = "reviews/sample.html")]
struct SamplePage {
    nav: Nav,
    d: SampleDetail,
    kind: &'static str,
    stage: String,
    outcome: String,
    stages: Vec<StageLine>,
    can_score: bool,
    dims: Vec<DimLine>,
    form: ScoreForm,
    categories: Vec<Opt>,
    decision: Option<GradeDecision>,
    grade: &'static str,
    defects: Vec<DefectLine>,
    waiting: usize,
    campaign: Option<String>,
    can_ledger: bool,
    failed: bool,
    deciders: Vec<(String, String)>,
    people: Vec<PersonLine>,
    can_trace: bool,
    can_read_clues: bool,
    trace_categories: Vec<Opt>,
    message: Option<String>,
    errors: Vec<(String, String)>,
    scored_at: String,
}

impl SamplePage {
    fn err(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

async fn render_sample(
    state: &AppState,
    s: &Staff,
    id: &str,
    form: Option<ScoreForm>,
    message: Option<String>,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::ViewReviews)?;
    let d = state.store.review_sample_in_scope(&s.actor, id).await?;
    let today = store::clues::today().format("%Y-%m-%d").to_string();
    let stages = d
        .stages
        .iter()
        .map(|st| StageLine {
            stage: stage_label(&st.stage),
            started_on: st.started_on.clone(),
            due_on: st.due_on.clone().unwrap_or_default(),
            ended_on: st.ended_on.clone().unwrap_or_default(),
            decision: st.decision.clone().unwrap_or_default(),
            decider: st.decider_name.clone().unwrap_or_default(),
            overdue: match (&st.due_on, &st.ended_on) {
                (Some(due), Some(end)) => end > due,
                (Some(due), None) => due.as_str() < today.as_str(),
                _ => false,
            },
        })
        .collect();
    let scored = d.row.scored_at.is_some();
    let can_score = !scored
        && s.actor.role.can(Permission::ScoreReviews)
        && d.row.reviewer_id.as_deref() == Some(s.actor.user_id.as_str());
    let form = form.unwrap_or_else(ScoreForm::blank);
    let (points, defect_texts) = (form.points(), form.defects());
    let dims = Dimension::all()
        .iter()
        .enumerate()
        .map(|(i, dim)| DimLine {
            label: dim.label(),
            max: dim.max_points(),
            points_name: points_field(*dim),
            defects_name: defects_field(*dim),
            points_value: match d.points {
                Some(p) => p[i].to_string(),
                None => points[i].clone(),
            },
            defects_value: defect_texts[i].clone(),
        })
        .collect();
    // The reasons are not stored: the rule is pure, so they are worked out again from the sheet.
    let decision = d.points.map(|p| {
        domain::enforcement::review::grade(&Scores(p.map(|x| x.max(0) as u32)), d.defect_list.len())
    });
    let defects: Vec<DefectLine> = d
        .defect_list
        .iter()
        .map(|x| DefectLine {
            dimension: Dimension::parse(&x.dimension)
                .map(|d| d.label())
                .unwrap_or("其他"),
            text: x.description.clone(),
            ledger: x
                .rectification_id
                .clone()
                .zip(x.rectification_number.clone()),
        })
        .collect();
    let waiting = defects.iter().filter(|x| x.ledger.is_none()).count();
    let campaign = if waiting > 0 {
        state
            .store
            .newest_campaign_covering(&d.row.unit_id)
            .await?
            .map(|(_, name)| name)
    } else {
        None
    };
    let failed = d.row.grade.as_deref() == Some("failed");
    let deciders = d
        .stages
        .iter()
        .filter_map(|st| {
            st.decider_name
                .as_deref()
                .filter(|n| !n.trim().is_empty())
                .map(|n| (stage_label(&st.stage), n.to_string()))
        })
        .collect();
    let people = d
        .accountable
        .iter()
        .map(|a| PersonLine {
            key: a.key.clone(),
            name: a.name.clone(),
            duties: a.duties.join("、"),
            on_roster: a.officer_id.is_some(),
            clue: d
                .traces
                .iter()
                .find(|t| t.person_key == a.key)
                .map(|t| (t.clue_id.clone(), t.clue_number.clone())),
            clue_hidden: !s.actor.role.can(Permission::RegisterClue)
                || (a.officer_id.is_some() && a.officer_id == s.actor.officer_id),
        })
        .collect::<Vec<_>>();
    let can_trace = failed
        && s.actor.role.can(Permission::RegisterClue)
        && people.iter().any(|p| p.clue.is_none());
    let failed_render = !errors.is_empty();
    let grade = d
        .row
        .grade
        .as_deref()
        .map(super::grade_label)
        .unwrap_or("待评查");
    let r = page(&SamplePage {
        nav: s.nav("/reviews"),
        kind: super::kind_label(&d.row.case_kind),
        stage: stage_label(&d.case.stage),
        outcome: d
            .case
            .outcome
            .as_deref()
            .map(|o| {
                CaseOutcome::parse(o)
                    .map(|x| x.label().to_string())
                    .unwrap_or_else(|_| o.to_string())
            })
            .unwrap_or_default(),
        stages,
        can_score,
        dims,
        categories: opts(
            ProblemCategory::all()
                .iter()
                .map(|c| (c.as_str(), c.label())),
            &form.rect_category,
        ),
        form,
        decision,
        grade,
        defects,
        waiting,
        campaign,
        can_ledger: waiting > 0
            && (s.actor.role.can(Permission::ScoreReviews)
                || s.actor.role.can(Permission::ManageReviews)),
        failed,
        deciders,
        people,
        can_trace,
        can_read_clues: s.actor.role.can(Permission::ReadClues),
        trace_categories: opts(
            [
                ProblemCategory::JudicialCorruption,
                ProblemCategory::Conduct,
            ]
            .iter()
            .map(|c| (c.as_str(), c.label())),
            ProblemCategory::JudicialCorruption.as_str(),
        ),
        message,
        errors,
        scored_at: d.row.scored_at.map(fmt_time).unwrap_or_default(),
        d,
    });
    Ok(if failed_render { bad_request(r) } else { r })
}

#[derive(Deserialize, Default)]
struct SampleQuery {
    saved: Option<String>,
    opened: Option<usize>,
    ledger: Option<String>,
}

async fn sample_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Query(q): Query<SampleQuery>,
) -> Result<Response, Error> {
    let message = if q.saved.is_some() {
        Some("评查结果已保存。".to_string())
    } else if let Some(n) = q.opened {
        Some(format!("已启动跟进倒查，登记问题线索{n}条。"))
    } else if q.ledger.is_some() {
        Some("已处理评查发现的问题与整改台账。".to_string())
    } else {
        None
    };
    render_sample(&state, &s, &id, None, message, vec![]).await
}

async fn score(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<ScoreForm>,
) -> Result<Response, Error> {
    s.require(Permission::ScoreReviews)?;
    s.check_csrf(&f.csrf)?;
    state.store.review_sample_in_scope(&s.actor, &id).await?;
    let input = ScoreInput {
        points: f.points(),
        defects: f.defects(),
        opinion: f.opinion.clone(),
    };
    let mut errors: Vec<(String, String)> = Vec::new();
    let sheet = match domain::enforcement::review::validate_score(&input) {
        Ok(v) => Some(v),
        Err(es) => {
            errors.extend(
                es.into_iter()
                    .map(|e| (e.field.unwrap_or("form").to_string(), e.message)),
            );
            None
        }
    };
    // The ledger's part of the sheet matters only when something was found.
    let has_defects = f.defects().iter().any(|t| !t.trim().is_empty());
    let rectify = if has_defects {
        match domain::enforcement::review::validate_rectify(
            &RectifyInput {
                category: f.rect_category.clone(),
                measures: f.rect_measures.clone(),
                deadline: f.rect_deadline.clone(),
            },
            store::clues::today(),
        ) {
            Ok(r) => Some(r),
            Err(es) => {
                errors.extend(
                    es.into_iter()
                        .map(|e| (e.field.unwrap_or("form").to_string(), e.message)),
                );
                None
            }
        }
    } else {
        None
    };
    let Some(sheet) = sheet.filter(|_| errors.is_empty()) else {
        return render_sample(&state, &s, &id, Some(f), None, errors).await;
    };
    match state
        .store
        .score_review_sample(&s.actor, &id, &sheet, rectify.as_ref())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/reviews/samples/{id}?saved=1")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let field = e.field.unwrap_or("form").to_string();
            render_sample(&state, &s, &id, Some(f), None, vec![(field, e.message)]).await
        }
        Err(store::StoreError::Conflict(m)) => {
            render_sample(&state, &s, &id, Some(f), None, vec![("form".into(), m)]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn ledger(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    if !(s.actor.role.can(Permission::ScoreReviews) || s.actor.role.can(Permission::ManageReviews))
    {
        return Err(Error::Forbidden);
    }
    s.check_csrf(&f.csrf)?;
    match state.store.ledger_review_defects(&s.actor, &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/reviews/samples/{id}?ledger=1")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            render_sample(
                &state,
                &s,
                &id,
                None,
                None,
                vec![("ledger".into(), e.message)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn traceback(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    s.require(Permission::ViewReviews)?;
    s.require(Permission::RegisterClue)?;
    s.check_csrf(field(&pairs, "csrf"))?;
    let people: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "person")
        .map(|(_, v)| v.clone())
        .collect();
    let result = match ProblemCategory::parse(field(&pairs, "category")) {
        Ok(category) => {
            state
                .store
                .open_traceback_clues(&s.actor, &id, &people, category)
                .await
        }
        Err(_) => Err(store::StoreError::invalid(
            "category",
            "请选择倒查线索的问题类别",
        )),
    };
    match result {
        Ok(opened) => Ok(
            Redirect::to(&format!("/reviews/samples/{id}?opened={}", opened.len())).into_response(),
        ),
        Err(store::StoreError::Invalid(e)) => {
            let field = e.field.unwrap_or("people").to_string();
            render_sample(&state, &s, &id, None, None, vec![(field, e.message)]).await
        }
        Err(e) => Err(e.into()),
    }
}
