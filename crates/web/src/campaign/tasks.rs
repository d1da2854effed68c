//! Task pages: the list (to do, issued by my unit, all in scope) with filters, pagination and .xlsx export;
//! issuing a task to units below; the task page with each unit's history, the progress form with evidence
//! files, and the issuer's chase / return / accept forms; evidence served back as attachments.

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::Permission;
use domain::campaign::{TaskAction, TaskDraft, TaskState, may_issue_to, validate_task};
use domain::org::Role;
use serde::Deserialize;
use store::StoreError;
use store::campaign::tasks::{
    Evidence, MAX_EVIDENCE_FILES, NewTask, TaskDetail, TaskFilter, TaskRow, TaskTab,
};

use super::{Opt, XlsxStream, bad_request, field};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, Pager, fmt_time, page, q};

const PER_PAGE: u64 = 30;

fn state_label(s: TaskState) -> &'static str {
    s.label()
}

fn event_label(code: &str) -> &'static str {
    match code {
        "issue" => "下发",
        other => TaskAction::all()
            .iter()
            .find(|a| a.code() == other)
            .map(|a| a.label())
            .unwrap_or("办理"),
    }
}

/// Where a person lands on /tasks: a unit's own work for those who report, what they issued for the office.
fn default_tab(role: Role) -> TaskTab {
    if role.can(Permission::ReportTasks) {
        TaskTab::Todo
    } else if role.can(Permission::IssueTasks) {
        TaskTab::Issued
    } else {
        TaskTab::All
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct TaskQuery {
    tab: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    campaign: Option<String>,
    q: Option<String>,
    page: Option<u64>,
}

impl TaskQuery {
    fn tab(&self, role: Role) -> TaskTab {
        self.tab
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(TaskTab::parse)
            .unwrap_or_else(|| default_tab(role))
    }

    fn filter(&self, role: Role) -> TaskFilter {
        let nz = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        TaskFilter {
            tab: self.tab(role),
            state: nz(&self.state).and_then(|s| TaskState::parse(&s).ok()),
            overdue: nz(&self.overdue).is_some(),
            campaign_id: nz(&self.campaign),
            q: nz(&self.q).map(|s| s.chars().take(50).collect()),
        }
    }

    /// The query string of the filters (without the page), to build links.
    fn base(&self, tab: TaskTab) -> String {
        let mut s = format!("tab={}&", tab.as_str());
        for (k, v) in [
            ("state", &self.state),
            ("overdue", &self.overdue),
            ("campaign", &self.campaign),
            ("q", &self.q),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.push_str(&format!("{k}={}&", q(v)));
            }
        }
        s
    }
}

struct TaskLine {
    task_id: String,
    number: String,
    title: String,
    campaign: String,
    unit_name: String,
    issuer: String,
    deadline: String,
    state: &'static str,
    overdue: bool,
    leader: String,
    owner: String,
}

fn line(r: TaskRow) -> TaskLine {
    TaskLine {
        state: state_label(r.state),
        campaign: r.campaign_name.unwrap_or_default(),
        task_id: r.task_id,
        number: r.number,
        title: r.title,
        unit_name: r.unit_name,
        issuer: r.issuer_unit_name,
        deadline: r.deadline,
        overdue: r.overdue,
        leader: r.leader,
        owner: r.owner,
    }
}

#[derive(Template)]
#[template(path = "campaign/tasks.html")]
struct TasksPage {
    nav: Nav,
    rows: Vec<TaskLine>,
    pager: Pager,
    tab: &'static str,
    tabs: Vec<(String, &'static str, bool)>,
    states: Vec<Opt>,
    campaigns: Vec<Opt>,
    query: String,
    overdue: bool,
    export_link: String,
    can_issue: bool,
}

pub async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(tq): Query<TaskQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let filter = tq.filter(s.actor.role);
    let page_no = tq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (rows, total) = state
        .store
        .tasks(&s.actor, &filter, (page_no - 1) * PER_PAGE, PER_PAGE)
        .await?;
    let (campaigns, _) = state.store.campaigns(&s.actor, 0, 100).await?;
    let base = tq.base(filter.tab);
    let tab_link = |t: TaskTab| {
        format!(
            "/tasks?{}",
            TaskQuery {
                tab: Some(t.as_str().into()),
                page: None,
                ..tq.clone()
            }
            .base(t)
        )
    };
    Ok(page(&TasksPage {
        nav: s.nav("/tasks"),
        rows: rows.into_iter().map(line).collect(),
        pager: Pager::new(Some(page_no), PER_PAGE, total, base.clone()),
        tab: filter.tab.as_str(),
        tabs: [
            (TaskTab::Todo, "本单位待办"),
            (TaskTab::Issued, "本单位下发"),
            (TaskTab::All, "权限范围内全部"),
        ]
        .into_iter()
        .map(|(t, l)| (tab_link(t), l, t == filter.tab))
        .collect(),
        states: TaskState::all()
            .iter()
            .map(|x| Opt {
                value: x.as_str().into(),
                label: x.label().into(),
                selected: filter.state == Some(*x),
            })
            .collect(),
        campaigns: campaigns
            .into_iter()
            .map(|c| Opt {
                selected: filter.campaign_id.as_deref() == Some(c.id.as_str()),
                value: c.id,
                label: c.name,
            })
            .collect(),
        query: filter.q.clone().unwrap_or_default(),
        overdue: filter.overdue,
        export_link: format!("/tasks/export?{base}"),
        can_issue: s.actor.role.can(Permission::IssueTasks),
    }))
}

const EXPORT_HEADERS: &[&str] = &[
    "任务编号",
    "任务名称",
    "整顿活动",
    "承办单位",
    "下发单位",
    "完成时限",
    "状态",
    "是否超期",
    "责任领导",
    "责任人",
    "催办次数",
    "最新进展",
    "更新时间",
];

pub async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(tq): Query<TaskQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let filter = tq.filter(s.actor.role);
    let out = XlsxStream::new("工作任务", EXPORT_HEADERS)?;
    let mut after = String::new();
    let mut count = 0u64;
    loop {
        let rows = state
            .store
            .tasks_after(&s.actor, &filter, &after, 2000)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.target_id.clone();
        for r in rows {
            use reports::Cell::{Int, Text};
            count += 1;
            out.send(vec![
                Text(r.number),
                Text(r.title),
                Text(r.campaign_name.unwrap_or_default()),
                Text(r.unit_name),
                Text(r.issuer_unit_name),
                Text(r.deadline),
                Text(r.state.label().into()),
                Text(if r.overdue { "超期" } else { "" }.into()),
                Text(r.leader),
                Text(r.owner),
                Int(r.chased),
                Text(r.last_progress.unwrap_or_default()),
                Text(fmt_time(r.updated_at)),
            ])
            .await?;
        }
    }
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "task.export",
            "tasks",
            &format!("{count} rows"),
        )
        .await?;
    out.finish(
        &format!("tasks-{}.xlsx", store::clues::today().format("%Y%m%d")),
        "工作任务.xlsx",
    )
    .await
}

