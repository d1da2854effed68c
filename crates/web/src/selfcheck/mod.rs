//! Self-check pages (自查自纠): an officer's own self-report (works on a phone), the self-check window,
//! statistics per unit and category, the list and versions of officers' reports, and (in `findings`)
//! the problems the organisation found with their leniency decisions. Helpers shared with the
//! rectification pages (campaign choice, .xlsx downloads, labels) live here too.

mod findings;

use std::collections::HashMap;
use std::future::Future;

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::rectification::{ItemSource, ItemState};
use domain::selfcheck::{Leniency, Section, SectionInput, Window};
use domain::tips::ProblemCategory;
use serde::Deserialize;
use store::Actor;
use store::campaign::Campaign;
use store::selfcheck::{CategoryStat, ReportSummary, UnitStat, VersionView};

use crate::AppState;
use crate::auth::Staff;
use crate::charts;
use crate::error::Error;
use crate::view::{Nav, Pager, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/selfcheck", get(mine).post(file))
        .route("/selfcheck/window", post(set_window))
        .route("/selfcheck/stats", get(stats))
        .route("/selfcheck/stats.xlsx", get(stats_export))
        .route("/selfcheck/reports", get(reports))
        .route("/selfcheck/reports/export", get(reports_export))
        .route("/selfcheck/reports/{id}", get(report))
        .merge(findings::routes())
}

// ---------- shared with the rectification pages ----------

pub(crate) struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn opts<'a>(
    items: impl Iterator<Item = (&'a str, &'a str)>,
    selected: &str,
) -> Vec<Opt> {
    items
        .map(|(v, l)| Opt {
            value: v.to_string(),
            label: l.to_string(),
            selected: v == selected,
        })
        .collect()
}

/// The campaign a page is about, and the others the person may switch to.
pub(crate) struct CampaignPick {
    pub campaign: Campaign,
    pub options: Vec<Opt>,
}

impl CampaignPick {
    pub fn id(&self) -> &str {
        &self.campaign.id
    }
}

/// The requested campaign (404 when the person may not see it), or the newest one they may see; `None`
/// when there is none yet.
pub(crate) async fn pick_campaign(
    state: &AppState,
    actor: &Actor,
    wanted: Option<&str>,
) -> Result<Option<CampaignPick>, Error> {
    let (list, _) = state.store.campaigns(actor, 0, 100).await?;
    let wanted = wanted.map(str::trim).filter(|w| !w.is_empty());
    let id = match wanted {
        Some(w) => w.to_string(),
        None => match list.first() {
            Some(c) => c.id.clone(),
            None => return Ok(None),
        },
    };
    let campaign = state.store.campaign_in_scope(actor, &id).await?;
    let mut options: Vec<Opt> = list
        .iter()
        .map(|c| Opt {
            value: c.id.clone(),
            label: c.name.clone(),
            selected: c.id == campaign.id,
        })
        .collect();
    if !options.iter().any(|o| o.selected) {
        options.insert(
            0,
            Opt {
                value: campaign.id.clone(),
                label: campaign.name.clone(),
                selected: true,
            },
        );
    }
    Ok(Some(CampaignPick { campaign, options }))
}

/// A short name for each category, for charts and narrow tables.
pub(crate) fn short_label(c: ProblemCategory) -> &'static str {
    use ProblemCategory::*;
    match c {
        Interference => "干预司法",
        IllegalBusiness => "违规经商办企业",
        IllegalInvestmentLending => "违规参股借贷",
        IllegalCommutation => "违规减刑假释暂予监外执行",
        CaseSuppression => "有案不立压案不查",
        RevolvingDoor => "离任违规执业、司法掮客",
        TwoFaced => "两面人",
        ProtectionUmbrella => "保护伞",
        JudicialCorruption => "执法司法腐败",
        Conduct => "作风纪律",
        Other => "其他",
    }
}

pub fn category_label(code: &str) -> &'static str {
    ProblemCategory::parse(code)
        .map(|c| c.label())
        .unwrap_or("其他")
}
pub fn leniency_label(code: &str) -> &'static str {
    Leniency::parse(code).map(|c| c.label()).unwrap_or("未知")
}
pub fn item_state_label(code: &str) -> &'static str {
    ItemState::parse(code).map(|c| c.label()).unwrap_or("未知")
}
pub fn item_source_label(code: &str) -> &'static str {
    ItemSource::parse(code).map(|c| c.label()).unwrap_or("其他")
}

