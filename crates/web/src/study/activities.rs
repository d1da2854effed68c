//! Activities: the scoped list and its export, the new-activity form, the detail page with the attendance
//! sheet (manual marking, removal, .xlsx import and export) and the venue-code screen for the projector.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::study::{ActivityInput, ActivityKind, fmt_hours};
use reports::{Cell, RowError};
use serde::Deserialize;
use store::StoreError;
use store::study::{Activity, ActivityFilter, AttendanceImport, Attendee, MarkOutcome};

use super::{
    Campaigns, FieldErrors, MAX_UPLOAD, Opt, export_xlsx, export_xlsx_file, file_err, opts,
    parse_sheet, read_upload, render, shown, stamp, xlsx_download, xlsx_file_download,
};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, Pager, fmt_time, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/study/activities", get(list))
        .route("/study/activities/export", get(export))
        .route("/study/activities/new", get(new_page).post(create))
        .route("/study/activities/{id}", get(detail))
        .route("/study/activities/{id}/mark", post(mark))
        .route("/study/activities/{id}/remove", post(remove))
        .route(
            "/study/activities/{id}/import",
            post(import).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route(
            "/study/activities/{id}/attendance.xlsx",
            get(export_attendance),
        )
        .route("/study/activities/{id}/code", get(venue_code))
        .route("/study/attendance-template.xlsx", get(template))
}

pub const ATTENDANCE_HEADERS: &[&str] = &["警号", "姓名"];
pub const SIGNIN_HEADER: &str = "签到时间";

fn kind_label(k: &str) -> &'static str {
    ActivityKind::parse(k).map(|k| k.label()).unwrap_or("")
}

// ---------- list ----------

#[derive(Deserialize, Default)]
struct ListQuery {
    campaign: Option<String>,
    unit: Option<String>,
    kind: Option<String>,
    page: Option<u64>,
}

impl ListQuery {
    fn nz(v: &Option<String>) -> Option<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    fn filter(&self, campaign: &str) -> ActivityFilter {
        ActivityFilter {
            campaign_id: Some(campaign.to_string()).filter(|c| !c.is_empty()),
            unit_id: Self::nz(&self.unit),
            kind: Self::nz(&self.kind).and_then(|k| ActivityKind::parse(&k).ok()),
        }
    }

    fn base(&self, campaign: &str) -> String {
        let mut s = format!("campaign={}&", q(campaign));
        for (k, v) in [("unit", &self.unit), ("kind", &self.kind)] {
            if let Some(v) = Self::nz(v) {
                s.push_str(&format!("{k}={}&", q(&v)));
            }
        }
        s
    }
}

#[derive(Template)]
#[template(path = "study/activities.html")]
struct ListPage {
    nav: Nav,
    campaigns: Vec<Opt>,
    has_campaign: bool,
    units: Vec<Opt>,
    kinds: Vec<Opt>,
    activities: Vec<Activity>,
    pager: Pager,
    export_link: String,
}

impl ListPage {
    fn hours(&self, m: &i64) -> String {
        fmt_hours(*m)
    }
}

async fn list(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let c = Campaigns::load(&state, lq.campaign.as_deref()).await?;
    let per_page = 20;
    let page_no = lq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (activities, total) = if c.current.is_some() {
        state
            .store
            .activities(
                &s.actor,
                &lq.filter(c.id()),
                (page_no - 1) * per_page,
                per_page,
            )
            .await?
    } else {
        (vec![], 0)
    };
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_sel = lq.unit.clone().unwrap_or_default();
    let kind_sel = lq.kind.clone().unwrap_or_default();
    let base = lq.base(c.id());
    Ok(render(
        &ListPage {
            nav: s.nav("/study/activities"),
            campaigns: c.options(),
            has_campaign: c.current.is_some(),
            units: units
                .iter()
                .map(|u| Opt {
                    value: u.id.clone(),
                    label: format!("{}{}", "　".repeat(u.depth), u.name),
                    selected: u.id == unit_sel,
                })
                .collect(),
            kinds: opts(
                ActivityKind::all().iter().map(|k| (k.as_str(), k.label())),
                &kind_sel,
            ),
            activities,
            pager: Pager::new(Some(page_no), per_page, total, base.clone()),
            export_link: format!("/study/activities/export?{base}"),
        },
        false,
    ))
}

const ACTIVITY_EXPORT_HEADERS: &[&str] = &[
    "活动名称",
    "类型",
    "日期",
    "学时",
    "地点",
    "组织单位",
    "签到人数",
    "警示案例",
];