// ---------- issuing ----------

struct UnitChoice {
    id: String,
    label: String,
    checked: bool,
}

#[derive(Default, Clone)]
struct TaskFormView {
    title: String,
    body: String,
    deadline: String,
    leader: String,
    owner: String,
}

#[derive(Template)]
#[template(path = "campaign/task_new.html")]
struct NewTaskPage {
    nav: Nav,
    f: TaskFormView,
    units: Vec<UnitChoice>,
    phases: Vec<Opt>,
    errors: Vec<(String, String)>,
}

impl NewTaskPage {
    fn error_for(&self, f: &str) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(k, _)| k == f)
            .map(|(_, m)| m.clone())
            .collect()
    }
}

async fn render_new(
    state: &AppState,
    s: &Staff,
    f: TaskFormView,
    chosen: &[String],
    phase: &str,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    let office = s.actor.role == Role::CampaignOffice;
    let units = state.store.units_in_scope(&s.actor).await?;
    let base = s.actor.unit_path.matches('/').count();
    let units = units
        .into_iter()
        .filter(|u| may_issue_to(office, &s.actor.unit_path, &u.path, true))
        .map(|u| UnitChoice {
            checked: chosen.contains(&u.id),
            label: format!(
                "{}{}",
                "　".repeat(u.path.matches('/').count().saturating_sub(base)),
                u.name
            ),
            id: u.id,
        })
        .collect();
    let (campaigns, _) = state.store.campaigns(&s.actor, 0, 50).await?;
    let mut phases = Vec::new();
    for c in campaigns.into_iter().filter(|c| c.status != "completed") {
        if let Ok(full) = state.store.campaign_in_scope(&s.actor, &c.id).await {
            for p in &full.phases {
                let value = format!("{}:{}", full.id, p.seq);
                phases.push(Opt {
                    selected: value == phase,
                    label: format!("{} · {}", full.name, p.name),
                    value,
                });
            }
        }
    }
    let failed = !errors.is_empty();
    let r = page(&NewTaskPage {
        nav: s.nav("/tasks"),
        f,
        units,
        phases,
        errors,
    });
    Ok(if failed { bad_request(r) } else { r })
}

