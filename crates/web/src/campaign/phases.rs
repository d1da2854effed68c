//! Campaigns and phases: the list, a new campaign from a template or a custom list of phases, the campaign
//! page with its phases and the phase board (every unit in scope, its phase, what blocks it), the board's
//! .xlsx export, and each unit's page with its checklist, history and the advance / override / rework forms.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::DomainError;
use domain::access::Permission;
use domain::campaign::{
    CampaignTemplate, Checklist, ExitCriteria, MAX_PHASES, PhaseDraft, check_campaign_name,
    check_phase, validate_phases,
};
use serde::Deserialize;
use store::StoreError;
use store::campaign::{BoardFilter, Campaign, NewCampaign, PhaseStep};

use super::{Opt, XlsxStream, bad_request, field};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, Pager, fmt_time, page, q};

const BOARD_PER_PAGE: u64 = 50;

fn template_label(code: &str) -> &'static str {
    CampaignTemplate::parse(code)
        .map(|t| t.label())
        .unwrap_or("自定义阶段")
}

fn status_label(code: &str) -> &'static str {
    if code == "completed" {
        "已完成"
    } else {
        "进行中"
    }
}

/// The criteria of a phase in words, for the phase table.
pub fn describe(c: &ExitCriteria) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(r) = c.study_rate {
        v.push(format!("学习完成率 ≥ {r}%"));
    }
    if c.self_reports {
        v.push("自查事项报告全部报送".into());
    }
    if c.clues_disposed {
        v.push("无超过时限未处置的问题线索".into());
    }
    if c.rectification_accepted {
        v.push("整改问题全部验收销号".into());
    }
    if c.tasks_accepted {
        v.push("本阶段任务全部验收".into());
    }
    if v.is_empty() {
        v.push("未设退出条件".into());
    }
    v
}

// ---------- list ----------

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<u64>,
}

struct CampaignLine {
    id: String,
    name: String,
    template: &'static str,
    unit_name: String,
    window: String,
    phases: i64,
    status: &'static str,
    created: String,
}

#[derive(Template)]
#[template(path = "campaign/list.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<CampaignLine>,
    pager: Pager,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(pq): Query<PageQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let per_page = 20;
    let page_no = pq.page.unwrap_or(1).clamp(1, 100_000);
    let (rows, total) = state
        .store
        .campaigns(&s.actor, (page_no - 1) * per_page, per_page)
        .await?;
    Ok(page(&ListPage {
        nav: s.nav("/campaigns"),
        rows: rows
            .into_iter()
            .map(|c| CampaignLine {
                window: format!(
                    "{} 至 {}",
                    c.starts_on.unwrap_or_default(),
                    c.ends_on.unwrap_or_default()
                ),
                template: template_label(&c.template),
                status: status_label(&c.status),
                created: fmt_time(c.created_at),
                id: c.id,
                name: c.name,
                unit_name: c.unit_name,
                phases: c.phases,
            })
            .collect(),
        pager: Pager::new(Some(page_no), per_page, total, String::new()),
        can_create: s.actor.role.can(Permission::ManageCampaign),
    }))
}

// ---------- new campaign ----------

/// One phase row of the form as typed (kept to fill the form again after an error).
#[derive(Clone, Default)]
struct PhaseRow {
    idx: usize,
    /// A template's phase name, shown rather than typed.
    fixed_name: Option<&'static str>,
    name: String,
    starts: String,
    ends: String,
    rate: String,
    reports: bool,
    clues: bool,
    rect: bool,
    tasks: bool,
}

impl PhaseRow {
    fn blank(&self) -> bool {
        self.fixed_name.is_none()
            && self.name.trim().is_empty()
            && self.starts.trim().is_empty()
            && self.ends.trim().is_empty()
    }

    fn draft(&self) -> PhaseDraft {
        PhaseDraft {
            name: self.name.clone(),
            starts: self.starts.clone(),
            ends: self.ends.clone(),
            study_rate: self.rate.clone(),
            self_reports: self.reports,
            clues_disposed: self.clues,
            rectification_accepted: self.rect,
            tasks_accepted: self.tasks,
        }
    }
}

