//! The officer's side on a phone: signing in to an activity with the code shown at the venue, and
//! "my study" (hours, tests, essays and whether the requirement is met, with the reasons).

use std::sync::{LazyLock, Mutex};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use domain::DomainError;
use domain::access::Permission;
use domain::limiter::RateLimiter;
use domain::study::StudyRequirement;
use domain::study::fmt_hours;
use serde::Deserialize;
use store::StoreError;
use store::study::{Activity, Essay, EssayFilter, OfficerStudy, OfficerTest, SignInOutcome};

use super::{Campaigns, FieldErrors, Opt, render};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, fmt_time};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/study/signin", get(signin_page).post(signin))
        .route("/study/me", get(me))
}

/// Wrong codes an account may try: a handful at once, then one every ten seconds. Guessing one of a
/// million codes valid for two minutes stays hopeless; a person mistyping twice is not slowed down.
static ATTEMPTS: LazyLock<Mutex<RateLimiter>> =
    LazyLock::new(|| Mutex::new(RateLimiter::new(8, 6, 100_000, 600_000)));

fn allow(user_id: &str) -> bool {
    ATTEMPTS
        .lock()
        .map(|mut l| l.check(user_id, store::now_ms()))
        .unwrap_or(false)
}

#[derive(Template)]
#[template(path = "study/signin.html")]
struct SigninPage {
    nav: Nav,
    choices: Vec<Opt>,
    code: String,
    errors: FieldErrors,
    done: Option<String>,
}

async fn signin_for(
    state: &AppState,
    s: &Staff,
    chosen: &str,
    code: &str,
    errors: FieldErrors,
    done: Option<String>,
) -> Result<Response, Error> {
    let choices: Vec<Activity> = match state.store.signin_choices(&s.actor, store::now_ms()).await {
        Ok(c) => c,
        Err(StoreError::Invalid(e)) => return Err(Error::Invalid(e)),
        Err(e) => return Err(e.into()),
    };
    let only = if choices.len() == 1 {
        choices[0].id.clone()
    } else {
        chosen.to_string()
    };
    let failed = errors.any();
    Ok(render(
        &SigninPage {
            nav: s.nav("/study/signin"),
            choices: choices
                .iter()
                .map(|a| Opt {
                    value: a.id.clone(),
                    label: format!("{}（{}，{}）", a.title, a.venue, a.unit_name),
                    selected: a.id == only,
                })
                .collect(),
            code: code.chars().filter(char::is_ascii_digit).take(6).collect(),
            errors,
            done,
        },
        failed,
    ))
}

async fn signin_page(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    s.require(Permission::TakeStudy)?;
    signin_for(&state, &s, "", "", FieldErrors::default(), None).await
}

#[derive(Deserialize)]
struct SigninForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    activity_id: String,
    #[serde(default)]
    code: String,
}

async fn signin(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<SigninForm>,
) -> Result<Response, Error> {
    s.require(Permission::TakeStudy)?;
    s.check_csrf(&f.csrf)?;
    if !allow(&s.actor.user_id) {
        return Err(Error::TooMany);
    }
    let activity = Some(f.activity_id.as_str()).filter(|a| !a.is_empty());
    match state
        .store
        .sign_in_with_code(&s.actor, activity, &f.code, store::now_ms())
        .await
    {
        Ok(SignInOutcome::Signed { title, at }) => {
            signin_for(
                &state,
                &s,
                &f.activity_id,
                "",
                FieldErrors::default(),
                Some(format!("签到成功：{title}，签到时间{}。", fmt_time(at))),
            )
            .await
        }
        Ok(SignInOutcome::Already { title, at }) => {
            signin_for(
                &state,
                &s,
                &f.activity_id,
                "",
                FieldErrors::default(),
                Some(format!(
                    "您已于{}签到「{title}」，无需重复签到。",
                    fmt_time(at)
                )),
            )
            .await
        }
        Err(StoreError::Invalid(e)) => {
            signin_for(
                &state,
                &s,
                &f.activity_id,
                &f.code,
                FieldErrors(vec![e]),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- my study ----------

#[derive(Deserialize, Default)]
struct MeQuery {
    campaign: Option<String>,
}

#[derive(Template)]
#[template(path = "study/me.html")]
struct MePage {
    nav: Nav,
    campaigns: Vec<Opt>,
    campaign: String,
    req: StudyRequirement,
    me: Option<OfficerStudy>,
    attended: Vec<(Activity, Option<i64>)>,
    tests: Vec<OfficerTest>,
    essays: Vec<Essay>,
    problem: Option<String>,
}

impl MePage {
    fn hours(&self, m: &i64) -> String {
        fmt_hours(*m)
    }
    fn required(&self) -> String {
        fmt_hours(i64::from(self.req.required_minutes))
    }
    fn time(&self, ms: &Option<i64>) -> String {
        ms.map(fmt_time).unwrap_or_else(|| "—".into())
    }
}

async fn me(
    State(state): State<AppState>,
    s: Staff,
    Query(mq): Query<MeQuery>,
) -> Result<Response, Error> {
    s.require(Permission::TakeStudy)?;
    let c = Campaigns::load(&state, mq.campaign.as_deref()).await?;
    let now = store::now_ms();
    let mut page = MePage {
        nav: s.nav("/study/me"),
        campaigns: c.options(),
        campaign: c.id().to_string(),
        req: StudyRequirement::default(),
        me: None,
        attended: vec![],
        tests: vec![],
        essays: vec![],
        problem: None,
    };
    if c.current.is_none() {
        page.problem = Some("目前没有进行中的整顿活动。".into());
        return Ok(render(&page, false));
    }
    page.req = state.store.study_requirement(c.id()).await?;
    let result: Result<(), StoreError> = async {
        page.me = Some(state.store.my_study(&s.actor, c.id()).await?);
        page.attended = state.store.my_activities(&s.actor, c.id()).await?;
        page.tests = state
            .store
            .officer_tests(&s.actor, now)
            .await?
            .into_iter()
            .filter(|t| t.test.campaign_id == c.id())
            .collect();
        page.essays = state
            .store
            .essays(
                &s.actor,
                &EssayFilter {
                    campaign_id: Some(c.id().to_string()),
                    state: None,
                },
                0,
                50,
            )
            .await?
            .0;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {}
        // An account not linked to the roster sees why instead of an error page.
        Err(StoreError::Invalid(DomainError { message, .. })) => page.problem = Some(message),
        Err(e) => return Err(e.into()),
    }
    Ok(render(&page, false))
}
