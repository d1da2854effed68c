//! Clue pages: the scoped list with filters and pagination, the .xlsx export, registration, the detail
//! page with its timeline, and one form per step of the clue's life.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::clues::{ClueSource, ClueState, Conclusion, DisposalMethod, Outcome};
use domain::tips::ProblemCategory;
use serde::Deserialize;
use store::clues::{Clue, ClueEvent, ClueFilter, NewClue, StepInput};
use store::tips::{TipContent, UnsealRequest};

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, Pager, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clues", get(list))
        .route("/clues/export", get(export))
        .route("/clues/new", get(new_page).post(register))
        .route("/clues/{id}", get(detail))
        .route("/clues/{id}/step", post(step))
        .route("/clues/{id}/supervise", post(supervise))
        .route("/clues/{id}/message", post(message))
        .route("/clues/{id}/attachments/{att}", get(attachment))
}

pub fn state_label(code: &str) -> &'static str {
    ClueState::parse(code).map(|s| s.label()).unwrap_or("未知")
}
pub fn category_label(code: &str) -> &'static str {
    ProblemCategory::parse(code)
        .map(|s| s.label())
        .unwrap_or("其他")
}
pub fn source_label(code: &str) -> &'static str {
    ClueSource::parse(code).map(|s| s.label()).unwrap_or("其他")
}
fn opt_label(code: &Option<String>, f: fn(&str) -> Option<&'static str>) -> &'static str {
    code.as_deref().and_then(f).unwrap_or("")
}

/// The list's filters as they arrive in the query string; anything unparsable is simply ignored.
#[derive(Deserialize, Default, Clone)]
pub struct FilterQuery {
    pub unit: Option<String>,
    pub category: Option<String>,
    pub source: Option<String>,
    pub state: Option<String>,
    pub overdue: Option<String>,
    pub supervised: Option<String>,
    pub q: Option<String>,
    pub page: Option<u64>,
}

impl FilterQuery {
    pub fn filter(&self) -> ClueFilter {
        let nz = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        ClueFilter {
            unit_id: nz(&self.unit),
            category: nz(&self.category).and_then(|c| ProblemCategory::parse(&c).ok()),
            source: nz(&self.source).and_then(|c| ClueSource::parse(&c).ok()),
            state: nz(&self.state).and_then(|c| ClueState::parse(&c).ok()),
            overdue: nz(&self.overdue).is_some(),
            supervised: nz(&self.supervised).is_some(),
            q: nz(&self.q).map(|s| s.chars().take(50).collect()),
        }
    }

    fn base(&self) -> String {
        let mut s = String::new();
        for (k, v) in [
            ("unit", &self.unit),
            ("category", &self.category),
            ("source", &self.source),
            ("state", &self.state),
            ("overdue", &self.overdue),
            ("supervised", &self.supervised),
            ("q", &self.q),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.push_str(&format!("{k}={}&", q(v)));
            }
        }
        s
    }
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

fn opts<'a>(
    items: impl Iterator<Item = (&'a str, &'a str)>,
    selected: &Option<String>,
) -> Vec<Opt> {
    items
        .map(|(v, l)| Opt {
            value: v.to_string(),
            label: l.to_string(),
            selected: selected.as_deref() == Some(v),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "clues/list.html")]
struct ListPage {
    nav: Nav,
    clues: Vec<Clue>,
    pager: Pager,
    f: FilterQuery,
    units: Vec<Opt>,
    categories: Vec<Opt>,
    sources: Vec<Opt>,
    states: Vec<Opt>,
    export_link: String,
    can_register: bool,
}

impl ListPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(f): Query<FilterQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ReadClues)?;
    let filter = f.filter();
    let per_page = 20;
    let page_no = f.page.unwrap_or(1).clamp(1, 1_000_000);
    let (clues, total) = state
        .store
        .clues(&s.actor, &filter, (page_no - 1) * per_page, per_page)
        .await?;
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_opts = units
        .iter()
        .map(|u| (u.id.as_str(), u.name.as_str()))
        .collect::<Vec<_>>();
    let base = f.base();
    Ok(page(&ListPage {
        nav: s.nav("/clues"),
        pager: Pager::new(Some(page_no), per_page, total, base.clone()),
        units: opts(unit_opts.into_iter(), &f.unit),
        categories: opts(
            ProblemCategory::all()
                .iter()
                .map(|c| (c.as_str(), c.label())),
            &f.category,
        ),
        sources: opts(
            ClueSource::all().iter().map(|c| (c.as_str(), c.label())),
            &f.source,
        ),
        states: opts(
            ClueState::all().iter().map(|c| (c.as_str(), c.label())),
            &f.state,
        ),
        export_link: format!("/clues/export?{base}"),
        can_register: s.actor.role.can(Permission::RegisterClue),
        clues,
        f,
    }))
}

