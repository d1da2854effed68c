//! Campaign progress: the city-wide dashboard (for the signed-in person's scope) and one per unit, each
//! with phase, study completion, self-report rate, findings and their leniency decisions, rectification
//! completion and overdue tasks; its table as .xlsx; and the weekly briefing (工作简报) as a .docx in
//! the GB/T 9704 layout.
//!
//! The figures come from one cached [`Progress`] per campaign (every unit's own counts), summed per
//! scope in memory: on the province data set the grouped queries take most of a second, and a
//! dashboard a few seconds old is fine. The briefing reads fresh figures.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;
use domain::access::Permission;
use domain::campaign::TaskState;
use domain::tips::ProblemCategory;
use reports::docx::{Block, Briefing};
use serde::Deserialize;
use store::campaign::tasks::{TaskFilter, TaskRow, TaskTab};
use store::org::Unit;
use store::progress::{Figures, Progress, RolledUp, percent};
use store::{Actor, Store};

use crate::AppState;
use crate::auth::Staff;
use crate::campaign::XlsxStream;
use crate::charts;
use crate::error::Error;
use crate::selfcheck::{CampaignPick, pick_campaign, short_label};
use crate::view::{Nav, fmt_time, page, q};

/// How long the figures are served before one refresh starts.
pub const PROGRESS_TTL: Duration = Duration::from_secs(30);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/progress", get(city))
        .route("/progress/units/{unit}", get(unit_page))
        .route("/progress/export", get(export))
        .route("/progress/briefing.docx", get(briefing))
}

#[derive(Deserialize, Default)]
struct ProgressQuery {
    campaign: Option<String>,
    unit: Option<String>,
}

async fn progress_of(state: &AppState, pick: &CampaignPick) -> Result<Arc<Progress>, Error> {
    let (store, campaign) = (state.store.clone(), pick.campaign.clone());
    state
        .progress_cache
        .get(&pick.campaign.id, move || async move {
            Ok(store.campaign_progress(&campaign).await?)
        })
        .await
}

/// The unit a dashboard starts from: the campaign's own unit when the person sees it, else their own
/// unit when the campaign covers it.
fn default_root<'a>(p: &'a Progress, actor: &Actor) -> Option<&'a Unit> {
    let top = p.units.first().map(|u| &u.unit)?;
    if actor.covers_path(&top.path) {
        return Some(top);
    }
    p.unit(&actor.unit_id).map(|u| &u.unit).or_else(|| {
        p.units
            .iter()
            .map(|u| &u.unit)
            .find(|u| actor.covers_path(&u.path))
    })
}

/// The requested unit if the campaign covers it and the person may see it; 404 otherwise.
fn unit_in<'a>(p: &'a Progress, actor: &Actor, id: &str) -> Result<&'a Unit, Error> {
    match p.unit(id) {
        Some(u) if actor.covers_path(&u.unit.path) => Ok(&u.unit),
        _ => Err(Error::NotFound),
    }
}

struct Tile {
    value: String,
    label: String,
    id: &'static str,
}

struct Row {
    unit_id: String,
    name: String,
    phase: String,
    f: Figures,
}

#[derive(Template)]
#[template(path = "progress/index.html")]
struct ProgressPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    root_name: String,
    root_id: String,
    is_city: bool,
    phase: String,
    updated: String,
    tiles: Vec<Tile>,
    week: Vec<(&'static str, i64)>,
    week_range: String,
    rows: Vec<Row>,
    overdue: Vec<TaskRow>,
    overdue_total: i64,
    charts: Vec<String>,
    query: String,
}

impl ProgressPage {
    fn pct(&self, a: &i64, b: &i64) -> String {
        format!("{:.1}%", percent(*a, *b))
    }
}

async fn city(
    State(state): State<AppState>,
    s: Staff,
    Query(qs): Query<ProgressQuery>,
) -> Result<Response, Error> {
    render(&state, &s, qs.campaign.as_deref(), None).await
}

