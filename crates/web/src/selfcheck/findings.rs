//! Findings (组织查处) and "自查从宽、被查从严": the list with each decision, registering a finding from
//! a concluded clue or an inspection result, comparing its items with the officer's report, and the
//! decision page that shows which version, which category, which dates, and what was and was not reported.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::selfcheck::{Leniency, Section};
use domain::tips::ProblemCategory;
use serde::Deserialize;
use store::clues::ConcludedClue;
use store::selfcheck::{FindingFilter, FindingItemRow, FindingRow, NewInspectionFinding};

use super::{
    CampaignPick, Opt, bad_request, category_label, export_xlsx, leniency_label, opts,
    pick_campaign, xlsx_download,
};
use crate::AppState;
use crate::auth::Staff;
use crate::charts;
use crate::error::Error;
use crate::view::{Nav, Pager, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/selfcheck/findings", get(list))
        .route("/selfcheck/findings/export", get(export))
        .route(
            "/selfcheck/findings/new",
            get(new_page).post(record_inspection),
        )
        .route("/selfcheck/findings/from-clue", post(from_clue))
        .route("/selfcheck/findings/{id}", get(detail))
        .route("/selfcheck/findings/{id}/compare", post(compare))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    campaign: Option<String>,
    unit: Option<String>,
    outcome: Option<String>,
    category: Option<String>,
    page: Option<u64>,
}

fn nz(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListQuery {
    fn filter(&self) -> FindingFilter {
        FindingFilter {
            unit_id: nz(&self.unit).map(str::to_string),
            outcome: nz(&self.outcome).and_then(|o| Leniency::parse(o).ok()),
            category: nz(&self.category).and_then(|c| ProblemCategory::parse(c).ok()),
        }
    }

    fn base(&self, campaign: &str) -> String {
        let mut s = format!("campaign={}&", q(campaign));
        for (k, v) in [
            ("unit", &self.unit),
            ("outcome", &self.outcome),
            ("category", &self.category),
        ] {
            if let Some(v) = nz(v) {
                s.push_str(&format!("{k}={}&", q(v)));
            }
        }
        s
    }
}

#[derive(Template)]
#[template(path = "selfcheck/findings.html")]
struct ListPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    findings: Vec<FindingRow>,
    pager: Pager,
    units: Vec<Opt>,
    outcomes: Vec<Opt>,
    categories: Vec<Opt>,
    counts: Vec<(Leniency, i64)>,
    chart: String,
    export_link: String,
    can_record: bool,
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewFindings)?;
    let pick = pick_campaign(&state, &s.actor, lq.campaign.as_deref()).await?;
    let per_page = 30;
    let page_no = lq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (findings, total, counts) = match &pick {
        Some(p) => {
            let (f, t) = state
                .store
                .findings(
                    &s.actor,
                    p.id(),
                    &lq.filter(),
                    (page_no - 1) * per_page,
                    per_page,
                )
                .await?;
            (f, t, state.store.finding_outcomes(&s.actor, p.id()).await?)
        }
        None => (vec![], 0, vec![]),
    };
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let base = lq.base(pick.as_ref().map(|p| p.id()).unwrap_or(""));
    Ok(page(&ListPage {
        nav: s.nav("/selfcheck/findings"),
        findings,
        pager: Pager::new(Some(page_no), per_page, total, base.clone()),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            nz(&lq.unit).unwrap_or(""),
        ),
        outcomes: opts(
            Leniency::all().iter().map(|l| (l.as_str(), l.label())),
            nz(&lq.outcome).unwrap_or(""),
        ),
        categories: opts(
            ProblemCategory::all()
                .iter()
                .map(|c| (c.as_str(), c.label())),
            nz(&lq.category).unwrap_or(""),
        ),
        chart: charts::donut(
            "处理政策",
            &counts
                .iter()
                .map(|(l, n)| (l.label().to_string(), *n))
                .collect::<Vec<_>>(),
        ),
        counts,
        export_link: format!("/selfcheck/findings/export?{base}"),
        can_record: s.actor.role.can(Permission::RecordFindings),
        pick,
    }))
}

const EXPORT_HEADERS: &[&str] = &[
    "编号",
    "单位",
    "姓名",
    "警号",
    "问题类别",
    "来源",
    "问题描述",
    "发现/登记日期",
    "组织掌握时间",
    "处理政策",
    "比对人",
    "登记时间",
];