/// Streams every matching clue into an .xlsx built in constant memory on a blocking thread.
async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(f): Query<FilterQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ExportClues)?;
    let filter = f.filter();
    let path = export_clues(&state, &s.actor, &filter).await?;
    let bytes = tokio::fs::read(path.path())
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    let name = format!("clues-{}.xlsx", store::clues::today().format("%Y%m%d"));
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

pub const EXPORT_HEADERS: &[&str] = &[
    "线索编号",
    "来源",
    "问题类别",
    "状态",
    "承办单位",
    "被反映人",
    "被反映人单位",
    "职务",
    "处置方式",
    "核查结论",
    "处理结果",
    "是否督办",
    "当前环节时限",
    "是否超期",
    "登记时间",
];

/// Writes the export to a temporary file and audits it. The file is deleted when the handle drops.
pub async fn export_clues(
    state: &AppState,
    actor: &store::Actor,
    filter: &ClueFilter,
) -> Result<tempfile::NamedTempFile, Error> {
    let tmp = tempfile::Builder::new()
        .suffix(".xlsx")
        .tempfile()
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    let path = tmp.path().to_path_buf();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<reports::Cell>>(4096);
    let writer = tokio::task::spawn_blocking(move || {
        let rows = std::iter::from_fn(move || rx.blocking_recv());
        reports::write_xlsx(&path, "问题线索", EXPORT_HEADERS, rows)
    });
    let mut after = String::new();
    let mut count = 0u64;
    loop {
        let page = state.store.clues_after(actor, filter, &after, 2000).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for c in page {
            count += 1;
            use reports::Cell::Text;
            let row = vec![
                Text(c.number),
                Text(source_label(&c.source).into()),
                Text(category_label(&c.category).into()),
                Text(state_label(&c.state).into()),
                Text(c.unit_name),
                Text(c.accused_name.unwrap_or_default()),
                Text(c.accused_unit.unwrap_or_default()),
                Text(c.accused_position.unwrap_or_default()),
                Text(
                    opt_label(&c.disposal, |d| {
                        DisposalMethod::parse(d).ok().map(|x| x.label())
                    })
                    .into(),
                ),
                Text(
                    opt_label(&c.conclusion, |d| {
                        Conclusion::parse(d).ok().map(|x| x.label())
                    })
                    .into(),
                ),
                Text(opt_label(&c.outcome, |d| Outcome::parse(d).ok().map(|x| x.label())).into()),
                Text(if c.supervised { "是" } else { "否" }.into()),
                Text(c.due_date.unwrap_or_default()),
                Text(if c.overdue { "超期" } else { "" }.into()),
                Text(fmt_time(c.created_at)),
            ];
            if tx.send(row).await.is_err() {
                break;
            }
        }
    }
    drop(tx);
    writer
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))??;
    state
        .store
        .audit_now(
            &actor.audit(),
            "clue.export",
            "clues",
            &format!("{count} rows"),
        )
        .await?;
    Ok(tmp)
}

// ---------- registration ----------

#[derive(Template)]
#[template(path = "clues/new.html")]
struct NewPage {
    nav: Nav,
    categories: Vec<Opt>,
    sources: Vec<Opt>,
    form: NewForm,
    error: Option<(String, String)>,
}

#[derive(Deserialize, Default, Clone)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    accused_name: String,
    #[serde(default)]
    accused_unit: String,
    #[serde(default)]
    accused_position: String,
    #[serde(default)]
    accused_badge: String,
    #[serde(default)]
    summary: String,
}

fn new_page_for(s: &Staff, form: NewForm, error: Option<(String, String)>) -> Response {
    let sel_s = Some(form.source.clone());
    let sel_c = Some(form.category.clone());
    page(&NewPage {
        nav: s.nav("/clues/new"),
        categories: opts(
            ProblemCategory::all()
                .iter()
                .map(|c| (c.as_str(), c.label())),
            &sel_c,
        ),
        sources: opts(
            ClueSource::all()
                .iter()
                .filter(|c| **c != ClueSource::PublicTip)
                .map(|c| (c.as_str(), c.label())),
            &sel_s,
        ),
        form,
        error,
    })
}

async fn new_page(s: Staff) -> Result<Response, Error> {
    s.require(Permission::RegisterClue)?;
    Ok(new_page_for(&s, NewForm::default(), None))
}