pub(crate) fn bad_request(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

pub(crate) fn xlsx_download(bytes: Vec<u8>, ascii_name: &str, name: &str) -> Response {
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        q(name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Writes an .xlsx in constant memory on a blocking thread, fed page by page: `next` gets the id after
/// which to continue and returns the rows and the last id, or no rows when done. The export is audited.
pub(crate) async fn export_xlsx<F, Fut>(
    state: &AppState,
    actor: &Actor,
    what: &str,
    sheet: &'static str,
    headers: &'static [&'static str],
    mut next: F,
) -> Result<Vec<u8>, Error>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<Vec<reports::Cell>>, String), Error>>,
{
    let tmp = tempfile::Builder::new()
        .suffix(".xlsx")
        .tempfile()
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    let path = tmp.path().to_path_buf();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<reports::Cell>>(4096);
    let writer = tokio::task::spawn_blocking(move || {
        let rows = std::iter::from_fn(move || rx.blocking_recv());
        reports::write_xlsx(&path, sheet, headers, rows)
    });
    let mut after = String::new();
    let mut count = 0u64;
    let fed: Result<(), Error> = async {
        loop {
            let (rows, last) = next(after.clone()).await?;
            if rows.is_empty() {
                return Ok(());
            }
            after = last;
            for r in rows {
                count += 1;
                if tx.send(r).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
    .await;
    drop(tx);
    writer
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))??;
    fed?;
    state
        .store
        .audit_now(
            &actor.audit(),
            &format!("{what}.export"),
            what,
            &format!("{count} rows"),
        )
        .await?;
    tokio::fs::read(tmp.path())
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))
}