async fn unit_page(
    State(state): State<AppState>,
    s: Staff,
    Path(unit): Path<String>,
    Query(qs): Query<ProgressQuery>,
) -> Result<Response, Error> {
    render(&state, &s, qs.campaign.as_deref(), Some(&unit)).await
}

fn phase_chart(p: &Progress, f: &Figures) -> String {
    let mut data: Vec<(String, i64)> = p
        .campaign
        .phases
        .iter()
        .zip(&f.phase_units)
        .map(|(ph, n)| (ph.name.clone(), *n))
        .collect();
    data.push((
        "已完成".into(),
        f.phase_units
            .get(p.campaign.phases.len())
            .copied()
            .unwrap_or(0),
    ));
    charts::columns("各阶段单位数", &data)
}

fn rate_chart(title: &str, rows: &[RolledUp], rate: fn(&Figures) -> f64) -> String {
    let data: Vec<(String, i64)> = rows
        .iter()
        .take(15)
        .map(|r| (r.unit.name.clone(), rate(&r.figures).round() as i64))
        .collect();
    charts::bars(title, &data)
}

async fn render(
    state: &AppState,
    s: &Staff,
    campaign: Option<&str>,
    unit: Option<&str>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let pick = pick_campaign(state, &s.actor, campaign).await?;
    let Some(pick) = pick else {
        return Ok(page(&ProgressPage {
            nav: s.nav("/progress"),
            pick: None,
            root_name: String::new(),
            root_id: String::new(),
            is_city: true,
            phase: String::new(),
            updated: String::new(),
            tiles: vec![],
            week: vec![],
            week_range: String::new(),
            rows: vec![],
            overdue: vec![],
            overdue_total: 0,
            charts: vec![],
            query: String::new(),
        }));
    };
    let p = progress_of(state, &pick).await?;
    let root = match unit {
        Some(id) => unit_in(&p, &s.actor, id)?,
        None => default_root(&p, &s.actor).ok_or(Error::NotFound)?,
    };
    let f = p.rollup(&s.actor, &root.path);
    let children = p.children(&s.actor, root);
    let own = p.unit(&root.id);
    let phase = own
        .map(|u| p.phase_label(u.phase_seq, u.completed))
        .unwrap_or_default();

    let subtree: std::collections::HashSet<&str> = p
        .units
        .iter()
        .filter(|u| u.unit.path.starts_with(&root.path) && s.actor.covers_path(&u.unit.path))
        .map(|u| u.unit.id.as_str())
        .collect();
    let (overdue_rows, _) = state
        .store
        .tasks(
            &s.actor,
            &TaskFilter {
                tab: TaskTab::All,
                overdue: true,
                campaign_id: Some(pick.campaign.id.clone()),
                ..TaskFilter::default()
            },
            0,
            500,
        )
        .await?;
    let overdue: Vec<TaskRow> = overdue_rows
        .into_iter()
        .filter(|t| subtree.contains(t.unit_id.as_str()) && t.state != TaskState::Accepted)
        .take(10)
        .collect();

    let tiles = vec![
        Tile {
            value: format!("{:.1}%", f.study_rate()),
            label: format!("学习完成率（{}/{}）", f.study_done, f.officers),
            id: "tile-study",
        },
        Tile {
            value: format!("{:.1}%", f.report_rate()),
            label: format!("自查填报率（{}/{}）", f.reports_filed, f.officers),
            id: "tile-reports",
        },
        Tile {
            value: f.nil_reports.to_string(),
            label: "零报告".into(),
            id: "tile-nil",
        },
        Tile {
            value: f.findings.to_string(),
            label: format!(
                "查实问题（从宽{} · 部分从宽{} · 从严{} · 待比对{}）",
                f.lenient, f.partly_lenient, f.strict, f.pending
            ),
            id: "tile-findings",
        },
        Tile {
            value: format!("{:.1}%", f.ledger_rate()),
            label: format!(
                "整改销号率（{}/{}，超期{}）",
                f.ledger_accepted, f.ledger_total, f.ledger_overdue
            ),
            id: "tile-ledger",
        },
        Tile {
            value: f.tasks_overdue.to_string(),
            label: format!("超期任务（已验收{}/{}）", f.tasks_accepted, f.tasks_total),
            id: "tile-tasks",
        },
    ];
    let week = vec![
        ("学习活动（场）", f.week.activities),
        ("参学人次", f.week.attendances),
        ("新提交自查报告", f.week.reports_filed),
        ("新登记查实问题", f.week.findings),
        ("整改销号", f.week.ledger_accepted),
        ("任务验收", f.week.tasks_accepted),
        ("阶段变动", f.week.phase_moves),
    ];
    let leniency = vec![
        ("从宽".to_string(), f.lenient),
        ("部分从宽".to_string(), f.partly_lenient),
        ("从严".to_string(), f.strict),
        ("待比对".to_string(), f.pending),
    ];
    let cats: Vec<(String, i64)> = ProblemCategory::all()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                short_label(*c).to_string(),
                f.found_by_category.get(i).copied().unwrap_or(0)
                    + f.reported_by_category.get(i).copied().unwrap_or(0),
            )
        })
        .collect();
    let mut chart_list = vec![phase_chart(&p, &f)];
    if !children.is_empty() {
        chart_list.push(rate_chart(
            "学习完成率（%）",
            &children,
            Figures::study_rate,
        ));
        chart_list.push(rate_chart(
            "自查填报率（%）",
            &children,
            Figures::report_rate,
        ));
        chart_list.push(rate_chart(
            "整改销号率（%）",
            &children,
            Figures::ledger_rate,
        ));
    }
    chart_list.push(charts::donut("查实问题处理政策", &leniency));
    chart_list.push(charts::bars("问题类别（自查报告＋查实）", &cats));

    let rows = children
        .iter()
        .map(|r| Row {
            unit_id: r.unit.id.clone(),
            name: r.unit.name.clone(),
            phase: p.phase_label(r.phase_seq, r.completed),
            f: r.figures.clone(),
        })
        .collect();
    let is_city = unit.is_none();
    let query = format!("campaign={}&unit={}", q(&pick.campaign.id), q(&root.id));
    Ok(page(&ProgressPage {
        nav: s.nav("/progress"),
        root_name: root.name.clone(),
        root_id: root.id.clone(),
        is_city,
        phase,
        updated: fmt_time(p.computed_at),
        tiles,
        week,
        week_range: format!("{} 至 {}", p.week_from, p.week_to),
        rows,
        overdue_total: f.tasks_overdue,
        overdue,
        charts: chart_list,
        query,
        pick: Some(pick),
    }))
}