async fn export(
    State(state): State<AppState>,
    s: Staff,
    Query(lq): Query<ListQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let c = Campaigns::load(&state, lq.campaign.as_deref()).await?;
    let filter = lq.filter(c.id());
    let actor = s.actor.clone();
    let st = state.clone();
    let (bytes, n) = export_xlsx("学习活动", ACTIVITY_EXPORT_HEADERS, move |tx| async move {
        let mut after = String::new();
        let mut n = 0u64;
        loop {
            let page = st
                .store
                .activities_after(&actor, &filter, &after, 2000)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            for a in page {
                n += 1;
                let row = vec![
                    Cell::Text(a.title.clone()),
                    Cell::Text(kind_label(&a.kind).into()),
                    Cell::Text(a.day.clone()),
                    Cell::Text(fmt_hours(a.minutes)),
                    Cell::Text(a.venue.clone()),
                    Cell::Text(a.unit_name.clone()),
                    Cell::Int(a.attendees),
                    Cell::Text(a.cases.clone().unwrap_or_default()),
                ];
                if tx.send(row).await.is_err() {
                    return Ok(n);
                }
            }
        }
        Ok(n)
    })
    .await?;
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "study.activity_export",
            &format!("campaign:{}", c.id()),
            &format!("{n} rows"),
        )
        .await?;
    Ok(xlsx_download(
        bytes,
        &format!("study-activities-{}.xlsx", stamp()),
        &format!("学习活动-{}.xlsx", stamp()),
    ))
}

// ---------- new ----------

#[derive(Deserialize, Default, Clone)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    cases: String,
}

#[derive(Template)]
#[template(path = "study/activity_new.html")]
struct NewPage {
    nav: Nav,
    campaigns: Vec<Opt>,
    units: Vec<Opt>,
    kinds: Vec<Opt>,
    form: NewForm,
    errors: FieldErrors,
}

async fn new_page_for(
    state: &AppState,
    s: &Staff,
    form: NewForm,
    errors: FieldErrors,
) -> Result<Response, Error> {
    let c = Campaigns::load(state, Some(&form.campaign)).await?;
    let units = state.store.units_in_scope(&s.actor).await?;
    let unit_sel = if form.unit_id.is_empty() {
        s.actor.unit_id.clone()
    } else {
        form.unit_id.clone()
    };
    let failed = errors.any();
    Ok(render(
        &NewPage {
            nav: s.nav("/study/activities"),
            campaigns: c.options(),
            units: units
                .iter()
                .map(|u| Opt {
                    value: u.id.clone(),
                    label: format!("{}{}", "　".repeat(u.depth), u.name),
                    selected: u.id == unit_sel,
                })
                .collect(),
            kinds: opts(
                ActivityKind::all().iter().map(|k| (k.as_str(), k.label())),
                &form.kind,
            ),
            form,
            errors,
        },
        failed,
    ))
}

async fn new_page(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let form = NewForm {
        day: store::clues::today().format("%Y-%m-%d").to_string(),
        ..NewForm::default()
    };
    new_page_for(&state, &s, form, FieldErrors::default()).await
}

async fn create(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<NewForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    s.check_csrf(&f.csrf)?;
    let input = ActivityInput {
        kind: f.kind.clone(),
        title: f.title.clone(),
        day: f.day.clone(),
        hours: f.hours.clone(),
        venue: f.venue.clone(),
        cases: f.cases.clone(),
    };
    let draft = match input.validate() {
        Ok(d) => d,
        Err(errs) => return new_page_for(&state, &s, f, FieldErrors(errs)).await,
    };
    match state
        .store
        .create_activity(&s.actor, &f.campaign, &f.unit_id, &draft)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/study/activities/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => new_page_for(&state, &s, f, FieldErrors(vec![e])).await,
        Err(e) => Err(e.into()),
    }
}

// ---------- detail, attendance ----------

#[derive(Deserialize, Default)]
struct DetailQuery {
    page: Option<u64>,
    marked: Option<String>,
    imported: Option<u64>,
    already: Option<u64>,
    removed: Option<String>,
}

#[derive(Template)]
#[template(path = "study/activity.html")]
struct DetailPage {
    nav: Nav,
    a: Activity,
    campaign: String,
    attendees: Vec<Attendee>,
    pager: Pager,
    message: Option<String>,
    mark_error: String,
    badge: String,
    errors: Vec<RowError>,
    more_errors: usize,
}