async fn register(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<NewForm>,
) -> Result<Response, Error> {
    s.require(Permission::RegisterClue)?;
    s.check_csrf(&f.csrf)?;
    let fail = |field: &str, msg: String| {
        let mut r = new_page_for(&s, f.clone(), Some((field.to_string(), msg)));
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        Ok(r)
    };
    let Ok(source) = ClueSource::parse(&f.source) else {
        return fail("source", "请选择线索来源".into());
    };
    let Ok(category) = ProblemCategory::parse(&f.category) else {
        return fail("category", "请选择问题类别".into());
    };
    let opt = |v: &str, field, label, max| domain::org::clean_optional(Some(v), field, label, max);
    let parsed = (|| {
        Ok::<_, domain::DomainError>((
            opt(&f.accused_name, "accused_name", "被反映人姓名", 50)?,
            opt(&f.accused_unit, "accused_unit", "被反映人单位", 100)?,
            opt(&f.accused_position, "accused_position", "职务", 100)?,
        ))
    })();
    let (accused_name, accused_unit, accused_position) = match parsed {
        Ok(v) => v,
        Err(e) => return fail(e.field.unwrap_or("form"), e.message),
    };
    let n = NewClue {
        source,
        category,
        accused_name,
        accused_unit,
        accused_position,
        accused_badge: Some(f.accused_badge.clone()),
        summary: f.summary.clone(),
    };
    match state.store.register_clue(&s.actor, &n).await {
        Ok((id, _)) => Ok(Redirect::to(&format!("/clues/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => fail(e.field.unwrap_or("form"), e.message),
        Err(e) => Err(e.into()),
    }
}

// ---------- detail and steps ----------

struct EventRow {
    at: String,
    who: String,
    action: String,
    note: String,
}

#[derive(Template)]
#[template(path = "clues/detail.html")]
struct DetailPage {
    nav: Nav,
    c: Clue,
    events: Vec<EventRow>,
    tip: Option<TipContent>,
    actions: Vec<&'static str>,
    can_handle: bool,
    can_assign: bool,
    can_supervise: bool,
    can_message: bool,
    can_unseal: bool,
    unseals: Vec<UnsealRequest>,
    units: Vec<Opt>,
    methods: Vec<Opt>,
    conclusions: Vec<Opt>,
    outcomes: Vec<Opt>,
    error: Option<String>,
}

impl DetailPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
    fn has(&self, a: &str) -> bool {
        self.actions.contains(&a)
    }
    fn label_disposal(&self) -> &'static str {
        opt_label(&self.c.disposal, |d| {
            DisposalMethod::parse(d).ok().map(|x| x.label())
        })
    }
    fn label_conclusion(&self) -> &'static str {
        opt_label(&self.c.conclusion, |d| {
            Conclusion::parse(d).ok().map(|x| x.label())
        })
    }
    fn label_outcome(&self) -> &'static str {
        opt_label(&self.c.outcome, |d| {
            Outcome::parse(d).ok().map(|x| x.label())
        })
    }
}

fn event_label(code: &str) -> &'static str {
    match code {
        "register" => "登记",
        "assign" => "分办",
        "dispose" => "确定处置方式",
        "verify" => "核查完毕",
        "conclude" => "认定",
        "handle" => "处理",
        "close" => "办结",
        "supervise" => "督办",
        "unsupervise" => "解除督办",
        _ => "办理",
    }
}

async fn detail_page(
    state: &AppState,
    s: &Staff,
    id: &str,
    error: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::ReadClues)?;
    let c = state.store.clue_in_scope(&s.actor, id).await?;
    let events: Vec<ClueEvent> = state.store.clue_events(&s.actor, id).await?;
    let tip = if c.tip_id.is_some() && s.actor.role.can(Permission::ReadTipContent) {
        Some(state.store.tip_content(&s.actor, id).await?)
    } else {
        None
    };
    let can_unseal =
        s.actor.role.can(Permission::RequestUnseal) && tip.as_ref().is_some_and(|t| t.has_identity);
    let unseals = if can_unseal {
        state.store.unseal_requests_for_clue(&s.actor, id).await?
    } else {
        vec![]
    };
    let state_now = ClueState::parse(&c.state)?;
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let cur_unit = Some(c.unit_id.clone());
    Ok(page(&DetailPage {
        nav: s.nav("/clues"),
        events: events
            .into_iter()
            .map(|e| EventRow {
                at: fmt_time(e.created_at),
                who: e.actor_name,
                action: event_label(&e.action).into(),
                note: e.note,
            })
            .collect(),
        tip,
        actions: domain::clues::allowed_actions(state_now).to_vec(),
        can_handle: s.actor.role.can(Permission::HandleClue),
        can_assign: s.actor.role.can(Permission::AssignClue),
        can_supervise: s.actor.role.can(Permission::SuperviseClue) && c.state != "closed",
        can_message: s.actor.role.can(Permission::MessageReporter)
            && c.tip_id.is_some()
            && c.state != "closed",
        can_unseal,
        unseals,
        units: unit_opts
            .iter()
            .map(|(v, l)| Opt {
                value: v.clone(),
                label: l.clone(),
                selected: cur_unit.as_deref() == Some(v.as_str()),
            })
            .collect(),
        methods: opts(
            DisposalMethod::all()
                .iter()
                .map(|c| (c.as_str(), c.label())),
            &None,
        ),
        conclusions: opts(
            Conclusion::all().iter().map(|c| (c.as_str(), c.label())),
            &None,
        ),
        outcomes: Outcome::all()
            .iter()
            .map(|o| Opt {
                value: o.as_str().into(),
                label: format!("{}：{}", o.group_label(), o.label()),
                selected: false,
            })
            .collect(),
        error,
        c,
    }))
}

