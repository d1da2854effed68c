//! Importing the records the checks compare: a template per kind with Chinese headers and notes, and an
//! upload that reads the workbook within bounds, checks every row, names every bad cell, and writes
//! nothing unless the whole file is clean.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::access::Permission;
use domain::enforcement::checks::{RecordKind, RecordRow, parse_record};
use reports::RowError;
use serde::Deserialize;
use store::enforcement::checks::ImportResult;

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{bad_request, xlsx_download};
use crate::view::{Nav, page};

/// A province's business registrations run to a few hundred thousand rows; a file is split below this.
pub const MAX_ROWS: usize = 200_000;
pub const MAX_UPLOAD: usize = 60 * 1024 * 1024;
/// How many row errors the page lists; the rest are counted.
const SHOWN_ERRORS: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checks/imports", get(imports_page))
        .route("/checks/imports/{kind}/template.xlsx", get(template))
        .route(
            "/checks/imports/{kind}",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
}

fn file_err(message: impl Into<String>) -> RowError {
    RowError {
        row: 0,
        column: None,
        message: message.into(),
    }
}

struct KindCard {
    key: &'static str,
    label: &'static str,
    columns: String,
    count: i64,
    failed: bool,
}

#[derive(Template)]
#[template(path = "checks/imports.html")]
struct ImportsPage {
    nav: Nav,
    cards: Vec<KindCard>,
    /// Row errors of a refused upload (nothing was imported).
    errors: Vec<RowError>,
    more_errors: usize,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    kind: Option<String>,
    rows: Option<u64>,
    added: Option<u64>,
    skipped: Option<u64>,
}

/// The page; with errors for `failed` it answers 400.
async fn render(
    state: &AppState,
    s: &Staff,
    failed: Option<RecordKind>,
    mut errors: Vec<RowError>,
    message: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::RunDataChecks)?;
    let counts = state.store.check_record_counts().await?;
    errors.sort_by_key(|e| e.row);
    let more_errors = errors.len().saturating_sub(SHOWN_ERRORS);
    errors.truncate(SHOWN_ERRORS);
    let refused = failed.is_some();
    let r = page(&ImportsPage {
        nav: s.nav("/checks"),
        cards: RecordKind::all()
            .iter()
            .map(|k| KindCard {
                key: k.as_str(),
                label: k.label(),
                columns: k.headers().join("、"),
                count: counts.of(*k),
                failed: failed == Some(*k),
            })
            .collect(),
        errors,
        more_errors,
        message,
    });
    Ok(if refused { bad_request(r) } else { r })
}

async fn imports_page(
    State(state): State<AppState>,
    s: Staff,
    Query(dq): Query<DoneQuery>,
) -> Result<Response, Error> {
    let message = match (
        dq.kind.as_deref().and_then(|k| RecordKind::parse(k).ok()),
        dq.rows,
        dq.added,
        dq.skipped,
    ) {
        (Some(k), Some(rows), Some(added), Some(skipped)) => Some(format!(
            "{}导入成功：文件共{rows}行，新增{added}条{}。",
            k.label(),
            if skipped > 0 {
                format!("，{skipped}条此前已导入（未重复导入）")
            } else {
                String::new()
            }
        )),
        _ => None,
    };
    render(&state, &s, None, vec![], message).await
}

async fn template(s: Staff, Path(kind): Path<String>) -> Result<Response, Error> {
    s.require(Permission::RunDataChecks)?;
    let kind = RecordKind::parse(&kind).map_err(|_| Error::NotFound)?;
    let mut notes = kind.notes();
    notes.push(format!(
        "一次最多导入{MAX_ROWS}行。任何一行有错误时整份文件都不会导入；请按页面列出的全部错误修改后重新上传。"
    ));
    let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
    let bytes = reports::template_xlsx(kind.label(), kind.headers(), kind.example(), &notes)?;
    Ok(xlsx_download(
        bytes,
        &format!("{}-template.xlsx", kind.as_str().replace('_', "-")),
        &format!("{}导入模板.xlsx", kind.label()),
    ))
}

struct Upload {
    csrf: String,
    file: Option<Vec<u8>>,
}

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
                let b = field.bytes().await.map_err(fail)?;
                if !b.is_empty() {
                    up.file = Some(b.to_vec());
                }
            }
            _ => {}
        }
    }
    Ok(up)
}

/// Reads the first sheet and checks every row; every bad cell is returned at once.
fn parse_file(kind: RecordKind, bytes: &[u8]) -> Result<Vec<(usize, RecordRow)>, Vec<RowError>> {
    let sheet = reports::read_xlsx(bytes, kind.headers(), MAX_ROWS)
        .map_err(|e| vec![file_err(e.to_string())])?;
    let mut rows = Vec::with_capacity(sheet.rows.len());
    let mut errors = Vec::new();
    for (n, cells) in &sheet.rows {
        match parse_record(kind, cells) {
            Ok(r) => rows.push((*n, r)),
            Err(es) => errors.extend(es.into_iter().map(|e| RowError {
                row: *n,
                column: Some(e.column.to_string()),
                message: e.message,
            })),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

async fn upload(
    State(state): State<AppState>,
    s: Staff,
    Path(kind): Path<String>,
    mp: Multipart,
) -> Result<Response, Error> {
    s.require(Permission::RunDataChecks)?;
    let kind = RecordKind::parse(&kind).map_err(|_| Error::NotFound)?;
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(m) => return render(&state, &s, Some(kind), vec![file_err(m)], None).await,
    };
    s.check_csrf(&up.csrf)?;
    let Some(bytes) = up.file else {
        return render(
            &state,
            &s,
            Some(kind),
            vec![file_err("请选择要导入的 Excel 文件（.xlsx）")],
            None,
        )
        .await;
    };
    let rows = match tokio::task::spawn_blocking(move || parse_file(kind, &bytes)).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(errors)) => return render(&state, &s, Some(kind), errors, None).await,
        // A parser panic on a hostile file is that file's problem, not the server's.
        Err(_) => {
            return render(
                &state,
                &s,
                Some(kind),
                vec![file_err("无法读取文件：文件已损坏或包含不支持的内容")],
                None,
            )
            .await;
        }
    };
    match state
        .store
        .import_check_records(&s.actor, kind, &rows)
        .await?
    {
        ImportResult::Imported(sum) => Ok(Redirect::to(&format!(
            "/checks/imports?kind={}&rows={}&added={}&skipped={}",
            kind.as_str(),
            sum.rows,
            sum.added,
            sum.skipped
        ))
        .into_response()),
        ImportResult::Refused(errors) => {
            let errors = errors
                .into_iter()
                .map(|e| RowError {
                    row: e.row,
                    column: Some(e.column.to_string()).filter(|c| !c.is_empty()),
                    message: e.message,
                })
                .collect();
            render(&state, &s, Some(kind), errors, None).await
        }
    }
}