async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewFindings)?;
    let Some(pick) = pick_campaign(&state, &s.actor, lq.campaign.as_deref()).await? else {
        return Err(Error::NotFound);
    };
    let (st, actor, cid, filter) = (
        state.clone(),
        s.actor.clone(),
        pick.id().to_string(),
        lq.filter(),
    );
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "findings",
        "查实问题",
        EXPORT_HEADERS,
        move |after| {
            let (st, actor, cid, filter) = (st.clone(), actor.clone(), cid.clone(), filter.clone());
            async move {
                use reports::Cell::Text;
                let page = st
                    .store
                    .findings_after(&actor, &cid, &filter, &after, 2000)
                    .await?;
                let last = page.last().map(|f| f.id.clone()).unwrap_or_default();
                let rows = page
                    .into_iter()
                    .map(|f| {
                        vec![
                            Text(f.number),
                            Text(f.unit_name),
                            Text(f.officer_name),
                            Text(f.badge),
                            Text(category_label(&f.category).into()),
                            Text(source_label(&f.source).into()),
                            Text(f.description),
                            Text(f.found_on),
                            Text(fmt_time(f.known_at)),
                            Text(leniency_label(&f.outcome).into()),
                            Text(f.compared_by.unwrap_or_default()),
                            Text(fmt_time(f.created_at)),
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
        "findings.xlsx",
        &format!("查实问题-{}.xlsx", store::clues::today().format("%Y%m%d")),
    ))
}

pub fn source_label(code: &str) -> &'static str {
    domain::selfcheck::FindingSource::parse(code)
        .map(|s| s.label())
        .unwrap_or("其他")
}

// ---------- registering ----------

#[derive(Deserialize, Default, Clone)]
struct InspectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    badge: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    found_on: String,
    #[serde(default)]
    items: String,
}

struct Candidate {
    clue: ConcludedClue,
    registered: bool,
}

#[derive(Template)]
#[template(path = "selfcheck/finding_new.html")]
struct NewPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    form: InspectionForm,
    categories: Vec<Opt>,
    /// (field, message) for the inspection form.
    error: Option<(String, String)>,
    candidates: Vec<Candidate>,
    can_clues: bool,
    /// (clue id, message) for one candidate's form.
    clue_error: Option<(String, String)>,
    today: String,
}

impl NewPage {
    fn err(&self, field: &str) -> &str {
        match &self.error {
            Some((f, m)) if f == field => m,
            _ => "",
        }
    }
    fn clue_err(&self, id: &str) -> &str {
        match &self.clue_error {
            Some((c, m)) if c == id => m,
            _ => "",
        }
    }
}

async fn render_new(
    state: &AppState,
    s: &Staff,
    campaign: Option<&str>,
    form: InspectionForm,
    error: Option<(String, String)>,
    clue_error: Option<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::RecordFindings)?;
    let pick = pick_campaign(state, &s.actor, campaign).await?;
    let can_clues = s.actor.role.can(Permission::ReadClues);
    let mut candidates = Vec::new();
    if can_clues {
        let (clues, _) = state
            .store
            .concluded_clues_naming_officers(&s.actor, 0, 100)
            .await?;
        let ids: Vec<String> = clues.iter().map(|c| c.id.clone()).collect();
        let done = state.store.clues_with_findings(&ids).await?;
        candidates = clues
            .into_iter()
            .map(|c| Candidate {
                registered: done.contains(&c.id),
                clue: c,
            })
            .collect();
    }
    let failed = error.is_some() || clue_error.is_some();
    let sel = form.category.clone();
    let r = page(&NewPage {
        nav: s.nav("/selfcheck/findings"),
        categories: opts(
            ProblemCategory::all()
                .iter()
                .map(|c| (c.as_str(), c.label())),
            &sel,
        ),
        form,
        error,
        candidates,
        can_clues,
        clue_error,
        today: store::clues::today().to_string(),
        pick,
    });
    Ok(if failed { bad_request(r) } else { r })
}

#[derive(Deserialize, Default)]
struct CampaignOnly {
    campaign: Option<String>,
}

async fn new_page(
    State(state): State<AppState>,
    s: Staff,
    Query(cq): Query<CampaignOnly>,
) -> Result<Response, Error> {
    render_new(
        &state,
        &s,
        cq.campaign.as_deref(),
        InspectionForm::default(),
        None,
        None,
    )
    .await
}

async fn record_inspection(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<InspectionForm>,
) -> Result<Response, Error> {
    s.require(Permission::RecordFindings)?;
    s.check_csrf(&f.csrf)?;
    let Some(pick) = pick_campaign(&state, &s.actor, Some(&f.campaign)).await? else {
        return Err(Error::NotFound);
    };
    let fail = |field: &str, msg: String| {
        render_new(
            &state,
            &s,
            Some(pick.id()),
            f.clone(),
            Some((field.to_string(), msg)),
            None,
        )
    };
    if f.badge.trim().is_empty() {
        return fail("badge", "请填写被查干警的警号".into()).await;
    }
    let Ok(category) = ProblemCategory::parse(&f.category) else {
        return fail("category", "请选择问题类别".into()).await;
    };
    let Ok(found_on) = NaiveDate::parse_from_str(f.found_on.trim(), "%Y-%m-%d") else {
        return fail("found_on", "请按 YYYY-MM-DD 格式填写发现日期".into()).await;
    };
    let items = match domain::selfcheck::parse_items(&f.items) {
        Ok(i) => i,
        Err(e) => return fail("items", e.message).await,
    };
    let n = NewInspectionFinding {
        badge: f.badge.clone(),
        category,
        description: f.description.clone(),
        found_on,
        items,
    };
    match state
        .store
        .record_inspection_finding(&s.actor, pick.id(), &n)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/selfcheck/findings/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => fail(e.field.unwrap_or("form"), e.message).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct FromClueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    clue_id: String,
    #[serde(default)]
    items: String,
}

