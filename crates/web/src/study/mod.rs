//! Study and education pages (学习教育): activities with their attendance (import, manual marking, the
//! venue code and the officers' sign-in on a phone), reflection essays, the question bank and online
//! tests, and completion by unit and by officer with the list of who has not finished.

mod activities;
mod completion;
mod essays;
mod exams;
mod signin;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::Multipart;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::DomainError;
use domain::access::Permission;
use reports::RowError;
use store::study::CampaignRef;

use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::q;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/study", get(index))
        .merge(activities::routes())
        .merge(signin::routes())
        .merge(essays::routes())
        .merge(exams::routes())
        .merge(completion::routes())
}

/// Where `/study` leads each role.
async fn index(s: Staff) -> Result<Response, Error> {
    let r = s.actor.role;
    let to = if r.can(Permission::TakeStudy) {
        "/study/me"
    } else if r.can(Permission::ManageStudy) {
        "/study/activities"
    } else if r.can(Permission::ViewStudyProgress) {
        "/study/completion"
    } else if r.can(Permission::ReviewEssays) {
        "/study/essays"
    } else {
        return Err(Error::Forbidden);
    };
    Ok(Redirect::to(to).into_response())
}

/// An option of a `<select>`.
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

/// The campaigns for a selector and the one chosen (by id, else the newest).
pub(crate) struct Campaigns {
    pub all: Vec<CampaignRef>,
    pub current: Option<CampaignRef>,
}

impl Campaigns {
    pub async fn load(state: &AppState, wanted: Option<&str>) -> Result<Campaigns, Error> {
        let all = state.store.study_campaigns().await?;
        let current = wanted
            .and_then(|w| all.iter().find(|c| c.id == w))
            .or(all.first())
            .cloned();
        Ok(Campaigns { all, current })
    }

    pub fn id(&self) -> &str {
        self.current.as_ref().map(|c| c.id.as_str()).unwrap_or("")
    }

    pub fn options(&self) -> Vec<Opt> {
        opts(
            self.all.iter().map(|c| (c.id.as_str(), c.name.as_str())),
            self.id(),
        )
    }
}

/// Form errors by field, shown beside each field.
#[derive(Default)]
pub(crate) struct FieldErrors(pub Vec<DomainError>);

impl FieldErrors {
    pub fn of(&self, field: &str) -> String {
        self.0
            .iter()
            .filter(|e| e.field == Some(field) || (field == "form" && e.field.is_none()))
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// A page answered with 400: the form came back with what was wrong.
pub(crate) fn bad_request(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

/// Renders a template, with status 400 when `failed`.
pub(crate) fn render<T: Template>(t: &T, failed: bool) -> Response {
    let r = crate::view::page(t);
    if failed { bad_request(r) } else { r }
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

/// Largest spreadsheet upload. The bounded reader refuses more than 256 MiB unpacked anyway.
pub(crate) const MAX_UPLOAD: usize = 40 * 1024 * 1024;

/// The parts of an upload form.
#[derive(Default)]
pub(crate) struct Upload {
    pub csrf: String,
    pub campaign: String,
    pub file: Option<Vec<u8>>,
}

/// Reads the `csrf`, `campaign` and `file` parts; a failure is the message to show beside the file.
pub(crate) async fn read_upload(mut mp: Multipart) -> Result<Upload, String> {
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
    let mut up = Upload::default();
    while let Some(field) = mp.next_field().await.map_err(fail)? {
        match field.name().unwrap_or("") {
            "csrf" => up.csrf = field.text().await.map_err(fail)?,
            "campaign" => up.campaign = field.text().await.map_err(fail)?,
            "file" => {
                let bytes = field.bytes().await.map_err(fail)?;
                if !bytes.is_empty() {
                    up.file = Some(bytes.to_vec());
                }
            }
            _ => {}
        }
    }
    Ok(up)
}

/// Reads a sheet off the async threads (unzipping takes real CPU); a parser panic is the file's fault.
pub(crate) async fn parse_sheet(
    bytes: Vec<u8>,
    required: &'static [&'static str],
    max_rows: usize,
) -> Result<reports::Sheet, String> {
    match tokio::task::spawn_blocking(move || reports::read_xlsx(&bytes, required, max_rows)).await
    {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("无法读取文件：文件已损坏或包含不支持的内容".into()),
    }
}

pub(crate) fn file_err(message: impl Into<String>) -> RowError {
    RowError {
        row: 0,
        column: None,
        message: message.into(),
    }
}

/// How many row errors a page lists; the rest are counted.
const SHOWN_ERRORS: usize = 200;

/// The errors to list, in row order, and how many more there are.
pub(crate) fn shown(mut errors: Vec<RowError>) -> (Vec<RowError>, usize) {
    errors.sort_by_key(|e| e.row);
    let more = errors.len().saturating_sub(SHOWN_ERRORS);
    errors.truncate(SHOWN_ERRORS);
    (errors, more)
}

/// Streams rows into an .xlsx on a blocking thread while `fill` pages through the store; returns the
/// file's bytes and the number of rows.
pub(crate) async fn export_xlsx<F, Fut>(
    sheet: &'static str,
    headers: &'static [&'static str],
    fill: F,
) -> Result<(Vec<u8>, u64), Error>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Vec<reports::Cell>>) -> Fut,
    Fut: std::future::Future<Output = Result<u64, Error>>,
{
    let (tmp, count) = export_xlsx_file(sheet, headers, fill).await?;
    let bytes = tokio::fs::read(tmp.path())
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    Ok((bytes, count))
}

/// Writes the rows `fill` sends into a temporary .xlsx on a blocking thread, in constant memory.
pub(crate) async fn export_xlsx_file<F, Fut>(
    sheet: &'static str,
    headers: &'static [&'static str],
    fill: F,
) -> Result<(tempfile::NamedTempFile, u64), Error>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Vec<reports::Cell>>) -> Fut,
    Fut: std::future::Future<Output = Result<u64, Error>>,
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
    let count = fill(tx).await?;
    writer
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))??;
    Ok((tmp, count))
}

/// Sends a finished .xlsx from disk as it is read, so a large export never sits in memory whole. The
/// path is removed at once; the open handle keeps the data until the last byte is sent.
pub(crate) async fn xlsx_file_download(
    tmp: tempfile::NamedTempFile,
    ascii_name: &str,
    name: &str,
) -> Result<Response, Error> {
    let file = tokio::fs::File::open(tmp.path())
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    let len = file
        .metadata()
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?
        .len();
    drop(tmp);
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024));
    let mut res = xlsx_download(Vec::new(), ascii_name, name);
    *res.body_mut() = body;
    res.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Ok(res)
}

/// `2024-03-01` for file names.
pub(crate) fn stamp() -> String {
    store::clues::today().format("%Y%m%d").to_string()
}