fn window_text(w: &Option<Window>) -> String {
    match w {
        Some(w) => format!("{} 至 {}", w.opens, w.closes),
        None => "尚未设定".into(),
    }
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

struct VersionRow {
    version: i32,
    at: String,
    by: String,
    nil: bool,
    problems: Vec<(&'static str, String)>,
}

fn version_rows(versions: &[VersionView]) -> Vec<VersionRow> {
    versions
        .iter()
        .map(|v| VersionRow {
            version: v.version,
            at: fmt_time(v.submitted_at),
            by: v.submitted_by.clone(),
            nil: v.problems() == 0,
            problems: v
                .sections
                .iter()
                .filter_map(|(c, s)| match s {
                    Section::Text(t) => Some((c.label(), t.clone())),
                    Section::Nil => None,
                })
                .collect(),
        })
        .collect()
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

// ---------- the window and the statistics ----------

#[derive(Template)]
#[template(path = "selfcheck/stats.html")]
struct StatsPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    window: String,
    can_set_window: bool,
    opens: String,
    closes: String,
    window_error: Option<(String, String)>,
    units: Vec<UnitStat>,
    cats: Vec<CategoryStat>,
    total: UnitStat,
    chart_units: String,
    chart_cats: String,
    message: Option<String>,
}

impl StatsPage {
    fn cat_label(&self, c: &ProblemCategory) -> &'static str {
        c.label()
    }
    fn indent(&self, depth: &usize) -> String {
        "　".repeat(*depth)
    }
}

#[derive(Deserialize, Default)]
struct StatsQuery {
    campaign: Option<String>,
    saved: Option<String>,
}

async fn render_stats(
    state: &AppState,
    s: &Staff,
    campaign: Option<&str>,
    typed: Option<(String, String)>,
    window_error: Option<(String, String)>,
    message: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let pick = pick_campaign(state, &s.actor, campaign).await?;
    let (mut window, mut units, mut cats) = (None, Vec::new(), Vec::new());
    if let Some(p) = &pick {
        window = state.store.selfcheck_window(p.id()).await?;
        (units, cats) = state.store.self_report_stats(&s.actor, p.id()).await?;
    }
    let mut total = UnitStat {
        unit_id: String::new(),
        unit_name: "合计".into(),
        depth: 0,
        officers: 0,
        filed: 0,
        nil_reports: 0,
        with_problems: 0,
        problems: 0,
    };
    for u in &units {
        total.officers += u.officers;
        total.filed += u.filed;
        total.nil_reports += u.nil_reports;
        total.with_problems += u.with_problems;
        total.problems += u.problems;
    }
    let chart_units = charts::bars(
        "各单位填报率（%）",
        &units
            .iter()
            .filter(|u| u.officers > 0)
            .take(20)
            .map(|u| (u.unit_name.clone(), u.rate()))
            .collect::<Vec<_>>(),
    );
    let chart_cats = charts::bars(
        "各类别报告问题数",
        &cats
            .iter()
            .map(|c| (short_label(c.category).to_string(), c.reported))
            .collect::<Vec<_>>(),
    );
    let (opens, closes) = typed.unwrap_or_else(|| {
        window
            .map(|w| (w.opens.to_string(), w.closes.to_string()))
            .unwrap_or_default()
    });
    let failed = window_error.is_some();
    let r = page(&StatsPage {
        nav: s.nav("/selfcheck/stats"),
        window: window_text(&window),
        can_set_window: s.actor.role.can(Permission::SetSelfCheckWindow),
        opens,
        closes,
        window_error,
        units,
        cats,
        total,
        chart_units,
        chart_cats,
        message,
        pick,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn stats(
    State(state): State<AppState>,
    s: Staff,
    Query(sq): Query<StatsQuery>,
) -> Result<Response, Error> {
    let message = sq
        .saved
        .map(|_| "自查期限已保存，已据此重新判定各查实问题的处理政策。".to_string());
    render_stats(&state, &s, sq.campaign.as_deref(), None, None, message).await
}

#[derive(Deserialize)]
struct WindowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
}

async fn set_window(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<WindowForm>,
) -> Result<Response, Error> {
    s.require(Permission::SetSelfCheckWindow)?;
    s.check_csrf(&f.csrf)?;
    let Some(pick) = pick_campaign(&state, &s.actor, Some(&f.campaign)).await? else {
        return Err(Error::NotFound);
    };
    let w = match Window::parse(&f.opens, &f.closes) {
        Ok(w) => w,
        Err(e) => {
            let typed = (
                f.opens.chars().take(20).collect(),
                f.closes.chars().take(20).collect(),
            );
            return render_stats(
                &state,
                &s,
                Some(pick.id()),
                Some(typed),
                Some((e.field.unwrap_or("opens").to_string(), e.message)),
                None,
            )
            .await;
        }
    };
    state
        .store
        .set_selfcheck_window(&s.actor, pick.id(), w)
        .await?;
    Ok(Redirect::to(&format!(
        "/selfcheck/stats?campaign={}&saved=1",
        q(pick.id())
    ))
    .into_response())
}

const STATS_HEADERS: &[&str] = &[
    "单位",
    "在岗干警",
    "已填报",
    "填报率（%）",
    "零报告",
    "报告有问题的人数",
    "报告问题项数",
];

async fn stats_export(
    State(state): State<AppState>,
    s: Staff,
    Query(sq): Query<StatsQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let Some(pick) = pick_campaign(&state, &s.actor, sq.campaign.as_deref()).await? else {
        return Err(Error::NotFound);
    };
    let (units, _) = state.store.self_report_stats(&s.actor, pick.id()).await?;
    let mut rows = Some(units);
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "selfcheck_stats",
        "自查填报统计",
        STATS_HEADERS,
        move |_| {
            let page = rows.take().unwrap_or_default();
            async move {
                use reports::Cell::{Int, Text};
                let last = page.last().map(|u| u.unit_id.clone()).unwrap_or_default();
                let rows = page
                    .into_iter()
                    .map(|u| {
                        vec![
                            Text(u.unit_name.clone()),
                            Int(u.officers),
                            Int(u.filed),
                            Int(u.rate()),
                            Int(u.nil_reports),
                            Int(u.with_problems),
                            Int(u.problems),
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
        "selfcheck-stats.xlsx",
        &format!(
            "自查填报统计-{}.xlsx",
            store::clues::today().format("%Y%m%d")
        ),
    ))
}

// ---------- officers' reports ----------

#[derive(Deserialize, Default)]
struct ReportsQuery {
    campaign: Option<String>,
    unit: Option<String>,
    page: Option<u64>,
}

impl ReportsQuery {
    fn unit(&self) -> Option<&str> {
        self.unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }
}

#[derive(Template)]
#[template(path = "selfcheck/reports.html")]
struct ReportsPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    reports: Vec<ReportSummary>,
    pager: Pager,
    units: Vec<Opt>,
    export_link: String,
}

impl ReportsPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn reports(
    State(state): State<AppState>,
    s: Staff,
    Query(rq): Query<ReportsQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let pick = pick_campaign(&state, &s.actor, rq.campaign.as_deref()).await?;
    let per_page = 50;
    let page_no = rq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (list, total) = match &pick {
        Some(p) => {
            state
                .store
                .self_reports(
                    &s.actor,
                    p.id(),
                    rq.unit(),
                    (page_no - 1) * per_page,
                    per_page,
                )
                .await?
        }
        None => (vec![], 0),
    };
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let cid = pick
        .as_ref()
        .map(|p| p.id().to_string())
        .unwrap_or_default();
    let base = format!("campaign={}&unit={}&", q(&cid), q(rq.unit().unwrap_or("")));
    Ok(page(&ReportsPage {
        nav: s.nav("/selfcheck/stats"),
        reports: list,
        pager: Pager::new(Some(page_no), per_page, total, base.clone()),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            rq.unit().unwrap_or(""),
        ),
        export_link: format!("/selfcheck/reports/export?{base}"),
        pick,
    }))
}

const REPORT_HEADERS: &[&str] = &[
    "单位",
    "姓名",
    "警号",
    "版本数",
    "最近提交时间",
    "是否零报告",
    "报告问题项数",
    "首次提交时间",
];

async fn reports_export(
    State(state): State<AppState>,
    s: Staff,
    Query(rq): Query<ReportsQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let Some(pick) = pick_campaign(&state, &s.actor, rq.campaign.as_deref()).await? else {
        return Err(Error::NotFound);
    };
    let unit = rq.unit().map(str::to_string);
    let (st, actor, cid) = (state.clone(), s.actor.clone(), pick.id().to_string());
    let bytes = export_xlsx(
        &state,
        &s.actor,
        "self_reports",
        "自查事项报告",
        REPORT_HEADERS,
        move |after| {
            let (st, actor, cid, unit) = (st.clone(), actor.clone(), cid.clone(), unit.clone());
            async move {
                use reports::Cell::{Int, Text};
                let page = st
                    .store
                    .self_reports_after(&actor, &cid, unit.as_deref(), &after, 2000)
                    .await?;
                let last = page.last().map(|r| r.id.clone()).unwrap_or_default();
                let rows = page
                    .into_iter()
                    .map(|r| {
                        vec![
                            Text(r.unit_name),
                            Text(r.officer_name),
                            Text(r.badge),
                            Int(r.latest_version.into()),
                            Text(fmt_time(r.updated_at)),
                            Text(if r.problems == 0 { "是" } else { "否" }.into()),
                            Int(r.problems.into()),
                            Text(fmt_time(r.created_at)),
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
        "self-reports.xlsx",
        &format!(
            "自查事项报告-{}.xlsx",
            store::clues::today().format("%Y%m%d")
        ),
    ))
}

#[derive(Template)]
#[template(path = "selfcheck/report.html")]
struct ReportPage {
    nav: Nav,
    r: ReportSummary,
    versions: Vec<VersionRow>,
    /// (category code, label) reported in the latest version, for "列入整改台账".
    latest_problems: Vec<(&'static str, &'static str)>,
    can_ledger: bool,
}

async fn report(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewSelfReports)?;
    let (r, versions) = state.store.self_report_in_scope(&s.actor, &id).await?;
    let latest_problems = versions
        .first()
        .map(|v| {
            v.sections
                .iter()
                .filter(|(_, s)| matches!(s, Section::Text(_)))
                .map(|(c, _)| (c.as_str(), c.label()))
                .collect()
        })
        .unwrap_or_default();
    Ok(page(&ReportPage {
        nav: s.nav("/selfcheck/stats"),
        versions: version_rows(&versions),
        latest_problems,
        can_ledger: s.actor.role.can(Permission::ManageLedger),
        r,
    }))
}
