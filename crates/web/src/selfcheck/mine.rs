//! An officer's own self-report (自查事项报告): one answer per problem category, filed and amended while
//! the window is open, every version kept and listed. Built to work on a phone.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use domain::access::Permission;
use domain::selfcheck::{Section, SectionInput};
use domain::tips::ProblemCategory;
use serde::Deserialize;
use store::selfcheck::VersionView;

use super::{CampaignPick, VersionRow, bad_request, pick_campaign, version_rows, window_text};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, page, q};

pub fn routes() -> Router<AppState> {
    Router::new().route("/selfcheck", get(mine).post(file))
}

// ---------- an officer's own report ----------

struct CategoryField {
    code: &'static str,
    label: &'static str,
    stubborn: bool,
    /// "无" chosen (`Some(false)`), "有" chosen (`Some(true)`), or neither.
    has: Option<bool>,
    text: String,
    error: String,
}

#[derive(Template)]
#[template(path = "selfcheck/mine.html")]
struct MinePage {
    nav: Nav,
    pick: Option<CampaignPick>,
    window: String,
    open: bool,
    closed_note: String,
    fields: Vec<CategoryField>,
    versions: Vec<VersionRow>,
    next_version: i32,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct CampaignQuery {
    campaign: Option<String>,
    filed: Option<i32>,
}

fn fields_from(latest: Option<&VersionView>) -> Vec<CategoryField> {
    ProblemCategory::all()
        .iter()
        .map(|c| {
            let s = latest
                .and_then(|v| v.sections.iter().find(|(k, _)| k == c))
                .map(|(_, s)| s);
            CategoryField {
                code: c.as_str(),
                label: c.label(),
                stubborn: c.is_stubborn(),
                has: s.map(|s| matches!(s, Section::Text(_))),
                text: match s {
                    Some(Section::Text(t)) => t.clone(),
                    _ => String::new(),
                },
                error: String::new(),
            }
        })
        .collect()
}

async fn render_mine(
    state: &AppState,
    s: &Staff,
    campaign: Option<&str>,
    fields: Option<Vec<CategoryField>>,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::FileSelfReport)?;
    if s.actor.officer_id.is_none() {
        return Err(Error::bad(
            "您的账号没有关联花名册中的干警，不能填报自查事项报告，请联系系统管理员。",
        ));
    }
    let pick = pick_campaign(state, &s.actor, campaign).await?;
    let (mut window, mut open, mut versions, mut next_version, mut closed_note) =
        (None, false, Vec::new(), 1, String::new());
    let mut latest_fields = fields_from(None);
    if let Some(p) = &pick {
        window = state.store.selfcheck_window(p.id()).await?;
        let today = store::clues::today();
        open = window.is_some_and(|w| w.is_open_on(today));
        closed_note = match window {
            None => "本次整顿尚未设定自查期限，设定后即可填报。".into(),
            Some(w) if today < w.opens => format!("自查期限自{}开始，届时即可填报。", w.opens),
            Some(w) if today > w.closes => {
                format!("自查期限已于{}截止，报告不能再修改。", w.closes)
            }
            Some(_) => String::new(),
        };
        if let Some((summary, vs)) = state.store.my_self_report(&s.actor, p.id()).await? {
            next_version = summary.latest_version + 1;
            latest_fields = fields_from(vs.first());
            versions = version_rows(&vs);
        }
    }
    let failed = error.is_some()
        || fields
            .as_ref()
            .is_some_and(|f| f.iter().any(|x| !x.error.is_empty()));
    let r = page(&MinePage {
        nav: s.nav("/selfcheck"),
        window: window_text(&window),
        open,
        closed_note,
        fields: fields.unwrap_or(latest_fields),
        versions,
        next_version,
        message,
        error,
        pick,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn mine(
    State(state): State<AppState>,
    s: Staff,
    Query(cq): Query<CampaignQuery>,
) -> Result<Response, Error> {
    let message = cq.filed.map(|v| {
        if v <= 1 {
            "自查事项报告已提交。".to_string()
        } else {
            format!("已提交修改，保存为第{v}版；此前各版本均保留。")
        }
    });
    render_mine(&state, &s, cq.campaign.as_deref(), None, message, None).await
}

/// The report form: `campaign`, `csrf`, and for each category `a_<code>` ("nil" or "text") and `t_<code>`.
async fn file(
    State(state): State<AppState>,
    s: Staff,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    s.require(Permission::FileSelfReport)?;
    let f: HashMap<String, String> = form.into_iter().collect();
    let field = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    s.check_csrf(field("csrf"))?;
    let campaign = field("campaign").to_string();
    let Some(pick) = pick_campaign(&state, &s.actor, Some(&campaign)).await? else {
        return Err(Error::NotFound);
    };
    let inputs: Vec<SectionInput> = ProblemCategory::all()
        .iter()
        .map(|c| SectionInput {
            category: *c,
            has_problem: match field(&format!("a_{}", c.as_str())) {
                "nil" => Some(false),
                "text" => Some(true),
                _ => None,
            },
            text: field(&format!("t_{}", c.as_str())).to_string(),
        })
        .collect();
    // What was typed goes back into the form whatever happens next.
    let mut typed: Vec<CategoryField> = inputs
        .iter()
        .map(|i| CategoryField {
            code: i.category.as_str(),
            label: i.category.label(),
            stubborn: i.category.is_stubborn(),
            has: i.has_problem,
            text: i.text.chars().take(3000).collect(),
            error: String::new(),
        })
        .collect();
    let sections = match domain::selfcheck::validate_report(&inputs) {
        Ok(s) => s,
        Err(errors) => {
            for (c, m) in errors {
                if let Some(t) = typed.iter_mut().find(|t| t.code == c.as_str()) {
                    t.error = m;
                }
            }
            return render_mine(
                &state,
                &s,
                Some(pick.id()),
                Some(typed),
                None,
                Some("报告有未填写完整的地方，请按提示修改后重新提交。".into()),
            )
            .await;
        }
    };
    match state
        .store
        .file_self_report(&s.actor, pick.id(), &sections)
        .await
    {
        Ok(v) => Ok(
            Redirect::to(&format!("/selfcheck?campaign={}&filed={v}", q(pick.id())))
                .into_response(),
        ),
        Err(store::StoreError::Invalid(e)) => {
            render_mine(
                &state,
                &s,
                Some(pick.id()),
                Some(typed),
                None,
                Some(e.message),
            )
            .await
        }
        Err(store::StoreError::Conflict(m)) => {
            render_mine(&state, &s, Some(pick.id()), Some(typed), None, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}