/// The rows a template starts with; a custom campaign gets blank rows with task acceptance ticked.
fn rows_for(t: CampaignTemplate) -> Vec<PhaseRow> {
    let fixed = t.phases();
    if fixed.is_empty() {
        return (0..MAX_PHASES)
            .map(|idx| PhaseRow {
                idx,
                tasks: true,
                ..PhaseRow::default()
            })
            .collect();
    }
    fixed
        .iter()
        .enumerate()
        .map(|(idx, p)| PhaseRow {
            idx,
            fixed_name: Some(p.name),
            name: p.name.to_string(),
            rate: p
                .criteria
                .study_rate
                .map(|r| r.to_string())
                .unwrap_or_default(),
            reports: p.criteria.self_reports,
            clues: p.criteria.clues_disposed,
            rect: p.criteria.rectification_accepted,
            tasks: p.criteria.tasks_accepted,
            ..PhaseRow::default()
        })
        .collect()
}

#[derive(Template)]
#[template(path = "campaign/new.html")]
struct NewPage {
    nav: Nav,
    template: String,
    template_label: &'static str,
    templates: Vec<Opt>,
    name: String,
    rows: Vec<PhaseRow>,
    errors: Vec<(String, String)>,
}

impl NewPage {
    fn error_for(&self, f: &str) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(k, _)| k == f)
            .map(|(_, m)| m.clone())
            .collect()
    }
}

fn new_form(
    s: &Staff,
    t: CampaignTemplate,
    name: String,
    rows: Vec<PhaseRow>,
    errors: Vec<(String, String)>,
) -> Response {
    let r = page(&NewPage {
        nav: s.nav("/campaigns"),
        template: t.as_str().into(),
        template_label: t.label(),
        templates: CampaignTemplate::all()
            .iter()
            .map(|x| Opt {
                value: x.as_str().into(),
                label: x.label().into(),
                selected: *x == t,
            })
            .collect(),
        name,
        rows,
        errors: errors.clone(),
    });
    if errors.is_empty() { r } else { bad_request(r) }
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    template: Option<String>,
}

pub async fn new_page(s: Staff, Query(nq): Query<NewQuery>) -> Result<Response, Error> {
    s.require(Permission::ManageCampaign)?;
    let t = nq
        .template
        .as_deref()
        .and_then(|t| CampaignTemplate::parse(t).ok())
        .unwrap_or(CampaignTemplate::Education);
    Ok(new_form(&s, t, String::new(), rows_for(t), vec![]))
}

/// Reads the phase rows of a template (or up to [`MAX_PHASES`] custom rows) from the posted form.
fn rows_from(form: &[(String, String)], t: CampaignTemplate) -> Vec<PhaseRow> {
    let base = rows_for(t);
    base.into_iter()
        .map(|b| {
            let i = b.idx;
            let get = |k: &str| field(form, &format!("p{i}_{k}")).to_string();
            let on = |k: &str| field(form, &format!("p{i}_{k}")) == "1";
            PhaseRow {
                name: b
                    .fixed_name
                    .map(str::to_string)
                    .unwrap_or_else(|| get("name")),
                starts: get("starts"),
                ends: get("ends"),
                rate: get("rate"),
                reports: on("reports"),
                clues: on("clues"),
                rect: on("rect"),
                tasks: on("tasks"),
                ..b
            }
        })
        .collect()
}

