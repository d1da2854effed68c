//! One ledger row: adding it (from a self-report, a finding, an inspection or a special rectification),
//! its page with the responsibility matrix and history, progress and acceptance steps, evidence files.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::rectification::{ItemAction, ItemInput, ItemSource, ItemState};
use domain::tips::ProblemCategory;
use serde::Deserialize;
use store::rectification::{Evidence, Item, Rule};

use super::{EventRow, event_rows};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{CampaignPick, Opt, bad_request, category_label, opts, pick_campaign};
use crate::view::{Nav, fmt_time, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rectification/new", get(new_page).post(create))
        .route("/rectification/items/{id}", get(detail))
        .route("/rectification/items/{id}/step", post(step))
        .route(
            "/rectification/items/{id}/evidence",
            post(upload).layer(DefaultBodyLimit::max(MAX_EVIDENCE_BODY)),
        )
        .route("/rectification/items/{id}/evidence/{file}", get(download))
}

/// One evidence file (10 MiB, checked again by content) and the form around it.
const MAX_EVIDENCE_BODY: usize = domain::tips::MAX_ATTACHMENT_BYTES + 64 * 1024;

// ---------- a new row ----------

#[derive(Deserialize, Default, Clone)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    unit: String,
    #[serde(default, rename = "ref")]
    source_ref: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    problem: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    deadline: String,
}

#[derive(Template)]
#[template(path = "rectification/new.html")]
struct NewPage {
    nav: Nav,
    pick: Option<CampaignPick>,
    form: NewForm,
    units: Vec<Opt>,
    sources: Vec<Opt>,
    categories: Vec<Opt>,
    /// Where the row comes from, when it comes from a report or a finding: a line to show.
    origin: Option<String>,
    /// (level, name, position) of the chosen unit's responsibility matrix.
    matrix: Vec<(String, String, String)>,
    errors: Vec<(String, String)>,
}