impl DetailPage {
    fn hours(&self) -> String {
        fmt_hours(self.a.minutes)
    }

    fn time(&self, ms: &Option<i64>) -> String {
        ms.map(fmt_time).unwrap_or_else(|| "—".into())
    }
}

struct DetailExtra {
    message: Option<String>,
    mark_error: String,
    badge: String,
    errors: Vec<RowError>,
}

async fn detail_page(
    state: &AppState,
    s: &Staff,
    id: &str,
    page_no: Option<u64>,
    extra: DetailExtra,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let a = state.store.activity_in_scope(&s.actor, id).await?;
    let per_page = 50;
    let page_no = page_no.unwrap_or(1).clamp(1, 1_000_000);
    let (attendees, total) = state
        .store
        .attendance(&s.actor, id, (page_no - 1) * per_page, per_page)
        .await?;
    let campaign = state
        .store
        .study_campaigns()
        .await?
        .into_iter()
        .find(|c| c.id == a.campaign_id)
        .map(|c| c.name)
        .unwrap_or_default();
    let failed = !extra.errors.is_empty() || !extra.mark_error.is_empty();
    let (errors, more_errors) = shown(extra.errors);
    Ok(render(
        &DetailPage {
            nav: s.nav("/study/activities"),
            campaign,
            attendees,
            pager: Pager::new(Some(page_no), per_page, total, String::new()),
            message: extra.message,
            mark_error: extra.mark_error,
            badge: extra.badge,
            errors,
            more_errors,
            a,
        },
        failed,
    ))
}

async fn detail(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Query(dq): Query<DetailQuery>,
) -> Result<Response, Error> {
    let message = if let Some(n) = dq.imported {
        Some(format!(
            "导入成功：新登记{n}人{}。",
            dq.already
                .filter(|a| *a > 0)
                .map(|a| format!("，另有{a}人此前已签到，保持不变"))
                .unwrap_or_default()
        ))
    } else if let Some(name) = dq.marked {
        Some(format!(
            "已登记{}签到。",
            name.chars().take(20).collect::<String>()
        ))
    } else {
        dq.removed.map(|_| "已撤销该签到记录。".to_string())
    };
    detail_page(
        &state,
        &s,
        &id,
        dq.page,
        DetailExtra {
            message,
            mark_error: String::new(),
            badge: String::new(),
            errors: vec![],
        },
    )
    .await
}

#[derive(Deserialize)]
struct MarkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    badge: String,
}