async fn detail(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    detail_page(&state, &s, &id, None).await
}

#[derive(Deserialize)]
pub(crate) struct StepForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) action: String,
    #[serde(default)]
    pub(crate) unit_id: String,
    #[serde(default)]
    pub(crate) method: String,
    #[serde(default)]
    pub(crate) conclusion: String,
    #[serde(default)]
    pub(crate) outcome: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) feedback: String,
}

pub(crate) fn step_input(f: &StepForm) -> Result<StepInput, domain::DomainError> {
    Ok(match f.action.as_str() {
        "assign" => StepInput::Assign {
            unit_id: f.unit_id.clone(),
        },
        "dispose" => StepInput::Dispose {
            method: DisposalMethod::parse(&f.method)?,
        },
        "verify" => StepInput::Verify,
        "conclude" => StepInput::Conclude {
            conclusion: Conclusion::parse(&f.conclusion)?,
        },
        "handle" => StepInput::Handle {
            outcome: Outcome::parse(&f.outcome)?,
        },
        "close" => StepInput::Close {
            feedback: f.feedback.clone(),
        },
        _ => return Err(domain::DomainError::field("action", "未知的办理操作")),
    })
}

/// Who may take which step: the office and discipline staff assign; only discipline staff handle.
pub fn step_permission(action: &str) -> Permission {
    if action == "assign" {
        Permission::AssignClue
    } else {
        Permission::HandleClue
    }
}

async fn step(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, Error> {
    s.require(Permission::ReadClues)?;
    s.require(step_permission(&f.action))?;
    s.check_csrf(&f.csrf)?;
    // Load first so a clue outside scope answers 404 before anything is checked about the input.
    state.store.clue_in_scope(&s.actor, &id).await?;
    let result = match step_input(&f) {
        Ok(input) => state
            .store
            .clue_step(&s.actor, &id, &input, &f.note)
            .await
            .map(|_| ()),
        Err(e) => Err(store::StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/clues/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => rerender(&state, &s, &id, e.message).await,
        Err(store::StoreError::Conflict(m)) => rerender(&state, &s, &id, m).await,
        Err(e) => Err(e.into()),
    }
}

async fn rerender(state: &AppState, s: &Staff, id: &str, msg: String) -> Result<Response, Error> {
    let mut r = detail_page(state, s, id, Some(msg)).await?;
    *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(r)
}

#[derive(Deserialize)]
struct SuperviseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
}

async fn supervise(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<SuperviseForm>,
) -> Result<Response, Error> {
    s.require(Permission::SuperviseClue)?;
    s.check_csrf(&f.csrf)?;
    match state
        .store
        .supervise_clue(&s.actor, &id, f.on == "1", &f.note)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/clues/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => rerender(&state, &s, &id, e.message).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct MessageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

async fn message(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<MessageForm>,
) -> Result<Response, Error> {
    s.require(Permission::MessageReporter)?;
    s.check_csrf(&f.csrf)?;
    match state.store.handler_message(&s.actor, &id, &f.body).await {
        Ok(()) => Ok(Redirect::to(&format!("/clues/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => rerender(&state, &s, &id, e.message).await,
        Err(e) => Err(e.into()),
    }
}

async fn attachment(
    State(state): State<AppState>,
    s: Staff,
    Path((id, att)): Path<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::ReadTipContent)?;
    let (name, kind, bytes) = state.store.tip_attachment(&s.actor, &id, &att).await?;
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
    // Always a download, never rendered in our origin; the name is RFC 5987-encoded.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"attachment.{kind}\"; filename*=UTF-8''{}",
        q(&name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
