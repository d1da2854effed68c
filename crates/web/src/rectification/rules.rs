//! The rules register (建章立制): rules drafted from the gaps ledger rows showed, adopted (施行), revised
//! and abolished, each linked to the rows that motivated it; list, .xlsx export and the rule page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::rectification::{RuleAction, RuleState};
use serde::Deserialize;
use store::rectification::{Item, NewRule, Rule};

use super::{EventRow, event_rows};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{
    CampaignPick, Opt, bad_request, export_xlsx, opts, pick_campaign, xlsx_download,
};
use crate::view::{Nav, Pager, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rectification/rules", get(list).post(create))
        .route("/rectification/rules/export", get(export))
        .route("/rectification/rules/{id}", get(detail))
        .route("/rectification/rules/{id}/step", post(step))
        .route("/rectification/rules/{id}/link", post(link))
}

pub fn rule_state_label(code: &str) -> &'static str {
    RuleState::parse(code).map(|s| s.label()).unwrap_or("未知")
}

/// Ledger numbers as typed: separated by spaces, commas (either width) or line breaks.
fn numbers(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|x| !x.is_empty())
        .take(100)
        .map(str::to_string)
        .collect()
}

#[derive(Deserialize, Default, Clone)]
struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    items: String,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    campaign: Option<String>,
    page: Option<u64>,
    /// A ledger number to prefill, from a row's page.
    item: Option<String>,
}

#[derive(Template)]
#[template(path = "rectification/rules.html")]
struct ListPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    rules: Vec<Rule>,
    pager: Pager,
    can_manage: bool,
    form: RuleForm,
    units: Vec<Opt>,
    error: Option<(String, String)>,
}

impl ListPage {
    fn err(&self, field: &str) -> &str {
        match &self.error {
            Some((f, m)) if f == field => m,
            _ => "",
        }
    }
}

async fn render_list(
    state: &AppState,
    s: &Staff,
    campaign: Option<&str>,
    page_no: u64,
    form: RuleForm,
    error: Option<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::ViewLedger)?;
    let pick = pick_campaign(state, &s.actor, campaign).await?;
    let per_page = 30;
    let page_no = page_no.clamp(1, 1_000_000);
    let (rules, total) = match &pick {
        Some(p) => {
            state
                .store
                .rules(&s.actor, p.id(), (page_no - 1) * per_page, per_page)
                .await?
        }
        None => (vec![], 0),
    };
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
    let base = format!(
        "campaign={}&",
        q(pick.as_ref().map(|p| p.id()).unwrap_or(""))
    );
    let failed = error.is_some();
    let r = page(&ListPage {
        nav: s.nav("/rectification/rules"),
        rules,
        pager: Pager::new(Some(page_no), per_page, total, base),
        can_manage: s.actor.role.can(Permission::ManageLedger),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            &chosen,
        ),
        form,
        error,
        pick,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    let form = RuleForm {
        items: lq
            .item
            .clone()
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect(),
        ..RuleForm::default()
    };
    render_list(
        &state,
        &s,
        lq.campaign.as_deref(),
        lq.page.unwrap_or(1),
        form,
        None,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<RuleForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageLedger)?;
    s.check_csrf(&f.csrf)?;
    let Some(pick) = pick_campaign(&state, &s.actor, Some(&f.campaign)).await? else {
        return Err(Error::NotFound);
    };
    let fail = |field: &str, msg: String| {
        render_list(
            &state,
            &s,
            Some(pick.id()),
            1,
            f.clone(),
            Some((field.to_string(), msg)),
        )
    };
    if state
        .store
        .campaign_unit(&s.actor, &pick.campaign, f.unit.trim())
        .await
        .is_err()
    {
        return fail(
            "unit",
            "请选择本次整顿范围内、本人权限范围内的制定单位".into(),
        )
        .await;
    }
    let n = NewRule {
        unit_id: f.unit.trim().to_string(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        item_numbers: numbers(&f.items),
    };
    match state.store.add_rule(&s.actor, pick.id(), &n).await {
        Ok(id) => Ok(Redirect::to(&format!("/rectification/rules/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let field = match e.field {
                Some("unit_id") => "unit",
                Some(other) => other,
                None => "form",
            };
            fail(field, e.message).await
        }
        Err(e) => Err(e.into()),
    }
}

const EXPORT_HEADERS: &[&str] = &[
    "编号",
    "制度名称",
    "制定单位",
    "状态",
    "修订次数",
    "施行日期",
    "最近修订",
    "废止日期",
    "关联整改事项数",
    "主要内容",
];

async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewLedger)?;
    let Some(pick) = pick_campaign(&state, &s.actor, lq.campaign.as_deref()).await? else {
        return Err(Error::NotFound);
    };
    let (st, actor, cid) = (state.clone(), s.actor.clone(), pick.id().to_string());
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "rules",
        "建章立制",
        EXPORT_HEADERS,
        move |after| {
            let (st, actor, cid) = (st.clone(), actor.clone(), cid.clone());
            async move {
                use reports::Cell::{Int, Text};
                let page = st.store.rules_after(&actor, &cid, &after, 2000).await?;
                let last = page.last().map(|r| r.id.clone()).unwrap_or_default();
                let rows = page
                    .into_iter()
                    .map(|r| {
                        vec![
                            Text(r.number),
                            Text(r.title),
                            Text(r.unit_name),
                            Text(rule_state_label(&r.state).into()),
                            Int(r.revision.into()),
                            Text(r.adopted_on.unwrap_or_default()),
                            Text(r.revised_on.unwrap_or_default()),
                            Text(r.abolished_on.unwrap_or_default()),
                            Int(r.items),
                            Text(r.summary),
                        ]
                    })
                    .collect();
                Ok((rows, last))
            }
        },
    )
    .await?;
    Ok(xlsx_download(
        bytes,
        "rules.xlsx",
        &format!("建章立制-{}.xlsx", store::clues::today().format("%Y%m%d")),
    ))
}

