//! Organisation pages: the unit tree and its Excel import, the officer roster (scoped list and import),
//! and staff accounts. Imports are all or nothing: every row is checked first, every bad row is reported
//! at once, and only a clean file reaches the store, in one transaction.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::DomainError;
use domain::access::Permission;
use domain::org::{DataScope, IdNumber, Role, UnitCode, UnitKind, Username, clean_text};
use reports::{RowError, Sheet};
use serde::Deserialize;
use store::StoreError;
use store::org::{NewOfficer, NewUnit, NewUser, Officer, Unit};

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, Pager, page, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/org/units", get(units_page))
        .route("/org/units/template.xlsx", get(units_template))
        .route(
            "/org/units/import",
            post(units_import).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/org/officers", get(officers_page))
        .route("/org/officers/template.xlsx", get(officers_template))
        .route(
            "/org/officers/import",
            post(officers_import).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/org/users", get(users_page).post(create_user))
        .route("/org/users/{username}/disable", post(disable_user))
        .route("/org/users/{username}/enable", post(enable_user))
        .route("/org/users/{username}/password", post(reset_password))
}

/// Largest upload: a 200,000-row roster saved by Excel is well under this.
pub const MAX_UPLOAD: usize = 30 * 1024 * 1024;
pub const MAX_UNIT_ROWS: usize = 20_000;
pub const MAX_OFFICER_ROWS: usize = 200_000;
/// How many row errors a page lists; the rest are counted.
const SHOWN_ERRORS: usize = 200;

pub const UNIT_HEADERS: &[&str] = &["单位编码", "单位名称", "单位类别", "上级单位编码"];
pub const OFFICER_HEADERS: &[&str] = &["姓名", "警号", "单位编码", "职务"];
/// Optional column: a roster may be imported before ID numbers are collected.
pub const ID_HEADER: &str = "身份证号";

// ---------- pure row checks ----------

fn row_err(row: usize, column: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        column: Some(column.to_string()),
        message: message.into(),
    }
}

fn file_err(message: impl Into<String>) -> RowError {
    RowError {
        row: 0,
        column: None,
        message: message.into(),
    }
}

/// A unit kind by its Chinese label (政法委) or its code (committee).
pub fn parse_kind(s: &str) -> Option<UnitKind> {
    let t = s.trim();
    UnitKind::all()
        .iter()
        .copied()
        .find(|k| k.label() == t || k.as_str().eq_ignore_ascii_case(t))
}

fn kind_labels() -> String {
    UnitKind::all()
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join("、")
}

fn parse_code(s: &str, column: &str, row: usize, errors: &mut Vec<RowError>) -> Option<String> {
    if s.trim().is_empty() {
        errors.push(row_err(row, column, format!("{column}不能为空")));
        return None;
    }
    match UnitCode::parse(s) {
        Ok(c) => Some(c.as_str().to_string()),
        Err(e) => {
            errors.push(row_err(row, column, e.message.replace("单位代码", column)));
            None
        }
    }
}

struct UnitLine {
    row: usize,
    unit: NewUnit,
}