impl NewPage {
    fn err(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

async fn render_new(
    state: &AppState,
    s: &Staff,
    mut form: NewForm,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::ManageLedger)?;
    let pick = pick_campaign(
        state,
        &s.actor,
        Some(form.campaign.as_str()).filter(|c| !c.is_empty()),
    )
    .await?;
    let mut origin = None;
    if !form.source_ref.trim().is_empty() {
        // The page names what the row comes from; something outside scope is 404 here already.
        origin = Some(match form.source.as_str() {
            "finding" => {
                let f = state
                    .store
                    .finding_in_scope(&s.actor, form.source_ref.trim())
                    .await?;
                // A row from a finding starts as the finding: its unit, category and description.
                if form.problem.is_empty() {
                    form.problem = f.finding.description.clone();
                }
                if form.unit.is_empty() {
                    form.unit = f.finding.unit_id.clone();
                }
                if form.category.is_empty() {
                    form.category = f.finding.category.clone();
                }
                format!(
                    "来自查实问题 {}（{}，{}）",
                    f.finding.number,
                    f.finding.officer_name,
                    category_label(&f.finding.category)
                )
            }
            "self_report" => {
                let (r, _) = state
                    .store
                    .self_report_in_scope(&s.actor, form.source_ref.trim())
                    .await?;
                if form.unit.is_empty() {
                    form.unit = r.unit_id.clone();
                }
                format!("来自{}（{}）的自查事项报告", r.officer_name, r.unit_name)
            }
            _ => return Err(Error::NotFound),
        });
    }
    let units = state.store.units_in_scope(&s.actor).await?;
    let chosen = if form.unit.is_empty() {
        s.actor.unit_id.clone()
    } else {
        form.unit.clone()
    };
    let matrix = if units.iter().any(|u| u.id == chosen) {
        state.store.responsibility(&chosen).await?
    } else {
        vec![]
    };
    let unit_opts: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.clone(), format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let failed = !errors.is_empty();
    let r = page(&NewPage {
        nav: s.nav("/rectification"),
        units: opts(
            unit_opts.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            &chosen,
        ),
        sources: opts(
            ItemSource::all().iter().map(|c| (c.as_str(), c.label())),
            &form.source,
        ),
        categories: opts(
            ProblemCategory::all()
                .iter()
                .map(|c| (c.as_str(), c.label())),
            &form.category,
        ),
        origin,
        matrix,
        errors,
        form,
        pick,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn new_page(
    State(state): State<AppState>,
    s: Staff,
    Query(mut form): Query<NewForm>,
) -> Result<Response, Error> {
    form.csrf = String::new();
    render_new(&state, &s, form, vec![]).await
}

async fn create(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<NewForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageLedger)?;
    s.check_csrf(&f.csrf)?;
    let Some(pick) = pick_campaign(&state, &s.actor, Some(&f.campaign)).await? else {
        return Err(Error::NotFound);
    };
    let input = ItemInput {
        source: f.source.clone(),
        category: f.category.clone(),
        problem: f.problem.clone(),
        measures: f.measures.clone(),
        leader: f.leader.clone(),
        person: f.person.clone(),
        deadline: f.deadline.clone(),
    };
    let mut errors: Vec<(String, String)> = Vec::new();
    let valid = match domain::rectification::validate_item(&input, store::clues::today()) {
        Ok(v) => Some(v),
        Err(es) => {
            errors.extend(
                es.into_iter()
                    .map(|e| (e.field.unwrap_or("form").to_string(), e.message)),
            );
            None
        }
    };
    // The unit must lie in the campaign as well as in the person's scope.
    if state
        .store
        .campaign_unit(&s.actor, &pick.campaign, f.unit.trim())
        .await
        .is_err()
    {
        errors.push((
            "unit".into(),
            "请选择本次整顿范围内、本人权限范围内的责任单位".into(),
        ));
    }
    let Some(valid) = valid.filter(|_| errors.is_empty()) else {
        return render_new(&state, &s, f, errors).await;
    };
    let source_ref = Some(f.source_ref.trim()).filter(|r| !r.is_empty());
    match state
        .store
        .add_rectification_item(&s.actor, pick.id(), f.unit.trim(), &valid, source_ref)
        .await
    {
        Ok((id, _)) => Ok(Redirect::to(&format!("/rectification/items/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            let field = match e.field {
                Some("unit_id") => "unit",
                Some(other) => other,
                None => "form",
            };
            render_new(&state, &s, f, vec![(field.to_string(), e.message)]).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- a row ----------

#[derive(Template)]
#[template(path = "rectification/item.html")]
struct DetailPage {
    nav: Nav,
    i: Item,
    matrix: Vec<(String, String, String)>,
    events: Vec<EventRow>,
    evidence: Vec<Evidence>,
    rules: Vec<Rule>,
    origin: Option<(String, String)>,
    can_report: bool,
    can_accept: bool,
    error: Option<(String, String)>,
}

impl DetailPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
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
    let i = state
        .store
        .rectification_item_in_scope(&s.actor, id)
        .await?;
    let st = ItemState::parse(&i.state)?;
    let allowed = domain::rectification::allowed_actions(st);
    let origin = match (i.source.as_str(), &i.source_ref) {
        ("finding", Some(r)) if s.actor.role.can(Permission::ViewFindings) => Some((
            format!("/selfcheck/findings/{r}"),
            "查看查实问题及处理政策".to_string(),
        )),
        ("self_report", Some(r)) if s.actor.role.can(Permission::ViewSelfReports) => Some((
            format!("/selfcheck/reports/{r}"),
            "查看自查事项报告".to_string(),
        )),
        _ => None,
    };
    let failed = error.is_some();
    let r = page(&DetailPage {
        nav: s.nav("/rectification"),
        matrix: state.store.responsibility(&i.unit_id).await?,
        events: event_rows(state.store.rectification_events(&s.actor, id).await?),
        evidence: state.store.evidence_list(&s.actor, id).await?,
        rules: state.store.rules_for_item(&s.actor, id).await?,
        origin,
        can_report: s.actor.role.can(Permission::ManageLedger)
            && allowed.contains(&ItemAction::Submit),
        can_accept: s.actor.role.can(Permission::AcceptRectification)
            && allowed.contains(&ItemAction::Accept),
        error,
        i,
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

#[derive(Deserialize)]
struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

/// Who may take which step: the unit reports progress and asks for acceptance; the inspector decides.
fn step_permission(action: ItemAction) -> Permission {
    match action {
        ItemAction::Progress | ItemAction::Submit => Permission::ManageLedger,
        ItemAction::Accept | ItemAction::Reject => Permission::AcceptRectification,
    }
}

async fn step(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, Error> {
    s.require(Permission::ViewLedger)?;
    let action = ItemAction::parse(&f.action);
    match action {
        Ok(a) => s.require(step_permission(a))?,
        // An unknown action is refused to anyone who could take none of them.
        Err(_)
            if !(s.actor.role.can(Permission::ManageLedger)
                || s.actor.role.can(Permission::AcceptRectification)) =>
        {
            return Err(Error::Forbidden);
        }
        Err(_) => {}
    }
    s.check_csrf(&f.csrf)?;
    state
        .store
        .rectification_item_in_scope(&s.actor, &id)
        .await?;
    let result = match action {
        Ok(a) => state
            .store
            .rectification_step(&s.actor, &id, a, &f.note)
            .await
            .map(|_| ()),
        Err(ref e) => Err(store::StoreError::Invalid(e.clone())),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/rectification/items/{id}")).into_response()),
        // The message goes beside the form it came from.
        Err(store::StoreError::Invalid(e)) => {
            render_detail(
                &state,
                &s,
                &id,
                Some((
                    action
                        .as_ref()
                        .map(|a| a.name())
                        .unwrap_or("form")
                        .to_string(),
                    e.message,
                )),
            )
            .await
        }
        Err(store::StoreError::Conflict(m)) => {
            render_detail(&state, &s, &id, Some(("form".into(), m))).await
        }
        Err(e) => Err(e.into()),
    }
}

struct Upload {
    csrf: String,
    name: String,
    bytes: Option<Vec<u8>>,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, String> {
    let fail = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "文件过大：每份佐证材料不能超过{}MB",
                domain::tips::MAX_ATTACHMENT_BYTES / 1024 / 1024
            )
        } else {
            "上传的数据不完整或格式不正确，请重新选择文件上传".to_string()
        }
    };
    let mut up = Upload {
        csrf: String::new(),
        name: String::new(),
        bytes: None,
    };
    while let Some(field) = mp.next_field().await.map_err(fail)? {
        match field.name().unwrap_or("") {
            "csrf" => up.csrf = field.text().await.map_err(fail)?,
            "file" => {
                up.name = field.file_name().unwrap_or("佐证材料").to_string();
                let b = field.bytes().await.map_err(fail)?;
                if !b.is_empty() {
                    up.bytes = Some(b.to_vec());
                }
            }
            _ => {}
        }
    }
    Ok(up)
}

async fn upload(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, Error> {
    s.require(Permission::ManageLedger)?;
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(m) => {
            state
                .store
                .rectification_item_in_scope(&s.actor, &id)
                .await?;
            return render_detail(&state, &s, &id, Some(("file".into(), m))).await;
        }
    };
    s.check_csrf(&up.csrf)?;
    state
        .store
        .rectification_item_in_scope(&s.actor, &id)
        .await?;
    let Some(bytes) = up.bytes else {
        return render_detail(
            &state,
            &s,
            &id,
            Some(("file".into(), "请选择要上传的佐证材料".into())),
        )
        .await;
    };
    match state
        .store
        .add_evidence(&s.actor, &id, &up.name, &bytes)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/rectification/items/{id}")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            render_detail(&state, &s, &id, Some(("file".into(), e.message))).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn download(
    State(state): State<AppState>,
    s: Staff,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Error> {
    s.require(Permission::ViewLedger)?;
    let (name, kind, bytes) = state.store.evidence_file(&s.actor, &id, &file).await?;
    let mime = domain::tips::AttachmentKind::all()
        .iter()
        .find(|k| k.ext() == kind)
        .map(|k| k.mime())
        .unwrap_or("application/octet-stream");
    let mut res = Response::new(axum::body::Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // Always a download, never shown inside our origin.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"evidence.{kind}\"; filename*=UTF-8''{}",
        q(&name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
