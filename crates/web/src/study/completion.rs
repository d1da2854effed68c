//! Completion: the campaign's study requirement (set by the office), the rate of every unit in scope with
//! a chart, and the officers of a unit (or of the whole scope) with whether they finished and why, with
//! the list of those who have not finished exportable to .xlsx.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::study::{StudyRequirement, fmt_hours};
use reports::Cell;
use serde::Deserialize;
use store::StoreError;
use store::study::{OfficerStudy, UnitCompletion};

use super::{Campaigns, FieldErrors, Opt, export_xlsx, render, stamp, xlsx_download};
use crate::AppState;
use crate::auth::Staff;
use crate::charts;
use crate::error::Error;
use crate::view::{Nav, Pager, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/study/completion", get(by_unit))
        .route("/study/completion/requirement", post(set_requirement))
        .route("/study/completion/officers", get(officers))
        .route("/study/completion/officers.xlsx", get(export))
        .route("/study/completion.xlsx", get(units_export))
}

#[derive(Deserialize, Default)]
struct UnitQuery {
    campaign: Option<String>,
    saved: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct ReqForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    required_hours: String,
    #[serde(default)]
    require_test: String,
    #[serde(default)]
    required_essays: String,
}

#[derive(Template)]
#[template(path = "study/completion.html")]
struct UnitsPage {
    nav: Nav,
    campaigns: Vec<Opt>,
    campaign: String,
    req: StudyRequirement,
    units: Vec<UnitCompletion>,
    done: i64,
    total: i64,
    chart: String,
    can_set: bool,
    form: ReqForm,
    errors: FieldErrors,
    message: Option<String>,
}

impl UnitsPage {
    fn required(&self) -> String {
        fmt_hours(i64::from(self.req.required_minutes))
    }
    fn indent(&self, depth: &usize) -> String {
        "　".repeat(*depth)
    }
    fn rate(&self) -> f64 {
        domain::study::rate_percent(self.done, self.total)
    }
}

async fn units_for(
    state: &AppState,
    s: &Staff,
    campaign: Option<&str>,
    form: Option<ReqForm>,
    errors: FieldErrors,
    message: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewStudyProgress)?;
    let c = Campaigns::load(state, campaign).await?;
    let (req, units) = if c.current.is_some() {
        (
            state.store.study_requirement(c.id()).await?,
            state
                .store
                .study_completion_by_unit(&s.actor, c.id())
                .await?,
        )
    } else {
        (StudyRequirement::default(), vec![])
    };
    let done = units.iter().map(|u| u.done).sum();
    let total = units.iter().map(|u| u.total).sum();
    // The chart shows the units with the most officers still to finish: where attention is needed.
    let mut behind: Vec<(String, i64)> = units
        .iter()
        .filter(|u| u.total > u.done)
        .map(|u| (u.unit_name.clone(), u.total - u.done))
        .collect();
    behind.sort_by_key(|b| std::cmp::Reverse(b.1));
    behind.truncate(12);
    let form = form.unwrap_or_else(|| ReqForm {
        campaign: c.id().to_string(),
        required_hours: fmt_hours(i64::from(req.required_minutes)),
        require_test: if req.require_test {
            "1".into()
        } else {
            String::new()
        },
        required_essays: req.required_essays.to_string(),
        ..ReqForm::default()
    });
    let failed = errors.any();
    Ok(render(
        &UnitsPage {
            nav: s.nav("/study/completion"),
            campaigns: c.options(),
            campaign: c.id().to_string(),
            req,
            units,
            done,
            total,
            chart: charts::bars("未完成学习的人数（前12个单位）", &behind),
            can_set: s.actor.role.can(Permission::SetStudyRequirement),
            form,
            errors,
            message,
        },
        failed,
    ))
}

async fn by_unit(
    State(state): State<AppState>,
    s: Staff,
    Query(uq): Query<UnitQuery>,
) -> Result<Response, Error> {
    units_for(
        &state,
        &s,
        uq.campaign.as_deref(),
        None,
        FieldErrors::default(),
        uq.saved.map(|_| "学习要求已保存。".to_string()),
    )
    .await
}