/// Checks every row of a unit sheet (columns in [`UNIT_HEADERS`] order) against itself and the codes
/// already in the database, and returns the units ordered parents first, or every problem found.
pub fn plan_units(
    rows: &[(usize, Vec<String>)],
    existing: &HashSet<String>,
) -> Result<Vec<NewUnit>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut lines: Vec<UnitLine> = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut root_row: Option<usize> = None;
    for (row, cells) in rows {
        let row = *row;
        let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
        let before = errors.len();
        let code = parse_code(cell(0), "单位编码", row, &mut errors);
        if let Some(c) = &code {
            if let Some(first) = first_row.get(c) {
                errors.push(row_err(
                    row,
                    "单位编码",
                    format!("单位编码「{c}」与第{first}行重复"),
                ));
            } else {
                first_row.insert(c.clone(), row);
                if existing.contains(c) {
                    errors.push(row_err(
                        row,
                        "单位编码",
                        format!("单位编码「{c}」在系统中已存在"),
                    ));
                }
            }
        }
        let name = clean_text(cell(1), "name", "单位名称", 1, 100)
            .map_err(|e| errors.push(row_err(row, "单位名称", e.message)))
            .ok();
        let kind = match parse_kind(cell(2)) {
            Some(k) => Some(k),
            None if cell(2).trim().is_empty() => {
                errors.push(row_err(
                    row,
                    "单位类别",
                    format!("单位类别不能为空，应为：{}", kind_labels()),
                ));
                None
            }
            None => {
                let shown: String = cell(2)
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(20)
                    .collect();
                errors.push(row_err(
                    row,
                    "单位类别",
                    format!("无法识别的单位类别「{shown}」，应为：{}", kind_labels()),
                ));
                None
            }
        };
        let parent = if cell(3).trim().is_empty() {
            if !existing.is_empty() {
                errors.push(row_err(
                    row,
                    "上级单位编码",
                    "上级单位编码不能为空：系统中已有单位树，新单位须挂在已有单位之下",
                ));
            } else if let Some(first) = root_row {
                errors.push(row_err(
                    row,
                    "上级单位编码",
                    format!("只能有一个最高一级单位（第{first}行已是），请填写上级单位编码"),
                ));
            } else {
                root_row = Some(row);
            }
            None
        } else {
            parse_code(cell(3), "上级单位编码", row, &mut errors)
        };
        if let (Some(c), Some(p)) = (&code, &parent) {
            if c == p {
                errors.push(row_err(row, "上级单位编码", "上级单位不能是本单位"));
            }
        }
        if errors.len() == before {
            if let (Some(code), Some(name), Some(kind)) = (code, name, kind) {
                lines.push(UnitLine {
                    row,
                    unit: NewUnit {
                        code,
                        name,
                        kind,
                        parent_code: parent,
                    },
                });
            }
        }
    }

    // Parents may stand anywhere in the file, so their existence is checked once every code is known.
    lines.retain(|l| match &l.unit.parent_code {
        Some(p) if !first_row.contains_key(p) && !existing.contains(p) => {
            errors.push(row_err(
                l.row,
                "上级单位编码",
                format!("上级单位编码「{p}」在本文件和系统中都不存在"),
            ));
            false
        }
        _ => true,
    });

    let order = parents_first(&lines, existing);
    let placed: HashSet<usize> = order.iter().copied().collect();
    // A row never reached from a known parent is either below a bad row (already reported) or in a loop.
    let parent_of: HashMap<&str, &str> = lines
        .iter()
        .filter_map(|l| {
            l.unit
                .parent_code
                .as_deref()
                .map(|p| (l.unit.code.as_str(), p))
        })
        .collect();
    for (i, l) in lines.iter().enumerate() {
        if placed.contains(&i) {
            continue;
        }
        let mut chain = vec![l.unit.code.as_str()];
        let mut seen: HashSet<&str> = HashSet::from([l.unit.code.as_str()]);
        let mut at = l.unit.code.as_str();
        while let Some(&p) = parent_of.get(at) {
            chain.push(p);
            if p == l.unit.code {
                errors.push(row_err(
                    l.row,
                    "上级单位编码",
                    format!("上下级关系构成循环：{}", chain.join(" → ")),
                ));
                break;
            }
            if !seen.insert(p) {
                break;
            }
            at = p;
        }
    }

    if errors.is_empty() {
        Ok(order.into_iter().map(|i| lines[i].unit.clone()).collect())
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    }
}

/// Indices of `lines` in an order where every unit comes after its parent (breadth first from the roots
/// and from units whose parent is already in the database). Lines in a loop are left out.
fn parents_first(lines: &[UnitLine], existing: &HashSet<String>) -> Vec<usize> {
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut queue = std::collections::VecDeque::new();
    for (i, l) in lines.iter().enumerate() {
        match &l.unit.parent_code {
            None => queue.push_back(i),
            Some(p) if existing.contains(p) => queue.push_back(i),
            Some(p) => children.entry(p.as_str()).or_default().push(i),
        }
    }
    let mut order = Vec::with_capacity(lines.len());
    while let Some(i) = queue.pop_front() {
        order.push(i);
        if let Some(kids) = children.remove(lines[i].unit.code.as_str()) {
            queue.extend(kids);
        }
    }
    order
}

/// A 警号 (or a court's or procuratorate's 工号): 1 to 32 ASCII letters, digits, `-` or `_`.
pub fn parse_badge(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("警号不能为空".into());
    }
    if t.chars().count() > 32
        || !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("警号只能包含英文字母、数字、下划线和连字符，且不超过32个字符".into());
    }
    Ok(t.to_string())
}

/// Checks every roster row on its own and against the rest of the file; the database checks (badges and
/// ID numbers already on the roster) follow in the handler. Columns are [`OFFICER_HEADERS`], then the
/// optional ID column at `id_col`.
pub fn plan_officers(
    rows: &[(usize, Vec<String>)],
    id_col: Option<usize>,
    unit_codes: &HashSet<String>,
) -> (Vec<(usize, NewOfficer)>, Vec<RowError>) {
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut badge_row: HashMap<String, usize> = HashMap::new();
    let mut id_row: HashMap<IdNumber, usize> = HashMap::new();
    for (row, cells) in rows {
        let row = *row;
        let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
        let before = errors.len();
        let name = clean_text(cell(0), "name", "姓名", 1, 50)
            .map_err(|e| errors.push(row_err(row, "姓名", e.message)))
            .ok();
        let badge = match parse_badge(cell(1)) {
            Ok(b) => match badge_row.get(&b) {
                Some(first) => {
                    errors.push(row_err(
                        row,
                        "警号",
                        format!("警号「{b}」与第{first}行重复"),
                    ));
                    None
                }
                None => {
                    badge_row.insert(b.clone(), row);
                    Some(b)
                }
            },
            Err(m) => {
                errors.push(row_err(row, "警号", m));
                None
            }
        };
        let unit = parse_code(cell(2), "单位编码", row, &mut errors);
        if let Some(u) = &unit {
            if !unit_codes.contains(u) {
                errors.push(row_err(
                    row,
                    "单位编码",
                    format!("单位编码「{u}」在系统中不存在，请先导入单位"),
                ));
            }
        }
        let position = clean_text(cell(3), "position", "职务", 0, 50)
            .map_err(|e| errors.push(row_err(row, "职务", e.message)))
            .ok();
        let id_text = id_col.map(cell).unwrap_or("");
        let id_number = if id_text.trim().is_empty() {
            Some(None)
        } else {
            match IdNumber::parse(id_text) {
                // The number itself is never echoed back: the row says enough.
                Ok(id) => match id_row.get(&id) {
                    Some(first) => {
                        errors.push(row_err(
                            row,
                            ID_HEADER,
                            format!("身份证号与第{first}行重复"),
                        ));
                        None
                    }
                    None => {
                        id_row.insert(id.clone(), row);
                        Some(Some(id))
                    }
                },
                Err(e) => {
                    errors.push(row_err(row, ID_HEADER, e.message));
                    None
                }
            }
        };
        if errors.len() == before {
            if let (Some(name), Some(badge), Some(unit_code), Some(position), Some(id_number)) =
                (name, badge, unit, position, id_number)
            {
                out.push((
                    row,
                    NewOfficer {
                        name,
                        badge,
                        unit_code,
                        position,
                        id_number,
                    },
                ));
            }
        }
    }
    (out, errors)
}