fn root_for<'a>(p: &'a Progress, actor: &Actor, unit: Option<&str>) -> Result<&'a Unit, Error> {
    match unit.map(str::trim).filter(|u| !u.is_empty()) {
        Some(id) => unit_in(p, actor, id),
        None => default_root(p, actor).ok_or(Error::NotFound),
    }
}

const EXPORT_HEADERS: &[&str] = &[
    "单位",
    "层级",
    "所处阶段",
    "在岗干警",
    "完成学习",
    "学习完成率(%)",
    "已填报自查",
    "填报率(%)",
    "零报告",
    "查实问题",
    "从宽",
    "部分从宽",
    "从严",
    "待比对",
    "整改事项",
    "已销号",
    "销号率(%)",
    "超期整改",
    "任务",
    "已验收任务",
    "超期任务",
];

/// Every unit of the subtree the person may see, each with its own subtree summed, in tree order.
async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(qs): Query<ProgressQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let pick = pick_campaign(&state, &s.actor, qs.campaign.as_deref())
        .await?
        .ok_or(Error::NotFound)?;
    let p = progress_of(&state, &pick).await?;
    let root = root_for(&p, &s.actor, qs.unit.as_deref())?;
    let out = XlsxStream::new("整顿进展", EXPORT_HEADERS)?;
    let mut count = 0u64;
    for u in p
        .units
        .iter()
        .filter(|u| u.unit.path.starts_with(&root.path) && s.actor.covers_path(&u.unit.path))
    {
        let f = p.rollup(&s.actor, &u.unit.path);
        use reports::Cell::{Float, Int, Text};
        out.send(vec![
            Text(u.unit.name.clone()),
            Int(u.unit.depth as i64 - root.depth as i64 + 1),
            Text(p.phase_label(u.phase_seq, u.completed)),
            Int(f.officers),
            Int(f.study_done),
            Float(f.study_rate()),
            Int(f.reports_filed),
            Float(f.report_rate()),
            Int(f.nil_reports),
            Int(f.findings),
            Int(f.lenient),
            Int(f.partly_lenient),
            Int(f.strict),
            Int(f.pending),
            Int(f.ledger_total),
            Int(f.ledger_accepted),
            Float(f.ledger_rate()),
            Int(f.ledger_overdue),
            Int(f.tasks_total),
            Int(f.tasks_accepted),
            Int(f.tasks_overdue),
        ])
        .await?;
        count += 1;
    }
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "progress.export",
            &pick.campaign.id,
            &format!("{count} rows"),
        )
        .await?;
    out.finish(
        "progress.xlsx",
        &format!(
            "{}-整顿进展-{}.xlsx",
            root.name,
            store::clues::today().format("%Y%m%d")
        ),
    )
    .await
}