#[derive(Deserialize, Default)]
pub struct NewTaskQuery {
    campaign: Option<String>,
}

pub async fn new_page(
    State(state): State<AppState>,
    s: Staff,
    Query(nq): Query<NewTaskQuery>,
) -> Result<Response, Error> {
    s.require(Permission::IssueTasks)?;
    let phase = nq.campaign.map(|c| format!("{c}:0")).unwrap_or_default();
    render_new(&state, &s, TaskFormView::default(), &[], &phase, vec![]).await
}

/// `campaign_id:phase_index`, or nothing.
fn parse_phase(v: &str) -> Result<(Option<String>, Option<usize>), String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok((None, None));
    }
    match v.rsplit_once(':') {
        Some((c, p)) if !c.is_empty() => p
            .parse()
            .map(|p| (Some(c.to_string()), Some(p)))
            .map_err(|_| "请从列表中选择所属阶段".to_string()),
        _ => Err("请从列表中选择所属阶段".into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    s: Staff,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    s.require(Permission::IssueTasks)?;
    s.check_csrf(field(&form, "csrf"))?;
    let view = TaskFormView {
        title: field(&form, "title").into(),
        body: field(&form, "body").into(),
        deadline: field(&form, "deadline").into(),
        leader: field(&form, "leader").into(),
        owner: field(&form, "owner").into(),
    };
    let units: Vec<String> = form
        .iter()
        .filter(|(k, v)| k == "unit" && !v.is_empty())
        .map(|(_, v)| v.chars().take(64).collect())
        .collect();
    let phase = field(&form, "phase").to_string();
    let mut errors: Vec<(String, String)> = Vec::new();
    let draft = TaskDraft {
        title: view.title.clone(),
        body: view.body.clone(),
        deadline: view.deadline.clone(),
        leader: view.leader.clone(),
        owner: view.owner.clone(),
    };
    let task = validate_task(&draft, store::clues::today())
        .map_err(|es| {
            errors.extend(
                es.into_iter()
                    .map(|e| (e.field.unwrap_or("form").to_string(), e.message)),
            )
        })
        .ok();
    let (campaign_id, phase_seq) = parse_phase(&phase)
        .map_err(|m| errors.push(("phase".into(), m)))
        .unwrap_or_default();
    if units.is_empty() {
        errors.push(("units".into(), "请至少选择一个下发单位".into()));
    }
    let Some(task) = task.filter(|_| errors.is_empty()) else {
        return render_new(&state, &s, view, &units, &phase, errors).await;
    };
    match state
        .store
        .issue_task(
            &s.actor,
            &NewTask {
                task,
                campaign_id,
                phase_seq,
                unit_ids: units.clone(),
            },
        )
        .await
    {
        Ok((id, _)) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => {
            render_new(
                &state,
                &s,
                view,
                &units,
                &phase,
                vec![(e.field.unwrap_or("form").to_string(), e.message)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- one task ----------

struct FileLink {
    id: String,
    name: String,
    size: i64,
}

struct EventLine {
    at: String,
    who: String,
    action: &'static str,
    state: &'static str,
    note: String,
    files: Vec<FileLink>,
}

struct TargetCard {
    id: String,
    unit_name: String,
    state: &'static str,
    overdue: bool,
    chased: i64,
    events: Vec<EventLine>,
    can_report: bool,
    can_chase: bool,
    can_review: bool,
    error: String,
}

#[derive(Template)]
#[template(path = "campaign/task.html")]
struct TaskPage {
    nav: Nav,
    t: TaskDetail,
    created: String,
    targets: Vec<TargetCard>,
    max_files: usize,
}

async fn task_view(
    state: &AppState,
    s: &Staff,
    id: &str,
    error: Option<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let t = state.store.task_in_scope(&s.actor, id).await?;
    let role = s.actor.role;
    let targets = t
        .targets
        .iter()
        .map(|v| {
            let st = v.row.state;
            let acts = domain::campaign::task_actions(st);
            TargetCard {
                id: v.row.target_id.clone(),
                unit_name: v.row.unit_name.clone(),
                state: state_label(st),
                overdue: v.row.overdue,
                chased: v.row.chased,
                events: v
                    .events
                    .iter()
                    .rev()
                    .map(|e| EventLine {
                        at: fmt_time(e.created_at),
                        who: e.actor_name.clone(),
                        action: event_label(&e.action),
                        state: TaskState::parse(&e.to_state)
                            .map(|x| x.label())
                            .unwrap_or(""),
                        note: e.note.clone(),
                        files: e
                            .files
                            .iter()
                            .map(|f| FileLink {
                                id: f.id.clone(),
                                name: f.name.clone(),
                                size: f.size,
                            })
                            .collect(),
                    })
                    .collect(),
                can_report: v.as_target
                    && role.can(Permission::ReportTasks)
                    && acts.contains(&TaskAction::Progress),
                can_chase: v.as_issuer
                    && role.can(Permission::IssueTasks)
                    && acts.contains(&TaskAction::Chase),
                can_review: v.as_issuer
                    && role.can(Permission::IssueTasks)
                    && acts.contains(&TaskAction::Accept),
                error: match &error {
                    Some((tid, m)) if *tid == v.row.target_id => m.clone(),
                    _ => String::new(),
                },
            }
        })
        .collect();
    let failed = error.is_some();
    let r = page(&TaskPage {
        nav: s.nav("/tasks"),
        created: fmt_time(t.created_at),
        t,
        targets,
        max_files: MAX_EVIDENCE_FILES,
    });
    Ok(if failed { bad_request(r) } else { r })
}

pub async fn detail(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    task_view(&state, &s, &id, None).await
}

/// The task must show this target to the actor; otherwise the pair does not exist for them.
async fn target_of(state: &AppState, s: &Staff, id: &str, target: &str) -> Result<(), Error> {
    let t = state.store.task_in_scope(&s.actor, id).await?;
    if t.targets.iter().any(|v| v.row.target_id == target) {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

async fn step(
    state: &AppState,
    s: &Staff,
    id: &str,
    target: &str,
    action: TaskAction,
    note: &str,
    files: Vec<Evidence>,
) -> Result<Response, Error> {
    target_of(state, s, id, target).await?;
    match state
        .store
        .task_step(&s.actor, target, action, note, files)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => {
            task_view(state, s, id, Some((target.to_string(), e.message))).await
        }
        Err(StoreError::Conflict(m)) => {
            task_view(state, s, id, Some((target.to_string(), m))).await
        }
        Err(e) => Err(e.into()),
    }
}

struct Report {
    csrf: String,
    note: String,
    done: bool,
    files: Vec<(String, Vec<u8>)>,
}

/// Reads the progress form. A failure comes back as the message to show beside the form.
async fn read_report(mut mp: Multipart) -> Result<Report, String> {
    let fail = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "上传的材料过大：每个佐证材料不超过{}MB，一次最多{MAX_EVIDENCE_FILES}个",
                domain::tips::MAX_ATTACHMENT_BYTES / 1024 / 1024
            )
        } else {
            "上传的数据不完整或格式不正确，请重新提交".to_string()
        }
    };
    let mut r = Report {
        csrf: String::new(),
        note: String::new(),
        done: false,
        files: Vec::new(),
    };
    while let Some(f) = mp.next_field().await.map_err(fail)? {
        match f.name().unwrap_or("") {
            "csrf" => r.csrf = f.text().await.map_err(fail)?,
            "note" => r.note = f.text().await.map_err(fail)?,
            "done" => r.done = f.text().await.map_err(fail)? == "1",
            "files" => {
                let name = f.file_name().unwrap_or("").to_string();
                let bytes = f.bytes().await.map_err(fail)?;
                // An empty file input still sends an empty part.
                if !(bytes.is_empty() && name.is_empty()) {
                    if r.files.len() >= MAX_EVIDENCE_FILES {
                        return Err(format!("一次最多上传{MAX_EVIDENCE_FILES}个佐证材料"));
                    }
                    r.files.push((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok(r)
}

pub async fn report(
    State(state): State<AppState>,
    s: Staff,
    Path((id, target)): Path<(String, String)>,
    mp: Multipart,
) -> Result<Response, Error> {
    s.require(Permission::ReportTasks)?;
    let r = match read_report(mp).await {
        Ok(r) => r,
        Err(m) => {
            // Without the token the form cannot be trusted; the message still goes beside the form.
            target_of(&state, &s, &id, &target).await?;
            return task_view(&state, &s, &id, Some((target, m))).await;
        }
    };
    s.check_csrf(&r.csrf)?;
    target_of(&state, &s, &id, &target).await?;
    let mut files = Vec::with_capacity(r.files.len());
    for (name, bytes) in r.files {
        match domain::tips::check_attachment(&bytes) {
            Ok(kind) => files.push(Evidence {
                name: if name.is_empty() {
                    format!("佐证材料.{}", kind.ext())
                } else {
                    name
                },
                kind,
                bytes,
            }),
            Err(e) => {
                let shown = domain::tips::sanitize_filename(&name);
                return task_view(
                    &state,
                    &s,
                    &id,
                    Some((target, format!("「{shown}」：{}", e.message))),
                )
                .await;
            }
        }
    }
    let action = if r.done {
        TaskAction::Submit
    } else {
        TaskAction::Progress
    };
    step(&state, &s, &id, &target, action, &r.note, files).await
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

pub async fn chase(
    State(state): State<AppState>,
    s: Staff,
    Path((id, target)): Path<(String, String)>,
    Form(f): Form<NoteForm>,
) -> Result<Response, Error> {
    s.require(Permission::IssueTasks)?;
    s.check_csrf(&f.csrf)?;
    step(&state, &s, &id, &target, TaskAction::Chase, &f.note, vec![]).await
}

pub async fn send_back(
    State(state): State<AppState>,
    s: Staff,
    Path((id, target)): Path<(String, String)>,
    Form(f): Form<NoteForm>,
) -> Result<Response, Error> {
    s.require(Permission::IssueTasks)?;
    s.check_csrf(&f.csrf)?;
    step(
        &state,
        &s,
        &id,
        &target,
        TaskAction::Return,
        &f.note,
        vec![],
    )
    .await
}

pub async fn accept(
    State(state): State<AppState>,
    s: Staff,
    Path((id, target)): Path<(String, String)>,
    Form(f): Form<NoteForm>,
) -> Result<Response, Error> {
    s.require(Permission::IssueTasks)?;
    s.check_csrf(&f.csrf)?;
    step(
        &state,
        &s,
        &id,
        &target,
        TaskAction::Accept,
        &f.note,
        vec![],
    )
    .await
}

pub async fn file(
    State(state): State<AppState>,
    s: Staff,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::ViewCampaign)?;
    let (name, kind, bytes) = state.store.task_file(&s.actor, &id, &file).await?;
    let mime = domain::tips::AttachmentKind::all()
        .iter()
        .find(|k| k.ext() == kind)
        .map(|k| k.mime())
        .unwrap_or("application/octet-stream");
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // Always a download, never rendered in our origin.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"evidence.{kind}\"; filename*=UTF-8''{}",
        q(&name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