/// The rows on the page, sorted, at most [`SHOWN_ERRORS`], and how many more there are.
fn shown(mut errors: Vec<RowError>) -> (Vec<RowError>, usize) {
    errors.sort_by_key(|e| e.row);
    let more = errors.len().saturating_sub(SHOWN_ERRORS);
    errors.truncate(SHOWN_ERRORS);
    (errors, more)
}

// ---------- uploads and downloads ----------

struct Upload {
    csrf: String,
    file: Option<Vec<u8>>,
}

/// Reads the `csrf` and `file` parts. A failure comes back as the message to show beside the file field.
async fn read_upload(mut mp: Multipart) -> Result<Upload, String> {
    let fail = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "文件过大：一次上传不能超过{}MB，请分批导入",
                MAX_UPLOAD / 1024 / 1024
            )
        } else {
            "上传的数据不完整或格式不正确，请重新选择文件上传".to_string()
        }
    };
    let mut up = Upload {
        csrf: String::new(),
        file: None,
    };
    while let Some(field) = mp.next_field().await.map_err(fail)? {
        match field.name().unwrap_or("") {
            "csrf" => up.csrf = field.text().await.map_err(fail)?,
            "file" => {
                let bytes = field.bytes().await.map_err(fail)?;
                // An empty file input still sends an empty part.
                if !bytes.is_empty() {
                    up.file = Some(bytes.to_vec());
                }
            }
            _ => {}
        }
    }
    Ok(up)
}

/// Parses off the async threads: unzipping and reading a large sheet takes real CPU time.
async fn parse_sheet(
    bytes: Vec<u8>,
    required: &'static [&'static str],
    max_rows: usize,
) -> Result<Sheet, String> {
    match tokio::task::spawn_blocking(move || reports::read_xlsx(&bytes, required, max_rows)).await
    {
        Ok(r) => r.map_err(|e| e.to_string()),
        // A parser panic on a hostile file is that file's problem, not the server's.
        Err(_) => Err("无法读取文件：文件已损坏或包含不支持的内容".into()),
    }
}