fn cn_date(d: chrono::NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn md(d: chrono::NaiveDate) -> String {
    format!("{}月{}日", d.month(), d.day())
}

/// The briefing's text from the figures: what a campaign office writes by hand each week.
pub fn briefing_of(p: &Progress, actor: &Actor, root: &Unit) -> Briefing {
    let f = p.rollup(actor, &root.path);
    let children = p.children(actor, root);
    let c = &p.campaign;
    let start = c
        .phases
        .first()
        .and_then(|ph| chrono::NaiveDate::parse_from_str(&ph.starts_on, "%Y-%m-%d").ok())
        .unwrap_or(p.week_to);
    let issue = ((p.week_to - start).num_days().max(0) / 7) + 1;
    let mut blocks = Vec::new();

    blocks.push(Block::Heading1("一、总体进展".into()));
    let mut phase_parts = Vec::new();
    for (i, ph) in c.phases.iter().enumerate() {
        let n = f.phase_units.get(i).copied().unwrap_or(0);
        if n > 0 {
            phase_parts.push(format!("处于{}阶段的{}个", ph.name, n));
        }
    }
    let done = f.phase_units.get(c.phases.len()).copied().unwrap_or(0);
    if done > 0 {
        phase_parts.push(format!("已完成全部阶段的{done}个"));
    }
    blocks.push(Block::Paragraph(format!(
        "截至{}，{}覆盖{}个单位、在岗干警{}人。其中{}。",
        cn_date(p.week_to),
        c.name,
        f.units,
        f.officers,
        if phase_parts.is_empty() {
            "各单位尚未开始".to_string()
        } else {
            phase_parts.join("，")
        }
    )));

    blocks.push(Block::Heading1("二、本周工作".into()));
    blocks.push(Block::Paragraph(format!(
        "{}至{}，各单位组织学习活动{}场、参学{}人次；新提交自查事项报告{}份；新登记查实问题{}个；整改事项验收销号{}项；验收工作任务{}项；{}个单位的阶段发生变动。",
        md(p.week_from),
        md(p.week_to),
        f.week.activities,
        f.week.attendances,
        f.week.reports_filed,
        f.week.findings,
        f.week.ledger_accepted,
        f.week.tasks_accepted,
        f.week.phase_moves
    )));

    blocks.push(Block::Heading1("三、学习教育".into()));
    blocks.push(Block::Paragraph(format!(
        "全体干警中已完成学习要求{}人，学习完成率{:.1}%，尚有{}人未完成。",
        f.study_done,
        f.study_rate(),
        (f.officers - f.study_done).max(0)
    )));

    blocks.push(Block::Heading1("四、查纠整改".into()));
    blocks.push(Block::Heading2("（一）自查自纠".into()));
    blocks.push(Block::Paragraph(format!(
        "已提交自查事项报告{}份，填报率{:.1}%，其中零报告{}份、报告问题{}份。",
        f.reports_filed,
        f.report_rate(),
        f.nil_reports,
        (f.reports_filed - f.nil_reports).max(0)
    )));
    blocks.push(Block::Heading2("（二）组织查处".into()));
    blocks.push(Block::Paragraph(format!(
        "经查实问题{}个，按照“自查从宽、被查从严”政策，认定从宽{}个、部分从宽{}个、从严{}个，待比对{}个。",
        f.findings, f.lenient, f.partly_lenient, f.strict, f.pending
    )));
    blocks.push(Block::Heading2("（三）整改落实".into()));
    blocks.push(Block::Paragraph(format!(
        "整改台账共{}项，已验收销号{}项，销号率{:.1}%，超期未销号{}项；工作任务{}项，已验收{}项，超期{}项。",
        f.ledger_total,
        f.ledger_accepted,
        f.ledger_rate(),
        f.ledger_overdue,
        f.tasks_total,
        f.tasks_accepted,
        f.tasks_overdue
    )));

    if !children.is_empty() {
        blocks.push(Block::Heading1("五、各单位进展".into()));
        let shown: Vec<&RolledUp> = children.iter().take(30).collect();
        blocks.push(Block::Table {
            headers: vec![
                "单位".into(),
                "阶段".into(),
                "学习完成率".into(),
                "自查填报率".into(),
                "查实问题".into(),
                "整改销号率".into(),
                "超期任务".into(),
            ],
            rows: shown
                .iter()
                .map(|r| {
                    vec![
                        r.unit.name.clone(),
                        p.phase_label(r.phase_seq, r.completed),
                        format!("{:.1}%", r.figures.study_rate()),
                        format!("{:.1}%", r.figures.report_rate()),
                        r.figures.findings.to_string(),
                        format!("{:.1}%", r.figures.ledger_rate()),
                        r.figures.tasks_overdue.to_string(),
                    ]
                })
                .collect(),
        });
        let charted: Vec<&RolledUp> = children.iter().take(12).collect();
        blocks.push(Block::BarChart {
            title: "各单位学习、自查、整改进度（%）".into(),
            categories: charted.iter().map(|r| r.unit.name.clone()).collect(),
            series: vec![
                (
                    "学习完成率".into(),
                    charted.iter().map(|r| r.figures.study_rate()).collect(),
                ),
                (
                    "自查填报率".into(),
                    charted.iter().map(|r| r.figures.report_rate()).collect(),
                ),
                (
                    "整改销号率".into(),
                    charted.iter().map(|r| r.figures.ledger_rate()).collect(),
                ),
            ],
        });
        if children.len() > shown.len() {
            blocks.push(Block::Paragraph(format!(
                "（另有{}个单位见整顿进展导出表。）",
                children.len() - shown.len()
            )));
        }
    }

    blocks.push(Block::Heading1(if children.is_empty() {
        "五、下步工作".into()
    } else {
        "六、下步工作".into()
    }));
    let behind: Vec<String> = children
        .iter()
        .filter(|r| r.figures.officers > 0 && r.figures.study_rate() < 80.0)
        .map(|r| r.unit.name.clone())
        .take(8)
        .collect();
    let mut next = Vec::new();
    if !behind.is_empty() {
        next.push(format!(
            "学习完成率低于80%的单位（{}）要抓紧组织补学",
            behind.join("、")
        ));
    }
    if f.officers > f.reports_filed {
        next.push(format!(
            "督促尚未提交自查事项报告的{}名干警在自查期限内如实填报",
            f.officers - f.reports_filed
        ));
    }
    if f.ledger_overdue > 0 || f.tasks_overdue > 0 {
        next.push(format!(
            "对超期未销号的{}项整改事项和超期的{}项工作任务逐项督办",
            f.ledger_overdue, f.tasks_overdue
        ));
    }
    if f.pending > 0 {
        next.push(format!("尽快完成{}个查实问题与自查报告的比对", f.pending));
    }
    if next.is_empty() {
        next.push("巩固已有成果，按计划推进下一阶段工作".into());
    }
    blocks.push(Block::Paragraph(format!("{}。", next.join("；"))));

    let office = format!("{}教育整顿领导小组办公室", root.name);
    Briefing {
        masthead: "教育整顿工作简报".into(),
        issue: format!("第 {issue} 期"),
        issuer: office.clone(),
        date: cn_date(p.week_to),
        title: format!(
            "{}教育整顿工作进展情况（{}—{}）",
            root.name,
            md(p.week_from),
            md(p.week_to)
        ),
        blocks,
        send_to: vec![
            format!("报：{}教育整顿领导小组", c.unit_name),
            "送：各成员单位教育整顿领导小组办公室".into(),
        ],
        printed_by: office,
    }
}

async fn briefing(
    State(state): State<AppState>,
    s: Staff,
    Query(qs): Query<ProgressQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let pick = pick_campaign(&state, &s.actor, qs.campaign.as_deref())
        .await?
        .ok_or(Error::NotFound)?;
    // A briefing is a document of record: it reads fresh figures, not the dashboard's cached ones.
    let p = fresh(&state.store, &pick).await?;
    let root = root_for(&p, &s.actor, qs.unit.as_deref())?.clone();
    let b = briefing_of(&p, &s.actor, &root);
    let bytes = tokio::task::spawn_blocking(move || reports::docx::briefing_bytes(&b))
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))??;
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "progress.briefing",
            &pick.campaign.id,
            &root.name,
        )
        .await?;
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    );
    let name = format!("{}工作简报-{}.docx", root.name, p.week_to.format("%Y%m%d"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"briefing.docx\"; filename*=UTF-8''{}",
        q(&name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

async fn fresh(store: &Store, pick: &CampaignPick) -> Result<Progress, Error> {
    Ok(store.campaign_progress(&pick.campaign).await?)
}

fn figures_json(f: &Figures) -> serde_json::Value {
    serde_json::json!({
        "counts": f,
        "rates": {
            "study": f.study_rate(),
            "reports": f.report_rate(),
            "ledger": f.ledger_rate(),
            "tasks": f.task_rate(),
        }
    })
}

/// The dashboard's figures as JSON for the API (`GET /api/v1/progress`): the root unit summed, then
/// each unit directly below it.
pub(crate) async fn progress_json(
    state: &AppState,
    actor: &Actor,
    campaign: Option<&str>,
    unit: Option<&str>,
) -> Result<serde_json::Value, Error> {
    let pick = pick_campaign(state, actor, campaign)
        .await?
        .ok_or(Error::NotFound)?;
    let p = progress_of(state, &pick).await?;
    let root = root_for(&p, actor, unit)?;
    let own = p.unit(&root.id);
    let f = p.rollup(actor, &root.path);
    let units: Vec<serde_json::Value> = p
        .children(actor, root)
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.unit.id,
                "name": r.unit.name,
                "phase": p.phase_label(r.phase_seq, r.completed),
                "figures": figures_json(&r.figures),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "campaign": { "id": pick.campaign.id, "name": pick.campaign.name },
        "phases": pick.campaign.phase_names(),
        "unit": { "id": root.id, "name": root.name },
        "phase": own.map(|u| p.phase_label(u.phase_seq, u.completed)).unwrap_or_default(),
        "computed_at": p.computed_at,
        "week_from": p.week_from.to_string(),
        "week_to": p.week_to.to_string(),
        "figures": figures_json(&f),
        "units": units,
    }))
}