#[derive(Template)]
#[template(path = "rectification/rule.html")]
struct DetailPage {
    nav: Nav,
    r: Rule,
    items: Vec<Item>,
    events: Vec<EventRow>,
    actions: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    today: String,
    error: Option<(String, String)>,
}

impl DetailPage {
    fn err(&self, field: &str) -> &str {
        match &self.error {
            Some((f, m)) if f == field => m,
            _ => "",
        }
    }
}

async fn render_detail(
    state: &AppState,
    s: &Staff,
    id: &str,
    error: Option<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::ViewLedger)?;
    let r = state.store.rule_in_scope(&s.actor, id).await?;
    let st = RuleState::parse(&r.state)?;
    let failed = error.is_some();
    let p = page(&DetailPage {
        nav: s.nav("/rectification/rules"),
        items: state.store.rule_items(&s.actor, id).await?,
        events: event_rows(state.store.rule_events(&s.actor, id).await?),
        actions: domain::rectification::allowed_rule_actions(st)
            .iter()
            .map(|a| (a.name(), a.label()))
            .collect(),
        can_manage: s.actor.role.can(Permission::ManageLedger),
        today: store::clues::today().to_string(),
        error,
        r,
    });
    Ok(if failed { bad_request(p) } else { p })
}

async fn detail(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    render_detail(&state, &s, &id, None).await
}

#[derive(Deserialize)]
struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
}

async fn step(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageLedger)?;
    s.check_csrf(&f.csrf)?;
    state.store.rule_in_scope(&s.actor, &id).await?;
    let fail =
        |field: &str, msg: String| render_detail(&state, &s, &id, Some((field.to_string(), msg)));
    let action = match RuleAction::parse(&f.action) {
        Ok(a) => a,
        Err(e) => return fail("form", e.message).await,
    };
    let Ok(on) = NaiveDate::parse_from_str(f.on.trim(), "%Y-%m-%d") else {
        return fail(action.name(), "请按 YYYY-MM-DD 格式填写日期".into()).await;
    };
    match state
        .store
        .rule_step(&s.actor, &id, action, on, &f.note)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/rectification/rules/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => fail(action.name(), e.message).await,
        Err(store::StoreError::Conflict(m)) => fail("form", m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    items: String,
}

async fn link(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<LinkForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageLedger)?;
    s.check_csrf(&f.csrf)?;
    state.store.rule_in_scope(&s.actor, &id).await?;
    match state
        .store
        .link_rule_items(&s.actor, &id, &numbers(&f.items))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/rectification/rules/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            render_detail(&state, &s, &id, Some(("link".into(), e.message))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ledger_numbers_split_on_any_separator() {
        assert_eq!(
            super::numbers(" ZG-2025-000001，ZG-2025-000002\nZG-2025-000003、 "),
            vec!["ZG-2025-000001", "ZG-2025-000002", "ZG-2025-000003"]
        );
        assert!(super::numbers("  ").is_empty());
    }
}