pub async fn create(
    State(state): State<AppState>,
    s: Staff,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    s.require(Permission::ManageCampaign)?;
    s.check_csrf(field(&form, "csrf"))?;
    let Ok(t) = CampaignTemplate::parse(field(&form, "template")) else {
        return Ok(new_form(
            &s,
            CampaignTemplate::Education,
            String::new(),
            rows_for(CampaignTemplate::Education),
            vec![("template".into(), "请选择模板".into())],
        ));
    };
    let name = field(&form, "name").to_string();
    let rows = rows_from(&form, t);
    let drafts: Vec<PhaseDraft> = rows
        .iter()
        .filter(|r| !r.blank())
        .map(PhaseRow::draft)
        .collect();
    let mut errors: Vec<(String, String)> = Vec::new();
    if let Err(e) = check_campaign_name(&name) {
        errors.push(("name".into(), e.message));
    }
    let phases = match validate_phases(t, &drafts) {
        Ok(p) => Some(p),
        Err(es) => {
            errors.extend(es.into_iter().map(|e| ("phases".to_string(), e.message)));
            None
        }
    };
    let (Some(phases), true) = (phases, errors.is_empty()) else {
        return Ok(new_form(&s, t, name, rows, errors));
    };
    match state
        .store
        .create_campaign(
            &s.actor,
            &NewCampaign {
                name: name.clone(),
                template: t,
                phases,
            },
        )
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/campaigns/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => Ok(new_form(
            &s,
            t,
            name,
            rows,
            vec![(e.field.unwrap_or("name").to_string(), e.message)],
        )),
        Err(e) => Err(e.into()),
    }
}

// ---------- the campaign and its phase board ----------

struct PhaseLine {
    seq: usize,
    name: String,
    window: String,
    criteria: String,
    starts: String,
    ends: String,
    rate: String,
    reports: bool,
    clues: bool,
    rect: bool,
    tasks: bool,
}

struct BoardLine {
    unit_id: String,
    unit_name: String,
    phase_name: String,
    since: String,
    status: &'static str,
    late: bool,
    blocking: String,
    ready: bool,
}

#[derive(Template)]
#[template(path = "campaign/show.html")]
struct ShowPage {
    nav: Nav,
    c: Campaign,
    template_label: &'static str,
    status_label: &'static str,
    phases: Vec<PhaseLine>,
    rows: Vec<BoardLine>,
    pager: Pager,
    phase_opts: Vec<Opt>,
    export_link: String,
    chart: String,
    can_edit: bool,
    can_issue: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct BoardQuery {
    phase: Option<String>,
    page: Option<u64>,
}

impl BoardQuery {
    fn filter(&self) -> BoardFilter {
        match self.phase.as_deref().map(str::trim) {
            Some("done") => BoardFilter {
                phase: None,
                completed: true,
            },
            Some(p) => BoardFilter {
                phase: p.parse().ok(),
                completed: false,
            },
            None => BoardFilter::default(),
        }
    }

    fn base(&self) -> String {
        match self.phase.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => format!("phase={}&", q(p)),
            None => String::new(),
        }
    }
}

fn checklist_status(completed: bool, c: &Checklist) -> (&'static str, String, bool) {
    if completed {
        ("已完成全部阶段", String::new(), false)
    } else if c.passed() {
        ("条件已满足", String::new(), true)
    } else {
        ("未满足退出条件", c.blocking_text(), false)
    }
}