async fn from_clue(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<FromClueForm>,
) -> Result<Response, Error> {
    s.require(Permission::RecordFindings)?;
    s.require(Permission::ReadClues)?;
    s.check_csrf(&f.csrf)?;
    let Some(pick) = pick_campaign(&state, &s.actor, Some(&f.campaign)).await? else {
        return Err(Error::NotFound);
    };
    // A clue outside scope answers 404 before anything about the input is said.
    state
        .store
        .concluded_clue_in_scope(&s.actor, &f.clue_id)
        .await?;
    let fail = |msg: String| {
        render_new(
            &state,
            &s,
            Some(pick.id()),
            InspectionForm::default(),
            None,
            Some((f.clue_id.clone(), msg)),
        )
    };
    let items = match domain::selfcheck::parse_items(&f.items) {
        Ok(i) => i,
        Err(e) => return fail(e.message).await,
    };
    match state
        .store
        .register_finding_from_clue(&s.actor, pick.id(), &f.clue_id, &items)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/selfcheck/findings/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => fail(e.message).await,
        Err(e) => Err(e.into()),
    }
}

// ---------- the decision ----------

#[derive(Template)]
#[template(path = "selfcheck/finding.html")]
struct DetailPage {
    nav: Nav,
    f: FindingRow,
    items: Vec<FindingItemRow>,
    outcome: Leniency,
    because: Vec<String>,
    window: String,
    /// The basis version's text in the finding's category, what the items are compared against.
    basis_text: Option<(i32, String)>,
    /// Each version's answer in the finding's category only: the rest of a report is not this page's business.
    versions: Vec<(i32, String, Option<String>)>,
    can_compare: bool,
    can_ledger: bool,
    ledger_rows: Vec<store::rectification::Item>,
    error: Option<String>,
}

impl DetailPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
    fn mark(&self, covered: &Option<bool>) -> &'static str {
        match covered {
            Some(true) => "已报告",
            Some(false) => "未报告",
            None => "待比对",
        }
    }
}

async fn render_detail(
    state: &AppState,
    s: &Staff,
    id: &str,
    error: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewFindings)?;
    let v = state.store.finding_in_scope(&s.actor, id).await?;
    let category = ProblemCategory::parse(&v.finding.category)?;
    let basis_text = v.basis.and_then(|b| {
        let ver = v.versions.iter().find(|x| x.version == b)?;
        match ver
            .sections
            .iter()
            .find(|(c, _)| *c == category)
            .map(|(_, s)| s)
        {
            Some(Section::Text(t)) => Some((b, t.clone())),
            _ => None,
        }
    });
    let can_ledger = s.actor.role.can(Permission::ManageLedger);
    // Items are compared against a report's text; with none in the category there is nothing to mark.
    let can_compare = s.actor.role.can(Permission::RecordFindings) && basis_text.is_some();
    let ledger_rows = if s.actor.role.can(Permission::ViewLedger) {
        state.store.rectification_items_from(&s.actor, id).await?
    } else {
        vec![]
    };
    let failed = error.is_some();
    let r =
        page(&DetailPage {
            nav: s.nav("/selfcheck/findings"),
            outcome: v.decision.outcome,
            because: v.decision.because.iter().map(|r| r.text()).collect(),
            window: super::window_text(&v.window),
            basis_text,
            versions: v
                .versions
                .iter()
                .map(|x| {
                    let text = x.sections.iter().find(|(c, _)| *c == category).and_then(
                        |(_, s)| match s {
                            Section::Text(t) => Some(t.clone()),
                            Section::Nil => None,
                        },
                    );
                    (x.version, fmt_time(x.submitted_at), text)
                })
                .collect(),
            can_compare,
            can_ledger,
            ledger_rows,
            items: v.items,
            f: v.finding,
            error,
        });
    Ok(if failed { bad_request(r) } else { r })
}

async fn detail(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    render_detail(&state, &s, &id, None).await
}

/// `csrf` and, for each item, `c_<seq>` = "yes" or "no".
async fn compare(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    s.require(Permission::RecordFindings)?;
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    s.check_csrf(csrf)?;
    state.store.finding_in_scope(&s.actor, &id).await?;
    let mut marks = Vec::new();
    for (k, v) in &form {
        let Some(seq) = k.strip_prefix("c_").and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        match v.as_str() {
            "yes" => marks.push((seq, true)),
            "no" => marks.push((seq, false)),
            _ => {}
        }
    }
    match state.store.compare_finding(&s.actor, &id, &marks).await {
        Ok(_) => Ok(Redirect::to(&format!("/selfcheck/findings/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => render_detail(&state, &s, &id, Some(e.message)).await,
        Err(e) => Err(e.into()),
    }
}