async fn set_requirement(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<ReqForm>,
) -> Result<Response, Error> {
    s.require(Permission::SetStudyRequirement)?;
    s.check_csrf(&f.csrf)?;
    let campaign = f.campaign.clone();
    let req =
        match StudyRequirement::parse(&f.required_hours, f.require_test == "1", &f.required_essays)
        {
            Ok(r) => r,
            Err(errs) => {
                return units_for(
                    &state,
                    &s,
                    Some(&campaign),
                    Some(f),
                    FieldErrors(errs),
                    None,
                )
                .await;
            }
        };
    match state
        .store
        .set_study_requirement(&s.actor, &f.campaign, &req)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/study/completion?campaign={}&saved=1",
            q(&campaign)
        ))
        .into_response()),
        Err(StoreError::Invalid(e)) => {
            units_for(
                &state,
                &s,
                Some(&campaign),
                Some(f),
                FieldErrors(vec![e]),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct OfficerQuery {
    campaign: Option<String>,
    unit: Option<String>,
    unfinished: Option<String>,
    page: Option<u64>,
}

impl OfficerQuery {
    fn unit(&self) -> Option<&str> {
        self.unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }
    fn unfinished(&self) -> bool {
        self.unfinished.as_deref().is_some_and(|u| !u.is_empty())
    }
}

#[derive(Template)]
#[template(path = "study/completion_officers.html")]
struct OfficersPage {
    nav: Nav,
    campaigns: Vec<Opt>,
    units: Vec<Opt>,
    unfinished: bool,
    officers: Vec<OfficerStudy>,
    pager: Pager,
    export_link: String,
}

impl OfficersPage {
    fn hours(&self, m: &i64) -> String {
        fmt_hours(*m)
    }
}

async fn officers(
    State(state): State<AppState>,
    s: Staff,
    Query(oq): Query<OfficerQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewStudyProgress)?;
    let c = Campaigns::load(&state, oq.campaign.as_deref()).await?;
    // A unit outside scope answers 404 like any other row.
    if let Some(u) = oq.unit() {
        state.store.unit_in_scope(&s.actor, u).await?;
    }
    let per_page = 50;
    let page_no = oq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (officers, total) = if c.current.is_some() {
        state
            .store
            .study_officers(
                &s.actor,
                c.id(),
                oq.unit(),
                oq.unfinished(),
                (page_no - 1) * per_page,
                per_page,
            )
            .await?
    } else {
        (vec![], 0)
    };
    let units = state.store.units_in_scope(&s.actor).await?;
    let sel = oq.unit().unwrap_or("").to_string();
    let base = format!(
        "campaign={}&unit={}&{}",
        q(c.id()),
        q(&sel),
        if oq.unfinished() { "unfinished=1&" } else { "" }
    );
    Ok(render(
        &OfficersPage {
            nav: s.nav("/study/completion"),
            campaigns: c.options(),
            units: units
                .iter()
                .map(|u| Opt {
                    value: u.id.clone(),
                    label: format!("{}{}", "　".repeat(u.depth), u.name),
                    selected: u.id == sel,
                })
                .collect(),
            unfinished: oq.unfinished(),
            officers,
            pager: Pager::new(Some(page_no), per_page, total, base.clone()),
            export_link: format!("/study/completion/officers.xlsx?{base}"),
        },
        false,
    ))
}

const EXPORT_HEADERS: &[&str] = &[
    "警号",
    "姓名",
    "单位",
    "学时（小时）",
    "测试",
    "最好成绩（%）",
    "通过审核的体会文章",
    "是否完成",
    "说明",
];

async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(oq): Query<OfficerQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewStudyProgress)?;
    let c = Campaigns::load(&state, oq.campaign.as_deref()).await?;
    if let Some(u) = oq.unit() {
        state.store.unit_in_scope(&s.actor, u).await?;
    }
    let campaign = c.id().to_string();
    let (actor, st, cid) = (s.actor.clone(), state.clone(), campaign.clone());
    let unit = oq.unit().map(str::to_string);
    let unfinished = oq.unfinished();
    let (bytes, n) = export_xlsx("学习完成情况", EXPORT_HEADERS, move |tx| async move {
        let mut after = String::new();
        let mut n = 0u64;
        loop {
            let (page, next) = st
                .store
                .study_officers_after(&actor, &cid, unit.as_deref(), unfinished, &after, 5000)
                .await?;
            for o in page {
                n += 1;
                let row = vec![
                    Cell::Text(o.badge.clone()),
                    Cell::Text(o.name.clone()),
                    Cell::Text(o.unit_name.clone()),
                    Cell::Text(fmt_hours(o.minutes)),
                    Cell::Text(
                        if o.passed_test {
                            "已通过"
                        } else {
                            "未通过"
                        }
                        .into(),
                    ),
                    o.best_percent
                        .map(|b| Cell::Int(i64::from(b)))
                        .unwrap_or(Cell::Empty),
                    Cell::Int(o.approved_essays),
                    Cell::Text(if o.done { "已完成" } else { "未完成" }.into()),
                    Cell::Text(o.because.join("；")),
                ];
                if tx.send(row).await.is_err() {
                    return Ok(n);
                }
            }
            match next {
                Some(b) => after = b,
                None => break,
            }
        }
        Ok(n)
    })
    .await?;
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "study.completion_export",
            &format!("campaign:{campaign}"),
            &format!("{n} rows unfinished={unfinished}"),
        )
        .await?;
    let what = if unfinished {
        "未完成学习名单"
    } else {
        "学习完成情况"
    };
    Ok(xlsx_download(
        bytes,
        &format!("study-completion-{}.xlsx", stamp()),
        &format!("{what}-{}.xlsx", stamp()),
    ))
}

const UNIT_HEADERS: &[&str] = &["单位", "在岗干警", "已完成", "完成率（%）", "未完成"];

/// The per-unit table as it shows on the page (each unit's own officers), in tree order.
async fn units_export(
    State(state): State<AppState>,
    s: Staff,
    Query(uq): Query<UnitQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewStudyProgress)?;
    let c = Campaigns::load(&state, uq.campaign.as_deref()).await?;
    let Some(current) = c.current.as_ref() else {
        return Err(Error::NotFound);
    };
    let units = state
        .store
        .study_completion_by_unit(&s.actor, &current.id)
        .await?;
    let (bytes, n) = export_xlsx("各单位学习完成情况", UNIT_HEADERS, move |tx| async move {
        let mut n = 0u64;
        for u in units {
            n += 1;
            let row = vec![
                Cell::Text(format!("{}{}", "　".repeat(u.depth), u.unit_name)),
                Cell::Int(u.total),
                Cell::Int(u.done),
                Cell::Float(u.rate),
                Cell::Int(u.total - u.done),
            ];
            if tx.send(row).await.is_err() {
                break;
            }
        }
        Ok(n)
    })
    .await?;
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "study.completion_units_export",
            &format!("campaign:{}", current.id),
            &format!("{n} rows"),
        )
        .await?;
    Ok(xlsx_download(
        bytes,
        &format!("study-units-{}.xlsx", stamp()),
        &format!("各单位学习完成情况-{}.xlsx", stamp()),
    ))
}