async fn show_page(
    state: &AppState,
    s: &Staff,
    id: &str,
    bq: BoardQuery,
    error: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let c = state.store.campaign_in_scope(&s.actor, id).await?;
    let page_no = bq.page.unwrap_or(1).clamp(1, 100_000);
    let (board, total) = state
        .store
        .phase_board(
            &s.actor,
            &c,
            &bq.filter(),
            (page_no - 1) * BOARD_PER_PAGE,
            BOARD_PER_PAGE,
        )
        .await?;
    let counts = state.store.phase_counts(&s.actor, &c).await?;
    let mut chart_data: Vec<(String, i64)> = c
        .phases
        .iter()
        .zip(counts.iter())
        .map(|(p, n)| (p.name.clone(), *n))
        .collect();
    chart_data.push(("已完成".into(), counts.last().copied().unwrap_or(0)));
    let selected = bq.phase.clone().unwrap_or_default();
    let mut phase_opts: Vec<Opt> = c
        .phases
        .iter()
        .map(|p| Opt {
            value: p.seq.to_string(),
            label: p.name.clone(),
            selected: selected == p.seq.to_string(),
        })
        .collect();
    phase_opts.push(Opt {
        value: "done".into(),
        label: "已完成".into(),
        selected: selected == "done",
    });
    let phases = c
        .phases
        .iter()
        .map(|p| PhaseLine {
            seq: p.seq,
            name: p.name.clone(),
            window: format!("{} 至 {}", p.starts_on, p.ends_on),
            criteria: describe(&p.criteria).join("；"),
            starts: p.starts_on.clone(),
            ends: p.ends_on.clone(),
            rate: p
                .criteria
                .study_rate
                .map(|r| r.to_string())
                .unwrap_or_default(),
            reports: p.criteria.self_reports,
            clues: p.criteria.clues_disposed,
            rect: p.criteria.rectification_accepted,
            tasks: p.criteria.tasks_accepted,
        })
        .collect();
    let rows = board
        .into_iter()
        .map(|b| {
            let (status, blocking, ready) = checklist_status(b.state.completed, &b.checklist);
            BoardLine {
                unit_name: format!("{}{}", "　".repeat(b.depth), b.unit_name),
                phase_name: if b.state.completed {
                    "—".into()
                } else {
                    b.phase_name
                },
                since: fmt_time(b.since),
                late: b.past_window,
                unit_id: b.unit_id,
                status,
                blocking,
                ready,
            }
        })
        .collect();
    let failed = error.is_some();
    let r = page(&ShowPage {
        nav: s.nav("/campaigns"),
        template_label: template_label(&c.template),
        status_label: status_label(&c.status),
        phases,
        rows,
        pager: Pager::new(Some(page_no), BOARD_PER_PAGE, total, bq.base()),
        phase_opts,
        export_link: format!("/campaigns/{}/board.xlsx?{}", c.id, bq.base()),
        chart: crate::charts::bars("各阶段单位数", &chart_data),
        can_edit: s.actor.role.can(Permission::ManageCampaign) && s.actor.covers_path(&c.unit_path),
        can_issue: s.actor.role.can(Permission::IssueTasks),
        error,
        c,
    });
    Ok(if failed { bad_request(r) } else { r })
}

pub async fn show(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Query(bq): Query<BoardQuery>,
) -> Result<Response, Error> {
    show_page(&state, &s, &id, bq, None).await
}

const BOARD_HEADERS: &[&str] = &[
    "单位",
    "单位编码",
    "当前阶段",
    "进入时间",
    "状态",
    "超出阶段时间",
    "未满足的退出条件",
];

pub async fn board_export(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Query(bq): Query<BoardQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let c = state.store.campaign_in_scope(&s.actor, &id).await?;
    let filter = bq.filter();
    let out = XlsxStream::new("阶段看板", BOARD_HEADERS)?;
    let mut offset = 0;
    let mut count = 0u64;
    loop {
        let (rows, _) = state
            .store
            .phase_board(&s.actor, &c, &filter, offset, 500)
            .await?;
        if rows.is_empty() {
            break;
        }
        offset += rows.len() as u64;
        for b in rows {
            use reports::Cell::Text;
            let (status, blocking, _) = checklist_status(b.state.completed, &b.checklist);
            count += 1;
            out.send(vec![
                Text(b.unit_name),
                Text(b.unit_code),
                Text(if b.state.completed {
                    "—".into()
                } else {
                    b.phase_name
                }),
                Text(fmt_time(b.since)),
                Text(status.into()),
                Text(if b.past_window { "是" } else { "" }.into()),
                Text(blocking),
            ])
            .await?;
        }
    }
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "campaign.export",
            &format!("campaign:{}", c.id),
            &format!("{count} rows"),
        )
        .await?;
    out.finish("phase-board.xlsx", &format!("{}-阶段看板.xlsx", c.name))
        .await
}

#[derive(Deserialize)]
pub struct PhaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    rate: String,
    #[serde(default)]
    reports: Option<String>,
    #[serde(default)]
    clues: Option<String>,
    #[serde(default)]
    rect: Option<String>,
    #[serde(default)]
    tasks: Option<String>,
}