fn xlsx_download(bytes: Vec<u8>, ascii_name: &str, name: &str) -> Response {
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

fn bad_request(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

// ---------- units ----------

struct UnitView {
    code: String,
    name: String,
    indent: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "org/units.html")]
struct UnitsPage {
    nav: Nav,
    units: Vec<UnitView>,
    errors: Vec<RowError>,
    more_errors: usize,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    imported: Option<usize>,
    done: Option<String>,
    user: Option<String>,
}

async fn render_units(
    state: &AppState,
    s: &Staff,
    errors: Vec<RowError>,
    message: Option<String>,
) -> Result<Response, Error> {
    let units = state.store.units().await?;
    let (errors, more_errors) = shown(errors);
    let failed = !errors.is_empty();
    let r = page(&UnitsPage {
        nav: s.nav("/org/units"),
        units: units
            .into_iter()
            .map(|u| UnitView {
                indent: "　".repeat(u.depth),
                kind: UnitKind::parse(&u.kind)
                    .map(|k| k.label())
                    .unwrap_or("其他"),
                code: u.code,
                name: u.name,
            })
            .collect(),
        errors,
        more_errors,
        message,
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn units_page(
    State(state): State<AppState>,
    s: Staff,
    Query(d): Query<DoneQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ManageUnits)?;
    let message = d.imported.map(|n| format!("导入成功，共导入{n}个单位。"));
    render_units(&state, &s, vec![], message).await
}

async fn units_template(s: Staff) -> Result<Response, Error> {
    s.require(Permission::ManageUnits)?;
    let kinds = UnitKind::all()
        .iter()
        .map(|k| format!("{}（{}）", k.label(), k.as_str()))
        .collect::<Vec<_>>()
        .join("、");
    let notes = [
        "单位编码：必填，2至32个字符，只能包含英文字母、数字、下划线（_）和连字符（-），全市唯一。".to_string(),
        "单位名称：必填，不超过100个字。".to_string(),
        format!("单位类别：必填，填写以下之一：{kinds}；填中文或括号内的代码均可。"),
        "上级单位编码：填写系统中已有的，或本文件中其他行的单位编码；上下级在文件中的先后顺序不限。只有系统中还没有任何单位时，才可以有一个不填上级的最高一级单位。".to_string(),
        "任何一行有错误时整份文件都不会导入；请按页面列出的全部错误修改后重新上传。".to_string(),
    ];
    let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
    let bytes = reports::template_xlsx(
        "单位",
        UNIT_HEADERS,
        &["QX-ZFW", "某某区委政法委", "政法委", "SZFW"],
        &notes,
    )?;
    Ok(xlsx_download(
        bytes,
        "units-template.xlsx",
        "单位导入模板.xlsx",
    ))
}

async fn units_import(
    State(state): State<AppState>,
    s: Staff,
    mp: Multipart,
) -> Result<Response, Error> {
    s.require(Permission::ManageUnits)?;
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(m) => return render_units(&state, &s, vec![file_err(m)], None).await,
    };
    s.check_csrf(&up.csrf)?;
    let Some(bytes) = up.file else {
        return render_units(
            &state,
            &s,
            vec![file_err("请选择要导入的 Excel 文件（.xlsx）")],
            None,
        )
        .await;
    };
    let sheet = match parse_sheet(bytes, UNIT_HEADERS, MAX_UNIT_ROWS).await {
        Ok(sh) => sh,
        Err(m) => return render_units(&state, &s, vec![file_err(m)], None).await,
    };
    let existing: HashSet<String> = state
        .store
        .units()
        .await?
        .into_iter()
        .map(|u| u.code)
        .collect();
    let units = match plan_units(&sheet.rows, &existing) {
        Ok(u) => u,
        Err(errors) => return render_units(&state, &s, errors, None).await,
    };
    match state.store.create_units(&s.actor.audit(), &units).await {
        Ok(n) => Ok(Redirect::to(&format!("/org/units?imported={n}")).into_response()),
        // Someone imported the same codes a moment ago: nothing of this file was written.
        Err(StoreError::Conflict(m)) => {
            render_units(
                &state,
                &s,
                vec![file_err(format!("{m}，本次没有导入任何单位"))],
                None,
            )
            .await
        }
        Err(StoreError::Invalid(e)) => {
            render_units(
                &state,
                &s,
                vec![file_err(format!("{}，本次没有导入任何单位", e.message))],
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- officers ----------

#[derive(Template)]
#[template(path = "org/officers.html")]
struct OfficersPage {
    nav: Nav,
    officers: Vec<Officer>,
    pager: Pager,
    query: String,
    can_import: bool,
    errors: Vec<RowError>,
    more_errors: usize,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
struct RosterQuery {
    q: Option<String>,
    page: Option<u64>,
    imported: Option<usize>,
}

const ROSTER_PER_PAGE: u64 = 50;

async fn render_officers(
    state: &AppState,
    s: &Staff,
    rq: RosterQuery,
    errors: Vec<RowError>,
) -> Result<Response, Error> {
    let query: String =
        rq.q.as_deref()
            .unwrap_or("")
            .trim()
            .chars()
            .take(50)
            .collect();
    let page_no = rq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (officers, total) = state
        .store
        .officers_in_scope(
            &s.actor,
            &query,
            (page_no - 1) * ROSTER_PER_PAGE,
            ROSTER_PER_PAGE,
        )
        .await?;
    let base = if query.is_empty() {
        String::new()
    } else {
        format!("q={}&", q(&query))
    };
    let (errors, more_errors) = shown(errors);
    let failed = !errors.is_empty();
    let r = page(&OfficersPage {
        nav: s.nav("/org/officers"),
        officers,
        pager: Pager::new(Some(page_no), ROSTER_PER_PAGE, total, base),
        query,
        can_import: s.actor.role.can(Permission::ManageUnits),
        errors,
        more_errors,
        message: rq.imported.map(|n| format!("导入成功，共导入{n}名干警。")),
    });
    Ok(if failed { bad_request(r) } else { r })
}

async fn officers_page(
    State(state): State<AppState>,
    s: Staff,
    Query(rq): Query<RosterQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ViewRoster)?;
    render_officers(&state, &s, rq, vec![]).await
}

async fn officers_template(s: Staff) -> Result<Response, Error> {
    s.require(Permission::ManageUnits)?;
    let notes = [
        "姓名：必填，不超过50个字。",
        "警号：必填，全市唯一，只能包含英文字母、数字、下划线和连字符，不超过32个字符（法院、检察院填工号）。",
        "单位编码：必填，须为系统中已有单位的编码（见「单位管理」）。",
        "职务：可不填，不超过50个字。",
        "身份证号：可不填；填写时须为18位且校验位正确。系统只保存其加密摘要和掩码，不保存完整号码。",
        "一次最多导入200000行。任何一行有错误时整份文件都不会导入；请按页面列出的全部错误修改后重新上传。",
    ];
    let headers: Vec<&str> = OFFICER_HEADERS.iter().copied().chain([ID_HEADER]).collect();
    let bytes = reports::template_xlsx(
        "干警",
        &headers,
        &["张三", "012345", "QX-GA-01", "民警", "11010519491231002X"],
        &notes,
    )?;
    Ok(xlsx_download(
        bytes,
        "officers-template.xlsx",
        "干警导入模板.xlsx",
    ))
}

async fn officers_import(
    State(state): State<AppState>,
    s: Staff,
    mp: Multipart,
) -> Result<Response, Error> {
    s.require(Permission::ManageUnits)?;
    let fail = |errors: Vec<RowError>| render_officers(&state, &s, RosterQuery::default(), errors);
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(m) => return fail(vec![file_err(m)]).await,
    };
    s.check_csrf(&up.csrf)?;
    let Some(bytes) = up.file else {
        return fail(vec![file_err("请选择要导入的 Excel 文件（.xlsx）")]).await;
    };
    let sheet = match parse_sheet(bytes, OFFICER_HEADERS, MAX_OFFICER_ROWS).await {
        Ok(sh) => sh,
        Err(m) => return fail(vec![file_err(m)]).await,
    };
    let unit_codes: HashSet<String> = state
        .store
        .units()
        .await?
        .into_iter()
        .map(|u: Unit| u.code)
        .collect();
    let (officers, mut errors) = plan_officers(&sheet.rows, sheet.column(ID_HEADER), &unit_codes);

    // Against the roster already stored: badges and ID numbers must stay unique.
    let badges: Vec<String> = officers.iter().map(|(_, o)| o.badge.clone()).collect();
    let taken: HashSet<String> = state
        .store
        .existing_badges(&badges)
        .await?
        .into_iter()
        .collect();
    let ids: Vec<IdNumber> = officers
        .iter()
        .filter_map(|(_, o)| o.id_number.clone())
        .collect();
    let ids_taken: HashSet<IdNumber> = state
        .store
        .existing_id_numbers(&ids)
        .await?
        .into_iter()
        .collect();
    for (row, o) in &officers {
        if taken.contains(&o.badge) {
            errors.push(row_err(
                *row,
                "警号",
                format!("警号「{}」已在花名册中", o.badge),
            ));
        }
        if o.id_number.as_ref().is_some_and(|i| ids_taken.contains(i)) {
            errors.push(row_err(*row, ID_HEADER, "该身份证号已在花名册中"));
        }
    }
    if !errors.is_empty() {
        return fail(errors).await;
    }
    let officers: Vec<NewOfficer> = officers.into_iter().map(|(_, o)| o).collect();
    match state.store.add_officers(&s.actor.audit(), &officers).await {
        Ok(n) => Ok(Redirect::to(&format!("/org/officers?imported={n}")).into_response()),
        Err(StoreError::Conflict(m)) => {
            fail(vec![file_err(format!("{m}，本次没有导入任何干警"))]).await
        }
        Err(StoreError::Invalid(e)) => {
            fail(vec![file_err(format!(
                "{}，本次没有导入任何干警",
                e.message
            ))])
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- users ----------

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

struct UserRow {
    username: String,
    display_name: String,
    role: &'static str,
    unit_name: String,
    scope: &'static str,
    disabled: bool,
    totp_enabled: bool,
    is_self: bool,
}

#[derive(Deserialize, Default, Clone)]
struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    officer_badge: String,
}

#[derive(Template)]
#[template(path = "org/users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<UserRow>,
    roles: Vec<Opt>,
    scopes: Vec<Opt>,
    units: Vec<Opt>,
    form: UserForm,
    /// (field, message) for the new-account form.
    errors: Vec<(String, String)>,
    /// (username, message) beside one account's row.
    row_error: Option<(String, String)>,
    message: Option<String>,
}

impl UsersPage {
    fn error_for(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
    fn row_error_for(&self, username: &str) -> &str {
        match &self.row_error {
            Some((u, m)) if u == username => m,
            _ => "",
        }
    }
}

/// Checks the new-account form; every field's problem is reported at once.
fn validate_user(
    f: &UserForm,
    unit_codes: &HashSet<String>,
) -> Result<NewUser, Vec<(String, String)>> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut err = |field: &str, msg: String| errors.push((field.to_string(), msg));
    let username = Username::parse(&f.username)
        .map_err(|e| err("username", e.message))
        .ok();
    let display_name = clean_text(&f.display_name, "display_name", "姓名", 1, 50)
        .map_err(|e| err("display_name", e.message))
        .ok();
    let role = Role::parse(&f.role)
        .map_err(|_| err("role", "请选择角色".into()))
        .ok();
    let scope = DataScope::parse(&f.scope)
        .map_err(|_| err("scope", "请选择数据范围".into()))
        .ok();
    let unit_code = f.unit_code.trim().to_string();
    if unit_code.is_empty() {
        err("unit_code", "请选择所在单位".into());
    } else if !unit_codes.contains(&unit_code) {
        err(
            "unit_code",
            format!(
                "单位编码「{}」不存在",
                unit_code.chars().take(32).collect::<String>()
            ),
        );
    }
    if let Err(e) = domain::org::check_password_strength(&f.password) {
        err("password", e.message);
    }
    let badge = if f.officer_badge.trim().is_empty() {
        // A 干警 account files self-reports for one officer on the roster, so it must say which.
        if role == Some(Role::Officer) {
            err("officer_badge", "干警账号须填写花名册中的警号".into());
        }
        None
    } else {
        parse_badge(&f.officer_badge)
            .map_err(|m| err("officer_badge", m))
            .ok()
    };
    match (username, display_name, role, scope) {
        (Some(username), Some(display_name), Some(role), Some(scope)) if errors.is_empty() => {
            Ok(NewUser {
                username,
                display_name,
                role,
                unit_code,
                scope,
                password: f.password.clone(),
                officer_badge: badge,
            })
        }
        _ => Err(errors),
    }
}

/// The store names its fields after its own columns; the form's names differ for two of them.
fn form_field(e: &DomainError) -> String {
    match e.field {
        Some("unit") => "unit_code".into(),
        Some("officer") => "officer_badge".into(),
        Some(f) => f.into(),
        None => "form".into(),
    }
}

async fn render_users(
    state: &AppState,
    s: &Staff,
    form: UserForm,
    errors: Vec<(String, String)>,
    row_error: Option<(String, String)>,
    message: Option<String>,
) -> Result<Response, Error> {
    let users = state.store.users().await?;
    let units = state.store.units().await?;
    let failed = !errors.is_empty() || row_error.is_some();
    let r = page(&UsersPage {
        nav: s.nav("/org/users"),
        users: users
            .into_iter()
            .map(|u| UserRow {
                is_self: u.username == s.actor.username,
                role: Role::parse(&u.role).map(|r| r.label()).unwrap_or("未知"),
                scope: DataScope::parse(&u.scope)
                    .map(|d| d.label())
                    .unwrap_or("未知"),
                username: u.username,
                display_name: u.display_name,
                unit_name: u.unit_name,
                disabled: u.disabled,
                totp_enabled: u.totp_enabled,
            })
            .collect(),
        roles: Role::all()
            .iter()
            .map(|r| Opt {
                value: r.as_str().into(),
                label: r.label().into(),
                selected: r.as_str() == form.role,
            })
            .collect(),
        scopes: DataScope::all()
            .iter()
            .map(|d| Opt {
                value: d.as_str().into(),
                label: d.label().into(),
                selected: d.as_str() == form.scope,
            })
            .collect(),
        units: units
            .into_iter()
            .map(|u| Opt {
                selected: u.code == form.unit_code.trim(),
                label: format!("{}{}（{}）", "　".repeat(u.depth), u.name, u.code),
                value: u.code,
            })
            .collect(),
        // The password is never sent back into the page.
        form: UserForm {
            password: String::new(),
            ..form
        },
        errors,
        row_error,
        message,
    });
    Ok(if failed { bad_request(r) } else { r })
}

fn done_message(d: &DoneQuery) -> Option<String> {
    let user = d.user.as_deref().and_then(|u| Username::parse(u).ok())?;
    let u = user.as_str();
    Some(match d.done.as_deref()? {
        "created" => format!("已创建账号 {u}。首次登录时须绑定动态口令。"),
        "disabled" => format!("已停用账号 {u}，其所有登录已退出。"),
        "enabled" => format!("已启用账号 {u}。"),
        "password" => format!("已重置 {u} 的密码，其所有登录已退出。"),
        _ => return None,
    })
}

async fn users_page(
    State(state): State<AppState>,
    s: Staff,
    Query(d): Query<DoneQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ManageUsers)?;
    let form = UserForm {
        scope: DataScope::OwnUnit.as_str().into(),
        ..UserForm::default()
    };
    render_users(&state, &s, form, vec![], None, done_message(&d)).await
}

async fn create_user(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<UserForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageUsers)?;
    s.check_csrf(&f.csrf)?;
    let unit_codes: HashSet<String> = state
        .store
        .units()
        .await?
        .into_iter()
        .map(|u| u.code)
        .collect();
    let new = match validate_user(&f, &unit_codes) {
        Ok(n) => n,
        Err(errors) => return render_users(&state, &s, f, errors, None, None).await,
    };
    match state.store.create_user(&s.actor.audit(), &new).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/org/users?done=created&user={}",
            q(new.username.as_str())
        ))
        .into_response()),
        Err(StoreError::Invalid(e)) => {
            let field = form_field(&e);
            render_users(&state, &s, f, vec![(field, e.message)], None, None).await
        }
        Err(StoreError::Conflict(m)) => {
            render_users(&state, &s, f, vec![("form".into(), m)], None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn set_disabled(
    state: &AppState,
    s: &Staff,
    username: &str,
    disabled: bool,
) -> Result<Response, Error> {
    if disabled && username == s.actor.username {
        let form = UserForm {
            scope: DataScope::OwnUnit.as_str().into(),
            ..UserForm::default()
        };
        return render_users(
            state,
            s,
            form,
            vec![],
            Some((username.to_string(), "不能停用自己正在使用的账号".into())),
            None,
        )
        .await;
    }
    state
        .store
        .set_user_disabled(&s.actor.audit(), username, disabled)
        .await?;
    let done = if disabled { "disabled" } else { "enabled" };
    Ok(Redirect::to(&format!("/org/users?done={done}&user={}", q(username))).into_response())
}

async fn disable_user(
    State(state): State<AppState>,
    s: Staff,
    Path(username): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageUsers)?;
    s.check_csrf(&f.csrf)?;
    set_disabled(&state, &s, &username, true).await
}

async fn enable_user(
    State(state): State<AppState>,
    s: Staff,
    Path(username): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageUsers)?;
    s.check_csrf(&f.csrf)?;
    set_disabled(&state, &s, &username, false).await
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    s: Staff,
    Path(username): Path<String>,
    Form(f): Form<ResetForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageUsers)?;
    s.check_csrf(&f.csrf)?;
    // Resetting one's own password keeps the session it is done from.
    let keep = (username == s.actor.username).then_some(s.token.as_str());
    match state
        .store
        .set_password(&s.actor.audit(), &username, &f.password, keep)
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/org/users?done=password&user={}", q(&username)))
                .into_response(),
        ),
        Err(StoreError::Invalid(e)) => {
            let form = UserForm {
                scope: DataScope::OwnUnit.as_str().into(),
                ..UserForm::default()
            };
            render_users(&state, &s, form, vec![], Some((username, e.message)), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[&[&str]]) -> Vec<(usize, Vec<String>)> {
        data.iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    fn set(codes: &[&str]) -> HashSet<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    fn messages(errors: &[RowError]) -> Vec<String> {
        errors.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn kinds_by_label_or_code() {
        assert_eq!(parse_kind("政法委"), Some(UnitKind::Committee));
        assert_eq!(parse_kind(" prison "), Some(UnitKind::Prison));
        assert_eq!(parse_kind("Court"), Some(UnitKind::Court));
        assert_eq!(parse_kind("司法行政"), Some(UnitKind::Justice));
        assert_eq!(parse_kind("派出所"), None);
    }

    #[test]
    fn units_come_parents_first_whatever_the_file_order() {
        let r = rows(&[
            &["PCS-01", "某某派出所", "公安", "QX-GA"],
            &["QX-GA", "某某区公安分局", "police", "SZFW"],
            &["SZFW", "市委政法委", "政法委", ""],
            &["QX-FY", "某某区法院", "法院", "SZFW"],
        ]);
        let plan = plan_units(&r, &set(&[])).unwrap();
        let order: Vec<&str> = plan.iter().map(|u| u.code.as_str()).collect();
        let pos = |c: &str| order.iter().position(|x| *x == c).unwrap();
        assert_eq!(order.len(), 4);
        assert_eq!(pos("SZFW"), 0);
        assert!(pos("QX-GA") < pos("PCS-01"));
        assert_eq!(plan[pos("PCS-01")].kind, UnitKind::Police);
        assert_eq!(plan[pos("SZFW")].parent_code, None);
    }

    #[test]
    fn units_may_hang_below_units_already_stored() {
        let r = rows(&[&["QX-JY", "某某监狱", "监狱", "SZFW"]]);
        let plan = plan_units(&r, &set(&["SZFW"])).unwrap();
        assert_eq!(plan[0].parent_code.as_deref(), Some("SZFW"));
    }

    #[test]
    fn every_bad_unit_row_is_reported() {
        let r = rows(&[
            &["SZFW", "市委政法委", "政法委", ""], // 2: already stored, and no parent although a tree exists
            &["A", "甲", "法院", "SZFW"],          // 3: code too short
            &["QX-1", "", "法院", "SZFW"],         // 4: no name
            &["QX-2", "乙", "派出所", "SZFW"],     // 5: unknown kind
            &["QX-3", "丙", "法院", "NOPE"],       // 6: unknown parent
            &["QX-4", "丁", "法院", "SZFW"],       // 7: fine
            &["QX-4", "戊", "法院", "SZFW"],       // 8: duplicate of 7
            &["QX-5", "己", "法院", "QX-5"],       // 9: own parent
        ]);
        let errors = plan_units(&r, &set(&["SZFW"])).unwrap_err();
        let m = messages(&errors);
        let rows_hit: Vec<usize> = errors.iter().map(|e| e.row).collect();
        for row in [2, 3, 4, 5, 6, 8, 9] {
            assert!(rows_hit.contains(&row), "row {row} missing from {m:?}");
        }
        assert!(!rows_hit.contains(&7), "{m:?}");
        assert!(
            m.iter()
                .any(|x| x.contains("第2行「单位编码」：单位编码「SZFW」在系统中已存在")),
            "{m:?}"
        );
        assert!(m.iter().any(|x| x.contains("与第7行重复")), "{m:?}");
        assert!(
            m.iter().any(|x| x.contains("无法识别的单位类别「派出所」")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|x| x.contains("「NOPE」在本文件和系统中都不存在")),
            "{m:?}"
        );
        assert!(
            m.iter().any(|x| x.contains("上级单位不能是本单位")),
            "{m:?}"
        );
        // sorted by row for the page
        assert!(rows_hit.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn one_root_only_and_loops_are_named() {
        let r = rows(&[&["R1", "甲", "政法委", ""], &["R2", "乙", "政法委", ""]]);
        let m = messages(&plan_units(&r, &set(&[])).unwrap_err());
        assert_eq!(m.len(), 1);
        assert!(
            m[0].contains("第3行") && m[0].contains("只能有一个最高一级单位"),
            "{m:?}"
        );

        let r = rows(&[
            &["ROOT", "市委政法委", "政法委", ""],
            &["AA", "甲", "法院", "BB"],
            &["BB", "乙", "法院", "AA"],
            &["CC", "丙", "法院", "AA"],
        ]);
        let errors = plan_units(&r, &set(&[])).unwrap_err();
        let m = messages(&errors);
        assert_eq!(errors.len(), 2, "{m:?}");
        assert!(
            m[0].contains("第3行") && m[0].contains("AA → BB → AA"),
            "{m:?}"
        );
        assert!(
            m[1].contains("第4行") && m[1].contains("BB → AA → BB"),
            "{m:?}"
        );
    }

    const ID_A: &str = "11010519491231002X";

    #[test]
    fn a_clean_roster_is_planned_in_file_order() {
        let r = rows(&[
            &["张三", "000123", "QX-GA", "民警", ID_A],
            &["李四", "000124", "QX-GA", "", ""],
        ]);
        let (ok, errors) = plan_officers(&r, Some(4), &set(&["QX-GA"]));
        assert!(errors.is_empty(), "{:?}", messages(&errors));
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].0, 2);
        assert_eq!(ok[0].1.badge, "000123");
        assert!(ok[0].1.id_number.is_some());
        assert!(ok[1].1.id_number.is_none());
        assert_eq!(ok[1].1.position, "");
    }

    #[test]
    fn every_bad_roster_row_is_reported_without_echoing_id_numbers() {
        let bad_check = "110105194912310021";
        let r = rows(&[
            &["张三", "000123", "QX-GA", "民警", ID_A],      // 2: fine
            &["", "000125", "QX-GA", "民警", ""],            // 3: no name
            &["王五", "000123", "QX-GA", "民警", ""],        // 4: duplicate badge
            &["赵六", "12 34", "QX-GA", "民警", ""],         // 5: bad badge
            &["钱七", "000126", "NOPE", "民警", ""],         // 6: unknown unit
            &["孙八", "000127", "QX-GA", "民警", bad_check], // 7: bad checksum
            &["周九", "000128", "QX-GA", "民警", ID_A],      // 8: duplicate ID number
        ]);
        let (ok, errors) = plan_officers(&r, Some(4), &set(&["QX-GA"]));
        let m = messages(&errors);
        assert_eq!(ok.len(), 1);
        let rows_hit: Vec<usize> = errors.iter().map(|e| e.row).collect();
        assert_eq!(rows_hit, vec![3, 4, 5, 6, 7, 8], "{m:?}");
        assert!(m[1].contains("与第2行重复"), "{m:?}");
        assert!(m[3].contains("「NOPE」在系统中不存在"), "{m:?}");
        assert!(m[4].contains("校验位"), "{m:?}");
        assert!(m[5].contains("身份证号与第2行重复"), "{m:?}");
        assert!(
            m.iter()
                .all(|x| !x.contains(ID_A) && !x.contains(bad_check)),
            "{m:?}"
        );
    }

    #[test]
    fn roster_without_id_column() {
        let r = rows(&[&["张三", "A-1", "QX-GA", "庭长"]]);
        let (ok, errors) = plan_officers(&r, None, &set(&["QX-GA"]));
        assert!(errors.is_empty());
        assert!(ok[0].1.id_number.is_none());
    }

    fn user_form() -> UserForm {
        UserForm {
            username: "ZhangSan".into(),
            display_name: "张三".into(),
            role: "unit_liaison".into(),
            unit_code: "QX-GA".into(),
            scope: "own".into(),
            password: "abcdefghi1".into(),
            ..UserForm::default()
        }
    }

    #[test]
    fn user_form_valid_and_each_field_blamed() {
        let n = validate_user(&user_form(), &set(&["QX-GA"])).unwrap();
        assert_eq!(n.username.as_str(), "zhangsan");
        assert_eq!(n.role, Role::UnitLiaison);
        assert_eq!(n.officer_badge, None);

        let bad = UserForm {
            username: "x".into(),
            display_name: " ".into(),
            role: "root".into(),
            unit_code: "NOPE".into(),
            scope: "".into(),
            password: "short".into(),
            ..user_form()
        };
        let errors = validate_user(&bad, &set(&["QX-GA"])).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "username",
                "display_name",
                "role",
                "scope",
                "unit_code",
                "password"
            ]
        );

        let officer = UserForm {
            role: "officer".into(),
            ..user_form()
        };
        let errors = validate_user(&officer, &set(&["QX-GA"])).unwrap_err();
        assert_eq!(errors[0].0, "officer_badge");
        let officer = UserForm {
            role: "officer".into(),
            officer_badge: "000123".into(),
            ..user_form()
        };
        assert_eq!(
            validate_user(&officer, &set(&["QX-GA"]))
                .unwrap()
                .officer_badge
                .as_deref(),
            Some("000123")
        );
    }

    #[test]
    fn done_messages_only_for_known_actions_and_valid_names() {
        let d = DoneQuery {
            imported: None,
            done: Some("created".into()),
            user: Some("lisi".into()),
        };
        assert!(done_message(&d).unwrap().contains("lisi"));
        let d = DoneQuery {
            imported: None,
            done: Some("created".into()),
            user: Some("<script>".into()),
        };
        assert!(done_message(&d).is_none());
        let d = DoneQuery {
            imported: None,
            done: Some("whatever".into()),
            user: Some("lisi".into()),
        };
        assert!(done_message(&d).is_none());
    }
}