async fn mark(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<MarkForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    s.check_csrf(&f.csrf)?;
    let again = |message: Option<String>, mark_error: String| DetailExtra {
        message,
        mark_error,
        badge: f.badge.chars().take(32).collect(),
        errors: vec![],
    };
    match state.store.mark_attendance(&s.actor, &id, &f.badge).await {
        Ok(MarkOutcome::Marked { name }) => Ok(Redirect::to(&format!(
            "/study/activities/{id}?marked={}",
            q(&name)
        ))
        .into_response()),
        Ok(MarkOutcome::Already { name, at }) => {
            detail_page(
                &state,
                &s,
                &id,
                None,
                again(
                    Some(format!("{name}已于{}签到，无需重复登记。", fmt_time(at))),
                    String::new(),
                ),
            )
            .await
        }
        Err(StoreError::Invalid(e)) => {
            detail_page(&state, &s, &id, None, again(None, e.message)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    officer_id: String,
}

async fn remove(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    s.check_csrf(&f.csrf)?;
    state
        .store
        .remove_attendance(&s.actor, &id, &f.officer_id)
        .await?;
    Ok(Redirect::to(&format!("/study/activities/{id}?removed=1")).into_response())
}

async fn import(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    // Out of scope answers 404 before the file is even looked at.
    state.store.activity_in_scope(&s.actor, &id).await?;
    let fail = |errors: Vec<RowError>| {
        detail_page(
            &state,
            &s,
            &id,
            None,
            DetailExtra {
                message: None,
                mark_error: String::new(),
                badge: String::new(),
                errors,
            },
        )
    };
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(m) => return fail(vec![file_err(m)]).await,
    };
    s.check_csrf(&up.csrf)?;
    let Some(bytes) = up.file else {
        return fail(vec![file_err("请选择要导入的 Excel 文件（.xlsx）")]).await;
    };
    let sheet =
        match parse_sheet(bytes, ATTENDANCE_HEADERS, store::study::MAX_ATTENDANCE_ROWS).await {
            Ok(sh) => sh,
            Err(m) => return fail(vec![file_err(m)]).await,
        };
    let time_col = sheet.column(SIGNIN_HEADER);
    let rows: Vec<AttendanceImport> = sheet
        .rows
        .into_iter()
        .map(|(row, mut cells)| {
            let at = time_col
                .and_then(|c| cells.get_mut(c).map(std::mem::take))
                .unwrap_or_default();
            let mut it = cells.into_iter();
            AttendanceImport {
                row,
                badge: it.next().unwrap_or_default(),
                name: it.next().unwrap_or_default(),
                signed_at: at,
            }
        })
        .collect();
    match state.store.import_attendance(&s.actor, &id, rows).await? {
        Ok(sum) => Ok(Redirect::to(&format!(
            "/study/activities/{id}?imported={}&already={}",
            sum.added, sum.already
        ))
        .into_response()),
        Err(issues) => {
            fail(
                issues
                    .into_iter()
                    .map(|i| RowError {
                        row: i.row,
                        column: i.column.map(str::to_string),
                        message: i.message,
                    })
                    .collect(),
            )
            .await
        }
    }
}

async fn template(s: Staff) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let notes = [
        "警号：必填，须为干警花名册中的警号，且属于本活动的组织单位或其下级单位。",
        "姓名：必填，须与花名册登记的姓名一致，用于核对警号是否填错。",
        "签到时间：可不填；填写时为活动当天的时间，如 2024-03-01 09:00，或只填 09:00。",
        "同一警号在一份文件中只能出现一次；此前已签到的干警保持原记录不变。",
        "一次最多导入1000000行；任何一行有错误时整份文件都不会导入，请按页面列出的错误修改后重新上传。",
    ];
    let headers: Vec<&str> = ATTENDANCE_HEADERS
        .iter()
        .copied()
        .chain([SIGNIN_HEADER])
        .collect();
    let bytes = reports::template_xlsx(
        "签到",
        &headers,
        &["012345", "张三", "2024-03-01 08:55"],
        &notes,
    )?;
    Ok(xlsx_download(
        bytes,
        "attendance-template.xlsx",
        "学习签到导入模板.xlsx",
    ))
}

const ATTENDANCE_EXPORT_HEADERS: &[&str] = &["警号", "姓名", "单位", "签到时间", "签到方式"];

async fn export_attendance(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let a = state.store.activity_in_scope(&s.actor, &id).await?;
    let actor = s.actor.clone();
    let st = state.clone();
    let aid = a.id.clone();
    let (file, n) = export_xlsx_file(
        "签到名单",
        ATTENDANCE_EXPORT_HEADERS,
        move |tx| async move {
            let mut after = String::new();
            let mut n = 0u64;
            loop {
                let page = st
                    .store
                    .attendance_after(&actor, &aid, &after, 5000)
                    .await?;
                let Some(last) = page.last() else { break };
                after = last.officer_id.clone();
                for t in page {
                    n += 1;
                    let row = vec![
                        Cell::Text(t.badge.clone()),
                        Cell::Text(t.name.clone()),
                        Cell::Text(t.unit_name.clone()),
                        Cell::Text(t.signed_at.map(fmt_time).unwrap_or_default()),
                        Cell::Text(t.method_label().into()),
                    ];
                    if tx.send(row).await.is_err() {
                        return Ok(n);
                    }
                }
            }
            Ok(n)
        },
    )
    .await?;
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "study.attendance_export",
            &format!("study_activity:{}", a.id),
            &format!("{n} rows"),
        )
        .await?;
    xlsx_file_download(
        file,
        &format!("attendance-{}.xlsx", stamp()),
        &format!("签到名单-{}.xlsx", a.title),
    )
    .await
}

// ---------- venue code ----------

#[derive(Template)]
#[template(path = "study/venue_code.html")]
struct CodePage {
    a: Activity,
    code: String,
    seconds_left: i64,
}

/// The screen shown at the venue: the current code, refreshed by the browser when it changes.
async fn venue_code(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let a = state.store.activity_in_scope(&s.actor, &id).await?;
    let vc = state
        .store
        .venue_code(&s.actor, &id, store::now_ms())
        .await?;
    Ok(render(
        &CodePage {
            a,
            code: vc.code,
            seconds_left: vc.seconds_left,
        },
        false,
    ))
}