/// Changes one phase's window and exit criteria.
pub async fn edit_phase(
    State(state): State<AppState>,
    s: Staff,
    Path((id, seq)): Path<(String, String)>,
    Form(f): Form<PhaseForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageCampaign)?;
    s.check_csrf(&f.csrf)?;
    let c = state.store.campaign_in_scope(&s.actor, &id).await?;
    let Some(p) = seq.parse::<usize>().ok().and_then(|i| c.phases.get(i)) else {
        return Err(Error::NotFound);
    };
    let on = |v: &Option<String>| v.as_deref() == Some("1");
    let draft = PhaseDraft {
        name: p.name.clone(),
        starts: f.starts.clone(),
        ends: f.ends.clone(),
        study_rate: f.rate.clone(),
        self_reports: on(&f.reports),
        clues_disposed: on(&f.clues),
        rectification_accepted: on(&f.rect),
        tasks_accepted: on(&f.tasks),
    };
    let result = match check_phase(p.seq + 1, &p.key, &p.name, &draft) {
        Ok(spec) => state.store.set_phase(&s.actor, &id, p.seq, &spec).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/campaigns/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => {
            show_page(
                &state,
                &s,
                &id,
                BoardQuery::default(),
                Some(format!(
                    "「{}」：{}",
                    p.name,
                    e.message
                        .trim_start_matches(&format!("第{}阶段：", p.seq + 1))
                )),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- one unit's phase ----------

struct CheckLine {
    label: &'static str,
    met: bool,
    fact: String,
}

fn check_lines(c: &Checklist) -> Vec<CheckLine> {
    c.items
        .iter()
        .map(|i| CheckLine {
            label: i.criterion.label(),
            met: i.met,
            fact: i.fact.clone(),
        })
        .collect()
}

struct HistoryLine {
    at: String,
    who: String,
    action: &'static str,
    lines: Vec<String>,
    checks: Vec<CheckLine>,
}

struct StepLine {
    name: String,
    window: String,
    /// "done", "current" or "todo".
    mark: &'static str,
}

#[derive(Template)]
#[template(path = "campaign/unit.html")]
struct UnitPage {
    nav: Nav,
    campaign_id: String,
    campaign_name: String,
    unit_id: String,
    unit_name: String,
    phase_name: String,
    completed: bool,
    since: String,
    past_window: bool,
    steps: Vec<StepLine>,
    checks: Vec<CheckLine>,
    passed: bool,
    history: Vec<HistoryLine>,
    can_move: bool,
    can_rework: bool,
    rework_opts: Vec<Opt>,
    /// (form, message): which form the error belongs to.
    error: Option<(String, String)>,
    reason: String,
    reasons: String,
    message: Option<String>,
}

impl UnitPage {
    fn error_in(&self, form: &str) -> String {
        match &self.error {
            Some((f, m)) if f == form => m.clone(),
            _ => String::new(),
        }
    }
}

fn action_label(code: &str) -> &'static str {
    match code {
        "advance" => "推进",
        "override" => "特批推进",
        "rework" => "返工",
        _ => "变更",
    }
}

fn may_rework(s: &Staff) -> bool {
    s.actor.role.can(Permission::ManageCampaign) || s.actor.role.can(Permission::InspectUnits)
}

#[derive(Default)]
struct UnitExtras {
    error: Option<(String, String)>,
    reason: String,
    reasons: String,
    message: Option<String>,
}

async fn unit_view(
    state: &AppState,
    s: &Staff,
    id: &str,
    unit_id: &str,
    x: UnitExtras,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let c = state.store.campaign_in_scope(&s.actor, id).await?;
    let v = state.store.unit_phase(&s.actor, &c, unit_id).await?;
    let steps = c
        .phases
        .iter()
        .map(|p| StepLine {
            name: p.name.clone(),
            window: format!("{} 至 {}", p.starts_on, p.ends_on),
            mark: if v.state.completed || p.seq < v.state.phase {
                "done"
            } else if p.seq == v.state.phase {
                "current"
            } else {
                "todo"
            },
        })
        .collect();
    let last = if v.state.completed {
        c.phases.len()
    } else {
        v.state.phase + 1
    };
    let rework_opts = c
        .phases
        .iter()
        .take(last)
        .map(|p| Opt {
            value: p.seq.to_string(),
            label: p.name.clone(),
            selected: p.seq + 1 == last,
        })
        .collect();
    let history = v
        .history
        .iter()
        .rev()
        .map(|e| HistoryLine {
            at: fmt_time(e.created_at),
            who: e.actor_name.clone(),
            action: action_label(&e.action),
            lines: e.note.lines().map(str::to_string).collect(),
            checks: check_lines(&e.checklist),
        })
        .collect();
    let failed = x.error.is_some();
    let r = page(&UnitPage {
        nav: s.nav("/campaigns"),
        campaign_id: c.id.clone(),
        campaign_name: c.name.clone(),
        unit_id: v.unit.id.clone(),
        unit_name: v.unit.name.clone(),
        phase_name: c.phase_name(v.state.phase).to_string(),
        completed: v.state.completed,
        since: fmt_time(v.since),
        past_window: v.past_window,
        steps,
        checks: check_lines(&v.checklist),
        passed: v.checklist.passed(),
        history,
        can_move: s.actor.role.can(Permission::ManageCampaign),
        can_rework: may_rework(s),
        rework_opts,
        error: x.error,
        reason: x.reason,
        reasons: x.reasons,
        message: x.message,
    });
    Ok(if failed { bad_request(r) } else { r })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn unit_page(
    State(state): State<AppState>,
    s: Staff,
    Path((id, unit)): Path<(String, String)>,
    Query(d): Query<DoneQuery>,
) -> Result<Response, Error> {
    let message = match d.done.as_deref() {
        Some("advance") => Some("已推进至下一阶段。".to_string()),
        Some("override") => Some("已特批推进，理由已记录。".to_string()),
        Some("rework") => Some("已返工，理由已记录。".to_string()),
        _ => None,
    };
    unit_view(
        &state,
        &s,
        &id,
        &unit,
        UnitExtras {
            message,
            ..UnitExtras::default()
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reasons: String,
}

async fn do_move(
    state: &AppState,
    s: &Staff,
    id: &str,
    unit: &str,
    form: &'static str,
    step: PhaseStep,
    f: &MoveForm,
) -> Result<Response, Error> {
    match state.store.move_unit(&s.actor, id, unit, &step).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/campaigns/{id}/units/{unit}?done={form}")).into_response())
        }
        Err(StoreError::Invalid(DomainError { message, .. }) | StoreError::Conflict(message)) => {
            let x = UnitExtras {
                error: Some((form.to_string(), message)),
                reason: f.reason.clone(),
                reasons: f.reasons.clone(),
                message: None,
            };
            unit_view(state, s, id, unit, x).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn advance(
    State(state): State<AppState>,
    s: Staff,
    Path((id, unit)): Path<(String, String)>,
    Form(f): Form<MoveForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageCampaign)?;
    s.check_csrf(&f.csrf)?;
    do_move(&state, &s, &id, &unit, "advance", PhaseStep::Advance, &f).await
}

pub async fn override_phase(
    State(state): State<AppState>,
    s: Staff,
    Path((id, unit)): Path<(String, String)>,
    Form(f): Form<MoveForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageCampaign)?;
    s.check_csrf(&f.csrf)?;
    do_move(
        &state,
        &s,
        &id,
        &unit,
        "override",
        PhaseStep::Override {
            reason: f.reason.clone(),
        },
        &f,
    )
    .await
}

pub async fn rework(
    State(state): State<AppState>,
    s: Staff,
    Path((id, unit)): Path<(String, String)>,
    Form(f): Form<MoveForm>,
) -> Result<Response, Error> {
    if !may_rework(&s) {
        return Err(Error::Forbidden);
    }
    s.check_csrf(&f.csrf)?;
    // An unparsable phase index is handed on as out of range, so the state machine names the problem.
    let to = f.to.trim().parse::<usize>().unwrap_or(usize::MAX);
    do_move(
        &state,
        &s,
        &id,
        &unit,
        "rework",
        PhaseStep::Rework {
            to,
            reasons: f.reasons.clone(),
        },
        &f,
    )
    .await
}
